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


#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "bdf.h"

static struct bdf
mk(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn)
{
	struct bdf	b;

	b.b_seg = seg;
	b.b_bus = bus;
	b.b_dev = dev;
	b.b_fn = fn;
	return b;
}

static void
assert_bdf(const struct bdf *b, unsigned seg, unsigned bus, unsigned dev,
    unsigned fn)
{
	assert_int_equal(b->b_seg, seg);
	assert_int_equal(b->b_bus, bus);
	assert_int_equal(b->b_dev, dev);
	assert_int_equal(b->b_fn, fn);
}

static void
assert_msg_ok(const struct bdf_error *e)
{
	assert_non_null(memchr(e->be_msg, '\0', sizeof(e->be_msg)));
	assert_true(e->be_msg[0] != '\0');
}

/* Which parser a rejection test runs. */
enum which { XL, DEV, VDEV, ROOT, HIDE };

/* Parse s with one parser; it must fail at pos.  Returns the message. */
static const char *
reject(enum which w, const char *s, size_t pos)
{
	static struct bdf_error	e;
	struct bdf_pattern	p, pats[16];
	struct bdf		b;
	uint16_t		seg;
	uint8_t			bus;
	size_t			n = 99;
	int			rc = 0;

	memset(&e, 0, sizeof(e));
	e.be_pos = (size_t)-1;
	switch (w) {
	case XL:
		rc = bdf_parse_xl(s, &p, &e);
		break;
	case DEV:
		rc = bdf_parse_dev(s, &b, &e);
		break;
	case VDEV:
		rc = bdf_parse_vdev(s, &b, &e);
		break;
	case ROOT:
		rc = bdf_parse_root(s, &seg, &bus, &e);
		break;
	case HIDE:
		rc = bdf_parse_hide(s, pats, 16, &n, &e);
		assert_int_equal(n, 0);
		break;
	}
	if (rc != -1)
		fail_msg("parser %d accepted \"%s\"", (int)w, s);
	if (e.be_pos != pos)
		fail_msg("\"%s\": be_pos %zu, want %zu (%s)", s, e.be_pos, pos,
		    e.be_msg);
	assert_msg_ok(&e);
	return e.be_msg;
}

static void
assert_contains(const char *msg, const char *part)
{
	if (strstr(msg, part) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", msg, part);
}

/* --- accepted forms ------------------------------------------------- */

static void
test_xl_full_address(void **state)
{
	struct bdf_pattern	p;

	(void)state;
	assert_int_equal(bdf_parse_xl("0000:03:00.0", &p, NULL), 0);
	assert_bdf(&p.bp_bdf, 0, 3, 0, 0);
	assert_int_equal(p.bp_allfn, 0);
	assert_int_equal(bdf_parse_xl("ffff:ff:1f.7", &p, NULL), 0);
	assert_bdf(&p.bp_bdf, 0xffff, 0xff, 0x1f, 7);
}

static void
test_xl_segment_optional_and_short_fields(void **state)
{
	struct bdf_pattern	p;

	(void)state;
	assert_int_equal(bdf_parse_xl("03:00.0", &p, NULL), 0);
	assert_bdf(&p.bp_bdf, 0, 3, 0, 0);
	assert_int_equal(bdf_parse_xl("3:0.0", &p, NULL), 0);
	assert_bdf(&p.bp_bdf, 0, 3, 0, 0);
	assert_int_equal(bdf_parse_xl("1:2:3.4", &p, NULL), 0);
	assert_bdf(&p.bp_bdf, 1, 2, 3, 4);
	assert_int_equal(bdf_parse_xl("12:1f.7", &p, NULL), 0);
	assert_bdf(&p.bp_bdf, 0, 0x12, 0x1f, 7);
}

static void
test_xl_wildcard_function(void **state)
{
	struct bdf_pattern	p;

	(void)state;
	memset(&p, 0xee, sizeof(p));
	assert_int_equal(bdf_parse_xl("0000:00:1f.*", &p, NULL), 0);
	assert_bdf(&p.bp_bdf, 0, 0, 0x1f, 0);
	assert_int_equal(p.bp_allfn, 1);
	assert_int_equal(bdf_parse_xl("03:00.*", &p, NULL), 0);
	assert_bdf(&p.bp_bdf, 0, 3, 0, 0);
	assert_int_equal(p.bp_allfn, 1);
}

static void
test_xl_case_insensitive(void **state)
{
	struct bdf_pattern	p;

	(void)state;
	assert_int_equal(bdf_parse_xl("ABcD:eF:1F.7", &p, NULL), 0);
	assert_bdf(&p.bp_bdf, 0xabcd, 0xef, 0x1f, 7);
}

static void
test_dev_libxl_example(void **state)
{
	struct bdf	b;

	(void)state;
	assert_int_equal(bdf_parse_dev("0000:03:00.1", &b, NULL), 0);
	assert_bdf(&b, 0, 3, 0, 1);
}

static void
test_dev_tolerates_short_fields(void **state)
{
	struct bdf	b;

	(void)state;
	assert_int_equal(bdf_parse_dev("0:3:0.1", &b, NULL), 0);
	assert_bdf(&b, 0, 3, 0, 1);
	assert_int_equal(bdf_parse_dev("A:Bc:1F.7", &b, NULL), 0);
	assert_bdf(&b, 0xa, 0xbc, 0x1f, 7);
}

static void
test_vdev_kernel_example(void **state)
{
	struct bdf	b;

	(void)state;
	assert_int_equal(bdf_parse_vdev("0000:00:01.00", &b, NULL), 0);
	assert_bdf(&b, 0, 0, 1, 0);
	assert_int_equal(bdf_parse_vdev("0000:00:1f.07", &b, NULL), 0);
	assert_bdf(&b, 0, 0, 0x1f, 7);
}

static void
test_vdev_accepts_one_digit_function(void **state)
{
	struct bdf	b;

	(void)state;
	assert_int_equal(bdf_parse_vdev("0000:00:02.3", &b, NULL), 0);
	assert_bdf(&b, 0, 0, 2, 3);
}

static void
test_root_segment_bus(void **state)
{
	uint16_t	seg = 1;
	uint8_t		bus = 1;

	(void)state;
	assert_int_equal(bdf_parse_root("0000:00", &seg, &bus, NULL), 0);
	assert_int_equal(seg, 0);
	assert_int_equal(bus, 0);
	assert_int_equal(bdf_parse_root("1:Ab", &seg, &bus, NULL), 0);
	assert_int_equal(seg, 1);
	assert_int_equal(bus, 0xab);
}

static void
test_hide_list_three_forms(void **state)
{
	struct bdf_pattern	pats[4];
	size_t			n = 0;

	(void)state;
	assert_int_equal(bdf_parse_hide("(0000:03:00.0)(04:00.1)(05:1f.*)",
	    pats, 4, &n, NULL), 0);
	assert_int_equal(n, 3);
	assert_bdf(&pats[0].bp_bdf, 0, 3, 0, 0);
	assert_int_equal(pats[0].bp_allfn, 0);
	assert_bdf(&pats[1].bp_bdf, 0, 4, 0, 1);
	assert_bdf(&pats[2].bp_bdf, 0, 5, 0x1f, 0);
	assert_int_equal(pats[2].bp_allfn, 1);
}

static void
test_hide_list_exactly_max_entries(void **state)
{
	struct bdf_pattern	pats[2];
	size_t			n = 0;

	(void)state;
	assert_int_equal(bdf_parse_hide("(01:00.0)(02:00.0)", pats, 2, &n,
	    NULL), 0);
	assert_int_equal(n, 2);
	assert_bdf(&pats[1].bp_bdf, 0, 2, 0, 0);
}

/* --- round trips ---------------------------------------------------- */

static const uint16_t	segs[] = { 0, 1, 0x10, 0xabc, 0x8000, 0xffff };
static const uint8_t	buses[] = { 0, 1, 0x0a, 0x10, 0x7f, 0xff };

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

static void
test_dev_and_vdev_round_trip(void **state)
{
	struct bdf	b, out;
	char		buf[BDF_XL_MAX];
	size_t		i, j;
	unsigned	dev, fn;

	(void)state;
	for (i = 0; i < NITEMS(segs); i++)
	for (j = 0; j < NITEMS(buses); j++)
	for (dev = 0; dev < 32; dev++)
	for (fn = 0; fn < 8; fn++) {
		b = mk(segs[i], buses[j], (uint8_t)dev, (uint8_t)fn);
		assert_int_equal(bdf_format_dev(&b, buf, sizeof(buf)), 12);
		assert_int_equal(bdf_parse_dev(buf, &out, NULL), 0);
		assert_true(bdf_equal(&b, &out));
		assert_int_equal(bdf_format_vdev(&b, buf, sizeof(buf)), 13);
		assert_int_equal(bdf_parse_vdev(buf, &out, NULL), 0);
		assert_true(bdf_equal(&b, &out));
	}
}

static void
test_pattern_round_trip(void **state)
{
	struct bdf_pattern	p, out;
	char			buf[BDF_XL_MAX];
	size_t			i, j;
	unsigned		dev, fn;

	(void)state;
	for (i = 0; i < NITEMS(segs); i++)
	for (j = 0; j < NITEMS(buses); j++)
	for (dev = 0; dev < 32; dev++)
	for (fn = 0; fn < 9; fn++) {
		/* fn 8 stands for the all-functions pattern. */
		memset(&p, 0, sizeof(p));
		p.bp_bdf = mk(segs[i], buses[j], (uint8_t)dev,
		    fn == 8 ? 0 : (uint8_t)fn);
		p.bp_allfn = fn == 8;
		assert_int_equal(bdf_format_pattern(&p, buf, sizeof(buf)), 12);
		assert_int_equal(bdf_parse_xl(buf, &out, NULL), 0);
		assert_true(bdf_equal(&p.bp_bdf, &out.bp_bdf));
		assert_int_equal(p.bp_allfn, out.bp_allfn);
	}
}

static void
test_root_round_trip(void **state)
{
	char		buf[BDF_XL_MAX];
	uint16_t	seg;
	uint8_t		bus;
	unsigned	s, b;

	(void)state;
	for (s = 0; s <= 0xffff; s += 0x101)
	for (b = 0; b <= 0xff; b++) {
		assert_int_equal(bdf_format_root((uint16_t)s, (uint8_t)b, buf,
		    sizeof(buf)), 7);
		assert_int_equal(bdf_parse_root(buf, &seg, &bus, NULL), 0);
		assert_int_equal(seg, s);
		assert_int_equal(bus, b);
	}
}

/* --- formatters and comparisons --------------------------------------- */

static void
test_formatters_canonical_lower_case(void **state)
{
	struct bdf		b = mk(0xabcd, 0xef, 0x1f, 7);
	struct bdf_pattern	p;
	char			buf[BDF_XL_MAX];

	(void)state;
	bdf_format_dev(&b, buf, sizeof(buf));
	assert_string_equal(buf, "abcd:ef:1f.7");
	bdf_format_vdev(&b, buf, sizeof(buf));
	assert_string_equal(buf, "abcd:ef:1f.07");
	bdf_format_root(0xabcd, 0xe, buf, sizeof(buf));
	assert_string_equal(buf, "abcd:0e");
	p.bp_bdf = mk(0, 3, 0, 1);
	p.bp_allfn = 0;
	bdf_format_pattern(&p, buf, sizeof(buf));
	assert_string_equal(buf, "0000:03:00.1");
	p.bp_allfn = 1;
	bdf_format_pattern(&p, buf, sizeof(buf));
	assert_string_equal(buf, "0000:03:00.*");
}

static void
test_formatters_truncate_like_snprintf(void **state)
{
	struct bdf	b = mk(0, 3, 0, 1);
	char		buf[6];

	(void)state;
	assert_int_equal(bdf_format_dev(&b, buf, sizeof(buf)), 12);
	assert_string_equal(buf, "0000:");
	assert_int_equal(bdf_format_vdev(&b, NULL, 0), 13);
	assert_int_equal(bdf_format_root(0, 3, NULL, 0), 7);
}

static void
test_equal_compares_every_field(void **state)
{
	struct bdf	a = mk(1, 2, 3, 4), b;

	(void)state;
	b = a;
	assert_true(bdf_equal(&a, &b));
	b.b_seg = 0;
	assert_false(bdf_equal(&a, &b));
	b = a;
	b.b_bus = 0;
	assert_false(bdf_equal(&a, &b));
	b = a;
	b.b_dev = 0;
	assert_false(bdf_equal(&a, &b));
	b = a;
	b.b_fn = 0;
	assert_false(bdf_equal(&a, &b));
}

static void
test_match_all_functions_ignores_function(void **state)
{
	struct bdf_pattern	p;
	struct bdf		b = mk(0, 3, 0, 5);

	(void)state;
	assert_int_equal(bdf_parse_xl("03:00.*", &p, NULL), 0);
	assert_true(bdf_match(&p, &b));
	b.b_dev = 1;
	assert_false(bdf_match(&p, &b));
	assert_int_equal(bdf_parse_xl("03:00.4", &p, NULL), 0);
	b = mk(0, 3, 0, 5);
	assert_false(bdf_match(&p, &b));
	b.b_fn = 4;
	assert_true(bdf_match(&p, &b));
	b.b_seg = 1;
	assert_false(bdf_match(&p, &b));
}

/* --- rejections ------------------------------------------------------- */

static void
test_reject_empty(void **state)
{
	(void)state;
	assert_string_equal(reject(XL, "", 0), "\"\": empty address");
	reject(DEV, "", 0);
	reject(VDEV, "", 0);
	assert_contains(reject(ROOT, "", 0), "empty");
	assert_contains(reject(HIDE, "", 0), "empty hide list");
}

static void
test_reject_missing_field(void **state)
{
	(void)state;
	assert_contains(reject(XL, "03:00", 5), "end of input at column 6");
	reject(XL, "03", 2);
	reject(XL, "03:00.", 6);
	reject(DEV, "0000:03:00", 10);
	reject(DEV, "03:00.0", 5);		/* segment is required */
	reject(DEV, "0000:03", 7);
	reject(VDEV, "0000:00:01.", 11);
	reject(ROOT, "0000", 4);
	reject(ROOT, "0000:", 5);
	reject(XL, ":00.0", 0);
	reject(DEV, "0000::00.0", 5);
}

static void
test_reject_non_hex_digit(void **state)
{
	(void)state;
	assert_string_equal(reject(DEV, "0000:03:0g.0", 9),
	    "\"0000:03:0g.0\": unexpected 'g' at column 10, "
	    "expected a hex digit");
	reject(XL, "0000:03:0g.0", 9);
	reject(XL, "z3:00.0", 0);
	reject(VDEV, "0000:00:01.0g", 12);
	reject(ROOT, "000g:00", 3);
}

static void
test_reject_device_out_of_range(void **state)
{
	(void)state;
	assert_contains(reject(DEV, "0000:03:20.0", 8),
	    "device 0x20 out of range (max 0x1f)");
	reject(XL, "03:20.0", 3);
	reject(XL, "03:ff.*", 3);
	reject(VDEV, "0000:00:20.00", 8);
}

static void
test_reject_function_out_of_range(void **state)
{
	(void)state;
	assert_contains(reject(XL, "03:00.8", 6),
	    "function 0x8 out of range (max 0x7)");
	reject(XL, "03:00.f", 6);
	reject(DEV, "0000:03:00.8", 11);
	reject(VDEV, "0000:00:01.08", 11);
	reject(VDEV, "0000:00:01.10", 11);
}

static void
test_reject_too_many_digits(void **state)
{
	(void)state;
	assert_contains(reject(XL, "00000:03:00.0", 4),
	    "too many hex digits in segment");
	assert_contains(reject(XL, "0000:003:00.0", 7), "in bus");
	assert_contains(reject(XL, "03:000.0", 5), "in device");
	assert_contains(reject(XL, "03:00.00", 7), "in function");
	reject(DEV, "0000:03:00.01", 12);	/* dev-N has one digit */
	reject(VDEV, "0000:00:01.000", 13);
	reject(ROOT, "0000:000", 7);
	reject(ROOT, "00000:00", 4);
	/* Three colons: the segment is there, the last ':' is wrong. */
	reject(XL, "0000:03:00:0", 10);
	/* One colon: the first field is the bus and has 4 digits. */
	reject(XL, "0000:03.0", 2);
}

static void
test_reject_trailing_garbage(void **state)
{
	(void)state;
	assert_contains(reject(DEV, "0000:03:00.1x", 12),
	    "trailing garbage 'x' at column 13");
	reject(XL, "03:00.*0", 7);
	reject(XL, "03:00.0.", 7);
	reject(ROOT, "0000:00:", 7);
	reject(VDEV, "0000:00:01.00:", 13);
	reject(XL, "03:00.0)", 7);
}

static void
test_reject_whitespace(void **state)
{
	(void)state;
	reject(XL, " 03:00.0", 0);
	reject(XL, "03: 00.0", 3);
	assert_contains(reject(XL, "03:00.0 ", 7), "trailing");
	reject(DEV, "0000:03:00.1\n", 12);
	reject(DEV, "\t0000:03:00.1", 0);
	reject(ROOT, "0000 :00", 4);
}

static void
test_reject_wildcard_where_not_allowed(void **state)
{
	(void)state;
	assert_contains(reject(DEV, "0000:03:00.*", 11),
	    "unexpected '*' at column 12, expected a hex digit");
	reject(VDEV, "0000:00:01.*", 11);
	reject(ROOT, "*", 0);
	reject(XL, "*:00.0", 0);
	reject(XL, "03:*.0", 3);
	reject(XL, "03:00.**", 7);
}

static void
test_reject_sign_characters(void **state)
{
	(void)state;
	reject(XL, "+3:00.0", 0);
	reject(XL, "-3:00.0", 0);
	reject(DEV, "0000:-3:00.0", 5);
	reject(VDEV, "0000:00:01.-0", 11);
	reject(ROOT, "+0:00", 0);
}

static void
test_reject_0x_prefix(void **state)
{
	(void)state;
	assert_contains(reject(XL, "0x03:00.0", 1), "0x prefix");
	reject(DEV, "0x0000:03:00.0", 1);
	reject(DEV, "0000:0x3:00.0", 6);
	reject(ROOT, "0000:0X1", 6);
}

static void
test_reject_hide_gap_or_separator(void **state)
{
	(void)state;
	assert_contains(reject(HIDE, "(03:00.0) (04:00.0)", 9),
	    "unexpected ' ' at column 10, expected '('");
	reject(HIDE, "(03:00.0),(04:00.0)", 9);
	reject(HIDE, "( 03:00.0)", 1);
	reject(HIDE, "(03:00.0 )", 8);
	reject(HIDE, " (03:00.0)", 0);
}

static void
test_reject_hide_missing_paren(void **state)
{
	(void)state;
	assert_contains(reject(HIDE, "(03:00.0", 8),
	    "end of input at column 9, expected ')'");
	reject(HIDE, "03:00.0)", 0);
	reject(HIDE, "(03:00.0)(04:00.0", 17);
	reject(HIDE, "(03:00.0)04:00.0", 9);
}

static void
test_reject_hide_empty_entry(void **state)
{
	(void)state;
	reject(HIDE, "()", 1);
	reject(HIDE, "(03:00.0)()", 10);
	reject(HIDE, "(", 1);
}

static void
test_reject_hide_too_many_entries(void **state)
{
	struct bdf_pattern	pats[2];
	struct bdf_error	e;
	size_t			n = 7;

	(void)state;
	assert_int_equal(bdf_parse_hide("(01:00.0)(02:00.0)(03:00.0)", pats,
	    2, &n, &e), -1);
	assert_int_equal(e.be_pos, 18);
	assert_int_equal(n, 0);
	assert_contains(e.be_msg, "too many entries");
	assert_contains(e.be_msg, "(max 2)");
}

static void
test_reject_hide_position_is_in_whole_list(void **state)
{
	(void)state;
	assert_contains(reject(HIDE, "(03:00.0)(04:0g.0)", 14),
	    "column 15");
	reject(HIDE, "(03:00.0)(04:20.0)", 13);
	reject(HIDE, "(03:00.0)(0000:04:00.8)", 21);
}

/* --- error reporting -------------------------------------------------- */

static void
test_failure_leaves_output_untouched(void **state)
{
	struct bdf		b = mk(9, 9, 9, 1);
	struct bdf_pattern	p;
	uint16_t		seg = 9;
	uint8_t			bus = 9;

	(void)state;
	p.bp_bdf = b;
	p.bp_allfn = 1;
	assert_int_equal(bdf_parse_dev("0000:03:00.9", &b, NULL), -1);
	assert_bdf(&b, 9, 9, 9, 1);
	assert_int_equal(bdf_parse_xl("03:00.0 ", &p, NULL), -1);
	assert_bdf(&p.bp_bdf, 9, 9, 9, 1);
	assert_int_equal(p.bp_allfn, 1);
	assert_int_equal(bdf_parse_root("0000:0", &seg, &bus, NULL), 0);
	assert_int_equal(bdf_parse_root("0001:0x", &seg, &bus, NULL), -1);
	assert_int_equal(seg, 0);
}

static void
test_null_error_and_null_input(void **state)
{
	struct bdf	b;
	struct bdf_error e;

	(void)state;
	assert_int_equal(bdf_parse_dev("junk", &b, NULL), -1);
	assert_int_equal(bdf_parse_dev(NULL, &b, &e), -1);
	assert_int_equal(e.be_pos, 0);
	assert_contains(e.be_msg, "empty");
}

static void
test_long_input_message_is_windowed(void **state)
{
	char		list[16 * 12 + 1];
	const char	*msg;
	size_t		i;

	(void)state;
	list[0] = '\0';
	for (i = 0; i < 12; i++)
		strcat(list, "(03:00.0)");
	strcat(list, "(04:0g.0)");
	msg = reject(HIDE, list, 12 * 9 + 5);
	assert_contains(msg, "\"...");
	assert_contains(msg, "0g.0)\"");
	assert_contains(msg, "column 114");
}

static void
test_control_characters_are_escaped(void **state)
{
	const char	*msg;

	(void)state;
	msg = reject(XL, "03:00.0\033[2J", 7);
	assert_contains(msg, "\\x1b");
	assert_null(strchr(msg, '\033'));
	msg = reject(XL, "0\"3:00.0", 1);
	assert_contains(msg, "'\\x22'");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_xl_full_address),
		cmocka_unit_test(test_xl_segment_optional_and_short_fields),
		cmocka_unit_test(test_xl_wildcard_function),
		cmocka_unit_test(test_xl_case_insensitive),
		cmocka_unit_test(test_dev_libxl_example),
		cmocka_unit_test(test_dev_tolerates_short_fields),
		cmocka_unit_test(test_vdev_kernel_example),
		cmocka_unit_test(test_vdev_accepts_one_digit_function),
		cmocka_unit_test(test_root_segment_bus),
		cmocka_unit_test(test_hide_list_three_forms),
		cmocka_unit_test(test_hide_list_exactly_max_entries),
		cmocka_unit_test(test_dev_and_vdev_round_trip),
		cmocka_unit_test(test_pattern_round_trip),
		cmocka_unit_test(test_root_round_trip),
		cmocka_unit_test(test_formatters_canonical_lower_case),
		cmocka_unit_test(test_formatters_truncate_like_snprintf),
		cmocka_unit_test(test_equal_compares_every_field),
		cmocka_unit_test(test_match_all_functions_ignores_function),
		cmocka_unit_test(test_reject_empty),
		cmocka_unit_test(test_reject_missing_field),
		cmocka_unit_test(test_reject_non_hex_digit),
		cmocka_unit_test(test_reject_device_out_of_range),
		cmocka_unit_test(test_reject_function_out_of_range),
		cmocka_unit_test(test_reject_too_many_digits),
		cmocka_unit_test(test_reject_trailing_garbage),
		cmocka_unit_test(test_reject_whitespace),
		cmocka_unit_test(test_reject_wildcard_where_not_allowed),
		cmocka_unit_test(test_reject_sign_characters),
		cmocka_unit_test(test_reject_0x_prefix),
		cmocka_unit_test(test_reject_hide_gap_or_separator),
		cmocka_unit_test(test_reject_hide_missing_paren),
		cmocka_unit_test(test_reject_hide_empty_entry),
		cmocka_unit_test(test_reject_hide_too_many_entries),
		cmocka_unit_test(test_reject_hide_position_is_in_whole_list),
		cmocka_unit_test(test_failure_leaves_output_untouched),
		cmocka_unit_test(test_null_error_and_null_input),
		cmocka_unit_test(test_long_input_message_is_windowed),
		cmocka_unit_test(test_control_characters_are_escaped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
