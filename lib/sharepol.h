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
 * XSA-461, the decisions alone: whether two functions share an INTx line
 * or a 4 KiB page of their memory BARs, what pcibackd does about it, and
 * the configuration line that would allow it.  Who the other functions
 * are, and who has them, is the daemon's to find out (daemon/share.c).
 */

#ifndef PCIBACKD_SHAREPOL_H
#define PCIBACKD_SHAREPOL_H

#include <stddef.h>
#include <stdint.h>

#include "cfgspace.h"

/* What pcibackd does about one thing shared with another function. */
#define SHAREPOL_ALLOWED	0	/* "allow shared-..." accepts the risk */
#define SHAREPOL_HOLD		1	/* INTx line: given, INTx held off */
#define SHAREPOL_REFUSE		2	/* not given to the guest */
#define SHAREPOL_FREE		3	/* shared with a free held function:
					   fine if both go to one guest */
#define SHAREPOL_UNUSED		4	/* INTx line: dom0's other function
					   has its INTx off, the line is
					   this one's alone */

/* What is shared, for sharepol_fix (bits). */
#define SHAREPOL_IRQ		0x1
#define SHAREPOL_PAGE		0x2

/*
 * The INTx line two functions share: a dom0 IRQ both have with a pin, or
 * 0 if none.
 */
uint32_t	 sharepol_irq(uint32_t, uint8_t, uint32_t, uint8_t);

/*
 * The first 4 KiB page two BARs (or ROMs) both decode, or 0: only
 * assigned memory BARs a guest could map count.
 */
uint64_t	 sharepol_page(const struct cfgdev_bar *,
		    const struct cfgdev_bar *);

/*
 * A shared INTx line with a function the guest does not get: allowed by
 * the configuration; else unused when the other is dom0's and has its
 * INTx disable bit set (Linux sets it when a driver takes MSI or MSI-X:
 * dom0 takes no interrupt on the line, so the guest can starve nobody
 * there); else held off for a function that has MSI or MSI-X (its INTx
 * disable bit set in hardware for the whole assignment, so it never
 * asserts the line); else refused: the function has only INTx.
 * Arguments: allowed, msi, msix, other_intx_off.
 */
int		 sharepol_irq_verdict(int, int, int, int);
/* A shared page: allowed by the configuration, or refused. */
int		 sharepol_page_verdict(int);

/*
 * The one step that allows what (SHAREPOL_IRQ | SHAREPOL_PAGE) is
 * refused for the function addr: with file and line of its device block
 * (file NULL: it has none), "add ... to the device block at FILE:LINE",
 * else the block to add to conffile.  The text goes in buf, always
 * terminated.
 */
void		 sharepol_fix(const char *, int, const char *, int,
		    const char *, char *, size_t);

#endif /* PCIBACKD_SHAREPOL_H */
