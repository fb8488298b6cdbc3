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

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "resetpol.h"

#define RESETPOL_CAP_PTR	0x34
#define RESETPOL_STATUS		0x06
#define RESETPOL_STATUS_CAPS	0x10
#define RESETPOL_CAP_PM		0x01
#define RESETPOL_CAP_SHPC	0x0c
#define RESETPOL_CAP_EXP	0x10
#define RESETPOL_CAP_AF		0x13
#define RESETPOL_PM_NOSOFTRST	0x0008	/* PMCSR */
#define RESETPOL_EXP_DEVCAP_FLR	0x10000000
#define RESETPOL_EXP_FLAGS_SLOT	0x0100	/* slot implemented */
#define RESETPOL_EXP_SLTCAP_HPC	0x0040	/* hot-plug capable */
#define RESETPOL_AF_TP		0x01	/* transactions pending */
#define RESETPOL_AF_FLR		0x02

static const char *const resetpol_names[RESETPOL_NMETHODS] = {
	[RESETPOL_FLR] = "flr",
	[RESETPOL_PM] = "pm",
	[RESETPOL_SLOT] = "slot",
	[RESETPOL_BUS] = "bus",
};

static void	resetpol_say(char *, const char *, ...)
		    __attribute__((__format__(__printf__, 2, 3)));
static void	resetpol_add(char *, const char *, ...)
		    __attribute__((__format__(__printf__, 2, 3)));

static void
resetpol_say(char *buf, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, RESETPOL_TEXT, fmt, ap);
	va_end(ap);
}

/* Append; what does not fit is cut. */
static void
resetpol_add(char *buf, const char *fmt, ...)
{
	size_t	n = strlen(buf);
	va_list	ap;

	if (n + 1 >= RESETPOL_TEXT)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, RESETPOL_TEXT - n, fmt, ap);
	va_end(ap);
}

const char *
resetpol_name(int m)
{
	return m >= 0 && m < RESETPOL_NMETHODS ? resetpol_names[m] : "none";
}

static uint32_t
resetpol_get(const uint8_t *cfg, size_t len, size_t off, size_t size)
{
	uint32_t	v = 0;
	size_t		i;

	if (off + size > len)
		return 0;
	for (i = 0; i < size; i++)
		v |= (uint32_t)cfg[off + i] << (8 * i);
	return v;
}

/* A capability's offset, 0 if absent; a looping list ends the walk. */
static unsigned int
resetpol_cap(const uint8_t *cfg, size_t len, uint8_t id)
{
	unsigned int	off;
	int		n;

	if (!(resetpol_get(cfg, len, RESETPOL_STATUS, 2) &
	    RESETPOL_STATUS_CAPS))
		return 0;
	off = resetpol_get(cfg, len, RESETPOL_CAP_PTR, 1) & 0xfc;
	for (n = 0; n < 48 && off >= 0x40 && off + 2 <= len; n++) {
		if (cfg[off] == id)
			return off;
		off = cfg[off + 1] & 0xfc;
	}
	return 0;
}

void
resetpol_caps(struct resetpol_caps *rc, const uint8_t *cfg, size_t len)
{
	memset(rc, 0, sizeof(*rc));
	if ((rc->rc_exp = resetpol_cap(cfg, len, RESETPOL_CAP_EXP)) != 0)
		rc->rc_devcap = resetpol_get(cfg, len, rc->rc_exp + 4, 4);
	if ((rc->rc_af = resetpol_cap(cfg, len, RESETPOL_CAP_AF)) != 0)
		rc->rc_afcap = (uint8_t)resetpol_get(cfg, len, rc->rc_af + 3,
		    1);
	if ((rc->rc_pm = resetpol_cap(cfg, len, RESETPOL_CAP_PM)) != 0)
		rc->rc_pmcsr = (uint16_t)resetpol_get(cfg, len, rc->rc_pm + 4,
		    2);
}

void
resetpol_own(struct resetpol *rp, const struct resetpol_caps *rc)
{
	memset(rp, 0, sizeof(*rp));
	rp->rp_use = -1;
	if (rc->rc_exp != 0 && (rc->rc_devcap & RESETPOL_EXP_DEVCAP_FLR)) {
		rp->rp_avail[RESETPOL_FLR] = 1;
		resetpol_say(rp->rp_why[RESETPOL_FLR], "in the PCIe "
		    "capability's device capabilities");
	} else if (rc->rc_af != 0 && (rc->rc_afcap & (RESETPOL_AF_TP |
	    RESETPOL_AF_FLR)) == (RESETPOL_AF_TP | RESETPOL_AF_FLR)) {
		rp->rp_avail[RESETPOL_FLR] = 1;
		resetpol_say(rp->rp_why[RESETPOL_FLR], "in the Advanced "
		    "Features capability");
	} else if (rc->rc_exp != 0)
		resetpol_say(rp->rp_why[RESETPOL_FLR], "the PCIe "
		    "capability does not offer it");
	else
		resetpol_say(rp->rp_why[RESETPOL_FLR], "no PCIe capability "
		    "and no Advanced Features FLR");
	if (rc->rc_pm == 0)
		resetpol_say(rp->rp_why[RESETPOL_PM], "no power management "
		    "capability");
	else if (rc->rc_pmcsr & RESETPOL_PM_NOSOFTRST)
		resetpol_say(rp->rp_why[RESETPOL_PM], "the power management "
		    "capability says NoSoftRst: D3hot to D0 keeps its state");
	else {
		rp->rp_avail[RESETPOL_PM] = 1;
		resetpol_say(rp->rp_why[RESETPOL_PM], "D3hot to D0, "
		    "NoSoftRst clear");
	}
	resetpol_say(rp->rp_why[RESETPOL_SLOT], "the host's topology is "
	    "not known");
	resetpol_say(rp->rp_why[RESETPOL_BUS], "the host's topology is "
	    "not known");
}

int
resetpol_hotplug(const uint8_t *cfg, size_t len)
{
	unsigned int	exp;

	if ((exp = resetpol_cap(cfg, len, RESETPOL_CAP_EXP)) == 0)
		return resetpol_cap(cfg, len, RESETPOL_CAP_SHPC) != 0 ? 1 : -1;
	if (!(resetpol_get(cfg, len, exp + 2, 2) & RESETPOL_EXP_FLAGS_SLOT))
		return 0;
	return (resetpol_get(cfg, len, exp + 0x14, 4) &
	    RESETPOL_EXP_SLTCAP_HPC) != 0;
}

static const struct resetpol_fn *
resetpol_parent(const struct bdf *b, const struct resetpol_fn *fns,
    size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (fns[i].rf_bridge && fns[i].rf_bdf.b_seg == b->b_seg &&
		    fns[i].rf_secbus == b->b_bus &&
		    !bdf_equal(&fns[i].rf_bdf, b))
			return &fns[i];
	return NULL;
}

/* Who has another function behind the bridge, for "which ...". */
static void
resetpol_who(char *buf, const struct resetpol_fn *f)
{
	char	addr[BDF_XL_MAX];

	bdf_format_dev(&f->rf_bdf, addr, sizeof(addr));
	if (f->rf_owner >= 0)
		resetpol_add(buf, "%s, which dom%d uses", addr, f->rf_owner);
	else if (f->rf_driver[0] != '\0')
		resetpol_add(buf, "%s, which dom0 uses (driver %s)", addr,
		    f->rf_driver);
	else
		resetpol_add(buf, "%s, which is not held", addr);
}

/*
 * The functions a reset of the parent's secondary bus reaches besides b:
 * those free in pcibackd's hands go to rp_with, the others are named in
 * why.  Returns how many others are not free and held.
 */
static int
resetpol_reach(struct resetpol *rp, const struct bdf *b,
    const struct resetpol_fn *parent, const struct resetpol_fn *fns,
    size_t n, char *why)
{
	const struct resetpol_fn	*f;
	size_t				 i;
	int				 bad = 0;

	rp->rp_nwith = 0;
	for (i = 0; i < n; i++) {
		f = &fns[i];
		if (f->rf_bdf.b_seg != b->b_seg ||
		    f->rf_bdf.b_bus < parent->rf_secbus ||
		    f->rf_bdf.b_bus > parent->rf_subbus ||
		    bdf_equal(&f->rf_bdf, b))
			continue;
		if (f->rf_owner == RESETPOL_FREE && !f->rf_bridge &&
		    rp->rp_nwith < RESETPOL_MAXWITH) {
			rp->rp_with[rp->rp_nwith++] = f->rf_bdf;
			continue;
		}
		resetpol_add(why, "%s", bad++ == 0 ? "" : "; and ");
		if (f->rf_owner == RESETPOL_FREE)
			resetpol_add(why, "more functions than pcibackd resets "
			    "together, ");
		if (f->rf_bridge && f->rf_owner == RESETPOL_FREE)
			resetpol_add(why, "a bridge, ");
		resetpol_who(why, f);
	}
	return bad;
}

static void
resetpol_choose(struct resetpol *rp, char *addrs)
{
	char	br[BDF_XL_MAX];
	int	m;

	bdf_format_dev(&rp->rp_bridge, br, sizeof(br));
	for (m = 0; m < RESETPOL_NMETHODS; m++)
		if (rp->rp_avail[m])
			break;
	switch (m) {
	case RESETPOL_FLR:
		resetpol_say(rp->rp_usewhy, "the device has it, and it "
		    "resets this function alone");
		break;
	case RESETPOL_PM:
		resetpol_say(rp->rp_usewhy, "no FLR; a PM reset resets this "
		    "function alone");
		break;
	case RESETPOL_SLOT:
	case RESETPOL_BUS:
		resetpol_say(rp->rp_usewhy, "no FLR and no PM reset; %s",
		    rp->rp_nwith == 0 ? "it is alone behind " : "");
		if (rp->rp_nwith == 0)
			resetpol_add(rp->rp_usewhy, "bridge %s%s", br,
			    m == RESETPOL_SLOT ? ", reset by its hot-plug slot" :
			    "");
		else {
			rp->rp_coord = 1;
			resetpol_add(rp->rp_usewhy, "pcibackd resets it "
			    "together with %s, which it holds and no guest "
			    "has, by the kernel's %s reset of bridge %s",
			    addrs, resetpol_names[m], br);
		}
		break;
	default:
		m = -1;
		resetpol_say(rp->rp_usewhy, "no FLR, no PM reset, and no bus "
		    "reset it may do: it goes to the next guest unreset");
		break;
	}
	rp->rp_use = m;
}

void
resetpol_bus(struct resetpol *rp, const struct bdf *b,
    const struct resetpol_fn *fns, size_t n)
{
	const struct resetpol_fn	*parent;
	char				 why[RESETPOL_TEXT] = "";
	char				 addrs[RESETPOL_TEXT] = "", a[BDF_XL_MAX];
	char				 br[BDF_XL_MAX];
	size_t				 i;
	int				 bad;

	rp->rp_nwith = 0;
	rp->rp_coord = 0;
	rp->rp_avail[RESETPOL_SLOT] = rp->rp_avail[RESETPOL_BUS] = 0;
	if ((parent = resetpol_parent(b, fns, n)) == NULL) {
		rp->rp_has_bridge = 0;
		resetpol_say(rp->rp_why[RESETPOL_BUS], "%s", b->b_bus == 0 ?
		    "on a root bus: no bridge above it to reset" :
		    "its parent bridge is not among the host's functions");
		resetpol_say(rp->rp_why[RESETPOL_SLOT], "no parent bridge, "
		    "so no slot it could find");
		resetpol_choose(rp, addrs);
		return;
	}
	rp->rp_has_bridge = 1;
	rp->rp_bridge = parent->rf_bdf;
	bdf_format_dev(&parent->rf_bdf, br, sizeof(br));
	bad = resetpol_reach(rp, b, parent, fns, n, why);
	for (i = 0; i < rp->rp_nwith; i++) {
		bdf_format_dev(&rp->rp_with[i], a, sizeof(a));
		resetpol_add(addrs, "%s%s", i == 0 ? "" : ", ", a);
	}
	if (bad != 0) {
		resetpol_say(rp->rp_why[RESETPOL_BUS], "a reset of bridge "
		    "%s's bus would also reset %s", br, why);
	} else {
		rp->rp_avail[RESETPOL_BUS] = 1;
		if (rp->rp_nwith == 0)
			resetpol_say(rp->rp_why[RESETPOL_BUS], "alone behind "
			    "bridge %s", br);
		else
			resetpol_say(rp->rp_why[RESETPOL_BUS], "bridge %s, "
			    "together with %s (held by pcibackd, free)", br,
			    addrs);
	}
	switch (parent->rf_hotplug) {
	case 1:
		if (bad == 0) {
			rp->rp_avail[RESETPOL_SLOT] = 1;
			resetpol_say(rp->rp_why[RESETPOL_SLOT], "the hot-plug "
			    "slot of bridge %s (Linux prefers it to the bus "
			    "reset)", br);
		} else
			resetpol_say(rp->rp_why[RESETPOL_SLOT], "the slot of "
			    "bridge %s reaches what its bus reset does", br);
		break;
	case 0:
		resetpol_say(rp->rp_why[RESETPOL_SLOT], "bridge %s has no "
		    "hot-plug slot", br);
		break;
	default:
		resetpol_say(rp->rp_why[RESETPOL_SLOT], "cannot tell whether "
		    "bridge %s has a hot-plug slot (a conventional PCI "
		    "bridge; only the kernel's hot-plug driver knows)", br);
		break;
	}
	resetpol_choose(rp, addrs);
}
