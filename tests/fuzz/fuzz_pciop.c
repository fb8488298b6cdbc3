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
 * Frontend ops against a guest with two synthetic devices (no files
 * needed): a conventional one with MSI and an 8-entry MSI-X table, and an
 * extended one with only a 16-entry MSI-X table.
 *
 * Input: records of [ctl][len][len bytes of struct xen_pci_op].  ctl bit 0-1
 * aim the op at device 0, device 1 or leave the address raw; bit 2 folds
 * cmd into 0..11; bits 3-4 pick the interrupt backend's behaviour; bit 5
 * toggles memory decoding on device 0; bit 6 makes hardware reads fail.
 *
 * The fake backend aborts on any call XSA-157 forbids, and every reply is
 * checked against the protocol rules.
 */

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memdev.h"
#include "pciop.h"

#define NDEV		2
#define CMD_MEM		0x0002
#define MSI_ENABLE	0x0001
#define MSIX_ENABLE	0x8000

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

enum { BE_OK, BE_FAIL, BE_BADPIRQ, BE_ZERO };

struct fzdev {
	struct memdev	fd_md;
	struct cfgspace	*fd_cs;
	unsigned int	fd_msi;
	unsigned int	fd_msix;
	unsigned int	fd_tsize;
	int		fd_mode;	/* BE_* */
	int		fd_on;		/* backend thinks an enable is live */
};

struct fz {
	struct fzdev		f_dev[NDEV];
	struct pciop_dev	f_pd[NDEV];
	struct bdf		f_guest[NDEV];
	struct topo		f_topo;
	struct pciop_guest	f_g;
};

static void
put(uint8_t *cfg, unsigned int off, unsigned int size, uint32_t v)
{
	unsigned int	i;

	for (i = 0; i < size; i++)
		cfg[off + i] = (uint8_t)(v >> (8 * i));
}

static void
synth_conv(struct dumpdev *dd)
{
	uint8_t	*c = dd->dd_cfg;

	memset(dd, 0, sizeof(*dd));
	dd->dd_len = CFGSPACE_CONV_SIZE;
	put(c, 0x00, 4, 0x0001abcd);
	put(c, 0x04, 4, 0x00100006);		/* MEM|BM, cap list */
	put(c, 0x08, 4, 0x02000001);
	put(c, 0x10, 4, 0xfe000000);
	put(c, 0x34, 1, 0x40);
	put(c, 0x3c, 2, 0x010b);
	put(c, 0x40, 4, 0x00805005);		/* MSI, 64-bit */
	put(c, 0x50, 4, 0x00070011);		/* MSI-X, 8 entries */
	put(c, 0x54, 4, 0x00002000);
	put(c, 0x58, 4, 0x00003000);
}

static void
synth_ext(struct dumpdev *dd)
{
	uint8_t	*c = dd->dd_cfg;

	memset(dd, 0, sizeof(*dd));
	dd->dd_len = CFGSPACE_EXT_SIZE;
	put(c, 0x00, 4, 0x0002abcd);
	put(c, 0x04, 4, 0x00100002);
	put(c, 0x08, 4, 0x01080002);
	put(c, 0x10, 4, 0xfd000004);		/* 64-bit memory */
	put(c, 0x34, 1, 0x60);
	put(c, 0x60, 4, 0x00027010);		/* PCIe v2 endpoint */
	put(c, 0x70, 4, 0x000f0011);		/* MSI-X, 16 entries */
	put(c, 0x74, 4, 0x00000000);
	put(c, 0x78, 4, 0x00000800);
	put(c, 0x100, 4, 0x00020001);		/* AER */
}

static uint16_t
hw16(const struct fzdev *d, unsigned int off)
{
	return (uint16_t)memdev_get(&d->fd_md, off, 2);
}

static void
hw_bit(struct fzdev *d, unsigned int off, uint16_t bit, int on)
{
	uint16_t	v = hw16(d, off);

	memdev_put(&d->fd_md, off, 2, on ? (v | bit) : (v & ~bit));
}

static int
msi_on(const struct fzdev *d)
{
	return d->fd_msi != 0 && (hw16(d, d->fd_msi + 2) & MSI_ENABLE);
}

static int
msix_on(const struct fzdev *d)
{
	return d->fd_msix != 0 && (hw16(d, d->fd_msix + 2) & MSIX_ENABLE);
}

static int
be_enable_msi(void *ctx, int *pirq)
{
	struct fzdev	*d = ctx;

	/* XSA-157: never asked while either mode is on. */
	if (d->fd_msi == 0 || msi_on(d) || msix_on(d) || d->fd_on)
		abort();
	switch (d->fd_mode) {
	case BE_FAIL:
		return -EBUSY;
	case BE_BADPIRQ:
		*pirq = -3;
		break;
	case BE_ZERO:
		*pirq = 0;
		break;
	default:
		*pirq = 17;
	}
	d->fd_on = 1;
	hw_bit(d, d->fd_msi + 2, MSI_ENABLE, 1);
	return 0;
}

static int
be_disable_msi(void *ctx)
{
	struct fzdev	*d = ctx;

	if (!d->fd_on && !msi_on(d))
		abort();
	d->fd_on = 0;
	hw_bit(d, d->fd_msi + 2, MSI_ENABLE, 0);
	return 0;
}

static int
be_enable_msix(void *ctx, const uint16_t *entries, unsigned int n, int *pirqs)
{
	struct fzdev	*d = ctx;
	unsigned int	 i, j;

	if (d->fd_msix == 0 || msi_on(d) || msix_on(d) || d->fd_on)
		abort();
	if (!(hw16(d, 0x04) & CMD_MEM) || n == 0 || n > SH_INFO_MAX_VEC)
		abort();
	for (i = 0; i < n; i++) {
		if (entries[i] >= d->fd_tsize)
			abort();
		for (j = 0; j < i; j++)
			if (entries[i] == entries[j])
				abort();
	}
	if (d->fd_mode == BE_FAIL)
		return -ENOSPC;
	for (i = 0; i < n; i++)
		pirqs[i] = 200 + (int)i;
	if (d->fd_mode == BE_BADPIRQ)
		pirqs[n - 1] = 0x10000;
	else if (d->fd_mode == BE_ZERO)
		pirqs[0] = 0;
	d->fd_on = 1;
	hw_bit(d, d->fd_msix + 2, MSIX_ENABLE, 1);
	return 0;
}

static int
be_disable_msix(void *ctx)
{
	struct fzdev	*d = ctx;

	if (!d->fd_on && !msix_on(d))
		abort();
	d->fd_on = 0;
	hw_bit(d, d->fd_msix + 2, MSIX_ENABLE, 0);
	return 0;
}

static const struct pciop_irq_ops be_ops = {
	.pio_enable_msi = be_enable_msi,
	.pio_disable_msi = be_disable_msi,
	.pio_enable_msix = be_enable_msix,
	.pio_disable_msix = be_disable_msix,
};

static struct fz *
fz_new(void)
{
	struct fz	*f;
	struct dumpdev	*dd;
	struct bdf	 host = { 0, 0x3a, 0, 0 };
	const uint64_t	 sizes[CFGDEV_NBARS + 1] = { 0x4000, 0, 0, 0, 0, 0, 0 };
	int		 i;

	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (dd = malloc(sizeof(*dd))) == NULL)
		abort();
	topo_init(&f->f_topo, TOPO_VIRTUAL);
	f->f_g.pg_topo = &f->f_topo;
	for (i = 0; i < NDEV; i++) {
		struct fzdev	*d = &f->f_dev[i];

		if (i == 0)
			synth_conv(dd);
		else
			synth_ext(dd);
		memdev_from_dump(&d->fd_md, dd, sizes, 11);
		d->fd_cs = cfgspace_new(&memdev_ops, &d->fd_md,
		    &d->fd_md.md_info, NULL, NULL);
		if (d->fd_cs == NULL)
			abort();
		d->fd_msi = cfgspace_cap(d->fd_cs, 0x05);
		d->fd_msix = cfgspace_cap(d->fd_cs, 0x11);
		d->fd_tsize = cfgspace_msix_table_size(d->fd_cs);
		f->f_pd[i].pd_cs = d->fd_cs;
		f->f_pd[i].pd_irq = &be_ops;
		f->f_pd[i].pd_irq_ctx = d;
		f->f_pd[i].pd_legacy_pirq = 11;
		host.b_fn = (uint8_t)i;		/* one multi-function slot */
		if (topo_add(&f->f_topo, &host, NULL, &f->f_pd[i],
		    &f->f_guest[i], NULL) != 0)
			abort();
	}
	free(dd);
	return f;
}

static void
fz_free(struct fz *f)
{
	int	i;

	for (i = 0; i < NDEV; i++)
		cfgspace_free(f->f_dev[i].fd_cs);
	free(f);
}

static int
linux_errno(int32_t err)
{
	switch (-err) {
	case PCIOP_LINUX_EINVAL:
	case PCIOP_LINUX_EALREADY:
	case PCIOP_LINUX_ENXIO:
	case PCIOP_LINUX_ENOSPC:
	case PCIOP_LINUX_ERANGE:
	case PCIOP_LINUX_EIO:
		return 1;
	default:
		return 0;
	}
}

static void
check_reply(const struct xen_pci_op *op, const struct pciop_reply *r)
{
	unsigned int	i;

	if (r->pr_nvec != 0 &&
	    (op->cmd != XEN_PCI_OP_enable_msix || r->pr_err != 0))
		abort();
	if (r->pr_err == XEN_PCI_ERR_dev_not_found ||
	    r->pr_err == XEN_PCI_ERR_not_implemented) {
		if (r->pr_value != op->value)
			abort();
		return;
	}
	switch (op->cmd) {
	case XEN_PCI_OP_conf_read:
	case XEN_PCI_OP_conf_write:
		if (r->pr_err > 0 || r->pr_err < XEN_PCI_ERR_op_failed)
			abort();
		if (op->cmd == XEN_PCI_OP_conf_read && r->pr_err != 0 &&
		    r->pr_value != 0)
			abort();
		if (op->cmd == XEN_PCI_OP_conf_write &&
		    r->pr_value != op->value)
			abort();
		break;
	case XEN_PCI_OP_enable_msi:
		if (r->pr_err == 0 ? (int32_t)r->pr_value <= 0 :
		    r->pr_err != XEN_PCI_ERR_op_failed || r->pr_value != 0)
			abort();
		break;
	case XEN_PCI_OP_disable_msi:
	case XEN_PCI_OP_disable_msix:
		if (r->pr_err != 0 || r->pr_value != 11)
			abort();
		break;
	case XEN_PCI_OP_enable_msix:
		if (r->pr_err != 0 && !linux_errno(r->pr_err))
			abort();
		if (r->pr_err != 0)
			break;
		if (r->pr_value != 0 || r->pr_nvec != op->value ||
		    r->pr_nvec == 0 || r->pr_nvec > SH_INFO_MAX_VEC)
			abort();
		for (i = 0; i < r->pr_nvec; i++)
			if (r->pr_vector[i] == 0)
				abort();
		break;
	default:
		abort();	/* unknown cmds must have been refused */
	}
}

static void
fz_op(struct fz *f, uint8_t ctl, const uint8_t *p, size_t len)
{
	struct xen_pci_op	op, saved;
	struct pciop_reply	rep;
	int			i, target = ctl & 3;

	memset(&op, 0, sizeof(op));
	memcpy(&op, p, len < sizeof(op) ? len : sizeof(op));
	if (target == 1 || target == 2) {
		op.domain = 0;
		op.bus = 0;
		op.devfn = BDF_DEVFN(&f->f_guest[target - 1]);
	}
	if (ctl & 0x04)
		op.cmd %= 12;
	for (i = 0; i < NDEV; i++) {
		f->f_dev[i].fd_mode = (ctl >> 3) & 3;
		f->f_dev[i].fd_md.md_read_error = (ctl & 0x40) != 0;
	}
	if (ctl & 0x20)
		hw_bit(&f->f_dev[0], 0x04, CMD_MEM,
		    !(hw16(&f->f_dev[0], 0x04) & CMD_MEM));
	saved = op;
	pciop_serve(&f->f_g, &op, &rep);
	if (memcmp(&saved, &op, sizeof(op)) != 0)
		abort();
	for (i = 0; i < NDEV; i++)
		f->f_dev[i].fd_md.md_read_error = 0;
	check_reply(&op, &rep);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz	*f = fz_new();
	size_t		 len;
	uint8_t		 ctl;

	while (size >= 2) {
		ctl = data[0];
		len = data[1] * 4u;
		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		fz_op(f, ctl, data, len);
		data += len;
		size -= len;
	}
	fz_free(f);
	return 0;
}
