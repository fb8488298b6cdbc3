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
 * The control process (daemon/ctlproc.c) on its own, its parent played
 * by the test over a real SOCK_SEQPACKET socketpair, clients on a real
 * unix socket: who gets in (the socket group by gid and by the members
 * the parent sends, refused otherwise), a parent that cannot take a
 * request, a client gone before its reply, the parent gone, and what a
 * broken parent makes it do (exit, never serve garbage).  And the
 * parent's own range check of what it gets (ctlparse_check).  As root
 * the clients connect from a child that became nobody, so that their
 * credentials are not root's.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>

#include "control.h"
#include "control_proto.h"
#include "log.h"
#include "pcibackd.h"
#include "sandbox.h"

#define NOBODY		65534
#define OTHER_ID	4242	/* neither the client's uid nor its gid */

/* What the objects linked here name but these tests never reach. */
const struct conf_device *
conf_find_device(const struct pcibackd_conf *conf, const struct bdf *b)
{
	(void)conf;
	(void)b;
	return NULL;
}

int
sandbox_diewith(pid_t parent)
{
	(void)parent;
	return -1;
}

int
sandbox_closefds(const int *keep, int n)
{
	(void)keep;
	(void)n;
	return -1;
}

int
sandbox_enter_control(const struct sandbox_id *si, pid_t parent,
    const char **what)
{
	(void)si;
	(void)parent;
	(void)what;
	return -1;
}

#ifdef PCIBACKD_COVERAGE
void
pcibackd_gcov(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
}
#endif

struct fix {
	char			 dir[64];
	char			 path[96];
	int			 lfd;
	int			 chan[2];	/* [0] the parent's end */
	struct event_base	*base;
	struct ctlproc		*cp;
};

/* The uid and gid a client connects with. */
static uid_t
client_uid(void)
{
	return geteuid() == 0 ? NOBODY : geteuid();
}

static gid_t
client_gid(void)
{
	return geteuid() == 0 ? NOBODY : getegid();
}

static void
fix_open(struct fix *f, gid_t gid)
{
	struct sockaddr_un	sun;

	memset(f, 0, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_ctlproc.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/sock", f->dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->path);
	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	assert_true(f->lfd >= 0);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sun, sizeof(sun)),
	    0);
	/* The clients of a child that became nobody must reach it. */
	assert_int_equal(chmod(f->dir, 0755), 0);
	assert_int_equal(chmod(f->path, 0777), 0);
	assert_int_equal(listen(f->lfd, 16), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
	    f->chan), 0);
	assert_non_null(f->base = event_base_new());
	/* The parent's uid is OTHER_ID: clients are not privileged. */
	f->cp = ctlproc_new(f->base, f->lfd, f->chan[1], gid, OTHER_ID);
	assert_non_null(f->cp);
}

static void
fix_close(struct fix *f)
{
	ctlproc_free(f->cp);
	event_base_free(f->base);
	close(f->lfd);
	if (f->chan[0] != -1)
		close(f->chan[0]);
	close(f->chan[1]);
	unlink(f->path);
	rmdir(f->dir);
}

/* Run the control process's loop until nothing is left to do now. */
static void
pump(struct fix *f)
{
	int	i;

	for (i = 0; i < 20; i++) {
		event_base_loop(f->base, EVLOOP_NONBLOCK);
		usleep(2000);
	}
}

/*
 * A client: connected by a child that became nobody when we are root
 * (the kernel takes the credentials at connect()), else by us.
 */
static int
client(struct fix *f)
{
	struct sockaddr_un	sun;
	pid_t			pid;
	int			fd, status;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	if (geteuid() != 0) {
		assert_int_equal(connect(fd, (struct sockaddr *)&sun,
		    sizeof(sun)), 0);
		return fd;
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) != 0 || setgid(NOBODY) != 0 ||
		    setuid(NOBODY) != 0 || connect(fd,
		    (struct sockaddr *)&sun, sizeof(sun)) != 0)
			_exit(1);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return fd;
}

static void
request(int fd, uint32_t cmd, const char *arg)
{
	uint8_t			buf[256];
	struct control_hdr	hdr;
	size_t			len = arg != NULL ? strlen(arg) + 1 : 0;

	memset(&hdr, 0, sizeof(hdr));
	hdr.ch_version = CONTROL_PROTOCOL_VERSION;
	hdr.ch_type = CONTROL_MSG_REQUEST;
	hdr.ch_arg = cmd;
	hdr.ch_len = (uint32_t)len;
	memcpy(buf, &hdr, sizeof(hdr));
	if (len > 0)
		memcpy(buf + sizeof(hdr), arg, len);
	assert_int_equal(send(fd, buf, sizeof(hdr) + len, MSG_NOSIGNAL),
	    (ssize_t)(sizeof(hdr) + len));
}

/*
 * The END the client got: its status, its message in msg.  -1 if the
 * connection is closed without one, -2 if nothing came yet.
 */
static int
end_of(int fd, char *msg, size_t size)
{
	uint8_t			buf[8192];
	struct control_hdr	hdr;
	size_t			off = 0;
	ssize_t			n;

	n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n == -1)
		return errno == EAGAIN ? -2 : -1;
	while (off + sizeof(hdr) <= (size_t)n) {
		memcpy(&hdr, buf + off, sizeof(hdr));
		off += sizeof(hdr);
		assert_true(off + hdr.ch_len <= (size_t)n);
		if (hdr.ch_type == CONTROL_MSG_END) {
			snprintf(msg, size, "%.*s", (int)hdr.ch_len,
			    (const char *)buf + off);
			return (int)hdr.ch_arg;
		}
		off += hdr.ch_len;
	}
	return -1;
}

/* The parent's side: the next request, or -1 if none came. */
static int
parent_req(struct fix *f, struct ctlreq *req)
{
	ssize_t	n;

	n = recv(f->chan[0], req, sizeof(*req), MSG_DONTWAIT);
	return n == (ssize_t)sizeof(*req) ? 0 : -1;
}

static void
parent_send(struct fix *f, uint32_t type, uint32_t arg, const void *p,
    size_t len)
{
	uint8_t			buf[sizeof(struct control_hdr) + 64];
	struct control_hdr	hdr;

	assert_true(len <= 64);
	memset(&hdr, 0, sizeof(hdr));
	hdr.ch_version = CONTROL_PROTOCOL_VERSION;
	hdr.ch_type = type;
	hdr.ch_arg = arg;
	hdr.ch_len = (uint32_t)len;
	memcpy(buf, &hdr, sizeof(hdr));
	if (len > 0)
		memcpy(buf + sizeof(hdr), p, len);
	assert_int_equal(send(f->chan[0], buf, sizeof(hdr) + len,
	    MSG_NOSIGNAL), (ssize_t)(sizeof(hdr) + len));
}

/* Neither root, nor the parent's uid, nor in the group: refused. */
static void
test_not_in_group(void **state)
{
	struct fix	f;
	char		msg[256];
	int		fd;

	(void)state;
	fix_open(&f, OTHER_ID);
	fd = client(&f);
	pump(&f);
	assert_int_equal(end_of(fd, msg, sizeof(msg)), EACCES);
	assert_string_equal(msg, "permission denied: pcibackd serves root "
	    "and the socket group only");
	assert_int_equal(end_of(fd, msg, sizeof(msg)), -1);	/* closed */
	close(fd);
	fix_close(&f);
}

/* No socket group at all: the same. */
static void
test_no_group(void **state)
{
	struct fix	f;
	char		msg[256];
	int		fd;

	(void)state;
	fix_open(&f, (gid_t)-1);
	fd = client(&f);
	pump(&f);
	assert_int_equal(end_of(fd, msg, sizeof(msg)), EACCES);
	close(fd);
	fix_close(&f);
}

/*
 * In the group by its gid: it may show (the parent gets the request,
 * unprivileged, with its uid), not change a device.
 */
static void
test_group_by_gid(void **state)
{
	struct fix	f;
	struct ctlreq	req;
	char		msg[256];
	int		fd;

	(void)state;
	fix_open(&f, client_gid());
	fd = client(&f);
	request(fd, CONTROL_CMD_HOLD, "0000:00:03.0");
	pump(&f);
	assert_int_equal(end_of(fd, msg, sizeof(msg)), EPERM);
	assert_string_equal(msg, "hold: permission denied: only root may "
	    "change devices; the socket group may show and explain");
	assert_int_equal(parent_req(&f, &req), -1);
	request(fd, CONTROL_CMD_SHOW_STATS, NULL);
	pump(&f);
	assert_int_equal(parent_req(&f, &req), 0);
	assert_int_equal(req.cr_cmd, CONTROL_CMD_SHOW_STATS);
	assert_int_equal(req.cr_uid, client_uid());
	assert_int_equal(req.cr_privileged, 0);
	assert_int_equal(req.cr_nclients, 1);
	parent_send(&f, CONTROL_MSG_END, 0, "", 1);
	pump(&f);
	assert_int_equal(end_of(fd, msg, sizeof(msg)), 0);
	close(fd);
	fix_close(&f);
}

/* In the group as a member the parent named (getgrgid's list). */
static void
test_group_by_member(void **state)
{
	struct fix	f;
	struct ctlreq	req;
	uint32_t	uids[2] = { OTHER_ID + 1, 0 };
	char		msg[256];
	int		fd;

	(void)state;
	fix_open(&f, OTHER_ID);
	uids[1] = client_uid();
	/* Before the members: refused. */
	fd = client(&f);
	pump(&f);
	assert_int_equal(end_of(fd, msg, sizeof(msg)), EACCES);
	close(fd);
	parent_send(&f, CTLPROC_MSG_MEMBERS, 0, uids, sizeof(uids));
	pump(&f);
	fd = client(&f);
	request(fd, CONTROL_CMD_SHOW_DEVICES, NULL);
	pump(&f);
	assert_int_equal(parent_req(&f, &req), 0);
	assert_int_equal(req.cr_cmd, CONTROL_CMD_SHOW_DEVICES);
	assert_int_equal(req.cr_privileged, 0);
	parent_send(&f, CONTROL_MSG_END, 0, "", 1);
	pump(&f);
	assert_int_equal(end_of(fd, msg, sizeof(msg)), 0);
	/* The parent drops it from the group: the next one is refused. */
	parent_send(&f, CTLPROC_MSG_MEMBERS, 0, uids, sizeof(uids[0]));
	pump(&f);
	close(fd);
	fd = client(&f);
	pump(&f);
	assert_int_equal(end_of(fd, msg, sizeof(msg)), EACCES);
	close(fd);
	fix_close(&f);
}

/* The parent cannot take a request: the client is told to retry. */
static void
test_parent_busy(void **state)
{
	struct fix	f;
	char		msg[256];
	int		fd;

	(void)state;
	fix_open(&f, client_gid());
	assert_int_equal(shutdown(f.chan[0], SHUT_RD), 0);
	fd = client(&f);
	request(fd, CONTROL_CMD_SHOW_STATS, NULL);
	pump(&f);
	assert_int_equal(end_of(fd, msg, sizeof(msg)), EAGAIN);
	assert_string_equal(msg, "pcibackd is busy, try again");
	/* Still open: the next request gets the same answer. */
	request(fd, CONTROL_CMD_SHOW_GUESTS, NULL);
	pump(&f);
	assert_int_equal(end_of(fd, msg, sizeof(msg)), EAGAIN);
	close(fd);
	fix_close(&f);
}

/*
 * A client gone while its request is with the parent: the reply is
 * dropped, the next client's reply is its own.
 */
static void
test_gone_before_reply(void **state)
{
	struct fix	f;
	struct ctlreq	req;
	char		msg[256];
	int		fd, fd2;

	(void)state;
	fix_open(&f, client_gid());
	fd = client(&f);
	request(fd, CONTROL_CMD_SHOW_STATS, NULL);
	pump(&f);
	assert_int_equal(parent_req(&f, &req), 0);
	close(fd);
	pump(&f);
	fd2 = client(&f);
	request(fd2, CONTROL_CMD_SHOW_GUESTS, NULL);
	pump(&f);
	parent_send(&f, CONTROL_MSG_RECORD, 0, "x", 2);
	parent_send(&f, CONTROL_MSG_END, 0, "", 1);
	pump(&f);
	/* The first's reply went nowhere; fd2 still waits for its own. */
	assert_int_equal(end_of(fd2, msg, sizeof(msg)), -2);
	assert_int_equal(parent_req(&f, &req), 0);
	assert_int_equal(req.cr_cmd, CONTROL_CMD_SHOW_GUESTS);
	parent_send(&f, CONTROL_MSG_END, ENOENT, "mine", 5);
	pump(&f);
	assert_int_equal(end_of(fd2, msg, sizeof(msg)), ENOENT);
	assert_string_equal(msg, "mine");
	/* Freed with a client connected and one waiting for the parent. */
	fd = client(&f);
	request(fd, CONTROL_CMD_SHOW_STATS, NULL);
	pump(&f);
	assert_int_equal(parent_req(&f, &req), 0);
	close(fd2);
	fix_close(&f);
	close(fd);
}

/* The parent's level for its log lines. */
static void
test_log_level(void **state)
{
	struct fix	f;

	(void)state;
	fix_open(&f, client_gid());
	parent_send(&f, CTLPROC_MSG_LOG, LOG_DEBUG, NULL, 0);
	pump(&f);
	assert_int_equal(log_getlevel(), LOG_DEBUG);
	parent_send(&f, CTLPROC_MSG_LOG, LOG_WARNING, NULL, 0);
	pump(&f);
	assert_int_equal(log_getlevel(), LOG_WARNING);
	fix_close(&f);
}

/* The parent gone: its loop ends (and the process, in ctlproc_main). */
static void
test_parent_gone(void **state)
{
	struct fix	f;

	(void)state;
	fix_open(&f, client_gid());
	close(f.chan[0]);
	f.chan[0] = -1;
	alarm(5);
	assert_int_equal(event_base_dispatch(f.base), 0);
	alarm(0);
	fix_close(&f);
}

/*
 * A parent that says what it never says: the control process exits
 * (fatalx) with the reason, in a child of ours.
 */
static void
broken_parent(int how, const char *want)
{
	struct fix		f;
	struct control_hdr	hdr;
	char			log[4096];
	int			pfd[2], status;
	ssize_t			n;
	pid_t			pid;

	fix_open(&f, client_gid());
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pfd[1], STDERR_FILENO);
		alarm(5);
		event_base_dispatch(f.base);
		_exit(0);
	}
	close(pfd[1]);
	switch (how) {
	case 0:		/* a reply to nothing asked */
		parent_send(&f, CONTROL_MSG_END, 0, "", 1);
		break;
	case 1:		/* a type it does not know */
		parent_send(&f, 0x1ff, 0, NULL, 0);
		break;
	case 2:		/* a header that claims 10 bytes more */
		memset(&hdr, 0, sizeof(hdr));
		hdr.ch_type = CONTROL_MSG_RECORD;
		hdr.ch_len = 10;
		assert_int_equal(send(f.chan[0], &hdr, sizeof(hdr),
		    MSG_NOSIGNAL), (ssize_t)sizeof(hdr));
		break;
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_not_equal(WEXITSTATUS(status), 0);
	n = read(pfd[0], log, sizeof(log) - 1);
	assert_true(n > 0);
	log[n] = '\0';
	if (strstr(log, want) == NULL)
		fail_msg("\"%s\" not in: %s", want, log);
	close(pfd[0]);
	fix_close(&f);
}

static void
test_broken_parent(void **state)
{
	(void)state;
	broken_parent(0, "control: a reply to no request");
	broken_parent(1, "control: message type 511 from the parent");
	broken_parent(2, "control: a message of 16 bytes from the parent");
}

/* The parent's check of a request: ranges the control process keeps. */
static void
test_check(void **state)
{
	struct ctlreq	r;

	(void)state;
#define REQ(cmd, priv)	(memset(&r, 0, sizeof(r)), r.cr_cmd = (cmd), \
			    r.cr_privileged = (priv))
	REQ(0, 1);
	assert_int_equal(ctlparse_check(&r), -1);
	REQ(999, 1);
	assert_int_equal(ctlparse_check(&r), -1);
	REQ(CONTROL_CMD_HOLD, 0);
	assert_int_equal(ctlparse_check(&r), -1);	/* not root */
	REQ(CONTROL_CMD_HOLD, 1);
	assert_int_equal(ctlparse_check(&r), 0);
	r.cr_bdf.b_dev = 32;
	assert_int_equal(ctlparse_check(&r), -1);
	REQ(CONTROL_CMD_EXPLAIN, 0);
	r.cr_bdf.b_fn = 8;
	assert_int_equal(ctlparse_check(&r), -1);
	REQ(CONTROL_CMD_SHOW_DENIED, 0);
	assert_int_equal(ctlparse_check(&r), 0);
	r.cr_arg[0] = 2;
	assert_int_equal(ctlparse_check(&r), -1);
	REQ(CONTROL_CMD_SHOW_GUEST, 0);
	r.cr_arg[0] = 0x7fef;
	assert_int_equal(ctlparse_check(&r), 0);
	r.cr_arg[0] = 0x7ff0;
	assert_int_equal(ctlparse_check(&r), -1);
	REQ(CONTROL_CMD_PERMISSIVE, 1);
	r.cr_arg[0] = 1;
	assert_int_equal(ctlparse_check(&r), 0);
	r.cr_arg[0] = 2;
	assert_int_equal(ctlparse_check(&r), -1);
	REQ(CONTROL_CMD_LOG, 1);
	r.cr_arg[0] = 2;
	assert_int_equal(ctlparse_check(&r), -1);
	REQ(CONTROL_CMD_LOG_LEVEL, 1);
	r.cr_arg[0] = LOG_INFO;
	assert_int_equal(ctlparse_check(&r), 0);
	r.cr_arg[0] = LOG_ERR;		/* a priority, not one of ours */
	assert_int_equal(ctlparse_check(&r), -1);
	r.cr_arg[0] = LOG_DEBUG + 1;
	assert_int_equal(ctlparse_check(&r), -1);
	REQ(CONTROL_CMD_QUIRK_ADD, 1);
	r.cr_arg[0] = 0x40;
	r.cr_arg[1] = 4;
	r.cr_arg[2] = 0xffffffff;
	assert_int_equal(ctlparse_check(&r), 0);
	r.cr_arg[0] = 0x10000;
	assert_int_equal(ctlparse_check(&r), -1);
	r.cr_arg[0] = 0x40;
	r.cr_arg[1] = 0x100;
	assert_int_equal(ctlparse_check(&r), -1);
	r.cr_arg[1] = 3;		/* no such access size */
	assert_int_equal(ctlparse_check(&r), -1);
	REQ(CONTROL_CMD_QUIRK_DEL, 1);
	r.cr_arg[0] = 0xffff;
	assert_int_equal(ctlparse_check(&r), 0);
	r.cr_arg[0] = 0x10000;
	assert_int_equal(ctlparse_check(&r), -1);
	REQ(CONTROL_CMD_SHOW_STATS, 0);
	assert_int_equal(ctlparse_check(&r), 0);
#undef REQ
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_in_group),
		cmocka_unit_test(test_no_group),
		cmocka_unit_test(test_group_by_gid),
		cmocka_unit_test(test_group_by_member),
		cmocka_unit_test(test_parent_busy),
		cmocka_unit_test(test_gone_before_reply),
		cmocka_unit_test(test_log_level),
		cmocka_unit_test(test_parent_gone),
		cmocka_unit_test(test_broken_parent),
		cmocka_unit_test(test_check),
	};

	log_init(1, LOG_DAEMON);
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
