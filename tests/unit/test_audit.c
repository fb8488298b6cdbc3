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
 * lib/audit.c: the denied-write table a worker fills and the parent
 * copies, and the quirk lines pcibackctl suggest prints, on the dumps of
 * the devices the e2e's guest probes.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cfgspace.h"
#include "memdev.h"

#define KiB	1024ull

static const uint64_t e1000e_sizes[7] = {
	128 * KiB, 128 * KiB, 32, 16 * KiB, 0, 0, 256 * KiB
};
static const uint64_t nvme_sizes[7] = { 16 * KiB, 0, 0, 0, 0, 0, 0 };
static const struct cfgspace_policy pol_strict = { 0, 0, NULL, 0 };

struct dev {
	struct memdev	*md;
	struct cfgspace	*cs;
};

static void
dev_load(struct dev *d, const char *name, const uint64_t *sizes,
    const struct cfgspace_policy *pol)
{
	struct dumpdev	*dd;
	char		*cause = NULL;

	d->md = calloc(1, sizeof(*d->md));
	dd = calloc(1, sizeof(*dd));
	assert_non_null(d->md);
	assert_non_null(dd);
	dump_load(testdata_path(name), 0, dd);
	memdev_from_dump(d->md, dd, sizes, 11);
	free(dd);
	d->cs = cfgspace_new(&memdev_ops, d->md, &d->md->md_info, pol,
	    &cause);
	if (d->cs == NULL)
		fail_msg("%s: %s", name, cause);
}

static void
dev_free(struct dev *d)
{
	cfgspace_free(d->cs);
	free(d->md);
}

/* One guest write as the worker records it, then the suggestion. */
static void
advise(struct dev *d, unsigned int off, unsigned int size, uint32_t val,
    struct audit_advice *a)
{
	struct audit_table	t;
	struct cfgspace_reg	rg;
	uint32_t		hw;
	int			r;

	memset(&t, 0, sizeof(t));
	audit_record(&t, off, size, val, 0, 1000);
	assert_int_equal(t.at_used, 1);
	cfgspace_describe(d->cs, off, size, &rg);
	r = d->md->md_info.ci_size > off ? 0 : -1;
	hw = 0;
	if (r == 0)
		memcpy(&hw, d->md->md_cfg + off, size);	/* little-endian */
	audit_suggest(&t.at_e[0], &rg, r == 0, hw, a);
}

struct suggest_case {
	const char	*sc_dump;
	const uint64_t	*sc_sizes;
	unsigned int	 sc_off;
	unsigned int	 sc_size;
	uint32_t	 sc_val;
	int		 sc_verdict;
	uint32_t	 sc_mask;	/* for AUDIT_QUIRK */
	const char	*sc_safety;
	const char	*sc_what;	/* in aa_what */
	const char	*sc_why;	/* in aa_why */
};

static const struct suggest_case suggest_cases[] = {
	/* e1000e at probe: PCIe Device Control (0), error reporting on. */
	{ "qemu-e1000e.txt", e1000e_sizes, 0xe8, 2, 0x000f, AUDIT_QUIRK,
	  0x000f, "safe", "pcie.devctl in capability 0x10 (PCI Express) at "
	  "0xe0", "error reporting" },
	/* nvme at probe: the same register, relaxed ordering. */
	{ "qemu-nvme.txt", nvme_sizes, 0x88, 2, 0x0010, AUDIT_QUIRK,
	  0x0010, "safe", "PCI Express Device Control (pcie.devctl in "
	  "capability 0x10 (PCI Express) at 0x80)", "relaxed ordering" },
	/* The upper MSI address (a 64-bit MSI at 0xd0). */
	{ "qemu-e1000e.txt", e1000e_sizes, 0xd8, 4, 0x0, AUDIT_REFUSE, 0,
	  "unsafe", "msi.", "MSI or MSI-X body" },
	/* A larger payload size: allowed, with a word of caution. */
	{ "qemu-e1000e.txt", e1000e_sizes, 0xe8, 2, 0x0020, AUDIT_QUIRK,
	  0x0020, "caution", "pcie.devctl", "Max_Payload_Size" },
	{ "qemu-e1000e.txt", e1000e_sizes, 0x10, 4, 0xfe000000,
	  AUDIT_REFUSE, 0, "unsafe", "bar0", "a BAR decides" },
	{ "qemu-e1000e.txt", e1000e_sizes, 0x30, 4, 0xffffffff,
	  AUDIT_REFUSE, 0, "unsafe", "rom", "a BAR decides" },
	/* MSI at 0xd0: address and data are Xen's. */
	{ "qemu-e1000e.txt", e1000e_sizes, 0xd4, 4, 0xfee00000,
	  AUDIT_REFUSE, 0, "unsafe", "msi.address", "MSI or MSI-X body" },
	{ "qemu-e1000e.txt", e1000e_sizes, 0xa4, 4, 0x3, AUDIT_REFUSE, 0,
	  "unsafe", "msix.table", "MSI or MSI-X body" },
	{ "qemu-e1000e.txt", e1000e_sizes, 0xd2, 2, 0x1, AUDIT_REFUSE, 0,
	  "unsafe", "msi.control", "frontend's ops" },
	{ "qemu-e1000e.txt", e1000e_sizes, 0x04, 2, 0x0507, AUDIT_REFUSE, 0,
	  "unsafe", "command", "emulates it" },
	/* Device Serial Number: known by name, no row of its own. */
	{ "qemu-e1000e.txt", e1000e_sizes, 0x148, 4, 0x1, AUDIT_QUIRK,
	  0x525400fe, "unknown", "offset 0x8 in extended capability 0x03 "
	  "(Device Serial Number) at 0x140", "Device Serial Number" },
	{ "qemu-e1000e.txt", e1000e_sizes, 0x40, 4, 0x12345678, AUDIT_QUIRK,
	  0x12345678, "unknown", "outside any capability", "device-specific" },
	{ "qemu-e1000e.txt", e1000e_sizes, 0xe4, 4, 0, AUDIT_NOTHING, 0,
	  "safe", "pcie.devcap", "read-only in hardware" },
	/* The value the hardware holds already: nothing to allow. */
	{ "qemu-nvme.txt", nvme_sizes, 0x88, 2, 0x0000, AUDIT_NOTHING, 0,
	  "safe", "pcie.devctl", "no quirk needed" },
	{ "qemu-e1000e.txt", e1000e_sizes, 0x3c, 1, 5, AUDIT_REFUSE, 0,
	  "unsafe", "int_line", "read-only to guests" },
	{ "qemu-e1000e.txt", e1000e_sizes, 0xf8, 2, 0x1, AUDIT_REFUSE, 0,
	  "unsafe", "pcie.slotctl", "a port's register" },
};

/* The DSN bytes at 0x148 read "ff 00 54 52": hw 0x525400ff. */
static void
test_suggest_table(void **state)
{
	const struct suggest_case	*sc;
	struct audit_advice		 a;
	struct dev			 d;
	size_t				 i;

	(void)state;
	for (i = 0; i < sizeof(suggest_cases) / sizeof(suggest_cases[0]);
	    i++) {
		sc = &suggest_cases[i];
		dev_load(&d, sc->sc_dump, sc->sc_sizes, &pol_strict);
		advise(&d, sc->sc_off, sc->sc_size, sc->sc_val, &a);
		if (a.aa_verdict != sc->sc_verdict ||
		    strstr(a.aa_what, sc->sc_what) == NULL ||
		    strstr(a.aa_why, sc->sc_why) == NULL ||
		    strcmp(a.aa_safety, sc->sc_safety) != 0 ||
		    (sc->sc_verdict == AUDIT_QUIRK &&
		    a.aa_mask != sc->sc_mask))
			fail_msg("case %zu (0x%x/%u): verdict %d mask 0x%x "
			    "safety %s what \"%s\" why \"%s\"", i, sc->sc_off,
			    sc->sc_size, a.aa_verdict, a.aa_mask, a.aa_safety,
			    a.aa_what, a.aa_why);
		if (sc->sc_verdict == AUDIT_QUIRK) {
			assert_int_equal(a.aa_offset, sc->sc_off);
			assert_int_equal(a.aa_size, sc->sc_size);
		}
		dev_free(&d);
	}
}

/* Every quirk suggested is one the engine takes, and it lets the write by. */
static void
test_suggested_quirk_is_accepted_and_works(void **state)
{
	const struct suggest_case	*sc;
	struct cfgspace_quirk		 q;
	struct cfgspace_policy		 pol = { 0, 0, &q, 1 };
	struct audit_advice		 a;
	struct dev			 d;
	char				*cause = NULL;
	size_t				 i;

	(void)state;
	for (i = 0; i < sizeof(suggest_cases) / sizeof(suggest_cases[0]);
	    i++) {
		sc = &suggest_cases[i];
		dev_load(&d, sc->sc_dump, sc->sc_sizes, &pol_strict);
		advise(&d, sc->sc_off, sc->sc_size, sc->sc_val, &a);
		if (a.aa_verdict != AUDIT_QUIRK) {
			dev_free(&d);
			continue;
		}
		assert_int_equal(cfgspace_write(d.cs, sc->sc_off, sc->sc_size,
		    sc->sc_val), CFGSPACE_DROPPED);
		q.cq_offset = (uint16_t)a.aa_offset;
		q.cq_size = (uint8_t)a.aa_size;
		q.cq_mask = a.aa_mask;
		if (cfgspace_set_policy(d.cs, &pol, &cause) != 0)
			fail_msg("case %zu: %s", i, cause);
		memdev_clear_log(d.md);
		assert_int_equal(cfgspace_write(d.cs, sc->sc_off, sc->sc_size,
		    sc->sc_val), 0);
		assert_int_equal(memdev_writes_in(d.md, sc->sc_off,
		    sc->sc_size), 1);
		dev_free(&d);
	}
}

/* Whatever a refusal is for, no quirk line could name it either. */
static void
test_refused_registers_cannot_be_quirked(void **state)
{
	const struct suggest_case	*sc;
	struct cfgspace_quirk		 q;
	struct cfgspace_policy		 pol = { 0, 0, &q, 1 };
	struct audit_advice		 a;
	struct dev			 d;
	char				*cause = NULL;
	size_t				 i;

	(void)state;
	for (i = 0; i < sizeof(suggest_cases) / sizeof(suggest_cases[0]);
	    i++) {
		sc = &suggest_cases[i];
		dev_load(&d, sc->sc_dump, sc->sc_sizes, &pol_strict);
		advise(&d, sc->sc_off, sc->sc_size, sc->sc_val, &a);
		if (a.aa_verdict == AUDIT_REFUSE &&
		    strcmp(sc->sc_what, "pcie.slotctl") != 0) {
			q.cq_offset = (uint16_t)sc->sc_off;
			q.cq_size = (uint8_t)sc->sc_size;
			q.cq_mask = 1;
			assert_int_not_equal(cfgspace_set_policy(d.cs, &pol,
			    &cause), 0);
			free(cause);
			cause = NULL;
		}
		dev_free(&d);
	}
}

/* A bridge's registers are never suggested, not even the plain ones. */
static void
test_bridge_never_suggested(void **state)
{
	struct memdev		*md;
	struct cfgspace		*cs;
	struct cfgspace_reg	 rg;
	struct audit_table	 t;
	struct audit_advice	 a;
	char			*cause = NULL;
	unsigned int		 offs[] = { 0x18, 0x1c, 0x20, 0x3e, 0x1e, 0x40 };
	size_t			 i;

	(void)state;
	md = calloc(1, sizeof(*md));
	assert_non_null(md);
	md->md_info.ci_size = CFGSPACE_CONV_SIZE;
	md->md_cfg[0] = 0xf4;
	md->md_cfg[1] = 0x1a;
	md->md_cfg[0x0e] = 1;
	cs = cfgspace_new(&memdev_ops, md, &md->md_info, &pol_strict, &cause);
	assert_non_null(cs);
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		memset(&t, 0, sizeof(t));
		audit_record(&t, offs[i], 2, 0xffff, 0, 1);
		cfgspace_describe(cs, offs[i], 2, &rg);
		assert_true(rg.rg_bridge);
		audit_suggest(&t.at_e[0], &rg, 1, 0, &a);
		assert_int_equal(a.aa_verdict, AUDIT_REFUSE);
	}
	cfgspace_free(cs);
	free(md);
}

static void
test_record_counts_and_bounds(void **state)
{
	struct audit_table	t;
	unsigned int		i;

	(void)state;
	memset(&t, 0, sizeof(t));
	audit_record(&t, 0xe8, 2, 0x000f, 0, 100);
	audit_record(&t, 0xe8, 2, 0x0003, 0, 105);
	audit_record(&t, 0xe8, 4, 0x0003, 1, 106);
	assert_int_equal(t.at_used, 2);
	assert_int_equal(t.at_e[0].ae_count, 2);
	assert_int_equal(t.at_e[0].ae_first, 100);
	assert_int_equal(t.at_e[0].ae_last, 105);
	assert_int_equal(t.at_e[0].ae_value, 0x0003);
	assert_int_equal(t.at_e[0].ae_ones, 0x000f);
	assert_int_equal(t.at_e[0].ae_zeros, 0xfffc);
	assert_int_equal(t.at_e[0].ae_refused, 0);
	assert_int_equal(t.at_e[1].ae_refused, 1);
	/* Full: more registers are counted, not kept. */
	for (i = 0; i < AUDIT_SLOTS + 5; i++)
		audit_record(&t, 0x40 + 4 * i, 4, i, 0, 200);
	assert_int_equal(t.at_used, AUDIT_SLOTS);
	assert_int_equal(t.at_overflow, 7);
	/* A known register still counts when the table is full. */
	audit_record(&t, 0xe8, 2, 0, 0, 300);
	assert_int_equal(t.at_e[0].ae_count, 3);
	assert_int_equal(t.at_overflow, 7);
	/* A used count the worker scribbled over stays within the slots. */
	t.at_used = 0xffffffff;
	audit_record(&t, 0x400, 4, 0, 0, 300);
	assert_int_equal(t.at_overflow, 8);
}

/* What the parent reads from a worker's page: only sane entries. */
static void
test_copy_validates(void **state)
{
	struct audit_table	src, dst;
	struct audit_entry	*e;

	(void)state;
	memset(&src, 0xa5, sizeof(src));
	audit_copy(&dst, &src);
	assert_int_equal(dst.at_used, 0);
	memset(&src, 0, sizeof(src));
	audit_record(&src, 0xe8, 2, 0xf, 0, 1);
	audit_record(&src, 0x88, 2, 0xf, 0, 1);
	audit_record(&src, 0x40, 4, 0xf, 0, 1);
	audit_record(&src, 0x44, 4, 0xf, 0, 1);
	audit_record(&src, 0x48, 4, 0xf, 0, 1);
	audit_record(&src, 0x4c, 4, 0xf, 0, 1);
	audit_record(&src, 0x50, 4, 0xf, 0, 1);
	e = src.at_e;
	e[1].ae_offset = 4096;		/* beyond config space */
	e[2].ae_size = 3;
	e[3].ae_offset = 0x42;		/* misaligned */
	e[4].ae_count = 0;
	e[5].ae_value = 0x1ffff;	/* wider than the register */
	e[5].ae_size = 2;
	e[6] = e[0];			/* a duplicate */
	src.at_used = 1000;
	src.at_overflow = 12;
	audit_copy(&dst, &src);
	assert_int_equal(dst.at_used, 1);
	assert_int_equal(dst.at_e[0].ae_offset, 0xe8);
	assert_int_equal(dst.at_overflow, 12);
}

static void
test_fold_nested(void **state)
{
	struct audit_advice	a[3];

	(void)state;
	memset(a, 0, sizeof(a));
	a[0].aa_verdict = AUDIT_QUIRK;
	a[0].aa_offset = 0xe8;
	a[0].aa_size = 4;
	a[0].aa_mask = 0x1;
	a[1].aa_verdict = AUDIT_QUIRK;
	a[1].aa_offset = 0xea;
	a[1].aa_size = 2;
	a[1].aa_mask = 0x4;
	a[2].aa_verdict = AUDIT_QUIRK;
	a[2].aa_offset = 0xec;
	a[2].aa_size = 2;
	a[2].aa_mask = 0x1;
	audit_fold(a, 3);
	assert_int_equal(a[0].aa_verdict, AUDIT_QUIRK);
	assert_int_equal(a[0].aa_mask, 0x40001);
	assert_int_equal(a[1].aa_verdict, AUDIT_NOTHING);
	assert_int_equal(a[2].aa_verdict, AUDIT_QUIRK);
}

/* What the op layer tells the audit of: dropped, ignored, refused. */
static void
test_write_ignored(void **state)
{
	struct dev	d;

	(void)state;
	dev_load(&d, "qemu-e1000e.txt", e1000e_sizes, &pol_strict);
	/* An MSI address: answered 0, but it reached nothing. */
	assert_int_equal(cfgspace_write(d.cs, 0xd4, 4, 0xfee00000), 0);
	assert_int_equal(cfgspace_write_ignored(d.cs), 1);
	/* The command register reached the device: not ignored. */
	assert_int_equal(cfgspace_write(d.cs, 0x04, 2, 0x0006), 0);
	assert_int_equal(cfgspace_write_ignored(d.cs), 0);
	assert_int_equal(cfgspace_write(d.cs, 0xe8, 2, 0x000f),
	    CFGSPACE_DROPPED);
	assert_int_equal(cfgspace_write_ignored(d.cs), 0);
	/* A BAR is emulated: the guest's write is taken, not ignored. */
	assert_int_equal(cfgspace_write(d.cs, 0x10, 4, 0xffffffff), 0);
	assert_int_equal(cfgspace_write_ignored(d.cs), 0);
	dev_free(&d);
}

static void
test_cap_names(void **state)
{
	(void)state;
	assert_string_equal(audit_cap_name(0x10, 0), "PCI Express");
	assert_string_equal(audit_cap_name(0x10, 1), "SR-IOV");
	assert_null(audit_cap_name(0xfe, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suggest_table),
		cmocka_unit_test(test_suggested_quirk_is_accepted_and_works),
		cmocka_unit_test(test_refused_registers_cannot_be_quirked),
		cmocka_unit_test(test_bridge_never_suggested),
		cmocka_unit_test(test_record_counts_and_bounds),
		cmocka_unit_test(test_copy_validates),
		cmocka_unit_test(test_fold_nested),
		cmocka_unit_test(test_write_ignored),
		cmocka_unit_test(test_cap_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
