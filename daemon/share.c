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
 * shared-bar-page" on the device line accept the risk.
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
#include "util.h"

#define SHARE_PAGE		4096ULL
#define SHARE_PAGE_MASK		(~(SHARE_PAGE - 1))
#define SHARE_INTERRUPT_PIN	0x3d

struct share_ctx {
	struct pcibackd			*sx_env;
	const struct heldev		*sx_hd;
	const struct conf_device	*sx_cd;
	int				 sx_domid;	/* -1: any guest */
	void				(*sx_fn)(void *, int, const char *);
	void				*sx_arg;
	int				 sx_refused;
};

/* A memory BAR the guest could map: assigned, present, not I/O. */
static int
share_mem_bar(const struct cfgdev_bar *cb)
{
	return cb->cb_size != 0 && cb->cb_start != 0 &&
	    (cb->cb_flags & (CFGDEV_BAR_IO | CFGDEV_BAR_HIDDEN)) == 0;
}

/* The first 4 KiB page two BARs both touch; 0 if none. */
static uint64_t
share_page(const struct cfgdev_bar *a, const struct cfgdev_bar *b)
{
	uint64_t	alo, ahi, blo, bhi;

	alo = a->cb_start & SHARE_PAGE_MASK;
	ahi = (a->cb_start + a->cb_size - 1) & SHARE_PAGE_MASK;
	blo = b->cb_start & SHARE_PAGE_MASK;
	bhi = (b->cb_start + b->cb_size - 1) & SHARE_PAGE_MASK;
	if (ahi < blo || bhi < alo)
		return 0;
	return alo > blo ? alo : blo;
}

/* Who has the other function: "dom0", "dom5", "held by pcibackd, free". */
static void
share_owner(struct share_ctx *sx, const struct bdf *b, char *buf,
    size_t len, int *same)
{
	struct heldev	*o;

	*same = 0;
	if ((o = device_find(sx->sx_env, b)) == NULL)
		snprintf(buf, len, "dom0");
	else if (o->hd_owner == -1) {
		/*
		 * Not a conflict when claiming: the guest may be about to
		 * claim it too (one attach, several dev-N), and if another
		 * guest claims it later, that claim is the one refused.
		 */
		*same = sx->sx_domid >= 0;
		snprintf(buf, len, "held by pcibackd, free");
	}
	else {
		*same = sx->sx_domid >= 0 && o->hd_owner == sx->sx_domid;
		snprintf(buf, len, "dom%d", o->hd_owner);
	}
}

static void
share_report(struct share_ctx *sx, int allowed, const char *allow,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
share_report(struct share_ctx *sx, int allowed, const char *allow,
    const char *fmt, ...)
{
	char	text[256];
	va_list	ap;
	size_t	n;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (allowed) {
		n = strlen(text);
		snprintf(text + n, sizeof(text) - n, " (allowed: allow %s)",
		    allow);
	} else
		sx->sx_refused++;
	if (sx->sx_fn != NULL)
		sx->sx_fn(sx->sx_arg, allowed, text);
}

/* Compare the held device with one other function. */
static void
share_one(struct share_ctx *sx, const struct provider_fn *me,
    const struct provider_fn *o)
{
	char		addr[BDF_XL_MAX], owner[48];
	uint64_t	page;
	int		i, j, same;

	if (bdf_equal(&me->pf_bdf, &o->pf_bdf))
		return;
	share_owner(sx, &o->pf_bdf, owner, sizeof(owner), &same);
	if (same)
		return;
	bdf_format_dev(&o->pf_bdf, addr, sizeof(addr));
	if (me->pf_irq != 0 && me->pf_pin != 0 && o->pf_pin != 0 &&
	    o->pf_irq == me->pf_irq)
		share_report(sx, sx->sx_cd != NULL && sx->sx_cd->cd_shared_irq,
		    "shared-irq", "INTx line %u shared with %s (%s)",
		    me->pf_irq, addr, owner);
	for (i = 0; i <= CFGDEV_ROM; i++) {
		if (!share_mem_bar(&me->pf_bar[i]))
			continue;
		for (j = 0; j <= CFGDEV_ROM; j++) {
			if (!share_mem_bar(&o->pf_bar[j]) ||
			    (page = share_page(&me->pf_bar[i],
			    &o->pf_bar[j])) == 0)
				continue;
			share_report(sx, sx->sx_cd != NULL &&
			    sx->sx_cd->cd_shared_page, "shared-bar-page",
			    "BAR page 0x%llx shared with %s (%s)",
			    (unsigned long long)page, addr, owner);
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
 * Every sharing problem of hd for guest domid (-1: any guest, as for a
 * free device), allowed or not, to fn(arg, allowed, text).  Returns how
 * many are not allowed, or -1 if the other functions cannot be listed.
 */
int
share_list(struct pcibackd *env, const struct heldev *hd, int domid,
    void (*fn)(void *, int, const char *), void *arg)
{
	struct share_ctx		 sx;
	struct provider_fn		 me;
	const struct provider_fn	*fns;
	size_t				 n, i;
	uint32_t			 pin = 0;

	memset(&sx, 0, sizeof(sx));
	sx.sx_env = env;
	sx.sx_hd = hd;
	sx.sx_cd = conf_find_device(env->pb_conf, &hd->hd_bdf);
	sx.sx_domid = domid;
	sx.sx_fn = fn;
	sx.sx_arg = arg;
	/* The provider, not the guest's view: no guest counter moves. */
	if (hd->hd_prov->po_cfg->cdo_read(hd->hd_arg, SHARE_INTERRUPT_PIN, 1,
	    &pin) != 0)
		pin = 0;
	share_from_info(&me, &hd->hd_bdf, &hd->hd_info, (uint8_t)pin);
	if (hd->hd_prov->po_functions(hd, &fns, &n) != 0)
		return -1;
	for (i = 0; i < n; i++)
		share_one(&sx, &me, &fns[i]);
	return sx.sx_refused;
}

struct share_first {
	char	*sf_cause;
};

static void
share_keep_first(void *arg, int allowed, const char *text)
{
	struct share_first	*f = arg;

	if (allowed || f->sf_cause != NULL)
		return;
	if ((f->sf_cause = strdup(text)) == NULL)
		fatal("strdup");
}

/*
 * May hd be given to domid?  0, or -1 with the first reason in *cause
 * (the caller frees it).  When the host cannot be scanned, it may not:
 * a check that cannot be made is a check failed.
 */
int
share_check(struct pcibackd *env, const struct heldev *hd,
    unsigned int domid, char **cause)
{
	struct share_first	f = { NULL };
	int			rc;

	*cause = NULL;
	rc = share_list(env, hd, (int)domid, share_keep_first, &f);
	if (rc == 0)
		return 0;
	if (rc < 0) {
		free(f.sf_cause);
		return util_cause(cause, "cannot list the host's PCI functions "
		    "to check that no INTx line or BAR page is shared "
		    "(XSA-461)");
	}
	*cause = f.sf_cause;
	return -1;
}
