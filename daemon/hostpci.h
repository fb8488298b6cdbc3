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
 * The one wrapper around libpci: a scan of the functions an access method
 * sees (the host's, an lspci dump, a sysfs-shaped tree).  libpci reports
 * fatal errors through a callback that must not return and takes no
 * context, so the scan catches them with the one jmp_buf here; scans run
 * on the event loop (or before it), never two at once.
 */

#ifndef PCIBACKD_HOSTPCI_H
#define PCIBACKD_HOSTPCI_H

#include <stddef.h>
#include <stdint.h>

struct pci_dev;

/*
 * src: "dump:FILE", "sysfs:DIR", or NULL for the host.  fn(arg, pd) sees
 * each function, at most max of them, and may read it through libpci (a
 * libpci error ends the scan, so fn must hold nothing it would leak).
 * 0, or -1 with a cause.
 */
int	hostpci_scan(const char *, size_t, void (*)(void *, struct pci_dev *),
	    void *, char **);
/*
 * One 16-bit register of one host function (segment, bus, device,
 * function), read now without a scan.  0, or -1 with a cause.
 */
int	hostpci_read_word(unsigned int, unsigned int, unsigned int,
	    unsigned int, int, uint16_t *, char **);

#endif /* PCIBACKD_HOSTPCI_H */
