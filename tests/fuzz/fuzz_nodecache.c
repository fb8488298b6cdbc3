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
 * The xenstore node cache (lib/nodecache.c) against a model: any
 * sequence of reads kept, changes and lookups, with values as a guest
 * may write them.  The cache may forget more than it was told (it is
 * full, a value is too long), never less: what it returns is what the
 * model holds.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nodecache.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_PATHS	12
#define FUZZ_MAXVAL	(NODECACHE_VALUE_MAX + 8)

/* A small tree, so that forgetting by subtree and by ancestor matters. */
static const char *const fuzz_path[FUZZ_PATHS] = {
	"/b", "/b/5", "/b/5/0", "/b/5/0/state", "/b/5/0/state-1",
	"/b/5/0/state-10", "/b/5/0/num_devs", "/b/5/00", "/b/5/00/state",
	"/b/50/0/state", "/f/5/state", "/f/5",
};

struct fuzz_model {
	int	fm_kept[FUZZ_PATHS];	/* the cache may have it */
	int	fm_absent[FUZZ_PATHS];
	char	fm_value[FUZZ_PATHS][FUZZ_MAXVAL + 1];
};

static int
fuzz_related(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b);

	if (la <= lb)
		return strncmp(a, b, la) == 0 && (b[la] == '\0' || b[la] == '/');
	return strncmp(a, b, lb) == 0 && a[lb] == '/';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nodecache	 nc;
	static struct fuzz_model fm;
	const char		*v;
	char			 val[FUZZ_MAXVAL + 1];
	size_t			 i = 0, j, len;
	unsigned int		 op, p;

	nodecache_init(&nc);
	memset(&fm, 0, sizeof(fm));
	while (i + 2 <= size) {
		op = data[i] % 3;
		p = data[i + 1] % FUZZ_PATHS;
		i += 2;
		switch (op) {
		case 0:		/* a read kept: a value, or "no such node" */
			len = i < size ? data[i++] : 0;
			if (len == 0) {
				nodecache_put(&nc, fuzz_path[p], NULL);
				fm.fm_absent[p] = 1;
			} else {
				len = (len - 1) % (FUZZ_MAXVAL + 1);
				if (len > size - i)
					len = size - i;
				memcpy(val, data + i, len);
				val[len] = '\0';
				i += len;
				nodecache_put(&nc, fuzz_path[p], val);
				fm.fm_absent[p] = 0;
				memcpy(fm.fm_value[p], val, strlen(val) + 1);
			}
			fm.fm_kept[p] = 1;
			break;
		case 1:		/* a watch event */
			nodecache_forget(&nc, fuzz_path[p]);
			for (j = 0; j < FUZZ_PATHS; j++)
				if (fuzz_related(fuzz_path[j], fuzz_path[p]))
					fm.fm_kept[j] = 0;
			break;
		default:	/* a lookup */
			if (!nodecache_get(&nc, fuzz_path[p], &v))
				break;
			if (!fm.fm_kept[p])
				abort();	/* stale: told it changed */
			if ((v == NULL) != fm.fm_absent[p] ||
			    (v != NULL && strcmp(v, fm.fm_value[p]) != 0))
				abort();
			break;
		}
	}
	return 0;
}
