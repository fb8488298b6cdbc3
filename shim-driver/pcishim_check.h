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
 * pcishim_check.h: the shim's pure validation and parsing helpers.  They
 * use no kernel or libc facility beyond types and errno values, so the
 * same file builds into the module and into the userspace unit tests.
 */

#ifndef PCISHIM_CHECK_H
#define PCISHIM_CHECK_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/errno.h>
#else
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#endif

#include "pcishim_io.h"

/* A slot as written to new_slot, remove_slot or hide=. */
struct pcishim_slot {
	uint32_t	ps_seg;
	uint32_t	ps_bus;
	uint32_t	ps_dev;
	uint32_t	ps_fn;		/* PCISHIM_SLOT_ANYFN for ".*" */
};
#define PCISHIM_SLOT_ANYFN	0xffffffffU

/*
 * A bounded queue of event records.  When only one place is left, an
 * OVERFLOW record takes it and later events are dropped until the reader
 * has taken that record, so the reader always learns that it lost some.
 */
struct pcishim_ring {
	struct pcishim_event	*rg_buf;
	uint32_t		 rg_size;	/* records at rg_buf, >= 2 */
	uint32_t		 rg_head;	/* index of the oldest record */
	uint32_t		 rg_count;	/* records queued */
	uint32_t		 rg_overflow;	/* OVERFLOW record queued */
};

/* A byte range of config space the floor guards, found at ASSIGN. */
struct pcishim_floor_range {
	uint16_t	fr_off;
	uint16_t	fr_len;
	uint32_t	fr_rule;	/* PCISHIM_FL_* */
};

#define PCISHIM_FL_NEVER	1	/* never written */
#define PCISHIM_FL_MSICTL	2	/* the MSI control word */
#define PCISHIM_FL_MSIXCTL	3	/* the MSI-X control word */

/* More than a real device needs: MSI, MSI-X, ACS, ATS, SR-IOV, ReBAR. */
#define PCISHIM_FLOOR_RANGES	32

/*
 * What a restricted file may not do to one device (pcishim_io.h, the
 * floor): the BARs as ASSIGN found them and the ranges its capability
 * walk found.  The header's fixed rules need only fl_hdrtype.
 */
struct pcishim_floor {
	uint32_t	fl_bar[PCISHIM_NBARS];	/* registers at ASSIGN; 6 ROM */
	uint32_t	fl_res[PCISHIM_NBARS];	/* dom0's address, as INFO */
	uint8_t		fl_hdrtype;	/* without the multi-function bit */
	uint8_t		fl_full;	/* ranges ran out: refuse >= 0x40 */
	uint8_t		fl_resmask;	/* 1 << slot: dom0 placed it */
	uint8_t		fl_pad;
	uint16_t	fl_nranges;
	uint16_t	fl_pad2;
	struct pcishim_floor_range fl_range[PCISHIM_FLOOR_RANGES];
};

/* A config read for the floor's walk: 0 or a negative errno. */
typedef int (*pcishim_floor_read_t)(void *arg, uint32_t off, uint32_t size,
				    uint32_t *val);

int pcishim_check_argsz(uint32_t argsz, size_t minsz);
int pcishim_check_flags(uint32_t flags, uint32_t known);
int pcishim_check_cfg(uint32_t offset, uint32_t size, uint32_t cfgsize);
int pcishim_check_domid(uint32_t domid);
int pcishim_check_reset(uint32_t domid);

/* A function a RESET_BUS would reach, for pcishim_check_busfn. */
#define PCISHIM_BUSFN_HELD	0x1	/* bound to the shim */
#define PCISHIM_BUSFN_ASSIGNED	0x2	/* a guest owns it */
#define PCISHIM_BUSFN_BUSY	0x4	/* bind, unbind or a reset runs */
#define PCISHIM_BUSFN_BRIDGE	0x8	/* has buses of its own */
int pcishim_check_busfn(uint32_t busfn);
int pcishim_override_keep(int listed, uint32_t domid);
int pcishim_check_msix_nvec(uint32_t nvec);
int pcishim_check_msix_entry(uint32_t entry);
size_t pcishim_copyout_len(uint32_t argsz, size_t kernsz);
int pcishim_check_restrict(uint32_t cur, uint32_t domid);
int pcishim_check_owner(uint32_t restricted, uint32_t owner);
int pcishim_check_restricted_ioc(uint32_t nr);
int pcishim_cmd_enables(uint32_t offset, uint32_t val);
int pcishim_check_aer_result(uint32_t result);
uint32_t pcishim_aer_default(uint32_t op);
uint32_t pcishim_aer_evflags(uint32_t domid, int delivered);

int pcishim_floor_build(struct pcishim_floor *fl, uint32_t cfgsize,
			const uint64_t res[PCISHIM_NBARS],
			pcishim_floor_read_t rd, void *arg);
int pcishim_floor_needs_cur(const struct pcishim_floor *fl, uint32_t offset,
			    uint32_t size);
int pcishim_floor_check(const struct pcishim_floor *fl, uint32_t offset,
			uint32_t size, uint32_t val, uint32_t cur, int intctl);

int pcishim_parse_slot(const char *s, size_t len, int allow_anyfn,
		       struct pcishim_slot *slot);
int pcishim_parse_hide(const char *s,
		       int (*cb)(const struct pcishim_slot *slot, void *arg),
		       void *arg);
int pcishim_slot_match(const struct pcishim_slot *slot, uint32_t bdf);
int pcishim_slot_equal(const struct pcishim_slot *a,
		       const struct pcishim_slot *b);
uint32_t pcishim_slot_bdf(const struct pcishim_slot *slot);

void pcishim_ring_init(struct pcishim_ring *rg, struct pcishim_event *buf,
		       uint32_t size);
int pcishim_ring_room(const struct pcishim_ring *rg);
int pcishim_ring_push(struct pcishim_ring *rg, const struct pcishim_event *ev);
int pcishim_ring_pop(struct pcishim_ring *rg, struct pcishim_event *ev);

#endif /* PCISHIM_CHECK_H */
