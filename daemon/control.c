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
 * The control socket, the parent's side (control.h): it binds the socket,
 * forks the control process (ctlproc.c) that serves it, and answers the
 * requests that process passes on, parsed and checked, one at a time:
 * the reply's messages go back over the socketpair, one per datagram.
 * What comes from the control process is checked again for range
 * (ctlparse_check) before a command runs: it runs without root and
 * talks to whoever connects, so it is not trusted further.  A control
 * process that dies is reported and replaced, CONTROL_DEATHS times in
 * CONTROL_DEATH_SECS at most; then the next one waits that long.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
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

#define CONTROL_CLIENTS_MAX	16	/* listen(2)'s backlog */
#define CONTROL_OUT_MAX		(1024 * 1024)	/* one reply */
#define CONTROL_ERR_MAX		256
#define CONTROL_LOG_RATE	100	/* the control process's lines */
#define CONTROL_LOG_BURST	1000
#define CONTROL_END_SPACE	(sizeof(struct control_hdr) + CONTROL_ERR_MAX)
#define CONTROL_DEATHS		5
#define CONTROL_DEATH_SECS	10
#define CONTROL_LOOP		16	/* requests taken per wake-up */
#define CONTROL_READY_MS	2000

/* The request being answered: one at a time. */
struct control_conn {
	struct control		*cc_ctl;
	char			 cc_name[48];	/* "uid 0 pid 123" */
	uint32_t		 cc_nclients;
	size_t			 cc_replylen;	/* bytes of this reply */
	uint8_t			 cc_rec[CONTROL_PAYLOAD_MAX];
	size_t			 cc_reclen;
	int			 cc_overflow;	/* reply too long */
	char			 cc_err[CONTROL_ERR_MAX];
};

struct control {
	struct pcibackd		*ctl_env;
	int			 ctl_fd;	/* listening; never accepted here */
	char			 ctl_path[CONTROL_PATH_MAX];
	struct timespec		 ctl_start;
	/* The socket group's members, resolved at start and reload. */
	uid_t			*ctl_members;
	size_t			 ctl_nmembers;
	/* The control process, and our ends of its socketpairs. */
	pid_t			 ctl_pid;
	struct ctlproc		*ctl_inproc;	/* the fuzzer's, in-process */
	int			 ctl_inchan;	/* its end of ctl_chan */
	int			 ctl_chan;
	int			 ctl_log;
	struct event		*ctl_rev;
	struct event		*ctl_wev;
	struct event		*ctl_logev;
	struct event		*ctl_later;	/* start it again */
	int			 ctl_logpri;	/* what it was told to log */
	/* Messages not sent yet; its requests wait until they are. */
	uint8_t			*ctl_out;
	size_t			 ctl_outlen;
	size_t			 ctl_outoff;
	size_t			 ctl_outsize;
	struct log_ratelimit	 ctl_lr;
	struct timespec		 ctl_deaths[CONTROL_DEATHS];
	unsigned int		 ctl_ndeaths;
	struct control_conn	 ctl_cc;
};

static void	control_tell_members(struct control *);
static void	control_tell_log(struct control *);
static int	control_start(struct control *);

/* ---- messages to the control process ------------------------------- */

/* Queue one message; -1 if out of memory. */
static int
control_out(struct control *ctl, uint32_t type, uint32_t arg,
    const void *payload, size_t len)
{
	struct control_hdr	 hdr;
	size_t			 need, size;
	uint8_t			*p;

	need = ctl->ctl_outlen + sizeof(hdr) + len;
	if (need > ctl->ctl_outsize) {
		for (size = ctl->ctl_outsize ? ctl->ctl_outsize : 4096;
		    size < need; size *= 2)
			;
		if ((p = realloc(ctl->ctl_out, size)) == NULL)
			return -1;
		ctl->ctl_out = p;
		ctl->ctl_outsize = size;
	}
	memset(&hdr, 0, sizeof(hdr));
	hdr.ch_version = CONTROL_PROTOCOL_VERSION;
	hdr.ch_type = type;
	hdr.ch_arg = arg;
	hdr.ch_len = (uint32_t)len;
	memcpy(ctl->ctl_out + ctl->ctl_outlen, &hdr, sizeof(hdr));
	if (len > 0)
		memcpy(ctl->ctl_out + ctl->ctl_outlen + sizeof(hdr), payload,
		    len);
	ctl->ctl_outlen = need;
	return 0;
}

static void
control_discard(struct control *ctl)
{
	free(ctl->ctl_out);
	ctl->ctl_out = NULL;
	ctl->ctl_outlen = ctl->ctl_outoff = ctl->ctl_outsize = 0;
}

/*
 * Send what is queued, a message a datagram.  Its socket full: stop
 * taking requests until it has room (a control process that stops
 * reading blocks nothing but itself).
 */
static void
control_flush(struct control *ctl)
{
	struct control_hdr	hdr;
	size_t			len;
	ssize_t			n;

	if (ctl->ctl_chan == -1) {
		control_discard(ctl);
		return;
	}
	while (ctl->ctl_outoff < ctl->ctl_outlen) {
		memcpy(&hdr, ctl->ctl_out + ctl->ctl_outoff, sizeof(hdr));
		len = sizeof(hdr) + hdr.ch_len;
		n = send(ctl->ctl_chan, ctl->ctl_out + ctl->ctl_outoff, len,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			event_del(ctl->ctl_rev);
			event_add(ctl->ctl_wev, NULL);
			return;
		}
		if (n == -1) {
			/* It is gone; SIGCHLD says so. */
			log_debug("control process: send: %s",
			    strerror(errno));
			control_discard(ctl);
			return;
		}
		ctl->ctl_outoff += len;
	}
	control_discard(ctl);
	event_add(ctl->ctl_rev, NULL);
}

/* The socket group's members, for its check of who connects. */
static void
control_tell_members(struct control *ctl)
{
	uint32_t	uids[CTLPROC_MEMBERS_MAX];
	size_t		i, n = ctl->ctl_nmembers;

	if (ctl->ctl_chan == -1)
		return;
	if (n > CTLPROC_MEMBERS_MAX)
		n = CTLPROC_MEMBERS_MAX;
	for (i = 0; i < n; i++)
		uids[i] = (uint32_t)ctl->ctl_members[i];
	if (control_out(ctl, CTLPROC_MSG_MEMBERS, 0, uids,
	    n * sizeof(uids[0])) != 0)
		log_warnx("control process: cannot tell it the socket "
		    "group's members");
	control_flush(ctl);
}

/* What it logs up to follows ours (log, log level, reload). */
static void
control_tell_log(struct control *ctl)
{
	int	pri = log_getverbose() > 0 ? LOG_DEBUG : log_getlevel();

	if (ctl->ctl_chan == -1 || pri == ctl->ctl_logpri)
		return;
	if (control_out(ctl, CTLPROC_MSG_LOG, (uint32_t)pri, NULL, 0) == 0)
		ctl->ctl_logpri = pri;
	control_flush(ctl);
}

/* ---- records ------------------------------------------------------- */

/* Queue a message of the reply; -1 if it grew past CONTROL_OUT_MAX. */
static int
control_queue(struct control_conn *cc, uint32_t type, uint32_t arg,
    const void *payload, size_t len, size_t reserve)
{
	size_t	need = sizeof(struct control_hdr) + len;

	if (cc->cc_replylen + need + reserve > CONTROL_OUT_MAX)
		return -1;
	if (control_out(cc->cc_ctl, type, arg, payload, len) != 0)
		return -1;
	cc->cc_replylen += need;
	return 0;
}

/* The END of a reply; room for it is always kept. */
static void
control_end(struct control_conn *cc, int status, const char *msg)
{
	char	buf[CONTROL_ERR_MAX];

	snprintf(buf, sizeof(buf), "%s", msg);
	if (control_queue(cc, CONTROL_MSG_END, (uint32_t)status, buf,
	    strlen(buf) + 1, 0) != 0 && control_out(cc->cc_ctl,
	    CONTROL_MSG_END, ENOMEM, "", 1) != 0)
		fatalx("control: out of memory for a reply");
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

/* ---- what the commands see of a request ---------------------------- */

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

/* Connections the control process had open when it passed the request. */
unsigned int
control_nclients(struct pcibackd *env)
{
	return env->pb_control->ctl_cc.cc_nclients;
}

/* ---- requests ------------------------------------------------------ */

/* Answer one request, checked and parsed by the control process. */
static void
control_request(struct control *ctl, const struct ctlreq *req)
{
	struct control_conn	*cc = &ctl->ctl_cc;
	int			 err;

	cc->cc_err[0] = '\0';
	cc->cc_overflow = 0;
	cc->cc_replylen = 0;
	cc->cc_reclen = 0;
	cc->cc_nclients = req->cr_nclients;
	snprintf(cc->cc_name, sizeof(cc->cc_name), "uid %u pid %ld",
	    req->cr_uid, (long)req->cr_pid);
	if (ctlparse_check(req) != 0) {
		log_limited(&ctl->ctl_lr, LOG_WARNING, "control process: a "
		    "request out of range (command %u); refused", req->cr_cmd);
		err = control_fail(cc, EPROTO, "pcibackd refused a malformed "
		    "request");
	} else if (req->cr_cmd == CONTROL_CMD_EXPLAIN)
		err = explain_run(cc, req);
	else
		err = ctlcmd_run(cc, req);
	if (err == 0 && cc->cc_overflow)
		err = control_fail(cc, ENOBUFS, "reply too long");
	control_end(cc, err, cc->cc_err);
}

static void
control_read(evutil_socket_t fd, short events, void *arg)
{
	struct control	*ctl = arg;
	struct ctlreq	 req;
	uint8_t		 buf[sizeof(req) + 1];
	ssize_t		 n;
	int		 i;

	(void)events;
	for (i = 0; i < CONTROL_LOOP && ctl->ctl_outlen == 0; i++) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR))
			return;
		if (n <= 0) {
			/* Its end closed: it is going; SIGCHLD follows. */
			event_del(ctl->ctl_rev);
			return;
		}
		memset(&req, 0, sizeof(req));
		if ((size_t)n == sizeof(req))
			memcpy(&req, buf, sizeof(req));
		else {
			log_limited(&ctl->ctl_lr, LOG_WARNING, "control "
			    "process: a request of %zd bytes, not %zu", n,
			    sizeof(req));
			req.cr_cmd = 0;		/* refused by the check */
		}
		control_request(ctl, &req);
		control_tell_log(ctl);
		control_flush(ctl);
	}
}

static void
control_write(evutil_socket_t fd, short events, void *arg)
{
	struct control	*ctl = arg;

	(void)fd;
	(void)events;
	control_flush(ctl);
}

/* Its log lines, as a worker's. */
static void
control_logread(evutil_socket_t fd, short events, void *arg)
{
	struct control	*ctl = arg;
	struct log_msg	 m;
	ssize_t		 n;
	int		 i;

	(void)events;
	for (i = 0; i < 64; i++) {
		n = recv(fd, &m, sizeof(m), MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR))
			return;
		if (n <= 0) {
			if (ctl->ctl_logev != NULL)
				event_del(ctl->ctl_logev);
			return;
		}
		log_relay(&ctl->ctl_lr, "", &m, (size_t)n);
	}
}

/* ---- the control process ------------------------------------------- */

static void
control_close_chan(struct control *ctl)
{
	struct event	**evs[3] = { &ctl->ctl_rev, &ctl->ctl_wev,
			    &ctl->ctl_logev };
	int		  i;

	if (ctl->ctl_log != -1)
		control_logread(ctl->ctl_log, EV_READ, ctl);
	for (i = 0; i < 3; i++) {
		if (*evs[i] != NULL)
			event_free(*evs[i]);
		*evs[i] = NULL;
	}
	if (ctl->ctl_chan != -1)
		close(ctl->ctl_chan);
	if (ctl->ctl_log != -1)
		close(ctl->ctl_log);
	ctl->ctl_chan = ctl->ctl_log = -1;
	control_discard(ctl);
}

/* Our ends: the requests, its log lines. */
static int
control_watch(struct control *ctl)
{
	struct event_base	*base = ctl->ctl_env->pb_base;

	ctl->ctl_rev = event_new(base, ctl->ctl_chan, EV_READ | EV_PERSIST,
	    control_read, ctl);
	ctl->ctl_wev = event_new(base, ctl->ctl_chan, EV_WRITE,
	    control_write, ctl);
	if (ctl->ctl_rev == NULL || ctl->ctl_wev == NULL ||
	    event_add(ctl->ctl_rev, NULL) != 0)
		return -1;
	if (ctl->ctl_log == -1)
		return 0;
	ctl->ctl_logev = event_new(base, ctl->ctl_log, EV_READ | EV_PERSIST,
	    control_logread, ctl);
	if (ctl->ctl_logev == NULL || event_add(ctl->ctl_logev, NULL) != 0)
		return -1;
	return 0;
}

/*
 * Wait (a few ms) until it has dropped its privileges and listens, so
 * that "started" in the log means pcibackctl is served by a sandboxed
 * process.  If it dies first, SIGCHLD reports it.
 */
static void
control_ready(struct control *ctl)
{
	struct pollfd	pfd;
	char		c;

	pfd.fd = ctl->ctl_chan;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, CONTROL_READY_MS) != 1 ||
	    recv(ctl->ctl_chan, &c, 1, MSG_DONTWAIT) != 1)
		log_warnx("control process %ld: not ready after %d ms",
		    (long)ctl->ctl_pid, CONTROL_READY_MS);
}

/* Fork the control process; it serves the socket from now on. */
static int
control_start(struct control *ctl)
{
	struct pcibackd	*env = ctl->ctl_env;
	int		 sv[2], lv[2];
	pid_t		 pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("control process: socketpair");
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, lv) == -1) {
		log_warn("control process: socketpair");
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	ctl->ctl_logpri = log_getverbose() > 0 ? LOG_DEBUG : log_getlevel();
	switch (pid = fork()) {
	case -1:
		log_warn("control process: fork");
		close(sv[0]);
		close(sv[1]);
		close(lv[0]);
		close(lv[1]);
		return -1;
	case 0:
		close(sv[0]);
		close(lv[0]);
		worker_unmap_pages(env, NULL);
		ctlproc_main(ctl->ctl_fd, sv[1], lv[1],
		    env->pb_conf->c_sockgid, geteuid(), getppid(),
		    worker_sandbox(), ctl->ctl_logpri);
	}
	close(sv[1]);
	close(lv[1]);
	ctl->ctl_pid = pid;
	ctl->ctl_chan = sv[0];
	ctl->ctl_log = lv[0];
	control_ready(ctl);
	if (control_watch(ctl) != 0)
		fatalx("control process: cannot watch its socket");
	control_tell_members(ctl);
	log_debug("control process %ld serves %s", (long)pid, ctl->ctl_path);
	return 0;
}

static void
control_restart(evutil_socket_t fd, short events, void *arg)
{
	struct control	*ctl = arg;
	struct timeval	 later = { CONTROL_DEATH_SECS, 0 };

	(void)fd;
	(void)events;
	if (ctl->ctl_pid == 0 && control_start(ctl) != 0)
		evtimer_add(ctl->ctl_later, &later);
}

/* Too many deaths lately?  Counts this one. */
static int
control_budget(struct control *ctl)
{
	struct timespec	now, *oldest;

	clock_gettime(CLOCK_MONOTONIC, &now);
	oldest = &ctl->ctl_deaths[ctl->ctl_ndeaths % CONTROL_DEATHS];
	ctl->ctl_ndeaths++;
	if (ctl->ctl_ndeaths > CONTROL_DEATHS &&
	    now.tv_sec - oldest->tv_sec < CONTROL_DEATH_SECS)
		return -1;
	*oldest = now;
	return 0;
}

/* A child has gone (worker.c's SIGCHLD): ours?  Report, replace. */
void
control_reaped(struct pcibackd *env, pid_t pid, int status)
{
	struct control	*ctl = env->pb_control;
	struct timeval	 later = { CONTROL_DEATH_SECS, 0 };

	if (ctl == NULL || pid == 0 || pid != ctl->ctl_pid)
		return;
	ctl->ctl_pid = 0;
	control_close_chan(ctl);
	if (WIFSIGNALED(status))
		log_warnx("control process %ld killed by signal %d%s",
		    (long)pid, WTERMSIG(status), WTERMSIG(status) == SIGSYS ?
		    " (seccomp: a forbidden system call)" : "");
	else
		log_warnx("control process %ld exited with status %d",
		    (long)pid, WEXITSTATUS(status));
	if (env->pb_exiting)
		return;
	if (control_budget(ctl) != 0) {
		log_warnx("control process: died %d times in %d s; the next "
		    "starts in %d s, pcibackctl waits till then",
		    CONTROL_DEATHS + 1, CONTROL_DEATH_SECS,
		    CONTROL_DEATH_SECS);
		evtimer_add(ctl->ctl_later, &later);
		return;
	}
	if (control_start(ctl) != 0)
		evtimer_add(ctl->ctl_later, &later);
	else
		log_info("control process %ld replaces it",
		    (long)ctl->ctl_pid);
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
	control_tell_log(ctl);
	free(ctl->ctl_members);
	ctl->ctl_members = NULL;
	ctl->ctl_nmembers = 0;
	if (env->pb_conf->c_sockgid == (gid_t)-1 ||
	    (gr = getgrgid(env->pb_conf->c_sockgid)) == NULL ||
	    gr->gr_mem == NULL) {
		control_tell_members(ctl);
		return;
	}
	for (n = 0; gr->gr_mem[n] != NULL; n++)
		;
	if (n == 0) {
		control_tell_members(ctl);
		return;
	}
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
	control_tell_members(ctl);
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
	const struct timespec	 pause = { 0, 50 * 1000 * 1000 };
	struct stat		 st;
	int			 fd, rc, i;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return;
		fatal("control socket %s", path);
	}
	if (!S_ISSOCK(st.st_mode))
		fatalx("control socket %s: exists and is not a socket", path);
	/*
	 * A daemon just killed may leave its control process for a moment,
	 * whose socket still takes connections: in use only if it lasts.
	 */
	for (i = 0; i < 10; i++) {
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) ==
		    -1)
			fatal("socket");
		rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
		close(fd);
		if (rc == -1)
			break;
		nanosleep(&pause, NULL);
	}
	if (i == 10)
		fatalx("control socket %s is in use: is another pcibackd "
		    "running?", path);
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
	ctl->ctl_chan = ctl->ctl_log = ctl->ctl_inchan = -1;
	ctl->ctl_cc.cc_ctl = ctl;
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

/* Serve the socket, once the event base exists: fork its process. */
void
control_listen(struct pcibackd *env)
{
	struct control	*ctl = env->pb_control;

	ctl->ctl_later = evtimer_new(env->pb_base, control_restart, ctl);
	if (ctl->ctl_later == NULL || control_start(ctl) != 0)
		fatalx("control socket %s: cannot start its process",
		    ctl->ctl_path);
	log_debug("control: listening on %s", ctl->ctl_path);
}

/*
 * The same in one process, the control process's side on the same event
 * base: the fuzzer drives both sides of the socketpair (fuzz_control.c).
 */
void
control_listen_inproc(struct pcibackd *env)
{
	struct control	*ctl = env->pb_control;
	int		 sv[2];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		fatal("socketpair");
	ctl->ctl_chan = sv[0];
	ctl->ctl_inchan = sv[1];
	ctl->ctl_inproc = ctlproc_new(env->pb_base, ctl->ctl_fd, sv[1],
	    env->pb_conf->c_sockgid, geteuid());
	if (ctl->ctl_inproc == NULL || control_watch(ctl) != 0)
		fatalx("control socket %s: cannot watch it", ctl->ctl_path);
	control_tell_members(ctl);
}

void
control_shutdown(struct pcibackd *env)
{
	struct control	*ctl = env->pb_control;
	int		 status;

	if (ctl == NULL)
		return;
	if (ctl->ctl_pid != 0) {
		(void)kill(ctl->ctl_pid, SIGTERM);
		while (waitpid(ctl->ctl_pid, &status, 0) == -1 &&
		    errno == EINTR)
			;
		ctl->ctl_pid = 0;
	}
	ctlproc_free(ctl->ctl_inproc);
	if (ctl->ctl_inchan != -1)
		close(ctl->ctl_inchan);
	control_close_chan(ctl);
	if (ctl->ctl_later != NULL)
		event_free(ctl->ctl_later);
	close(ctl->ctl_fd);
	(void)unlink(ctl->ctl_path);
	free(ctl->ctl_members);
	free(ctl);
	env->pb_control = NULL;
}
