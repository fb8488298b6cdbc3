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
 * pcibackctl explain: whether a device can be given to a guest now, and
 * every reason, one record each ("blocks", "warning", "info").
 * pcibackctl check: every held device a guest would be refused, before
 * any guest asks, with the configuration line that allows it.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "control.h"
#include "pcibackd.h"
#include "provider.h"
#include "sharepol.h"

static void
explain_reason(struct control_conn *cc, const char *level, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

/* level: "blocks" (it cannot be given), "warning" or "info". */
static void
explain_reason(struct control_conn *cc, const char *level, const char *fmt,
    ...)
{
	char	text[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	control_begin(cc, "reason");
	control_field(cc, CONTROL_F_STRING, "level", level);
	control_field(cc, CONTROL_F_STRING, "text", text);
	control_emit(cc);
}

/* Not held: the configuration, the shim and the sources say why. */
static void
explain_unheld(struct control_conn *cc, const struct bdf *b)
{
	struct pcibackd			*env = control_env(cc);
	const struct conf_device	*cd;
	size_t				 nsrc = provemul_nsources(env);
	int				 found = provemul_has(env, b);
	int				 shim = provshim_has(env, b);

	if ((cd = conf_find_device(env->pb_conf, b)) == NULL) {
		explain_reason(cc, "blocks", "not held: no device line in "
		    "%s names it", env->pb_conffile);
		if (found || shim)
			explain_reason(cc, "info", "%s has it: pcibackctl "
			    "hold takes it until the next reload", shim ?
			    "the shim" : "a device source");
		return;
	}
	if (found || shim)
		explain_reason(cc, "blocks", "not held: listed at %s:%d and "
		    "found in %s, but released with pcibackctl, or holding "
		    "it failed (see the log); pcibackctl hold takes it",
		    cd->cd_file, cd->cd_line, shim ? "the shim" :
		    "a device source");
	else if (env->pb_shim != NULL)
		explain_reason(cc, "blocks", "not held: listed at %s:%d, but "
		    "not bound to pciback: make it assignable first (xl "
		    "pci-assignable-add)", cd->cd_file, cd->cd_line);
	else if (nsrc == 0)
		explain_reason(cc, "blocks", "not held: listed at %s:%d, but "
		    "no device source is loaded (no emulate line that "
		    "loaded, and no shim)", cd->cd_file, cd->cd_line);
	else
		explain_reason(cc, "blocks", "not held: listed at %s:%d, but "
		    "no device source has it (%zu emulate source%s loaded)",
		    cd->cd_file, cd->cd_line, nsrc, nsrc == 1 ? "" : "s");
}

static void
explain_quirks(struct control_conn *cc, struct heldev *hd)
{
	const struct cfgspace_quirk	*q;
	size_t				 i;

	for (i = 0; i < hd->hd_pol.hp_nquirks; i++) {
		q = &hd->hd_pol.hp_quirks[i];
		explain_reason(cc, "info", "quirk: the guest may write bits "
		    "0x%x of the %u-byte register at 0x%03x", q->cq_mask,
		    q->cq_size, q->cq_offset);
	}
}

/*
 * The method pcibackd's give-back ends up with, and why.  Linux's "bus"
 * method resets the hot-plug slot when there is one.
 */
static void
explain_reset_use(struct control_conn *cc, const struct resetpol *rp,
    const char *kernel)
{
	if (strcmp(kernel, "none") != 0 && (strcmp(kernel,
	    resetpol_name(rp->rp_use)) == 0 || (strcmp(kernel, "bus") == 0 &&
	    rp->rp_use == RESETPOL_SLOT)))
		explain_reason(cc, "info", "reset pcibackd uses: %s: %s",
		    kernel, rp->rp_usewhy);
	else if (strcmp(kernel, "none") != 0)
		explain_reason(cc, "info", "reset pcibackd uses: %s: the "
		    "first of the kernel's reset methods for it", kernel);
	else if (rp->rp_coord)
		explain_reason(cc, "info", "reset pcibackd uses: %s, "
		    "coordinated: %s", resetpol_name(rp->rp_use),
		    rp->rp_usewhy);
	else if (rp->rp_use >= 0)
		explain_reason(cc, "warning", "reset pcibackd uses: none: the "
		    "kernel's reset methods for it leave none (%s would do)",
		    resetpol_name(rp->rp_use));
	else
		explain_reason(cc, "warning", "reset pcibackd uses: none: %s",
		    rp->rp_usewhy);
}

static void
explain_reset(struct control_conn *cc, struct heldev *hd)
{
	const struct conf_device	*cd;
	const char			*m;
	struct resetpol			 rp;
	int				 i;

	cd = conf_find_device(control_env(cc)->pb_conf, &hd->hd_bdf);
	if (hd->hd_prov->po_reset == NULL) {
		explain_reason(cc, "info", "reset: none, an emulated device "
		    "has nothing to reset between guests");
		return;
	}
	if ((m = device_reset_method(hd)) == NULL)
		m = "none";
	if (strcmp(m, "none") == 0)
		explain_reason(cc, "info", "reset: none of the kernel's own");
	else
		explain_reason(cc, "info", "reset: %s", m);
	if (cd != NULL && cd->cd_reset[0] != '\0')
		explain_reason(cc, "info", "reset methods to try, from %s:%d: "
		    "%s", cd->cd_file, cd->cd_line, cd->cd_reset);
	if (reset_plan(control_env(cc), hd, &rp) != 0)
		explain_reason(cc, "warning", "reset: cannot list the host's "
		    "PCI functions: its slot and bus reset are not known");
	for (i = 0; i < RESETPOL_NMETHODS; i++)
		explain_reason(cc, "info", "reset %s: %s: %s",
		    resetpol_name(i), rp.rp_avail[i] ? "available" :
		    "not available", rp.rp_why[i]);
	explain_reset_use(cc, &rp, m);
}

struct explain_share {
	struct control_conn	*es_cc;
	int			 es_what;	/* refused: SHAREPOL_IRQ|_PAGE */
};

/* "blocks" only for what would block: a refusal for any guest. */
static void
explain_share_reason(void *arg, const struct share_item *it)
{
	struct explain_share	*es = arg;
	char			 text[384];

	share_text(it, text, sizeof(text));
	if (it->sit_verdict == SHAREPOL_REFUSE)
		es->es_what |= it->sit_kind;
	explain_reason(es->es_cc, it->sit_verdict == SHAREPOL_REFUSE ?
	    "blocks" : it->sit_verdict == SHAREPOL_UNUSED ? "info" :
	    "warning", "%s", text);
}

/* Bridges: refused on the virtual bus unless allowed (bug 9). */
static void
explain_bridge(struct control_conn *cc, struct heldev *hd)
{
	struct pcibackd	*env = control_env(cc);

	if (cfgspace_header_type(hd->hd_pciop.pd_cs) != 1)
		return;
	if (frontend_bridge_refused(env, hd))
		explain_reason(cc, "blocks", "a bridge (type 1 header): "
		    "refused on the virtual bus, as xen-pciback does "
		    "(\"allow bridge\" in its device block overrides)");
	else
		explain_reason(cc, "warning", "a bridge (type 1 header)%s: "
		    "its bus numbers, windows and bridge control stay the "
		    "host's", env->pb_conf->c_mode == CONF_MODE_VIRTUAL ?
		    " (allowed: allow bridge)" : "");
}

/* XSA-461, for the guest that owns it or, free, for any guest. */
static void
explain_share(struct control_conn *cc, struct heldev *hd)
{
	struct explain_share	es = { cc, 0 };
	char			fix[256];

	if (share_list(control_env(cc), hd, hd->hd_owner,
	    explain_share_reason, &es) < 0) {
		explain_reason(cc, "blocks", "cannot list the host's PCI "
		    "functions to check for a shared INTx line or BAR page "
		    "(XSA-461)");
		return;
	}
	if (es.es_what == 0)
		return;
	share_fix(control_env(cc), &hd->hd_bdf, es.es_what, fix, sizeof(fix));
	explain_reason(cc, "info", "to give it anyway: %s", fix);
}

static void
explain_held(struct control_conn *cc, struct heldev *hd)
{
	struct cfgspace	*cs = hd->hd_pciop.pd_cs;
	struct bdf	 guest;
	char		 gaddr[BDF_XL_MAX];
	int		 i, msi, msix;

	if (hd->hd_owner != -1) {
		if (*frontend_owner_kind(control_env(cc), hd) != '\0')
			explain_reason(cc, "blocks", "owned by dom%d (HVM), "
			    "whose QEMU uses it: xl pci-detach gives it back",
			    hd->hd_owner);
		else if (ctlcmd_owner(control_env(cc), hd, &guest) != NULL) {
			bdf_format_dev(&guest, gaddr, sizeof(gaddr));
			explain_reason(cc, "blocks", "owned by dom%d, which "
			    "sees it as %s: detach it from that guest first",
			    hd->hd_owner, gaddr);
		} else
			explain_reason(cc, "blocks", "owned by dom%d: detach "
			    "it from that guest first", hd->hd_owner);
	} else if (hd->hd_quarantine[0] != '\0')
		explain_reason(cc, "blocks", "quarantined: %s: \"pcibackctl "
		    "reset\" retries the reset and lifts it on success%s",
		    hd->hd_quarantine, hd->hd_state == HD_RESETTING ?
		    " (a retry runs now)" : "");
	else if (hd->hd_state == HD_RESETTING)
		explain_reason(cc, "blocks", "being reset after its last "
		    "guest");
	else
		explain_reason(cc, "info", "held by pcibackd and free");
	if (hd->hd_pol.hp_permissive)
		explain_reason(cc, "warning", "permissive: the guest may "
		    "write registers pcibackd does not know (XSA-124)");
	else if (hd->hd_pol.hp_tsperm)
		explain_reason(cc, "warning", "permissive, by the toolstack "
		    "for this assignment only: the guest may write registers "
		    "pcibackd does not know (XSA-124)");
	msi = cfgspace_cap(cs, 0x05) != 0;
	msix = cfgspace_cap(cs, 0x11) != 0;
	if (!msi)
		explain_reason(cc, "info", "no MSI capability");
	if (!msix)
		explain_reason(cc, "info", "no MSI-X capability");
	if (!msi && !msix && (ctlcmd_cfg(hd, 0x3d, 1) & 0xff) == 0)
		explain_reason(cc, "warning", "no interrupt at all: no INTx "
		    "pin, no MSI, no MSI-X");
	for (i = 0; i < CFGDEV_NBARS + 1; i++)
		if (hd->hd_info.ci_bar[i].cb_flags & CFGDEV_BAR_HIDDEN)
			explain_reason(cc, "info", "%s %d is unassigned or "
			    "disabled: the guest reads it as 0",
			    i == CFGDEV_ROM ? "ROM BAR" : "BAR", i);
	explain_bridge(cc, hd);
	explain_quirks(cc, hd);
	explain_reset(cc, hd);
	explain_share(cc, hd);
}

int
explain_run(struct control_conn *cc, const struct ctlreq *req)
{
	struct heldev	*hd;
	struct bdf	 b = req->cr_bdf;
	char		 addr[BDF_XL_MAX];

	hd = device_find(control_env(cc), &b);
	bdf_format_dev(&b, addr, sizeof(addr));
	control_begin(cc, "explain");
	control_field(cc, CONTROL_F_STRING, "address", addr);
	control_field(cc, CONTROL_F_STRING, "name",
	    hd != NULL ? hd->hd_name : "");
	control_fieldb(cc, "held", hd != NULL);
	control_fieldb(cc, "assignable", hd != NULL && hd->hd_owner == -1 &&
	    !frontend_bridge_refused(control_env(cc), hd) &&
	    share_list(control_env(cc), hd, -1, NULL, NULL) == 0);
	control_emit(cc);
	if (hd == NULL)
		explain_unheld(cc, &b);
	else
		explain_held(cc, hd);
	return 0;
}

/* ---- pcibackctl check -------------------------------------------- */

struct explain_check {
	struct control_conn	*ec_cc;
	const struct heldev	*ec_hd;
	char			 ec_addr[BDF_XL_MAX];
	int			 ec_what;	/* refused: SHAREPOL_IRQ|_PAGE */
	int			 ec_refused;
};

static void
explain_check_record(struct explain_check *ec, const char *verdict,
    const char *text, const char *fix)
{
	struct control_conn	*cc = ec->ec_cc;

	control_begin(cc, "check");
	control_field(cc, CONTROL_F_STRING, "address", ec->ec_addr);
	control_field(cc, CONTROL_F_STRING, "name", ec->ec_hd->hd_name);
	control_field(cc, CONTROL_F_STRING, "verdict", verdict);
	control_field(cc, CONTROL_F_STRING, "text", text);
	control_field(cc, CONTROL_F_STRING, "fix", fix);
	control_emit(cc);
}

static void
explain_check_share(void *arg, const struct share_item *it)
{
	struct explain_check	*ec = arg;
	char			 text[384];

	/* Nothing to act on: allowed, or a line dom0 does not use. */
	if (it->sit_verdict == SHAREPOL_ALLOWED ||
	    it->sit_verdict == SHAREPOL_UNUSED)
		return;
	share_text(it, text, sizeof(text));
	if (it->sit_verdict == SHAREPOL_REFUSE) {
		ec->ec_what |= it->sit_kind;
		ec->ec_refused++;
		explain_check_record(ec, "refused", text, "");
	} else
		explain_check_record(ec, "warning", text, "");
}

/* One device: 1 if any guest would be refused it, else 0. */
static int
explain_check_one(struct control_conn *cc, struct heldev *hd)
{
	struct explain_check	ec;
	char			fix[256];

	memset(&ec, 0, sizeof(ec));
	ec.ec_cc = cc;
	ec.ec_hd = hd;
	bdf_format_dev(&hd->hd_bdf, ec.ec_addr, sizeof(ec.ec_addr));
	if (hd->hd_state == HD_QUARANTINED) {
		explain_check_record(&ec, "refused", hd->hd_quarantine,
		    "pcibackctl reset retries the reset");
		return 1;
	}
	if (frontend_bridge_refused(control_env(cc), hd)) {
		explain_check_record(&ec, "refused", "a bridge (type 1 "
		    "header), refused on the virtual bus", "add \"allow "
		    "bridge\" to its device block");
		ec.ec_refused++;
	}
	/* The owner's own devices are its; any other guest is checked. */
	if (share_list(control_env(cc), hd, hd->hd_owner,
	    explain_check_share, &ec) < 0) {
		explain_check_record(&ec, "refused", "cannot list the host's "
		    "PCI functions to check for a shared INTx line or BAR "
		    "page (XSA-461)", "");
		return 1;
	}
	if (ec.ec_what != 0) {
		share_fix(control_env(cc), &hd->hd_bdf, ec.ec_what, fix,
		    sizeof(fix));
		explain_check_record(&ec, "fix", "to give it anyway", fix);
	}
	return ec.ec_refused > 0;
}

int
explain_check(struct control_conn *cc, const struct ctlreq *req)
{
	struct pcibackd	*env = control_env(cc);
	struct heldev	*hd;
	int		 n = 0, refused = 0;

	(void)req;
	TAILQ_FOREACH(hd, &env->pb_devices, hd_entry) {
		n++;
		refused += explain_check_one(cc, hd);
	}
	control_begin(cc, "summary");
	control_fieldn(cc, "held", (uint64_t)n);
	control_fieldn(cc, "refused", (uint64_t)refused);
	control_emit(cc);
	return 0;
}
