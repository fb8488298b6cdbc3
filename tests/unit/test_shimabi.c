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
 * Unit tests of the shim's ABI checks and parsers.  pcishim_check.c is
 * written to build both in the kernel and here, so it is compiled into
 * this test directly, as the module compiles it.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../../shim-driver/pcishim_check.c"

/* The layout is the ABI: offsets the daemon and module rely on. */
_Static_assert(offsetof(struct pcishim_list, pl_bdfs) == 16, "pl_bdfs");
_Static_assert(offsetof(struct pcishim_info, pi_bdf) == 8, "pi_bdf");
_Static_assert(offsetof(struct pcishim_info, pi_vendor) == 16, "pi_vendor");
_Static_assert(offsetof(struct pcishim_info, pi_class) == 24, "pi_class");
_Static_assert(offsetof(struct pcishim_info, pi_cfgsize) == 32, "pi_cfgsize");
_Static_assert(offsetof(struct pcishim_info, pi_msicap) == 44, "pi_msicap");
_Static_assert(offsetof(struct pcishim_info, pi_reset) == 52, "pi_reset");
_Static_assert(offsetof(struct pcishim_info, pi_bar) == 64, "pi_bar");
_Static_assert(offsetof(struct pcishim_cfg, pc_value) == 20, "pc_value");
_Static_assert(offsetof(struct pcishim_devop, pd_result) == 12, "pd_result");
_Static_assert(offsetof(struct pcishim_msix, pm_entries) == 16, "pm_entries");
_Static_assert(offsetof(struct pcishim_event, pe_error) == 16, "pe_error");
_Static_assert(offsetof(struct pcishim_event, pe_seq) == 24, "pe_seq");
_Static_assert(offsetof(struct pcishim_info, pi_denied) == 60, "pi_denied");
_Static_assert(offsetof(struct pcishim_restrict, pr_domid) == 8, "pr_domid");
_Static_assert(offsetof(struct pcishim_aer_reply, par_result) == 12,
    "par_result");
_Static_assert(offsetof(struct pcishim_aer_reply, par_seq) == 16, "par_seq");

static int
hide_count(const struct pcishim_slot *slot, void *arg)
{
	struct pcishim_slot *got = arg;
	size_t i;

	for (i = 0; got[i].ps_seg != 0xdead; i++)
		;
	got[i] = *slot;
	got[i + 1].ps_seg = 0xdead;
	return 0;
}

static int
hide_fail_second(const struct pcishim_slot *slot, void *arg)
{
	int *calls = arg;

	(void)slot;
	return ++*calls == 2 ? -ENOMEM : 0;
}

static int
parse(const char *s, int anyfn, struct pcishim_slot *slot)
{
	return pcishim_parse_slot(s, strlen(s), anyfn, slot);
}

static struct pcishim_event
ev(uint32_t type, uint64_t seq)
{
	struct pcishim_event e;

	memset(&e, 0, sizeof(e));
	e.pe_type = type;
	e.pe_seq = seq;
	return e;
}

static void
argsz_below_minsz_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(pcishim_check_argsz(0, sizeof(struct pcishim_cfg)),
	    -EINVAL);
	assert_int_equal(pcishim_check_argsz(sizeof(struct pcishim_cfg) - 1,
	    sizeof(struct pcishim_cfg)), -EINVAL);
}

static void
argsz_at_or_above_minsz_is_accepted(void **state)
{
	(void)state;
	assert_int_equal(pcishim_check_argsz(sizeof(struct pcishim_cfg),
	    sizeof(struct pcishim_cfg)), 0);
	assert_int_equal(pcishim_check_argsz(4096,
	    sizeof(struct pcishim_cfg)), 0);
}

static void
copyout_len_is_the_smaller_size(void **state)
{
	(void)state;
	assert_int_equal(pcishim_copyout_len(16, 232), 16);
	assert_int_equal(pcishim_copyout_len(232, 232), 232);
	assert_int_equal(pcishim_copyout_len(1000, 232), 232);
}

static void
unknown_flags_are_rejected(void **state)
{
	(void)state;
	assert_int_equal(pcishim_check_flags(0, 0), 0);
	assert_int_equal(pcishim_check_flags(1, 0), -EINVAL);
	assert_int_equal(pcishim_check_flags(PCISHIM_EN_DEVICE |
	    PCISHIM_EN_MASTER, PCISHIM_EN_DEVICE | PCISHIM_EN_MASTER), 0);
	assert_int_equal(pcishim_check_flags(0x4,
	    PCISHIM_EN_DEVICE | PCISHIM_EN_MASTER), -EINVAL);
	assert_int_equal(pcishim_check_flags(0x80000000U, 0x3), -EINVAL);
}

static void
cfg_sizes_other_than_1_2_4_are_rejected(void **state)
{
	(void)state;
	assert_int_equal(pcishim_check_cfg(0, 1, 256), 0);
	assert_int_equal(pcishim_check_cfg(0, 2, 256), 0);
	assert_int_equal(pcishim_check_cfg(0, 4, 256), 0);
	assert_int_equal(pcishim_check_cfg(0, 0, 256), -EINVAL);
	assert_int_equal(pcishim_check_cfg(0, 3, 256), -EINVAL);
	assert_int_equal(pcishim_check_cfg(0, 8, 256), -EINVAL);
	assert_int_equal(pcishim_check_cfg(0, 0xffffffffU, 256), -EINVAL);
}

static void
cfg_misaligned_access_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(pcishim_check_cfg(0x3d, 1, 256), 0);
	assert_int_equal(pcishim_check_cfg(0x3e, 2, 256), 0);
	assert_int_equal(pcishim_check_cfg(0x3d, 2, 256), -EINVAL);
	assert_int_equal(pcishim_check_cfg(0x3e, 4, 256), -EINVAL);
	assert_int_equal(pcishim_check_cfg(0x41, 4, 256), -EINVAL);
}

static void
cfg_last_bytes_of_config_space_are_accepted(void **state)
{
	(void)state;
	assert_int_equal(pcishim_check_cfg(0xfc, 4, 256), 0);
	assert_int_equal(pcishim_check_cfg(0xff, 1, 256), 0);
	assert_int_equal(pcishim_check_cfg(0xffc, 4, 4096), 0);
	assert_int_equal(pcishim_check_cfg(0xfff, 1, 4096), 0);
}

static void
cfg_past_config_space_is_erange(void **state)
{
	(void)state;
	assert_int_equal(pcishim_check_cfg(0x100, 4, 256), -ERANGE);
	assert_int_equal(pcishim_check_cfg(0x100, 1, 256), -ERANGE);
	assert_int_equal(pcishim_check_cfg(0x1000, 4, 4096), -ERANGE);
	/* No wrap-around at the top of the offset range. */
	assert_int_equal(pcishim_check_cfg(0xfffffffcU, 4, 4096), -ERANGE);
	assert_int_equal(pcishim_check_cfg(0xffffffffU, 1, 4096), -ERANGE);
	/* A function without config space (size 0) allows nothing. */
	assert_int_equal(pcishim_check_cfg(0, 1, 0), -ERANGE);
}

static void
domid_zero_and_reserved_are_rejected(void **state)
{
	(void)state;
	assert_int_equal(pcishim_check_domid(0), -EINVAL);
	assert_int_equal(pcishim_check_domid(1), 0);
	assert_int_equal(pcishim_check_domid(PCISHIM_DOMID_MAX), 0);
	assert_int_equal(pcishim_check_domid(PCISHIM_DOMID_MAX + 1), -EINVAL);
	assert_int_equal(pcishim_check_domid(0x7ff0), -EINVAL);	/* IO */
	assert_int_equal(pcishim_check_domid(PCISHIM_DOMID_NONE), -EINVAL);
}

/* issue 10 item 7: RESET under a live guest is refused; RELEASE is not. */
static void
reset_of_an_assigned_device_is_ebusy(void **state)
{
	(void)state;
	assert_int_equal(pcishim_check_reset(PCISHIM_DOMID_NONE), 0);
	assert_int_equal(pcishim_check_reset(1), -EBUSY);
	assert_int_equal(pcishim_check_reset(PCISHIM_DOMID_MAX), -EBUSY);
	/* A bus reset reaches only held functions no guest has. */
	assert_int_equal(pcishim_check_busfn(PCISHIM_BUSFN_HELD), 0);
	assert_int_equal(pcishim_check_busfn(0), -EBUSY);
	assert_int_equal(pcishim_check_busfn(PCISHIM_BUSFN_HELD |
	    PCISHIM_BUSFN_ASSIGNED), -EBUSY);
	assert_int_equal(pcishim_check_busfn(PCISHIM_BUSFN_HELD |
	    PCISHIM_BUSFN_BRIDGE), -EBUSY);
	assert_int_equal(pcishim_check_busfn(PCISHIM_BUSFN_HELD |
	    PCISHIM_BUSFN_BUSY), -EAGAIN);
	assert_int_equal(pcishim_check_busfn(PCISHIM_BUSFN_BUSY), -EBUSY);
}

/* issue 10 item 7: remove_slot does not free a device a guest still has. */
static void
override_stays_while_listed_or_assigned(void **state)
{
	(void)state;
	assert_true(pcishim_override_keep(1, PCISHIM_DOMID_NONE));
	assert_true(pcishim_override_keep(1, 5));
	assert_true(pcishim_override_keep(0, 5));
	assert_false(pcishim_override_keep(0, PCISHIM_DOMID_NONE));
}

static void
msix_nvec_outside_1_to_2048_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(pcishim_check_msix_nvec(0), -EINVAL);
	assert_int_equal(pcishim_check_msix_nvec(1), 0);
	assert_int_equal(pcishim_check_msix_nvec(128), 0);
	assert_int_equal(pcishim_check_msix_nvec(2048), 0);
	assert_int_equal(pcishim_check_msix_nvec(2049), -EINVAL);
	assert_int_equal(pcishim_check_msix_nvec(0xffffffffU), -EINVAL);
}

static void
msix_entry_that_would_truncate_is_rejected(void **state)
{
	(void)state;
	assert_int_equal(pcishim_check_msix_entry(0), 0);
	assert_int_equal(pcishim_check_msix_entry(2047), 0);
	assert_int_equal(pcishim_check_msix_entry(2048), -EINVAL);
	assert_int_equal(pcishim_check_msix_entry(0x10000), -EINVAL);
}

static void
slot_full_form_parses(void **state)
{
	struct pcishim_slot s;

	(void)state;
	assert_int_equal(parse("0001:0a:1f.7", 0, &s), 0);
	assert_int_equal(s.ps_seg, 1);
	assert_int_equal(s.ps_bus, 0x0a);
	assert_int_equal(s.ps_dev, 0x1f);
	assert_int_equal(s.ps_fn, 7);
	assert_int_equal(parse("ffff:FF:00.0", 0, &s), 0);
	assert_int_equal(s.ps_seg, 0xffff);
	assert_int_equal(s.ps_bus, 0xff);
}

static void
slot_short_form_means_segment_0(void **state)
{
	struct pcishim_slot s;

	(void)state;
	assert_int_equal(parse("03:00.1", 0, &s), 0);
	assert_int_equal(s.ps_seg, 0);
	assert_int_equal(s.ps_bus, 3);
	assert_int_equal(s.ps_dev, 0);
	assert_int_equal(s.ps_fn, 1);
}

static void
slot_libxl_format_with_newline_parses(void **state)
{
	struct pcishim_slot s;

	(void)state;
	/* libxl writes "%04x:%02x:%02x.%01x"; echo adds a newline. */
	assert_int_equal(parse("0000:00:02.0", 0, &s), 0);
	assert_int_equal(parse("0000:00:02.0\n", 0, &s), 0);
	assert_int_equal(parse("  0000:00:02.0 \n", 0, &s), 0);
	assert_int_equal(s.ps_dev, 2);
}

static void
slot_wildcard_only_where_allowed(void **state)
{
	struct pcishim_slot s;

	(void)state;
	assert_int_equal(parse("0000:05:00.*", 1, &s), 0);
	assert_int_equal(s.ps_fn, PCISHIM_SLOT_ANYFN);
	assert_int_equal(parse("0000:05:00.*", 0, &s), -EINVAL);
}

static void
slot_fields_out_of_range_are_rejected(void **state)
{
	struct pcishim_slot s;

	(void)state;
	assert_int_equal(parse("10000:00:00.0", 0, &s), -EINVAL);
	assert_int_equal(parse("0000:100:00.0", 0, &s), -EINVAL);
	assert_int_equal(parse("0000:00:20.0", 0, &s), -EINVAL);
	assert_int_equal(parse("0000:00:00.8", 0, &s), -EINVAL);
	assert_int_equal(parse("0000:00:00.f", 0, &s), -EINVAL);
	/* More digits than fit are refused before they can overflow. */
	assert_int_equal(parse("100000000:00:00.0", 0, &s), -EINVAL);
	assert_int_equal(parse("000000001:00:00.0", 0, &s), -EINVAL);
	assert_int_equal(parse("00000001:00:00.0", 0, &s), 0);
}

static void
slot_malformed_text_is_rejected(void **state)
{
	static const char *const bad[] = {
		"", "\n", ":", ".", "00.0", "0000:00:00", "0000:00:00.",
		"0000:00:00.00", "0000:00:00.0x", "0:0:0:0.0", "0000::00.0",
		":00:00.0", "0000:00:00.0 junk", "-1:00.0", "0x00:00.0",
		"00:00,0", "00:g0.0", "00:00.**", "(00:00.0)",
	};
	struct pcishim_slot s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], 1, &s) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
	}
}

static void
slot_parse_stops_at_len(void **state)
{
	struct pcishim_slot s;
	const char buf[] = "00:01.2XYZ";

	(void)state;
	/* sysfs buffers are counted, not NUL-terminated at the end. */
	assert_int_equal(pcishim_parse_slot(buf, 7, 0, &s), 0);
	assert_int_equal(s.ps_fn, 2);
	assert_int_equal(pcishim_parse_slot(buf, 8, 0, &s), -EINVAL);
	assert_int_equal(pcishim_parse_slot(buf, 6, 0, &s), -EINVAL);
	assert_int_equal(pcishim_parse_slot(buf, 0, 0, &s), -EINVAL);
}

static void
hide_list_parses_every_form(void **state)
{
	struct pcishim_slot got[8];

	(void)state;
	got[0].ps_seg = 0xdead;
	assert_int_equal(pcishim_parse_hide(
	    "(0000:03:00.0)(04:00.1)(0002:05:1f.*)", hide_count, got), 0);
	assert_int_equal(got[0].ps_bus, 3);
	assert_int_equal(got[0].ps_fn, 0);
	assert_int_equal(got[1].ps_seg, 0);
	assert_int_equal(got[1].ps_bus, 4);
	assert_int_equal(got[1].ps_fn, 1);
	assert_int_equal(got[2].ps_seg, 2);
	assert_int_equal(got[2].ps_dev, 0x1f);
	assert_int_equal(got[2].ps_fn, PCISHIM_SLOT_ANYFN);
	assert_int_equal(got[3].ps_seg, 0xdead);
}

static void
hide_list_empty_or_unset_holds_nothing(void **state)
{
	struct pcishim_slot got[2];

	(void)state;
	got[0].ps_seg = 0xdead;
	assert_int_equal(pcishim_parse_hide(NULL, hide_count, got), 0);
	assert_int_equal(pcishim_parse_hide("", hide_count, got), 0);
	assert_int_equal(pcishim_parse_hide(" \n", hide_count, got), 0);
	assert_int_equal(got[0].ps_seg, 0xdead);
}

static void
hide_list_allows_white_space_between_entries(void **state)
{
	struct pcishim_slot got[4];

	(void)state;
	got[0].ps_seg = 0xdead;
	assert_int_equal(pcishim_parse_hide(" (00:01.0) (00:02.0)\n",
	    hide_count, got), 0);
	assert_int_equal(got[0].ps_dev, 1);
	assert_int_equal(got[1].ps_dev, 2);
	assert_int_equal(got[2].ps_seg, 0xdead);
}

static void
hide_list_syntax_error_calls_back_nothing(void **state)
{
	static const char *const bad[] = {
		"(0000:03:00.0)(junk)", "(00:01.0", "((00:01.0))",
		"00:01.0", "(00:01.0)x", "()", "(00:01.0)(", ")(00:01.0)",
		"(00:01.0)(00:01.8)",
	};
	struct pcishim_slot got[8];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		got[0].ps_seg = 0xdead;
		if (pcishim_parse_hide(bad[i], hide_count, got) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_int_equal(got[0].ps_seg, 0xdead);
	}
}

static void
hide_list_callback_error_is_returned(void **state)
{
	int calls = 0;

	(void)state;
	assert_int_equal(pcishim_parse_hide("(00:01.0)(00:02.0)(00:03.0)",
	    hide_fail_second, &calls), -ENOMEM);
	assert_int_equal(calls, 2);
}

static void
slot_matches_its_function_or_any_with_wildcard(void **state)
{
	struct pcishim_slot s;

	(void)state;
	assert_int_equal(parse("0001:02:03.4", 0, &s), 0);
	assert_true(pcishim_slot_match(&s, PCISHIM_BDF(1, 2, 3, 4)));
	assert_false(pcishim_slot_match(&s, PCISHIM_BDF(1, 2, 3, 5)));
	assert_false(pcishim_slot_match(&s, PCISHIM_BDF(0, 2, 3, 4)));
	assert_false(pcishim_slot_match(&s, PCISHIM_BDF(1, 3, 3, 4)));
	assert_false(pcishim_slot_match(&s, PCISHIM_BDF(1, 2, 4, 4)));
	assert_int_equal(parse("0001:02:03.*", 1, &s), 0);
	assert_true(pcishim_slot_match(&s, PCISHIM_BDF(1, 2, 3, 0)));
	assert_true(pcishim_slot_match(&s, PCISHIM_BDF(1, 2, 3, 7)));
	assert_false(pcishim_slot_match(&s, PCISHIM_BDF(1, 2, 4, 0)));
}

static void
slot_equality_includes_the_wildcard(void **state)
{
	struct pcishim_slot a, b;

	(void)state;
	assert_int_equal(parse("00:03.0", 1, &a), 0);
	assert_int_equal(parse("0000:00:03.0\n", 1, &b), 0);
	assert_true(pcishim_slot_equal(&a, &b));
	assert_int_equal(parse("00:03.*", 1, &b), 0);
	assert_false(pcishim_slot_equal(&a, &b));
}

static void
bdf_packing_round_trips(void **state)
{
	struct pcishim_slot s;
	uint32_t bdf = PCISHIM_BDF(0xabcd, 0xef, 0x1f, 7);

	(void)state;
	assert_int_equal(bdf, 0xabcdefffU);
	assert_int_equal(PCISHIM_BDF_SEG(bdf), 0xabcd);
	assert_int_equal(PCISHIM_BDF_BUS(bdf), 0xef);
	assert_int_equal(PCISHIM_BDF_DEV(bdf), 0x1f);
	assert_int_equal(PCISHIM_BDF_FN(bdf), 7);
	assert_int_equal(PCISHIM_BDF_DEVFN(bdf), 0xff);
	assert_int_equal(parse("0002:03:04.*", 1, &s), 0);
	assert_int_equal(pcishim_slot_bdf(&s), PCISHIM_BDF(2, 3, 4, 0));
	assert_int_equal(parse("0002:03:04.5", 0, &s), 0);
	assert_int_equal(pcishim_slot_bdf(&s), PCISHIM_BDF(2, 3, 4, 5));
}

static void
ring_returns_records_in_order(void **state)
{
	struct pcishim_event buf[4], out;
	struct pcishim_ring rg;
	struct pcishim_event e1 = ev(PCISHIM_EV_BOUND, 1);
	struct pcishim_event e2 = ev(PCISHIM_EV_UNBOUND, 2);

	(void)state;
	pcishim_ring_init(&rg, buf, 4);
	assert_int_equal(pcishim_ring_pop(&rg, &out), -EAGAIN);
	assert_int_equal(pcishim_ring_push(&rg, &e1), 0);
	assert_int_equal(pcishim_ring_push(&rg, &e2), 0);
	assert_int_equal(pcishim_ring_pop(&rg, &out), 0);
	assert_int_equal(out.pe_type, PCISHIM_EV_BOUND);
	assert_int_equal(out.pe_seq, 1);
	assert_int_equal(pcishim_ring_pop(&rg, &out), 0);
	assert_int_equal(out.pe_type, PCISHIM_EV_UNBOUND);
	assert_int_equal(pcishim_ring_pop(&rg, &out), -EAGAIN);
}

static void
ring_wraps_around(void **state)
{
	struct pcishim_event buf[3], out, e;
	struct pcishim_ring rg;
	uint64_t seq;

	(void)state;
	pcishim_ring_init(&rg, buf, 3);
	for (seq = 1; seq <= 10; seq++) {
		e = ev(PCISHIM_EV_BOUND, seq);
		assert_int_equal(pcishim_ring_push(&rg, &e), 0);
		assert_int_equal(pcishim_ring_pop(&rg, &out), 0);
		assert_int_equal(out.pe_seq, seq);
	}
}

static void
ring_full_queues_one_overflow_then_drops(void **state)
{
	struct pcishim_event buf[3], out, e;
	struct pcishim_ring rg;

	(void)state;
	pcishim_ring_init(&rg, buf, 3);
	e = ev(PCISHIM_EV_BOUND, 1);
	assert_int_equal(pcishim_ring_push(&rg, &e), 0);
	e = ev(PCISHIM_EV_BOUND, 2);
	assert_int_equal(pcishim_ring_push(&rg, &e), 0);
	e = ev(PCISHIM_EV_BOUND, 3);
	assert_int_equal(pcishim_ring_push(&rg, &e), 1);
	e = ev(PCISHIM_EV_BOUND, 4);
	assert_int_equal(pcishim_ring_push(&rg, &e), -ENOSPC);
	assert_int_equal(rg.rg_count, 3);
	assert_int_equal(pcishim_ring_pop(&rg, &out), 0);
	assert_int_equal(out.pe_seq, 1);
	/* Room again, but the reader has not seen the overflow yet. */
	e = ev(PCISHIM_EV_BOUND, 5);
	assert_int_equal(pcishim_ring_push(&rg, &e), -ENOSPC);
	assert_int_equal(pcishim_ring_pop(&rg, &out), 0);
	assert_int_equal(out.pe_seq, 2);
	assert_int_equal(pcishim_ring_pop(&rg, &out), 0);
	assert_int_equal(out.pe_type, PCISHIM_EV_OVERFLOW);
	assert_int_equal(out.pe_seq, 3);
}

static void
ring_accepts_again_after_overflow_is_read(void **state)
{
	struct pcishim_event buf[2], out, e;
	struct pcishim_ring rg;

	(void)state;
	pcishim_ring_init(&rg, buf, 2);
	e = ev(PCISHIM_EV_BOUND, 1);
	assert_int_equal(pcishim_ring_push(&rg, &e), 0);
	e = ev(PCISHIM_EV_BOUND, 2);
	assert_int_equal(pcishim_ring_push(&rg, &e), 1);
	assert_int_equal(pcishim_ring_pop(&rg, &out), 0);
	assert_int_equal(pcishim_ring_pop(&rg, &out), 0);
	assert_int_equal(out.pe_type, PCISHIM_EV_OVERFLOW);
	e = ev(PCISHIM_EV_UNBOUND, 9);
	assert_int_equal(pcishim_ring_push(&rg, &e), 0);
	assert_int_equal(pcishim_ring_pop(&rg, &out), 0);
	assert_int_equal(out.pe_type, PCISHIM_EV_UNBOUND);
	assert_int_equal(out.pe_seq, 9);
}

static void
ring_room_says_what_the_next_push_does(void **state)
{
	struct pcishim_event buf[3], e = ev(PCISHIM_EV_AER, 1), out;
	struct pcishim_ring rg;

	(void)state;
	pcishim_ring_init(&rg, buf, 3);
	assert_true(pcishim_ring_room(&rg));
	assert_int_equal(pcishim_ring_push(&rg, &e), 0);
	assert_true(pcishim_ring_room(&rg));
	assert_int_equal(pcishim_ring_push(&rg, &e), 0);
	/* The last place is OVERFLOW's: the record would not get it. */
	assert_false(pcishim_ring_room(&rg));
	assert_int_equal(pcishim_ring_push(&rg, &e), 1);
	assert_false(pcishim_ring_room(&rg));
	assert_int_equal(pcishim_ring_pop(&rg, &out), 0);
	/* A place is free, but OVERFLOW is unread: still dropped. */
	assert_false(pcishim_ring_room(&rg));
	assert_int_equal(pcishim_ring_push(&rg, &e), -ENOSPC);
	assert_int_equal(pcishim_ring_pop(&rg, &out), 0);
	assert_int_equal(pcishim_ring_pop(&rg, &out), 0);
	assert_int_equal(out.pe_type, PCISHIM_EV_OVERFLOW);
	assert_true(pcishim_ring_room(&rg));
}

/* ---- AER ------------------------------------------------------------- */

static void
aer_result_only_linux_six(void **state)
{
	uint32_t r;

	(void)state;
	assert_int_equal(pcishim_check_aer_result(0), -EINVAL);
	for (r = PCISHIM_AER_RESULT_NONE; r <= PCISHIM_AER_RESULT_NO_AER_DRIVER;
	    r++)
		assert_int_equal(pcishim_check_aer_result(r), 0);
	assert_int_equal(pcishim_check_aer_result(7), -EINVAL);
	assert_int_equal(pcishim_check_aer_result(0xffffffffU), -EINVAL);
}

static void
aer_default_is_what_xen_pciback_answers(void **state)
{
	(void)state;
	assert_int_equal(pcishim_aer_default(PCISHIM_AER_DETECTED),
	    PCISHIM_AER_RESULT_CAN_RECOVER);
	assert_int_equal(pcishim_aer_default(PCISHIM_AER_MMIO),
	    PCISHIM_AER_RESULT_RECOVERED);
	assert_int_equal(pcishim_aer_default(PCISHIM_AER_SLOT_RESET),
	    PCISHIM_AER_RESULT_RECOVERED);
	assert_int_equal(pcishim_aer_default(PCISHIM_AER_RESUME),
	    PCISHIM_AER_RESULT_RECOVERED);
}

static void
aer_waits_only_for_a_guest_device_someone_heard_of(void **state)
{
	(void)state;
	assert_int_equal(pcishim_aer_evflags(7, 1), PCISHIM_EVF_REPLY);
	assert_int_equal(pcishim_aer_evflags(7, 0), 0);
	assert_int_equal(pcishim_aer_evflags(PCISHIM_DOMID_NONE, 1), 0);
	assert_int_equal(pcishim_aer_evflags(PCISHIM_DOMID_NONE, 0), 0);
}

static void
ioctl_directions_and_sizes_match_the_structs(void **state)
{
	(void)state;
	assert_int_equal(_IOC_DIR(PCISHIM_IOC_VERSION), _IOC_READ);
	assert_int_equal(_IOC_NR(PCISHIM_IOC_VERSION), 0);
	assert_int_equal(_IOC_DIR(PCISHIM_IOC_LIST), _IOC_READ | _IOC_WRITE);
	assert_int_equal(_IOC_DIR(PCISHIM_IOC_INFO), _IOC_READ | _IOC_WRITE);
	assert_int_equal(_IOC_DIR(PCISHIM_IOC_CFG_READ),
	    _IOC_READ | _IOC_WRITE);
	assert_int_equal(_IOC_DIR(PCISHIM_IOC_CFG_WRITE), _IOC_WRITE);
	assert_int_equal(_IOC_DIR(PCISHIM_IOC_RESET), _IOC_READ | _IOC_WRITE);
	assert_int_equal(_IOC_DIR(PCISHIM_IOC_ASSIGN), _IOC_WRITE);
	assert_int_equal(_IOC_DIR(PCISHIM_IOC_RELEASE),
	    _IOC_READ | _IOC_WRITE);
	assert_int_equal(_IOC_DIR(PCISHIM_IOC_ENABLE), _IOC_WRITE);
	assert_int_equal(_IOC_DIR(PCISHIM_IOC_DISABLE), _IOC_WRITE);
	assert_int_equal(_IOC_DIR(PCISHIM_IOC_MSI_ENABLE),
	    _IOC_READ | _IOC_WRITE);
	assert_int_equal(_IOC_DIR(PCISHIM_IOC_MSI_DISABLE), _IOC_WRITE);
	assert_int_equal(_IOC_DIR(PCISHIM_IOC_MSIX_ENABLE), _IOC_WRITE);
	assert_int_equal(_IOC_DIR(PCISHIM_IOC_MSIX_DISABLE), _IOC_WRITE);
	assert_int_equal(_IOC_DIR(PCISHIM_IOC_RESTRICT), _IOC_WRITE);
	assert_int_equal(_IOC_SIZE(PCISHIM_IOC_RESTRICT),
	    sizeof(struct pcishim_restrict));
	assert_int_equal(_IOC_SIZE(PCISHIM_IOC_VERSION),
	    sizeof(struct pcishim_version));
	assert_int_equal(_IOC_SIZE(PCISHIM_IOC_INFO),
	    sizeof(struct pcishim_info));
	assert_int_equal(_IOC_SIZE(PCISHIM_IOC_MSIX_ENABLE),
	    sizeof(struct pcishim_msix));
	assert_int_equal(_IOC_TYPE(PCISHIM_IOC_CFG_READ), PCISHIM_IOC_MAGIC);
	assert_int_equal(_IOC_DIR(PCISHIM_IOC_AER_REPLY), _IOC_WRITE);
	assert_int_equal(_IOC_NR(PCISHIM_IOC_AER_REPLY), 17);
	assert_int_equal(_IOC_SIZE(PCISHIM_IOC_AER_REPLY),
	    sizeof(struct pcishim_aer_reply));
}

static void
ioctl_numbers_are_distinct(void **state)
{
	static const unsigned long cmds[] = {
		PCISHIM_IOC_VERSION, PCISHIM_IOC_LIST, PCISHIM_IOC_INFO,
		PCISHIM_IOC_CFG_READ, PCISHIM_IOC_CFG_WRITE, PCISHIM_IOC_RESET,
		PCISHIM_IOC_ASSIGN, PCISHIM_IOC_RELEASE, PCISHIM_IOC_ENABLE,
		PCISHIM_IOC_DISABLE, PCISHIM_IOC_MSI_ENABLE,
		PCISHIM_IOC_MSI_DISABLE, PCISHIM_IOC_MSIX_ENABLE,
		PCISHIM_IOC_MSIX_DISABLE, PCISHIM_IOC_RESTRICT,
		PCISHIM_IOC_RESET_BUS, PCISHIM_IOC_CFG_MAP,
		PCISHIM_IOC_AER_REPLY,
	};
	size_t i, j, n = sizeof(cmds) / sizeof(cmds[0]);

	(void)state;
	/* The module matches numbers with the size masked out. */
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			assert_int_not_equal(_IOC_NR(cmds[i]),
			    _IOC_NR(cmds[j]));
}

static void
event_record_is_fixed_and_8_aligned(void **state)
{
	struct pcishim_version v;

	(void)state;
	assert_int_equal(sizeof(struct pcishim_event), 32);
	assert_int_equal(sizeof(struct pcishim_event) % 8, 0);
	assert_int_equal(offsetof(struct pcishim_event, pe_seq) % 8, 0);
	assert_int_equal(sizeof(v), 8);
	assert_int_equal(sizeof(struct pcishim_info) % 8, 0);
	assert_int_equal(offsetof(struct pcishim_info, pi_bar) % 8, 0);
	assert_int_equal(sizeof(((struct pcishim_info *)0)->pi_bar) /
	    sizeof(struct pcishim_bar), PCISHIM_NBARS);
}


/* ---- RESTRICT and the floor ------------------------------------------ */

static void
restrict_is_one_way_and_needs_a_guest(void **state)
{
	(void)state;
	assert_int_equal(pcishim_check_restrict(PCISHIM_DOMID_NONE, 7), 0);
	assert_int_equal(pcishim_check_restrict(PCISHIM_DOMID_NONE,
	    PCISHIM_DOMID_MAX), 0);
	assert_int_equal(pcishim_check_restrict(7, 7), -EPERM);
	assert_int_equal(pcishim_check_restrict(7, 8), -EPERM);
	assert_int_equal(pcishim_check_restrict(PCISHIM_DOMID_NONE, 0),
	    -EINVAL);
	assert_int_equal(pcishim_check_restrict(PCISHIM_DOMID_NONE,
	    PCISHIM_DOMID_MAX + 1), -EINVAL);
	assert_int_equal(pcishim_check_restrict(PCISHIM_DOMID_NONE,
	    PCISHIM_DOMID_NONE), -EINVAL);
}

static void
restricted_file_reaches_only_its_domain(void **state)
{
	(void)state;
	assert_int_equal(pcishim_check_owner(PCISHIM_DOMID_NONE, 3), 0);
	assert_int_equal(pcishim_check_owner(PCISHIM_DOMID_NONE,
	    PCISHIM_DOMID_NONE), 0);
	assert_int_equal(pcishim_check_owner(3, 3), 0);
	assert_int_equal(pcishim_check_owner(3, 4), -EPERM);
	assert_int_equal(pcishim_check_owner(3, PCISHIM_DOMID_NONE), -EPERM);
}

static void
restricted_file_calls_only_what_a_worker_needs(void **state)
{
	static const unsigned long ok[] = {
		PCISHIM_IOC_VERSION, PCISHIM_IOC_LIST, PCISHIM_IOC_INFO,
		PCISHIM_IOC_CFG_READ, PCISHIM_IOC_CFG_WRITE,
		PCISHIM_IOC_MSI_ENABLE, PCISHIM_IOC_MSI_DISABLE,
		PCISHIM_IOC_MSIX_ENABLE, PCISHIM_IOC_MSIX_DISABLE,
		PCISHIM_IOC_CFG_MAP,
	};
	static const unsigned long no[] = {
		PCISHIM_IOC_RESET, PCISHIM_IOC_ASSIGN, PCISHIM_IOC_RELEASE,
		PCISHIM_IOC_ENABLE, PCISHIM_IOC_DISABLE, PCISHIM_IOC_RESTRICT,
		PCISHIM_IOC_RESET_BUS, PCISHIM_IOC_AER_REPLY,
		_IOW(PCISHIM_IOC_MAGIC, 17, struct pcishim_devop),
		_IOW(PCISHIM_IOC_MAGIC, 18, struct pcishim_devop), 0,
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_int_equal(pcishim_check_restricted_ioc(ok[i]), 0);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_int_equal(pcishim_check_restricted_ioc(no[i]), -EPERM);
}

static void
command_write_with_decode_enables(void **state)
{
	(void)state;
	assert_true(pcishim_cmd_enables(0x04, 0x0002));
	assert_true(pcishim_cmd_enables(0x04, 0x0001));
	assert_true(pcishim_cmd_enables(0x04, 0x00100007));
	assert_false(pcishim_cmd_enables(0x04, 0x0004));
	assert_false(pcishim_cmd_enables(0x06, 0x0003));
	assert_false(pcishim_cmd_enables(0x00, 0x0003));
}

/* A config space for the floor's walk, and its read callback. */
struct fakecfg {
	uint8_t		fc_b[PCISHIM_CFG_SIZE_EXP];
	uint32_t	fc_size;
	int		fc_fail_at;	/* offset whose read fails, or -1 */
	unsigned int	fc_reads;
};

static void
fc_put(struct fakecfg *fc, uint32_t off, uint32_t size, uint32_t v)
{
	uint32_t i;

	for (i = 0; i < size; i++)
		fc->fc_b[off + i] = (uint8_t)(v >> (8 * i));
}

static uint32_t
fc_get(const struct fakecfg *fc, uint32_t off, uint32_t size)
{
	uint32_t i, v = 0;

	for (i = 0; i < size; i++)
		v |= (uint32_t)fc->fc_b[off + i] << (8 * i);
	return v;
}

static int
fc_read(void *arg, uint32_t off, uint32_t size, uint32_t *val)
{
	struct fakecfg *fc = arg;

	fc->fc_reads++;
	if (pcishim_check_cfg(off, size, fc->fc_size) != 0 ||
	    (int)off == fc->fc_fail_at)
		return -EIO;
	*val = fc_get(fc, off, size);
	return 0;
}

/* An empty function of header type hdr, no capabilities. */
static void
fc_init(struct fakecfg *fc, uint8_t hdr, uint32_t size)
{
	memset(fc, 0, sizeof(*fc));
	fc->fc_size = size;
	fc->fc_fail_at = -1;
	fc_put(fc, 0x00, 4, 0x12348086);
	fc_put(fc, 0x04, 2, 0x0007);
	fc->fc_b[0x0e] = hdr;
}

/* Link a standard capability of id at off after the list's last one. */
static void
fc_cap(struct fakecfg *fc, uint8_t id, uint32_t off)
{
	uint32_t p;

	fc->fc_b[0x06] |= 0x10;
	if (fc->fc_b[0x34] == 0) {
		fc->fc_b[0x34] = (uint8_t)off;
	} else {
		for (p = fc->fc_b[0x34]; fc->fc_b[p + 1] != 0;
		    p = fc->fc_b[p + 1])
			;
		fc->fc_b[p + 1] = (uint8_t)off;
	}
	fc->fc_b[off] = id;
	fc->fc_b[off + 1] = 0;
}

/* An extended capability header: id, version 1, next. */
static void
fc_ecap(struct fakecfg *fc, uint16_t id, uint32_t off, uint32_t next)
{
	fc_put(fc, off, 4, next << 20 | 1U << 16 | id);
}

static void
fc_floor(struct fakecfg *fc, struct pcishim_floor *fl)
{
	static const uint64_t nores[PCISHIM_NBARS];

	assert_int_equal(pcishim_floor_build(fl, fc->fc_size, nores, fc_read,
	    fc), 0);
}

/* The floor's verdict on a write of val over what fc holds now. */
static int
fc_check(const struct fakecfg *fc, const struct pcishim_floor *fl,
    uint32_t off, uint32_t size, uint32_t val, int intctl)
{
	return pcishim_floor_check(fl, off, size, val, fc_get(fc, off, size),
	    intctl);
}

static void
floor_bars_only_sized_or_restored(void **state)
{
	static const uint64_t res[PCISHIM_NBARS] = {
		0xfe000000, 0xc000, 0x800000000ULL, 0, 0, 0, 0xfd000000,
	};
	struct pcishim_floor fl;
	struct fakecfg fc;

	(void)state;
	fc_init(&fc, 0, PCISHIM_CFG_SIZE);
	fc_put(&fc, 0x10, 4, 0xfe000000);	/* BAR0: 32-bit memory */
	fc_put(&fc, 0x14, 4, 0x0000c001);	/* BAR1: I/O */
	fc_put(&fc, 0x18, 4, 0x0000000c);	/* BAR2/3: 64-bit prefetch, */
	fc_put(&fc, 0x1c, 4, 0x00000000);	/* not yet placed in hw */
	fc_put(&fc, 0x30, 4, 0xfd000000);	/* ROM, disabled */
	assert_int_equal(pcishim_floor_build(&fl, fc.fc_size, res, fc_read,
	    &fc), 0);
	/* Sizing, whatever the read-only type bits say. */
	assert_int_equal(fc_check(&fc, &fl, 0x10, 4, 0xffffffff, 0), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x10, 4, 0xfffffff0, 0), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x14, 4, 0xfffffffc, 0), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x1c, 4, 0xffffffff, 0), 0);
	/* Restoring: the register at ASSIGN, or dom0's address for it. */
	assert_int_equal(fc_check(&fc, &fl, 0x10, 4, 0xfe000000, 0), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x14, 4, 0x0000c001, 0), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x18, 4, 0x0000000c, 0), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x1c, 4, 0x00000008, 0), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x1c, 4, 0x00000000, 0), 0);
	/* Anything else moves the BAR. */
	assert_int_equal(fc_check(&fc, &fl, 0x10, 4, 0xfe001000, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x10, 4, 0x00000000, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x14, 4, 0x0000d001, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x1c, 4, 0x00000001, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x1c, 4, 0xfffffff0, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x20, 4, 0x12345000, 0), -EPERM);
	/* Whole registers only. */
	assert_int_equal(fc_check(&fc, &fl, 0x10, 2, 0xffff, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x12, 2, 0xfe00, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x27, 1, 0xff, 0), -EPERM);
	/* ROM: address sized or restored, the enable bit left alone. */
	assert_int_equal(fc_check(&fc, &fl, 0x30, 4, 0xfffff800, 0), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x30, 4, 0xfd000000, 0), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x30, 4, 0xfffff801, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x30, 4, 0xfd000001, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x30, 4, 0xfc000000, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x30, 2, 0xf800, 0), -EPERM);
	fc_put(&fc, 0x30, 4, 0xfd000001);	/* enabled meanwhile */
	assert_int_equal(fc_check(&fc, &fl, 0x30, 4, 0xfd000001, 0), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x30, 4, 0xfd000000, 0), -EPERM);
	/* The header around them is free. */
	assert_int_equal(fc_check(&fc, &fl, 0x0c, 4, 0x00000010, 0), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x2c, 4, 0x11112222, 0), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x3c, 2, 0x010b, 0), 0);
}

static void
floor_never_turns_decoding_off(void **state)
{
	struct pcishim_floor fl;
	struct fakecfg fc;

	(void)state;
	fc_init(&fc, 0, PCISHIM_CFG_SIZE);
	fc_put(&fc, 0x04, 2, 0x0002);
	fc_floor(&fc, &fl);
	assert_true(pcishim_floor_needs_cur(&fl, 0x04, 2));
	assert_true(pcishim_floor_needs_cur(&fl, 0x04, 1));
	assert_false(pcishim_floor_needs_cur(&fl, 0x05, 1));
	assert_false(pcishim_floor_needs_cur(&fl, 0x06, 2));
	assert_int_equal(fc_check(&fc, &fl, 0x04, 2, 0x0006, 0), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x04, 2, 0x0407, 0), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x04, 4, 0xf9000002, 0), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x04, 2, 0x0004, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x04, 1, 0x01, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x04, 4, 0x00000000, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x05, 1, 0x00, 0), 0);
	/* Decoding off already: nothing to protect yet. */
	fc_put(&fc, 0x04, 2, 0x0000);
	assert_int_equal(fc_check(&fc, &fl, 0x04, 2, 0x0000, 0), 0);
}

static void
floor_msi_body_never_written(void **state)
{
	static const struct { uint16_t ctl; uint32_t len; } kinds[] = {
		{ 0x0000, 0x0c }, { 0x0080, 0x10 }, { 0x0100, 0x14 },
		{ 0x0180, 0x18 },
	};
	struct pcishim_floor fl;
	struct fakecfg fc;
	uint32_t off;
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		fc_init(&fc, 0, PCISHIM_CFG_SIZE);
		fc_cap(&fc, 0x05, 0x50);
		fc_put(&fc, 0x52, 2, kinds[k].ctl);
		/* PM right after the MSI capability: its PMCSR is free. */
		fc_cap(&fc, 0x01, 0x50 + kinds[k].len);
		fc_floor(&fc, &fl);
		for (off = 0x50; off < 0x50 + kinds[k].len; off++) {
			if (off == 0x52 || off == 0x53)
				continue;
			assert_int_equal(fc_check(&fc, &fl, off, 1,
			    fc.fc_b[off], 0), -EPERM);
		}
		assert_int_equal(fc_check(&fc, &fl, 0x50 + kinds[k].len + 4, 2,
		    0x0003, 0), 0);
		/* The control word: nothing changes, unless intctl. */
		assert_int_equal(fc_check(&fc, &fl, 0x52, 2, kinds[k].ctl, 0),
		    0);
		assert_int_equal(fc_check(&fc, &fl, 0x52, 2,
		    kinds[k].ctl | 1, 0), -EPERM);
		assert_int_equal(fc_check(&fc, &fl, 0x52, 2,
		    kinds[k].ctl | 1, 1), 0);
		assert_int_equal(fc_check(&fc, &fl, 0x52, 2,
		    kinds[k].ctl | 0x10, 1), -EPERM);
		assert_int_equal(fc_check(&fc, &fl, 0x50, 4,
		    (uint32_t)kinds[k].ctl << 16 | fc_get(&fc, 0x50, 2), 0),
		    -EPERM);
		assert_true(pcishim_floor_needs_cur(&fl, 0x53, 1));
	}
}

static void
floor_msix_only_the_allowed_control_bits(void **state)
{
	struct pcishim_floor fl;
	struct fakecfg fc;

	(void)state;
	fc_init(&fc, 0, PCISHIM_CFG_SIZE);
	fc_cap(&fc, 0x11, 0x70);
	fc_put(&fc, 0x72, 2, 0x0007);
	fc_put(&fc, 0x74, 4, 0x00002000);
	fc_put(&fc, 0x78, 4, 0x00003000);
	fc_cap(&fc, 0x01, 0x7c);
	fc_floor(&fc, &fl);
	assert_int_equal(fc_check(&fc, &fl, 0x74, 4, 0x00002000, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x78, 4, 0x00004000, 1), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x7b, 1, 0x00, 1), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x72, 2, 0x0007, 0), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x72, 2, 0x8007, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x73, 1, 0x40, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x72, 2, 0xc007, 1), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x73, 1, 0x80, 1), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x72, 2, 0x8003, 1), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x7e, 2, 0x0000, 0), 0);
}

static void
floor_bridge_windows_and_control_never_written(void **state)
{
	struct pcishim_floor fl;
	struct fakecfg fc;
	uint32_t off;

	(void)state;
	fc_init(&fc, 0x81, PCISHIM_CFG_SIZE);	/* type 1, multi-function */
	fc_put(&fc, 0x10, 4, 0xfe000000);
	fc_put(&fc, 0x38, 4, 0xfd000000);
	fc_floor(&fc, &fl);
	assert_int_equal(fl.fl_hdrtype, 1);
	for (off = 0x18; off < 0x40; off++) {
		int never = (off >= 0x18 && off <= 0x1d) ||
		    (off >= 0x20 && off <= 0x33) || off >= 0x3e;

		if (off >= 0x38 && off < 0x3c)
			continue;	/* the ROM */
		assert_int_equal(fc_check(&fc, &fl, off, 1, 0, 0),
		    never ? -EPERM : 0);
	}
	assert_int_equal(fc_check(&fc, &fl, 0x18, 4, 0x00010100, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x10, 4, 0xffffffff, 0), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x14, 4, 0xffffffff, 0), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x14, 4, 0x12345000, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x38, 4, 0xfffff800, 0), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x38, 4, 0xfc000000, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x1e, 2, 0xffff, 0), 0);
	/* A CardBus bridge: its whole header past the IDs. */
	fc_init(&fc, 0x02, PCISHIM_CFG_SIZE);
	fc_floor(&fc, &fl);
	assert_int_equal(fc_check(&fc, &fl, 0x10, 4, 0xffffffff, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x30, 4, 0, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x3e, 2, 0, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x3c, 1, 0x0b, 0), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x04, 2, 0x0007, 0), 0);
}

static void
floor_extended_capabilities_of_bug_9(void **state)
{
	struct pcishim_floor fl;
	struct fakecfg fc;
	uint32_t off;

	(void)state;
	fc_init(&fc, 0, PCISHIM_CFG_SIZE_EXP);
	/* ACS with a 64-bit egress vector at 0x100, then ATS, SR-IOV... */
	fc_ecap(&fc, 0x000d, 0x100, 0x120);
	fc_put(&fc, 0x104, 2, 0x4020);
	fc_ecap(&fc, 0x000f, 0x120, 0x130);
	fc_ecap(&fc, 0x0010, 0x130, 0x180);
	/* ...a Resizable BAR with three BARs, and ACS without egress. */
	fc_ecap(&fc, 0x0015, 0x180, 0x1a0);
	fc_put(&fc, 0x188, 4, 3U << 5);
	fc_ecap(&fc, 0x000d, 0x1a0, 0x1a8);
	fc_ecap(&fc, 0x0001, 0x1a8, 0);
	fc_floor(&fc, &fl);
	assert_false(fl.fl_full);
	assert_int_equal(fc_check(&fc, &fl, 0x104, 2, 0x4020, 0), 0);
	for (off = 0x106; off < 0x110; off++)
		assert_int_equal(fc_check(&fc, &fl, off, 1, 0, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x110, 4, 0, 0), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x126, 2, 0x8000, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x124, 2, 0, 0), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x138, 2, 1, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x13a, 2, 0, 0), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x140, 2, 4, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x150, 4, 1, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x168, 4, 0, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x16c, 4, 0, 0), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x188, 4, 0x100, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x190, 4, 0x100, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x198, 4, 0x100, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x18c, 4, 0, 0), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x1a0, 4, 0, 0), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x1a6, 2, 0, 0), -EPERM);
	/* The next capability starts right after: not ACS's. */
	assert_int_equal(fc_check(&fc, &fl, 0x1a8 + 8, 4, 0, 0), 0);
	/* A 256-byte function has no extended list to walk. */
	fc.fc_size = PCISHIM_CFG_SIZE;
	fc_floor(&fc, &fl);
	assert_int_equal(fl.fl_nranges, 0);
}

static void
floor_walks_end_on_loops_and_fail_closed(void **state)
{
	struct pcishim_floor fl;
	struct fakecfg fc;
	uint32_t off;

	(void)state;
	/* A standard list that points at itself. */
	fc_init(&fc, 0, PCISHIM_CFG_SIZE);
	fc_cap(&fc, 0x05, 0x50);
	fc.fc_b[0x51] = 0x50;
	fc_floor(&fc, &fl);
	assert_int_equal(fc_check(&fc, &fl, 0x54, 4, 0, 0), -EPERM);
	/* An extended list that loops. */
	fc_init(&fc, 0, PCISHIM_CFG_SIZE_EXP);
	fc_ecap(&fc, 0x000f, 0x100, 0x200);
	fc_ecap(&fc, 0x000f, 0x200, 0x100);
	fc_floor(&fc, &fl);
	assert_int_equal(fl.fl_nranges, 2);
	assert_false(fl.fl_full);
	/* More capabilities than it keeps: everything past 0x40 refused. */
	fc_init(&fc, 0, PCISHIM_CFG_SIZE_EXP);
	for (off = 0x100; off < 0x100 + 70 * 0x10; off += 0x10)
		fc_ecap(&fc, 0x000f, off, off + 0x10 < 0x100 + 70 * 0x10 ?
		    off + 0x10 : 0);
	fc_floor(&fc, &fl);
	assert_true(fl.fl_full);
	assert_int_equal(fc_check(&fc, &fl, 0x40, 4, 0, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0xffc, 4, 0, 0), -EPERM);
	assert_int_equal(fc_check(&fc, &fl, 0x04, 2, 0x0007, 0), 0);
	assert_int_equal(fc_check(&fc, &fl, 0x3c, 1, 0, 0), 0);
	/* A read that fails fails the build (ASSIGN then fails). */
	fc_init(&fc, 0, PCISHIM_CFG_SIZE);
	fc_cap(&fc, 0x05, 0x50);
	fc.fc_fail_at = 0x52;
	assert_int_equal(pcishim_floor_build(&fl, fc.fc_size,
	    (const uint64_t[PCISHIM_NBARS]){ 0 }, fc_read, &fc), -EIO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(argsz_below_minsz_is_rejected),
		cmocka_unit_test(argsz_at_or_above_minsz_is_accepted),
		cmocka_unit_test(copyout_len_is_the_smaller_size),
		cmocka_unit_test(unknown_flags_are_rejected),
		cmocka_unit_test(cfg_sizes_other_than_1_2_4_are_rejected),
		cmocka_unit_test(cfg_misaligned_access_is_rejected),
		cmocka_unit_test(cfg_last_bytes_of_config_space_are_accepted),
		cmocka_unit_test(cfg_past_config_space_is_erange),
		cmocka_unit_test(domid_zero_and_reserved_are_rejected),
		cmocka_unit_test(reset_of_an_assigned_device_is_ebusy),
		cmocka_unit_test(override_stays_while_listed_or_assigned),
		cmocka_unit_test(msix_nvec_outside_1_to_2048_is_rejected),
		cmocka_unit_test(msix_entry_that_would_truncate_is_rejected),
		cmocka_unit_test(slot_full_form_parses),
		cmocka_unit_test(slot_short_form_means_segment_0),
		cmocka_unit_test(slot_libxl_format_with_newline_parses),
		cmocka_unit_test(slot_wildcard_only_where_allowed),
		cmocka_unit_test(slot_fields_out_of_range_are_rejected),
		cmocka_unit_test(slot_malformed_text_is_rejected),
		cmocka_unit_test(slot_parse_stops_at_len),
		cmocka_unit_test(hide_list_parses_every_form),
		cmocka_unit_test(hide_list_empty_or_unset_holds_nothing),
		cmocka_unit_test(hide_list_allows_white_space_between_entries),
		cmocka_unit_test(hide_list_syntax_error_calls_back_nothing),
		cmocka_unit_test(hide_list_callback_error_is_returned),
		cmocka_unit_test(slot_matches_its_function_or_any_with_wildcard),
		cmocka_unit_test(slot_equality_includes_the_wildcard),
		cmocka_unit_test(bdf_packing_round_trips),
		cmocka_unit_test(ring_returns_records_in_order),
		cmocka_unit_test(ring_wraps_around),
		cmocka_unit_test(ring_full_queues_one_overflow_then_drops),
		cmocka_unit_test(ring_accepts_again_after_overflow_is_read),
		cmocka_unit_test(ring_room_says_what_the_next_push_does),
		cmocka_unit_test(aer_result_only_linux_six),
		cmocka_unit_test(aer_default_is_what_xen_pciback_answers),
		cmocka_unit_test(aer_waits_only_for_a_guest_device_someone_heard_of),
		cmocka_unit_test(ioctl_directions_and_sizes_match_the_structs),
		cmocka_unit_test(ioctl_numbers_are_distinct),
		cmocka_unit_test(event_record_is_fixed_and_8_aligned),
		cmocka_unit_test(restrict_is_one_way_and_needs_a_guest),
		cmocka_unit_test(restricted_file_reaches_only_its_domain),
		cmocka_unit_test(restricted_file_calls_only_what_a_worker_needs),
		cmocka_unit_test(command_write_with_decode_enables),
		cmocka_unit_test(floor_bars_only_sized_or_restored),
		cmocka_unit_test(floor_never_turns_decoding_off),
		cmocka_unit_test(floor_msi_body_never_written),
		cmocka_unit_test(floor_msix_only_the_allowed_control_bits),
		cmocka_unit_test(floor_bridge_windows_and_control_never_written),
		cmocka_unit_test(floor_extended_capabilities_of_bug_9),
		cmocka_unit_test(floor_walks_end_on_loops_and_fail_closed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
