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
 * The audit of guest config writes that policy kept from the hardware,
 * and what the administrator could allow instead of permissive mode.
 *
 * A worker records each denied write into a fixed table per device
 * (audit_record), in memory it shares with the parent; the parent copies
 * it out as untrusted numbers (audit_copy).  audit_suggest turns one
 * entry and what the config-space engine knows of the register at its
 * offset into the narrowest quirk line, or into the reason there is none.
 * Pure code: no I/O, no clock, no globals.
 */

#ifndef PCIBACKD_AUDIT_H
#define PCIBACKD_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "cfgspace.h"

#define AUDIT_SLOTS	16	/* registers per device and guest */

/* One register a guest wrote and policy denied: fixed size, no pointers. */
struct audit_entry {
	uint16_t	ae_offset;
	uint8_t		ae_size;	/* 1, 2 or 4 */
	uint8_t		ae_refused;	/* the guest got an error, not silence */
	uint32_t	ae_value;	/* the last value written */
	uint32_t	ae_ones;	/* bits written as 1, at least once */
	uint32_t	ae_zeros;	/* bits written as 0, at least once */
	uint32_t	ae_pad;
	uint64_t	ae_count;
	int64_t		ae_first;	/* seconds since the Epoch */
	int64_t		ae_last;
};

struct audit_table {
	uint32_t		at_used;
	uint32_t		at_pad;
	uint64_t		at_overflow;	/* denied with no slot left */
	struct audit_entry	at_e[AUDIT_SLOTS];
};

/* Count one denied write (offset and size as cfgdev_check accepts). */
void	audit_record(struct audit_table *, unsigned int, unsigned int,
	    uint32_t, int, int64_t);

/* 1 if an entry read from untrusted memory is one audit_record makes. */
int	audit_valid(const struct audit_entry *);

/* A table from untrusted memory: only valid entries, at most the slots. */
void	audit_copy(struct audit_table *, const struct audit_table *);

/* What allowing a write would mean. */
#define AUDIT_QUIRK	0	/* a quirk line lets it through */
#define AUDIT_NOTHING	1	/* nothing to allow: it changes no bit */
#define AUDIT_REFUSE	2	/* never: aa_why says why */

struct audit_advice {
	int		 aa_verdict;		/* AUDIT_* */
	unsigned int	 aa_offset;		/* the quirk's */
	unsigned int	 aa_size;
	uint32_t	 aa_mask;
	const char	*aa_safety;	/* "safe", "caution", "unknown", "unsafe" */
	char		 aa_what[128];	/* what the register is */
	char		 aa_why[256];	/* why safe, or why not */
};

/*
 * The narrowest quirk for one entry, given the register at its offset
 * (cfgspace_describe) and, when hw_ok, the register's hardware value
 * now: only the bits some write wanted different are in the mask.
 */
void	audit_suggest(const struct audit_entry *, const struct cfgspace_reg *,
	    int, uint32_t, struct audit_advice *);

/* Quirks of nested accesses (0xe8/2 and 0xe8/4) folded into the wider. */
void	audit_fold(struct audit_advice *, size_t);

/* "PCI Express", "MSI-X", ...; NULL if unknown. */
const char *audit_cap_name(unsigned int, int);

#endif /* PCIBACKD_AUDIT_H */
