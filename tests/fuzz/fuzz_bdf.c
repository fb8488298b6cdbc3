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
 * Every bdf parser on the same input.  Accepted values must survive
 * format-then-parse unchanged; rejections must leave a usable error.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bdf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_HIDE_SMALL	3

static void
fuzz_check_error(const char *s, const struct bdf_error *e)
{
	if (e->be_pos > strlen(s))
		abort();
	if (memchr(e->be_msg, '\0', sizeof(e->be_msg)) == NULL)
		abort();
	if (e->be_msg[0] == '\0')
		abort();
}

static void
fuzz_pattern_round_trip(const struct bdf_pattern *p)
{
	struct bdf_pattern	q;
	char			buf[BDF_XL_MAX];

	if (p->bp_allfn && p->bp_bdf.b_fn != 0)
		abort();
	if (p->bp_bdf.b_dev > 0x1f || p->bp_bdf.b_fn > 7)
		abort();
	bdf_format_pattern(p, buf, sizeof(buf));
	if (bdf_parse_xl(buf, &q, NULL) != 0)
		abort();
	if (!bdf_equal(&p->bp_bdf, &q.bp_bdf) || p->bp_allfn != q.bp_allfn)
		abort();
}

static void
fuzz_xl(const char *s)
{
	struct bdf_pattern	p;
	struct bdf_error	e;

	if (bdf_parse_xl(s, &p, &e) != 0) {
		fuzz_check_error(s, &e);
		return;
	}
	fuzz_pattern_round_trip(&p);
}

static void
fuzz_dev(const char *s)
{
	struct bdf		b, c;
	struct bdf_pattern	p;
	struct bdf_error	e;
	char			buf[BDF_XL_MAX];

	if (bdf_parse_dev(s, &b, &e) != 0) {
		fuzz_check_error(s, &e);
		return;
	}
	bdf_format_dev(&b, buf, sizeof(buf));
	if (bdf_parse_dev(buf, &c, NULL) != 0 || !bdf_equal(&b, &c))
		abort();
	/* dev-N is a subset of the xl syntax. */
	if (bdf_parse_xl(s, &p, NULL) != 0 || p.bp_allfn ||
	    !bdf_equal(&b, &p.bp_bdf))
		abort();
}

static void
fuzz_vdev(const char *s)
{
	struct bdf		b, c;
	struct bdf_error	e;
	char			buf[BDF_XL_MAX];

	if (bdf_parse_vdev(s, &b, &e) != 0) {
		fuzz_check_error(s, &e);
		return;
	}
	bdf_format_vdev(&b, buf, sizeof(buf));
	if (bdf_parse_vdev(buf, &c, NULL) != 0 || !bdf_equal(&b, &c))
		abort();
}

static void
fuzz_root(const char *s)
{
	struct bdf_error	e;
	uint16_t		seg, seg2;
	uint8_t			bus, bus2;
	char			buf[BDF_XL_MAX];

	if (bdf_parse_root(s, &seg, &bus, &e) != 0) {
		fuzz_check_error(s, &e);
		return;
	}
	bdf_format_root(seg, bus, buf, sizeof(buf));
	if (bdf_parse_root(buf, &seg2, &bus2, NULL) != 0 || seg != seg2 ||
	    bus != bus2)
		abort();
}

static void
fuzz_hide(const char *s, size_t max)
{
	struct bdf_pattern	*pats;
	struct bdf_error	 e;
	size_t			 n = 0, i;

	if ((pats = calloc(max, sizeof(*pats))) == NULL)
		abort();
	if (bdf_parse_hide(s, pats, max, &n, &e) != 0) {
		fuzz_check_error(s, &e);
		if (n != 0)
			abort();
		free(pats);
		return;
	}
	if (n == 0 || n > max)
		abort();
	for (i = 0; i < n; i++)
		fuzz_pattern_round_trip(&pats[i]);
	free(pats);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	fuzz_xl(s);
	fuzz_dev(s);
	fuzz_vdev(s);
	fuzz_root(s);
	fuzz_hide(s, FUZZ_HIDE_SMALL);
	fuzz_hide(s, BDF_HIDE_MAX);
	free(s);
	return 0;
}
