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
 * Test support: lspci -x/-xxx/-xxxx dumps, and "memdev", an in-memory
 * device behind struct cfgdev_ops that records every hardware write.
 */

#ifndef PCIBACKD_TEST_MEMDEV_H
#define PCIBACKD_TEST_MEMDEV_H

#include <stddef.h>
#include <stdint.h>

#include "bdf.h"
#include "cfgspace.h"

#define MEMDEV_MAX_WRITES	1024

/* One device read from a dump. */
struct dumpdev {
	struct bdf	dd_bdf;
	uint8_t		dd_cfg[CFGSPACE_EXT_SIZE];
	size_t		dd_len;		/* bytes the dump had: 64, 256, 4096 */
};

struct memdev_write {
	unsigned int	mw_off;
	unsigned int	mw_size;
	uint32_t	mw_val;
};

struct memdev {
	uint8_t			md_cfg[CFGSPACE_EXT_SIZE];
	struct cfgdev_info	md_info;
	struct memdev_write	md_writes[MEMDEV_MAX_WRITES];
	size_t			md_nwrites;
	size_t			md_nreads;
	int			md_read_error;	/* when set: every read fails */
	int			md_write_error;	/* when set: every write fails */
	int			md_power_calls;
	unsigned int		md_power_state;
};

extern const struct cfgdev_ops memdev_ops;	/* cdo_set_power NULL */
extern const struct cfgdev_ops memdev_ops_pm;	/* with cdo_set_power */

/*
 * Read every device of an lspci dump; returns how many (at most max), or
 * -1 with *cause set (free it).
 */
int	dump_read(const char *, struct dumpdev *, size_t, char **);
/* One device of a dump by its position; aborts the test on failure. */
void	dump_load(const char *, size_t, struct dumpdev *);

/*
 * A memdev from a dump device: config bytes past the dump read 0xff,
 * ci_size follows the dump length, and each BAR is derived from its
 * register with the size given (sizes[0..5], sizes[6] = ROM; 0 = absent).
 */
void	memdev_from_dump(struct memdev *, const struct dumpdev *,
	    const uint64_t *, uint32_t);
void	memdev_clear_log(struct memdev *);
/* Hardware writes that touched [off, off+len) since the last clear. */
size_t	memdev_writes_in(const struct memdev *, unsigned int, unsigned int);

uint32_t memdev_get(const struct memdev *, unsigned int, unsigned int);
void	 memdev_put(struct memdev *, unsigned int, unsigned int, uint32_t);

/* The test data directory (tests/data), from $TESTDATA or the default. */
const char *testdata_path(const char *);

#endif /* PCIBACKD_TEST_MEMDEV_H */
