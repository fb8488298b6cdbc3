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
 * demo-core: what a Linux guest sees of two emulated devices through the
 * pcibackd core, with no Xen involved.  It plays the part of xen-pcifront
 * against lib/ directly: scans the virtual bus, reads config space, sizes
 * the BARs, enables MSI-X, tries what a hostile guest would, and writes the
 * guest's view as an lspci dump for `lspci -F` to render.
 *
 * usage: demo-core outdir dump[,bars] ...
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/pciif.h>

#include "bdf.h"
#include "cfgspace.h"
#include "emul.h"
#include "pciop.h"
#include "topo.h"

#define DEMO_MAX	8

static const struct pciop_irq_ops demo_irq_ops = {
	.pio_enable_msi = emul_enable_msi,
	.pio_disable_msi = emul_disable_msi,
	.pio_enable_msix = emul_enable_msix,
	.pio_disable_msix = emul_disable_msix,
};

struct demo {
	struct topo		 d_topo;
	struct pciop_guest	 d_guest;
	struct emul_set		 d_sets[DEMO_MAX];
	struct pciop_dev	 d_devs[DEMO_MAX];
	size_t			 d_ndevs;
	unsigned int		 d_ops;
	unsigned int		 d_refused;
};

/* One op as the frontend would post it; returns err. */
static int32_t
demo_op(struct demo *d, uint32_t cmd, const struct bdf *g, int off, int size,
    uint32_t *value)
{
	struct xen_pci_op	op, copy;
	struct pciop_reply	reply;

	memset(&op, 0, sizeof(op));
	op.cmd = cmd;
	op.domain = g->b_seg;
	op.bus = g->b_bus;
	op.devfn = BDF_DEVFN(g);
	op.offset = off;
	op.size = size;
	op.value = value != NULL ? *value : 0;
	pciop_copy_in(&copy, &op);
	pciop_serve(&d->d_guest, &copy, &reply);
	pciop_reply_write(&reply, &op);
	d->d_ops++;
	if (value != NULL)
		*value = op.value;
	return op.err;
}

static int
demo_add(struct demo *d, const char *arg)
{
	char		 src[1024], *bars, *cause = NULL;
	struct emul_set	*es = &d->d_sets[d->d_ndevs];
	struct emul_dev	*ed;
	struct pciop_dev *pd = &d->d_devs[d->d_ndevs];
	struct cfgspace_policy pol = { 0 };
	struct bdf	 guest;
	char		 host[BDF_XL_MAX], vdev[BDF_XL_MAX];

	snprintf(src, sizeof(src), "dump:%s", arg);
	if ((bars = strchr(src, ',')) != NULL)
		*bars++ = '\0';
	if (emul_load(es, src, &cause) != 0 ||
	    (bars != NULL && emul_load_bar_sizes(es, bars, &cause) != 0)) {
		fprintf(stderr, "demo: %s\n", cause ? cause : strerror(errno));
		return -1;
	}
	ed = &es->es_devs[0];
	pd->pd_cs = cfgspace_new(&emul_cfgdev_ops, ed, &ed->ed_info, &pol,
	    &cause);
	if (pd->pd_cs == NULL) {
		fprintf(stderr, "demo: %s: %s\n", src, cause);
		return -1;
	}
	pd->pd_irq = &demo_irq_ops;
	pd->pd_irq_ctx = ed;
	pd->pd_legacy_pirq = ed->ed_info.ci_irq;
	if (topo_add(&d->d_topo, &ed->ed_bdf, NULL, pd, &guest, &cause) != 0) {
		fprintf(stderr, "demo: %s\n", cause);
		return -1;
	}
	bdf_format_dev(&ed->ed_bdf, host, sizeof(host));
	bdf_format_vdev(&guest, vdev, sizeof(vdev));
	printf("  backend: exported host %s [%04x:%04x] as guest vdev %s\n",
	    host, ed->ed_vendor, ed->ed_device, vdev);
	d->d_ndevs++;
	return 0;
}

/* Read a function's whole config space as the guest sees it. */
static void
demo_dump_fn(struct demo *d, const struct bdf *g, FILE *out)
{
	uint32_t	v;
	unsigned int	off, size, i;

	size = CFGSPACE_EXT_SIZE;
	v = 0;
	if (demo_op(d, XEN_PCI_OP_conf_read, g, 0x100, 4, &v) != 0)
		size = CFGSPACE_CONV_SIZE;
	fprintf(out, "%02x:%02x.%x Class 0000: Device 0000:0000\n",
	    g->b_bus, g->b_dev, g->b_fn);
	for (off = 0; off < size; off += 16) {
		fprintf(out, "%02x:", off);
		for (i = 0; i < 16; i += 4) {
			v = 0;
			if (demo_op(d, XEN_PCI_OP_conf_read, g,
			    (int)(off + i), 4, &v) != 0)
				v = 0xffffffff;
			fprintf(out, " %02x %02x %02x %02x", v & 0xff,
			    (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24);
		}
		fprintf(out, "\n");
	}
	fprintf(out, "\n");
}

/* BAR sizing exactly as a guest kernel does it. */
static void
demo_size_bars(struct demo *d, const struct bdf *g)
{
	uint32_t	orig, all, sz, mask;
	int		bar;

	for (bar = 0; bar < 6; bar++) {
		int off = 0x10 + 4 * bar;

		orig = 0;
		demo_op(d, XEN_PCI_OP_conf_read, g, off, 4, &orig);
		all = 0xffffffff;
		demo_op(d, XEN_PCI_OP_conf_write, g, off, 4, &all);
		sz = 0;
		demo_op(d, XEN_PCI_OP_conf_read, g, off, 4, &sz);
		demo_op(d, XEN_PCI_OP_conf_write, g, off, 4, &orig);
		if (sz == 0)
			continue;
		mask = (orig & 1) ? ~0x3u : ~0xfu;
		printf("    BAR%d at 0x%08x: %s, size 0x%x\n", bar, orig & mask,
		    (orig & 1) ? "I/O" : ((orig & 6) == 4 ? "64-bit memory" :
		    "32-bit memory"), ~(sz & mask) + 1);
		if ((orig & 7) == 4)
			bar++;
	}
}

static void
demo_msix(struct demo *d, const struct bdf *g)
{
	struct xen_pci_op	op, copy;
	struct pciop_reply	reply;
	uint32_t		v;
	int			i;

	memset(&op, 0, sizeof(op));
	op.cmd = XEN_PCI_OP_enable_msix;
	op.bus = g->b_bus;
	op.devfn = BDF_DEVFN(g);
	op.value = 4;
	for (i = 0; i < 4; i++) {
		op.msix_entries[i].entry = (uint16_t)i;
		op.msix_entries[i].vector = 0xffff;
	}
	pciop_copy_in(&copy, &op);
	pciop_serve(&d->d_guest, &copy, &reply);
	pciop_reply_write(&reply, &op);
	d->d_ops++;
	printf("    enable_msix(4 vectors): err %d, pirqs %u %u %u %u\n",
	    op.err, op.msix_entries[0].vector, op.msix_entries[1].vector,
	    op.msix_entries[2].vector, op.msix_entries[3].vector);
	op.cmd = XEN_PCI_OP_enable_msix;
	pciop_copy_in(&copy, &op);
	pciop_serve(&d->d_guest, &copy, &reply);
	pciop_reply_write(&reply, &op);
	printf("    enable_msix again: err %d (refused: already enabled)\n",
	    op.err);
	v = 0;
	printf("    enable_msi while MSI-X is on: err %d (XSA-157)\n",
	    demo_op(d, XEN_PCI_OP_enable_msi, g, 0, 0, &v));
	printf("    disable_msix: err %d\n",
	    demo_op(d, XEN_PCI_OP_disable_msix, g, 0, 0, &v));
}

/* What a hostile guest tries, and what reaches the device. */
static void
demo_hostile(struct demo *d, const struct bdf *g, struct emul_dev *ed)
{
	uint32_t	v, before;
	int32_t		err;
	struct bdf	nowhere = *g;

	before = ed->ed_cfg[4] | ed->ed_cfg[5] << 8;
	v = 0;
	err = demo_op(d, XEN_PCI_OP_conf_write, g, 0x04, 2, &v);
	printf("    clear the command register: err %d, hardware command "
	    "0x%04x -> 0x%04x (XSA-120: decoding stays on)\n", err, before,
	    ed->ed_cfg[4] | ed->ed_cfg[5] << 8);
	v = 0xdead;
	err = demo_op(d, XEN_PCI_OP_conf_write, g, 0x00, 2, &v);
	printf("    overwrite the vendor ID: err %d, hardware still 0x%04x\n",
	    err, ed->ed_cfg[0] | ed->ed_cfg[1] << 8);
	v = 0;
	err = demo_op(d, XEN_PCI_OP_conf_read, g, 4096, 4, &v);
	printf("    read at offset 4096: err %d (invalid offset)\n", err);
	err = demo_op(d, XEN_PCI_OP_conf_read, g, 0x06, 4, &v);
	printf("    misaligned 4-byte read at 0x06: err %d\n", err);
	nowhere.b_dev = 31;
	err = demo_op(d, XEN_PCI_OP_conf_read, &nowhere, 0, 4, &v);
	printf("    read a slot the guest was not given: err %d (no device)\n",
	    err);
	err = demo_op(d, XEN_PCI_OP_enable_multi_msi, g, 0, 0, &v);
	printf("    enable_multi_msi: err %d (not implemented)\n", err);
	d->d_refused += 6;
}

int
main(int argc, char *argv[])
{
	struct demo	*d;
	struct topo_entry *te;
	char		 path[1024];
	FILE		*out;
	unsigned int	 devfn, found = 0;
	size_t		 i;
	uint32_t	 v;
	struct bdf	 g = { 0, 0, 0, 0 };

	if (argc < 3) {
		fprintf(stderr, "usage: demo-core outdir dump[,bars] ...\n");
		return 2;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return 1;
	topo_init(&d->d_topo, TOPO_VIRTUAL);
	d->d_guest.pg_topo = &d->d_topo;
	printf("pcibackd core demo: two emulated devices, one guest\n\n");
	for (i = 2; i < (size_t)argc && i - 2 < DEMO_MAX; i++)
		if (demo_add(d, argv[i]) != 0)
			return 1;

	printf("\n  guest: probing all 256 devfn on root 0000:00, as "
	    "xen-pcifront does\n");
	snprintf(path, sizeof(path), "%s/guest-view.txt", argv[1]);
	if ((out = fopen(path, "w")) == NULL) {
		perror(path);
		return 1;
	}
	for (devfn = 0; devfn < 256; devfn++) {
		g.b_dev = (uint8_t)(devfn >> 3);
		g.b_fn = (uint8_t)(devfn & 7);
		v = 0;
		if (demo_op(d, XEN_PCI_OP_conf_read, &g, 0, 4, &v) != 0)
			continue;
		found++;
		printf("    found 00:%02x.%x [%04x:%04x]\n", g.b_dev, g.b_fn,
		    v & 0xffff, v >> 16);
		demo_dump_fn(d, &g, out);
	}
	fclose(out);

	for (i = 0; i < topo_count(&d->d_topo); i++) {
		te = topo_entry(&d->d_topo, i);
		printf("\n  guest: device 00:%02x.%x\n", te->te_guest.b_dev,
		    te->te_guest.b_fn);
		demo_size_bars(d, &te->te_guest);
		if (cfgspace_cap(((struct pciop_dev *)te->te_user)->pd_cs,
		    0x11) != 0)
			demo_msix(d, &te->te_guest);
		demo_hostile(d, &te->te_guest, &d->d_sets[i].es_devs[0]);
	}
	printf("\n  summary: %u functions found, %u ops served, %u hostile "
	    "requests refused or neutralised\n", found, d->d_ops,
	    d->d_refused);
	printf("  guest view written to %s\n", path);
	return 0;
}
