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
 * The shim double's state: what the pcishim module keeps in the kernel,
 * kept in files under $XENSIM_DIR/shim (or $SHIMSIM_DIR) so that it
 * outlives the daemon as the module's does.  Shared by the preload
 * (libshimsim.so, the /dev/pcishim side) and the shimsim tool (the
 * kernel's sysfs side: slots, bind, unbind, permissive, faults).
 *
 * Files: lock (flock), dev-SSSS:BB:DD.F (one struct shimsim_dev each),
 * slots (one "SSSS:BB:DD.F" line per slot), events (struct
 * pcishim_event records, append only), fault/NAME (a switch is on while
 * its file exists; its contents are its argument), sys/ (read-only
 * mirrors of the sysfs files, for tests to look at).
 */

#ifndef SHIMSIM_MODEL_H
#define SHIMSIM_MODEL_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "pcishim_check.h"

#define SHIMSIM_MAGIC		0x5348494dU	/* "SHIM" */
#define SHIMSIM_MAXDEVS		256
#define SHIMSIM_METHODS_MAX	64
/* The first pirq handed out for MSI and MSI-X, per device. */
#define SHIMSIM_FIRST_PIRQ	200
/* The ring per open file, as the module's PCISHIM_EVQ_LEN. */
#define SHIMSIM_EVQ_LEN		256

/* One PCI function of the simulated machine. */
struct shimsim_dev {
	uint32_t		sd_magic;
	uint32_t		sd_bdf;		/* packed, as the ABI */
	uint32_t		sd_present;	/* on the bus */
	uint32_t		sd_held;	/* bound to "pciback" */
	uint64_t		sd_order;	/* bind order, for LIST */
	uint32_t		sd_domid;	/* PCISHIM_DOMID_NONE */
	uint32_t		sd_permissive;
	uint32_t		sd_intctl;
	uint32_t		sd_enabled;
	uint32_t		sd_msi;		/* MSI on */
	uint32_t		sd_msix;	/* MSI-X vectors on, 0 off */
	uint32_t		sd_busy_pid;	/* RESET/RELEASE running */
	uint32_t		sd_irq;		/* legacy IRQ at seize */
	uint32_t		sd_cfgsize;
	uint32_t		sd_resets;	/* resets done, seize included */
	uint32_t		sd_last_method;	/* PCISHIM_RESET_* */
	int32_t			sd_last_error;	/* errno of the last reset */
	uint32_t		sd_next_pirq;
	uint32_t		sd_supported;	/* 1 << PCISHIM_RESET_* */
	uint32_t		sd_pad;
	uint32_t		sd_denied;	/* writes the floor refused */
	uint32_t		sd_pad2;
	struct pcishim_floor	sd_floor;	/* built at ASSIGN */
	char			sd_methods[SHIMSIM_METHODS_MAX];
	struct pcishim_bar	sd_bar[PCISHIM_NBARS];
	uint8_t			sd_initcfg[PCISHIM_CFG_SIZE_EXP];
	uint8_t			sd_cfg[PCISHIM_CFG_SIZE_EXP];
};

int	 shimsim_dir(char *, size_t);
int	 shimsim_path(char *, size_t, const char *);
int	 shimsim_lock(void);
void	 shimsim_unlock(int);

int	 shimsim_dev_load(uint32_t, struct shimsim_dev *);
int	 shimsim_dev_save(const struct shimsim_dev *);
/* CFG_MAP's page of a device for a domain (NONE: "any"): its file. */
int	 shimsim_map_path(uint32_t, uint32_t, char *, size_t);
int	 shimsim_map_write(const struct shimsim_dev *, uint32_t);
/* Every present device; returns how many (at most max), -1 on error. */
int	 shimsim_dev_all(struct shimsim_dev *, int);
/* The held ones in bind order, BDFs only. */
int	 shimsim_dev_held(uint32_t *, int);

/* Appends one record; returns its pe_seq (0 if it could not). */
uint64_t shimsim_event(uint32_t, uint32_t, uint32_t, uint32_t, int);

/*
 * An unrestricted open of the node, as the module's file list has it:
 * files/PID-FD, written by the preload at open and after each read,
 * removed at close and RESTRICT.  Its queue is the ring as last read
 * plus the records appended since sr_cursor.
 */
struct shimsim_reader {
	uint32_t	sr_magic;
	uint32_t	sr_pid;		/* the process that opened it */
	uint64_t	sr_cursor;	/* next record of the log to queue */
	uint32_t	sr_count;	/* records in its ring */
	uint32_t	sr_overflow;	/* its OVERFLOW record is unread */
};
int	 shimsim_reader_save(int, const struct shimsim_reader *);
void	 shimsim_reader_drop(int, uint32_t);
/*
 * Lock held.  Would a record appended now reach a reader?  1: one at
 * least takes it; 0: readers, all full; -1: no unrestricted open left.
 */
int	 shimsim_readers_room(void);

/*
 * An AER callback waiting for AER_REPLY (aer-BBBBBBBB, packed BDF in
 * hex): shimsim-ctl aer plays the callback.  sa_result is 0 until the
 * first answer.
 */
struct shimsim_aer {
	uint32_t	sa_magic;
	uint32_t	sa_pid;		/* the waiting shimsim-ctl */
	uint32_t	sa_bdf;
	uint32_t	sa_result;	/* PCISHIM_AER_RESULT_*, 0: none yet */
	uint64_t	sa_seq;		/* its record's pe_seq */
};
/* Lock held.  0 if a live callback of bdf waits (or was answered). */
int	 shimsim_aer_load(uint32_t, struct shimsim_aer *);
int	 shimsim_aer_save(const struct shimsim_aer *);
void	 shimsim_aer_drop(uint32_t);
int	 shimsim_alive(uint32_t);

/* A switch: 1 and its argument (may be "") if on, 0 if off. */
int	 shimsim_fault(const char *, char *, size_t);
/* On for this device: off, on for all, or on with its BDF as argument. */
int	 shimsim_fault_dev(const char *, uint32_t, char *, size_t);

/* Config space helpers (little endian, bounded). */
uint32_t shimsim_cfg_get(const uint8_t *, unsigned int, unsigned int);
void	 shimsim_cfg_put(uint8_t *, unsigned int, unsigned int, uint32_t);
unsigned int shimsim_cap(const uint8_t *, uint8_t);

/* Reset methods: names as Linux's reset_method file. */
const char *shimsim_method_name(uint32_t);
uint32_t shimsim_method_first(const struct shimsim_dev *);
int	 shimsim_methods_set(struct shimsim_dev *, const char *);
void	 shimsim_methods_default(struct shimsim_dev *);
/* The give-back of the module: unassign, reset to seize, quiesce. */
int	 shimsim_giveback(struct shimsim_dev *, uint32_t *);
/* A reset that keeps the current state (RESET, not RELEASE). */
int	 shimsim_reset(struct shimsim_dev *, int, uint32_t *);
/*
 * The functions a secondary bus reset of bdf's parent bridge reaches,
 * bdf included: the buses the bridge above it spans, or (no bridge in
 * the machine) bdf's bus alone.  How many (at most max), or -ENOTTY on
 * bus 0 (a root bus: no bridge to reset).
 */
int	 shimsim_bus_members(uint32_t, uint32_t *, int);
/* The bus reset's effect on one function: the state at seize, quiet. */
void	 shimsim_bus_reset(struct shimsim_dev *, int);
/* A type 1 header. */
int	 shimsim_is_bridge(const struct shimsim_dev *);

void	 shimsim_bdf_str(uint32_t, char *, size_t);
/* The sys/ mirrors, rewritten after a change (lock held). */
void	 shimsim_sysfs_sync(void);

#endif /* SHIMSIM_MODEL_H */
