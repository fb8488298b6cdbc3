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
 * pcishim_drv.c: the PCI driver half of the shim.  It registers a driver
 * named "pciback" so that an unmodified libxl can hand devices over through
 * /sys/bus/pci/drivers/pciback (new_slot, bind, unbind, remove_slot,
 * permissive), seizes and releases the devices, and holds the module's
 * init and exit.  Everything a guest can influence is decided by pcibackd;
 * this file only provides mechanism.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/notifier.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include <xen/xen.h>
#include <xen/pci.h>
#include <xen/interface/physdev.h>
#include <asm/xen/hypercall.h>

#include "pcishim.h"

struct pcishim_slotent {
	struct list_head	se_entry;
	struct pcishim_slot	se_slot;	/* never PCISHIM_SLOT_ANYFN */
};

DEFINE_MUTEX(pcishim_mtx);
LIST_HEAD(pcishim_devs);
static LIST_HEAD(pcishim_slots);

static char *pcishim_hide;
module_param_named(hide, pcishim_hide, charp, 0444);
MODULE_PARM_DESC(hide,
		 "devices to hold at load: (DDDD:BB:DD.F)(BB:DD.F)(BB:DD.*)");

static struct pci_driver pcishim_driver;

static u32 pcishim_pdev_bdf(struct pci_dev *pdev)
{
	return PCISHIM_BDF(pci_domain_nr(pdev->bus), pdev->bus->number,
			   PCI_SLOT(pdev->devfn), PCI_FUNC(pdev->devfn));
}

/* Called with pcishim_mtx held. */
static struct pcishim_dev *pcishim_dev_find(u32 bdf)
{
	struct pcishim_dev *pd;

	lockdep_assert_held(&pcishim_mtx);
	list_for_each_entry(pd, &pcishim_devs, pd_entry)
		if (pd->pd_bdf == bdf)
			return pd;
	return NULL;
}

/* The held device at bdf with a reference taken, or NULL. */
struct pcishim_dev *pcishim_dev_get(u32 bdf)
{
	struct pcishim_dev *pd;

	mutex_lock(&pcishim_mtx);
	pd = pcishim_dev_find(bdf);
	if (pd)
		kref_get(&pd->pd_ref);
	mutex_unlock(&pcishim_mtx);
	return pd;
}

static void pcishim_dev_free(struct kref *ref)
{
	struct pcishim_dev *pd = container_of(ref, struct pcishim_dev, pd_ref);

	kfree(pd->pd_initstate);
	pci_dev_put(pd->pd_pdev);
	kfree(pd);
}

void pcishim_dev_put(struct pcishim_dev *pd)
{
	kref_put(&pd->pd_ref, pcishim_dev_free);
}

/* Called with pcishim_mtx held. */
static bool pcishim_slot_listed(u32 bdf)
{
	struct pcishim_slotent *se;

	lockdep_assert_held(&pcishim_mtx);
	list_for_each_entry(se, &pcishim_slots, se_entry)
		if (pcishim_slot_match(&se->se_slot, bdf))
			return true;
	return false;
}

static bool pcishim_slot_listed_unlocked(u32 bdf)
{
	bool listed;

	mutex_lock(&pcishim_mtx);
	listed = pcishim_slot_listed(bdf);
	mutex_unlock(&pcishim_mtx);
	return listed;
}

/*
 * The driver has no ID table: a device reaches probe only through its
 * driver_override naming us.  We set that override for every listed slot,
 * so libxl's "write BDF to bind" matches, and nothing else ever probes us.
 * A user's own override is left alone.  Must not be called with
 * pcishim_mtx held: it takes the device lock, which probe holds while it
 * takes pcishim_mtx.
 */
static void pcishim_override_set(struct pci_dev *pdev)
{
	char *name;
	bool taken = false;

	name = kstrdup(PCISHIM_DRVNAME, GFP_KERNEL);
	if (!name)
		return;
	device_lock(&pdev->dev);
	if (!pdev->driver_override) {
		pdev->driver_override = name;
		name = NULL;
	} else if (strcmp(pdev->driver_override, PCISHIM_DRVNAME) != 0) {
		taken = true;
	}
	device_unlock(&pdev->dev);
	kfree(name);
	if (taken) {
		pci_warn(pdev, "driver_override is set to another driver; "
			 "bind will not reach %s\n", PCISHIM_DRVNAME);
		pcishim_event(PCISHIM_EV_ERROR, 0, pcishim_pdev_bdf(pdev),
			      PCISHIM_OP_OVERRIDE, -EBUSY);
	}
}

/*
 * Undo pcishim_override_set once the slot is no longer listed and the
 * device is not assigned: while a guest has it, no other driver may bind
 * it.  The caller holds the device lock, and passes the owner because
 * remove() holds pd_lock.
 */
static void pcishim_override_settle(struct pci_dev *pdev, u32 domid)
{
	const char *old = NULL;

	device_lock_assert(&pdev->dev);
	if (pcishim_override_keep(pcishim_slot_listed_unlocked(
	    pcishim_pdev_bdf(pdev)), domid))
		return;
	if (pdev->driver_override &&
	    strcmp(pdev->driver_override, PCISHIM_DRVNAME) == 0) {
		old = pdev->driver_override;
		pdev->driver_override = NULL;
	}
	kfree(old);
}

/* The owner of pdev if we hold it; device lock held, pd_lock not. */
static u32 pcishim_pdev_domid(struct pci_dev *pdev)
{
	struct pcishim_dev *pd;
	u32 domid;

	device_lock_assert(&pdev->dev);
	if (pdev->dev.driver != &pcishim_driver.driver)
		return PCISHIM_DOMID_NONE;
	pd = pci_get_drvdata(pdev);
	if (!pd)
		return PCISHIM_DOMID_NONE;
	mutex_lock(&pd->pd_lock);
	domid = pd->pd_domid;
	mutex_unlock(&pd->pd_lock);
	return domid;
}

/* Same locking rule as pcishim_override_set. */
static void pcishim_override_clear(struct pci_dev *pdev)
{
	device_lock(&pdev->dev);
	pcishim_override_settle(pdev, pcishim_pdev_domid(pdev));
	device_unlock(&pdev->dev);
}

/* Set or clear the override of the device at slot, if it exists. */
static void pcishim_override_slot(const struct pcishim_slot *slot, bool set)
{
	struct pci_dev *pdev;
	u32 devfn = PCI_DEVFN(slot->ps_dev, slot->ps_fn);

	pdev = pci_get_domain_bus_and_slot(slot->ps_seg, slot->ps_bus, devfn);
	if (!pdev)
		return;
	if (set)
		pcishim_override_set(pdev);
	else
		pcishim_override_clear(pdev);
	pci_dev_put(pdev);
}

/*
 * Add one concrete slot; returns 1 if added, 0 if already listed.  Like
 * xen-pciback, "BB:DD.*" stands for all eight functions, so that
 * pciback/slots only ever shows lines libxl can parse.
 */
static int pcishim_slot_add_one(const struct pcishim_slot *slot)
{
	struct pcishim_slotent *se;

	mutex_lock(&pcishim_mtx);
	list_for_each_entry(se, &pcishim_slots, se_entry) {
		if (pcishim_slot_equal(&se->se_slot, slot)) {
			mutex_unlock(&pcishim_mtx);
			return 0;
		}
	}
	se = kzalloc(sizeof(*se), GFP_KERNEL);
	if (!se) {
		mutex_unlock(&pcishim_mtx);
		return -ENOMEM;
	}
	se->se_slot = *slot;
	list_add_tail(&se->se_entry, &pcishim_slots);
	mutex_unlock(&pcishim_mtx);
	return 1;
}

static int pcishim_slot_add(const struct pcishim_slot *slot, void *arg)
{
	struct pcishim_slot one = *slot;
	u32 fn, first, last;
	int added = 0, error;

	first = slot->ps_fn == PCISHIM_SLOT_ANYFN ? 0 : slot->ps_fn;
	last = slot->ps_fn == PCISHIM_SLOT_ANYFN ? 7 : slot->ps_fn;
	for (fn = first; fn <= last; fn++) {
		one.ps_fn = fn;
		error = pcishim_slot_add_one(&one);
		if (error < 0)
			return error;
		added |= error;
		pcishim_override_slot(&one, true);
	}
	if (added)
		pcishim_event(PCISHIM_EV_SLOT_ADDED,
			      slot->ps_fn == PCISHIM_SLOT_ANYFN ?
			      PCISHIM_EVF_ANYFN : 0,
			      pcishim_slot_bdf(slot), 0, 0);
	return 0;
}

/* Remove matching slots; -ENOENT if there were none. */
static int pcishim_slot_remove(const struct pcishim_slot *slot)
{
	struct pcishim_slotent *se, *tmp;
	LIST_HEAD(gone);

	mutex_lock(&pcishim_mtx);
	list_for_each_entry_safe(se, tmp, &pcishim_slots, se_entry)
		if (pcishim_slot_match(slot, pcishim_slot_bdf(&se->se_slot)))
			list_move(&se->se_entry, &gone);
	mutex_unlock(&pcishim_mtx);
	if (list_empty(&gone))
		return -ENOENT;
	/* A bound device stays bound; it just will not come back to us. */
	list_for_each_entry_safe(se, tmp, &gone, se_entry) {
		pcishim_override_slot(&se->se_slot, false);
		list_del(&se->se_entry);
		kfree(se);
	}
	pcishim_event(PCISHIM_EV_SLOT_REMOVED,
		      slot->ps_fn == PCISHIM_SLOT_ANYFN ? PCISHIM_EVF_ANYFN : 0,
		      pcishim_slot_bdf(slot), 0, 0);
	return 0;
}

static void pcishim_slots_free(void)
{
	struct pcishim_slotent *se, *tmp;

	list_for_each_entry_safe(se, tmp, &pcishim_slots, se_entry) {
		list_del(&se->se_entry);
		pcishim_override_slot(&se->se_slot, false);
		kfree(se);
	}
}

/* Map the first method the PCI core will try to our names. */
u32 pcishim_reset_method(struct pci_dev *pdev)
{
	/*
	 * pdev->reset_methods[] holds indices into the PCI core's private
	 * method table, in the order it tries them.  That table has begun
	 * with these six entries since Linux 5.15; later kernels only append.
	 */
#if PCI_NUM_RESET_METHODS >= 7
	static const u32 map[] = {
		PCISHIM_RESET_NONE, PCISHIM_RESET_DEVSPEC, PCISHIM_RESET_ACPI,
		PCISHIM_RESET_FLR, PCISHIM_RESET_AF_FLR, PCISHIM_RESET_PM,
		PCISHIM_RESET_BUS,
	};
	u8 m = pdev->reset_methods[0];

	return m < ARRAY_SIZE(map) ? map[m] : PCISHIM_RESET_OTHER;
#else
	return pdev->reset_methods[0] ? PCISHIM_RESET_OTHER :
	    PCISHIM_RESET_NONE;
#endif
}

/*
 * Reset the function with its device lock held by the caller.  Config
 * access from user space is blocked meanwhile, and decoding and DMA are
 * stopped first, so nothing reaches the function mid-reset.  Afterwards
 * the config state from just before is restored, or with initial the
 * state saved at seize.  No reset method is not an error: *method says
 * PCISHIM_RESET_NONE.
 */
int pcishim_dev_reset(struct pcishim_dev *pd, bool initial, u32 *method)
{
	struct pci_dev *pdev = pd->pd_pdev;
	int error;

	device_lock_assert(&pdev->dev);
	*method = pcishim_reset_method(pdev);
	pci_cfg_access_lock(pdev);
	if (!initial)
		pci_save_state(pdev);
	pci_write_config_word(pdev, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE);
	error = __pci_reset_function_locked(pdev);
	if (error == -ENOTTY) {
		*method = PCISHIM_RESET_NONE;
		error = 0;
	}
	if (initial && pci_load_saved_state(pdev, pd->pd_initstate) != 0)
		pci_warn(pdev, "could not reload the state saved at seize\n");
	pci_restore_state(pdev);
	pci_cfg_access_unlock(pdev);
	return error;
}

/*
 * Stop the guest's interrupts and forget the owner, in that order: Linux's
 * Xen MSI teardown unmaps the pirqs from the owner's space.  Drops the
 * module reference ASSIGN took.  Called with pd_lock held.
 */
void pcishim_dev_unassign(struct pcishim_dev *pd)
{
	struct pci_dev *pdev = pd->pd_pdev;

	lockdep_assert_held(&pd->pd_lock);
	if (pdev->msix_enabled)
		pci_disable_msix(pdev);
	if (pdev->msi_enabled)
		pci_disable_msi(pdev);
	if (pd->pd_domid != PCISHIM_DOMID_NONE) {
		xen_unregister_device_domain_owner(pdev);
		WRITE_ONCE(pd->pd_domid, PCISHIM_DOMID_NONE);
		module_put(THIS_MODULE);
	}
	/* Also after remove() marked it gone: nobody reads it any more. */
	pcishim_map_revoke(pd);
}

/* Leave the function powered, quiet and without bus mastering. */
static void pcishim_dev_quiesce(struct pci_dev *pdev)
{
	if (pci_is_enabled(pdev))
		pci_disable_device(pdev);
	pci_clear_master(pdev);
	/* A held function must not wake the host. */
	pci_pme_active(pdev, false);
}

/*
 * Return an unassigned device to its state at seize, ready for the next
 * guest, and drop our driver_override if its slot has gone meanwhile.
 * The caller holds the device lock.
 */
int pcishim_dev_giveback(struct pcishim_dev *pd, u32 *method)
{
	int error;

	error = pcishim_dev_reset(pd, true, method);
	pcishim_dev_quiesce(pd->pd_pdev);
	pcishim_override_settle(pd->pd_pdev, PCISHIM_DOMID_NONE);
	return error;
}

static int pcishim_physdev_msix(struct pci_dev *pdev, int cmd)
{
	struct physdev_pci_device ppd = {
		.seg = pci_domain_nr(pdev->bus),
		.bus = pdev->bus->number,
		.devfn = pdev->devfn,
	};

	return HYPERVISOR_physdev_op(cmd, &ppd);
}

/*
 * Xen must know that the MMIO holding an MSI-X table will not move while
 * a guest may use it; it then also keeps dom0 from writing the table.
 * Hypervisors without the call (-ENOSYS) do not need it.
 */
static void pcishim_prepare_msix(struct pcishim_dev *pd)
{
	struct pci_dev *pdev = pd->pd_pdev;
	int error;

	if (!pdev->msix_cap || !xen_initial_domain())
		return;
	error = pcishim_physdev_msix(pdev, PHYSDEVOP_prepare_msix);
	if (error == 0) {
		pd->pd_msix_prep = true;
		return;
	}
	if (error == -ENOSYS)
		return;
	pci_warn(pdev, "PHYSDEVOP_prepare_msix failed (%d)\n", error);
	pcishim_event(PCISHIM_EV_ERROR, 0, pd->pd_bdf,
		      PCISHIM_OP_PREPARE_MSIX, error);
}

static void pcishim_release_msix(struct pcishim_dev *pd)
{
	int error;

	if (!pd->pd_msix_prep)
		return;
	pd->pd_msix_prep = false;
	error = pcishim_physdev_msix(pd->pd_pdev, PHYSDEVOP_release_msix);
	if (error == 0)
		return;
	pci_warn(pd->pd_pdev, "PHYSDEVOP_release_msix failed (%d)\n", error);
	pcishim_event(PCISHIM_EV_ERROR, 0, pd->pd_bdf,
		      PCISHIM_OP_RELEASE_MSIX, error);
}

/*
 * Take the device over: enable it once so that the kernel resolves its
 * resources and legacy IRQ, save that state as the one to return to,
 * reset, restore, then quiesce.  Device lock held (probe).
 */
static int pcishim_seize(struct pcishim_dev *pd)
{
	struct pci_dev *pdev = pd->pd_pdev;
	u32 method;
	int error;

	error = pci_enable_device(pdev);
	if (error)
		return error;
	pd->pd_irq = pdev->irq;
	pcishim_prepare_msix(pd);
	pci_save_state(pdev);
	pd->pd_initstate = pci_store_saved_state(pdev);
	if (!pd->pd_initstate) {
		pcishim_release_msix(pd);
		pci_disable_device(pdev);
		return -ENOMEM;
	}
	/* A device that cannot be reset may still be held: tell the daemon. */
	error = pcishim_dev_reset(pd, true, &method);
	if (error) {
		pci_warn(pdev, "reset at seize failed (%d)\n", error);
		pcishim_event(PCISHIM_EV_ERROR, 0, pd->pd_bdf,
			      PCISHIM_OP_SEIZE, error);
	}
	pcishim_dev_quiesce(pdev);
	/* Keeps the PCI core from disabling SR-IOV VFs under a guest. */
	pci_set_dev_assigned(pdev);
	return 0;
}

static int pcishim_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct pcishim_dev *pd;
	u32 bdf = pcishim_pdev_bdf(pdev);
	int error;

	if (!pcishim_slot_listed_unlocked(bdf)) {
		pci_info(pdev, "not in %s/slots; write it to new_slot first\n",
			 PCISHIM_DRVNAME);
		return -ENODEV;
	}
	/* Other header types (CardBus) have no meaning for a guest. */
	if (pdev->hdr_type != PCI_HEADER_TYPE_NORMAL &&
	    pdev->hdr_type != PCI_HEADER_TYPE_BRIDGE) {
		pci_err(pdev, "header type %u cannot be held\n",
			pdev->hdr_type);
		return -ENODEV;
	}
	pd = kzalloc(sizeof(*pd), GFP_KERNEL);
	if (!pd)
		return -ENOMEM;
	kref_init(&pd->pd_ref);
	mutex_init(&pd->pd_lock);
	mutex_init(&pd->pd_maplock);
	pd->pd_pdev = pci_dev_get(pdev);
	pd->pd_bdf = bdf;
	pd->pd_domid = PCISHIM_DOMID_NONE;
	error = pcishim_seize(pd);
	if (error) {
		pci_err(pdev, "could not seize (%d)\n", error);
		pcishim_event(PCISHIM_EV_ERROR, 0, bdf, PCISHIM_OP_SEIZE,
			      error);
		pci_dev_put(pdev);
		kfree(pd);
		return error;
	}
	pci_set_drvdata(pdev, pd);
	mutex_lock(&pcishim_mtx);
	list_add_tail(&pd->pd_entry, &pcishim_devs);
	mutex_unlock(&pcishim_mtx);
	pci_info(pdev, "held\n");
	pcishim_event(PCISHIM_EV_BOUND, 0, bdf, 0, 0);
	return 0;
}

static void pcishim_remove(struct pci_dev *pdev)
{
	struct pcishim_dev *pd = pci_get_drvdata(pdev);
	u32 method, flags = 0;
	int error;

	/*
	 * Unlisted first: no new ioctl can find pd.  Then wait for the one
	 * that may be using it (a config access waits at most for a reset)
	 * and mark it gone for those that found it before.  RESET and
	 * RELEASE hold the device lock, so none of them is running.
	 */
	mutex_lock(&pcishim_mtx);
	list_del(&pd->pd_entry);
	mutex_unlock(&pcishim_mtx);
	mutex_lock(&pd->pd_lock);
	pd->pd_gone = true;
	pcishim_map_forget(pd);
	/* Only an explicit unbind: the module cannot go while assigned. */
	if (pd->pd_domid != PCISHIM_DOMID_NONE) {
		pci_warn(pdev, "unbound while assigned to domain %u\n",
			 pd->pd_domid);
		flags |= PCISHIM_EVF_ASSIGNED;
	}
	pcishim_dev_unassign(pd);
	error = pcishim_dev_giveback(pd, &method);
	if (error)
		pcishim_event(PCISHIM_EV_ERROR, 0, pd->pd_bdf,
			      PCISHIM_OP_RELEASE, error);
	pcishim_release_msix(pd);
	pci_clear_dev_assigned(pdev);
	pci_set_drvdata(pdev, NULL);
	mutex_unlock(&pd->pd_lock);
	pcishim_event(PCISHIM_EV_UNBOUND, flags, pd->pd_bdf, 0, 0);
	pcishim_dev_put(pd);
}

/*
 * PCIe error recovery (AER, DPC).  Each step of the kernel's recovery
 * goes to the daemon, which asks the guest that owns the device
 * (doc/protocol.md 3.5) and answers with AER_REPLY; without an answer
 * the step gets Linux's backend's default.  The AER core holds the
 * device lock around each call, so remove() cannot run meanwhile and
 * the driver data is ours.
 */
static u32 pcishim_aer_state(pci_channel_state_t state)
{
	switch (state) {
	case pci_channel_io_normal:
		return PCISHIM_AER_STATE_NORMAL;
	case pci_channel_io_frozen:
		return PCISHIM_AER_STATE_FROZEN;
	case pci_channel_io_perm_failure:
		return PCISHIM_AER_STATE_PERM_FAILURE;
	default:
		/* A state newer than the ABI: I/O is not known to work. */
		return PCISHIM_AER_STATE_FROZEN;
	}
}

/* AER_REPLY took only 1-6; anything else would be a bug of ours. */
static pci_ers_result_t pcishim_aer_result(u32 result)
{
	switch (result) {
	case PCISHIM_AER_RESULT_CAN_RECOVER:
		return PCI_ERS_RESULT_CAN_RECOVER;
	case PCISHIM_AER_RESULT_NEED_RESET:
		return PCI_ERS_RESULT_NEED_RESET;
	case PCISHIM_AER_RESULT_DISCONNECT:
		return PCI_ERS_RESULT_DISCONNECT;
	case PCISHIM_AER_RESULT_RECOVERED:
		return PCI_ERS_RESULT_RECOVERED;
	case PCISHIM_AER_RESULT_NO_AER_DRIVER:
		return PCI_ERS_RESULT_NO_AER_DRIVER;
	case PCISHIM_AER_RESULT_NONE:
	default:
		return PCI_ERS_RESULT_NONE;
	}
}

static pci_ers_result_t pcishim_aer_step(struct pci_dev *pdev, u32 op,
					 u32 state)
{
	struct pcishim_dev *pd = pci_get_drvdata(pdev);
	u32 result = 0;

	device_lock_assert(&pdev->dev);
	pci_dbg(pdev, "AER step %u, state %u\n", op, state);
	if (pd)
		result = pcishim_aer_ask(pd, op, state);
	if (!result)
		result = pcishim_aer_default(op);
	return pcishim_aer_result(result);
}

static pci_ers_result_t pcishim_error_detected(struct pci_dev *pdev,
					       pci_channel_state_t state)
{
	return pcishim_aer_step(pdev, PCISHIM_AER_DETECTED,
				pcishim_aer_state(state));
}

static pci_ers_result_t pcishim_mmio_enabled(struct pci_dev *pdev)
{
	return pcishim_aer_step(pdev, PCISHIM_AER_MMIO, 0);
}

static pci_ers_result_t pcishim_slot_reset(struct pci_dev *pdev)
{
	return pcishim_aer_step(pdev, PCISHIM_AER_SLOT_RESET, 0);
}

/* The guest is told, and waited for, though the kernel wants no result. */
static void pcishim_resume(struct pci_dev *pdev)
{
	(void)pcishim_aer_step(pdev, PCISHIM_AER_RESUME, 0);
}

static const struct pci_error_handlers pcishim_err_handlers = {
	.error_detected	= pcishim_error_detected,
	.mmio_enabled	= pcishim_mmio_enabled,
	.slot_reset	= pcishim_slot_reset,
	.resume		= pcishim_resume,
};

/*
 * Hot-added functions that are in a slot need the override before the PCI
 * core tries to bind them; ADD_DEVICE comes just before that.
 */
static int pcishim_bus_notify(struct notifier_block *nb, unsigned long action,
			      void *data)
{
	struct pci_dev *pdev = to_pci_dev(data);

	if (action != BUS_NOTIFY_ADD_DEVICE)
		return NOTIFY_DONE;
	if (pcishim_slot_listed_unlocked(pcishim_pdev_bdf(pdev)))
		pcishim_override_set(pdev);
	return NOTIFY_OK;
}

static struct notifier_block pcishim_nb = {
	.notifier_call = pcishim_bus_notify,
};

/* Driver attributes: the files libxl reads and writes. */

static ssize_t pcishim_new_slot_store(struct device_driver *drv,
				      const char *buf, size_t count)
{
	struct pcishim_slot slot;
	int error;

	error = pcishim_parse_slot(buf, count, 1, &slot);
	if (!error)
		error = pcishim_slot_add(&slot, NULL);
	return error ? error : count;
}

static ssize_t pcishim_remove_slot_store(struct device_driver *drv,
					 const char *buf, size_t count)
{
	struct pcishim_slot slot;
	int error;

	error = pcishim_parse_slot(buf, count, 1, &slot);
	if (!error)
		error = pcishim_slot_remove(&slot);
	return error ? error : count;
}

static ssize_t pcishim_slots_show(struct device_driver *drv, char *buf)
{
	struct pcishim_slotent *se;
	int len = 0;

	mutex_lock(&pcishim_mtx);
	list_for_each_entry(se, &pcishim_slots, se_entry)
		len += sysfs_emit_at(buf, len, "%04x:%02x:%02x.%d\n",
				     se->se_slot.ps_seg, se->se_slot.ps_bus,
				     se->se_slot.ps_dev, se->se_slot.ps_fn);
	mutex_unlock(&pcishim_mtx);
	return len;
}

/* The per-device flag a toolstack file sets, named by its event type. */
static bool *pcishim_flag(struct pcishim_dev *pd, u32 evtype)
{
	return evtype == PCISHIM_EV_PERMISSIVE ? &pd->pd_permissive :
	    &pd->pd_intctl;
}

/* List the held devices whose flag is set. */
static ssize_t pcishim_flag_show(char *buf, u32 evtype)
{
	struct pcishim_dev *pd;
	int len = 0;

	mutex_lock(&pcishim_mtx);
	list_for_each_entry(pd, &pcishim_devs, pd_entry) {
		if (!*pcishim_flag(pd, evtype))
			continue;
		len += sysfs_emit_at(buf, len, "%04x:%02x:%02x.%d\n",
				     PCISHIM_BDF_SEG(pd->pd_bdf),
				     PCISHIM_BDF_BUS(pd->pd_bdf),
				     PCISHIM_BDF_DEV(pd->pd_bdf),
				     PCISHIM_BDF_FN(pd->pd_bdf));
	}
	mutex_unlock(&pcishim_mtx);
	return len;
}

/*
 * Record the toolstack's wish for a held device and tell the daemon; what
 * the flag allows is the daemon's decision.  Not held: -ENODEV, which
 * makes libxl abort the attach, as it should.
 */
static ssize_t pcishim_flag_store(const char *buf, size_t count, u32 evtype)
{
	struct pcishim_slot slot;
	struct pcishim_dev *pd;
	u32 bdf;
	int error;

	error = pcishim_parse_slot(buf, count, 0, &slot);
	if (error)
		return error;
	bdf = pcishim_slot_bdf(&slot);
	mutex_lock(&pcishim_mtx);
	pd = pcishim_dev_find(bdf);
	if (pd)
		*pcishim_flag(pd, evtype) = true;
	mutex_unlock(&pcishim_mtx);
	if (!pd)
		return -ENODEV;
	pcishim_event(evtype, 0, bdf, 0, 0);
	return count;
}

static ssize_t pcishim_permissive_show(struct device_driver *drv, char *buf)
{
	return pcishim_flag_show(buf, PCISHIM_EV_PERMISSIVE);
}

static ssize_t pcishim_permissive_store(struct device_driver *drv,
					const char *buf, size_t count)
{
	return pcishim_flag_store(buf, count, PCISHIM_EV_PERMISSIVE);
}

static ssize_t pcishim_intctl_show(struct device_driver *drv, char *buf)
{
	return pcishim_flag_show(buf, PCISHIM_EV_INTCTL);
}

static ssize_t pcishim_intctl_store(struct device_driver *drv,
				    const char *buf, size_t count)
{
	return pcishim_flag_store(buf, count, PCISHIM_EV_INTCTL);
}

/*
 * Deliberately no do_flr: without it libxl resets through the device's
 * own sysfs "reset" file, which the PCI core serves.
 */
static struct driver_attribute pcishim_attr_new_slot =
	__ATTR(new_slot, 0200, NULL, pcishim_new_slot_store);
static struct driver_attribute pcishim_attr_remove_slot =
	__ATTR(remove_slot, 0200, NULL, pcishim_remove_slot_store);
static struct driver_attribute pcishim_attr_slots =
	__ATTR(slots, 0444, pcishim_slots_show, NULL);
static struct driver_attribute pcishim_attr_permissive =
	__ATTR(permissive, 0644, pcishim_permissive_show,
	       pcishim_permissive_store);
static struct driver_attribute pcishim_attr_intctl =
	__ATTR(allow_interrupt_control, 0644, pcishim_intctl_show,
	       pcishim_intctl_store);

static struct attribute *pcishim_drv_attrs[] = {
	&pcishim_attr_new_slot.attr,
	&pcishim_attr_remove_slot.attr,
	&pcishim_attr_slots.attr,
	&pcishim_attr_permissive.attr,
	&pcishim_attr_intctl.attr,
	NULL,
};
ATTRIBUTE_GROUPS(pcishim_drv);

static struct pci_driver pcishim_driver = {
	.name		= PCISHIM_DRVNAME,
	.id_table	= NULL,
	.probe		= pcishim_probe,
	.remove		= pcishim_remove,
	.err_handler	= &pcishim_err_handlers,
	/* pci_register_driver() copies this over driver.groups. */
	.groups		= pcishim_drv_groups,
};

static int __init pcishim_init(void)
{
	int error;

	/* Two "pciback" drivers would fight over the same devices. */
	if (driver_find(PCISHIM_DRVNAME, &pci_bus_type)) {
		pr_err("a PCI driver named \"%s\" is already registered "
		       "(Linux's xen-pciback?); unload it first\n",
		       PCISHIM_DRVNAME);
		return -EBUSY;
	}
	if (!xen_initial_domain())
		pr_warn("not a Xen dom0: devices can be held, not assigned\n");
	error = pcishim_parse_hide(pcishim_hide, NULL, NULL);
	if (error) {
		pr_err("bad hide= syntax: \"%s\"\n", pcishim_hide);
		return error;
	}
	error = bus_register_notifier(&pci_bus_type, &pcishim_nb);
	if (error)
		return error;
	error = pcishim_parse_hide(pcishim_hide, pcishim_slot_add, NULL);
	if (error)
		goto out_slots;
	error = pcishim_map_init();
	if (error)
		goto out_slots;
	error = pcishim_cdev_init();
	if (error)
		goto out_map;
	/* Binds the hidden functions that no other driver has yet. */
	error = pci_register_driver(&pcishim_driver);
	if (error)
		goto out_cdev;
	return 0;

out_cdev:
	pcishim_cdev_exit();
out_map:
	pcishim_map_exit();
out_slots:
	bus_unregister_notifier(&pci_bus_type, &pcishim_nb);
	pcishim_slots_free();
	return error;
}

static void __exit pcishim_exit(void)
{
	pci_unregister_driver(&pcishim_driver);
	pcishim_cdev_exit();
	pcishim_map_exit();
	bus_unregister_notifier(&pci_bus_type, &pcishim_nb);
	pcishim_slots_free();
}

module_init(pcishim_init);
module_exit(pcishim_exit);

MODULE_DESCRIPTION("Holds PCI devices for pcibackd (userspace Xen pciback)");
MODULE_LICENSE("Dual BSD/GPL");
