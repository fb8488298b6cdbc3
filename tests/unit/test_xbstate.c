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
 * xbstate: every flow of the backend handshake.  A small "world" plays
 * libxl, the frontend and the daemon: the daemon part keeps the devices
 * it owns by identity (never by slot index) and recomputes xd_exported
 * for every snapshot, as the real daemon must.  Section numbers (§)
 * refer to doc/protocol.md.
 */

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <xen/io/xenbus.h>

#include "xbstate.h"

#define MAXOWN	16

struct world {
	struct xbstate_in	w_in;
	int			w_slot[XBSTATE_MAX_DEVS];	/* dev-N identity */
	int			w_own[MAXOWN];
	int			w_nown;
	int			w_roots;	/* PUBLISH_ROOTS performed */
	int			w_released;	/* RELEASEs performed */
	int			w_torn;
	struct xbstate_out	w_out;
	char			w_str[4096];
};

/* Test worlds are big; keep them off the stack. */
static struct world	W;

static int
owns(const struct world *w, int id)
{
	int	i;

	for (i = 0; i < w->w_nown; i++)
		if (w->w_own[i] == id)
			return (1);
	return (0);
}

static void
own(struct world *w, int id)
{
	if (!owns(w, id) && w->w_nown < MAXOWN)
		w->w_own[w->w_nown++] = id;
}

static void
disown(struct world *w, int id)
{
	int	i;

	for (i = 0; i < w->w_nown; i++) {
		if (w->w_own[i] != id)
			continue;
		w->w_own[i] = w->w_own[--w->w_nown];
		return;
	}
}

/* The daemon's snapshot: resolve every slot by content, now. */
static void
snapshot(struct world *w)
{
	int	i;

	for (i = 0; i < w->w_in.xi_num_devs && i < XBSTATE_MAX_DEVS; i++)
		w->w_in.xi_dev[i].xd_exported = owns(w, w->w_slot[i]);
	w->w_in.xi_held = w->w_nown;
}

/* The daemon performs a list (rule 3 of xbstate.h for SWITCH). */
static void
perform(struct world *w)
{
	struct xbstate_in		*in = &w->w_in;
	const struct xbstate_action	*a;
	size_t				 i;

	for (i = 0; i < w->w_out.xo_n; i++) {
		a = &w->w_out.xo_act[i];
		switch (a->xa_type) {
		case XBSTATE_A_EXPORT:
			own(w, w->w_slot[a->xa_dev]);
			in->xi_dev[a->xa_dev].xd_state = XenbusStateInitialised;
			break;
		case XBSTATE_A_ADOPT_DEV:
			own(w, w->w_slot[a->xa_dev]);
			break;
		case XBSTATE_A_RELEASE:
			disown(w, w->w_slot[a->xa_dev]);
			w->w_released++;
			break;
		case XBSTATE_A_PUBLISH_ROOTS:
			w->w_roots++;
			break;
		case XBSTATE_A_CONNECT:
		case XBSTATE_A_ADOPT:
			in->xi_connected = 1;
			break;
		case XBSTATE_A_DISCONNECT:
			in->xi_connected = 0;
			break;
		case XBSTATE_A_SWITCH:
		case XBSTATE_A_FATAL:
			if (a->xa_state == -1)
				break;
			if (!in->xi_be_exists || in->xi_be_state != a->xa_from)
				return;
			in->xi_be_state = a->xa_state;
			break;
		case XBSTATE_A_TEARDOWN:
			in->xi_connected = 0;
			w->w_nown = 0;
			w->w_torn = 1;
			break;
		}
	}
}

/* Decide on the current world, without performing. */
static const char *
decide(struct world *w)
{
	snapshot(w);
	assert_int_equal(xbstate_step(&w->w_in, &w->w_out), 0);
	assert_true(xbstate_format(&w->w_out, w->w_str, sizeof(w->w_str)) >
	    0);
	return (w->w_str);
}

/* Decide, check, perform. */
static void
expect(struct world *w, const char *want)
{
	assert_string_equal(decide(w), want);
	perform(w);
}

/* Run until the list is empty; it must settle quickly. */
static void
settle(struct world *w)
{
	int	i;

	for (i = 0; i < 8; i++) {
		if (strcmp(decide(w), "NOTHING") == 0)
			return;
		perform(w);
	}
	fail_msg("did not settle: %s", w->w_str);
}

static int
has(const char *list, const char *word)
{
	return (strstr(list, word) != NULL);
}

/* libxl: create both dirs with n devices, ids 100.. (§2.3, §2.4). */
static struct world *
create(int n)
{
	struct world	*w = &W;
	int		 i;

	memset(w, 0, sizeof(*w));
	xbstate_in_init(&w->w_in);
	for (i = 0; i < n; i++) {
		w->w_slot[i] = 100 + i;
		w->w_in.xi_dev[i].xd_state = XenbusStateInitialising;
		w->w_in.xi_dev[i].xd_dev_ok = 1;
	}
	w->w_in.xi_num_devs = n;
	return (w);
}

/* libxl: append a device; on a running PV guest also write 7 (§2.5). */
static int
add_dev(struct world *w, int id, int write7)
{
	int	n = w->w_in.xi_num_devs++;

	w->w_slot[n] = id;
	w->w_in.xi_dev[n].xd_state = XenbusStateInitialising;
	w->w_in.xi_dev[n].xd_dev_ok = 1;
	if (write7)
		w->w_in.xi_be_state = XenbusStateReconfiguring;
	return (n);
}

static int
slot_of(const struct world *w, int id)
{
	int	i;

	for (i = 0; i < w->w_in.xi_num_devs; i++)
		if (w->w_slot[i] == id)
			return (i);
	fail_msg("device %d not in any slot", id);
	return (-1);
}

/* libxl detach, first transaction: state-N=5, state=7 (§2.6). */
static void
detach_begin(struct world *w, int id)
{
	w->w_in.xi_dev[slot_of(w, id)].xd_state = XenbusStateClosing;
	w->w_in.xi_be_state = XenbusStateReconfiguring;
}

/* libxl detach, second transaction: drop the slot, renumber (§2.6). */
static void
detach_end(struct world *w, int id)
{
	int	i, n = slot_of(w, id);

	for (i = n; i + 1 < w->w_in.xi_num_devs; i++) {
		w->w_slot[i] = w->w_slot[i + 1];
		w->w_in.xi_dev[i] = w->w_in.xi_dev[i + 1];
	}
	w->w_in.xi_num_devs--;
	memset(&w->w_in.xi_dev[w->w_in.xi_num_devs], 0,
	    sizeof(w->w_in.xi_dev[0]));
}

static void
fe(struct world *w, int state)
{
	w->w_in.xi_fe_state = state;
}

/* A guest connected with devices ids 100.. (coldplug done). */
static struct world *
connected(int n)
{
	struct world	*w = create(n);

	expect(w, "SWITCH:1>2");
	decide(w);				/* set-up pass */
	perform(w);
	fe(w, XenbusStateInitialised);
	expect(w, "CONNECT SWITCH:3>4");
	fe(w, XenbusStateConnected);
	expect(w, "NOTHING");
	assert_int_equal(w->w_nown, n);
	return (w);
}

/* The daemon came back up and found w as it is in xenstore (§2.8). */
static void
restart(struct world *w)
{
	w->w_nown = 0;
	w->w_in.xi_connected = 0;
	w->w_in.xi_restarted = 1;
}

/* ---- parsers and names ---- */

static void
test_parse_state_accepts_0_to_8(void **unused)
{
	char	s[2] = { 0, 0 };
	int	i;

	(void)unused;
	for (i = 0; i <= 8; i++) {
		s[0] = (char)('0' + i);
		assert_int_equal(xbstate_parse_state(s), i);
	}
}

static void
test_parse_state_missing_is_unknown(void **unused)
{
	(void)unused;
	assert_int_equal(xbstate_parse_state(NULL), XenbusStateUnknown);
}

static void
test_parse_state_rejects_garbage(void **unused)
{
	static const char *const bad[] = {
		"", "9", "10", "-1", "-0", "+4", " 4", "4 ", "\t4", "4\n",
		"04", "4x", "x4", "0x4", "Connected", "4294967300",
		"99999999999999999999999999", "\xff", "4\x01",
	};
	size_t	i;

	(void)unused;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(xbstate_parse_state(bad[i]), XBSTATE_INVALID);
}

static void
test_parse_num_devs_accepts_range(void **unused)
{
	(void)unused;
	assert_int_equal(xbstate_parse_num_devs("0"), 0);
	assert_int_equal(xbstate_parse_num_devs("1"), 1);
	assert_int_equal(xbstate_parse_num_devs("42"), 42);
	assert_int_equal(xbstate_parse_num_devs("256"), XBSTATE_MAX_DEVS);
}

static void
test_parse_num_devs_rejects_hostile(void **unused)
{
	static const struct {
		const char	*s;
		int		 want;
	} t[] = {
		{ NULL, XBSTATE_NUM_MISSING },
		{ "", XBSTATE_NUM_SYNTAX },
		{ "abc", XBSTATE_NUM_SYNTAX },
		{ "1a", XBSTATE_NUM_SYNTAX },
		{ " 1", XBSTATE_NUM_SYNTAX },
		{ "1 ", XBSTATE_NUM_SYNTAX },
		{ "+1", XBSTATE_NUM_SYNTAX },
		{ "01", XBSTATE_NUM_SYNTAX },
		{ "0x10", XBSTATE_NUM_SYNTAX },
		{ "-", XBSTATE_NUM_SYNTAX },
		{ "-0", XBSTATE_NUM_SYNTAX },
		{ "99999999999999999999x", XBSTATE_NUM_SYNTAX },
		{ "-1", XBSTATE_NUM_RANGE },
		{ "-2147483649", XBSTATE_NUM_RANGE },
		{ "257", XBSTATE_NUM_RANGE },
		{ "2147483648", XBSTATE_NUM_RANGE },
		{ "99999999999999999999999999999", XBSTATE_NUM_RANGE },
	};
	size_t	i;

	(void)unused;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(xbstate_parse_num_devs(t[i].s), t[i].want);
}

static void
test_parse_connect_accepts_frontend_keys(void **unused)
{
	uint32_t	 ref = 0, port = 0;
	const char	*err = NULL;

	(void)unused;
	assert_int_equal(xbstate_parse_connect("8", "8", "7", &ref, &port,
	    &err), 0);
	assert_int_equal(ref, 8);
	assert_int_equal(port, 8);
	assert_int_equal(xbstate_parse_connect("4294967295", "1", "7", &ref,
	    &port, &err), 0);
	assert_int_equal(ref, UINT32_MAX);
	assert_int_equal(xbstate_parse_connect("0", "1", "7", &ref, NULL,
	    NULL), 0);
	assert_int_equal(ref, 0);
}

static void
test_parse_connect_rejects_hostile_keys(void **unused)
{
	static const struct {
		const char	*ref, *port, *magic, *key;
	} t[] = {
		{ NULL, "8", "7", "pci-op-ref" },
		{ "", "8", "7", "pci-op-ref" },
		{ "-1", "8", "7", "pci-op-ref" },
		{ "4294967296", "8", "7", "pci-op-ref" },
		{ "8 ", "8", "7", "pci-op-ref" },
		{ "08", "8", "7", "pci-op-ref" },
		{ "8", NULL, "7", "event-channel" },
		{ "8", "0", "7", "event-channel" },
		{ "8", "0x8", "7", "event-channel" },
		{ "8", "99999999999999999999", "7", "event-channel" },
		{ "8", "8", NULL, "magic" },
		{ "8", "8", "", "magic" },
		{ "8", "8", "07", "magic" },
		{ "8", "8", "7 ", "magic" },
		{ "8", "8", "8", "magic" },
	};
	const char	*err;
	uint32_t	 ref, port;
	size_t		 i;

	(void)unused;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err = NULL;
		assert_int_equal(xbstate_parse_connect(t[i].ref, t[i].port,
		    t[i].magic, &ref, &port, &err), -1);
		assert_non_null(err);
		assert_true(strncmp(err, t[i].key, strlen(t[i].key)) == 0);
	}
}

static void
test_names_of_states_and_actions(void **unused)
{
	(void)unused;
	assert_string_equal(xbstate_name(XenbusStateConnected), "Connected");
	assert_string_equal(xbstate_name(0), "Unknown");
	assert_string_equal(xbstate_name(2), "InitWait");
	assert_string_equal(xbstate_name(8), "Reconfigured");
	assert_string_equal(xbstate_name(9), "Invalid");
	assert_string_equal(xbstate_name(XBSTATE_INVALID), "Invalid");
	assert_string_equal(xbstate_name(INT_MIN), "Invalid");
	assert_string_equal(xbstate_action_name(XBSTATE_A_EXPORT), "EXPORT");
	assert_string_equal(xbstate_action_name(XBSTATE_A_TEARDOWN),
	    "TEARDOWN");
	assert_string_equal(xbstate_action_name(-1), "INVALID");
	assert_string_equal(xbstate_action_name(1000), "INVALID");
}

static void
test_format_truncates_like_snprintf(void **unused)
{
	struct world	*w = create(2);
	char		 small[8];
	int		 n;

	(void)unused;
	w->w_in.xi_be_state = XenbusStateInitWait;
	snapshot(w);
	assert_int_equal(xbstate_step(&w->w_in, &w->w_out), 0);
	n = xbstate_format(&w->w_out, small, sizeof(small));
	assert_int_equal(n, (int)strlen("EXPORT:0 EXPORT:1 PUBLISH_ROOTS "
	    "SWITCH:2>3"));
	assert_string_equal(small, "EXPORT:");
	assert_int_equal(xbstate_format(&w->w_out, NULL, 0), n);
}

static void
test_step_rejects_null(void **unused)
{
	struct xbstate_out	out;

	(void)unused;
	errno = 0;
	assert_int_equal(xbstate_step(NULL, &out), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(xbstate_step(&create(0)->w_in, NULL), -1);
}

/* ---- initial connect (§2.3) ---- */

static void
test_discovery_switches_to_initwait(void **unused)
{
	struct world	*w = create(1);

	(void)unused;
	expect(w, "SWITCH:1>2");
	assert_int_equal(w->w_in.xi_be_state, XenbusStateInitWait);
}

static void
test_discovery_without_frontend_is_forgotten(void **unused)
{
	struct world	*w = create(1);

	(void)unused;
	fe(w, XenbusStateUnknown);
	expect(w, "TEARDOWN");
}

static void
test_setup_exports_publishes_and_initialises(void **unused)
{
	struct world	*w = create(1);

	(void)unused;
	expect(w, "SWITCH:1>2");
	expect(w, "EXPORT:0 PUBLISH_ROOTS SWITCH:2>3");
	assert_int_equal(w->w_in.xi_dev[0].xd_state, XenbusStateInitialised);
	assert_true(owns(w, 100));
}

static void
test_setup_with_no_devices(void **unused)
{
	struct world	*w = create(0);

	(void)unused;
	w->w_in.xi_be_state = XenbusStateInitWait;
	expect(w, "PUBLISH_ROOTS SWITCH:2>3");
}

static void
test_coldplug_backend_first(void **unused)
{
	struct world	*w = create(1);

	(void)unused;
	expect(w, "SWITCH:1>2");
	expect(w, "EXPORT:0 PUBLISH_ROOTS SWITCH:2>3");
	expect(w, "NOTHING");			/* FE still Initialising */
	fe(w, XenbusStateInitialised);
	expect(w, "CONNECT SWITCH:3>4");
	expect(w, "NOTHING");			/* FE scans, then 4 */
	fe(w, XenbusStateConnected);
	expect(w, "NOTHING");			/* already Connected */
	assert_true(w->w_in.xi_connected);
	assert_int_equal(w->w_roots, 1);
}

static void
test_coldplug_frontend_first(void **unused)
{
	struct world	*w = create(1);

	(void)unused;
	fe(w, XenbusStateInitialised);		/* as seen on a real Xen */
	expect(w, "SWITCH:1>2");
	expect(w, "EXPORT:0 PUBLISH_ROOTS SWITCH:2>3");
	expect(w, "CONNECT SWITCH:3>4");
	expect(w, "NOTHING");
	fe(w, XenbusStateConnected);
	expect(w, "NOTHING");
	assert_int_equal(w->w_in.xi_be_state, XenbusStateConnected);
}

static void
test_attach_waits_for_frontend_initialised(void **unused)
{
	struct world	*w = create(1);

	(void)unused;
	w->w_in.xi_be_state = XenbusStateInitialised;
	w->w_in.xi_dev[0].xd_state = XenbusStateInitialised;
	own(w, 100);
	fe(w, XenbusStateInitWait);
	expect(w, "NOTHING");
	fe(w, XenbusStateConnected);		/* a FE cannot be 4 yet */
	expect(w, "NOTHING");
	assert_false(w->w_in.xi_connected);
}

static void
test_attach_after_connect_only_switches(void **unused)
{
	struct world	*w = create(1);

	(void)unused;
	/* CONNECT done, SWITCH lost to a race: finish without re-mapping. */
	w->w_in.xi_be_state = XenbusStateInitialised;
	w->w_in.xi_dev[0].xd_state = XenbusStateInitialised;
	own(w, 100);
	w->w_in.xi_connected = 1;
	fe(w, XenbusStateInitialised);
	expect(w, "SWITCH:3>4");
}

/* ---- several devices at creation (§2.4) ---- */

static void
test_setup_sees_final_num_devs(void **unused)
{
	struct world	*w = create(1);

	(void)unused;
	expect(w, "SWITCH:1>2");
	add_dev(w, 101, 0);			/* before the pass ran */
	add_dev(w, 102, 0);
	expect(w, "EXPORT:0 EXPORT:1 EXPORT:2 PUBLISH_ROOTS SWITCH:2>3");
	assert_int_equal(w->w_nown, 3);
}

static void
test_device_added_while_initialised(void **unused)
{
	struct world	*w = create(1);

	(void)unused;
	expect(w, "SWITCH:1>2");
	expect(w, "EXPORT:0 PUBLISH_ROOTS SWITCH:2>3");
	add_dev(w, 101, 0);			/* starting=true: no 7 */
	expect(w, "EXPORT:1 PUBLISH_ROOTS");	/* no Reconfigured */
	assert_int_equal(w->w_in.xi_be_state, XenbusStateInitialised);
	expect(w, "NOTHING");
	fe(w, XenbusStateInitialised);
	expect(w, "CONNECT SWITCH:3>4");
	assert_int_equal(w->w_nown, 2);
}

static void
test_device_added_while_initialised_and_frontend_ready(void **unused)
{
	struct world	*w = create(1);

	(void)unused;
	expect(w, "SWITCH:1>2");
	expect(w, "EXPORT:0 PUBLISH_ROOTS SWITCH:2>3");
	add_dev(w, 101, 0);
	fe(w, XenbusStateInitialised);
	/* Roots must be written before the FE sees Connected. */
	expect(w, "EXPORT:1 PUBLISH_ROOTS CONNECT SWITCH:3>4");
}

static void
test_setup_bad_dev_is_fatal(void **unused)
{
	struct world	*w = create(3);

	(void)unused;
	w->w_in.xi_be_state = XenbusStateInitWait;
	w->w_in.xi_dev[1].xd_dev_ok = 0;
	expect(w, "FATAL:2>5");
	assert_string_equal(w->w_out.xo_reason,
	    "dev-1: missing or unparseable");
	assert_int_equal(w->w_out.xo_errno, EINVAL);
	assert_int_equal(w->w_nown, 0);		/* nothing half-exported */
}

/* ---- hot-attach (§2.5) ---- */

static void
test_hot_attach_waits_for_frontend(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	add_dev(w, 101, 1);			/* libxl writes our 7 */
	expect(w, "NOTHING");			/* FE reacts first */
	assert_false(owns(w, 101));
}

static void
test_hot_attach_reconfigure(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	add_dev(w, 101, 1);
	fe(w, XenbusStateReconfiguring);
	expect(w, "EXPORT:1 PUBLISH_ROOTS SWITCH:7>8");
	expect(w, "NOTHING");			/* wait for FE 4 */
	fe(w, XenbusStateConnected);
	expect(w, "SWITCH:8>4");
	expect(w, "NOTHING");
	assert_true(owns(w, 101));
	assert_int_equal(w->w_in.xi_dev[1].xd_state, XenbusStateInitialised);
}

/*
 * An HVM guest (§1.7): its frontend stays at 1, libxl's hot-attach and
 * detach are answered without it, and nothing ever connects.
 */
static void
test_hvm_reconfigure_without_frontend(void **unused)
{
	struct world	*w = create(1);

	(void)unused;
	w->w_in.xi_hvm = 1;
	expect(w, "SWITCH:1>2");
	expect(w, "EXPORT:0 PUBLISH_ROOTS SWITCH:2>3");
	expect(w, "NOTHING");			/* no frontend to attach */
	add_dev(w, 101, 1);
	expect(w, "EXPORT:1 PUBLISH_ROOTS SWITCH:7>8");
	expect(w, "NOTHING");
	assert_true(owns(w, 101));
	detach_begin(w, 100);
	expect(w, "RELEASE:0 SWITCH:7>8");
	assert_false(owns(w, 100));
	detach_end(w, 100);
	expect(w, "NOTHING");
	assert_true(owns(w, 101));
	/* Without the flag the same 7 waits for a frontend that never comes. */
	w->w_in.xi_hvm = 0;
	add_dev(w, 102, 1);
	expect(w, "NOTHING");
	assert_false(owns(w, 102));
}

static void
test_hot_attach_frontend_missed_connected(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	fe(w, XenbusStateInitialised);		/* FE never saw our 4 */
	add_dev(w, 101, 1);
	expect(w, "NOTHING");			/* it finishes, then 7 */
	fe(w, XenbusStateReconfiguring);
	expect(w, "EXPORT:1 PUBLISH_ROOTS SWITCH:7>8");
}

static void
test_frontend_reconfiguring_alone_is_ignored(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	add_dev(w, 101, 0);
	fe(w, XenbusStateReconfiguring);	/* our node still says 4 */
	expect(w, "NOTHING");
	assert_false(owns(w, 101));
}

static void
test_reconfigured_waits_for_frontend_connected(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	w->w_in.xi_be_state = XenbusStateReconfigured;
	fe(w, XenbusStateReconfiguring);
	expect(w, "NOTHING");
	fe(w, XenbusStateInitialised);
	expect(w, "NOTHING");
	fe(w, XenbusStateConnected);
	expect(w, "SWITCH:8>4");
}

static void
test_reconfigure_bad_dev_is_fatal(void **unused)
{
	struct world	*w = connected(1);
	int		 n;

	(void)unused;
	n = add_dev(w, 101, 1);
	w->w_in.xi_dev[n].xd_dev_ok = 0;
	fe(w, XenbusStateReconfiguring);
	expect(w, "FATAL:7>5");
	assert_true(has(w->w_out.xo_reason, "dev-1"));
}

static void
test_reconfigure_ignores_other_substates(void **unused)
{
	struct world	*w = connected(4);

	(void)unused;
	w->w_in.xi_dev[0].xd_state = XenbusStateUnknown;
	w->w_in.xi_dev[1].xd_state = XBSTATE_INVALID;
	w->w_in.xi_dev[2].xd_state = XenbusStateConnected;
	w->w_in.xi_dev[3].xd_state = XenbusStateReconfigured;
	w->w_in.xi_be_state = XenbusStateReconfiguring;
	fe(w, XenbusStateReconfiguring);
	expect(w, "SWITCH:7>8");
	assert_int_equal(w->w_nown, 4);
}

static void
test_hvm_without_frontend_sits(void **unused)
{
	struct world	*w = create(1);

	(void)unused;
	w->w_in.xi_be_state = XenbusStateInitialised;
	w->w_in.xi_dev[0].xd_state = XenbusStateInitialised;
	own(w, 100);
	add_dev(w, 101, 1);			/* HVM: 7, never a FE */
	expect(w, "NOTHING");
	assert_false(owns(w, 101));
}

/* ---- hot-detach (§2.6) ---- */

static void
test_hot_detach_releases(void **unused)
{
	struct world	*w = connected(2);

	(void)unused;
	detach_begin(w, 101);
	expect(w, "NOTHING");
	fe(w, XenbusStateReconfiguring);
	expect(w, "RELEASE:1 SWITCH:7>8");
	assert_false(owns(w, 101));
	assert_true(owns(w, 100));
	/* state-N is libxl's to remove. */
	assert_int_equal(w->w_in.xi_dev[1].xd_state, XenbusStateClosing);
	fe(w, XenbusStateConnected);
	expect(w, "SWITCH:8>4");
	detach_end(w, 101);
	expect(w, "NOTHING");
	assert_int_equal(w->w_released, 1);
}

static void
test_hot_detach_after_renumbering(void **unused)
{
	struct world	*w = connected(3);

	(void)unused;
	/* Detach the middle device: libxl moves 102 from slot 2 to 1. */
	detach_begin(w, 101);
	fe(w, XenbusStateReconfiguring);
	expect(w, "RELEASE:1 SWITCH:7>8");
	fe(w, XenbusStateConnected);
	expect(w, "SWITCH:8>4");
	detach_end(w, 101);
	assert_int_equal(slot_of(w, 102), 1);
	/* Now detach 102: it is slot 1, not 2 as it was at export. */
	detach_begin(w, 102);
	fe(w, XenbusStateReconfiguring);
	expect(w, "RELEASE:1 SWITCH:7>8");
	assert_false(owns(w, 102));
	assert_true(owns(w, 100));
	assert_int_equal(w->w_released, 2);
}

static void
test_hot_detach_same_device_any_index(void **unused)
{
	struct world	*w;
	int		 i;

	(void)unused;
	/* Whatever slot a device sits in, the decision follows the slot. */
	for (i = 0; i < 3; i++) {
		w = connected(3);
		detach_begin(w, 100 + i);
		fe(w, XenbusStateReconfiguring);
		decide(w);
		assert_int_equal(w->w_out.xo_act[0].xa_type,
		    XBSTATE_A_RELEASE);
		assert_int_equal(w->w_out.xo_act[0].xa_dev, i);
	}
}

static void
test_hot_detach_released_slot_not_released_again(void **unused)
{
	struct world	*w = connected(2);

	(void)unused;
	/* libxl timed out and left the keys: state-1 still reads 5. */
	detach_begin(w, 101);
	fe(w, XenbusStateReconfiguring);
	expect(w, "RELEASE:1 SWITCH:7>8");
	fe(w, XenbusStateConnected);
	expect(w, "SWITCH:8>4");
	/* Next attach; the stale 5 must not release anything. */
	add_dev(w, 102, 1);
	fe(w, XenbusStateReconfiguring);
	expect(w, "EXPORT:2 PUBLISH_ROOTS SWITCH:7>8");
	assert_int_equal(w->w_released, 1);
}

static void
test_hot_attach_and_detach_in_one_pass(void **unused)
{
	struct world	*w = connected(2);

	(void)unused;
	detach_begin(w, 100);
	add_dev(w, 102, 1);
	fe(w, XenbusStateReconfiguring);
	expect(w, "EXPORT:2 RELEASE:0 PUBLISH_ROOTS SWITCH:7>8");
	assert_false(owns(w, 100));
	assert_true(owns(w, 102));
}

static void
test_last_device_detach_then_dirs_removed(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	detach_begin(w, 100);
	fe(w, XenbusStateReconfiguring);
	expect(w, "RELEASE:0 SWITCH:7>8");
	fe(w, XenbusStateConnected);
	expect(w, "SWITCH:8>4");
	detach_end(w, 100);			/* num_devs 0 while 4: fine */
	expect(w, "NOTHING");
	fe(w, XenbusStateUnknown);		/* FE dir removed first */
	expect(w, "TEARDOWN");
	assert_string_equal(w->w_out.xo_reason, "frontend gone");
}

/* ---- shutdown, destroy (§2.7) ---- */

static void
test_orderly_shutdown(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	fe(w, XenbusStateClosing);
	expect(w, "DISCONNECT SWITCH:4>5");
	expect(w, "NOTHING");
	fe(w, XenbusStateClosed);
	expect(w, "SWITCH:5>6");
	expect(w, "NOTHING");
	assert_false(w->w_in.xi_connected);
	assert_true(owns(w, 100));		/* online: devices kept */
	assert_false(w->w_torn);
}

static void
test_closed_while_connected(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	fe(w, XenbusStateClosed);		/* missed the FE's 5 */
	expect(w, "DISCONNECT SWITCH:4>6");
	expect(w, "NOTHING");
}

static void
test_closed_and_offline_tears_down(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	w->w_in.xi_online = 0;
	fe(w, XenbusStateClosed);
	expect(w, "DISCONNECT SWITCH:4>6 TEARDOWN");
	assert_true(w->w_torn);
	assert_int_equal(w->w_nown, 0);
}

static void
test_frontend_fatal_at_runtime(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	fe(w, XenbusStateClosing);		/* FE error, stays at 5 */
	expect(w, "DISCONNECT SWITCH:4>5");
	expect(w, "NOTHING");
	expect(w, "NOTHING");
	assert_int_equal(w->w_in.xi_be_state, XenbusStateClosing);
}

static void
test_closing_does_not_reopen(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	w->w_in.xi_be_state = XenbusStateClosing;	/* after our FATAL */
	expect(w, "NOTHING");			/* FE still 4 */
	w->w_in.xi_be_state = XenbusStateClosed;
	fe(w, XenbusStateInitialising);		/* Mini-OS re-init */
	expect(w, "NOTHING");
	fe(w, XenbusStateClosing);		/* never back to 5 */
	expect(w, "DISCONNECT");
	assert_int_equal(w->w_in.xi_be_state, XenbusStateClosed);
}

static void
test_destroy_frontend_gone(void **unused)
{
	struct world	*w = connected(2);

	(void)unused;
	fe(w, XenbusStateUnknown);
	expect(w, "TEARDOWN");
	assert_int_equal(w->w_nown, 0);
	assert_false(w->w_in.xi_connected);
}

static void
test_destroy_frontend_gone_after_closed(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	fe(w, XenbusStateClosing);
	expect(w, "DISCONNECT SWITCH:4>5");
	fe(w, XenbusStateClosed);
	expect(w, "SWITCH:5>6");
	fe(w, XenbusStateUnknown);
	expect(w, "TEARDOWN");
	assert_int_equal(w->w_nown, 0);
}

static void
test_destroy_backend_dir_gone(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	w->w_in.xi_be_exists = 0;
	w->w_in.xi_be_state = XenbusStateUnknown;
	expect(w, "TEARDOWN");
	assert_string_equal(w->w_out.xo_reason, "backend directory removed");
}

static void
test_destroy_release_domain(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	w->w_in.xi_dying = 1;			/* FE dir may still be there */
	expect(w, "TEARDOWN");
	assert_true(has(w->w_out.xo_reason, "destroyed"));
}

/* ---- teardown that does not make libxl wait (issue 14 §1) ---- */

/* libxl's detach of id, the frontend not answering: 4 at once (§2.6). */
static void
detach_unanswered(struct world *w, int id)
{
	char	want[32];

	assert_int_equal(w->w_in.xi_be_state, XenbusStateConnected);
	snprintf(want, sizeof(want), "RELEASE:%d SWITCH:7>4", slot_of(w, id));
	detach_begin(w, id);
	expect(w, want);
	assert_false(owns(w, id));
	detach_end(w, id);
}

static void
test_shutdown_then_destroy_answers_at_once(void **unused)
{
	struct world	*w = connected(3);

	(void)unused;
	fe(w, XenbusStateClosing);
	expect(w, "DISCONNECT SWITCH:4>5");
	fe(w, XenbusStateClosed);
	expect(w, "SWITCH:5>6");
	assert_int_equal(w->w_nown, 3);		/* kept while it runs */
	w->w_in.xi_down = 1;			/* @releaseDomain: shut down */
	expect(w, "SWITCH:6>4");
	expect(w, "NOTHING");
	detach_unanswered(w, 101);
	expect(w, "NOTHING");			/* stays 4 for the next one */
	detach_unanswered(w, 100);
	detach_unanswered(w, 102);
	assert_int_equal(w->w_nown, 0);
	assert_int_equal(w->w_released, 3);
	w->w_in.xi_be_exists = 0;		/* libxl's last detach */
	expect(w, "TEARDOWN");
}

static void
test_crash_while_connected_answers_at_once(void **unused)
{
	struct world	*w = connected(2);

	(void)unused;
	w->w_in.xi_down = 1;			/* crashed, FE still 4 */
	expect(w, "DISCONNECT");
	expect(w, "NOTHING");
	detach_unanswered(w, 100);
	detach_unanswered(w, 101);
	assert_int_equal(w->w_nown, 0);
}

static void
test_down_in_the_middle_of_a_detach(void **unused)
{
	struct world	*w = connected(2);

	(void)unused;
	detach_begin(w, 100);
	fe(w, XenbusStateReconfiguring);
	expect(w, "RELEASE:0 SWITCH:7>8");
	w->w_in.xi_down = 1;			/* FE never writes 4 */
	expect(w, "DISCONNECT SWITCH:8>4");
	detach_end(w, 100);
	expect(w, "NOTHING");
	detach_unanswered(w, 101);
}

static void
test_down_exports_nothing(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	w->w_in.xi_down = 1;
	expect(w, "DISCONNECT");
	add_dev(w, 200, 1);			/* pci-attach to a dead guest */
	expect(w, "SWITCH:7>4");
	assert_false(owns(w, 200));
	assert_int_equal(w->w_in.xi_dev[1].xd_state,
	    XenbusStateInitialising);
}

/* Interleaving 1: libxl's 7 first, then the frontend closes. */
static void
test_frontend_closes_after_detach_request(void **unused)
{
	struct world	*w = connected(2);

	(void)unused;
	detach_begin(w, 100);
	expect(w, "NOTHING");			/* waiting for the FE */
	fe(w, XenbusStateClosing);
	expect(w, "DISCONNECT RELEASE:0 SWITCH:7>4");
	expect(w, "NOTHING");			/* 4 until libxl saw it */
	expect(w, "NOTHING");
	detach_end(w, 100);
	expect(w, "SWITCH:4>5");		/* now follow the FE */
	fe(w, XenbusStateClosed);
	expect(w, "SWITCH:5>6");
	assert_false(owns(w, 100));
	assert_true(owns(w, 101));		/* online: kept */
}

/* Interleaving 2: both in one snapshot. */
static void
test_frontend_closes_with_detach_request(void **unused)
{
	struct world	*w = connected(2);

	(void)unused;
	detach_begin(w, 101);
	fe(w, XenbusStateClosed);
	expect(w, "DISCONNECT RELEASE:1 SWITCH:7>4");
	detach_end(w, 101);
	expect(w, "SWITCH:4>6");
	assert_true(owns(w, 100));
}

/* Interleaving 3: the frontend answered 7, then closed instead of 4. */
static void
test_frontend_closes_after_answering(void **unused)
{
	struct world	*w = connected(2);

	(void)unused;
	detach_begin(w, 100);
	fe(w, XenbusStateReconfiguring);
	expect(w, "RELEASE:0 SWITCH:7>8");
	fe(w, XenbusStateClosing);
	expect(w, "DISCONNECT SWITCH:8>4");
	expect(w, "NOTHING");
	detach_end(w, 100);
	expect(w, "SWITCH:4>5");
	assert_int_equal(w->w_released, 1);
}

/*
 * Interleaving 4: the frontend closed first.  libxl's wait for 4 before
 * the detach finds 5 or 6 until the guest is down; then it goes on.
 */
static void
test_frontend_closed_before_detach_request(void **unused)
{
	struct world	*w = connected(2);

	(void)unused;
	fe(w, XenbusStateClosing);
	expect(w, "DISCONNECT SWITCH:4>5");
	expect(w, "NOTHING");			/* libxl would wait here */
	fe(w, XenbusStateClosed);
	expect(w, "SWITCH:5>6");
	w->w_in.xi_down = 1;
	expect(w, "SWITCH:6>4");
	detach_unanswered(w, 100);
	detach_unanswered(w, 101);
}

/* Interleaving 5: a hot-attach the closing frontend will never see. */
static void
test_frontend_closes_during_attach(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	add_dev(w, 200, 1);
	fe(w, XenbusStateClosing);
	expect(w, "DISCONNECT SWITCH:7>4");
	assert_false(owns(w, 200));
	expect(w, "SWITCH:4>5");		/* no slot at 5: follow */
}

/* A running guest whose frontend answers: the handshake as before. */
static void
test_live_detach_still_waits_for_frontend(void **unused)
{
	struct world	*w = connected(2);

	(void)unused;
	detach_begin(w, 100);
	expect(w, "NOTHING");
	assert_true(owns(w, 100));
	fe(w, XenbusStateReconfiguring);
	expect(w, "RELEASE:0 SWITCH:7>8");
	fe(w, XenbusStateConnected);
	expect(w, "SWITCH:8>4");
}

static void
test_teardown_beats_everything(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	w->w_in.xi_dying = 1;
	fe(w, XBSTATE_INVALID);
	w->w_in.xi_num_devs = XBSTATE_NUM_SYNTAX;
	w->w_in.xi_restarted = 1;
	expect(w, "TEARDOWN");
}

static void
test_recreated_dir_tears_down_old_instance(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	/* Last detach and re-attach seen as one change: state reads 1. */
	w->w_in.xi_be_state = XenbusStateInitialising;
	fe(w, XenbusStateInitialising);
	w->w_in.xi_dev[0].xd_state = XenbusStateInitialising;
	expect(w, "TEARDOWN");
	assert_string_equal(w->w_out.xo_reason, "backend directory recreated");
	/* The daemon forgets it; the dir is then a new instance. */
	expect(w, "SWITCH:1>2");
	expect(w, "EXPORT:0 PUBLISH_ROOTS SWITCH:2>3");
}

static void
test_recreated_dir_with_devices_only(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	/* Guest had closed (devices kept, no link); then dir recreated. */
	fe(w, XenbusStateClosed);
	expect(w, "DISCONNECT SWITCH:4>6");
	w->w_in.xi_be_state = XenbusStateInitialising;
	fe(w, XenbusStateInitialising);
	w->w_in.xi_dev[0].xd_state = XenbusStateInitialising;
	expect(w, "TEARDOWN");
	assert_int_equal(w->w_nown, 0);
	expect(w, "SWITCH:1>2");
}

static void
test_own_state_unreadable_waits(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	w->w_in.xi_be_state = XenbusStateUnknown;	/* node missing */
	expect(w, "NOTHING");
	w->w_in.xi_be_state = XBSTATE_INVALID;
	fe(w, XenbusStateClosing);
	expect(w, "NOTHING");			/* cannot compare-and-swap */
}

/* ---- hostile frontend state ---- */

static void
test_frontend_invalid_state_is_fatal(void **unused)
{
	static const char *const bad[] = {
		"", "9", "-1", " 4", "4x", "04", "+4", "Connected",
		"99999999999999999999",
	};
	struct world	*w;
	size_t		 i;

	(void)unused;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		w = connected(1);
		fe(w, xbstate_parse_state(bad[i]));
		expect(w, "DISCONNECT FATAL:4>5");
		assert_int_equal(w->w_out.xo_errno, EPROTO);
		assert_string_equal(w->w_out.xo_reason,
		    "frontend state: invalid value");
		assert_true(owns(w, 100));	/* released at teardown */
		expect(w, "NOTHING");		/* no second FATAL */
	}
}

static void
test_frontend_invalid_state_before_connect(void **unused)
{
	struct world	*w = create(1);

	(void)unused;
	fe(w, XBSTATE_INVALID);
	expect(w, "SWITCH:1>2");		/* not read before InitWait */
	expect(w, "FATAL:2>5");
	expect(w, "NOTHING");
}

static void
test_frontend_invalid_state_when_closed(void **unused)
{
	struct world	*w = connected(1);
	size_t		 i;

	(void)unused;
	w->w_in.xi_be_state = XenbusStateClosed;
	fe(w, 42);				/* out of range, unparsed */
	assert_string_equal(decide(w), "DISCONNECT");
	for (i = 0; i < w->w_out.xo_n; i++)
		assert_int_not_equal(w->w_out.xo_act[i].xa_type,
		    XBSTATE_A_FATAL);
	perform(w);
	expect(w, "NOTHING");
}

static void
test_frontend_writes_unknown_is_gone(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	/* "0" parses as Unknown, which Linux also treats as gone (§2.2.4). */
	fe(w, xbstate_parse_state("0"));
	expect(w, "TEARDOWN");
}

/* ---- hostile num_devs ---- */

static void
test_num_devs_hostile_is_fatal_in_setup(void **unused)
{
	static const char *const bad[] = {
		NULL, "", "abc", "-1", "-0", "257", "1000000", " 1", "01",
		"0x10", "99999999999999999999",
	};
	struct world	*w;
	size_t		 i;

	(void)unused;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		w = create(1);
		w->w_in.xi_be_state = XenbusStateInitWait;
		w->w_in.xi_num_devs = xbstate_parse_num_devs(bad[i]);
		expect(w, "FATAL:2>5");
		assert_true(strncmp(w->w_out.xo_reason, "num_devs: ", 10) ==
		    0);
		assert_int_equal(w->w_out.xo_errno, EINVAL);
		expect(w, "NOTHING");
	}
}

static void
test_num_devs_raw_out_of_range_is_fatal(void **unused)
{
	static const int bad[] = { -7, XBSTATE_MAX_DEVS + 1, INT_MAX,
	    INT_MIN };
	struct world	*w;
	size_t		 i;

	(void)unused;
	/* A daemon that bypassed the parser must not index out of range. */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		w = create(0);
		w->w_in.xi_be_state = XenbusStateInitialised;
		w->w_in.xi_num_devs = bad[i];
		assert_int_equal(xbstate_step(&w->w_in, &w->w_out), 0);
		assert_int_equal(w->w_out.xo_n, 1);
		assert_int_equal(w->w_out.xo_act[0].xa_type, XBSTATE_A_FATAL);
		assert_true(has(w->w_out.xo_reason, "num_devs"));
	}
}

static void
test_num_devs_hostile_in_reconfigure(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	w->w_in.xi_be_state = XenbusStateReconfiguring;
	w->w_in.xi_num_devs = XBSTATE_NUM_MISSING;
	fe(w, XenbusStateReconfiguring);
	expect(w, "FATAL:7>5");
	assert_string_equal(w->w_out.xo_reason, "num_devs: missing");
}

static void
test_num_devs_not_read_while_connected(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	w->w_in.xi_num_devs = XBSTATE_NUM_SYNTAX;
	expect(w, "NOTHING");
}

static void
test_num_devs_maximum_is_accepted(void **unused)
{
	struct world	*w = create(XBSTATE_MAX_DEVS);

	(void)unused;
	w->w_in.xi_be_state = XenbusStateInitWait;
	snapshot(w);
	assert_int_equal(xbstate_step(&w->w_in, &w->w_out), 0);
	assert_int_equal(w->w_out.xo_n, XBSTATE_MAX_DEVS + 2);
	assert_int_equal(w->w_out.xo_act[XBSTATE_MAX_DEVS - 1].xa_dev,
	    XBSTATE_MAX_DEVS - 1);
}

/* ---- daemon restart (§2.8) ---- */

static void
test_restart_at_initialising_is_fresh(void **unused)
{
	struct world	*w = create(1);

	(void)unused;
	w->w_in.xi_restarted = 1;
	expect(w, "SWITCH:1>2");
	expect(w, "EXPORT:0 PUBLISH_ROOTS SWITCH:2>3");
}

static void
test_restart_at_initwait_redoes_setup(void **unused)
{
	struct world	*w = create(2);

	(void)unused;
	/* The old run exported slot 0 and died. */
	w->w_in.xi_be_state = XenbusStateInitWait;
	w->w_in.xi_dev[0].xd_state = XenbusStateInitialised;
	restart(w);
	expect(w, "ADOPT_DEV:0 EXPORT:1 PUBLISH_ROOTS SWITCH:2>3");
	expect(w, "NOTHING");
	assert_int_equal(w->w_nown, 2);
}

static void
test_restart_at_initialised(void **unused)
{
	struct world	*w = create(1);

	(void)unused;
	w->w_in.xi_be_state = XenbusStateInitialised;
	w->w_in.xi_dev[0].xd_state = XenbusStateInitialised;
	restart(w);
	fe(w, XenbusStateInitialised);
	/* The FE never saw Connected: a plain CONNECT. */
	expect(w, "ADOPT_DEV:0 PUBLISH_ROOTS CONNECT SWITCH:3>4");
	expect(w, "NOTHING");
}

static void
test_restart_at_connected_adopts(void **unused)
{
	struct world	*w = connected(2);

	(void)unused;
	restart(w);
	expect(w, "ADOPT_DEV:0 ADOPT_DEV:1 ADOPT");
	expect(w, "NOTHING");
	assert_true(w->w_in.xi_connected);
	assert_int_equal(w->w_in.xi_be_state, XenbusStateConnected);
	assert_int_equal(w->w_roots, 1);	/* no re-publish at 4 */
}

static void
test_restart_at_connected_frontend_not_live(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	restart(w);
	fe(w, XenbusStateInitialising);		/* keys not trustworthy */
	expect(w, "ADOPT_DEV:0");
	expect(w, "NOTHING");
	assert_false(w->w_in.xi_connected);
}

static void
test_restart_at_reconfiguring_resumes(void **unused)
{
	struct world	*w = connected(2);

	(void)unused;
	detach_begin(w, 100);
	add_dev(w, 102, 1);
	fe(w, XenbusStateReconfiguring);
	restart(w);
	/* Slot 0 may or may not have been released: own it, release it. */
	expect(w, "ADOPT_DEV:0 ADOPT_DEV:1 ADOPT EXPORT:2 RELEASE:0 "
	    "PUBLISH_ROOTS SWITCH:7>8");
	expect(w, "NOTHING");
	assert_false(owns(w, 100));
	assert_true(owns(w, 101));
	assert_true(owns(w, 102));
}

static void
test_restart_at_reconfiguring_before_frontend(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	add_dev(w, 101, 1);
	restart(w);
	expect(w, "ADOPT_DEV:0 ADOPT");		/* FE still 4 */
	fe(w, XenbusStateReconfiguring);
	expect(w, "EXPORT:1 PUBLISH_ROOTS SWITCH:7>8");
}

static void
test_restart_at_reconfigured_waits(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	w->w_in.xi_be_state = XenbusStateReconfigured;
	fe(w, XenbusStateReconfiguring);
	restart(w);
	expect(w, "ADOPT_DEV:0 ADOPT");
	expect(w, "NOTHING");
	fe(w, XenbusStateConnected);
	expect(w, "SWITCH:8>4");
}

static void
test_restart_at_closing_keeps_devices(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	w->w_in.xi_be_state = XenbusStateClosing;
	restart(w);
	expect(w, "ADOPT_DEV:0");		/* no connect, no write */
	expect(w, "NOTHING");
	assert_false(w->w_in.xi_connected);
	fe(w, XenbusStateUnknown);
	expect(w, "TEARDOWN");
}

static void
test_restart_at_closed_keeps_devices(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	w->w_in.xi_be_state = XenbusStateClosed;
	fe(w, XenbusStateClosed);
	restart(w);
	expect(w, "ADOPT_DEV:0");
	expect(w, "NOTHING");
	assert_int_equal(w->w_in.xi_be_state, XenbusStateClosed);
}

static void
test_restart_never_closes_healthy_instance(void **unused)
{
	static const int pairs[][2] = {
		{ 2, 1 }, { 2, 3 }, { 3, 1 }, { 3, 3 }, { 4, 3 }, { 4, 4 },
		{ 7, 3 }, { 7, 4 }, { 7, 7 }, { 8, 7 }, { 8, 4 }, { 5, 4 },
		{ 6, 4 }, { 5, 1 },
	};
	struct world	*w;
	size_t		 i, j;
	int		 t;

	(void)unused;
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		w = connected(2);
		w->w_in.xi_be_state = pairs[i][0];
		fe(w, pairs[i][1]);
		restart(w);
		decide(w);
		for (j = 0; j < w->w_out.xo_n; j++) {
			t = w->w_out.xo_act[j].xa_type;
			assert_int_not_equal(t, XBSTATE_A_FATAL);
			assert_int_not_equal(t, XBSTATE_A_TEARDOWN);
			assert_int_not_equal(t, XBSTATE_A_DISCONNECT);
			if (t == XBSTATE_A_SWITCH) {
				assert_false(w->w_out.xo_act[j].xa_state ==
				    XenbusStateClosing ||
				    w->w_out.xo_act[j].xa_state ==
				    XenbusStateClosed);
				assert_true(w->w_out.xo_act[j].xa_state >
				    pairs[i][0] || w->w_out.xo_act[j].xa_state
				    == XenbusStateConnected);
			}
		}
	}
}

static void
test_restart_follows_frontend_closing(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	/* The guest asked to close while we were down: that is its call. */
	fe(w, XenbusStateClosing);
	restart(w);
	expect(w, "ADOPT_DEV:0 SWITCH:4>5");
	assert_true(owns(w, 100));
}

static void
test_restart_bad_num_devs_is_fatal(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	restart(w);
	w->w_in.xi_num_devs = XBSTATE_NUM_SYNTAX;
	expect(w, "FATAL:4>5");
	w = connected(1);
	w->w_in.xi_be_state = XenbusStateClosed;
	restart(w);
	w->w_in.xi_num_devs = XBSTATE_NUM_RANGE;
	expect(w, "FATAL");			/* error node only */
	assert_int_equal(w->w_in.xi_be_state, XenbusStateClosed);
}

static void
test_lost_link_is_readopted(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	w->w_in.xi_connected = 0;		/* not a restart */
	expect(w, "ADOPT");
	expect(w, "NOTHING");
}

/* ---- idempotence and invariants ---- */

static void
test_switch_carries_expected_state(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	add_dev(w, 101, 1);
	fe(w, XenbusStateReconfiguring);
	assert_string_equal(decide(w), "EXPORT:1 PUBLISH_ROOTS SWITCH:7>8");
	assert_int_equal(w->w_out.xo_act[2].xa_from,
	    XenbusStateReconfiguring);
	/* libxl moved our node meanwhile: the CAS fails, nothing written. */
	w->w_in.xi_be_state = XenbusStateConnected;
	perform(w);
	assert_int_equal(w->w_in.xi_be_state, XenbusStateConnected);
}

static void
test_idempotent_after_each_flow(void **unused)
{
	struct world	*w;

	(void)unused;
	w = create(3);
	fe(w, XenbusStateInitialised);
	settle(w);
	assert_int_equal(w->w_in.xi_be_state, XenbusStateConnected);
	expect(w, "NOTHING");
	expect(w, "NOTHING");
	add_dev(w, 103, 1);
	fe(w, XenbusStateReconfiguring);
	settle(w);
	assert_int_equal(w->w_in.xi_be_state, XenbusStateReconfigured);
	fe(w, XenbusStateConnected);
	settle(w);
	assert_int_equal(w->w_in.xi_be_state, XenbusStateConnected);
	assert_int_equal(w->w_nown, 4);
	restart(w);
	settle(w);
	assert_int_equal(w->w_nown, 4);
	expect(w, "NOTHING");
}

/* xorshift: reproducible without libc's rand() state. */
static uint32_t
next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return (*s);
}

static void
random_input(struct xbstate_in *in, uint32_t *seed)
{
	int	i, n;

	xbstate_in_init(in);
	in->xi_be_exists = next(seed) % 16 != 0;
	in->xi_dying = next(seed) % 16 == 0;
	in->xi_down = next(seed) % 8 == 0;
	in->xi_online = next(seed) % 8 != 0;
	in->xi_restarted = next(seed) % 2;
	in->xi_connected = next(seed) % 2;
	in->xi_be_state = (int)(next(seed) % 11) - 1;
	in->xi_fe_state = (int)(next(seed) % 11) - 1;
	n = (int)(next(seed) % 6);
	in->xi_num_devs = next(seed) % 32 == 0 ?
	    (int)(next(seed) % 8) - 4 : n;
	for (i = 0; i < XBSTATE_MAX_DEVS; i++) {
		in->xi_dev[i].xd_state = (int)(next(seed) % 10) - 1;
		in->xi_dev[i].xd_dev_ok = next(seed) % 16 != 0;
		in->xi_dev[i].xd_exported = next(seed) % 2;
		in->xi_held += in->xi_dev[i].xd_exported && i < n;
	}
}

static void
check_invariants(const struct xbstate_in *in, const struct xbstate_out *out)
{
	const struct xbstate_action	*a;
	size_t				 i;
	int				 last, seen[XBSTATE_MAX_DEVS][3];

	memset(seen, 0, sizeof(seen));
	assert_true(out->xo_n <= XBSTATE_MAX_ACTIONS);
	for (i = 0; i < out->xo_n; i++) {
		a = &out->xo_act[i];
		last = i + 1 == out->xo_n;
		switch (a->xa_type) {
		case XBSTATE_A_TEARDOWN:
			assert_true(last);
			break;
		case XBSTATE_A_FATAL:
			assert_true(last);
			assert_int_equal(a->xa_from, in->xi_be_state);
			assert_true(out->xo_errno > 0);
			break;
		case XBSTATE_A_SWITCH:
			assert_true(last || out->xo_act[i + 1].xa_type ==
			    XBSTATE_A_TEARDOWN);
			assert_int_equal(a->xa_from, in->xi_be_state);
			assert_int_not_equal(a->xa_state, a->xa_from);
			assert_true(a->xa_state >= XenbusStateInitWait &&
			    a->xa_state <= XenbusStateReconfigured);
			/*
			 * Never back out of Closing/Closed (§2.2.3), except
			 * to answer libxl once the guest cannot run (§2.7).
			 */
			if (in->xi_down && last &&
			    (a->xa_from == XenbusStateClosing ||
			    a->xa_from == XenbusStateClosed)) {
				assert_int_equal(a->xa_state,
				    XenbusStateConnected);
				break;
			}
			assert_false(a->xa_from == XenbusStateClosed);
			if (a->xa_from == XenbusStateClosing)
				assert_int_equal(a->xa_state,
				    XenbusStateClosed);
			break;
		case XBSTATE_A_CONNECT:
		case XBSTATE_A_ADOPT:
			assert_false(in->xi_connected);
			break;
		case XBSTATE_A_DISCONNECT:
			assert_true(in->xi_connected);
			break;
		case XBSTATE_A_EXPORT:
		case XBSTATE_A_ADOPT_DEV:
		case XBSTATE_A_RELEASE:
			assert_true(a->xa_dev >= 0 &&
			    a->xa_dev < in->xi_num_devs);
			assert_true(in->xi_dev[a->xa_dev].xd_dev_ok ||
			    a->xa_type == XBSTATE_A_RELEASE);
			assert_int_equal(seen[a->xa_dev][a->xa_type - 1], 0);
			seen[a->xa_dev][a->xa_type - 1] = 1;
			if (a->xa_type == XBSTATE_A_ADOPT_DEV)
				assert_true(in->xi_restarted &&
				    !in->xi_dev[a->xa_dev].xd_exported);
			if (a->xa_type == XBSTATE_A_RELEASE)
				assert_true(in->xi_restarted ||
				    in->xi_dev[a->xa_dev].xd_exported);
			break;
		case XBSTATE_A_PUBLISH_ROOTS:
			break;
		default:
			fail_msg("bad action %d", a->xa_type);
		}
	}
	if (!in->xi_be_exists || in->xi_dying ||
	    in->xi_fe_state == XenbusStateUnknown)
		assert_true(out->xo_n == 1 &&
		    out->xo_act[0].xa_type == XBSTATE_A_TEARDOWN);
}

/* Does the list write a state or the error node? */
static int
count_writes(const struct xbstate_out *out)
{
	size_t	i;
	int	n = 0;

	for (i = 0; i < out->xo_n; i++)
		if (out->xo_act[i].xa_type == XBSTATE_A_SWITCH ||
		    out->xo_act[i].xa_type == XBSTATE_A_FATAL)
			n++;
	return (n);
}

/* Perform on a bare snapshot (no identities): exported flags only. */
static void
apply(struct xbstate_in *in, const struct xbstate_out *out)
{
	const struct xbstate_action	*a;
	size_t				 i;

	for (i = 0; i < out->xo_n; i++) {
		a = &out->xo_act[i];
		if (a->xa_type == XBSTATE_A_EXPORT) {
			in->xi_dev[a->xa_dev].xd_exported = 1;
			in->xi_dev[a->xa_dev].xd_state = XenbusStateInitialised;
		} else if (a->xa_type == XBSTATE_A_ADOPT_DEV)
			in->xi_dev[a->xa_dev].xd_exported = 1;
		else if (a->xa_type == XBSTATE_A_RELEASE)
			in->xi_dev[a->xa_dev].xd_exported = 0;
		else if (a->xa_type == XBSTATE_A_CONNECT ||
		    a->xa_type == XBSTATE_A_ADOPT)
			in->xi_connected = 1;
		else if (a->xa_type == XBSTATE_A_DISCONNECT)
			in->xi_connected = 0;
		else if ((a->xa_type == XBSTATE_A_SWITCH ||
		    a->xa_type == XBSTATE_A_FATAL) && a->xa_state != -1)
			in->xi_be_state = a->xa_state;
	}
}

static void
test_random_snapshots_keep_invariants(void **unused)
{
	static struct xbstate_in	in;
	static struct xbstate_out	out, again;
	uint32_t			seed = 0x2545f491;
	char				buf[32];
	int				i, wrote;

	(void)unused;
	for (i = 0; i < 20000; i++) {
		random_input(&in, &seed);
		assert_int_equal(xbstate_step(&in, &out), 0);
		check_invariants(&in, &out);
		assert_true(xbstate_format(&out, buf, sizeof(buf)) > 0);
		assert_true(strlen(buf) < sizeof(buf));
		if (out.xo_n == 0 || out.xo_act[out.xo_n - 1].xa_type ==
		    XBSTATE_A_TEARDOWN)
			continue;
		/* Without a state write, doing it all again does nothing. */
		wrote = count_writes(&out);
		apply(&in, &out);
		assert_int_equal(xbstate_step(&in, &again), 0);
		if (!wrote)
			assert_int_equal(again.xo_n, 0);
		check_invariants(&in, &again);
	}
}

/* ---- bug 5: the toolstack's frontend path and frontend-id ---- */

static void
test_bug5_check_frontend_accepts_own_path(void **unused)
{
	char	why[96] = "";

	(void)unused;
	assert_int_equal(xbstate_check_frontend(
	    "/local/domain/5/device/pci/0", "5", 5, 0, why, sizeof(why)), 0);
	assert_int_equal(xbstate_check_frontend(
	    "/local/domain/32751/device/pci/3", "32751", 32751, 3, NULL, 0),
	    0);
}

static void
test_bug5_check_frontend_rejects_other_path_or_id(void **unused)
{
	static const struct {
		const char	*path, *id, *key;
	} t[] = {
		{ NULL, "5", "frontend: missing" },
		{ "", "5", "frontend: not /local/domain/5/device/pci/0" },
		/* Another guest's frontend: the prefix check let it by. */
		{ "/local/domain/6/device/pci/0", "5", "frontend: not" },
		{ "/local/domain/5/device/pci/1", "5", "frontend: not" },
		{ "/local/domain/5/device/pci/0/", "5", "frontend: not" },
		{ "/local/domain/5/device/vif/0", "5", "frontend: not" },
		{ "/local/domain/5/device/pci/0/../../../../6/device/pci/0",
		    "5", "frontend: not" },
		{ "/local/domain/05/device/pci/0", "5", "frontend: not" },
		{ "/local/domain/0/device/pci/0", "5", "frontend: not" },
		{ "/local/domain/5/device/pci/0", NULL,
		    "frontend-id: missing, not 5" },
		{ "/local/domain/5/device/pci/0", "6",
		    "frontend-id: wrong, not 5" },
		{ "/local/domain/5/device/pci/0", "05", "frontend-id: wrong" },
		{ "/local/domain/5/device/pci/0", "5 ", "frontend-id: wrong" },
		{ "/local/domain/5/device/pci/0", "", "frontend-id: wrong" },
		{ "/local/domain/5/device/pci/0", "4294967301",
		    "frontend-id: wrong" },
	};
	char	why[96];
	size_t	i;

	(void)unused;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		why[0] = '\0';
		assert_int_equal(xbstate_check_frontend(t[i].path, t[i].id, 5,
		    0, why, sizeof(why)), -1);
		assert_true(strncmp(why, t[i].key, strlen(t[i].key)) == 0);
	}
}

/* Refused at once with an error node; never exported, never connected. */
static void
test_bug5_wrong_frontend_never_connects(void **unused)
{
	struct world	*w = create(1);
	int		 i;

	(void)unused;
	w->w_in.xi_fe_bad = "frontend: not /local/domain/5/device/pci/0";
	/* The daemon never reads a refused frontend: its state reads 0. */
	fe(w, XenbusStateUnknown);
	expect(w, "FATAL:1>5");
	assert_int_equal(w->w_out.xo_errno, EACCES);
	assert_string_equal(w->w_out.xo_reason,
	    "frontend: not /local/domain/5/device/pci/0");
	for (i = 0; i < 4; i++)
		expect(w, "NOTHING");
	assert_int_equal(w->w_nown, 0);
	assert_int_equal(w->w_in.xi_connected, 0);
	/* Even if the other guest's frontend looks ready to connect. */
	fe(w, XenbusStateInitialised);
	expect(w, "NOTHING");
	/* The toolstack gives up and removes the dir: forget it. */
	w->w_in.xi_be_exists = 0;
	expect(w, "TEARDOWN");
}

/* A restarted daemon does not adopt an instance it should have refused. */
static void
test_bug5_wrong_frontend_not_adopted_after_restart(void **unused)
{
	struct world	*w = connected(1);

	(void)unused;
	restart(w);
	w->w_in.xi_fe_bad = "frontend-id: wrong, not 5";
	expect(w, "FATAL:4>5");
	assert_int_equal(w->w_nown, 0);
	assert_int_equal(w->w_in.xi_connected, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_state_accepts_0_to_8),
		cmocka_unit_test(test_parse_state_missing_is_unknown),
		cmocka_unit_test(test_parse_state_rejects_garbage),
		cmocka_unit_test(test_parse_num_devs_accepts_range),
		cmocka_unit_test(test_parse_num_devs_rejects_hostile),
		cmocka_unit_test(test_parse_connect_accepts_frontend_keys),
		cmocka_unit_test(test_parse_connect_rejects_hostile_keys),
		cmocka_unit_test(test_names_of_states_and_actions),
		cmocka_unit_test(test_format_truncates_like_snprintf),
		cmocka_unit_test(test_step_rejects_null),
		cmocka_unit_test(test_discovery_switches_to_initwait),
		cmocka_unit_test(test_discovery_without_frontend_is_forgotten),
		cmocka_unit_test(test_setup_exports_publishes_and_initialises),
		cmocka_unit_test(test_setup_with_no_devices),
		cmocka_unit_test(test_coldplug_backend_first),
		cmocka_unit_test(test_coldplug_frontend_first),
		cmocka_unit_test(test_attach_waits_for_frontend_initialised),
		cmocka_unit_test(test_attach_after_connect_only_switches),
		cmocka_unit_test(test_setup_sees_final_num_devs),
		cmocka_unit_test(test_device_added_while_initialised),
		cmocka_unit_test(
		    test_device_added_while_initialised_and_frontend_ready),
		cmocka_unit_test(test_setup_bad_dev_is_fatal),
		cmocka_unit_test(test_hot_attach_waits_for_frontend),
		cmocka_unit_test(test_hot_attach_reconfigure),
		cmocka_unit_test(test_hot_attach_frontend_missed_connected),
		cmocka_unit_test(test_frontend_reconfiguring_alone_is_ignored),
		cmocka_unit_test(
		    test_reconfigured_waits_for_frontend_connected),
		cmocka_unit_test(test_reconfigure_bad_dev_is_fatal),
		cmocka_unit_test(test_reconfigure_ignores_other_substates),
		cmocka_unit_test(test_hvm_without_frontend_sits),
		cmocka_unit_test(test_hot_detach_releases),
		cmocka_unit_test(test_hot_detach_after_renumbering),
		cmocka_unit_test(test_hot_detach_same_device_any_index),
		cmocka_unit_test(
		    test_hot_detach_released_slot_not_released_again),
		cmocka_unit_test(test_hot_attach_and_detach_in_one_pass),
		cmocka_unit_test(test_last_device_detach_then_dirs_removed),
		cmocka_unit_test(test_orderly_shutdown),
		cmocka_unit_test(test_closed_while_connected),
		cmocka_unit_test(test_closed_and_offline_tears_down),
		cmocka_unit_test(test_frontend_fatal_at_runtime),
		cmocka_unit_test(test_closing_does_not_reopen),
		cmocka_unit_test(test_destroy_frontend_gone),
		cmocka_unit_test(test_destroy_frontend_gone_after_closed),
		cmocka_unit_test(test_destroy_backend_dir_gone),
		cmocka_unit_test(test_destroy_release_domain),
		cmocka_unit_test(test_teardown_beats_everything),
		cmocka_unit_test(test_shutdown_then_destroy_answers_at_once),
		cmocka_unit_test(test_crash_while_connected_answers_at_once),
		cmocka_unit_test(test_down_in_the_middle_of_a_detach),
		cmocka_unit_test(test_down_exports_nothing),
		cmocka_unit_test(test_frontend_closes_after_detach_request),
		cmocka_unit_test(test_frontend_closes_with_detach_request),
		cmocka_unit_test(test_frontend_closes_after_answering),
		cmocka_unit_test(test_frontend_closed_before_detach_request),
		cmocka_unit_test(test_frontend_closes_during_attach),
		cmocka_unit_test(test_live_detach_still_waits_for_frontend),
		cmocka_unit_test(test_recreated_dir_tears_down_old_instance),
		cmocka_unit_test(test_recreated_dir_with_devices_only),
		cmocka_unit_test(test_own_state_unreadable_waits),
		cmocka_unit_test(test_frontend_invalid_state_is_fatal),
		cmocka_unit_test(test_frontend_invalid_state_before_connect),
		cmocka_unit_test(test_frontend_invalid_state_when_closed),
		cmocka_unit_test(test_frontend_writes_unknown_is_gone),
		cmocka_unit_test(test_num_devs_hostile_is_fatal_in_setup),
		cmocka_unit_test(test_num_devs_raw_out_of_range_is_fatal),
		cmocka_unit_test(test_num_devs_hostile_in_reconfigure),
		cmocka_unit_test(test_num_devs_not_read_while_connected),
		cmocka_unit_test(test_num_devs_maximum_is_accepted),
		cmocka_unit_test(test_restart_at_initialising_is_fresh),
		cmocka_unit_test(test_restart_at_initwait_redoes_setup),
		cmocka_unit_test(test_restart_at_initialised),
		cmocka_unit_test(test_restart_at_connected_adopts),
		cmocka_unit_test(test_restart_at_connected_frontend_not_live),
		cmocka_unit_test(test_restart_at_reconfiguring_resumes),
		cmocka_unit_test(test_restart_at_reconfiguring_before_frontend),
		cmocka_unit_test(test_restart_at_reconfigured_waits),
		cmocka_unit_test(test_restart_at_closing_keeps_devices),
		cmocka_unit_test(test_restart_at_closed_keeps_devices),
		cmocka_unit_test(test_restart_never_closes_healthy_instance),
		cmocka_unit_test(test_restart_follows_frontend_closing),
		cmocka_unit_test(test_restart_bad_num_devs_is_fatal),
		cmocka_unit_test(test_lost_link_is_readopted),
		cmocka_unit_test(test_switch_carries_expected_state),
		cmocka_unit_test(test_idempotent_after_each_flow),
		cmocka_unit_test(test_random_snapshots_keep_invariants),
		cmocka_unit_test(test_bug5_check_frontend_accepts_own_path),
		cmocka_unit_test(test_bug5_check_frontend_rejects_other_path_or_id),
		cmocka_unit_test(test_bug5_wrong_frontend_never_connects),
		cmocka_unit_test(test_bug5_wrong_frontend_not_adopted_after_restart),
		cmocka_unit_test(test_hvm_reconfigure_without_frontend),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
