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
 * Small helpers every part of the tree shares: the one way to set a
 * "cause" (a malloc'd message the caller frees, NULL when even that
 * failed), the one parser of unsigned numbers from text.
 */

#ifndef PCIBACKD_UTIL_H
#define PCIBACKD_UTIL_H

#include <stdint.h>

/*
 * *cause = the message (cause may be NULL: nobody asked); returns -1,
 * for "return util_cause(...)".
 */
int	util_cause(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * All of s is one unsigned number, at most max.  base 10: decimal
 * digits; base 16: hex digits, "0x" before them or not; base 0: hex
 * after "0x", else decimal (never octal).  UTIL_CANON ORed in: also no
 * leading zero, as printf's %u writes it (what xenstore carries).  No
 * sign, no space, no empty string.  0, or -1.
 */
#define UTIL_CANON	0x100
int	util_number(const char *, int, uint64_t, uint64_t *);

#endif /* PCIBACKD_UTIL_H */
