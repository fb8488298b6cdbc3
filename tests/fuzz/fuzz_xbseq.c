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
 * lib/xbstate as the daemon drives it, over whole lives of a PV PCI
 * connection: the toolstack creates the instance, adds and detaches
 * devices, removes directories; the guest writes any frontend state; the
 * domain dies; pcibackd restarts and adopts.  After each event the
 * model daemon evaluates and performs the action lists as frontend.c
 * does (xbstate.h's contract), on a model xenstore, shim and page.
 *
 * Input: records [event][argument].
 *
 * Checked, besides what each action may assume of the snapshot:
 *  - never Connected without a mapped page and a bound channel, but to
 *    answer the toolstack where no frontend can (§2.7): the guest is
 *    down, or its frontend closed while a reconfigure was under way;
 *  - a device is owned by one instance at a time, and leaves it (RELEASE
 *    or TEARDOWN) only through a reset;
 *  - a restart while connected and idle is invisible to the guest: no
 *    state write, no release, no reset, the page mapped again;
 *  - every event settles within a bounded number of evaluations.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/xenbus.h>

#include "xbstate.h"

#define NSLOTS		4	/* slots the toolstack fills */
#define NBDF		4	/* host devices; the last belongs to dom9 */
#define OTHER_BDF	(NBDF - 1)
#define MAX_EVALS	16

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct slot {
	int	state;
	int	dev_ok;
	int	bdf;
};

struct world {
	/* xenstore */
	int		be_exists, be_state, fe_state, online, dying, down;
	int		answered;	/* Connected without the page, once */
	int		num_devs;		/* or an XBSTATE_NUM_* */
	struct slot	slot[NSLOTS];
	int		error_node;
	/* the daemon */
	int		tracked, restarted, connected;
	int		owned[NBDF];		/* by this instance */
	int		connect_fails;
	/* the shim and the hardware: survive a daemon restart */
	int		shim_owner[NBDF];	/* 1: this domain; 2: dom9 */
	unsigned int	resets[NBDF];
};

static struct xbstate_in	in;
static struct xbstate_out	out;
static int			trace;	/* FUZZ_TRACE=1: print the run */

static int
live_slots(const struct world *w)
{
	return w->num_devs >= 0 && w->num_devs <= NSLOTS ? w->num_devs : 0;
}

static void
snapshot(const struct world *w)
{
	int	i, n = live_slots(w);

	xbstate_in_init(&in);
	in.xi_be_exists = w->be_exists;
	in.xi_be_state = w->be_state;
	in.xi_fe_state = w->fe_state;
	in.xi_online = w->online;
	in.xi_dying = w->dying;
	in.xi_down = w->down;
	in.xi_restarted = w->restarted;
	in.xi_connected = w->connected;
	for (i = 0; i < NBDF; i++)
		in.xi_held += w->owned[i];
	in.xi_num_devs = w->num_devs;
	for (i = 0; i < n; i++) {
		in.xi_dev[i].xd_state = w->slot[i].state;
		in.xi_dev[i].xd_dev_ok = w->slot[i].dev_ok;
		in.xi_dev[i].xd_exported = w->slot[i].dev_ok &&
		    w->owned[w->slot[i].bdf];
	}
}

/* device_release: reset, back to the pool. */
static void
release(struct world *w, int b)
{
	if (!w->owned[b])
		return;
	w->owned[b] = 0;
	w->shim_owner[b] = 0;
	w->resets[b]++;
}

static void
teardown(struct world *w)
{
	int	b;

	w->connected = 0;
	for (b = 0; b < NBDF; b++)
		release(w, b);
	w->tracked = 0;
	w->restarted = 0;
}

static void
fatal(struct world *w, const struct xbstate_action *a)
{
	w->error_node = 1;
	if (a->xa_state != -1 && w->be_state == a->xa_from)
		w->be_state = a->xa_state;
}

/*
 * Connected without the page is the toolstack's answer (§2.7): the guest
 * is down, or its frontend closed during a reconfigure.
 */
static int
answers(const struct xbstate_action *a)
{
	int	fe = in.xi_fe_state;

	if (in.xi_down)
		return 1;
	return (fe == XenbusStateClosing || fe == XenbusStateClosed) &&
	    (a->xa_from == XenbusStateReconfiguring ||
	    a->xa_from == XenbusStateReconfigured);
}

/* Perform a list; 1 if a state was written (evaluate again), -1 stop. */
static int
perform(struct world *w)
{
	const struct xbstate_action	*a;
	struct xbstate_action		 f = { XBSTATE_A_FATAL, -1,
					    XenbusStateClosing, 0 };
	size_t				 i;
	int				 b, wrote = 0, adopt_failed = 0;

	f.xa_from = in.xi_be_state;
	for (i = 0; i < out.xo_n; i++) {
		a = &out.xo_act[i];
		if (a->xa_dev >= live_slots(w))
			abort();
		b = a->xa_dev >= 0 ? w->slot[a->xa_dev].bdf : -1;
		switch (a->xa_type) {
		case XBSTATE_A_EXPORT:
			if (in.xi_dev[a->xa_dev].xd_state !=
			    XenbusStateInitialising || !w->slot[a->xa_dev].dev_ok)
				abort();
			if (!w->owned[b]) {
				if (w->shim_owner[b] == 2) {
					fatal(w, &f);
					return -1;
				}
				w->resets[b]++;
				w->owned[b] = 1;
				w->shim_owner[b] = 1;
			}
			w->slot[a->xa_dev].state = XenbusStateInitialised;
			break;
		case XBSTATE_A_ADOPT_DEV:
			if (!in.xi_restarted || in.xi_dev[a->xa_dev].xd_exported)
				abort();
			/* Only what the shim says is ours; never a reset. */
			if (w->shim_owner[b] == 1)
				w->owned[b] = 1;
			break;
		case XBSTATE_A_RELEASE:
			if (in.xi_dev[a->xa_dev].xd_state != XenbusStateClosing)
				abort();
			release(w, b);
			break;
		case XBSTATE_A_PUBLISH_ROOTS:
			break;
		case XBSTATE_A_CONNECT:
		case XBSTATE_A_ADOPT:
			if (w->connected)
				abort();
			/*
			 * ADOPT is for a restart, or for a frontend that
			 * comes back after the backend answered the
			 * toolstack without the page (§2.7): the same
			 * guest's page and devices, no reset owed.
			 */
			if (a->xa_type == XBSTATE_A_ADOPT && !in.xi_restarted &&
			    !w->answered)
				abort();
			if (w->connect_fails && a->xa_type == XBSTATE_A_CONNECT) {
				fatal(w, &f);
				return -1;
			}
			/* ADOPT failing is logged and the list goes on. */
			if (w->connect_fails)
				adopt_failed = 1;
			else
				w->connected = 1;
			break;
		case XBSTATE_A_DISCONNECT:
			if (!w->connected)
				abort();
			w->connected = 0;
			/* Held at Connected for libxl (§2.7), or leaving it. */
			if (w->be_state == XenbusStateConnected)
				w->answered = 1;
			break;
		case XBSTATE_A_SWITCH:
			if (w->be_state != a->xa_from)
				return 1;	/* changed under us: again */
			/*
			 * Never Connected without the page, unless an ADOPT
			 * failed just now (xbstate.h rule 4: a restart must
			 * not close the instance; the next pass retries).
			 */
			if (a->xa_state == XenbusStateConnected &&
			    !w->connected && !adopt_failed) {
				if (!answers(a))
					abort();
				w->answered = 1;
			}
			w->be_state = a->xa_state;
			wrote = 1;
			break;
		case XBSTATE_A_FATAL:
			if (i + 1 != out.xo_n)
				abort();
			fatal(w, a);
			return -1;
		case XBSTATE_A_TEARDOWN:
			if (i + 1 != out.xo_n)
				abort();
			teardown(w);
			return -1;
		default:
			abort();
		}
	}
	return wrote;
}

static void
evaluate(struct world *w)
{
	int	n, rc;

	for (n = 0; w->tracked; n++) {
		if (n == MAX_EVALS)
			abort();	/* does not settle */
		snapshot(w);
		if (xbstate_step(&in, &out) != 0)
			abort();
		if (trace) {
			char	buf[256];

			xbstate_format(&out, buf, sizeof(buf));
			fprintf(stderr, "  be %d fe %d conn %d held %d: %s\n",
			    in.xi_be_state, in.xi_fe_state, in.xi_connected,
			    in.xi_held, buf);
		}
		if ((rc = perform(w)) <= 0)
			break;
	}
}

static void
check(const struct world *w)
{
	int	b;

	for (b = 0; b < NBDF; b++) {
		if (w->owned[b] && w->shim_owner[b] != 1)
			abort();
		if (b == OTHER_BDF && w->shim_owner[b] != 2)
			abort();
	}
}

/* Connected, idle, every device exported: a restart must not show. */
static int
steady(const struct world *w)
{
	int	i;

	if (!w->tracked || !w->connected || w->be_state != XenbusStateConnected ||
	    w->fe_state != XenbusStateConnected || w->num_devs < 0 ||
	    w->dying || w->down || !w->be_exists || w->connect_fails)
		return 0;
	for (i = 0; i < w->num_devs; i++)
		if (w->slot[i].state != XenbusStateInitialised ||
		    !w->slot[i].dev_ok || !w->owned[w->slot[i].bdf])
			return 0;
	return 1;
}

static void
restart(struct world *w)
{
	struct world	before = *w;
	int		quiet = steady(w), b, i;

	memset(w->owned, 0, sizeof(w->owned));
	w->connected = 0;
	w->tracked = w->be_exists;
	w->restarted = w->be_exists && w->be_state != XenbusStateInitialising;
	evaluate(w);
	if (!quiet)
		return;
	if (w->be_state != before.be_state || w->error_node ||
	    !w->connected || memcmp(w->resets, before.resets,
	    sizeof(w->resets)) != 0)
		abort();
	for (i = 0; i < w->num_devs; i++)
		if (w->slot[i].state != before.slot[i].state)
			abort();
	for (b = 0; b < NBDF; b++)
		if (w->owned[b] != before.owned[b])
			abort();
}

static void
event(struct world *w, uint8_t ev, uint8_t arg)
{
	int	i, n = live_slots(w);

	if (trace)
		fprintf(stderr, "event %d %d\n", ev % 12, arg);
	switch (ev % 12) {
	case 0:		/* xl: a new instance (the dir is rewritten) */
		w->be_exists = 1;
		w->be_state = XenbusStateInitialising;
		w->fe_state = XenbusStateInitialising;
		w->online = 1;
		w->dying = 0;
		w->down = 0;
		w->answered = 0;
		w->num_devs = 0;
		w->error_node = 0;
		w->tracked = 1;
		break;
	case 1:		/* xl pci-attach: a slot, Reconfiguring if live */
		if (w->num_devs < 0 || w->num_devs >= NSLOTS)
			return;
		w->slot[w->num_devs].state = XenbusStateInitialising;
		w->slot[w->num_devs].dev_ok = 1;
		w->slot[w->num_devs].bdf = arg % NBDF;
		w->num_devs++;
		if ((arg & 0x80) && w->be_state == XenbusStateConnected)
			w->be_state = XenbusStateReconfiguring;
		break;
	case 2:		/* xl pci-detach: state-N Closing, Reconfiguring */
		if (n == 0)
			return;
		w->slot[arg % n].state = XenbusStateClosing;
		if (w->be_state == XenbusStateConnected)
			w->be_state = XenbusStateReconfiguring;
		break;
	case 3:		/* libxl removes a released slot and renumbers */
		if (n == 0 || w->slot[arg % n].state != XenbusStateClosing ||
		    w->owned[w->slot[arg % n].bdf])
			return;
		for (i = arg % n; i + 1 < n; i++)
			w->slot[i] = w->slot[i + 1];
		w->num_devs--;
		break;
	case 4:		/* the guest writes its state node */
		w->fe_state = arg % 11 - 1;	/* -1 invalid .. 9 */
		if (w->fe_state == 9)
			w->fe_state = XBSTATE_INVALID;
		break;
	case 5:
		w->online = arg & 1;
		break;
	case 6:		/* @releaseDomain: shut down (still there), or dying */
		if (arg & 1)
			w->down = 1;
		else
			w->dying = 1;
		break;
	case 7:
		w->be_exists = 0;
		break;
	case 8:
		restart(w);
		return;
	case 9:		/* garbage in num_devs */
		w->num_devs = arg & 1 ? XBSTATE_NUM_SYNTAX : XBSTATE_NUM_RANGE;
		break;
	case 10:
		if (n > 0)
			w->slot[arg % n].dev_ok ^= 1;
		break;
	default:
		w->connect_fails = arg & 1;
		break;
	}
	evaluate(w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct world	w;

	trace = getenv("FUZZ_TRACE") != NULL;
	memset(&w, 0, sizeof(w));
	w.shim_owner[OTHER_BDF] = 2;
	while (size >= 2) {
		event(&w, data[0], data[1]);
		check(&w);
		data += 2;
		size -= 2;
	}
	return 0;
}
