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
 * Hand-written scanners for PCI addresses.  sscanf and strtoul would let
 * through signs, blanks, "0x" prefixes and overflow, so every parser here
 * walks the string itself and stops at the first character that does not
 * belong, recording where it is and what was expected instead.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bdf.h"

#define BDF_DEV_MAX		0x1f
#define BDF_FN_MAX		7
/* How much of the input a message quotes, and how much before the error. */
#define BDF_QUOTE_MAX		24
#define BDF_QUOTE_BEFORE	16

/* A parse in progress: the whole input, how far we got, where to report. */
struct bdf_scan {
	const char		*sc_str;
	size_t			 sc_len;
	size_t			 sc_pos;
	struct bdf_error	*sc_err;
};

static void	bdf_fail(struct bdf_scan *, size_t, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));

static void
bdf_scan_init(struct bdf_scan *sc, const char *s, struct bdf_error *err)
{
	sc->sc_str = s != NULL ? s : "";
	sc->sc_len = strlen(sc->sc_str);
	sc->sc_pos = 0;
	sc->sc_err = err;
}

static int
bdf_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
bdf_isalpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * Render one byte for a message.  Quotes and backslashes are escaped too,
 * so the text stays unambiguous and a hostile xenstore value cannot put
 * control characters into the log.
 */
static void
bdf_vis(char *buf, size_t len, unsigned char c)
{
	if (c >= 0x20 && c < 0x7f && c != '"' && c != '\'' && c != '\\')
		snprintf(buf, len, "%c", c);
	else
		snprintf(buf, len, "\\x%02x", c);
}

/* Quote the input, or a window of it around pos when it is long. */
static void
bdf_quote(const struct bdf_scan *sc, size_t pos, char *buf, size_t len)
{
	char	 ch[8];
	size_t	 start = 0, i, n, width = 0;

	if (sc->sc_len > BDF_QUOTE_MAX && pos > BDF_QUOTE_BEFORE)
		start = pos - BDF_QUOTE_BEFORE;
	snprintf(buf, len, "\"%s", start > 0 ? "..." : "");
	/* Count output width, so escapes cannot crowd out the message. */
	for (i = start; i < sc->sc_len; i++) {
		bdf_vis(ch, sizeof(ch), (unsigned char)sc->sc_str[i]);
		if (width + strlen(ch) > BDF_QUOTE_MAX)
			break;
		width += strlen(ch);
		n = strlen(buf);
		snprintf(buf + n, len - n, "%s", ch);
	}
	n = strlen(buf);
	snprintf(buf + n, len - n, "%s\"", i < sc->sc_len ? "..." : "");
}

static void
bdf_fail(struct bdf_scan *sc, size_t pos, const char *fmt, ...)
{
	struct bdf_error	*err = sc->sc_err;
	va_list			 ap;
	size_t			 n;

	if (err == NULL)
		return;
	err->be_pos = pos;
	bdf_quote(sc, pos, err->be_msg, sizeof(err->be_msg));
	n = strlen(err->be_msg);
	snprintf(err->be_msg + n, sizeof(err->be_msg) - n, ": ");
	n = strlen(err->be_msg);
	va_start(ap, fmt);
	vsnprintf(err->be_msg + n, sizeof(err->be_msg) - n, fmt, ap);
	va_end(ap);
}

/* Report the character at the current position as not what we wanted. */
static void
bdf_unexpected(struct bdf_scan *sc, const char *expected)
{
	char	ch[8];
	size_t	pos = sc->sc_pos;

	if (sc->sc_str[pos] == '\0') {
		bdf_fail(sc, pos, "unexpected end of input at column %zu, "
		    "expected %s", pos + 1, expected);
		return;
	}
	bdf_vis(ch, sizeof(ch), (unsigned char)sc->sc_str[pos]);
	bdf_fail(sc, pos, "unexpected '%s' at column %zu, expected %s", ch,
	    pos + 1, expected);
}

static int
bdf_expect(struct bdf_scan *sc, char c)
{
	char	what[8];

	if (sc->sc_str[sc->sc_pos] == c) {
		sc->sc_pos++;
		return 0;
	}
	snprintf(what, sizeof(what), "'%c'", c);
	bdf_unexpected(sc, what);
	return -1;
}

/* Read 1..maxdig hex digits; a further digit is an error, not a stop. */
static int
bdf_field(struct bdf_scan *sc, const char *name, size_t maxdig,
    unsigned int *val)
{
	const char	*s = sc->sc_str;
	size_t		 start = sc->sc_pos, n = 0;
	int		 d;

	*val = 0;
	while (n < maxdig && (d = bdf_hexval(s[sc->sc_pos])) != -1) {
		*val = (*val << 4) | (unsigned int)d;
		sc->sc_pos++;
		n++;
	}
	if (n == 0) {
		bdf_unexpected(sc, "a hex digit");
		return -1;
	}
	if (bdf_hexval(s[sc->sc_pos]) != -1) {
		bdf_fail(sc, sc->sc_pos, "too many hex digits in %s at column "
		    "%zu (max %zu)", name, sc->sc_pos + 1, maxdig);
		return -1;
	}
	/* Name the likely mistake rather than just the 'x'. */
	if (n == 1 && s[start] == '0' &&
	    (s[sc->sc_pos] == 'x' || s[sc->sc_pos] == 'X') &&
	    bdf_hexval(s[sc->sc_pos + 1]) != -1) {
		bdf_fail(sc, sc->sc_pos, "unexpected '%c' at column %zu, "
		    "no 0x prefix allowed", s[sc->sc_pos], sc->sc_pos + 1);
		return -1;
	}
	/* A letter inside a short field reads as a bad digit, not an end. */
	if (n < maxdig && bdf_isalpha(s[sc->sc_pos])) {
		bdf_unexpected(sc, "a hex digit");
		return -1;
	}
	return 0;
}

static int
bdf_device(struct bdf_scan *sc, uint8_t *dev)
{
	size_t		start = sc->sc_pos;
	unsigned int	v;

	if (bdf_field(sc, "device", 2, &v) != 0)
		return -1;
	if (v > BDF_DEV_MAX) {
		bdf_fail(sc, start, "device 0x%02x out of range (max 0x%02x) "
		    "at column %zu", v, BDF_DEV_MAX, start + 1);
		return -1;
	}
	*dev = (uint8_t)v;
	return 0;
}

static int
bdf_function(struct bdf_scan *sc, size_t maxdig, uint8_t *fn)
{
	size_t		start = sc->sc_pos;
	unsigned int	v;

	if (bdf_field(sc, "function", maxdig, &v) != 0)
		return -1;
	if (v > BDF_FN_MAX) {
		bdf_fail(sc, start, "function 0x%x out of range (max 0x%x) "
		    "at column %zu", v, BDF_FN_MAX, start + 1);
		return -1;
	}
	*fn = (uint8_t)v;
	return 0;
}

static int
bdf_segbus(struct bdf_scan *sc, uint16_t *seg, uint8_t *bus)
{
	unsigned int	s, b;

	if (bdf_field(sc, "segment", 4, &s) != 0 || bdf_expect(sc, ':') != 0 ||
	    bdf_field(sc, "bus", 2, &b) != 0)
		return -1;
	*seg = (uint16_t)s;
	*bus = (uint8_t)b;
	return 0;
}

/* "SSSS:BB:DD.F" with fnmax function digits, as xenstore holds it. */
static int
bdf_full(struct bdf_scan *sc, size_t fnmax, struct bdf *b)
{
	if (bdf_segbus(sc, &b->b_seg, &b->b_bus) != 0 ||
	    bdf_expect(sc, ':') != 0 || bdf_device(sc, &b->b_dev) != 0 ||
	    bdf_expect(sc, '.') != 0 || bdf_function(sc, fnmax, &b->b_fn) != 0)
		return -1;
	return 0;
}

/*
 * The segment is optional in the xl form, and "A:B" alone cannot say
 * whether A is a segment or a bus; two colons ahead of the function mean
 * it is there.  Deciding first lets each field be named in errors.
 */
static int
bdf_xl_has_seg(const struct bdf_scan *sc)
{
	const char	*s = sc->sc_str + sc->sc_pos;
	int		 colons = 0;

	for (; *s == ':' || bdf_hexval(*s) != -1; s++)
		if (*s == ':')
			colons++;
	return colons >= 2;
}

static int
bdf_xl(struct bdf_scan *sc, struct bdf_pattern *p)
{
	struct bdf	*b = &p->bp_bdf;
	unsigned int	 v;

	memset(p, 0, sizeof(*p));
	if (bdf_xl_has_seg(sc)) {
		if (bdf_segbus(sc, &b->b_seg, &b->b_bus) != 0)
			return -1;
	} else {
		if (bdf_field(sc, "bus", 2, &v) != 0)
			return -1;
		b->b_bus = (uint8_t)v;
	}
	if (bdf_expect(sc, ':') != 0 || bdf_device(sc, &b->b_dev) != 0 ||
	    bdf_expect(sc, '.') != 0)
		return -1;
	if (sc->sc_str[sc->sc_pos] == '*') {
		sc->sc_pos++;
		p->bp_allfn = 1;
		return 0;
	}
	return bdf_function(sc, 1, &b->b_fn);
}

static int
bdf_empty(struct bdf_scan *sc, const char *what)
{
	if (sc->sc_len != 0)
		return 0;
	bdf_fail(sc, 0, "empty %s", what);
	return -1;
}

static int
bdf_end(struct bdf_scan *sc)
{
	char	ch[8];

	if (sc->sc_str[sc->sc_pos] == '\0')
		return 0;
	bdf_vis(ch, sizeof(ch), (unsigned char)sc->sc_str[sc->sc_pos]);
	bdf_fail(sc, sc->sc_pos, "trailing garbage '%s' at column %zu", ch,
	    sc->sc_pos + 1);
	return -1;
}

int
bdf_parse_xl(const char *s, struct bdf_pattern *out, struct bdf_error *err)
{
	struct bdf_scan		sc;
	struct bdf_pattern	p;

	bdf_scan_init(&sc, s, err);
	if (bdf_empty(&sc, "address") != 0 || bdf_xl(&sc, &p) != 0 ||
	    bdf_end(&sc) != 0)
		return -1;
	*out = p;
	return 0;
}

int
bdf_parse_dev(const char *s, struct bdf *out, struct bdf_error *err)
{
	struct bdf_scan	sc;
	struct bdf	b;

	bdf_scan_init(&sc, s, err);
	if (bdf_empty(&sc, "address") != 0 || bdf_full(&sc, 1, &b) != 0 ||
	    bdf_end(&sc) != 0)
		return -1;
	*out = b;
	return 0;
}

int
bdf_parse_vdev(const char *s, struct bdf *out, struct bdf_error *err)
{
	struct bdf_scan	sc;
	struct bdf	b;

	bdf_scan_init(&sc, s, err);
	if (bdf_empty(&sc, "address") != 0 || bdf_full(&sc, 2, &b) != 0 ||
	    bdf_end(&sc) != 0)
		return -1;
	*out = b;
	return 0;
}

int
bdf_parse_root(const char *s, uint16_t *seg, uint8_t *bus,
    struct bdf_error *err)
{
	struct bdf_scan	sc;
	uint16_t	s16;
	uint8_t		b8;

	bdf_scan_init(&sc, s, err);
	if (bdf_empty(&sc, "segment:bus") != 0 ||
	    bdf_segbus(&sc, &s16, &b8) != 0 || bdf_end(&sc) != 0)
		return -1;
	*seg = s16;
	*bus = b8;
	return 0;
}

/*
 * "(A)(B)...": entries back to back, as Linux's pciback.hide takes them.
 * On failure the patterns array may have been partly written.
 */
int
bdf_parse_hide(const char *s, struct bdf_pattern *pats, size_t max,
    size_t *count, struct bdf_error *err)
{
	struct bdf_scan		sc;
	struct bdf_pattern	p;
	size_t			n = 0;

	if (count != NULL)
		*count = 0;
	bdf_scan_init(&sc, s, err);
	if (bdf_empty(&sc, "hide list") != 0)
		return -1;
	while (sc.sc_str[sc.sc_pos] != '\0') {
		if (n == max) {
			bdf_fail(&sc, sc.sc_pos, "too many entries in hide "
			    "list at column %zu (max %zu)", sc.sc_pos + 1, max);
			return -1;
		}
		if (bdf_expect(&sc, '(') != 0 || bdf_xl(&sc, &p) != 0 ||
		    bdf_expect(&sc, ')') != 0)
			return -1;
		pats[n++] = p;
	}
	if (count != NULL)
		*count = n;
	return 0;
}

int
bdf_format_dev(const struct bdf *b, char *buf, size_t len)
{
	return snprintf(buf, len, "%04x:%02x:%02x.%01x", b->b_seg, b->b_bus,
	    b->b_dev, b->b_fn);
}

int
bdf_format_vdev(const struct bdf *b, char *buf, size_t len)
{
	return snprintf(buf, len, "%04x:%02x:%02x.%02x", b->b_seg, b->b_bus,
	    b->b_dev, b->b_fn);
}

int
bdf_format_root(uint16_t seg, uint8_t bus, char *buf, size_t len)
{
	return snprintf(buf, len, "%04x:%02x", seg, bus);
}

int
bdf_format_pattern(const struct bdf_pattern *p, char *buf, size_t len)
{
	const struct bdf	*b = &p->bp_bdf;

	if (p->bp_allfn)
		return snprintf(buf, len, "%04x:%02x:%02x.*", b->b_seg,
		    b->b_bus, b->b_dev);
	return snprintf(buf, len, "%04x:%02x:%02x.%x", b->b_seg, b->b_bus,
	    b->b_dev, b->b_fn);
}

int
bdf_equal(const struct bdf *a, const struct bdf *b)
{
	return a->b_seg == b->b_seg && a->b_bus == b->b_bus &&
	    a->b_dev == b->b_dev && a->b_fn == b->b_fn;
}

int
bdf_match(const struct bdf_pattern *p, const struct bdf *b)
{
	const struct bdf	*pb = &p->bp_bdf;

	return pb->b_seg == b->b_seg && pb->b_bus == b->b_bus &&
	    pb->b_dev == b->b_dev && (p->bp_allfn || pb->b_fn == b->b_fn);
}
