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
 * The PCI topology one guest sees: which host function answers at which
 * guest address, and which root buses the backend publishes.
 *
 * TOPO_VIRTUAL (the default, Linux "vpci"): one root 0000:00; every device
 * gets a virtual slot on bus 0 and keeps its host function number, and the
 * functions of one host slot share one virtual slot.  TOPO_PASSTHROUGH:
 * the guest sees host addresses; the roots are the host buses of exported
 * devices that sit below no exported bridge.
 *
 * A struct topo is a plain value with fixed-size arrays: the caller owns
 * the storage, nothing is allocated except error messages.
 */

#ifndef PCIBACKD_TOPO_H
#define PCIBACKD_TOPO_H

#include <stddef.h>
#include <stdint.h>

#include "bdf.h"

#define TOPO_VIRTUAL		0
#define TOPO_PASSTHROUGH	1

#define TOPO_SLOTS		32	/* virtual slots on the vpci root bus */
#define TOPO_MAX_DEVS		256	/* 32 slots x 8 functions */
#define TOPO_MAX_ROOTS		TOPO_MAX_DEVS

/* td_flags */
#define TOPO_F_VF		0x01	/* an SR-IOV virtual function */
#define TOPO_F_BRIDGE		0x02	/* td_secbus..td_subbus are valid */

/* What topo needs to know about a device besides its address. */
struct topo_devinfo {
	unsigned int	td_flags;
	uint8_t		td_secbus;	/* bridge: secondary bus */
	uint8_t		td_subbus;	/* bridge: subordinate bus */
};

struct topo_entry {
	struct bdf		te_host;
	struct bdf		te_guest;
	struct topo_devinfo	te_info;
	void			*te_user;	/* caller's per-device data */
};

struct topo_root {
	uint16_t	tr_seg;
	uint8_t		tr_bus;
};

struct topo {
	int			t_mode;
	/* In export order; removal closes the gap. */
	struct topo_entry	t_ent[TOPO_MAX_DEVS];
	size_t			t_nent;
	/* Passthrough only; vpci always has the one root 0000:00. */
	struct topo_root	t_root[TOPO_MAX_ROOTS];
	size_t			t_nroot;
};

/* Empty topology; mode is TOPO_VIRTUAL or TOPO_PASSTHROUGH. 0 or -1. */
int		 topo_init(struct topo *, int);

/*
 * Export a host device (info may be NULL: a plain function).  Stores the
 * guest address in *guest.  0, or -1 with *cause set (free it; NULL when
 * out of memory): already exported, no free virtual slot, table full.
 */
int		 topo_add(struct topo *, const struct bdf *,
		    const struct topo_devinfo *, void *, struct bdf *, char **);
/*
 * Export at a guest address the guest already knows (vdev-N written by a
 * previous run of the daemon, doc/protocol.md §2.8): the address must be
 * free and valid for the mode.  0, or -1 with *cause set.
 */
int		 topo_adopt(struct topo *, const struct bdf *,
		    const struct topo_devinfo *, void *, const struct bdf *,
		    char **);
/* Forget a device; its user pointer goes to *user (may be NULL). 0 or -1. */
int		 topo_remove(struct topo *, const struct bdf *, void **);

/*
 * The device at a guest address exactly as a frontend op carries it.
 * Out-of-range values (segment > 0xffff, bus or devfn > 0xff) find
 * nothing; unlike Linux vpci, they are never masked onto a valid address.
 * Pointers returned stay valid until the next topo_add or topo_remove.
 */
struct topo_entry *topo_find_guest(struct topo *, uint32_t, uint32_t,
		    uint32_t);
struct topo_entry *topo_find_host(struct topo *, const struct bdf *);

/* Entries in export order, i < topo_count(). */
size_t		 topo_count(const struct topo *);
struct topo_entry *topo_entry(struct topo *, size_t);

/* Root buses to publish (root-N), i < topo_nroots(). 0 or -1. */
size_t		 topo_nroots(const struct topo *);
int		 topo_root(const struct topo *, size_t, uint16_t *, uint8_t *);

#endif /* PCIBACKD_TOPO_H */
