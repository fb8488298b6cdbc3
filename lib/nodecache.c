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


/* A small map of xenstore paths to values, forgotten by subtree. */

#include <string.h>

#include "nodecache.h"

void
nodecache_init(struct nodecache *nc)
{
	memset(nc, 0, sizeof(*nc));
}

static struct nodecache_slot *
nodecache_find(struct nodecache *nc, const char *path)
{
	size_t	i;

	for (i = 0; i < NODECACHE_SLOTS; i++)
		if (nc->nc_slot[i].ns_used != 0 &&
		    strcmp(nc->nc_slot[i].ns_path, path) == 0)
			return &nc->nc_slot[i];
	return NULL;
}

int
nodecache_get(struct nodecache *nc, const char *path, const char **value)
{
	struct nodecache_slot	*ns;

	if ((ns = nodecache_find(nc, path)) == NULL) {
		nc->nc_misses++;
		return 0;
	}
	nc->nc_hits++;
	ns->ns_used = ++nc->nc_clock;
	*value = ns->ns_absent ? NULL : ns->ns_value;
	return 1;
}

/* An empty slot, else the one found longest ago. */
static struct nodecache_slot *
nodecache_victim(struct nodecache *nc)
{
	struct nodecache_slot	*ns = &nc->nc_slot[0];
	size_t			 i;

	for (i = 0; i < NODECACHE_SLOTS; i++) {
		if (nc->nc_slot[i].ns_used == 0)
			return &nc->nc_slot[i];
		if (nc->nc_slot[i].ns_used < ns->ns_used)
			ns = &nc->nc_slot[i];
	}
	return ns;
}

void
nodecache_put(struct nodecache *nc, const char *path, const char *value)
{
	struct nodecache_slot	*ns;

	/* Too long to keep: the next read asks xenstore again. */
	if (strlen(path) >= sizeof(ns->ns_path) ||
	    (value != NULL && strlen(value) >= sizeof(ns->ns_value))) {
		nodecache_forget(nc, path);
		return;
	}
	if ((ns = nodecache_find(nc, path)) == NULL)
		ns = nodecache_victim(nc);
	ns->ns_used = ++nc->nc_clock;
	ns->ns_absent = value == NULL;
	strcpy(ns->ns_path, path);
	strcpy(ns->ns_value, value != NULL ? value : "");
}

/* Is node path itself or below dir? */
static int
nodecache_below(const char *path, const char *dir)
{
	size_t	len = strlen(dir);

	if (strncmp(path, dir, len) != 0)
		return 0;
	return path[len] == '\0' || path[len] == '/';
}

/*
 * Its ancestors go too: a write creates the missing ones with no event
 * of their own, so one kept as absent would be wrong.
 */
void
nodecache_forget(struct nodecache *nc, const char *path)
{
	struct nodecache_slot	*ns;
	size_t			 i;

	for (i = 0; i < NODECACHE_SLOTS; i++) {
		ns = &nc->nc_slot[i];
		if (ns->ns_used != 0 && (nodecache_below(ns->ns_path, path) ||
		    nodecache_below(path, ns->ns_path)))
			ns->ns_used = 0;
	}
}
