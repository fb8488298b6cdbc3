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
 * pcishim_dev.c: /dev/pcishim, the daemon's handle on the held devices.
 * Ioctls give raw mechanism (config access, reset, owner, MSI/MSI-X);
 * read() and poll() deliver fixed-size event records.  The ABI is in
 * pcishim_io.h.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/acpi.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/mm.h>
#include <linux/kernel.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/version.h>
#include <linux/wait.h>

#include <xen/xen.h>
#include <xen/pci.h>
#include <xen/events.h>

#include "pcishim.h"

/*
 * Per-open state: the event queue, and the domain a restricted file is
 * confined to (PCISHIM_DOMID_NONE: not restricted).  pf_domid changes
 * once, under pcishim_evlock, from NONE to a domain.
 */
struct pcishim_file {
	struct list_head	pf_entry;
	u32			pf_domid;
	struct pcishim_ring	pf_ring;
	wait_queue_head_t	pf_wait;
	struct pcishim_event	pf_buf[PCISHIM_EVQ_LEN];
};

/*
 * Events are posted from probe, remove, sysfs and the AER callbacks, all
 * process context.  pcishim_evlock is taken last, after any other lock.
 */
static DEFINE_SPINLOCK(pcishim_evlock);
static LIST_HEAD(pcishim_files);
static u64 pcishim_evseq;

/* Number ev and queue it to every unrestricted file; evlock held. */
static void pcishim_post(struct pcishim_event *ev)
{
	struct pcishim_file *pf;

	lockdep_assert_held(&pcishim_evlock);
	ev->pe_seq = ++pcishim_evseq;
	list_for_each_entry(pf, &pcishim_files, pf_entry) {
		/* Events name every held device: not for a restricted file. */
		if (pf->pf_domid != PCISHIM_DOMID_NONE)
			continue;
		if (pcishim_ring_push(&pf->pf_ring, ev) >= 0)
			wake_up_interruptible(&pf->pf_wait);
	}
}

void pcishim_event(u32 type, u32 flags, u32 bdf, u32 op, int error)
{
	struct pcishim_event ev = {
		.pe_type = type,
		.pe_flags = flags,
		.pe_bdf = bdf,
		.pe_op = op,
		.pe_error = error,
	};

	spin_lock(&pcishim_evlock);
	pcishim_post(&ev);
	spin_unlock(&pcishim_evlock);
}

/*
 * AER callbacks waiting for the daemon's AER_REPLY (pcishim_io.h,
 * PCISHIM_EV_AER), each on its callback's stack.  A waiter is listed
 * under pcishim_evlock in the same hold that posts its record, so no
 * answer can come before it is there, and unlisted by its callback.
 * aw_over turns true once, under the lock: an answer, or nobody left
 * to give one.
 */
struct pcishim_aerwait {
	struct list_head	aw_entry;
	u32			aw_bdf;
	u64			aw_seq;
	u32			aw_result;	/* PCISHIM_AER_RESULT_*, 0: none */
	bool			aw_over;
};

static LIST_HEAD(pcishim_aerwaits);
static DECLARE_WAIT_QUEUE_HEAD(pcishim_aerwq);

/* Does a callback of bdf wait for the daemon?  evlock held. */
static bool pcishim_aer_pending_locked(u32 bdf)
{
	struct pcishim_aerwait *aw;

	lockdep_assert_held(&pcishim_evlock);
	list_for_each_entry(aw, &pcishim_aerwaits, aw_entry)
		if (aw->aw_bdf == bdf)
			return true;
	return false;
}

static bool pcishim_aer_pending(u32 bdf)
{
	bool pending;

	spin_lock(&pcishim_evlock);
	pending = pcishim_aer_pending_locked(bdf);
	spin_unlock(&pcishim_evlock);
	return pending;
}

/*
 * After a file left or was restricted (evlock held): with no
 * unrestricted file open, nobody can answer, so every wait ends now
 * with the default instead of at its timeout.
 */
static void pcishim_aer_orphan(void)
{
	struct pcishim_file *pf;
	struct pcishim_aerwait *aw;

	lockdep_assert_held(&pcishim_evlock);
	list_for_each_entry(pf, &pcishim_files, pf_entry)
		if (pf->pf_domid == PCISHIM_DOMID_NONE)
			return;
	list_for_each_entry(aw, &pcishim_aerwaits, aw_entry)
		aw->aw_over = true;
	wake_up_all(&pcishim_aerwq);
}

/*
 * One AER callback on pd's device: post its record and, if the device
 * is a guest's and a reader took the record, wait for the daemon's
 * answer.  Returns the PCISHIM_AER_RESULT_* answered, 0 for none.
 *
 * The AER core holds the device lock around the callback; we hold none
 * of ours while waiting, and do not take pd_lock even to read the
 * owner: an ioctl may hold pd_lock in a config access that waits for a
 * reset which waits for the device lock (a sysfs reset takes config
 * access first), and waiting for that ioctl would never end.
 */
u32 pcishim_aer_ask(struct pcishim_dev *pd, u32 op, u32 state)
{
	struct pcishim_aerwait aw = { .aw_bdf = pd->pd_bdf };
	struct pcishim_event ev = {
		.pe_type = PCISHIM_EV_AER,
		.pe_bdf = pd->pd_bdf,
		.pe_op = op,
		.pe_error = (s32)state,
	};
	struct pcishim_file *pf;
	bool heard = false;
	u32 result;

	spin_lock(&pcishim_evlock);
	list_for_each_entry(pf, &pcishim_files, pf_entry)
		if (pf->pf_domid == PCISHIM_DOMID_NONE &&
		    pcishim_ring_room(&pf->pf_ring))
			heard = true;
	ev.pe_flags = pcishim_aer_evflags(READ_ONCE(pd->pd_domid), heard);
	pcishim_post(&ev);
	if (ev.pe_flags & PCISHIM_EVF_REPLY) {
		aw.aw_seq = ev.pe_seq;
		list_add_tail(&aw.aw_entry, &pcishim_aerwaits);
	}
	spin_unlock(&pcishim_evlock);
	if (!(ev.pe_flags & PCISHIM_EVF_REPLY))
		return 0;
	/* Idle: a guest's slow answer is no hung task. */
	if (!wait_event_idle_timeout(pcishim_aerwq, READ_ONCE(aw.aw_over),
				     PCISHIM_AER_WAIT_SECS * HZ))
		pci_warn(pd->pd_pdev, "AER step %u: no answer from pcibackd "
			 "in %u s\n", op, PCISHIM_AER_WAIT_SECS);
	spin_lock(&pcishim_evlock);
	list_del(&aw.aw_entry);
	result = aw.aw_result;
	spin_unlock(&pcishim_evlock);
	return result;
}

/*
 * Copy in an extensible argument: refuse callers older than the first
 * version (argsz < minsz) and read only what this module knows.
 */
static int pcishim_copyin(void *karg, size_t minsz, const void __user *uarg)
{
	u32 argsz;

	if (get_user(argsz, (const u32 __user *)uarg))
		return -EFAULT;
	if (pcishim_check_argsz(argsz, minsz))
		return -EINVAL;
	if (copy_from_user(karg, uarg, minsz))
		return -EFAULT;
	return 0;
}

static int pcishim_copyout(void __user *uarg, const void *karg, u32 argsz,
			   size_t ksz)
{
	return copy_to_user(uarg, karg, pcishim_copyout_len(argsz, ksz)) ?
	    -EFAULT : 0;
}

/*
 * Find a held device, take a reference, and lock it: pcishim_mtx is held
 * only for the lookup, so a device whose config access sleeps stalls no
 * other.  A device being reset answers EAGAIN until the reset is over;
 * one unbound meanwhile, ENODEV.  For a file restricted to domid, any
 * device that is not that domain's is EPERM, whatever else it is.  On
 * success the caller must call pcishim_unlock(); on failure *error is
 * set and nothing is held.
 */
static struct pcishim_dev *pcishim_lookup(u32 bdf, u32 domid, int *error)
{
	struct pcishim_dev *pd = pcishim_dev_get(bdf);
	int gone = domid == PCISHIM_DOMID_NONE ? -ENODEV : -EPERM;

	*error = gone;
	if (!pd)
		return NULL;
	if (mutex_lock_killable(&pd->pd_lock)) {
		*error = -EINTR;
		goto fail;
	}
	if (pd->pd_gone)
		*error = gone;
	else if (!(*error = pcishim_check_owner(domid, pd->pd_domid)))
		*error = pd->pd_busy ? -EAGAIN : 0;
	if (!*error)
		return pd;
	mutex_unlock(&pd->pd_lock);
fail:
	pcishim_dev_put(pd);
	return NULL;
}

static void pcishim_unlock(struct pcishim_dev *pd)
{
	mutex_unlock(&pd->pd_lock);
	pcishim_dev_put(pd);
}

/*
 * The prologue of the ioctls that take a struct pcishim_devop: copy it
 * in, check its flags against allowed, find and lock the device.  On
 * success the caller must call pcishim_unlock().
 */
static struct pcishim_dev *pcishim_devop_begin(void __user *uarg,
					       struct pcishim_devop *op,
					       u32 allowed, u32 domid,
					       int *error)
{
	*error = pcishim_copyin(op, sizeof(*op), uarg);
	if (*error)
		return NULL;
	if (pcishim_check_flags(op->pd_flags, allowed)) {
		*error = -EINVAL;
		return NULL;
	}
	return pcishim_lookup(op->pd_bdf, domid, error);
}

static long pcishim_ioc_version(void __user *uarg)
{
	struct pcishim_version v = {
		.pv_abi = PCISHIM_ABI_VERSION,
		.pv_evsize = sizeof(struct pcishim_event),
	};

	return copy_to_user(uarg, &v, sizeof(v)) ? -EFAULT : 0;
}

/* A restricted file sees only its domain's devices. */
static long pcishim_ioc_list(void __user *uarg, u32 domid)
{
	struct pcishim_list l;
	struct pcishim_dev *pd;
	u32 __user *ubdfs;
	u32 n = 0;
	int error;

	error = pcishim_copyin(&l, sizeof(l), uarg);
	if (error)
		return error;
	if (pcishim_check_flags(l.pl_flags, 0))
		return -EINVAL;
	ubdfs = u64_to_user_ptr(l.pl_bdfs);
	mutex_lock(&pcishim_mtx);
	list_for_each_entry(pd, &pcishim_devs, pd_entry) {
		if (pcishim_check_owner(domid, READ_ONCE(pd->pd_domid)))
			continue;
		if (n < l.pl_count && put_user(pd->pd_bdf, ubdfs + n)) {
			error = -EFAULT;
			break;
		}
		n++;
	}
	mutex_unlock(&pcishim_mtx);
	if (error)
		return error;
	l.pl_count = n;
	return pcishim_copyout(uarg, &l, l.pl_argsz, sizeof(l));
}

static void pcishim_fill_bar(struct pcishim_bar *pb, const struct resource *r,
			     bool rom)
{
	if (!(r->flags & (IORESOURCE_IO | IORESOURCE_MEM)))
		return;
	pb->pb_start = r->start;
	pb->pb_size = resource_size(r);
	if (r->flags & IORESOURCE_IO)
		pb->pb_flags |= PCISHIM_BAR_IO;
	if (r->flags & IORESOURCE_MEM)
		pb->pb_flags |= PCISHIM_BAR_MEM;
	if (r->flags & IORESOURCE_MEM_64)
		pb->pb_flags |= PCISHIM_BAR_MEM64;
	if (r->flags & IORESOURCE_PREFETCH)
		pb->pb_flags |= PCISHIM_BAR_PREFETCH;
	if (rom)
		pb->pb_flags |= PCISHIM_BAR_ROM;
}

/* Called with pd_lock held. */
static void pcishim_fill_info(struct pcishim_info *pi, struct pcishim_dev *pd)
{
	struct pci_dev *pdev = pd->pd_pdev;
	int i, n;

	mutex_lock(&pcishim_mtx);
	pi->pi_state = (pd->pd_permissive ? PCISHIM_ST_PERMISSIVE : 0) |
	    (pd->pd_intctl ? PCISHIM_ST_INTCTL : 0);
	mutex_unlock(&pcishim_mtx);
	pi->pi_state |= (pd->pd_domid != PCISHIM_DOMID_NONE ?
			 PCISHIM_ST_ASSIGNED : 0) |
	    (pci_is_enabled(pdev) ? PCISHIM_ST_ENABLED : 0) |
	    (pdev->msi_enabled ? PCISHIM_ST_MSI : 0) |
	    (pdev->msix_enabled ? PCISHIM_ST_MSIX : 0) |
	    (pd->pd_msix_prep ? PCISHIM_ST_MSIX_PREP : 0);
	pi->pi_vendor = pdev->vendor;
	pi->pi_device = pdev->device;
	pi->pi_subvendor = pdev->subsystem_vendor;
	pi->pi_subdevice = pdev->subsystem_device;
	pi->pi_class = pdev->class;
	pi->pi_revision = pdev->revision;
	pi->pi_hdrtype = pdev->hdr_type;
	pi->pi_pin = pdev->pin;
	pi->pi_cfgsize = pdev->cfg_size;
	pi->pi_irq = pd->pd_irq;
	pi->pi_domid = pd->pd_domid;
	pi->pi_msicap = pdev->msi_cap;
	pi->pi_msixcap = pdev->msix_cap;
	n = pdev->msix_cap ? pci_msix_vec_count(pdev) : 0;
	pi->pi_msixsize = n > 0 ? n : 0;
	pi->pi_reset = pcishim_reset_method(pdev);
	pi->pi_nbars = PCISHIM_NBARS;
	pi->pi_denied = pd->pd_denied;
	for (i = 0; i < PCI_STD_NUM_BARS; i++)
		pcishim_fill_bar(&pi->pi_bar[i], &pdev->resource[i], false);
	pcishim_fill_bar(&pi->pi_bar[PCI_ROM_RESOURCE],
			 &pdev->resource[PCI_ROM_RESOURCE], true);
}

static long pcishim_ioc_info(void __user *uarg, u32 domid)
{
	struct pcishim_info pi;
	struct pcishim_dev *pd;
	u32 argsz, bdf;
	int error;

	error = pcishim_copyin(&pi, sizeof(pi), uarg);
	if (error)
		return error;
	if (pcishim_check_flags(pi.pi_flags, 0))
		return -EINVAL;
	argsz = pi.pi_argsz;
	bdf = pi.pi_bdf;
	memset(&pi, 0, sizeof(pi));
	pi.pi_argsz = argsz;
	pi.pi_bdf = bdf;
	pd = pcishim_lookup(bdf, domid, &error);
	if (!pd)
		return error;
	pcishim_fill_info(&pi, pd);
	pcishim_unlock(pd);
	return pcishim_copyout(uarg, &pi, argsz, sizeof(pi));
}

/* The user variants wait out a reset instead of reading all-ones. */
static int pcishim_cfg_read(struct pci_dev *pdev, u32 off, u32 size, u32 *val)
{
	u8 b;
	u16 w;
	int error;

	switch (size) {
	case 1:
		error = pci_user_read_config_byte(pdev, off, &b);
		*val = b;
		break;
	case 2:
		error = pci_user_read_config_word(pdev, off, &w);
		*val = w;
		break;
	default:
		error = pci_user_read_config_dword(pdev, off, val);
		break;
	}
	return error ? pcibios_err_to_errno(error) : 0;
}

static int pcishim_cfg_write(struct pci_dev *pdev, u32 off, u32 size, u32 val)
{
	int error;

	switch (size) {
	case 1:
		error = pci_user_write_config_byte(pdev, off, val);
		break;
	case 2:
		error = pci_user_write_config_word(pdev, off, val);
		break;
	default:
		error = pci_user_write_config_dword(pdev, off, val);
		break;
	}
	return error ? pcibios_err_to_errno(error) : 0;
}

static int pcishim_floor_read(void *arg, u32 off, u32 size, u32 *val)
{
	return pcishim_cfg_read(arg, off, size, val);
}

/*
 * A write through a restricted file (pd_lock held): the floor first,
 * then dom0's enable when the write turns decoding on, as the ENABLE
 * the file may not call would.
 */
static int pcishim_restricted_write(struct pcishim_dev *pd,
				    const struct pcishim_cfg *pc, u32 domid)
{
	struct pci_dev *pdev = pd->pd_pdev;
	bool intctl;
	u32 cur = 0;
	int error;

	if (pcishim_floor_needs_cur(&pd->pd_floor, pc->pc_offset,
				    pc->pc_size)) {
		error = pcishim_cfg_read(pdev, pc->pc_offset, pc->pc_size,
					 &cur);
		if (error)
			return error;
	}
	mutex_lock(&pcishim_mtx);
	intctl = pd->pd_intctl;
	mutex_unlock(&pcishim_mtx);
	if (pcishim_floor_check(&pd->pd_floor, pc->pc_offset, pc->pc_size,
				pc->pc_value, cur, intctl)) {
		pd->pd_denied++;
		pci_info_ratelimited(pdev,
				     "dom%u: config write %#x/%u = %#x refused by the floor\n",
				     domid, pc->pc_offset, pc->pc_size,
				     pc->pc_value);
		return -EPERM;
	}
	if (pcishim_cmd_enables(pc->pc_offset, pc->pc_value) &&
	    !pci_is_enabled(pdev))
		return pci_enable_device(pdev);
	return 0;
}

static long pcishim_ioc_cfg(void __user *uarg, bool write, u32 domid)
{
	struct pcishim_cfg pc;
	struct pcishim_dev *pd;
	int error;

	error = pcishim_copyin(&pc, sizeof(pc), uarg);
	if (error)
		return error;
	if (pcishim_check_flags(pc.pc_flags, 0))
		return -EINVAL;
	/* Only this device's lock: the access may wait out a reset. */
	pd = pcishim_lookup(pc.pc_bdf, domid, &error);
	if (!pd)
		return error;
	error = pcishim_check_cfg(pc.pc_offset, pc.pc_size,
				  pd->pd_pdev->cfg_size);
	if (!error && write && domid != PCISHIM_DOMID_NONE)
		error = pcishim_restricted_write(pd, &pc, domid);
	if (!error && write)
		error = pcishim_cfg_write(pd->pd_pdev, pc.pc_offset,
					  pc.pc_size, pc.pc_value);
	else if (!error)
		error = pcishim_cfg_read(pd->pd_pdev, pc.pc_offset,
					 pc.pc_size, &pc.pc_value);
	pcishim_unlock(pd);
	if (error || write)
		return error;
	return pcishim_copyout(uarg, &pc, pc.pc_argsz, sizeof(pc));
}

/*
 * RESET and RELEASE need the device lock, taken before pd_lock (the order
 * of remove(), which holds it).  Only try it, so that the daemon never
 * waits for someone else's bind, unbind or sysfs reset: busy means
 * EAGAIN.  The reset itself runs without pd_lock: pd_busy keeps other
 * ioctls off this device meanwhile (EAGAIN), the device lock keeps
 * remove() away, and the reference keeps pd.  RESET of an assigned
 * device is refused: only RELEASE, after the guest, may reset it.
 *
 * An AER callback waiting for the daemon holds the device lock (the AER
 * core's) until the daemon answers: EAGAIN at once, whatever the lock
 * does.  These are the only ioctls that take a device lock.  RESET_BUS
 * only tries them (pci_reset_bus), and refuses a guest's device, which
 * every one with a waiting callback is, with EBUSY before that.  Bind
 * and unbind wait for the callback: the driver core takes the lock.
 */
static long pcishim_ioc_reset(void __user *uarg, bool giveback)
{
	struct pcishim_devop op;
	struct pcishim_dev *pd;
	struct pci_dev *pdev;
	int error;

	error = pcishim_copyin(&op, sizeof(op), uarg);
	if (error)
		return error;
	if (pcishim_check_flags(op.pd_flags, 0))
		return -EINVAL;
	pd = pcishim_dev_get(op.pd_bdf);
	if (!pd)
		return -ENODEV;
	pdev = pd->pd_pdev;
	if (pcishim_aer_pending(pd->pd_bdf) || !device_trylock(&pdev->dev)) {
		pcishim_dev_put(pd);
		return -EAGAIN;
	}
	mutex_lock(&pd->pd_lock);
	error = pd->pd_gone ? -ENODEV : 0;
	if (!error && !giveback)
		error = pcishim_check_reset(pd->pd_domid);
	if (error) {
		mutex_unlock(&pd->pd_lock);
		goto out;
	}
	if (giveback) {
		/* The next guest's flags, written during the reset, stay. */
		mutex_lock(&pcishim_mtx);
		pd->pd_permissive = pd->pd_intctl = false;
		mutex_unlock(&pcishim_mtx);
		pcishim_dev_unassign(pd);
	}
	pd->pd_busy = true;
	mutex_unlock(&pd->pd_lock);
	if (giveback)
		error = pcishim_dev_giveback(pd, &op.pd_result);
	else
		error = pcishim_dev_reset(pd, false, &op.pd_result);
	mutex_lock(&pd->pd_lock);
	pd->pd_busy = false;
	mutex_unlock(&pd->pd_lock);
out:
	device_unlock(&pdev->dev);
	pcishim_dev_put(pd);
	if (error)
		return error;
	return pcishim_copyout(uarg, &op, op.pd_argsz, sizeof(op));
}

/* Functions one RESET_BUS may reach: more makes it EBUSY. */
#define PCISHIM_BUS_MAX		32

struct pcishim_busctx {
	struct pci_dev		*bc_pdev[PCISHIM_BUS_MAX];
	struct pcishim_dev	*bc_pd[PCISHIM_BUS_MAX];
	unsigned int		 bc_n;
	bool			 bc_full;
};

/* pci_walk_bus: collect every function behind the bridge, referenced. */
static int pcishim_bus_collect(struct pci_dev *pdev, void *arg)
{
	struct pcishim_busctx *bc = arg;

	if (bc->bc_n == PCISHIM_BUS_MAX) {
		bc->bc_full = true;
		return 1;
	}
	bc->bc_pdev[bc->bc_n++] = pci_dev_get(pdev);
	return 0;
}

/* Mark one function busy if a bus reset may reach it. */
static int pcishim_bus_claim(struct pcishim_busctx *bc, unsigned int i)
{
	struct pci_dev *pdev = bc->bc_pdev[i];
	struct pcishim_dev *pd;
	u32 busfn = 0;
	int error;

	pd = pcishim_dev_get(PCISHIM_BDF(pci_domain_nr(pdev->bus),
					 pdev->bus->number,
					 PCI_SLOT(pdev->devfn),
					 PCI_FUNC(pdev->devfn)));
	if (pdev->subordinate)
		busfn |= PCISHIM_BUSFN_BRIDGE;
	if (!pd)
		return pcishim_check_busfn(busfn);
	mutex_lock(&pd->pd_lock);
	if (!pd->pd_gone)
		busfn |= PCISHIM_BUSFN_HELD;
	if (pd->pd_domid != PCISHIM_DOMID_NONE)
		busfn |= PCISHIM_BUSFN_ASSIGNED;
	if (pd->pd_busy)
		busfn |= PCISHIM_BUSFN_BUSY;
	error = pcishim_check_busfn(busfn);
	if (!error)
		pd->pd_busy = true;
	mutex_unlock(&pd->pd_lock);
	if (error)
		pcishim_dev_put(pd);
	else
		bc->bc_pd[i] = pd;
	return error;
}

/* Each claimed function back to its seize state, quiet, not busy. */
static void pcishim_bus_finish(struct pcishim_busctx *bc, bool restore)
{
	unsigned int i;

	for (i = 0; i < bc->bc_n; i++) {
		struct pcishim_dev *pd = bc->bc_pd[i];

		if (pd && restore) {
			pci_cfg_access_lock(pd->pd_pdev);
			if (pci_load_saved_state(pd->pd_pdev,
						 pd->pd_initstate) != 0)
				pci_warn(pd->pd_pdev, "could not reload the "
					 "state saved at seize\n");
			pci_restore_state(pd->pd_pdev);
			pci_cfg_access_unlock(pd->pd_pdev);
			if (pci_is_enabled(pd->pd_pdev))
				pci_disable_device(pd->pd_pdev);
			pci_clear_master(pd->pd_pdev);
		}
		if (pd) {
			mutex_lock(&pd->pd_lock);
			pd->pd_busy = false;
			mutex_unlock(&pd->pd_lock);
			pcishim_dev_put(pd);
		}
		pci_dev_put(bc->bc_pdev[i]);
	}
}

/*
 * RESET_BUS: the kernel's pci_reset_bus() takes every device lock on the
 * bus itself (trylock: busy is EAGAIN) and saves and restores each
 * function around the reset, so no device lock is held here; pd_busy
 * keeps our own ioctls off each function meanwhile.
 */
static long pcishim_ioc_reset_bus(void __user *uarg)
{
	struct pcishim_busctx *bc;
	struct pcishim_devop op;
	struct pcishim_dev *pd;
	struct pci_dev *pdev;
	unsigned int i;
	int error;

	error = pcishim_copyin(&op, sizeof(op), uarg);
	if (error)
		return error;
	if (pcishim_check_flags(op.pd_flags, 0))
		return -EINVAL;
	pd = pcishim_dev_get(op.pd_bdf);
	if (!pd)
		return -ENODEV;
	pdev = pci_dev_get(pd->pd_pdev);
	pcishim_dev_put(pd);
	if (pci_is_root_bus(pdev->bus)) {
		pci_dev_put(pdev);
		return -ENOTTY;
	}
	bc = kzalloc(sizeof(*bc), GFP_KERNEL);
	if (!bc) {
		pci_dev_put(pdev);
		return -ENOMEM;
	}
	pci_walk_bus(pdev->bus, pcishim_bus_collect, bc);
	error = bc->bc_full ? -EBUSY : 0;
	for (i = 0; !error && i < bc->bc_n; i++)
		error = pcishim_bus_claim(bc, i);
	if (!error)
		error = pci_reset_bus(pdev);
	pcishim_bus_finish(bc, !error);
	kfree(bc);
	pci_dev_put(pdev);
	if (error)
		return error;
	op.pd_result = PCISHIM_RESET_BUS;
	return pcishim_copyout(uarg, &op, op.pd_argsz, sizeof(op));
}

/* Where dom0's kernel put each BAR: the floor accepts that address too. */
static void pcishim_bar_starts(struct pci_dev *pdev, u64 res[PCISHIM_NBARS])
{
	int i;

	for (i = 0; i < PCISHIM_NBARS; i++) {
		struct resource *r = &pdev->resource[i < PCI_STD_NUM_BARS ?
						      i : PCI_ROM_RESOURCE];

		res[i] = r->flags & (IORESOURCE_IO | IORESOURCE_MEM) ?
		    r->start : 0;
	}
}

static long pcishim_ioc_assign(void __user *uarg)
{
	struct pcishim_assign pa;
	struct pcishim_dev *pd;
	u64 res[PCISHIM_NBARS];
	int error;

	error = pcishim_copyin(&pa, sizeof(pa), uarg);
	if (error)
		return error;
	if (pcishim_check_flags(pa.pa_flags, 0) ||
	    pcishim_check_domid(pa.pa_domid))
		return -EINVAL;
	/* Only a Xen dom0 has device owners and pirqs. */
	if (!xen_initial_domain())
		return -ENODEV;
	pd = pcishim_lookup(pa.pa_bdf, PCISHIM_DOMID_NONE, &error);
	if (!pd)
		return error;
	if (pd->pd_domid != PCISHIM_DOMID_NONE) {
		error = -EBUSY;
		goto out;
	}
	/* The floor's BARs are the ones the guest is given: as now. */
	pcishim_bar_starts(pd->pd_pdev, res);
	error = pcishim_floor_build(&pd->pd_floor, pd->pd_pdev->cfg_size, res,
				    pcishim_floor_read, pd->pd_pdev);
	if (error)
		goto out;
	/*
	 * While a guest has a device the module must stay: unloading would
	 * reset it under the guest.  Dropped by pcishim_dev_unassign().
	 */
	if (!try_module_get(THIS_MODULE))
		error = -ENODEV;
	if (!error) {
		error = xen_register_device_domain_owner(pd->pd_pdev,
							 pa.pa_domid);
		/* Someone else registered an owner for this device. */
		if (error == -EEXIST)
			error = -EBUSY;
		if (error)
			module_put(THIS_MODULE);
	}
	if (!error) {
		WRITE_ONCE(pd->pd_domid, pa.pa_domid);
		/* A mapping faulted in before now reads all ones: again. */
		pcishim_map_revoke(pd);
	}
out:
	pcishim_unlock(pd);
	return error;
}

static long pcishim_ioc_enable(void __user *uarg, bool enable)
{
	struct pcishim_devop op;
	struct pcishim_dev *pd;
	struct pci_dev *pdev;
	int error;

	pd = pcishim_devop_begin(uarg, &op,
				 PCISHIM_EN_DEVICE | PCISHIM_EN_MASTER,
				 PCISHIM_DOMID_NONE, &error);
	if (!pd)
		return error;
	pdev = pd->pd_pdev;
	/* pci_enable_device() counts; keep the count at 0 or 1. */
	if (enable && (op.pd_flags & PCISHIM_EN_DEVICE) &&
	    !pci_is_enabled(pdev))
		error = pci_enable_device(pdev);
	if (!error && enable && (op.pd_flags & PCISHIM_EN_MASTER))
		pci_set_master(pdev);
	if (!enable && (op.pd_flags & PCISHIM_EN_MASTER))
		pci_clear_master(pdev);
	if (!enable && (op.pd_flags & PCISHIM_EN_DEVICE) &&
	    pci_is_enabled(pdev))
		pci_disable_device(pdev);
	pcishim_unlock(pd);
	return error;
}

/* Called with pd_lock held: the device must be assigned and quiet. */
static int pcishim_msi_ready(struct pcishim_dev *pd)
{
	/* Without an owner, Linux would map the pirqs into dom0. */
	if (pd->pd_domid == PCISHIM_DOMID_NONE)
		return -EPERM;
	if (pd->pd_pdev->msi_enabled || pd->pd_pdev->msix_enabled)
		return -EBUSY;
	return 0;
}

/*
 * With the owner registered, Linux's Xen MSI code maps the vector as a
 * pirq of the guest; the Linux IRQ it returns just names that pirq.
 */
static long pcishim_ioc_msi_enable(void __user *uarg, u32 domid)
{
	struct pcishim_devop op;
	struct pcishim_dev *pd;
	int error, pirq;

	pd = pcishim_devop_begin(uarg, &op, 0, domid, &error);
	if (!pd)
		return error;
	error = pcishim_msi_ready(pd);
	if (!error) {
		error = pci_alloc_irq_vectors(pd->pd_pdev, 1, 1, PCI_IRQ_MSI);
		error = error < 0 ? error : 0;
	}
	if (!error) {
		pirq = xen_pirq_from_irq(pci_irq_vector(pd->pd_pdev, 0));
		if (pirq <= 0) {
			pci_disable_msi(pd->pd_pdev);
			error = -EIO;
		}
		op.pd_result = pirq;
	}
	pcishim_unlock(pd);
	if (error)
		return error;
	return pcishim_copyout(uarg, &op, op.pd_argsz, sizeof(op));
}

static long pcishim_ioc_msi_disable(void __user *uarg, bool msix, u32 domid)
{
	struct pcishim_devop op;
	struct pcishim_dev *pd;
	int error;

	pd = pcishim_devop_begin(uarg, &op, 0, domid, &error);
	if (!pd)
		return error;
	if (msix && pd->pd_pdev->msix_enabled)
		pci_disable_msix(pd->pd_pdev);
	if (!msix && pd->pd_pdev->msi_enabled)
		pci_disable_msi(pd->pd_pdev);
	pcishim_unlock(pd);
	return 0;
}

/* Read and check the caller's table indices. */
static struct msix_entry *pcishim_msix_getents(const struct pcishim_msix *pm,
					       struct pcishim_msix_entry *ue)
{
	struct msix_entry *ents;
	u32 i;

	if (copy_from_user(ue, u64_to_user_ptr(pm->pm_entries),
			   pm->pm_nvec * sizeof(*ue)))
		return ERR_PTR(-EFAULT);
	ents = kcalloc(pm->pm_nvec, sizeof(*ents), GFP_KERNEL);
	if (!ents)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < pm->pm_nvec; i++) {
		if (pcishim_check_msix_entry(ue[i].me_entry)) {
			kfree(ents);
			return ERR_PTR(-EINVAL);
		}
		ents[i].entry = ue[i].me_entry;
	}
	return ents;
}

/* Called with pd_lock held; fills ue[].me_pirq on success. */
static int pcishim_msix_enable(struct pcishim_dev *pd,
			       const struct pcishim_msix *pm,
			       struct pcishim_msix_entry *ue)
{
	struct msix_entry *ents;
	int error, pirq;
	u32 i;

	ents = pcishim_msix_getents(pm, ue);
	if (IS_ERR(ents))
		return PTR_ERR(ents);
	/* Exactly nvec or nothing: the guest asked for these entries. */
	error = pci_enable_msix_range(pd->pd_pdev, ents, pm->pm_nvec,
				      pm->pm_nvec);
	error = error < 0 ? error : 0;
	for (i = 0; !error && i < pm->pm_nvec; i++) {
		pirq = xen_pirq_from_irq(ents[i].vector);
		if (pirq <= 0)
			error = -EIO;
		ue[i].me_pirq = pirq;
	}
	if (error && pd->pd_pdev->msix_enabled)
		pci_disable_msix(pd->pd_pdev);
	kfree(ents);
	return error;
}

static long pcishim_ioc_msix_enable(void __user *uarg, u32 domid)
{
	struct pcishim_msix pm;
	struct pcishim_msix_entry *ue;
	struct pcishim_dev *pd;
	int error;

	error = pcishim_copyin(&pm, sizeof(pm), uarg);
	if (error)
		return error;
	if (pcishim_check_flags(pm.pm_flags, 0) ||
	    pcishim_check_msix_nvec(pm.pm_nvec))
		return -EINVAL;
	ue = kcalloc(pm.pm_nvec, sizeof(*ue), GFP_KERNEL);
	if (!ue)
		return -ENOMEM;
	pd = pcishim_lookup(pm.pm_bdf, domid, &error);
	if (!pd)
		goto out;
	error = pcishim_msi_ready(pd);
	if (!error)
		error = pcishim_msix_enable(pd, &pm, ue);
	/* Undo if the pirqs cannot be handed back. */
	if (!error && copy_to_user(u64_to_user_ptr(pm.pm_entries), ue,
				   pm.pm_nvec * sizeof(*ue))) {
		pci_disable_msix(pd->pd_pdev);
		error = -EFAULT;
	}
	pcishim_unlock(pd);
out:
	kfree(ue);
	return error;
}

/*
 * AER_REPLY: the first answer to a waiting callback counts; anything
 * else (late, twice, a record that asked for none) is ESRCH.
 */
static long pcishim_ioc_aer_reply(void __user *uarg)
{
	struct pcishim_aer_reply par;
	struct pcishim_aerwait *aw;
	struct pcishim_dev *pd;
	int error;

	error = pcishim_copyin(&par, sizeof(par), uarg);
	if (error)
		return error;
	if (pcishim_check_flags(par.par_flags, 0) ||
	    pcishim_check_aer_result(par.par_result))
		return -EINVAL;
	/* Held is all we need to know: pd_lock may be busy, see above. */
	pd = pcishim_dev_get(par.par_bdf);
	if (!pd)
		return -ENODEV;
	pcishim_dev_put(pd);
	error = -ESRCH;
	spin_lock(&pcishim_evlock);
	list_for_each_entry(aw, &pcishim_aerwaits, aw_entry) {
		if (aw->aw_bdf != par.par_bdf || aw->aw_seq != par.par_seq ||
		    aw->aw_over)
			continue;
		aw->aw_result = par.par_result;
		aw->aw_over = true;
		wake_up_all(&pcishim_aerwq);
		error = 0;
		break;
	}
	spin_unlock(&pcishim_evlock);
	return error;
}

/*
 * One way: the check and the change are under pcishim_evlock, and so is
 * emptying the queue, whose events a restricted file may not see.  The
 * file can no longer answer an AER callback either.
 */
static long pcishim_ioc_restrict(struct file *fp, void __user *uarg)
{
	struct pcishim_file *pf = fp->private_data;
	struct pcishim_restrict pr;
	int error;

	error = pcishim_copyin(&pr, sizeof(pr), uarg);
	if (error)
		return error;
	if (pcishim_check_flags(pr.pr_flags, 0))
		return -EINVAL;
	spin_lock(&pcishim_evlock);
	error = pcishim_check_restrict(pf->pf_domid, pr.pr_domid);
	if (!error) {
		WRITE_ONCE(pf->pf_domid, pr.pr_domid);
		pcishim_ring_init(&pf->pf_ring, pf->pf_buf, PCISHIM_EVQ_LEN);
		pcishim_aer_orphan();
	}
	spin_unlock(&pcishim_evlock);
	return error;
}

/*
 * CFG_MAP: a guest's config reads, the most frequent op, straight from
 * the ECAM page instead of through an ioctl, a system call and two port
 * accesses trapped by Xen in a PV dom0.  Every open file shares one
 * address space (pcishim_map_inode's), so that revoking a device's page
 * reaches every process that mapped it, whichever node it opened.
 * Pages are inserted at fault time, after the same owner check as an
 * ioctl; a file that may not reach the device gets pcishim_ones, a page
 * of all ones, as a read of an absent device returns.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
#define vm_flags_set_compat(vma, f)	vm_flags_set(vma, f)
#define vm_flags_clear_compat(vma, f)	vm_flags_clear(vma, f)
#else
#define vm_flags_set_compat(vma, f)	((vma)->vm_flags |= (f))
#define vm_flags_clear_compat(vma, f)	((vma)->vm_flags &= ~(f))
#endif

static struct page *pcishim_ones;
static struct inode *pcishim_map_inode;	/* under pcishim_mtx */
/*
 * Mapped devices by pd_mapid, for mmap(), which runs under the caller's
 * mmap lock and so must not take pcishim_mtx (LIST faults under it).
 */
static DEFINE_XARRAY_ALLOC1(pcishim_maps);
static u32 pcishim_mapnext;

int pcishim_map_init(void)
{
	pcishim_ones = alloc_page(GFP_KERNEL);
	if (!pcishim_ones)
		return -ENOMEM;
	memset(page_address(pcishim_ones), 0xff, PAGE_SIZE);
	return 0;
}

void pcishim_map_exit(void)
{
	if (pcishim_map_inode)
		iput(pcishim_map_inode);
	pcishim_map_inode = NULL;
	xa_destroy(&pcishim_maps);
	__free_page(pcishim_ones);
}

/*
 * Make every mapping of pd fault again, where the owner is checked anew.
 * Called, with pd_lock held, after each change of what may reach pd.
 * Taking pd_maplock waits out a fault that checked the old owner and is
 * inserting its page; the unmap then removes that page.
 */
void pcishim_map_revoke(struct pcishim_dev *pd)
{
	struct address_space *space = NULL;

	lockdep_assert_held(&pd->pd_lock);
	if (!pd->pd_mapid)
		return;
	mutex_lock(&pd->pd_maplock);
	mutex_unlock(&pd->pd_maplock);
	mutex_lock(&pcishim_mtx);
	if (pcishim_map_inode)
		space = pcishim_map_inode->i_mapping;
	mutex_unlock(&pcishim_mtx);
	if (space)
		unmap_mapping_range(space, (loff_t)pd->pd_mapid << PAGE_SHIFT,
				    PAGE_SIZE, 1);
}

/* Unbound: no new mapping may find pd (remove, under pd_lock). */
void pcishim_map_forget(struct pcishim_dev *pd)
{
	if (pd->pd_mapid)
		xa_erase(&pcishim_maps, pd->pd_mapid);
}

/* The device's ECAM page from ACPI's MCFG table, 0 if it has none. */
static phys_addr_t pcishim_ecam_find(struct pci_dev *pdev)
{
	phys_addr_t addr = 0;
#ifdef CONFIG_ACPI
	struct acpi_table_header *hdr;
	struct acpi_mcfg_allocation *a;
	unsigned int bus = pdev->bus->number;
	size_t i, n;

	if (ACPI_FAILURE(acpi_get_table(ACPI_SIG_MCFG, 0, &hdr)))
		return 0;
	if (hdr->length < sizeof(struct acpi_table_mcfg))
		goto out;
	n = (hdr->length - sizeof(struct acpi_table_mcfg)) / sizeof(*a);
	a = (struct acpi_mcfg_allocation *)((u8 *)hdr +
	    sizeof(struct acpi_table_mcfg));
	for (i = 0; i < n; i++) {
		if (a[i].pci_segment != pci_domain_nr(pdev->bus) ||
		    bus < a[i].start_bus_number || bus > a[i].end_bus_number)
			continue;
		/* The base is bus 0's, whatever the first bus. */
		addr = a[i].address + ((phys_addr_t)bus << 20) +
		    ((phys_addr_t)pdev->devfn << 12);
		break;
	}
out:
	acpi_put_table(hdr);
#endif
	return addr;
}

/*
 * Trust the table only if the page holds this device: its IDs and class
 * as the kernel's own config access reads them.  A wrong page would show
 * a guest another device's registers.
 */
static bool pcishim_ecam_check(struct pci_dev *pdev, phys_addr_t addr)
{
	void __iomem *va;
	u32 id, class, eid, eclass;

	if (pci_read_config_dword(pdev, PCI_VENDOR_ID, &id) ||
	    pci_read_config_dword(pdev, PCI_CLASS_REVISION, &class))
		return false;
	va = ioremap(addr, PAGE_SIZE);
	if (!va)
		return false;
	eid = readl(va + PCI_VENDOR_ID);
	eclass = readl(va + PCI_CLASS_REVISION);
	iounmap(va);
	return id == eid && class == eclass && id != 0xffffffff;
}

static long pcishim_ioc_cfg_map(void __user *uarg, u32 domid)
{
	struct pcishim_cfgmap pcm;
	struct pcishim_dev *pd;
	phys_addr_t addr;
	u32 id;
	int error;

	error = pcishim_copyin(&pcm, sizeof(pcm), uarg);
	if (error)
		return error;
	if (pcishim_check_flags(pcm.pcm_flags, 0))
		return -EINVAL;
	pd = pcishim_lookup(pcm.pcm_bdf, domid, &error);
	if (!pd)
		return error;
	if (!pd->pd_ecam) {
		addr = pcishim_ecam_find(pd->pd_pdev);
		if (addr && pcishim_ecam_check(pd->pd_pdev, addr))
			pd->pd_ecam = addr;
	}
	if (!pd->pd_ecam) {
		error = -EOPNOTSUPP;
		goto out;
	}
	if (!pd->pd_mapid && xa_alloc_cyclic(&pcishim_maps, &id, pd,
	    xa_limit_31b, &pcishim_mapnext, GFP_KERNEL) >= 0)
		pd->pd_mapid = id;
	if (!pd->pd_mapid) {
		error = -ENOMEM;
		goto out;
	}
	pcm.pcm_span = pd->pd_pdev->cfg_size;
	pcm.pcm_offset = (u64)pd->pd_mapid << PAGE_SHIFT;
	pcm.pcm_size = PAGE_SIZE;
out:
	pcishim_unlock(pd);
	if (error)
		return error;
	return pcishim_copyout(uarg, &pcm, pcm.pcm_argsz, sizeof(pcm));
}

static vm_fault_t pcishim_map_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct pcishim_file *pf = vma->vm_file->private_data;
	struct pcishim_dev *pd = vma->vm_private_data;
	unsigned long pfn = page_to_pfn(pcishim_ones);
	vm_fault_t ret;

	mutex_lock(&pd->pd_maplock);
	if (!READ_ONCE(pd->pd_gone) &&
	    !pcishim_check_owner(READ_ONCE(pf->pf_domid),
				 READ_ONCE(pd->pd_domid)))
		pfn = PHYS_PFN(pd->pd_ecam);
	ret = vmf_insert_pfn(vma, vmf->address, pfn);
	mutex_unlock(&pd->pd_maplock);
	return ret;
}

/* A moved mapping (mremap) holds the device too. */
static void pcishim_map_open(struct vm_area_struct *vma)
{
	struct pcishim_dev *pd = vma->vm_private_data;

	kref_get(&pd->pd_ref);
}

static void pcishim_map_close(struct vm_area_struct *vma)
{
	pcishim_dev_put(vma->vm_private_data);
}

static const struct vm_operations_struct pcishim_map_vmops = {
	.open	= pcishim_map_open,
	.close	= pcishim_map_close,
	.fault	= pcishim_map_fault,
};

static int pcishim_mmap(struct file *fp, struct vm_area_struct *vma)
{
	struct pcishim_file *pf = fp->private_data;
	struct pcishim_dev *found;

	if (vma->vm_end - vma->vm_start != PAGE_SIZE ||
	    (vma->vm_flags & (VM_WRITE | VM_EXEC)) ||
	    !(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (vma->vm_pgoff > U32_MAX)
		return -ENODEV;
	xa_lock(&pcishim_maps);
	found = xa_load(&pcishim_maps, vma->vm_pgoff);
	if (found)
		kref_get(&found->pd_ref);
	xa_unlock(&pcishim_maps);
	if (!found)
		return -ENODEV;
	if (pcishim_check_owner(READ_ONCE(pf->pf_domid),
				READ_ONCE(found->pd_domid))) {
		pcishim_dev_put(found);
		return -EPERM;
	}
	vm_flags_clear_compat(vma, VM_MAYWRITE | VM_MAYEXEC);
	vm_flags_set_compat(vma, VM_IO | VM_PFNMAP | VM_DONTCOPY |
			    VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	vma->vm_private_data = found;
	vma->vm_ops = &pcishim_map_vmops;
	return 0;
}

/*
 * Dispatch.  Commands are matched without their size field, so that a
 * later, bigger struct keeps its number and argsz tells the versions
 * apart; the size must still cover the first version.
 */
struct pcishim_ioc {
	unsigned int	pi_cmd;
	bool		pi_write;	/* changes a device: FMODE_WRITE */
};

static const struct pcishim_ioc pcishim_iocs[] = {
	{ PCISHIM_IOC_VERSION,		false },
	{ PCISHIM_IOC_LIST,		false },
	{ PCISHIM_IOC_INFO,		false },
	{ PCISHIM_IOC_CFG_READ,		false },
	{ PCISHIM_IOC_CFG_WRITE,	true },
	{ PCISHIM_IOC_RESET,		true },
	{ PCISHIM_IOC_ASSIGN,		true },
	{ PCISHIM_IOC_RELEASE,		true },
	{ PCISHIM_IOC_ENABLE,		true },
	{ PCISHIM_IOC_DISABLE,		true },
	{ PCISHIM_IOC_MSI_ENABLE,	true },
	{ PCISHIM_IOC_MSI_DISABLE,	true },
	{ PCISHIM_IOC_MSIX_ENABLE,	true },
	{ PCISHIM_IOC_MSIX_DISABLE,	true },
	{ PCISHIM_IOC_RESTRICT,		false },
	{ PCISHIM_IOC_RESET_BUS,	true },
	{ PCISHIM_IOC_CFG_MAP,		false },
	{ PCISHIM_IOC_AER_REPLY,	true },
};

#define PCISHIM_IOC_NOSIZE(cmd)	((cmd) & ~(_IOC_SIZEMASK << _IOC_SIZESHIFT))

/* Returns the canonical command, 0 if unknown (ENOTTY) or not allowed. */
static unsigned int pcishim_ioc_check(struct file *fp, unsigned int cmd,
				      int *error)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(pcishim_iocs); i++) {
		const struct pcishim_ioc *ioc = &pcishim_iocs[i];

		if (PCISHIM_IOC_NOSIZE(cmd) != PCISHIM_IOC_NOSIZE(ioc->pi_cmd))
			continue;
		if (_IOC_SIZE(cmd) < _IOC_SIZE(ioc->pi_cmd))
			break;
		if (ioc->pi_write && !(fp->f_mode & FMODE_WRITE)) {
			*error = -EBADF;
			return 0;
		}
		return ioc->pi_cmd;
	}
	*error = -ENOTTY;
	return 0;
}

static long pcishim_ioctl(struct file *fp, unsigned int cmd, unsigned long arg)
{
	struct pcishim_file *pf = fp->private_data;
	void __user *uarg = (void __user *)arg;
	u32 domid = READ_ONCE(pf->pf_domid);
	int error;

	cmd = pcishim_ioc_check(fp, cmd, &error);
	if (cmd && domid != PCISHIM_DOMID_NONE &&
	    pcishim_check_restricted_ioc(cmd))
		return -EPERM;
	switch (cmd) {
	case PCISHIM_IOC_VERSION:
		return pcishim_ioc_version(uarg);
	case PCISHIM_IOC_LIST:
		return pcishim_ioc_list(uarg, domid);
	case PCISHIM_IOC_INFO:
		return pcishim_ioc_info(uarg, domid);
	case PCISHIM_IOC_CFG_READ:
		return pcishim_ioc_cfg(uarg, false, domid);
	case PCISHIM_IOC_CFG_WRITE:
		return pcishim_ioc_cfg(uarg, true, domid);
	case PCISHIM_IOC_RESET:
		return pcishim_ioc_reset(uarg, false);
	case PCISHIM_IOC_ASSIGN:
		return pcishim_ioc_assign(uarg);
	case PCISHIM_IOC_RELEASE:
		return pcishim_ioc_reset(uarg, true);
	case PCISHIM_IOC_ENABLE:
		return pcishim_ioc_enable(uarg, true);
	case PCISHIM_IOC_DISABLE:
		return pcishim_ioc_enable(uarg, false);
	case PCISHIM_IOC_MSI_ENABLE:
		return pcishim_ioc_msi_enable(uarg, domid);
	case PCISHIM_IOC_MSI_DISABLE:
		return pcishim_ioc_msi_disable(uarg, false, domid);
	case PCISHIM_IOC_MSIX_ENABLE:
		return pcishim_ioc_msix_enable(uarg, domid);
	case PCISHIM_IOC_MSIX_DISABLE:
		return pcishim_ioc_msi_disable(uarg, true, domid);
	case PCISHIM_IOC_RESTRICT:
		return pcishim_ioc_restrict(fp, uarg);
	case PCISHIM_IOC_RESET_BUS:
		return pcishim_ioc_reset_bus(uarg);
	case PCISHIM_IOC_CFG_MAP:
		return pcishim_ioc_cfg_map(uarg, domid);
	case PCISHIM_IOC_AER_REPLY:
		return pcishim_ioc_aer_reply(uarg);
	default:
		return error;
	}
}

static int pcishim_open(struct inode *inode, struct file *fp)
{
	struct pcishim_file *pf;

	/* The node is 0600, but device control should not follow a chmod. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	pf = kzalloc(sizeof(*pf), GFP_KERNEL);
	if (!pf)
		return -ENOMEM;
	pf->pf_domid = PCISHIM_DOMID_NONE;
	pcishim_ring_init(&pf->pf_ring, pf->pf_buf, PCISHIM_EVQ_LEN);
	/* One address space for every open file: see pcishim_map_revoke. */
	mutex_lock(&pcishim_mtx);
	if (!pcishim_map_inode)
		pcishim_map_inode = igrab(inode);
	if (pcishim_map_inode)
		fp->f_mapping = pcishim_map_inode->i_mapping;
	mutex_unlock(&pcishim_mtx);
	init_waitqueue_head(&pf->pf_wait);
	spin_lock(&pcishim_evlock);
	list_add_tail(&pf->pf_entry, &pcishim_files);
	spin_unlock(&pcishim_evlock);
	fp->private_data = pf;
	return stream_open(inode, fp);
}

static int pcishim_release(struct inode *inode, struct file *fp)
{
	struct pcishim_file *pf = fp->private_data;

	spin_lock(&pcishim_evlock);
	list_del(&pf->pf_entry);
	pcishim_aer_orphan();
	spin_unlock(&pcishim_evlock);
	kfree(pf);
	return 0;
}

static bool pcishim_evpending(struct pcishim_file *pf)
{
	bool pending;

	spin_lock(&pcishim_evlock);
	pending = pf->pf_ring.rg_count != 0;
	spin_unlock(&pcishim_evlock);
	return pending;
}

/* Records taken per copy_to_user, to bound the stack buffer. */
#define PCISHIM_READ_BATCH	8

/*
 * Move up to want records to ubuf; returns how many, or -EFAULT if none
 * could be copied.  A record that fails to copy out is lost.
 */
static ssize_t pcishim_drain(struct pcishim_file *pf, char __user *ubuf,
			     size_t want)
{
	struct pcishim_event evs[PCISHIM_READ_BATCH];
	size_t done = 0, n = 0;

	while (done < want) {
		spin_lock(&pcishim_evlock);
		for (n = 0; n < PCISHIM_READ_BATCH && done + n < want; n++)
			if (pcishim_ring_pop(&pf->pf_ring, &evs[n]) != 0)
				break;
		spin_unlock(&pcishim_evlock);
		if (n == 0)
			break;
		if (copy_to_user(ubuf + done * sizeof(evs[0]), evs,
				 n * sizeof(evs[0])))
			break;
		done += n;
	}
	if (done == 0 && n != 0)
		return -EFAULT;
	return done;
}

/* Whole records only, blocking until at least one is queued. */
static ssize_t pcishim_read(struct file *fp, char __user *ubuf, size_t count,
			    loff_t *ppos)
{
	struct pcishim_file *pf = fp->private_data;
	size_t want = count / sizeof(struct pcishim_event);
	ssize_t got;
	int error;

	if (READ_ONCE(pf->pf_domid) != PCISHIM_DOMID_NONE)
		return -EPERM;
	if (want == 0)
		return -EINVAL;
	for (;;) {
		got = pcishim_drain(pf, ubuf, want);
		if (got != 0)
			break;
		/* Empty, or another reader of this file was faster. */
		if (fp->f_flags & O_NONBLOCK)
			return -EAGAIN;
		error = wait_event_interruptible(pf->pf_wait,
						 pcishim_evpending(pf));
		if (error)
			return error;
	}
	if (got < 0)
		return got;
	return got * sizeof(struct pcishim_event);
}

static __poll_t pcishim_poll(struct file *fp, poll_table *pt)
{
	struct pcishim_file *pf = fp->private_data;

	poll_wait(fp, &pf->pf_wait, pt);
	return pcishim_evpending(pf) ? EPOLLIN | EPOLLRDNORM : 0;
}

static const struct file_operations pcishim_fops = {
	.owner		= THIS_MODULE,
	.open		= pcishim_open,
	.release	= pcishim_release,
	.read		= pcishim_read,
	.poll		= pcishim_poll,
	.mmap		= pcishim_mmap,
	.unlocked_ioctl	= pcishim_ioctl,
	/* Every argument has the same layout for 32-bit callers. */
	.compat_ioctl	= compat_ptr_ioctl,
	.llseek		= no_llseek,
};

static struct miscdevice pcishim_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= PCISHIM_DEVNAME,
	.fops	= &pcishim_fops,
	.mode	= 0600,
};

int pcishim_cdev_init(void)
{
	return misc_register(&pcishim_misc);
}

void pcishim_cdev_exit(void)
{
	misc_deregister(&pcishim_misc);
}
