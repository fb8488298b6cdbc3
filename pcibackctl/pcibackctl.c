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
 * pcibackctl: ask pcibackd(8) over its control socket.  The command
 * table the daemon shares (control_proto.c) names the commands and
 * counts their arguments; ctl_commands[] adds how to check the
 * arguments and print the answer.  Words may be shortened to any
 * unambiguous prefix.  The daemon sends typed key/value
 * records (control_proto.h); this program prints them as text or, with
 * -j, as one JSON array.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bdf.h"
#include "control_proto.h"
#include "util.h"

#define CTL_WORDS_MAX	2
#define CTL_ARGS_MAX	4
#define CTL_FIELDS_MAX	64
#define CTL_TIMEOUT_SEC	30

/* Argument kinds, checked here before anything is sent. */
enum ctl_arg {
	CTL_ARG_NONE = 0,
	CTL_ARG_ADDR,		/* [DDDD:]BB:DD.F */
	CTL_ARG_DOMID,
	CTL_ARG_ONOFF,
	CTL_ARG_VERBOSE,	/* verbose|brief */
	CTL_ARG_LEVEL,		/* warning|info|debug */
	CTL_ARG_OFFSET,		/* decimal or 0x hex, < 4096 */
	CTL_ARG_SIZE,		/* 1, 2 or 4 */
	CTL_ARG_MASK,		/* decimal or 0x hex, 32 bits */
	CTL_ARG_OPTADDR		/* an address, or none: sent as "" */
};

struct ctl_field {
	int		 cf_type;	/* CONTROL_F_* */
	const char	*cf_key;
	const char	*cf_val;
};

struct ctl_record {
	const char		*cr_kind;
	struct ctl_field	 cr_fields[CTL_FIELDS_MAX];
	size_t			 cr_nfields;
};

struct ctl {
	const char	*c_path;
	int		 c_json;
	int		 c_fd;
	int		 c_senderr;	/* the request did not go out */
	size_t		 c_nrecords;
};

/* Words, argument count and privilege: control_cmdinfo[], shared. */
struct ctl_command {
	uint32_t	 ct_cmd;
	enum ctl_arg	 ct_args[CTL_ARGS_MAX];
	/* Prints one record as text; NULL at the end of the reply. */
	void		(*ct_handler)(struct ctl *,
			    const struct ctl_record *);
	const char	*ct_usage;	/* the arguments, for usage() */
};

static void	ctl_print_devices(struct ctl *, const struct ctl_record *);
static void	ctl_print_guests(struct ctl *, const struct ctl_record *);
static void	ctl_print_guest(struct ctl *, const struct ctl_record *);
static void	ctl_print_pairs(struct ctl *, const struct ctl_record *);
static void	ctl_print_permissive(struct ctl *,
		    const struct ctl_record *);
static void	ctl_print_log(struct ctl *, const struct ctl_record *);
static void	ctl_print_explain(struct ctl *, const struct ctl_record *);
static void	ctl_print_reload(struct ctl *, const struct ctl_record *);
static void	ctl_print_hold(struct ctl *, const struct ctl_record *);
static void	ctl_print_release(struct ctl *, const struct ctl_record *);
static void	ctl_print_quirk(struct ctl *, const struct ctl_record *);
static void	ctl_print_reset(struct ctl *, const struct ctl_record *);
static void	ctl_print_denied(struct ctl *, const struct ctl_record *);
static void	ctl_print_suggest(struct ctl *, const struct ctl_record *);
static void	ctl_print_metrics(struct ctl *, const struct ctl_record *);
static void	ctl_print_check(struct ctl *, const struct ctl_record *);

static const struct ctl_command ctl_commands[] = {
	{ CONTROL_CMD_SHOW_DEVICES, { 0 }, ctl_print_devices, "" },
	{ CONTROL_CMD_SHOW_GUESTS, { 0 }, ctl_print_guests, "" },
	{ CONTROL_CMD_SHOW_GUEST, { CTL_ARG_DOMID }, ctl_print_guest,
	    "domid" },
	{ CONTROL_CMD_SHOW_STATS, { 0 }, ctl_print_pairs, "" },
	{ CONTROL_CMD_PERMISSIVE, { CTL_ARG_ADDR, CTL_ARG_ONOFF },
	    ctl_print_permissive, "address on|off" },
	{ CONTROL_CMD_LOG, { CTL_ARG_VERBOSE }, ctl_print_log,
	    "verbose|brief" },
	{ CONTROL_CMD_LOG_LEVEL, { CTL_ARG_LEVEL }, ctl_print_log,
	    "warning|info|debug" },
	{ CONTROL_CMD_EXPLAIN, { CTL_ARG_ADDR }, ctl_print_explain,
	    "address" },
	{ CONTROL_CMD_RELOAD, { 0 }, ctl_print_reload, "" },
	{ CONTROL_CMD_HOLD, { CTL_ARG_ADDR }, ctl_print_hold, "address" },
	{ CONTROL_CMD_RELEASE, { CTL_ARG_ADDR }, ctl_print_release,
	    "address" },
	{ CONTROL_CMD_QUIRK_ADD,
	    { CTL_ARG_ADDR, CTL_ARG_OFFSET, CTL_ARG_SIZE, CTL_ARG_MASK },
	    ctl_print_quirk, "address offset size mask" },
	{ CONTROL_CMD_QUIRK_DEL, { CTL_ARG_ADDR, CTL_ARG_OFFSET },
	    ctl_print_quirk, "address offset" },
	{ CONTROL_CMD_RESET, { CTL_ARG_ADDR }, ctl_print_reset, "address" },
	{ CONTROL_CMD_SHOW_DENIED, { CTL_ARG_OPTADDR }, ctl_print_denied,
	    "[address]" },
	{ CONTROL_CMD_SUGGEST, { CTL_ARG_ADDR }, ctl_print_suggest,
	    "address" },
	{ CONTROL_CMD_SHOW_METRICS, { 0 }, ctl_print_metrics, "" },
	{ CONTROL_CMD_CHECK, { 0 }, ctl_print_check, "" },
};
#define CTL_NCOMMANDS	(sizeof(ctl_commands) / sizeof(ctl_commands[0]))

static const char *ctl_progname = "pcibackctl";

/* Each command's words, split from the shared table by ctl_init(). */
static char	 ctl_wordbuf[CTL_NCOMMANDS][64];
static const char *ctl_words[CTL_NCOMMANDS][CTL_WORDS_MAX];

static const char *
ctl_word(const struct ctl_command *ct, size_t w)
{
	return ctl_words[ct - ctl_commands][w];
}

static void __attribute__((noreturn))
usage(void)
{
	const struct ctl_command	*ct;
	size_t				 i, w;

	fprintf(stderr, "usage: %s [-j] [-s socket] command [argument ...]\n",
	    ctl_progname);
	fprintf(stderr, "commands:\n");
	for (i = 0; i < CTL_NCOMMANDS; i++) {
		ct = &ctl_commands[i];
		fprintf(stderr, "\t");
		for (w = 0; w < CTL_WORDS_MAX && ctl_word(ct, w) != NULL; w++)
			fprintf(stderr, "%s%s", w > 0 ? " " : "",
			    ctl_word(ct, w));
		fprintf(stderr, "%s%s\n", ct->ct_usage[0] ? " " : "",
		    ct->ct_usage);
	}
	exit(1);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
ctl_fatalx(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "%s: ", ctl_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

/* ---- parsing the command line -------------------------------------- */

static size_t
ctl_nwords(const struct ctl_command *ct)
{
	size_t	n = 0;

	while (n < CTL_WORDS_MAX && ctl_word(ct, n) != NULL)
		n++;
	return n;
}

/* What the user typed, for messages: the first n words. */
static void
ctl_typed(char *buf, size_t len, int argc, char *argv[], int n)
{
	int	i;

	buf[0] = '\0';
	for (i = 0; i < n && i < argc; i++) {
		strncat(buf, i > 0 ? " " : "", len - strlen(buf) - 1);
		strncat(buf, argv[i], len - strlen(buf) - 1);
	}
}

/*
 * Keep the commands whose word w the user's word names: exactly if one
 * does, else as a prefix.  Returns how many distinct words matched and
 * lists them in alts.
 */
static int
ctl_match(int *alive, size_t w, const char *typed, char *alts, size_t len)
{
	const char	*word, *seen[CTL_NCOMMANDS];
	size_t		 i, j, tlen = strlen(typed);
	int		 exact = 0, n = 0;

	/* Commands with no word w are out: the user typed one. */
	for (i = 0; i < CTL_NCOMMANDS; i++)
		if (alive[i] && ctl_nwords(&ctl_commands[i]) <= w)
			alive[i] = 0;
	for (i = 0; i < CTL_NCOMMANDS; i++)
		if (alive[i] && strcmp(ctl_word(&ctl_commands[i], w), typed) == 0)
			exact = 1;
	alts[0] = '\0';
	for (i = 0; i < CTL_NCOMMANDS; i++) {
		if (!alive[i])
			continue;
		word = ctl_word(&ctl_commands[i], w);
		if (tlen == 0 || strncmp(word, typed, tlen) != 0 ||
		    (exact && strcmp(word, typed) != 0)) {
			alive[i] = 0;
			continue;
		}
		for (j = 0; j < (size_t)n; j++)
			if (strcmp(seen[j], word) == 0)
				break;
		if (j < (size_t)n)
			continue;
		seen[n++] = word;
		snprintf(alts + strlen(alts), len - strlen(alts), "%s%s",
		    n > 1 ? ", " : "", word);
	}
	return n;
}

/*
 * A live command ends before word w, and no longer live command goes on
 * with what the user typed there ("log verbose" is "log", "log level
 * info" is "log level").
 */
static int
ctl_done(const int *alive, size_t w, const char *typed)
{
	const char	*word;
	size_t		 i, n;
	int		 ends = 0;

	for (i = 0; i < CTL_NCOMMANDS; i++) {
		if (!alive[i])
			continue;
		if ((n = ctl_nwords(&ctl_commands[i])) == w)
			ends = 1;
		else if (n > w) {
			word = ctl_word(&ctl_commands[i], w);
			if (typed[0] != '\0' &&
			    strncmp(word, typed, strlen(typed)) == 0)
				return 0;
		}
	}
	return ends;
}

/*
 * Word by word: an exact word wins, else a unique prefix among the
 * commands still in the running.  Exits on unknown, ambiguous or
 * incomplete input.
 */
static const struct ctl_command *
ctl_lookup(int argc, char *argv[], int *used)
{
	int	 alive[CTL_NCOMMANDS], n;
	char	 typed[256], alts[256];
	size_t	 i, w;

	for (i = 0; i < CTL_NCOMMANDS; i++)
		alive[i] = 1;
	for (w = 0; w < CTL_WORDS_MAX && (int)w < argc; w++) {
		/* Done if a live command has no more words. */
		if (ctl_done(alive, w, argv[w]))
			goto found;
		n = ctl_match(alive, w, argv[w], alts, sizeof(alts));
		ctl_typed(typed, sizeof(typed), argc, argv, (int)w + 1);
		if (n == 0) {
			fprintf(stderr, "%s: unknown command \"%s\"\n",
			    ctl_progname, typed);
			usage();
		}
		if (n > 1) {
			fprintf(stderr, "%s: ambiguous command \"%s\": %s?\n",
			    ctl_progname, typed, alts);
			usage();
		}
	}
found:
	for (i = 0; i < CTL_NCOMMANDS; i++)
		if (alive[i] && ctl_nwords(&ctl_commands[i]) <= w) {
			*used = (int)w;
			return &ctl_commands[i];
		}
	ctl_typed(typed, sizeof(typed), argc, argv, argc);
	fprintf(stderr, "%s: incomplete command \"%s\"\n", ctl_progname,
	    typed);
	usage();
}

/* "show guest": the command's words. */
static const char *
ctl_name(const struct ctl_command *ct)
{
	static char	buf[64];
	size_t		w;

	buf[0] = '\0';
	for (w = 0; w < ctl_nwords(ct); w++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
		    w > 0 ? " " : "", ctl_word(ct, w));
	return buf;
}

static int
ctl_nargs(const struct ctl_command *ct)
{
	return control_cmdinfo_find(ct->ct_cmd)->ci_nargs;
}

/*
 * Words from the shared table; every command there must be here, with as
 * many argument checks as it has arguments.
 */
static void
ctl_init(void)
{
	const struct control_cmdinfo	*ci;
	char				*p, *save = NULL;
	size_t				 i, w;
	int				 n;

	for (i = 0; i < CTL_NCOMMANDS; i++) {
		if ((ci = control_cmdinfo_find(ctl_commands[i].ct_cmd)) == NULL)
			ctl_fatalx("command %u: not in the shared table",
			    ctl_commands[i].ct_cmd);
		for (n = 0; n < CTL_ARGS_MAX &&
		    ctl_commands[i].ct_args[n] != CTL_ARG_NONE; n++)
			;
		if (n != ci->ci_nargs)
			ctl_fatalx("%s: %d argument checks for %d arguments",
			    ci->ci_name, n, ci->ci_nargs);
		snprintf(ctl_wordbuf[i], sizeof(ctl_wordbuf[i]), "%s",
		    ci->ci_name);
		p = strtok_r(ctl_wordbuf[i], " ", &save);
		for (w = 0; w < CTL_WORDS_MAX && p != NULL; w++) {
			ctl_words[i][w] = p;
			p = strtok_r(NULL, " ", &save);
		}
	}
	if (CTL_NCOMMANDS != control_ncmdinfo)
		ctl_fatalx("%zu commands, the shared table has %u",
		    (size_t)CTL_NCOMMANDS, control_ncmdinfo);
}

/* A quirk's offset, size or mask; the daemon checks them together. */
static void
ctl_number(const struct ctl_command *ct, enum ctl_arg kind, const char *s)
{
	uint64_t	v;

	if (util_number(s, 0, UINT32_MAX, &v) != 0)
		ctl_fatalx("%s: bad %s \"%s\": want a number, decimal or 0x "
		    "hex", ctl_name(ct), kind == CTL_ARG_OFFSET ? "offset" :
		    kind == CTL_ARG_SIZE ? "size" : "mask", s);
	if (kind == CTL_ARG_OFFSET && v >= 4096)
		ctl_fatalx("%s: bad offset \"%s\": beyond config space (max "
		    "0xfff)", ctl_name(ct), s);
	if (kind == CTL_ARG_SIZE && v != 1 && v != 2 && v != 4)
		ctl_fatalx("%s: bad size \"%s\": want 1, 2 or 4",
		    ctl_name(ct), s);
}

/* Check one argument; the canonical form goes to out. */
static void
ctl_arg(const struct ctl_command *ct, enum ctl_arg kind, const char *s,
    char *out, size_t len)
{
	struct bdf_pattern	p;
	struct bdf_error	err;
	uint64_t		v;

	switch (kind) {
	case CTL_ARG_OPTADDR:
		if (s[0] == '\0') {
			out[0] = '\0';
			return;
		}
		/* FALLTHROUGH */
	case CTL_ARG_ADDR:
		if (bdf_parse_xl(s, &p, &err) != 0)
			ctl_fatalx("%s: bad address %s", ctl_name(ct),
			    err.be_msg);
		if (p.bp_allfn)
			ctl_fatalx("%s: bad address \"%s\": name one "
			    "function, not every function of a slot",
			    ctl_name(ct), s);
		bdf_format_dev(&p.bp_bdf, out, len);
		return;
	case CTL_ARG_DOMID:
		if (util_number(s, 10, 0x7fef, &v) != 0)
			ctl_fatalx("%s: bad domain id \"%s\": want 0 to "
			    "32751", ctl_name(ct), s);
		break;
	case CTL_ARG_ONOFF:
		if (strcmp(s, "on") != 0 && strcmp(s, "off") != 0)
			ctl_fatalx("%s: want on or off, not \"%s\"",
			    ctl_name(ct), s);
		break;
	case CTL_ARG_VERBOSE:
		if (strcmp(s, "verbose") != 0 && strcmp(s, "brief") != 0)
			ctl_fatalx("%s: want verbose or brief, not \"%s\"",
			    ctl_name(ct), s);
		break;
	case CTL_ARG_LEVEL:
		if (strcmp(s, "warning") != 0 && strcmp(s, "info") != 0 &&
		    strcmp(s, "debug") != 0)
			ctl_fatalx("%s: want warning, info or debug, not "
			    "\"%s\"", ctl_name(ct), s);
		break;
	case CTL_ARG_OFFSET:
	case CTL_ARG_SIZE:
	case CTL_ARG_MASK:
		ctl_number(ct, kind, s);
		break;
	case CTL_ARG_NONE:
		break;
	}
	snprintf(out, len, "%s", s);
}

/* ---- the socket ---------------------------------------------------- */

static void
ctl_connect(struct ctl *c)
{
	struct sockaddr_un	sun;
	struct timeval		tv = { CTL_TIMEOUT_SEC, 0 };

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(c->c_path) >= sizeof(sun.sun_path))
		ctl_fatalx("%s: socket path too long", c->c_path);
	memcpy(sun.sun_path, c->c_path, strlen(c->c_path) + 1);
	if ((c->c_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		ctl_fatalx("socket: %s", strerror(errno));
	(void)setsockopt(c->c_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(c->c_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(c->c_fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return;
	switch (errno) {
	case ENOENT:
	case ENOTDIR:
		ctl_fatalx("pcibackd is not running (no socket at %s)",
		    c->c_path);
	case ECONNREFUSED:
		ctl_fatalx("pcibackd is not running (no one listens on %s)",
		    c->c_path);
	case EACCES:
	case EPERM:
		ctl_fatalx("permission denied: %s (pcibackctl needs root or "
		    "the socket group)", c->c_path);
	default:
		ctl_fatalx("%s: %s", c->c_path, strerror(errno));
	}
}

/*
 * On failure, remember the error: a daemon that refuses a client says
 * why and closes, maybe before the request is sent, so the reply is
 * still worth reading.
 */
static void
ctl_write(struct ctl *c, const void *buf, size_t len)
{
	const uint8_t	*p = buf;
	ssize_t		 n;

	while (len > 0 && c->c_senderr == 0) {
		n = send(c->c_fd, p, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			c->c_senderr = errno;
			return;
		}
		p += n;
		len -= (size_t)n;
	}
}

/* Exactly len bytes; 0, or -1 at end of file before any byte. */
static int
ctl_read(struct ctl *c, void *buf, size_t len)
{
	uint8_t	*p = buf;
	size_t	 got = 0;
	ssize_t	 n;

	while (got < len) {
		n = recv(c->c_fd, p + got, len - got, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			ctl_fatalx("pcibackd did not answer in %d s",
			    CTL_TIMEOUT_SEC);
		if (n == -1 && c->c_senderr != 0 && got == 0)
			return -1;
		if (n == -1)
			ctl_fatalx("reading from pcibackd: %s",
			    strerror(errno));
		if (n == 0) {
			if (got == 0)
				return -1;
			ctl_fatalx("pcibackd closed the connection "
			    "mid-message");
		}
		got += (size_t)n;
	}
	return 0;
}

static void
ctl_request(struct ctl *c, uint32_t cmd, int argc, char args[][64])
{
	struct control_hdr	hdr;
	uint8_t			payload[CONTROL_PAYLOAD_MAX];
	size_t			len = 0, n;
	int			i;

	for (i = 0; i < argc; i++) {
		n = strlen(args[i]) + 1;
		memcpy(payload + len, args[i], n);
		len += n;
	}
	memset(&hdr, 0, sizeof(hdr));
	hdr.ch_version = CONTROL_PROTOCOL_VERSION;
	hdr.ch_type = CONTROL_MSG_REQUEST;
	hdr.ch_arg = cmd;
	hdr.ch_len = (uint32_t)len;
	ctl_write(c, &hdr, sizeof(hdr));
	ctl_write(c, payload, len);
}

/* ---- records ------------------------------------------------------- */

static void
ctl_parse_record(uint8_t *p, size_t len, struct ctl_record *r)
{
	size_t		 i = 0, k;
	struct ctl_field *f;

	r->cr_nfields = 0;
	while (i < len) {
		if (r->cr_nfields == CTL_FIELDS_MAX)
			ctl_fatalx("pcibackd sent a record with too many "
			    "fields");
		f = &r->cr_fields[r->cr_nfields++];
		f->cf_type = p[i++];
		if (f->cf_type != CONTROL_F_STRING &&
		    f->cf_type != CONTROL_F_NUMBER &&
		    f->cf_type != CONTROL_F_BOOL)
			ctl_fatalx("pcibackd sent a field of unknown type");
		for (k = 0; k < 2; k++) {
			if (i >= len || memchr(p + i, '\0', len - i) == NULL)
				ctl_fatalx("pcibackd sent a malformed record");
			if (k == 0)
				f->cf_key = (const char *)p + i;
			else
				f->cf_val = (const char *)p + i;
			i += strlen((const char *)p + i) + 1;
		}
	}
	if (r->cr_nfields == 0 || strcmp(r->cr_fields[0].cf_key, "record") != 0)
		ctl_fatalx("pcibackd sent a record without a kind");
	r->cr_kind = r->cr_fields[0].cf_val;
}

/* A field's value, "" if absent. */
static const char *
ctl_get(const struct ctl_record *r, const char *key)
{
	size_t	i;

	for (i = 0; i < r->cr_nfields; i++)
		if (strcmp(r->cr_fields[i].cf_key, key) == 0)
			return r->cr_fields[i].cf_val;
	return "";
}

static const char *
ctl_yesno(const struct ctl_record *r, const char *key)
{
	return strcmp(ctl_get(r, key), "1") == 0 ? "yes" : "no";
}

static void
ctl_json_string(const char *s)
{
	const unsigned char	*p;

	putchar('"');
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p == '\n')
			printf("\\n");
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

static void
ctl_json_record(struct ctl *c, const struct ctl_record *r)
{
	const struct ctl_field	*f;
	size_t			 i;

	printf("%s\n  {", c->c_nrecords > 0 ? "," : "");
	for (i = 0; i < r->cr_nfields; i++) {
		f = &r->cr_fields[i];
		printf("%s", i > 0 ? ", " : "");
		ctl_json_string(f->cf_key);
		printf(": ");
		if (f->cf_type == CONTROL_F_NUMBER &&
		    strspn(f->cf_val, "0123456789") == strlen(f->cf_val) &&
		    f->cf_val[0] != '\0')
			printf("%s", f->cf_val);
		else if (f->cf_type == CONTROL_F_BOOL)
			printf("%s", strcmp(f->cf_val, "1") == 0 ? "true" :
			    "false");
		else
			ctl_json_string(f->cf_val);
	}
	printf("}");
}

/* Read replies until END; the END's status. */
static int
ctl_replies(struct ctl *c, const struct ctl_command *ct)
{
	struct control_hdr	 hdr;
	static uint8_t		 payload[CONTROL_PAYLOAD_MAX + 1];
	static struct ctl_record r;

	if (c->c_json)
		printf("[");
	for (;;) {
		if (ctl_read(c, &hdr, sizeof(hdr)) != 0) {
			if (c->c_senderr != 0)
				ctl_fatalx("sending to pcibackd: %s",
				    strerror(c->c_senderr));
			ctl_fatalx("pcibackd closed the connection without "
			    "an answer");
		}
		if (hdr.ch_version != CONTROL_PROTOCOL_VERSION)
			ctl_fatalx("protocol version mismatch: pcibackd speaks "
			    "%u, pcibackctl %d", hdr.ch_version,
			    CONTROL_PROTOCOL_VERSION);
		if (hdr.ch_len > CONTROL_PAYLOAD_MAX)
			ctl_fatalx("pcibackd sent a message too long");
		if (ctl_read(c, payload, hdr.ch_len) != 0 && hdr.ch_len > 0)
			ctl_fatalx("pcibackd closed the connection "
			    "mid-message");
		payload[hdr.ch_len] = '\0';
		if (hdr.ch_type == CONTROL_MSG_END)
			break;
		if (hdr.ch_type != CONTROL_MSG_RECORD)
			ctl_fatalx("pcibackd sent a message of type %u",
			    hdr.ch_type);
		ctl_parse_record(payload, hdr.ch_len, &r);
		if (c->c_json)
			ctl_json_record(c, &r);
		else
			ct->ct_handler(c, &r);
		c->c_nrecords++;
	}
	if (c->c_json)
		printf("%s]\n", c->c_nrecords > 0 ? "\n" : "");
	else if (hdr.ch_arg == 0)
		ct->ct_handler(c, NULL);
	fflush(stdout);
	if (hdr.ch_arg != 0) {
		fprintf(stderr, "%s: %s\n", ctl_progname, payload[0] != '\0' ?
		    (const char *)payload : strerror((int)hdr.ch_arg));
		return 1;
	}
	return 0;
}

/* ---- text output --------------------------------------------------- */

static void
ctl_print_devices(struct ctl *c, const struct ctl_record *r)
{
	char	owner[64];

	if (r == NULL) {
		if (c->c_nrecords == 0)
			printf("no devices held\n");
		return;
	}
	/* An HVM guest's device is QEMU's, not served by pcibackd. */
	snprintf(owner, sizeof(owner), "%s%s", ctl_get(r, "owner"),
	    strcmp(ctl_get(r, "hvm"), "1") == 0 ? " (HVM)" : "");
	if (c->c_nrecords == 0)
		printf("%-12s  %-16s  %-9s  %-10s  %-7s  %-10s  %-9s  %s\n",
		    "ADDRESS", "NAME", "ID", "OWNER", "IRQ", "PERMISSIVE",
		    "STATE", "RESET");
	printf("%-12s  %-16s  %-9s  %-10s  %-7s  %-10s  %-9s  %s\n",
	    ctl_get(r, "address"), ctl_get(r, "name")[0] ?
	    ctl_get(r, "name") : "-", ctl_get(r, "id"), owner,
	    ctl_get(r, "interrupts"), ctl_yesno(r, "permissive"),
	    ctl_get(r, "state"), ctl_get(r, "reset"));
}

static void
ctl_print_guests(struct ctl *c, const struct ctl_record *r)
{
	if (r == NULL) {
		if (c->c_nrecords == 0)
			printf("no guests\n");
		return;
	}
	if (c->c_nrecords == 0)
		printf("%-6s  %-14s  %-14s  %-9s  %-7s  %s\n", "DOMID",
		    "STATE", "FRONTEND", "CONNECTED", "DEVICES", "OPS");
	printf("%-6s  %-14s  %-14s  %-9s  %-7s  %s\n", ctl_get(r, "domid"),
	    ctl_get(r, "state"), ctl_get(r, "frontend_state"),
	    ctl_yesno(r, "connected"), ctl_get(r, "devices"),
	    ctl_get(r, "ops"));
}

/* The op counters, one line: "conf_read 12, conf_write 3, ...". */
static void
ctl_print_ops(const struct ctl_record *r)
{
	static const char *const ops[] = { "conf_read", "conf_write",
	    "enable_msi", "disable_msi", "enable_msix", "disable_msix" };
	size_t	i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		printf("%s%s %s", i > 0 ? ", " : "", ops[i],
		    ctl_get(r, ops[i]));
}

static void
ctl_print_guest(struct ctl *c, const struct ctl_record *r)
{
	(void)c;
	if (r == NULL)
		return;
	if (strcmp(r->cr_kind, "guest") == 0) {
		printf("dom%s: backend %s, frontend %s, %s, %s device%s\n",
		    ctl_get(r, "domid"), ctl_get(r, "state"),
		    ctl_get(r, "frontend_state"),
		    strcmp(ctl_get(r, "connected"), "1") == 0 ?
		    "connected" : "not connected", ctl_get(r, "devices"),
		    strcmp(ctl_get(r, "devices"), "1") == 0 ? "" : "s");
		printf("  ops %s: ", ctl_get(r, "ops"));
		ctl_print_ops(r);
		printf("\n  errors %s, not found %s, unknown %s\n",
		    ctl_get(r, "op_errors"), ctl_get(r, "not_found"),
		    ctl_get(r, "unknown_ops"));
		return;
	}
	printf("  %s as %s%s%s%s [%s] %s, permissive %s, reset %s\n",
	    ctl_get(r, "address"), ctl_get(r, "guest_address"),
	    ctl_get(r, "name")[0] ? " \"" : "", ctl_get(r, "name"),
	    ctl_get(r, "name")[0] ? "\"" : "", ctl_get(r, "id"),
	    ctl_get(r, "interrupts"), ctl_yesno(r, "permissive"),
	    ctl_get(r, "reset"));
	printf("    ops: ");
	ctl_print_ops(r);
	printf("; errors %s, MSI requests refused %s\n",
	    ctl_get(r, "op_errors"), ctl_get(r, "irq_refused"));
	printf("    config space: reads %s, writes %s, writes dropped %s, "
	    "writes refused %s\n", ctl_get(r, "cfg_reads"),
	    ctl_get(r, "cfg_writes"), ctl_get(r, "cfg_writes_dropped"),
	    ctl_get(r, "cfg_writes_refused"));
}

/* Any record as "key: value" lines. */
static void
ctl_print_pairs(struct ctl *c, const struct ctl_record *r)
{
	size_t	i;

	(void)c;
	if (r == NULL)
		return;
	for (i = 1; i < r->cr_nfields; i++)
		printf("%-20s %s\n", r->cr_fields[i].cf_key,
		    r->cr_fields[i].cf_type == CONTROL_F_BOOL ?
		    ctl_yesno(r, r->cr_fields[i].cf_key) :
		    r->cr_fields[i].cf_val);
}

static void
ctl_print_permissive(struct ctl *c, const struct ctl_record *r)
{
	(void)c;
	if (r == NULL)
		return;
	printf("%s: permissive %s%s\n", ctl_get(r, "address"),
	    strcmp(ctl_get(r, "permissive"), "1") == 0 ? "on" : "off",
	    strcmp(ctl_get(r, "changed"), "1") == 0 ? "" : " (unchanged)");
}

static void
ctl_print_log(struct ctl *c, const struct ctl_record *r)
{
	(void)c;
	if (r == NULL)
		return;
	if (ctl_get(r, "log_level")[0] == '\0')
		printf("log %s\n", ctl_get(r, "log"));
	else
		printf("log level %s%s\n", ctl_get(r, "log_level"),
		    strcmp(ctl_get(r, "log"), "verbose") == 0 ?
		    " (log verbose: debug messages too)" : "");
}

static void
ctl_print_quirk(struct ctl *c, const struct ctl_record *r)
{
	(void)c;
	if (r == NULL)
		return;
	printf("%s: quirk at %s, %s byte%s, mask %s: %s; %s in force\n",
	    ctl_get(r, "address"), ctl_get(r, "offset"), ctl_get(r, "size"),
	    strcmp(ctl_get(r, "size"), "1") == 0 ? "" : "s",
	    ctl_get(r, "mask"), ctl_get(r, "action"), ctl_get(r, "quirks"));
}

static void
ctl_print_reset(struct ctl *c, const struct ctl_record *r)
{
	(void)c;
	if (r != NULL)
		printf("%s: reset started (%s)\n", ctl_get(r, "address"),
		    ctl_get(r, "method"));
}

static void
ctl_print_explain(struct ctl *c, const struct ctl_record *r)
{
	(void)c;
	if (r == NULL)
		return;
	if (strcmp(r->cr_kind, "explain") == 0) {
		printf("%s%s%s%s: %s\n", ctl_get(r, "address"),
		    ctl_get(r, "name")[0] ? " \"" : "", ctl_get(r, "name"),
		    ctl_get(r, "name")[0] ? "\"" : "",
		    strcmp(ctl_get(r, "assignable"), "1") == 0 ?
		    "can be given to a guest" :
		    "cannot be given to a guest now");
		return;
	}
	printf("  %s: %s\n", ctl_get(r, "level"), ctl_get(r, "text"));
}

/* One line per finding; the fix under the device's last one. */
static void
ctl_print_check(struct ctl *c, const struct ctl_record *r)
{
	const char	*name;

	(void)c;
	if (r == NULL)
		return;
	if (strcmp(r->cr_kind, "summary") == 0) {
		printf("%s devices held, %s would be refused to a guest\n",
		    ctl_get(r, "held"), ctl_get(r, "refused"));
		return;
	}
	if (strcmp(ctl_get(r, "verdict"), "fix") == 0) {
		printf("  %s: %s\n", ctl_get(r, "text"), ctl_get(r, "fix"));
		return;
	}
	name = ctl_get(r, "name");
	printf("%s%s%s%s: %s: %s\n", ctl_get(r, "address"),
	    name[0] ? " \"" : "", name, name[0] ? "\"" : "",
	    ctl_get(r, "verdict"), ctl_get(r, "text"));
	if (ctl_get(r, "fix")[0] != '\0')
		printf("  fix: %s\n", ctl_get(r, "fix"));
}

static void
ctl_print_reload(struct ctl *c, const struct ctl_record *r)
{
	(void)c;
	if (r == NULL)
		printf("configuration reloaded\n");
	else
		printf("%s: %s\n", ctl_get(r, "level"), ctl_get(r, "text"));
}

static void
ctl_print_hold(struct ctl *c, const struct ctl_record *r)
{
	(void)c;
	if (r != NULL)
		printf("%s: held%s%s%s\n", ctl_get(r, "address"),
		    ctl_get(r, "name")[0] ? " as \"" : "", ctl_get(r, "name"),
		    ctl_get(r, "name")[0] ? "\"" : "");
}

static void
ctl_print_release(struct ctl *c, const struct ctl_record *r)
{
	(void)c;
	if (r != NULL)
		printf("%s: released\n", ctl_get(r, "address"));
}

/* Seconds since the Epoch as UTC, "2026-12-06 21:43:09". */
static const char *
ctl_time(const char *secs, char *buf, size_t len)
{
	struct tm	tm;
	uint64_t	v;
	time_t		t;

	if (util_number(secs, 10, INT64_MAX, &v) != 0)
		return "-";
	t = (time_t)v;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		return "-";
	return buf;
}

static void
ctl_print_denied(struct ctl *c, const struct ctl_record *r)
{
	char	first[32], last[32];

	if (r == NULL) {
		if (c->c_nrecords == 0)
			printf("no denied writes recorded\n");
		return;
	}
	if (strcmp(r->cr_kind, "overflow") == 0) {
		printf("%-12s  %-7s  %s more writes to registers beyond the "
		    "table's\n", ctl_get(r, "address"), ctl_get(r, "owner"),
		    ctl_get(r, "count"));
		return;
	}
	if (c->c_nrecords == 0)
		printf("%-12s  %-7s  %-6s  %-4s  %-10s  %-7s  %-19s  %-19s  "
		    "%s\n", "ADDRESS", "OWNER", "OFFSET", "SIZE", "VALUE",
		    "COUNT", "FIRST (UTC)", "LAST (UTC)", "REGISTER");
	printf("%-12s  %-7s  %-6s  %-4s  %-10s  %-7s  %-19s  %-19s  %s%s\n",
	    ctl_get(r, "address"), ctl_get(r, "owner"), ctl_get(r, "offset"),
	    ctl_get(r, "size"), ctl_get(r, "value"), ctl_get(r, "count"),
	    ctl_time(ctl_get(r, "first"), first, sizeof(first)),
	    ctl_time(ctl_get(r, "last"), last, sizeof(last)),
	    ctl_get(r, "register")[0] ? ctl_get(r, "register") : "-",
	    strcmp(ctl_get(r, "refused"), "1") == 0 ? " (refused)" : "");
}

/* Lines to paste into the device's block of pcibackd.conf(5). */
static void
ctl_print_suggest(struct ctl *c, const struct ctl_record *r)
{
	const char	*v;

	if (r == NULL) {
		if (c->c_nrecords == 0)
			printf("# no denied writes recorded: nothing to "
			    "suggest\n");
		return;
	}
	if (c->c_nrecords == 0)
		printf("# %s, written by %s:\n", ctl_get(r, "address"),
		    ctl_get(r, "owner"));
	v = ctl_get(r, "verdict");
	if (strcmp(v, "quirk") == 0)
		printf("quirk %s %s %s\t# %s: %s: %s; %s writes\n",
		    ctl_get(r, "offset"), ctl_get(r, "size"),
		    ctl_get(r, "mask"), ctl_get(r, "register"),
		    ctl_get(r, "safety"), ctl_get(r, "why"),
		    ctl_get(r, "count"));
	else
		printf("# %s %s/%s, %s: %s\n", strcmp(v, "refuse") == 0 ?
		    "never" : "no need:", ctl_get(r, "offset"),
		    ctl_get(r, "size"), ctl_get(r, "register"),
		    ctl_get(r, "why"));
}

/*
 * The Prometheus text format (what node_exporter's textfile collector
 * reads): HELP and TYPE once per family, a counter named with _total
 * on both, "# EOF" last, as OpenMetrics ends.
 */
static void
ctl_print_metrics(struct ctl *c, const struct ctl_record *r)
{
	static char		 family[128];
	char			 name[128];
	const char		*labels, *v;
	unsigned long long	 ns;

	(void)c;
	if (r == NULL) {
		printf("# EOF\n");
		return;
	}
	snprintf(name, sizeof(name), "%s%s", ctl_get(r, "name"),
	    strcmp(ctl_get(r, "type"), "counter") == 0 ? "_total" : "");
	if (strcmp(name, family) != 0) {
		snprintf(family, sizeof(family), "%s", name);
		printf("# HELP %s %s\n# TYPE %s %s\n", name,
		    ctl_get(r, "help"), name, ctl_get(r, "type"));
	}
	labels = ctl_get(r, "labels");
	printf("%s%s%s%s%s ", name, ctl_get(r, "sample"),
	    labels[0] ? "{" : "", labels, labels[0] ? "}" : "");
	v = ctl_get(r, "value");
	/* Nanoseconds, printed exactly as seconds. */
	if (strcmp(ctl_get(r, "unit"), "ns") == 0) {
		ns = strtoull(v, NULL, 10);
		printf("%llu.%09llu\n", ns / 1000000000ULL,
		    ns % 1000000000ULL);
	} else
		printf("%s\n", v);
}

int
main(int argc, char *argv[])
{
	const struct ctl_command	*ct;
	struct ctl			 c;
	char				 args[CTL_ARGS_MAX][64];
	int				 ch, used, nargs, i, optional;

	ctl_init();
	memset(&c, 0, sizeof(c));
	c.c_path = CONTROL_SOCKET;
	while ((ch = getopt(argc, argv, "js:")) != -1) {
		switch (ch) {
		case 'j':
			c.c_json = 1;
			break;
		case 's':
			c.c_path = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();
	ct = ctl_lookup(argc, argv, &used);
	nargs = ctl_nargs(ct);
	/* An optional last argument left out ("show denied") is "". */
	optional = nargs > 0 && ct->ct_args[nargs - 1] == CTL_ARG_OPTADDR &&
	    argc - used == nargs - 1;
	if (argc - used != nargs && !optional) {
		fprintf(stderr, "%s: %s: %d argument%s expected\n",
		    ctl_progname, ctl_name(ct), nargs, nargs == 1 ? "" : "s");
		usage();
	}
	for (i = 0; i < nargs; i++)
		ctl_arg(ct, ct->ct_args[i], used + i < argc ? argv[used + i] :
		    "", args[i], sizeof(args[i]));
	ctl_connect(&c);
	ctl_request(&c, ct->ct_cmd, nargs, args);
	return ctl_replies(&c, ct);
}
