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

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>

#include "pcishim_check.h"

/* libxl looks for exactly this driver name under /sys/bus/pci/drivers. */
#define PCISHIM_DRVNAME		"pciback"

/* Event records queued per open file before OVERFLOW. */
#define PCISHIM_EVQ_LEN		256

/*
 * A held device.  Listed on pcishim_devs (under pcishim_mtx) from the end
 * of probe to the start of remove.  An ioctl finds it under pcishim_mtx,
 * takes a reference and drops pcishim_mtx before it locks pd_lock, so a
 * config access that sleeps (a reset elsewhere blocks config space, a
 * device slow to become ready) stalls callers of this device only.
 * pd_lock guards pd_domid, pd_gone, pd_busy, pd_floor and pd_denied, and
 * serialises the ioctls of the device (LIST also reads pd_domid without
 * it, hence the _ONCE accesses); the toolstack's flags are under
 * pcishim_mtx, which is never held across device access.  Lock order: device lock, pd_lock,
 * pcishim_mtx, then the event spinlock.  An AER callback, called with
 * the device lock held, takes none of ours but the event spinlock, and
 * reads pd_domid with READ_ONCE.  The last reference frees the structure.
 */
struct pcishim_dev {
	struct list_head	 pd_entry;
	struct kref		 pd_ref;
	struct mutex		 pd_lock;
	struct pci_dev		*pd_pdev;
	struct pci_saved_state	*pd_initstate;	/* config state at seize */
	u32			 pd_bdf;
	u32			 pd_domid;	/* or PCISHIM_DOMID_NONE */
	unsigned int		 pd_irq;	/* legacy IRQ seen at seize */
	bool			 pd_permissive;
	bool			 pd_intctl;
	bool			 pd_msix_prep;	/* Xen accepted prepare_msix */
	bool			 pd_busy;	/* RESET/RELEASE running */
	bool			 pd_gone;	/* removed: unbound */
	u32			 pd_denied;	/* writes the floor refused */
	struct pcishim_floor	 pd_floor;	/* built at ASSIGN */
	/*
	 * CFG_MAP (pcishim_dev.c).  pd_mapid (mmap page offset, 0: never
	 * mapped) and pd_ecam are set once under pd_lock.  pd_maplock
	 * orders a mapping's fault against its revocation.
	 */
	struct mutex		 pd_maplock;
	u32			 pd_mapid;
	phys_addr_t		 pd_ecam;
};

/* Serialises the slot list and the device list; held only briefly. */
extern struct mutex pcishim_mtx;
extern struct list_head pcishim_devs;

/* pcishim_drv.c */
struct pcishim_dev *pcishim_dev_get(u32 bdf);
void pcishim_dev_put(struct pcishim_dev *pd);
u32 pcishim_reset_method(struct pci_dev *pdev);
int pcishim_dev_reset(struct pcishim_dev *pd, bool initial, u32 *method);
void pcishim_dev_unassign(struct pcishim_dev *pd);
int pcishim_dev_giveback(struct pcishim_dev *pd, u32 *method);

/* pcishim_dev.c */
int pcishim_cdev_init(void);
void pcishim_cdev_exit(void);
void pcishim_event(u32 type, u32 flags, u32 bdf, u32 op, int error);
u32 pcishim_aer_ask(struct pcishim_dev *pd, u32 op, u32 state);
void pcishim_map_revoke(struct pcishim_dev *pd);
void pcishim_map_forget(struct pcishim_dev *pd);
int pcishim_map_init(void);
void pcishim_map_exit(void);

#endif /* PCISHIM_H */
