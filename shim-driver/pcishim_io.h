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
 * pcishim_io.h: the ABI of /dev/pcishim, the Linux shim that holds PCI
 * devices for pcibackd.  Included by the module, the daemon and the tests;
 * never copied.  The kernel side owns it.
 *
 * Rules: fixed-width types only, explicit padding, 64-bit fields 8-aligned,
 * user addresses in uint64_t.  Structs that may grow start with argsz and
 * flags: the caller sets argsz to sizeof the struct it was built with; the
 * kernel rejects argsz below the size of the first version (EINVAL) and
 * ignores bytes past the size it knows.  Unknown flags bits are EINVAL.
 * Unknown ioctls are ENOTTY.  Ioctls that change a device need an fd opened
 * for writing (EBADF otherwise).  PCISHIM_ABI_VERSION changes when an
 * ioctl is added or one changes meaning; pcibackd requires its own.
 *
 * A device is named by a packed BDF: segment << 16 | bus << 8 | devfn.
 * Every ioctl that names a device fails with ENODEV unless the device is
 * currently held (bound to the "pciback" driver the shim registers).
 */

#ifndef PCISHIM_IO_H
#define PCISHIM_IO_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/ioctl.h>
#else
#include <stdint.h>
#include <sys/ioctl.h>
#endif

/* 2: RESTRICT and the floor.  3: RESET_BUS.  4: CFG_MAP.  5: AER. */
#define PCISHIM_ABI_VERSION	5

/* The misc device node, /dev/pcishim. */
#define PCISHIM_DEVNAME		"pcishim"

/* Unused in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define PCISHIM_IOC_MAGIC	0xBD

#define PCISHIM_BDF(seg, bus, dev, fn)					\
	((uint32_t)(seg) << 16 | (uint32_t)(bus) << 8 |			\
	    ((uint32_t)(dev) & 0x1f) << 3 | ((uint32_t)(fn) & 0x7))
#define PCISHIM_BDF_SEG(bdf)	((uint32_t)(bdf) >> 16 & 0xffff)
#define PCISHIM_BDF_BUS(bdf)	((uint32_t)(bdf) >> 8 & 0xff)
#define PCISHIM_BDF_DEVFN(bdf)	((uint32_t)(bdf) & 0xff)
#define PCISHIM_BDF_DEV(bdf)	((uint32_t)(bdf) >> 3 & 0x1f)
#define PCISHIM_BDF_FN(bdf)	((uint32_t)(bdf) & 0x7)

/* Reset methods, as reported by RESET, RELEASE and INFO. */
#define PCISHIM_RESET_NONE	0	/* the device has no reset method */
#define PCISHIM_RESET_FLR	1	/* PCIe function-level reset */
#define PCISHIM_RESET_PM	2	/* D3hot -> D0 transition */
#define PCISHIM_RESET_BUS	3	/* secondary bus reset (alone on bus) */
#define PCISHIM_RESET_AF_FLR	4	/* conventional PCI AF FLR */
#define PCISHIM_RESET_ACPI	5	/* ACPI _RST */
#define PCISHIM_RESET_DEVSPEC	6	/* kernel device-specific quirk */
#define PCISHIM_RESET_OTHER	7	/* a method this ABI has no name for */

#define PCISHIM_DOMID_NONE	0xffffffffU
/* Xen's DOMID_FIRST_RESERVED: guest domids are below it. */
#define PCISHIM_DOMID_MAX	0x7fefU
/* The largest MSI-X table the PCI spec allows. */
#define PCISHIM_MSIX_MAX	2048U
/* Standard and extended config space sizes. */
#define PCISHIM_CFG_SIZE	256U
#define PCISHIM_CFG_SIZE_EXP	4096U

/*
 * PCISHIM_IOC_VERSION: the ABI version and the event record size.  Always
 * ioctl number 0 and never changes shape, so any client can ask first.
 * Returns 0.
 */
struct pcishim_version {
	uint32_t	pv_abi;		/* out: PCISHIM_ABI_VERSION */
	uint32_t	pv_evsize;	/* out: sizeof(struct pcishim_event) */
};
#define PCISHIM_IOC_VERSION	\
	_IOR(PCISHIM_IOC_MAGIC, 0, struct pcishim_version)

/*
 * PCISHIM_IOC_LIST: the BDFs of the held devices.  pl_bdfs points at an
 * array of pl_count uint32_t; on return pl_count is the number of held
 * devices, which may exceed the room given (only the room is filled: call
 * again with a bigger array).  Errors: EINVAL (argsz, flags), EFAULT.
 */
struct pcishim_list {
	uint32_t	pl_argsz;
	uint32_t	pl_flags;	/* none defined: 0 */
	uint32_t	pl_count;	/* in: room at pl_bdfs; out: held */
	uint32_t	pl_pad;
	uint64_t	pl_bdfs;	/* user address of uint32_t[pl_count] */
};
#define PCISHIM_IOC_LIST	_IOWR(PCISHIM_IOC_MAGIC, 1, struct pcishim_list)

/* pi_state bits. */
#define PCISHIM_ST_ASSIGNED	0x01	/* owned by pi_domid (ASSIGN) */
#define PCISHIM_ST_PERMISSIVE	0x02	/* toolstack wrote it to permissive */
#define PCISHIM_ST_INTCTL	0x04	/* ... to allow_interrupt_control */
#define PCISHIM_ST_ENABLED	0x08	/* enabled in dom0 (ENABLE) */
#define PCISHIM_ST_MSI		0x10	/* MSI enabled for the guest */
#define PCISHIM_ST_MSIX		0x20	/* MSI-X enabled for the guest */
#define PCISHIM_ST_MSIX_PREP	0x40	/* Xen did prepare_msix */

/* pb_flags bits. */
#define PCISHIM_BAR_IO		0x01	/* I/O port space */
#define PCISHIM_BAR_MEM		0x02	/* memory space */
#define PCISHIM_BAR_MEM64	0x04	/* 64-bit: uses the next slot too */
#define PCISHIM_BAR_PREFETCH	0x08
#define PCISHIM_BAR_ROM		0x10	/* the expansion ROM, index 6 */

#define PCISHIM_NBARS		7	/* BAR0-5 and the ROM */

struct pcishim_bar {
	uint64_t	pb_start;	/* host physical address or port */
	uint64_t	pb_size;	/* 0: not implemented */
	uint32_t	pb_flags;
	uint32_t	pb_pad;
};

/*
 * PCISHIM_IOC_INFO: identity and resources of a held device, as the
 * kernel sees them (the config-space IDs, not the guest's view).
 * pi_irq is the dom0 legacy IRQ recorded when the device was seized (0:
 * none).  pi_denied counts the writes the floor refused on restricted
 * files since the device was seized (RESTRICT).  Output is truncated to
 * pi_argsz.  Errors: EINVAL, ENODEV, EFAULT.
 */
struct pcishim_info {
	uint32_t	pi_argsz;
	uint32_t	pi_flags;	/* none defined: 0 */
	uint32_t	pi_bdf;		/* in */
	uint32_t	pi_state;	/* PCISHIM_ST_* */
	uint16_t	pi_vendor;
	uint16_t	pi_device;
	uint16_t	pi_subvendor;
	uint16_t	pi_subdevice;
	uint32_t	pi_class;	/* class<<16 | subclass<<8 | progif */
	uint8_t		pi_revision;
	uint8_t		pi_hdrtype;	/* without the multi-function bit */
	uint8_t		pi_pin;		/* 0 none, 1-4 INTA-INTD */
	uint8_t		pi_pad0;
	uint32_t	pi_cfgsize;	/* 256 or 4096 */
	uint32_t	pi_irq;
	uint32_t	pi_domid;	/* PCISHIM_DOMID_NONE if unassigned */
	uint16_t	pi_msicap;	/* config offset of MSI cap, 0 none */
	uint16_t	pi_msixcap;	/* config offset of MSI-X cap, 0 none */
	uint16_t	pi_msixsize;	/* MSI-X table entries, 0 none */
	uint16_t	pi_pad1;
	uint32_t	pi_reset;	/* PCISHIM_RESET_* tried first */
	uint32_t	pi_nbars;	/* PCISHIM_NBARS */
	uint32_t	pi_denied;	/* writes the floor refused (RESTRICT) */
	struct pcishim_bar pi_bar[PCISHIM_NBARS];
};
#define PCISHIM_IOC_INFO	_IOWR(PCISHIM_IOC_MAGIC, 2, struct pcishim_info)

/*
 * PCISHIM_IOC_CFG_READ / PCISHIM_IOC_CFG_WRITE: raw config-space access of
 * pc_size (1, 2 or 4) bytes at pc_offset, which must be aligned to pc_size
 * and inside the device's config space.  No filtering: policy is the
 * daemon's.  Accesses wait while the kernel has config access blocked
 * (during a reset).  Errors: EINVAL (size, alignment), ERANGE (offset past
 * config space), ENODEV, EBADF (write on a read-only fd), EIO, EFAULT.
 */
struct pcishim_cfg {
	uint32_t	pc_argsz;
	uint32_t	pc_flags;	/* none defined: 0 */
	uint32_t	pc_bdf;
	uint32_t	pc_offset;
	uint32_t	pc_size;
	uint32_t	pc_value;	/* read: out; write: in (low bytes) */
};
#define PCISHIM_IOC_CFG_READ	_IOWR(PCISHIM_IOC_MAGIC, 3, struct pcishim_cfg)
#define PCISHIM_IOC_CFG_WRITE	_IOW(PCISHIM_IOC_MAGIC, 4, struct pcishim_cfg)

/*
 * The common argument of the per-device ioctls below.  pd_result is
 * ioctl-specific output; it is written back only by the _IOWR ones.
 */
struct pcishim_devop {
	uint32_t	pd_argsz;
	uint32_t	pd_flags;
	uint32_t	pd_bdf;
	uint32_t	pd_result;
};

/*
 * PCISHIM_IOC_RESET: reset the function, saving its config state before
 * and restoring it after.  pd_result = the PCISHIM_RESET_* method the
 * kernel used; PCISHIM_RESET_NONE (and success) when the device has none.
 * Errors: EBUSY (assigned to a guest: only RELEASE resets it then),
 * EAGAIN (the device is busy: bind, unbind, a sysfs reset or an AER
 * callback in progress; nothing changed, retry), ENODEV, EBADF, EIO.
 */
#define PCISHIM_IOC_RESET	\
	_IOWR(PCISHIM_IOC_MAGIC, 5, struct pcishim_devop)

/*
 * PCISHIM_IOC_ASSIGN: record pa_domid as the device's Xen owner, so that
 * MSI and MSI-X pirqs created afterwards are mapped into that guest.  The
 * module cannot be unloaded until RELEASE (or unbind) gives it back.
 * Errors: EINVAL (domid 0 or reserved), EBUSY (already assigned),
 * ENODEV (not held, or not a Xen dom0), EBADF.
 */
struct pcishim_assign {
	uint32_t	pa_argsz;
	uint32_t	pa_flags;	/* none defined: 0 */
	uint32_t	pa_bdf;
	uint32_t	pa_domid;
};
#define PCISHIM_IOC_ASSIGN	\
	_IOW(PCISHIM_IOC_MAGIC, 6, struct pcishim_assign)

/*
 * PCISHIM_IOC_RELEASE: give the device back after a guest: disable MSI and
 * MSI-X, forget the owner, reset, restore the state saved at seize,
 * disable, clear permissive and allow_interrupt_control.  Allowed on an
 * unassigned device.  pd_result = PCISHIM_RESET_* used.  Errors: EAGAIN
 * (busy, as for RESET, nothing changed; retry), ENODEV, EBADF.
 */
#define PCISHIM_IOC_RELEASE	\
	_IOWR(PCISHIM_IOC_MAGIC, 7, struct pcishim_devop)

/*
 * PCISHIM_IOC_ENABLE / PCISHIM_IOC_DISABLE: dom0-side enable state, for the
 * daemon to mirror a guest's command-register writes.  pd_flags selects:
 * PCISHIM_EN_DEVICE enables the device in dom0 (resources, upstream
 * bridges, legacy IRQ routing) or disables it (which also stops bus
 * mastering); PCISHIM_EN_MASTER sets or clears bus mastering only.
 * Both are idempotent.  Errors: EINVAL (flags), ENODEV, EBADF, or the
 * kernel's error from enabling.
 */
#define PCISHIM_EN_DEVICE	0x1
#define PCISHIM_EN_MASTER	0x2
#define PCISHIM_IOC_ENABLE	_IOW(PCISHIM_IOC_MAGIC, 8, struct pcishim_devop)
#define PCISHIM_IOC_DISABLE	_IOW(PCISHIM_IOC_MAGIC, 9, struct pcishim_devop)

/*
 * PCISHIM_IOC_MSI_ENABLE: enable one MSI vector for the assigned guest;
 * pd_result = the guest pirq.  PCISHIM_IOC_MSI_DISABLE undoes it.  Errors:
 * ENODEV (not held), EPERM (not assigned), EBUSY (MSI or MSI-X already
 * on), EINVAL (flags), or the kernel's error from enabling MSI.
 * MSI_DISABLE on a device without MSI enabled succeeds.
 */
#define PCISHIM_IOC_MSI_ENABLE	\
	_IOWR(PCISHIM_IOC_MAGIC, 10, struct pcishim_devop)
#define PCISHIM_IOC_MSI_DISABLE	\
	_IOW(PCISHIM_IOC_MAGIC, 11, struct pcishim_devop)

/*
 * PCISHIM_IOC_MSIX_ENABLE: enable pm_nvec MSI-X vectors for the assigned
 * guest.  pm_entries points at pm_nvec struct pcishim_msix_entry; the
 * kernel reads me_entry (table index, unique and below the table size)
 * and writes me_pirq (guest pirq).  All or nothing.  Errors: EINVAL
 * (nvec 0 or above PCISHIM_MSIX_MAX, bad or repeated index), EPERM,
 * EBUSY, ENOMEM, EFAULT, ENOSPC (fewer vectors available), or the
 * kernel's error.  PCISHIM_IOC_MSIX_DISABLE undoes it.
 */
struct pcishim_msix_entry {
	uint32_t	me_entry;	/* in: MSI-X table index */
	uint32_t	me_pirq;	/* out: guest pirq */
};

struct pcishim_msix {
	uint32_t	pm_argsz;
	uint32_t	pm_flags;	/* none defined: 0 */
	uint32_t	pm_bdf;
	uint32_t	pm_nvec;
	uint64_t	pm_entries;	/* user address */
};
#define PCISHIM_IOC_MSIX_ENABLE	_IOW(PCISHIM_IOC_MAGIC, 12, struct pcishim_msix)
#define PCISHIM_IOC_MSIX_DISABLE	\
	_IOW(PCISHIM_IOC_MAGIC, 13, struct pcishim_devop)

/*
 * PCISHIM_IOC_RESTRICT: confine this open file, for good, to the devices
 * the shim has assigned (ASSIGN) to pr_domid: the handle of a process that
 * serves that one guest and must reach nothing else (pcibackd's per-guest
 * worker).  One way: a restricted file can be neither widened nor moved to
 * another domain, and it stays restricted in every process that inherits
 * it.  Ownership is checked at each call, so devices attached to or
 * detached from the guest later need no new file.  No call on the file
 * checks a capability, so its process may drop its privileges once it has
 * it.  Allowed on a read-only file too.  Errors: EINVAL (argsz, flags, domid 0 or reserved), EPERM
 * (already restricted).
 *
 * On a restricted file:
 * - VERSION works; LIST reports only the devices assigned to pr_domid;
 * - INFO, CFG_READ, CFG_MAP, CFG_WRITE, MSI_ENABLE, MSI_DISABLE, MSIX_ENABLE and
 *   MSIX_DISABLE work on a device assigned to pr_domid at the time of the
 *   call and fail with EPERM for any other BDF (held or not, unassigned or
 *   another domain's);
 * - CFG_WRITE must also pass the floor below: a write it refuses fails
 *   whole with EPERM, nothing is written, and the device's pi_denied
 *   counts it;
 * - a CFG_WRITE to the command register that turns I/O or memory decoding
 *   on, on a device not enabled in dom0, first does what ENABLE with
 *   PCISHIM_EN_DEVICE does (and fails with its error), since the file
 *   cannot call ENABLE;
 * - RESET, ASSIGN, RELEASE, ENABLE, DISABLE and RESTRICT fail with EPERM,
 *   as will any ioctl added later unless its comment says otherwise;
 * - read() fails with EPERM and poll() never reports input: events name
 *   every held device, so a restricted file gets none.
 *
 * The floor: what a process given only its guest's devices must not do to
 * them however it is compromised, because isolation rests on it.  Only
 * restricted files are subject to it; pcibackd's own config policy is far
 * narrower and passes it.  A write that touches any byte below in a way
 * not listed as allowed is refused:
 * - BARs (type 0: 0x10-0x27; type 1: 0x10-0x17): 4-byte writes only, of
 *   all ones (sizing; the read-only type bits may be anything) or of the
 *   value the BAR had when ASSIGN ran (the type bits again excepted);
 *   the upper half of a 64-bit BAR likewise;
 * - the expansion ROM BAR (type 0: 0x30; type 1: 0x38): 4-byte writes
 *   only, address bits all ones or as at ASSIGN, the enable bit unchanged;
 * - the command register: I/O and memory decoding are never turned off;
 * - MSI and MSI-X capabilities: nothing but the control word is written;
 *   in it, no bit changes, except MSI enable, MSI-X enable and MSI-X
 *   function mask on a device the toolstack set allow_interrupt_control
 *   on (stub domains); enabling is the job of the MSI ioctls;
 * - a type 1 header's bus numbers, I/O and memory windows (0x18-0x1d,
 *   0x20-0x33) and bridge control (0x3e-0x3f); other header types: 0x10-0x3b
 *   and 0x3e-0x3f;
 * - SR-IOV control, NumVFs, system page size and VF BARs; Resizable BAR
 *   control registers; ACS control and egress control vector; ATS control.
 * Capabilities are found by walking the lists when ASSIGN runs; if a
 * device has more of them than the shim keeps, every write at 0x40 or
 * above is refused.
 */
struct pcishim_restrict {
	uint32_t	pr_argsz;
	uint32_t	pr_flags;	/* none defined: 0 */
	uint32_t	pr_domid;	/* the only owner this file may reach */
	uint32_t	pr_pad;
};
#define PCISHIM_IOC_RESTRICT	\
	_IOW(PCISHIM_IOC_MAGIC, 14, struct pcishim_restrict)

/*
 * PCISHIM_IOC_RESET_BUS: reset every function behind the parent bridge of
 * pd_bdf together, by the kernel's slot or secondary bus reset: for a
 * function that has no reset of its own and shares its bus.  Every
 * function on the bridge's secondary bus and the buses below it must be
 * held, assigned to no guest and not a bridge; the shim saves each one's
 * state, resets the bus, restores each one's state, then brings each back
 * to the state saved at seize and disables it, as RELEASE leaves it.
 * pd_result = PCISHIM_RESET_BUS.  Errors: EBUSY (a function there is not
 * held, is assigned or is a bridge, or there are more than 32: nothing
 * changed), ENOTTY (on a root
 * bus, or the kernel cannot reset that bus), EAGAIN (one of them is busy:
 * bind, unbind, a reset or an AER callback in progress; nothing changed,
 * retry), ENODEV, EBADF, EIO.
 */
#define PCISHIM_IOC_RESET_BUS	\
	_IOWR(PCISHIM_IOC_MAGIC, 15, struct pcishim_devop)

/*
 * PCISHIM_IOC_CFG_MAP: where to mmap(2) the device's config space, read
 * only: the page of the platform's memory-mapped configuration (ECAM)
 * that holds it, so that reading a register costs a load instead of a
 * system call.  pcm_offset is the offset to give mmap with length
 * pcm_size (one page) and PROT_READ, MAP_SHARED; pcm_span is how many
 * bytes of it are the device's config space (256 or 4096).  Reads see
 * the hardware as CFG_READ does, but do not wait out a reset.  Allowed
 * on a restricted file, for its domain's devices.
 *
 * The mapping is revoked when the device stops being what the file may
 * reach: unassigned (so on every RELEASE), assigned to another domain,
 * or unbound.  From then on the page reads all ones, as an absent
 * device does, in every process that mapped it.  A mapping is never
 * inherited by a child (fork), writable, or extended by mremap.
 * Errors: EOPNOTSUPP (no ECAM for this device: the platform has none,
 * or the shim could not check it), EPERM, ENODEV, EINVAL.
 */
struct pcishim_cfgmap {
	uint32_t	pcm_argsz;
	uint32_t	pcm_flags;	/* none defined: 0 */
	uint32_t	pcm_bdf;
	uint32_t	pcm_span;	/* out: config-space bytes mapped */
	uint64_t	pcm_offset;	/* out: for mmap */
	uint64_t	pcm_size;	/* out: the mapping's length */
};
#define PCISHIM_IOC_CFG_MAP	\
	_IOWR(PCISHIM_IOC_MAGIC, 16, struct pcishim_cfgmap)

/*
 * PCISHIM_IOC_AER_REPLY: answer one PCISHIM_EV_AER record that carries
 * PCISHIM_EVF_REPLY (see the events below): par_bdf and par_seq are the
 * record's pe_bdf and pe_seq, par_result the PCISHIM_AER_RESULT_* the
 * kernel's recovery is to get from the callback (for RESUME it is
 * ignored, but the callback still waits for it).  Only the first answer
 * counts.  Errors: EINVAL (argsz, flags, a result outside 1-6), ENODEV
 * (not held), ESRCH (no callback of that device waits for that record:
 * an answer too late, a second one or a wrong one), EPERM (restricted
 * file), EBADF.
 */
struct pcishim_aer_reply {
	uint32_t	par_argsz;
	uint32_t	par_flags;	/* none defined: 0 */
	uint32_t	par_bdf;
	uint32_t	par_result;	/* PCISHIM_AER_RESULT_* */
	uint64_t	par_seq;	/* the event's pe_seq */
};
#define PCISHIM_IOC_AER_REPLY	\
	_IOW(PCISHIM_IOC_MAGIC, 17, struct pcishim_aer_reply)

/*
 * Events: read(2) on the fd returns whole struct pcishim_event records
 * (EINVAL if the buffer holds none), blocking unless O_NONBLOCK (EAGAIN);
 * poll(2) reports POLLIN when one is queued.  Each open file has its own
 * queue, starting empty at open: list the devices after opening, then
 * read, and treat events as idempotent.  When a queue fills up, one
 * PCISHIM_EV_OVERFLOW record is queued and later events are dropped until
 * the reader catches up; then LIST again.  pe_seq counts every event the
 * module generated, so gaps show drops too.
 */
#define PCISHIM_EV_SLOT_ADDED	1	/* new_slot or hide= (pe_flags ANYFN) */
#define PCISHIM_EV_SLOT_REMOVED	2	/* remove_slot */
#define PCISHIM_EV_BOUND	3	/* device seized (bind, probe) */
#define PCISHIM_EV_UNBOUND	4	/* device given back (unbind) */
#define PCISHIM_EV_PERMISSIVE	5	/* toolstack wrote it to permissive */
#define PCISHIM_EV_INTCTL	6	/* ... to allow_interrupt_control */
#define PCISHIM_EV_ERROR	7	/* pe_op failed with pe_error */
#define PCISHIM_EV_OVERFLOW	8	/* events were dropped */
#define PCISHIM_EV_AER		9	/* AER recovery callback: pe_op below */

#define PCISHIM_EVF_ANYFN	0x1	/* slot covers every function: ".*" */
#define PCISHIM_EVF_ASSIGNED	0x2	/* UNBOUND: a guest still owned it */
#define PCISHIM_EVF_REPLY	0x4	/* AER: waits for AER_REPLY of pe_seq */

/*
 * PCISHIM_EV_AER: the kernel's PCIe error recovery (AER, DPC) called
 * one of the shim's error handlers for a held device, in this order:
 * DETECTED once, then MMIO or SLOT_RESET (or neither), then RESUME if
 * the device recovered.  The callback queues one record to every
 * unrestricted file and, if the device is assigned to a guest (ASSIGN)
 * and at least one of those files took the record (its queue was not
 * full), sets PCISHIM_EVF_REPLY in it and waits, at most
 * PCISHIM_AER_WAIT_SECS, for AER_REPLY; that is the time the daemon has
 * to ask the guest.  Without an answer (no REPLY flag, the time is up,
 * or the last unrestricted file was closed or restricted meanwhile) the
 * callback returns what Linux's own backend does when its guest stays
 * silent: CAN_RECOVER for DETECTED, RECOVERED for MMIO and SLOT_RESET.
 *
 * The kernel holds the device lock around every callback.  While a
 * callback waits, the ioctls that would need that lock (RESET, RELEASE,
 * and RESET_BUS for every function it reaches) fail at once with EAGAIN
 * instead of waiting for it, so the daemon is never stuck where it
 * cannot answer; the others work as usual.  An unbind of the device
 * (the driver core takes the same lock) waits until the callback ends.
 */
#define PCISHIM_AER_WAIT_SECS	60

/* pe_op of PCISHIM_EV_AER: which callback of the kernel's AER recovery. */
#define PCISHIM_AER_DETECTED	1	/* error_detected; state in pe_error */
#define PCISHIM_AER_MMIO	2	/* mmio_enabled */
#define PCISHIM_AER_SLOT_RESET	3	/* slot_reset */
#define PCISHIM_AER_RESUME	4	/* resume (its result is ignored) */

/* pe_error of DETECTED: the channel state (pci_channel_state_t values). */
#define PCISHIM_AER_STATE_NORMAL	1
#define PCISHIM_AER_STATE_FROZEN	2
#define PCISHIM_AER_STATE_PERM_FAILURE	3

/*
 * Results: Linux's pci_ers_result_t values, which are also what pcifront
 * writes to aer_op.err.
 */
#define PCISHIM_AER_RESULT_NONE		1
#define PCISHIM_AER_RESULT_CAN_RECOVER	2
#define PCISHIM_AER_RESULT_NEED_RESET	3
#define PCISHIM_AER_RESULT_DISCONNECT	4
#define PCISHIM_AER_RESULT_RECOVERED	5
#define PCISHIM_AER_RESULT_NO_AER_DRIVER 6

/* pe_op values for PCISHIM_EV_ERROR. */
#define PCISHIM_OP_SEIZE	1
#define PCISHIM_OP_PREPARE_MSIX	2
#define PCISHIM_OP_RELEASE	3
#define PCISHIM_OP_RELEASE_MSIX	4
#define PCISHIM_OP_OVERRIDE	5	/* driver_override already taken */

struct pcishim_event {
	uint32_t	pe_type;	/* PCISHIM_EV_* */
	uint32_t	pe_flags;	/* PCISHIM_EVF_* */
	uint32_t	pe_bdf;
	uint32_t	pe_op;		/* ERROR: PCISHIM_OP_*; AER: _AER_* */
	int32_t		pe_error;	/* ERROR: -errno; AER: state or 0 */
	uint32_t	pe_pad;
	uint64_t	pe_seq;
};

/* The layout is the ABI: catch accidental changes at compile time. */
_Static_assert(sizeof(struct pcishim_version) == 8, "pcishim_version");
_Static_assert(sizeof(struct pcishim_list) == 24, "pcishim_list");
_Static_assert(sizeof(struct pcishim_bar) == 24, "pcishim_bar");
_Static_assert(sizeof(struct pcishim_info) == 232, "pcishim_info");
_Static_assert(sizeof(struct pcishim_cfg) == 24, "pcishim_cfg");
_Static_assert(sizeof(struct pcishim_devop) == 16, "pcishim_devop");
_Static_assert(sizeof(struct pcishim_assign) == 16, "pcishim_assign");
_Static_assert(sizeof(struct pcishim_msix_entry) == 8, "pcishim_msix_entry");
_Static_assert(sizeof(struct pcishim_msix) == 24, "pcishim_msix");
_Static_assert(sizeof(struct pcishim_event) == 32, "pcishim_event");
_Static_assert(sizeof(struct pcishim_restrict) == 16, "pcishim_restrict");
_Static_assert(sizeof(struct pcishim_cfgmap) == 32, "pcishim_cfgmap");
_Static_assert(sizeof(struct pcishim_aer_reply) == 24, "pcishim_aer_reply");

#endif /* PCISHIM_IO_H */
