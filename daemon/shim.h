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
 * The kernel shim provider: devices the shim holds (/dev/pcishim, the ABI
 * in shim-driver/pcishim_io.h), with config access, ownership and MSI /
 * MSI-X through its ioctls.  Resets are slow (an FLR waits 100 ms, a bus
 * reset a second), so they run on a thread and finish on the event loop.
 */

#ifndef PCIBACKD_SHIM_H
#define PCIBACKD_SHIM_H

#include <stddef.h>
#include <stdint.h>

#include "bdf.h"
#include "cfgspace.h"
#include "pciop.h"

#define SHIM_DEVICE	"/dev/pcishim"

struct shim;
struct event_base;

/* A held device as the shim reports it. */
struct shimdev {
	struct shim		*sd_shim;
	struct bdf		 sd_bdf;
	uint32_t		 sd_packed;	/* the ABI's BDF */
	uint16_t		 sd_vendor;
	uint16_t		 sd_device;
	uint32_t		 sd_state;	/* PCISHIM_ST_* at last INFO */
	unsigned int		 sd_domid;	/* Xen owner, or SHIM_NOBODY */
	unsigned int		 sd_reset;	/* PCISHIM_RESET_* tried first */
	int			 sd_enabled;	/* enabled in dom0 by us */
	struct cfgdev_info	 sd_info;
	/* A worker's read-only view of config space (CFG_MAP), or NULL. */
	const volatile uint8_t	*sd_map;
	size_t			 sd_mapsize;
	unsigned int		 sd_mapspan;	/* bytes of config space */
	int			 sd_maptried;
};
#define SHIM_NOBODY	0xffffffffU

/* What the shim tells the daemon. */
enum shim_event {
	SHIM_EV_BOUND,		/* a device is now held */
	SHIM_EV_UNBOUND,	/* ... no longer held */
	SHIM_EV_PERMISSIVE,	/* the toolstack set permissive */
	SHIM_EV_INTCTL,		/* ... allow_interrupt_control */
	SHIM_EV_RESCAN		/* events were lost: list again */
};

struct shim_callbacks {
	void	(*sc_event)(void *, enum shim_event, const struct bdf *);
	/*
	 * error: 0 or an errno; method: PCISHIM_RESET_* used; bus: it was
	 * shim_reset_bus_async's, of every function behind the bridge.
	 */
	void	(*sc_reset_done)(void *, const struct bdf *, int,
		    unsigned int, int);
	/*
	 * A step of the kernel's PCIe error recovery (PCISHIM_AER_*; state:
	 * PCISHIM_AER_STATE_* for DETECTED); reply: the kernel waits for
	 * shim_aer_reply with seq.
	 */
	void	(*sc_aer)(void *, const struct bdf *, unsigned int, int,
		    uint64_t, int);
	void	*sc_arg;
};

extern const struct cfgdev_ops shim_cfgdev_ops;
extern const struct pciop_irq_ops shim_irq_ops;

struct shim	*shim_open(struct event_base *, const char *,
		    const struct shim_callbacks *, char **);
void		 shim_close(struct shim *);
/* In a worker of domid: a descriptor restricted to its devices, or -1. */
int		 shim_worker_fd(struct shim *, unsigned int);
/* Every held device; *bdfs is malloc'd. */
int		 shim_list(struct shim *, struct bdf **, size_t *, char **);
struct shimdev	*shim_dev_new(struct shim *, const struct bdf *, char **);
void		 shim_dev_free(struct shimdev *);
int		 shim_assign(struct shimdev *, unsigned int, char **);
/*
 * Give the device back (MSI off, owner forgotten, reset, state at seize
 * restored) on a thread; sc_reset_done reports the end.
 */
int		 shim_giveback_async(struct shimdev *, char **);
/*
 * Reset every function behind the device's parent bridge together
 * (RESET_BUS) on a thread; sc_reset_done reports the end.
 */
int		 shim_reset_bus_async(struct shimdev *, char **);
const char	*shim_reset_name(unsigned int);
/* The result (PCISHIM_AER_RESULT_*) of the recovery step seq of b. */
int		 shim_aer_reply(struct shim *, const struct bdf *, uint64_t,
		    unsigned int, char **);
/* "flr pm ...": the methods the kernel may use, in that order. */
int		 shim_set_reset_methods(struct shimdev *, const char *,
		    char **);

#endif /* PCIBACKD_SHIM_H */
