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


#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "emul.h"
#include "hostpci.h"
#include "util.h"

#define EMUL_FIRST_PIRQ	64	/* clear of a guest's legacy IRQ range */
#define EMUL_CAP_MSI	0x05
#define EMUL_CAP_MSIX	0x11

static uint32_t
emul_get(const struct emul_dev *ed, unsigned int off, unsigned int size)
{
	uint32_t	v = 0;
	unsigned int	i;

	for (i = 0; i < size; i++)
		v |= (uint32_t)ed->ed_cfg[off + i] << (8 * i);
	return v;
}

static void
emul_put(struct emul_dev *ed, unsigned int off, unsigned int size,
    uint32_t v)
{
	unsigned int	i;

	for (i = 0; i < size; i++)
		ed->ed_cfg[off + i] = (uint8_t)(v >> (8 * i));
}

static int
emul_read(void *arg, unsigned int off, unsigned int size, uint32_t *val)
{
	struct emul_dev	*ed = arg;
	int		 rc;

	if ((rc = cfgdev_check(off, size, ed->ed_info.ci_size)) != 0)
		return rc;
	*val = emul_get(ed, off, size);
	return 0;
}

static int
emul_write(void *arg, unsigned int off, unsigned int size, uint32_t val)
{
	struct emul_dev	*ed = arg;
	int		 rc;

	if ((rc = cfgdev_check(off, size, ed->ed_info.ci_size)) != 0)
		return rc;
	emul_put(ed, off, size, val);
	ed->ed_writes++;
	return 0;
}

const struct cfgdev_ops emul_cfgdev_ops = {
	.cdo_read = emul_read,
	.cdo_write = emul_write,
};

/* BARs as the firmware left them, sizes from libpci when it knows them. */
static void
emul_fill_bars(struct emul_dev *ed, const struct pci_dev *pd)
{
	unsigned int	i;

	cfgspace_decode_bars(ed->ed_cfg, &ed->ed_info);
	for (i = 0; i < CFGDEV_NBARS; i++)
		ed->ed_info.ci_bar[i].cb_size = pd->size[i];
	ed->ed_info.ci_bar[CFGDEV_ROM].cb_size = pd->rom_size;
}

static void
emul_fill(struct emul_dev *ed, struct pci_dev *pd)
{
	uint8_t		ext[CFGSPACE_EXT_SIZE - CFGSPACE_CONV_SIZE];
	size_t		i;

	pci_fill_info(pd, PCI_FILL_IDENT | PCI_FILL_CLASS | PCI_FILL_IRQ |
	    PCI_FILL_BASES | PCI_FILL_SIZES | PCI_FILL_ROM_BASE);
	memset(ed, 0, sizeof(*ed));
	ed->ed_bdf.b_seg = (uint16_t)pd->domain;
	ed->ed_bdf.b_bus = pd->bus;
	ed->ed_bdf.b_dev = pd->dev;
	ed->ed_bdf.b_fn = pd->func;
	ed->ed_vendor = pd->vendor_id;
	ed->ed_device = pd->device_id;
	ed->ed_next_pirq = EMUL_FIRST_PIRQ;
	ed->ed_info.ci_size = CFGSPACE_CONV_SIZE;
	ed->ed_info.ci_irq = pd->irq > 0 ? (uint32_t)pd->irq : 0;
	if (!pci_read_block(pd, 0, ed->ed_cfg, CFGSPACE_CONV_SIZE))
		memset(ed->ed_cfg, 0xff, CFGSPACE_CONV_SIZE);
	/* Extended space only where the source has any. */
	if (pci_read_block(pd, CFGSPACE_CONV_SIZE, ext, sizeof(ext))) {
		for (i = 0; i < sizeof(ext) && ext[i] == 0xff; i++)
			;
		if (i < sizeof(ext)) {
			memcpy(ed->ed_cfg + CFGSPACE_CONV_SIZE, ext, sizeof(ext));
			ed->ed_info.ci_size = CFGSPACE_EXT_SIZE;
		}
	}
	ed->ed_class = emul_get(ed, 0x08, 4) >> 8;
	emul_fill_bars(ed, pd);
}

struct emul_load {
	struct emul_dev	*el_devs;
	size_t		 el_n;
};

static void
emul_load_one(void *arg, struct pci_dev *pd)
{
	struct emul_load	*el = arg;

	emul_fill(&el->el_devs[el->el_n++], pd);
}

int
emul_load(struct emul_set *es, const char *src, char **cause)
{
	struct emul_load	el;

	*cause = NULL;
	memset(&el, 0, sizeof(el));
	if ((el.el_devs = calloc(EMUL_MAX_DEVS, sizeof(*el.el_devs))) == NULL)
		return -1;
	if (hostpci_scan(src, EMUL_MAX_DEVS, emul_load_one, &el, cause) != 0) {
		free(el.el_devs);
		return -1;
	}
	if (el.el_n == 0) {
		free(el.el_devs);
		return util_cause(cause, "%s: no devices", src);
	}
	es->es_devs = el.el_devs;
	es->es_ndevs = el.el_n;
	return 0;
}

void
emul_free(struct emul_set *es)
{
	free(es->es_devs);
	es->es_devs = NULL;
	es->es_ndevs = 0;
}

struct emul_dev *
emul_find(struct emul_set *es, const struct bdf *b)
{
	size_t	i;

	for (i = 0; i < es->es_ndevs; i++)
		if (bdf_equal(&es->es_devs[i].ed_bdf, b))
			return &es->es_devs[i];
	return NULL;
}

static int
emul_bar_index(const char *s)
{
	if (strcmp(s, "rom") == 0)
		return CFGDEV_ROM;
	if (s[0] >= '0' && s[0] <= '5' && s[1] == '\0')
		return s[0] - '0';
	return -1;
}

int
emul_load_bar_sizes(struct emul_set *es, const char *path, char **cause)
{
	FILE			*f;
	char			 line[256], addr[64], which[16], num[32];
	struct bdf_pattern	 p;
	struct emul_dev		*ed;
	uint64_t		 size;
	unsigned int		 lineno = 0;
	int			 idx;

	*cause = NULL;
	if ((f = fopen(path, "r")) == NULL)
		return util_cause(cause, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (line[0] == '#' || line[strspn(line, " \t")] == '\n')
			continue;
		if (sscanf(line, "%63s %15s %31s", addr, which, num) != 3 ||
		    bdf_parse_xl(addr, &p, NULL) != 0 || p.bp_allfn ||
		    (idx = emul_bar_index(which)) < 0)
			goto bad;
		if (util_number(num, 16, UINT64_MAX, &size) != 0 ||
		    size == 0 || (size & (size - 1)) != 0)
			goto bad;
		if ((ed = emul_find(es, &p.bp_bdf)) != NULL)
			ed->ed_info.ci_bar[idx].cb_size = size;
	}
	fclose(f);
	return 0;
bad:
	fclose(f);
	return util_cause(cause, "%s:%u: want \"<bdf> <0-5|rom> <hex size>\"",
	    path, lineno);
}

/* A bounded walk of the standard capability list. */
static unsigned int
emul_find_cap(const struct emul_dev *ed, uint8_t id)
{
	unsigned int	pos, n;

	if ((emul_get(ed, 0x06, 2) & 0x10) == 0)
		return 0;
	pos = ed->ed_cfg[0x34] & ~3u;
	for (n = 0; n < 48 && pos >= 0x40; n++) {
		if (ed->ed_cfg[pos] == id)
			return pos;
		pos = ed->ed_cfg[pos + 1] & ~3u;
	}
	return 0;
}

int
emul_enable_msi(void *arg, int *pirq)
{
	struct emul_dev	*ed = arg;
	unsigned int	 cap;

	if ((cap = emul_find_cap(ed, EMUL_CAP_MSI)) == 0)
		return -ENODEV;
	emul_put(ed, cap + 2, 2, emul_get(ed, cap + 2, 2) | 0x0001);
	emul_put(ed, 0x04, 2, emul_get(ed, 0x04, 2) | 0x0400);
	*pirq = ed->ed_next_pirq++;
	return 0;
}

int
emul_disable_msi(void *arg)
{
	struct emul_dev	*ed = arg;
	unsigned int	 cap;

	if ((cap = emul_find_cap(ed, EMUL_CAP_MSI)) == 0)
		return -ENODEV;
	emul_put(ed, cap + 2, 2, emul_get(ed, cap + 2, 2) & ~0x0001u);
	emul_put(ed, 0x04, 2, emul_get(ed, 0x04, 2) & ~0x0400u);
	return 0;
}

int
emul_enable_msix(void *arg, const uint16_t *entries, unsigned int n,
    int *pirqs)
{
	struct emul_dev	*ed = arg;
	unsigned int	 cap, i;

	(void)entries;
	if ((cap = emul_find_cap(ed, EMUL_CAP_MSIX)) == 0)
		return -ENODEV;
	emul_put(ed, cap + 2, 2, emul_get(ed, cap + 2, 2) | 0x8000);
	emul_put(ed, 0x04, 2, emul_get(ed, 0x04, 2) | 0x0400);
	for (i = 0; i < n; i++)
		pirqs[i] = ed->ed_next_pirq++;
	return 0;
}

int
emul_disable_msix(void *arg)
{
	struct emul_dev	*ed = arg;
	unsigned int	 cap;

	if ((cap = emul_find_cap(ed, EMUL_CAP_MSIX)) == 0)
		return -ENODEV;
	emul_put(ed, cap + 2, 2, emul_get(ed, cap + 2, 2) & ~0x8000u);
	emul_put(ed, 0x04, 2, emul_get(ed, 0x04, 2) & ~0x0400u);
	return 0;
}
