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

/* Reset methods (lib/resetpol.c): own methods from dumps, bus analysis. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "memdev.h"
#include "resetpol.h"

static void
own(const char *dump, struct resetpol *rp)
{
	struct dumpdev		dd;
	struct resetpol_caps	rc;

	dump_load(testdata_path(dump), 0, &dd);
	resetpol_caps(&rc, dd.dd_cfg, dd.dd_len);
	resetpol_own(rp, &rc);
}

static struct bdf
mk(unsigned int bus, unsigned int dev, unsigned int fn)
{
	struct bdf	b;

	memset(&b, 0, sizeof(b));
	b.b_bus = (uint8_t)bus;
	b.b_dev = (uint8_t)dev;
	b.b_fn = (uint8_t)fn;
	return b;
}

static struct resetpol_fn
fn(struct bdf b, int owner)
{
	struct resetpol_fn	f;

	memset(&f, 0, sizeof(f));
	f.rf_bdf = b;
	f.rf_owner = owner;
	return f;
}

static struct resetpol_fn
bridge(struct bdf b, unsigned int sec, unsigned int sub, int hotplug)
{
	struct resetpol_fn	f = fn(b, RESETPOL_UNHELD);

	f.rf_bridge = 1;
	f.rf_secbus = (uint8_t)sec;
	f.rf_subbus = (uint8_t)sub;
	f.rf_hotplug = hotplug;
	return f;
}

static void
test_own(void **state)
{
	struct resetpol	rp;

	(void)state;
	own("qemu-nvme.txt", &rp);
	assert_true(rp.rp_avail[RESETPOL_FLR]);
	assert_false(rp.rp_avail[RESETPOL_PM]);
	assert_non_null(strstr(rp.rp_why[RESETPOL_PM], "NoSoftRst"));
	own("qemu-e1000e.txt", &rp);
	assert_false(rp.rp_avail[RESETPOL_FLR]);
	assert_non_null(strstr(rp.rp_why[RESETPOL_FLR], "does not offer"));
	assert_true(rp.rp_avail[RESETPOL_PM]);
	own("qemu-e1000.txt", &rp);
	assert_false(rp.rp_avail[RESETPOL_FLR]);
	assert_false(rp.rp_avail[RESETPOL_PM]);
	assert_non_null(strstr(rp.rp_why[RESETPOL_FLR], "no PCIe"));
	assert_non_null(strstr(rp.rp_why[RESETPOL_PM], "no power"));
	own("synthetic-pcie-nic-msi-msix-aer-sriov.txt", &rp);
	assert_true(rp.rp_avail[RESETPOL_FLR]);
	assert_false(rp.rp_avail[RESETPOL_PM]);
}

static void
test_af_flr(void **state)
{
	struct resetpol_caps	rc;
	struct resetpol		rp;
	uint8_t			cfg[256];

	(void)state;
	memset(cfg, 0, sizeof(cfg));
	cfg[0x06] = 0x10;
	cfg[0x34] = 0x40;
	cfg[0x40] = 0x13;		/* AF, last */
	cfg[0x43] = 0x02;		/* FLR without TP: not enough */
	resetpol_caps(&rc, cfg, sizeof(cfg));
	resetpol_own(&rp, &rc);
	assert_false(rp.rp_avail[RESETPOL_FLR]);
	cfg[0x43] = 0x03;
	resetpol_caps(&rc, cfg, sizeof(cfg));
	resetpol_own(&rp, &rc);
	assert_true(rp.rp_avail[RESETPOL_FLR]);
	assert_non_null(strstr(rp.rp_why[RESETPOL_FLR], "Advanced"));
	/* A list that loops ends. */
	cfg[0x40] = 0x09;
	cfg[0x41] = 0x40;
	resetpol_caps(&rc, cfg, sizeof(cfg));
	assert_int_equal(rc.rc_af, 0);
}

static void
test_hotplug(void **state)
{
	struct dumpdev	dd;
	uint8_t		cfg[256];

	(void)state;
	dump_load(testdata_path("synthetic-pcie-bridge.txt"), 0, &dd);
	assert_int_equal(resetpol_hotplug(dd.dd_cfg, dd.dd_len), 0);
	memcpy(cfg, dd.dd_cfg, sizeof(cfg));
	cfg[0x43] |= 0x01;		/* slot implemented */
	assert_int_equal(resetpol_hotplug(cfg, sizeof(cfg)), 0);
	cfg[0x54] |= 0x40;		/* hot-plug capable */
	assert_int_equal(resetpol_hotplug(cfg, sizeof(cfg)), 1);
	cfg[0x40] = 0x0c;		/* SHPC instead of PCIe */
	assert_int_equal(resetpol_hotplug(cfg, sizeof(cfg)), 1);
	cfg[0x40] = 0x09;
	assert_int_equal(resetpol_hotplug(cfg, sizeof(cfg)), -1);
}

static void
test_choice(void **state)
{
	struct resetpol		rp;
	struct resetpol_fn	f[2];
	struct bdf		me = mk(1, 0, 0);

	(void)state;
	own("qemu-nvme.txt", &rp);
	f[0] = bridge(mk(0, 0x1c, 0), 1, 1, 0);
	resetpol_bus(&rp, &me, f, 1);
	assert_int_equal(rp.rp_use, RESETPOL_FLR);
	assert_true(rp.rp_avail[RESETPOL_BUS]);
	own("qemu-e1000e.txt", &rp);
	resetpol_bus(&rp, &me, f, 1);
	assert_int_equal(rp.rp_use, RESETPOL_PM);
	own("qemu-e1000.txt", &rp);
	resetpol_bus(&rp, &me, f, 1);
	assert_int_equal(rp.rp_use, RESETPOL_BUS);
	assert_false(rp.rp_coord);
	assert_string_equal(rp.rp_why[RESETPOL_BUS],
	    "alone behind bridge 0000:00:1c.0");
	assert_non_null(strstr(rp.rp_why[RESETPOL_SLOT], "no hot-plug"));
	/* A hot-plug slot comes first. */
	f[0].rf_hotplug = 1;
	resetpol_bus(&rp, &me, f, 1);
	assert_int_equal(rp.rp_use, RESETPOL_SLOT);
	assert_non_null(strstr(rp.rp_usewhy, "by its hot-plug slot"));
	f[0].rf_hotplug = -1;
	resetpol_bus(&rp, &me, f, 1);
	assert_int_equal(rp.rp_use, RESETPOL_BUS);
	assert_non_null(strstr(rp.rp_why[RESETPOL_SLOT], "cannot tell"));
	/* On bus 0: no bridge. */
	me = mk(0, 3, 0);
	f[1] = fn(mk(0, 4, 0), RESETPOL_FREE);
	resetpol_bus(&rp, &me, f + 1, 1);
	assert_int_equal(rp.rp_use, -1);
	assert_non_null(strstr(rp.rp_why[RESETPOL_BUS], "root bus"));
	assert_non_null(strstr(rp.rp_usewhy, "unreset"));
	me = mk(5, 0, 0);
	resetpol_bus(&rp, &me, f, 1);
	assert_non_null(strstr(rp.rp_why[RESETPOL_BUS], "not among"));
}

static void
test_shared(void **state)
{
	struct resetpol		rp;
	struct resetpol_fn	f[5];
	struct bdf		me = mk(2, 0, 0);

	(void)state;
	own("qemu-e1000.txt", &rp);
	f[0] = bridge(mk(0, 0x1d, 0), 2, 3, 0);
	f[1] = fn(mk(2, 0, 1), RESETPOL_FREE);
	f[2] = fn(mk(2, 0, 0), RESETPOL_FREE);	/* itself: ignored */
	f[3] = fn(mk(4, 0, 0), 7);		/* beyond the subordinate */
	resetpol_bus(&rp, &me, f, 4);
	assert_int_equal(rp.rp_use, RESETPOL_BUS);
	assert_true(rp.rp_coord);
	assert_int_equal(rp.rp_nwith, 1);
	assert_true(bdf_equal(&rp.rp_with[0], &f[1].rf_bdf));
	assert_string_equal(rp.rp_why[RESETPOL_BUS], "bridge 0000:00:1d.0, "
	    "together with 0000:02:00.1 (held by pcibackd, free)");
	assert_non_null(strstr(rp.rp_usewhy, "together with 0000:02:00.1"));
	/* Given to a guest, not held, dom0's, on the subordinate bus. */
	f[1].rf_owner = 5;
	f[3] = fn(mk(3, 0, 0), RESETPOL_UNHELD);
	f[4] = fn(mk(2, 1, 0), RESETPOL_UNHELD);
	snprintf(f[4].rf_driver, sizeof(f[4].rf_driver), "snd_hda_intel");
	resetpol_bus(&rp, &me, f, 5);
	assert_int_equal(rp.rp_use, -1);
	assert_false(rp.rp_coord);
	assert_false(rp.rp_avail[RESETPOL_BUS]);
	assert_string_equal(rp.rp_why[RESETPOL_BUS], "a reset of bridge "
	    "0000:00:1d.0's bus would also reset 0000:02:00.1, which dom5 "
	    "uses; and 0000:03:00.0, which is not held; and 0000:02:01.0, "
	    "which dom0 uses (driver snd_hda_intel)");
	/* A slot reaches the same functions. */
	f[0].rf_hotplug = 1;
	resetpol_bus(&rp, &me, f, 5);
	assert_false(rp.rp_avail[RESETPOL_SLOT]);
	assert_string_equal(resetpol_name(RESETPOL_SLOT), "slot");
	assert_string_equal(resetpol_name(-1), "none");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_own),
		cmocka_unit_test(test_af_flr),
		cmocka_unit_test(test_hotplug),
		cmocka_unit_test(test_choice),
		cmocka_unit_test(test_shared),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
