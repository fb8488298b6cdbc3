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


#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memdev.h"

static int
memdev_read(void *arg, unsigned int off, unsigned int size, uint32_t *val)
{
	struct memdev	*md = arg;

	md->md_nreads++;
	if (md->md_read_error)
		return -EIO;
	if (cfgdev_check(off, size, md->md_info.ci_size) != 0)
		abort();	/* the engine must never ask for this */
	*val = memdev_get(md, off, size);
	return 0;
}

static int
memdev_write(void *arg, unsigned int off, unsigned int size, uint32_t val)
{
	struct memdev	*md = arg;

	if (cfgdev_check(off, size, md->md_info.ci_size) != 0)
		abort();
	if (md->md_nwrites < MEMDEV_MAX_WRITES) {
		md->md_writes[md->md_nwrites].mw_off = off;
		md->md_writes[md->md_nwrites].mw_size = size;
		md->md_writes[md->md_nwrites].mw_val = val;
	}
	md->md_nwrites++;
	if (md->md_write_error)
		return -EIO;
	memdev_put(md, off, size, val);
	return 0;
}

static int
memdev_set_power(void *arg, unsigned int state)
{
	struct memdev	*md = arg;

	md->md_power_calls++;
	md->md_power_state = state;
	return 0;
}

const struct cfgdev_ops memdev_ops = {
	.cdo_read = memdev_read,
	.cdo_write = memdev_write,
};

const struct cfgdev_ops memdev_ops_pm = {
	.cdo_read = memdev_read,
	.cdo_write = memdev_write,
	.cdo_set_power = memdev_set_power,
};

uint32_t
memdev_get(const struct memdev *md, unsigned int off, unsigned int size)
{
	uint32_t	v = 0;
	unsigned int	i;

	for (i = 0; i < size; i++)
		v |= (uint32_t)md->md_cfg[off + i] << (8 * i);
	return v;
}

void
memdev_put(struct memdev *md, unsigned int off, unsigned int size,
    uint32_t val)
{
	unsigned int	i;

	for (i = 0; i < size; i++)
		md->md_cfg[off + i] = (uint8_t)(val >> (8 * i));
}

void
memdev_clear_log(struct memdev *md)
{
	md->md_nwrites = 0;
	md->md_nreads = 0;
}

size_t
memdev_writes_in(const struct memdev *md, unsigned int off, unsigned int len)
{
	size_t		i, n = 0, max;

	max = md->md_nwrites < MEMDEV_MAX_WRITES ?
	    md->md_nwrites : MEMDEV_MAX_WRITES;
	for (i = 0; i < max; i++) {
		const struct memdev_write *w = &md->md_writes[i];
		if (w->mw_off < off + len && off < w->mw_off + w->mw_size)
			n++;
	}
	return n;
}

/* "0000:00:03.0 Class ..." or "00:03.0 Class ..." starts a device. */
static int
dump_header(const char *line, struct bdf *b)
{
	unsigned int	seg = 0, bus, dev, fn;
	int		used = 0;

	if (sscanf(line, "%4x:%2x:%2x.%1x %n", &seg, &bus, &dev, &fn,
	    &used) == 4 && used > 0)
		goto found;
	seg = 0;
	used = 0;
	if (sscanf(line, "%2x:%2x.%1x %n", &bus, &dev, &fn, &used) == 3 &&
	    used > 0)
		goto found;
	return -1;
found:
	if (dev > 31 || fn > 7)
		return -1;
	b->b_seg = (uint16_t)seg;
	b->b_bus = (uint8_t)bus;
	b->b_dev = (uint8_t)dev;
	b->b_fn = (uint8_t)fn;
	return 0;
}

/* "1a0: 00 11 ..." : 16 hex bytes at a hex offset. */
static int
dump_row(const char *line, struct dumpdev *d)
{
	char		*end;
	unsigned long	 off;
	unsigned int	 i, byte;
	int		 used;

	if (!isxdigit((unsigned char)line[0]))
		return -1;
	off = strtoul(line, &end, 16);
	if (*end != ':' || off % 16 != 0 || off + 16 > CFGSPACE_EXT_SIZE)
		return -1;
	line = end + 1;
	for (i = 0; i < 16; i++) {
		if (sscanf(line, " %2x%n", &byte, &used) != 1)
			return -1;
		d->dd_cfg[off + i] = (uint8_t)byte;
		line += used;
	}
	if (off + 16 > d->dd_len)
		d->dd_len = off + 16;
	return 0;
}

int
dump_read(const char *path, struct dumpdev *devs, size_t max, char **cause)
{
	FILE		*f;
	char		 line[512];
	struct dumpdev	*cur = NULL;
	size_t		 n = 0;
	struct bdf	 b;

	if ((f = fopen(path, "r")) == NULL) {
		if (asprintf(cause, "%s: %s", path, strerror(errno)) == -1)
			*cause = NULL;
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (dump_header(line, &b) == 0) {
			cur = n < max ? &devs[n] : NULL;
			n++;
			if (cur != NULL) {
				memset(cur, 0xff, sizeof(*cur));
				cur->dd_bdf = b;
				cur->dd_len = 0;
			}
			continue;
		}
		if (cur != NULL)
			(void)dump_row(line, cur);	/* -vvv text is skipped */
	}
	fclose(f);
	return (int)(n < max ? n : max);
}

void
dump_load(const char *path, size_t index, struct dumpdev *out)
{
	struct dumpdev	*all;
	char		*cause = NULL;
	int		 n;

	if ((all = calloc(64, sizeof(*all))) == NULL)
		abort();
	n = dump_read(path, all, 64, &cause);
	if (n < 0 || (size_t)n <= index) {
		fprintf(stderr, "dump_load: %s: %s\n", path,
		    n < 0 ? cause : "no such device index");
		abort();
	}
	*out = all[index];
	free(all);
}

void
memdev_from_dump(struct memdev *md, const struct dumpdev *d,
    const uint64_t *sizes, uint32_t irq)
{
	unsigned int	 i;
	struct cfgdev_bar *bar;

	memset(md, 0, sizeof(*md));
	memcpy(md->md_cfg, d->dd_cfg, sizeof(md->md_cfg));
	if (d->dd_len < CFGSPACE_EXT_SIZE)
		memset(md->md_cfg + d->dd_len, 0xff,
		    CFGSPACE_EXT_SIZE - d->dd_len);
	md->md_info.ci_size = d->dd_len > CFGSPACE_CONV_SIZE ?
	    CFGSPACE_EXT_SIZE : CFGSPACE_CONV_SIZE;
	md->md_info.ci_irq = irq;
	cfgspace_decode_bars(md->md_cfg, &md->md_info);
	/* A BAR given no size is absent. */
	for (i = 0; i <= CFGDEV_NBARS; i++) {
		bar = &md->md_info.ci_bar[i];
		if (sizes == NULL || sizes[i] == 0)
			memset(bar, 0, sizeof(*bar));
		else
			bar->cb_size = sizes[i];
	}
}

const char *
testdata_path(const char *name)
{
	static char	 buf[1024];
	const char	*dir;

	if ((dir = getenv("TESTDATA")) == NULL)
		dir = "tests/data";
	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	return buf;
}
