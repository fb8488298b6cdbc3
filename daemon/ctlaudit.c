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
 * show denied and suggest: the guest writes policy kept from a device,
 * as the workers recorded them (worker.c, lib/audit.c), and the quirk
 * lines that would let exactly those through, or why none may.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "control.h"
#include "pcibackd.h"

static void
ctlaudit_common(struct control_conn *cc, struct heldev *hd,
    const struct audit_entry *e)
{
	char	addr[BDF_XL_MAX];

	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	control_field(cc, CONTROL_F_STRING, "address", addr);
	control_fields(cc, "owner", "dom%d", hd->hd_denied_dom);
	control_fieldn(cc, "domid", (uint64_t)hd->hd_denied_dom);
	if (e == NULL)
		return;
	control_fields(cc, "offset", "0x%03x", e->ae_offset);
	control_fieldn(cc, "size", e->ae_size);
}

static void
ctlaudit_denied(struct control_conn *cc, struct heldev *hd)
{
	const struct audit_table	*t = &hd->hd_denied;
	const struct audit_entry	*e;
	struct cfgspace_reg		 rg;
	uint32_t			 i;

	if (hd->hd_denied_dom == -1)
		return;
	for (i = 0; i < t->at_used && i < AUDIT_SLOTS; i++) {
		e = &t->at_e[i];
		cfgspace_describe(hd->hd_pciop.pd_cs, e->ae_offset,
		    e->ae_size, &rg);
		control_begin(cc, "denied");
		ctlaudit_common(cc, hd, e);
		control_fields(cc, "value", "0x%0*x", 2 * e->ae_size,
		    e->ae_value);
		control_fieldn(cc, "count", e->ae_count);
		control_fieldn(cc, "first", (uint64_t)e->ae_first);
		control_fieldn(cc, "last", (uint64_t)e->ae_last);
		control_fieldb(cc, "refused", e->ae_refused);
		control_field(cc, CONTROL_F_STRING, "register",
		    rg.rg_name != NULL ? rg.rg_name : "");
		control_emit(cc);
	}
	if (t->at_overflow > 0) {
		control_begin(cc, "overflow");
		ctlaudit_common(cc, hd, NULL);
		control_fieldn(cc, "count", t->at_overflow);
		control_emit(cc);
	}
}

int
ctlaudit_show_denied(struct control_conn *cc, const struct ctlreq *req)
{
	struct heldev	*hd;
	int		 err;

	if (req->cr_arg[0] != 0) {
		if ((hd = ctlcmd_held(cc, &req->cr_bdf, &err)) == NULL)
			return err;
		ctlaudit_denied(cc, hd);
		return 0;
	}
	TAILQ_FOREACH(hd, &control_env(cc)->pb_devices, hd_entry)
		ctlaudit_denied(cc, hd);
	return 0;
}

static const char *
ctlaudit_verdict(int v)
{
	switch (v) {
	case AUDIT_QUIRK:
		return "quirk";
	case AUDIT_NOTHING:
		return "nothing";
	}
	return "refuse";
}

int
ctlaudit_suggest(struct control_conn *cc, const struct ctlreq *req)
{
	struct audit_advice		 a[AUDIT_SLOTS];
	const struct audit_table	*t;
	const struct audit_entry	*e;
	struct cfgspace_reg		 rg;
	struct heldev			*hd;
	uint32_t			 i, n, hw;
	int				 err;

	if ((hd = ctlcmd_held(cc, &req->cr_bdf, &err)) == NULL)
		return err;
	t = &hd->hd_denied;
	n = hd->hd_denied_dom == -1 ? 0 : t->at_used;
	if (n > AUDIT_SLOTS)
		n = AUDIT_SLOTS;
	for (i = 0; i < n; i++) {
		e = &t->at_e[i];
		cfgspace_describe(hd->hd_pciop.pd_cs, e->ae_offset,
		    e->ae_size, &rg);
		/* What the hardware holds now: the bits no write changed. */
		hw = ctlcmd_cfg(hd, e->ae_offset, e->ae_size);
		audit_suggest(e, &rg, hw != 0xffffffff, hw, &a[i]);
	}
	audit_fold(a, n);
	for (i = 0; i < n; i++) {
		e = &t->at_e[i];
		control_begin(cc, "suggest");
		ctlaudit_common(cc, hd, e);
		control_fieldn(cc, "count", e->ae_count);
		control_field(cc, CONTROL_F_STRING, "verdict",
		    ctlaudit_verdict(a[i].aa_verdict));
		if (a[i].aa_verdict == AUDIT_QUIRK) {
			control_fields(cc, "mask", "0x%0*x",
			    2 * (int)a[i].aa_size, a[i].aa_mask);
			control_fields(cc, "quirk", "quirk 0x%03x %u 0x%0*x",
			    a[i].aa_offset, a[i].aa_size,
			    2 * (int)a[i].aa_size, a[i].aa_mask);
		}
		control_field(cc, CONTROL_F_STRING, "safety",
		    a[i].aa_safety);
		control_field(cc, CONTROL_F_STRING, "register",
		    a[i].aa_what);
		control_field(cc, CONTROL_F_STRING, "why", a[i].aa_why);
		control_emit(cc);
	}
	return 0;
}
