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
 * What the guest's PCI core does with the roots the backend publishes:
 * probe every devfn, read each function's config space, size its BARs,
 * try MSI and MSI-X, and write it all down in lspci -xxxx form.
 * Section numbers (§) refer to doc/protocol.md.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gsim.h"

#define GSIM_CAP_MSI	0x05
#define GSIM_CAP_EXP	0x10
#define GSIM_CAP_MSIX	0x11
#define GSIM_CMD_DECODE	0x3	/* I/O and memory space */

static uint32_t
gsim_get(const struct gsim_dev *gd, unsigned int off, unsigned int size)
{
	uint32_t	v = 0;
	unsigned int	i;

	for (i = 0; i < size; i++)
		v |= (uint32_t)gd->gd_cfg[off + i] << (8 * i);
	return v;
}

int
gsim_name(const struct gsim_dev *gd, char *buf, size_t len)
{
	if (gd->gd_seg != 0)
		return snprintf(buf, len, "%04x:%02x:%02x.%x", gd->gd_seg,
		    gd->gd_bus, gd->gd_devfn >> 3, gd->gd_devfn & 7);
	return snprintf(buf, len, "%02x:%02x.%x", gd->gd_bus,
	    gd->gd_devfn >> 3, gd->gd_devfn & 7);
}

/* Standard capability list, bounded like the kernels walk it. */
unsigned int
gsim_find_cap(const struct gsim_dev *gd, uint8_t id)
{
	unsigned int	pos, n;

	if ((gsim_get(gd, 0x06, 2) & 0x10) == 0)
		return 0;
	pos = gd->gd_cfg[0x34] & ~3u;
	for (n = 0; n < 48 && pos >= 0x40 && pos < GSIM_CONV_SIZE; n++) {
		if (gd->gd_cfg[pos] == id)
			return pos;
		pos = gd->gd_cfg[pos + 1] & ~3u;
	}
	return 0;
}

static struct gsim_dev *
gsim_find(struct gsim *gs, uint16_t seg, uint8_t bus, unsigned int devfn)
{
	size_t	i;

	for (i = 0; i < gs->gs_ndevs; i++)
		if (gs->gs_devs[i]->gd_seg == seg &&
		    gs->gs_devs[i]->gd_bus == bus &&
		    gs->gs_devs[i]->gd_devfn == devfn)
			return gs->gs_devs[i];
	return NULL;
}

/* Read [from, to) with 4-byte reads; -1 on the first failure. */
static int
gsim_read_range(struct gsim *gs, struct gsim_dev *gd, unsigned int from,
    unsigned int to)
{
	unsigned int	off, i;
	uint32_t	v;

	for (off = from; off < to; off += 4) {
		if (gsim_conf_read(gs, gd, (int)off, 4, &v) != 0)
			return -1;
		for (i = 0; i < 4; i++)
			gd->gd_cfg[off + i] = (uint8_t)(v >> (8 * i));
	}
	return 0;
}

/* Linux reads 0x100.. only for PCIe devices, and only if it answers. */
static void
gsim_read_config(struct gsim *gs, struct gsim_dev *gd)
{
	uint32_t	v;

	gd->gd_cfgsize = GSIM_CONV_SIZE;
	memset(gd->gd_cfg, 0xff, sizeof(gd->gd_cfg));
	if (gsim_read_range(gs, gd, 0, GSIM_CONV_SIZE) != 0) {
		gs->gs_errors++;
		return;
	}
	if (gs->gs_netbsd || gsim_find_cap(gd, GSIM_CAP_EXP) == 0)
		return;
	if (gsim_conf_read(gs, gd, GSIM_CONV_SIZE, 4, &v) != 0 ||
	    v == 0xffffffff)
		return;
	if (gsim_read_range(gs, gd, GSIM_CONV_SIZE, GSIM_EXT_SIZE) != 0) {
		gs->gs_errors++;
		return;
	}
	gd->gd_cfgsize = GSIM_EXT_SIZE;
}

/* Write all-ones, read the mask, put the old value back. */
static int
gsim_probe_reg(struct gsim *gs, struct gsim_dev *gd, int off, uint32_t ones,
    uint32_t *mask)
{
	uint32_t	old;

	if (gsim_conf_read(gs, gd, off, 4, &old) != 0 ||
	    gsim_conf_write(gs, gd, off, 4, ones) != 0 ||
	    gsim_conf_read(gs, gd, off, 4, mask) != 0 ||
	    gsim_conf_write(gs, gd, off, 4, old) != 0) {
		gs->gs_errors++;
		return -1;
	}
	return 0;
}

static void
gsim_size_bars(struct gsim *gs, struct gsim_dev *gd)
{
	uint32_t	lo, mask, hmask;
	uint64_t	m;
	int		i, rom;

	for (i = 0; i < GSIM_NBARS; i++) {
		lo = gsim_get(gd, 0x10 + 4 * i, 4);
		if (gsim_probe_reg(gs, gd, 0x10 + 4 * i, 0xffffffff,
		    &mask) != 0 || mask == 0)
			continue;
		if (lo & 1) {
			m = mask & ~3u;
			if ((m & 0xffff0000) == 0)
				m |= 0xffff0000;
			gd->gd_barsize[i] = (uint32_t)~m + 1;
			continue;
		}
		m = 0xffffffff00000000ULL | (mask & ~0xfu);
		if ((lo & 0x6) == 0x4 && i + 1 < GSIM_NBARS) {
			if (gsim_probe_reg(gs, gd, 0x10 + 4 * (i + 1),
			    0xffffffff, &hmask) != 0)
				continue;
			m = ((uint64_t)hmask << 32) | (mask & ~0xfu);
			gd->gd_barsize[i] = ~m + 1;
			i++;
			continue;
		}
		gd->gd_barsize[i] = (uint32_t)(~m + 1);
	}
	if ((gd->gd_cfg[0x0e] & 0x7f) != 0)
		return;
	rom = 0x30;
	if (gsim_probe_reg(gs, gd, rom, 0xfffffffe, &mask) == 0 &&
	    (mask & 0xfffff800) != 0)
		gd->gd_barsize[GSIM_ROM] = (uint32_t)~(mask & 0xfffff800) + 1;
}

/*
 * Linux turns decoding off around sizing with 2-byte writes of the
 * command register; xpci does dword accesses only and never does.
 */
static void
gsim_size_linux(struct gsim *gs, struct gsim_dev *gd)
{
	uint32_t	cmd;

	if (gsim_conf_read(gs, gd, 0x04, 2, &cmd) != 0) {
		gs->gs_errors++;
		return;
	}
	if (cmd & GSIM_CMD_DECODE)
		(void)gsim_conf_write(gs, gd, 0x04, 2, cmd & ~GSIM_CMD_DECODE);
	gsim_size_bars(gs, gd);
	if (cmd & GSIM_CMD_DECODE)
		(void)gsim_conf_write(gs, gd, 0x04, 2, cmd);
}

/* xpci: if neither decoder is on, turn on those the BARs need. */
static void
gsim_netbsd_enable(struct gsim *gs, struct gsim_dev *gd)
{
	uint32_t	cs, want = 0, back;
	int		i;

	if (gsim_conf_read(gs, gd, 0x04, 4, &cs) != 0) {
		gs->gs_errors++;
		return;
	}
	/*
	 * Already on: NetBSD's read-modify-write of the dword still writes
	 * status back; command must read the same afterwards.
	 */
	if (cs & GSIM_CMD_DECODE) {
		if (gsim_conf_write(gs, gd, 0x04, 4, cs) != 0 ||
		    gsim_conf_read(gs, gd, 0x04, 4, &back) != 0 ||
		    (back & 0xffff) != (cs & 0xffff))
			gs->gs_errors++;
		return;
	}
	for (i = 0; i < GSIM_NBARS; i++) {
		if (gd->gd_barsize[i] == 0)
			continue;
		want |= (gsim_get(gd, 0x10 + 4 * i, 4) & 1) ? 0x1 : 0x2;
	}
	if (want == 0)
		return;
	if (gsim_conf_write(gs, gd, 0x04, 4, cs | want) != 0 ||
	    gsim_conf_read(gs, gd, 0x04, 4, &back) != 0 ||
	    (back & want) != want)
		gs->gs_errors++;
	/* Leave the guest's view as found, for the loop's comparisons. */
	(void)gsim_conf_write(gs, gd, 0x04, 4, cs & 0xffff);
}

static uint32_t
gsim_key(const struct gsim_dev *gd)
{
	return (uint32_t)gd->gd_seg << 16 | (uint32_t)gd->gd_bus << 8 |
	    gd->gd_devfn;
}

static void
gsim_add(struct gsim *gs, uint16_t seg, uint8_t bus, unsigned int devfn)
{
	struct gsim_dev	*gd;
	char		 name[16];
	size_t		 i;

	if (gs->gs_ndevs >= GSIM_MAX_DEVS ||
	    (gd = calloc(1, sizeof(*gd))) == NULL) {
		gs->gs_errors++;
		return;
	}
	gd->gd_seg = seg;
	gd->gd_bus = bus;
	gd->gd_devfn = (uint8_t)devfn;
	/* Keep the list in bus order, as lspci shows it. */
	for (i = gs->gs_ndevs; i > 0 && gsim_key(gs->gs_devs[i - 1]) >
	    gsim_key(gd); i--)
		gs->gs_devs[i] = gs->gs_devs[i - 1];
	gs->gs_devs[i] = gd;
	gs->gs_ndevs++;
	gsim_read_config(gs, gd);
	if (gs->gs_netbsd) {
		gsim_size_bars(gs, gd);
		gsim_netbsd_enable(gs, gd);
	} else
		gsim_size_linux(gs, gd);
	gsim_name(gd, name, sizeof(name));
	fprintf(stderr, "gsim dom%u: found %s [%04x:%04x]\n", gs->gs_domid,
	    name, gsim_get(gd, 0, 2), gsim_get(gd, 2, 2));
}

/*
 * One probe: Linux counts a function present if the read works and the
 * ID is not all-ones/zero; xpci if err is 0.  An absent function must
 * answer -1 (§7.1, §7.2).
 */
static void
gsim_probe(struct gsim *gs, uint16_t seg, uint8_t bus, unsigned int devfn)
{
	struct gsim_dev	probe;
	uint32_t	v;
	int		err, present;

	if (gsim_find(gs, seg, bus, devfn) != NULL)
		return;
	memset(&probe, 0, sizeof(probe));
	probe.gd_seg = seg;
	probe.gd_bus = bus;
	probe.gd_devfn = (uint8_t)devfn;
	err = gsim_conf_read(gs, &probe, 0, 4, &v);
	if (gs->gs_netbsd)
		present = err == 0;
	else
		present = err == 0 && v != 0xffffffff && v != 0 &&
		    (v & 0xffff) != 0xffff;
	if (present)
		gsim_add(gs, seg, bus, devfn);
	else if (err != XEN_PCI_ERR_dev_not_found)
		gs->gs_errors++;
}

/* root-K: "%x:%x" for Linux; exactly "0000:bb" for xpci. */
static int
gsim_parse_root(struct gsim *gs, const char *s, struct gsim_root *gr)
{
	unsigned int	seg, bus;
	char		c;

	if (gs->gs_netbsd) {
		if (strlen(s) != 7 || strncmp(s, "0000:", 5) != 0 ||
		    sscanf(s + 5, "%2x%c", &bus, &c) != 1)
			return -1;
		seg = 0;
	} else if (sscanf(s, "%x:%x%c", &seg, &bus, &c) != 2 ||
	    seg > 0xffff || bus > 0xff)
		return -1;
	gr->gr_seg = (uint16_t)seg;
	gr->gr_bus = (uint8_t)bus;
	return 0;
}

static int
gsim_read_roots(struct gsim *gs)
{
	char		*s, *end;
	long		 n, k;

	gs->gs_nroots = 0;
	if ((s = gsim_read(gs, "%s/root_num", gs->gs_be)) == NULL) {
		/* Linux scans 0000:00 anyway; so does xpci. */
		gs->gs_roots[gs->gs_nroots++] = (struct gsim_root){ 0, 0 };
		return 0;
	}
	n = strtol(s, &end, 10);
	if (*end != '\0' || end == s || n < 0 || n > GSIM_MAX_ROOTS) {
		free(s);
		return -1;
	}
	free(s);
	for (k = 0; k < n; k++) {
		if ((s = gsim_read(gs, "%s/root-%ld", gs->gs_be, k)) == NULL)
			return -1;
		if (gsim_parse_root(gs, s, &gs->gs_roots[k]) != 0) {
			free(s);
			return -1;
		}
		free(s);
		gs->gs_nroots++;
	}
	return 0;
}

/* Scan every published root; a rescan probes only devfns not known. */
int
gsim_scan(struct gsim *gs)
{
	struct gsim_root	*gr;
	size_t			 i;
	unsigned int		 devfn;

	if (gsim_read_roots(gs) != 0) {
		fprintf(stderr, "gsim dom%u: bad root_num/root-K\n",
		    gs->gs_domid);
		gs->gs_errors++;
		return -1;
	}
	for (i = 0; i < gs->gs_nroots; i++) {
		gr = &gs->gs_roots[i];
		if (gs->gs_netbsd && gr->gr_seg != 0) {
			gs->gs_errors++;
			continue;
		}
		for (devfn = 0; devfn < 256; devfn++)
			gsim_probe(gs, gr->gr_seg, gr->gr_bus, devfn);
	}
	gs->gs_scans++;
	return 0;
}

void
gsim_remove_vdev(struct gsim *gs, unsigned int seg, unsigned int bus,
    unsigned int slot, unsigned int fn)
{
	size_t	i;

	for (i = 0; i < gs->gs_ndevs; i++) {
		if (gs->gs_devs[i]->gd_seg != seg ||
		    gs->gs_devs[i]->gd_bus != bus ||
		    gs->gs_devs[i]->gd_devfn != ((slot << 3) | fn))
			continue;
		free(gs->gs_devs[i]);
		gs->gs_ndevs--;
		memmove(&gs->gs_devs[i], &gs->gs_devs[i + 1],
		    (gs->gs_ndevs - i) * sizeof(gs->gs_devs[0]));
		gs->gs_removed_devs++;
		return;
	}
}

void
gsim_remove_all(struct gsim *gs)
{
	while (gs->gs_ndevs > 0) {
		free(gs->gs_devs[--gs->gs_ndevs]);
		gs->gs_removed_devs++;
	}
	gs->gs_nroots = 0;
}

static int
gsim_irq_op(struct gsim *gs, const struct gsim_dev *gd, uint32_t cmd,
    struct xen_pci_op *op)
{
	gsim_op_conf(op, cmd, gd->gd_seg, gd->gd_bus, gd->gd_devfn, 0, 0, 0);
	(void)gsim_op(gs, op);
	return op->err;
}

static int
gsim_msix_enable(struct gsim *gs, const struct gsim_dev *gd, unsigned int n,
    struct xen_pci_op *op)
{
	unsigned int	i;

	gsim_op_conf(op, XEN_PCI_OP_enable_msix, gd->gd_seg, gd->gd_bus,
	    gd->gd_devfn, 0, 0, n);
	for (i = 0; i < n; i++) {
		op->msix_entries[i].entry = (uint16_t)i;
		op->msix_entries[i].vector = 0xffff;	/* as Linux sends it */
	}
	(void)gsim_op(gs, op);
	return op->err;
}

/* Linux FE accepts only err 0, value > 0 (§4.3). */
static void
gsim_msi_test(struct gsim *gs, struct gsim_dev *gd, unsigned int cap)
{
	struct xen_pci_op	op;
	uint32_t		ctl;

	gd->gd_msi_err = gsim_irq_op(gs, gd, XEN_PCI_OP_enable_msi, &op);
	if (gd->gd_msi_err != 0 || (int32_t)op.value <= 0) {
		gd->gd_msi_pirq = -1;
		gs->gs_errors++;
		return;
	}
	gd->gd_msi_pirq = (int)op.value;
	if (gsim_conf_read(gs, gd, (int)cap + 2, 2, &ctl) == 0)
		gd->gd_msi_bit = ctl & 1;
	/* XSA-157: MSI-X must be refused while MSI is on. */
	if (gs->gs_msix > 0 && gsim_find_cap(gd, GSIM_CAP_MSIX) != 0) {
		gd->gd_xsa157 = gsim_msix_enable(gs, gd, 1, &op) != 0 ? 1 : -1;
		if (gd->gd_xsa157 < 0) {
			gs->gs_errors++;
			(void)gsim_irq_op(gs, gd, XEN_PCI_OP_disable_msix, &op);
		}
	}
	if (!gs->gs_keep_irq &&
	    gsim_irq_op(gs, gd, XEN_PCI_OP_disable_msi, &op) != 0)
		gs->gs_errors++;
}

/* Linux FE: err 0, value 0 and every vector > 0 (§4.4). */
static void
gsim_msix_test(struct gsim *gs, struct gsim_dev *gd, unsigned int cap)
{
	struct xen_pci_op	op;
	uint32_t		ctl, cmd;
	unsigned int		n, i;

	ctl = gsim_get(gd, cap + 2, 2);
	n = (ctl & 0x7ff) + 1;
	if (n > gs->gs_msix)
		n = gs->gs_msix;
	if (n > SH_INFO_MAX_VEC)
		n = SH_INFO_MAX_VEC;
	/* pci_enable_device: memory decoding on first (XSA-157). */
	if (gsim_conf_read(gs, gd, 0x04, 2, &cmd) != 0 ||
	    gsim_conf_write(gs, gd, 0x04, 2, cmd | 0x2) != 0) {
		gs->gs_errors++;
		return;
	}
	gd->gd_msix_err = gsim_msix_enable(gs, gd, n, &op);
	if (gd->gd_msix_err == 0 && op.value == 0) {
		for (i = 0; i < n && op.msix_entries[i].vector > 0; i++)
			continue;
		if (i == n)
			gd->gd_msix_n = n;
	}
	if (gd->gd_msix_n == 0)
		gs->gs_errors++;
	/* --keep-irq: as a guest that dies with its vectors on. */
	if (gs->gs_keep_irq)
		return;
	if (gd->gd_msix_err == 0 &&
	    gsim_irq_op(gs, gd, XEN_PCI_OP_disable_msix, &op) != 0)
		gs->gs_errors++;
	(void)gsim_conf_write(gs, gd, 0x04, 2, cmd);
}

void
gsim_irq_tests(struct gsim *gs)
{
	struct gsim_dev	*gd;
	unsigned int	 cap;
	size_t		 i;

	for (i = 0; i < gs->gs_ndevs; i++) {
		gd = gs->gs_devs[i];
		if (gs->gs_msi && (cap = gsim_find_cap(gd, GSIM_CAP_MSI)) != 0)
			gsim_msi_test(gs, gd, cap);
		if (gs->gs_msix > 0 &&
		    (cap = gsim_find_cap(gd, GSIM_CAP_MSIX)) != 0)
			gsim_msix_test(gs, gd, cap);
	}
}

/* Linux's pci_enable_device then pci_set_master: decoding, then DMA. */
void
gsim_master(struct gsim *gs)
{
	struct gsim_dev	*gd;
	uint32_t	 cmd;
	size_t		 i;

	for (i = 0; i < gs->gs_ndevs; i++) {
		gd = gs->gs_devs[i];
		if (gsim_conf_read(gs, gd, 0x04, 2, &cmd) != 0 ||
		    gsim_conf_write(gs, gd, 0x04, 2, cmd | 0x6) != 0 ||
		    gsim_conf_read(gs, gd, 0x04, 2, &cmd) != 0) {
			gs->gs_errors++;
			continue;
		}
		gd->gd_master = (cmd & 0x4) ? 1 : -1;
	}
}

/* What lspci -xxxx prints, so that lspci -F renders it. */
int
gsim_dump(struct gsim *gs, const char *path)
{
	struct gsim_dev	*gd;
	FILE		*f;
	char		 name[16];
	unsigned int	 off, j;
	size_t		 i;

	if ((f = fopen(path, "w")) == NULL)
		return -errno;
	for (i = 0; i < gs->gs_ndevs; i++) {
		gd = gs->gs_devs[i];
		gsim_name(gd, name, sizeof(name));
		fprintf(f, "%s Class %04x: Device %04x:%04x\n", name,
		    gsim_get(gd, 0x0a, 2), gsim_get(gd, 0, 2),
		    gsim_get(gd, 2, 2));
		for (off = 0; off < gd->gd_cfgsize; off += 16) {
			fprintf(f, off < GSIM_CONV_SIZE ? "%02x:" : "%03x:",
			    off);
			for (j = 0; j < 16; j++)
				fprintf(f, " %02x", gd->gd_cfg[off + j]);
			fputc('\n', f);
		}
		fputc('\n', f);
	}
	if (fclose(f) != 0)
		return -errno;
	return 0;
}

void
gsim_print_devs(struct gsim *gs, int detail)
{
	struct gsim_dev	*gd;
	char		 name[16];
	size_t		 i;
	int		 b;

	printf("devices=");
	for (i = 0; i < gs->gs_ndevs; i++) {
		gsim_name(gs->gs_devs[i], name, sizeof(name));
		printf("%s%s", i > 0 ? "," : "", name);
	}
	printf("\n");
	for (i = 0; detail && i < gs->gs_ndevs; i++) {
		gd = gs->gs_devs[i];
		gsim_name(gd, name, sizeof(name));
		printf("dev.%s.id=%04x:%04x\n", name, gsim_get(gd, 0, 2),
		    gsim_get(gd, 2, 2));
		printf("dev.%s.class=%06x\n", name, gsim_get(gd, 8, 4) >> 8);
		printf("dev.%s.cfgsize=%u\n", name, gd->gd_cfgsize);
		for (b = 0; b <= GSIM_NBARS; b++) {
			if (gd->gd_barsize[b] == 0)
				continue;
			if (b == GSIM_ROM)
				printf("dev.%s.rom=0x%llx\n", name,
				    (unsigned long long)gd->gd_barsize[b]);
			else
				printf("dev.%s.bar%d=0x%llx\n", name, b,
				    (unsigned long long)gd->gd_barsize[b]);
		}
		if (gd->gd_msi_pirq != 0 || gd->gd_msi_err != 0)
			printf("dev.%s.msi=%d\ndev.%s.msi_bit=%d\n", name,
			    gd->gd_msi_pirq, name, gd->gd_msi_bit);
		if (gd->gd_xsa157 != 0)
			printf("dev.%s.xsa157=%s\n", name,
			    gd->gd_xsa157 > 0 ? "refused" : "allowed");
		if (gd->gd_msix_n != 0 || gd->gd_msix_err != 0)
			printf("dev.%s.msix=%u\ndev.%s.msix_err=%d\n", name,
			    gd->gd_msix_n, name, gd->gd_msix_err);
		if (gd->gd_master != 0)
			printf("dev.%s.master=%d\n", name, gd->gd_master > 0);
	}
	fflush(stdout);
}
