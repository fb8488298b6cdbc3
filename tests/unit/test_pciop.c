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

#include <sys/mman.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memdev.h"
#include "pciop.h"

#define CAP_MSI		0x05
#define CAP_MSIX	0x11
#define MSI_ENABLE	0x0001
#define MSIX_ENABLE	0x8000
#define CMD_MEM		0x0002

#define LEGACY_PIRQ	0x2b
#define PIRQ_BASE	100

/*
 * The interrupt backend double.  Like the daemon's, a successful enable
 * sets the enable bit in "hardware" and a disable clears it.
 */
struct fakeirq {
	struct memdev	*fi_md;
	unsigned int	 fi_msi;	/* capability offsets */
	unsigned int	 fi_msix;
	int		 fi_enable_msi;	/* calls */
	int		 fi_disable_msi;
	int		 fi_enable_msix;
	int		 fi_disable_msix;
	int		 fi_ret;	/* what enables return */
	int		 fi_pirq;	/* MSI pirq; MSI-X: fi_pirq + i */
	int		 fi_bad;	/* MSI-X index given pirq 0; -1 none */
	unsigned int	 fi_n;
	uint16_t	 fi_entries[SH_INFO_MAX_VEC];
};

enum { E1000E, EDU, E1000, NVME, NDEV };

static const char *const dumps[NDEV] = {
	"qemu-e1000e.txt", "qemu-edu.txt", "qemu-e1000.txt", "qemu-nvme.txt"
};

struct fx {
	struct memdev		 md[NDEV];
	struct cfgspace		*cs[NDEV];
	struct fakeirq		 fi[NDEV];
	struct pciop_dev	 pd[NDEV];
	struct bdf		 guest[NDEV];
	struct topo		 topo;
	struct pciop_guest	 g;
};

static void
hw_set(struct memdev *md, unsigned int off, uint32_t bits, int on)
{
	uint32_t	v = memdev_get(md, off, 2);

	memdev_put(md, off, 2, on ? (v | bits) : (v & ~bits));
}

static int
fi_enable_msi(void *ctx, int *pirq)
{
	struct fakeirq	*fi = ctx;

	fi->fi_enable_msi++;
	if (fi->fi_ret != 0)
		return fi->fi_ret;
	*pirq = fi->fi_pirq;
	hw_set(fi->fi_md, fi->fi_msi + 2, MSI_ENABLE, 1);
	return 0;
}

static int
fi_disable_msi(void *ctx)
{
	struct fakeirq	*fi = ctx;

	fi->fi_disable_msi++;
	hw_set(fi->fi_md, fi->fi_msi + 2, MSI_ENABLE, 0);
	return 0;
}

static int
fi_enable_msix(void *ctx, const uint16_t *entries, unsigned int n, int *pirqs)
{
	struct fakeirq	*fi = ctx;
	unsigned int	 i;

	fi->fi_enable_msix++;
	fi->fi_n = n;
	memcpy(fi->fi_entries, entries, n * sizeof(*entries));
	if (fi->fi_ret != 0)
		return fi->fi_ret;
	for (i = 0; i < n; i++)
		pirqs[i] = (int)i == fi->fi_bad ? 0 : fi->fi_pirq + (int)i;
	hw_set(fi->fi_md, fi->fi_msix + 2, MSIX_ENABLE, 1);
	return 0;
}

static int
fi_disable_msix(void *ctx)
{
	struct fakeirq	*fi = ctx;

	fi->fi_disable_msix++;
	hw_set(fi->fi_md, fi->fi_msix + 2, MSIX_ENABLE, 0);
	return 0;
}

static const struct pciop_irq_ops fake_ops = {
	.pio_enable_msi = fi_enable_msi,
	.pio_disable_msi = fi_disable_msi,
	.pio_enable_msix = fi_enable_msix,
	.pio_disable_msix = fi_disable_msix,
};

static void
fx_device(struct fx *f, int i, int host_dev)
{
	struct dumpdev		*dd;
	struct bdf		 host = { 0, 0, 0, 0 };
	char			*cause = NULL;

	if ((dd = malloc(sizeof(*dd))) == NULL)
		abort();
	dump_load(testdata_path(dumps[i]), 0, dd);
	memdev_from_dump(&f->md[i], dd, NULL, 11);
	free(dd);
	f->cs[i] = cfgspace_new(&memdev_ops, &f->md[i], &f->md[i].md_info,
	    NULL, &cause);
	if (f->cs[i] == NULL)
		fail_msg("cfgspace_new %s: %s", dumps[i], cause);
	f->fi[i].fi_md = &f->md[i];
	f->fi[i].fi_msi = cfgspace_cap(f->cs[i], CAP_MSI);
	f->fi[i].fi_msix = cfgspace_cap(f->cs[i], CAP_MSIX);
	f->fi[i].fi_pirq = PIRQ_BASE;
	f->fi[i].fi_bad = -1;
	f->pd[i].pd_cs = f->cs[i];
	f->pd[i].pd_irq = &fake_ops;
	f->pd[i].pd_irq_ctx = &f->fi[i];
	f->pd[i].pd_legacy_pirq = LEGACY_PIRQ;
	host.b_bus = 3;
	host.b_dev = (uint8_t)host_dev;
	if (topo_add(&f->topo, &host, NULL, &f->pd[i], &f->guest[i],
	    &cause) != 0)
		fail_msg("topo_add: %s", cause);
	memdev_clear_log(&f->md[i]);
}

static int
setup(void **state)
{
	struct fx	*f;
	int		 i;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	topo_init(&f->topo, TOPO_VIRTUAL);
	f->g.pg_topo = &f->topo;
	for (i = 0; i < NDEV; i++)
		fx_device(f, i, 4 + i);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;
	int		 i;

	for (i = 0; i < NDEV; i++)
		cfgspace_free(f->cs[i]);
	free(f);
	return 0;
}

static void
op_init(struct xen_pci_op *op, uint32_t cmd, const struct bdf *g)
{
	memset(op, 0, sizeof(*op));
	op->cmd = cmd;
	op->domain = g->b_seg;
	op->bus = g->b_bus;
	op->devfn = BDF_DEVFN(g);
}

static struct pciop_reply
serve(struct fx *f, const struct xen_pci_op *op)
{
	struct pciop_reply	rep;

	memset(&rep, 0xa5, sizeof(rep));
	pciop_serve(&f->g, op, &rep);
	if (rep.pr_err != 0 || op->cmd != XEN_PCI_OP_enable_msix)
		assert_int_equal(rep.pr_nvec, 0);
	return rep;
}

static struct pciop_reply
conf(struct fx *f, int dev, uint32_t cmd, int32_t off, int32_t size,
    uint32_t value)
{
	struct xen_pci_op	op;

	op_init(&op, cmd, &f->guest[dev]);
	op.offset = off;
	op.size = size;
	op.value = value;
	return serve(f, &op);
}

static struct pciop_reply
irqop(struct fx *f, int dev, uint32_t cmd, uint32_t value)
{
	struct xen_pci_op	op;

	op_init(&op, cmd, &f->guest[dev]);
	op.value = value;
	return serve(f, &op);
}

/* enable_msix with n entries 0, 1, ..., n-1 (as far as n <= 128). */
static struct pciop_reply
msix(struct fx *f, int dev, uint32_t n)
{
	struct xen_pci_op	op;
	unsigned int		i;

	op_init(&op, XEN_PCI_OP_enable_msix, &f->guest[dev]);
	op.value = n;
	for (i = 0; i < SH_INFO_MAX_VEC; i++) {
		op.msix_entries[i].entry = (uint16_t)i;
		op.msix_entries[i].vector = 0xffff;
	}
	return serve(f, &op);
}

static int
irq_calls(const struct fakeirq *fi)
{
	return fi->fi_enable_msi + fi->fi_disable_msi + fi->fi_enable_msix +
	    fi->fi_disable_msix;
}

static int
all_irq_calls(const struct fx *f)
{
	int	i, n = 0;

	for (i = 0; i < NDEV; i++)
		n += irq_calls(&f->fi[i]);
	return n;
}

/* conf_read / conf_write */

static void
test_conf_read_returns_register(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;

	r = conf(f, E1000E, XEN_PCI_OP_conf_read, 0, 2, 0x1234);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_success);
	assert_int_equal(r.pr_value, 0x8086);
	r = conf(f, E1000E, XEN_PCI_OP_conf_read, 0, 4, 0);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_success);
	assert_int_equal(r.pr_value, 0x10d38086);
	r = conf(f, EDU, XEN_PCI_OP_conf_read, 2, 2, 0);
	assert_int_equal(r.pr_value, 0x11e8);
}

static void
test_conf_offset_minus_1(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;

	r = conf(f, E1000E, XEN_PCI_OP_conf_read, -1, 1, 0x77);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_invalid_offset);
	assert_int_equal(r.pr_value, 0);
	r = conf(f, E1000E, XEN_PCI_OP_conf_write, -1, 1, 0x77);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_invalid_offset);
}

static void
test_conf_offset_minus_4(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;

	r = conf(f, E1000E, XEN_PCI_OP_conf_read, -4, 4, 0x77);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_invalid_offset);
	assert_int_equal(r.pr_value, 0);
	r = conf(f, E1000E, XEN_PCI_OP_conf_read, INT32_MIN, 4, 0);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_invalid_offset);
	r = conf(f, E1000E, XEN_PCI_OP_conf_write, -4, 4, 0);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_invalid_offset);
	assert_int_equal(f->md[E1000E].md_nwrites, 0);
}

static void
test_conf_offset_4096(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;

	r = conf(f, E1000E, XEN_PCI_OP_conf_read, 4096, 1, 0);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_invalid_offset);
	r = conf(f, E1000E, XEN_PCI_OP_conf_read, 4094, 4, 0);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_invalid_offset);
	r = conf(f, E1000E, XEN_PCI_OP_conf_read, INT32_MAX - 3, 4, 0);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_invalid_offset);
	r = conf(f, E1000E, XEN_PCI_OP_conf_read, 4092, 4, 0);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_success);
}

static void
test_conf_offset_256_on_conventional(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;

	r = conf(f, EDU, XEN_PCI_OP_conf_read, 256, 4, 0);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_invalid_offset);
	assert_int_equal(r.pr_value, 0);
	r = conf(f, EDU, XEN_PCI_OP_conf_write, 256, 2, 0);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_invalid_offset);
	r = conf(f, EDU, XEN_PCI_OP_conf_read, 252, 4, 0);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_success);
	assert_int_equal(f->md[EDU].md_nwrites, 0);
}

static void
test_conf_misaligned(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;

	r = conf(f, E1000E, XEN_PCI_OP_conf_read, 1, 2, 0x55);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_invalid_offset);
	assert_int_equal(r.pr_value, 0);
	r = conf(f, E1000E, XEN_PCI_OP_conf_read, 2, 4, 0);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_invalid_offset);
	r = conf(f, E1000E, XEN_PCI_OP_conf_write, 6, 4, 0);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_invalid_offset);
	assert_int_equal(f->md[E1000E].md_nwrites, 0);
}

static void
test_conf_bad_size(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;
	const int32_t		 sizes[] = { 0, 3, 5, 8, -1, -4, INT32_MIN };
	size_t			 i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		r = conf(f, E1000E, XEN_PCI_OP_conf_read, 0, sizes[i], 9);
		assert_int_equal(r.pr_err, XEN_PCI_ERR_invalid_offset);
		assert_int_equal(r.pr_value, 0);
		r = conf(f, E1000E, XEN_PCI_OP_conf_write, 0, sizes[i], 9);
		assert_int_equal(r.pr_err, XEN_PCI_ERR_invalid_offset);
	}
	assert_int_equal(f->md[E1000E].md_nwrites, 0);
}

static void
test_conf_write_dropped_is_success(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;

	/* Make sure the engine really drops it, then see pciop hide that. */
	assert_int_equal(cfgspace_write(f->cs[E1000E], 0x40, 4, 0x12345678),
	    CFGSPACE_DROPPED);
	r = conf(f, E1000E, XEN_PCI_OP_conf_write, 0x40, 4, 0x12345678);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_success);
	assert_int_equal(r.pr_value, 0x12345678);
	assert_int_equal(memdev_writes_in(&f->md[E1000E], 0x40, 4), 0);
}

static void
test_conf_write_refused_is_access_denied(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;
	unsigned int		 ctl = f->fi[EDU].fi_msi + 2;

	/* Whatever the engine refuses with -EPERM; skip if it refuses none. */
	if (cfgspace_write(f->cs[EDU], ctl, 2, 0) != -EPERM)
		skip();
	r = conf(f, EDU, XEN_PCI_OP_conf_write, (int32_t)ctl, 2, 0);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_access_denied);
	assert_int_equal(r.pr_value, 0);
}

static void
test_conf_read_hw_error_is_op_failed(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;
	uint32_t		 v;

	f->md[E1000E].md_read_error = 1;
	assert_true(cfgspace_read(f->cs[E1000E], 0x40, 4, &v) < 0);
	r = conf(f, E1000E, XEN_PCI_OP_conf_read, 0x40, 4, 0x99);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_op_failed);
	assert_int_equal(r.pr_value, 0);
}

/* Lookup and dispatch */

static void
test_unknown_device(void **state)
{
	struct fx		*f = *state;
	struct xen_pci_op	 op;
	struct bdf		 none = { 0, 0, 20, 0 };
	struct pciop_reply	 r;
	uint32_t		 cmd;

	for (cmd = 0; cmd < PCIOP_NCMD; cmd++) {
		op_init(&op, cmd, &none);
		op.value = 0xdeadbeef;
		r = serve(f, &op);
		assert_int_equal(r.pr_err, XEN_PCI_ERR_dev_not_found);
		assert_int_equal(r.pr_value, 0xdeadbeef);
	}
	/* The host address is not a guest address under vpci. */
	op_init(&op, XEN_PCI_OP_conf_read, &none);
	op.bus = 3;
	op.devfn = 4 << 3;
	op.size = 4;
	assert_int_equal(serve(f, &op).pr_err, XEN_PCI_ERR_dev_not_found);
	assert_int_equal(f->g.pg_stats.ps_notfound, PCIOP_NCMD + 1);
	assert_int_equal(all_irq_calls(f), 0);
}

static void
test_devfn_over_0xff(void **state)
{
	struct fx		*f = *state;
	struct xen_pci_op	 op;
	struct pciop_reply	 r;

	op_init(&op, XEN_PCI_OP_conf_read, &f->guest[E1000E]);
	op.size = 2;
	assert_int_equal(serve(f, &op).pr_err, XEN_PCI_ERR_success);
	/* Linux vpci would mask these onto the device above. */
	op.devfn |= 0x100;
	op.value = 7;
	r = serve(f, &op);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_dev_not_found);
	assert_int_equal(r.pr_value, 7);
	op.devfn = BDF_DEVFN(&f->guest[E1000E]) | 0xffff0000;
	assert_int_equal(serve(f, &op).pr_err, XEN_PCI_ERR_dev_not_found);
	op.devfn = BDF_DEVFN(&f->guest[E1000E]);
	op.bus = 0x100;
	assert_int_equal(serve(f, &op).pr_err, XEN_PCI_ERR_dev_not_found);
	op.bus = 0;
	op.domain = 0x10000;
	assert_int_equal(serve(f, &op).pr_err, XEN_PCI_ERR_dev_not_found);
}

static void
test_unknown_commands(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;
	const uint32_t		 cmds[] = {
		XEN_PCI_OP_aer_detected, XEN_PCI_OP_aer_resume,
		XEN_PCI_OP_aer_mmio, XEN_PCI_OP_aer_slotreset,
		XEN_PCI_OP_enable_multi_msi, 11, 0x80000000, 0xffffffff
	};
	size_t			 i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		r = irqop(f, E1000E, cmds[i], 0xabcd);
		assert_int_equal(r.pr_err, XEN_PCI_ERR_not_implemented);
		assert_int_equal(r.pr_value, 0xabcd);
	}
	assert_int_equal(all_irq_calls(f), 0);
	assert_int_equal(f->g.pg_stats.ps_unknown, i);
	assert_int_equal(f->pd[E1000E].pd_stats.ps_unknown, i);
}

static void
test_enable_multi_msi_not_implemented(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;

	r = irqop(f, EDU, XEN_PCI_OP_enable_multi_msi, 4);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_not_implemented);
	assert_int_equal(f->fi[EDU].fi_enable_msi, 0);
	assert_int_equal(cfgspace_msi_enabled(f->cs[EDU]), 0);
}

static void
test_unknown_device_wins_over_unknown_cmd(void **state)
{
	struct fx		*f = *state;
	struct xen_pci_op	 op;
	struct bdf		 none = { 0, 0, 30, 0 };

	op_init(&op, XEN_PCI_OP_enable_multi_msi, &none);
	assert_int_equal(serve(f, &op).pr_err, XEN_PCI_ERR_dev_not_found);
}

static void
test_msi_ops_without_backend(void **state)
{
	struct fx	*f = *state;
	uint32_t	 cmd;

	f->pd[E1000E].pd_irq = NULL;
	for (cmd = XEN_PCI_OP_enable_msi; cmd <= XEN_PCI_OP_disable_msix;
	    cmd++)
		assert_int_equal(irqop(f, E1000E, cmd, 1).pr_err,
		    XEN_PCI_ERR_not_implemented);
	assert_int_equal(conf(f, E1000E, XEN_PCI_OP_conf_read, 0, 2,
	    0).pr_err, XEN_PCI_ERR_success);
	assert_int_equal(all_irq_calls(f), 0);
}

/* MSI */

static void
test_enable_msi_returns_pirq(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;

	r = irqop(f, EDU, XEN_PCI_OP_enable_msi, 0x5555);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_success);
	assert_int_equal(r.pr_value, PIRQ_BASE);
	assert_int_equal(f->fi[EDU].fi_enable_msi, 1);
	assert_int_equal(cfgspace_msi_enabled(f->cs[EDU]), 1);
}

static void
test_enable_msi_callback_error(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;

	f->fi[EDU].fi_ret = -ENOSPC;
	r = irqop(f, EDU, XEN_PCI_OP_enable_msi, 0x5555);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_op_failed);
	assert_int_equal(r.pr_value, 0);
	assert_int_equal(f->fi[EDU].fi_enable_msi, 1);
	assert_int_equal(f->fi[EDU].fi_disable_msi, 0);
}

static void
test_enable_msi_nonpositive_pirq_undone(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;
	const int		 bad[] = { 0, -1 };
	size_t			 i;

	for (i = 0; i < 2; i++) {
		f->fi[EDU].fi_pirq = bad[i];
		r = irqop(f, EDU, XEN_PCI_OP_enable_msi, 0);
		assert_int_equal(r.pr_err, XEN_PCI_ERR_op_failed);
		assert_int_equal(r.pr_value, 0);
		assert_int_equal(f->fi[EDU].fi_disable_msi, (int)i + 1);
		assert_int_equal(cfgspace_msi_enabled(f->cs[EDU]), 0);
	}
}

static void
test_enable_msi_without_capability(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;

	assert_int_equal(cfgspace_cap(f->cs[E1000], CAP_MSI), 0);
	r = irqop(f, E1000, XEN_PCI_OP_enable_msi, 3);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_op_failed);
	assert_int_equal(r.pr_value, 0);
	assert_int_equal(irq_calls(&f->fi[E1000]), 0);
}

static void
test_enable_msi_hw_read_error(void **state)
{
	struct fx	*f = *state;

	f->md[EDU].md_read_error = 1;
	assert_int_equal(irqop(f, EDU, XEN_PCI_OP_enable_msi, 0).pr_err,
	    XEN_PCI_ERR_op_failed);
	assert_int_equal(irq_calls(&f->fi[EDU]), 0);
}

static void
test_xsa157_enable_msi_twice(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;

	assert_int_equal(irqop(f, E1000E, XEN_PCI_OP_enable_msi, 0).pr_err, 0);
	r = irqop(f, E1000E, XEN_PCI_OP_enable_msi, 0);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_op_failed);
	assert_int_equal(r.pr_value, 0);
	assert_int_equal(f->fi[E1000E].fi_enable_msi, 1);
	assert_int_equal(f->pd[E1000E].pd_stats.ps_irq_refused, 1);
}

static void
test_xsa157_enable_msi_while_msix(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;

	hw_set(&f->md[E1000E], f->fi[E1000E].fi_msix + 2, MSIX_ENABLE, 1);
	r = irqop(f, E1000E, XEN_PCI_OP_enable_msi, 0x42);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_op_failed);
	assert_int_equal(r.pr_value, 0);
	assert_int_equal(irq_calls(&f->fi[E1000E]), 0);
}

static void
test_xsa157_msix_while_msi(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;

	assert_int_equal(irqop(f, E1000E, XEN_PCI_OP_enable_msi, 0).pr_err, 0);
	r = msix(f, E1000E, 2);
	assert_int_equal(r.pr_err, -PCIOP_LINUX_ENXIO);
	assert_int_equal(r.pr_value, 2);	/* Linux leaves value as sent */
	assert_int_equal(f->fi[E1000E].fi_enable_msix, 0);
}

static void
test_xsa157_msix_mem_decode_off(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;

	hw_set(&f->md[E1000E], 0x04, CMD_MEM, 0);
	r = msix(f, E1000E, 1);
	assert_int_equal(r.pr_err, -PCIOP_LINUX_ENXIO);
	assert_int_equal(r.pr_value, 1);
	assert_int_equal(irq_calls(&f->fi[E1000E]), 0);
	hw_set(&f->md[E1000E], 0x04, CMD_MEM, 1);
	assert_int_equal(msix(f, E1000E, 1).pr_err, 0);
}

static void
test_xsa157_disable_when_off(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;

	r = irqop(f, E1000E, XEN_PCI_OP_disable_msi, 0x99);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_success);
	assert_int_equal(r.pr_value, LEGACY_PIRQ);
	r = irqop(f, E1000E, XEN_PCI_OP_disable_msix, 0x99);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_success);
	assert_int_equal(r.pr_value, LEGACY_PIRQ);
	assert_int_equal(f->fi[E1000E].fi_disable_msi, 0);
	assert_int_equal(f->fi[E1000E].fi_disable_msix, 0);
	assert_int_equal(f->pd[E1000E].pd_stats.ps_irq_refused, 2);
}

/*
 * Linux 5.17+ guests tear MSI-X down with "disable MSI" (their MSI-X flag
 * is already clear): MSI-X goes off, and a new enable_msix works.
 */
static void
test_disable_msi_turns_msix_off(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;

	assert_int_equal(msix(f, E1000E, 1).pr_err, 0);
	r = irqop(f, E1000E, XEN_PCI_OP_disable_msi, 0);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_success);
	assert_int_equal(r.pr_value, LEGACY_PIRQ);
	assert_int_equal(f->fi[E1000E].fi_disable_msi, 0);
	assert_int_equal(f->fi[E1000E].fi_disable_msix, 1);
	assert_int_equal(msix(f, E1000E, 2).pr_err, 0);
	/* "disable MSI-X" still does its own job. */
	assert_int_equal(irqop(f, E1000E, XEN_PCI_OP_disable_msix, 0).pr_err,
	    0);
	assert_int_equal(f->fi[E1000E].fi_disable_msix, 2);
}

static void
test_disable_msi_when_on(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;

	assert_int_equal(irqop(f, EDU, XEN_PCI_OP_enable_msi, 0).pr_err, 0);
	r = irqop(f, EDU, XEN_PCI_OP_disable_msi, 0);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_success);
	assert_int_equal(r.pr_value, LEGACY_PIRQ);
	assert_int_equal(f->fi[EDU].fi_disable_msi, 1);
	assert_int_equal(cfgspace_msi_enabled(f->cs[EDU]), 0);
	/* Enabled again after a disable. */
	assert_int_equal(irqop(f, EDU, XEN_PCI_OP_enable_msi, 0).pr_err, 0);
}

static void
test_disable_reports_zero_without_legacy_irq(void **state)
{
	struct fx	*f = *state;

	f->pd[NVME].pd_legacy_pirq = 0;
	assert_int_equal(irqop(f, NVME, XEN_PCI_OP_disable_msix, 5).pr_value,
	    0);
	assert_int_equal(irqop(f, NVME, XEN_PCI_OP_disable_msi, 5).pr_value,
	    0);
}

/* MSI-X */

static void
test_msix_success(void **state)
{
	struct fx		*f = *state;
	struct xen_pci_op	 op;
	struct pciop_reply	 r;
	const uint16_t		 want[] = { 4, 0, 2 };
	unsigned int		 i;

	op_init(&op, XEN_PCI_OP_enable_msix, &f->guest[E1000E]);
	op.value = 3;
	for (i = 0; i < 3; i++) {
		op.msix_entries[i].entry = want[i];
		op.msix_entries[i].vector = 0xffff;
	}
	op.msix_entries[3].entry = 4;	/* beyond n: ignored */
	r = serve(f, &op);
	assert_int_equal(r.pr_err, 0);
	assert_int_equal(r.pr_value, 0);
	assert_int_equal(r.pr_nvec, 3);
	assert_int_equal(f->fi[E1000E].fi_n, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(f->fi[E1000E].fi_entries[i], want[i]);
		assert_int_equal(r.pr_vector[i], PIRQ_BASE + i);
	}
	r = irqop(f, E1000E, XEN_PCI_OP_disable_msix, 0);
	assert_int_equal(r.pr_err, 0);
	assert_int_equal(f->fi[E1000E].fi_disable_msix, 1);
}

static void
test_msix_all_table_entries(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;

	f->fi[NVME].fi_pirq = 0xffff - 127;
	r = msix(f, NVME, 65);
	assert_int_equal(r.pr_err, 0);
	assert_int_equal(r.pr_nvec, 65);
	assert_int_equal(r.pr_vector[64], 0xffff - 127 + 64);
	/* 128 is allowed by the protocol, not by a 65-entry table. */
	irqop(f, NVME, XEN_PCI_OP_disable_msix, 0);
	r = msix(f, NVME, 128);
	assert_int_equal(r.pr_err, -PCIOP_LINUX_EINVAL);
}

static void
test_msix_nvec_0(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;

	r = msix(f, E1000E, 0);
	assert_int_equal(r.pr_err, -PCIOP_LINUX_EINVAL);
	assert_int_equal(r.pr_value, (uint32_t)-PCIOP_LINUX_EINVAL);
	assert_int_equal(irq_calls(&f->fi[E1000E]), 0);
}

static void
test_msix_nvec_129(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;

	r = msix(f, NVME, 129);
	assert_int_equal(r.pr_err, -PCIOP_LINUX_EINVAL);
	assert_int_equal(r.pr_value, 129);
	assert_int_equal(irq_calls(&f->fi[NVME]), 0);
}

static void
test_msix_nvec_huge(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;
	const uint32_t		 huge[] = { 0x80000000, 0xffffffff, 0x10000 };
	size_t			 i;

	for (i = 0; i < 3; i++) {
		r = msix(f, NVME, huge[i]);
		assert_int_equal(r.pr_err, -PCIOP_LINUX_EINVAL);
		assert_int_equal(r.pr_value, huge[i]);
	}
	assert_int_equal(irq_calls(&f->fi[NVME]), 0);
}

static void
test_msix_entry_beyond_table(void **state)
{
	struct fx		*f = *state;
	struct xen_pci_op	 op;
	struct pciop_reply	 r;

	assert_int_equal(cfgspace_msix_table_size(f->cs[E1000E]), 5);
	op_init(&op, XEN_PCI_OP_enable_msix, &f->guest[E1000E]);
	op.value = 2;
	op.msix_entries[0].entry = 1;
	op.msix_entries[1].entry = 5;
	r = serve(f, &op);
	assert_int_equal(r.pr_err, -PCIOP_LINUX_EINVAL);
	assert_int_equal(r.pr_value, (uint32_t)-PCIOP_LINUX_EINVAL);
	op.msix_entries[1].entry = 0xffff;
	assert_int_equal(serve(f, &op).pr_err, -PCIOP_LINUX_EINVAL);
	assert_int_equal(irq_calls(&f->fi[E1000E]), 0);
	op.msix_entries[1].entry = 4;
	assert_int_equal(serve(f, &op).pr_err, 0);
}

static void
test_msix_duplicate_entries(void **state)
{
	struct fx		*f = *state;
	struct xen_pci_op	 op;
	struct pciop_reply	 r;

	op_init(&op, XEN_PCI_OP_enable_msix, &f->guest[NVME]);
	op.value = 3;
	op.msix_entries[0].entry = 7;
	op.msix_entries[1].entry = 8;
	op.msix_entries[2].entry = 7;
	r = serve(f, &op);
	assert_int_equal(r.pr_err, -PCIOP_LINUX_EINVAL);
	assert_int_equal(r.pr_value, (uint32_t)-PCIOP_LINUX_EINVAL);
	assert_int_equal(irq_calls(&f->fi[NVME]), 0);
}

static void
test_msix_without_capability(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;

	r = msix(f, EDU, 1);
	assert_int_equal(r.pr_err, -PCIOP_LINUX_EINVAL);
	assert_int_equal(r.pr_value, (uint32_t)-PCIOP_LINUX_EINVAL);
	assert_int_equal(irq_calls(&f->fi[EDU]), 0);
}

static void
test_msix_already_enabled(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;

	assert_int_equal(msix(f, NVME, 4).pr_err, 0);
	r = msix(f, NVME, 4);
	assert_int_equal(r.pr_err, -PCIOP_LINUX_EALREADY);
	assert_int_equal(r.pr_value, 4);
	assert_int_equal(f->fi[NVME].fi_enable_msix, 1);
}

static void
test_msix_checks_in_linux_order(void **state)
{
	struct fx	*f = *state;

	/* MSI-X on and decoding off: EALREADY comes first. */
	hw_set(&f->md[NVME], f->fi[NVME].fi_msix + 2, MSIX_ENABLE, 1);
	hw_set(&f->md[NVME], 0x04, CMD_MEM, 0);
	assert_int_equal(msix(f, NVME, 129).pr_err, -PCIOP_LINUX_EINVAL);
	assert_int_equal(msix(f, NVME, 1).pr_err, -PCIOP_LINUX_EALREADY);
	/* No MSI-X capability and decoding off: ENXIO, value as sent. */
	hw_set(&f->md[EDU], 0x04, CMD_MEM, 0);
	assert_int_equal(msix(f, EDU, 1).pr_err, -PCIOP_LINUX_ENXIO);
	assert_int_equal(msix(f, EDU, 1).pr_value, 1);
	assert_int_equal(all_irq_calls(f), 0);
}

static void
test_msix_callback_error(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;

	f->fi[NVME].fi_ret = -ENOSPC;
	r = msix(f, NVME, 3);
	assert_int_equal(r.pr_err, -PCIOP_LINUX_ENOSPC);
	assert_int_equal(r.pr_value, (uint32_t)-PCIOP_LINUX_ENOSPC);
	assert_int_equal(f->fi[NVME].fi_enable_msix, 1);
	f->fi[NVME].fi_ret = -EALREADY;
	assert_int_equal(msix(f, NVME, 3).pr_err, -PCIOP_LINUX_EALREADY);
}

static void
test_msix_bad_pirq_undone(void **state)
{
	struct fx		*f = *state;
	struct pciop_reply	 r;

	f->fi[NVME].fi_bad = 2;
	r = msix(f, NVME, 3);
	assert_true(r.pr_err < 0);
	assert_int_equal(r.pr_value, (uint32_t)r.pr_err);
	assert_int_equal(f->fi[NVME].fi_disable_msix, 1);
	assert_int_equal(cfgspace_msix_enabled(f->cs[NVME]), 0);
	/* Above 16 bits cannot be carried in a vector slot. */
	f->fi[NVME].fi_bad = -1;
	f->fi[NVME].fi_pirq = 0xffff;
	r = msix(f, NVME, 2);
	assert_true(r.pr_err < 0);
	assert_int_equal(f->fi[NVME].fi_disable_msix, 2);
}

static void
test_msix_vf_checks_pf_decoding(void **state)
{
	struct fx	*f = *state;

	/* E1000E plays the PF of NVME here. */
	f->pd[NVME].pd_decode_cs = f->cs[E1000E];
	hw_set(&f->md[E1000E], 0x04, CMD_MEM, 0);
	assert_int_equal(msix(f, NVME, 1).pr_err, -PCIOP_LINUX_ENXIO);
	hw_set(&f->md[E1000E], 0x04, CMD_MEM, 1);
	hw_set(&f->md[NVME], 0x04, CMD_MEM, 0);
	assert_int_equal(msix(f, NVME, 1).pr_err, 0);
}

/* XSA-155 and the write-back */

static struct xen_pci_op *
shared_page(void)
{
	void	*p;

	p = mmap(NULL, (size_t)getpagesize(), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	return p;
}

static void
test_xsa155_op_copy_is_only_input(void **state)
{
	struct fx		*f = *state;
	struct xen_pci_op	*sh = shared_page(), copy, pristine;
	struct pciop_reply	 r, want;
	size_t			 pg = (size_t)getpagesize();
	unsigned int		 i;

	op_init(sh, XEN_PCI_OP_enable_msix, &f->guest[NVME]);
	sh->value = 4;
	for (i = 0; i < 4; i++)
		sh->msix_entries[i].entry = (uint16_t)(10 + i);
	pciop_copy_in(&copy, sh);
	pristine = copy;
	/* The frontend rewrites everything after the copy... */
	memset(sh, 0xff, sizeof(*sh));
	sh->cmd = XEN_PCI_OP_conf_write;
	/* ...and the page is unreadable while the op runs. */
	assert_int_equal(mprotect(sh, pg, PROT_NONE), 0);
	pciop_serve(&f->g, &copy, &r);
	assert_int_equal(mprotect(sh, pg, PROT_READ | PROT_WRITE), 0);
	assert_memory_equal(&copy, &pristine, sizeof(copy));
	assert_int_equal(r.pr_err, 0);
	assert_int_equal(r.pr_nvec, 4);
	assert_int_equal(f->fi[NVME].fi_entries[3], 13);
	/* Same answer as from an untouched op on a fresh device state. */
	irqop(f, NVME, XEN_PCI_OP_disable_msix, 0);
	pciop_serve(&f->g, &pristine, &want);
	assert_int_equal(want.pr_err, r.pr_err);
	assert_int_equal(want.pr_value, r.pr_value);
	assert_int_equal(want.pr_nvec, r.pr_nvec);
	assert_memory_equal(want.pr_vector, r.pr_vector,
	    r.pr_nvec * sizeof(r.pr_vector[0]));
	munmap(sh, pg);
}

static void
test_reply_write_touches_only_results(void **state)
{
	struct xen_pci_op	*sh = shared_page(), before;
	struct pciop_reply	 r;
	unsigned int		 i;

	(void)state;
	memset(sh, 0x5a, sizeof(*sh));
	before = *sh;
	memset(&r, 0, sizeof(r));
	r.pr_err = 0;
	r.pr_value = 0;
	r.pr_nvec = 3;
	for (i = 0; i < SH_INFO_MAX_VEC; i++)
		r.pr_vector[i] = (uint16_t)(0x100 + i);
	pciop_reply_write(&r, sh);
	assert_int_equal(sh->err, 0);
	assert_int_equal(sh->value, 0);
	for (i = 0; i < SH_INFO_MAX_VEC; i++) {
		assert_int_equal(sh->msix_entries[i].entry,
		    before.msix_entries[i].entry);
		assert_int_equal(sh->msix_entries[i].vector,
		    i < 3 ? 0x100 + i : before.msix_entries[i].vector);
	}
	assert_int_equal(sh->cmd, before.cmd);
	assert_int_equal(sh->domain, before.domain);
	assert_int_equal(sh->bus, before.bus);
	assert_int_equal(sh->devfn, before.devfn);
	assert_int_equal(sh->offset, before.offset);
	assert_int_equal(sh->size, before.size);
	assert_int_equal(sh->info, before.info);
	munmap(sh, (size_t)getpagesize());
}

static void
test_reply_write_no_vectors_on_failure(void **state)
{
	struct fx		*f = *state;
	struct xen_pci_op	*sh = shared_page(), copy;
	struct pciop_reply	 r;
	unsigned int		 i;

	op_init(sh, XEN_PCI_OP_enable_msix, &f->guest[NVME]);
	sh->value = 2;
	sh->msix_entries[0].entry = 1;
	sh->msix_entries[1].entry = 1;
	sh->msix_entries[0].vector = 0xffff;
	sh->msix_entries[1].vector = 0xffff;
	pciop_copy_in(&copy, sh);
	pciop_serve(&f->g, &copy, &r);
	pciop_reply_write(&r, sh);
	assert_int_equal(sh->err, -PCIOP_LINUX_EINVAL);
	for (i = 0; i < 2; i++) {
		assert_int_equal(sh->msix_entries[i].vector, 0xffff);
		assert_int_equal(sh->msix_entries[i].entry, 1);
	}
	assert_int_equal(sh->cmd, XEN_PCI_OP_enable_msix);
	munmap(sh, (size_t)getpagesize());
}

static void
test_reply_write_clamps_nvec(void **state)
{
	struct xen_pci_op	*sh = shared_page();
	struct pciop_reply	 r;
	unsigned char		*after;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.pr_nvec = 100000;
	after = (unsigned char *)(sh + 1);
	memset(after, 0x33, 64);
	pciop_reply_write(&r, sh);
	assert_int_equal(after[0], 0x33);
	assert_int_equal(after[63], 0x33);
	munmap(sh, (size_t)getpagesize());
}

/* The wire mapping */

static void
test_wire_err_conf_table(void **state)
{
	(void)state;
	assert_int_equal(pciop_wire_err(PCIOP_WIRE_CONF, 0), 0);
	assert_int_equal(pciop_wire_err(PCIOP_WIRE_CONF, CFGSPACE_DROPPED), 0);
	assert_int_equal(pciop_wire_err(PCIOP_WIRE_CONF, -ENODEV),
	    XEN_PCI_ERR_dev_not_found);
	assert_int_equal(pciop_wire_err(PCIOP_WIRE_CONF, -EINVAL),
	    XEN_PCI_ERR_invalid_offset);
	assert_int_equal(pciop_wire_err(PCIOP_WIRE_CONF, -EPERM),
	    XEN_PCI_ERR_access_denied);
	assert_int_equal(pciop_wire_err(PCIOP_WIRE_CONF, -EACCES),
	    XEN_PCI_ERR_access_denied);
	assert_int_equal(pciop_wire_err(PCIOP_WIRE_CONF, -ENOSYS),
	    XEN_PCI_ERR_not_implemented);
	assert_int_equal(pciop_wire_err(PCIOP_WIRE_CONF, -EOPNOTSUPP),
	    XEN_PCI_ERR_not_implemented);
	assert_int_equal(pciop_wire_err(PCIOP_WIRE_CONF, -EIO),
	    XEN_PCI_ERR_op_failed);
	assert_int_equal(pciop_wire_err(PCIOP_WIRE_CONF, -EALREADY),
	    XEN_PCI_ERR_op_failed);
}

static void
test_wire_err_msi_always_op_failed(void **state)
{
	(void)state;
	assert_int_equal(pciop_wire_err(PCIOP_WIRE_MSI, 0), 0);
	assert_int_equal(pciop_wire_err(PCIOP_WIRE_MSI, -EINVAL),
	    XEN_PCI_ERR_op_failed);
	assert_int_equal(pciop_wire_err(PCIOP_WIRE_MSI, -ENODEV),
	    XEN_PCI_ERR_op_failed);
}

static void
test_wire_err_msix_linux_numbers(void **state)
{
	(void)state;
	/* Literal Linux numbers: the wire is Linux's even on NetBSD. */
	assert_int_equal(pciop_wire_err(PCIOP_WIRE_MSIX, -EINVAL), -22);
	assert_int_equal(pciop_wire_err(PCIOP_WIRE_MSIX, -EALREADY), -114);
	assert_int_equal(pciop_wire_err(PCIOP_WIRE_MSIX, -ENXIO), -6);
	assert_int_equal(pciop_wire_err(PCIOP_WIRE_MSIX, -ENOMEM), -12);
	assert_int_equal(pciop_wire_err(PCIOP_WIRE_MSIX, -ENOSPC), -28);
	assert_int_equal(pciop_wire_err(PCIOP_WIRE_MSIX, -EOPNOTSUPP), -95);
	assert_int_equal(pciop_wire_err(PCIOP_WIRE_MSIX, -ETIMEDOUT), -110);
	/* Something with no Linux counterpart listed: a plain EIO. */
	assert_int_equal(pciop_wire_err(PCIOP_WIRE_MSIX, -EDOM), -5);
}

static void
test_cmd_names(void **state)
{
	(void)state;
	assert_string_equal(pciop_cmd_name(XEN_PCI_OP_conf_read), "conf_read");
	assert_string_equal(pciop_cmd_name(XEN_PCI_OP_disable_msix),
	    "disable_msix");
	assert_string_equal(pciop_cmd_name(XEN_PCI_OP_enable_multi_msi),
	    "unknown");
	assert_string_equal(pciop_cmd_name(0xffffffff), "unknown");
}

/* Counters and topology modes */

static void
test_stats_count_ops_and_errors(void **state)
{
	struct fx	*f = *state;

	conf(f, EDU, XEN_PCI_OP_conf_read, 0, 4, 0);
	conf(f, EDU, XEN_PCI_OP_conf_read, 1, 4, 0);
	conf(f, EDU, XEN_PCI_OP_conf_write, 0x80, 4, 0);
	irqop(f, EDU, XEN_PCI_OP_enable_msi, 0);
	irqop(f, EDU, 10, 0);
	assert_int_equal(f->pd[EDU].pd_stats.ps_ops[XEN_PCI_OP_conf_read], 2);
	assert_int_equal(f->pd[EDU].pd_stats.ps_ops[XEN_PCI_OP_conf_write], 1);
	assert_int_equal(f->pd[EDU].pd_stats.ps_ops[XEN_PCI_OP_enable_msi], 1);
	assert_int_equal(f->pd[EDU].pd_stats.ps_unknown, 1);
	assert_int_equal(f->pd[EDU].pd_stats.ps_errors, 2);
	assert_int_equal(f->pd[EDU].pd_stats.ps_irq_calls, 1);
	assert_int_equal(f->g.pg_stats.ps_ops[XEN_PCI_OP_conf_read], 2);
	assert_int_equal(f->g.pg_stats.ps_errors, 2);
	assert_int_equal(f->pd[E1000E].pd_stats.ps_ops[XEN_PCI_OP_conf_read],
	    0);
}

static void
test_passthrough_guest_uses_host_address(void **state)
{
	struct fx		*f = *state;
	struct topo		*pt;
	struct pciop_guest	 g;
	struct xen_pci_op	 op;
	struct pciop_reply	 r;
	struct bdf		 host = { 2, 0x81, 7, 3 };

	if ((pt = malloc(sizeof(*pt))) == NULL)
		abort();
	topo_init(pt, TOPO_PASSTHROUGH);
	assert_int_equal(topo_add(pt, &host, NULL, &f->pd[EDU], NULL, NULL),
	    0);
	memset(&g, 0, sizeof(g));
	g.pg_topo = pt;
	op_init(&op, XEN_PCI_OP_conf_read, &host);
	op.size = 2;
	pciop_serve(&g, &op, &r);
	assert_int_equal(r.pr_err, 0);
	assert_int_equal(r.pr_value, 0x1234);
	op.domain = 0;
	pciop_serve(&g, &op, &r);
	assert_int_equal(r.pr_err, XEN_PCI_ERR_dev_not_found);
	free(pt);
}

#define T(fn)	cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_conf_read_returns_register),
		T(test_conf_offset_minus_1),
		T(test_conf_offset_minus_4),
		T(test_conf_offset_4096),
		T(test_conf_offset_256_on_conventional),
		T(test_conf_misaligned),
		T(test_conf_bad_size),
		T(test_conf_write_dropped_is_success),
		T(test_conf_write_refused_is_access_denied),
		T(test_conf_read_hw_error_is_op_failed),
		T(test_unknown_device),
		T(test_devfn_over_0xff),
		T(test_unknown_commands),
		T(test_enable_multi_msi_not_implemented),
		T(test_unknown_device_wins_over_unknown_cmd),
		T(test_msi_ops_without_backend),
		T(test_enable_msi_returns_pirq),
		T(test_enable_msi_callback_error),
		T(test_enable_msi_nonpositive_pirq_undone),
		T(test_enable_msi_without_capability),
		T(test_enable_msi_hw_read_error),
		T(test_xsa157_enable_msi_twice),
		T(test_xsa157_enable_msi_while_msix),
		T(test_xsa157_msix_while_msi),
		T(test_xsa157_msix_mem_decode_off),
		T(test_xsa157_disable_when_off),
		T(test_disable_msi_turns_msix_off),
		T(test_disable_msi_when_on),
		T(test_disable_reports_zero_without_legacy_irq),
		T(test_msix_success),
		T(test_msix_all_table_entries),
		T(test_msix_nvec_0),
		T(test_msix_nvec_129),
		T(test_msix_nvec_huge),
		T(test_msix_entry_beyond_table),
		T(test_msix_duplicate_entries),
		T(test_msix_without_capability),
		T(test_msix_already_enabled),
		T(test_msix_checks_in_linux_order),
		T(test_msix_callback_error),
		T(test_msix_bad_pirq_undone),
		T(test_msix_vf_checks_pf_decoding),
		T(test_xsa155_op_copy_is_only_input),
		T(test_reply_write_touches_only_results),
		T(test_reply_write_no_vectors_on_failure),
		T(test_reply_write_clamps_nvec),
		T(test_wire_err_conf_table),
		T(test_wire_err_msi_always_op_failed),
		T(test_wire_err_msix_linux_numbers),
		T(test_cmd_names),
		T(test_stats_count_ops_and_errors),
		T(test_passthrough_guest_uses_host_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
