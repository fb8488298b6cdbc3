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
 * the hold.  What a device is and does comes from its provider
 * (provider.h); what it may do, who has it and what state it is in is
 * decided here, each by one function: device_set_state() for its life,
 * device_set_policy() for its policy.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "pcibackd.h"
#include "provider.h"
#include "util.h"

static const char *const device_state_names[] = {
	[HD_READY] = "ready",
	[HD_ASSIGNED] = "assigned",
	[HD_RESETTING] = "resetting",
	[HD_GONE] = "gone",
	[HD_QUARANTINED] = "quarantined",
};

static void	device_reset_timeout(evutil_socket_t, short, void *);
static void	device_drop_grants(struct heldev *);

/* A reset has reset-timeout to end; past it the device is quarantined. */
static void
device_reset_timer(struct heldev *hd, int on)
{
	struct timeval	tv = { 0, 0 };

	if (hd->hd_env->pb_base == NULL)
		return;
	if (hd->hd_reset_timer == NULL && (hd->hd_reset_timer =
	    evtimer_new(hd->hd_env->pb_base, device_reset_timeout,
	    hd)) == NULL)
		fatalx("cannot set up a reset timer");
	event_del(hd->hd_reset_timer);
	if (!on)
		return;
	tv.tv_sec = hd->hd_env->pb_conf->c_reset_timeout;
	evtimer_add(hd->hd_reset_timer, &tv);
}

/*
 * The one writer of hd_state and hd_owner.  A step the life cycle does
 * not have (see pcibackd.h) is logged, not refused: the hardware has
 * already moved, and the books must follow it.
 */
static void
device_set_state(struct heldev *hd, enum heldev_state to, int owner)
{
	enum heldev_state	from = hd->hd_state;
	char			addr[BDF_XL_MAX];
	int			expected;

	switch (to) {
	case HD_ASSIGNED:
		expected = from == HD_READY;
		break;
	case HD_READY:
		/* From READY too: a new hold, a give-back of a free device. */
		expected = 1;
		break;
	case HD_RESETTING:
		expected = from == HD_ASSIGNED || from == HD_READY ||
		    from == HD_QUARANTINED;
		break;
	case HD_GONE:
		expected = from == HD_ASSIGNED;
		break;
	case HD_QUARANTINED:
		expected = from == HD_RESETTING || from == HD_ASSIGNED;
		break;
	default:
		expected = 0;
		break;
	}
	if (!expected) {
		bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
		log_debug("%s: state %s -> %s", addr, device_state_names[from],
		    device_state_names[to]);
	}
	if (to == HD_RESETTING || from == HD_RESETTING)
		device_reset_timer(hd, to == HD_RESETTING);
	hd->hd_state = to;
	hd->hd_owner = to == HD_ASSIGNED || to == HD_GONE ? owner : -1;
}

static const char *const device_reset_results[DEVICE_RESET_NRESULTS] = {
	[DEVICE_RESET_OK] = "ok",
	[DEVICE_RESET_FAILED] = "failed",
	[DEVICE_RESET_TIMEOUT] = "timeout"
};

const char *
device_reset_result_name(int r)
{
	return r >= 0 && r < DEVICE_RESET_NRESULTS ?
	    device_reset_results[r] : "unknown";
}

static void
device_reset_begin(struct heldev *hd)
{
	clock_gettime(CLOCK_MONOTONIC, &hd->hd_reset_t0);
}

/* The method of the reset running or just ended. */
static const char *
device_reset_used(const struct heldev *hd)
{
	return hd->hd_busreset ? "bus" : device_reset_method(hd);
}

/* A reset ended (or outlived reset-timeout): count it, time it. */
static void
device_reset_end(struct heldev *hd, enum device_reset_result r)
{
	struct device_resetcount	*dc;
	struct timespec			 now;
	const char			*m = device_reset_used(hd);
	size_t				 i;

	clock_gettime(CLOCK_MONOTONIC, &now);
	metric_hist_add(&hd->hd_reset_hist, &metric_reset_bounds,
	    metric_ns_since(&hd->hd_reset_t0, &now));
	for (i = 0; i < DEVICE_RESET_METHODS - 1; i++) {
		dc = &hd->hd_resetn[i];
		if (dc->dc_method[0] == '\0')
			snprintf(dc->dc_method, sizeof(dc->dc_method), "%s", m);
		if (strcmp(dc->dc_method, m) == 0)
			break;
	}
	dc = &hd->hd_resetn[i];
	if (dc->dc_method[0] == '\0')
		snprintf(dc->dc_method, sizeof(dc->dc_method), "other");
	dc->dc_n[r]++;
}

static void
device_quarantine(struct heldev *hd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Its reset failed or never ended: whatever the last guest left in it
 * may still be there, so no guest gets it until a reset succeeds.
 */
static void
device_quarantine(struct heldev *hd, const char *fmt, ...)
{
	char	addr[BDF_XL_MAX];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(hd->hd_quarantine, sizeof(hd->hd_quarantine), fmt, ap);
	va_end(ap);
	device_set_state(hd, HD_QUARANTINED, -1);
	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	log_warnx("%s: quarantined: %s; no guest gets it until \"pcibackctl "
	    "reset %s\" succeeds", addr, hd->hd_quarantine, addr);
}

static void
device_reset_timeout(evutil_socket_t fd, short events, void *arg)
{
	struct heldev	*hd = arg;

	(void)fd;
	(void)events;
	if (hd->hd_state != HD_RESETTING)
		return;
	hd->hd_reset_late = 1;
	device_reset_end(hd, DEVICE_RESET_TIMEOUT);
	device_quarantine(hd, "its reset still runs after %u s",
	    hd->hd_env->pb_conf->c_reset_timeout);
	/* A set-up pass waiting for it now fails, saying why. */
	frontend_retry(hd->hd_env);
}

const char *
device_state_name(const struct heldev *hd)
{
	return device_state_names[hd->hd_state];
}

static void
device_cfgpolicy(const struct heldev_policy *hp, struct cfgspace_policy *pol)
{
	memset(pol, 0, sizeof(*pol));
	pol->cp_permissive = hp->hp_permissive || hp->hp_tsperm;
	pol->cp_intx_control = hp->hp_intctl;
	if (hp->hp_nquirks > 0) {
		pol->cp_quirks = hp->hp_quirks;
		pol->cp_nquirks = hp->hp_nquirks;
	}
}

/*
 * The one writer of a held device's policy: the config space takes it
 * (the guest's next access sees it) or nothing changes.  The owner's
 * worker is not told (device_set_policy does that).
 */
static int
device_apply_policy(struct heldev *hd, const struct heldev_policy *hp,
    char **cause)
{
	struct cfgspace_policy	pol;
	int			error;

	*cause = NULL;
	device_cfgpolicy(hp, &pol);
	if (cfgspace_set_policy(hd->hd_pciop.pd_cs, &pol, cause) != 0)
		return -1;
	if ((error = cfgspace_set_intx_held(hd->hd_pciop.pd_cs,
	    hp->hp_intx_held)) != 0)
		return util_cause(cause, "cannot hold INTx off: %s",
		    strerror(-error));
	if (hp != &hd->hd_pol)
		hd->hd_pol = *hp;
	return 0;
}

int
device_set_policy(struct heldev *hd, const struct heldev_policy *hp,
    char **cause)
{
	if (device_apply_policy(hd, hp, cause) != 0)
		return -1;
	/* The owner's worker has the old policy: a new one. */
	if (hd->hd_owner != -1)
		worker_refresh_domain(hd->hd_env, hd->hd_owner);
	return 0;
}

/* Permissive on or off, live.  The caller logs, naming who asked. */
int
device_set_permissive(struct heldev *hd, int on, char **cause)
{
	struct heldev_policy	hp = hd->hd_pol;

	hp.hp_permissive = on;
	/* Turned off by the administrator: the toolstack's goes too. */
	if (!on)
		hp.hp_tsperm = 0;
	return device_set_policy(hd, &hp, cause);
}

int
device_permissive(const struct heldev *hd)
{
	return hd->hd_pol.hp_permissive || hd->hd_pol.hp_tsperm;
}

/* The device line's policy, with what the provider says. */
static void
device_conf_policy(const struct conf_device *cd, const struct provider_dev *pd,
    struct heldev_policy *hp)
{
	memset(hp, 0, sizeof(*hp));
	hp->hp_permissive = cd->cd_permissive;
	/* The toolstack's, for the assignment in force (a restart). */
	hp->hp_tsperm = pd->pd_permissive;
	hp->hp_intctl = pd->pd_intctl;
	memcpy(hp->hp_quirks, cd->cd_quirks, sizeof(hp->hp_quirks));
	hp->hp_nquirks = cd->cd_nquirks;
}

/* Build its config space and list it.  NULL if it cannot be held. */
struct heldev *
device_hold(struct pcibackd *env, const struct provider_dev *pd,
    const struct conf_device *cd)
{
	struct cfgspace_policy	 pol;
	struct heldev		*hd;
	char			*cause = NULL, addr[BDF_XL_MAX];

	bdf_format_dev(&pd->pd_bdf, addr, sizeof(addr));
	if (device_find(env, &pd->pd_bdf) != NULL) {
		log_warnx("%s: held twice (check the emulate lines)", addr);
		return NULL;
	}
	if ((hd = calloc(1, sizeof(*hd))) == NULL)
		fatal("calloc");
	hd->hd_denied_dom = -1;
	hd->hd_env = env;
	hd->hd_bdf = pd->pd_bdf;
	hd->hd_prov = pd->pd_ops;
	hd->hd_arg = pd->pd_arg;
	hd->hd_info = pd->pd_info;
	hd->hd_pciop.pd_irq = pd->pd_ops->po_irq;
	hd->hd_pciop.pd_irq_ctx = pd->pd_arg;
	hd->hd_pciop.pd_legacy_pirq = pd->pd_legacy_pirq;
	device_set_state(hd, HD_READY, -1);
	snprintf(hd->hd_name, sizeof(hd->hd_name), "%s", cd->cd_name);
	device_conf_policy(cd, pd, &hd->hd_pol);
	device_cfgpolicy(&hd->hd_pol, &pol);
	hd->hd_pciop.pd_cs = cfgspace_new(pd->pd_ops->po_cfg, pd->pd_arg,
	    &hd->hd_info, &pol, &cause);
	if (hd->hd_pciop.pd_cs == NULL) {
		log_warnx("%s: cannot hold: %s", addr,
		    cause != NULL ? cause : strerror(errno));
		free(cause);
		free(hd);
		return NULL;
	}
	reset_caps(hd);
	TAILQ_INSERT_TAIL(&env->pb_devices, hd, hd_entry);
	log_info("%s: held [%04x:%04x]%s%s%s%s", addr, pd->pd_vendor,
	    pd->pd_device, hd->hd_name[0] ? " \"" : "", hd->hd_name,
	    hd->hd_name[0] ? "\"" : "", pd->pd_ops->po_toolstack ?
	    " (shim)" : "");
	if (cd->cd_permissive)
		log_warnx("%s: permissive: the guest may write registers "
		    "pcibackd does not know (XSA-124)", addr);
	return hd;
}

static void
device_free(struct heldev *hd)
{
	if (hd->hd_reset_timer != NULL)
		event_free(hd->hd_reset_timer);
	cfgspace_free(hd->hd_pciop.pd_cs);
	hd->hd_prov->po_free(hd);
	free(hd);
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
	int	nsources;

	TAILQ_INIT(&env->pb_devices);
	nsources = !TAILQ_EMPTY(&env->pb_conf->c_sources);
	if (!nsources || env->pb_conf->c_shimdev[0] != '\0')
		(void)provshim_init(env);
	if (nsources)
		(void)provemul_init(env);
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

	while ((hd = TAILQ_FIRST(&env->pb_devices)) != NULL) {
		TAILQ_REMOVE(&env->pb_devices, hd, hd_entry);
		device_free(hd);
	}
	provshim_shutdown(env);
	provemul_shutdown(env);
}

/*
 * After the start-up scan: a device its provider still gives to a guest
 * no frontend claimed (it went while the daemon was away) is given back.
 */
void
device_adopted(struct pcibackd *env)
{
	struct heldev	*hd;
	char		 addr[BDF_XL_MAX];
	int		 domid;

	TAILQ_FOREACH(hd, &env->pb_devices, hd_entry) {
		if (hd->hd_state != HD_READY ||
		    (domid = hd->hd_prov->po_owner(hd)) < 0)
			continue;
		bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
		log_info("%s: dom%d no longer uses it", addr, domid);
		device_unassign(hd);
	}
}

/*
 * A claim made from a restart record that xenstore did not confirm:
 * free again, as before the claim.  The provider still gives it to
 * the guest of before, so the adoption from xenstore takes it or
 * device_adopted gives it back (and resets it), as without a record.
 */
void
device_unclaim(struct heldev *hd)
{
	if (hd->hd_state == HD_ASSIGNED)
		device_set_state(hd, HD_READY, -1);
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
	return hd->hd_prov->po_reset_method(hd);
}

/*
 * Its INTx line is shared outside the guest, and it has MSI or MSI-X:
 * INTx disable set in hardware before the guest has it, and kept set
 * for the whole assignment (lib/sharepol.c).
 */
static int
device_hold_intx(struct heldev *hd, unsigned int domid, const char *with,
    char **cause)
{
	struct heldev_policy	 hp = hd->hd_pol;
	char			 addr[BDF_XL_MAX];

	hp.hp_intx_held = 1;
	if (device_set_policy(hd, &hp, cause) != 0)
		return -1;
	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	log_warnx("dom%u %s: its INTx line %u is shared with %s (XSA-461): "
	    "given with INTx held off in hardware, so the guest must use MSI "
	    "or MSI-X; a driver that needs INTx gets no interrupt (\"allow "
	    "shared-irq\" in its device block gives it INTx)", domid, addr,
	    (unsigned int)hd->hd_info.ci_irq, with);
	return 0;
}

int
device_claim(struct heldev *hd, unsigned int domid, int how, char **cause)
{
	char	*hold = NULL;
	/* Both find the device in use already: never reset, never refused. */
	int	 adopt = how == DEVICE_CLAIM_ADOPT || how == DEVICE_CLAIM_HVM;

	*cause = NULL;
	if (hd->hd_owner == (int)domid)
		return 0;
	switch (hd->hd_state) {
	case HD_ASSIGNED:
	case HD_GONE:
		return util_cause(cause, "in use by dom%d%s", hd->hd_owner,
		    frontend_owner_kind(hd->hd_env, hd));
	case HD_RESETTING:
		return util_cause(cause, "still being reset after its last "
		    "guest; attach it again in a moment");
	case HD_QUARANTINED:
		return util_cause(cause, "quarantined: %s; \"pcibackctl reset\" "
		    "retries the reset", hd->hd_quarantine);
	case HD_READY:
		break;
	}
	/*
	 * The provider still gives it to a guest of before a restart that
	 * no connected instance adopted: whatever its domid (a new domain
	 * may reuse it), that guest is gone and the device was never
	 * reset.  Only adopting skips the reset.
	 */
	if (!adopt && hd->hd_prov->po_owner(hd) >= 0) {
		device_unassign(hd);
		return util_cause(cause, "given to a guest that went while "
		    "pcibackd was down; being reset, attach it again in a "
		    "moment");
	}
	/*
	 * A guest adopted after a restart already has it: never refuse,
	 * and no host scan in the adoption's window; device_rehold() holds
	 * its INTx off again once the host's functions are listed.  A
	 * fresh export found by the start-up scan is checked like any.
	 */
	if (!adopt && share_check(hd->hd_env, hd, domid, &hold, cause) != 0)
		return -1;
	if (hold != NULL && device_hold_intx(hd, domid, hold, cause) != 0) {
		free(hold);
		return -1;
	}
	free(hold);
	if (hd->hd_prov->po_assign(hd, domid, cause) != 0) {
		device_drop_grants(hd);
		return -1;
	}
	device_set_state(hd, HD_ASSIGNED, (int)domid);
	/*
	 * An HVM guest's device is QEMU's: INTx is never held off under it
	 * (XSA-461 is the toolstack's to decide there, as with xen-pciback).
	 */
	if (how == DEVICE_CLAIM_HVM)
		return 0;
	/* Listed already: no relist will come, and the check costs no scan. */
	hd->hd_share_unchecked = adopt;
	if (adopt && (hd->hd_prov->po_listed == NULL ||
	    hd->hd_prov->po_listed(hd)))
		device_rehold(hd->hd_env);
	return 0;
}

/*
 * The host's functions are listed again after a restart: an adopted
 * guest's device whose INTx line is shared gets INTx held off again, as
 * its claim before the restart did.  The bit is still set in hardware;
 * what a restart loses is the policy that keeps the guest from clearing
 * it.  Once per adoption: later lists find nothing left to do.
 */
void
device_rehold(struct pcibackd *env)
{
	struct heldev	*hd;
	char		 addr[BDF_XL_MAX], *hold, *cause;

	TAILQ_FOREACH(hd, &env->pb_devices, hd_entry) {
		if (!hd->hd_share_unchecked)
			continue;
		hd->hd_share_unchecked = 0;
		if (hd->hd_state != HD_ASSIGNED || hd->hd_owner < 0 ||
		    hd->hd_pol.hp_intx_held)
			continue;
		hold = cause = NULL;
		if (share_check(env, hd, (unsigned int)hd->hd_owner, &hold,
		    &cause) == 0 && hold != NULL)
			(void)device_hold_intx(hd, (unsigned int)hd->hd_owner,
			    hold, &cause);
		bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
		if (cause != NULL)
			log_warnx("dom%d %s: after the restart: %s",
			    hd->hd_owner, addr, cause);
		free(hold);
		free(cause);
	}
}

/*
 * What the toolstack granted was for the guest that let go only; so was
 * INTx held off, which the next guest's claim decides again.  No worker
 * serves the device any more (worker_drop): none is replaced for it.
 */
static void
device_drop_grants(struct heldev *hd)
{
	struct heldev_policy	 hp = hd->hd_pol;
	char			 addr[BDF_XL_MAX], *cause = NULL;
	int			 ts = hp.hp_tsperm || hp.hp_intctl;

	if (!ts && !hp.hp_intx_held)
		return;
	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	hp.hp_tsperm = 0;
	hp.hp_intctl = 0;
	hp.hp_intx_held = 0;
	if (device_apply_policy(hd, &hp, &cause) != 0)
		log_warnx("%s: policy not applied: %s", addr,
		    cause != NULL ? cause : "unknown error");
	else if (ts)
		log_info("%s: the toolstack's permissive and interrupt "
		    "control ended with the guest", addr);
	free(cause);
}

/*
 * The guest let go: interrupts off, then the provider gives the device
 * back.  If that runs on a thread, nobody may claim the device until it
 * is done, and its virtual state is reset then (device_giveback_done).
 */
void
device_unassign(struct heldev *hd)
{
	struct cfgspace	*cs = hd->hd_pciop.pd_cs;
	char		 addr[BDF_XL_MAX], *cause = NULL;
	int		 rc;

	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	if (hd->hd_owner != -1)
		log_info("%s: released by dom%d", addr, hd->hd_owner);
	device_drop_grants(hd);
	if (hd->hd_state == HD_GONE) {
		device_set_state(hd, HD_READY, -1);
		(void)device_unhold(hd->hd_env, hd);
		return;
	}
	if (cfgspace_msix_enabled(cs))
		(void)hd->hd_pciop.pd_irq->pio_disable_msix(
		    hd->hd_pciop.pd_irq_ctx);
	if (cfgspace_msi_enabled(cs))
		(void)hd->hd_pciop.pd_irq->pio_disable_msi(
		    hd->hd_pciop.pd_irq_ctx);
	device_reset_begin(hd);
	if ((rc = hd->hd_prov->po_giveback(hd, &cause)) == PROVIDER_RUNNING) {
		device_set_state(hd, HD_RESETTING, -1);
		return;
	}
	device_reset_end(hd, rc == PROVIDER_DONE ? DEVICE_RESET_OK :
	    DEVICE_RESET_FAILED);
	cfgspace_reset_state(cs);
	if (rc != PROVIDER_DONE)
		device_quarantine(hd, "no reset: %s", cause != NULL ? cause :
		    "unknown error");
	else
		device_set_state(hd, HD_READY, -1);
	free(cause);
}

/* The provider let go of it: no longer held, or gone under its guest. */
int
device_gone(struct heldev *hd)
{
	if (hd->hd_state == HD_ASSIGNED) {
		device_set_state(hd, HD_GONE, hd->hd_owner);
		return 0;
	}
	if (hd->hd_state == HD_GONE)
		return 0;
	return device_unhold(hd->hd_env, hd) == 0;
}

/*
 * Its give-back reset nothing: no FLR, no PM reset, and Linux's bus reset
 * needs it alone behind its bridge.  If every other function there is
 * held by pcibackd, free and not being reset, reset them all together.
 * 1 if that started: device_giveback_done() comes for each of them.
 */
static int
device_busreset_start(struct heldev *hd)
{
	struct pcibackd	*env = hd->hd_env;
	struct resetpol	 rp;
	struct heldev	*o;
	char		 addr[BDF_XL_MAX], br[BDF_XL_MAX], with[BDF_XL_MAX];
	char		*cause = NULL;
	size_t		 i;

	if (hd->hd_prov->po_reset_bus == NULL ||
	    strcmp(device_reset_method(hd), "none") != 0 ||
	    reset_plan(env, hd, &rp) != 0 || !rp.rp_coord)
		return 0;
	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	for (i = 0; i < rp.rp_nwith; i++) {
		o = device_find(env, &rp.rp_with[i]);
		if (o == NULL || o->hd_owner != -1 || o->hd_busreset ||
		    o->hd_state == HD_RESETTING || o->hd_prov != hd->hd_prov) {
			log_info("%s: no reset of its own; the bus reset waits "
			    "until every function behind its bridge is free",
			    addr);
			return 0;
		}
	}
	if (hd->hd_prov->po_reset_bus(hd, &cause) < 0) {
		log_warnx("%s: bus reset: %s", addr, cause != NULL ? cause :
		    "cannot start it");
		free(cause);
		return 0;
	}
	bdf_format_dev(&rp.rp_bridge, br, sizeof(br));
	for (i = 0; i < rp.rp_nwith; i++) {
		bdf_format_dev(&rp.rp_with[i], with, sizeof(with));
		log_info("%s: no reset of its own: resetting the bus of bridge "
		    "%s, with %s", addr, br, with);
		o = device_find(env, &rp.rp_with[i]);
		o->hd_busreset = 1;
		o->hd_busvia = hd->hd_bdf;
		device_reset_begin(o);
		device_set_state(o, HD_RESETTING, -1);
	}
	hd->hd_busreset = 1;
	hd->hd_busvia = hd->hd_bdf;
	device_set_state(hd, HD_RESETTING, -1);
	return 1;
}

/*
 * A give-back on a thread finished.  The virtual state follows the
 * hardware, as after the seize, and the toolstack's interrupt-control
 * grant ends with the guest it was for.
 */
void
device_giveback_done(struct heldev *hd, int error)
{
	struct heldev_policy	 hp = hd->hd_pol;
	char			 addr[BDF_XL_MAX], *cause = NULL;
	int			 bus = hd->hd_busreset;

	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	/* The reset that timed out: the retry, if any, decides. */
	if (hd->hd_reset_late) {
		hd->hd_busreset = 0;
		hd->hd_reset_late = 0;
		log_warnx("%s: the reset that timed out ended: %s; still "
		    "quarantined", addr, error != 0 ? strerror(error) : "done");
		return;
	}
	if (error == 0 && !bus && device_busreset_start(hd))
		return;
	device_reset_end(hd, error != 0 ? DEVICE_RESET_FAILED :
	    DEVICE_RESET_OK);
	cfgspace_reset_state(hd->hd_pciop.pd_cs);
	if (error != 0) {
		log_warnx("%s: giving it back failed: %s", addr,
		    strerror(error));
		device_quarantine(hd, "its reset failed: %s",
		    strerror(error));
	} else {
		if (hd->hd_quarantine[0] != '\0')
			log_warnx("%s: reset: quarantine lifted", addr);
		hd->hd_quarantine[0] = '\0';
		device_set_state(hd, HD_READY, -1);
		log_info("%s: reset (%s), ready for the next guest", addr,
		    device_reset_used(hd));
	}
	hd->hd_busreset = 0;
	hp.hp_intctl = 0;
	if (device_set_policy(hd, &hp, &cause) != 0)
		log_warnx("%s: policy not applied: %s", addr,
		    cause != NULL ? cause : "unknown error");
	free(cause);
	/* A guest's set-up pass may be waiting for it (frontend_export). */
	frontend_retry(hd->hd_env);
}

/*
 * Reset a free device now (pcibackctl reset): the same give-back as
 * after a guest, back to the state at seize.
 */
int
device_reset(struct heldev *hd, char **cause)
{
	int	rc;

	*cause = NULL;
	if (hd->hd_owner != -1)
		return util_cause(cause, "owned by a guest");
	if (hd->hd_prov->po_reset == NULL)
		return util_cause(cause, "not supported by the %s provider",
		    hd->hd_prov->po_name);
	if (hd->hd_state == HD_RESETTING)
		return util_cause(cause, "a reset is already running");
	device_reset_begin(hd);
	if ((rc = hd->hd_prov->po_reset(hd, cause)) < 0) {
		device_reset_end(hd, DEVICE_RESET_FAILED);
		return -1;
	}
	if (rc == PROVIDER_RUNNING) {
		device_set_state(hd, HD_RESETTING, -1);
		return 0;
	}
	device_reset_end(hd, DEVICE_RESET_OK);
	cfgspace_reset_state(hd->hd_pciop.pd_cs);
	hd->hd_quarantine[0] = '\0';
	device_set_state(hd, HD_READY, -1);
	return 0;
}

/*
 * Hold one more device (a reload or pcibackctl hold): one the shim holds
 * (released before), or one of the sources loaded at start-up; a shim
 * device the toolstack has not made assignable cannot be.  cd gives its
 * name and policy.
 */
int
device_add(struct pcibackd *env, const struct bdf *b,
    const struct conf_device *cd, char **cause)
{
	*cause = NULL;
	if (device_find(env, b) != NULL)
		return util_cause(cause, "already held");
	/* Released by pcibackctl while the shim kept it. */
	switch (provshim_add(env, b, cd)) {
	case 0:
		return 0;
	case -2:
		return util_cause(cause, "cannot hold it (see the log)");
	}
	switch (provemul_hold(env, b, cd)) {
	case 0:
		return 0;
	case -1:
		return util_cause(cause, "%s", env->pb_shim != NULL ?
		    "not bound to pciback: make it assignable first (xl "
		    "pci-assignable-add)" : "not found in any device source");
	default:
		return util_cause(cause, "cannot hold it (see the log)");
	}
}

/* Stop holding a device no guest owns. */
int
device_unhold(struct pcibackd *env, struct heldev *hd)
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
