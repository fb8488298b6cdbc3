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
 * The config-space engine against the reference model, on every device of
 * every dump in tests/data: every read the guest can make, BAR sizing, and
 * every aligned write of a few patterns, judged by the hardware writes the
 * memdev recorded.  The first tests check the model itself.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgspace.h"
#include "memdev.h"
#include "refmodel.h"

#define DUMPS_MAXDEV	64	/* devices per dump file */
#define DUMPS_MAXCASE	256
#ifndef DUMPS_NREPORT
#define DUMPS_NREPORT	25
#endif	/* mismatches printed per test */
#define DUMPS_OTHER_IRQ	0x1f3	/* GSI > 255: only the low byte shows */

struct dumpcase {
	char		dc_name[160];	/* "qemu-e1000e.txt 00:03.0" */
	char		dc_file[128];
	struct dumpdev	dc_dev;
	uint64_t	dc_sizes[CFGDEV_NBARS + 1];
	uint32_t	dc_irq;		/* interrupt line of the dump */
};

struct dumpset {
	struct dumpcase	ds_case[DUMPS_MAXCASE];
	size_t		ds_n;
	size_t		ds_skipped;
	size_t		ds_files;
};

/* Mismatch bookkeeping for one test. */
struct tally {
	size_t		t_checked;
	size_t		t_bad;
	size_t		t_hwwrites;	/* hardware writes judged */
};

static const struct cfgspace_policy policy_plain;
static const struct cfgspace_policy policy_intx = { .cp_intx_control = 1 };
static const struct cfgspace_policy policy_permissive = { .cp_permissive = 1 };

static void __attribute__((format(printf, 2, 3)))
tally_bad(struct tally *t, const char *fmt, ...)
{
	va_list	ap;
	char	buf[512];

	if (t->t_bad++ >= DUMPS_NREPORT)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	print_error("mismatch: %s\n", buf);
}

static uint32_t
bytes_get(const uint8_t *b, unsigned int off, unsigned int size)
{
	uint32_t	v = 0;
	unsigned int	i;

	for (i = 0; i < size; i++)
		v |= (uint32_t)b[off + i] << (8 * i);
	return v;
}

static void
bytes_put(uint8_t *b, unsigned int off, unsigned int size, uint32_t v)
{
	unsigned int	i;

	for (i = 0; i < size; i++)
		b[off + i] = (uint8_t)(v >> (8 * i));
}

/* What the guest should read: composed from the model's bytes. */
static uint32_t
model_read(const struct refmodel *rm, unsigned int off, unsigned int size)
{
	return bytes_get(rm->rm_read, off, size);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .txt dumps in tests/data, sorted; returns how many. */
static size_t
dumps_list(char **names, size_t max)
{
	DIR		*d;
	struct dirent	*de;
	size_t		 n = 0, len;
	char		 dir[1024];

	snprintf(dir, sizeof(dir), "%s", testdata_path("."));
	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL && n < max) {
		len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".txt") != 0)
			continue;
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);
	return n;
}

static int
dumps_add_file(struct dumpset *ds, const char *file, struct dumpdev *devs)
{
	struct dumpcase	*dc;
	char		 path[1024], bars[1024], *cause = NULL;
	int		 n, i;

	snprintf(path, sizeof(path), "%s", testdata_path(file));
	snprintf(bars, sizeof(bars), "%.*s.bars", (int)strlen(path) - 4, path);
	if ((n = dump_read(path, devs, DUMPS_MAXDEV, &cause)) <= 0) {
		print_error("%s: %s\n", path, cause ? cause : "no devices");
		free(cause);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if ((devs[i].dd_cfg[0x0e] & 0x7f) != 0) {
			print_message("skipped: %s device %d: header type "
			    "%#x\n", file, i, devs[i].dd_cfg[0x0e]);
			ds->ds_skipped++;
			continue;
		}
		if (ds->ds_n == DUMPS_MAXCASE)
			return -1;
		dc = &ds->ds_case[ds->ds_n];
		dc->dc_dev = devs[i];
		dc->dc_irq = devs[i].dd_cfg[0x3c];
		snprintf(dc->dc_file, sizeof(dc->dc_file), "%s", file);
		snprintf(dc->dc_name, sizeof(dc->dc_name), "%s %02x:%02x.%x",
		    file, dc->dc_dev.dd_bdf.b_bus, dc->dc_dev.dd_bdf.b_dev,
		    dc->dc_dev.dd_bdf.b_fn);
		if (refmodel_bars_load(bars, &dc->dc_dev.dd_bdf, dc->dc_sizes,
		    &cause) == -1) {
			print_error("%s\n", cause ? cause : bars);
			free(cause);
			return -1;
		}
		ds->ds_n++;
	}
	return 0;
}

static int
dumps_setup(void **state)
{
	struct dumpset	*ds;
	struct dumpdev	*devs;
	char		*names[64];
	size_t		 n, i;
	int		 rc = 0;

	ds = calloc(1, sizeof(*ds));
	devs = calloc(DUMPS_MAXDEV, sizeof(*devs));
	if (ds == NULL || devs == NULL)
		abort();
	n = dumps_list(names, 64);
	for (i = 0; i < n; i++) {
		if (rc == 0 && dumps_add_file(ds, names[i], devs) == -1)
			rc = -1;
		free(names[i]);
	}
	free(devs);
	ds->ds_files = n;
	if (n == 0 || ds->ds_n == 0)
		rc = -1;
	print_message("%zu dump files, %zu devices, %zu skipped\n",
	    ds->ds_files, ds->ds_n, ds->ds_skipped);
	*state = ds;
	return rc;
}

static int
dumps_teardown(void **state)
{
	free(*state);
	return 0;
}

static const struct dumpcase *
dumps_find(const struct dumpset *ds, const char *file, unsigned int dev)
{
	size_t	i;

	for (i = 0; i < ds->ds_n; i++)
		if (strcmp(ds->ds_case[i].dc_file, file) == 0 &&
		    ds->ds_case[i].dc_dev.dd_bdf.b_dev == dev)
			return &ds->ds_case[i];
	fail_msg("no device %x in %s", dev, file);
	return NULL;
}

/* A device under test: hardware double, model and engine. */
struct rig {
	struct memdev	 r_md;
	struct refmodel	 r_rm;
	struct cfgspace	*r_cs;
	const struct dumpcase *r_dc;
	const char	*r_pname;
};

static struct rig *
rig_open(const struct dumpcase *dc, const struct cfgspace_policy *pol,
    const char *pname, uint32_t irq, unsigned int hide)
{
	struct rig	*r;
	char		*cause = NULL;
	unsigned int	 i;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		abort();
	r->r_dc = dc;
	r->r_pname = pname;
	memdev_from_dump(&r->r_md, &dc->dc_dev, dc->dc_sizes, irq);
	for (i = 0; i <= CFGDEV_NBARS; i++)
		if (hide & (1u << i))
			r->r_md.md_info.ci_bar[i].cb_flags |= CFGDEV_BAR_HIDDEN;
	assert_int_equal(refmodel_init(&r->r_rm, r->r_md.md_cfg,
	    &r->r_md.md_info, pol), 0);
	r->r_cs = cfgspace_new(&memdev_ops, &r->r_md, &r->r_md.md_info, pol,
	    &cause);
	if (r->r_cs == NULL)
		fail_msg("%s: cfgspace_new: %s", dc->dc_name,
		    cause != NULL ? cause : "(no cause)");
	return r;
}

static void
rig_close(struct rig *r)
{
	cfgspace_free(r->r_cs);
	free(r);
}

/* ------------------------------------------------------------------ */
/* The model on its own. */

static void
model_of(const struct dumpcase *dc, const struct cfgspace_policy *pol,
    struct memdev *md, struct refmodel *rm)
{
	memdev_from_dump(md, &dc->dc_dev, dc->dc_sizes, dc->dc_irq);
	assert_int_equal(refmodel_init(rm, md->md_cfg, &md->md_info, pol), 0);
}

static void
check_caps(const struct refmodel *rm, const struct refmodel_cap *want,
    size_t n, const struct refmodel_cap *ewant, size_t en)
{
	size_t	i;

	assert_int_equal(rm->rm_ncap, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(rm->rm_cap[i].rc_off, want[i].rc_off);
		assert_int_equal(rm->rm_cap[i].rc_id, want[i].rc_id);
	}
	assert_int_equal(rm->rm_necap, en);
	for (i = 0; i < en; i++) {
		assert_int_equal(rm->rm_ecap[i].rc_off, ewant[i].rc_off);
		assert_int_equal(rm->rm_ecap[i].rc_id, ewant[i].rc_id);
	}
}

static void
test_model_caps_e1000e(void **state)
{
	static const struct refmodel_cap want[] = {
		{ 0xc8, 0x01 }, { 0xd0, 0x05 }, { 0xe0, 0x10 }, { 0xa0, 0x11 }
	};
	static const struct refmodel_cap ewant[] = {
		{ 0x100, 0x0001 }, { 0x140, 0x0003 }
	};
	struct memdev	md;
	struct refmodel	rm;

	model_of(dumps_find(*state, "qemu-e1000e.txt", 3), &policy_plain,
	    &md, &rm);
	check_caps(&rm, want, 4, ewant, 2);
	assert_int_equal(refmodel_cap(&rm, 0x11), 0xa0);
	assert_int_equal(refmodel_ecap(&rm, 0x0003), 0x140);
	assert_int_equal(refmodel_cap(&rm, 0x09), 0);
	assert_int_equal(rm.rm_msictl, 0xd2);
	assert_int_equal(rm.rm_msixctl, 0xa2);
}

static void
test_model_caps_synthetic(void **state)
{
	static const struct refmodel_cap want[] = {
		{ 0x40, 0x01 }, { 0x50, 0x05 }, { 0x70, 0x11 }, { 0xa0, 0x10 }
	};
	static const struct refmodel_cap ewant[] = {
		{ 0x100, 0x0001 }, { 0x140, 0x0010 }
	};
	struct memdev	md;
	struct refmodel	rm;

	model_of(dumps_find(*state,
	    "synthetic-pcie-nic-msi-msix-aer-sriov.txt", 0), &policy_plain,
	    &md, &rm);
	check_caps(&rm, want, 4, ewant, 2);
}

static void
test_model_caps_others(void **state)
{
	static const struct refmodel_cap nvme[] = {
		{ 0x40, 0x11 }, { 0x80, 0x10 }, { 0x60, 0x01 }
	};
	static const struct refmodel_cap virtio[] = {
		{ 0x40, 0x09 }, { 0x50, 0x09 }, { 0x60, 0x09 }, { 0x70, 0x09 },
		{ 0x84, 0x09 }, { 0x98, 0x11 }
	};
	static const struct refmodel_cap ahci[] = {
		{ 0x80, 0x05 }, { 0xa8, 0x12 }
	};
	struct memdev	md;
	struct refmodel	rm;

	model_of(dumps_find(*state, "qemu-nvme.txt", 5), &policy_plain,
	    &md, &rm);
	check_caps(&rm, nvme, 3, NULL, 0);
	model_of(dumps_find(*state, "virtio-vm-lspci-xxxx.txt", 1),
	    &policy_plain, &md, &rm);
	check_caps(&rm, virtio, 6, NULL, 0);
	model_of(dumps_find(*state, "qemu-q35-ich9-ahci.txt", 0x1f),
	    &policy_plain, &md, &rm);
	check_caps(&rm, ahci, 2, NULL, 0);
	model_of(dumps_find(*state, "qemu-q35-ich9-lpc.txt", 0x1f),
	    &policy_plain, &md, &rm);
	check_caps(&rm, NULL, 0, NULL, 0);
	model_of(dumps_find(*state, "virtio-vm-lspci-xxxx.txt", 0),
	    &policy_plain, &md, &rm);
	assert_int_equal(rm.rm_size, CFGSPACE_EXT_SIZE);
	check_caps(&rm, NULL, 0, NULL, 0);
}

static void
test_model_walk_is_bounded(void **state)
{
	struct cfgdev_info	ci = { .ci_size = CFGSPACE_EXT_SIZE };
	struct refmodel		rm;
	uint8_t			hw[CFGSPACE_EXT_SIZE];

	(void)state;
	memset(hw, 0, sizeof(hw));
	hw[0x06] = 0x10;
	hw[0x34] = 0x40;
	hw[0x40] = 0x09;
	hw[0x41] = 0x40;			/* points at itself */
	bytes_put(hw, 0x100, 4, 0x10010001);	/* next = 0x100 */
	assert_int_equal(refmodel_init(&rm, hw, &ci, &policy_plain), 0);
	assert_int_equal(rm.rm_ncap, REFMODEL_MAXCAPS);
	assert_int_equal(rm.rm_necap, REFMODEL_MAXECAPS);

	hw[0x41] = 0x48;			/* to a 0xff ID: stop */
	hw[0x48] = 0xff;
	hw[0x49] = 0x40;
	bytes_put(hw, 0x100, 4, 0x0000000b);
	assert_int_equal(refmodel_init(&rm, hw, &ci, &policy_plain), 0);
	assert_int_equal(rm.rm_ncap, 1);
	assert_int_equal(rm.rm_necap, 1);

	hw[0x06] = 0x00;			/* Status: no list */
	bytes_put(hw, 0x100, 4, 0xffffffff);
	assert_int_equal(refmodel_init(&rm, hw, &ci, &policy_plain), 0);
	assert_int_equal(rm.rm_ncap, 0);
	assert_int_equal(rm.rm_necap, 0);

	hw[0x0e] = 0x01;			/* bridge: not modelled */
	assert_int_equal(refmodel_init(&rm, hw, &ci, &policy_plain), -1);
}

static void
test_model_reads_e1000e(void **state)
{
	const struct dumpcase	*dc = dumps_find(*state, "qemu-e1000e.txt", 3);
	struct memdev		 md;
	struct refmodel		 rm;

	model_of(dc, &policy_plain, &md, &rm);
	assert_int_equal(model_read(&rm, 0x00, 4), 0x10d38086);
	assert_int_equal(model_read(&rm, 0x04, 2), 0x0103);
	assert_int_equal(model_read(&rm, 0x10, 4), 0xfeb80000);
	assert_int_equal(model_read(&rm, 0x14, 4), 0xfeba0000);
	assert_int_equal(model_read(&rm, 0x18, 4), 0x0000c081);
	assert_int_equal(model_read(&rm, 0x1c, 4), 0xfebf0000);
	assert_int_equal(model_read(&rm, 0x20, 4), 0);
	assert_int_equal(model_read(&rm, 0x30, 4), 0xfeb00000);
	assert_int_equal(model_read(&rm, 0x3c, 2), 0x010b);
	assert_int_equal(rm.rm_bar[0].rb_len, 0xfffe0000);
	assert_int_equal(rm.rm_bar[2].rb_len, 0xffffffe1);
	assert_int_equal(rm.rm_bar[2].rb_sizemask, 0x3);
	assert_int_equal(rm.rm_bar[3].rb_len, 0xffffc000);
	assert_int_equal(rm.rm_bar[4].rb_present, 0);
	assert_int_equal(rm.rm_bar[CFGDEV_ROM].rb_len, 0xfffc0000);
	assert_int_equal(rm.rm_bar[CFGDEV_ROM].rb_sizemask, 0x7ff);
	assert_int_equal(model_read(&rm, 0xca, 2), 0x0022);	/* PMC */
	assert_int_equal(model_read(&rm, 0x100, 4), 0x14020001);

	/* The interrupt line is the low byte of the dom0 IRQ. */
	memdev_from_dump(&md, &dc->dc_dev, dc->dc_sizes, DUMPS_OTHER_IRQ);
	assert_int_equal(refmodel_init(&rm, md.md_cfg, &md.md_info,
	    &policy_plain), 0);
	assert_int_equal(model_read(&rm, 0x3c, 2), 0x01f3);
}

static void
test_model_reads_64bit_bars(void **state)
{
	struct memdev	md;
	struct refmodel	rm;

	model_of(dumps_find(*state, "qemu-nvme.txt", 5), &policy_plain,
	    &md, &rm);
	assert_int_equal(model_read(&rm, 0x10, 4), 0xfebf4004);
	assert_int_equal(rm.rm_bar[0].rb_len, 0xffffc004);
	assert_true(rm.rm_bar[1].rb_upper);
	assert_int_equal(model_read(&rm, 0x14, 4), 0);
	assert_int_equal(rm.rm_bar[1].rb_len, 0xffffffff);
	assert_int_equal(rm.rm_bar[1].rb_sizemask, 0);
	assert_false(rm.rm_bar[2].rb_upper);

	model_of(dumps_find(*state, "virtio-vm-lspci-xxxx.txt", 3),
	    &policy_plain, &md, &rm);
	assert_int_equal(model_read(&rm, 0x10, 4), 0x00100004);
	assert_int_equal(model_read(&rm, 0x14, 4), 0x00000040);
	assert_int_equal(rm.rm_bar[0].rb_len, 0xfff80004);

	model_of(dumps_find(*state,
	    "synthetic-pcie-nic-msi-msix-aer-sriov.txt", 0), &policy_plain,
	    &md, &rm);
	assert_int_equal(model_read(&rm, 0x10, 4), 0xfe00000c);
	assert_int_equal(model_read(&rm, 0x18, 4), 0x0000e001);
	assert_int_equal(model_read(&rm, 0x20, 4), 0xfe10000c);
	assert_true(rm.rm_bar[5].rb_upper);
	/* PMC 0x4823: PME_Support cleared. */
	assert_int_equal(model_read(&rm, 0x42, 2), 0x0023);
}

static void
test_model_hidden_bar_reads_zero(void **state)
{
	const struct dumpcase	*dc = dumps_find(*state, "qemu-nvme.txt", 5);
	struct memdev		 md;
	struct refmodel		 rm;

	memdev_from_dump(&md, &dc->dc_dev, dc->dc_sizes, dc->dc_irq);
	md.md_info.ci_bar[0].cb_flags |= CFGDEV_BAR_HIDDEN;
	assert_int_equal(refmodel_init(&rm, md.md_cfg, &md.md_info,
	    &policy_plain), 0);
	assert_int_equal(model_read(&rm, 0x10, 4), 0);
	assert_int_equal(model_read(&rm, 0x14, 4), 0);
	assert_int_equal(rm.rm_bar[0].rb_len, 0);
	assert_int_equal(rm.rm_bar[1].rb_len, 0);
	/* Hidden BARs give the guest nothing to decode: MEM stays off. */
	assert_int_equal(rm.rm_rule[0x04].rr_mask & 0x03, 0);
}

static void
test_model_rules(void **state)
{
	const struct dumpcase	*dc = dumps_find(*state, "qemu-e1000e.txt", 3);
	struct memdev		 md;
	struct refmodel		 rm;
	const struct refmodel_rule *rr = rm.rm_rule;

	model_of(dc, &policy_plain, &md, &rm);
	assert_int_equal(rr[0x0c].rr_class, REFMODEL_THROUGH);
	assert_int_equal(rr[0x06].rr_class, REFMODEL_NEVER);
	assert_true(rr[0x06].rr_nofield);
	assert_int_equal(rr[0x3c].rr_class, REFMODEL_NEVER);
	assert_false(rr[0x3c].rr_nofield);
	assert_int_equal(rr[0x04].rr_class, REFMODEL_MASK);
	assert_int_equal(rr[0x04].rr_mask, 0x17);
	assert_int_equal(rr[0x04].rr_setonly, 0x03);
	assert_int_equal(rr[0x05].rr_mask, 0x00);
	assert_int_equal(rr[0xd2].rr_class, REFMODEL_NEVER);	/* MSI ctl */
	assert_int_equal(rr[0xcc].rr_mask, 0x03);		/* PMCSR */
	assert_int_equal(rr[0xcd].rr_mask, 0x9e);
	assert_int_equal(rr[0xe0].rr_class, REFMODEL_NEVER);	/* PCIe hdr */
	assert_false(rr[0xe0].rr_nofield);
	assert_true(rr[0xe4].rr_nofield);			/* PCIe body */
	assert_false(rr[0xa4].rr_nofield);	/* MSI-X table offset: a row */
	assert_false(rr[0x100].rr_nofield);		/* AER header: a row */

	model_of(dc, &policy_intx, &md, &rm);
	assert_int_equal(rr[0x05].rr_mask, 0x04);
	assert_int_equal(rr[0xd2].rr_class, REFMODEL_MASK);
	assert_int_equal(rr[0xd2].rr_mask, 0x01);
	assert_int_equal(rr[0xa3].rr_mask, 0xc0);

	model_of(dc, &policy_permissive, &md, &rm);
	assert_int_equal(rr[0x04].rr_mask, 0xbf);
	assert_int_equal(rr[0x05].rr_mask, 0x02);
	assert_int_equal(rr[0xd2].rr_class, REFMODEL_NEVER);	/* MSI ctl */
	assert_int_equal(rr[0xd4].rr_class, REFMODEL_NEVER);	/* MSI addr */
	assert_int_equal(rr[0xdc].rr_class, REFMODEL_NEVER);	/* MSI data */
	assert_int_equal(rr[0xde].rr_class, REFMODEL_FREE);
	assert_int_equal(rr[0x06].rr_class, REFMODEL_THROUGH);
	assert_int_equal(rr[0x0d].rr_class, REFMODEL_NEVER);
	assert_int_equal(rr[0x100].rr_class, REFMODEL_NEVER);	/* AER */
	assert_int_equal(rr[0x140].rr_class, REFMODEL_THROUGH);	/* DSN */

	/* Memory BARs only: the I/O decode bit may never be set. */
	model_of(dumps_find(*state, "qemu-edu.txt", 2), &policy_plain,
	    &md, &rm);
	assert_int_equal(rr[0x04].rr_mask, 0x16);
	/* No BARs at all: no decode bit. */
	model_of(dumps_find(*state, "qemu-q35-ich9-lpc.txt", 0x1f),
	    &policy_plain, &md, &rm);
	assert_int_equal(rr[0x04].rr_mask, 0x14);
}

static void
test_model_msi_layout(void **state)
{
	struct memdev		 md;
	struct refmodel		 rm;
	const struct refmodel_rule *rr = rm.rm_rule;
	unsigned int		 off;

	/* 64-bit, per-vector masking: 0x50..0x67. */
	model_of(dumps_find(*state,
	    "synthetic-pcie-nic-msi-msix-aer-sriov.txt", 0),
	    &policy_permissive, &md, &rm);
	for (off = 0x50; off < 0x68; off++) {
		if (off == 0x5e || off == 0x5f)
			assert_int_equal(rr[off].rr_class, REFMODEL_FREE);
		else
			assert_int_equal(rr[off].rr_class, REFMODEL_NEVER);
		assert_false(rr[off].rr_nofield);
	}
	assert_true(rr[0x68].rr_nofield);

	/* 64-bit without masking (edu): ends at 0x4f. */
	model_of(dumps_find(*state, "qemu-edu.txt", 2), &policy_permissive,
	    &md, &rm);
	assert_int_equal(rr[0x4c].rr_class, REFMODEL_NEVER);
	assert_int_equal(rr[0x4e].rr_class, REFMODEL_FREE);
	assert_true(rr[0x50].rr_nofield);
}

static void
test_model_quirks(void **state)
{
	static const struct cfgspace_quirk q[] = {
		{ 0x40, 4, 0x0000ff0f },	/* free: applies */
		{ 0x0c, 1, 0xff },		/* cache line: field first */
		{ 0x42, 4, 0xffffffff },	/* misaligned: ignored */
	};
	struct cfgspace_policy	pol = { .cp_quirks = q, .cp_nquirks = 3 };
	struct memdev		md;
	struct refmodel		rm;

	model_of(dumps_find(*state, "qemu-e1000e.txt", 3), &pol, &md, &rm);
	assert_int_equal(rm.rm_rule[0x40].rr_class, REFMODEL_MASK);
	assert_int_equal(rm.rm_rule[0x40].rr_mask, 0x0f);
	assert_int_equal(rm.rm_rule[0x41].rr_mask, 0xff);
	assert_int_equal(rm.rm_rule[0x42].rr_mask, 0x00);
	assert_false(rm.rm_rule[0x43].rr_nofield);
	assert_int_equal(rm.rm_rule[0x0c].rr_class, REFMODEL_THROUGH);
	assert_true(rm.rm_rule[0x44].rr_nofield);
}

static int
sidecar(const char *text, const struct bdf *b, uint64_t *sizes, char **cause)
{
	FILE	*f;
	int	 rc;

	f = fmemopen((void *)(uintptr_t)text, strlen(text), "r");
	assert_non_null(f);
	rc = refmodel_bars_read(f, "t.bars", b, sizes, cause);
	fclose(f);
	return rc;
}

static void
test_model_sidecar_parse(void **state)
{
	static const char *bad[] = {
		"00:03.0 6 0x1000\n",
		"00:03.0 0 0x1001\n",
		"00:03.0 0 0\n",
		"00:03.0 0 0x1000 extra\n",
		"00:03.0 0\n",
		"00:3g.0 0 0x1000\n",
		"00:20.0 0 0x1000\n",
		"00:03.0 rom 0x1000\n00:03.0 rom 0x2000\n",
	};
	struct bdf	 b = { .b_bus = 0, .b_dev = 3, .b_fn = 0 };
	uint64_t	 s[CFGDEV_NBARS + 1];
	char		*cause = NULL;
	size_t		 i;

	(void)state;
	assert_int_equal(sidecar("# c\n\n00:03.0 0 0x20000\n"
	    "0000:00:03.0 2 20 # io\n00:04.0 1 0x40\n00:03.0 rom 40000\n",
	    &b, s, &cause), 0);
	assert_int_equal(s[0], 0x20000);
	assert_int_equal(s[1], 0);
	assert_int_equal(s[2], 0x20);
	assert_int_equal(s[CFGDEV_ROM], 0x40000);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sidecar(bad[i], &b, s, &cause), -1);
		assert_non_null(cause);
		assert_non_null(strstr(cause, "t.bars:"));
		free(cause);
		cause = NULL;
	}
	assert_int_equal(refmodel_bars_load("/nonexistent.bars", &b, s,
	    &cause), -1);
	free(cause);
}

/* Every BAR a dump shows has a plausible size, and none is invented. */
static void
test_model_sidecars_fit_dumps(void **state)
{
	const struct dumpset	*ds = *state;
	const struct dumpcase	*dc;
	size_t			 i;
	unsigned int		 slot;
	uint32_t		 reg, mask;
	int			 upper;

	for (i = 0; i < ds->ds_n; i++) {
		dc = &ds->ds_case[i];
		upper = 0;
		for (slot = 0; slot < CFGDEV_NBARS; slot++) {
			reg = bytes_get(dc->dc_dev.dd_cfg, 0x10 + 4 * slot, 4);
			if (upper) {
				upper = 0;
				assert_int_equal(dc->dc_sizes[slot], 0);
				continue;
			}
			mask = (reg & 1) ? ~0x3u : ~0xfu;
			if ((reg & mask) == 0 && ((reg & 0x7) != 0x4 ||
			    slot + 1 == CFGDEV_NBARS || bytes_get(dc->dc_dev.dd_cfg,
			    0x14 + 4 * slot, 4) == 0)) {
				assert_int_equal(dc->dc_sizes[slot], 0);
				continue;
			}
			assert_int_not_equal(dc->dc_sizes[slot], 0);
			assert_int_equal((reg & mask) % dc->dc_sizes[slot], 0);
			upper = (reg & 0x7) == 0x4;
		}
		reg = bytes_get(dc->dc_dev.dd_cfg, 0x30, 4) & ~0x7ffu;
		assert_int_equal(reg == 0, dc->dc_sizes[CFGDEV_ROM] == 0);
	}
}

/* ------------------------------------------------------------------ */
/* The engine against the model. */

static void
read_sweep(struct rig *r, struct tally *t)
{
	const struct refmodel	*rm = &r->r_rm;
	unsigned int		 off, size;
	uint32_t		 v, want;
	int			 rc;

	for (size = 1; size <= 4; size *= 2) {
		for (off = 0; off + size <= rm->rm_size; off += size) {
			v = 0xdeadbeef;
			rc = cfgspace_read(r->r_cs, off, size, &v);
			want = model_read(rm, off, size);
			t->t_checked++;
			if (rc != 0 || v != want)
				tally_bad(t, "%s read %#x/%u: want %#x, "
				    "got %#x rc %d", r->r_dc->dc_name, off,
				    size, want, v, rc);
		}
	}
}

static void
run_read_sweep(const struct dumpset *ds, uint32_t irq_override,
    const char *what)
{
	struct tally	 t = { 0, 0, 0 };
	struct rig	*r;
	size_t		 i;
	uint32_t	 irq;

	for (i = 0; i < ds->ds_n; i++) {
		irq = irq_override ? irq_override : ds->ds_case[i].dc_irq;
		r = rig_open(&ds->ds_case[i], &policy_plain, "plain", irq, 0);
		if (r->r_md.md_nwrites != 0)
			tally_bad(&t, "%s: %zu hardware writes while created",
			    r->r_dc->dc_name, r->r_md.md_nwrites);
		read_sweep(r, &t);
		if (r->r_md.md_nwrites != 0)
			tally_bad(&t, "%s: reads wrote hardware",
			    r->r_dc->dc_name);
		rig_close(r);
	}
	print_message("%s: %zu (device, offset, size) reads compared over "
	    "%zu devices, %zu mismatches\n", what, t.t_checked, ds->ds_n,
	    t.t_bad);
	assert_int_equal(t.t_bad, 0);
}

static void
test_dumps_read_matches_model(void **state)
{
	run_read_sweep(*state, 0, "reads");
}

static void
test_dumps_read_irq_override(void **state)
{
	run_read_sweep(*state, DUMPS_OTHER_IRQ, "reads, irq 0x1f3");
}

/* Hidden BARs: both dwords of a 64-bit BAR read 0, sizing too. */
static void
test_dumps_read_hidden_bar(void **state)
{
	const struct dumpset	*ds = *state;
	struct tally		 t = { 0, 0, 0 };
	struct rig		*r;
	size_t			 i;
	uint32_t		 v;

	for (i = 0; i < ds->ds_n; i++) {
		if (ds->ds_case[i].dc_sizes[0] == 0)
			continue;
		r = rig_open(&ds->ds_case[i], &policy_plain, "plain",
		    ds->ds_case[i].dc_irq, 1u << 0);
		read_sweep(r, &t);
		assert_true(cfgspace_write(r->r_cs, 0x10, 4, 0xffffffff) >= 0);
		assert_int_equal(cfgspace_read(r->r_cs, 0x10, 4, &v), 0);
		if (v != 0)
			tally_bad(&t, "%s: hidden BAR0 sizes to %#x",
			    r->r_dc->dc_name, v);
		rig_close(r);
	}
	print_message("hidden BAR0: %zu reads compared\n", t.t_checked);
	assert_int_equal(t.t_bad, 0);
}

static const unsigned int bad_sizes[] = { 0, 3, 5, 8, 16 };

static void
check_bad_access(struct rig *r, struct tally *t, unsigned int off,
    unsigned int size)
{
	uint32_t	v;
	int		rc;

	rc = cfgspace_read(r->r_cs, off, size, &v);
	t->t_checked++;
	if (rc != -EINVAL)
		tally_bad(t, "%s read %#x/%u: rc %d, want -EINVAL",
		    r->r_dc->dc_name, off, size, rc);
	rc = cfgspace_write(r->r_cs, off, size, 0xffffffff);
	t->t_checked++;
	if (rc != -EINVAL)
		tally_bad(t, "%s write %#x/%u: rc %d, want -EINVAL",
		    r->r_dc->dc_name, off, size, rc);
}

static void
test_dumps_bad_access_einval(void **state)
{
	const struct dumpset	*ds = *state;
	struct tally		 t = { 0, 0, 0 };
	struct rig		*r;
	size_t			 i, k;
	unsigned int		 off, size, end;

	for (i = 0; i < ds->ds_n; i++) {
		r = rig_open(&ds->ds_case[i], &policy_permissive, "permissive",
		    ds->ds_case[i].dc_irq, 0);
		end = r->r_rm.rm_size;
		for (size = 2; size <= 4; size *= 2)
			for (off = 0; off < end; off++)
				if (off % size != 0)
					check_bad_access(r, &t, off, size);
		for (size = 1; size <= 4; size *= 2) {
			for (off = end - size + 1; off < end + 16; off++)
				check_bad_access(r, &t, off, size);
			check_bad_access(r, &t, 0xfffffffc, size);
			check_bad_access(r, &t, 0x80000000, size);
			check_bad_access(r, &t, CFGSPACE_EXT_SIZE, size);
		}
		for (k = 0; k < sizeof(bad_sizes) / sizeof(bad_sizes[0]); k++)
			check_bad_access(r, &t, 0, bad_sizes[k]);
		if (r->r_md.md_nwrites != 0)
			tally_bad(&t, "%s: bad accesses wrote hardware",
			    r->r_dc->dc_name);
		rig_close(r);
	}
	print_message("%zu bad accesses checked\n", t.t_checked);
	assert_int_equal(t.t_bad, 0);
}

static void
expect_read(struct rig *r, struct tally *t, unsigned int off, uint32_t want,
    const char *what)
{
	uint32_t	v = 0xdeadbeef;
	int		rc;

	rc = cfgspace_read(r->r_cs, off, 4, &v);
	t->t_checked++;
	if (rc != 0 || v != want)
		tally_bad(t, "%s %s %#x: want %#x, got %#x rc %d",
		    r->r_dc->dc_name, what, off, want, v, rc);
}

static void
do_write(struct rig *r, struct tally *t, unsigned int off, uint32_t val)
{
	int	rc;

	if ((rc = cfgspace_write(r->r_cs, off, 4, val)) < 0)
		tally_bad(t, "%s write %#x/4 %#x: rc %d", r->r_dc->dc_name,
		    off, val, rc);
}

/* The sizing pattern an OS would use for this kind of BAR. */
static uint32_t
sizing_pattern(const struct refmodel_bar *rb)
{
	return rb->rb_sizemask == 0 ? 0xffffffff : ~rb->rb_sizemask;
}

static void
bar_sizing(struct rig *r, struct tally *t)
{
	const struct refmodel_bar *rb;
	unsigned int		 i;

	/* All latched at once, as a 64-bit BAR is sized. */
	for (i = 0; i <= CFGDEV_NBARS; i++)
		do_write(r, t, r->r_rm.rm_bar[i].rb_reg, 0xffffffff);
	for (i = 0; i <= CFGDEV_NBARS; i++) {
		rb = &r->r_rm.rm_bar[i];
		expect_read(r, t, rb->rb_reg, rb->rb_len, "sized");
	}
	for (i = 0; i <= CFGDEV_NBARS; i++)
		do_write(r, t, r->r_rm.rm_bar[i].rb_reg,
		    r->r_rm.rm_bar[i].rb_val);
	for (i = 0; i <= CFGDEV_NBARS; i++) {
		rb = &r->r_rm.rm_bar[i];
		expect_read(r, t, rb->rb_reg, rb->rb_val, "restored");
	}
	/* One at a time, with the type bits left out of the pattern. */
	for (i = 0; i <= CFGDEV_NBARS; i++) {
		rb = &r->r_rm.rm_bar[i];
		do_write(r, t, rb->rb_reg, sizing_pattern(rb));
		expect_read(r, t, rb->rb_reg, rb->rb_len, "sized");
		do_write(r, t, rb->rb_reg, 0x7ffffff0);	/* not sizing */
		expect_read(r, t, rb->rb_reg, rb->rb_val, "unlatched");
	}
	/* Release drops a latch the guest left behind. */
	for (i = 0; i <= CFGDEV_NBARS; i++)
		do_write(r, t, r->r_rm.rm_bar[i].rb_reg, 0xffffffff);
	cfgspace_reset_state(r->r_cs);
	for (i = 0; i <= CFGDEV_NBARS; i++) {
		rb = &r->r_rm.rm_bar[i];
		expect_read(r, t, rb->rb_reg, rb->rb_val, "released");
	}
}

static void
test_dumps_bar_sizing(void **state)
{
	const struct dumpset	*ds = *state;
	struct tally		 t = { 0, 0, 0 };
	struct rig		*r;
	size_t			 i;

	for (i = 0; i < ds->ds_n; i++) {
		r = rig_open(&ds->ds_case[i], &policy_plain, "plain",
		    ds->ds_case[i].dc_irq, 0);
		bar_sizing(r, &t);
		if (r->r_md.md_nwrites != 0)
			tally_bad(&t, "%s: BAR sizing wrote hardware (%#x)",
			    r->r_dc->dc_name, r->r_md.md_writes[0].mw_off);
		rig_close(r);
	}
	print_message("%zu BAR reads checked\n", t.t_checked);
	assert_int_equal(t.t_bad, 0);
}

/* Hardware BAR lost its value: only the guest writing val restores it. */
static void
test_dumps_bar_restore(void **state)
{
	const struct dumpset	*ds = *state;
	const struct refmodel_bar *rb;
	struct tally		 t = { 0, 0, 0 };
	struct rig		*r;
	const struct memdev_write *w;
	size_t			 i;
	unsigned int		 k;
	uint32_t		 lost;

	for (i = 0; i < ds->ds_n; i++) {
		r = rig_open(&ds->ds_case[i], &policy_permissive, "permissive",
		    ds->ds_case[i].dc_irq, 0);
		for (k = 0; k <= CFGDEV_NBARS; k++) {
			rb = &r->r_rm.rm_bar[k];
			if (!rb->rb_present)
				continue;
			lost = rb->rb_val ^ 0x00f00000;
			memdev_put(&r->r_md, rb->rb_reg, 4, lost);
			memdev_clear_log(&r->r_md);
			expect_read(r, &t, rb->rb_reg, rb->rb_val, "lost");
			do_write(r, &t, rb->rb_reg, rb->rb_val ^ 0x1000);
			if (r->r_md.md_nwrites != 0 ||
			    memdev_get(&r->r_md, rb->rb_reg, 4) != lost)
				tally_bad(&t, "%s BAR %u: other value reached "
				    "hardware", r->r_dc->dc_name, k);
			do_write(r, &t, rb->rb_reg, rb->rb_val);
			w = &r->r_md.md_writes[0];
			t.t_checked++;
			if (r->r_md.md_nwrites != 1 ||
			    w->mw_off != rb->rb_reg || w->mw_size != 4 ||
			    w->mw_val != rb->rb_val)
				tally_bad(&t, "%s BAR %u: restore of %#x "
				    "made %zu writes", r->r_dc->dc_name, k,
				    rb->rb_val, r->r_md.md_nwrites);
			memdev_clear_log(&r->r_md);
			do_write(r, &t, rb->rb_reg, rb->rb_val);
			if (r->r_md.md_nwrites != 0)
				tally_bad(&t, "%s BAR %u: restored twice",
				    r->r_dc->dc_name, k);
		}
		rig_close(r);
	}
	print_message("%zu BAR restore checks\n", t.t_checked);
	assert_int_equal(t.t_bad, 0);
}

/*
 * Judge one guest write by the hardware writes it caused, replayed over
 * the hardware bytes from before it.
 */
#define WCHECK_HW	0	/* which hardware bytes and bits changed */
#define WCHECK_RESULT	1	/* return codes, writes that must land */

struct wcheck {
	struct rig	*wc_r;
	struct tally	*wc_t;
	int		 wc_which;
	uint8_t		 wc_before[CFGSPACE_EXT_SIZE];
	uint8_t		 wc_hw[CFGSPACE_EXT_SIZE];
	unsigned int	 wc_off;
	unsigned int	 wc_size;
	uint32_t	 wc_val;
	int		 wc_rc;
};

static int
wcheck_is_restore(const struct wcheck *wc, const struct memdev_write *w)
{
	const struct refmodel	*rm = &wc->wc_r->r_rm;
	const struct refmodel_bar *rb;
	int			 slot;

	if ((slot = refmodel_bar_at(rm, w->mw_off)) == -1)
		return 0;
	rb = &rm->rm_bar[slot];
	return w->mw_off == rb->rb_reg && w->mw_size == 4 &&
	    w->mw_val == rb->rb_val &&
	    bytes_get(wc->wc_hw, rb->rb_reg, 4) != rb->rb_val &&
	    wc->wc_off < rb->rb_reg + 4 && rb->rb_reg < wc->wc_off +
	    wc->wc_size;
}

static void
wcheck_byte(struct wcheck *wc, unsigned int off, uint8_t nb)
{
	const struct refmodel_rule *rr = &wc->wc_r->r_rm.rm_rule[off];
	uint8_t			 ob = wc->wc_hw[off];
	const char		*who = wc->wc_r->r_dc->dc_name;

	switch (rr->rr_class) {
	case REFMODEL_NEVER:
		tally_bad(wc->wc_t, "%s %s write %#x/%u=%#x: hardware byte "
		    "%#x written (%#x->%#x), never allowed", who,
		    wc->wc_r->r_pname, wc->wc_off, wc->wc_size, wc->wc_val,
		    off, ob, nb);
		break;
	case REFMODEL_MASK:
		if (((ob ^ nb) & ~rr->rr_mask) != 0 ||
		    (ob & ~nb & rr->rr_setonly) != 0)
			tally_bad(wc->wc_t, "%s %s write %#x/%u=%#x: hardware "
			    "byte %#x %#x->%#x, may change only %#x (set-only "
			    "%#x)", who, wc->wc_r->r_pname, wc->wc_off,
			    wc->wc_size, wc->wc_val, off, ob, nb, rr->rr_mask,
			    rr->rr_setonly);
		break;
	}
}

static void
wcheck_log(struct wcheck *wc)
{
	const struct memdev	*md = &wc->wc_r->r_md;
	const struct memdev_write *w;
	size_t			 i;
	unsigned int		 b;

	if (md->md_nwrites > MEMDEV_MAX_WRITES) {
		tally_bad(wc->wc_t, "%s: write log overflow",
		    wc->wc_r->r_dc->dc_name);
		return;
	}
	memcpy(wc->wc_hw, wc->wc_before, sizeof(wc->wc_hw));
	wc->wc_t->t_hwwrites += md->md_nwrites;
	for (i = 0; i < md->md_nwrites; i++) {
		w = &md->md_writes[i];
		if (!wcheck_is_restore(wc, w))
			for (b = 0; b < w->mw_size; b++)
				wcheck_byte(wc, w->mw_off + b,
				    (uint8_t)(w->mw_val >> (8 * b)));
		bytes_put(wc->wc_hw, w->mw_off, w->mw_size, w->mw_val);
	}
}

/* Bytes all of one class and all (or none) inside fields. */
static int
wcheck_uniform(const struct wcheck *wc, uint8_t class, int nofield)
{
	const struct refmodel_rule *rr = wc->wc_r->r_rm.rm_rule;
	unsigned int		 i;

	for (i = wc->wc_off; i < wc->wc_off + wc->wc_size; i++)
		if (rr[i].rr_class != class || rr[i].rr_nofield != nofield)
			return 0;
	return 1;
}

static void
wcheck_outcome(struct wcheck *wc)
{
	const struct memdev	*md = &wc->wc_r->r_md;
	const char		*who = wc->wc_r->r_dc->dc_name;
	const char		*pn = wc->wc_r->r_pname;

	if (wcheck_uniform(wc, REFMODEL_THROUGH, 0) ||
	    wcheck_uniform(wc, REFMODEL_THROUGH, 1)) {
		if (wc->wc_rc < 0 || memdev_get(md, wc->wc_off, wc->wc_size) !=
		    (wc->wc_val & (wc->wc_size == 4 ? 0xffffffff :
		    (1u << (8 * wc->wc_size)) - 1)))
			tally_bad(wc->wc_t, "%s %s write %#x/%u=%#x: should "
			    "reach hardware; hw %#x rc %d", who, pn,
			    wc->wc_off, wc->wc_size, wc->wc_val,
			    memdev_get(md, wc->wc_off, wc->wc_size),
			    wc->wc_rc);
	}
	if (!wc->wc_r->r_rm.rm_permissive &&
	    wcheck_uniform(wc, REFMODEL_NEVER, 1) &&
	    (wc->wc_rc != CFGSPACE_DROPPED || md->md_nwrites != 0))
		tally_bad(wc->wc_t, "%s %s write %#x/%u=%#x: unknown register: "
		    "rc %d (want CFGSPACE_DROPPED), %zu hw writes", who, pn,
		    wc->wc_off, wc->wc_size, wc->wc_val, wc->wc_rc,
		    md->md_nwrites);
}

/* Message Control, even permissive: changes refused, same value ok. */
static void
wcheck_msgctl(struct wcheck *wc, unsigned int ctl, uint16_t allowed)
{
	uint32_t	old, new;
	unsigned int	i;

	if (ctl == 0 || wc->wc_off >= ctl + 2 || ctl >= wc->wc_off + wc->wc_size)
		return;
	if (!wc->wc_r->r_rm.rm_intx_control)
		allowed = 0;
	old = new = bytes_get(wc->wc_before, ctl, 2);
	for (i = 0; i < wc->wc_size; i++) {
		if (wc->wc_off + i < ctl || wc->wc_off + i >= ctl + 2)
			continue;
		new &= ~(0xffu << (8 * (wc->wc_off + i - ctl)));
		new |= ((wc->wc_val >> (8 * i)) & 0xff) <<
		    (8 * (wc->wc_off + i - ctl));
	}
	if (((old ^ new) & ~(uint32_t)allowed) != 0 && wc->wc_rc != -EPERM)
		tally_bad(wc->wc_t, "%s %s write %#x/%u=%#x: Message Control "
		    "%#x->%#x: rc %d, want -EPERM", wc->wc_r->r_dc->dc_name,
		    wc->wc_r->r_pname, wc->wc_off, wc->wc_size, wc->wc_val,
		    old, new, wc->wc_rc);
	if (old == new && wc->wc_off >= ctl &&
	    wc->wc_off + wc->wc_size <= ctl + 2 && wc->wc_rc != 0)
		tally_bad(wc->wc_t, "%s %s write %#x/%u=%#x: Message Control "
		    "unchanged: rc %d, want 0", wc->wc_r->r_dc->dc_name,
		    wc->wc_r->r_pname, wc->wc_off, wc->wc_size, wc->wc_val,
		    wc->wc_rc);
}

static void
write_one(struct wcheck *wc, unsigned int off, unsigned int size,
    uint32_t val)
{
	struct rig	*r = wc->wc_r;

	memcpy(wc->wc_before, r->r_md.md_cfg, sizeof(wc->wc_before));
	memdev_clear_log(&r->r_md);
	wc->wc_off = off;
	wc->wc_size = size;
	wc->wc_val = val;
	wc->wc_rc = cfgspace_write(r->r_cs, off, size, val);
	wc->wc_t->t_checked++;
	if (wc->wc_rc == -EINVAL || (wc->wc_rc < 0 && wc->wc_rc != -EPERM &&
	    wc->wc_rc != -EIO))
		tally_bad(wc->wc_t, "%s write %#x/%u: rc %d", r->r_dc->dc_name,
		    off, size, wc->wc_rc);
	if (wc->wc_which == WCHECK_HW) {
		wcheck_log(wc);
		return;
	}
	wcheck_outcome(wc);
	wcheck_msgctl(wc, r->r_rm.rm_msictl, 0x0001);
	wcheck_msgctl(wc, r->r_rm.rm_msixctl, 0xc000);
}

static void
write_sweep(struct rig *r, struct tally *t, int which)
{
	static const uint32_t	 pats[] = { 0x00000000, 0xffffffff, 0x5a5a5a5a };
	struct wcheck		*wc;
	unsigned int		 off, size, k;
	uint32_t		 cur, mask;

	if ((wc = calloc(1, sizeof(*wc))) == NULL)
		abort();
	wc->wc_r = r;
	wc->wc_t = t;
	wc->wc_which = which;
	for (size = 1; size <= 4; size *= 2) {
		mask = size == 4 ? 0xffffffff : (1u << (8 * size)) - 1;
		for (off = 0; off + size <= r->r_rm.rm_size; off += size) {
			for (k = 0; k < 3; k++)
				write_one(wc, off, size, pats[k] & mask);
			if (cfgspace_read(r->r_cs, off, size, &cur) != 0)
				tally_bad(t, "%s read %#x/%u failed",
				    r->r_dc->dc_name, off, size);
			write_one(wc, off, size, cur);
		}
	}
	free(wc);
}

static void
run_write_sweep(const struct dumpset *ds, const struct cfgspace_policy *pol,
    const char *pname, int which)
{
	struct tally	 t = { 0, 0, 0 };
	struct rig	*r;
	size_t		 i;

	for (i = 0; i < ds->ds_n; i++) {
		r = rig_open(&ds->ds_case[i], pol, pname,
		    ds->ds_case[i].dc_irq, 0);
		write_sweep(r, &t, which);
		rig_close(r);
	}
	print_message("%s, %s: %zu (device, offset, size, pattern) writes "
	    "judged (%zu hardware writes), %zu mismatches\n", pname,
	    which == WCHECK_HW ? "hardware" : "results", t.t_checked,
	    t.t_hwwrites, t.t_bad);
	assert_int_equal(t.t_bad, 0);
}

/* Non-permissive: hardware changes only where and as the model allows. */
static void
test_dumps_writes_plain_hw(void **state)
{
	run_write_sweep(*state, &policy_plain, "plain", WCHECK_HW);
}

/* Non-permissive: return codes and writes that must reach hardware. */
static void
test_dumps_writes_plain_results(void **state)
{
	run_write_sweep(*state, &policy_plain, "plain", WCHECK_RESULT);
}

static void
test_dumps_writes_intx_control_hw(void **state)
{
	run_write_sweep(*state, &policy_intx, "intx_control", WCHECK_HW);
}

static void
test_dumps_writes_intx_control_results(void **state)
{
	run_write_sweep(*state, &policy_intx, "intx_control", WCHECK_RESULT);
}

static void
test_dumps_writes_permissive_hw(void **state)
{
	run_write_sweep(*state, &policy_permissive, "permissive", WCHECK_HW);
}

static void
test_dumps_writes_permissive_results(void **state)
{
	run_write_sweep(*state, &policy_permissive, "permissive",
	    WCHECK_RESULT);
}

static const struct cfgspace_quirk quirks_e1000e[] = {
	{ 0x40, 4, 0x0000ff0f },
	{ 0x46, 2, 0xffff },
	{ 0x108, 4, 0x003ff030 },	/* AER uncorrectable mask */
};
static const struct cfgspace_policy policy_quirks = {
	.cp_quirks = quirks_e1000e,
	.cp_nquirks = sizeof(quirks_e1000e) / sizeof(quirks_e1000e[0]),
};

static void
run_quirk_sweep(const struct dumpset *ds, int which)
{
	const struct dumpcase	*dc = dumps_find(ds, "qemu-e1000e.txt", 3);
	struct tally		 t = { 0, 0, 0 };
	struct rig		*r;

	r = rig_open(dc, &policy_quirks, "quirks", dc->dc_irq, 0);
	write_sweep(r, &t, which);
	rig_close(r);
	print_message("quirks, %s: %zu writes judged, %zu mismatches\n",
	    which == WCHECK_HW ? "hardware" : "results", t.t_checked, t.t_bad);
	assert_int_equal(t.t_bad, 0);
}

static void
test_dumps_writes_quirks_hw(void **state)
{
	run_quirk_sweep(*state, WCHECK_HW);
}

static void
test_dumps_writes_quirks_results(void **state)
{
	run_quirk_sweep(*state, WCHECK_RESULT);
}

/* A quirk register takes the bits of its mask and keeps the others. */
static void
test_dumps_quirk_applies_mask(void **state)
{
	const struct dumpcase	*dc = dumps_find(*state, "qemu-e1000e.txt", 3);
	const struct cfgspace_quirk *q;
	struct rig		*r;
	uint32_t		 before, ones;
	size_t			 k;

	r = rig_open(dc, &policy_quirks, "quirks", dc->dc_irq, 0);
	for (k = 0; k < policy_quirks.cp_nquirks; k++) {
		q = &quirks_e1000e[k];
		ones = 0xffffffff >> (32 - 8 * q->cq_size);
		memdev_put(&r->r_md, q->cq_offset, q->cq_size, 0x5a5a5a5a &
		    ones);
		before = memdev_get(&r->r_md, q->cq_offset, q->cq_size);
		assert_true(cfgspace_write(r->r_cs, q->cq_offset,
		    q->cq_size, ones) >= 0);
		assert_int_equal(memdev_get(&r->r_md, q->cq_offset,
		    q->cq_size), before | q->cq_mask);
		assert_true(cfgspace_write(r->r_cs, q->cq_offset,
		    q->cq_size, 0) >= 0);
		assert_int_equal(memdev_get(&r->r_md, q->cq_offset,
		    q->cq_size), before & ~q->cq_mask);
	}
	rig_close(r);
}

/* The engine's capability walk agrees with the model's. */
static void
test_dumps_caps_match_model(void **state)
{
	const struct dumpset	*ds = *state;
	struct rig		*r;
	const uint8_t		*hw;
	size_t			 i;
	unsigned int		 id;

	for (i = 0; i < ds->ds_n; i++) {
		r = rig_open(&ds->ds_case[i], &policy_plain, "plain",
		    ds->ds_case[i].dc_irq, 0);
		hw = r->r_md.md_cfg;
		assert_int_equal(cfgspace_size(r->r_cs), r->r_rm.rm_size);
		assert_int_equal(cfgspace_header_type(r->r_cs) & 0x7f, 0);
		for (id = 1; id < 0x20; id++)
			assert_int_equal(cfgspace_cap(r->r_cs, (uint8_t)id),
			    refmodel_cap(&r->r_rm, (uint8_t)id));
		for (id = 1; id < 0x30; id++)
			assert_int_equal(cfgspace_ecap(r->r_cs, (uint16_t)id),
			    refmodel_ecap(&r->r_rm, (uint16_t)id));
		assert_int_equal(cfgspace_mem_decoding(r->r_cs) != 0,
		    (hw[0x04] & 0x02) != 0);
		assert_int_equal(cfgspace_msi_enabled(r->r_cs) != 0,
		    r->r_rm.rm_msictl != 0 && (hw[r->r_rm.rm_msictl] & 1));
		assert_int_equal(cfgspace_msix_enabled(r->r_cs) != 0,
		    r->r_rm.rm_msixctl != 0 &&
		    (hw[r->r_rm.rm_msixctl + 1] & 0x80));
		rig_close(r);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_caps_e1000e),
		cmocka_unit_test(test_model_caps_synthetic),
		cmocka_unit_test(test_model_caps_others),
		cmocka_unit_test(test_model_walk_is_bounded),
		cmocka_unit_test(test_model_reads_e1000e),
		cmocka_unit_test(test_model_reads_64bit_bars),
		cmocka_unit_test(test_model_hidden_bar_reads_zero),
		cmocka_unit_test(test_model_rules),
		cmocka_unit_test(test_model_msi_layout),
		cmocka_unit_test(test_model_quirks),
		cmocka_unit_test(test_model_sidecar_parse),
		cmocka_unit_test(test_model_sidecars_fit_dumps),
		cmocka_unit_test(test_dumps_caps_match_model),
		cmocka_unit_test(test_dumps_read_matches_model),
		cmocka_unit_test(test_dumps_read_irq_override),
		cmocka_unit_test(test_dumps_read_hidden_bar),
		cmocka_unit_test(test_dumps_bad_access_einval),
		cmocka_unit_test(test_dumps_bar_sizing),
		cmocka_unit_test(test_dumps_bar_restore),
		cmocka_unit_test(test_dumps_writes_plain_hw),
		cmocka_unit_test(test_dumps_writes_intx_control_hw),
		cmocka_unit_test(test_dumps_writes_permissive_hw),
		cmocka_unit_test(test_dumps_writes_quirks_hw),
		cmocka_unit_test(test_dumps_quirk_applies_mask),
		cmocka_unit_test(test_dumps_writes_plain_results),
		cmocka_unit_test(test_dumps_writes_intx_control_results),
		cmocka_unit_test(test_dumps_writes_permissive_results),
		cmocka_unit_test(test_dumps_writes_quirks_results),
	};

	return cmocka_run_group_tests(tests, dumps_setup, dumps_teardown);
}
