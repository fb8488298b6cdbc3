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
 * The control process: pcibackctl's side of the control socket, without
 * root (doc/design.md).  Forked by the parent at start, it takes the
 * socket the parent bound, gives up root, sets no_new_privs and its own
 * seccomp filter, and serves clients as OpenBSD's control processes do.
 * A client is treated like a guest: it may be slow, buggy or hostile, so
 * every buffer is bounded, every connection is non-blocking and timed
 * out, and a client that sends what we cannot parse is dropped with a
 * rate-limited log line.  Only root, the parent's uid or members of the
 * configured group get in; group members may only look (ci_privileged,
 * control_proto.c).  A request is parsed here (ctlparse.c); the parent
 * gets a struct ctlreq and answers with the reply's messages, which are
 * relayed.  One request per connection is with the parent at a time.
 */

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>

#include "control.h"
#include "control_proto.h"
#include "pcibackd.h"
#include "sandbox.h"

#define CTLPROC_CLIENTS_MAX	16
#define CTLPROC_IDLE_SEC	30	/* to send or to read, seconds */
#define CTLPROC_OUT_MAX		(1024 * 1024 + 2 * CTLPROC_MSG_MAX)
#define CTLPROC_ERR_MAX		256
#define CTLPROC_LOG_RATE	2	/* lines per second about clients */
#define CTLPROC_LOG_BURST	10
#define CTLPROC_MSG_MAX		(sizeof(struct control_hdr) + \
				    CONTROL_PAYLOAD_MAX)

struct ctlproc_conn {
	TAILQ_ENTRY(ctlproc_conn) cc_entry;	/* open connections */
	TAILQ_ENTRY(ctlproc_conn) cc_wait;	/* waiting for the parent */
	struct ctlproc		*cc_cp;
	int			 cc_fd;		/* -1: closed, reply owed */
	struct event		*cc_rev;
	struct event		*cc_wev;
	char			 cc_name[48];	/* "uid 0 pid 123" */
	uint32_t		 cc_uid;
	int32_t			 cc_pid;
	int			 cc_privileged;	/* root or the parent's uid */
	int			 cc_asked;	/* a request is with the parent */
	/* At most one message; a longer one is refused from its header. */
	uint8_t			 cc_in[CTLPROC_MSG_MAX];
	size_t			 cc_inlen;
	/* Replies not written yet; requests wait until they are. */
	uint8_t			*cc_out;
	size_t			 cc_outlen;
	size_t			 cc_outoff;
	size_t			 cc_outsize;
	int			 cc_closing;	/* close once written */
};

struct ctlproc {
	struct event_base	*cp_base;
	int			 cp_fd;		/* the listening socket */
	int			 cp_chan;	/* to the parent */
	gid_t			 cp_gid;	/* the socket group, or -1 */
	uid_t			 cp_euid;	/* the parent's */
	struct event		*cp_ev;
	struct event		*cp_pause;	/* no fds: wait */
	struct event		*cp_chev;
	TAILQ_HEAD(, ctlproc_conn) cp_conns;
	TAILQ_HEAD(, ctlproc_conn) cp_waiting;	/* in the parent's order */
	unsigned int		 cp_nconns;
	struct log_ratelimit	 cp_lr;
	uint32_t		 cp_members[CTLPROC_MEMBERS_MAX];
	size_t			 cp_nmembers;
	uint8_t			 cp_msg[CTLPROC_MSG_MAX];
};

static const struct timeval ctlproc_idle = { CTLPROC_IDLE_SEC, 0 };

static int	ctlproc_process(struct ctlproc_conn *);

/* ---- connections --------------------------------------------------- */

static void
ctlproc_free_conn(struct ctlproc_conn *cc)
{
	free(cc->cc_out);
	free(cc);
}

/* Closed; one whose request is with the parent waits for the reply. */
static void
ctlproc_close(struct ctlproc_conn *cc)
{
	struct ctlproc	*cp = cc->cc_cp;

	log_debug("control: %s: closed", cc->cc_name);
	event_free(cc->cc_rev);
	event_free(cc->cc_wev);
	cc->cc_rev = cc->cc_wev = NULL;
	close(cc->cc_fd);
	cc->cc_fd = -1;
	TAILQ_REMOVE(&cp->cp_conns, cc, cc_entry);
	cp->cp_nconns--;
	if (!cc->cc_asked)
		ctlproc_free_conn(cc);
}

static void
ctlproc_drop(struct ctlproc_conn *cc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The client misbehaved: say so, and forget it. */
static void
ctlproc_drop(struct ctlproc_conn *cc, const char *fmt, ...)
{
	char	msg[256];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_limited(&cc->cc_cp->cp_lr, LOG_WARNING,
	    "control: %s: %s; dropped", cc->cc_name, msg);
	ctlproc_close(cc);
}

/* Queue one message, framed; -1 if the replies grew too long. */
static int
ctlproc_queue_raw(struct ctlproc_conn *cc, const void *msg, size_t len)
{
	size_t	 need, size;
	uint8_t	*p;

	need = cc->cc_outlen + len;
	if (need > CTLPROC_OUT_MAX)
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
	memcpy(cc->cc_out + cc->cc_outlen, msg, len);
	cc->cc_outlen = need;
	return 0;
}

/* An END of our own: the request was refused before the parent. */
static void
ctlproc_end(struct ctlproc_conn *cc, int status, const char *msg)
{
	struct {
		struct control_hdr	hdr;
		char			msg[CTLPROC_ERR_MAX];
	} m;
	size_t	len;

	memset(&m, 0, sizeof(m));
	snprintf(m.msg, sizeof(m.msg), "%s", msg);
	len = strlen(m.msg) + 1;
	m.hdr.ch_version = CONTROL_PROTOCOL_VERSION;
	m.hdr.ch_type = CONTROL_MSG_END;
	m.hdr.ch_arg = (uint32_t)status;
	m.hdr.ch_len = (uint32_t)len;
	if (ctlproc_queue_raw(cc, &m, sizeof(m.hdr) + len) != 0)
		cc->cc_closing = 1;	/* out of memory: nothing left to say */
}

static void
ctlproc_fail(struct ctlproc_conn *cc, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
ctlproc_fail(struct ctlproc_conn *cc, int status, const char *fmt, ...)
{
	char	msg[CTLPROC_ERR_MAX];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctlproc_end(cc, status, msg);
}

/* Write what the socket takes.  0: still open; -1: closed. */
static int
ctlproc_flush(struct ctlproc_conn *cc)
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
			event_add(cc->cc_wev, &ctlproc_idle);
			return 0;
		}
		if (n == -1) {
			log_debug("control: %s: send: %s", cc->cc_name,
			    strerror(errno));
			ctlproc_close(cc);
			return -1;
		}
		cc->cc_outoff += (size_t)n;
	}
	free(cc->cc_out);
	cc->cc_out = NULL;
	cc->cc_outlen = cc->cc_outoff = cc->cc_outsize = 0;
	if (cc->cc_closing) {
		ctlproc_close(cc);
		return -1;
	}
	event_add(cc->cc_rev, &ctlproc_idle);
	return 0;
}

/* ---- requests ------------------------------------------------------ */

/* Split the payload into arguments; -1 if it is malformed. */
static int
ctlproc_args(uint8_t *p, size_t len, char **argv, int *argc)
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

/* Pass a parsed request on; the reply comes in ctlproc_chan(). */
static void
ctlproc_ask(struct ctlproc_conn *cc, struct ctlreq *req)
{
	struct ctlproc	*cp = cc->cc_cp;

	req->cr_uid = cc->cc_uid;
	req->cr_pid = cc->cc_pid;
	req->cr_privileged = (uint32_t)cc->cc_privileged;
	req->cr_nclients = cp->cp_nconns;
	if (send(cp->cp_chan, req, sizeof(*req), MSG_DONTWAIT |
	    MSG_NOSIGNAL) != (ssize_t)sizeof(*req)) {
		log_warn("control: %s: cannot pass the request on",
		    cc->cc_name);
		ctlproc_end(cc, EAGAIN, "pcibackd is busy, try again");
		return;
	}
	cc->cc_asked = 1;
	TAILQ_INSERT_TAIL(&cp->cp_waiting, cc, cc_wait);
	/* Nothing more from this client until the reply is written. */
	event_del(cc->cc_rev);
}

/* Check one request, and ask the parent.  -1: malformed, drop it. */
static int
ctlproc_request(struct ctlproc_conn *cc, const struct control_hdr *hdr,
    uint8_t *payload)
{
	const struct control_cmdinfo	*ci;
	struct ctlreq			 req;
	char				*argv[CONTROL_ARGS_MAX + 1];
	char				 err[CTLPROC_ERR_MAX];
	int				 argc, status;

	if (ctlproc_args(payload, hdr->ch_len, argv, &argc) != 0)
		return -1;
	argv[argc] = NULL;
	ci = control_cmdinfo_find(hdr->ch_arg);
	if (ci == NULL) {
		ctlproc_fail(cc, EOPNOTSUPP, "unknown command %u (is "
		    "pcibackctl newer than pcibackd?)", hdr->ch_arg);
		return 0;
	}
	if (argc != ci->ci_nargs) {
		ctlproc_fail(cc, EINVAL, "%s: %d argument%s expected, got %d",
		    ci->ci_name, ci->ci_nargs, ci->ci_nargs == 1 ? "" : "s",
		    argc);
		return 0;
	}
	if (ci->ci_privileged && !cc->cc_privileged) {
		log_limited(&cc->cc_cp->cp_lr, LOG_WARNING, "control: %s: "
		    "%s refused: not root", cc->cc_name, ci->ci_name);
		ctlproc_fail(cc, EPERM, "%s: permission denied: only root may "
		    "change devices; the socket group may show and explain",
		    ci->ci_name);
		return 0;
	}
	memset(&req, 0, sizeof(req));
	err[0] = '\0';
	if ((status = ctlparse_request(ci, argv, &req, err,
	    sizeof(err))) != 0) {
		ctlproc_end(cc, status, err);
		return 0;
	}
	log_debug("control: %s: %s", cc->cc_name, ci->ci_name);
	ctlproc_ask(cc, &req);
	return 0;
}

/*
 * Check the header at the start of cc_in.  0: fine (complete or not);
 * 1: answered and closing; -1: the client was dropped.
 */
static int
ctlproc_header(struct ctlproc_conn *cc, struct control_hdr *hdr)
{
	memcpy(hdr, cc->cc_in, sizeof(*hdr));
	if (hdr->ch_version != CONTROL_PROTOCOL_VERSION) {
		log_limited(&cc->cc_cp->cp_lr, LOG_WARNING, "control: %s: "
		    "protocol version %u, not %d", cc->cc_name,
		    hdr->ch_version, CONTROL_PROTOCOL_VERSION);
		ctlproc_fail(cc, EPROTONOSUPPORT, "protocol version "
		    "mismatch: pcibackd speaks %d, the client %u",
		    CONTROL_PROTOCOL_VERSION, hdr->ch_version);
		cc->cc_closing = 1;
		return 1;
	}
	if (hdr->ch_type != CONTROL_MSG_REQUEST) {
		ctlproc_drop(cc, "message type %u", hdr->ch_type);
		return -1;
	}
	if (hdr->ch_len > CONTROL_PAYLOAD_MAX) {
		ctlproc_drop(cc, "message of %u bytes", hdr->ch_len);
		return -1;
	}
	return 0;
}

/*
 * Take the requests complete in cc_in, one at a time: the next waits
 * until the parent answered this one and the reply is written.  0: open;
 * -1: closed.
 */
static int
ctlproc_process(struct ctlproc_conn *cc)
{
	struct control_hdr	hdr;
	size_t			total;
	int			rc;

	while (!cc->cc_closing && !cc->cc_asked && cc->cc_outlen == 0 &&
	    cc->cc_inlen >= sizeof(hdr)) {
		if ((rc = ctlproc_header(cc, &hdr)) == -1)
			return -1;
		if (rc == 0) {
			total = sizeof(hdr) + hdr.ch_len;
			if (cc->cc_inlen < total)
				break;
			if (ctlproc_request(cc, &hdr,
			    cc->cc_in + sizeof(hdr)) != 0) {
				ctlproc_drop(cc, "malformed arguments");
				return -1;
			}
			memmove(cc->cc_in, cc->cc_in + total,
			    cc->cc_inlen - total);
			cc->cc_inlen -= total;
		}
		if (cc->cc_asked)
			break;
		if (ctlproc_flush(cc) != 0)
			return -1;
	}
	return 0;
}

static void
ctlproc_read(evutil_socket_t fd, short events, void *arg)
{
	struct ctlproc_conn	*cc = arg;
	ssize_t			 n;

	if (events & EV_TIMEOUT) {
		if (cc->cc_inlen > 0)
			ctlproc_drop(cc, "request incomplete after %d s",
			    CTLPROC_IDLE_SEC);
		else
			ctlproc_close(cc);
		return;
	}
	/* Cannot happen: a full buffer holds one message, answered. */
	if (cc->cc_inlen == sizeof(cc->cc_in)) {
		ctlproc_drop(cc, "input buffer full");
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
		ctlproc_close(cc);
		return;
	}
	cc->cc_inlen += (size_t)n;
	(void)ctlproc_process(cc);
}

static void
ctlproc_write(evutil_socket_t fd, short events, void *arg)
{
	struct ctlproc_conn	*cc = arg;

	(void)fd;
	if (events & EV_TIMEOUT) {
		ctlproc_drop(cc, "does not read its replies");
		return;
	}
	if (ctlproc_flush(cc) == 0 && cc->cc_outlen == 0)
		(void)ctlproc_process(cc);
}

/* ---- the parent's replies ------------------------------------------ */

/* A message of the reply to the oldest request waiting. */
static void
ctlproc_reply(struct ctlproc *cp, const struct control_hdr *hdr, size_t len)
{
	struct ctlproc_conn	*cc;

	if ((cc = TAILQ_FIRST(&cp->cp_waiting)) == NULL)
		fatalx("control: a reply to no request");
	if (cc->cc_fd != -1 && !cc->cc_closing &&
	    ctlproc_queue_raw(cc, cp->cp_msg, len) != 0) {
		/* Out of memory: the client gets no END, and is closed. */
		cc->cc_closing = 1;
	}
	if (hdr->ch_type != CONTROL_MSG_END)
		return;
	TAILQ_REMOVE(&cp->cp_waiting, cc, cc_wait);
	cc->cc_asked = 0;
	if (cc->cc_fd == -1) {
		ctlproc_free_conn(cc);
		return;
	}
	if (ctlproc_flush(cc) == 0 && cc->cc_outlen == 0)
		(void)ctlproc_process(cc);
}

static void
ctlproc_members(struct ctlproc *cp, const struct control_hdr *hdr)
{
	size_t	n = hdr->ch_len / sizeof(uint32_t);

	if (n > CTLPROC_MEMBERS_MAX)
		n = CTLPROC_MEMBERS_MAX;
	memcpy(cp->cp_members, cp->cp_msg + sizeof(*hdr),
	    n * sizeof(uint32_t));
	cp->cp_nmembers = n;
}

/* What the parent says.  Its end closed: it is gone, so are we. */
static void
ctlproc_chan(evutil_socket_t fd, short events, void *arg)
{
	struct ctlproc		*cp = arg;
	struct control_hdr	 hdr;
	ssize_t			 n;
	int			 i;

	(void)events;
	for (i = 0; i < 64; i++) {
		n = recv(fd, cp->cp_msg, sizeof(cp->cp_msg), MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR))
			return;
		if (n <= 0) {
			log_debug("control: the parent is gone");
			event_del(cp->cp_chev);
			event_base_loopbreak(cp->cp_base);
			return;
		}
		if ((size_t)n >= sizeof(hdr))
			memcpy(&hdr, cp->cp_msg, sizeof(hdr));
		if ((size_t)n < sizeof(hdr) ||
		    (size_t)n != sizeof(hdr) + hdr.ch_len)
			fatalx("control: a message of %zd bytes from the "
			    "parent", n);
		switch (hdr.ch_type) {
		case CONTROL_MSG_RECORD:
		case CONTROL_MSG_END:
			ctlproc_reply(cp, &hdr, (size_t)n);
			break;
		case CTLPROC_MSG_MEMBERS:
			ctlproc_members(cp, &hdr);
			break;
		case CTLPROC_MSG_LOG:
			log_setverbose(0);
			log_setlevel((int)hdr.ch_arg);
			break;
		default:
			fatalx("control: message type %u from the parent",
			    hdr.ch_type);
		}
	}
}

/* ---- accepting ----------------------------------------------------- */

/* In the socket group by the ids the kernel gives: no NSS lookup here. */
static int
ctlproc_in_group(struct ctlproc *cp, int fd, uid_t uid, gid_t gid)
{
	size_t		i;
#ifdef SO_PEERGROUPS
	gid_t		groups[256];
	socklen_t	glen = sizeof(groups);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &glen) == 0)
		for (i = 0; i < glen / sizeof(groups[0]); i++)
			if (groups[i] == cp->cp_gid)
				return 1;
#else
	(void)fd;
#endif
	if (gid == cp->cp_gid)
		return 1;
	for (i = 0; i < cp->cp_nmembers; i++)
		if (cp->cp_members[i] == uid)
			return 1;
	return 0;
}

/*
 * Root, the parent's uid, or the configured group.  0 allowed
 * (privileged: may change devices), -1 not.
 */
static int
ctlproc_peer(struct ctlproc *cp, int fd, struct ctlproc_conn *cc)
{
	uid_t		uid;
	gid_t		gid;
	long		pid = -1;
#ifdef SO_PEERCRED
	struct ucred	cred;
	socklen_t	clen = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == -1) {
		snprintf(cc->cc_name, sizeof(cc->cc_name), "unknown peer");
		return -1;
	}
	uid = cred.uid;
	gid = cred.gid;
	pid = (long)cred.pid;
#else
	if (getpeereid(fd, &uid, &gid) == -1) {
		snprintf(cc->cc_name, sizeof(cc->cc_name), "unknown peer");
		return -1;
	}
#endif
	snprintf(cc->cc_name, sizeof(cc->cc_name), "uid %u pid %ld",
	    (unsigned int)uid, pid);
	cc->cc_uid = (uint32_t)uid;
	cc->cc_pid = (int32_t)pid;
	cc->cc_privileged = uid == 0 || uid == cp->cp_euid;
	if (cc->cc_privileged)
		return 0;
	if (cp->cp_gid != (gid_t)-1 && ctlproc_in_group(cp, fd, uid, gid))
		return 0;
	return -1;
}

/* Tell a client we will not serve why, best effort, and close. */
static void
ctlproc_refuse(int fd, int status, const char *msg)
{
	struct {
		struct control_hdr	hdr;
		char			msg[CTLPROC_ERR_MAX];
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
ctlproc_resume(evutil_socket_t fd, short events, void *arg)
{
	struct ctlproc	*cp = arg;

	(void)fd;
	(void)events;
	event_add(cp->cp_ev, NULL);
}

static void
ctlproc_accept(evutil_socket_t lfd, short events, void *arg)
{
	struct ctlproc		*cp = arg;
	struct ctlproc_conn	*cc;
	struct timeval		 later = { 1, 0 };
	int			 fd;

	(void)events;
	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			/* Out of fds: pause instead of spinning. */
			log_limited(&cp->cp_lr, LOG_WARNING, "control: "
			    "accept: %s", strerror(errno));
			event_del(cp->cp_ev);
			evtimer_add(cp->cp_pause, &later);
		}
		return;
	}
	if ((cc = calloc(1, sizeof(*cc))) == NULL) {
		log_warn("control: accept");
		close(fd);
		return;
	}
	cc->cc_cp = cp;
	cc->cc_fd = fd;
	if (ctlproc_peer(cp, fd, cc) != 0) {
		log_limited(&cp->cp_lr, LOG_WARNING, "control: %s: "
		    "refused: neither root nor in the socket group",
		    cc->cc_name);
		ctlproc_refuse(fd, EACCES, "permission denied: pcibackd "
		    "serves root and the socket group only");
		free(cc);
		return;
	}
	if (cp->cp_nconns >= CTLPROC_CLIENTS_MAX) {
		log_limited(&cp->cp_lr, LOG_WARNING, "control: %s: "
		    "refused: %d clients already", cc->cc_name,
		    CTLPROC_CLIENTS_MAX);
		ctlproc_refuse(fd, EBUSY, "too many pcibackctl clients, "
		    "try again");
		free(cc);
		return;
	}
	cc->cc_rev = event_new(cp->cp_base, fd, EV_READ | EV_PERSIST,
	    ctlproc_read, cc);
	cc->cc_wev = event_new(cp->cp_base, fd, EV_WRITE, ctlproc_write, cc);
	if (cc->cc_rev == NULL || cc->cc_wev == NULL ||
	    event_add(cc->cc_rev, &ctlproc_idle) != 0) {
		log_warnx("control: %s: cannot watch the connection",
		    cc->cc_name);
		if (cc->cc_rev != NULL)
			event_free(cc->cc_rev);
		if (cc->cc_wev != NULL)
			event_free(cc->cc_wev);
		close(fd);
		free(cc);
		return;
	}
	TAILQ_INSERT_TAIL(&cp->cp_conns, cc, cc_entry);
	cp->cp_nconns++;
	log_debug("control: %s: connected", cc->cc_name);
}

/* ---- the process ----------------------------------------------------- */

/*
 * Serve the listening socket fd on base, asking the parent over chan.
 * The daemon's control process calls it; so does the fuzzer, with the
 * parent's side in the same process.
 */
struct ctlproc *
ctlproc_new(struct event_base *base, int fd, int chan, gid_t gid,
    uid_t euid)
{
	struct ctlproc	*cp;

	if ((cp = calloc(1, sizeof(*cp))) == NULL)
		return NULL;
	cp->cp_base = base;
	cp->cp_fd = fd;
	cp->cp_chan = chan;
	cp->cp_gid = gid;
	cp->cp_euid = euid;
	TAILQ_INIT(&cp->cp_conns);
	TAILQ_INIT(&cp->cp_waiting);
	log_ratelimit_init(&cp->cp_lr, CTLPROC_LOG_RATE, CTLPROC_LOG_BURST);
	cp->cp_ev = event_new(base, fd, EV_READ | EV_PERSIST, ctlproc_accept,
	    cp);
	cp->cp_pause = evtimer_new(base, ctlproc_resume, cp);
	cp->cp_chev = event_new(base, chan, EV_READ | EV_PERSIST, ctlproc_chan,
	    cp);
	if (cp->cp_ev == NULL || cp->cp_pause == NULL || cp->cp_chev == NULL ||
	    event_add(cp->cp_ev, NULL) != 0 ||
	    event_add(cp->cp_chev, NULL) != 0) {
		ctlproc_free(cp);
		return NULL;
	}
	return cp;
}

void
ctlproc_free(struct ctlproc *cp)
{
	struct ctlproc_conn	*cc;

	if (cp == NULL)
		return;
	while ((cc = TAILQ_FIRST(&cp->cp_conns)) != NULL)
		ctlproc_close(cc);
	while ((cc = TAILQ_FIRST(&cp->cp_waiting)) != NULL) {
		TAILQ_REMOVE(&cp->cp_waiting, cc, cc_wait);
		ctlproc_free_conn(cc);
	}
	if (cp->cp_ev != NULL)
		event_free(cp->cp_ev);
	if (cp->cp_pause != NULL)
		event_free(cp->cp_pause);
	if (cp->cp_chev != NULL)
		event_free(cp->cp_chev);
	free(cp);
}

static __attribute__((noreturn)) void
ctlproc_exit(int code)
{
#ifdef PCIBACKD_COVERAGE
	exit(code);		/* gcov writes its counts at exit */
#else
	_exit(code);		/* nothing of the parent's to run or flush */
#endif
}

/*
 * The forked child: fd the listening socket, chan and logfd its ends of
 * the socketpairs.  Dies with parent; gives up what si says, then every
 * system call its filter does not name.
 */
void
ctlproc_main(int fd, int chan, int logfd, gid_t gid, uid_t euid,
    pid_t parent, const struct sandbox_id *si, int logpri)
{
	const int		 sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1,
				    SIGCHLD };
	const int		 keep[3] = { fd, chan, logfd };
	struct event_base	*base;
	struct ctlproc		*cp;
	sigset_t		 none;
	const char		*what = "";
	size_t			 i;

	if (sandbox_diewith(parent) != 0)
		ctlproc_exit(1);
	/* The parent's handlers write to its event loop: not ours. */
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	log_sendto(logfd);
	log_setverbose(0);
	log_setlevel(logpri);
#ifdef PR_SET_NAME
	/* "ps" and the tests tell it from the guests' workers. */
	(void)prctl(PR_SET_NAME, "pcibackd-ctl", 0, 0, 0);
#endif
	if (sandbox_closefds(keep, 3) != 0) {
		log_warn("control process: cannot close descriptors");
		ctlproc_exit(1);
	}
	/* Its own event loop; the parent's is not for a child. */
	if ((base = event_base_new()) == NULL) {
		log_warnx("control process: no event base");
		ctlproc_exit(1);
	}
	if (sandbox_enter_control(si, parent, &what) != 0) {
		log_warn("control process: %s", what);
		ctlproc_exit(1);
	}
	if ((cp = ctlproc_new(base, fd, chan, gid, euid)) == NULL) {
		log_warnx("control process: cannot watch the socket");
		ctlproc_exit(1);
	}
	#ifdef PCIBACKD_COVERAGE
	/* As the parent's: the parent's death SIGKILLs it, exit never runs. */
	{
		static const struct timeval gcovsec = { 0, 250000 };
		struct event	*gcovev;

		gcovev = event_new(base, -1, EV_PERSIST, pcibackd_gcov, NULL);
		if (gcovev == NULL || event_add(gcovev, &gcovsec) != 0)
			log_warnx("control process: no coverage timer");
	}
#endif
	/* Sandboxed and listening: the parent may say it started. */
	(void)send(chan, "r", 1, MSG_NOSIGNAL);
	event_base_dispatch(base);
	ctlproc_exit(0);
}
