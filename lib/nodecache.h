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
 * What xenstore said of an instance's nodes, kept until a watch says a
 * node changed.  Each evaluation of an instance reads the same half
 * dozen nodes, and each read is a round trip (about 12 ms in a PV dom0
 * under QEMU); the toolstack's detach fires the watch once per write it
 * makes, so most of those reads would find what the last one found.
 * The caller keeps a node here only while a watch covers it, and tells
 * of every change (nodecache_forget), its own writes included.
 */

#ifndef PCIBACKD_NODECACHE_H
#define PCIBACKD_NODECACHE_H

#include <stddef.h>

#define NODECACHE_SLOTS		48	/* nodes kept; the oldest goes */
#define NODECACHE_PATH_MAX	256
#define NODECACHE_VALUE_MAX	128	/* longer values are not kept */

struct nodecache_slot {
	unsigned long	ns_used;	/* when last kept or found; 0: empty */
	int		ns_absent;	/* the node did not exist */
	char		ns_path[NODECACHE_PATH_MAX];
	char		ns_value[NODECACHE_VALUE_MAX];
};

struct nodecache {
	unsigned long		nc_clock;
	unsigned long		nc_hits;
	unsigned long		nc_misses;
	struct nodecache_slot	nc_slot[NODECACHE_SLOTS];
};

void	nodecache_init(struct nodecache *);
/*
 * 1 if path is kept: *value is its value, or NULL if the node did not
 * exist (valid until the next call on the cache); 0 if not kept.
 */
int	nodecache_get(struct nodecache *, const char *, const char **);
/* Keep what a read found: value, or NULL for "no such node". */
void	nodecache_put(struct nodecache *, const char *, const char *);
/* path changed: forget it, every node below it and its ancestors. */
void	nodecache_forget(struct nodecache *, const char *);

#endif
