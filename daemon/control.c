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
 * The control socket: pcibackctl(8) asks, the daemon answers (the
 * protocol is in control_proto.h).  A client is treated like a guest: it
 * may be slow, buggy or hostile, so every buffer is bounded, every
 * connection is non-blocking and timed out, and a client that sends what
 * the daemon cannot parse is dropped with a rate-limited log line.  Only
 * root, our own uid or members of the configured group get in; the
 * socket's mode says the same to the kernel.  Group members may only
 * look: a command that changes what a guest may do needs root (the
 * ci_privileged column of the shared table, control_proto.c).  The
 * commands themselves are in ctlcmd.c and explain.c.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include "control.h"
#include "control_proto.h"
#include "pcibackd.h"

#define CONTROL_CLIENTS_MAX	16
#define CONTROL_IDLE_SEC	30	/* to send or to read, seconds */
#define CONTROL_OUT_MAX		(1024 * 1024)	/* one reply */
#define CONTROL_ERR_MAX		256
#define CONTROL_LOG_RATE	2	/* lines per second about clients */
#define CONTROL_LOG_BURST	10
#define CONTROL_END_SPACE	(sizeof(struct control_hdr) + CONTROL_ERR_MAX)

struct control_conn {
	TAILQ_ENTRY(control_conn) cc_entry;
	struct control		*cc_ctl;
	int			 cc_fd;
	struct event		*cc_rev;
	struct event		*cc_wev;
	char			 cc_name[48];	/* "uid 0 pid 123" */
	int			 cc_privileged;	/* root or our own uid */
	/* At most one message; a longer one is refused from its header. */
	uint8_t			 cc_in[sizeof(struct control_hdr) +
				    CONTROL_PAYLOAD_MAX];
	size_t			 cc_inlen;
	/* Replies not written yet; requests wait until they are. */
	uint8_t			*cc_out;
	size_t			 cc_outlen;
	size_t			 cc_outoff;
	size_t			 cc_outsize;
	int			 cc_closing;	/* close once written */
	/* The record being built. */
	uint8_t			 cc_rec[CONTROL_PAYLOAD_MAX];
	size_t			 cc_reclen;
	int			 cc_overflow;	/* reply too long */
	char			 cc_err[CONTROL_ERR_MAX];
};

struct control {
	struct pcibackd		*ctl_env;
	int			 ctl_fd;
	struct event		*ctl_ev;
	struct event		*ctl_pause;	/* no fds: wait */
	char			 ctl_path[CONTROL_PATH_MAX];
	TAILQ_HEAD(, control_conn) ctl_conns;
	unsigned int		 ctl_nconns;
	struct log_ratelimit	 ctl_lr;
	struct timespec		 ctl_start;
	/* The socket group's members, resolved at start and reload. */
	uid_t			*ctl_members;
	size_t			 ctl_nmembers;
};

static const struct timeval control_idle = { CONTROL_IDLE_SEC, 0 };

/* ---- connections --------------------------------------------------- */

static void
control_close(struct control_conn *cc)
{
	struct control	*ctl = cc->cc_ctl;

	log_debug("control: %s: closed", cc->cc_name);
	event_free(cc->cc_rev);
	event_free(cc->cc_wev);
	close(cc->cc_fd);
	TAILQ_REMOVE(&ctl->ctl_conns, cc, cc_entry);
	ctl->ctl_nconns--;
	free(cc->cc_out);
	free(cc);
}

static void
control_drop(struct control_conn *cc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The client misbehaved: say so, and forget it. */
static void
control_drop(struct control_conn *cc, const char *fmt, ...)
{
	char	msg[256];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_limited(&cc->cc_ctl->ctl_lr, LOG_WARNING,
	    "control: %s: %s; dropped", cc->cc_name, msg);
	control_close(cc);
}

/* Queue one message; -1 if the reply grew past CONTROL_OUT_MAX. */
static int
control_queue(struct control_conn *cc, uint32_t type, uint32_t arg,
    const void *payload, size_t len, size_t reserve)
{
	struct control_hdr	 hdr;
	size_t			 need, size;
	uint8_t			*p;

	need = cc->cc_outlen + sizeof(hdr) + len;
	if (need + reserve > CONTROL_OUT_MAX)
		return -1;
	if (need > cc->cc_outsize) {
		for (size = cc->cc_outsize ? cc->cc_outsize : 4096;
		    size < need; size *= 2)
			;
		if ((p = realloc(cc->cc_out, size)) == NULL)
			return -1;
		cc->cc_out = p;
		cc->cc_outsize = size;
	}
	memset(&hdr, 0, sizeof(hdr));
	hdr.ch_version = CONTROL_PROTOCOL_VERSION;
	hdr.ch_type = type;
	hdr.ch_arg = arg;
	hdr.ch_len = (uint32_t)len;
	memcpy(cc->cc_out + cc->cc_outlen, &hdr, sizeof(hdr));
	if (len > 0)
		memcpy(cc->cc_out + cc->cc_outlen + sizeof(hdr), payload, len);
	cc->cc_outlen = need;
	return 0;
}

/* The END of a reply; room for it is always kept. */
static void
control_end(struct control_conn *cc, int status, const char *msg)
{
	char	buf[CONTROL_ERR_MAX];

	snprintf(buf, sizeof(buf), "%s", msg);
	if (control_queue(cc, CONTROL_MSG_END, (uint32_t)status, buf,
	    strlen(buf) + 1, 0) != 0) {
		/* Out of memory: nothing sensible left to say. */
		cc->cc_closing = 1;
	}
}

int
control_fail(struct control_conn *cc, int err, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(cc->cc_err, sizeof(cc->cc_err), fmt, ap);
	va_end(ap);
	return err;
}

/* Write what the socket takes.  0: still open; -1: closed. */
static int
control_flush(struct control_conn *cc)
{
	ssize_t	n;

	while (cc->cc_outoff < cc->cc_outlen) {
		n = send(cc->cc_fd, cc->cc_out + cc->cc_outoff,
		    cc->cc_outlen - cc->cc_outoff, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* Stop reading requests until the replies are out. */
			event_del(cc->cc_rev);
			event_add(cc->cc_wev, &control_idle);
			return 0;
		}
		if (n == -1) {
			log_debug("control: %s: send: %s", cc->cc_name,
			    strerror(errno));
			control_close(cc);
			return -1;
		}
		cc->cc_outoff += (size_t)n;
	}
	free(cc->cc_out);
	cc->cc_out = NULL;
	cc->cc_outlen = cc->cc_outoff = cc->cc_outsize = 0;
	if (cc->cc_closing) {
		control_close(cc);
		return -1;
	}
	event_add(cc->cc_rev, &control_idle);
	return 0;
}

/* ---- records ------------------------------------------------------- */

void
control_field(struct control_conn *cc, int type, const char *key,
    const char *val)
{
	size_t	klen = strlen(key), vlen = strlen(val);

	if (cc->cc_reclen + 1 + klen + 1 + vlen + 1 > sizeof(cc->cc_rec)) {
		cc->cc_overflow = 1;
		return;
	}
	cc->cc_rec[cc->cc_reclen++] = (uint8_t)type;
	memcpy(cc->cc_rec + cc->cc_reclen, key, klen + 1);
	cc->cc_reclen += klen + 1;
	memcpy(cc->cc_rec + cc->cc_reclen, val, vlen + 1);
	cc->cc_reclen += vlen + 1;
}

void
control_fields(struct control_conn *cc, const char *key, const char *fmt,
    ...)
{
	char	val[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	control_field(cc, CONTROL_F_STRING, key, val);
}

void
control_fieldn(struct control_conn *cc, const char *key, uint64_t n)
{
	char	val[24];

	snprintf(val, sizeof(val), "%llu", (unsigned long long)n);
	control_field(cc, CONTROL_F_NUMBER, key, val);
}

void
control_fieldb(struct control_conn *cc, const char *key, int b)
{
	control_field(cc, CONTROL_F_BOOL, key, b ? "1" : "0");
}

void
control_begin(struct control_conn *cc, const char *kind)
{
	cc->cc_reclen = 0;
	control_field(cc, CONTROL_F_STRING, "record", kind);
}

void
control_emit(struct control_conn *cc)
{
	if (cc->cc_overflow)
		return;
	if (control_queue(cc, CONTROL_MSG_RECORD, 0, cc->cc_rec,
	    cc->cc_reclen, CONTROL_END_SPACE) != 0)
		cc->cc_overflow = 1;
}

/* ---- what the commands see of a connection ------------------------- */

struct pcibackd *
control_env(const struct control_conn *cc)
{
	return cc->cc_ctl->ctl_env;
}

const char *
control_who(const struct control_conn *cc)
{
	return cc->cc_name;
}

uint64_t
control_uptime(struct pcibackd *env)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)(now.tv_sec - env->pb_control->ctl_start.tv_sec);
}

unsigned int
control_nclients(struct pcibackd *env)
{
	return env->pb_control->ctl_nconns;
}

/* ---- requests ------------------------------------------------------ */

/* Split the payload into arguments; -1 if it is malformed. */
static int
control_args(uint8_t *p, size_t len, char **argv, int *argc)
{
	size_t	i, start = 0;

	*argc = 0;
	if (len == 0)
		return 0;
	if (p[len - 1] != '\0')
		return -1;
	for (i = 0; i < len; i++) {
		if (p[i] != '\0')
			continue;
		if (*argc == CONTROL_ARGS_MAX)
			return -1;
		argv[(*argc)++] = (char *)p + start;
		start = i + 1;
	}
	return 0;
}

/* Answer one request.  -1: malformed, drop the client. */
static int
control_request(struct control_conn *cc, const struct control_hdr *hdr,
    uint8_t *payload)
{
	const struct control_cmdinfo	*ci;
	char				*argv[CONTROL_ARGS_MAX + 1];
	int				 argc, err;

	if (control_args(payload, hdr->ch_len, argv, &argc) != 0)
		return -1;
	argv[argc] = NULL;
	ci = control_cmdinfo_find(hdr->ch_arg);
	cc->cc_err[0] = '\0';
	cc->cc_overflow = 0;
	if (ci == NULL)
		err = control_fail(cc, EOPNOTSUPP, "unknown command %u (is "
		    "pcibackctl newer than pcibackd?)", hdr->ch_arg);
	else if (argc != ci->ci_nargs)
		err = control_fail(cc, EINVAL, "%s: %d argument%s expected, "
		    "got %d", ci->ci_name, ci->ci_nargs,
		    ci->ci_nargs == 1 ? "" : "s", argc);
	else if (ci->ci_privileged && !cc->cc_privileged) {
		log_limited(&cc->cc_ctl->ctl_lr, LOG_WARNING, "control: %s: "
		    "%s refused: not root", cc->cc_name, ci->ci_name);
		err = control_fail(cc, EPERM, "%s: permission denied: only "
		    "root may change devices; the socket group may show and "
		    "explain", ci->ci_name);
	} else {
		log_debug("control: %s: %s", cc->cc_name, ci->ci_name);
		err = ci->ci_cmd == CONTROL_CMD_EXPLAIN ?
		    explain_run(cc, argv) : ctlcmd_run(cc, ci->ci_cmd, argv);
	}
	if (err == 0 && cc->cc_overflow)
		err = control_fail(cc, ENOBUFS, "reply too long");
	control_end(cc, err, cc->cc_err);
	return 0;
}

/*
 * Check the header at the start of cc_in.  0: fine (complete or not);
 * 1: answered and closing; -1: the client was dropped.
 */
static int
control_header(struct control_conn *cc, struct control_hdr *hdr)
{
	memcpy(hdr, cc->cc_in, sizeof(*hdr));
	if (hdr->ch_version != CONTROL_PROTOCOL_VERSION) {
		log_limited(&cc->cc_ctl->ctl_lr, LOG_WARNING, "control: %s: "
		    "protocol version %u, not %d", cc->cc_name,
		    hdr->ch_version, CONTROL_PROTOCOL_VERSION);
		control_fail(cc, EPROTONOSUPPORT, "protocol version "
		    "mismatch: pcibackd speaks %d, the client %u",
		    CONTROL_PROTOCOL_VERSION, hdr->ch_version);
		control_end(cc, EPROTONOSUPPORT, cc->cc_err);
		cc->cc_closing = 1;
		return 1;
	}
	if (hdr->ch_type != CONTROL_MSG_REQUEST) {
		control_drop(cc, "message type %u", hdr->ch_type);
		return -1;
	}
	if (hdr->ch_len > CONTROL_PAYLOAD_MAX) {
		control_drop(cc, "message of %u bytes", hdr->ch_len);
		return -1;
	}
	return 0;
}

/*
 * Answer the requests complete in cc_in, one at a time: the next waits
 * until the replies to this one are written.  0: open; -1: closed.
 */
static int
control_process(struct control_conn *cc)
{
	struct control_hdr	hdr;
	size_t			total;
	int			rc;

	while (!cc->cc_closing && cc->cc_outlen == 0 &&
	    cc->cc_inlen >= sizeof(hdr)) {
		if ((rc = control_header(cc, &hdr)) == -1)
			return -1;
		if (rc == 0) {
			total = sizeof(hdr) + hdr.ch_len;
			if (cc->cc_inlen < total)
				break;
			if (control_request(cc, &hdr,
			    cc->cc_in + sizeof(hdr)) != 0) {
				control_drop(cc, "malformed arguments");
				return -1;
			}
			memmove(cc->cc_in, cc->cc_in + total,
			    cc->cc_inlen - total);
			cc->cc_inlen -= total;
		}
		if (control_flush(cc) != 0)
			return -1;
	}
	return 0;
}

static void
control_read(evutil_socket_t fd, short events, void *arg)
{
	struct control_conn	*cc = arg;
	ssize_t			 n;

	if (events & EV_TIMEOUT) {
		if (cc->cc_inlen > 0)
			control_drop(cc, "request incomplete after %d s",
			    CONTROL_IDLE_SEC);
		else
			control_close(cc);
		return;
	}
	/* Cannot happen: a full buffer holds one message, answered. */
	if (cc->cc_inlen == sizeof(cc->cc_in)) {
		control_drop(cc, "input buffer full");
		return;
	}
	n = recv(fd, cc->cc_in + cc->cc_inlen,
	    sizeof(cc->cc_in) - cc->cc_inlen, 0);
	if (n == -1 && (errno == EINTR || errno == EAGAIN ||
	    errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		if (n == -1)
			log_debug("control: %s: recv: %s", cc->cc_name,
			    strerror(errno));
		control_close(cc);
		return;
	}
	cc->cc_inlen += (size_t)n;
	(void)control_process(cc);
}

static void
control_write(evutil_socket_t fd, short events, void *arg)
{
	struct control_conn	*cc = arg;

	(void)fd;
	if (events & EV_TIMEOUT) {
		control_drop(cc, "does not read its replies");
		return;
	}
	if (control_flush(cc) == 0 && cc->cc_outlen == 0)
		(void)control_process(cc);
}

/* ---- accepting ----------------------------------------------------- */

/* In the socket group by the ids the kernel gives: no NSS lookup here. */
static int
control_in_group(struct control *ctl, int fd, uid_t uid, gid_t gid,
    gid_t want)
{
	size_t		i;
#ifdef SO_PEERGROUPS
	gid_t		groups[256];
	socklen_t	glen = sizeof(groups);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) == 0)
		for (i = 0; i < glen / sizeof(groups[0]); i++)
			if (groups[i] == want)
				return 1;
#else
	(void)fd;
#endif
	if (gid == want)
		return 1;
	for (i = 0; i < ctl->ctl_nmembers; i++)
		if (ctl->ctl_members[i] == uid)
			return 1;
	return 0;
}

/*
 * The socket group's members by name, as uids: looked up (NSS, maybe
 * the network) at start-up and on reload, never per connection.
 */
void
control_group_refresh(struct pcibackd *env)
{
	struct control	*ctl = env->pb_control;
	struct group	*gr;
	struct passwd	*pw;
	char		**names;
	size_t		  n, i;

	if (ctl == NULL)
		return;
	free(ctl->ctl_members);
	ctl->ctl_members = NULL;
	ctl->ctl_nmembers = 0;
	if (env->pb_conf->c_sockgid == (gid_t)-1 ||
	    (gr = getgrgid(env->pb_conf->c_sockgid)) == NULL ||
	    gr->gr_mem == NULL)
		return;
	for (n = 0; gr->gr_mem[n] != NULL; n++)
		;
	if (n == 0)
		return;
	/* getpwnam() may reuse getgrgid()'s buffer: copy the names first. */
	if ((names = calloc(n, sizeof(*names))) == NULL ||
	    (ctl->ctl_members = calloc(n, sizeof(uid_t))) == NULL)
		fatal("calloc");
	for (i = 0; i < n; i++)
		if ((names[i] = strdup(gr->gr_mem[i])) == NULL)
			fatal("strdup");
	for (i = 0; i < n; i++) {
		if ((pw = getpwnam(names[i])) != NULL)
			ctl->ctl_members[ctl->ctl_nmembers++] = pw->pw_uid;
		free(names[i]);
	}
	free(names);
}

/*
 * Root, ourselves, or the configured group.  0 allowed (*privileged:
 * may change devices), -1 not.
 */
static int
control_peer(struct control *ctl, int fd, char *name, size_t len,
    int *privileged)
{
	gid_t		want = ctl->ctl_env->pb_conf->c_sockgid;
	uid_t		uid;
	gid_t		gid;
	long		pid = -1;
#ifdef SO_PEERCRED
	struct ucred	cred;
	socklen_t	clen = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == -1) {
		snprintf(name, len, "unknown peer");
		return -1;
	}
	uid = cred.uid;
	gid = cred.gid;
	pid = (long)cred.pid;
#else
	if (getpeereid(fd, &uid, &gid) == -1) {
		snprintf(name, len, "unknown peer");
		return -1;
	}
#endif
	snprintf(name, len, "uid %u pid %ld", (unsigned int)uid, pid);
	*privileged = uid == 0 || uid == geteuid();
	if (*privileged)
		return 0;
	if (want != (gid_t)-1 && control_in_group(ctl, fd, uid, gid, want))
		return 0;
	return -1;
}

/* Tell a client we will not serve why, best effort, and close. */
static void
control_refuse(int fd, int status, const char *msg)
{
	struct {
		struct control_hdr	hdr;
		char			msg[CONTROL_ERR_MAX];
	} m;
	size_t	len = strlen(msg) + 1;

	memset(&m, 0, sizeof(m));
	m.hdr.ch_version = CONTROL_PROTOCOL_VERSION;
	m.hdr.ch_type = CONTROL_MSG_END;
	m.hdr.ch_arg = (uint32_t)status;
	m.hdr.ch_len = (uint32_t)len;
	memcpy(m.msg, msg, len);
	(void)send(fd, &m, sizeof(m.hdr) + len, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

static void
control_resume(evutil_socket_t fd, short events, void *arg)
{
	struct control	*ctl = arg;

	(void)fd;
	(void)events;
	event_add(ctl->ctl_ev, NULL);
}

static void
control_accept(evutil_socket_t lfd, short events, void *arg)
{
	struct control		*ctl = arg;
	struct control_conn	*cc;
	struct timeval		 later = { 1, 0 };
	char			 name[48];
	int			 fd, privileged = 0;

	(void)events;
	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			/* Out of fds: pause instead of spinning. */
			log_limited(&ctl->ctl_lr, LOG_WARNING, "control: "
			    "accept: %s", strerror(errno));
			event_del(ctl->ctl_ev);
			evtimer_add(ctl->ctl_pause, &later);
		}
		return;
	}
	if (control_peer(ctl, fd, name, sizeof(name), &privileged) != 0) {
		log_limited(&ctl->ctl_lr, LOG_WARNING, "control: %s: "
		    "refused: neither root nor in the socket group", name);
		control_refuse(fd, EACCES, "permission denied: pcibackd "
		    "serves root and the socket group only");
		return;
	}
	if (ctl->ctl_nconns >= CONTROL_CLIENTS_MAX) {
		log_limited(&ctl->ctl_lr, LOG_WARNING, "control: %s: "
		    "refused: %d clients already", name, CONTROL_CLIENTS_MAX);
		control_refuse(fd, EBUSY, "too many pcibackctl clients, "
		    "try again");
		return;
	}
	if ((cc = calloc(1, sizeof(*cc))) == NULL) {
		log_warn("control: %s", name);
		close(fd);
		return;
	}
	cc->cc_ctl = ctl;
	cc->cc_fd = fd;
	cc->cc_privileged = privileged;
	snprintf(cc->cc_name, sizeof(cc->cc_name), "%s", name);
	cc->cc_rev = event_new(ctl->ctl_env->pb_base, fd,
	    EV_READ | EV_PERSIST, control_read, cc);
	cc->cc_wev = event_new(ctl->ctl_env->pb_base, fd, EV_WRITE,
	    control_write, cc);
	if (cc->cc_rev == NULL || cc->cc_wev == NULL ||
	    event_add(cc->cc_rev, &control_idle) != 0) {
		log_warnx("control: %s: cannot watch the connection", name);
		if (cc->cc_rev != NULL)
			event_free(cc->cc_rev);
		if (cc->cc_wev != NULL)
			event_free(cc->cc_wev);
		close(fd);
		free(cc);
		return;
	}
	TAILQ_INSERT_TAIL(&ctl->ctl_conns, cc, cc_entry);
	ctl->ctl_nconns++;
	log_debug("control: %s: connected", name);
}

/* ---- the socket ---------------------------------------------------- */

/*
 * A socket file left by a daemon that died is removed; one a live
 * daemon answers on means a second pcibackd, which must not start.
 */
/*
 * The socket's own directory (/var/run/pcibackd by default) is made when
 * missing: systemd makes it for the unit, nothing does without systemd.
 * Only the last component; a failure is bind()'s to report.
 */
static void
control_mkdir(const char *path)
{
	char	 dir[CONTROL_PATH_MAX], *p;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((p = strrchr(dir, '/')) == NULL || p == dir)
		return;
	*p = '\0';
	/* 0755 whatever the umask: the socket's group must reach it. */
	if (mkdir(dir, 0755) == 0 && chmod(dir, 0755) == 0)
		log_debug("control socket: made %s", dir);
}

static void
control_stale(const char *path, const struct sockaddr_un *sun)
{
	struct stat	st;
	int		fd;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return;
		fatal("control socket %s", path);
	}
	if (!S_ISSOCK(st.st_mode))
		fatalx("control socket %s: exists and is not a socket", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		fatal("socket");
	if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0)
		fatalx("control socket %s is in use: is another pcibackd "
		    "running?", path);
	close(fd);
	if (unlink(path) == -1 && errno != ENOENT)
		fatal("control socket %s: unlink", path);
}

/*
 * Create the socket, before daemon(3) so that failures reach the
 * terminal.  Mode 0600, or 0660 with the group of "socket group".
 */
void
control_init(struct pcibackd *env)
{
	const struct pcibackd_conf	*c = env->pb_conf;
	struct control			*ctl;
	struct sockaddr_un		 sun;
	mode_t				 old, mode;

	if ((ctl = calloc(1, sizeof(*ctl))) == NULL)
		fatal("calloc");
	ctl->ctl_env = env;
	TAILQ_INIT(&ctl->ctl_conns);
	log_ratelimit_init(&ctl->ctl_lr, CONTROL_LOG_RATE, CONTROL_LOG_BURST);
	clock_gettime(CLOCK_MONOTONIC, &ctl->ctl_start);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(c->c_socket) >= sizeof(sun.sun_path))
		fatalx("control socket %s: path too long", c->c_socket);
	memcpy(sun.sun_path, c->c_socket, strlen(c->c_socket) + 1);
	snprintf(ctl->ctl_path, sizeof(ctl->ctl_path), "%s", c->c_socket);
	control_mkdir(ctl->ctl_path);
	control_stale(ctl->ctl_path, &sun);

	ctl->ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (ctl->ctl_fd == -1)
		fatal("socket");
	mode = c->c_sockgid != (gid_t)-1 ? 0660 : 0600;
	/* No window in which the socket is more open than it will be. */
	old = umask(0777 & ~mode);
	if (bind(ctl->ctl_fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fatal("control socket %s: bind", ctl->ctl_path);
	umask(old);
	if (c->c_sockgid != (gid_t)-1 &&
	    chown(ctl->ctl_path, (uid_t)-1, c->c_sockgid) == -1)
		fatal("control socket %s: chown", ctl->ctl_path);
	if (chmod(ctl->ctl_path, mode) == -1)
		fatal("control socket %s: chmod", ctl->ctl_path);
	if (listen(ctl->ctl_fd, CONTROL_CLIENTS_MAX) == -1)
		fatal("control socket %s: listen", ctl->ctl_path);
	env->pb_control = ctl;
	control_group_refresh(env);
}

/* Accept clients, once the event base exists. */
void
control_listen(struct pcibackd *env)
{
	struct control	*ctl = env->pb_control;

	ctl->ctl_ev = event_new(env->pb_base, ctl->ctl_fd,
	    EV_READ | EV_PERSIST, control_accept, ctl);
	ctl->ctl_pause = evtimer_new(env->pb_base, control_resume, ctl);
	if (ctl->ctl_ev == NULL || ctl->ctl_pause == NULL ||
	    event_add(ctl->ctl_ev, NULL) != 0)
		fatalx("control socket %s: cannot watch it", ctl->ctl_path);
	log_debug("control: listening on %s", ctl->ctl_path);
}

void
control_shutdown(struct pcibackd *env)
{
	struct control		*ctl = env->pb_control;
	struct control_conn	*cc;

	if (ctl == NULL)
		return;
	while ((cc = TAILQ_FIRST(&ctl->ctl_conns)) != NULL)
		control_close(cc);
	if (ctl->ctl_ev != NULL)
		event_free(ctl->ctl_ev);
	if (ctl->ctl_pause != NULL)
		event_free(ctl->ctl_pause);
	close(ctl->ctl_fd);
	(void)unlink(ctl->ctl_path);
	free(ctl->ctl_members);
	free(ctl);
	env->pb_control = NULL;
}
