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
 * pcishim.h: state shared by the files of the pcishim module (kernel only).
 */

#ifndef PCISHIM_H
#define PCISHIM_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>

#include "pcishim_check.h"

/* libxl looks for exactly this driver name under /sys/bus/pci/drivers. */
#define PCISHIM_DRVNAME		"pciback"

/* Event records queued per open file before OVERFLOW. */
#define PCISHIM_EVQ_LEN		256

/*
 * A held device.  Listed on pcishim_devs from the end of probe to the start
 * of remove; every field is read and written under pcishim_mtx while it is
 * listed.  Operations that reset the device hold its device lock and set
 * pd_busy, and may drop pcishim_mtx while they run.
 */
struct pcishim_dev {
	struct list_head	 pd_entry;
	struct pci_dev		*pd_pdev;
	struct pci_saved_state	*pd_initstate;	/* config state at seize */
	u32			 pd_bdf;
	u32			 pd_domid;	/* or PCISHIM_DOMID_NONE */
	unsigned int		 pd_irq;	/* legacy IRQ seen at seize */
	bool			 pd_permissive;
	bool			 pd_intctl;
	bool			 pd_msix_prep;	/* Xen accepted prepare_msix */
	bool			 pd_busy;	/* RESET/RELEASE running */
};

/* Serialises the slot list, the device list and the ioctls. */
extern struct mutex pcishim_mtx;
extern struct list_head pcishim_devs;

/* pcishim_drv.c */
struct pcishim_dev *pcishim_dev_find(u32 bdf);
u32 pcishim_reset_method(struct pci_dev *pdev);
int pcishim_dev_reset(struct pcishim_dev *pd, bool initial, u32 *method);
void pcishim_dev_unassign(struct pcishim_dev *pd);
int pcishim_dev_giveback(struct pcishim_dev *pd, u32 *method);

/* pcishim_dev.c */
int pcishim_cdev_init(void);
void pcishim_cdev_exit(void);
void pcishim_event(u32 type, u32 flags, u32 bdf, u32 op, int error);

#endif /* PCISHIM_H */
