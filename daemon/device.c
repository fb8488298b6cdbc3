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
 * Held devices: what the configuration asks the daemon to hold, found in
 * the device providers (emulated devices for now; the kernel shim next),
 * each with its virtual config space for the lifetime of the hold.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emul.h"
#include "pcibackd.h"

static const struct pciop_irq_ops device_emul_irq = {
	.pio_enable_msi = emul_enable_msi,
	.pio_disable_msi = emul_disable_msi,
	.pio_enable_msix = emul_enable_msix,
	.pio_disable_msix = emul_disable_msix,
};

static int
device_hold(struct pcibackd *env, struct emul_dev *ed,
    const struct conf_device *cd)
{
	struct heldev		*hd;
	struct cfgspace_policy	 pol;
	char			*cause = NULL, addr[BDF_XL_MAX];

	bdf_format_dev(&ed->ed_bdf, addr, sizeof(addr));
	if (device_find(env, &ed->ed_bdf) != NULL) {
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
	hd->hd_owner = -1;
	hd->hd_permissive = cd->cd_permissive;
	snprintf(hd->hd_name, sizeof(hd->hd_name), "%s", cd->cd_name);
	memset(&pol, 0, sizeof(pol));
	pol.cp_permissive = hd->hd_permissive;
	hd->hd_pciop.pd_cs = cfgspace_new(hd->hd_ops, hd->hd_arg,
	    &hd->hd_info, &pol, &cause);
	if (hd->hd_pciop.pd_cs == NULL) {
		log_warnx("%s: cannot hold: %s", addr,
		    cause != NULL ? cause : strerror(errno));
		free(cause);
		free(hd);
		return -1;
	}
	hd->hd_pciop.pd_irq = &device_emul_irq;
	hd->hd_pciop.pd_irq_ctx = ed;
	hd->hd_pciop.pd_legacy_pirq = ed->ed_info.ci_irq;
	TAILQ_INSERT_TAIL(&env->pb_devices, hd, hd_entry);
	log_info("%s: held [%04x:%04x]%s%s%s", addr, ed->ed_vendor,
	    ed->ed_device, hd->hd_name[0] ? " \"" : "", hd->hd_name,
	    hd->hd_name[0] ? "\"" : "");
	if (hd->hd_permissive)
		log_warnx("%s: permissive: the guest may write registers "
		    "pcibackd does not know (XSA-124)", addr);
	return 0;
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
			(void)device_hold(env, ed, cd);
	}
	return 0;
}

int
device_init(struct pcibackd *env)
{
	const struct conf_source	*cs;
	size_t				 n = 0;

	TAILQ_INIT(&env->pb_devices);
	TAILQ_FOREACH(cs, &env->pb_conf->c_sources, cs_entry)
		n++;
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

void
device_shutdown(struct pcibackd *env)
{
	struct heldev	*hd;
	size_t		 i;

	while ((hd = TAILQ_FIRST(&env->pb_devices)) != NULL) {
		TAILQ_REMOVE(&env->pb_devices, hd, hd_entry);
		cfgspace_free(hd->hd_pciop.pd_cs);
		free(hd);
	}
	for (i = 0; i < env->pb_nemul; i++)
		emul_free(&env->pb_emul[i]);
	free(env->pb_emul);
	env->pb_emul = NULL;
	env->pb_nemul = 0;
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

int
device_claim(struct heldev *hd, unsigned int domid, char **cause)
{
	if (hd->hd_owner == (int)domid)
		return 0;
	if (hd->hd_owner != -1) {
		if (asprintf(cause, "in use by dom%d", hd->hd_owner) == -1)
			*cause = NULL;
		return -1;
	}
	hd->hd_owner = (int)domid;
	return 0;
}

/*
 * The guest let go: interrupts off, virtual state back to the hardware's.
 * Emulated devices have no reset to run.
 */
void
device_release(struct heldev *hd, int reset)
{
	struct cfgspace	*cs = hd->hd_pciop.pd_cs;
	char		 addr[BDF_XL_MAX];

	(void)reset;
	if (cfgspace_msix_enabled(cs))
		(void)hd->hd_pciop.pd_irq->pio_disable_msix(
		    hd->hd_pciop.pd_irq_ctx);
	if (cfgspace_msi_enabled(cs))
		(void)hd->hd_pciop.pd_irq->pio_disable_msi(
		    hd->hd_pciop.pd_irq_ctx);
	cfgspace_release(cs);
	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	if (hd->hd_owner != -1)
		log_info("%s: released by dom%d", addr, hd->hd_owner);
	hd->hd_owner = -1;
}

/*
 * Permissive on or off, live: the guest's next write sees the new policy.
 * The caller logs, naming who asked.
 */
int
device_set_permissive(struct heldev *hd, int on, char **cause)
{
	struct cfgspace_policy	pol;

	memset(&pol, 0, sizeof(pol));
	pol.cp_permissive = on;
	if (cfgspace_set_policy(hd->hd_pciop.pd_cs, &pol, cause) != 0)
		return -1;
	hd->hd_permissive = on;
	return 0;
}

/*
 * Hold one more device, found in the sources loaded at start-up (a reload
 * or pcibackctl hold).  cd gives its name and policy.
 */
int
device_add(struct pcibackd *env, const struct bdf *b,
    const struct conf_device *cd, char **cause)
{
	struct emul_dev	*ed = NULL;
	size_t		 i;

	*cause = NULL;
	if (device_find(env, b) != NULL) {
		if (asprintf(cause, "already held") == -1)
			*cause = NULL;
		return -1;
	}
	for (i = 0; i < env->pb_nemul && ed == NULL; i++)
		ed = emul_find(&env->pb_emul[i], b);
	if (ed == NULL) {
		if (asprintf(cause, "not found in any device source") == -1)
			*cause = NULL;
		return -1;
	}
	if (device_hold(env, ed, cd) != 0) {
		if (asprintf(cause, "cannot hold it (see the log)") == -1)
			*cause = NULL;
		return -1;
	}
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
	cfgspace_free(hd->hd_pciop.pd_cs);
	free(hd);
	log_info("%s: no longer held", addr);
	return 0;
}
