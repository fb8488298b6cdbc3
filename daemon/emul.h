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
 * Emulated devices: config space taken from an lspci dump or a fake
 * sysfs tree through libpci, then kept writable in memory.  They stand in
 * for devices the kernel shim holds, so the daemon and the demo run on a
 * machine without Xen.  MSI and MSI-X "pirqs" come from a counter, and
 * enabling sets the enable bits as dom0 does on real hardware.
 */

#ifndef PCIBACKD_EMUL_H
#define PCIBACKD_EMUL_H

#include <stddef.h>
#include <stdint.h>

#include "bdf.h"
#include "cfgspace.h"

#define EMUL_MAX_DEVS	256

struct emul_dev {
	struct bdf		 ed_bdf;
	uint16_t		 ed_vendor;
	uint16_t		 ed_device;
	uint32_t		 ed_class;	/* base, sub, prog-if */
	struct cfgdev_info	 ed_info;
	uint8_t			 ed_cfg[CFGSPACE_EXT_SIZE];
	uint64_t		 ed_writes;	/* hardware writes seen */
	int			 ed_next_pirq;
};

struct emul_set {
	struct emul_dev		*es_devs;
	size_t			 es_ndevs;
};

extern const struct cfgdev_ops emul_cfgdev_ops;

/* Source "dump:FILE" or "sysfs:DIR" (a directory shaped like /sys/bus/pci). */
int	emul_load(struct emul_set *, const char *, char **);
/* Apply "<bdf> <0-5|rom> <hex size>" lines (the .bars sidecar format). */
int	emul_load_bar_sizes(struct emul_set *, const char *, char **);
void	emul_free(struct emul_set *);
struct emul_dev *emul_find(struct emul_set *, const struct bdf *);

/* The interrupt backend the op layer calls (see pciop.h). */
int	emul_enable_msi(void *, int *);
int	emul_disable_msi(void *);
int	emul_enable_msix(void *, const uint16_t *, unsigned int, int *);
int	emul_disable_msix(void *);

#endif /* PCIBACKD_EMUL_H */
