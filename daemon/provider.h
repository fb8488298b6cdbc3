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
 * The provider interface: where a held device's config space, interrupts,
 * ownership, reset and neighbours come from.  device.c holds devices and
 * decides; a provider only does what it is asked and never looks at
 * policy.  Two today: the kernel shim (provshim.c, through /dev/pcishim)
 * and emulated devices (provemul.c, from dumps).  A third one is one more
 * file filling a struct provider_ops.
 */

#ifndef PCIBACKD_PROVIDER_H
#define PCIBACKD_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#include "bdf.h"
#include "cfgspace.h"
#include "pciop.h"

struct heldev;
struct pcibackd;
struct conf_device;

/*
 * One PCI function, as far as sharing an INTx line or a page, or a bus
 * reset, goes.
 */
struct provider_fn {
	struct bdf		pf_bdf;
	uint32_t		pf_irq;		/* dom0 IRQ (GSI), or 0 */
	uint8_t			pf_pin;		/* 0: no INTx */
	uint8_t			pf_bridge;	/* type 1 header */
	uint8_t			pf_secbus;	/* bridge: secondary bus */
	uint8_t			pf_subbus;	/* ... subordinate bus */
	int			pf_hotplug;	/* bridge: resetpol_hotplug */
	char			pf_driver[32];	/* dom0's driver, "" none */
	int			pf_intx_off;	/* Command's INTx disable set */
	/* BARs and, last, the ROM: libxl grants iomem for it too. */
	struct cfgdev_bar	pf_bar[CFGDEV_NBARS + 1];
};

/* What a provider hands device_hold() about a device it has. */
struct provider_dev {
	const struct provider_ops	*pd_ops;
	void				*pd_arg;	/* the provider's device */
	struct bdf			 pd_bdf;
	uint16_t			 pd_vendor;
	uint16_t			 pd_device;
	struct cfgdev_info		 pd_info;
	uint32_t			 pd_legacy_pirq;
	int				 pd_permissive;	/* set by the toolstack */
	int				 pd_intctl;	/* ... likewise */
};

/*
 * Giving a device back after its guest (po_giveback) or on request
 * (po_reset): PROVIDER_DONE, PROVIDER_RUNNING (device_giveback_done()
 * comes later, on the event loop) or -1 with a cause.
 */
#define PROVIDER_DONE		0
#define PROVIDER_RUNNING	1

struct provider_ops {
	const char			*po_name;	/* "shim", "emulated" */
	/* The toolstack, not the configuration, decides what it holds. */
	int				 po_toolstack;
	const struct cfgdev_ops		*po_cfg;
	const struct pciop_irq_ops	*po_irq;
	int		(*po_assign)(struct heldev *, unsigned int, char **);
	int		(*po_giveback)(struct heldev *, char **);
	/* A reset now, of a free device; NULL: the provider has none. */
	int		(*po_reset)(struct heldev *, char **);
	/*
	 * A secondary bus reset of every function behind hd's parent
	 * bridge, all of them held and free (NULL: none); like po_giveback,
	 * PROVIDER_RUNNING ends in device_busreset_done().
	 */
	int		(*po_reset_bus)(struct heldev *, char **);
	const char	*(*po_reset_method)(const struct heldev *);
	/* The domid it still gives the device to, or -1. */
	int		(*po_owner)(const struct heldev *);
	/* The functions it may share with; -1 if they cannot be listed. */
	int		(*po_functions)(const struct heldev *,
			    const struct provider_fn **, size_t *);
	/*
	 * The next po_functions lists them again, so that what may change
	 * while they are listed (pf_intx_off) is read now; NULL: a list
	 * that cannot change.
	 */
	void		(*po_refresh)(const struct heldev *);
	/*
	 * Read pf_intx_off of the listed function b again, alone, into the
	 * list; -1 if it cannot (po_refresh then).  NULL: only po_refresh.
	 */
	int		(*po_reread)(const struct heldev *, const struct bdf *);
	/* 1 if po_functions would answer without a scan (NULL: always). */
	int		(*po_listed)(const struct heldev *);
	/*
	 * The result of a step of PCIe error recovery it asked for
	 * (aer_request, AER_RESULT_*); NULL: it never asks.
	 */
	int		(*po_aer_reply)(struct heldev *, uint64_t, int,
			    char **);
	void		(*po_free)(struct heldev *);
};

/* provshim.c: the devices /dev/pcishim holds. */
int		 provshim_init(struct pcibackd *);
void		 provshim_shutdown(struct pcibackd *);
/*
 * In a worker of domid: the shim descriptor it keeps, restricted to the
 * guest's devices, in *fd (-1: no shim); -1 if it cannot have one.
 */
int		 provshim_worker_fd(struct pcibackd *, unsigned int, int *);
int		 provshim_open(struct pcibackd *);
/* The shim holds b. */
int		 provshim_has(struct pcibackd *, const struct bdf *);
/* Hold b again: 0, -1 the shim does not hold it, -2 holding failed. */
int		 provshim_add(struct pcibackd *, const struct bdf *,
		    const struct conf_device *);
/* New reset methods for a shim device ("": the kernel's own). */
int		 provshim_set_reset(struct heldev *, const char *, char **);

/* provemul.c: emulated devices from the "emulate" sources. */
int		 provemul_init(struct pcibackd *);
void		 provemul_shutdown(struct pcibackd *);
size_t		 provemul_nsources(struct pcibackd *);
/* A source has b (held or not). */
int		 provemul_has(struct pcibackd *, const struct bdf *);
/* Hold b from the sources: 0, -1 not found, -2 found but not held. */
int		 provemul_hold(struct pcibackd *, const struct bdf *,
		    const struct conf_device *);
/* Every device of every source, for a reload: fn(arg, bdf). */
void		 provemul_foreach(struct pcibackd *,
		    void (*)(void *, const struct bdf *), void *);

#endif /* PCIBACKD_PROVIDER_H */
