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
 * The emulated-device loaders (daemon/emul.c): lspci dumps, .bars
 * sidecars and sysfs trees, as "emulate" lines name them.
 *
 * Input: byte 0 picks the source, the rest is split at "\n%%\n".
 *   even: "dump:" of part 1; part 2, if any, as the .bars sidecar.
 *   odd:  "sysfs:" of a tree built from the parts: each is
 *         [device 0-3][file 0-6] then the file's bytes (config, resource,
 *         irq, vendor, device, class, the .bars sidecar).
 * The files live in a private directory under /dev/shm (or TMPDIR).
 *
 * Checked: no memory error or leak; each device loaded keeps its config
 * space size to 256 or 4096 bytes; emul_cfgdev_ops refuse what lies
 * outside it; the config-space engine accepts the device or says why;
 * MSI/MSI-X switching walks a bounded list.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emul.h"

#define NPARTS	8

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const sysfs_devs[] = {
	"0000:00:01.0", "0000:00:02.0", "0000:3a:1f.7", "0001:ff:00.1",
};
static const char *const sysfs_files[] = {
	"config", "resource", "irq", "vendor", "device", "class",
};
static char	dir[256];

static void
put_file(const char *path, const void *p, size_t n)
{
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		abort();
	if (n > 0 && write(fd, p, n) != (ssize_t)n)
		abort();
	close(fd);
}

static void
setup(void)
{
	const char	*tmp = getenv("TMPDIR");
	char		 path[512];
	size_t		 i;

	if (dir[0] != '\0')
		return;
	if (access("/dev/shm", W_OK) == 0)
		tmp = "/dev/shm";
	else if (tmp == NULL)
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/fuzz_emul.%d", tmp, (int)getpid());
	snprintf(path, sizeof(path), "%s/devices", dir);
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		abort();
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		abort();
	for (i = 0; i < sizeof(sysfs_devs) / sizeof(sysfs_devs[0]); i++) {
		snprintf(path, sizeof(path), "%s/devices/%s", dir,
		    sysfs_devs[i]);
		if (mkdir(path, 0700) == -1 && errno != EEXIST)
			abort();
	}
}

/* Remove the previous run's files: the tree starts empty each time. */
static void
clean(void)
{
	char	path[512];
	size_t	i, j;

	for (i = 0; i < sizeof(sysfs_devs) / sizeof(sysfs_devs[0]); i++)
		for (j = 0; j < sizeof(sysfs_files) / sizeof(sysfs_files[0]);
		    j++) {
			snprintf(path, sizeof(path), "%s/devices/%s/%s", dir,
			    sysfs_devs[i], sysfs_files[j]);
			unlink(path);
		}
}

static void
check_dev(struct emul_set *es, struct emul_dev *ed)
{
	struct cfgspace	*cs;
	char		*cause = NULL;
	uint32_t	 v;
	unsigned int	 off, size, sz = ed->ed_info.ci_size;
	int		 pirq, pirqs[4], rc;
	uint16_t	 ents[4] = { 0, 1, 2, 3 };

	if (sz != CFGSPACE_CONV_SIZE && sz != CFGSPACE_EXT_SIZE)
		abort();
	if (emul_find(es, &ed->ed_bdf) == NULL)
		abort();
	for (size = 1; size <= 8; size *= 2)
		for (off = sz - 8; off < sz + 8; off++) {
			rc = emul_cfgdev_ops.cdo_read(ed, off, size, &v);
			if ((rc == 0) != (size <= 4 && size != 3 &&
			    off % size == 0 && off + size <= sz))
				abort();
		}
	if (emul_cfgdev_ops.cdo_write(ed, sz, 4, 0) == 0 ||
	    emul_cfgdev_ops.cdo_read(ed, 0, 3, &v) == 0)
		abort();

	/* What device_add does with it, then some guest reads. */
	cs = cfgspace_new(&emul_cfgdev_ops, ed, &ed->ed_info, NULL, &cause);
	if (cs == NULL) {
		free(cause);
		return;
	}
	for (off = 0; off < sz; off += 4)
		(void)cfgspace_read(cs, off, 4, &v);
	(void)cfgspace_msix_table_size(cs);
	cfgspace_free(cs);

	if (emul_enable_msi(ed, &pirq) == 0)
		(void)emul_disable_msi(ed);
	if (emul_enable_msix(ed, ents, 4, pirqs) == 0)
		(void)emul_disable_msix(ed);
}

static void
load(const char *src, const char *bars)
{
	struct emul_set	 es = { NULL, 0 };
	char		*cause = NULL;
	size_t		 i;

	if (emul_load(&es, src, &cause) != 0) {
		free(cause);
		if (es.es_devs != NULL || es.es_ndevs != 0)
			abort();
		return;
	}
	if (es.es_ndevs == 0 || es.es_ndevs > EMUL_MAX_DEVS)
		abort();
	if (bars != NULL && emul_load_bar_sizes(&es, bars, &cause) != 0)
		free(cause);
	for (i = 0; i < es.es_ndevs; i++)
		check_dev(&es, &es.es_devs[i]);
	emul_free(&es);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*part[NPARTS], *end, *sep;
	size_t		 len[NPARTS], n, i;
	char		 src[700], path[600], bars[600];
	int		 sysfs, have_bars = 0;

	if (size < 1)
		return 0;
	setup();
	clean();
	sysfs = data[0] & 1;
	end = (const char *)data + size;
	part[0] = (const char *)data + 1;
	for (n = 0; n < NPARTS; n++) {
		sep = memmem(part[n], (size_t)(end - part[n]), "\n%%\n", 4);
		len[n] = sep != NULL ? (size_t)(sep - part[n]) + 1 :
		    (size_t)(end - part[n]);
		if (sep == NULL || n + 1 == NPARTS) {
			n++;
			break;
		}
		part[n + 1] = sep + 4;
	}
	snprintf(bars, sizeof(bars), "%s/bars", dir);
	unlink(bars);
	if (!sysfs) {
		snprintf(path, sizeof(path), "%s/dump", dir);
		put_file(path, part[0], len[0]);
		if (n > 1) {
			put_file(bars, part[1], len[1]);
			have_bars = 1;
		}
		snprintf(src, sizeof(src), "dump:%s", path);
		load(src, have_bars ? bars : NULL);
		return 0;
	}
	for (i = 0; i < n; i++) {
		unsigned int	d, f;

		if (len[i] < 2)
			continue;
		d = (unsigned char)part[i][0] % 4;
		f = (unsigned char)part[i][1] % 7;
		if (f == 6) {
			put_file(bars, part[i] + 2, len[i] - 2);
			have_bars = 1;
			continue;
		}
		snprintf(path, sizeof(path), "%s/devices/%s/%s", dir,
		    sysfs_devs[d], sysfs_files[f]);
		put_file(path, part[i] + 2, len[i] - 2);
	}
	snprintf(src, sizeof(src), "sysfs:%s", dir);
	load(src, have_bars ? bars : NULL);
	return 0;
}
