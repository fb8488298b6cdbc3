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
 * Serving ops from the shared page (doc/protocol.md §3.4).  The parent
 * binds each guest's port on an event channel handle of its own,
 * restricted to that guest, and checks the grant; the guest's worker
 * (worker.c) maps the page and serves.  Per event: copy the op once, let
 * lib/pciop act on the copy, write back only the reply, clear the active
 * bit, notify — and only then unmask, so a guest's events are never
 * processed faster than its ops are served (XSA-332).  A guest that
 * notifies faster than "ratelimit events" allows is served late, from a
 * timer, with its port still masked.  So is a guest that had more than
 * "ratelimit ops" answered while others are connected: the budget is
 * their share of the host's CPUs.
 */

#include <sys/mman.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <xenevtchn.h>
#include <xengnttab.h>
#include <xen/io/pciif.h>

#include "pcibackd.h"
#include "util.h"

/* Per guest per window: "ratelimit events" (per second) / 10. */
#define OPSERVE_WINDOW_MS	100
#define OPSERVE_DELAY_MS	20	/* back-off for a flooding guest */
#define OPSERVE_MAX_LOOP	16	/* ops served per wake-up */
#define OPSERVE_EARLY_MAX	64	/* empty events forgiven, at most */
#define OPSERVE_SAMPLE		8	/* ops per op timed for show metrics */
/*
 * Watching the page for the next op (opserve_linger).  A guest alone:
 * twice its learned turnaround, within these bounds (a guest slower than
 * the cap is not streaming ops: it gets the floor), and a session ends
 * after ALONE_NS, only to look at the parent's socket.  With other
 * guests connected the CPU a watch takes is theirs: the floor, and a
 * session ends after SESSION_NS.
 */
#define OPSERVE_LINGER_MIN_NS	30000
#define OPSERVE_LINGER_CAP_NS	1000000
#define OPSERVE_SESSION_NS	500000
#define OPSERVE_ALONE_NS	5000000
/*
 * Page looks per clock read: as many as take about OPSERVE_LOOK_NS, so
 * that watching the page is not mostly reading the clock, a system call
 * in a PV dom0 (learned: opserve_looks).
 */
#define OPSERVE_LOOK_NS		10000
#define OPSERVE_LOOKS_MIN	64
#define OPSERVE_LOOKS_MAX	65536

static int	opserve_over_budget(struct frontend *);

static int64_t
opserve_now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
opserve_active(struct xen_pci_sharedinfo *sh)
{
	return (__atomic_load_n(&sh->flags, __ATOMIC_ACQUIRE) &
	    XEN_PCIF_active) != 0;
}

/*
 * Serve what is posted; returns ops served.  One op in OPSERVE_SAMPLE is
 * timed, from before it is read to after the guest is notified, for
 * show metrics: in a PV dom0 a clock read is a system call through Xen,
 * as dear as the rest of an op once config reads are loads.  *fresh
 * says whether the last op was timed; then *clk is when its answer was
 * out, which opserve_learn and opserve_linger use.
 */
static unsigned int
opserve_serve(struct frontend *fe, int64_t *clk, int *fresh)
{
	struct xen_pci_sharedinfo	*sh = fe->fe_page;
	struct xen_pci_op		 copy;
	struct pciop_reply		 reply;
	int64_t				 t0 = 0, t;
	unsigned int			 n;
	int				 timed;

	*fresh = 0;
	for (n = 0; n < OPSERVE_MAX_LOOP && opserve_active(sh); n++) {
		if ((timed = fe->fe_opseq++ % OPSERVE_SAMPLE == 0))
			t0 = opserve_now_ns();
		pciop_copy_in(&copy, &sh->op);
		pciop_serve(&fe->fe_guest, &copy, &reply);
		pciop_reply_write(&reply, &sh->op);
		__atomic_fetch_and(&sh->flags, ~(uint32_t)XEN_PCIF_active,
		    __ATOMIC_RELEASE);
		/* The frontend sleeps until notified: notify after the clear. */
		(void)xenevtchn_notify(fe->fe_xce, fe->fe_port);
		fe->fe_learn_ops++;
		if ((*fresh = timed)) {
			t = opserve_now_ns();
			metric_hist_add(&fe->fe_oplat, &metric_op_bounds,
			    t > t0 ? (uint64_t)(t - t0) : 0);
			*clk = t;
		}
		fe->fe_ops++;
		fe->fe_wops++;
		if (reply.pr_err != 0)
			log_limited(&fe->fe_oplr, LOG_DEBUG, "%s: op %u on "
			    "%04x:%02x:%02x.%x offset %d size %d: err %d",
			    fe->fe_name, copy.cmd, copy.domain, copy.bus,
			    copy.devfn >> 3, copy.devfn & 7, copy.offset,
			    copy.size, reply.pr_err);
	}
	return n;
}

/*
 * Ops served before their event arrived: their notifications will find
 * nothing posted, which must not count as a flood.  Xen folds the
 * notifications of a masked port into one, so most credits are never
 * used; a guest earns them only with real ops, and only so many.
 */
static void
opserve_early(struct frontend *fe, unsigned int n)
{
	fe->fe_early += n;
	if (fe->fe_early > OPSERVE_EARLY_MAX)
		fe->fe_early = OPSERVE_EARLY_MAX;
}

static void
opserve_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/*
 * What the guest took from one op to the next, on average over the ops
 * answered since the last time (t: a clock read after the last answer).
 * Past the cap it was not streaming: back to the floor.
 */
static void
opserve_learn(struct frontend *fe, int64_t t)
{
	int64_t		gap = t - fe->fe_last_ns;
	unsigned int	ops = fe->fe_learn_ops > 0 ? fe->fe_learn_ops : 1;

	fe->fe_last_ns = t;
	fe->fe_learn_ops = 0;
	gap /= ops;
	if (gap < 0 || gap >= OPSERVE_LINGER_CAP_NS) {
		fe->fe_gap_ns = OPSERVE_LINGER_MIN_NS / 2;
		return;
	}
	fe->fe_gap_ns = (3 * fe->fe_gap_ns + gap) / 4;
}

/* How long to watch for the next op now. */
static int64_t
opserve_watch_ns(struct frontend *fe)
{
	int64_t	ns = 2 * fe->fe_gap_ns;

	if (ns < OPSERVE_LINGER_MIN_NS || worker_nconnected(fe) >= 2)
		return OPSERVE_LINGER_MIN_NS;
	if (ns > OPSERVE_LINGER_CAP_NS)
		return OPSERVE_LINGER_CAP_NS;
	return ns;
}

/* Looks that took dt ns: aim the next round at OPSERVE_LOOK_NS. */
static void
opserve_looks(struct frontend *fe, int64_t dt)
{
	if (fe->fe_looks < OPSERVE_LOOKS_MIN)
		fe->fe_looks = OPSERVE_LOOKS_MIN;
	if (dt < OPSERVE_LOOK_NS / 2 && fe->fe_looks < OPSERVE_LOOKS_MAX)
		fe->fe_looks *= 2;
	else if (dt > 2 * OPSERVE_LOOK_NS && fe->fe_looks > OPSERVE_LOOKS_MIN)
		fe->fe_looks /= 2;
}

/*
 * A guest that just had an op answered usually posts the next one soon
 * (a config-space scan, a sysfs read of 256 bytes, a read loop).
 * Watching the page for about its turnaround, with the port still
 * masked, answers it without the wake-up and the three system calls an
 * event costs, which is most of an op's price in a PV dom0, where every
 * system call goes through Xen.  The clock is a system call there too
 * (no stable TSC under QEMU): it is read every fe_looks looks, about
 * every OPSERVE_LOOK_NS, and after a timed op (opserve_serve); after
 * untimed ones the watch runs from the next read.  Bounded per session,
 * and the floor while other guests are connected (opserve_watch_ns).
 */
static void
opserve_linger(struct frontend *fe)
{
	int64_t		now, end, stop, t = 0;
	unsigned int	k, looks;
	int		fresh, served = 0;

	/* From when the op just served was answered (opserve_learn). */
	now = fe->fe_last_ns;
	end = now + opserve_watch_ns(fe);
	stop = now + (worker_nconnected(fe) >= 2 ?
	    OPSERVE_SESSION_NS : OPSERVE_ALONE_NS);
	for (;;) {
		looks = fe->fe_looks < OPSERVE_LOOKS_MIN ? OPSERVE_LOOKS_MIN :
		    fe->fe_looks;
		for (k = 0; k < looks && !opserve_active(fe->fe_page); k++)
			opserve_relax();
		if (k == looks) {
			t = opserve_now_ns();
			/* Only a round of nothing but looks teaches its pace. */
			if (!served)
				opserve_looks(fe, t - now);
			served = 0;
			now = t;
			/* Untimed ops were answered: watch from now. */
			if (end == 0)
				end = now + opserve_watch_ns(fe);
			if (now < end && now < stop)
				continue;
			break;
		}
		if (opserve_over_budget(fe) || opserve_serve(fe, &t, &fresh) == 0)
			break;
		opserve_early(fe, 1);
		served = 1;
		if (!fresh) {
			end = 0;
			continue;
		}
		/* now becomes when the guest had its answer. */
		now = t;
		opserve_learn(fe, now);
		if (now >= stop)
			break;
		end = now + opserve_watch_ns(fe);
	}
}

static void
opserve_finish(struct frontend *fe)
{
	int64_t		clk = 0;
	unsigned int	n = 0;
	int		fresh = 0;

	if (opserve_active(fe->fe_page))
		n = opserve_serve(fe, &clk, &fresh);
	if (n > 0) {
		if (!fresh)
			clk = opserve_now_ns();
		opserve_learn(fe, clk);
		/* The event was for the first; the others' are to come. */
		opserve_early(fe, n - 1);
		opserve_linger(fe);
	}
	fe->fe_busy = 0;
	(void)xenevtchn_unmask(fe->fe_xce, fe->fe_port);
	worker_publish(fe);
}

/* Start a new budget window when the last one is over. */
static void
opserve_window(struct frontend *fe)
{
	struct timespec	now;
	long		ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - fe->fe_window.tv_sec) * 1000 +
	    (now.tv_nsec - fe->fe_window.tv_nsec) / 1000000;
	if (ms >= OPSERVE_WINDOW_MS || ms < 0) {
		fe->fe_window = now;
		fe->fe_events = 0;
		fe->fe_wops = 0;
	}
}

/* Over the event budget in this window?  Counts the event. */
static int
opserve_flooding(struct frontend *fe)
{
	opserve_window(fe);
	return ++fe->fe_events >
	    fe->fe_env->pb_conf->c_evrate * OPSERVE_WINDOW_MS / 1000;
}

/*
 * Over the op budget in this window?  Only while other guests are
 * connected: the budget is their share of the thread, and a guest alone
 * takes nothing from anybody.
 */
static int
opserve_over_budget(struct frontend *fe)
{
	if (worker_nconnected(fe) < 2)
		return 0;
	opserve_window(fe);
	return fe->fe_wops >=
	    fe->fe_env->pb_conf->c_oprate * OPSERVE_WINDOW_MS / 1000;
}

/* Serve fe from a timer, its port masked meanwhile. */
static void
opserve_defer(struct frontend *fe)
{
	fe->fe_busy = 1;
	clock_gettime(CLOCK_MONOTONIC, &fe->fe_deadline);
	fe->fe_deadline.tv_nsec += OPSERVE_DELAY_MS * 1000000L;
	if (fe->fe_deadline.tv_nsec >= 1000000000L) {
		fe->fe_deadline.tv_sec++;
		fe->fe_deadline.tv_nsec -= 1000000000L;
	}
}

int
opserve_timeout(struct frontend *fe)
{
	int64_t	ms;

	if (!fe->fe_busy)
		return -1;
	ms = ((int64_t)fe->fe_deadline.tv_sec * 1000000000 +
	    fe->fe_deadline.tv_nsec - opserve_now_ns() + 999999) / 1000000;
	return ms < 0 ? 0 : (int)ms;
}

void
opserve_timer(struct frontend *fe)
{
	if (fe->fe_busy && opserve_timeout(fe) == 0)
		opserve_finish(fe);
}

void
opserve_event(struct frontend *fe)
{
	struct pcibackd			*env = fe->fe_env;
	xenevtchn_port_or_error_t	 port;

	if ((port = xenevtchn_pending(fe->fe_xce)) < 0)
		return;
	if ((uint32_t)port != fe->fe_port) {
		(void)xenevtchn_unmask(fe->fe_xce, (evtchn_port_t)port);
		return;
	}
	if (fe->fe_busy)
		return;		/* already scheduled; stays masked */
	/*
	 * Only events with no op posted count against the budget: a guest
	 * has one op in flight at a time, so real ops limit themselves,
	 * and a fast boot scan must never be throttled.
	 */
	if (!opserve_active(fe->fe_page) && fe->fe_early > 0)
		fe->fe_early--;
	else if (!opserve_active(fe->fe_page) && opserve_flooding(fe)) {
		log_limited(&fe->fe_lr, LOG_WARNING, "%s: event flood, "
		    "serving it at most every %d ms", fe->fe_name,
		    OPSERVE_DELAY_MS);
		fe->fe_throttled[FRONTEND_THROTTLE_EVENTS]++;
		opserve_defer(fe);
		return;
	} else if (opserve_active(fe->fe_page) && opserve_over_budget(fe)) {
		log_limited(&fe->fe_lr, LOG_WARNING, "%s: op budget of %u "
		    "per second used up, serving it at most every %d ms",
		    fe->fe_name, env->pb_conf->c_oprate, OPSERVE_DELAY_MS);
		fe->fe_throttled[FRONTEND_THROTTLE_OPS]++;
		opserve_defer(fe);
		return;
	}
	opserve_finish(fe);
}

/*
 * A new worker: serve an op left in flight by the one before it or by a
 * previous daemon (§2.8), notify, and unmask what a dead one left masked.
 */
void
opserve_start(struct frontend *fe)
{
	int64_t	clk;
	int	fresh;

	if (opserve_active(fe->fe_page))
		(void)opserve_serve(fe, &clk, &fresh);
	(void)xenevtchn_notify(fe->fe_xce, fe->fe_port);
	(void)xenevtchn_unmask(fe->fe_xce, fe->fe_port);
	worker_publish(fe);
}

int
opserve_init(struct pcibackd *env)
{
	if ((env->pb_xgt = xengnttab_open(NULL, 0)) == NULL) {
		log_warn("cannot open the grant table device");
		return -1;
	}
	return 0;
}

/*
 * The parent's part: a handle for this guest alone, its port bound on
 * it; the grant checked by a map and unmap, so that a bad one fails the
 * connection here, as before.  The worker maps the page itself.
 */
int
opserve_connect(struct frontend *fe, char **cause)
{
	struct pcibackd			*env = fe->fe_env;
	xenevtchn_port_or_error_t	 port;
	void				*page;

	if (fe->fe_connected)
		return 0;
	page = xengnttab_map_grant_ref(env->pb_xgt, fe->fe_domid,
	    fe->fe_gref, PROT_READ | PROT_WRITE);
	if (page == NULL)
		return util_cause(cause, "cannot map grant %u of dom%u: %s",
		    fe->fe_gref, fe->fe_domid, strerror(errno));
	(void)xengnttab_unmap(env->pb_xgt, page, 1);
	if ((fe->fe_xce = xenevtchn_open(NULL, 0)) == NULL)
		return util_cause(cause, "cannot open the event channel "
		    "device: %s", strerror(errno));
	if (xenevtchn_restrict(fe->fe_xce, (domid_t)fe->fe_domid) != 0)
		log_debug("%s: event channel handle not restricted: %s",
		    fe->fe_name, strerror(errno));
	port = xenevtchn_bind_interdomain(fe->fe_xce, fe->fe_domid,
	    fe->fe_remote_port);
	fe->fe_port_held = port < 0 && errno == EINVAL;
	if (port < 0) {
		(void)util_cause(cause, "cannot bind event channel %u of "
		    "dom%u: %s", fe->fe_remote_port, fe->fe_domid,
		    strerror(errno));
		xenevtchn_close(fe->fe_xce);
		fe->fe_xce = NULL;
		return -1;
	}
	fe->fe_port = (uint32_t)port;
	fe->fe_connected = 1;
	env->pb_nconnected++;
	/* "ratelimit log" of the configuration (frontend_new's defaults). */
	log_ratelimit_set(&fe->fe_lr, env->pb_conf->c_lograte,
	    env->pb_conf->c_logburst);
	log_ratelimit_set(&fe->fe_oplr, env->pb_conf->c_lograte,
	    env->pb_conf->c_logburst);
	worker_count(env);
	if (worker_start(fe) != 0) {
		opserve_disconnect(fe);
		return util_cause(cause, "cannot start the guest's worker");
	}
	return 0;
}

void
opserve_disconnect(struct frontend *fe)
{
	struct pcibackd	*env = fe->fe_env;

	worker_stop(fe);
	fe->fe_busy = 0;
	if (!fe->fe_connected)
		return;
	/* Exiting, the guest stays connected for the next daemon. */
	if (!env->pb_exiting)
		record_remove(fe);
	/* A worker left serving shares the handle: close only our copy. */
	if (!fe->fe_wleft)
		(void)xenevtchn_unbind(fe->fe_xce, fe->fe_port);
	xenevtchn_close(fe->fe_xce);
	fe->fe_xce = NULL;
	fe->fe_connected = 0;
	env->pb_nconnected--;
	worker_count(env);
	log_debug("%s: disconnected", fe->fe_name);
}

void
opserve_shutdown(struct pcibackd *env)
{
	if (env->pb_xgt != NULL)
		xengnttab_close(env->pb_xgt);
	env->pb_xgt = NULL;
}
