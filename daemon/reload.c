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
 * SIGHUP or pcibackctl reload: parse the configuration again and apply
 * what can change under running guests; what only a restart changes
 * keeps its running value, and the report says so.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcibackd.h"
#include "notify.h"
#include "provider.h"

struct reload_report {
	void	(*pr_fn)(void *, const char *, const char *);
	void	 *pr_arg;
};

static void
reload_report(struct reload_report *pr, const char *level,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* One line of a reload's outcome: to the log, and to whoever asked. */
static void
reload_report(struct reload_report *pr, const char *level,
    const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (strcmp(level, "info") == 0)
		log_info("reload: %s", msg);
	else
		log_warnx("reload: %s", msg);
	if (pr->pr_fn != NULL)
		pr->pr_fn(pr->pr_arg, level, msg);
}

static int
reload_same_sources(const struct pcibackd_conf *a,
    const struct pcibackd_conf *b)
{
	const struct conf_source	*x, *y;

	for (x = TAILQ_FIRST(&a->c_sources), y = TAILQ_FIRST(&b->c_sources);
	    x != NULL && y != NULL;
	    x = TAILQ_NEXT(x, cs_entry), y = TAILQ_NEXT(y, cs_entry))
		if (strcmp(x->cs_source, y->cs_source) != 0 ||
		    (x->cs_bars == NULL) != (y->cs_bars == NULL) ||
		    (x->cs_bars != NULL && strcmp(x->cs_bars, y->cs_bars) != 0))
			return 0;
	return x == NULL && y == NULL;
}

/*
 * What only a restart changes keeps its running value in the new
 * configuration: the guests' addresses, the loaded sources, the socket.
 */
static void
reload_global(struct reload_report *pr, struct pcibackd_conf *old,
    struct pcibackd_conf *new)
{
	struct conf_source	*cs;

	if (old->c_mode != new->c_mode) {
		reload_report(pr, "warning", "mode: not changed live, the "
		    "guests' addresses would move; restart to apply");
		new->c_mode = old->c_mode;
	}
	if (!reload_same_sources(old, new)) {
		reload_report(pr, "warning", "emulate: sources are loaded "
		    "at start-up only; restart to apply");
		while ((cs = TAILQ_FIRST(&new->c_sources)) != NULL) {
			TAILQ_REMOVE(&new->c_sources, cs, cs_entry);
			free(cs->cs_source);
			free(cs->cs_bars);
			free(cs);
		}
		TAILQ_CONCAT(&new->c_sources, &old->c_sources, cs_entry);
	}
	if (strcmp(old->c_socket, new->c_socket) != 0 ||
	    old->c_sockgid != new->c_sockgid) {
		reload_report(pr, "warning", "socket: not changed live; "
		    "restart to apply");
		memcpy(new->c_socket, old->c_socket, sizeof(new->c_socket));
		memcpy(new->c_sockgroup, old->c_sockgroup,
		    sizeof(new->c_sockgroup));
		new->c_sockgid = old->c_sockgid;
	}
}

/*
 * The device line's quirks replace those in force, pcibackctl's too, as
 * for permissive; refused ones leave the old set.
 */
static void
reload_quirks(struct reload_report *pr,
    const struct conf_device *cd, struct heldev *hd, const char *addr)
{
	struct heldev_policy	 hp = hd->hd_pol;
	char			*cause = NULL;

	if (conf_quirks_equal(cd->cd_quirks, cd->cd_nquirks,
	    hd->hd_pol.hp_quirks, hd->hd_pol.hp_nquirks))
		return;
	memcpy(hp.hp_quirks, cd->cd_quirks, sizeof(hp.hp_quirks));
	hp.hp_nquirks = cd->cd_nquirks;
	if (device_set_policy(hd, &hp, &cause) != 0) {
		reload_report(pr, "warning", "%s: quirks not changed: %s",
		    addr, cause != NULL ? cause : "refused");
		free(cause);
		return;
	}
	reload_report(pr, "info", "%s: %zu quirk%s in force", addr,
	    hd->hd_pol.hp_nquirks, hd->hd_pol.hp_nquirks == 1 ? "" : "s");
}

/* A shim device's reset line changed: the kernel gets the new order. */
static void
reload_reset(struct pcibackd *env, struct reload_report *pr,
    const struct conf_device *cd, struct heldev *hd, const char *addr)
{
	const struct conf_device	*old;
	char				*cause = NULL;

	old = conf_find_device(env->pb_conf, &hd->hd_bdf);
	if (hd->hd_prov->po_reset == NULL || strcmp(old != NULL ?
	    old->cd_reset : "", cd->cd_reset) == 0)
		return;
	if (provshim_set_reset(hd, cd->cd_reset, &cause) != 0)
		reload_report(pr, "warning", "%s: reset methods not changed: "
		    "%s", addr, cause != NULL ? cause : "refused");
	else if (cd->cd_reset[0] != '\0')
		reload_report(pr, "info", "%s: reset methods \"%s\", now %s "
		    "first", addr, cd->cd_reset, device_reset_method(hd));
	else
		reload_report(pr, "info", "%s: reset methods: the kernel's "
		    "own, now %s first", addr, device_reset_method(hd));
	free(cause);
}

/* A held device: dropped, renamed, permissive changed, or left alone. */
static void
reload_held(struct pcibackd *env, struct reload_report *pr,
    struct pcibackd_conf *new, struct heldev *hd)
{
	const struct conf_device	*cd;
	struct conf_device		 dflt;
	char				 addr[BDF_XL_MAX], *cause = NULL;

	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	/* The toolstack decides what the shim holds; the file only names. */
	if (hd->hd_prov->po_toolstack)
		cd = conf_device_or_default(new, &hd->hd_bdf, &dflt);
	else
		cd = conf_find_device(new, &hd->hd_bdf);
	if (cd == NULL) {
		if (device_unhold(env, hd) == 0)
			reload_report(pr, "info", "%s: no longer held", addr);
		else
			reload_report(pr, "warning", "%s: no device line "
			    "names it, but dom%d owns it: held until it is "
			    "released, then reload again", addr, hd->hd_owner);
		return;
	}
	if (strcmp(cd->cd_name, hd->hd_name) != 0) {
		snprintf(hd->hd_name, sizeof(hd->hd_name), "%s", cd->cd_name);
		reload_report(pr, "info", "%s: name \"%s\"", addr,
		    hd->hd_name);
	}
	reload_reset(env, pr, cd, hd, addr);
	if (cd->cd_permissive == hd->hd_pol.hp_permissive) {
		reload_quirks(pr, cd, hd, addr);
		return;
	}
	if (device_set_permissive(hd, cd->cd_permissive, &cause) != 0) {
		reload_report(pr, "warning", "%s: permissive not changed: "
		    "%s", addr, cause != NULL ? cause : strerror(errno));
		free(cause);
	} else if (cd->cd_permissive)
		reload_report(pr, "warning", "%s: permissive turned ON: the "
		    "guest may write registers pcibackd does not know "
		    "(XSA-124)", addr);
	else
		reload_report(pr, "info", "%s: permissive off", addr);
	reload_quirks(pr, cd, hd, addr);
}

struct reload_new {
	struct pcibackd		*rn_env;
	struct reload_report	*rn_pr;
	struct pcibackd_conf	*rn_conf;
};

static void
reload_new_one(void *arg, const struct bdf *b)
{
	struct reload_new		*rn = arg;
	const struct conf_device	*cd;
	char				 addr[BDF_XL_MAX], *cause = NULL;

	if (device_find(rn->rn_env, b) != NULL ||
	    (cd = conf_find_device(rn->rn_conf, b)) == NULL)
		return;
	bdf_format_dev(b, addr, sizeof(addr));
	if (device_add(rn->rn_env, b, cd, &cause) == 0)
		reload_report(rn->rn_pr, "info", "%s: held", addr);
	else
		reload_report(rn->rn_pr, "warning", "%s: %s", addr,
		    cause != NULL ? cause : "cannot hold it");
	free(cause);
}

/* Devices the new configuration names that the sources have. */
static void
reload_new(struct pcibackd *env, struct reload_report *pr,
    struct pcibackd_conf *new)
{
	struct reload_new	rn = { env, pr, new };

	provemul_foreach(env, reload_new_one, &rn);
}

/* Log level and rate limits: at once, for every guest. */
static void
reload_limits(struct pcibackd *env, struct reload_report *pr,
    const struct pcibackd_conf *old, const struct pcibackd_conf *new)
{
	struct frontend	*fe;

	if (old->c_loglevel != new->c_loglevel ||
	    log_getlevel() != new->c_loglevel) {
		log_setlevel(new->c_loglevel);
		reload_report(pr, "info", "log level %s%s",
		    conf_loglevel_name(new->c_loglevel),
		    log_getverbose() > 0 ? " (debug while -v or pcibackctl "
		    "log verbose)" : "");
	}
	if (old->c_evrate != new->c_evrate)
		reload_report(pr, "info", "ratelimit events %u per-second",
		    new->c_evrate);
	if (old->c_oprate != new->c_oprate)
		reload_report(pr, "info", "ratelimit ops %u per-second",
		    new->c_oprate);
	if (old->c_reset_timeout != new->c_reset_timeout)
		reload_report(pr, "info", "reset-timeout %u (for the resets "
		    "started from now)", new->c_reset_timeout);
	if (old->c_aer_timeout != new->c_aer_timeout)
		reload_report(pr, "info", "aer-timeout %u (for the steps "
		    "asked from now)", new->c_aer_timeout);
	if (old->c_restart_grace != new->c_restart_grace)
		reload_report(pr, "info", "restart-grace %u",
		    new->c_restart_grace);
	if (old->c_lograte == new->c_lograte &&
	    old->c_logburst == new->c_logburst)
		return;
	TAILQ_FOREACH(fe, &env->pb_frontends, fe_entry) {
		log_ratelimit_set(&fe->fe_lr, new->c_lograte,
		    new->c_logburst);
		log_ratelimit_set(&fe->fe_oplr, new->c_lograte,
		    new->c_logburst);
	}
	reload_report(pr, "info", "ratelimit log %u per-second burst %u",
	    new->c_lograte, new->c_logburst);
}

/*
 * SIGHUP or pcibackctl reload: parse the configuration again and apply
 * what can change under running guests.  0, or -1 if it did not parse
 * (the running configuration stays).
 */
int
reload_run(struct pcibackd *env,
    void (*fn)(void *, const char *, const char *), void *arg)
{
	struct reload_report	 pr = { fn, arg };
	struct pcibackd_conf	*new;
	struct heldev		*hd, *next;

	notify_reloading();
	if ((new = parse_config(env->pb_conffile)) == NULL) {
		log_warnx("reload: %s: not loaded, the running configuration "
		    "stays", env->pb_conffile);
		notify_reloaded(0, device_count(env));
		return -1;
	}
	reload_global(&pr, env->pb_conf, new);
	for (hd = TAILQ_FIRST(&env->pb_devices); hd != NULL; hd = next) {
		next = TAILQ_NEXT(hd, hd_entry);
		reload_held(env, &pr, new, hd);
	}
	reload_new(env, &pr, new);
	reload_limits(env, &pr, env->pb_conf, new);
	conf_free(env->pb_conf);
	env->pb_conf = new;
	control_group_refresh(env);
	/* Workers know the configuration they were forked with. */
	worker_refresh_all(env);
	log_info("reload: %s loaded, holding %d devices", env->pb_conffile,
	    device_count(env));
	notify_reloaded(1, device_count(env));
	return 0;
}

