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

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "topo.h"

static struct bdf
mk(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn)
{
	struct bdf	b;

	b.b_seg = seg;
	b.b_bus = bus;
	b.b_dev = dev;
	b.b_fn = fn;
	return b;
}

/* Add a device that must fit; returns its guest address. */
static struct bdf
add_ok(struct topo *t, struct bdf host, unsigned int flags)
{
	struct topo_devinfo	 info = { flags, 0, 0 };
	struct bdf		 guest;
	char			*cause = NULL;

	memset(&guest, 0xee, sizeof(guest));
	if (topo_add(t, &host, &info, NULL, &guest, &cause) != 0)
		fail_msg("topo_add: %s", cause != NULL ? cause : "?");
	assert_null(cause);
	return guest;
}

static void
add_bridge(struct topo *t, struct bdf host, uint8_t sec, uint8_t sub)
{
	struct topo_devinfo	info = { TOPO_F_BRIDGE, sec, sub };

	assert_int_equal(topo_add(t, &host, &info, NULL, NULL, NULL), 0);
}

static void
assert_guest(struct bdf g, unsigned int slot, unsigned int fn)
{
	assert_int_equal(g.b_seg, 0);
	assert_int_equal(g.b_bus, 0);
	assert_int_equal(g.b_dev, slot);
	assert_int_equal(g.b_fn, fn);
}

static void
test_topo_init_rejects_unknown_mode(void **state)
{
	struct topo	t;

	(void)state;
	assert_int_equal(topo_init(&t, 2), -1);
	assert_int_equal(topo_init(&t, -1), -1);
	assert_int_equal(topo_init(&t, TOPO_VIRTUAL), 0);
	assert_int_equal(topo_count(&t), 0);
}

static void
test_vpci_keeps_function_number(void **state)
{
	struct topo	t;

	(void)state;
	topo_init(&t, TOPO_VIRTUAL);
	assert_guest(add_ok(&t, mk(0, 3, 4, 2), 0), 0, 2);
	assert_guest(add_ok(&t, mk(1, 7, 9, 5), 0), 1, 5);
}

static void
test_vpci_multifunction_shares_slot(void **state)
{
	struct topo	t;

	(void)state;
	topo_init(&t, TOPO_VIRTUAL);
	assert_guest(add_ok(&t, mk(0, 3, 0, 0), 0), 0, 0);
	assert_guest(add_ok(&t, mk(0, 4, 0, 0), 0), 1, 0);
	assert_guest(add_ok(&t, mk(0, 3, 0, 1), 0), 0, 1);
	assert_guest(add_ok(&t, mk(0, 4, 0, 3), 0), 1, 3);
	/* Same bus and slot number on another segment: a different slot. */
	assert_guest(add_ok(&t, mk(1, 3, 0, 2), 0), 2, 2);
}

static void
test_vpci_vf_fn0_gets_own_slot(void **state)
{
	struct topo	t;

	(void)state;
	topo_init(&t, TOPO_VIRTUAL);
	assert_guest(add_ok(&t, mk(0, 6, 16, 1), TOPO_F_VF), 0, 1);
	/* A VF at function 0 would hide slot 0's other functions. */
	assert_guest(add_ok(&t, mk(0, 6, 16, 0), TOPO_F_VF), 1, 0);
}

static void
test_vpci_vf_fn0_slot_not_joined(void **state)
{
	struct topo	t;

	(void)state;
	topo_init(&t, TOPO_VIRTUAL);
	assert_guest(add_ok(&t, mk(0, 6, 16, 0), TOPO_F_VF), 0, 0);
	assert_guest(add_ok(&t, mk(0, 6, 16, 2), TOPO_F_VF), 1, 2);
	/* Slot 1 is headed by a VF at function 2: that may be joined. */
	assert_guest(add_ok(&t, mk(0, 6, 16, 3), 0), 1, 3);
}

static void
test_vpci_vf_nonzero_function_joins_slot(void **state)
{
	struct topo	t;

	(void)state;
	topo_init(&t, TOPO_VIRTUAL);
	assert_guest(add_ok(&t, mk(0, 2, 0, 0), 0), 0, 0);
	assert_guest(add_ok(&t, mk(0, 2, 0, 4), TOPO_F_VF), 0, 4);
}

static void
test_vpci_freed_slot_is_reused(void **state)
{
	struct topo	t;
	struct bdf	b = mk(0, 4, 0, 0);
	void		*user = &t;

	(void)state;
	topo_init(&t, TOPO_VIRTUAL);
	add_ok(&t, mk(0, 3, 0, 0), 0);
	add_ok(&t, b, 0);
	add_ok(&t, mk(0, 5, 0, 0), 0);
	assert_int_equal(topo_remove(&t, &b, &user), 0);
	assert_null(user);
	assert_guest(add_ok(&t, mk(0, 9, 1, 0), 0), 1, 0);
	assert_guest(add_ok(&t, mk(0, 9, 2, 0), 0), 3, 0);
}

static void
test_vpci_slot_survives_head_removal(void **state)
{
	struct topo	t;
	struct bdf	head = mk(0, 3, 0, 0);

	(void)state;
	topo_init(&t, TOPO_VIRTUAL);
	add_ok(&t, head, 0);
	add_ok(&t, mk(0, 3, 0, 1), 0);
	assert_int_equal(topo_remove(&t, &head, NULL), 0);
	/* 03:00.1 still holds slot 0; its sibling goes there too. */
	assert_guest(add_ok(&t, mk(0, 3, 0, 2), 0), 0, 2);
	assert_guest(add_ok(&t, mk(0, 4, 0, 0), 0), 1, 0);
}

static void
test_vpci_exhaustion_at_32(void **state)
{
	struct topo	 t;
	struct bdf	 b = mk(0, 0x40, 0, 0);
	struct bdf	 guest;
	char		*cause = NULL;
	unsigned int	 i;

	(void)state;
	topo_init(&t, TOPO_VIRTUAL);
	for (i = 0; i < TOPO_SLOTS; i++)
		assert_guest(add_ok(&t, mk(0, 0x10, (uint8_t)i, 0), 0), i, 0);
	assert_int_equal(topo_add(&t, &b, NULL, NULL, &guest, &cause), -1);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "no more space"));
	assert_non_null(strstr(cause, "0000:40:00.0"));
	free(cause);
	assert_int_equal(topo_count(&t), TOPO_SLOTS);
	/* Another function of an exported slot still fits. */
	assert_guest(add_ok(&t, mk(0, 0x10, 31, 7), 0), 31, 7);
}

static void
test_topo_add_twice_fails(void **state)
{
	struct topo	 t;
	struct bdf	 b = mk(0, 3, 0, 0);
	char		*cause = NULL;
	int		 mode;

	(void)state;
	for (mode = TOPO_VIRTUAL; mode <= TOPO_PASSTHROUGH; mode++) {
		topo_init(&t, mode);
		add_ok(&t, b, 0);
		assert_int_equal(topo_add(&t, &b, NULL, NULL, NULL, &cause),
		    -1);
		assert_non_null(cause);
		assert_non_null(strstr(cause, "already"));
		free(cause);
		cause = NULL;
		assert_int_equal(topo_count(&t), 1);
	}
}

static void
test_topo_add_rejects_bad_host_address(void **state)
{
	struct topo	 t;
	struct bdf	 b = mk(0, 3, 32, 0);
	char		*cause = NULL;

	(void)state;
	topo_init(&t, TOPO_VIRTUAL);
	assert_int_equal(topo_add(&t, &b, NULL, NULL, NULL, &cause), -1);
	free(cause);
	b = mk(0, 3, 0, 8);
	assert_int_equal(topo_add(&t, &b, NULL, NULL, NULL, NULL), -1);
	assert_int_equal(topo_count(&t), 0);
}

static void
test_topo_remove_unknown_fails(void **state)
{
	struct topo	t;
	struct bdf	b = mk(0, 3, 0, 0), other = mk(0, 3, 0, 1);

	(void)state;
	topo_init(&t, TOPO_VIRTUAL);
	assert_int_equal(topo_remove(&t, &b, NULL), -1);
	add_ok(&t, b, 0);
	assert_int_equal(topo_remove(&t, &other, NULL), -1);
	assert_int_equal(topo_count(&t), 1);
}

static void
test_topo_remove_returns_user_pointer(void **state)
{
	struct topo	 t;
	struct bdf	 b = mk(0, 3, 0, 0);
	int		 mine;
	void		*user = NULL;

	(void)state;
	topo_init(&t, TOPO_VIRTUAL);
	assert_int_equal(topo_add(&t, &b, NULL, &mine, NULL, NULL), 0);
	assert_ptr_equal(topo_find_host(&t, &b)->te_user, &mine);
	assert_int_equal(topo_remove(&t, &b, &user), 0);
	assert_ptr_equal(user, &mine);
	assert_null(topo_find_host(&t, &b));
}

static void
test_vpci_find_guest(void **state)
{
	struct topo		 t;
	struct topo_entry	*e;

	(void)state;
	topo_init(&t, TOPO_VIRTUAL);
	add_ok(&t, mk(0, 3, 0, 0), 0);
	add_ok(&t, mk(0, 5, 2, 1), 0);
	e = topo_find_guest(&t, 0, 0, (1 << 3) | 1);
	assert_non_null(e);
	assert_int_equal(e->te_host.b_bus, 5);
	assert_int_equal(e->te_host.b_dev, 2);
	/* The host address means nothing to a vpci guest. */
	assert_null(topo_find_guest(&t, 0, 5, (2 << 3) | 1));
	assert_null(topo_find_guest(&t, 0, 0, (1 << 3) | 0));
	assert_null(topo_find_guest(&t, 0, 0, (2 << 3) | 0));
}

static void
test_find_guest_rejects_devfn_over_0xff(void **state)
{
	struct topo	t;

	(void)state;
	topo_init(&t, TOPO_VIRTUAL);
	add_ok(&t, mk(0, 3, 0, 0), 0);
	assert_non_null(topo_find_guest(&t, 0, 0, 0));
	/* Linux masks these onto 00:00.0; we must not. */
	assert_null(topo_find_guest(&t, 0, 0, 0x100));
	assert_null(topo_find_guest(&t, 0, 0, 0xffffff00));
	assert_null(topo_find_guest(&t, 0, 0x100, 0));
	assert_null(topo_find_guest(&t, 0x10000, 0, 0));
	assert_null(topo_find_guest(&t, 0xffffffff, 0xffffffff, 0xffffffff));
}

static void
test_vpci_has_one_root(void **state)
{
	struct topo	t;
	uint16_t	seg = 9;
	uint8_t		bus = 9;

	(void)state;
	topo_init(&t, TOPO_VIRTUAL);
	assert_int_equal(topo_nroots(&t), 1);
	add_ok(&t, mk(3, 0x20, 0, 0), 0);
	add_ok(&t, mk(0, 0x21, 0, 0), 0);
	assert_int_equal(topo_nroots(&t), 1);
	assert_int_equal(topo_root(&t, 0, &seg, &bus), 0);
	assert_int_equal(seg, 0);
	assert_int_equal(bus, 0);
	assert_int_equal(topo_root(&t, 1, &seg, &bus), -1);
}

static void
test_passthrough_guest_is_host(void **state)
{
	struct topo		 t;
	struct bdf		 g;
	struct topo_entry	*e;

	(void)state;
	topo_init(&t, TOPO_PASSTHROUGH);
	g = add_ok(&t, mk(1, 5, 3, 1), 0);
	assert_int_equal(g.b_seg, 1);
	assert_int_equal(g.b_bus, 5);
	assert_int_equal(g.b_dev, 3);
	assert_int_equal(g.b_fn, 1);
	e = topo_find_guest(&t, 1, 5, (3 << 3) | 1);
	assert_non_null(e);
	assert_null(topo_find_guest(&t, 0, 5, (3 << 3) | 1));
	assert_null(topo_find_guest(&t, 1, 5, 0x100 | (3 << 3) | 1));
}

static void
assert_root(const struct topo *t, size_t i, uint16_t seg, uint8_t bus)
{
	uint16_t	s;
	uint8_t		b;

	assert_int_equal(topo_root(t, i, &s, &b), 0);
	assert_int_equal(s, seg);
	assert_int_equal(b, bus);
}

static void
test_passthrough_roots_dedupe_in_export_order(void **state)
{
	struct topo	t;

	(void)state;
	topo_init(&t, TOPO_PASSTHROUGH);
	assert_int_equal(topo_nroots(&t), 0);
	add_ok(&t, mk(0, 5, 0, 0), 0);
	add_ok(&t, mk(0, 3, 0, 0), 0);
	add_ok(&t, mk(0, 5, 0, 1), 0);
	add_ok(&t, mk(0, 5, 7, 0), 0);
	add_ok(&t, mk(1, 5, 0, 0), 0);
	assert_int_equal(topo_nroots(&t), 3);
	assert_root(&t, 0, 0, 5);
	assert_root(&t, 1, 0, 3);
	assert_root(&t, 2, 1, 5);
}

static void
test_passthrough_roots_skip_below_bridge(void **state)
{
	struct topo	t;

	(void)state;
	topo_init(&t, TOPO_PASSTHROUGH);
	add_bridge(&t, mk(0, 0, 0x1c, 0), 2, 4);
	add_ok(&t, mk(0, 2, 0, 0), 0);
	add_ok(&t, mk(0, 4, 0, 0), 0);
	/* Outside the bridge's range, or on another segment. */
	add_ok(&t, mk(0, 5, 0, 0), 0);
	add_ok(&t, mk(1, 3, 0, 0), 0);
	assert_int_equal(topo_nroots(&t), 3);
	assert_root(&t, 0, 0, 0);
	assert_root(&t, 1, 0, 5);
	assert_root(&t, 2, 1, 3);
}

static void
test_passthrough_roots_kept_after_remove(void **state)
{
	struct topo	t;
	struct bdf	a = mk(0, 5, 0, 0), b = mk(0, 6, 0, 0);

	(void)state;
	topo_init(&t, TOPO_PASSTHROUGH);
	add_ok(&t, a, 0);
	add_ok(&t, b, 0);
	assert_int_equal(topo_remove(&t, &a, NULL), 0);
	assert_int_equal(topo_nroots(&t), 2);
	assert_root(&t, 0, 0, 5);
	add_ok(&t, a, 0);
	assert_int_equal(topo_nroots(&t), 2);
}

static void
test_passthrough_bridge_after_child(void **state)
{
	struct topo	t;

	(void)state;
	topo_init(&t, TOPO_PASSTHROUGH);
	add_ok(&t, mk(0, 3, 0, 0), 0);
	add_bridge(&t, mk(0, 0, 0x1c, 0), 3, 3);
	add_ok(&t, mk(0, 3, 0, 1), 0);
	assert_int_equal(topo_nroots(&t), 2);
	assert_root(&t, 0, 0, 3);
	assert_root(&t, 1, 0, 0);
}

static void
test_passthrough_table_and_roots_full(void **state)
{
	struct topo	 t;
	struct bdf	 b;
	char		*cause = NULL;
	unsigned int	 i;

	(void)state;
	topo_init(&t, TOPO_PASSTHROUGH);
	for (i = 0; i < TOPO_MAX_DEVS; i++)
		add_ok(&t, mk((uint16_t)(i >> 8), (uint8_t)i, 0, 0), 0);
	b = mk(9, 9, 0, 0);
	assert_int_equal(topo_add(&t, &b, NULL, NULL, NULL, &cause), -1);
	assert_non_null(strstr(cause, "too many devices"));
	free(cause);
	/* A free entry does not free a root: roots are never removed. */
	b = mk(0, 7, 0, 0);
	assert_int_equal(topo_remove(&t, &b, NULL), 0);
	b = mk(9, 9, 0, 0);
	assert_int_equal(topo_add(&t, &b, NULL, NULL, NULL, &cause), -1);
	assert_non_null(strstr(cause, "too many root buses"));
	free(cause);
	assert_int_equal(topo_count(&t), TOPO_MAX_DEVS - 1);
	/* A device on a known root still fits. */
	add_ok(&t, mk(0, 7, 1, 0), 0);
}

static void
test_topo_iteration_in_export_order(void **state)
{
	struct topo	t;
	struct bdf	mid = mk(0, 4, 0, 0);

	(void)state;
	topo_init(&t, TOPO_VIRTUAL);
	add_ok(&t, mk(0, 3, 0, 0), 0);
	add_ok(&t, mid, 0);
	add_ok(&t, mk(0, 5, 0, 0), 0);
	assert_int_equal(topo_remove(&t, &mid, NULL), 0);
	assert_int_equal(topo_count(&t), 2);
	assert_int_equal(topo_entry(&t, 0)->te_host.b_bus, 3);
	assert_int_equal(topo_entry(&t, 1)->te_host.b_bus, 5);
	assert_int_equal(topo_entry(&t, 1)->te_guest.b_dev, 2);
	assert_null(topo_entry(&t, 2));
}

static void
test_topo_entry_keeps_devinfo(void **state)
{
	struct topo		 t;
	struct bdf		 b = mk(0, 0, 0x1c, 0);
	struct topo_entry	*e;

	(void)state;
	topo_init(&t, TOPO_PASSTHROUGH);
	add_bridge(&t, b, 2, 9);
	e = topo_find_host(&t, &b);
	assert_non_null(e);
	assert_int_equal(e->te_info.td_flags, TOPO_F_BRIDGE);
	assert_int_equal(e->te_info.td_secbus, 2);
	assert_int_equal(e->te_info.td_subbus, 9);
}

/* Restart: a device goes back to the slot the guest already knows. */
static void
test_adopt_keeps_guest_address(void **state)
{
	struct topo	 t;
	struct bdf	 host = mk(0, 3, 0, 1), want = mk(0, 0, 7, 1), g;
	struct topo_entry *e;

	(void)state;
	topo_init(&t, TOPO_VIRTUAL);
	assert_int_equal(topo_adopt(&t, &host, NULL, NULL, &want, NULL), 0);
	e = topo_find_guest(&t, 0, 0, (7 << 3) | 1);
	assert_non_null(e);
	assert_true(bdf_equal(&e->te_host, &host));
	/* A new device still takes the lowest free slot. */
	g = add_ok(&t, mk(0, 4, 0, 0), 0);
	assert_guest(g, 0, 0);
}

static void
test_adopt_refuses_taken_or_invalid_address(void **state)
{
	struct topo	 t;
	struct bdf	 a = mk(0, 3, 0, 0), b = mk(0, 4, 0, 0);
	struct bdf	 at0 = mk(0, 0, 0, 0), wrongfn = mk(0, 0, 5, 2);
	struct bdf	 badbus = mk(0, 1, 5, 0), badslot = mk(0, 0, 32, 0);
	char		*cause = NULL;

	(void)state;
	topo_init(&t, TOPO_VIRTUAL);
	assert_int_equal(topo_adopt(&t, &a, NULL, NULL, &at0, NULL), 0);
	assert_int_equal(topo_adopt(&t, &b, NULL, NULL, &at0, &cause), -1);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "cannot keep guest address"));
	free(cause);
	assert_int_equal(topo_adopt(&t, &b, NULL, NULL, &wrongfn, NULL), -1);
	assert_int_equal(topo_adopt(&t, &b, NULL, NULL, &badbus, NULL), -1);
	assert_int_equal(topo_adopt(&t, &b, NULL, NULL, &badslot, NULL), -1);
	assert_int_equal(topo_count(&t), 1);
}

static void
test_adopt_passthrough_requires_host_address(void **state)
{
	struct topo	t;
	struct bdf	host = mk(0, 3, 0, 0), other = mk(0, 0, 1, 0);

	(void)state;
	topo_init(&t, TOPO_PASSTHROUGH);
	assert_int_equal(topo_adopt(&t, &host, NULL, NULL, &other, NULL), -1);
	assert_int_equal(topo_adopt(&t, &host, NULL, NULL, &host, NULL), 0);
	assert_int_equal(topo_nroots(&t), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_topo_init_rejects_unknown_mode),
		cmocka_unit_test(test_vpci_keeps_function_number),
		cmocka_unit_test(test_vpci_multifunction_shares_slot),
		cmocka_unit_test(test_vpci_vf_fn0_gets_own_slot),
		cmocka_unit_test(test_vpci_vf_fn0_slot_not_joined),
		cmocka_unit_test(test_vpci_vf_nonzero_function_joins_slot),
		cmocka_unit_test(test_vpci_freed_slot_is_reused),
		cmocka_unit_test(test_vpci_slot_survives_head_removal),
		cmocka_unit_test(test_vpci_exhaustion_at_32),
		cmocka_unit_test(test_topo_add_twice_fails),
		cmocka_unit_test(test_topo_add_rejects_bad_host_address),
		cmocka_unit_test(test_topo_remove_unknown_fails),
		cmocka_unit_test(test_topo_remove_returns_user_pointer),
		cmocka_unit_test(test_vpci_find_guest),
		cmocka_unit_test(test_find_guest_rejects_devfn_over_0xff),
		cmocka_unit_test(test_vpci_has_one_root),
		cmocka_unit_test(test_passthrough_guest_is_host),
		cmocka_unit_test(test_passthrough_roots_dedupe_in_export_order),
		cmocka_unit_test(test_passthrough_roots_skip_below_bridge),
		cmocka_unit_test(test_passthrough_roots_kept_after_remove),
		cmocka_unit_test(test_passthrough_bridge_after_child),
		cmocka_unit_test(test_passthrough_table_and_roots_full),
		cmocka_unit_test(test_topo_iteration_in_export_order),
		cmocka_unit_test(test_topo_entry_keeps_devinfo),
		cmocka_unit_test(test_adopt_keeps_guest_address),
		cmocka_unit_test(test_adopt_refuses_taken_or_invalid_address),
		cmocka_unit_test(test_adopt_passthrough_requires_host_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
