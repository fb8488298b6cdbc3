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
 * Which reset methods a function really has, and which one pcibackd uses:
 * the decisions alone.  Its own methods come from its config space (FLR,
 * PM reset); a bus or slot reset from the host's topology, since it
 * resets every function behind the parent bridge.  Who has those other
 * functions is the daemon's to find out (daemon/reset.c).
 *
 * The order is Linux's: FLR (PCIe or Advanced Features), PM, then the
 * slot or bus reset.  Linux resets a bus only for a function alone behind
 * its bridge; pcibackd also resets a bus whose every function it holds
 * and no guest has, all of them together ("coordinated").
 */

#ifndef PCIBACKD_RESETPOL_H
#define PCIBACKD_RESETPOL_H

#include <stddef.h>
#include <stdint.h>

#include "bdf.h"

/* Methods, in the order they are tried. */
#define RESETPOL_FLR		0	/* PCIe FLR, or the AF capability's */
#define RESETPOL_PM		1	/* D3hot to D0 without NoSoftRst */
#define RESETPOL_SLOT		2	/* the hot-plug slot's reset */
#define RESETPOL_BUS		3	/* the parent bridge's secondary reset */
#define RESETPOL_NMETHODS	4

#define RESETPOL_TEXT		256
#define RESETPOL_MAXWITH	32	/* other functions one reset reaches */

/* Who has a function besides the one examined. */
#define RESETPOL_UNHELD		-2	/* not held by pcibackd (dom0's) */
#define RESETPOL_FREE		-1	/* held by pcibackd, no guest */

/* One function of the host, as the bus analysis needs it. */
struct resetpol_fn {
	struct bdf	rf_bdf;
	int		rf_bridge;	/* type 1 header */
	uint8_t		rf_secbus;	/* bridge: secondary bus */
	uint8_t		rf_subbus;	/* bridge: subordinate bus */
	int		rf_hotplug;	/* bridge: 1 hot-plug slot, 0 none,
					   -1 cannot tell */
	int		rf_owner;	/* RESETPOL_UNHELD, _FREE or a domid */
	char		rf_driver[32];	/* unheld: dom0's driver, "" none */
};

struct resetpol {
	int		rp_avail[RESETPOL_NMETHODS];
	/* Available: what it is; else why not. */
	char		rp_why[RESETPOL_NMETHODS][RESETPOL_TEXT];
	int		rp_use;		/* RESETPOL_*, or -1: none */
	char		rp_usewhy[RESETPOL_TEXT];
	/* rp_use is a slot or bus reset that reaches rp_with too. */
	int		rp_coord;
	struct bdf	rp_with[RESETPOL_MAXWITH];
	size_t		rp_nwith;
	int		rp_has_bridge;
	struct bdf	rp_bridge;
};

/* The registers its own methods depend on (offset 0: no such cap). */
struct resetpol_caps {
	unsigned int	rc_exp;		/* PCIe capability */
	uint32_t	rc_devcap;	/* its device capabilities */
	unsigned int	rc_af;		/* Advanced Features capability */
	uint8_t		rc_afcap;	/* its AF capabilities */
	unsigned int	rc_pm;		/* power management capability */
	uint16_t	rc_pmcsr;	/* its control/status */
};

/*
 * Its own methods: FLR and PM filled in, the others said to be unknown
 * until resetpol_bus.
 */
void		 resetpol_own(struct resetpol *, const struct resetpol_caps *);
/* The same registers from config space (len 64 to 4096 bytes). */
void		 resetpol_caps(struct resetpol_caps *, const uint8_t *, size_t);
/*
 * The slot and bus reset of b among the host's functions (b's own entry
 * is ignored if there), then the choice.
 */
void		 resetpol_bus(struct resetpol *, const struct bdf *,
		    const struct resetpol_fn *, size_t);
/* "flr", "pm", "slot", "bus" (Linux's reset_method names). */
const char	*resetpol_name(int);
/*
 * A bridge's slot from its config space: 1 a hot-plug slot, 0 none,
 * -1 cannot tell (a conventional bridge: ACPI may still have one).
 */
int		 resetpol_hotplug(const uint8_t *, size_t);

#endif /* PCIBACKD_RESETPOL_H */
