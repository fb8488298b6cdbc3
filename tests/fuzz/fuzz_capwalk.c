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
 * The config-space engine over hostile config bytes and guest accesses.
 *
 * Input:
 *   byte 0	flags: 0x01 pad with 0xff (else 0x00), 0x02 4 KiB space,
 *		0x04 permissive, 0x08 interrupt control, 0x10 set_power op
 *   bytes 1-7	BAR sizes as powers of two (0: absent), index 6 the ROM
 *   bytes 8-9	number of config bytes that follow (little-endian)
 *   then	config bytes, then 8-byte guest operations.
 *
 * Besides crashes and hangs, it checks that registers whose rows never
 * reach hardware (identity, BARs, MSI address/data/mask, capability
 * headers, ...) keep their bytes, that decode bits are never cleared, and
 * that without permissive mode writes land only on writable rows or quirks.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfgspace.h"
#include "memdev.h"

#define FUZZ_MAXOPS	256

struct fuzz_state {
	struct memdev		*fs_md;
	struct cfgspace		*fs_cs;
	struct cfgspace_policy	 fs_pol;
	struct cfgspace_quirk	 fs_quirk;
	uint8_t			 fs_protected[CFGSPACE_EXT_SIZE];
	uint8_t			 fs_writable[CFGSPACE_EXT_SIZE];
	uint8_t			 fs_orig[CFGSPACE_EXT_SIZE];
};

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
fuzz_prefix(const char *name, const char *prefix)
{
	return strncmp(name, prefix, strlen(prefix)) == 0;
}

static int
fuzz_suffix(const char *name, const char *suffix)
{
	size_t	n = strlen(name), m = strlen(suffix);

	return n >= m && strcmp(name + n - m, suffix) == 0;
}

/* Rows whose bytes no guest write may ever change. */
static int
fuzz_is_protected(const char *name, int intx)
{
	static const char *const exact[] = {
		"vendor", "device", "latency", "int_line", "int_pin",
		"pm.pmc", "pm.bridge_ext", "pm.data", "vpd.data",
		"msi.address", "msi.address_hi", "msi.data", "msi.ext_data",
		"msi.mask", "msi.pending", "msix.table", "msix.pba",
	};
	size_t	i;

	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (strcmp(name, exact[i]) == 0)
			return 1;
	if (fuzz_suffix(name, ".header") || fuzz_prefix(name, "bar"))
		return 1;
	if (!intx && (strcmp(name, "msi.control") == 0 ||
	    strcmp(name, "msix.control") == 0))
		return 1;
	return 0;
}

/* Rows a non-permissive guest may reach hardware through. */
static int
fuzz_is_writable(const char *name, int intx)
{
	static const char *const exact[] = {
		"command", "cache_line", "bist", "rom", "pm.pmcsr",
		"vpd.address",
	};
	size_t	i;

	for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (strcmp(name, exact[i]) == 0)
			return 1;
	return intx && (strcmp(name, "msi.control") == 0 ||
	    strcmp(name, "msix.control") == 0);
}

static void
fuzz_maps(struct fuzz_state *fs)
{
	unsigned int	 off, size, b, last = 0;
	const char	*name;
	size_t		 i;
	int		 intx = fs->fs_pol.cp_intx_control;

	memset(fs->fs_protected, 0, sizeof(fs->fs_protected));
	memset(fs->fs_writable, 0, sizeof(fs->fs_writable));
	for (i = 0; cfgspace_field(fs->fs_cs, i, &off, &size, &name) == 0;
	    i++) {
		if (off < last || off + size > cfgspace_size(fs->fs_cs))
			abort();	/* fields sorted and disjoint */
		last = off + size;
		for (b = off; b < off + size; b++) {
			fs->fs_protected[b] = fuzz_is_protected(name, intx);
			fs->fs_writable[b] = fuzz_is_writable(name, intx);
		}
	}
	if (fs->fs_pol.cp_nquirks != 0) {
		for (b = fs->fs_quirk.cq_offset; b < fs->fs_quirk.cq_offset +
		    fs->fs_quirk.cq_size; b++)
			fs->fs_writable[b] = 1;
	}
}

/*
 * The one hardware write a BAR row makes: the guest wrote back the value
 * it reads, and hardware had drifted from it, so dom0's value goes back
 * (xen-pciback does the same).  It must write exactly what the engine
 * shows the guest, type bits aside.  Afterwards that is the BAR's value.
 */
static int
fuzz_bar_restore(struct fuzz_state *fs, const struct memdev_write *w)
{
	const char	*name = NULL;
	uint32_t	 shown;
	unsigned int	 b, off, size;
	size_t		 i;

	for (i = 0; cfgspace_field(fs->fs_cs, i, &off, &size, &name) == 0;
	    i++)
		if (off == w->mw_off)
			break;
	if (name == NULL || off != w->mw_off || !fuzz_prefix(name, "bar") ||
	    w->mw_size != 4 || size != 4 ||
	    cfgspace_read(fs->fs_cs, w->mw_off, 4, &shown) != 0 ||
	    ((shown ^ w->mw_val) & ~0xfu) != 0)
		return 0;
	for (b = w->mw_off; b < w->mw_off + 4; b++)
		fs->fs_orig[b] = fs->fs_md->md_cfg[b];
	return 1;
}

/* Every hardware write of the last operation went where it may. */
static void
fuzz_check_log(struct fuzz_state *fs, uint16_t decode)
{
	const struct memdev	*md = fs->fs_md;
	const struct memdev_write *w;
	size_t			 i, n;
	unsigned int		 b;

	n = md->md_nwrites < MEMDEV_MAX_WRITES ? md->md_nwrites :
	    MEMDEV_MAX_WRITES;
	for (i = 0; i < n; i++) {
		w = &md->md_writes[i];
		if (fuzz_bar_restore(fs, w))
			continue;
		for (b = w->mw_off; b < w->mw_off + w->mw_size; b++) {
			if (fs->fs_protected[b])
				abort();
			if (!fs->fs_pol.cp_permissive && !fs->fs_writable[b])
				abort();
		}
	}
	if ((memdev_get(md, 0x04, 2) & decode) != decode)
		abort();	/* XSA-120 */
}

/* Protected bytes still hold what they held when the policy was set. */
static void
fuzz_check_bytes(const struct fuzz_state *fs)
{
	unsigned int	b;

	for (b = 0; b < cfgspace_size(fs->fs_cs); b++) {
		if (fs->fs_protected[b] &&
		    fs->fs_md->md_cfg[b] != fs->fs_orig[b])
			abort();
	}
}

static void
fuzz_policy(struct fuzz_state *fs, const uint8_t *op)
{
	struct cfgspace_policy	 pol;
	struct cfgspace_quirk	 q;
	char			*cause = NULL;

	memset(&pol, 0, sizeof(pol));
	pol.cp_permissive = op[4] & 1;
	pol.cp_intx_control = (op[4] >> 1) & 1;
	q.cq_offset = (uint16_t)(op[1] | op[2] << 8);
	q.cq_size = op[3];
	q.cq_mask = (uint32_t)op[5] | (uint32_t)op[6] << 8 |
	    (uint32_t)op[7] << 16;
	if (op[4] & 4) {
		pol.cp_quirks = &q;
		pol.cp_nquirks = 1;
	}
	fuzz_check_bytes(fs);
	if (cfgspace_set_policy(fs->fs_cs, &pol, &cause) != 0) {
		if (cause == NULL)
			abort();
		free(cause);
		return;
	}
	fs->fs_pol = pol;
	fs->fs_quirk = q;
	fs->fs_pol.cp_quirks = &fs->fs_quirk;
	/* What is protected now must keep the bytes it has now. */
	memcpy(fs->fs_orig, fs->fs_md->md_cfg, sizeof(fs->fs_orig));
	fuzz_maps(fs);
}

static void
fuzz_op(struct fuzz_state *fs, const uint8_t *op)
{
	unsigned int	off = (unsigned int)(op[1] | op[2] << 8);
	unsigned int	size = 1u << (op[3] % 3);
	uint32_t	val = (uint32_t)op[4] | (uint32_t)op[5] << 8 |
			    (uint32_t)op[6] << 16 | (uint32_t)op[7] << 24;
	uint32_t	got;
	int		error;

	if (op[3] & 0x80)
		size = op[3] & 7;		/* possibly invalid */
	if (!(op[0] & 0x80))
		off = (off & 0xfff) & ~(size - 1u);
	switch (op[0] & 7) {
	case 0: case 1: case 2:
		error = cfgspace_read(fs->fs_cs, off, size, &got);
		if (error != 0 && got != 0)
			abort();
		break;
	case 3: case 4: case 5:
		error = cfgspace_write(fs->fs_cs, off, size, val);
		if (error > CFGSPACE_DROPPED)
			abort();
		break;
	case 6:
		cfgspace_reset_state(fs->fs_cs);
		(void)cfgspace_mem_decoding(fs->fs_cs);
		(void)cfgspace_msi_enabled(fs->fs_cs);
		(void)cfgspace_msix_enabled(fs->fs_cs);
		if (cfgspace_msix_table_size(fs->fs_cs) > 2048)
			abort();
		break;
	default:
		fuzz_policy(fs, op);
		break;
	}
}

static void
fuzz_device(struct memdev *md, const uint8_t *data, size_t len)
{
	struct dumpdev	*d;
	uint64_t	 sizes[CFGDEV_NBARS + 1];
	size_t		 i, n;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		abort();
	memset(d->dd_cfg, (data[0] & 1) ? 0xff : 0x00, sizeof(d->dd_cfg));
	n = (size_t)(data[8] | data[9] << 8);
	if (n > CFGSPACE_EXT_SIZE)
		n = CFGSPACE_EXT_SIZE;
	if (n > len - 10)
		n = len - 10;
	memcpy(d->dd_cfg, data + 10, n);
	d->dd_len = CFGSPACE_EXT_SIZE;
	for (i = 0; i <= CFGDEV_NBARS; i++)
		sizes[i] = data[1 + i] == 0 ? 0 : 1ull << (data[1 + i] % 40);
	memdev_from_dump(md, d, sizes, data[1]);
	md->md_info.ci_size = (data[0] & 2) ? CFGSPACE_EXT_SIZE :
	    CFGSPACE_CONV_SIZE;
	free(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct fuzz_state	*fs;
	const uint8_t		*ops;
	size_t			 nops, i, cfglen;
	char			*cause = NULL;
	uint16_t		 decode;

	if (len < 10)
		return 0;
	if ((fs = calloc(1, sizeof(*fs))) == NULL ||
	    (fs->fs_md = calloc(1, sizeof(*fs->fs_md))) == NULL)
		abort();
	fuzz_device(fs->fs_md, data, len);
	memcpy(fs->fs_orig, fs->fs_md->md_cfg, sizeof(fs->fs_orig));
	fs->fs_pol.cp_permissive = (data[0] >> 2) & 1;
	fs->fs_pol.cp_intx_control = (data[0] >> 3) & 1;
	fs->fs_cs = cfgspace_new((data[0] & 0x10) ? &memdev_ops_pm :
	    &memdev_ops, fs->fs_md, &fs->fs_md->md_info, &fs->fs_pol, &cause);
	if (fs->fs_md->md_nwrites != 0)
		abort();		/* no hardware writes at creation */
	if (fs->fs_cs == NULL) {
		if (cause == NULL)
			abort();
		free(cause);
		goto out;
	}
	fuzz_maps(fs);
	cfglen = (size_t)(data[8] | data[9] << 8);
	if (cfglen > CFGSPACE_EXT_SIZE)
		cfglen = CFGSPACE_EXT_SIZE;
	ops = data + 10 + (cfglen < len - 10 ? cfglen : len - 10);
	nops = (size_t)(data + len - ops) / 8;
	if (nops > FUZZ_MAXOPS)
		nops = FUZZ_MAXOPS;
	for (i = 0; i < nops; i++) {
		decode = memdev_get(fs->fs_md, 0x04, 2) & 0x0003;
		memdev_clear_log(fs->fs_md);
		fuzz_op(fs, ops + 8 * i);
		fuzz_check_log(fs, decode);
	}
	fuzz_check_bytes(fs);
	cfgspace_free(fs->fs_cs);
out:
	free(fs->fs_md);
	free(fs);
	return 0;
}
