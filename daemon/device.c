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
 * Held devices, each with its virtual config space for the lifetime of
 * the hold.  Two providers: the kernel shim, whose devices are the ones
 * the toolstack made assignable (all of them are held; a "device" block
 * only names them and sets their policy), and emulated devices, of which
 * the daemon holds those a "device" block names.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emul.h"
#include "pcibackd.h"
#include "pcishim_io.h"
#include "shim.h"

static const struct pciop_irq_ops device_emul_irq = {
	.pio_enable_msi = emul_enable_msi,
	.pio_disable_msi = emul_disable_msi,
	.pio_enable_msix = emul_enable_msix,
	.pio_disable_msix = emul_disable_msix,
};

static int
device_cause(char **cause, const char *msg)
{
	if ((*cause = strdup(msg)) == NULL)
		fatal("strdup");
	return -1;
}

static void
device_policy(const struct heldev *hd, struct cfgspace_policy *pol)
{
	conf_heldev_policy(hd, pol);
}

/* The device's flags changed under its config space: apply them. */
static void
device_apply_policy(struct heldev *hd)
{
	struct cfgspace_policy	 pol;
	char			*cause = NULL, addr[BDF_XL_MAX];

	device_policy(hd, &pol);
	if (cfgspace_set_policy(hd->hd_pciop.pd_cs, &pol, &cause) == 0)
		return;
	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	log_warnx("%s: policy not applied: %s", addr,
	    cause != NULL ? cause : "unknown error");
	free(cause);
}

/* What a device no "device" block names gets. */
static void
device_default_conf(struct pcibackd *env, struct conf_device *cd)
{
	memset(cd, 0, sizeof(*cd));
	cd->cd_permissive = env->pb_conf->c_permissive;
}

/*
 * The provider fields of hd are set; build its config space and list it.
 * On failure hd is freed.
 */
static int
device_hold(struct pcibackd *env, struct heldev *hd,
    const struct conf_device *cd, uint16_t vendor, uint16_t device)
{
	struct cfgspace_policy	 pol;
	char			*cause = NULL, addr[BDF_XL_MAX];

	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	hd->hd_env = env;
	hd->hd_owner = -1;
	hd->hd_permissive = cd->cd_permissive;
	snprintf(hd->hd_name, sizeof(hd->hd_name), "%s", cd->cd_name);
	memcpy(hd->hd_quirks, cd->cd_quirks, sizeof(hd->hd_quirks));
	hd->hd_nquirks = cd->cd_nquirks;
	device_policy(hd, &pol);
	hd->hd_pciop.pd_cs = cfgspace_new(hd->hd_ops, hd->hd_arg,
	    &hd->hd_info, &pol, &cause);
	if (hd->hd_pciop.pd_cs == NULL) {
		log_warnx("%s: cannot hold: %s", addr,
		    cause != NULL ? cause : strerror(errno));
		free(cause);
		free(hd);
		return -1;
	}
	TAILQ_INSERT_TAIL(&env->pb_devices, hd, hd_entry);
	log_info("%s: held [%04x:%04x]%s%s%s%s", addr, vendor, device,
	    hd->hd_name[0] ? " \"" : "", hd->hd_name,
	    hd->hd_name[0] ? "\"" : "", hd->hd_shim != NULL ? " (shim)" : "");
	if (hd->hd_permissive)
		log_warnx("%s: permissive: the guest may write registers "
		    "pcibackd does not know (XSA-124)", addr);
	return 0;
}

static int
device_hold_emul(struct pcibackd *env, struct emul_dev *ed,
    const struct conf_device *cd)
{
	struct heldev	*hd;
	char		 addr[BDF_XL_MAX];

	if (device_find(env, &ed->ed_bdf) != NULL) {
		bdf_format_dev(&ed->ed_bdf, addr, sizeof(addr));
		log_warnx("%s: held twice (check the emulate lines)", addr);
		return -1;
	}
	if ((hd = calloc(1, sizeof(*hd))) == NULL)
		fatal("calloc");
	hd->hd_bdf = ed->ed_bdf;
	hd->hd_emul = ed;
	hd->hd_ops = &emul_cfgdev_ops;
	hd->hd_arg = ed;
	hd->hd_info = ed->ed_info;
	hd->hd_pciop.pd_irq = &device_emul_irq;
	hd->hd_pciop.pd_irq_ctx = ed;
	hd->hd_pciop.pd_legacy_pirq = ed->ed_info.ci_irq;
	return device_hold(env, hd, cd, ed->ed_vendor, ed->ed_device);
}

static int
device_hold_shim(struct pcibackd *env, const struct bdf *b)
{
	const struct conf_device	*cd;
	struct conf_device		 dflt;
	struct heldev			*hd;
	struct shimdev			*sd;
	char				*cause = NULL;

	if ((sd = shim_dev_new(env->pb_shim, b, &cause)) == NULL) {
		log_warnx("%s", cause != NULL ? cause : "shim: no device");
		free(cause);
		return -1;
	}
	if ((cd = conf_find_device(env->pb_conf, b)) == NULL) {
		device_default_conf(env, &dflt);
		cd = &dflt;
	}
	if ((hd = calloc(1, sizeof(*hd))) == NULL)
		fatal("calloc");
	hd->hd_bdf = *b;
	hd->hd_shim = sd;
	hd->hd_ops = &shim_cfgdev_ops;
	hd->hd_arg = sd;
	hd->hd_info = sd->sd_info;
	hd->hd_intctl = (sd->sd_state & PCISHIM_ST_INTCTL) != 0;
	hd->hd_pciop.pd_irq = &shim_irq_ops;
	hd->hd_pciop.pd_irq_ctx = sd;
	/* libxl maps the GSI into the guest; the guest's pirq is the GSI. */
	hd->hd_pciop.pd_legacy_pirq = sd->sd_info.ci_irq;
	if (device_hold(env, hd, cd, sd->sd_vendor, sd->sd_device) != 0) {
		shim_dev_free(sd);
		return -1;
	}
	if (cd->cd_reset[0] != '\0' &&
	    shim_set_reset_methods(sd, cd->cd_reset, &cause) != 0)
		log_warnx("%s", cause != NULL ? cause : "reset methods");
	free(cause);
	cause = NULL;
	if (sd->sd_state & PCISHIM_ST_PERMISSIVE)
		(void)device_set_permissive(hd, 1, &cause);
	free(cause);
	return 0;
}

static void
device_free(struct heldev *hd)
{
	cfgspace_free(hd->hd_pciop.pd_cs);
	shim_dev_free(hd->hd_shim);
	free(hd);
}

static int
device_load_source(struct pcibackd *env, const struct conf_source *cs,
    struct emul_set *es)
{
	const struct conf_device	*cd;
	struct emul_dev			*ed;
	char				*cause = NULL;
	size_t				 i;

	if (emul_load(es, cs->cs_source, &cause) != 0 ||
	    (cs->cs_bars != NULL &&
	    emul_load_bar_sizes(es, cs->cs_bars, &cause) != 0)) {
		log_warnx("emulate %s: %s", cs->cs_source,
		    cause != NULL ? cause : strerror(errno));
		free(cause);
		return -1;
	}
	for (i = 0; i < es->es_ndevs; i++) {
		ed = &es->es_devs[i];
		if ((cd = conf_find_device(env->pb_conf, &ed->ed_bdf)) != NULL)
			(void)device_hold_emul(env, ed, cd);
	}
	return 0;
}

/* Hold what the shim holds and drop what it no longer does. */
static void
device_shim_sync(struct pcibackd *env)
{
	struct heldev	*hd, *next;
	struct bdf	*bdfs;
	size_t		 n, i;
	char		*cause = NULL;
	int		 listed;

	if (shim_list(env->pb_shim, &bdfs, &n, &cause) != 0) {
		log_warnx("%s", cause != NULL ? cause : "shim: list failed");
		free(cause);
		return;
	}
	for (i = 0; i < n; i++)
		if (device_find(env, &bdfs[i]) == NULL)
			(void)device_hold_shim(env, &bdfs[i]);
	for (hd = TAILQ_FIRST(&env->pb_devices); hd != NULL; hd = next) {
		next = TAILQ_NEXT(hd, hd_entry);
		if (hd->hd_shim == NULL)
			continue;
		for (listed = 0, i = 0; i < n && !listed; i++)
			listed = bdf_equal(&bdfs[i], &hd->hd_bdf);
		if (!listed && device_remove(env, hd) != 0)
			hd->hd_gone = 1;
	}
	free(bdfs);
}

static void
device_shim_event(void *arg, enum shim_event ev, const struct bdf *b)
{
	struct pcibackd	*env = arg;
	struct heldev	*hd = device_find(env, b);
	char		 addr[BDF_XL_MAX], *cause = NULL;

	bdf_format_dev(b, addr, sizeof(addr));
	switch (ev) {
	case SHIM_EV_BOUND:
		if (hd == NULL)
			(void)device_hold_shim(env, b);
		break;
	case SHIM_EV_UNBOUND:
		if (hd == NULL || device_remove(env, hd) == 0)
			break;
		hd->hd_gone = 1;
		log_warnx("%s: taken from pciback while dom%d uses it",
			    addr, hd->hd_owner);
		break;
	case SHIM_EV_PERMISSIVE:
		if (hd == NULL || hd->hd_permissive)
			break;
		if (device_set_permissive(hd, 1, &cause) != 0)
			log_warnx("%s: permissive: %s", addr,
			    cause != NULL ? cause : "not applied");
		else
			log_warnx("%s: the toolstack made it permissive: the "
			    "guest may write registers pcibackd does not know "
			    "(XSA-124)", addr);
		free(cause);
		break;
	case SHIM_EV_INTCTL:
		if (hd == NULL || hd->hd_intctl)
			break;
		hd->hd_intctl = 1;
		device_apply_policy(hd);
		log_info("%s: the guest may control INTx disable", addr);
		break;
	case SHIM_EV_RESCAN:
		log_warnx("%s: shim events were lost; listing again",
		    env->pb_conf->c_shimdev[0] ? env->pb_conf->c_shimdev :
		    SHIM_DEVICE);
		device_shim_sync(env);
		break;
	default:
		break;
	}
}

static void
device_reset_done(void *arg, const struct bdf *b, int error,
    unsigned int method)
{
	struct pcibackd	*env = arg;
	struct heldev	*hd;
	char		 addr[BDF_XL_MAX];

	bdf_format_dev(b, addr, sizeof(addr));
	if ((hd = device_find(env, b)) == NULL) {
		log_info("%s: reset finished after the device went", addr);
		return;
	}
	hd->hd_resetting = 0;
	hd->hd_intctl = 0;
	hd->hd_shim->sd_reset = method;
	if (error != 0)
		log_warnx("%s: giving it back failed: %s", addr,
		    strerror(error));
	else
		log_info("%s: reset (%s), ready for the next guest", addr,
		    shim_reset_name(method));
	/* The virtual state follows the hardware, as after the seize. */
	cfgspace_release(hd->hd_pciop.pd_cs);
	device_apply_policy(hd);
}

static int
device_open_shim(struct pcibackd *env)
{
	struct shim_callbacks	 cb;
	const char		*path = env->pb_conf->c_shimdev;
	char			*cause = NULL;

	if (path[0] == '\0')
		path = SHIM_DEVICE;
	cb.sc_event = device_shim_event;
	cb.sc_reset_done = device_reset_done;
	cb.sc_arg = env;
	if ((env->pb_shim = shim_open(env->pb_base, path, &cb,
	    &cause)) == NULL) {
		log_warnx("%s", cause != NULL ? cause : path);
		free(cause);
		return -1;
	}
	device_shim_sync(env);
	return 0;
}

/*
 * Emulated sources when the configuration has them; the shim when it
 * names one or has no sources.  Without the shim the daemon still runs
 * (guests get "not held" errors) so that a later module load and a
 * restart are all an administrator needs.
 */
int
device_init(struct pcibackd *env)
{
	const struct conf_source	*cs;
	size_t				 n = 0;

	TAILQ_INIT(&env->pb_devices);
	TAILQ_FOREACH(cs, &env->pb_conf->c_sources, cs_entry)
		n++;
	if (n == 0 || env->pb_conf->c_shimdev[0] != '\0')
		(void)device_open_shim(env);
	if (n == 0)
		return 0;
	/* Emulated device sets live as long as the daemon. */
	if ((env->pb_emul = calloc(n, sizeof(*env->pb_emul))) == NULL)
		fatal("calloc");
	TAILQ_FOREACH(cs, &env->pb_conf->c_sources, cs_entry)
		if (device_load_source(env, cs,
		    &env->pb_emul[env->pb_nemul]) == 0)
			env->pb_nemul++;
	return 0;
}

/*
 * The daemon goes, the devices stay as they are: assigned, interrupts
 * on, so a restarted daemon adopts them without the guest noticing.
 */
void
device_shutdown(struct pcibackd *env)
{
	struct heldev	*hd;
	size_t		 i;

	while ((hd = TAILQ_FIRST(&env->pb_devices)) != NULL) {
		TAILQ_REMOVE(&env->pb_devices, hd, hd_entry);
		device_free(hd);
	}
	shim_close(env->pb_shim);
	env->pb_shim = NULL;
	for (i = 0; i < env->pb_nemul; i++)
		emul_free(&env->pb_emul[i]);
	free(env->pb_emul);
	env->pb_emul = NULL;
	env->pb_nemul = 0;
}

/*
 * After the start-up scan: a device the shim still gives to a guest no
 * frontend claimed (it went while the daemon was away) is given back.
 */
void
device_adopted(struct pcibackd *env)
{
	struct heldev	*hd;
	char		 addr[BDF_XL_MAX];

	TAILQ_FOREACH(hd, &env->pb_devices, hd_entry) {
		if (hd->hd_shim == NULL || hd->hd_owner != -1 ||
		    hd->hd_shim->sd_domid == SHIM_NOBODY)
			continue;
		bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
		log_info("%s: dom%u no longer uses it", addr,
		    hd->hd_shim->sd_domid);
		device_release(hd);
	}
}

int
device_count(struct pcibackd *env)
{
	struct heldev	*hd;
	int		 n = 0;

	TAILQ_FOREACH(hd, &env->pb_devices, hd_entry)
		n++;
	return n;
}

struct heldev *
device_find(struct pcibackd *env, const struct bdf *b)
{
	struct heldev	*hd;

	TAILQ_FOREACH(hd, &env->pb_devices, hd_entry)
		if (bdf_equal(&hd->hd_bdf, b))
			return hd;
	return NULL;
}

const char *
device_reset_method(const struct heldev *hd)
{
	if (hd->hd_shim != NULL)
		return shim_reset_name(hd->hd_shim->sd_reset);
	return "none";
}

int
device_claim(struct heldev *hd, unsigned int domid, char **cause)
{
	*cause = NULL;
	if (hd->hd_owner == (int)domid)
		return 0;
	if (hd->hd_owner != -1) {
		if (asprintf(cause, "in use by dom%d", hd->hd_owner) == -1)
			*cause = NULL;
		return -1;
	}
	if (hd->hd_gone)
		return device_cause(cause, "no longer held by the shim");
	if (hd->hd_resetting)
		return device_cause(cause, "still being reset after its "
		    "last guest; attach it again in a moment");
	/* A guest adopted after a restart already has it: never refuse. */
	if (!hd->hd_env->pb_starting &&
	    share_check(hd->hd_env, hd, domid, cause) != 0)
		return -1;
	if (hd->hd_shim != NULL && shim_assign(hd->hd_shim, domid, cause) != 0)
		return -1;
	hd->hd_owner = (int)domid;
	return 0;
}

/*
 * The guest let go: interrupts off, then the provider gives the device
 * back.  A shim device is reset on a thread; until it is done nobody may
 * claim it, and its virtual state is re-read when it is (reset_done).
 */
void
device_release(struct heldev *hd)
{
	struct cfgspace	*cs = hd->hd_pciop.pd_cs;
	char		 addr[BDF_XL_MAX], *cause = NULL;

	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	if (hd->hd_owner != -1)
		log_info("%s: released by dom%d", addr, hd->hd_owner);
	hd->hd_owner = -1;
	if (hd->hd_gone) {
		(void)device_remove(hd->hd_env, hd);
		return;
	}
	if (cfgspace_msix_enabled(cs))
		(void)hd->hd_pciop.pd_irq->pio_disable_msix(
		    hd->hd_pciop.pd_irq_ctx);
	if (cfgspace_msi_enabled(cs))
		(void)hd->hd_pciop.pd_irq->pio_disable_msi(
		    hd->hd_pciop.pd_irq_ctx);
	if (hd->hd_shim == NULL) {
		cfgspace_release(cs);
		return;
	}
	if (shim_release_async(hd->hd_shim, &cause) != 0) {
		log_warnx("%s: %s", addr, cause != NULL ? cause : "no reset");
		free(cause);
		cfgspace_release(cs);
		return;
	}
	hd->hd_resetting = 1;
}

/*
 * Reset a free device now (pcibackctl reset), on the shim's thread: it is
 * the same give-back as after a guest, back to the state at seize.
 */
int
device_reset(struct heldev *hd, char **cause)
{
	*cause = NULL;
	if (hd->hd_owner != -1)
		return device_cause(cause, "owned by a guest");
	if (hd->hd_shim == NULL)
		return device_cause(cause, "not supported by the emulated "
		    "provider");
	if (hd->hd_resetting)
		return device_cause(cause, "a reset is already running");
	if (hd->hd_gone)
		return device_cause(cause, "no longer held by the shim");
	if (shim_release_async(hd->hd_shim, cause) != 0)
		return -1;
	hd->hd_resetting = 1;
	return 0;
}

/*
 * Permissive on or off, live: the guest's next write sees the new policy.
 * The caller logs, naming who asked.
 */
int
device_set_permissive(struct heldev *hd, int on, char **cause)
{
	struct cfgspace_policy	pol;

	device_policy(hd, &pol);
	pol.cp_permissive = on;
	if (cfgspace_set_policy(hd->hd_pciop.pd_cs, &pol, cause) != 0)
		return -1;
	hd->hd_permissive = on;
	return 0;
}

/*
 * Hold one more device (a reload or pcibackctl hold): a shim device the
 * toolstack has not made assignable cannot be, emulated ones come from
 * the sources loaded at start-up.  cd gives its name and policy.
 */
int
device_add(struct pcibackd *env, const struct bdf *b,
    const struct conf_device *cd, char **cause)
{
	struct emul_dev	*ed = NULL;
	size_t		 i;

	*cause = NULL;
	if (device_find(env, b) != NULL)
		return device_cause(cause, "already held");
	for (i = 0; i < env->pb_nemul && ed == NULL; i++)
		ed = emul_find(&env->pb_emul[i], b);
	if (ed == NULL)
		return device_cause(cause, env->pb_shim != NULL ?
		    "not bound to pciback: make it assignable first (xl "
		    "pci-assignable-add)" : "not found in any device source");
	if (device_hold_emul(env, ed, cd) != 0)
		return device_cause(cause, "cannot hold it (see the log)");
	return 0;
}

/* Stop holding a device no guest owns. */
int
device_remove(struct pcibackd *env, struct heldev *hd)
{
	char	addr[BDF_XL_MAX];

	if (hd->hd_owner != -1)
		return -1;
	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	TAILQ_REMOVE(&env->pb_devices, hd, hd_entry);
	device_free(hd);
	log_info("%s: no longer held", addr);
	return 0;
}
