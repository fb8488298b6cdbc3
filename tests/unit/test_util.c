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


/* The helpers every part shares: util_cause and util_number (lib/util.c). */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfgspace.h"
#include "util.h"

static uint64_t
num(const char *s, int base, uint64_t max)
{
	uint64_t	v = 0xdeadbeef;

	assert_int_equal(util_number(s, base, max, &v), 0);
	return v;
}

static void
bad(const char *s, int base, uint64_t max)
{
	uint64_t	v = 0xdeadbeef;

	assert_int_equal(util_number(s, base, max, &v), -1);
	assert_true(v == 0xdeadbeef);
}

static void
test_number_decimal(void **state)
{
	(void)state;
	assert_true(num("0", 10, 10) == 0);
	assert_true(num("68", 10, 100) == 68);
	assert_true(num("007", 10, 100) == 7);
	assert_true(num("4294967295", 10, UINT32_MAX) == UINT32_MAX);
	assert_true(num("18446744073709551615", 10, UINT64_MAX) == UINT64_MAX);
	bad("4294967296", 10, UINT32_MAX);
	bad("18446744073709551616", 10, UINT64_MAX);
	bad("101", 10, 100);
	bad("0x10", 10, 100);
	bad("a", 10, 100);
}

static void
test_number_hex(void **state)
{
	(void)state;
	assert_true(num("ff", 16, 0xff) == 0xff);
	assert_true(num("0x20000", 16, UINT64_MAX) == 0x20000);
	assert_true(num("0XaB", 16, UINT64_MAX) == 0xab);
	bad("0x", 16, UINT64_MAX);
	bad("g", 16, UINT64_MAX);
	bad("100", 16, 0xff);
}

static void
test_number_either(void **state)
{
	(void)state;
	assert_true(num("0x40", 0, 0xffff) == 0x40);
	assert_true(num("40", 0, 0xffff) == 40);
	/* Never octal: the manuals say decimal or 0x hex. */
	assert_true(num("010", 0, 0xffff) == 10);
	bad("0x1ffff", 0, 0xffff);
}

static void
test_number_rejects_what_is_not_a_number(void **state)
{
	(void)state;
	bad("", 0, UINT64_MAX);
	bad("-1", 0, UINT64_MAX);
	bad("+1", 0, UINT64_MAX);
	bad(" 1", 0, UINT64_MAX);
	bad("1 ", 0, UINT64_MAX);
	bad("1x", 0, UINT64_MAX);
	bad("12", 8, UINT64_MAX);
}

static void
test_number_canonical(void **state)
{
	(void)state;
	assert_true(num("0", 10 | UTIL_CANON, 10) == 0);
	assert_true(num("1023", 10 | UTIL_CANON, 1023) == 1023);
	bad("01", 10 | UTIL_CANON, 10);
	bad("00", 10 | UTIL_CANON, 10);
}

static void
test_cause(void **state)
{
	char	*cause = NULL;

	(void)state;
	assert_int_equal(util_cause(&cause, "dom%d: %s", 5, "gone"), -1);
	assert_non_null(cause);
	assert_string_equal(cause, "dom5: gone");
	free(cause);
	/* Nobody asked: nothing to set, still -1. */
	assert_int_equal(util_cause(NULL, "x"), -1);
}

static void
test_access_check(void **state)
{
	(void)state;
	assert_int_equal(cfgdev_check(0, 4, 256), 0);
	assert_int_equal(cfgdev_check(0xfc, 4, 256), 0);
	assert_int_equal(cfgdev_check(0xff, 1, 256), 0);
	assert_int_equal(cfgdev_check(0xffe, 2, 4096), 0);
	assert_int_equal(cfgdev_check(0x100, 1, 256), -EINVAL);
	assert_int_equal(cfgdev_check(0xfe, 4, 256), -EINVAL);
	assert_int_equal(cfgdev_check(2, 4, 256), -EINVAL);
	assert_int_equal(cfgdev_check(1, 2, 256), -EINVAL);
	assert_int_equal(cfgdev_check(0, 3, 256), -EINVAL);
	assert_int_equal(cfgdev_check(0, 8, 256), -EINVAL);
	assert_int_equal(cfgdev_check(0, 0, 256), -EINVAL);
	assert_int_equal(cfgdev_check(0xfffffffc, 4, 256), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_number_decimal),
		cmocka_unit_test(test_number_hex),
		cmocka_unit_test(test_number_either),
		cmocka_unit_test(test_number_rejects_what_is_not_a_number),
		cmocka_unit_test(test_number_canonical),
		cmocka_unit_test(test_cause),
		cmocka_unit_test(test_access_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
