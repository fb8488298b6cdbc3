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
 * XSA-461 (doc/advisories.md): a guest must not share an INTx line or a
 * BAR page with a function it was not given.  A line is what dom0 routes
 * the pin to; only a function that may assert it shares it.  A function
 * with MSI or MSI-X needs no INTx: it is given with its INTx disable bit
 * held set in hardware (cfgspace's cp_intx_held), so the line it shares
 * never hears from it, and a guest that wants INTx after all gets none.
 */

#include <stdio.h>
#include <string.h>

#include "sharepol.h"

#define SHAREPOL_PAGE_SIZE	4096ULL
#define SHAREPOL_PAGE_MASK	(~(SHAREPOL_PAGE_SIZE - 1))

uint32_t
sharepol_irq(uint32_t irq, uint8_t pin, uint32_t oirq, uint8_t opin)
{
	if (irq == 0 || pin == 0 || opin == 0 || oirq != irq)
		return 0;
	return irq;
}

/* A memory BAR the guest could map: assigned, present, not I/O. */
static int
sharepol_mem_bar(const struct cfgdev_bar *cb)
{
	return cb->cb_size != 0 && cb->cb_start != 0 &&
	    (cb->cb_flags & (CFGDEV_BAR_IO | CFGDEV_BAR_HIDDEN)) == 0;
}

uint64_t
sharepol_page(const struct cfgdev_bar *a, const struct cfgdev_bar *b)
{
	uint64_t	alo, ahi, blo, bhi;

	if (!sharepol_mem_bar(a) || !sharepol_mem_bar(b))
		return 0;
	alo = a->cb_start & SHAREPOL_PAGE_MASK;
	ahi = (a->cb_start + a->cb_size - 1) & SHAREPOL_PAGE_MASK;
	blo = b->cb_start & SHAREPOL_PAGE_MASK;
	bhi = (b->cb_start + b->cb_size - 1) & SHAREPOL_PAGE_MASK;
	if (ahi < blo || bhi < alo)
		return 0;
	return alo > blo ? alo : blo;
}

int
sharepol_irq_verdict(int allowed, int msi, int msix, int other_intx_off)
{
	if (allowed)
		return SHAREPOL_ALLOWED;
	if (other_intx_off)
		return SHAREPOL_UNUSED;
	if (msi || msix)
		return SHAREPOL_HOLD;
	return SHAREPOL_REFUSE;
}

int
sharepol_page_verdict(int allowed)
{
	return allowed ? SHAREPOL_ALLOWED : SHAREPOL_REFUSE;
}

void
sharepol_fix(const char *addr, int what, const char *file, int line,
    const char *conffile, char *buf, size_t len)
{
	char	opts[64];

	if (len == 0)
		return;
	snprintf(opts, sizeof(opts), "%s%s%s",
	    (what & SHAREPOL_IRQ) ? "allow shared-irq" : "",
	    (what & SHAREPOL_IRQ) && (what & SHAREPOL_PAGE) ? " " : "",
	    (what & SHAREPOL_PAGE) ? "allow shared-bar-page" : "");
	if (file != NULL)
		snprintf(buf, len, "add \"%s\" to the device block at %s:%d",
		    opts, file, line);
	else
		snprintf(buf, len, "add \"device %s { %s }\" to %s", addr,
		    opts, conffile);
}
