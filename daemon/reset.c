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
 * Which reset a held device really has: the I/O around lib/resetpol.c.
 * Its own methods' registers are read once, when it is held; who has the
 * functions a bus reset would reach changes all the time, so the bus
 * part is worked out when asked (explain, a give-back).
 */

#include <stdlib.h>
#include <string.h>

#include "pcibackd.h"
#include "provider.h"

#define RESET_CAP_PM	0x01
#define RESET_CAP_EXP	0x10
#define RESET_CAP_AF	0x13

static uint32_t
reset_read(struct heldev *hd, unsigned int off, unsigned int size)
{
	uint32_t	v = 0;

	/* The provider, not the guest's view: no guest counter moves. */
	if (hd->hd_prov->po_cfg->cdo_read(hd->hd_arg, off, size, &v) != 0)
		return 0;
	return v;
}

void
reset_caps(struct heldev *hd)
{
	struct resetpol_caps	*rc = &hd->hd_resetcaps;
	struct cfgspace		*cs = hd->hd_pciop.pd_cs;

	memset(rc, 0, sizeof(*rc));
	if ((rc->rc_exp = cfgspace_cap(cs, RESET_CAP_EXP)) != 0)
		rc->rc_devcap = reset_read(hd, rc->rc_exp + 4, 4);
	if ((rc->rc_af = cfgspace_cap(cs, RESET_CAP_AF)) != 0)
		rc->rc_afcap = (uint8_t)reset_read(hd, rc->rc_af + 3, 1);
	if ((rc->rc_pm = cfgspace_cap(cs, RESET_CAP_PM)) != 0)
		rc->rc_pmcsr = (uint16_t)reset_read(hd, rc->rc_pm + 4, 2);
}

static void
reset_fn(struct pcibackd *env, const struct provider_fn *pf,
    struct resetpol_fn *rf)
{
	const struct heldev	*o;

	memset(rf, 0, sizeof(*rf));
	rf->rf_bdf = pf->pf_bdf;
	rf->rf_bridge = pf->pf_bridge;
	rf->rf_secbus = pf->pf_secbus;
	rf->rf_subbus = pf->pf_subbus;
	rf->rf_hotplug = pf->pf_hotplug;
	if ((o = device_find(env, &pf->pf_bdf)) != NULL) {
		rf->rf_owner = o->hd_owner >= 0 ? o->hd_owner : RESETPOL_FREE;
		return;
	}
	rf->rf_owner = RESETPOL_UNHELD;
	/* Bound to the shim but released by pcibackctl: nobody uses it. */
	if (strcmp(pf->pf_driver, "pciback") != 0)
		memcpy(rf->rf_driver, pf->pf_driver, sizeof(rf->rf_driver));
}

int
reset_plan(struct pcibackd *env, const struct heldev *hd,
    struct resetpol *rp)
{
	const struct provider_fn	*fns;
	struct resetpol_fn		*rfs;
	size_t				 n, i;

	resetpol_own(rp, &hd->hd_resetcaps);
	if (hd->hd_prov->po_functions(hd, &fns, &n) != 0)
		return -1;
	if ((rfs = calloc(n + 1, sizeof(*rfs))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		reset_fn(env, &fns[i], &rfs[i]);
	resetpol_bus(rp, &hd->hd_bdf, rfs, n);
	free(rfs);
	return 0;
}
