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
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "control.h"
#include "pcibackd.h"
#include "provider.h"

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

static void
explain_reset(struct control_conn *cc, struct heldev *hd)
{
	const struct conf_device	*cd;
	const char			*m;

	cd = conf_find_device(control_env(cc)->pb_conf, &hd->hd_bdf);
	if (hd->hd_prov->po_reset == NULL)
		explain_reason(cc, "info", "reset: none, an emulated device "
		    "has nothing to reset between guests");
	else if ((m = device_reset_method(hd)) == NULL ||
	    strcmp(m, "none") == 0)
		explain_reason(cc, "warning", "reset: no method known");
	else
		explain_reason(cc, "info", "reset: %s", m);
	if (cd != NULL && cd->cd_reset[0] != '\0')
		explain_reason(cc, "info", "reset methods to try, from %s:%d: "
		    "%s", cd->cd_file, cd->cd_line, cd->cd_reset);
}

static void
explain_share_reason(void *arg, int allowed, const char *text)
{
	struct control_conn	*cc = arg;

	explain_reason(cc, allowed ? "warning" : "blocks", "%s%s", text,
	    allowed ? "" : " (XSA-461)");
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
	if (share_list(control_env(cc), hd, hd->hd_owner,
	    explain_share_reason, cc) < 0)
		explain_reason(cc, "blocks", "cannot list the host's PCI "
		    "functions to check for a shared INTx line or BAR page "
		    "(XSA-461)");
}

static void
explain_held(struct control_conn *cc, struct heldev *hd)
{
	struct cfgspace	*cs = hd->hd_pciop.pd_cs;
	struct bdf	 guest;
	char		 gaddr[BDF_XL_MAX];
	int		 i, msi, msix;

	if (hd->hd_owner != -1) {
		if (ctlcmd_owner(control_env(cc), hd, &guest) != NULL) {
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
