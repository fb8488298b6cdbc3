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
 * XSA-461: a device given to a guest must not share an INTx line, or a
 * 4 KiB page of its memory BARs, with a device that guest was not given:
 * the guest could mask the other device's interrupt, or map the page and
 * reach the other device's registers.  "allow shared-irq" and "allow
 * shared-bar-page" on the device line accept the risk.  A device with
 * MSI or MSI-X is given over a shared line with its INTx held off in
 * hardware (lib/sharepol.c says why).  A line whose other users are dom0
 * functions with their INTx off (on MSI or MSI-X) carries no dom0
 * interrupt: the device is given with INTx.  Read when the device is
 * given, not watched after (dom0 turning one back on is its own doing).
 *
 * Which other functions exist is the provider's to say (po_functions):
 * the host's PCI functions for the shim, those of the same emulate source
 * for an emulated device.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcibackd.h"
#include "provider.h"
#include "sharepol.h"
#include "util.h"

#define SHARE_INTERRUPT_PIN	0x3d
#define SHARE_CAP_MSI		0x05
#define SHARE_CAP_MSIX		0x11
#define SHARE_REREAD_MAX	8	/* functions read again alone; more: a scan */

static void
share_append(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

/* Append to a terminated buffer; what does not fit is cut. */
static void
share_append(char *buf, size_t len, const char *fmt, ...)
{
	size_t	n = strlen(buf);
	va_list	ap;

	if (n + 1 >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

struct share_ctx {
	struct pcibackd			*sx_env;
	const struct conf_device	*sx_cd;
	int				 sx_domid;	/* -1: any guest */
	int				 sx_msi;	/* has MSI or MSI-X */
	void				(*sx_fn)(void *,
					    const struct share_item *);
	void				*sx_arg;
	int				 sx_refused;
	int				 sx_unused;	/* SHAREPOL_UNUSED seen */
	/* Whose INTx being off they rest on, to read again. */
	struct bdf			 sx_unused_fn[SHARE_REREAD_MAX];
};

/*
 * Who has the other function: "dom0", "dom5", "held by pcibackd, free".
 * 1 if it goes to the same guest and so shares nothing with another.
 */
static int
share_owner(struct share_ctx *sx, const struct bdf *b, char *buf,
    size_t len, int *isfree, int *isdom0)
{
	struct heldev	*o;

	*isfree = 0;
	*isdom0 = 0;
	if ((o = device_find(sx->sx_env, b)) == NULL) {
		snprintf(buf, len, "dom0");
		*isdom0 = 1;
		return 0;
	}
	if (o->hd_owner == -1) {
		/*
		 * Not a conflict when claiming: the guest may be about to
		 * claim it too (one attach, several dev-N), and if another
		 * guest claims it later, that claim is the one refused.
		 */
		snprintf(buf, len, "held by pcibackd, free");
		*isfree = 1;
		return sx->sx_domid >= 0;
	}
	snprintf(buf, len, "dom%d", o->hd_owner);
	return sx->sx_domid >= 0 && o->hd_owner == sx->sx_domid;
}

static void
share_report(struct share_ctx *sx, struct share_item *si, int isfree,
    const struct bdf *fn)
{
	/* Allowed stays allowed; else it depends on who gets the other. */
	if (isfree && si->sit_verdict != SHAREPOL_ALLOWED)
		si->sit_verdict = SHAREPOL_FREE;
	if (si->sit_verdict == SHAREPOL_REFUSE)
		sx->sx_refused++;
	if (si->sit_verdict == SHAREPOL_UNUSED &&
	    sx->sx_unused++ < SHARE_REREAD_MAX)
		sx->sx_unused_fn[sx->sx_unused - 1] = *fn;
	if (sx->sx_fn != NULL)
		sx->sx_fn(sx->sx_arg, si);
}

/* Compare the held device with one other function. */
static void
share_one(struct share_ctx *sx, const struct provider_fn *me,
    const struct provider_fn *o)
{
	struct share_item	si;
	uint64_t		page;
	int			i, j, isfree, isdom0;

	if (bdf_equal(&me->pf_bdf, &o->pf_bdf))
		return;
	memset(&si, 0, sizeof(si));
	if (share_owner(sx, &o->pf_bdf, si.sit_owner, sizeof(si.sit_owner),
	    &isfree, &isdom0))
		return;
	bdf_format_dev(&o->pf_bdf, si.sit_addr, sizeof(si.sit_addr));
	if ((si.sit_what = sharepol_irq(me->pf_irq, me->pf_pin, o->pf_irq,
	    o->pf_pin)) != 0) {
		si.sit_kind = SHAREPOL_IRQ;
		/* Only dom0's own word counts: a guest's may change. */
		si.sit_verdict = sharepol_irq_verdict(sx->sx_cd != NULL &&
		    sx->sx_cd->cd_shared_irq, sx->sx_msi, 0,
		    isdom0 && o->pf_intx_off);
		share_report(sx, &si, isfree, &o->pf_bdf);
	}
	for (i = 0; i <= CFGDEV_ROM; i++) {
		for (j = 0; j <= CFGDEV_ROM; j++) {
			if ((page = sharepol_page(&me->pf_bar[i],
			    &o->pf_bar[j])) == 0)
				continue;
			si.sit_kind = SHAREPOL_PAGE;
			si.sit_what = page;
			si.sit_verdict = sharepol_page_verdict(sx->sx_cd !=
			    NULL && sx->sx_cd->cd_shared_page);
			share_report(sx, &si, isfree, &o->pf_bdf);
			return;		/* one page per function */
		}
	}
}

static void
share_from_info(struct provider_fn *sf, const struct bdf *b,
    const struct cfgdev_info *ci, uint8_t pin)
{
	memset(sf, 0, sizeof(*sf));
	sf->pf_bdf = *b;
	sf->pf_irq = ci->ci_irq;
	sf->pf_pin = pin;
	memcpy(sf->pf_bar, ci->ci_bar, sizeof(sf->pf_bar));
}

/*
 * Read again, each alone, the dom0 functions whose INTx being off a
 * verdict rests on; -1 if the provider cannot (or there are too many):
 * the whole list is read again instead.
 */
static int
share_reread(const struct share_ctx *sx, const struct heldev *hd)
{
	int	i;

	if (hd->hd_prov->po_reread == NULL || sx->sx_unused > SHARE_REREAD_MAX)
		return -1;
	for (i = 0; i < sx->sx_unused; i++)
		if (hd->hd_prov->po_reread(hd, &sx->sx_unused_fn[i]) != 0)
			return -1;
	return 0;
}

/*
 * Everything hd shares, for guest domid (-1: any guest, as for a free
 * device), allowed or not, to fn(arg, item).  Returns how many are
 * refused, or -1 if the other functions cannot be listed.
 */
int
share_list(struct pcibackd *env, const struct heldev *hd, int domid,
    void (*fn)(void *, const struct share_item *), void *arg)
{
	struct share_ctx		 sx;
	struct provider_fn		 me;
	const struct provider_fn	*fns;
	struct cfgspace			*cs = hd->hd_pciop.pd_cs;
	size_t				 n, i;
	uint32_t			 pin = 0;

	memset(&sx, 0, sizeof(sx));
	sx.sx_env = env;
	sx.sx_cd = conf_find_device(env->pb_conf, &hd->hd_bdf);
	sx.sx_domid = domid;
	sx.sx_msi = cfgspace_cap(cs, SHARE_CAP_MSI) != 0 ||
	    cfgspace_cap(cs, SHARE_CAP_MSIX) != 0;
	/* The provider, not the guest's view: no guest counter moves. */
	if (hd->hd_prov->po_cfg->cdo_read(hd->hd_arg, SHARE_INTERRUPT_PIN, 1,
	    &pin) != 0)
		pin = 0;
	share_from_info(&me, &hd->hd_bdf, &hd->hd_info, (uint8_t)pin);
	if (hd->hd_prov->po_functions(hd, &fns, &n) != 0)
		return -1;
	/*
	 * A verdict that rests on a dom0 function's INTx being off rests on
	 * the listing's reading of it: read it again first, quietly, that
	 * function alone (share_reread), not every function of the host.
	 */
	for (i = 0; i < n; i++)
		share_one(&sx, &me, &fns[i]);
	if (sx.sx_unused > 0 && share_reread(&sx, hd) != 0 &&
	    hd->hd_prov->po_refresh != NULL)
		hd->hd_prov->po_refresh(hd);
	if (sx.sx_unused > 0 &&
	    hd->hd_prov->po_functions(hd, &fns, &n) != 0)
		return -1;
	sx.sx_fn = fn;
	sx.sx_arg = arg;
	sx.sx_refused = 0;
	sx.sx_unused = 0;
	for (i = 0; i < n; i++)
		share_one(&sx, &me, &fns[i]);
	return sx.sx_refused;
}

void
share_text(const struct share_item *si, char *buf, size_t len)
{
	const char	*allow;

	if (si->sit_kind == SHAREPOL_IRQ)
		snprintf(buf, len, "INTx line %u shared with %s (%s)",
		    (unsigned int)si->sit_what, si->sit_addr, si->sit_owner);
	else
		snprintf(buf, len, "BAR page 0x%llx shared with %s (%s)",
		    (unsigned long long)si->sit_what, si->sit_addr,
		    si->sit_owner);
	allow = si->sit_kind == SHAREPOL_IRQ ? "shared-irq" : "shared-bar-page";
	switch (si->sit_verdict) {
	case SHAREPOL_ALLOWED:
		share_append(buf, len, " (allowed: allow %s)", allow);
		break;
	case SHAREPOL_HOLD:
		share_append(buf, len, ": given with INTx held off in "
		    "hardware, the guest must use MSI or MSI-X (XSA-461; "
		    "\"allow shared-irq\" gives it INTx)");
		break;
	case SHAREPOL_FREE:
		share_append(buf, len, ": only a guest given both may have "
		    "it (XSA-461)");
		break;
	case SHAREPOL_UNUSED:
		share_append(buf, len, ", whose INTx is off (MSI or MSI-X): "
		    "the line is this device's alone, given with INTx "
		    "(XSA-461)");
		break;
	default:
		share_append(buf, len, " (XSA-461)");
		break;
	}
}

/* What a refusal names: every sharer, per line or page, and the fix. */
struct share_refusal {
	char	sr_text[SHARE_CAUSE_MAX];
	int	sr_what;		/* SHAREPOL_IRQ | SHAREPOL_PAGE */
	char	sr_hold[SHARE_CAUSE_MAX];	/* lines held off */
	char	sr_unused[SHARE_CAUSE_MAX];	/* dom0's, INTx off */
	int	sr_kind;		/* of the last one listed */
	uint64_t sr_last;
};

static void
share_collect(void *arg, const struct share_item *si)
{
	struct share_refusal	*sr = arg;
	size_t			 len = sizeof(sr->sr_text);

	if (si->sit_verdict == SHAREPOL_HOLD)
		share_append(sr->sr_hold, sizeof(sr->sr_hold), "%s%s (%s)",
		    sr->sr_hold[0] != '\0' ? ", " : "", si->sit_addr,
		    si->sit_owner);
	if (si->sit_verdict == SHAREPOL_UNUSED)
		share_append(sr->sr_unused, sizeof(sr->sr_unused),
		    "%s%s (line %u)", sr->sr_unused[0] != '\0' ? ", " : "",
		    si->sit_addr, (unsigned int)si->sit_what);
	if (si->sit_verdict != SHAREPOL_REFUSE)
		return;
	if (sr->sr_what != 0 && sr->sr_kind == si->sit_kind &&
	    sr->sr_last == si->sit_what)
		share_append(sr->sr_text, len, ", %s (%s)", si->sit_addr,
		    si->sit_owner);
	else if (si->sit_kind == SHAREPOL_IRQ)
		share_append(sr->sr_text, len, "%sINTx line %u shared with "
		    "%s (%s)", sr->sr_what ? "; " : "",
		    (unsigned int)si->sit_what, si->sit_addr, si->sit_owner);
	else
		share_append(sr->sr_text, len, "%sBAR page 0x%llx shared "
		    "with %s (%s)", sr->sr_what ? "; " : "",
		    (unsigned long long)si->sit_what, si->sit_addr,
		    si->sit_owner);
	sr->sr_what |= si->sit_kind;
	sr->sr_kind = si->sit_kind;
	sr->sr_last = si->sit_what;
}

/* The one step that allows it, for a refusal's text. */
void
share_fix(struct pcibackd *env, const struct bdf *b, int what, char *buf,
    size_t len)
{
	const struct conf_device	*cd;
	char				 addr[BDF_XL_MAX];

	bdf_format_dev(b, addr, sizeof(addr));
	cd = conf_find_device(env->pb_conf, b);
	sharepol_fix(addr, what, cd != NULL ? cd->cd_file : NULL,
	    cd != NULL ? cd->cd_line : 0, env->pb_conffile, buf, len);
}

/*
 * May hd be given to domid?  0, with *hold (the caller frees it) naming
 * the functions its INTx line is shared with if its INTx must be held
 * off, else NULL; or -1 with the whole reason in *cause (the caller frees it): the
 * advisory, every sharer and the configuration line that allows it.
 * When the host cannot be scanned, it may not: a check that cannot be
 * made is a check failed.
 */
int
share_check(struct pcibackd *env, const struct heldev *hd,
    unsigned int domid, char **hold, char **cause)
{
	struct share_refusal	sr;
	char			fix[256], addr[BDF_XL_MAX];
	int			rc;

	*cause = NULL;
	*hold = NULL;
	memset(&sr, 0, sizeof(sr));
	rc = share_list(env, hd, (int)domid, share_collect, &sr);
	if (rc == 0) {
		if (sr.sr_hold[0] != '\0')
			(void)util_cause(hold, "%s", sr.sr_hold);
		if (sr.sr_unused[0] != '\0') {
			bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
			log_info("dom%u %s: its INTx line is shared only with "
			    "dom0 functions whose INTx is off (MSI or MSI-X): "
			    "%s; given with INTx (XSA-461)", domid, addr,
			    sr.sr_unused);
		}
		return 0;
	}
	if (rc < 0)
		return util_cause(cause, "cannot list the host's PCI functions "
		    "to check that no INTx line or BAR page is shared "
		    "(XSA-461)");
	share_fix(env, &hd->hd_bdf, sr.sr_what, fix, sizeof(fix));
	return util_cause(cause, "%s (XSA-461); to give it anyway, %s",
	    sr.sr_text, fix);
}
