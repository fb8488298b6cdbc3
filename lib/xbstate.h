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
 * The backend side of the xenbus handshake of one PV PCI connection
 * (backend/pci/<domid>/0), as pure decisions without any I/O.
 * Section numbers (§) refer to doc/protocol.md.
 *
 * The daemon's contract:
 *
 *  1. On every watch event that concerns the instance (anything under the
 *     backend dir, the frontend's state node, @releaseDomain), and again
 *     after performing a list that wrote a state, it reads the current
 *     values afresh (never a cached copy: libxl writes the backend state
 *     node itself and intermediate values can be missed, §2.2.1), fills
 *     in a struct xbstate_in and calls xbstate_step().
 *
 *  2. It performs the returned actions in order.  An empty list means
 *     "nothing to do now, wait for the next event".
 *
 *  3. SWITCH writes xa_state inside a transaction only if the node still
 *     reads xa_from (it is never created: a removed dir is not
 *     resurrected, and a dir the toolstack reset to 1 is not touched,
 *     §2.2.2).  If the check fails, the daemon drops the rest of the list
 *     and evaluates again.
 *
 *  4. Failures.  EXPORT, PUBLISH_ROOTS, CONNECT: stop, then act as for
 *     FATAL (error node, then Closing if the node still reads the
 *     snapshot's xi_be_state), §1.4.  ADOPT, ADOPT_DEV: log and carry
 *     on; a restart must never move the instance to Closing (§2.8).
 *     RELEASE, DISCONNECT, TEARDOWN: log and carry on; they cannot be
 *     refused.
 *
 * SWITCH, FATAL and TEARDOWN only ever come last, except that a SWITCH to
 * Closed may precede a TEARDOWN (frontend Closed, backend offline).
 */

#ifndef PCIBACKD_XBSTATE_H
#define PCIBACKD_XBSTATE_H

#include <stddef.h>
#include <stdint.h>

/* Devices one connection may carry; more in num_devs is hostile. */
#define XBSTATE_MAX_DEVS	256

/* A state node that exists but does not hold "%d" of 0..8. */
#define XBSTATE_INVALID		(-1)

/* xbstate_parse_num_devs() failures, also valid in xi_num_devs. */
#define XBSTATE_NUM_MISSING	(-1)	/* node absent */
#define XBSTATE_NUM_SYNTAX	(-2)	/* not what "%d" prints */
#define XBSTATE_NUM_RANGE	(-3)	/* negative or above XBSTATE_MAX_DEVS */

/* Per slot at most ADOPT_DEV + RELEASE, plus a handful of others. */
#define XBSTATE_MAX_ACTIONS	(2 * XBSTATE_MAX_DEVS + 8)
#define XBSTATE_REASON_MAX	96

enum xbstate_act {
	XBSTATE_A_NOTHING = 0,	/* never in a list; the empty list */
	/*
	 * Slot xa_dev: claim the host device dev-N names (if this instance
	 * already owns it, keep it as it is), write vdev-N, then state-N=3.
	 */
	XBSTATE_A_EXPORT,
	/*
	 * Slot xa_dev, after a restart: own again the device dev-N names,
	 * without reset, keeping its vdev-N and rebuilding its virtual
	 * config-space state from the hardware (§2.8).
	 */
	XBSTATE_A_ADOPT_DEV,
	/*
	 * Slot xa_dev (state-N is 5): release the device dev-N names
	 * (reset, restore, return to the pool).  state-N is left alone:
	 * libxl removes it (§2.6).
	 */
	XBSTATE_A_RELEASE,
	/* Write root-K/root_num for every owned device; skip duplicates. */
	XBSTATE_A_PUBLISH_ROOTS,
	/*
	 * Read pci-op-ref, event-channel and magic (xbstate_parse_connect),
	 * map the page read-write, bind the event channel (§2.3 step 5).
	 */
	XBSTATE_A_CONNECT,
	/*
	 * As CONNECT, for a frontend that already saw us Connected (daemon
	 * restart): then serve an op left in flight and notify (§2.8).
	 */
	XBSTATE_A_ADOPT,
	/* Unbind, let an op in flight finish, unmap (§2.7). */
	XBSTATE_A_DISCONNECT,
	/* Write xa_state if the node still reads xa_from (rule 3 above). */
	XBSTATE_A_SWITCH,
	/*
	 * Write "<xo_errno> <xo_reason>" to the error node; then, if
	 * xa_state is not -1, switch to it (Closing) as SWITCH does.
	 */
	XBSTATE_A_FATAL,
	/*
	 * Disconnect if connected, release every device the instance owns,
	 * forget the instance and its watches.  Writes nothing.  If the
	 * backend dir later reads 1 again, that is a new instance (§2.2.5).
	 */
	XBSTATE_A_TEARDOWN,
};

/*
 * One dev-N slot, N = 0..num_devs-1, as read now.  libxl renumbers slots
 * on detach (§2.6), so the daemon resolves each slot by content every
 * time: it never keeps an index.  It reads dev-N (xd_dev_ok,
 * xd_exported) only for a slot at Initialising or Closing, or for every
 * slot when xi_restarted; the decision must not look at them otherwise.
 */
struct xbstate_dev {
	int	xd_state;	/* state-N through xbstate_parse_state() */
	int	xd_dev_ok;	/* dev-N exists and parses as a host BDF */
	int	xd_exported;	/* the device dev-N names is owned by this
				   instance now (looked up by BDF) */
};

/* Everything the decision needs, read afresh for every call. */
struct xbstate_in {
	int	xi_be_exists;	/* the backend dir exists */
	int	xi_be_state;	/* own state through xbstate_parse_state() */
	int	xi_fe_state;	/* frontend state, same; 0 = node gone */
	int	xi_online;	/* backend "online" reads "1" */
	int	xi_dying;	/* @releaseDomain: domain dying or gone */
	/*
	 * The guest will not run again (shut down other than to suspend,
	 * or crashed) but its domain is still there: no frontend can
	 * answer, only the toolstack reads the backend now (§2.7).
	 */
	int	xi_down;
	/*
	 * An HVM guest's instance (§1.7): no frontend ever answers and
	 * xi_fe_state stays Initialising; libxl's reconfigures are done
	 * without it.
	 */
	int	xi_hvm;
	int	xi_restarted;	/* found past Initialising at daemon start
				   (§2.8); may stay set for its lifetime */
	int	xi_connected;	/* page mapped and event channel bound */
	int	xi_held;	/* devices this instance owns, in any slot */
	int	xi_num_devs;	/* xbstate_parse_num_devs() */
	/*
	 * NULL, or why the toolstack's "frontend"/"frontend-id" are not
	 * this instance's (xbstate_check_frontend): the instance is refused
	 * and never connects.
	 */
	const char *xi_fe_bad;
	struct xbstate_dev xi_dev[XBSTATE_MAX_DEVS];
};

struct xbstate_action {
	int	xa_type;	/* enum xbstate_act */
	int	xa_dev;		/* slot N, or -1 */
	int	xa_state;	/* SWITCH, FATAL: target state, or -1 */
	int	xa_from;	/* SWITCH, FATAL: state the node must read */
};

struct xbstate_out {
	size_t			xo_n;
	struct xbstate_action	xo_act[XBSTATE_MAX_ACTIONS];
	int			xo_errno;	/* FATAL: positive errno */
	/* FATAL: the error message; otherwise why, for the debug log. */
	char			xo_reason[XBSTATE_REASON_MAX];
};

/*
 * Defaults: a pair just created by libxl (both states Initialising, dir
 * present, online), nothing owned, num_devs 0, every slot missing.
 */
void		 xbstate_in_init(struct xbstate_in *);

/* Decide.  0, or -1 with errno EINVAL on NULL arguments. */
int		 xbstate_step(const struct xbstate_in *, struct xbstate_out *);

/*
 * A state node's value: NULL (node missing) gives 0 (Unknown); exactly
 * "0".."8" gives that state; anything else (empty, sign, blank, leading
 * zero, trailing junk, out of range) is XBSTATE_INVALID.  The frontend's
 * node is written by the guest.
 */
int		 xbstate_parse_state(const char *);

/* num_devs: 0..XBSTATE_MAX_DEVS, or an XBSTATE_NUM_* failure. */
int		 xbstate_parse_num_devs(const char *);

/*
 * The frontend's connect keys (§1.3): pci-op-ref and event-channel are
 * "%u" (port 0 is refused), magic must equal XEN_PCI_MAGIC.  0, or -1
 * with *errstr (if not NULL) naming the key and the fault.
 */
int		 xbstate_parse_connect(const char *, const char *,
		    const char *, uint32_t *, uint32_t *, const char **);

/*
 * The toolstack's "frontend" and "frontend-id" nodes of the instance
 * backend/pci/<domid>/<devid>: the path must be exactly
 * /local/domain/<domid>/device/pci/<devid> and the id "<domid>", or the
 * backend would serve (and watch) another domain's frontend.  0, or -1
 * with why (if not NULL) saying which node is wrong, snprintf-truncated.
 */
int		 xbstate_check_frontend(const char *, const char *,
		    unsigned int, unsigned int, char *, size_t);

/* "Connected" for 4, "Invalid" for anything outside 0..8. */
const char	*xbstate_name(int);
/* "EXPORT" for XBSTATE_A_EXPORT, "INVALID" outside the enum. */
const char	*xbstate_action_name(int);

/*
 * One line for logs and tests, e.g. "EXPORT:0 PUBLISH_ROOTS SWITCH:2>3";
 * "NOTHING" for the empty list.  snprintf semantics.
 */
int		 xbstate_format(const struct xbstate_out *, char *, size_t);

#endif /* PCIBACKD_XBSTATE_H */
