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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo.h"
#include "util.h"

static void	topo_fail(char **, const struct bdf *, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));

static void
topo_fail(char **cause, const struct bdf *host, const char *fmt, ...)
{
	char	 name[BDF_XL_MAX], *msg;
	va_list	 ap;

	if (cause == NULL)
		return;
	*cause = NULL;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	if (msg == NULL)
		return;
	bdf_format_dev(host, name, sizeof(name));
	(void)util_cause(cause, "%s: %s", name, msg);
	free(msg);
}

int
topo_init(struct topo *t, int mode)
{
	if (mode != TOPO_VIRTUAL && mode != TOPO_PASSTHROUGH)
		return -1;
	memset(t, 0, sizeof(*t));
	t->t_mode = mode;
	return 0;
}

/* The device that heads a virtual slot: the earliest one still in it. */
static const struct topo_entry *
topo_slot_head(const struct topo *t, unsigned int slot)
{
	size_t	i;

	for (i = 0; i < t->t_nent; i++) {
		if (t->t_ent[i].te_guest.b_dev == slot)
			return &t->t_ent[i];
	}
	return NULL;
}

static int
topo_is_vf0(const struct topo_entry *e)
{
	return (e->te_info.td_flags & TOPO_F_VF) && e->te_host.b_fn == 0;
}

/*
 * Pick a virtual slot as Linux vpci does, so guests see the same layout
 * under either backend: join the slot headed by a function of the same
 * host slot, else take the lowest empty one.  A VF at function 0 neither
 * joins nor is joined: guests may take it for a single-function device
 * and never scan the other functions.
 */
static int
topo_vslot(const struct topo *t, const struct bdf *host, unsigned int flags)
{
	const struct topo_entry	*head;
	unsigned int		 slot;

	if (!(flags & TOPO_F_VF) || host->b_fn != 0) {
		for (slot = 0; slot < TOPO_SLOTS; slot++) {
			if ((head = topo_slot_head(t, slot)) == NULL ||
			    topo_is_vf0(head))
				continue;
			if (head->te_host.b_seg == host->b_seg &&
			    head->te_host.b_bus == host->b_bus &&
			    head->te_host.b_dev == host->b_dev)
				return (int)slot;
		}
	}
	for (slot = 0; slot < TOPO_SLOTS; slot++) {
		if (topo_slot_head(t, slot) == NULL)
			return (int)slot;
	}
	return -1;
}

/* Is a bus behind one of the exported bridges? */
static int
topo_below_bridge(const struct topo *t, uint16_t seg, uint8_t bus)
{
	const struct topo_entry	*e;
	size_t			 i;

	for (i = 0; i < t->t_nent; i++) {
		e = &t->t_ent[i];
		if (!(e->te_info.td_flags & TOPO_F_BRIDGE) ||
		    e->te_host.b_seg != seg)
			continue;
		if (bus >= e->te_info.td_secbus && bus <= e->te_info.td_subbus)
			return 1;
	}
	return 0;
}

/*
 * Passthrough roots are appended, never removed: the frontend learned them
 * at connect time and Linux's backend keeps them too.
 */
static int
topo_add_root(struct topo *t, const struct bdf *host, char **cause)
{
	size_t	i;

	if (topo_below_bridge(t, host->b_seg, host->b_bus))
		return 0;
	for (i = 0; i < t->t_nroot; i++) {
		if (t->t_root[i].tr_seg == host->b_seg &&
		    t->t_root[i].tr_bus == host->b_bus)
			return 0;
	}
	if (t->t_nroot == TOPO_MAX_ROOTS) {
		topo_fail(cause, host, "too many root buses (%d)",
		    TOPO_MAX_ROOTS);
		return -1;
	}
	t->t_root[t->t_nroot].tr_seg = host->b_seg;
	t->t_root[t->t_nroot].tr_bus = host->b_bus;
	t->t_nroot++;
	return 0;
}

/* Where a device goes: *want if given (adoption), else the usual choice. */
static int
topo_place(struct topo *t, const struct bdf *host, unsigned int flags,
    const struct bdf *want, struct bdf *guest, char **cause)
{
	int	slot;

	if (t->t_mode == TOPO_PASSTHROUGH) {
		if (want != NULL && !bdf_equal(want, host)) {
			topo_fail(cause, host, "guest address must be the "
			    "host address in passthrough mode");
			return -1;
		}
		*guest = *host;
		return 0;
	}
	if (want != NULL) {
		if (want->b_seg != 0 || want->b_bus != 0 ||
		    want->b_fn != host->b_fn || want->b_dev >= TOPO_SLOTS ||
		    topo_find_guest(t, 0, 0, BDF_DEVFN(want)) != NULL) {
			topo_fail(cause, host, "cannot keep guest address "
			    "%02x:%02x.%x", want->b_bus, want->b_dev,
			    want->b_fn);
			return -1;
		}
		*guest = *want;
		return 0;
	}
	if ((slot = topo_vslot(t, host, flags)) == -1) {
		topo_fail(cause, host, "no more space on root virtual PCI bus");
		return -1;
	}
	memset(guest, 0, sizeof(*guest));
	guest->b_dev = (uint8_t)slot;
	guest->b_fn = host->b_fn;
	return 0;
}

static int
topo_insert(struct topo *t, const struct bdf *host,
    const struct topo_devinfo *info, void *user, const struct bdf *want,
    struct bdf *guest, char **cause)
{
	struct topo_entry	*e;
	struct topo_devinfo	 none = { 0, 0, 0 };
	struct bdf		 where;

	if (info == NULL)
		info = &none;
	if (host->b_dev > 31 || host->b_fn > 7) {
		topo_fail(cause, host, "invalid address");
		return -1;
	}
	if (topo_find_host(t, host) != NULL) {
		topo_fail(cause, host, "already exported to this guest");
		return -1;
	}
	if (t->t_nent == TOPO_MAX_DEVS) {
		topo_fail(cause, host, "too many devices (%d)", TOPO_MAX_DEVS);
		return -1;
	}
	if (topo_place(t, host, info->td_flags, want, &where, cause) == -1)
		return -1;
	if (t->t_mode == TOPO_PASSTHROUGH &&
	    topo_add_root(t, host, cause) == -1)
		return -1;
	e = &t->t_ent[t->t_nent++];
	memset(e, 0, sizeof(*e));
	e->te_host = *host;
	e->te_guest = where;
	e->te_info = *info;
	e->te_user = user;
	if (guest != NULL)
		*guest = where;
	return 0;
}

int
topo_add(struct topo *t, const struct bdf *host,
    const struct topo_devinfo *info, void *user, struct bdf *guest,
    char **cause)
{
	return topo_insert(t, host, info, user, NULL, guest, cause);
}

int
topo_adopt(struct topo *t, const struct bdf *host,
    const struct topo_devinfo *info, void *user, const struct bdf *guest,
    char **cause)
{
	return topo_insert(t, host, info, user, guest, NULL, cause);
}

int
topo_remove(struct topo *t, const struct bdf *host, void **user)
{
	struct topo_entry	*e;
	size_t			 i;

	if ((e = topo_find_host(t, host)) == NULL)
		return -1;
	if (user != NULL)
		*user = e->te_user;
	/* Keep export order: slot heads depend on it. */
	i = (size_t)(e - t->t_ent);
	memmove(e, e + 1, (t->t_nent - i - 1) * sizeof(*e));
	t->t_nent--;
	return 0;
}

struct topo_entry *
topo_find_guest(struct topo *t, uint32_t seg, uint32_t bus, uint32_t devfn)
{
	struct topo_entry	*e;
	size_t			 i;

	if (seg > 0xffff || bus > 0xff || devfn > 0xff)
		return NULL;
	for (i = 0; i < t->t_nent; i++) {
		e = &t->t_ent[i];
		if (e->te_guest.b_seg == seg && e->te_guest.b_bus == bus &&
		    BDF_DEVFN(&e->te_guest) == devfn)
			return e;
	}
	return NULL;
}

struct topo_entry *
topo_find_host(struct topo *t, const struct bdf *host)
{
	size_t	i;

	for (i = 0; i < t->t_nent; i++) {
		if (bdf_equal(&t->t_ent[i].te_host, host))
			return &t->t_ent[i];
	}
	return NULL;
}

size_t
topo_count(const struct topo *t)
{
	return t->t_nent;
}

struct topo_entry *
topo_entry(struct topo *t, size_t i)
{
	if (i >= t->t_nent)
		return NULL;
	return &t->t_ent[i];
}

size_t
topo_nroots(const struct topo *t)
{
	if (t->t_mode == TOPO_VIRTUAL)
		return 1;
	return t->t_nroot;
}

int
topo_root(const struct topo *t, size_t i, uint16_t *seg, uint8_t *bus)
{
	if (i >= topo_nroots(t))
		return -1;
	if (t->t_mode == TOPO_VIRTUAL) {
		*seg = 0;
		*bus = 0;
		return 0;
	}
	*seg = t->t_root[i].tr_seg;
	*bus = t->t_root[i].tr_bus;
	return 0;
}
