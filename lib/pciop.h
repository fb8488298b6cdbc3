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
 * Serve one frontend request (struct xen_pci_op) against a guest's
 * topology.
 *
 * XSA-155: the shared page is guest memory that can change under us.  The
 * daemon copies the op out once (pciop_copy_in), pciop_serve reads only
 * that const copy and fills a separate struct pciop_reply, and
 * pciop_reply_write puts back exactly err, value and, for a successful
 * enable_msix, the vectors.  No function here reads the shared page after
 * the copy, and pciop_serve cannot write into its input.
 */

#ifndef PCIBACKD_PCIOP_H
#define PCIBACKD_PCIOP_H

#include <stddef.h>
#include <stdint.h>

#include <xen/io/pciif.h>

#include "cfgspace.h"
#include "topo.h"

/*
 * Linux errno values the MSI-X ops put on the wire.  Linux frontends pass
 * err through as an errno of their own, so these are Linux's numbers on
 * every dom0, whatever the local <errno.h> says.
 */
#define PCIOP_LINUX_EPERM	1
#define PCIOP_LINUX_ENOENT	2
#define PCIOP_LINUX_EIO		5
#define PCIOP_LINUX_ENXIO	6
#define PCIOP_LINUX_EAGAIN	11
#define PCIOP_LINUX_ENOMEM	12
#define PCIOP_LINUX_EFAULT	14
#define PCIOP_LINUX_EBUSY	16
#define PCIOP_LINUX_EEXIST	17
#define PCIOP_LINUX_ENODEV	19
#define PCIOP_LINUX_EINVAL	22
#define PCIOP_LINUX_ENOSPC	28
#define PCIOP_LINUX_ERANGE	34
#define PCIOP_LINUX_ENOSYS	38
#define PCIOP_LINUX_EOPNOTSUPP	95
#define PCIOP_LINUX_ETIMEDOUT	110
#define PCIOP_LINUX_EALREADY	114

#define PCIOP_NCMD		(XEN_PCI_OP_disable_msix + 1)	/* 0..5 */

/*
 * Interrupt backend, supplied by the daemon per device.  Each returns 0
 * or a negative errno.  enable_msi stores the guest pirq; enable_msix gets
 * n distinct MSI-X table indices, all below the table size, and stores n
 * guest pirqs (1..0xffff for MSI-X).  A disable call comes only while
 * the hardware says the mode is on, or right after an enable that
 * succeeded with an unusable pirq.
 */
struct pciop_irq_ops {
	int	(*pio_enable_msi)(void *, int *);
	int	(*pio_disable_msi)(void *);
	int	(*pio_enable_msix)(void *, const uint16_t *, unsigned int,
		    int *);
	int	(*pio_disable_msix)(void *);
};

/* Ops seen and replies that were errors; per device and per guest. */
struct pciop_stats {
	uint64_t	ps_ops[PCIOP_NCMD];
	uint64_t	ps_errors;	/* replies with err != 0 */
	uint64_t	ps_unknown;	/* cmd not implemented */
	uint64_t	ps_notfound;	/* no such device (guest only) */
	uint64_t	ps_irq_calls;	/* interrupt backend calls made */
	uint64_t	ps_irq_refused;	/* MSI ops answered without a call */
};

/*
 * One exported device: what topo entries' te_user points at.  The caller
 * fills the first fields; pd_stats belongs to pciop.
 */
struct pciop_dev {
	struct cfgspace			*pd_cs;
	/*
	 * Whose command register says memory decoding is on for MSI-X:
	 * the PF for an SR-IOV VF (a VF's own bit reads 0), else NULL.
	 */
	struct cfgspace			*pd_decode_cs;
	const struct pciop_irq_ops	*pd_irq;	/* NULL: no MSI ops */
	void				*pd_irq_ctx;
	uint32_t			 pd_legacy_pirq; /* 0 if none */
	struct pciop_stats		 pd_stats;
	/*
	 * Optional, for the audit: told of each guest write that policy
	 * dropped or ignored (refused 0) or refused (1), on that path only.
	 */
	void	(*pd_denied)(struct pciop_dev *, unsigned int, unsigned int,
		    uint32_t, int);
	void				*pd_audit;	/* pd_denied's */
};

/* A guest: its topology (entries point at struct pciop_dev). */
struct pciop_guest {
	struct topo		*pg_topo;
	struct pciop_stats	 pg_stats;
};

/* All pciop_reply_write may put on the shared page. */
struct pciop_reply {
	int32_t		pr_err;
	uint32_t	pr_value;
	unsigned int	pr_nvec;	/* > 0 only after enable_msix worked */
	uint16_t	pr_vector[SH_INFO_MAX_VEC];
};

/* The one read of the shared op: an acquire fence, then the copy. */
void	pciop_copy_in(struct xen_pci_op *, const struct xen_pci_op *);

/* Execute the private copy; never fails, the outcome is in the reply. */
void	pciop_serve(struct pciop_guest *, const struct xen_pci_op *,
	    struct pciop_reply *);

/* Write err, value and pr_nvec vectors to the shared op; release fence. */
void	pciop_reply_write(const struct pciop_reply *, struct xen_pci_op *);

/* "conf_read" ... "disable_msix", or "unknown", for logs. */
const char *pciop_cmd_name(uint32_t);

/* Error spaces for pciop_wire_err. */
#define PCIOP_WIRE_CONF		0	/* XEN_PCI_ERR_*: lookup, conf ops */
#define PCIOP_WIRE_MSI		1	/* enable_msi: XEN_PCI_ERR_op_failed */
#define PCIOP_WIRE_MSIX		2	/* MSI-X: raw negative Linux errno */

/* The err value on the wire for 0 or an internal negative errno. */
int32_t	pciop_wire_err(int, int);

#endif /* PCIBACKD_PCIOP_H */
