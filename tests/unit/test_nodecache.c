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


/* The xenstore node cache (lib/nodecache.c). */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nodecache.h"

#define BE	"/local/domain/0/backend/pci/5/0"

static struct nodecache *
nc_new(void)
{
	struct nodecache	*nc = malloc(sizeof(*nc));

	assert_non_null(nc);
	nodecache_init(nc);
	return nc;
}

static void
test_miss_then_hit(void **state)
{
	struct nodecache	*nc = nc_new();
	const char		*v = "x";

	(void)state;
	assert_int_equal(nodecache_get(nc, BE "/state", &v), 0);
	nodecache_put(nc, BE "/state", "4");
	assert_int_equal(nodecache_get(nc, BE "/state", &v), 1);
	assert_string_equal(v, "4");
	/* A new read of the same node replaces what was kept. */
	nodecache_put(nc, BE "/state", "5");
	assert_int_equal(nodecache_get(nc, BE "/state", &v), 1);
	assert_string_equal(v, "5");
	assert_int_equal(nc->nc_hits, 2);
	assert_int_equal(nc->nc_misses, 1);
	free(nc);
}

static void
test_absent_is_kept(void **state)
{
	struct nodecache	*nc = nc_new();
	const char		*v = "x";

	(void)state;
	nodecache_put(nc, BE "/state-3", NULL);
	assert_int_equal(nodecache_get(nc, BE "/state-3", &v), 1);
	assert_null(v);
	free(nc);
}

/*
 * A change forgets the node, what is below it and its ancestors (a
 * write creates missing ones silently), nothing else.
 */
static void
test_forget_subtree(void **state)
{
	struct nodecache	*nc = nc_new();
	const char		*v;

	(void)state;
	nodecache_put(nc, BE, "");
	nodecache_put(nc, BE "/state", "4");
	nodecache_put(nc, BE "/state-1", "4");
	nodecache_put(nc, BE "/state-10", "4");
	nodecache_put(nc, "/local/domain/0/backend/pci/5/00/state", "4");
	nodecache_forget(nc, BE "/state-1");
	assert_int_equal(nodecache_get(nc, BE "/state-1", &v), 0);
	assert_int_equal(nodecache_get(nc, BE "/state-10", &v), 1);
	assert_int_equal(nodecache_get(nc, BE "/state", &v), 1);
	assert_int_equal(nodecache_get(nc, BE, &v), 0);
	/* The instance's directory: all of it, not a sibling's. */
	nodecache_put(nc, BE, NULL);
	nodecache_forget(nc, BE);
	assert_int_equal(nodecache_get(nc, BE, &v), 0);
	assert_int_equal(nodecache_get(nc, BE "/state", &v), 0);
	assert_int_equal(nodecache_get(nc, BE "/state-10", &v), 0);
	assert_int_equal(nodecache_get(nc,
	    "/local/domain/0/backend/pci/5/00/state", &v), 1);
	/* The backend root: everything below. */
	nodecache_forget(nc, "/local/domain/0/backend/pci");
	assert_int_equal(nodecache_get(nc,
	    "/local/domain/0/backend/pci/5/00/state", &v), 0);
	free(nc);
}

/* Full: the node found longest ago goes; values too long are not kept. */
static void
test_full_and_long(void **state)
{
	struct nodecache	*nc = nc_new();
	char			 path[64], big[NODECACHE_VALUE_MAX + 1];
	const char		*v;
	int			 i;

	(void)state;
	for (i = 0; i < NODECACHE_SLOTS; i++) {
		snprintf(path, sizeof(path), BE "/dev-%d", i);
		nodecache_put(nc, path, "0000:00:01.0");
	}
	assert_int_equal(nodecache_get(nc, BE "/dev-0", &v), 1);
	nodecache_put(nc, BE "/num_devs", "2");
	assert_int_equal(nodecache_get(nc, BE "/num_devs", &v), 1);
	assert_int_equal(nodecache_get(nc, BE "/dev-0", &v), 1);
	assert_int_equal(nodecache_get(nc, BE "/dev-1", &v), 0);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	nodecache_put(nc, BE "/num_devs", big);
	assert_int_equal(nodecache_get(nc, BE "/num_devs", &v), 0);
	free(nc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_miss_then_hit),
		cmocka_unit_test(test_absent_is_kept),
		cmocka_unit_test(test_forget_subtree),
		cmocka_unit_test(test_full_and_long),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
