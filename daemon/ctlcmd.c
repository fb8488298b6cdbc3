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
 * The control socket's commands, but explain (explain.c): what they do
 * and what they answer.  Whether a client may run one is control.c's
 * business, before any of these runs.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenstore.h>

#include "control.h"
#include "pcibackd.h"
#include "provider.h"
#include "util.h"
#include "xbstate.h"

static int	ctlcmd_show_devices(struct control_conn *, const struct ctlreq *);
static int	ctlcmd_show_guests(struct control_conn *, const struct ctlreq *);
static int	ctlcmd_show_guest(struct control_conn *, const struct ctlreq *);
static int	ctlcmd_show_stats(struct control_conn *, const struct ctlreq *);
static int	ctlcmd_permissive(struct control_conn *, const struct ctlreq *);
static int	ctlcmd_log(struct control_conn *, const struct ctlreq *);
static int	ctlcmd_reload(struct control_conn *, const struct ctlreq *);
static int	ctlcmd_hold(struct control_conn *, const struct ctlreq *);
static int	ctlcmd_unhold(struct control_conn *, const struct ctlreq *);
static int	ctlcmd_quirk_add(struct control_conn *, const struct ctlreq *);
static int	ctlcmd_quirk_del(struct control_conn *, const struct ctlreq *);
static int	ctlcmd_log_level(struct control_conn *, const struct ctlreq *);
static int	ctlcmd_reset(struct control_conn *, const struct ctlreq *);

/* Names, arguments and who may: control_cmdinfo[] (control_proto.c). */
static const struct {
	uint32_t	  cf_cmd;
	int		(*cf_fn)(struct control_conn *, const struct ctlreq *);
} ctlcmd_fns[] = {
	{ CONTROL_CMD_SHOW_DEVICES, ctlcmd_show_devices },
	{ CONTROL_CMD_SHOW_GUESTS, ctlcmd_show_guests },
	{ CONTROL_CMD_SHOW_GUEST, ctlcmd_show_guest },
	{ CONTROL_CMD_SHOW_STATS, ctlcmd_show_stats },
	{ CONTROL_CMD_PERMISSIVE, ctlcmd_permissive },
	{ CONTROL_CMD_LOG, ctlcmd_log },
	{ CONTROL_CMD_RELOAD, ctlcmd_reload },
	{ CONTROL_CMD_HOLD, ctlcmd_hold },
	{ CONTROL_CMD_RELEASE, ctlcmd_unhold },
	{ CONTROL_CMD_QUIRK_ADD, ctlcmd_quirk_add },
	{ CONTROL_CMD_QUIRK_DEL, ctlcmd_quirk_del },
	{ CONTROL_CMD_LOG_LEVEL, ctlcmd_log_level },
	{ CONTROL_CMD_RESET, ctlcmd_reset },
	{ CONTROL_CMD_SHOW_DENIED, ctlaudit_show_denied },
	{ CONTROL_CMD_SUGGEST, ctlaudit_suggest },
	{ CONTROL_CMD_SHOW_METRICS, ctlmetrics_show },
	{ CONTROL_CMD_CHECK, explain_check },
};

int
ctlcmd_run(struct control_conn *cc, const struct ctlreq *req)
{
	size_t	i;

	/* What the workers counted, for the show commands. */
	worker_sync(control_env(cc));
	for (i = 0; i < sizeof(ctlcmd_fns) / sizeof(ctlcmd_fns[0]); i++)
		if (ctlcmd_fns[i].cf_cmd == req->cr_cmd)
			return ctlcmd_fns[i].cf_fn(cc, req);
	return control_fail(cc, EOPNOTSUPP, "command %u: not implemented",
	    req->cr_cmd);
}

uint32_t
ctlcmd_cfg(struct heldev *hd, unsigned int off, unsigned int size)
{
	uint32_t	v = 0;

	/* The provider, not the guest's view: no guest counter moves. */
	if (hd->hd_prov->po_cfg->cdo_read(hd->hd_arg, off, size, &v) != 0)
		return 0xffffffff;
	return v;
}

static const char *
ctlcmd_irq_mode(struct heldev *hd)
{
	struct cfgspace	*cs = hd->hd_pciop.pd_cs;
	int		 msi, msix;

	msix = cfgspace_msix_enabled(cs);
	msi = cfgspace_msi_enabled(cs);
	if (msix > 0)
		return "MSI-X";
	if (msi > 0)
		return "MSI";
	if (msix < 0 || msi < 0)
		return "unknown";
	if ((ctlcmd_cfg(hd, 0x3d, 1) & 0xff) == 0)
		return "none";
	return "INTx";
}

/* The guest holding a device, and where it sees it. */
struct frontend *
ctlcmd_owner(struct pcibackd *env, struct heldev *hd, struct bdf *guest)
{
	struct frontend		*fe;
	struct topo_entry	*te;

	if (hd->hd_owner == -1)
		return NULL;
	TAILQ_FOREACH(fe, &env->pb_frontends, fe_entry) {
		if (fe->fe_domid != (unsigned int)hd->hd_owner)
			continue;
		if ((te = topo_find_host(&fe->fe_topo, &hd->hd_bdf)) != NULL) {
			*guest = te->te_guest;
			return fe;
		}
	}
	return NULL;
}

/*
 * The reset pcibackd's next give-back does, as explain says it: the
 * kernel's own method, or a bus reset coordinated over the bridge.
 */
static const char *
ctlcmd_reset_plan(struct pcibackd *env, const struct heldev *hd)
{
	struct resetpol	 rp;
	const char	*m = device_reset_method(hd);

	if (m != NULL && strcmp(m, "none") != 0)
		return m;
	if (reset_plan(env, hd, &rp) == 0 && rp.rp_coord)
		return "bus, coordinated";
	return "none";
}

static void
ctlcmd_device_fields(struct control_conn *cc, struct heldev *hd)
{
	struct pcibackd	*env = control_env(cc);
	char		 addr[BDF_XL_MAX];
	uint32_t	 id, class;
	struct bdf	 guest;

	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	id = ctlcmd_cfg(hd, 0x00, 4);
	class = ctlcmd_cfg(hd, 0x08, 4);
	control_field(cc, CONTROL_F_STRING, "address", addr);
	control_field(cc, CONTROL_F_STRING, "name", hd->hd_name);
	control_fields(cc, "id", "%04x:%04x", id & 0xffff, id >> 16);
	control_fields(cc, "class", "%06x", class >> 8);
	if (hd->hd_owner == -1)
		control_field(cc, CONTROL_F_STRING, "owner", "free");
	else {
		control_fields(cc, "owner", "dom%d", hd->hd_owner);
		control_fieldn(cc, "domid", (uint64_t)hd->hd_owner);
		/* QEMU has it, for an HVM guest: no pcifront, no ops. */
		control_fieldb(cc, "hvm",
		    *frontend_owner_kind(env, hd) != '\0');
		if (ctlcmd_owner(env, hd, &guest) != NULL) {
			bdf_format_dev(&guest, addr, sizeof(addr));
			control_field(cc, CONTROL_F_STRING, "guest_address",
			    addr);
		}
	}
	control_field(cc, CONTROL_F_STRING, "interrupts",
	    ctlcmd_irq_mode(hd));
	control_fieldb(cc, "permissive", device_permissive(hd));
	control_field(cc, CONTROL_F_STRING, "state", device_state_name(hd));
	if (hd->hd_quarantine[0] != '\0')
		control_field(cc, CONTROL_F_STRING, "quarantine",
		    hd->hd_quarantine);
	control_field(cc, CONTROL_F_STRING, "provider", hd->hd_prov->po_name);
	control_field(cc, CONTROL_F_STRING, "reset", device_reset_method(hd));
	if (hd->hd_prov->po_reset != NULL)
		control_field(cc, CONTROL_F_STRING, "reset_plan",
		    ctlcmd_reset_plan(control_env(cc), hd));
}

/* The op and config-space counters of a device, since it was held. */
static void
ctlcmd_device_stats(struct control_conn *cc, struct heldev *hd)
{
	const struct pciop_stats	*ps = &hd->hd_pciop.pd_stats;
	const struct cfgspace_stats	*css;
	uint32_t			 c;

	for (c = 0; c < PCIOP_NCMD; c++)
		control_fieldn(cc, pciop_cmd_name(c), ps->ps_ops[c]);
	control_fieldn(cc, "op_errors", ps->ps_errors);
	control_fieldn(cc, "irq_refused", ps->ps_irq_refused);
	css = cfgspace_stats(hd->hd_pciop.pd_cs);
	control_fieldn(cc, "cfg_reads", css->css_reads);
	control_fieldn(cc, "cfg_writes", css->css_writes);
	control_fieldn(cc, "cfg_writes_dropped", css->css_dropped);
	control_fieldn(cc, "cfg_writes_refused", css->css_refused);
}

/* A state node, by name: "Connected", "Unknown" when missing. */
static const char *
ctlcmd_xs_state(struct pcibackd *env, const char *dir)
{
	char		 path[256], *s;
	unsigned int	 len;
	int		 st;

	if (dir[0] == '\0')
		return xbstate_name(0);
	snprintf(path, sizeof(path), "%s/state", dir);
	s = xs_read(env->pb_xs, XBT_NULL, path, &len);
	st = xbstate_parse_state(s);
	free(s);
	return xbstate_name(st);
}

static void
ctlcmd_guest_fields(struct control_conn *cc, struct frontend *fe)
{
	struct pcibackd	*env = control_env(cc);

	control_fieldn(cc, "domid", fe->fe_domid);
	control_fieldn(cc, "devid", fe->fe_devid);
	control_field(cc, CONTROL_F_STRING, "state",
	    ctlcmd_xs_state(env, fe->fe_bepath));
	control_field(cc, CONTROL_F_STRING, "frontend_state",
	    ctlcmd_xs_state(env, fe->fe_fepath));
	control_fieldb(cc, "connected", fe->fe_connected);
	control_fieldn(cc, "devices", topo_count(&fe->fe_topo));
	control_fieldn(cc, "ops", fe->fe_ops);
	control_fieldn(cc, "op_errors", fe->fe_guest.pg_stats.ps_errors);
}

/* The held device a request names, or a "not held" reply. */
struct heldev *
ctlcmd_held(struct control_conn *cc, const struct bdf *b, int *err)
{
	struct heldev	*hd;
	char		 s[BDF_XL_MAX];

	*err = 0;
	if ((hd = device_find(control_env(cc), b)) == NULL) {
		bdf_format_dev(b, s, sizeof(s));
		*err = control_fail(cc, ENODEV, "%s: not held by pcibackd "
		    "(pcibackctl explain %s says why)", s, s);
	}
	return hd;
}


static int
ctlcmd_show_devices(struct control_conn *cc, const struct ctlreq *req)
{
	struct heldev	*hd;

	(void)req;
	TAILQ_FOREACH(hd, &control_env(cc)->pb_devices, hd_entry) {
		control_begin(cc, "device");
		ctlcmd_device_fields(cc, hd);
		control_emit(cc);
	}
	return 0;
}

static int
ctlcmd_show_guests(struct control_conn *cc, const struct ctlreq *req)
{
	struct frontend	*fe;

	(void)req;
	TAILQ_FOREACH(fe, &control_env(cc)->pb_frontends, fe_entry) {
		control_begin(cc, "guest");
		ctlcmd_guest_fields(cc, fe);
		control_emit(cc);
	}
	return 0;
}

static void
ctlcmd_guest_devices(struct control_conn *cc, struct frontend *fe)
{
	struct topo_entry	*te;
	struct heldev		*hd;
	size_t			 i;
	char			 addr[BDF_XL_MAX];

	for (i = 0; i < topo_count(&fe->fe_topo); i++) {
		te = topo_entry(&fe->fe_topo, i);
		if ((hd = device_find(fe->fe_env, &te->te_host)) == NULL)
			continue;
		control_begin(cc, "device");
		ctlcmd_device_fields(cc, hd);
		bdf_format_dev(&te->te_guest, addr, sizeof(addr));
		control_field(cc, CONTROL_F_STRING, "guest_address", addr);
		ctlcmd_device_stats(cc, hd);
		control_emit(cc);
	}
}

static int
ctlcmd_show_guest(struct control_conn *cc, const struct ctlreq *req)
{
	struct frontend			*fe;
	const struct pciop_stats	*ps;
	uint64_t			 domid = req->cr_arg[0];
	uint32_t			 c;
	int				 found = 0;

	TAILQ_FOREACH(fe, &control_env(cc)->pb_frontends, fe_entry) {
		if (fe->fe_domid != domid)
			continue;
		found = 1;
		control_begin(cc, "guest");
		ctlcmd_guest_fields(cc, fe);
		ps = &fe->fe_guest.pg_stats;
		for (c = 0; c < PCIOP_NCMD; c++)
			control_fieldn(cc, pciop_cmd_name(c), ps->ps_ops[c]);
		control_fieldn(cc, "not_found", ps->ps_notfound);
		control_fieldn(cc, "unknown_ops", ps->ps_unknown);
		control_emit(cc);
		ctlcmd_guest_devices(cc, fe);
	}
	if (!found)
		return control_fail(cc, ENOENT, "dom%llu has no PCI backend "
		    "served by pcibackd", (unsigned long long)domid);
	return 0;
}

/* What "show stats" adds up over the devices and guests. */
struct ctlcmd_totals {
	uint64_t	ct_devices;
	uint64_t	ct_devices_free;
	uint64_t	ct_devices_permissive;
	uint64_t	ct_op_errors;
	uint64_t	ct_cfg_dropped;
	uint64_t	ct_cfg_refused;
	uint64_t	ct_guests;
	uint64_t	ct_guests_connected;
	uint64_t	ct_ops[PCIOP_NCMD];
};

static void
ctlcmd_totals(struct pcibackd *env, struct ctlcmd_totals *t)
{
	const struct cfgspace_stats	*css;
	struct heldev			*hd;
	struct frontend			*fe;
	uint32_t			 c;

	memset(t, 0, sizeof(*t));
	TAILQ_FOREACH(hd, &env->pb_devices, hd_entry) {
		t->ct_devices++;
		t->ct_devices_free += hd->hd_owner == -1;
		t->ct_devices_permissive += device_permissive(hd);
		for (c = 0; c < PCIOP_NCMD; c++)
			t->ct_ops[c] += hd->hd_pciop.pd_stats.ps_ops[c];
		t->ct_op_errors += hd->hd_pciop.pd_stats.ps_errors;
		css = cfgspace_stats(hd->hd_pciop.pd_cs);
		t->ct_cfg_dropped += css->css_dropped;
		t->ct_cfg_refused += css->css_refused;
	}
	TAILQ_FOREACH(fe, &env->pb_frontends, fe_entry) {
		t->ct_guests++;
		t->ct_guests_connected += fe->fe_connected != 0;
	}
}

static int
ctlcmd_show_stats(struct control_conn *cc, const struct ctlreq *req)
{
	struct pcibackd		*env = control_env(cc);
	struct ctlcmd_totals	 t;
	uint32_t		 c;

	(void)req;
	ctlcmd_totals(env, &t);
	control_begin(cc, "stats");
	control_fieldn(cc, "uptime", control_uptime(env));
	control_fieldn(cc, "devices", t.ct_devices);
	control_fieldn(cc, "devices_free", t.ct_devices_free);
	control_fieldn(cc, "devices_permissive", t.ct_devices_permissive);
	control_fieldn(cc, "guests", t.ct_guests);
	control_fieldn(cc, "guests_connected", t.ct_guests_connected);
	for (c = 0; c < PCIOP_NCMD; c++)
		control_fieldn(cc, pciop_cmd_name(c), t.ct_ops[c]);
	control_fieldn(cc, "op_errors", t.ct_op_errors);
	control_fieldn(cc, "cfg_writes_dropped", t.ct_cfg_dropped);
	control_fieldn(cc, "cfg_writes_refused", t.ct_cfg_refused);
	control_fieldn(cc, "control_clients", control_nclients(env));
	control_field(cc, CONTROL_F_STRING, "log",
	    log_getverbose() > 0 ? "verbose" : "brief");
	control_field(cc, CONTROL_F_STRING, "log_level",
	    conf_loglevel_name(log_getlevel()));
	control_emit(cc);
	return 0;
}

static int
ctlcmd_permissive(struct control_conn *cc, const struct ctlreq *req)
{
	struct heldev	*hd;
	char		*cause = NULL, addr[BDF_XL_MAX];
	int		 on, err, was;

	if ((hd = ctlcmd_held(cc, &req->cr_bdf, &err)) == NULL)
		return err;
	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	on = req->cr_arg[0] != 0;
	was = device_permissive(hd);
	if (device_set_permissive(hd, on, &cause) != 0) {
		err = control_fail(cc, EIO, "%s: %s", addr,
		    cause != NULL ? cause : strerror(errno));
		free(cause);
		return err;
	}
	if (on && !was && hd->hd_owner != -1)
		log_warnx("%s: permissive turned ON by %s: dom%d may now "
		    "write registers pcibackd does not know (XSA-124)", addr,
		    control_who(cc), hd->hd_owner);
	else if (on && !was)
		log_warnx("%s: permissive turned ON by %s: the next guest may "
		    "write registers pcibackd does not know (XSA-124)", addr,
		    control_who(cc));
	else if (!on && was)
		log_info("%s: permissive turned off by %s", addr,
		    control_who(cc));
	control_begin(cc, "device");
	ctlcmd_device_fields(cc, hd);
	control_fieldb(cc, "changed", on != was);
	control_emit(cc);
	return 0;
}

static int
ctlcmd_log(struct control_conn *cc, const struct ctlreq *req)
{
	const char	*word = req->cr_arg[0] ? "verbose" : "brief";

	log_setverbose(req->cr_arg[0] != 0);
	log_info("log %s, by %s", word, control_who(cc));
	worker_refresh_all(control_env(cc));
	control_begin(cc, "log");
	control_field(cc, CONTROL_F_STRING, "log", word);
	control_emit(cc);
	return 0;
}

static void
ctlcmd_reload_line(void *arg, const char *level, const char *text)
{
	struct control_conn	*cc = arg;

	control_begin(cc, "reload");
	control_field(cc, CONTROL_F_STRING, "level", level);
	control_field(cc, CONTROL_F_STRING, "text", text);
	control_emit(cc);
}

static int
ctlcmd_reload(struct control_conn *cc, const struct ctlreq *req)
{
	struct pcibackd	*env = control_env(cc);

	(void)req;
	log_info("control: reload, asked by %s", control_who(cc));
	if (reload_run(env, ctlcmd_reload_line, cc) != 0)
		return control_fail(cc, EINVAL, "%s: not loaded, the running "
		    "configuration stays (the log says why)",
		    env->pb_conffile);
	return 0;
}

/* Hold a device a source has, until the next reload or restart. */
static int
ctlcmd_hold(struct control_conn *cc, const struct ctlreq *req)
{
	struct pcibackd			*env = control_env(cc);
	const struct conf_device	*cd;
	struct conf_device		 dflt;
	struct heldev			*hd;
	struct bdf			 b = req->cr_bdf;
	char				 addr[BDF_XL_MAX], *cause = NULL;
	int				 err;

	bdf_format_dev(&b, addr, sizeof(addr));
	cd = conf_device_or_default(env->pb_conf, &b, &dflt);
	if (device_add(env, &b, cd, &cause) != 0) {
		err = control_fail(cc, device_find(env, &b) != NULL ?
		    EEXIST : ENODEV, "%s: %s", addr, cause != NULL ? cause :
		    "cannot hold it");
		free(cause);
		return err;
	}
	log_info("%s: held, asked by %s", addr, control_who(cc));
	if ((hd = device_find(env, &b)) != NULL) {
		control_begin(cc, "device");
		ctlcmd_device_fields(cc, hd);
		control_emit(cc);
	}
	return 0;
}

static int
ctlcmd_unhold(struct control_conn *cc, const struct ctlreq *req)
{
	struct heldev	*hd;
	char		 addr[BDF_XL_MAX];
	int		 err;

	if ((hd = ctlcmd_held(cc, &req->cr_bdf, &err)) == NULL)
		return err;
	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	if (hd->hd_owner != -1)
		return control_fail(cc, EBUSY, "%s: owned by dom%d: detach "
		    "it from that guest first", addr, hd->hd_owner);
	log_info("%s: release asked by %s", addr, control_who(cc));
	if (device_unhold(control_env(cc), hd) != 0)
		return control_fail(cc, EBUSY, "%s: cannot release it", addr);
	control_begin(cc, "released");
	control_field(cc, CONTROL_F_STRING, "address", addr);
	control_emit(cc);
	return 0;
}

static void
ctlcmd_quirk_record(struct control_conn *cc, struct heldev *hd,
    const struct cfgspace_quirk *q, const char *action)
{
	char	addr[BDF_XL_MAX];

	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	control_begin(cc, "quirk");
	control_field(cc, CONTROL_F_STRING, "address", addr);
	control_field(cc, CONTROL_F_STRING, "action", action);
	control_fields(cc, "offset", "0x%03x", q->cq_offset);
	control_fieldn(cc, "size", q->cq_size);
	control_fields(cc, "mask", "0x%x", q->cq_mask);
	control_fieldn(cc, "quirks", hd->hd_pol.hp_nquirks);
	control_emit(cc);
}

/* The quirks of hd become q[0..n), live, or nothing changes. */
static int
ctlcmd_quirks_set(struct control_conn *cc, struct heldev *hd,
    const struct cfgspace_quirk *q, size_t n, const char *addr)
{
	struct heldev_policy	 hp = hd->hd_pol;
	char			*cause = NULL;
	int			 err;

	memcpy(hp.hp_quirks, q, n * sizeof(*q));
	hp.hp_nquirks = n;
	if (device_set_policy(hd, &hp, &cause) != 0) {
		err = control_fail(cc, EINVAL, "%s: %s", addr,
		    cause != NULL ? cause : "quirks refused");
		free(cause);
		return err;
	}
	return 0;
}

/* Make bits of a register guest-writable, until the next reload. */
static int
ctlcmd_quirk_add(struct control_conn *cc, const struct ctlreq *req)
{
	struct cfgspace_quirk	 q[CONF_QUIRKS_MAX], nq;
	struct heldev		*hd;
	char			 addr[BDF_XL_MAX];
	uint32_t		 off = req->cr_arg[0], size = req->cr_arg[1];
	uint32_t		 mask = req->cr_arg[2];
	size_t			 i, n;
	int			 err;

	if ((hd = ctlcmd_held(cc, &req->cr_bdf, &err)) == NULL)
		return err;
	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	/* The control process parsed and checked them (ctlparse.c). */
	memset(&nq, 0, sizeof(nq));
	nq.cq_offset = (uint16_t)off;
	nq.cq_size = (uint8_t)size;
	nq.cq_mask = mask;
	n = hd->hd_pol.hp_nquirks;
	for (i = 0; i < n; i++)
		if (hd->hd_pol.hp_quirks[i].cq_offset == off)
			return control_fail(cc, EEXIST, "%s: a quirk at 0x%03x "
			    "is in force already (quirk del it first)", addr,
			    off);
	/* Full: checked before q[n] is written, q has no room past it. */
	if (n >= CONF_QUIRKS_MAX)
		return control_fail(cc, ENOSPC, "%s: %d quirks already", addr,
		    CONF_QUIRKS_MAX);
	memcpy(q, hd->hd_pol.hp_quirks, n * sizeof(q[0]));
	q[n] = nq;
	if ((err = ctlcmd_quirks_set(cc, hd, q, n + 1, addr)) != 0)
		return err;
	log_warnx("%s: quirk added by %s: %s may write bits 0x%x of the "
	    "%u-byte register at 0x%03x", addr, control_who(cc),
	    hd->hd_owner != -1 ? "its guest" : "the next guest", mask, size,
	    off);
	ctlcmd_quirk_record(cc, hd, &nq, "added");
	return 0;
}

static int
ctlcmd_quirk_del(struct control_conn *cc, const struct ctlreq *req)
{
	struct cfgspace_quirk	 q[CONF_QUIRKS_MAX], gone;
	struct heldev		*hd;
	char			 addr[BDF_XL_MAX];
	uint32_t		 off = req->cr_arg[0];
	size_t			 i, n;
	int			 err;

	if ((hd = ctlcmd_held(cc, &req->cr_bdf, &err)) == NULL)
		return err;
	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	n = hd->hd_pol.hp_nquirks;
	for (i = 0; i < n && hd->hd_pol.hp_quirks[i].cq_offset != off; i++)
		;
	if (i == n)
		return control_fail(cc, ENOENT, "%s: no quirk at 0x%03x", addr,
		    off);
	gone = hd->hd_pol.hp_quirks[i];
	memcpy(q, hd->hd_pol.hp_quirks, i * sizeof(q[0]));
	memcpy(q + i, hd->hd_pol.hp_quirks + i + 1, (n - i - 1) * sizeof(q[0]));
	if ((err = ctlcmd_quirks_set(cc, hd, q, n - 1, addr)) != 0)
		return err;
	log_info("%s: quirk at 0x%03x removed by %s", addr, off,
	    control_who(cc));
	ctlcmd_quirk_record(cc, hd, &gone, "removed");
	return 0;
}

static int
ctlcmd_log_level(struct control_conn *cc, const struct ctlreq *req)
{
	int		 pri = (int)req->cr_arg[0];
	const char	*word = conf_loglevel_name(pri);

	/* Said before a lower level could hide it. */
	log_warnx("log level %s, by %s", word, control_who(cc));
	log_setlevel(pri);
	worker_refresh_all(control_env(cc));
	control_begin(cc, "log");
	control_field(cc, CONTROL_F_STRING, "log_level", word);
	control_field(cc, CONTROL_F_STRING, "log",
	    log_getverbose() > 0 ? "verbose" : "brief");
	control_emit(cc);
	return 0;
}

/*
 * The domain libxl's books give the device to, or NULL: libxl writes
 * /libxl/pci/<bdf>/domid before it resets the device and hands it to
 * QEMU, and removes it last, so a device pcibackd holds free may be in
 * a guest's hands all the same (doc/protocol.md §1.7).
 */
static char *
ctlcmd_libxl_domid(struct pcibackd *env, const struct bdf *b)
{
	char		path[64];
	unsigned int	len;

	snprintf(path, sizeof(path), "/libxl/pci/%04x-%02x-%02x-%01x/domid",
	    b->b_seg, b->b_bus, b->b_dev, b->b_fn);
	return xs_read(env->pb_xs, XBT_NULL, path, &len);
}

/* Reset a free device now, by its provider. */
static int
ctlcmd_reset(struct control_conn *cc, const struct ctlreq *req)
{
	struct heldev	*hd;
	char		 addr[BDF_XL_MAX], *cause = NULL, *dom;
	int		 err;

	if ((hd = ctlcmd_held(cc, &req->cr_bdf, &err)) == NULL)
		return err;
	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	if (hd->hd_owner != -1)
		return control_fail(cc, EBUSY, "%s: owned by dom%d%s: detach it "
		    "from that guest first", addr, hd->hd_owner,
		    frontend_owner_kind(control_env(cc), hd));
	if ((dom = ctlcmd_libxl_domid(control_env(cc), &hd->hd_bdf)) != NULL) {
		err = control_fail(cc, EBUSY, "%s: libxl gives it to dom%.8s "
		    "(/libxl/pci): detach it from that guest first", addr,
		    dom);
		free(dom);
		return err;
	}
	if (hd->hd_prov->po_reset == NULL)
		return control_fail(cc, EOPNOTSUPP, "%s: reset: not supported "
		    "by the %s provider", addr, hd->hd_prov->po_name);
	log_info("%s: reset asked by %s", addr, control_who(cc));
	if (device_reset(hd, &cause) != 0) {
		err = control_fail(cc, EIO, "%s: reset: %s", addr,
		    cause != NULL ? cause : "failed");
		free(cause);
		return err;
	}
	control_begin(cc, "reset");
	control_field(cc, CONTROL_F_STRING, "address", addr);
	control_field(cc, CONTROL_F_STRING, "method", device_reset_method(hd));
	control_emit(cc);
	return 0;
}
