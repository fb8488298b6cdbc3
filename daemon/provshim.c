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
 * The kernel shim as a provider: the devices /dev/pcishim holds, which
 * are the ones the toolstack made assignable (all of them are held; a
 * "device" block only names them and sets their policy).  shim.c speaks
 * the ABI; this file turns its events into holds and its resets into
 * give-backs, and keeps the host's PCI functions for the XSA-461 check.
 */

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <pci/pci.h>

#include "hostpci.h"
#include "pcibackd.h"
#include "pcishim_io.h"
#include "provider.h"
#include "resetpol.h"
#include "shim.h"
#include "util.h"

#define PROVSHIM_MAX_FNS	4096	/* host functions listed */

struct provshim {
	struct pcibackd		*ps_env;
	struct shim		*ps_shim;
	/*
	 * The host's functions, for the XSA-461 check on each claim:
	 * listed again after the shim's set of devices changed, off the
	 * hot-attach path, not on every claim.
	 */
	struct provider_fn	*ps_fns;
	size_t			 ps_nfns;
	int			 ps_stale;
	struct event		*ps_relist;
};

static int	provshim_assign(struct heldev *, unsigned int, char **);
static int	provshim_giveback(struct heldev *, char **);
static int	provshim_reset_bus(struct heldev *, char **);
static const char *provshim_reset_method(const struct heldev *);
static int	provshim_owner(const struct heldev *);
static void	provshim_refresh(const struct heldev *);
static int	provshim_reread(const struct heldev *, const struct bdf *);
static int	provshim_functions(const struct heldev *,
		    const struct provider_fn **, size_t *);
static int	provshim_listed(const struct heldev *);
static void	provshim_free(struct heldev *);
static int	provshim_aer_reply(struct heldev *, uint64_t, int, char **);

static const struct provider_ops provshim_ops = {
	.po_name = "shim",
	.po_toolstack = 1,
	.po_cfg = &shim_cfgdev_ops,
	.po_irq = &shim_irq_ops,
	.po_assign = provshim_assign,
	.po_giveback = provshim_giveback,
	.po_reset = provshim_giveback,
	.po_reset_bus = provshim_reset_bus,
	.po_reset_method = provshim_reset_method,
	.po_owner = provshim_owner,
	.po_functions = provshim_functions,
	.po_refresh = provshim_refresh,
	.po_reread = provshim_reread,
	.po_listed = provshim_listed,
	.po_aer_reply = provshim_aer_reply,
	.po_free = provshim_free,
};

/* AER_RESULT_* and the shim's are Linux's values; named, never cast. */
static int
provshim_aer_reply(struct heldev *hd, uint64_t seq, int result, char **cause)
{
	struct shimdev	*sd = hd->hd_arg;
	unsigned int	 r;

	switch (result) {
	case AER_RESULT_CAN_RECOVER:
		r = PCISHIM_AER_RESULT_CAN_RECOVER;
		break;
	case AER_RESULT_NEED_RESET:
		r = PCISHIM_AER_RESULT_NEED_RESET;
		break;
	case AER_RESULT_DISCONNECT:
		r = PCISHIM_AER_RESULT_DISCONNECT;
		break;
	case AER_RESULT_RECOVERED:
		r = PCISHIM_AER_RESULT_RECOVERED;
		break;
	case AER_RESULT_NO_AER_DRIVER:
		r = PCISHIM_AER_RESULT_NO_AER_DRIVER;
		break;
	default:
		r = PCISHIM_AER_RESULT_NONE;
		break;
	}
	return shim_aer_reply(sd->sd_shim, &sd->sd_bdf, seq, r, cause);
}

static int
provshim_assign(struct heldev *hd, unsigned int domid, char **cause)
{
	return shim_assign(hd->hd_arg, domid, cause);
}

/* On the shim's thread: MSI off, owner forgotten, reset, as at seize. */
static int
provshim_giveback(struct heldev *hd, char **cause)
{
	if (shim_giveback_async(hd->hd_arg, cause) != 0)
		return -1;
	return PROVIDER_RUNNING;
}

/* Every function behind its bridge, on the shim's thread. */
static int
provshim_reset_bus(struct heldev *hd, char **cause)
{
	if (shim_reset_bus_async(hd->hd_arg, cause) != 0)
		return -1;
	return PROVIDER_RUNNING;
}

static const char *
provshim_reset_method(const struct heldev *hd)
{
	const struct shimdev	*sd = hd->hd_arg;

	return shim_reset_name(sd->sd_reset);
}

static int
provshim_owner(const struct heldev *hd)
{
	const struct shimdev	*sd = hd->hd_arg;

	return sd->sd_domid == SHIM_NOBODY ? -1 : (int)sd->sd_domid;
}

static void
provshim_free(struct heldev *hd)
{
	shim_dev_free(hd->hd_arg);
}

/* ---- the host's functions ------------------------------------------ */

struct provshim_scan {
	struct provider_fn	*pss_fns;
	size_t			 pss_n;
};

/* What a bus reset analysis needs: bridges, their slots, dom0's driver. */
static void
provshim_scan_reset(struct provider_fn *pf, struct pci_dev *pd)
{
	uint8_t	cfg[256];
#ifdef PCI_FILL_DRIVER
	char	*drv;

	if ((pci_fill_info(pd, PCI_FILL_DRIVER) & PCI_FILL_DRIVER) &&
	    (drv = pci_get_string_property(pd, PCI_FILL_DRIVER)) != NULL)
		snprintf(pf->pf_driver, sizeof(pf->pf_driver), "%s", drv);
#endif
	if ((pci_read_byte(pd, PCI_HEADER_TYPE) & 0x7f) !=
	    PCI_HEADER_TYPE_BRIDGE)
		return;
	pf->pf_bridge = 1;
	pf->pf_secbus = pci_read_byte(pd, PCI_SECONDARY_BUS);
	pf->pf_subbus = pci_read_byte(pd, PCI_SUBORDINATE_BUS);
	pf->pf_hotplug = -1;
	if (pci_read_block(pd, 0, cfg, sizeof(cfg)))
		pf->pf_hotplug = resetpol_hotplug(cfg, sizeof(cfg));
}

static void
provshim_scan_one(void *arg, struct pci_dev *pd)
{
	struct provshim_scan	*pss = arg;
	struct provider_fn	*pf = &pss->pss_fns[pss->pss_n++];
	pciaddr_t		 base;
	int			 i;

	pci_fill_info(pd, PCI_FILL_IRQ | PCI_FILL_BASES | PCI_FILL_ROM_BASE |
	    PCI_FILL_SIZES);
	memset(pf, 0, sizeof(*pf));
	pf->pf_bdf.b_seg = (uint16_t)pd->domain;
	pf->pf_bdf.b_bus = pd->bus;
	pf->pf_bdf.b_dev = pd->dev;
	pf->pf_bdf.b_fn = pd->func;
	pf->pf_irq = pd->irq > 0 ? (uint32_t)pd->irq : 0;
	pf->pf_pin = pci_read_byte(pd, PCI_INTERRUPT_PIN);
	pf->pf_intx_off = (pci_read_word(pd, PCI_COMMAND) &
	    PCI_COMMAND_DISABLE_INTx) != 0;
	for (i = 0; i < CFGDEV_NBARS; i++) {
		base = pd->base_addr[i];
		if (base & PCI_BASE_ADDRESS_SPACE_IO)
			pf->pf_bar[i].cb_flags = CFGDEV_BAR_IO;
		pf->pf_bar[i].cb_start = base & PCI_ADDR_MEM_MASK;
		pf->pf_bar[i].cb_size = pd->size[i];
	}
	pf->pf_bar[CFGDEV_ROM].cb_start = pd->rom_base_addr &
	    PCI_ROM_ADDRESS_MASK;
	pf->pf_bar[CFGDEV_ROM].cb_size = pd->rom_size;
	provshim_scan_reset(pf, pd);
}

/* List the host's functions again.  0, or -1 (the list stays stale). */
static int
provshim_relist(struct provshim *ps)
{
	struct provshim_scan	 pss;
	char			*cause = NULL;

	memset(&pss, 0, sizeof(pss));
	if ((pss.pss_fns = calloc(PROVSHIM_MAX_FNS,
	    sizeof(*pss.pss_fns))) == NULL)
		return -1;
	if (hostpci_scan(NULL, PROVSHIM_MAX_FNS, provshim_scan_one, &pss,
	    &cause) != 0) {
		log_debug("host PCI functions: %s",
		    cause != NULL ? cause : "cannot list them");
		free(cause);
		free(pss.pss_fns);
		return -1;
	}
	free(ps->ps_fns);
	ps->ps_fns = pss.pss_fns;
	ps->ps_nfns = pss.pss_n;
	ps->ps_stale = 0;
	log_debug("host PCI functions listed: %zu", pss.pss_n);
	return 0;
}

static void
provshim_relist_cb(evutil_socket_t fd, short events, void *arg)
{
	struct provshim	*ps = arg;

	(void)fd;
	(void)events;
	if (provshim_relist(ps) == 0)
		device_rehold(ps->ps_env);
}

/* The set changed: list again once the events at hand are handled. */
static void
provshim_changed(struct provshim *ps)
{
	const struct timeval	now = { 0, 0 };

	ps->ps_stale = 1;
	if (ps->ps_relist != NULL)
		evtimer_add(ps->ps_relist, &now);
}

static int
provshim_functions(const struct heldev *hd, const struct provider_fn **fns,
    size_t *n)
{
	struct provshim	*ps = hd->hd_env->pb_shim;

	if (ps->ps_stale && provshim_relist(ps) != 0)
		return -1;
	*fns = ps->ps_fns;
	*n = ps->ps_nfns;
	return 0;
}

static void
provshim_refresh(const struct heldev *hd)
{
	hd->hd_env->pb_shim->ps_stale = 1;
}

/* The one function's Command register, not a scan of the host. */
static int
provshim_reread(const struct heldev *hd, const struct bdf *b)
{
	struct provshim		*ps = hd->hd_env->pb_shim;
	struct provider_fn	*pf = NULL;
	char			*cause = NULL, addr[BDF_XL_MAX];
	uint16_t		 cmd;
	size_t			 i;

	for (i = 0; i < ps->ps_nfns && !ps->ps_stale; i++)
		if (bdf_equal(&ps->ps_fns[i].pf_bdf, b))
			pf = &ps->ps_fns[i];
	if (pf == NULL)
		return -1;
	bdf_format_dev(b, addr, sizeof(addr));
	/* All ones: the function is gone or unreadable; list them all. */
	if (hostpci_read_word(b->b_seg, b->b_bus, b->b_dev, b->b_fn,
	    PCI_COMMAND, &cmd, &cause) != 0 || cmd == 0xffff) {
		log_debug("%s: Command: %s", addr,
		    cause != NULL ? cause : "unread");
		free(cause);
		return -1;
	}
	pf->pf_intx_off = (cmd & PCI_COMMAND_DISABLE_INTx) != 0;
	log_debug("%s: Command read again: INTx %s", addr,
	    pf->pf_intx_off ? "off" : "on");
	return 0;
}

static int
provshim_listed(const struct heldev *hd)
{
	return !hd->hd_env->pb_shim->ps_stale;
}

/* ---- holding what the shim holds ------------------------------------ */

/* cd: its device line, or NULL for the configuration's (or the default). */
static int
provshim_hold(struct provshim *ps, const struct bdf *b,
    const struct conf_device *cd)
{
	struct pcibackd			*env = ps->ps_env;
	struct conf_device		 dflt;
	struct provider_dev		 pd;
	struct shimdev			*sd;
	char				*cause = NULL;

	if ((sd = shim_dev_new(ps->ps_shim, b, &cause)) == NULL) {
		log_warnx("%s", cause != NULL ? cause : "shim: no device");
		free(cause);
		return -1;
	}
	if (cd == NULL)
		cd = conf_device_or_default(env->pb_conf, b, &dflt);
	memset(&pd, 0, sizeof(pd));
	pd.pd_ops = &provshim_ops;
	pd.pd_arg = sd;
	pd.pd_bdf = *b;
	pd.pd_vendor = sd->sd_vendor;
	pd.pd_device = sd->sd_device;
	pd.pd_info = sd->sd_info;
	/* libxl maps the GSI into the guest; the guest's pirq is the GSI. */
	pd.pd_legacy_pirq = sd->sd_info.ci_irq;
	pd.pd_permissive = (sd->sd_state & PCISHIM_ST_PERMISSIVE) != 0;
	pd.pd_intctl = (sd->sd_state & PCISHIM_ST_INTCTL) != 0;
	if (device_hold(env, &pd, cd) == NULL) {
		shim_dev_free(sd);
		return -1;
	}
	if (cd->cd_reset[0] != '\0' &&
	    shim_set_reset_methods(sd, cd->cd_reset, &cause) != 0)
		log_warnx("%s", cause != NULL ? cause : "reset methods");
	free(cause);
	return 0;
}

/* The shim holds b (bound to pciback): 1, else 0. */
int
provshim_has(struct pcibackd *env, const struct bdf *b)
{
	struct bdf	*bdfs;
	size_t		 n, i;
	char		*cause = NULL;
	int		 found = 0;

	if (env->pb_shim == NULL)
		return 0;
	if (shim_list(env->pb_shim->ps_shim, &bdfs, &n, &cause) != 0) {
		log_warnx("%s", cause != NULL ? cause : "shim: list failed");
		free(cause);
		return 0;
	}
	for (i = 0; i < n && !found; i++)
		found = bdf_equal(&bdfs[i], b);
	free(bdfs);
	return found;
}

/*
 * Hold again what the shim holds and the daemon let go (pcibackctl
 * release, then hold): 0, -1 the shim does not hold it, -2 holding failed.
 */
int
provshim_add(struct pcibackd *env, const struct bdf *b,
    const struct conf_device *cd)
{
	if (!provshim_has(env, b))
		return -1;
	return provshim_hold(env->pb_shim, b, cd) == 0 ? 0 : -2;
}

/*
 * A reload changed the device line's reset methods: to the kernel now,
 * so that show and explain say what the next reset does.  No line: the
 * kernel's own order again ("default").
 */
int
provshim_set_reset(struct heldev *hd, const char *methods, char **cause)
{
	*cause = NULL;
	if (hd->hd_prov != &provshim_ops)
		return util_cause(cause, "not a shim device");
	return shim_set_reset_methods(hd->hd_arg, methods[0] != '\0' ?
	    methods : "default", cause);
}

/* Hold what the shim holds and drop what it no longer does. */
static void
provshim_sync(struct provshim *ps)
{
	struct pcibackd	*env = ps->ps_env;
	struct heldev	*hd, *next;
	struct bdf	*bdfs;
	size_t		 n, i;
	char		*cause = NULL;
	int		 listed;

	if (shim_list(ps->ps_shim, &bdfs, &n, &cause) != 0) {
		log_warnx("%s", cause != NULL ? cause : "shim: list failed");
		free(cause);
		return;
	}
	for (i = 0; i < n; i++)
		if (device_find(env, &bdfs[i]) == NULL)
			(void)provshim_hold(ps, &bdfs[i], NULL);
	for (hd = TAILQ_FIRST(&env->pb_devices); hd != NULL; hd = next) {
		next = TAILQ_NEXT(hd, hd_entry);
		if (hd->hd_prov != &provshim_ops)
			continue;
		for (listed = 0, i = 0; i < n && !listed; i++)
			listed = bdf_equal(&bdfs[i], &hd->hd_bdf);
		if (!listed)
			(void)device_gone(hd);
	}
	free(bdfs);
}

static void
provshim_event(void *arg, enum shim_event ev, const struct bdf *b)
{
	struct provshim		*ps = arg;
	struct pcibackd		*env = ps->ps_env;
	struct heldev		*hd = device_find(env, b);
	struct heldev_policy	 hp;
	char			 addr[BDF_XL_MAX], *cause = NULL;

	bdf_format_dev(b, addr, sizeof(addr));
	switch (ev) {
	case SHIM_EV_BOUND:
		provshim_changed(ps);
		if (hd == NULL)
			(void)provshim_hold(ps, b, NULL);
		break;
	case SHIM_EV_UNBOUND:
		provshim_changed(ps);
		if (hd == NULL || device_gone(hd))
			break;
		log_warnx("%s: taken from pciback while dom%d uses it",
		    addr, hd->hd_owner);
		break;
	case SHIM_EV_PERMISSIVE:
		if (hd == NULL || hd->hd_pol.hp_tsperm)
			break;
		hp = hd->hd_pol;
		hp.hp_tsperm = 1;
		if (device_set_policy(hd, &hp, &cause) != 0)
			log_warnx("%s: permissive: %s", addr,
			    cause != NULL ? cause : "not applied");
		else
			log_warnx("%s: the toolstack made it permissive for "
			    "this assignment: the guest may write registers "
			    "pcibackd does not know (XSA-124)", addr);
		free(cause);
		break;
	case SHIM_EV_INTCTL:
		if (hd == NULL || hd->hd_pol.hp_intctl)
			break;
		hp = hd->hd_pol;
		hp.hp_intctl = 1;
		if (device_set_policy(hd, &hp, &cause) != 0)
			log_warnx("%s: policy not applied: %s", addr,
			    cause != NULL ? cause : "unknown error");
		else
			log_info("%s: the guest may control INTx disable",
			    addr);
		free(cause);
		break;
	case SHIM_EV_RESCAN:
		log_warnx("%s: shim events were lost; listing again",
		    env->pb_conf->c_shimdev[0] ? env->pb_conf->c_shimdev :
		    SHIM_DEVICE);
		provshim_changed(ps);
		provshim_sync(ps);
		break;
	}
}

/*
 * A step of the kernel's PCIe error recovery.  A device the shim holds
 * but we do not (not in the configuration, or not adopted yet) has no
 * guest of ours: the kernel gets the backend's default at once.
 */
static void
provshim_aer(void *arg, const struct bdf *b, unsigned int step, int state,
    uint64_t seq, int wait)
{
	struct provshim	*ps = arg;
	struct heldev	*hd = device_find(ps->ps_env, b);
	unsigned int	 cmd;
	int		 st;
	char		 addr[BDF_XL_MAX];

	switch (step) {
	case PCISHIM_AER_DETECTED:
		cmd = AER_DETECTED;
		break;
	case PCISHIM_AER_MMIO:
		cmd = AER_MMIO;
		break;
	case PCISHIM_AER_SLOT_RESET:
		cmd = AER_SLOT_RESET;
		break;
	case PCISHIM_AER_RESUME:
		cmd = AER_RESUME;
		break;
	default:
		cmd = 0;
		break;
	}
	switch (state) {
	case PCISHIM_AER_STATE_FROZEN:
		st = AER_STATE_FROZEN;
		break;
	case PCISHIM_AER_STATE_PERM_FAILURE:
		st = AER_STATE_PERM_FAILURE;
		break;
	default:
		st = AER_STATE_NORMAL;
		break;
	}
	if (hd != NULL && cmd != 0) {
		aer_request(ps->ps_env, hd, cmd, st, seq, wait);
		return;
	}
	bdf_format_dev(b, addr, sizeof(addr));
	log_warnx("%s: PCIe error recovery step %u on a device pcibackd does "
	    "not hold; the kernel gets the default", addr, step);
	if (!wait || ps->ps_shim == NULL)
		return;
	(void)shim_aer_reply(ps->ps_shim, b, seq, step ==
	    PCISHIM_AER_DETECTED ? PCISHIM_AER_RESULT_CAN_RECOVER :
	    PCISHIM_AER_RESULT_RECOVERED, NULL);
}

/*
 * A bus reset ended: each function it reached is given back.  Their
 * kernel's first method stays (none): the next give-back asks again.
 */
static void
provshim_busreset_done(struct provshim *ps, const struct bdf *via, int error)
{
	struct heldev	*hd, *done[RESETPOL_MAXWITH + 1];
	size_t		 n = 0, i;

	TAILQ_FOREACH(hd, &ps->ps_env->pb_devices, hd_entry) {
		if (hd->hd_prov != &provshim_ops || !hd->hd_busreset ||
		    !bdf_equal(&hd->hd_busvia, via) ||
		    n == sizeof(done) / sizeof(done[0]))
			continue;
		done[n++] = hd;
	}
	/* Each may start claims (frontend_retry): the list may change. */
	for (i = 0; i < n; i++)
		device_giveback_done(done[i], error);
}

static void
provshim_reset_done(void *arg, const struct bdf *b, int error,
    unsigned int method, int bus)
{
	struct provshim	*ps = arg;
	struct heldev	*hd;
	struct shimdev	*sd;
	char		 addr[BDF_XL_MAX];

	if (bus) {
		provshim_busreset_done(ps, b, error);
		return;
	}
	if ((hd = device_find(ps->ps_env, b)) == NULL ||
	    hd->hd_prov != &provshim_ops) {
		bdf_format_dev(b, addr, sizeof(addr));
		log_info("%s: reset finished after the device went", addr);
		return;
	}
	sd = hd->hd_arg;
	sd->sd_reset = method;
	device_giveback_done(hd, error);
}

int
provshim_init(struct pcibackd *env)
{
	struct shim_callbacks	 cb;
	struct provshim		*ps;
	const char		*path = env->pb_conf->c_shimdev;
	char			*cause = NULL;

	if (path[0] == '\0')
		path = SHIM_DEVICE;
	if ((ps = calloc(1, sizeof(*ps))) == NULL)
		fatal("calloc");
	ps->ps_env = env;
	ps->ps_stale = 1;
	cb.sc_event = provshim_event;
	cb.sc_aer = provshim_aer;
	cb.sc_reset_done = provshim_reset_done;
	cb.sc_arg = ps;
	if ((ps->ps_shim = shim_open(env->pb_base, path, &cb,
	    &cause)) == NULL) {
		log_warnx("%s", cause != NULL ? cause : path);
		free(cause);
		free(ps);
		return -1;
	}
	if ((ps->ps_relist = evtimer_new(env->pb_base, provshim_relist_cb,
	    ps)) == NULL)
		fatalx("%s: cannot set up the host scan", path);
	env->pb_shim = ps;
	provshim_sync(ps);
	/*
	 * The host scan is slow (sysfs, every function) and only a claim
	 * needs it: after start-up, once guests are served again; a claim
	 * before that lists them itself (provshim_functions).
	 */
	provshim_changed(ps);
	return 0;
}

int
provshim_worker_fd(struct pcibackd *env, unsigned int domid, int *fd)
{
	*fd = -1;
	if (env->pb_shim == NULL)
		return 0;
	*fd = shim_worker_fd(env->pb_shim->ps_shim, domid);
	return *fd == -1 ? -1 : 0;
}

void
provshim_shutdown(struct pcibackd *env)
{
	struct provshim	*ps = env->pb_shim;

	if (ps == NULL)
		return;
	shim_close(ps->ps_shim);
	if (ps->ps_relist != NULL)
		event_free(ps->ps_relist);
	free(ps->ps_fns);
	free(ps);
	env->pb_shim = NULL;
}
