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
 * Test support: an independent reference model of the guest's view of a
 * type-0 config space, written byte by byte from doc/protocol.md §5 (the
 * § below refer to it) and not from the engine's field tables.  For each
 * byte it says what the guest reads right after the engine was created,
 * and which hardware changes a guest write may cause there under a given
 * policy.
 *
 * Also the loader for tests/data/<dump>.bars, the BAR sizes the dumps do
 * not carry.
 */

#ifndef PCIBACKD_TEST_REFMODEL_H
#define PCIBACKD_TEST_REFMODEL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bdf.h"
#include "cfgspace.h"

/* rr_class: what a guest write may do to the hardware byte. */
#define REFMODEL_NEVER		0	/* no hardware write may touch it */
#define REFMODEL_MASK		1	/* only rr_mask bits may change */
#define REFMODEL_THROUGH	2	/* the guest's byte reaches hardware */
#define REFMODEL_FREE		3	/* not judged: the sources disagree */

struct refmodel_rule {
	uint8_t		rr_class;
	uint8_t		rr_mask;	/* REFMODEL_MASK: bits that may change */
	uint8_t		rr_setonly;	/* of those, bits that may only be set */
	uint8_t		rr_nofield;	/* no field covers it (§4.2) */
};

struct refmodel_cap {
	uint16_t	rc_off;
	uint16_t	rc_id;
};

/* One BAR slot (0..5) or the ROM BAR (CFGDEV_ROM). */
struct refmodel_bar {
	unsigned int	rb_reg;		/* config offset of the register */
	int		rb_present;	/* sized, assigned and not hidden */
	int		rb_upper;	/* upper dword of the 64-bit BAR below */
	uint32_t	rb_val;		/* read without the sizing latch */
	uint32_t	rb_len;		/* read with the sizing latch */
	uint32_t	rb_sizemask;	/* (value | mask) == ~0 sets the latch */
};

#define REFMODEL_MAXCAPS	48
#define REFMODEL_MAXECAPS	((CFGSPACE_EXT_SIZE - CFGSPACE_CONV_SIZE) / 8)

struct refmodel {
	uint32_t		rm_size;
	int			rm_permissive;
	int			rm_intx_control;
	uint8_t			rm_read[CFGSPACE_EXT_SIZE];
	struct refmodel_rule	rm_rule[CFGSPACE_EXT_SIZE];
	struct refmodel_cap	rm_cap[REFMODEL_MAXCAPS];
	size_t			rm_ncap;
	struct refmodel_cap	rm_ecap[REFMODEL_MAXECAPS];
	size_t			rm_necap;
	struct refmodel_bar	rm_bar[CFGDEV_NBARS + 1];
	unsigned int		rm_msictl;	/* MSI Message Control, 0: none */
	unsigned int		rm_msixctl;	/* MSI-X Message Control, 0: none */
};

/*
 * Build the model of a device from its hardware bytes (ci_size of them),
 * the provider's facts and the policy.  -1 for header types other than 0
 * and for sizes other than 256 and 4096.
 */
int		 refmodel_init(struct refmodel *, const uint8_t *,
		    const struct cfgdev_info *, const struct cfgspace_policy *);
/* Offset of the first capability with this ID, 0 if absent. */
unsigned int	 refmodel_cap(const struct refmodel *, uint8_t);
unsigned int	 refmodel_ecap(const struct refmodel *, uint16_t);
/* The BAR slot whose register holds this offset, -1 if none. */
int		 refmodel_bar_at(const struct refmodel *, unsigned int);

/*
 * BAR sizes of one device from a sidecar file: sizes[0..5] and
 * sizes[CFGDEV_ROM], 0 for a BAR the file does not list.  0, or -1 with
 * *cause set (free it).  _read takes an open stream and a name for
 * messages.
 */
int		 refmodel_bars_load(const char *, const struct bdf *,
		    uint64_t *, char **);
int		 refmodel_bars_read(FILE *, const char *, const struct bdf *,
		    uint64_t *, char **);

#endif /* PCIBACKD_TEST_REFMODEL_H */
