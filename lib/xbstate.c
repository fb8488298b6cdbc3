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
 * Backend xenbus decisions.  Every rule reads only the snapshot it is
 * given, so a missed watch event or a renumbered slot cannot mislead it;
 * doing the same thing twice must be harmless, so each action is emitted
 * only while the snapshot shows it still needs doing.  Section numbers
 * (§) refer to doc/protocol.md.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <xen/io/xenbus.h>
#include <xen/io/pciif.h>

#include "util.h"
#include "xbstate.h"

static const char *const xbstate_state_names[] = {
	[XenbusStateUnknown] = "Unknown",
	[XenbusStateInitialising] = "Initialising",
	[XenbusStateInitWait] = "InitWait",
	[XenbusStateInitialised] = "Initialised",
	[XenbusStateConnected] = "Connected",
	[XenbusStateClosing] = "Closing",
	[XenbusStateClosed] = "Closed",
	[XenbusStateReconfiguring] = "Reconfiguring",
	[XenbusStateReconfigured] = "Reconfigured",
};

static const char *const xbstate_action_names[] = {
	[XBSTATE_A_NOTHING] = "NOTHING",
	[XBSTATE_A_EXPORT] = "EXPORT",
	[XBSTATE_A_ADOPT_DEV] = "ADOPT_DEV",
	[XBSTATE_A_RELEASE] = "RELEASE",
	[XBSTATE_A_PUBLISH_ROOTS] = "PUBLISH_ROOTS",
	[XBSTATE_A_CONNECT] = "CONNECT",
	[XBSTATE_A_ADOPT] = "ADOPT",
	[XBSTATE_A_DISCONNECT] = "DISCONNECT",
	[XBSTATE_A_SWITCH] = "SWITCH",
	[XBSTATE_A_FATAL] = "FATAL",
	[XBSTATE_A_TEARDOWN] = "TEARDOWN",
};

#define XBSTATE_NSTATES \
	(sizeof(xbstate_state_names) / sizeof(xbstate_state_names[0]))
#define XBSTATE_NACTIONS \
	(sizeof(xbstate_action_names) / sizeof(xbstate_action_names[0]))

static int
xbstate_is_state(int s)
{
	return s >= XenbusStateUnknown && s <= XenbusStateReconfigured;
}

/* Closing or Closed: there is no way back from either (§2.2.3). */
static int
xbstate_is_closing(int s)
{
	return s == XenbusStateClosing || s == XenbusStateClosed;
}

/* Frontend states in which its pci-op-ref/event-channel are published. */
static int
xbstate_fe_live(int fe)
{
	return fe == XenbusStateInitialised || fe == XenbusStateConnected ||
	    fe == XenbusStateReconfiguring || fe == XenbusStateReconfigured;
}

static void
xbstate_push(struct xbstate_out *out, int type, int dev, int state, int from)
{
	struct xbstate_action	*a;

	/* Cannot fill up: see XBSTATE_MAX_ACTIONS; never write past it. */
	if (out->xo_n >= XBSTATE_MAX_ACTIONS)
		return;
	a = &out->xo_act[out->xo_n++];
	a->xa_type = type;
	a->xa_dev = dev;
	a->xa_state = state;
	a->xa_from = from;
}

static void
xbstate_switch(const struct xbstate_in *in, struct xbstate_out *out, int to)
{
	xbstate_push(out, XBSTATE_A_SWITCH, -1, to, in->xi_be_state);
}

static void
xbstate_note(struct xbstate_out *out, const char *why)
{
	snprintf(out->xo_reason, sizeof(out->xo_reason), "%s", why);
}

static size_t
xbstate_count(const struct xbstate_out *out, int type)
{
	size_t	i, n = 0;

	for (i = 0; i < out->xo_n; i++) {
		if (out->xo_act[i].xa_type == type)
			n++;
	}
	return n;
}

/* Error node, then Closing unless already closing (§1.4, §2.2.3). */
static void __attribute__((__format__(__printf__, 4, 5)))
xbstate_fatal(const struct xbstate_in *in, struct xbstate_out *out, int err,
    const char *fmt, ...)
{
	va_list	ap;
	int	to = XenbusStateClosing;

	if (xbstate_is_closing(in->xi_be_state))
		to = -1;
	xbstate_push(out, XBSTATE_A_FATAL, -1, to, in->xi_be_state);
	out->xo_errno = err;
	va_start(ap, fmt);
	vsnprintf(out->xo_reason, sizeof(out->xo_reason), fmt, ap);
	va_end(ap);
}

static void
xbstate_teardown(struct xbstate_out *out, const char *why)
{
	xbstate_push(out, XBSTATE_A_TEARDOWN, -1, -1, -1);
	xbstate_note(out, why);
}

/* num_devs is read by every pass; garbage is fatal (§2.3 step 3). */
static int
xbstate_check_num_devs(const struct xbstate_in *in, struct xbstate_out *out)
{
	int	n = in->xi_num_devs;

	if (n >= 0 && n <= XBSTATE_MAX_DEVS)
		return 0;
	if (n == XBSTATE_NUM_MISSING)
		xbstate_fatal(in, out, EINVAL, "num_devs: missing");
	else if (n == XBSTATE_NUM_SYNTAX)
		xbstate_fatal(in, out, EINVAL, "num_devs: not a number");
	else
		xbstate_fatal(in, out, EINVAL, "num_devs: out of range 0..%d",
		    XBSTATE_MAX_DEVS);
	return -1;
}

/* A slot we must act on needs a parseable dev-N (§2.3 step 3, §2.5). */
static int
xbstate_check_slots(const struct xbstate_in *in, struct xbstate_out *out,
    int state)
{
	int	i;

	for (i = 0; i < in->xi_num_devs; i++) {
		if (in->xi_dev[i].xd_state != state || in->xi_dev[i].xd_dev_ok)
			continue;
		xbstate_fatal(in, out, EINVAL, "dev-%d: missing or unparseable",
		    i);
		return -1;
	}
	return 0;
}

/*
 * Evidence from dom0 that the instance is over: teardown, without any
 * state write (§2.2.4, §2.7).  Returns 1 if it decided.
 */
static int
xbstate_gone(const struct xbstate_in *in, struct xbstate_out *out)
{
	int	be = in->xi_be_state;

	/* Backend dir removed: never resurrect it (§2.2.2, §2.2.4). */
	if (!in->xi_be_exists) {
		xbstate_teardown(out, "backend directory removed");
		return 1;
	}
	/* @releaseDomain: unmap now so the domain can die (§2.7). */
	if (in->xi_dying) {
		xbstate_teardown(out, "domain is being destroyed");
		return 1;
	}
	/* A refused frontend was never read: xbstate_refuse decides. */
	if (in->xi_fe_bad != NULL)
		return (0);
	/* Frontend state Unknown: its dir is gone (§2.2.4). */
	if (in->xi_fe_state == XenbusStateUnknown) {
		xbstate_teardown(out, "frontend gone");
		return 1;
	}
	if (in->xi_fe_state != XenbusStateClosed || in->xi_online)
		return 0;
	/* Closed and not online: close, then unregister (§1.2 online). */
	if (in->xi_connected)
		xbstate_push(out, XBSTATE_A_DISCONNECT, -1, -1, -1);
	if (xbstate_is_state(be) && be > XenbusStateInitialising &&
	    be != XenbusStateClosed)
		xbstate_switch(in, out, XenbusStateClosed);
	xbstate_teardown(out, "frontend closed and backend offline");
	return 1;
}

/*
 * The toolstack pointed the instance at a frontend that is not the
 * guest's: error node and Closing, once; nothing is ever exported or
 * connected, the toolstack removes the dirs.
 */
static void
xbstate_refuse(const struct xbstate_in *in, struct xbstate_out *out)
{
	if (in->xi_connected)
		xbstate_push(out, XBSTATE_A_DISCONNECT, -1, -1, -1);
	if (xbstate_is_closing(in->xi_be_state)) {
		xbstate_note(out, "frontend refused, closing");
		return;
	}
	xbstate_fatal(in, out, EACCES, "%s", in->xi_fe_bad);
}

/* Own state Initialising: a new instance, or a dir recreated (§2.2.5). */
static void
xbstate_fresh(const struct xbstate_in *in, struct xbstate_out *out)
{
	/* libxl rm'd and recreated the dir under us (§1.1, §8.5). */
	if (in->xi_connected || in->xi_held > 0) {
		xbstate_teardown(out, "backend directory recreated");
		return;
	}
	/* Discovery: announce InitWait; the set-up pass follows (§2.3). */
	xbstate_switch(in, out, XenbusStateInitWait);
	xbstate_note(out, "new instance");
}

/*
 * After a daemon restart, own again every device the previous run had
 * exported, so that it is served now and released at teardown (§2.8).
 * Slots about to be released by a resumed reconfigure are owned too, so
 * the RELEASE that follows has something to act on.
 */
static int
xbstate_readopt(const struct xbstate_in *in, struct xbstate_out *out)
{
	const struct xbstate_dev	*d;
	int				 i, resume;

	if (xbstate_check_num_devs(in, out) == -1)
		return -1;
	resume = in->xi_be_state == XenbusStateReconfiguring &&
	    in->xi_fe_state == XenbusStateReconfiguring;
	for (i = 0; i < in->xi_num_devs; i++) {
		d = &in->xi_dev[i];
		if (d->xd_exported)
			continue;
		if (d->xd_state != XenbusStateInitialised &&
		    !(resume && d->xd_state == XenbusStateClosing))
			continue;
		if (!d->xd_dev_ok) {
			xbstate_fatal(in, out, EINVAL,
			    "dev-%d: missing or unparseable", i);
			return -1;
		}
		xbstate_push(out, XBSTATE_A_ADOPT_DEV, i, -1, -1);
	}
	return 0;
}

/*
 * Guest wrote something that is not a state.  Our decision: stop serving
 * it and go Closing with an error node, like any other fatal protocol
 * error (§2.2.3); its devices stay owned until the toolstack removes the
 * dirs.
 */
static void
xbstate_guest_error(const struct xbstate_in *in, struct xbstate_out *out)
{
	if (in->xi_connected)
		xbstate_push(out, XBSTATE_A_DISCONNECT, -1, -1, -1);
	if (xbstate_is_closing(in->xi_be_state)) {
		xbstate_note(out, "frontend state invalid, already closing");
		return;
	}
	xbstate_fatal(in, out, EPROTO, "frontend state: invalid value");
}

/* Frontend Closing: disconnect, follow to Closing (§2.7). */
static void
xbstate_fe_closing(const struct xbstate_in *in, struct xbstate_out *out)
{
	if (in->xi_connected)
		xbstate_push(out, XBSTATE_A_DISCONNECT, -1, -1, -1);
	/* Never back from Closed to Closing (§2.2.3). */
	if (!xbstate_is_closing(in->xi_be_state))
		xbstate_switch(in, out, XenbusStateClosing);
	xbstate_note(out, "frontend closing");
}

/* Frontend Closed: disconnect, follow; devices stay owned (§2.7). */
static void
xbstate_fe_closed(const struct xbstate_in *in, struct xbstate_out *out)
{
	if (in->xi_connected)
		xbstate_push(out, XBSTATE_A_DISCONNECT, -1, -1, -1);
	if (in->xi_be_state != XenbusStateClosed)
		xbstate_switch(in, out, XenbusStateClosed);
	xbstate_note(out, "frontend closed, devices kept while online");
}

/* EXPORT every slot libxl marked Initialising (§2.3 step 3, §2.4, §2.5). */
static int
xbstate_export_new(const struct xbstate_in *in, struct xbstate_out *out)
{
	int	i;

	if (xbstate_check_num_devs(in, out) == -1)
		return -1;
	if (xbstate_check_slots(in, out, XenbusStateInitialising) == -1)
		return -1;
	for (i = 0; i < in->xi_num_devs; i++) {
		if (in->xi_dev[i].xd_state == XenbusStateInitialising)
			xbstate_push(out, XBSTATE_A_EXPORT, i, -1, -1);
	}
	return 0;
}

/* Roots must be in place before the frontend (re)scans (§7.1). */
static void
xbstate_roots_if_needed(struct xbstate_out *out)
{
	if (xbstate_count(out, XBSTATE_A_EXPORT) > 0 ||
	    xbstate_count(out, XBSTATE_A_ADOPT_DEV) > 0)
		xbstate_push(out, XBSTATE_A_PUBLISH_ROOTS, -1, -1, -1);
}

/* Own InitWait: set-up pass, then Initialised (§2.3 step 3). */
static void
xbstate_initwait(const struct xbstate_in *in, struct xbstate_out *out)
{
	if (xbstate_export_new(in, out) == -1)
		return;
	xbstate_push(out, XBSTATE_A_PUBLISH_ROOTS, -1, -1, -1);
	xbstate_switch(in, out, XenbusStateInitialised);
	xbstate_note(out, "set-up pass");
}

/*
 * Own Initialised: export devices libxl added meanwhile without a state
 * change (§2.4); attach once the frontend is Initialised too (§2.3 step 5).
 */
static void
xbstate_initialised(const struct xbstate_in *in, struct xbstate_out *out)
{
	if (xbstate_export_new(in, out) == -1)
		return;
	xbstate_roots_if_needed(out);
	if (in->xi_fe_state != XenbusStateInitialised) {
		xbstate_note(out, "waiting for frontend Initialised");
		return;
	}
	if (!in->xi_connected)
		xbstate_push(out, XBSTATE_A_CONNECT, -1, -1, -1);
	xbstate_switch(in, out, XenbusStateConnected);
	xbstate_note(out, "attach");
}

/*
 * We told the frontend we are Connected but hold no mapping: a restart
 * (§2.8).  Re-map silently, the frontend must not notice.
 */
static int
xbstate_relink(const struct xbstate_in *in, struct xbstate_out *out)
{
	if (in->xi_connected || !xbstate_fe_live(in->xi_fe_state))
		return 0;
	xbstate_push(out, XBSTATE_A_ADOPT, -1, -1, -1);
	return 1;
}

/* Own Connected: nothing to do but keep the link (§2.3 step 7, §2.8). */
static void
xbstate_connected(const struct xbstate_in *in, struct xbstate_out *out)
{
	if (xbstate_relink(in, out))
		xbstate_note(out, "adopt connection");
	else if (in->xi_fe_state == XenbusStateReconfiguring)
		/* Only libxl's 7 on our node starts a reconfigure (§2.5). */
		xbstate_note(out, "frontend reconfiguring, backend not");
	else
		xbstate_note(out, "connected");
}

/* RELEASE every slot libxl marked Closing that this instance has. */
static void
xbstate_release_closing(const struct xbstate_in *in, struct xbstate_out *out)
{
	const struct xbstate_dev	*d;
	int				 i;

	for (i = 0; i < in->xi_num_devs && i < XBSTATE_MAX_DEVS; i++) {
		d = &in->xi_dev[i];
		/* Not ours (any more): nothing to release; never an index. */
		if (d->xd_state != XenbusStateClosing)
			continue;
		if (d->xd_exported || in->xi_restarted)
			xbstate_push(out, XBSTATE_A_RELEASE, i, -1, -1);
	}
}

/* A slot libxl asked to remove (state-N=5) is still listed (§2.6). */
static int
xbstate_removal_pending(const struct xbstate_in *in)
{
	int	i;

	for (i = 0; i < in->xi_num_devs && i < XBSTATE_MAX_DEVS; i++)
		if (in->xi_dev[i].xd_state == XenbusStateClosing)
			return 1;
	return 0;
}

/*
 * Own Reconfiguring (written by libxl, §8.1): the frontend reacts first;
 * once it is Reconfiguring too, export the new slots, release the ones
 * marked Closing, then Reconfigured (§2.5 step 2, §2.6).  An HVM guest
 * has no frontend to wait for: at once; libxl does not wait for one
 * either (§1.7).
 */
static void
xbstate_reconfiguring(const struct xbstate_in *in, struct xbstate_out *out)
{
	xbstate_relink(in, out);
	if (in->xi_fe_state != XenbusStateReconfiguring && !in->xi_hvm) {
		xbstate_note(out, "waiting for frontend Reconfiguring");
		return;
	}
	if (xbstate_export_new(in, out) == -1)
		return;
	xbstate_release_closing(in, out);
	xbstate_roots_if_needed(out);
	xbstate_switch(in, out, XenbusStateReconfigured);
	xbstate_note(out, "reconfigure pass");
}

/* Own Reconfigured: back to Connected once the frontend is (§2.5 step 4). */
static void
xbstate_reconfigured(const struct xbstate_in *in, struct xbstate_out *out)
{
	xbstate_relink(in, out);
	if (in->xi_fe_state != XenbusStateConnected) {
		xbstate_note(out, "waiting for frontend Connected");
		return;
	}
	xbstate_switch(in, out, XenbusStateConnected);
	xbstate_note(out, "reconfigured");
}

/*
 * The guest no longer runs (§2.7): no frontend will ever answer, and only
 * libxl reads our state now, waiting for "4" before and after each
 * device it detaches, 10 s each (§8.3).  Unmap, answer every
 * reconfigure at once and sit at Connected, whatever the frontend last
 * wrote.  A device stays owned until libxl detaches it (it has revoked
 * and deassigned it from the guest by then) or the domain goes; nothing
 * new is exported to a guest that cannot run.
 */
static void
xbstate_down(const struct xbstate_in *in, struct xbstate_out *out)
{
	if (in->xi_connected)
		xbstate_push(out, XBSTATE_A_DISCONNECT, -1, -1, -1);
	if (in->xi_be_state == XenbusStateReconfiguring)
		xbstate_release_closing(in, out);
	if (in->xi_be_state != XenbusStateConnected)
		xbstate_switch(in, out, XenbusStateConnected);
	xbstate_note(out, "guest down, answering the toolstack");
}

/*
 * A reconfigure is under way (libxl's 7, or our 8) and the frontend has
 * closed, so it will answer neither: Linux's ignores 7 and 8 once it is
 * Closing or Closed.  Do the backend's part now and go straight to
 * Connected, which is what libxl polls for (§2.6); export nothing.
 */
static void
xbstate_answer(const struct xbstate_in *in, struct xbstate_out *out)
{
	if (in->xi_connected)
		xbstate_push(out, XBSTATE_A_DISCONNECT, -1, -1, -1);
	if (in->xi_be_state == XenbusStateReconfiguring)
		xbstate_release_closing(in, out);
	xbstate_switch(in, out, XenbusStateConnected);
	xbstate_note(out, "frontend closed, reconfigure answered");
}

/*
 * Without a frontend to answer: 1 if the toolstack's request is decided
 * here.  libxl polls for "4" every 100 ms, so after answering, Connected
 * stays until it has removed the slot; only then does the backend follow
 * the closed frontend (a Linux guest waits 5 s for that at most).
 */
static int
xbstate_unanswered(const struct xbstate_in *in, struct xbstate_out *out)
{
	int	be = in->xi_be_state, fe = in->xi_fe_state;

	if (in->xi_down) {
		xbstate_down(in, out);
		return 1;
	}
	if (!xbstate_is_closing(fe))
		return 0;
	if (be == XenbusStateReconfiguring || be == XenbusStateReconfigured) {
		xbstate_answer(in, out);
		return 1;
	}
	if (be != XenbusStateConnected || !xbstate_removal_pending(in))
		return 0;
	if (in->xi_connected)
		xbstate_push(out, XBSTATE_A_DISCONNECT, -1, -1, -1);
	xbstate_note(out, "Connected until libxl has removed the slot");
	return 1;
}

static void
xbstate_dispatch(const struct xbstate_in *in, struct xbstate_out *out)
{
	switch (in->xi_be_state) {
	case XenbusStateInitWait:
		xbstate_initwait(in, out);
		break;
	case XenbusStateInitialised:
		xbstate_initialised(in, out);
		break;
	case XenbusStateConnected:
		xbstate_connected(in, out);
		break;
	case XenbusStateReconfiguring:
		xbstate_reconfiguring(in, out);
		break;
	case XenbusStateReconfigured:
		xbstate_reconfigured(in, out);
		break;
	default:
		/* Closing/Closed: wait for Closed or the dirs to go (§2.7). */
		xbstate_note(out, "closing, waiting for frontend");
		break;
	}
}

void
xbstate_in_init(struct xbstate_in *in)
{
	memset(in, 0, sizeof(*in));
	in->xi_be_exists = 1;
	in->xi_online = 1;
	in->xi_be_state = XenbusStateInitialising;
	in->xi_fe_state = XenbusStateInitialising;
}

int
xbstate_step(const struct xbstate_in *in, struct xbstate_out *out)
{
	int	be, fe;

	if (in == NULL || out == NULL) {
		errno = EINVAL;
		return -1;
	}
	out->xo_n = 0;
	out->xo_errno = 0;
	out->xo_reason[0] = '\0';
	if (xbstate_gone(in, out))
		return (0);
	if (in->xi_fe_bad != NULL) {
		xbstate_refuse(in, out);
		return (0);
	}
	be = in->xi_be_state;
	fe = in->xi_fe_state;
	if (be == XenbusStateInitialising) {
		xbstate_fresh(in, out);
		return 0;
	}
	/* Missing/garbage own state: only dom0 writes it; wait (§2.2.2). */
	if (be == XenbusStateUnknown || !xbstate_is_state(be)) {
		xbstate_note(out, "backend state unreadable, waiting");
		return 0;
	}
	if (in->xi_restarted && xbstate_readopt(in, out) == -1)
		return 0;
	if (xbstate_unanswered(in, out))
		return 0;
	if (!xbstate_is_state(fe))
		xbstate_guest_error(in, out);
	else if (fe == XenbusStateClosing)
		xbstate_fe_closing(in, out);
	else if (fe == XenbusStateClosed)
		xbstate_fe_closed(in, out);
	else
		xbstate_dispatch(in, out);
	return 0;
}

int
xbstate_parse_state(const char *s)
{
	if (s == NULL)
		return XenbusStateUnknown;
	/* Exactly what "%d" prints for 0..8: one digit, nothing else. */
	if (s[0] < '0' || s[0] > '0' + XenbusStateReconfigured || s[1] != '\0')
		return XBSTATE_INVALID;
	return s[0] - '0';
}

int
xbstate_parse_num_devs(const char *s)
{
	const char	*p;
	int		 neg = 0, v = 0;

	if (s == NULL)
		return XBSTATE_NUM_MISSING;
	p = s;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	/* "%d" never prints an empty number, "-0" or a leading zero. */
	if (*p == '\0' || (p[0] == '0' && (p[1] != '\0' || neg)))
		return XBSTATE_NUM_SYNTAX;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return XBSTATE_NUM_SYNTAX;
		/* Stop growing once out of range; keep checking the syntax. */
		if (v <= XBSTATE_MAX_DEVS)
			v = v * 10 + (*p - '0');
	}
	if (neg || v > XBSTATE_MAX_DEVS)
		return XBSTATE_NUM_RANGE;
	return v;
}

static int
xbstate_parse_u32(const char *s, uint32_t *vp)
{
	uint64_t	v;

	if (util_number(s, 10 | UTIL_CANON, UINT32_MAX, &v) != 0)
		return -1;
	*vp = (uint32_t)v;
	return 0;
}

int
xbstate_parse_connect(const char *ref, const char *port, const char *magic,
    uint32_t *refp, uint32_t *portp, const char **errstr)
{
	const char	*why = NULL;
	uint32_t	 r = 0, p = 0;

	/* All three are guest-written (§1.3). */
	if (ref == NULL)
		why = "pci-op-ref: missing";
	else if (xbstate_parse_u32(ref, &r) == -1)
		why = "pci-op-ref: not a grant reference";
	else if (port == NULL)
		why = "event-channel: missing";
	else if (xbstate_parse_u32(port, &p) == -1)
		why = "event-channel: not a port number";
	else if (p == 0)
		why = "event-channel: port 0 is never valid";
	else if (magic == NULL)
		why = "magic: missing";
	else if (strcmp(magic, XEN_PCI_MAGIC) != 0)
		why = "magic: version mismatch with pcifront";
	if (why != NULL) {
		if (errstr != NULL)
			*errstr = why;
		return -1;
	}
	if (refp != NULL)
		*refp = r;
	if (portp != NULL)
		*portp = p;
	return 0;
}

int
xbstate_check_frontend(const char *path, const char *id, unsigned int domid,
    unsigned int devid, char *why, size_t len)
{
	char		 want[64];
	uint32_t	 v;

	/* Both are written by the toolstack, but a guest must never be
	   able to steer a backend to another guest's frontend. */
	snprintf(want, sizeof(want), "/local/domain/%u/device/pci/%u", domid,
	    devid);
	if (path == NULL) {
		if (why != NULL)
			snprintf(why, len, "frontend: missing");
		return (-1);
	}
	if (strcmp(path, want) != 0) {
		if (why != NULL)
			snprintf(why, len, "frontend: not %s", want);
		return (-1);
	}
	if (id == NULL || xbstate_parse_u32(id, &v) == -1 || v != domid) {
		if (why != NULL)
			snprintf(why, len, "frontend-id: %s, not %u",
			    id == NULL ? "missing" : "wrong", domid);
		return (-1);
	}
	return (0);
}

const char *
xbstate_name(int state)
{
	if (state < 0 || (size_t)state >= XBSTATE_NSTATES)
		return "Invalid";
	return xbstate_state_names[state];
}

const char *
xbstate_action_name(int type)
{
	if (type < 0 || (size_t)type >= XBSTATE_NACTIONS)
		return "INVALID";
	return xbstate_action_names[type];
}

/* Append to buf as snprintf would; *used counts what did not fit too. */
static int __attribute__((__format__(__printf__, 4, 5)))
xbstate_append(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	if (*used < len)
		n = vsnprintf(buf + *used, len - *used, fmt, ap);
	else
		n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	*used += (size_t)n;
	return 0;
}

static int
xbstate_format_one(const struct xbstate_action *a, char *buf, size_t len,
    size_t *used)
{
	const char	*name = xbstate_action_name(a->xa_type);

	switch (a->xa_type) {
	case XBSTATE_A_EXPORT:
	case XBSTATE_A_ADOPT_DEV:
	case XBSTATE_A_RELEASE:
		return xbstate_append(buf, len, used, "%s:%d", name,
		    a->xa_dev);
	case XBSTATE_A_SWITCH:
	case XBSTATE_A_FATAL:
		if (a->xa_state == -1)
			break;
		return xbstate_append(buf, len, used, "%s:%d>%d", name,
		    a->xa_from, a->xa_state);
	default:
		break;
	}
	return xbstate_append(buf, len, used, "%s", name);
}

int
xbstate_format(const struct xbstate_out *out, char *buf, size_t len)
{
	size_t	i, used = 0;

	if (buf == NULL)
		len = 0;
	if (len > 0)
		buf[0] = '\0';
	if (out->xo_n == 0)
		return xbstate_append(buf, len, &used, "NOTHING") == -1 ?
		    -1 : (int)used;
	for (i = 0; i < out->xo_n; i++) {
		if (i > 0 && xbstate_append(buf, len, &used, " ") == -1)
			return -1;
		if (xbstate_format_one(&out->xo_act[i], buf, len, &used) == -1)
			return -1;
	}
	return (int)used;
}
