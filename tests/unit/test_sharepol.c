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


/* XSA-461 decisions (lib/sharepol.c): lines, pages, verdicts, the fix. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "sharepol.h"

static struct cfgdev_bar
bar(uint64_t start, uint64_t size, unsigned int flags)
{
	struct cfgdev_bar	b;

	memset(&b, 0, sizeof(b));
	b.cb_start = start;
	b.cb_size = size;
	b.cb_flags = flags;
	return b;
}

static void
test_irq(void **state)
{
	(void)state;
	assert_int_equal(sharepol_irq(40, 1, 40, 2), 40);
	/* No pin on either side, no IRQ, another IRQ: nothing shared. */
	assert_int_equal(sharepol_irq(40, 0, 40, 1), 0);
	assert_int_equal(sharepol_irq(40, 1, 40, 0), 0);
	assert_int_equal(sharepol_irq(0, 1, 0, 1), 0);
	assert_int_equal(sharepol_irq(40, 1, 41, 1), 0);
}

static void
test_page(void **state)
{
	struct cfgdev_bar	a, b;

	(void)state;
	a = bar(0xfea00000, 0x100, 0);
	b = bar(0xfea00100, 0x100, 0);
	assert_true(sharepol_page(&a, &b) == 0xfea00000);
	assert_true(sharepol_page(&b, &a) == 0xfea00000);
	/* Next page: nothing. */
	b = bar(0xfea01000, 0x100, 0);
	assert_true(sharepol_page(&a, &b) == 0);
	/* A big BAR ending in the small one's page: that page. */
	a = bar(0xfe000000, 0xa00100, 0);
	b = bar(0xfea00800, 0x100, 0);
	assert_true(sharepol_page(&a, &b) == 0xfea00000);
	/* I/O, hidden, unassigned or empty BARs share no page. */
	a = bar(0xfea00000, 0x100, CFGDEV_BAR_IO);
	assert_true(sharepol_page(&a, &b) == 0);
	a = bar(0xfea00000, 0x1000, CFGDEV_BAR_HIDDEN);
	assert_true(sharepol_page(&a, &b) == 0);
	a = bar(0, 0x1000, 0);
	assert_true(sharepol_page(&a, &b) == 0);
	a = bar(0xfea00000, 0, 0);
	assert_true(sharepol_page(&a, &b) == 0);
}

static void
test_verdicts(void **state)
{
	(void)state;
	/* Allowed whatever the device has. */
	assert_int_equal(sharepol_irq_verdict(1, 0, 0, 0), SHAREPOL_ALLOWED);
	assert_int_equal(sharepol_irq_verdict(1, 1, 1, 1), SHAREPOL_ALLOWED);
	/* MSI or MSI-X: given, INTx held off; INTx only: refused. */
	assert_int_equal(sharepol_irq_verdict(0, 1, 0, 0), SHAREPOL_HOLD);
	assert_int_equal(sharepol_irq_verdict(0, 0, 1, 0), SHAREPOL_HOLD);
	assert_int_equal(sharepol_irq_verdict(0, 0, 0, 0), SHAREPOL_REFUSE);
	/* dom0's other function takes no INTx: the line is the guest's. */
	assert_int_equal(sharepol_irq_verdict(0, 0, 0, 1), SHAREPOL_UNUSED);
	assert_int_equal(sharepol_irq_verdict(0, 1, 1, 1), SHAREPOL_UNUSED);
	/* A page has no way around it. */
	assert_int_equal(sharepol_page_verdict(1), SHAREPOL_ALLOWED);
	assert_int_equal(sharepol_page_verdict(0), SHAREPOL_REFUSE);
}

static void
test_fix(void **state)
{
	char	buf[256], small[24];

	(void)state;
	sharepol_fix("0000:00:04.0", SHAREPOL_IRQ, "/etc/pcibackd.conf", 12,
	    "/etc/pcibackd.conf", buf, sizeof(buf));
	assert_string_equal(buf, "add \"allow shared-irq\" to the device "
	    "block at /etc/pcibackd.conf:12");
	sharepol_fix("0000:00:04.0", SHAREPOL_IRQ | SHAREPOL_PAGE, NULL, 0,
	    "/etc/pcibackd.conf", buf, sizeof(buf));
	assert_string_equal(buf, "add \"device 0000:00:04.0 { allow "
	    "shared-irq allow shared-bar-page }\" to /etc/pcibackd.conf");
	sharepol_fix("0000:00:06.0", SHAREPOL_PAGE, NULL, 0, "p.conf", buf,
	    sizeof(buf));
	assert_string_equal(buf, "add \"device 0000:00:06.0 { allow "
	    "shared-bar-page }\" to p.conf");
	/* Cut, terminated; nothing written into no room. */
	sharepol_fix("0000:00:06.0", SHAREPOL_PAGE, NULL, 0, "p.conf", small,
	    sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	small[0] = 'x';
	sharepol_fix("0000:00:06.0", SHAREPOL_PAGE, NULL, 0, "p.conf", small,
	    0);
	assert_int_equal(small[0], 'x');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_irq),
		cmocka_unit_test(test_page),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_fix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
