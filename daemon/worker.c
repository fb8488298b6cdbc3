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
 * One worker process per connected guest (doc/design.md).  The parent
 * forks it once the guest's port is bound; the worker maps the guest's
 * page, keeps only the descriptors it serves with, and runs its own
 * poll() loop over opserve.c.  It knows a fork-time snapshot of the
 * guest's devices and their policy, so a change to them replaces it:
 * the parent asks it to quit between two ops and forks a new one, which
 * adopts the guest as a restarted daemon does (§2.8).  A device the guest
 * lets go is the exception: the parent asks the worker to stop serving it
 * (worker_drop), which costs no fork on the toolstack's detach and
 * destroy.  A worker that dies otherwise is reported and replaced,
 * WORKER_DEATHS times in WORKER_DEATH_SECS at most; then its guest is
 * failed.  Counters come back in a shared page, log lines and the drops'
 * answers over the socketpair; the parent takes all of it as untrusted
 * input.  No message is exchanged on the op path.
 *
 * A worker outlives the daemon: when its socket closes without a word
 * (the daemon exited, crashed or was killed), it goes on serving its
 * guest for "restart-grace" seconds, so that a restart costs the guest
 * nothing.  The next daemon names it from the restart record, stops it
 * with SIGTERM, which it takes between two ops, and forks its own
 * (record_retire).
 */

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <xenevtchn.h>
#include <xengnttab.h>
#include <xen/io/pciif.h>

#include "pcibackd.h"
#include "proc.h"
#include "provider.h"
#include "sandbox.h"

#define WORKER_QUIT_MS	1000	/* then SIGKILL: an op takes microseconds */
#define WORKER_USER	"_pcibackd"
#define WORKER_FALLBACK	"nobody"
#define WORKER_CHROOT	"/var/lib/pcibackd/empty"	/* the package's */
#define WORKER_LOG_LOOP	64	/* log lines taken per wake-up */
#define WORKER_DROP_MS	1000	/* for its answer; then it is replaced */
#define WORKER_CMD_DROP	0x64726f70	/* "drop" */
#define WORKER_CMD_AER	0x61657221	/* "aer!" */
#define WORKER_ACK	(-1)	/* no log priority: a drop's answer */
#define WORKER_STATE	(-2)	/* nor: a Command value changed */
#define WORKER_AER	(-3)	/* nor: a guest's answer to an AER step */
#define WORKER_COMMAND_SET 0x10000	/* wd_command holds a value */
#define WORKER_RECORD_MS 100	/* restart record rewrites, at most every */

/*
 * Parent to worker: stop serving a device, or post a step of PCIe error
 * recovery (aer.c) for it.  Any other datagram, or the parent's end
 * closing, means quit.
 */
struct worker_cmd {
	uint32_t	wc_type;	/* WORKER_CMD_* */
	uint32_t	wc_seq;		/* AER: the parent's request id */
	struct bdf	wc_host;
	uint32_t	wc_aer_cmd;	/* AER_* */
	int32_t		wc_aer_state;	/* AER_STATE_* */
	uint32_t	wc_aer_secs;	/* for the guest to answer */
	uint32_t	wc_pad;
};

/* Worker to parent: what the guest answered to request wr_id. */
struct worker_aer_answer {
	int32_t		wr_mark;	/* WORKER_AER where lm_pri is */
	uint32_t	wr_id;
	int32_t		wr_result;	/* the guest's aer_op.err */
	uint32_t	wr_how;		/* AER_HOW_* */
};

/* Worker to parent, among its log lines (struct log_msg). */
struct worker_ack {
	int32_t		wa_mark;	/* WORKER_ACK where lm_pri is */
	uint32_t	wa_seq;
};

struct worker_dev {
	struct bdf		wd_host;
	uint32_t		wd_command;	/* WORKER_COMMAND_SET | value */
	struct pciop_stats	wd_ops;
	struct cfgspace_stats	wd_cfg;
	struct audit_table	wd_denied;	/* the worker writes it */
};

/* Shared with one worker; past wp_named, the worker writes. */
struct worker_page {
	volatile uint32_t	wp_nconnected;	/* the parent's */
	volatile uint32_t	wp_named;	/* the parent's: its record
						   names the worker */
	uint64_t		wp_ops;
	struct pciop_stats	wp_guest;
	struct metric_hist	wp_oplat;
	uint64_t		wp_throttled[FRONTEND_THROTTLE_KINDS];
	uint32_t		wp_ndev;
	struct worker_dev	wp_dev[TOPO_MAX_DEVS];
};

static void	worker_died(struct frontend *, pid_t, int);
static void	worker_absorb(struct frontend *);

/* Who the workers become; decided once, at start-up. */
static struct sandbox_id	worker_id;

/* In a worker: SIGTERM came, from the daemon that takes over. */
static volatile sig_atomic_t	worker_retired;

static __attribute__((noreturn)) void
worker_exit(int code)
{
#ifdef PCIBACKD_COVERAGE
	exit(code);		/* gcov writes its counts at exit */
#else
	_exit(code);		/* nothing of the parent's to run or flush */
#endif
}

static long long
worker_ms(const struct timespec *from, const struct timespec *to)
{
	return (long long)(to->tv_sec - from->tv_sec) * 1000 +
	    (to->tv_nsec - from->tv_nsec) / 1000000;
}

/*
 * Whether workers serve on when the daemon is gone: only where a next
 * daemon can name them safely to stop them (compat/proc.h).
 */
static int
worker_outlives(const struct pcibackd *env)
{
	return proc_named && env->pb_conf->c_restart_grace > 0;
}

/* ---- in the worker --------------------------------------------------- */

unsigned int
worker_nconnected(struct frontend *fe)
{
	return fe->fe_wpage != NULL ? fe->fe_wpage->wp_nconnected : 1;
}

/*
 * Each device has the slot it had at fork (fe_wslot): a device dropped
 * since leaves its slot with its last counters, for the parent to take.
 * 1 if a guest's Command value changed since the last fill.
 */
static int
worker_fill(struct frontend *fe, struct worker_page *wp)
{
	struct topo_entry	*te;
	struct pciop_dev	*pd;
	struct worker_dev	*wd;
	size_t			 i, n;
	uint32_t		 cmd;
	int			 changed = 0;

	wp->wp_ops = fe->fe_ops;
	wp->wp_guest = fe->fe_guest.pg_stats;
	wp->wp_oplat = fe->fe_oplat;
	memcpy(wp->wp_throttled, fe->fe_throttled, sizeof(wp->wp_throttled));
	n = topo_count(&fe->fe_topo);
	for (i = 0; i < n && i < TOPO_MAX_DEVS; i++) {
		te = topo_entry(&fe->fe_topo, i);
		pd = te->te_user;
		wd = &wp->wp_dev[fe->fe_wslot[i]];
		wd->wd_host = te->te_host;
		if (pd == NULL)
			continue;
		wd->wd_ops = pd->pd_stats;
		wd->wd_cfg = *cfgspace_stats(pd->pd_cs);
		cmd = WORKER_COMMAND_SET | cfgspace_guest_command(pd->pd_cs);
		changed |= wd->wd_command != cmd;
		wd->wd_command = cmd;
	}
	wp->wp_ndev = fe->fe_wnslot;
	return changed;
}

/*
 * In the worker.  A changed Command value is told to the parent, which
 * puts it in the restart record: a guest's view of the register must
 * outlive its worker and the daemon.
 */
void
worker_publish(struct frontend *fe)
{
	struct worker_ack	wa;
	int			changed;

	if (fe->fe_wpage == NULL)
		return;
	changed = worker_fill(fe, fe->fe_wpage);
	if (!changed || fe->fe_wsock == -1)
		return;
	memset(&wa, 0, sizeof(wa));
	wa.wa_mark = WORKER_STATE;
	(void)send(fe->fe_wsock, &wa, sizeof(wa), MSG_DONTWAIT | MSG_NOSIGNAL);
}

static void
worker_aer_send(struct frontend *fe, uint32_t id, int result,
    unsigned int how)
{
	struct worker_aer_answer	wr;

	if (fe->fe_wsock == -1)
		return;
	memset(&wr, 0, sizeof(wr));
	wr.wr_mark = WORKER_AER;
	wr.wr_id = id;
	wr.wr_result = result;
	wr.wr_how = how;
	(void)send(fe->fe_wsock, &wr, sizeof(wr), MSG_DONTWAIT | MSG_NOSIGNAL);
}

/*
 * The posted step ends without the guest's answer: the request is taken
 * back from the page, as Linux's backend does on a timeout, and the
 * parent told how.
 */
static void
worker_aer_withdraw(struct frontend *fe, unsigned int how)
{
	struct xen_pci_sharedinfo	*sh = fe->fe_page;

	__atomic_fetch_and(&sh->flags, ~(uint32_t)XEN_PCIB_active,
	    __ATOMIC_SEQ_CST);
	fe->fe_aer_posted = 0;
	worker_aer_send(fe, fe->fe_aer_id, AER_RESULT_NONE, how);
}

/*
 * The parent took the device from the guest: serve it no more, exactly
 * as a worker forked without it would not (the same topo_remove the
 * parent made).  Its last counters are published first.
 */
static void
worker_forget(struct frontend *fe, const struct bdf *host)
{
	size_t	i, n = topo_count(&fe->fe_topo);

	for (i = 0; i < n; i++)
		if (bdf_equal(&topo_entry(&fe->fe_topo, i)->te_host, host))
			break;
	if (i == n)
		return;
	/* A step of its recovery goes with it: the kernel is not kept. */
	if (fe->fe_aer_posted && bdf_equal(&fe->fe_aer_host, host))
		worker_aer_withdraw(fe, AER_HOW_NOTOURS);
	worker_publish(fe);
	(void)topo_remove(&fe->fe_topo, host, NULL);
	memmove(&fe->fe_wslot[i], &fe->fe_wslot[i + 1],
	    (n - i - 1) * sizeof(fe->fe_wslot[0]));
}

/*
 * The guest is asked as Linux's backend asks it (doc/protocol.md §3.5):
 * aer_op filled in with the device's address as the guest sees it, then
 * _XEN_PCIB_active set, then the event.  Serving ops goes on meanwhile:
 * the guest's driver reads and writes its device while it recovers.  A
 * step still posted when the next comes is given up first.
 */
static void
worker_aer_post(struct frontend *fe, const struct worker_cmd *wc)
{
	struct xen_pci_sharedinfo	*sh = fe->fe_page;
	const struct topo_entry		*te;
	static const uint32_t		 xencmd[] = {
		[AER_DETECTED] = XEN_PCI_OP_aer_detected,
		[AER_MMIO] = XEN_PCI_OP_aer_mmio,
		[AER_SLOT_RESET] = XEN_PCI_OP_aer_slotreset,
		[AER_RESUME] = XEN_PCI_OP_aer_resume,
	};

	if (fe->fe_aer_posted)
		worker_aer_withdraw(fe, AER_HOW_TIMEOUT);
	te = topo_find_host(&fe->fe_topo, &wc->wc_host);
	if (te == NULL || wc->wc_aer_cmd < AER_DETECTED ||
	    wc->wc_aer_cmd > AER_RESUME) {
		worker_aer_send(fe, wc->wc_seq, AER_RESULT_NONE,
		    AER_HOW_NOTOURS);
		return;
	}
	if ((__atomic_load_n(&sh->flags, __ATOMIC_ACQUIRE) &
	    XEN_PCIB_AERHANDLER) == 0) {
		worker_aer_send(fe, wc->wc_seq, AER_RESULT_NONE,
		    AER_HOW_NOHANDLER);
		return;
	}
	sh->aer_op.cmd = xencmd[wc->wc_aer_cmd];
	/* Linux's backend says "normal" for every step but the first. */
	sh->aer_op.err = wc->wc_aer_cmd == AER_DETECTED ?
	    wc->wc_aer_state : AER_STATE_NORMAL;
	sh->aer_op.domain = te->te_guest.b_seg;
	sh->aer_op.bus = te->te_guest.b_bus;
	sh->aer_op.devfn = (uint32_t)te->te_guest.b_dev << 3 |
	    te->te_guest.b_fn;
	__atomic_fetch_or(&sh->flags, XEN_PCIB_active, __ATOMIC_SEQ_CST);
	(void)xenevtchn_notify(fe->fe_xce, fe->fe_port);
	fe->fe_aer_posted = 1;
	fe->fe_aer_id = wc->wc_seq;
	fe->fe_aer_host = wc->wc_host;
	clock_gettime(CLOCK_MONOTONIC, &fe->fe_aer_end);
	fe->fe_aer_end.tv_sec += wc->wc_aer_secs;
}

/* After every wake-up: has the guest answered, or run out of time? */
static void
worker_aer_check(struct frontend *fe)
{
	struct xen_pci_sharedinfo	*sh = fe->fe_page;
	struct timespec			 now;
	int32_t				 err;

	if (!fe->fe_aer_posted)
		return;
	if ((__atomic_load_n(&sh->flags, __ATOMIC_ACQUIRE) &
	    XEN_PCIB_active) == 0) {
		err = __atomic_load_n(&sh->aer_op.err, __ATOMIC_RELAXED);
		fe->fe_aer_posted = 0;
		worker_aer_send(fe, fe->fe_aer_id, err, aer_result_valid(err) ?
		    AER_HOW_ANSWERED : AER_HOW_NONSENSE);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (worker_ms(&now, &fe->fe_aer_end) > 0)
		return;
	worker_aer_withdraw(fe, AER_HOW_TIMEOUT);
}

/* A message from the parent: 0 served, -1 quit, 1 the parent is gone. */
static int
worker_command(struct frontend *fe, int sock)
{
	struct worker_cmd	wc;
	struct worker_ack	wa;
	ssize_t			n;

	n = recv(sock, &wc, sizeof(wc), MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return 0;
	if (n == 0 || (n == -1 && errno == ECONNRESET))
		return 1;
	if (n != (ssize_t)sizeof(wc))
		return -1;
	if (wc.wc_type == WORKER_CMD_AER) {
		worker_aer_post(fe, &wc);
		return 0;
	}
	if (wc.wc_type != WORKER_CMD_DROP)
		return -1;
	worker_forget(fe, &wc.wc_host);
	memset(&wa, 0, sizeof(wa));
	wa.wa_mark = WORKER_ACK;
	wa.wa_seq = wc.wc_seq;
	(void)send(sock, &wa, sizeof(wa), MSG_DONTWAIT | MSG_NOSIGNAL);
	return 0;
}

static void
worker_sigterm(int sig)
{
	(void)sig;
	worker_retired = 1;
}

/*
 * The wait's timeout in ms: the op timer's, or what is left of the
 * grace once the parent is gone (orphaned: its end); -1 for none.
 */
static int
worker_timeout(struct frontend *fe, int orphaned, const struct timespec *end)
{
	struct timespec	now;
	long long	left;
	int		ms = opserve_timeout(fe);

	/* The guest's time to answer an AER step: the wait ends then. */
	if (fe->fe_aer_posted) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = worker_ms(&now, &fe->fe_aer_end);
		if (left < 0)
			left = 0;
		if (ms == -1 || left < ms)
			ms = (int)left;
	}
	if (!orphaned)
		return ms;
	clock_gettime(CLOCK_MONOTONIC, &now);
	left = worker_ms(&now, end);
	if (left < 0)
		left = 0;
	return ms != -1 && ms < left ? ms : (int)left;
}

/*
 * SIGTERM is blocked but in the wait, so it ends the worker between two
 * ops, never in one.
 */
static void
worker_loop(struct frontend *fe, int sock)
{
	struct pollfd	pfd[2];
	struct timespec	end, now, ts, *tsp;
	sigset_t	wait_mask;
	int		orphaned = 0, ms;

	sigemptyset(&wait_mask);
	opserve_start(fe);
	for (;;) {
		if (worker_retired)
			worker_exit(0);
		pfd[0].fd = xenevtchn_fd(fe->fe_xce);
		pfd[0].events = POLLIN;
		pfd[1].fd = orphaned ? -1 : sock;
		pfd[1].events = POLLIN;
		tsp = NULL;
		if ((ms = worker_timeout(fe, orphaned, &end)) != -1) {
			ts.tv_sec = ms / 1000;
			ts.tv_nsec = (long)(ms % 1000) * 1000000;
			tsp = &ts;
		}
		if (ppoll(pfd, 2, tsp, &wait_mask) == -1) {
			if (errno == EINTR)
				continue;
			fatal("%s: worker: poll", fe->fe_name);
		}
		/* A drop; or quit: between two ops. */
		if (pfd[1].revents != 0) {
			switch (worker_command(fe, sock)) {
			case -1:
				worker_exit(0);
			case 1:
				/* No daemon: serve until the next one comes. */
				if (fe->fe_env->pb_conf->c_restart_grace == 0 ||
				    fe->fe_wpage == NULL ||
				    !fe->fe_wpage->wp_named)
					worker_exit(0);
				orphaned = 1;
				clock_gettime(CLOCK_MONOTONIC, &end);
				end.tv_sec +=
				    fe->fe_env->pb_conf->c_restart_grace;
				break;
			}
		}
		if (orphaned) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if (worker_ms(&now, &end) <= 0)
				worker_exit(0);
		}
		opserve_timer(fe);
		if (pfd[0].revents & POLLIN)
			opserve_event(fe);
		worker_aer_check(fe);
	}
}

/* The drop path only: one entry in the shared page. */
static void
worker_denied(struct pciop_dev *pd, unsigned int off, unsigned int size,
    uint32_t val, int refused)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	audit_record(pd->pd_audit, off, size, val, refused,
	    (int64_t)ts.tv_sec);
}

/* Each device's denied writes go to its slot of the page. */
static void
worker_audit(struct frontend *fe)
{
	struct topo_entry	*te;
	struct pciop_dev	*pd;
	size_t			 i, n;

	n = topo_count(&fe->fe_topo);
	for (i = 0; i < n && i < TOPO_MAX_DEVS; i++) {
		te = topo_entry(&fe->fe_topo, i);
		if ((pd = te->te_user) == NULL)
			continue;
		pd->pd_audit = &fe->fe_wpage->wp_dev[fe->fe_wslot[i]].wd_denied;
		pd->pd_denied = worker_denied;
	}
}

/*
 * In a child just forked: the other guests' worker pages are live memory
 * shared with their workers, where they write counters and denied
 * writes and the parent reads them, and where the parent tells each
 * worker what it is.  A child keeps its own (self; NULL: none) and
 * nothing of another guest's.
 */
void
worker_unmap_pages(struct pcibackd *env, struct frontend *self)
{
	struct frontend	*fe;

	TAILQ_FOREACH(fe, &env->pb_frontends, fe_entry) {
		if (fe == self || fe->fe_wpage == NULL)
			continue;
		(void)munmap(fe->fe_wpage, sizeof(*fe->fe_wpage));
		fe->fe_wpage = NULL;
	}
}

static __attribute__((noreturn)) void
worker_main(struct frontend *fe, struct xengntdev_handle *xgt, int sock,
    pid_t parent, const struct timespec *forked)
{
	struct timespec	 born, ready;
	struct sigaction sa;
	const int	 sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGCHLD };
	int		 keep[4], nkeep = 0, shimfd;
	size_t		 i;
	sigset_t	 term;
	pid_t		 lineage = 0;	/* whose death ends us; 0: none */
	const char	*what = "";

	clock_gettime(CLOCK_MONOTONIC, &born);
	/* Outliving the parent, or dying with it (restart-grace 0). */
	if (!worker_outlives(fe->fe_env))
		lineage = parent;
	if (lineage != 0 ? sandbox_diewith(parent) != 0 : getppid() != parent)
		worker_exit(1);
	worker_unmap_pages(fe->fe_env, fe);
	/* The parent's handlers write to its event loop: not ours. */
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = worker_sigterm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);	/* no SA_RESTART: it ends the wait */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_SETMASK, &term, NULL);
	log_sendto(sock);
	fe->fe_wsock = sock;	/* in the worker: its end, for worker_publish */
	/* gntdev maps are not inherited: map the page ourselves. */
	fe->fe_page = xengnttab_map_grant_ref((xengnttab_handle *)xgt,
	    fe->fe_domid, fe->fe_gref, PROT_READ | PROT_WRITE);
	if (fe->fe_page == NULL) {
		log_warn("%s: worker: cannot map grant %u", fe->fe_name,
		    fe->fe_gref);
		worker_exit(1);
	}
	/* The grant handle goes with the rest; the mapping stays. */
	keep[nkeep++] = sock;
	keep[nkeep++] = xenevtchn_fd(fe->fe_xce);
	if (provshim_worker_fd(fe->fe_env, fe->fe_domid, &shimfd) != 0)
		worker_exit(1);
	if (shimfd != -1)
		keep[nkeep++] = shimfd;
	if (sandbox_closefds(keep, nkeep) != 0) {
		log_warn("%s: worker: cannot close descriptors", fe->fe_name);
		worker_exit(1);
	}
	/* ioctl: the event channel and the shim, nothing else. */
	if (sandbox_enter(&worker_id, lineage, keep + 1, nkeep - 1,
	    &what) != 0) {
		log_warn("%s: worker: %s", fe->fe_name, what);
		worker_exit(1);
	}
	worker_audit(fe);
	/* What a guest waits for when its worker is replaced. */
	clock_gettime(CLOCK_MONOTONIC, &ready);
	log_info("%ld serving: fork %lld ms, set-up %lld ms", (long)getpid(),
	    worker_ms(forked, &born), worker_ms(&born, &ready));
	worker_loop(fe, sock);
	worker_exit(0);
}

/* ---- in the parent --------------------------------------------------- */

static void
worker_logline(struct frontend *fe, struct log_msg *m, size_t len)
{
	char	who[64];

	snprintf(who, sizeof(who), "%s worker: ", fe->fe_name);
	/*
	 * Warnings apart: a worker's chatter (a guest's refused ops, at
	 * debug) must not use up the lines that say why it failed.
	 */
	log_relay(&fe->fe_wlr[m->lm_pri <= LOG_WARNING ? 1 : 0], who, m, len);
}

/*
 * The record written anew.  Only a worker it names may outlive us: the
 * next daemon could not stop another, whose handle holds the port.
 */
static void
worker_record(struct frontend *fe)
{
	int	named = record_write(fe) == 0;

	if (fe->fe_wpage != NULL)
		fe->fe_wpage->wp_named = named;
}

static void
worker_record_due(evutil_socket_t fd, short events, void *arg)
{
	struct frontend	*fe = arg;

	(void)fd;
	(void)events;
	worker_absorb(fe);
	worker_record(fe);
}

/*
 * The worker's guest wrote its Command register: the record is written
 * anew from the page, at most every WORKER_RECORD_MS however often a
 * guest (or its worker) says so.
 */
static void
worker_record_soon(struct frontend *fe)
{
	struct timeval	tv = { 0, WORKER_RECORD_MS * 1000 };

	if (fe->fe_wrec == NULL &&
	    (fe->fe_wrec = evtimer_new(fe->fe_env->pb_base, worker_record_due,
	    fe)) == NULL)
		return;
	if (!evtimer_pending(fe->fe_wrec, NULL))
		(void)evtimer_add(fe->fe_wrec, &tv);
}

/* 0: more may come; -1: the worker's end is closed. */
static int
worker_drain(struct frontend *fe)
{
	struct log_msg			m;
	struct worker_ack		wa;
	struct worker_aer_answer	wr;
	ssize_t				n;
	int				i;

	for (i = 0; i < WORKER_LOG_LOOP; i++) {
		n = recv(fe->fe_wsock, &m, sizeof(m), MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR))
			return 0;
		if (n <= 0)
			return -1;
		/* A drop's answer only ends a wait: nothing else in it. */
		if ((size_t)n == sizeof(wa) && m.lm_pri == WORKER_ACK) {
			memcpy(&wa, &m, sizeof(wa));
			fe->fe_wacked = wa.wa_seq;
			continue;
		}
		if ((size_t)n == sizeof(wa) && m.lm_pri == WORKER_STATE) {
			worker_record_soon(fe);
			continue;
		}
		if ((size_t)n == sizeof(wr) && m.lm_pri == WORKER_AER) {
			memcpy(&wr, &m, sizeof(wr));
			aer_answered(fe, wr.wr_id, wr.wr_result, wr.wr_how);
			continue;
		}
		worker_logline(fe, &m, (size_t)n);
	}
	return 0;
}

static void
worker_dispatch(evutil_socket_t fd, short events, void *arg)
{
	struct frontend	*fe = arg;

	(void)fd;
	(void)events;
	if (worker_drain(fe) == -1 && fe->fe_wev != NULL)
		event_del(fe->fe_wev);	/* SIGCHLD follows */
}

/*
 * Its denied writes replace ours for the guest, validated; an earlier
 * guest's stay until this one has one.
 */
static void
worker_absorb_denied(struct frontend *fe, struct heldev *hd,
    const struct audit_table *page)
{
	struct audit_table	t;

	audit_copy(&t, page);
	if (t.at_used == 0 && t.at_overflow == 0 &&
	    hd->hd_denied_dom != (int)fe->fe_domid)
		return;
	hd->hd_denied = t;
	hd->hd_denied_dom = (int)fe->fe_domid;
}

/* What we know of its guest's denied writes, for a new worker to add to. */
static void
worker_seed_denied(struct frontend *fe, struct worker_page *wp)
{
	struct topo_entry	*te;
	struct heldev		*hd;
	size_t			 i, n;

	n = topo_count(&fe->fe_topo);
	for (i = 0; i < n && i < TOPO_MAX_DEVS; i++) {
		te = topo_entry(&fe->fe_topo, i);
		hd = device_find(fe->fe_env, &te->te_host);
		memset(&wp->wp_dev[i].wd_denied, 0,
		    sizeof(wp->wp_dev[i].wd_denied));
		if (hd != NULL && hd->hd_denied_dom == (int)fe->fe_domid)
			wp->wp_dev[i].wd_denied = hd->hd_denied;
	}
}

/* Its counters into ours; bounded, and only for its own devices. */
static void
worker_absorb(struct frontend *fe)
{
	struct worker_page	*wp = fe->fe_wpage;
	struct heldev		*hd;
	uint32_t		 i, n;

	if (wp == NULL)
		return;
	fe->fe_ops = wp->wp_ops;
	fe->fe_guest.pg_stats = wp->wp_guest;
	fe->fe_oplat = wp->wp_oplat;
	memcpy(fe->fe_throttled, wp->wp_throttled, sizeof(fe->fe_throttled));
	n = wp->wp_ndev;
	if (n > TOPO_MAX_DEVS)
		n = TOPO_MAX_DEVS;
	for (i = 0; i < n; i++) {
		hd = device_find(fe->fe_env, &wp->wp_dev[i].wd_host);
		if (hd == NULL || hd->hd_owner != (int)fe->fe_domid)
			continue;
		hd->hd_pciop.pd_stats = wp->wp_dev[i].wd_ops;
		cfgspace_stats_set(hd->hd_pciop.pd_cs, &wp->wp_dev[i].wd_cfg);
		/* The guest's own view; no hardware is touched. */
		if (wp->wp_dev[i].wd_command & WORKER_COMMAND_SET)
			cfgspace_set_guest_command(hd->hd_pciop.pd_cs,
			    (uint16_t)wp->wp_dev[i].wd_command);
		worker_absorb_denied(fe, hd, &wp->wp_dev[i].wd_denied);
	}
}

void
worker_sync(struct pcibackd *env)
{
	struct frontend	*fe;

	TAILQ_FOREACH(fe, &env->pb_frontends, fe_entry)
		if (fe->fe_wpid != 0)
			worker_absorb(fe);
}

void
worker_count(struct pcibackd *env)
{
	struct frontend	*fe;

	TAILQ_FOREACH(fe, &env->pb_frontends, fe_entry)
		if (fe->fe_wpage != NULL)
			fe->fe_wpage->wp_nconnected = env->pb_nconnected;
}

/*
 * After its end is closed: the last lines, the counters, the socket.  An
 * AER step it had posted gets no answer from it now.
 */
static void
worker_close(struct frontend *fe)
{
	if (fe->fe_wsock != -1)
		(void)worker_drain(fe);
	aer_worker_gone(fe);
	worker_absorb(fe);
	if (fe->fe_wev != NULL)
		event_free(fe->fe_wev);
	fe->fe_wev = NULL;
	if (fe->fe_wsock != -1)
		close(fe->fe_wsock);
	fe->fe_wsock = -1;
}

int
worker_start(struct frontend *fe)
{
	struct pcibackd		*env = fe->fe_env;
	struct xengntdev_handle	*xgt;
	struct timespec		 forked;
	int			 sv[2];
	uint32_t		 i;
	pid_t			 pid;

	if (fe->fe_wpid != 0 || !fe->fe_connected)
		return 0;
	if (fe->fe_wpage == NULL) {
		fe->fe_wpage = mmap(NULL, sizeof(*fe->fe_wpage),
		    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (fe->fe_wpage == MAP_FAILED) {
			fe->fe_wpage = NULL;
			log_warn("%s: worker page", fe->fe_name);
			return -1;
		}
	}
	fe->fe_wpage->wp_nconnected = env->pb_nconnected;
	/* A new worker: the devices' slots in topology order. */
	fe->fe_wnslot = (uint32_t)topo_count(&fe->fe_topo);
	for (i = 0; i < fe->fe_wnslot; i++)
		fe->fe_wslot[i] = (uint16_t)i;
	(void)worker_fill(fe, fe->fe_wpage);
	worker_seed_denied(fe, fe->fe_wpage);
	for (i = 0; i < 2; i++) {
		if (fe->fe_wlr[i].lr_burst == 0)
			log_ratelimit_init(&fe->fe_wlr[i],
			    env->pb_conf->c_lograte, env->pb_conf->c_logburst);
		else
			log_ratelimit_set(&fe->fe_wlr[i],
			    env->pb_conf->c_lograte, env->pb_conf->c_logburst);
	}
	if ((xgt = (struct xengntdev_handle *)xengnttab_open(NULL, 0)) ==
	    NULL) {
		log_warn("%s: worker: grant table device", fe->fe_name);
		return -1;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("%s: worker: socketpair", fe->fe_name);
		xengnttab_close((xengnttab_handle *)xgt);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &forked);
	switch (pid = fork()) {
	case -1:
		log_warn("%s: worker: fork", fe->fe_name);
		close(sv[0]);
		close(sv[1]);
		xengnttab_close((xengnttab_handle *)xgt);
		return -1;
	case 0:
		close(sv[0]);
		worker_main(fe, xgt, sv[1], getppid(), &forked);
	}
	close(sv[1]);
	xengnttab_close((xengnttab_handle *)xgt);
	fe->fe_wpid = pid;
	/* For the record: how the next daemon knows it is this one. */
	if (!worker_outlives(env) || proc_start(pid, &fe->fe_wstart) != 0)
		fe->fe_wstart = 0;
	fe->fe_wsock = sv[0];
	fe->fe_wev = event_new(env->pb_base, sv[0], EV_READ | EV_PERSIST,
	    worker_dispatch, fe);
	if (fe->fe_wev == NULL || event_add(fe->fe_wev, NULL) != 0)
		log_warnx("%s: worker %ld: its log lines are lost",
		    fe->fe_name, (long)pid);
	log_debug("%s: worker %ld serves its ops", fe->fe_name, (long)pid);
	/* What it serves, for a restarted daemon to serve at once. */
	worker_record(fe);
	return 0;
}

/*
 * Take what the worker sends, at most ms, until it has answered the
 * drop seq or, for seq 0, until its end closes (it exits).  0 if that
 * came; -1 if not, or if its end closed before the answer.
 */
static int
worker_wait(struct frontend *fe, uint32_t seq, int ms)
{
	struct pollfd	pfd;
	struct timespec	t0, t1;
	int		left = ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		pfd.fd = fe->fe_wsock;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, left) == 1 && (worker_drain(fe) == -1 ||
		    (pfd.revents & (POLLHUP | POLLERR))))
			return seq == 0 ? 0 : -1;
		if (seq != 0 && fe->fe_wacked == seq)
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		left = ms - (int)worker_ms(&t0, &t1);
		if (left <= 0)
			return -1;
	}
}

/*
 * Daemon exit: every worker is asked first, then each is waited for, so
 * that they quit together and the exit takes about one worker's time,
 * not the sum of all (a thousand guests were five seconds).
 */
void
worker_quit_all(struct pcibackd *env)
{
	struct frontend	*fe;

	TAILQ_FOREACH(fe, &env->pb_frontends, fe_entry)
		if (fe->fe_wpid != 0)
			(void)send(fe->fe_wsock, "q", 1, MSG_DONTWAIT |
			    MSG_NOSIGNAL);
}

/*
 * Daemon exit: its socket closes unread and the worker, orphaned, goes
 * on serving for restart-grace seconds (worker_loop).  Nothing of the
 * guest's connection is undone.  -1 if it quits with us instead.
 */
int
worker_leave(struct frontend *fe)
{
	if (fe->fe_wpid == 0 || !worker_outlives(fe->fe_env))
		return -1;
	worker_absorb(fe);
	worker_record(fe);	/* its last Command values, if not yet */
	if (fe->fe_wpage == NULL || !fe->fe_wpage->wp_named)
		return -1;
	worker_close(fe);
	fe->fe_wpid = 0;
	fe->fe_wleft = 1;
	return 0;
}

void
worker_stop(struct frontend *fe)
{
	pid_t	pid = fe->fe_wpid;
	int	status;

	if (pid == 0)
		return;
	fe->fe_wpid = 0;
	(void)send(fe->fe_wsock, "q", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (worker_wait(fe, 0, WORKER_QUIT_MS) != 0) {
		log_warnx("%s: worker %ld does not quit; killing it",
		    fe->fe_name, (long)pid);
		(void)kill(pid, SIGKILL);
	}
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	worker_close(fe);
}

void
worker_refresh(struct frontend *fe)
{
	if (fe->fe_wpid == 0)
		return;
	worker_stop(fe);
	if (worker_start(fe) != 0)
		frontend_abandon(fe, "cannot start a worker for its ops");
}

/*
 * Take host from the guest's topology.  Its worker is told to serve it
 * no more, and answers; then the parent gives the device back, whatever
 * the worker does next: the shim checks the owner at every call of the
 * worker's restricted handle, so access ends with the give-back, and
 * the answer is only waited for so that no op of the worker's is under
 * way when the device is reset.  A worker that does not answer in
 * WORKER_DROP_MS is killed and replaced, as for any other change.
 * 0, or -1 if the guest did not have the device.
 */
int
worker_drop(struct frontend *fe, const struct bdf *host)
{
	struct worker_cmd	 wc;
	char			 addr[BDF_XL_MAX];
	size_t			 i, n = topo_count(&fe->fe_topo);
	uint16_t		 slot;

	for (i = 0; i < n; i++)
		if (bdf_equal(&topo_entry(&fe->fe_topo, i)->te_host, host))
			break;
	if (i == n || topo_remove(&fe->fe_topo, host, NULL) != 0)
		return -1;
	slot = fe->fe_wslot[i];
	memmove(&fe->fe_wslot[i], &fe->fe_wslot[i + 1],
	    (n - i - 1) * sizeof(fe->fe_wslot[0]));
	if (fe->fe_wpid == 0)
		return 0;
	memset(&wc, 0, sizeof(wc));
	wc.wc_type = WORKER_CMD_DROP;
	if (++fe->fe_wseq == 0)		/* 0 is worker_wait's "its exit" */
		fe->fe_wseq = 1;
	wc.wc_seq = fe->fe_wseq;
	wc.wc_host = *host;
	if (send(fe->fe_wsock, &wc, sizeof(wc), MSG_DONTWAIT |
	    MSG_NOSIGNAL) != (ssize_t)sizeof(wc) ||
	    worker_wait(fe, wc.wc_seq, WORKER_DROP_MS) != 0) {
		bdf_format_dev(host, addr, sizeof(addr));
		log_warnx("%s: worker %ld did not let go of %s in %d ms; "
		    "replacing it", fe->fe_name, (long)fe->fe_wpid, addr,
		    WORKER_DROP_MS);
		(void)kill(fe->fe_wpid, SIGKILL);
		worker_refresh(fe);
		return 0;
	}
	/* Its last counters for the device; then the slot is nobody's. */
	worker_absorb(fe);
	if (fe->fe_wpage != NULL && slot < TOPO_MAX_DEVS)
		memset(&fe->fe_wpage->wp_dev[slot].wd_host, 0xff,
		    sizeof(fe->fe_wpage->wp_dev[slot].wd_host));
	/* The record lists what the worker serves now. */
	worker_record(fe);
	return 0;
}

int
worker_aer(struct frontend *fe, const struct bdf *host, uint32_t id,
    unsigned int cmd, int state, unsigned int secs)
{
	struct worker_cmd	wc;

	if (fe->fe_wpid == 0 || fe->fe_wsock == -1)
		return -1;
	memset(&wc, 0, sizeof(wc));
	wc.wc_type = WORKER_CMD_AER;
	wc.wc_seq = id;
	wc.wc_host = *host;
	wc.wc_aer_cmd = cmd;
	wc.wc_aer_state = state;
	wc.wc_aer_secs = secs;
	if (send(fe->fe_wsock, &wc, sizeof(wc), MSG_DONTWAIT |
	    MSG_NOSIGNAL) != (ssize_t)sizeof(wc))
		return -1;
	return 0;
}

void
worker_refresh_domain(struct pcibackd *env, int domid)
{
	struct frontend	*fe, *next;

	for (fe = TAILQ_FIRST(&env->pb_frontends); fe != NULL; fe = next) {
		next = TAILQ_NEXT(fe, fe_entry);
		if ((int)fe->fe_domid == domid)
			worker_refresh(fe);
	}
}

void
worker_refresh_all(struct pcibackd *env)
{
	struct frontend	*fe, *next;

	for (fe = TAILQ_FIRST(&env->pb_frontends); fe != NULL; fe = next) {
		next = TAILQ_NEXT(fe, fe_entry);
		worker_refresh(fe);
	}
}

/* Too many deaths lately?  Counts this one. */
static int
worker_budget(struct frontend *fe)
{
	struct timespec	now, *oldest;

	clock_gettime(CLOCK_MONOTONIC, &now);
	oldest = &fe->fe_wdeaths[fe->fe_wndeaths % WORKER_DEATHS];
	fe->fe_wndeaths++;
	if (fe->fe_wndeaths > WORKER_DEATHS &&
	    now.tv_sec - oldest->tv_sec < WORKER_DEATH_SECS)
		return -1;
	*oldest = now;
	return 0;
}

static void
worker_died(struct frontend *fe, pid_t pid, int status)
{
	fe->fe_wpid = 0;
	worker_close(fe);
	if (WIFSIGNALED(status))
		log_warnx("%s: worker %ld killed by signal %d%s", fe->fe_name,
		    (long)pid, WTERMSIG(status), WTERMSIG(status) == SIGSYS ?
		    " (seccomp: a forbidden system call)" : "");
	else
		log_warnx("%s: worker %ld exited with status %d", fe->fe_name,
		    (long)pid, WEXITSTATUS(status));
	if (!fe->fe_connected)
		return;
	if (worker_budget(fe) != 0) {
		frontend_abandon(fe, "the worker serving its ops keeps dying");
		return;
	}
	if (worker_start(fe) != 0)
		frontend_abandon(fe, "cannot start a worker for its ops");
	else
		log_info("%s: worker %ld replaces it", fe->fe_name,
		    (long)fe->fe_wpid);
}

static void
worker_reap(evutil_socket_t sig, short events, void *arg)
{
	struct pcibackd	*env = arg;
	struct frontend	*fe;
	pid_t		 pid;
	int		 status;

	(void)sig;
	(void)events;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		TAILQ_FOREACH(fe, &env->pb_frontends, fe_entry)
			if (fe->fe_wpid == pid)
				break;
		if (fe != NULL)
			worker_died(fe, pid, status);
		else
			control_reaped(env, pid, status);
	}
}

/*
 * Root: workers run as WORKER_USER in an empty WORKER_CHROOT.  Without
 * that user, as "nobody", said at start-up; without the directory, not
 * chrooted (their filter forbids opening files anyway).  Not root (the
 * simulated Xen's tests): no user to change to.
 */
static void
worker_identity(void)
{
	struct passwd	*pw;
	struct stat	 st;

	memset(&worker_id, 0, sizeof(worker_id));
	if (geteuid() != 0) {
		log_debug("not root: workers keep uid %ld, no chroot",
		    (long)geteuid());
		return;
	}
	if ((pw = getpwnam(WORKER_USER)) == NULL) {
		if ((pw = getpwnam(WORKER_FALLBACK)) == NULL)
			fatalx("no user %s (nor %s) for the workers",
			    WORKER_USER, WORKER_FALLBACK);
		log_warnx("no user %s: workers run as %s, which others may "
		    "share (the package creates %s)", WORKER_USER,
		    WORKER_FALLBACK, WORKER_USER);
	}
	worker_id.sid_drop = 1;
	worker_id.sid_uid = pw->pw_uid;
	worker_id.sid_gid = pw->pw_gid;
	snprintf(worker_id.sid_user, sizeof(worker_id.sid_user), "%s",
	    pw->pw_name);
	if (stat(WORKER_CHROOT, &st) == -1 && errno == ENOENT) {
		(void)mkdir("/var/lib/pcibackd", 0755);
		(void)mkdir(WORKER_CHROOT, 0755);
	}
	if (stat(WORKER_CHROOT, &st) == 0 && S_ISDIR(st.st_mode) &&
	    st.st_uid == 0 && (st.st_mode & 022) == 0)
		snprintf(worker_id.sid_dir, sizeof(worker_id.sid_dir), "%s",
		    WORKER_CHROOT);
	else
		log_warnx("%s: not a root-owned directory others cannot "
		    "write: workers are not chrooted", WORKER_CHROOT);
	log_debug("workers run as %s%s%s", worker_id.sid_user,
	    worker_id.sid_dir[0] != '\0' ? " in " : "", worker_id.sid_dir);
}

/* Who the control process becomes: the workers' user and chroot. */
const struct sandbox_id *
worker_sandbox(void)
{
	return &worker_id;
}

int
worker_init(struct pcibackd *env)
{
	worker_identity();
	if (!sandbox_has_filter)
		log_info("no system call filter on this system: workers run "
		    "unfiltered");
	env->pb_chldev = evsignal_new(env->pb_base, SIGCHLD, worker_reap,
	    env);
	if (env->pb_chldev == NULL || evsignal_add(env->pb_chldev, NULL) != 0)
		return -1;
	return 0;
}

void
worker_shutdown(struct pcibackd *env)
{
	if (env->pb_chldev != NULL)
		event_free(env->pb_chldev);
	env->pb_chldev = NULL;
}

void
worker_free(struct frontend *fe)
{
	worker_stop(fe);
	if (fe->fe_wrec != NULL)
		event_free(fe->fe_wrec);
	fe->fe_wrec = NULL;
	if (fe->fe_wpage != NULL)
		munmap(fe->fe_wpage, sizeof(*fe->fe_wpage));
	fe->fe_wpage = NULL;
}
