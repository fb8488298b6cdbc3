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
 * shimsim-ctl: the kernel side of the shim double, for tests.  What the
 * toolstack writes to the pciback driver's sysfs files (new_slot, bind,
 * permissive ...), the machine itself (devices from lspci dumps, a
 * device that disappears) and the fault switches.  Argument rules are
 * the module's (pcishim_check.c); errors are the sysfs write's errno.
 *
 * usage: shimsim-ctl COMMAND [ARGS]   (see usage() and README.md)
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emul.h"
#include "model.h"
#include "pcishim_check.h"

#define CTL_CMD_MASTER		0x0004
#define CTL_CAP_PM		0x01
#define CTL_CAP_EXP		0x10
#define CTL_CAP_AF		0x13

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: shimsim-ctl init\n"
	    "       shimsim-ctl add dump:FILE [BARS]\n"
	    "       shimsim-ctl new_slot|remove_slot SLOT\n"
	    "       shimsim-ctl bind|unbind BDF\n"
	    "       shimsim-ctl permissive|allow_interrupt_control BDF\n"
	    "       shimsim-ctl assignable-add|assignable-remove BDF\n"
	    "       shimsim-ctl reset_method BDF [METHODS]\n"
	    "       shimsim-ctl supported BDF METHODS\n"
	    "       shimsim-ctl irq BDF IRQ\n"
	    "       shimsim-ctl command BDF VALUE\n"
	    "       shimsim-ctl gone BDF [--silent]\n"
	    "       shimsim-ctl fault NAME [ARG|off]\n"
	    "       shimsim-ctl aer BDF detected|mmio|slot-reset|resume\n"
	    "           [normal|frozen|perm-failure] [TIMEOUT_SECS]\n"
	    "       shimsim-ctl show BDF | list | events\n");
	exit(2);
}

static int
ctl_fail(const char *what, int error)
{
	fprintf(stderr, "shimsim-ctl: %s: %s\n", what, strerror(error));
	return 1;
}

static int
ctl_bdf(const char *s, uint32_t *bdf)
{
	struct pcishim_slot	slot;

	if (pcishim_parse_slot(s, strlen(s), 0, &slot) != 0)
		return -EINVAL;
	*bdf = pcishim_slot_bdf(&slot);
	return 0;
}

static int
ctl_init(void)
{
	char	dir[PATH_MAX], path[PATH_MAX];
	int	fd;

	if (shimsim_dir(dir, sizeof(dir)) != 0)
		return ctl_fail("init", ENOENT);
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return ctl_fail(dir, errno);
	if (shimsim_path(path, sizeof(path), "fault") != 0 ||
	    (mkdir(path, 0755) == -1 && errno != EEXIST))
		return ctl_fail(path, errno);
	if (shimsim_path(path, sizeof(path), "events") != 0 ||
	    (fd = open(path, O_WRONLY | O_CREAT, 0644)) == -1)
		return ctl_fail(path, errno);
	close(fd);
	if (shimsim_path(path, sizeof(path), "slots") != 0 ||
	    (fd = open(path, O_WRONLY | O_CREAT, 0644)) == -1)
		return ctl_fail(path, errno);
	close(fd);
	return 0;
}

/* What Linux would find the function able to do. */
static uint32_t
ctl_supported(const struct shimsim_dev *sd)
{
	uint32_t	m = 0;
	unsigned int	cap;

	if ((cap = shimsim_cap(sd->sd_cfg, CTL_CAP_EXP)) != 0 &&
	    (shimsim_cfg_get(sd->sd_cfg, cap + 4, 4) & 0x10000000))
		m |= 1u << PCISHIM_RESET_FLR;
	if ((cap = shimsim_cap(sd->sd_cfg, CTL_CAP_AF)) != 0 &&
	    (sd->sd_cfg[cap + 3] & 0x02))
		m |= 1u << PCISHIM_RESET_AF_FLR;
	if ((cap = shimsim_cap(sd->sd_cfg, CTL_CAP_PM)) != 0 &&
	    !(shimsim_cfg_get(sd->sd_cfg, cap + 4, 2) & 0x0008))
		m |= 1u << PCISHIM_RESET_PM;
	/* A secondary bus reset needs a bridge above: not on bus 0. */
	if (PCISHIM_BDF_BUS(sd->sd_bdf) != 0)
		m |= 1u << PCISHIM_RESET_BUS;
	return m;
}

static void
ctl_from_emul(struct shimsim_dev *sd, const struct emul_dev *ed)
{
	const struct cfgdev_bar	*cb;
	struct pcishim_bar	*pb;
	int			 i;

	memset(sd, 0, sizeof(*sd));
	sd->sd_magic = SHIMSIM_MAGIC;
	sd->sd_bdf = PCISHIM_BDF(ed->ed_bdf.b_seg, ed->ed_bdf.b_bus,
	    ed->ed_bdf.b_dev, ed->ed_bdf.b_fn);
	sd->sd_present = 1;
	sd->sd_domid = PCISHIM_DOMID_NONE;
	sd->sd_cfgsize = ed->ed_info.ci_size;
	/*
	 * The kernel's IRQ: a GSI of its own per function (the dumps' line
	 * registers repeat 10 and 11), so that only a test that asks for it
	 * ("irq") has functions sharing a line (XSA-461).
	 */
	sd->sd_irq = ed->ed_info.ci_irq == 0 ? 0 : 16 +
	    (PCISHIM_BDF_BUS(sd->sd_bdf) * 256 + PCISHIM_BDF_DEVFN(sd->sd_bdf)) %
	    4000;
	sd->sd_next_pirq = SHIMSIM_FIRST_PIRQ;
	memcpy(sd->sd_cfg, ed->ed_cfg, sizeof(sd->sd_cfg));
	memcpy(sd->sd_initcfg, ed->ed_cfg, sizeof(sd->sd_initcfg));
	for (i = 0; i < PCISHIM_NBARS; i++) {
		cb = &ed->ed_info.ci_bar[i];
		pb = &sd->sd_bar[i];
		if (cb->cb_size == 0)
			continue;
		pb->pb_start = cb->cb_start;
		pb->pb_size = cb->cb_size;
		pb->pb_flags = cb->cb_flags & CFGDEV_BAR_IO ? PCISHIM_BAR_IO :
		    PCISHIM_BAR_MEM;
		if (cb->cb_flags & CFGDEV_BAR_MEM64)
			pb->pb_flags |= PCISHIM_BAR_MEM64;
		if (cb->cb_flags & CFGDEV_BAR_PREFETCH)
			pb->pb_flags |= PCISHIM_BAR_PREFETCH;
		if (i == PCISHIM_NBARS - 1)
			pb->pb_flags = PCISHIM_BAR_ROM | PCISHIM_BAR_MEM;
	}
	sd->sd_supported = ctl_supported(sd);
	shimsim_methods_default(sd);
}

/*
 * Linux offers a bus reset only to a function alone behind its bridge:
 * once the machine has its new functions, one that shares its bus loses
 * it (a reset_method line set by hand stays).
 */
static void
ctl_bus_shared(const struct emul_dev *ed)
{
	struct shimsim_dev	sd;
	uint32_t		bdfs[4], bdf;

	bdf = PCISHIM_BDF(ed->ed_bdf.b_seg, ed->ed_bdf.b_bus, ed->ed_bdf.b_dev,
	    ed->ed_bdf.b_fn);
	if (shimsim_bus_members(bdf, bdfs, 4) < 2 ||
	    shimsim_dev_load(bdf, &sd) != 0 ||
	    !(sd.sd_supported & 1u << PCISHIM_RESET_BUS))
		return;
	sd.sd_supported &= ~(1u << PCISHIM_RESET_BUS);
	shimsim_methods_default(&sd);
	(void)shimsim_dev_save(&sd);
}

/* Functions of the dump join the machine; ones already there stay. */
static int
ctl_add(const char *src, const char *bars)
{
	struct emul_set		es;
	struct shimsim_dev	sd, old;
	char			*cause = NULL;
	size_t			 i;
	int			 lk;

	memset(&es, 0, sizeof(es));
	if (emul_load(&es, src, &cause) != 0 ||
	    (bars != NULL && emul_load_bar_sizes(&es, bars, &cause) != 0)) {
		fprintf(stderr, "shimsim-ctl: %s\n", cause ? cause : src);
		free(cause);
		return 1;
	}
	lk = shimsim_lock();
	for (i = 0; i < es.es_ndevs; i++) {
		ctl_from_emul(&sd, &es.es_devs[i]);
		if (shimsim_dev_load(sd.sd_bdf, &old) == 0)
			continue;
		(void)shimsim_dev_save(&sd);
	}
	for (i = 0; i < es.es_ndevs; i++)
		ctl_bus_shared(&es.es_devs[i]);
	shimsim_sysfs_sync();
	shimsim_unlock(lk);
	emul_free(&es);
	return 0;
}

static FILE *
ctl_slots(const char *mode)
{
	char	path[PATH_MAX];

	if (shimsim_path(path, sizeof(path), "slots") != 0)
		return NULL;
	return fopen(path, mode);
}

/* Lock held. */
static int
ctl_slot_listed(uint32_t bdf)
{
	struct pcishim_slot	slot;
	char			line[64];
	FILE			*f;
	int			 found = 0;

	if ((f = ctl_slots("r")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = pcishim_parse_slot(line, strlen(line), 0, &slot) == 0 &&
		    pcishim_slot_match(&slot, bdf);
	fclose(f);
	return found;
}

static void
ctl_slots_mirror(void)
{
	char	src[PATH_MAX], dst[PATH_MAX], buf[8192];
	FILE	*f, *g;
	size_t	n;

	if (shimsim_path(src, sizeof(src), "slots") != 0 ||
	    shimsim_path(dst, sizeof(dst),
	    "sys/bus/pci/drivers/pciback/slots") != 0)
		return;
	if ((f = fopen(src, "r")) == NULL)
		return;
	if ((g = fopen(dst, "w")) != NULL) {
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			fwrite(buf, 1, n, g);
		fclose(g);
	}
	fclose(f);
}

/* Like xen-pciback, "BB:DD.*" stands for the eight functions. */
static int
ctl_new_slot(const char *arg)
{
	struct pcishim_slot	slot;
	uint32_t		fn, first, last, bdf;
	FILE			*f;
	char			addr[16];
	int			lk, added = 0, error;

	if ((error = pcishim_parse_slot(arg, strlen(arg), 1, &slot)) != 0)
		return ctl_fail(arg, -error);
	first = slot.ps_fn == PCISHIM_SLOT_ANYFN ? 0 : slot.ps_fn;
	last = slot.ps_fn == PCISHIM_SLOT_ANYFN ? 7 : slot.ps_fn;
	lk = shimsim_lock();
	for (fn = first; fn <= last; fn++) {
		bdf = PCISHIM_BDF(slot.ps_seg, slot.ps_bus, slot.ps_dev, fn);
		if (ctl_slot_listed(bdf))
			continue;
		if ((f = ctl_slots("a")) == NULL)
			break;
		shimsim_bdf_str(bdf, addr, sizeof(addr));
		fprintf(f, "%s\n", addr);
		fclose(f);
		added = 1;
	}
	if (added)
		shimsim_event(PCISHIM_EV_SLOT_ADDED, slot.ps_fn ==
		    PCISHIM_SLOT_ANYFN ? PCISHIM_EVF_ANYFN : 0,
		    pcishim_slot_bdf(&slot), 0, 0);
	ctl_slots_mirror();
	shimsim_unlock(lk);
	return 0;
}

static int
ctl_remove_slot(const char *arg)
{
	struct pcishim_slot	slot, one;
	char			line[64], path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE			*f, *g;
	int			lk, removed = 0, error;

	if ((error = pcishim_parse_slot(arg, strlen(arg), 1, &slot)) != 0)
		return ctl_fail(arg, -error);
	if (shimsim_path(path, sizeof(path), "slots") != 0)
		return ctl_fail("slots", ENOENT);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	lk = shimsim_lock();
	if ((f = fopen(path, "r")) == NULL || (g = fopen(tmp, "w")) == NULL) {
		if (f != NULL)
			fclose(f);
		shimsim_unlock(lk);
		return ctl_fail(path, errno);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (pcishim_parse_slot(line, strlen(line), 0, &one) == 0 &&
		    pcishim_slot_match(&slot, pcishim_slot_bdf(&one))) {
			removed = 1;
			continue;
		}
		fputs(line, g);
	}
	fclose(f);
	fclose(g);
	(void)rename(tmp, path);
	if (removed)
		shimsim_event(PCISHIM_EV_SLOT_REMOVED, slot.ps_fn ==
		    PCISHIM_SLOT_ANYFN ? PCISHIM_EVF_ANYFN : 0,
		    pcishim_slot_bdf(&slot), 0, 0);
	ctl_slots_mirror();
	shimsim_unlock(lk);
	return removed ? 0 : ctl_fail(arg, ENOENT);
}

/*
 * Probe: enable once (resources, IRQ), save that state as the one to
 * return to, reset, quiesce.  A failed reset is reported, not fatal.
 */
static int
ctl_bind(const char *arg)
{
	struct shimsim_dev	sd;
	uint32_t		bdf, method, cmd;
	uint64_t		order = 0;
	struct shimsim_dev	*all;
	int			lk, n, i, error = 0, hdr;

	if ((error = ctl_bdf(arg, &bdf)) != 0)
		return ctl_fail(arg, -error);
	if ((all = calloc(SHIMSIM_MAXDEVS, sizeof(*all))) == NULL)
		return ctl_fail("calloc", ENOMEM);
	lk = shimsim_lock();
	if (shimsim_dev_load(bdf, &sd) != 0)
		error = ENODEV;
	else if (sd.sd_held)
		error = EBUSY;
	else if (!ctl_slot_listed(bdf))
		error = ENODEV;
	hdr = sd.sd_cfg[0x0e] & 0x7f;
	if (!error && hdr != 0 && hdr != 1)
		error = ENODEV;
	if (!error) {
		n = shimsim_dev_all(all, SHIMSIM_MAXDEVS);
		for (i = 0; i < n; i++)
			if (all[i].sd_order > order)
				order = all[i].sd_order;
		sd.sd_order = order + 1;
		cmd = shimsim_cfg_get(sd.sd_cfg, 0x04, 2);
		for (i = 0; i < PCISHIM_NBARS - 1; i++)
			if (sd.sd_bar[i].pb_size != 0)
				cmd |= sd.sd_bar[i].pb_flags & PCISHIM_BAR_IO ?
				    0x1 : 0x2;
		shimsim_cfg_put(sd.sd_cfg, 0x04, 2, cmd);
		memcpy(sd.sd_initcfg, sd.sd_cfg, sizeof(sd.sd_initcfg));
		if (shimsim_reset(&sd, 1, &method) != 0)
			shimsim_event(PCISHIM_EV_ERROR, 0, bdf,
			    PCISHIM_OP_SEIZE, -EIO);
		cmd = shimsim_cfg_get(sd.sd_cfg, 0x04, 2) & ~CTL_CMD_MASTER;
		shimsim_cfg_put(sd.sd_cfg, 0x04, 2, cmd);
		sd.sd_enabled = 0;
		sd.sd_held = 1;
		sd.sd_domid = PCISHIM_DOMID_NONE;
		sd.sd_permissive = sd.sd_intctl = 0;
		(void)shimsim_dev_save(&sd);
		shimsim_event(PCISHIM_EV_BOUND, 0, bdf, 0, 0);
	}
	shimsim_sysfs_sync();
	shimsim_unlock(lk);
	free(all);
	return error ? ctl_fail(arg, error) : 0;
}

/* Lock held: the module's remove(). */
static void
ctl_remove(struct shimsim_dev *sd, int event)
{
	uint32_t	method, flags = 0;

	if (sd->sd_domid != PCISHIM_DOMID_NONE)
		flags |= PCISHIM_EVF_ASSIGNED;
	sd->sd_held = 0;
	sd->sd_busy_pid = 0;
	sd->sd_permissive = sd->sd_intctl = 0;
	if (shimsim_giveback(sd, &method) != 0 && event)
		shimsim_event(PCISHIM_EV_ERROR, 0, sd->sd_bdf,
		    PCISHIM_OP_RELEASE, -EIO);
	if (event)
		shimsim_event(PCISHIM_EV_UNBOUND, flags, sd->sd_bdf, 0, 0);
}

static int
ctl_unbind(const char *arg)
{
	struct shimsim_dev	sd;
	uint32_t		bdf;
	int			lk, error = 0;

	if ((error = ctl_bdf(arg, &bdf)) != 0)
		return ctl_fail(arg, -error);
	lk = shimsim_lock();
	if (shimsim_dev_load(bdf, &sd) != 0 || !sd.sd_held)
		error = ENODEV;
	if (!error) {
		ctl_remove(&sd, 1);
		(void)shimsim_dev_save(&sd);
	}
	shimsim_sysfs_sync();
	shimsim_unlock(lk);
	return error ? ctl_fail(arg, error) : 0;
}

/*
 * Surprise removal: the kernel removes the driver (UNBOUND) and the
 * function is gone.  --silent: gone without a word, as in the window
 * before remove() runs; ioctls then say ENODEV.
 */
static int
ctl_gone(const char *arg, int silent)
{
	struct shimsim_dev	sd;
	uint32_t		bdf;
	int			lk, error = 0;

	if ((error = ctl_bdf(arg, &bdf)) != 0)
		return ctl_fail(arg, -error);
	lk = shimsim_lock();
	if (shimsim_dev_load(bdf, &sd) != 0)
		error = ENODEV;
	if (!error) {
		if (sd.sd_held)
			ctl_remove(&sd, !silent);
		sd.sd_present = 0;
		(void)shimsim_dev_save(&sd);
	}
	shimsim_sysfs_sync();
	shimsim_unlock(lk);
	return error ? ctl_fail(arg, error) : 0;
}

/* permissive, allow_interrupt_control: ENODEV unless held. */
static int
ctl_flag(const char *arg, uint32_t evtype)
{
	struct pcishim_slot	slot;
	struct shimsim_dev	sd;
	uint32_t		bdf;
	int			lk, error;

	if ((error = pcishim_parse_slot(arg, strlen(arg), 0, &slot)) != 0)
		return ctl_fail(arg, -error);
	bdf = pcishim_slot_bdf(&slot);
	lk = shimsim_lock();
	if (shimsim_dev_load(bdf, &sd) != 0 || !sd.sd_held)
		error = ENODEV;
	if (!error) {
		if (evtype == PCISHIM_EV_PERMISSIVE)
			sd.sd_permissive = 1;
		else
			sd.sd_intctl = 1;
		(void)shimsim_dev_save(&sd);
		shimsim_event(evtype, 0, bdf, 0, 0);
	}
	shimsim_sysfs_sync();
	shimsim_unlock(lk);
	return error ? ctl_fail(arg, error) : 0;
}

/* Read or write the function's reset_method, as the daemon does. */
static int
ctl_reset_method(const char *arg, const char *methods)
{
	struct shimsim_dev	sd;
	uint32_t		bdf;
	int			lk, error;

	if ((error = ctl_bdf(arg, &bdf)) != 0)
		return ctl_fail(arg, -error);
	lk = shimsim_lock();
	if (shimsim_dev_load(bdf, &sd) != 0)
		error = -ENODEV;
	if (!error && methods == NULL)
		printf("%s\n", sd.sd_methods);
	else if (!error && (error = shimsim_methods_set(&sd, methods)) == 0)
		(void)shimsim_dev_save(&sd);
	shimsim_sysfs_sync();
	shimsim_unlock(lk);
	return error ? ctl_fail(arg, -error) : 0;
}

/* What the hardware can do (a test's choice): "flr pm bus ...". */
static int
ctl_set_supported(const char *arg, const char *methods)
{
	struct shimsim_dev	sd;
	char			buf[SHIMSIM_METHODS_MAX], *w, *save = NULL;
	uint32_t		bdf, m, mask = 0;
	int			lk, error;

	if ((error = ctl_bdf(arg, &bdf)) != 0)
		return ctl_fail(arg, -error);
	snprintf(buf, sizeof(buf), "%s", methods);
	for (w = strtok_r(buf, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save)) {
		for (m = 1; m < PCISHIM_RESET_OTHER; m++)
			if (strcmp(w, shimsim_method_name(m)) == 0)
				break;
		if (m == PCISHIM_RESET_OTHER)
			return ctl_fail(w, EINVAL);
		mask |= 1u << m;
	}
	lk = shimsim_lock();
	if (shimsim_dev_load(bdf, &sd) != 0)
		error = ENODEV;
	if (!error) {
		sd.sd_supported = mask;
		shimsim_methods_default(&sd);
		(void)shimsim_dev_save(&sd);
	}
	shimsim_sysfs_sync();
	shimsim_unlock(lk);
	return error ? ctl_fail(arg, error) : 0;
}

/* The function's IRQ as the kernel routed it (its GSI). */
static int
ctl_irq(const char *arg, const char *irq)
{
	struct shimsim_dev	sd;
	uint32_t		bdf;
	int			lk, error;

	if ((error = ctl_bdf(arg, &bdf)) != 0)
		return ctl_fail(arg, -error);
	lk = shimsim_lock();
	if (shimsim_dev_load(bdf, &sd) != 0)
		error = ENODEV;
	if (!error) {
		sd.sd_irq = (uint32_t)strtoul(irq, NULL, 0);
		(void)shimsim_dev_save(&sd);
	}
	shimsim_sysfs_sync();
	shimsim_unlock(lk);
	return error ? ctl_fail(arg, error) : 0;
}

/* dom0's driver writes the Command register (MSI on: INTx disable set). */
static int
ctl_command(const char *arg, const char *value)
{
	struct shimsim_dev	sd;
	uint32_t		bdf;
	unsigned long		v;
	int			lk, error;

	if ((error = ctl_bdf(arg, &bdf)) != 0)
		return ctl_fail(arg, -error);
	if ((v = strtoul(value, NULL, 0)) > 0xffff)
		return ctl_fail(value, EINVAL);
	lk = shimsim_lock();
	if (shimsim_dev_load(bdf, &sd) != 0)
		error = ENODEV;
	if (!error) {
		sd.sd_cfg[0x04] = (uint8_t)v;
		sd.sd_cfg[0x05] = (uint8_t)(v >> 8);
		(void)shimsim_dev_save(&sd);
	}
	shimsim_sysfs_sync();
	shimsim_unlock(lk);
	return error ? ctl_fail(arg, error) : 0;
}

static int
ctl_fault(const char *name, const char *arg)
{
	char	path[PATH_MAX], rel[64], tmp[PATH_MAX + 8];
	FILE	*f;

	if (strchr(name, '/') != NULL)
		return ctl_fail(name, EINVAL);
	snprintf(rel, sizeof(rel), "fault/%s", name);
	if (shimsim_path(path, sizeof(path), rel) != 0)
		return ctl_fail(name, ENOENT);
	if (arg != NULL && strcmp(arg, "off") == 0) {
		if (unlink(path) == -1 && errno != ENOENT)
			return ctl_fail(path, errno);
		return 0;
	}
	/* Written aside and renamed: a reader sees all or nothing. */
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return ctl_fail(tmp, errno);
	fprintf(f, "%s\n", arg != NULL ? arg : "");
	fclose(f);
	if (rename(tmp, path) == -1)
		return ctl_fail(path, errno);
	return 0;
}

/* Poll for an answer this often while an AER callback waits. */
#define CTL_AER_POLL_MS		20

static const char *const ctl_aer_ops[] = {
	[PCISHIM_AER_DETECTED] = "detected",
	[PCISHIM_AER_MMIO] = "mmio",
	[PCISHIM_AER_SLOT_RESET] = "slot-reset",
	[PCISHIM_AER_RESUME] = "resume",
};

static const char *const ctl_aer_states[] = {
	[PCISHIM_AER_STATE_NORMAL] = "normal",
	[PCISHIM_AER_STATE_FROZEN] = "frozen",
	[PCISHIM_AER_STATE_PERM_FAILURE] = "perm-failure",
};

/* The index of word in names[1..n-1], 0 if none. */
static uint32_t
ctl_word(const char *word, const char *const *names, size_t n)
{
	size_t	i;

	for (i = 1; i < n; i++)
		if (strcmp(word, names[i]) == 0)
			return (uint32_t)i;
	return 0;
}

/* "aer BDF OP [STATE] [TIMEOUT_SECS]"; anything else is usage (2). */
static void
ctl_aer_args(int argc, char **argv, uint32_t *bdf, uint32_t *op,
    uint32_t *state, long *secs)
{
	char	*end;
	int	 i = 2;

	if (argc < 2 || ctl_bdf(argv[0], bdf) != 0 ||
	    (*op = ctl_word(argv[1], ctl_aer_ops,
	    sizeof(ctl_aer_ops) / sizeof(ctl_aer_ops[0]))) == 0)
		usage();
	*state = 0;
	if (*op == PCISHIM_AER_DETECTED) {
		*state = PCISHIM_AER_STATE_NORMAL;
		if (i < argc && argv[i][0] >= 'a' && argv[i][0] <= 'z' &&
		    (*state = ctl_word(argv[i++], ctl_aer_states,
		    sizeof(ctl_aer_states) / sizeof(ctl_aer_states[0]))) == 0)
			usage();
	}
	*secs = PCISHIM_AER_WAIT_SECS;
	if (i < argc) {
		errno = 0;
		*secs = strtol(argv[i++], &end, 10);
		if (errno != 0 || *end != '\0' || end == argv[i - 1] ||
		    *secs < 0 || *secs > 24 * 3600)
			usage();
	}
	if (i != argc)
		usage();
}

/*
 * Lock held: the callback's start, as the module's pcishim_aer_ask.
 * Returns the record's flags, or -errno.
 */
static int
ctl_aer_post(uint32_t bdf, uint32_t op, uint32_t state)
{
	struct shimsim_dev	sd;
	struct shimsim_aer	sa;
	uint32_t		flags;
	uint64_t		seq;

	/* The kernel calls only the bound driver's handlers. */
	if (shimsim_dev_load(bdf, &sd) != 0 || !sd.sd_held)
		return -ENODEV;
	/* ... and one at a time: it holds the device lock around each. */
	if (shimsim_aer_load(bdf, &sa) == 0)
		return -EBUSY;
	flags = pcishim_aer_evflags(sd.sd_domid, shimsim_readers_room() > 0);
	if ((seq = shimsim_event(PCISHIM_EV_AER, flags, bdf, op,
	    (int)state)) == 0)
		return -EIO;
	if (!(flags & PCISHIM_EVF_REPLY))
		return 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_magic = SHIMSIM_MAGIC;
	sa.sa_pid = (uint32_t)getpid();
	sa.sa_bdf = bdf;
	sa.sa_seq = seq;
	if (shimsim_aer_save(&sa) != 0)
		return -EIO;
	return (int)flags;
}

/*
 * Lock held: is the wait over?  An answer (*result), or nobody left who
 * could give one: the device unbound or gone, no unrestricted open.
 */
static int
ctl_aer_over(uint32_t bdf, uint32_t *result)
{
	struct shimsim_dev	sd;
	struct shimsim_aer	sa;

	if (shimsim_aer_load(bdf, &sa) == 0 && sa.sa_result != 0) {
		*result = sa.sa_result;
		return 1;
	}
	if (shimsim_dev_load(bdf, &sd) != 0 || !sd.sd_held)
		return 1;
	return shimsim_readers_room() < 0;
}

/*
 * An AER callback of the kernel on a held device: its EV_AER record,
 * then, if it asked for one, the wait for AER_REPLY.  Prints the
 * result answered or "default" (none asked for, time up, device
 * unbound, last unrestricted open closed meanwhile).
 */
static int
ctl_aer(int argc, char **argv)
{
	uint32_t	bdf, op, state, result = 0;
	long		secs, ms;
	int		lk, rc, over = 0;

	ctl_aer_args(argc, argv, &bdf, &op, &state, &secs);
	lk = shimsim_lock();
	rc = ctl_aer_post(bdf, op, state);
	shimsim_unlock(lk);
	if (rc < 0)
		return ctl_fail(argv[0], -rc);
	for (ms = 0; (rc & PCISHIM_EVF_REPLY) && !over && ms < secs * 1000;
	    ms += CTL_AER_POLL_MS) {
		usleep(CTL_AER_POLL_MS * 1000);
		lk = shimsim_lock();
		over = ctl_aer_over(bdf, &result);
		shimsim_unlock(lk);
	}
	if (rc & PCISHIM_EVF_REPLY) {
		/* An answer that came with the time's end still counts. */
		lk = shimsim_lock();
		if (!over)
			(void)ctl_aer_over(bdf, &result);
		shimsim_aer_drop(bdf);
		shimsim_unlock(lk);
	}
	if (result != 0)
		printf("result=%u\n", result);
	else
		printf("result=default\n");
	return 0;
}

static int
ctl_show(const char *arg)
{
	struct shimsim_dev	sd;
	uint32_t		bdf;
	int			lk, error;

	if ((error = ctl_bdf(arg, &bdf)) != 0)
		return ctl_fail(arg, -error);
	lk = shimsim_lock();
	error = shimsim_dev_load(bdf, &sd) != 0 ? errno : 0;
	shimsim_unlock(lk);
	if (error)
		return ctl_fail(arg, error);
	printf("held=%u\n", sd.sd_held);
	if (sd.sd_domid == PCISHIM_DOMID_NONE)
		printf("domid=none\n");
	else
		printf("domid=%u\n", sd.sd_domid);
	printf("permissive=%u\nintctl=%u\nenabled=%u\nmsi=%u\nmsix=%u\n",
	    sd.sd_permissive, sd.sd_intctl, sd.sd_enabled, sd.sd_msi,
	    sd.sd_msix);
	printf("busy=%u\nresets=%u\nlast_method=%s\nlast_error=%d\n",
	    sd.sd_busy_pid != 0, sd.sd_resets,
	    sd.sd_last_method == 0 ? "none" :
	    shimsim_method_name(sd.sd_last_method), sd.sd_last_error);
	printf("reset_method=%s\ncommand=0x%04x\nirq=%u\n", sd.sd_methods,
	    shimsim_cfg_get(sd.sd_cfg, 0x04, 2), sd.sd_irq);
	return 0;
}

static int
ctl_list(void)
{
	uint32_t	bdfs[SHIMSIM_MAXDEVS];
	char		addr[16];
	int		lk, n, i;

	lk = shimsim_lock();
	n = shimsim_dev_held(bdfs, SHIMSIM_MAXDEVS);
	shimsim_unlock(lk);
	for (i = 0; i < n; i++) {
		shimsim_bdf_str(bdfs[i], addr, sizeof(addr));
		printf("%s\n", addr);
	}
	return n < 0;
}

static int
ctl_events(void)
{
	static const char *const names[] = { "?", "slot_added",
	    "slot_removed", "bound", "unbound", "permissive", "intctl",
	    "error", "overflow", "aer" };
	struct pcishim_event	ev;
	char			path[PATH_MAX], addr[16];
	FILE			*f;

	if (shimsim_path(path, sizeof(path), "events") != 0 ||
	    (f = fopen(path, "r")) == NULL)
		return ctl_fail("events", ENOENT);
	while (fread(&ev, sizeof(ev), 1, f) == 1) {
		shimsim_bdf_str(ev.pe_bdf, addr, sizeof(addr));
		printf("%llu %s %s flags=%u op=%u error=%d\n",
		    (unsigned long long)ev.pe_seq,
		    ev.pe_type < 10 ? names[ev.pe_type] : "?", addr,
		    ev.pe_flags, ev.pe_op, ev.pe_error);
	}
	fclose(f);
	return 0;
}

int
main(int argc, char **argv)
{
	const char	*cmd;
	int		 rc;

	if (argc < 2)
		usage();
	cmd = argv[1];
	if (strcmp(cmd, "init") == 0)
		return ctl_init();
	if (strcmp(cmd, "list") == 0)
		return ctl_list();
	if (strcmp(cmd, "events") == 0)
		return ctl_events();
	if (argc < 3)
		usage();
	if (strcmp(cmd, "add") == 0)
		return ctl_add(argv[2], argc > 3 ? argv[3] : NULL);
	if (strcmp(cmd, "new_slot") == 0)
		return ctl_new_slot(argv[2]);
	if (strcmp(cmd, "remove_slot") == 0)
		return ctl_remove_slot(argv[2]);
	if (strcmp(cmd, "bind") == 0)
		return ctl_bind(argv[2]);
	if (strcmp(cmd, "unbind") == 0)
		return ctl_unbind(argv[2]);
	if (strcmp(cmd, "permissive") == 0)
		return ctl_flag(argv[2], PCISHIM_EV_PERMISSIVE);
	if (strcmp(cmd, "allow_interrupt_control") == 0)
		return ctl_flag(argv[2], PCISHIM_EV_INTCTL);
	if (strcmp(cmd, "assignable-add") == 0) {
		if ((rc = ctl_new_slot(argv[2])) != 0)
			return rc;
		return ctl_bind(argv[2]);
	}
	if (strcmp(cmd, "assignable-remove") == 0) {
		if ((rc = ctl_unbind(argv[2])) != 0)
			return rc;
		return ctl_remove_slot(argv[2]);
	}
	if (strcmp(cmd, "reset_method") == 0)
		return ctl_reset_method(argv[2], argc > 3 ? argv[3] : NULL);
	if (strcmp(cmd, "supported") == 0 && argc > 3)
		return ctl_set_supported(argv[2], argv[3]);
	if (strcmp(cmd, "irq") == 0 && argc > 3)
		return ctl_irq(argv[2], argv[3]);
	if (strcmp(cmd, "command") == 0 && argc > 3)
		return ctl_command(argv[2], argv[3]);
	if (strcmp(cmd, "gone") == 0)
		return ctl_gone(argv[2], argc > 3 &&
		    strcmp(argv[3], "--silent") == 0);
	if (strcmp(cmd, "fault") == 0)
		return ctl_fault(argv[2], argc > 3 ? argv[3] : NULL);
	if (strcmp(cmd, "show") == 0)
		return ctl_show(argv[2]);
	if (strcmp(cmd, "aer") == 0)
		return ctl_aer(argc - 2, argv + 2);
	usage();
}
