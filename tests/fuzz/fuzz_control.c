/*
 * Copyright (c) 2026 The pcibackd authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */


/*
 * The control socket as a client on it sees it: the unprivileged control
 * process's side (daemon/ctlproc.c: accept, framing, who may ask;
 * daemon/ctlparse.c: the arguments), which takes everything a client
 * sends, and behind the socketpair the parent's (daemon/control.c and
 * the commands), which gets only parsed requests; both in this process,
 * on a real unix socket and a real socketpair, their callbacks fired
 * by the stubbed libevent (tests/fuzz/stub_xen.c fires the ones whose
 * fd is ready); three emulated devices of which a configuration holds
 * two, no Xen.
 *
 * Input: items until it ends.  [0-2 mod 4] a request framed as
 * pcibackctl frames it: [cmd][nargs] then per argument a byte picking a
 * word (addresses held or not, on/off, numbers, levels), a register
 * offset or a raw string; [3 mod 4] [len] raw bytes, any framing at
 * all.  After each item the daemon runs until idle and the replies are
 * read.
 *
 * Checked: no memory error or leak, across sequences of requests (the
 * 33rd quirk on one device, hold/release/reset interleavings); every
 * reply message is well framed, every record well formed; while the
 * client framed its requests properly, each got exactly one END, in
 * order, and the connection stayed open.
 */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcibackd.h"
#include "stub_xen.h"

#define MAX_ITEMS	64
#define RX_MAX		(2 * 1024 * 1024)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static char		 dir[64], conffile[128], sockpath[96];
static uint8_t		*rx;
static size_t		 rxlen;
static unsigned int	 sent, ended;
static int		 framed;	/* the client kept to the protocol */
static int		 trace;		/* FUZZ_TRACE=1: print the replies */

static const char *const words[] = {
	"0000:00:02.0", "0000:00:03.0", "0000:00:04.0", "0000:00:03.1",
	"00:02.0", "on", "off", "0x40", "0x44", "4", "2", "1", "0xff",
	"0xffffffff", "0x1000", "0xfff", "verbose", "brief", "warning",
	"info", "debug", "5", "0", "", "-1", "0x3c", "0x10",
};

static void
put(uint8_t *cfg, unsigned int off, unsigned int size, uint32_t v)
{
	unsigned int	i;

	for (i = 0; i < size; i++)
		cfg[off + i] = (uint8_t)(v >> (8 * i));
}

static void
dump_dev(FILE *f, const char *addr, const uint8_t *cfg)
{
	unsigned int	i;

	fprintf(f, "%s Class %02x%02x: Device %02x%02x:%02x%02x\n", addr,
	    cfg[11], cfg[10], cfg[1], cfg[0], cfg[3], cfg[2]);
	for (i = 0; i < CFGSPACE_CONV_SIZE; i++) {
		if (i % 16 == 0)
			fprintf(f, "%02x:", i);
		fprintf(f, " %02x%s", cfg[i], i % 16 == 15 ? "\n" : "");
	}
	fputc('\n', f);
}

/* Two devices in an lspci dump, a configuration holding them. */
static void
setup(void)
{
	uint8_t	cfg[CFGSPACE_CONV_SIZE];
	char	path[256];
	FILE	*f;

	if (dir[0] != '\0')
		return;
	snprintf(dir, sizeof(dir), "/tmp/fuzz_control.%d", (int)getpid());
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		abort();
	snprintf(path, sizeof(path), "%s/devs.txt", dir);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	memset(cfg, 0, sizeof(cfg));
	put(cfg, 0x00, 4, 0x11e81234);
	put(cfg, 0x04, 4, 0x00100103);
	put(cfg, 0x08, 4, 0x00ff0010);
	put(cfg, 0x10, 4, 0xfea00000);
	put(cfg, 0x34, 1, 0x40);
	put(cfg, 0x3c, 2, 0x010b);
	put(cfg, 0x40, 4, 0x00805005);
	dump_dev(f, "00:02.0", cfg);
	put(cfg, 0x00, 4, 0x0001abcd);
	put(cfg, 0x08, 4, 0x02000001);
	put(cfg, 0x10, 4, 0xfe000000);
	put(cfg, 0x40, 4, 0x00005005);
	put(cfg, 0x50, 4, 0x00070011);
	put(cfg, 0x54, 4, 0x00002000);
	put(cfg, 0x58, 4, 0x00003000);
	dump_dev(f, "00:03.0", cfg);
	dump_dev(f, "00:04.0", cfg);
	fclose(f);
	snprintf(path, sizeof(path), "%s/devs.bars", dir);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fprintf(f, "00:02.0 0 0x100000\n00:03.0 0 0x4000\n"
	    "00:04.0 0 0x4000\n");
	fclose(f);
	snprintf(sockpath, sizeof(sockpath), "%s/ctl.sock", dir);
	snprintf(conffile, sizeof(conffile), "%s/pcibackd.conf", dir);
	if ((f = fopen(conffile, "w")) == NULL)
		abort();
	fprintf(f, "socket \"%s\"\n"
	    "emulate \"dump:%s/devs.txt\" bars \"%s/devs.bars\"\n"
	    "device 0000:00:02.0 { name \"edu\" quirk 0x60 4 0xff }\n"
	    "device 0000:00:03.* { permissive yes }\n", sockpath, dir, dir);
	fclose(f);
	if ((rx = malloc(RX_MAX)) == NULL)
		abort();
}

static void
check_record(const uint8_t *p, size_t len)
{
	size_t	i = 0, k, v;
	int	first = 1;

	while (i < len) {
		if (p[i] != CONTROL_F_STRING && p[i] != CONTROL_F_NUMBER &&
		    p[i] != CONTROL_F_BOOL)
			abort();
		k = i + 1;
		if ((v = k + strnlen((const char *)p + k, len - k)) >= len)
			abort();
		v++;
		if (memchr(p + v, '\0', len - v) == NULL)
			abort();
		if (first && (p[i] != CONTROL_F_STRING ||
		    strcmp((const char *)p + k, "record") != 0))
			abort();
		if (p[i] == CONTROL_F_NUMBER && (p[v] == '\0' ||
		    strspn((const char *)p + v, "0123456789") !=
		    strlen((const char *)p + v)))
			abort();
		if (p[i] == CONTROL_F_BOOL && strcmp((const char *)p + v, "0") &&
		    strcmp((const char *)p + v, "1"))
			abort();
		first = 0;
		i = v + strlen((const char *)p + v) + 1;
	}
	if (first)
		abort();	/* a record has at least its kind */
}

/* Take the complete messages received so far. */
static void
check_replies(void)
{
	struct control_hdr	h;
	size_t			off = 0;

	while (rxlen - off >= sizeof(h)) {
		memcpy(&h, rx + off, sizeof(h));
		if (h.ch_version != CONTROL_PROTOCOL_VERSION ||
		    h.ch_len > CONTROL_PAYLOAD_MAX)
			abort();
		if (rxlen - off - sizeof(h) < h.ch_len)
			break;
		if (h.ch_type == CONTROL_MSG_RECORD)
			check_record(rx + off + sizeof(h), h.ch_len);
		else if (h.ch_type == CONTROL_MSG_END) {
			if (h.ch_len == 0 || h.ch_arg > 4095 ||
			    rx[off + sizeof(h) + h.ch_len - 1] != '\0')
				abort();
			ended++;
			if (trace)
				fprintf(stderr, "END %u \"%s\"\n", h.ch_arg,
				    (const char *)rx + off + sizeof(h));
		} else
			abort();
		off += sizeof(h) + h.ch_len;
	}
	memmove(rx, rx + off, rxlen - off);
	rxlen -= off;
}

/* Run the daemon until idle, reading what it writes. */
static void
pump(int fd)
{
	ssize_t	n;
	int	i;

	for (i = 0; i < 10000; i++) {
		while (rxlen < RX_MAX &&
		    (n = recv(fd, rx + rxlen, RX_MAX - rxlen, 0)) > 0)
			rxlen += (size_t)n;
		check_replies();
		if (!stub_event_loop())
			break;
	}
}

static void
send_all(int fd, const void *p, size_t len)
{
	const uint8_t	*b = p;
	ssize_t		 n;

	while (len > 0) {
		if ((n = send(fd, b, len, MSG_NOSIGNAL)) == -1) {
			if (errno != EAGAIN)
				return;		/* dropped */
			pump(fd);
			continue;
		}
		b += n;
		len -= (size_t)n;
	}
}

static size_t
request(int fd, const uint8_t *p, size_t n)
{
	struct control_hdr	 h;
	uint8_t			 msg[sizeof(h) + CONTROL_PAYLOAD_MAX];
	size_t			 used = 0, len = 0, l;
	unsigned int		 nargs, i;
	const char		*w;

	if (n < 2)
		return n;
	h.ch_version = CONTROL_PROTOCOL_VERSION;
	h.ch_type = CONTROL_MSG_REQUEST;
	h.ch_arg = p[0] % 16;
	nargs = p[1] % 6;
	used = 2;
	for (i = 0; i < nargs && used < n; i++) {
		if (p[used] & 0x80 && used + 1 < n) {
			/* A raw argument, NULs cut out. */
			l = p[used + 1] % 48;
			used += 2;
			if (l > n - used)
				l = n - used;
			for (; l > 0; l--, used++)
				if (p[used] != '\0')
					msg[sizeof(h) + len++] = p[used];
		} else if (p[used] & 0x40) {
			/* A register offset, the kind quirk lines name. */
			len += (size_t)snprintf((char *)msg + sizeof(h) + len,
			    16, "0x%x", (p[used++] & 0x3f) * 4 + 0x40);
		} else {
			w = words[p[used++] % (sizeof(words) /
			    sizeof(words[0]))];
			memcpy(msg + sizeof(h) + len, w, strlen(w));
			len += strlen(w);
		}
		msg[sizeof(h) + len++] = '\0';
	}
	h.ch_len = (uint32_t)len;
	memcpy(msg, &h, sizeof(h));
	send_all(fd, msg, sizeof(h) + len);
	sent++;
	return used;
}

static size_t
raw(int fd, const uint8_t *p, size_t n)
{
	size_t	len;

	if (n < 1)
		return n;
	len = p[0];
	if (len > n - 1)
		len = n - 1;
	send_all(fd, p + 1, len);
	framed = 0;
	return 1 + len;
}

static int
client(void)
{
	struct sockaddr_un	sun;
	int			fd;

	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		abort();
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sockpath);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		abort();
	if (fcntl(fd, F_SETFL, O_NONBLOCK) == -1)
		abort();
	return fd;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pcibackd	env;
	size_t		used;
	int		fd, items = 0;

	setup();
	trace = getenv("FUZZ_TRACE") != NULL;
	memset(&env, 0, sizeof(env));
	TAILQ_INIT(&env.pb_devices);
	TAILQ_INIT(&env.pb_frontends);
	env.pb_conffile = conffile;
	if ((env.pb_conf = parse_config(conffile)) == NULL)
		abort();
	control_init(&env);
	env.pb_base = (struct event_base *)(void *)dir;	/* never used */
	device_init(&env);
	control_listen_inproc(&env);
	fd = client();
	rxlen = 0;
	sent = ended = 0;
	framed = 1;
	pump(fd);
	while (size > 0 && items++ < MAX_ITEMS) {
		if (data[0] % 4 == 3)
			used = 1 + raw(fd, data + 1, size - 1);
		else
			used = 1 + request(fd, data + 1, size - 1);
		data += used;
		size -= used;
		pump(fd);
		if (framed && ended != sent)
			abort();	/* a request without its END */
	}
	close(fd);
	pump(-1);
	control_shutdown(&env);
	device_shutdown(&env);
	conf_free(env.pb_conf);
	return 0;
}
