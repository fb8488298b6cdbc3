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

#include <errno.h>
#include <string.h>

#include "pciop.h"

#define PCIOP_CAP_MSI		0x05
#define PCIOP_CAP_MSIX		0x11
#define PCIOP_PIRQ_MAX		0xffff	/* a vector slot is 16 bits */

/* Host errno -> Linux errno, for the MSI-X ops. */
static const struct pciop_errno {
	int	pe_host;
	int32_t	pe_linux;
} pciop_errnos[] = {
	{ EPERM,	PCIOP_LINUX_EPERM },
	{ ENOENT,	PCIOP_LINUX_ENOENT },
	{ EIO,		PCIOP_LINUX_EIO },
	{ ENXIO,	PCIOP_LINUX_ENXIO },
	{ EAGAIN,	PCIOP_LINUX_EAGAIN },
	{ ENOMEM,	PCIOP_LINUX_ENOMEM },
	{ EFAULT,	PCIOP_LINUX_EFAULT },
	{ EBUSY,	PCIOP_LINUX_EBUSY },
	{ EEXIST,	PCIOP_LINUX_EEXIST },
	{ ENODEV,	PCIOP_LINUX_ENODEV },
	{ EINVAL,	PCIOP_LINUX_EINVAL },
	{ ENOSPC,	PCIOP_LINUX_ENOSPC },
	{ ERANGE,	PCIOP_LINUX_ERANGE },
	{ ENOSYS,	PCIOP_LINUX_ENOSYS },
	{ EOPNOTSUPP,	PCIOP_LINUX_EOPNOTSUPP },
	{ ETIMEDOUT,	PCIOP_LINUX_ETIMEDOUT },
	{ EALREADY,	PCIOP_LINUX_EALREADY },
};

/*
 * The only place an internal errno becomes a wire value.  The two error
 * domains on the wire (XEN_PCI_ERR_* and raw Linux errnos for MSI-X) are
 * easy to mix up, and host errno numbers differ between Linux and NetBSD;
 * xen-pciback shows what scattered conversions lead to.  Keeping it here
 * means every op path, and every test, agrees on one table.
 */
int32_t
pciop_wire_err(int space, int err)
{
	size_t	i;

	if (err >= 0)
		return XEN_PCI_ERR_success;
	err = -err;
	switch (space) {
	case PCIOP_WIRE_CONF:
		if (err == ENODEV)
			return XEN_PCI_ERR_dev_not_found;
		if (err == EINVAL)
			return XEN_PCI_ERR_invalid_offset;
		if (err == EPERM || err == EACCES)
			return XEN_PCI_ERR_access_denied;
		if (err == ENOSYS || err == EOPNOTSUPP || err == ENOTSUP)
			return XEN_PCI_ERR_not_implemented;
		return XEN_PCI_ERR_op_failed;
	case PCIOP_WIRE_MSIX:
		for (i = 0; i < sizeof(pciop_errnos) / sizeof(pciop_errnos[0]);
		    i++) {
			if (pciop_errnos[i].pe_host == err)
				return -pciop_errnos[i].pe_linux;
		}
		return -PCIOP_LINUX_EIO;
	default:
		return XEN_PCI_ERR_op_failed;
	}
}

void
pciop_copy_in(struct xen_pci_op *copy, const struct xen_pci_op *shared)
{
	/* Order after the frontend's "active" flag was seen set. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	memcpy(copy, shared, sizeof(*copy));
	/* Keep the compiler from going back to *shared for any field. */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

void
pciop_reply_write(const struct pciop_reply *rep, struct xen_pci_op *shared)
{
	unsigned int	i, n;

	shared->err = rep->pr_err;
	shared->value = rep->pr_value;
	n = rep->pr_nvec < SH_INFO_MAX_VEC ? rep->pr_nvec : SH_INFO_MAX_VEC;
	for (i = 0; i < n; i++)
		shared->msix_entries[i].vector = rep->pr_vector[i];
	/* Results are visible before the daemon clears the active flag. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void
pciop_fail(struct pciop_reply *rep, int space, int err)
{
	rep->pr_err = pciop_wire_err(space, err);
}

/* Range checks Linux leaves to the platform accessor. */
static int
pciop_conf_check(const struct pciop_dev *pd, const struct xen_pci_op *op)
{
	if (op->offset < 0 || op->size < 0)
		return -EINVAL;
	return cfgdev_check((unsigned int)op->offset, (unsigned int)op->size,
	    cfgspace_size(pd->pd_cs));
}

static void
pciop_conf_read(struct pciop_dev *pd, const struct xen_pci_op *op,
    struct pciop_reply *rep)
{
	uint32_t	val = 0;
	int		r;

	rep->pr_value = 0;
	if ((r = pciop_conf_check(pd, op)) == 0)
		r = cfgspace_read(pd->pd_cs, (unsigned int)op->offset,
		    (unsigned int)op->size, &val);
	if (r < 0) {
		pciop_fail(rep, PCIOP_WIRE_CONF, r);
		return;
	}
	rep->pr_value = val;
}

static void
pciop_conf_write(struct pciop_dev *pd, const struct xen_pci_op *op,
    struct pciop_reply *rep)
{
	int	r;

	/* CFGSPACE_DROPPED is a success: the guest is never told. */
	if ((r = pciop_conf_check(pd, op)) == 0)
		r = cfgspace_write(pd->pd_cs, (unsigned int)op->offset,
		    (unsigned int)op->size, op->value);
	if (pd->pd_denied != NULL && (r == CFGSPACE_DROPPED || r == -EPERM ||
	    (r == 0 && cfgspace_write_ignored(pd->pd_cs))))
		pd->pd_denied(pd, (unsigned int)op->offset,
		    (unsigned int)op->size, op->value, r == -EPERM);
	if (r < 0)
		pciop_fail(rep, PCIOP_WIRE_CONF, r);
}

/*
 * After MSI or MSI-X went off, which turns INTx back on in hardware: the
 * legacy pirq, or none while INTx is held off (XSA-461, cp_intx_held).
 */
static void
pciop_legacy(struct pciop_dev *pd, struct pciop_reply *rep)
{
	if (cfgspace_intx_hold(pd->pd_cs) != 0)
		rep->pr_value = 0;
	else
		rep->pr_value = pd->pd_legacy_pirq;
}

/* The cfgspace state helpers answer 1, 0 or a negative errno. */
static int
pciop_msi_state(struct cfgspace *cs)
{
	int	r;

	if (cfgspace_cap(cs, PCIOP_CAP_MSI) == 0)
		return -ENODEV;
	if ((r = cfgspace_msi_enabled(cs)) != 0)
		return r < 0 ? r : -EALREADY;
	if ((r = cfgspace_msix_enabled(cs)) != 0)
		return r < 0 ? r : -EBUSY;
	return 0;
}

/*
 * XSA-157: a second enable, or MSI while MSI-X is on, is refused before
 * the interrupt backend hears of it.
 */
static void
pciop_enable_msi(struct pciop_dev *pd, const struct xen_pci_op *op,
    struct pciop_reply *rep)
{
	struct cfgspace	*cs = pd->pd_cs;
	int		 pirq = 0, r;

	(void)op;
	rep->pr_value = 0;
	if ((r = pciop_msi_state(cs)) != 0) {
		pd->pd_stats.ps_irq_refused++;
		pciop_fail(rep, PCIOP_WIRE_MSI, r);
		return;
	}
	pd->pd_stats.ps_irq_calls++;
	r = pd->pd_irq->pio_enable_msi(pd->pd_irq_ctx, &pirq);
	if (r == 0 && pirq <= 0) {
		/* The frontend needs a positive pirq; undo what we got. */
		pd->pd_stats.ps_irq_calls++;
		(void)pd->pd_irq->pio_disable_msi(pd->pd_irq_ctx);
		(void)cfgspace_intx_hold(pd->pd_cs);
		r = -ERANGE;
	}
	if (r < 0) {
		pciop_fail(rep, PCIOP_WIRE_MSI, r);
		return;
	}
	rep->pr_value = (uint32_t)pirq;
}

static void
pciop_disable_msi(struct pciop_dev *pd, const struct xen_pci_op *op,
    struct pciop_reply *rep)
{
	(void)op;
	/* Unknown state (read error) counts as off: no call. */
	if (cfgspace_msi_enabled(pd->pd_cs) > 0) {
		pd->pd_stats.ps_irq_calls++;
		(void)pd->pd_irq->pio_disable_msi(pd->pd_irq_ctx);
	} else if (cfgspace_msix_enabled(pd->pd_cs) > 0) {
		/*
		 * Linux guests since 5.17 clear their MSI-X flag before the
		 * teardown asks, so MSI-X goes away with "disable MSI".
		 * Honour the intent, or the next enable_msix finds MSI-X
		 * still on and the driver falls back to INTx.
		 */
		pd->pd_stats.ps_irq_calls++;
		(void)pd->pd_irq->pio_disable_msix(pd->pd_irq_ctx);
	} else
		pd->pd_stats.ps_irq_refused++;
	pciop_legacy(pd, rep);
}

/*
 * What Linux's MSI-X core would refuse with -EINVAL, checked here so the
 * backend only ever sees a request it can honour exactly.
 */
static int
pciop_msix_entries(struct pciop_dev *pd, const struct xen_pci_op *op,
    unsigned int n, uint16_t *entries)
{
	unsigned int	i, j, tsize;

	if (n == 0 || cfgspace_cap(pd->pd_cs, PCIOP_CAP_MSIX) == 0)
		return -EINVAL;
	tsize = cfgspace_msix_table_size(pd->pd_cs);
	for (i = 0; i < n; i++) {
		entries[i] = op->msix_entries[i].entry;
		if (entries[i] >= tsize)
			return -EINVAL;
		for (j = 0; j < i; j++) {
			if (entries[j] == entries[i])
				return -EINVAL;
		}
	}
	return 0;
}

/* Linux's checks first, in Linux's order and with its errnos. */
static int
pciop_msix_state(struct pciop_dev *pd, unsigned int n)
{
	struct cfgspace	*decode;

	int		 r;

	decode = pd->pd_decode_cs != NULL ? pd->pd_decode_cs : pd->pd_cs;
	if (n > SH_INFO_MAX_VEC)
		return -EINVAL;
	if ((r = cfgspace_msix_enabled(pd->pd_cs)) != 0)
		return r < 0 ? r : -EALREADY;
	if ((r = cfgspace_msi_enabled(pd->pd_cs)) != 0)
		return r < 0 ? r : -ENXIO;
	/* XSA-157 / CVE-2015-8553: Xen needs the table reachable. */
	if ((r = cfgspace_mem_decoding(decode)) <= 0)
		return r < 0 ? r : -ENXIO;
	return 0;
}

static int
pciop_msix_pirqs(const int *pirqs, unsigned int n)
{
	unsigned int	i;

	for (i = 0; i < n; i++) {
		if (pirqs[i] <= 0 || pirqs[i] > PCIOP_PIRQ_MAX)
			return -ERANGE;
	}
	return 0;
}

static void
pciop_enable_msix(struct pciop_dev *pd, const struct xen_pci_op *op,
    struct pciop_reply *rep)
{
	uint16_t	entries[SH_INFO_MAX_VEC];
	int		pirqs[SH_INFO_MAX_VEC];
	unsigned int	i, n = op->value;	/* captured once */
	int		r;

	/* Linux leaves value as sent on these early refusals. */
	if ((r = pciop_msix_state(pd, n)) != 0) {
		pd->pd_stats.ps_irq_refused++;
		pciop_fail(rep, PCIOP_WIRE_MSIX, r);
		return;
	}
	memset(pirqs, 0, sizeof(pirqs));
	if ((r = pciop_msix_entries(pd, op, n, entries)) != 0)
		pd->pd_stats.ps_irq_refused++;
	else {
		pd->pd_stats.ps_irq_calls++;
		r = pd->pd_irq->pio_enable_msix(pd->pd_irq_ctx, entries, n,
		    pirqs);
		if (r == 0 && (r = pciop_msix_pirqs(pirqs, n)) != 0) {
			pd->pd_stats.ps_irq_calls++;
			(void)pd->pd_irq->pio_disable_msix(pd->pd_irq_ctx);
			(void)cfgspace_intx_hold(pd->pd_cs);
		}
	}
	/* Past the early checks Linux reports the errno in value too. */
	if (r != 0) {
		pciop_fail(rep, PCIOP_WIRE_MSIX, r);
		rep->pr_value = (uint32_t)rep->pr_err;
		return;
	}
	rep->pr_value = 0;
	rep->pr_nvec = n;
	for (i = 0; i < n; i++)
		rep->pr_vector[i] = (uint16_t)pirqs[i];
}

static void
pciop_disable_msix(struct pciop_dev *pd, const struct xen_pci_op *op,
    struct pciop_reply *rep)
{
	(void)op;
	if (cfgspace_msix_enabled(pd->pd_cs) > 0) {
		pd->pd_stats.ps_irq_calls++;
		(void)pd->pd_irq->pio_disable_msix(pd->pd_irq_ctx);
	} else
		pd->pd_stats.ps_irq_refused++;
	pciop_legacy(pd, rep);
}

static const struct pciop_cmd {
	void	(*pc_fn)(struct pciop_dev *, const struct xen_pci_op *,
		    struct pciop_reply *);
	int	  pc_irq;	/* needs the interrupt backend */
} pciop_cmds[PCIOP_NCMD] = {
	[XEN_PCI_OP_conf_read] =	{ pciop_conf_read, 0 },
	[XEN_PCI_OP_conf_write] =	{ pciop_conf_write, 0 },
	[XEN_PCI_OP_enable_msi] =	{ pciop_enable_msi, 1 },
	[XEN_PCI_OP_disable_msi] =	{ pciop_disable_msi, 1 },
	[XEN_PCI_OP_enable_msix] =	{ pciop_enable_msix, 1 },
	[XEN_PCI_OP_disable_msix] =	{ pciop_disable_msix, 1 },
};

const char *
pciop_cmd_name(uint32_t cmd)
{
	static const char *const names[PCIOP_NCMD] = {
		[XEN_PCI_OP_conf_read] = "conf_read",
		[XEN_PCI_OP_conf_write] = "conf_write",
		[XEN_PCI_OP_enable_msi] = "enable_msi",
		[XEN_PCI_OP_disable_msi] = "disable_msi",
		[XEN_PCI_OP_enable_msix] = "enable_msix",
		[XEN_PCI_OP_disable_msix] = "disable_msix",
	};

	return cmd < PCIOP_NCMD ? names[cmd] : "unknown";
}

static void
pciop_count(struct pciop_stats *st, const struct xen_pci_op *op,
    const struct pciop_reply *rep)
{
	if (op->cmd < PCIOP_NCMD)
		st->ps_ops[op->cmd]++;
	else
		st->ps_unknown++;
	if (rep->pr_err != XEN_PCI_ERR_success)
		st->ps_errors++;
}

/*
 * As Linux does, the device is looked up before the command is decoded,
 * so an unknown device answers -1 whatever the command.
 */
void
pciop_serve(struct pciop_guest *g, const struct xen_pci_op *op,
    struct pciop_reply *rep)
{
	struct topo_entry	*e;
	struct pciop_dev	*pd = NULL;

	memset(rep, 0, sizeof(*rep));
	rep->pr_value = op->value;	/* echoed unless the op sets it */
	e = topo_find_guest(g->pg_topo, op->domain, op->bus, op->devfn);
	if (e != NULL)
		pd = e->te_user;
	if (pd == NULL || pd->pd_cs == NULL) {
		g->pg_stats.ps_notfound++;
		pciop_fail(rep, PCIOP_WIRE_CONF, -ENODEV);
		goto out;
	}
	if (op->cmd >= PCIOP_NCMD ||
	    (pciop_cmds[op->cmd].pc_irq && pd->pd_irq == NULL))
		pciop_fail(rep, PCIOP_WIRE_CONF, -ENOSYS);
	else
		pciop_cmds[op->cmd].pc_fn(pd, op, rep);
	pciop_count(&pd->pd_stats, op, rep);
out:
	pciop_count(&g->pg_stats, op, rep);
}
