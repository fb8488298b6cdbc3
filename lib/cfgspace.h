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
 * The config-space engine: what a guest sees and may change in the
 * configuration space of a device it was given.
 *
 * The engine sits on a small device interface (struct cfgdev_ops), so the
 * same code serves a device held by the kernel shim, an emulated device
 * and the test doubles.  Policy is data: const tables of fields, one row
 * per register, in cfgspace.c.  What no row covers reads from hardware and
 * is never written, unless the device is permissive or a quirk names it.
 *
 * The engine never writes hardware while it is being created; the only
 * hardware writes are the ones a row's write rule makes.
 */

#ifndef PCIBACKD_CFGSPACE_H
#define PCIBACKD_CFGSPACE_H

#include <stddef.h>
#include <stdint.h>

#define CFGSPACE_CONV_SIZE	256	/* conventional PCI config space */
#define CFGSPACE_EXT_SIZE	4096	/* PCI Express extended config space */

#define CFGDEV_NBARS		6
#define CFGDEV_ROM		6	/* ci_bar[CFGDEV_ROM] is the ROM BAR */

/* cb_flags */
#define CFGDEV_BAR_IO		0x01	/* I/O space */
#define CFGDEV_BAR_MEM64	0x04	/* 64-bit memory: uses the next slot */
#define CFGDEV_BAR_PREFETCH	0x08
#define CFGDEV_BAR_HIDDEN	0x100	/* unassigned/disabled/busy: reads 0 */

/* One BAR as the OS assigned it, filled in by the provider. */
struct cfgdev_bar {
	uint64_t	cb_start;	/* host address; 0 if unassigned */
	uint64_t	cb_size;	/* bytes; 0 if the BAR is absent */
	uint32_t	cb_flags;	/* CFGDEV_BAR_* */
};

/* Facts about the device the engine cannot read from config space. */
struct cfgdev_info {
	uint32_t	ci_size;	/* CFGSPACE_CONV_SIZE or _EXT_SIZE */
	uint32_t	ci_irq;		/* dom0 IRQ (GSI) of INTx; 0 if none */
	/*
	 * The IDs the OS knows the function by; 0 if not known.  Used only
	 * when the Vendor ID register reads 0xffff: an SR-IOV VF need not
	 * implement its ID registers (they read all ones), and the OS takes
	 * them from its PF, the Device ID from the PF's VF Device ID.
	 */
	uint16_t	ci_vendor;
	uint16_t	ci_device;
	struct cfgdev_bar ci_bar[CFGDEV_NBARS + 1];
};

/*
 * Hardware access.  Offsets are naturally aligned and inside ci_size;
 * sizes are 1, 2 or 4.  Return 0 or a negative errno.
 */
struct cfgdev_ops {
	int	(*cdo_read)(void *, unsigned int, unsigned int, uint32_t *);
	int	(*cdo_write)(void *, unsigned int, unsigned int, uint32_t);
	/*
	 * Optional.  Move the device to D-state 0..3 through the OS, which
	 * knows the delays and what to restore.  NULL: the engine writes
	 * the PMCSR power-state bits itself.
	 */
	int	(*cdo_set_power)(void *, unsigned int);
};

/*
 * The one check of a config access (the kernel shim has its own): size
 * 1, 2 or 4, naturally aligned, inside limit bytes.  0 or -EINVAL.
 */
int	cfgdev_check(unsigned int, unsigned int, unsigned int);

/* A register the administrator made guest-writable (cq_mask bits only). */
struct cfgspace_quirk {
	uint16_t	cq_offset;
	uint8_t		cq_size;
	uint32_t	cq_mask;
};

struct cfgspace_policy {
	int				 cp_permissive;
	int				 cp_intx_control; /* allow_interrupt_control */
	const struct cfgspace_quirk	*cp_quirks;
	size_t				 cp_nquirks;
};

struct cfgspace_stats {
	uint64_t	css_reads;
	uint64_t	css_writes;
	uint64_t	css_dropped;	/* writes that reached nothing */
	uint64_t	css_refused;	/* writes answered with an error */
	uint64_t	css_floor;	/* writes that hit the hard floor */
};

#define CFGSPACE_MAX_QUIRKS	256	/* per device */

/* cfgspace_write() result when the write was silently dropped. */
#define CFGSPACE_DROPPED	1

struct cfgspace;

/*
 * Fill cb_start and cb_flags of ci_bar[] from the BAR and ROM registers
 * of raw config space bytes (at least CFGSPACE_CONV_SIZE), as firmware
 * left them: six BARs for a type-0 header, two and the ROM at 0x38 for a
 * bridge.  The upper slot of a 64-bit BAR stays empty; sizes are left to
 * the caller, who alone knows them.
 */
void		 cfgspace_decode_bars(const uint8_t *, struct cfgdev_info *);

struct cfgspace	*cfgspace_new(const struct cfgdev_ops *, void *,
		    const struct cfgdev_info *, const struct cfgspace_policy *,
		    char **);
void		 cfgspace_free(struct cfgspace *);

/*
 * Guest accesses.  Return 0, CFGSPACE_DROPPED (write reached neither a
 * field nor hardware; the guest is not told), or a negative errno:
 * -EINVAL bad size, alignment or offset; -EPERM write refused by policy;
 * anything else from the device or the OS.
 */
int		 cfgspace_read(struct cfgspace *, unsigned int, unsigned int,
		    uint32_t *);
int		 cfgspace_write(struct cfgspace *, unsigned int, unsigned int,
		    uint32_t);
/*
 * 1 if the last cfgspace_write returned 0 but met only registers no
 * guest writes (vendor ID, MSI address, ...): nothing reached hardware.
 */
int		 cfgspace_write_ignored(const struct cfgspace *);

/* Change permissive/quirks on a live device (the policy is copied). */
int		 cfgspace_set_policy(struct cfgspace *,
		    const struct cfgspace_policy *, char **);
/*
 * INTx disable held set in hardware, whatever the guest or dom0's
 * enable writes, while on: its line is shared outside the guest
 * (XSA-461, lib/sharepol.c).  Turning it on sets the bit now.  0, or a
 * negative errno.
 */
int		 cfgspace_set_intx_held(struct cfgspace *, int);
/*
 * While held: set INTx disable in hardware again (dom0's MSI teardown
 * clears it) and return 1; 0 when not held; or a negative errno.
 */
int		 cfgspace_intx_hold(struct cfgspace *);
/* The guest let go: clear BAR sizing latches, re-read the virtual state. */
void		 cfgspace_reset_state(struct cfgspace *);

uint32_t	 cfgspace_size(const struct cfgspace *);
uint8_t		 cfgspace_header_type(const struct cfgspace *);
/* Offset of a capability found by the bounded walk, 0 if absent. */
unsigned int	 cfgspace_cap(const struct cfgspace *, uint8_t);
unsigned int	 cfgspace_ecap(const struct cfgspace *, uint16_t);

/*
 * Hardware state the op layer checks before acting (MSI, XSA-157):
 * 1 or 0, or a negative errno if the hardware read failed.  The table
 * size is 0 when there is no MSI-X capability or the read failed.
 */
int		 cfgspace_mem_decoding(struct cfgspace *);
int		 cfgspace_msi_enabled(struct cfgspace *);
int		 cfgspace_msix_enabled(struct cfgspace *);
unsigned int	 cfgspace_msix_table_size(struct cfgspace *);

/*
 * The engine's own "device enabled" state: set when the guest turned
 * decoding on through the command register, cleared when it turned it
 * off (Linux's enable_intx bookkeeping).  Initialised from hardware.
 */
int		 cfgspace_enabled(const struct cfgspace *);
/*
 * The Command register as the guest last wrote it (the bits it does not
 * own in hardware read back from here).  Saved by whoever serves the
 * guest and set again in the engine of a new worker or a restarted
 * daemon, so neither changes what the guest reads.  Setting touches no
 * hardware.
 */
uint16_t	 cfgspace_guest_command(const struct cfgspace *);
void		 cfgspace_set_guest_command(struct cfgspace *, uint16_t);

/*
 * The i-th field by offset, for listings and tests: 0, or -1 past the
 * last one.  Fields never overlap.
 */
int		 cfgspace_field(const struct cfgspace *, size_t, unsigned int *,
		    unsigned int *, const char **);

/* What a guest write at an offset meets (cfgspace_describe). */
#define CFGSPACE_REG_NONE	0	/* no row: the device's own bytes */
#define CFGSPACE_REG_PASS	1	/* known; permissive or a quirk only */
#define CFGSPACE_REG_NEVER	2	/* never written, even permissive */
#define CFGSPACE_REG_FLOOR	3	/* the hard floor */
#define CFGSPACE_REG_EMUL	4	/* emulated or guarded by the engine */
#define CFGSPACE_REG_BAR	5	/* a BAR or the ROM BAR */

struct cfgspace_reg {
	int		 rg_kind;	/* CFGSPACE_REG_* */
	const char	*rg_name;	/* the row's; NULL for REG_NONE */
	unsigned int	 rg_offset;	/* the row's, absolute */
	unsigned int	 rg_size;
	unsigned int	 rg_cap;	/* capability it lies in; 0: none */
	unsigned int	 rg_capid;
	int		 rg_ext;	/* rg_cap is an extended capability */
	int		 rg_bridge;	/* a type 1 header */
};

/*
 * The register an access meets: the first row it overlaps that is not
 * PASS, else the first PASS row, else no row, with the capability whose
 * start is the nearest below the offset.
 */
void	cfgspace_describe(const struct cfgspace *, unsigned int, unsigned int,
	    struct cfgspace_reg *);

const struct cfgspace_stats *cfgspace_stats(const struct cfgspace *);
/* Counters kept elsewhere meanwhile (a worker process's), taken back. */
void	cfgspace_stats_set(struct cfgspace *, const struct cfgspace_stats *);

#endif /* PCIBACKD_CFGSPACE_H */
