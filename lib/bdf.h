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
 * PCI addresses in every textual form pcibackd meets: the xl syntax,
 * the xenstore keys libxl and the backend write, and the boot-time hide
 * list.  Parsers are strict and report the first offending character.
 */

#ifndef PCIBACKD_BDF_H
#define PCIBACKD_BDF_H

#include <stddef.h>
#include <stdint.h>

/* One PCI function. */
struct bdf {
	uint16_t	b_seg;		/* segment (PCI domain) */
	uint8_t		b_bus;
	uint8_t		b_dev;		/* 0..31 */
	uint8_t		b_fn;		/* 0..7 */
};

/* An xl address that may name all functions of a slot ("BB:DD.*"). */
struct bdf_pattern {
	struct bdf	bp_bdf;		/* b_fn is 0 when bp_allfn is set */
	int		bp_allfn;
};

/* Where and why a parse failed; be_pos indexes the input string. */
struct bdf_error {
	size_t		be_pos;
	char		be_msg[96];
};

#define BDF_DEVFN(b)		((unsigned)(((b)->b_dev << 3) | (b)->b_fn))
#define BDF_XL_MAX		16	/* "dddd:bb:dd.f" + NUL, rounded up */
#define BDF_HIDE_MAX		256	/* entries in one hide list */

/* Parsers: 0 on success, -1 with *err filled in (err may be NULL). */
int	bdf_parse_xl(const char *, struct bdf_pattern *, struct bdf_error *);
int	bdf_parse_dev(const char *, struct bdf *, struct bdf_error *);
int	bdf_parse_vdev(const char *, struct bdf *, struct bdf_error *);
int	bdf_parse_root(const char *, uint16_t *, uint8_t *,
	    struct bdf_error *);
int	bdf_parse_hide(const char *, struct bdf_pattern *, size_t,
	    size_t *, struct bdf_error *);

/* Formatters: snprintf semantics, always NUL-terminated. */
int	bdf_format_dev(const struct bdf *, char *, size_t);	/* dev-N */
int	bdf_format_vdev(const struct bdf *, char *, size_t);	/* vdev-N */
int	bdf_format_root(uint16_t, uint8_t, char *, size_t);	/* root-N */
int	bdf_format_pattern(const struct bdf_pattern *, char *, size_t);

int	bdf_equal(const struct bdf *, const struct bdf *);
int	bdf_match(const struct bdf_pattern *, const struct bdf *);

#endif /* PCIBACKD_BDF_H */
