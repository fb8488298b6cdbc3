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
 * The config-space engine against device dumps and hand-built devices.
 * Every hardware write is checked through memdev's write log.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfgspace.h"
#include "memdev.h"

#define KiB	1024ull
#define MiB	(1024ull * KiB)
#define GiB	(1024ull * MiB)

/* BAR sizes chosen for the dumps (index 6 is the ROM). */
static const uint64_t e1000e_sizes[7] = {
	128 * KiB, 128 * KiB, 32, 16 * KiB, 0, 0, 256 * KiB
};
static const uint64_t nvme_sizes[7] = { 16 * KiB, 0, 0, 0, 0, 0, 0 };
static const uint64_t e1000_sizes[7] = {
	128 * KiB, 64, 0, 0, 0, 0, 256 * KiB
};
static const uint64_t edu_sizes[7] = { 1 * MiB, 0, 0, 0, 0, 0, 0 };
static const uint64_t synth_sizes[7] = {
	512 * KiB, 0, 32, 0, 16 * KiB, 0, 0
};

static const struct cfgspace_policy pol_permissive = { 1, 0, NULL, 0 };
static const struct cfgspace_policy pol_intx = { 0, 1, NULL, 0 };

/* Helpers. */

static struct memdev *
md_alloc(void)
{
	struct memdev	*md;

	md = calloc(1, sizeof(*md));
	assert_non_null(md);
	return md;
}

static struct memdev *
md_load(const char *name, const uint64_t *sizes, uint32_t irq)
{
	struct dumpdev	*d;
	struct memdev	*md = md_alloc();

	d = calloc(1, sizeof(*d));
	assert_non_null(d);
	dump_load(testdata_path(name), 0, d);
	memdev_from_dump(md, d, sizes, irq);
	free(d);
	return md;
}

static struct memdev *
md_e1000e(void)
{
	return md_load("qemu-e1000e.txt", e1000e_sizes, 11);
}

static struct memdev *
md_synth(void)
{
	return md_load("synthetic-pcie-nic-msi-msix-aer-sriov.txt",
	    synth_sizes, 11);
}

static struct memdev *
md_copy(const struct memdev *src)
{
	struct memdev	*md = md_alloc();

	*md = *src;
	memdev_clear_log(md);
	return md;
}

/* A blank device 1af4:1234 of the given header type and size. */
static struct memdev *
md_blank(uint32_t size, uint8_t hdrtype)
{
	struct memdev	*md = md_alloc();

	md->md_info.ci_size = size;
	memdev_put(md, 0x00, 4, 0x12341af4);
	md->md_cfg[0x0e] = hdrtype;
	return md;
}

/* Append a standard capability: ID and next pointer at off. */
static void
md_cap(struct memdev *md, unsigned int off, uint8_t id, uint8_t next)
{
	md->md_cfg[0x06] |= 0x10;
	if (md->md_cfg[0x34] == 0)
		md->md_cfg[0x34] = (uint8_t)off;
	md->md_cfg[off] = id;
	md->md_cfg[off + 1] = next;
}

static void
md_ecap(struct memdev *md, unsigned int off, uint16_t id, unsigned int next)
{
	memdev_put(md, off, 4, (uint32_t)id | 1u << 16 | (uint32_t)next << 20);
}

static struct cfgspace *
cs_new(struct memdev *md, const struct cfgspace_policy *p)
{
	struct cfgspace	*cs;
	char		*cause = NULL;

	cs = cfgspace_new(&memdev_ops, md, &md->md_info, p, &cause);
	if (cs == NULL)
		fail_msg("cfgspace_new: %s", cause != NULL ? cause : "?");
	memdev_clear_log(md);
	return cs;
}

static uint32_t
rd(struct cfgspace *cs, unsigned int off, unsigned int size)
{
	uint32_t	v = 0xdeadbeef;

	assert_int_equal(cfgspace_read(cs, off, size, &v), 0);
	return v;
}

static int
wr(struct cfgspace *cs, unsigned int off, unsigned int size, uint32_t v)
{
	return cfgspace_write(cs, off, size, v);
}

/* Fields are sorted by offset and never overlap. */
static void
check_fields(const struct cfgspace *cs)
{
	unsigned int	 off, size, end = 0;
	const char	*name;
	size_t		 i;

	for (i = 0; cfgspace_field(cs, i, &off, &size, &name) == 0; i++) {
		assert_true(off >= end);
		assert_true(size == 1 || size == 2 || size == 4);
		assert_true(off + size <= cfgspace_size(cs));
		assert_non_null(name);
		end = off + size;
	}
}

static int
has_field(const struct cfgspace *cs, unsigned int want, const char *wname)
{
	unsigned int	 off, size;
	const char	*name;
	size_t		 i;

	for (i = 0; cfgspace_field(cs, i, &off, &size, &name) == 0; i++) {
		if (off == want && strcmp(name, wname) == 0)
			return 1;
	}
	return 0;
}

/* Creation and capability walks. */

static void
test_new_performs_no_hardware_writes(void **state)
{
	static const struct {
		const char	*name;
		const uint64_t	*sizes;
	} dumps[] = {
		{ "qemu-e1000e.txt", e1000e_sizes },
		{ "qemu-nvme.txt", nvme_sizes },
		{ "qemu-e1000.txt", e1000_sizes },
		{ "qemu-edu.txt", edu_sizes },
		{ "synthetic-pcie-nic-msi-msix-aer-sriov.txt", synth_sizes },
	};
	struct memdev	*md;
	struct cfgspace	*cs;
	char		*cause = NULL;
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(dumps) / sizeof(dumps[0]); i++) {
		md = md_load(dumps[i].name, dumps[i].sizes, 11);
		cs = cfgspace_new(&memdev_ops, md, &md->md_info,
		    &pol_permissive, &cause);
		assert_non_null(cs);
		assert_int_equal(md->md_nwrites, 0);
		check_fields(cs);
		cfgspace_free(cs);
		free(md);
	}
}

static void
test_new_finds_e1000e_capabilities(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, NULL);

	(void)state;
	assert_int_equal(cfgspace_size(cs), 4096);
	assert_int_equal(cfgspace_header_type(cs), 0);
	assert_int_equal(cfgspace_cap(cs, 0x01), 0xc8);
	assert_int_equal(cfgspace_cap(cs, 0x05), 0xd0);
	assert_int_equal(cfgspace_cap(cs, 0x10), 0xe0);
	assert_int_equal(cfgspace_cap(cs, 0x11), 0xa0);
	assert_int_equal(cfgspace_cap(cs, 0x03), 0);
	assert_int_equal(cfgspace_ecap(cs, 0x0001), 0x100);
	assert_true(has_field(cs, 0xd2, "msi.control"));
	assert_true(has_field(cs, 0xd8, "msi.address_hi"));
	assert_true(has_field(cs, 0xa2, "msix.control"));
	assert_true(has_field(cs, 0xcc, "pm.pmcsr"));
	assert_true(has_field(cs, 0x104, "aer.uncor_status"));
	cfgspace_free(cs);
	free(md);
}

static void
test_new_finds_synthetic_capabilities(void **state)
{
	struct memdev	*md = md_synth();
	struct cfgspace	*cs = cs_new(md, NULL);

	(void)state;
	assert_int_equal(cfgspace_header_type(cs), 0);	/* 0x80: multifn */
	assert_int_equal(cfgspace_cap(cs, 0x01), 0x40);
	assert_int_equal(cfgspace_cap(cs, 0x05), 0x50);
	assert_int_equal(cfgspace_cap(cs, 0x11), 0x70);
	assert_int_equal(cfgspace_cap(cs, 0x10), 0xa0);
	assert_int_equal(cfgspace_ecap(cs, 0x0001), 0x100);
	assert_int_equal(cfgspace_ecap(cs, 0x0010), 0x140);
	assert_true(has_field(cs, 0x60, "msi.mask"));
	assert_true(has_field(cs, 0x64, "msi.pending"));
	assert_true(has_field(cs, 0xd8, "pcie.slotctl2"));
	cfgspace_free(cs);
	free(md);
}

static void
test_header_type_2_refused(void **state)
{
	struct memdev	*md = md_blank(256, 0x82);
	char		*cause = NULL;

	(void)state;
	assert_null(cfgspace_new(&memdev_ops, md, &md->md_info, NULL,
	    &cause));
	assert_non_null(cause);
	assert_string_equal(cause, "header type 0x02 not supported");
	assert_int_equal(md->md_nwrites, 0);
	free(cause);
	free(md);
}

static void
test_new_read_error_fails(void **state)
{
	struct memdev	*md = md_e1000e();
	char		*cause = NULL;

	(void)state;
	md->md_read_error = 1;
	assert_null(cfgspace_new(&memdev_ops, md, &md->md_info, NULL,
	    &cause));
	assert_non_null(cause);
	free(cause);
	free(md);
}

static void
test_new_bad_size_refused(void **state)
{
	struct memdev	*md = md_blank(256, 0);
	char		*cause = NULL;

	(void)state;
	md->md_info.ci_size = 512;
	assert_null(cfgspace_new(&memdev_ops, md, &md->md_info, NULL,
	    &cause));
	assert_non_null(cause);
	free(cause);
	free(md);
}

static void
test_capwalk_loop_terminates(void **state)
{
	struct memdev	*md = md_blank(256, 0);
	struct cfgspace	*cs;

	(void)state;
	md_cap(md, 0x40, 0x01, 0x50);
	md_cap(md, 0x50, 0x05, 0x60);
	md_cap(md, 0x60, 0x11, 0x40);	/* back to the start */
	cs = cs_new(md, NULL);
	assert_int_equal(cfgspace_cap(cs, 0x01), 0x40);
	assert_int_equal(cfgspace_cap(cs, 0x05), 0x50);
	assert_int_equal(cfgspace_cap(cs, 0x11), 0x60);
	check_fields(cs);
	cfgspace_free(cs);
	free(md);
}

static void
test_capwalk_self_pointing(void **state)
{
	struct memdev	*md = md_blank(256, 0);
	struct cfgspace	*cs;

	(void)state;
	md_cap(md, 0x40, 0x05, 0x40);
	cs = cfgspace_new(&memdev_ops, md, &md->md_info, NULL, NULL);
	assert_non_null(cs);
	/* Visited once: a handful of reads, not one per walk step. */
	assert_true(md->md_nreads < 16);
	assert_int_equal(cfgspace_cap(cs, 0x05), 0x40);
	assert_true(has_field(cs, 0x42, "msi.control"));
	cfgspace_free(cs);
	free(md);
}

static void
test_capwalk_pointer_into_header(void **state)
{
	struct memdev	*md = md_blank(256, 0);
	struct cfgspace	*cs;

	(void)state;
	/* The list start itself points into the header. */
	md_cap(md, 0x10, 0x05, 0x00);
	cs = cs_new(md, NULL);
	assert_int_equal(cfgspace_cap(cs, 0x05), 0);
	assert_true(has_field(cs, 0x10, "bar0"));
	cfgspace_free(cs);

	/* A later entry points into the header: the walk stops there. */
	md->md_cfg[0x34] = 0;
	md_cap(md, 0x40, 0x01, 0x0c);
	cs = cs_new(md, NULL);
	assert_int_equal(cfgspace_cap(cs, 0x01), 0x40);
	assert_int_equal(cfgspace_cap(cs, 0x05), 0);
	check_fields(cs);
	cfgspace_free(cs);
	free(md);
}

static void
test_capwalk_low_bits_masked(void **state)
{
	struct memdev	*md = md_blank(256, 0);
	struct cfgspace	*cs;

	(void)state;
	md_cap(md, 0x40, 0x01, 0x53);	/* 0x53 means 0x50 */
	md_cap(md, 0x50, 0x05, 0x00);
	md->md_cfg[0x34] = 0x42;	/* 0x42 means 0x40 */
	cs = cs_new(md, NULL);
	assert_int_equal(cfgspace_cap(cs, 0x01), 0x40);
	assert_int_equal(cfgspace_cap(cs, 0x05), 0x50);
	cfgspace_free(cs);
	free(md);
}

static void
test_capwalk_past_the_end(void **state)
{
	struct memdev	*md = md_blank(4096, 0);
	struct cfgspace	*cs;

	(void)state;
	/* The last dword of the standard space, then nowhere. */
	md_cap(md, 0xfc, 0x11, 0xfc);
	/* Extended: a pointer past 4 KiB cannot be expressed, so test one
	 * into the conventional space and one that is misaligned. */
	md_ecap(md, 0x100, 0x0001, 0x1fe);	/* means 0x1fc */
	md_ecap(md, 0x1fc, 0x0010, 0x080);	/* below 0x100: stop */
	cs = cs_new(md, NULL);
	assert_int_equal(cfgspace_cap(cs, 0x11), 0xfc);
	/* The MSI-X rows past 0x100 do not fit the standard space. */
	assert_true(has_field(cs, 0xfe, "msix.control"));
	assert_false(has_field(cs, 0x100, "msix.table"));
	assert_int_equal(cfgspace_ecap(cs, 0x0001), 0x100);
	assert_int_equal(cfgspace_ecap(cs, 0x0010), 0x1fc);
	check_fields(cs);
	cfgspace_free(cs);
	free(md);
}

static void
test_capwalk_all_ff(void **state)
{
	struct memdev	*md = md_blank(4096, 0);
	struct cfgspace	*cs;

	(void)state;
	memset(md->md_cfg + 0x04, 0xff, sizeof(md->md_cfg) - 0x04);
	md->md_cfg[0x0e] = 0x00;
	cs = cs_new(md, NULL);
	assert_int_equal(cfgspace_cap(cs, 0xff), 0);
	assert_int_equal(cfgspace_cap(cs, 0x01), 0);
	assert_int_equal(cfgspace_ecap(cs, 0xffff), 0);
	check_fields(cs);
	cfgspace_free(cs);
	free(md);
}

static void
test_capwalk_truncated_64_byte_dump(void **state)
{
	struct dumpdev	*d = calloc(1, sizeof(*d));
	struct memdev	*md = md_alloc();
	struct cfgspace	*cs;

	(void)state;
	assert_non_null(d);
	dump_load(testdata_path("qemu-e1000e.txt"), 0, d);
	d->dd_len = 64;		/* as "lspci -x" would have shown it */
	memdev_from_dump(md, d, e1000e_sizes, 11);
	assert_int_equal(md->md_info.ci_size, 256);
	cs = cs_new(md, NULL);
	/* The pointer (0xc8) leads into 0xff padding: nothing found. */
	assert_int_equal(cfgspace_cap(cs, 0x01), 0);
	assert_int_equal(cfgspace_ecap(cs, 0x0001), 0);
	assert_int_equal(rd(cs, 0x10, 4), 0xfeb80000);
	check_fields(cs);
	cfgspace_free(cs);
	free(md);
	free(d);
}

static void
test_capwalk_full_chain_of_48(void **state)
{
	struct memdev	*md = md_blank(256, 0);
	struct cfgspace	*cs;
	unsigned int	 off;

	(void)state;
	/* 48 distinct entries 0x40..0xfc, IDs 0x20.., then back to 0x40. */
	for (off = 0x40; off < 0x100; off += 4)
		md_cap(md, off, (uint8_t)(0x20 + (off - 0x40) / 4),
		    (uint8_t)(off + 4 < 0x100 ? off + 4 : 0x40));
	cs = cs_new(md, NULL);
	assert_int_equal(cfgspace_cap(cs, 0x20), 0x40);
	assert_int_equal(cfgspace_cap(cs, 0x20 + 47), 0xfc);
	cfgspace_free(cs);
	free(md);
}

static void
test_ecapwalk_loop_and_bound(void **state)
{
	struct memdev	*md = md_blank(4096, 0);
	struct cfgspace	*cs;
	unsigned int	 off, k;

	(void)state;
	/* 960 entries, one per dword: the walk must stop at 480. */
	for (off = 0x100, k = 0; off < 0x1000; off += 4, k++)
		md_ecap(md, off, (uint16_t)(0x100 + k),
		    off + 4 < 0x1000 ? off + 4 : 0x100);
	cs = cs_new(md, NULL);
	assert_int_equal(cfgspace_ecap(cs, 0x100), 0x100);
	assert_int_equal(cfgspace_ecap(cs, 0x100 + 479), 0x100 + 4 * 479);
	assert_int_equal(cfgspace_ecap(cs, 0x100 + 480), 0);
	cfgspace_free(cs);

	/* A two-entry loop and a self loop. */
	memset(md->md_cfg + 0x100, 0, 0xf00);
	md_ecap(md, 0x100, 0x0001, 0x200);
	md_ecap(md, 0x200, 0x000b, 0x100);
	cs = cs_new(md, NULL);
	assert_int_equal(cfgspace_ecap(cs, 0x0001), 0x100);
	assert_int_equal(cfgspace_ecap(cs, 0x000b), 0x200);
	cfgspace_free(cs);
	md_ecap(md, 0x100, 0x0001, 0x100);
	cs = cs_new(md, NULL);
	assert_int_equal(cfgspace_ecap(cs, 0x0001), 0x100);
	cfgspace_free(cs);
	free(md);
}

static void
test_ecapwalk_stops_on_empty_headers(void **state)
{
	struct memdev	*md = md_blank(4096, 0);
	struct cfgspace	*cs;

	(void)state;
	md_ecap(md, 0x100, 0x000b, 0x140);
	memdev_put(md, 0x140, 4, 0xffffffff);
	cs = cs_new(md, NULL);
	assert_int_equal(cfgspace_ecap(cs, 0x000b), 0x100);
	assert_int_equal(cfgspace_ecap(cs, 0xffff), 0);
	cfgspace_free(cs);
	memdev_put(md, 0x100, 4, 0);
	md_ecap(md, 0x140, 0x0001, 0);
	cs = cs_new(md, NULL);
	assert_int_equal(cfgspace_ecap(cs, 0x0001), 0);
	cfgspace_free(cs);
	free(md);
}

static void
test_ecapwalk_skipped_on_conventional_device(void **state)
{
	struct memdev	*md = md_blank(256, 0);
	struct cfgspace	*cs;

	(void)state;
	md_ecap(md, 0x100, 0x0001, 0);	/* beyond ci_size: never read */
	cs = cs_new(md, NULL);
	assert_int_equal(cfgspace_ecap(cs, 0x0001), 0);
	cfgspace_free(cs);
	free(md);
}

static void
test_packed_capabilities_do_not_overlap(void **state)
{
	struct memdev	*md = md_blank(256, 0);
	struct cfgspace	*cs;

	(void)state;
	/* 64-bit maskable MSI wants 0x18 bytes but PM starts 8 later. */
	md_cap(md, 0x40, 0x05, 0x48);
	memdev_put(md, 0x42, 2, 0x0180);
	md_cap(md, 0x48, 0x01, 0x4c);
	md_cap(md, 0x4c, 0x11, 0x50);
	md_cap(md, 0x50, 0x10, 0x54);
	md_cap(md, 0x54, 0x09, 0x00);
	md->md_cfg[0x56] = 0x40;	/* vendor cap claims 64 bytes */
	cs = cs_new(md, NULL);
	check_fields(cs);
	assert_true(has_field(cs, 0x44, "msi.address"));
	assert_false(has_field(cs, 0x48, "msi.address_hi"));
	assert_true(has_field(cs, 0x48, "pm.header"));
	assert_true(has_field(cs, 0x4a, "pm.pmc"));
	assert_false(has_field(cs, 0x4c, "pm.pmcsr"));
	assert_true(has_field(cs, 0x4e, "msix.control"));
	assert_true(has_field(cs, 0x56, "vendor.length"));
	cfgspace_free(cs);
	free(md);
}

static void
test_every_vendor_capability_gets_rows(void **state)
{
	struct memdev	*md = md_blank(256, 0);
	struct cfgspace	*cs;

	(void)state;
	md_cap(md, 0x40, 0x09, 0x50);
	md->md_cfg[0x42] = 0x10;
	md_cap(md, 0x50, 0x09, 0x00);
	md->md_cfg[0x52] = 0x10;
	cs = cs_new(md, &pol_permissive);
	assert_true(has_field(cs, 0x40, "vendor.header"));
	assert_true(has_field(cs, 0x50, "vendor.header"));
	/* Headers are never written; the body is the device's own. */
	assert_int_equal(wr(cs, 0x50, 2, 0x0000), 0);
	assert_int_equal(wr(cs, 0x54, 4, 0x11223344), 0);
	assert_int_equal(md->md_nwrites, 1);
	assert_int_equal(memdev_writes_in(md, 0x54, 4), 1);
	assert_int_equal(md->md_cfg[0x50], 0x09);
	cfgspace_free(cs);
	free(md);
}

/* Access validation and the read path. */

static void
test_access_validation(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, &pol_permissive);
	uint32_t	 v;
	static const unsigned int bad[][2] = {
		{ 0x00, 0 }, { 0x00, 3 }, { 0x00, 8 }, { 0x01, 2 },
		{ 0x02, 4 }, { 0x03, 2 }, { 0x1000, 1 }, { 0xffe, 4 },
		{ 0xfffffffc, 4 }, { 0xffffffff, 1 }, { 0x80000000, 2 },
	};
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 0x55;
		assert_int_equal(cfgspace_read(cs, bad[i][0], bad[i][1], &v),
		    -EINVAL);
		assert_int_equal(v, 0);
		assert_int_equal(cfgspace_write(cs, bad[i][0], bad[i][1], 0),
		    -EINVAL);
	}
	assert_int_equal(md->md_nwrites, 0);
	assert_int_equal(cfgspace_read(cs, 0xffc, 4, &v), 0);
	cfgspace_free(cs);
	free(md);

	/* A conventional device ends at 256. */
	md = md_load("qemu-e1000.txt", e1000_sizes, 11);
	cs = cs_new(md, &pol_permissive);
	assert_int_equal(cfgspace_read(cs, 0x100, 4, &v), -EINVAL);
	assert_int_equal(cfgspace_write(cs, 0x100, 1, 0), -EINVAL);
	assert_int_equal(cfgspace_read(cs, 0xfc, 4, &v), 0);
	cfgspace_free(cs);
	free(md);
}

static void
test_read_hardware_error_propagated(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, NULL);
	uint32_t	 v = 1;

	(void)state;
	md->md_read_error = 1;
	assert_int_equal(cfgspace_read(cs, 0x40, 4, &v), -EIO);
	assert_int_equal(v, 0);
	assert_int_equal(cfgspace_read(cs, 0x00, 2, &v), -EIO);
	/* Write rules that must read first fail the same way. */
	assert_int_equal(cfgspace_write(cs, 0x04, 2, 0x0007), -EIO);
	assert_int_equal(cfgspace_mem_decoding(cs), -EIO);
	assert_int_equal(cfgspace_msi_enabled(cs), -EIO);
	assert_int_equal(cfgspace_msix_table_size(cs), 0);
	assert_int_equal(md->md_nwrites, 0);
	cfgspace_free(cs);
	free(md);
}

static void
test_write_hardware_error_propagated(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, &pol_permissive);

	(void)state;
	md->md_write_error = 1;
	assert_int_equal(wr(cs, 0x0c, 1, 0x10), -EIO);
	assert_int_equal(wr(cs, 0x40, 4, 0x10), -EIO);
	assert_int_equal(cfgspace_stats(cs)->css_refused, 2);
	cfgspace_free(cs);
	free(md);
}

static void
test_vendor_device_cached(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, &pol_permissive);

	(void)state;
	memdev_put(md, 0x00, 4, 0xffffffff);
	assert_int_equal(rd(cs, 0x00, 2), 0x8086);
	assert_int_equal(rd(cs, 0x02, 2), 0x10d3);
	assert_int_equal(rd(cs, 0x00, 4), 0x10d38086);
	assert_int_equal(rd(cs, 0x01, 1), 0x80);
	assert_int_equal(wr(cs, 0x00, 4, 0x12345678), 0);
	assert_int_equal(md->md_nwrites, 0);
	cfgspace_free(cs);
	free(md);
}

/*
 * An SR-IOV VF need not implement its ID registers: they read 0xffff.
 * The guest's driver matches on the IDs the OS knows (the PF's vendor,
 * the PF's VF Device ID), which xen-pciback answers; so does the engine.
 * A function whose registers read real IDs keeps them.
 */
static void
test_vf_ids_from_the_os(void **state)
{
	struct memdev	*md = md_blank(CFGSPACE_EXT_SIZE, 0);
	struct cfgspace	*cs;

	(void)state;
	memdev_put(md, 0x00, 4, 0xffffffff);
	md->md_info.ci_vendor = 0x1b36;
	md->md_info.ci_device = 0x0010;
	cs = cs_new(md, &pol_permissive);
	assert_int_equal(rd(cs, 0x00, 2), 0x1b36);
	assert_int_equal(rd(cs, 0x02, 2), 0x0010);
	assert_int_equal(rd(cs, 0x00, 4), 0x00101b36);
	assert_int_equal(rd(cs, 0x01, 1), 0x1b);
	assert_int_equal(wr(cs, 0x00, 4, 0xffffffff), 0);
	assert_int_equal(md->md_nwrites, 0);
	cfgspace_free(cs);
	memdev_put(md, 0x00, 4, 0x12341af4);
	cs = cs_new(md, &pol_permissive);
	assert_int_equal(rd(cs, 0x00, 4), 0x12341af4);
	cfgspace_free(cs);
	/* No IDs from the OS: the registers' all ones, as before. */
	memdev_put(md, 0x00, 4, 0xffffffff);
	md->md_info.ci_vendor = 0;
	md->md_info.ci_device = 0;
	cs = cs_new(md, &pol_permissive);
	assert_int_equal(rd(cs, 0x00, 4), 0xffffffff);
	cfgspace_free(cs);
	free(md);
}

/*
 * A VF's BAR registers read 0: its BARs are its PF's VF BARs.  The guest
 * must still see a 64-bit BAR as one, at the address the OS assigned
 * (here above 4 GiB), with its size; a prefetchable 32-bit one and an
 * I/O one keep their types.
 */
static void
test_vf_bars_read_zero(void **state)
{
	struct memdev	*md = md_blank(CFGSPACE_EXT_SIZE, 0);
	struct cfgspace	*cs;

	(void)state;
	md->md_info.ci_bar[0].cb_start = 0x140000000ULL;
	md->md_info.ci_bar[0].cb_size = 0x4000;
	md->md_info.ci_bar[0].cb_flags = CFGDEV_BAR_MEM64;
	md->md_info.ci_bar[2].cb_start = 0xfe000000;
	md->md_info.ci_bar[2].cb_size = 0x1000;
	md->md_info.ci_bar[2].cb_flags = CFGDEV_BAR_PREFETCH;
	md->md_info.ci_bar[3].cb_start = 0xc000;
	md->md_info.ci_bar[3].cb_size = 0x20;
	md->md_info.ci_bar[3].cb_flags = CFGDEV_BAR_IO;
	cs = cs_new(md, &pol_permissive);
	assert_int_equal(rd(cs, 0x10, 4), 0x40000004);
	assert_int_equal(rd(cs, 0x14, 4), 0x00000001);
	assert_int_equal(rd(cs, 0x18, 4), 0xfe000008);
	assert_int_equal(rd(cs, 0x1c, 4), 0x0000c001);
	assert_int_equal(wr(cs, 0x10, 4, 0xffffffff), 0);
	assert_int_equal(rd(cs, 0x10, 4), 0xffffc004);
	cfgspace_free(cs);
	/* A register that reads its type keeps it (legacy below 1 MiB). */
	memdev_put(md, 0x18, 4, 0xfe000002);
	cs = cs_new(md, &pol_permissive);
	assert_int_equal(rd(cs, 0x18, 4), 0xfe000002);
	cfgspace_free(cs);
	free(md);
}

static void
test_interrupt_line_reads_low_byte_of_irq(void **state)
{
	struct memdev	*md = md_load("qemu-e1000.txt", e1000_sizes, 0x1234);
	struct cfgspace	*cs = cs_new(md, &pol_permissive);

	(void)state;
	assert_int_equal(rd(cs, 0x3c, 1), 0x34);
	/* Line from the engine, pin and min/max from hardware. */
	assert_int_equal(rd(cs, 0x3c, 4), 0x00000134);
	assert_int_equal(wr(cs, 0x3c, 1, 0x05), 0);
	assert_int_equal(md->md_nwrites, 0);
	assert_int_equal(rd(cs, 0x3c, 1), 0x34);
	cfgspace_free(cs);
	free(md);
}

static void
test_interrupt_pin_read_only_even_permissive(void **state)
{
	struct memdev	*md = md_load("qemu-e1000.txt", e1000_sizes, 11);
	struct cfgspace	*cs = cs_new(md, &pol_permissive);

	(void)state;
	assert_int_equal(rd(cs, 0x3d, 1), 0x01);
	assert_int_equal(wr(cs, 0x3d, 1, 0x04), 0);
	assert_int_equal(wr(cs, 0x3c, 2, 0x0404), 0);
	assert_int_equal(md->md_nwrites, 0);
	/* Min_Gnt/Max_Lat have no rule of their own: permissive raw. */
	assert_int_equal(wr(cs, 0x3e, 2, 0x0102), 0);
	assert_int_equal(memdev_writes_in(md, 0x3e, 2), 1);
	assert_int_equal(memdev_writes_in(md, 0x3c, 2), 0);
	cfgspace_free(cs);
	free(md);
}

/* Command register. */

static void
test_command_read_mixes_hardware_and_virtual(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, NULL);

	(void)state;
	assert_int_equal(rd(cs, 0x04, 2), 0x0103);
	/* Guest bits (0x02bc) come from hardware, the rest do not. */
	memdev_put(md, 0x04, 2, 0x02bc);
	assert_int_equal(rd(cs, 0x04, 2), 0x02bc | 0x0103);
	memdev_put(md, 0x04, 2, 0x0000);
	assert_int_equal(rd(cs, 0x04, 2), 0x0103);
	/* A write of SERR/parity/INTx-disable is remembered only. */
	assert_int_equal(wr(cs, 0x04, 2, 0x0543), 0);
	assert_int_equal(rd(cs, 0x04, 2), 0x0543);
	assert_int_equal(memdev_get(md, 0x04, 2) & 0x0540, 0);
	assert_int_equal(rd(cs, 0x05, 1), 0x05);
	cfgspace_free(cs);
	free(md);
}

static void
test_command_enable_turns_on_every_bar_type(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs;

	(void)state;
	memdev_put(md, 0x04, 2, 0x0000);
	cs = cs_new(md, NULL);
	assert_false(cfgspace_enabled(cs));
	/* MEM only is asked for; the device has I/O and memory BARs. */
	assert_int_equal(wr(cs, 0x04, 2, 0x0002), 0);
	assert_int_equal(memdev_get(md, 0x04, 2), 0x0003);
	assert_true(cfgspace_enabled(cs));
	assert_int_equal(md->md_nwrites, 1);
	cfgspace_free(cs);
	free(md);

	/* Memory only device: I/O stays off even when asked for. */
	md = md_load("qemu-nvme.txt", nvme_sizes, 11);
	memdev_put(md, 0x04, 2, 0x0000);
	cs = cs_new(md, NULL);
	assert_int_equal(wr(cs, 0x04, 2, 0x0001), 0);
	assert_int_equal(memdev_get(md, 0x04, 2), 0x0002);
	cfgspace_free(cs);
	free(md);

	/* Hidden BARs are not decoded; a ROM alone means memory. */
	md = md_load("qemu-e1000.txt", e1000_sizes, 11);
	memdev_put(md, 0x04, 2, 0x0000);
	md->md_info.ci_bar[0].cb_flags |= CFGDEV_BAR_HIDDEN;
	md->md_info.ci_bar[1].cb_flags |= CFGDEV_BAR_HIDDEN;
	cs = cs_new(md, NULL);
	assert_int_equal(wr(cs, 0x04, 2, 0x0001), 0);
	assert_int_equal(memdev_get(md, 0x04, 2), 0x0002);
	cfgspace_free(cs);
	free(md);
}

static void
test_command_enable_failure_keeps_state(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs;

	(void)state;
	memdev_put(md, 0x04, 2, 0x0000);
	cs = cs_new(md, NULL);
	md->md_write_error = 1;
	assert_int_equal(wr(cs, 0x04, 2, 0x0003), -EIO);
	assert_false(cfgspace_enabled(cs));
	assert_int_equal(rd(cs, 0x04, 2), 0x0000);
	md->md_write_error = 0;
	assert_int_equal(wr(cs, 0x04, 2, 0x0003), 0);
	assert_int_equal(memdev_get(md, 0x04, 2), 0x0003);
	cfgspace_free(cs);
	free(md);
}

static void
test_command_disable_clears_bus_master_only(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs;

	(void)state;
	memdev_put(md, 0x04, 2, 0x0107);
	cs = cs_new(md, NULL);
	assert_true(cfgspace_enabled(cs));
	assert_int_equal(wr(cs, 0x04, 2, 0x0000), 0);
	assert_int_equal(memdev_get(md, 0x04, 2), 0x0103);
	assert_false(cfgspace_enabled(cs));
	assert_int_equal(rd(cs, 0x04, 2), 0x0000);
	/* Enabling again needs no decode write: the bits are still on. */
	memdev_clear_log(md);
	assert_int_equal(wr(cs, 0x04, 2, 0x0002), 0);
	assert_int_equal(md->md_nwrites, 0);
	assert_true(cfgspace_enabled(cs));
	cfgspace_free(cs);
	free(md);
}

/*
 * XSA-461: INTx held off (a shared line, a device with MSI): set in
 * hardware at once, kept set through the guest's writes, which it reads
 * back as written; set again when something else cleared it.
 */
static void
test_command_intx_held(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs;

	(void)state;
	memdev_put(md, 0x04, 2, 0x0000);
	cs = cs_new(md, NULL);
	assert_int_equal(cfgspace_intx_hold(cs), 0);
	assert_int_equal(memdev_get(md, 0x04, 2), 0x0000);
	assert_int_equal(cfgspace_set_intx_held(cs, 1), 0);
	assert_int_equal(memdev_get(md, 0x04, 2), 0x0400);
	/* The guest enables with INTx on: decoding yes, INTx no. */
	assert_int_equal(wr(cs, 0x04, 2, 0x0006), 0);
	assert_int_equal(memdev_get(md, 0x04, 2) & 0x0407, 0x0407);
	assert_int_equal(rd(cs, 0x04, 2) & 0x0400, 0);
	/* dom0's MSI teardown cleared it: set again. */
	memdev_put(md, 0x04, 2, memdev_get(md, 0x04, 2) & ~0x0400u);
	assert_int_equal(cfgspace_intx_hold(cs), 1);
	assert_int_equal(memdev_get(md, 0x04, 2) & 0x0400, 0x0400);
	/* Nothing to write when it is set. */
	memdev_clear_log(md);
	assert_int_equal(cfgspace_intx_hold(cs), 1);
	assert_int_equal(md->md_nwrites, 0);
	/* Released: the guest's writes leave the bit to the hardware. */
	assert_int_equal(cfgspace_set_intx_held(cs, 0), 0);
	memdev_put(md, 0x04, 2, 0x0007);
	assert_int_equal(wr(cs, 0x04, 2, 0x0006), 0);
	assert_int_equal(memdev_get(md, 0x04, 2) & 0x0400, 0);
	cfgspace_free(cs);
	free(md);
}

/*
 * The hold wins over every policy that lets the guest write INTx
 * disable: allow_interrupt_control and permissive.
 */
static void
test_command_intx_held_over_guest_control(void **state)
{
	const struct cfgspace_policy	*pols[] = { &pol_intx, &pol_permissive };
	struct memdev			*md;
	struct cfgspace			*cs;
	size_t				 i;

	(void)state;
	for (i = 0; i < sizeof(pols) / sizeof(pols[0]); i++) {
		md = md_e1000e();
		memdev_put(md, 0x04, 2, 0x0000);
		cs = cs_new(md, pols[i]);
		assert_int_equal(cfgspace_set_intx_held(cs, 1), 0);
		assert_int_equal(wr(cs, 0x04, 2, 0x0406), 0);
		assert_int_equal(wr(cs, 0x04, 2, 0x0006), 0);
		assert_int_equal(memdev_get(md, 0x04, 2) & 0x0400, 0x0400);
		cfgspace_free(cs);
		free(md);
	}
}

static void
test_command_bus_master_toggles(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, NULL);

	(void)state;
	assert_int_equal(wr(cs, 0x04, 2, 0x0107), 0);
	assert_int_equal(memdev_get(md, 0x04, 2), 0x0107);
	assert_int_equal(wr(cs, 0x04, 1, 0x03), 0);
	assert_int_equal(memdev_get(md, 0x04, 2), 0x0103);
	cfgspace_free(cs);
	free(md);
}

static void
test_command_mwi_toggles(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, NULL);

	(void)state;
	assert_int_equal(wr(cs, 0x04, 2, 0x0113), 0);
	assert_int_equal(memdev_get(md, 0x04, 2), 0x0113);
	assert_int_equal(wr(cs, 0x04, 2, 0x0103), 0);
	assert_int_equal(memdev_get(md, 0x04, 2), 0x0103);
	cfgspace_free(cs);
	free(md);
}

static void
test_command_intx_disable_needs_interrupt_control(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, NULL);

	(void)state;
	assert_int_equal(wr(cs, 0x04, 2, 0x0503), 0);
	assert_int_equal(memdev_get(md, 0x04, 2), 0x0103);
	cfgspace_free(cs);
	cs = cs_new(md, &pol_intx);
	assert_int_equal(wr(cs, 0x04, 2, 0x0503), 0);
	assert_int_equal(memdev_get(md, 0x04, 2), 0x0503);
	assert_int_equal(wr(cs, 0x05, 1, 0x01), 0);
	assert_int_equal(memdev_get(md, 0x04, 2), 0x0103);
	cfgspace_free(cs);
	free(md);
}

static void
test_command_permissive_writes_guest_bits(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, &pol_permissive);

	(void)state;
	/* All of 0x02bc reach hardware; SERR (0x100) does not. */
	assert_int_equal(wr(cs, 0x04, 2, 0x03bf), 0);
	assert_int_equal(memdev_get(md, 0x04, 2), 0x03bf);
	assert_int_equal(wr(cs, 0x04, 2, 0x0003), 0);
	assert_int_equal(memdev_get(md, 0x04, 2), 0x0103);
	cfgspace_free(cs);
	free(md);
}

/*
 * XSA-120: the guest must never clear the decode bits.  Every command
 * bit, set alone or cleared alone, at every size, in every mode, with
 * decoding on from the start or turned on by the guest first.
 */
static void
xsa120_case(const struct memdev *tmpl, const struct cfgspace_policy *p,
    int guest_enables, unsigned int size, unsigned int bit, int invert)
{
	struct memdev	*md = md_copy(tmpl);
	struct cfgspace	*cs = cs_new(md, p);
	uint32_t	 cmd = invert ? (0xffffu & ~(1u << bit)) : 1u << bit;
	uint32_t	 before, after, allowed;
	unsigned int	 off = 0x04;
	size_t		 i;

	if (guest_enables) {
		assert_int_equal(wr(cs, 0x04, 2, 0x0003), 0);
		memdev_clear_log(md);
	}
	before = memdev_get(md, 0x04, 4);
	assert_int_equal(before & 0x0003, 0x0003);
	allowed = 0x0004 | 0x0010;
	if (p->cp_permissive)
		allowed |= 0x02bc;
	if (p->cp_intx_control)
		allowed |= 0x0400;
	if (size == 1) {
		off = 0x04 + bit / 8;
		cmd = (cmd >> (8 * (bit / 8))) & 0xff;
	} else if (size == 4)
		cmd |= 0xffff0000;	/* and all of status */
	assert_int_equal(wr(cs, off, size, cmd), 0);
	after = memdev_get(md, 0x04, 4);
	assert_int_equal(after & 0x0003, 0x0003);
	assert_int_equal((before ^ after) & ~allowed, 0);
	for (i = 0; i < md->md_nwrites; i++) {
		assert_int_equal(md->md_writes[i].mw_off, 0x04);
		assert_int_equal(md->md_writes[i].mw_size, 2);
		assert_int_equal(md->md_writes[i].mw_val & 0x0003, 0x0003);
	}
	cfgspace_free(cs);
	free(md);
}

static void
test_xsa120_guest_cannot_clear_decode_bits(void **state)
{
	static const struct cfgspace_policy pols[] = {
		{ 0, 0, NULL, 0 }, { 1, 0, NULL, 0 }, { 0, 1, NULL, 0 },
		{ 1, 1, NULL, 0 },
	};
	static const unsigned int sizes[] = { 1, 2, 4 };
	struct memdev	*tmpl = md_e1000e();
	size_t		 p, s;
	unsigned int	 bit;
	int		 ge;

	(void)state;
	memdev_put(tmpl, 0x06, 2, 0xf910);	/* RW1C status bits set */
	for (ge = 0; ge < 2; ge++) {
		memdev_put(tmpl, 0x04, 2, ge ? 0x0000 : 0x0107);
		for (p = 0; p < 4; p++)
		for (s = 0; s < 3; s++)
		for (bit = 0; bit < 16; bit++) {
			xsa120_case(tmpl, &pols[p], ge, sizes[s], bit, 0);
			xsa120_case(tmpl, &pols[p], ge, sizes[s], bit, 1);
		}
	}
	free(tmpl);
}

/* Status and other header registers. */

static void
test_status_dropped_unless_permissive(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, NULL);

	(void)state;
	memdev_put(md, 0x06, 2, 0xf810);
	assert_int_equal(rd(cs, 0x06, 2), 0xf810);
	assert_int_equal(wr(cs, 0x06, 2, 0xf800), CFGSPACE_DROPPED);
	assert_int_equal(md->md_nwrites, 0);
	cfgspace_free(cs);
	cs = cs_new(md, &pol_permissive);
	assert_int_equal(wr(cs, 0x06, 2, 0xf800), 0);
	assert_int_equal(memdev_writes_in(md, 0x06, 2), 1);
	/* Through the command register it is dropped even permissive. */
	memdev_clear_log(md);
	assert_int_equal(wr(cs, 0x04, 4, 0xf8000103), 0);
	assert_int_equal(memdev_writes_in(md, 0x06, 2), 0);
	cfgspace_free(cs);
	free(md);
}

static void
test_cache_line_written_through(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, NULL);

	(void)state;
	assert_int_equal(wr(cs, 0x0c, 1, 0x10), 0);
	assert_int_equal(md->md_cfg[0x0c], 0x10);
	assert_int_equal(md->md_nwrites, 1);
	assert_int_equal(rd(cs, 0x0c, 1), 0x10);
	cfgspace_free(cs);
	free(md);
}

static void
test_latency_timer_dropped_even_permissive(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, &pol_permissive);

	(void)state;
	assert_int_equal(wr(cs, 0x0d, 1, 0x40), 0);
	assert_int_equal(md->md_nwrites, 0);
	assert_int_equal(md->md_cfg[0x0d], 0x00);
	cfgspace_free(cs);
	free(md);
}

static void
test_bist_only_start(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, &pol_permissive);

	(void)state;
	md->md_cfg[0x0f] = 0x80;		/* BIST capable */
	assert_int_equal(wr(cs, 0x0f, 1, 0xc0), 0);	/* start only */
	assert_int_equal(md->md_cfg[0x0f], 0xc0);
	assert_int_equal(wr(cs, 0x0f, 1, 0x05), 0);	/* other bits */
	assert_int_equal(md->md_nwrites, 1);
	assert_int_equal(wr(cs, 0x0f, 1, 0x40), 0);	/* exactly start */
	assert_int_equal(md->md_cfg[0x0f], 0x40);
	assert_int_equal(md->md_nwrites, 2);
	cfgspace_free(cs);
	free(md);
}

static void
test_plain_header_registers_permissive_raw(void **state)
{
	static const unsigned int regs[][2] = {
		{ 0x08, 4 }, { 0x0e, 1 }, { 0x28, 4 }, { 0x2c, 4 },
		{ 0x34, 1 }, { 0x38, 4 }, { 0x3e, 1 }, { 0x3f, 1 },
	};
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, NULL);
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		assert_int_equal(wr(cs, regs[i][0], regs[i][1], 0x5a),
		    CFGSPACE_DROPPED);
	assert_int_equal(md->md_nwrites, 0);
	cfgspace_free(cs);
	cs = cs_new(md, &pol_permissive);
	for (i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		assert_int_equal(wr(cs, regs[i][0], regs[i][1], 0x5a), 0);
		assert_int_equal(memdev_writes_in(md, regs[i][0], regs[i][1]),
		    1);
	}
	cfgspace_free(cs);
	free(md);
}

/* BARs and ROM. */

static void
test_bar_sizing_32bit_memory(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, &pol_permissive);

	(void)state;
	assert_int_equal(rd(cs, 0x10, 4), 0xfeb80000);
	assert_int_equal(wr(cs, 0x10, 4, 0xffffffff), 0);
	assert_int_equal(rd(cs, 0x10, 4), 0xfffe0000);
	assert_int_equal(rd(cs, 0x12, 2), 0xfffe);
	/* The type bits may be left out of the sizing value. */
	assert_int_equal(wr(cs, 0x10, 4, 0xfeb80000), 0);
	assert_int_equal(rd(cs, 0x10, 4), 0xfeb80000);
	assert_int_equal(wr(cs, 0x10, 4, 0xfffffff0), 0);
	assert_int_equal(rd(cs, 0x10, 4), 0xfffe0000);
	assert_int_equal(wr(cs, 0x10, 4, 0xffffffe0), 0);	/* not sizing */
	assert_int_equal(rd(cs, 0x10, 4), 0xfeb80000);
	assert_int_equal(md->md_nwrites, 0);
	assert_int_equal(memdev_get(md, 0x10, 4), 0xfeb80000);
	cfgspace_free(cs);
	free(md);
}

static void
test_bar_sizing_64bit(void **state)
{
	struct memdev	*md = md_load("qemu-nvme.txt", nvme_sizes, 11);
	struct cfgspace	*cs = cs_new(md, NULL);

	(void)state;
	assert_int_equal(rd(cs, 0x10, 4), 0xfebf4004);
	assert_int_equal(rd(cs, 0x14, 4), 0x00000000);
	assert_int_equal(wr(cs, 0x10, 4, 0xffffffff), 0);
	assert_int_equal(wr(cs, 0x14, 4, 0xffffffff), 0);
	assert_int_equal(rd(cs, 0x10, 4), 0xffffc004);
	assert_int_equal(rd(cs, 0x14, 4), 0xffffffff);
	/* The upper half has no type bits: only all-ones sizes it. */
	assert_int_equal(wr(cs, 0x14, 4, 0xfffffff0), 0);
	assert_int_equal(rd(cs, 0x14, 4), 0x00000000);
	assert_int_equal(md->md_nwrites, 0);
	cfgspace_free(cs);
	free(md);

	/* An 8 GiB BAR above 4 GiB. */
	md = md_synth();
	md->md_info.ci_bar[0].cb_start = 0x0000000400000000ull;
	md->md_info.ci_bar[0].cb_size = 8 * GiB;
	cs = cs_new(md, NULL);
	assert_int_equal(rd(cs, 0x10, 4), 0x0000000c);
	assert_int_equal(rd(cs, 0x14, 4), 0x00000004);
	assert_int_equal(wr(cs, 0x10, 4, 0xffffffff), 0);
	assert_int_equal(wr(cs, 0x14, 4, 0xffffffff), 0);
	assert_int_equal(rd(cs, 0x10, 4), 0x0000000c);
	assert_int_equal(rd(cs, 0x14, 4), 0xfffffffe);
	/* BAR4 is 64-bit too, so BAR5 is its upper half. */
	assert_int_equal(rd(cs, 0x20, 4), 0xfe10000c);
	assert_int_equal(wr(cs, 0x24, 4, 0xffffffff), 0);
	assert_int_equal(rd(cs, 0x24, 4), 0xffffffff);
	cfgspace_free(cs);
	free(md);
}

static void
test_bar_sizing_io(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, NULL);

	(void)state;
	assert_int_equal(rd(cs, 0x18, 4), 0x0000c081);
	assert_int_equal(wr(cs, 0x18, 4, 0xfffffffc), 0);
	assert_int_equal(rd(cs, 0x18, 4), 0xffffffe1);
	assert_int_equal(wr(cs, 0x18, 4, 0xfffffff8), 0);	/* not sizing */
	assert_int_equal(rd(cs, 0x18, 4), 0x0000c081);
	assert_int_equal(md->md_nwrites, 0);
	cfgspace_free(cs);
	free(md);
}

static void
test_bar_sizing_rom(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs;

	(void)state;
	memdev_put(md, 0x30, 4, 0xfeb00001);	/* ROM enabled */
	cs = cs_new(md, &pol_permissive);
	assert_int_equal(rd(cs, 0x30, 4), 0xfeb00001);
	assert_int_equal(wr(cs, 0x30, 4, 0xfffff800), 0);
	assert_int_equal(rd(cs, 0x30, 4), 0xfffc0001);
	assert_int_equal(wr(cs, 0x30, 4, 0xfeb00000), 0);
	assert_int_equal(rd(cs, 0x30, 4), 0xfeb00001);
	assert_int_equal(md->md_nwrites, 0);
	/* The enable bit is never applied, not even by a restore. */
	memdev_put(md, 0x30, 4, 0xfeb00000);
	assert_int_equal(wr(cs, 0x30, 4, 0xfeb00000), 0);
	assert_int_equal(wr(cs, 0x30, 4, 0xfeb00001), 0);
	assert_int_equal(md->md_nwrites, 0);
	memdev_put(md, 0x30, 4, 0x12300000);
	assert_int_equal(wr(cs, 0x30, 4, 0xfeb00001), 0);
	assert_int_equal(md->md_nwrites, 1);
	assert_int_equal(memdev_get(md, 0x30, 4), 0xfeb00000);
	cfgspace_free(cs);
	free(md);
}

static void
test_bar_restore_only_exact_value(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, NULL);

	(void)state;
	/* Same as hardware: nothing to restore. */
	assert_int_equal(wr(cs, 0x14, 4, 0xfeba0000), 0);
	assert_int_equal(md->md_nwrites, 0);
	/* Something moved the BAR behind our back. */
	memdev_put(md, 0x14, 4, 0x12340000);
	assert_int_equal(wr(cs, 0x14, 4, 0xfeba0008), 0);
	assert_int_equal(wr(cs, 0x14, 4, 0x12340000), 0);
	assert_int_equal(md->md_nwrites, 0);
	assert_int_equal(wr(cs, 0x14, 4, 0xfeba0000), 0);
	assert_int_equal(md->md_nwrites, 1);
	assert_int_equal(memdev_get(md, 0x14, 4), 0xfeba0000);
	cfgspace_free(cs);
	free(md);
}

static void
test_bar_partial_write_merges_first(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, &pol_permissive);

	(void)state;
	memdev_put(md, 0x10, 4, 0x00000000);
	/* One byte of the value the guest reads: merged, equals val. */
	assert_int_equal(wr(cs, 0x13, 1, 0xfe), 0);
	assert_int_equal(md->md_nwrites, 1);
	assert_int_equal(md->md_writes[0].mw_off, 0x10);
	assert_int_equal(md->md_writes[0].mw_size, 4);
	assert_int_equal(memdev_get(md, 0x10, 4), 0xfeb80000);
	/* Another byte value: merged, differs, goes nowhere. */
	assert_int_equal(wr(cs, 0x12, 2, 0x1234), 0);
	assert_int_equal(md->md_nwrites, 1);
	assert_int_equal(rd(cs, 0x10, 4), 0xfeb80000);
	cfgspace_free(cs);
	free(md);
}

static void
test_bar_hidden_and_absent_read_zero(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs;

	(void)state;
	md->md_info.ci_bar[1].cb_flags |= CFGDEV_BAR_HIDDEN;
	cs = cs_new(md, &pol_permissive);
	assert_int_equal(rd(cs, 0x14, 4), 0);
	assert_int_equal(rd(cs, 0x20, 4), 0);	/* BAR4: absent */
	assert_int_equal(wr(cs, 0x14, 4, 0xffffffff), 0);
	assert_int_equal(rd(cs, 0x14, 4), 0);
	/* Writing the value it reads (0) must not zero the hardware. */
	assert_int_equal(wr(cs, 0x14, 4, 0), 0);
	assert_int_equal(wr(cs, 0x20, 4, 0), 0);
	assert_int_equal(md->md_nwrites, 0);
	assert_int_equal(memdev_get(md, 0x14, 4), 0xfeba0000);
	cfgspace_free(cs);
	free(md);
}

static void
test_bar_never_written_even_permissive(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, &pol_permissive);
	unsigned int	 off;

	(void)state;
	for (off = 0x10; off < 0x28; off += 4) {
		assert_int_equal(wr(cs, off, 4, 0x12345678), 0);
		assert_int_equal(wr(cs, off, 2, 0x5678), 0);
		assert_int_equal(wr(cs, off + 3, 1, 0x12), 0);
	}
	assert_int_equal(wr(cs, 0x30, 4, 0x12345679), 0);
	assert_int_equal(md->md_nwrites, 0);
	cfgspace_free(cs);
	free(md);
}

static void
test_release_clears_latch_and_rereads_command(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, NULL);

	(void)state;
	assert_int_equal(wr(cs, 0x10, 4, 0xffffffff), 0);
	assert_int_equal(wr(cs, 0x30, 4, 0xfffff800), 0);
	assert_int_equal(wr(cs, 0x04, 2, 0x0543), 0);
	memdev_put(md, 0x04, 2, 0x0000);	/* reset by the OS */
	cfgspace_reset_state(cs);
	assert_int_equal(rd(cs, 0x10, 4), 0xfeb80000);
	assert_int_equal(rd(cs, 0x30, 4), 0xfeb00000);
	assert_int_equal(rd(cs, 0x04, 2), 0x0000);
	assert_false(cfgspace_enabled(cs));
	/* Enabling works again after the reset. */
	assert_int_equal(wr(cs, 0x04, 2, 0x0002), 0);
	assert_int_equal(memdev_get(md, 0x04, 2), 0x0003);
	cfgspace_free(cs);
	free(md);
}

/*
 * A new engine given the guest's last Command value reads back what the
 * old one did, with no hardware write, and decodes as it did.
 */
static void
test_guest_command_carried_over(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*old = cs_new(md, NULL), *cs;
	unsigned int	 writes;

	(void)state;
	assert_int_equal(wr(old, 0x04, 2, 0x0006), 0);
	assert_int_equal(memdev_get(md, 0x04, 2) & 0x0007, 0x0007);
	memdev_put(md, 0x04, 2, memdev_get(md, 0x04, 2) | 0x0400);
	cs = cs_new(md, NULL);
	/* What hardware says: decoding, and INTx disable set by dom0. */
	assert_int_equal(rd(cs, 0x04, 2), memdev_get(md, 0x04, 2));
	assert_int_not_equal(rd(cs, 0x04, 2), 0x0006);
	writes = md->md_nwrites;
	cfgspace_set_guest_command(cs, cfgspace_guest_command(old));
	assert_int_equal(md->md_nwrites, writes);
	assert_int_equal(rd(cs, 0x04, 2), rd(old, 0x04, 2));
	assert_int_equal(rd(cs, 0x04, 2), 0x0006);
	assert_true(cfgspace_enabled(cs));
	cfgspace_set_guest_command(cs, 0x0004);
	assert_false(cfgspace_enabled(cs));
	cfgspace_free(old);
	cfgspace_free(cs);
	free(md);
}

/* Bridges. */

static struct memdev *
md_bridge(void)
{
	struct memdev	*md = md_blank(256, 0x01);

	memdev_put(md, 0x10, 4, 0xfe000000);
	memdev_put(md, 0x18, 4, 0x00020100);	/* bus 0 -> 1..2 */
	memdev_put(md, 0x20, 4, 0xfe20fe10);	/* memory window */
	memdev_put(md, 0x30, 4, 0x00000000);
	memdev_put(md, 0x38, 4, 0xfd000000);	/* ROM */
	md->md_info.ci_bar[0].cb_start = 0xfe000000;
	md->md_info.ci_bar[0].cb_size = 4 * KiB;
	md->md_info.ci_bar[CFGDEV_ROM].cb_start = 0xfd000000;
	md->md_info.ci_bar[CFGDEV_ROM].cb_size = 64 * KiB;
	return md;
}

static void
test_bridge_rows(void **state)
{
	struct memdev	*md = md_bridge();
	struct cfgspace	*cs = cs_new(md, NULL);

	(void)state;
	assert_int_equal(cfgspace_header_type(cs), 1);
	assert_true(has_field(cs, 0x38, "rom"));
	assert_false(has_field(cs, 0x30, "rom"));
	assert_false(has_field(cs, 0x18, "bar2"));
	assert_int_equal(wr(cs, 0x38, 4, 0xfffff800), 0);
	assert_int_equal(rd(cs, 0x38, 4), 0xffff0000);
	assert_int_equal(wr(cs, 0x10, 4, 0xffffffff), 0);
	assert_int_equal(rd(cs, 0x10, 4), 0xfffff000);
	/* Bus numbers and windows stay the host's. */
	assert_int_equal(wr(cs, 0x18, 4, 0x00050500), CFGSPACE_DROPPED);
	assert_int_equal(wr(cs, 0x20, 4, 0), CFGSPACE_DROPPED);
	assert_int_equal(wr(cs, 0x30, 4, 0), CFGSPACE_DROPPED);
	assert_int_equal(md->md_nwrites, 0);
	assert_int_equal(rd(cs, 0x18, 4), 0x00020100);
	cfgspace_free(cs);
	/*
	 * Unlike Linux, not even a permissive bridge is the guest's to
	 * break: bus numbers are the hard floor (bug 9 of issue 10).
	 */
	cs = cs_new(md, &pol_permissive);
	assert_int_equal(wr(cs, 0x18, 4, 0x00050500), CFGSPACE_DROPPED);
	assert_int_equal(memdev_writes_in(md, 0x18, 4), 0);
	cfgspace_free(cs);
	free(md);
}

/* ---- bug 9: the hard floor holds even permissive, and for quirks ---- */

/* A write to the floor: dropped, nothing reaches hardware, counted. */
static void
floor_dropped(struct cfgspace *cs, struct memdev *md, unsigned int off,
    unsigned int size)
{
	static const uint32_t	pats[] = { 0, 0xffffffff, 0x5a5a5a5a };
	uint64_t		before = cfgspace_stats(cs)->css_floor;
	size_t			i;
	uint32_t		mask = size == 4 ? 0xffffffff :
				    (1u << (8 * size)) - 1;

	memdev_clear_log(md);
	for (i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		if (wr(cs, off, size, pats[i] & mask) != CFGSPACE_DROPPED)
			fail_msg("write %#x/%u=%#x not dropped", off, size,
			    pats[i] & mask);
	}
	if (md->md_nwrites != 0)
		fail_msg("write %#x/%u reached hardware", off, size);
	assert_int_equal(cfgspace_stats(cs)->css_floor, before + 3);
}

/* No quirk may open a floor register. */
static void
floor_no_quirk(struct memdev *md, unsigned int off, unsigned int size,
    const char *name)
{
	struct cfgspace_quirk	 q = { (uint16_t)off, (uint8_t)size, 1 };
	struct cfgspace_policy	 pol = { 1, 0, &q, 1 };
	struct cfgspace		*cs;
	char			*cause = NULL;

	cs = cfgspace_new(&memdev_ops, md, &md->md_info, &pol, &cause);
	if (cs != NULL)
		fail_msg("quirk at %#x over %s accepted", off, name);
	assert_non_null(cause);
	assert_non_null(strstr(cause, name));
	free(cause);
}

static void
test_bug9_bridge_floor_even_permissive(void **state)
{
	static const struct {
		unsigned int	 off, size;
		const char	*name;
	} t[] = {
		{ 0x18, 4, "bus_numbers" },
		{ 0x1c, 2, "io_window" },
		{ 0x20, 4, "mem_window" },
		{ 0x24, 4, "pref_window" },
		{ 0x28, 4, "pref_base_upper" },
		{ 0x2c, 4, "pref_limit_upper" },
		{ 0x30, 4, "io_window_upper" },
		{ 0x3e, 2, "bridge_control" },
	};
	struct memdev	*md = md_bridge();
	struct cfgspace	*cs = cs_new(md, &pol_permissive);
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_true(has_field(cs, t[i].off, t[i].name));
		floor_dropped(cs, md, t[i].off, t[i].size);
		/* Byte by byte too: bus numbers one at a time. */
		floor_dropped(cs, md, t[i].off, 1);
		floor_no_quirk(md, t[i].off, t[i].size, t[i].name);
	}
	/* Secondary status is not the floor: permissive reaches it. */
	memdev_clear_log(md);
	assert_int_equal(wr(cs, 0x1e, 2, 0xf900), 0);
	assert_int_equal(memdev_writes_in(md, 0x1e, 2), 1);
	assert_int_equal(rd(cs, 0x18, 4), 0x00020100);
	cfgspace_free(cs);
	free(md);
}

static void
test_bug9_sriov_floor_even_permissive(void **state)
{
	static const struct {
		unsigned int	 off, size;
		const char	*name;
	} t[] = {
		{ 0x148, 2, "sriov.control" },
		{ 0x150, 2, "sriov.num_vfs" },
		{ 0x160, 4, "sriov.page_size" },
		{ 0x164, 4, "sriov.vf_bar0" },
		{ 0x178, 4, "sriov.vf_bar5" },
	};
	struct memdev	*md = md_synth();
	struct cfgspace	*cs = cs_new(md, &pol_permissive);
	size_t		 i;

	(void)state;
	assert_int_equal(cfgspace_ecap(cs, 0x0010), 0x140);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (!has_field(cs, t[i].off, t[i].name))
			fail_msg("no %s at %#x", t[i].name, t[i].off);
		floor_dropped(cs, md, t[i].off, t[i].size);
		floor_no_quirk(md, t[i].off, t[i].size, t[i].name);
	}
	/* VF Enable in a dword write with the status: still dropped. */
	memdev_clear_log(md);
	assert_int_equal(wr(cs, 0x148, 4, 0x00000001), 0);
	assert_int_equal(memdev_writes_in(md, 0x148, 2), 0);
	/* Initial/TotalVFs are read-only PASS rows: permissive writes. */
	memdev_clear_log(md);
	assert_int_equal(wr(cs, 0x14c, 4, 0x00080008), 0);
	assert_int_equal(memdev_writes_in(md, 0x14c, 4), 1);
	cfgspace_free(cs);
	free(md);
}

/* Resizable BAR (two BARs), ACS with an egress vector, ATS. */
static struct memdev *
md_floor_ecaps(void)
{
	struct memdev	*md = md_blank(4096, 0x00);

	md_ecap(md, 0x100, 0x0015, 0x140);
	memdev_put(md, 0x104, 4, 0x000ffff0);	/* sizes 1 MiB..32 GiB */
	memdev_put(md, 0x108, 4, 0x00000040);	/* BAR 0, 2 resizable */
	memdev_put(md, 0x10c, 4, 0x000ffff0);
	memdev_put(md, 0x110, 4, 0x00000002);	/* BAR 2 */
	md_ecap(md, 0x140, 0x000d, 0x180);
	memdev_put(md, 0x144, 2, 0x087f);	/* egress (0x20), 8 bits */
	memdev_put(md, 0x146, 2, 0x001d);	/* SV, RR, CR, UF */
	md_ecap(md, 0x180, 0x000f, 0x000);
	memdev_put(md, 0x186, 2, 0x8000);	/* ATS enabled by dom0 */
	return md;
}

static void
test_bug9_rebar_acs_ats_floor_even_permissive(void **state)
{
	static const struct {
		unsigned int	 off, size;
		const char	*name;
	} t[] = {
		{ 0x108, 4, "rebar.control0" },
		{ 0x110, 4, "rebar.control1" },
		{ 0x146, 2, "acs.control" },
		{ 0x148, 4, "acs.egress0" },
		{ 0x186, 2, "ats.control" },
	};
	struct memdev	*md = md_floor_ecaps();
	struct cfgspace	*cs = cs_new(md, &pol_permissive);
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (!has_field(cs, t[i].off, t[i].name))
			fail_msg("no %s at %#x", t[i].name, t[i].off);
		floor_dropped(cs, md, t[i].off, t[i].size);
		floor_no_quirk(md, t[i].off, t[i].size, t[i].name);
	}
	/* Only two BARs are resizable: no third pair of rows. */
	assert_false(has_field(cs, 0x118, "rebar.control2"));
	/* ACS's egress vector is one dword for 8 bits. */
	assert_false(has_field(cs, 0x14c, "acs.egress1"));
	assert_int_equal(rd(cs, 0x146, 2), 0x001d);
	assert_int_equal(rd(cs, 0x186, 2), 0x8000);
	cfgspace_free(cs);
	/* Not permissive either, of course. */
	cs = cs_new(md, NULL);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		floor_dropped(cs, md, t[i].off, t[i].size);
	cfgspace_free(cs);
	free(md);
}

/* Capabilities. */

static void
test_cap_headers_never_written_even_permissive(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, &pol_permissive);

	(void)state;
	assert_int_equal(wr(cs, 0xc8, 2, 0x0000), 0);	/* PM */
	assert_int_equal(wr(cs, 0xd0, 2, 0x0000), 0);	/* MSI */
	assert_int_equal(wr(cs, 0xa1, 1, 0x00), 0);	/* MSI-X next */
	assert_int_equal(wr(cs, 0xe0, 2, 0x0000), 0);	/* PCIe */
	assert_int_equal(wr(cs, 0x100, 4, 0), 0);	/* AER */
	assert_int_equal(wr(cs, 0x102, 2, 0), 0);
	assert_int_equal(md->md_nwrites, 0);
	cfgspace_free(cs);
	free(md);
}

static void
test_pm_pmc_hides_pme_support(void **state)
{
	struct memdev	*md = md_synth();
	struct cfgspace	*cs = cs_new(md, &pol_permissive);

	(void)state;
	assert_int_equal(memdev_get(md, 0x42, 2), 0x4823);
	assert_int_equal(rd(cs, 0x42, 2), 0x0023);
	assert_int_equal(rd(cs, 0x40, 4), 0x00235001);
	assert_int_equal(wr(cs, 0x42, 2, 0xffff), 0);
	assert_int_equal(md->md_nwrites, 0);
	cfgspace_free(cs);
	free(md);
}

static void
test_pm_pmcsr_pme_enable_never_set(void **state)
{
	struct memdev	*md = md_synth();
	struct cfgspace	*cs = cs_new(md, &pol_permissive);

	(void)state;
	assert_int_equal(wr(cs, 0x44, 2, 0x0108), 0);
	assert_int_equal(memdev_get(md, 0x44, 2) & 0x0100, 0);
	assert_int_equal(md->md_nwrites, 0);
	/* Data_Select and PME_Status are the guest's. */
	assert_int_equal(wr(cs, 0x44, 2, 0x9e08), 0);
	assert_int_equal(md->md_nwrites, 1);
	assert_int_equal(memdev_get(md, 0x44, 2), 0x9e08);
	cfgspace_free(cs);
	free(md);
}

static void
test_pm_dstate_raw_without_set_power(void **state)
{
	struct memdev	*md = md_synth();
	struct cfgspace	*cs = cs_new(md, NULL);

	(void)state;
	memdev_put(md, 0x44, 2, 0x8008);	/* PME_Status pending */
	assert_int_equal(wr(cs, 0x44, 2, 0x8003), 0);
	/* D3hot set, and the pending PME not cleared by the write. */
	assert_int_equal(md->md_nwrites, 1);
	assert_int_equal(md->md_writes[0].mw_val, 0x000b);
	/* Already in D3hot: nothing to do. */
	memdev_put(md, 0x44, 2, 0x000b);
	assert_int_equal(wr(cs, 0x44, 2, 0x0003), 0);
	assert_int_equal(md->md_nwrites, 1);
	cfgspace_free(cs);
	free(md);
}

static void
test_pm_dstate_through_set_power(void **state)
{
	struct memdev	*md = md_synth();
	struct cfgspace	*cs;
	char		*cause = NULL;

	(void)state;
	cs = cfgspace_new(&memdev_ops_pm, md, &md->md_info, NULL, &cause);
	assert_non_null(cs);
	assert_int_equal(wr(cs, 0x44, 2, 0x0003), 0);
	assert_int_equal(md->md_power_calls, 1);
	assert_int_equal(md->md_power_state, 3);
	assert_int_equal(md->md_nwrites, 0);
	cfgspace_free(cs);
	free(md);
}

static int
fwd_read(void *arg, unsigned int off, unsigned int size, uint32_t *val)
{
	return memdev_ops.cdo_read(arg, off, size, val);
}

static int
fwd_write(void *arg, unsigned int off, unsigned int size, uint32_t val)
{
	return memdev_ops.cdo_write(arg, off, size, val);
}

static int
fail_power(void *arg, unsigned int st)
{
	(void)arg;
	(void)st;
	return -EIO;
}

static void
test_pm_set_power_failure_refused(void **state)
{
	static const struct cfgdev_ops ops = {
		fwd_read, fwd_write, fail_power
	};
	struct memdev	*md = md_synth();
	struct cfgspace	*cs;
	char		*cause = NULL;

	(void)state;
	cs = cfgspace_new(&ops, md, &md->md_info, NULL, &cause);
	assert_non_null(cs);
	assert_int_equal(wr(cs, 0x44, 2, 0x0003), -EPERM);
	assert_int_equal(cfgspace_stats(cs)->css_refused, 1);
	cfgspace_free(cs);
	free(md);
}

static struct memdev *
md_vpd(void)
{
	struct memdev	*md = md_load("qemu-e1000.txt", e1000_sizes, 11);

	md_cap(md, 0x40, 0x03, 0x00);
	return md;
}

static void
test_vpd_address_write_refused_read_allowed(void **state)
{
	struct memdev	*md = md_vpd();
	struct cfgspace	*cs = cs_new(md, &pol_permissive);

	(void)state;
	assert_int_equal(cfgspace_cap(cs, 0x03), 0x40);
	assert_int_equal(wr(cs, 0x42, 2, 0x8010), -EPERM);
	assert_int_equal(md->md_nwrites, 0);
	assert_int_equal(wr(cs, 0x42, 2, 0x0010), 0);
	assert_int_equal(memdev_get(md, 0x42, 2), 0x0010);
	assert_int_equal(md->md_nwrites, 1);
	/* Data is read-only, even permissive. */
	assert_int_equal(wr(cs, 0x44, 4, 0x11223344), 0);
	assert_int_equal(md->md_nwrites, 1);
	cfgspace_free(cs);
	free(md);
}

static void
test_msi_control_same_value_or_refused(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, NULL);

	(void)state;
	assert_int_equal(wr(cs, 0xd2, 2, 0x0080), 0);
	assert_int_equal(wr(cs, 0xd2, 2, 0x0081), -EPERM);
	assert_int_equal(wr(cs, 0xd2, 1, 0x81), -EPERM);
	assert_int_equal(md->md_nwrites, 0);
	cfgspace_free(cs);
	/* Stricter than Linux: permissive does not make it raw. */
	cs = cs_new(md, &pol_permissive);
	assert_int_equal(wr(cs, 0xd2, 2, 0x0081), -EPERM);
	assert_int_equal(wr(cs, 0xd0, 4, 0x0081e005), -EPERM);
	assert_int_equal(md->md_nwrites, 0);
	cfgspace_free(cs);
	free(md);
}

static void
test_msi_control_with_interrupt_control(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, &pol_intx);

	(void)state;
	assert_int_equal(wr(cs, 0xd2, 2, 0x0081), 0);
	assert_int_equal(memdev_get(md, 0xd2, 2), 0x0081);
	assert_int_equal(cfgspace_msi_enabled(cs), 1);
	/* Only the enable bit may change. */
	assert_int_equal(wr(cs, 0xd2, 2, 0x0091), -EPERM);
	assert_int_equal(wr(cs, 0xd2, 2, 0x0080), 0);
	assert_int_equal(cfgspace_msi_enabled(cs), 0);
	/* Not while MSI-X is on. */
	memdev_put(md, 0xa2, 2, 0x8004);
	assert_int_equal(wr(cs, 0xd2, 2, 0x0081), -EPERM);
	assert_int_equal(memdev_get(md, 0xd2, 2), 0x0080);
	cfgspace_free(cs);
	free(md);
}

static void
test_msix_control_with_interrupt_control(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, NULL);

	(void)state;
	assert_int_equal(wr(cs, 0xa2, 2, 0x0004), 0);
	assert_int_equal(wr(cs, 0xa2, 2, 0xc004), -EPERM);
	assert_int_equal(md->md_nwrites, 0);
	cfgspace_free(cs);
	cs = cs_new(md, &pol_intx);
	assert_int_equal(wr(cs, 0xa2, 2, 0xc004), 0);	/* on, masked */
	assert_int_equal(cfgspace_msix_enabled(cs), 1);
	assert_int_equal(wr(cs, 0xa2, 2, 0x8004), 0);	/* unmask */
	assert_int_equal(wr(cs, 0xa2, 2, 0x8005), -EPERM);	/* size bits */
	assert_int_equal(wr(cs, 0xa2, 2, 0x0004), 0);
	memdev_put(md, 0xd2, 2, 0x0081);			/* MSI on */
	assert_int_equal(wr(cs, 0xa2, 2, 0x8004), -EPERM);
	assert_int_equal(wr(cs, 0xa2, 2, 0x4004), 0);	/* mask only */
	assert_int_equal(memdev_get(md, 0xa2, 2), 0x4004);
	cfgspace_free(cs);
	free(md);
}

static void
test_msix_table_and_pba_read_only(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, &pol_permissive);

	(void)state;
	assert_int_equal(rd(cs, 0xa4, 4), 0x00000003);
	assert_int_equal(rd(cs, 0xa8, 4), 0x00002003);
	assert_int_equal(wr(cs, 0xa4, 4, 0x1000), 0);
	assert_int_equal(wr(cs, 0xa8, 4, 0x1000), 0);
	assert_int_equal(wr(cs, 0xa4, 1, 0x00), 0);
	assert_int_equal(md->md_nwrites, 0);
	cfgspace_free(cs);
	free(md);
}

/* XSA-129: the MSI mask and pending bits, every access, every mode. */
static void
test_xsa129_msi_mask_never_written(void **state)
{
	static const struct cfgspace_policy pols[] = {
		{ 0, 0, NULL, 0 }, { 1, 0, NULL, 0 }, { 1, 1, NULL, 0 },
	};
	struct memdev	*md = md_synth();
	struct cfgspace	*cs;
	unsigned int	 off, size;
	size_t		 p;

	(void)state;
	for (p = 0; p < 3; p++) {
		cs = cs_new(md, &pols[p]);
		for (size = 1; size <= 4; size *= 2)
		for (off = 0x60; off < 0x68; off += size) {
			assert_int_equal(wr(cs, off, size, 0xffffffff), 0);
			assert_int_equal(wr(cs, off, size, 0), 0);
		}
		/* A write spanning control and address reaches neither. */
		assert_int_equal(wr(cs, 0x54, 4, 0xfee00000), 0);
		assert_int_equal(md->md_nwrites, 0);
		cfgspace_free(cs);
	}
	free(md);

	/* 32-bit maskable MSI: mask at +0x0c. */
	md = md_blank(256, 0);
	md_cap(md, 0x40, 0x05, 0x00);
	memdev_put(md, 0x42, 2, 0x0100);
	cs = cs_new(md, &pol_permissive);
	assert_true(has_field(cs, 0x4c, "msi.mask"));
	assert_true(has_field(cs, 0x50, "msi.pending"));
	for (off = 0x44; off < 0x54; off += 4)
		assert_int_equal(wr(cs, off, 4, 0xffffffff), 0);
	assert_int_equal(md->md_nwrites, 0);
	cfgspace_free(cs);
	free(md);
}

static void
test_msi_address_data_never_written(void **state)
{
	struct memdev	*md = md_load("qemu-edu.txt", edu_sizes, 11);
	struct cfgspace	*cs = cs_new(md, &pol_permissive);
	unsigned int	 off;

	(void)state;
	for (off = 0x44; off < 0x50; off += 2)
		assert_int_equal(wr(cs, off, 2, 0xbeef), 0);
	assert_int_equal(md->md_nwrites, 0);
	cfgspace_free(cs);
	free(md);
}

static void
test_pcie_and_aer_follow_permissive(void **state)
{
	struct memdev	*md = md_synth();
	struct cfgspace	*cs = cs_new(md, NULL);

	(void)state;
	assert_true(has_field(cs, 0xa8, "pcie.devctl"));
	assert_int_equal(wr(cs, 0xa8, 2, 0x2010), CFGSPACE_DROPPED);
	assert_int_equal(wr(cs, 0x104, 4, 0xffffffff), CFGSPACE_DROPPED);
	assert_int_equal(md->md_nwrites, 0);
	cfgspace_free(cs);
	cs = cs_new(md, &pol_permissive);
	assert_int_equal(wr(cs, 0xa8, 2, 0x2010), 0);
	assert_int_equal(memdev_get(md, 0xa8, 2), 0x2010);
	assert_int_equal(wr(cs, 0x104, 4, 0xffffffff), 0);
	assert_int_equal(memdev_writes_in(md, 0x104, 4), 1);
	cfgspace_free(cs);
	free(md);
}

/*
 * XSA-128: every (offset, size) in the header and the MSI capability,
 * with several patterns, in several modes.  Only bytes whose rows allow
 * it may reach hardware, and identity, BARs and MSI address/data/mask
 * may never change.
 */
#define XSA128_END	0x68	/* header, PM at 0x40, MSI at 0x50 */

/* Bytes a write may reach on the synthetic device, per mode. */
static void
xsa128_map(char *map, int permissive, int intx)
{
	static const unsigned int always[] = {
		0x04, 0x05,		/* command (rule-limited bits) */
		0x0c,			/* cache line */
		0x0f,			/* BIST (start only) */
		0x44, 0x45,		/* PMCSR (rule-limited bits) */
	};
	static const unsigned int plain[][2] = {
		{ 0x06, 0x0c },		/* status, class */
		{ 0x0e, 0x0f },		/* header type */
		{ 0x28, 0x30 },		/* CardBus CIS, subsystem */
		{ 0x34, 0x3c },		/* cap pointer, reserved */
		{ 0x3e, 0x40 },		/* Min_Gnt, Max_Lat */
		{ 0x48, 0x50 },		/* after PM, before MSI */
	};
	size_t		 i;
	unsigned int	 b;

	memset(map, 0, XSA128_END);
	for (i = 0; i < sizeof(always) / sizeof(always[0]); i++)
		map[always[i]] = 1;
	for (i = 0; permissive && i < sizeof(plain) / sizeof(plain[0]); i++)
		for (b = plain[i][0]; b < plain[i][1]; b++)
			map[b] = 1;
	if (intx)
		map[0x52] = map[0x53] = 1;	/* MSI control */
}

static void
xsa128_case(const struct memdev *tmpl, const struct cfgspace_policy *p,
    unsigned int off, unsigned int size, uint32_t pat)
{
	struct memdev	*md = md_copy(tmpl);
	struct cfgspace	*cs = cs_new(md, p);
	char		 map[XSA128_END];
	size_t		 i;
	unsigned int	 b;
	int		 error;

	xsa128_map(map, p->cp_permissive, p->cp_intx_control);
	error = wr(cs, off, size, pat);
	assert_true(error == 0 || error == CFGSPACE_DROPPED ||
	    error == -EPERM);
	for (i = 0; i < md->md_nwrites; i++) {
		const struct memdev_write *w = &md->md_writes[i];

		/* A BAR may only ever be restored to what dom0 set. */
		if (w->mw_off >= 0x10 && w->mw_off < 0x28) {
			assert_int_equal(w->mw_size, 4);
			assert_int_equal(w->mw_val,
			    memdev_get(tmpl, w->mw_off, 4));
			continue;
		}
		for (b = w->mw_off; b < w->mw_off + w->mw_size; b++) {
			if (b >= XSA128_END || !map[b])
				fail_msg("write %u@0x%x (0x%x) touched 0x%x",
				    size, off, pat, b);
		}
	}
	/* Vendor/device, BARs, ROM, MSI header/address/data/mask/pending. */
	assert_memory_equal(md->md_cfg, tmpl->md_cfg, 4);
	assert_memory_equal(md->md_cfg + 0x10, tmpl->md_cfg + 0x10, 0x18);
	assert_memory_equal(md->md_cfg + 0x30, tmpl->md_cfg + 0x30, 4);
	assert_memory_equal(md->md_cfg + 0x50, tmpl->md_cfg + 0x50, 2);
	assert_memory_equal(md->md_cfg + 0x54, tmpl->md_cfg + 0x54, 0x14);
	assert_int_equal(memdev_get(md, 0x04, 2) & 3,
	    memdev_get(tmpl, 0x04, 2) & 3);
	cfgspace_free(cs);
	free(md);
}

static void
test_xsa128_multi_field_access_routing(void **state)
{
	static const struct cfgspace_policy pols[] = {
		{ 0, 0, NULL, 0 }, { 1, 0, NULL, 0 }, { 0, 1, NULL, 0 },
		{ 1, 1, NULL, 0 },
	};
	static const uint32_t pats[] = {
		0xffffffff, 0x00000000, 0xa5a55a5a, 0x0102047f, 0x01870187
	};
	struct memdev	*tmpl = md_synth();
	unsigned int	 off, size;
	size_t		 p, k;

	(void)state;
	for (p = 0; p < sizeof(pols) / sizeof(pols[0]); p++)
	for (k = 0; k < sizeof(pats) / sizeof(pats[0]); k++)
	for (size = 1; size <= 4; size *= 2)
	for (off = 0; off < XSA128_END; off += size)
		xsa128_case(tmpl, &pols[p], off, size, pats[k]);
	free(tmpl);
}

static void
test_multi_field_write_drops_uncovered_bytes(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, &pol_permissive);

	(void)state;
	/* Cache line, latency, header type, BIST in one write. */
	assert_int_equal(wr(cs, 0x0c, 4, 0x7f7f7f10), 0);
	assert_int_equal(md->md_nwrites, 1);
	assert_int_equal(md->md_writes[0].mw_off, 0x0c);
	assert_int_equal(md->md_writes[0].mw_size, 1);
	assert_int_equal(memdev_get(md, 0x0c, 4), 0x00000010);
	cfgspace_free(cs);
	free(md);
}

/* XSA-131: default deny for registers no row describes. */
static void
test_xsa131_unknown_registers_dropped(void **state)
{
	static const struct cfgspace_quirk q[] = {
		{ 0x40, 4, 0x0000ff00 },
		{ 0x80, 2, 0xffff },
	};
	struct cfgspace_policy pol = { 0, 0, q, 2 };
	struct memdev	*md = md_load("qemu-e1000.txt", e1000_sizes, 11);
	struct cfgspace	*cs = cs_new(md, NULL);
	unsigned int	 off;

	(void)state;
	for (off = 0x40; off < 0x100; off += 4)
		assert_int_equal(wr(cs, off, 4, 0xffffffff), CFGSPACE_DROPPED);
	assert_int_equal(wr(cs, 0x35, 1, 0xff), CFGSPACE_DROPPED);
	assert_int_equal(md->md_nwrites, 0);
	assert_int_equal(cfgspace_stats(cs)->css_dropped, 49);
	cfgspace_free(cs);

	/* Permissive: written as asked. */
	cs = cs_new(md, &pol_permissive);
	assert_int_equal(wr(cs, 0x40, 4, 0x12345678), 0);
	assert_int_equal(memdev_get(md, 0x40, 4), 0x12345678);
	cfgspace_free(cs);

	/* Quirk: only the mask bits come from the guest. */
	memdev_put(md, 0x40, 4, 0xaabbccdd);
	cs = cs_new(md, &pol);
	assert_int_equal(wr(cs, 0x40, 4, 0x11223344), 0);
	assert_int_equal(memdev_get(md, 0x40, 4), 0xaabb33dd);
	assert_int_equal(wr(cs, 0x41, 1, 0x55), 0);	/* partial: merged */
	assert_int_equal(memdev_get(md, 0x40, 4), 0xaabb55dd);
	assert_int_equal(wr(cs, 0x44, 4, 0x1), CFGSPACE_DROPPED);
	/* The quirk's bytes go through, the rest of the access does not. */
	memdev_clear_log(md);
	assert_int_equal(wr(cs, 0x80, 4, 0xffffffff), 0);
	assert_int_equal(md->md_nwrites, 1);
	assert_int_equal(memdev_get(md, 0x80, 4), 0x0000ffff);
	cfgspace_free(cs);
	free(md);
}

static void
test_quirk_may_name_plain_rows(void **state)
{
	static const struct cfgspace_quirk q[] = { { 0xa8, 2, 0x0010 } };
	struct cfgspace_policy pol = { 0, 0, q, 1 };
	struct memdev	*md = md_synth();
	struct cfgspace	*cs = cs_new(md, &pol);

	(void)state;
	/* PCIe Device Control: only Relaxed Ordering is the guest's. */
	memdev_put(md, 0xa8, 2, 0x2000);
	assert_int_equal(wr(cs, 0xa8, 2, 0x00f0), 0);
	assert_int_equal(memdev_get(md, 0xa8, 2), 0x2010);
	assert_int_equal(wr(cs, 0xaa, 2, 0xffff), CFGSPACE_DROPPED);
	cfgspace_free(cs);
	free(md);
}

static void
test_set_policy_validation(void **state)
{
	static const struct {
		struct cfgspace_quirk	 q;
		const char		*want;
	} bad[] = {
		{ { 0x40, 3, 0xff }, "quirk at 0x40: size 3 is not 1, 2 or 4" },
		{ { 0x41, 2, 0xff }, "quirk at 0x41: misaligned or outside "
		    "config space" },
		{ { 0xffc, 4, 0xff }, "quirk at 0xffc: misaligned or outside "
		    "config space" },
		{ { 0x40, 1, 0x1ff }, "quirk at 0x40: mask 0x1ff wider than "
		    "the register" },
		{ { 0x04, 2, 0x0400 }, "quirk at 0x4: overlaps command" },
		{ { 0x14, 4, 0xffffffff }, "quirk at 0x14: overlaps bar1" },
		{ { 0x3c, 1, 0xff }, "quirk at 0x3c: overlaps int_line" },
		{ { 0x60, 4, 0xffffffff }, "quirk at 0x60: overlaps msi.mask" },
		{ { 0x72, 2, 0xffff }, "quirk at 0x72: overlaps msix.control" },
	};
	static const struct cfgspace_quirk good[] = {
		{ 0xe0, 4, 0xffffffff }, { 0x06, 2, 0x0100 },
	};
	struct cfgspace_quirk two[2] = { { 0xe0, 4, 1 }, { 0xe2, 2, 1 } };
	struct cfgspace_policy pol = { 0, 0, good, 2 };
	struct memdev	*md = md_synth();
	struct cfgspace	*cs = cs_new(md, NULL);
	char		*cause;
	size_t		 i;

	(void)state;
	md->md_info.ci_size = 256;	/* 0xffc is outside */
	cfgspace_free(cs);
	cs = cs_new(md, NULL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pol.cp_quirks = &bad[i].q;
		pol.cp_nquirks = 1;
		cause = NULL;
		assert_int_equal(cfgspace_set_policy(cs, &pol, &cause),
		    -EINVAL);
		assert_non_null(cause);
		assert_string_equal(cause, bad[i].want);
		free(cause);
	}
	pol.cp_quirks = two;
	pol.cp_nquirks = 2;
	cause = NULL;
	assert_int_equal(cfgspace_set_policy(cs, &pol, &cause), -EINVAL);
	assert_string_equal(cause, "quirk at 0xe2: overlaps the quirk at 0xe0");
	free(cause);
	pol.cp_quirks = NULL;
	pol.cp_nquirks = 1;
	cause = NULL;
	assert_int_equal(cfgspace_set_policy(cs, &pol, &cause), -EINVAL);
	free(cause);
	pol.cp_nquirks = CFGSPACE_MAX_QUIRKS + 1;
	pol.cp_quirks = good;
	cause = NULL;
	assert_int_equal(cfgspace_set_policy(cs, &pol, &cause), -EINVAL);
	free(cause);

	/* A failed update leaves the old policy; a good one is copied. */
	assert_int_equal(wr(cs, 0xe0, 4, 1), CFGSPACE_DROPPED);
	two[0].cq_offset = 0xe0;
	two[0].cq_size = 4;
	two[0].cq_mask = 0xffffffff;
	pol.cp_quirks = two;
	pol.cp_nquirks = 1;
	assert_int_equal(cfgspace_set_policy(cs, &pol, &cause), 0);
	two[0].cq_offset = 0xf0;	/* the engine has its own copy */
	assert_int_equal(wr(cs, 0xe0, 4, 1), 0);
	assert_int_equal(memdev_get(md, 0xe0, 4), 1);
	assert_int_equal(wr(cs, 0xf0, 4, 1), CFGSPACE_DROPPED);
	/* Turning permissive on and off. */
	assert_int_equal(cfgspace_set_policy(cs, &pol_permissive, &cause), 0);
	assert_int_equal(wr(cs, 0xf0, 4, 1), 0);
	assert_int_equal(cfgspace_set_policy(cs, NULL, &cause), 0);
	assert_int_equal(wr(cs, 0xf0, 4, 2), CFGSPACE_DROPPED);
	assert_int_equal(wr(cs, 0xe0, 4, 2), CFGSPACE_DROPPED);
	cfgspace_free(cs);
	free(md);
}

static void
test_new_refuses_bad_quirk(void **state)
{
	static const struct cfgspace_quirk q[] = { { 0x10, 4, 1 } };
	struct cfgspace_policy pol = { 0, 0, q, 1 };
	struct memdev	*md = md_e1000e();
	char		*cause = NULL;

	(void)state;
	assert_null(cfgspace_new(&memdev_ops, md, &md->md_info, &pol,
	    &cause));
	assert_string_equal(cause, "quirk at 0x10: overlaps bar0");
	free(cause);
	free(md);
}

/* Helpers for the op layer, and statistics. */

static void
test_op_layer_helpers(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, NULL);

	(void)state;
	assert_int_equal(cfgspace_mem_decoding(cs), 1);
	memdev_put(md, 0x04, 2, 0x0001);
	assert_int_equal(cfgspace_mem_decoding(cs), 0);
	assert_int_equal(cfgspace_msi_enabled(cs), 0);
	assert_int_equal(cfgspace_msix_enabled(cs), 0);
	memdev_put(md, 0xd2, 2, 0x0081);
	memdev_put(md, 0xa2, 2, 0x8004);
	assert_int_equal(cfgspace_msi_enabled(cs), 1);
	assert_int_equal(cfgspace_msix_enabled(cs), 1);
	assert_int_equal(cfgspace_msix_table_size(cs), 5);
	cfgspace_free(cs);
	free(md);

	md = md_load("qemu-nvme.txt", nvme_sizes, 11);
	cs = cs_new(md, NULL);
	assert_int_equal(cfgspace_msix_table_size(cs), 65);
	assert_int_equal(cfgspace_msi_enabled(cs), 0);
	cfgspace_free(cs);
	free(md);

	md = md_load("qemu-e1000.txt", e1000_sizes, 11);
	memset(md->md_cfg + 0x40, 0xff, 0xc0);
	cs = cs_new(md, NULL);
	assert_int_equal(cfgspace_msi_enabled(cs), 0);
	assert_int_equal(cfgspace_msix_enabled(cs), 0);
	assert_int_equal(cfgspace_msix_table_size(cs), 0);
	assert_int_equal(md->md_nwrites, 0);
	cfgspace_free(cs);
	free(md);
}

static void
test_stats_counted(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, NULL);
	const struct cfgspace_stats *st = cfgspace_stats(cs);
	uint32_t	 v;

	(void)state;
	(void)rd(cs, 0x00, 4);
	(void)cfgspace_read(cs, 0x01, 2, &v);
	assert_int_equal(wr(cs, 0x0c, 1, 0x10), 0);
	assert_int_equal(wr(cs, 0x40, 4, 0x10), CFGSPACE_DROPPED);
	assert_int_equal(wr(cs, 0xd2, 2, 0x0081), -EPERM);
	assert_int_equal(wr(cs, 0x03, 2, 0), -EINVAL);
	assert_int_equal(st->css_reads, 2);
	assert_int_equal(st->css_writes, 4);
	assert_int_equal(st->css_dropped, 1);
	assert_int_equal(st->css_refused, 2);
	cfgspace_free(cs);
	free(md);
}

static void
put32(uint8_t *cfg, unsigned int off, uint32_t v)
{
	cfg[off] = (uint8_t)v;
	cfg[off + 1] = (uint8_t)(v >> 8);
	cfg[off + 2] = (uint8_t)(v >> 16);
	cfg[off + 3] = (uint8_t)(v >> 24);
}

/* Type 0: I/O, 64-bit prefetchable memory across two slots, ROM at 0x30. */
static void
test_decode_bars_type0(void **state)
{
	uint8_t			cfg[CFGSPACE_CONV_SIZE];
	struct cfgdev_info	ci;

	(void)state;
	memset(cfg, 0, sizeof(cfg));
	memset(&ci, 0xa5, sizeof(ci));
	put32(cfg, 0x10, 0x0000c081);			/* I/O */
	put32(cfg, 0x14, 0xfe00000c);			/* 64-bit, pref */
	put32(cfg, 0x18, 0x00000002);			/* upper half */
	put32(cfg, 0x1c, 0xfeb00000);			/* 32-bit memory */
	put32(cfg, 0x30, 0xfea00001);			/* ROM, enabled */
	cfgspace_decode_bars(cfg, &ci);
	assert_int_equal(ci.ci_bar[0].cb_flags, CFGDEV_BAR_IO);
	assert_int_equal(ci.ci_bar[0].cb_start, 0xc080);
	assert_int_equal(ci.ci_bar[1].cb_flags,
	    CFGDEV_BAR_MEM64 | CFGDEV_BAR_PREFETCH);
	assert_int_equal(ci.ci_bar[1].cb_start, 0x2fe000000ULL);
	assert_int_equal(ci.ci_bar[2].cb_start, 0);	/* upper slot empty */
	assert_int_equal(ci.ci_bar[2].cb_flags, 0);
	assert_int_equal(ci.ci_bar[3].cb_start, 0xfeb00000);
	assert_int_equal(ci.ci_bar[3].cb_flags, 0);
	assert_int_equal(ci.ci_bar[CFGDEV_ROM].cb_start, 0xfea00000);
	/* Sizes are the caller's: untouched. */
	assert_int_equal(ci.ci_bar[0].cb_size, 0xa5a5a5a5a5a5a5a5ULL);
}

/* A bridge has two BARs; 0x18.. are bus numbers and windows. */
static void
test_decode_bars_bridge(void **state)
{
	uint8_t			cfg[CFGSPACE_CONV_SIZE];
	struct cfgdev_info	ci;

	(void)state;
	memset(cfg, 0, sizeof(cfg));
	memset(&ci, 0, sizeof(ci));
	cfg[0x0e] = 0x81;				/* type 1, multi-fn */
	put32(cfg, 0x10, 0xfe800000);
	put32(cfg, 0x18, 0x00020100);			/* bus numbers */
	put32(cfg, 0x30, 0xfd00fc00);			/* I/O upper: no ROM */
	put32(cfg, 0x38, 0xfe700000);			/* ROM */
	cfgspace_decode_bars(cfg, &ci);
	assert_int_equal(ci.ci_bar[0].cb_start, 0xfe800000);
	assert_int_equal(ci.ci_bar[2].cb_start, 0);
	assert_int_equal(ci.ci_bar[2].cb_flags, 0);
	assert_int_equal(ci.ci_bar[CFGDEV_ROM].cb_start, 0xfe700000);
}

/* Registers answered from memory (lib/cfgspace.c: cfgspace_const_rows). */

/*
 * What memory answers once a register was read: the engine's own fields
 * and the constants.  A change to cfgspace_const_rows must change this
 * list too: every other register reaches the device on every read.
 */
static const char *const mem_answered[] = {
	"vendor", "device", "bar0", "bar1", "bar2", "bar3", "bar4", "bar5",
	"rom", "int_line",
	"class", "header_type", "cap_pointer", "int_pin", "cardbus_cis",
	"subsystem", "min_gnt", "max_lat",
	"pm.header", "pm.pmc",
	"vpd.header",
	"msi.header",
	"msix.header", "msix.table", "msix.pba",
	"vendor.header",
	"pcie.header", "pcie.flags", "pcie.devcap", "pcie.linkcap",
	"pcie.devcap2", "pcie.linkcap2",
	"aer.header",
	"acs.header", "acs.cap",
	"ats.header", "ats.cap",
	"sriov.header", "sriov.cap", "sriov.total_vfs", "sriov.vf_device",
	"sriov.page_sizes",
	"rebar.header",
};

static int
is_mem_answered(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof(mem_answered) / sizeof(mem_answered[0]); i++)
		if (strcmp(name, mem_answered[i]) == 0)
			return 1;
	return 0;
}

/* Device reads a second read of [off, off+size) costs. */
static size_t
reads_of(struct cfgspace *cs, struct memdev *md, unsigned int off,
    unsigned int size)
{
	size_t	n;

	(void)rd(cs, off, size);
	n = md->md_nreads;
	(void)rd(cs, off, size);
	return md->md_nreads - n;
}

/* The engine answers these itself, whatever the policy. */
static int
is_engine_own(const char *name)
{
	return strncmp(name, "bar", 3) == 0 || strcmp(name, "rom") == 0 ||
	    strcmp(name, "vendor") == 0 || strcmp(name, "device") == 0 ||
	    strcmp(name, "int_line") == 0;
}

/* cached: the policy lets memory answer constants. */
static void
check_const_table(struct memdev *md, const struct cfgspace_policy *p,
    int cached)
{
	struct cfgspace	*cs = cs_new(md, p);
	unsigned int	 off, size;
	const char	*name;
	size_t		 i, n, nmem = 0, nlive = 0;
	int		 mem;

	for (i = 0; cfgspace_field(cs, i, &off, &size, &name) == 0; i++) {
		mem = is_engine_own(name) || (cached && is_mem_answered(name));
		n = reads_of(cs, md, off, size);
		if (mem && n != 0)
			fail_msg("%s at 0x%x: %zu device reads", name, off, n);
		if (!mem && n == 0)
			fail_msg("%s at 0x%x: answered without the device",
			    name, off);
		if (mem)
			nmem++;
		else
			nlive++;
		/* No constant is ever written through. */
		if (mem && !is_engine_own(name)) {
			n = md->md_nwrites;
			(void)wr(cs, off, size, 0xffffffffu);
			assert_int_equal(md->md_nwrites, n);
		}
	}
	assert_true(nmem > 6);
	assert_true(nlive > 3);
	cfgspace_free(cs);
}

static void
test_const_table_pinned(void **state)
{
	struct memdev	*md;

	(void)state;
	md = md_e1000e();
	check_const_table(md, NULL, 1);
	free(md);
	md = md_synth();
	check_const_table(md, NULL, 1);
	free(md);
	md = md_load("qemu-edu.txt", edu_sizes, 11);
	check_const_table(md, NULL, 1);
	free(md);
	/* Permissive: the device may change anything; read it all. */
	md = md_e1000e();
	check_const_table(md, &pol_permissive, 0);
	free(md);
}

static void
test_const_ids_without_device(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, NULL);

	(void)state;
	/* The IDs, a BAR, the class: the engine's own or known. */
	assert_int_equal(reads_of(cs, md, 0x00, 4), 0);
	assert_int_equal(reads_of(cs, md, 0x10, 4), 0);
	assert_int_equal(reads_of(cs, md, 0x08, 4), 0);
	/* Command and status, and bytes no row names, every time. */
	assert_int_equal(reads_of(cs, md, 0x04, 4), 2);
	assert_int_equal(reads_of(cs, md, 0x06, 2), 1);
	assert_int_equal(reads_of(cs, md, 0x0c, 4), 1);
	assert_int_equal(rd(cs, 0x00, 4), memdev_get(md, 0x00, 4));
	cfgspace_free(cs);
	free(md);
}

static void
test_const_forgotten(void **state)
{
	struct memdev		*md = md_e1000e();
	struct cfgspace		*cs = cs_new(md, NULL);
	uint32_t		 class = memdev_get(md, 0x08, 4), v = 1;

	(void)state;
	assert_int_equal(rd(cs, 0x08, 4), class);
	/* Known: a change underneath is not seen (it cannot happen). */
	memdev_put(md, 0x08, 4, class ^ 0xff);
	assert_int_equal(rd(cs, 0x08, 4), class);
	/* A reset forgets. */
	cfgspace_reset_state(cs);
	assert_int_equal(rd(cs, 0x08, 4), class ^ 0xff);
	/* A failed read forgets, and memory answers nothing until the
	 * device answers again. */
	md->md_read_error = 1;
	assert_int_equal(cfgspace_read(cs, 0x04, 2, &v), -EIO);
	assert_int_equal(cfgspace_read(cs, 0x08, 4, &v), -EIO);
	assert_int_equal(cfgspace_read(cs, 0x00, 4, &v), -EIO);
	md->md_read_error = 0;
	memdev_put(md, 0x08, 4, class);
	assert_int_equal(rd(cs, 0x08, 4), class);
	/* A policy change forgets; permissive reads the device always. */
	memdev_put(md, 0x08, 4, class ^ 0xf0);
	assert_int_equal(cfgspace_set_policy(cs, &pol_permissive, NULL), 0);
	assert_int_equal(rd(cs, 0x08, 4), class ^ 0xf0);
	assert_int_equal(reads_of(cs, md, 0x08, 4), 1);
	assert_int_equal(cfgspace_set_policy(cs, NULL, NULL), 0);
	assert_int_equal(reads_of(cs, md, 0x08, 4), 0);
	cfgspace_free(cs);
	free(md);
}

/* A byte read of a constant, and a read across two of them. */
static void
test_const_partial(void **state)
{
	struct memdev	*md = md_e1000e();
	struct cfgspace	*cs = cs_new(md, NULL);
	unsigned int	 pm = cfgspace_cap(cs, 0x01);

	(void)state;
	assert_true(pm != 0);
	/* Byte reads of a word constant reach the device until it is
	 * read whole; then every part comes from memory. */
	assert_int_equal(rd(cs, 0x0e, 1), md->md_cfg[0x0e]);
	assert_int_equal(rd(cs, pm + 1, 1), md->md_cfg[pm + 1]);
	assert_int_equal(rd(cs, pm, 4) & 0x07ffffff,
	    memdev_get(md, pm, 4) & 0x07ffffff);
	assert_int_equal(reads_of(cs, md, pm, 4), 0);
	assert_int_equal(reads_of(cs, md, pm + 1, 1), 0);
	assert_int_equal(reads_of(cs, md, pm + 2, 2), 0);
	assert_int_equal(rd(cs, pm + 2, 2) & 0xf800, 0);
	cfgspace_free(cs);
	free(md);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_performs_no_hardware_writes),
		cmocka_unit_test(test_new_finds_e1000e_capabilities),
		cmocka_unit_test(test_new_finds_synthetic_capabilities),
		cmocka_unit_test(test_header_type_2_refused),
		cmocka_unit_test(test_new_read_error_fails),
		cmocka_unit_test(test_new_bad_size_refused),
		cmocka_unit_test(test_capwalk_loop_terminates),
		cmocka_unit_test(test_capwalk_self_pointing),
		cmocka_unit_test(test_capwalk_pointer_into_header),
		cmocka_unit_test(test_capwalk_low_bits_masked),
		cmocka_unit_test(test_capwalk_past_the_end),
		cmocka_unit_test(test_capwalk_all_ff),
		cmocka_unit_test(test_capwalk_truncated_64_byte_dump),
		cmocka_unit_test(test_capwalk_full_chain_of_48),
		cmocka_unit_test(test_ecapwalk_loop_and_bound),
		cmocka_unit_test(test_ecapwalk_stops_on_empty_headers),
		cmocka_unit_test(test_ecapwalk_skipped_on_conventional_device),
		cmocka_unit_test(test_packed_capabilities_do_not_overlap),
		cmocka_unit_test(test_every_vendor_capability_gets_rows),
		cmocka_unit_test(test_access_validation),
		cmocka_unit_test(test_read_hardware_error_propagated),
		cmocka_unit_test(test_write_hardware_error_propagated),
		cmocka_unit_test(test_vendor_device_cached),
		cmocka_unit_test(test_vf_ids_from_the_os),
		cmocka_unit_test(test_vf_bars_read_zero),
		cmocka_unit_test(test_interrupt_line_reads_low_byte_of_irq),
		cmocka_unit_test(test_interrupt_pin_read_only_even_permissive),
		cmocka_unit_test(test_command_read_mixes_hardware_and_virtual),
		cmocka_unit_test(test_command_enable_turns_on_every_bar_type),
		cmocka_unit_test(test_command_enable_failure_keeps_state),
		cmocka_unit_test(test_command_disable_clears_bus_master_only),
		cmocka_unit_test(test_command_intx_held),
		cmocka_unit_test(test_command_intx_held_over_guest_control),
		cmocka_unit_test(test_command_bus_master_toggles),
		cmocka_unit_test(test_command_mwi_toggles),
		cmocka_unit_test(test_command_intx_disable_needs_interrupt_control),
		cmocka_unit_test(test_command_permissive_writes_guest_bits),
		cmocka_unit_test(test_xsa120_guest_cannot_clear_decode_bits),
		cmocka_unit_test(test_status_dropped_unless_permissive),
		cmocka_unit_test(test_cache_line_written_through),
		cmocka_unit_test(test_latency_timer_dropped_even_permissive),
		cmocka_unit_test(test_bist_only_start),
		cmocka_unit_test(test_plain_header_registers_permissive_raw),
		cmocka_unit_test(test_bar_sizing_32bit_memory),
		cmocka_unit_test(test_bar_sizing_64bit),
		cmocka_unit_test(test_bar_sizing_io),
		cmocka_unit_test(test_bar_sizing_rom),
		cmocka_unit_test(test_bar_restore_only_exact_value),
		cmocka_unit_test(test_bar_partial_write_merges_first),
		cmocka_unit_test(test_bar_hidden_and_absent_read_zero),
		cmocka_unit_test(test_bar_never_written_even_permissive),
		cmocka_unit_test(test_release_clears_latch_and_rereads_command),
		cmocka_unit_test(test_bridge_rows),
		cmocka_unit_test(test_bug9_bridge_floor_even_permissive),
		cmocka_unit_test(test_bug9_sriov_floor_even_permissive),
		cmocka_unit_test(test_bug9_rebar_acs_ats_floor_even_permissive),
		cmocka_unit_test(test_cap_headers_never_written_even_permissive),
		cmocka_unit_test(test_pm_pmc_hides_pme_support),
		cmocka_unit_test(test_pm_pmcsr_pme_enable_never_set),
		cmocka_unit_test(test_pm_dstate_raw_without_set_power),
		cmocka_unit_test(test_pm_dstate_through_set_power),
		cmocka_unit_test(test_pm_set_power_failure_refused),
		cmocka_unit_test(test_vpd_address_write_refused_read_allowed),
		cmocka_unit_test(test_msi_control_same_value_or_refused),
		cmocka_unit_test(test_msi_control_with_interrupt_control),
		cmocka_unit_test(test_msix_control_with_interrupt_control),
		cmocka_unit_test(test_msix_table_and_pba_read_only),
		cmocka_unit_test(test_xsa129_msi_mask_never_written),
		cmocka_unit_test(test_msi_address_data_never_written),
		cmocka_unit_test(test_pcie_and_aer_follow_permissive),
		cmocka_unit_test(test_xsa128_multi_field_access_routing),
		cmocka_unit_test(test_multi_field_write_drops_uncovered_bytes),
		cmocka_unit_test(test_xsa131_unknown_registers_dropped),
		cmocka_unit_test(test_quirk_may_name_plain_rows),
		cmocka_unit_test(test_set_policy_validation),
		cmocka_unit_test(test_new_refuses_bad_quirk),
		cmocka_unit_test(test_op_layer_helpers),
		cmocka_unit_test(test_stats_counted),
		cmocka_unit_test(test_decode_bars_type0),
		cmocka_unit_test(test_decode_bars_bridge),
		cmocka_unit_test(test_const_table_pinned),
		cmocka_unit_test(test_const_ids_without_device),
		cmocka_unit_test(test_const_forgotten),
		cmocka_unit_test(test_const_partial),
		cmocka_unit_test(test_guest_command_carried_over),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
