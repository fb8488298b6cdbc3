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
 * The shim's floor never refuses what the config engine writes.  A
 * per-guest worker writes through a RESTRICTed /dev/pcishim file, where
 * the floor (shim-driver/pcishim_check.c) judges every hardware write;
 * a refusal there would be a guest write that works today and fails
 * under privilege separation.  So, on every device of every dump in
 * tests/data and under each policy the daemon can give a guest, the
 * engine runs what a stock Linux guest does (BAR sizing with decoding
 * off, enabling, MSI and MSI-X control writes) and then every aligned
 * write of a few patterns, after BARs lost their value; every hardware
 * write it issues is put to the floor built as ASSIGN builds it.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgspace.h"
#include "memdev.h"
#include "refmodel.h"

#include "../../shim-driver/pcishim_check.c"

#define FE_MAXDEV	64
#define FE_NREPORT	20

/* The device under the engine: a memdev behind the floor. */
struct fe_dev {
	struct memdev		 fd_md;
	struct pcishim_floor	 fd_floor;
	int			 fd_intctl;
	const char		*fd_name;
	size_t			 fd_hwwrites;
	size_t			 fd_refused;
};

static int
fe_floor_read(void *arg, uint32_t off, uint32_t size, uint32_t *val)
{
	struct fe_dev	*fd = arg;

	if (off + size > fd->fd_md.md_info.ci_size)
		return -EIO;
	*val = memdev_get(&fd->fd_md, off, size);
	return 0;
}

static int
fe_read(void *arg, unsigned int off, unsigned int size, uint32_t *val)
{
	struct fe_dev	*fd = arg;

	return memdev_ops.cdo_read(&fd->fd_md, off, size, val);
}

/* What the restricted file would do: judge, then write (always, here). */
static int
fe_write(void *arg, unsigned int off, unsigned int size, uint32_t val)
{
	struct fe_dev	*fd = arg;
	uint32_t	 cur;

	cur = memdev_get(&fd->fd_md, off, size);
	fd->fd_hwwrites++;
	if (pcishim_floor_check(&fd->fd_floor, off, size, val, cur,
	    fd->fd_intctl) != 0 && fd->fd_refused++ < FE_NREPORT)
		print_error("%s: the floor refuses the engine's write %#x/%u "
		    "= %#x over %#x\n", fd->fd_name, off, size, val, cur);
	return memdev_ops.cdo_write(&fd->fd_md, off, size, val);
}

static const struct cfgdev_ops fe_ops = {
	.cdo_read = fe_read,
	.cdo_write = fe_write,
};

static const struct cfgspace_policy fe_policies[] = {
	{ 0, 0, NULL, 0 },		/* the default */
	{ 0, 1, NULL, 0 },		/* allow_interrupt_control */
	{ 1, 0, NULL, 0 },		/* permissive */
	{ 1, 1, NULL, 0 },
};

static uint32_t
fe_rd(struct cfgspace *cs, unsigned int off, unsigned int size)
{
	uint32_t	v = 0;

	(void)cfgspace_read(cs, off, size, &v);
	return v;
}

/* Linux's __pci_read_base for each BAR, then pci_enable_device. */
static void
fe_linux_probe(struct cfgspace *cs, unsigned int rom)
{
	uint32_t	cmd, l, mask;
	unsigned int	reg;

	cmd = fe_rd(cs, 0x04, 2);
	for (reg = 0x10; reg <= rom; reg += 4) {
		if (reg > 0x24 && reg != rom)
			continue;
		mask = reg == rom ? 0xfffff800 : 0xffffffff;
		(void)cfgspace_write(cs, 0x04, 2, cmd & ~3u);
		l = fe_rd(cs, reg, 4);
		(void)cfgspace_write(cs, reg, 4, l | mask);
		(void)fe_rd(cs, reg, 4);
		(void)cfgspace_write(cs, reg, 4, l);
		(void)cfgspace_write(cs, 0x04, 2, cmd);
	}
	(void)cfgspace_write(cs, 0x04, 2, cmd | 0x0007);
	(void)cfgspace_write(cs, 0x04, 2, fe_rd(cs, 0x04, 2) | 0x0400);
}

/* The interrupt setup a guest may try by hand, on each control word. */
static void
fe_msi_writes(struct cfgspace *cs)
{
	static const uint8_t	ids[] = { 0x05, 0x11 };
	static const uint16_t	bits[] = { 0x0001, 0x4000, 0x8000, 0xc000 };
	unsigned int		off, i, k;
	uint32_t		ctl;

	for (i = 0; i < 2; i++) {
		if ((off = cfgspace_cap(cs, ids[i])) == 0)
			continue;
		ctl = fe_rd(cs, off + 2, 2);
		for (k = 0; k < 4; k++) {
			(void)cfgspace_write(cs, off + 2, 2, ctl | bits[k]);
			(void)cfgspace_write(cs, off + 2, 2, ctl);
		}
	}
}

/* Every aligned write of a few patterns, and of what the guest reads. */
static void
fe_sweep(struct cfgspace *cs, uint32_t size_all)
{
	static const uint32_t	pats[] = { 0x00000000, 0xffffffff, 0x5a5a5a5a };
	unsigned int		off, size, k;
	uint32_t		mask;

	for (size = 1; size <= 4; size *= 2) {
		mask = size == 4 ? 0xffffffff : (1u << (8 * size)) - 1;
		for (off = 0; off + size <= size_all; off += size) {
			if (off >= CFGSPACE_CONV_SIZE && size != 4)
				break;
			for (k = 0; k < 3; k++)
				(void)cfgspace_write(cs, off, size,
				    pats[k] & mask);
			(void)cfgspace_write(cs, off, size,
			    fe_rd(cs, off, size));
		}
	}
}

/* BARs that lost their value (a reset): the guest writes back its view. */
static void
fe_restores(struct fe_dev *fd, struct cfgspace *cs, unsigned int rom)
{
	unsigned int	reg;

	for (reg = 0x10; reg <= rom; reg += 4) {
		if (reg > 0x24 && reg != rom)
			continue;
		memdev_put(&fd->fd_md, reg, 4,
		    memdev_get(&fd->fd_md, reg, 4) ^ 0x00f00000);
		(void)cfgspace_write(cs, reg, 4, fe_rd(cs, reg, 4));
	}
}

/* One device under one policy; returns the floor's refusals. */
static size_t
fe_run(const struct dumpdev *dd, const uint64_t *sizes, const char *name,
    const struct cfgspace_policy *pol, size_t *hwwrites)
{
	struct fe_dev	*fd;
	struct cfgspace	*cs;
	uint64_t	 res[PCISHIM_NBARS];
	unsigned int	 i, rom;
	char		*cause = NULL;
	size_t		 refused;

	if ((fd = calloc(1, sizeof(*fd))) == NULL)
		abort();
	memdev_from_dump(&fd->fd_md, dd, sizes, dd->dd_cfg[0x3c]);
	fd->fd_name = name;
	fd->fd_intctl = pol->cp_intx_control;
	for (i = 0; i < PCISHIM_NBARS; i++)
		res[i] = fd->fd_md.md_info.ci_bar[i].cb_start;
	assert_int_equal(pcishim_floor_build(&fd->fd_floor,
	    fd->fd_md.md_info.ci_size, res, fe_floor_read, fd), 0);
	rom = (dd->dd_cfg[0x0e] & 0x7f) == 1 ? 0x38 : 0x30;
	if ((cs = cfgspace_new(&fe_ops, fd, &fd->fd_md.md_info, pol,
	    &cause)) == NULL) {
		print_message("skipped: %s: %s\n", name, cause);
		free(cause);
		free(fd);
		return 0;
	}
	fe_linux_probe(cs, rom);
	fe_msi_writes(cs);
	fe_restores(fd, cs, rom);
	fe_sweep(cs, fd->fd_md.md_info.ci_size);
	fe_restores(fd, cs, rom);
	cfgspace_free(cs);
	*hwwrites += fd->fd_hwwrites;
	refused = fd->fd_refused;
	free(fd);
	return refused;
}

static void
test_floor_passes_the_engine_on_every_dump(void **state)
{
	struct dumpdev	*devs;
	uint64_t	 sizes[CFGDEV_NBARS + 1];
	char		 path[1024], bars[1024], name[256], *cause = NULL;
	struct dirent	*de;
	DIR		*d;
	size_t		 len, p, refused = 0, hwwrites = 0, ndev = 0;
	int		 n, i;

	(void)state;
	if ((devs = calloc(FE_MAXDEV, sizeof(*devs))) == NULL)
		abort();
	assert_non_null(d = opendir(testdata_path(".")));
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".txt") != 0)
			continue;
		snprintf(path, sizeof(path), "%s", testdata_path(de->d_name));
		snprintf(bars, sizeof(bars), "%.*s.bars", (int)strlen(path) - 4,
		    path);
		n = dump_read(path, devs, FE_MAXDEV, &cause);
		if (n <= 0)
			fail_msg("%s: %s", path, cause ? cause : "no devices");
		for (i = 0; i < n; i++) {
			if (refmodel_bars_load(bars, &devs[i].dd_bdf, sizes,
			    &cause) == -1)
				fail_msg("%s", cause ? cause : bars);
			snprintf(name, sizeof(name), "%.200s %02x:%02x.%x",
			    de->d_name, devs[i].dd_bdf.b_bus,
			    devs[i].dd_bdf.b_dev, devs[i].dd_bdf.b_fn);
			for (p = 0; p < sizeof(fe_policies) /
			    sizeof(fe_policies[0]); p++)
				refused += fe_run(&devs[i], sizes, name,
				    &fe_policies[p], &hwwrites);
			ndev++;
		}
	}
	closedir(d);
	free(devs);
	print_message("%zu devices, 4 policies: %zu hardware writes, %zu "
	    "refused by the floor\n", ndev, hwwrites, refused);
	assert_true(ndev > 10);
	assert_true(hwwrites > 1000);
	assert_int_equal(refused, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_floor_passes_the_engine_on_every_dump),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
