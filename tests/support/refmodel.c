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
 * The reference model works on bytes: every byte of config space gets a
 * read value and a write rule, header first, then capabilities in list
 * order, then quirks; a byte keeps the first rule it is given.  Nothing
 * here is shared with lib/cfgspace.c on purpose, so the two can disagree.
 */

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "refmodel.h"

#define REFMODEL_CAP_PM		0x01
#define REFMODEL_CAP_VPD	0x03
#define REFMODEL_CAP_MSI	0x05
#define REFMODEL_CAP_MSIX	0x11
#define REFMODEL_ECAP_AER	0x0001
#define REFMODEL_ECAP_ACS	0x000d
#define REFMODEL_ECAP_ATS	0x000f
#define REFMODEL_ECAP_SRIOV	0x0010
#define REFMODEL_ECAP_REBAR	0x0015

static uint16_t
refmodel_hw16(const uint8_t *hw, unsigned int off)
{
	return (uint16_t)(hw[off] | hw[off + 1] << 8);
}

static uint32_t
refmodel_hw32(const uint8_t *hw, unsigned int off)
{
	return (uint32_t)hw[off] | (uint32_t)hw[off + 1] << 8 |
	    (uint32_t)hw[off + 2] << 16 | (uint32_t)hw[off + 3] << 24;
}

/*
 * Give [off, off+len) a write rule.  Bytes that already have one keep it
 * (the first field at an offset wins); returns 1 if every byte was free.
 */
static int
refmodel_mark(struct refmodel *rm, unsigned int off, unsigned int len,
    uint8_t class, uint8_t mask, uint8_t setonly)
{
	struct refmodel_rule	*rr;
	unsigned int		 i;
	int			 all = 1;

	for (i = off; i < off + len; i++) {
		if (i >= rm->rm_size) {
			all = 0;
			break;
		}
		rr = &rm->rm_rule[i];
		if (!rr->rr_nofield) {
			all = 0;
			continue;
		}
		rr->rr_class = class;
		rr->rr_mask = class == REFMODEL_MASK ? mask : 0;
		rr->rr_setonly = class == REFMODEL_MASK ? setonly : 0;
		rr->rr_nofield = 0;
	}
	return all;
}

static int
refmodel_bar_usable(const struct cfgdev_bar *cb)
{
	return cb->cb_size != 0 && (cb->cb_flags & CFGDEV_BAR_HIDDEN) == 0;
}

/* Slot i >= 1 is the upper dword when slot i-1 is a 64-bit memory BAR. */
static int
refmodel_bar_is_upper(const struct refmodel *rm,
    const struct cfgdev_info *ci, unsigned int i)
{
	const struct cfgdev_bar	*lo;

	if (i == 0 || rm->rm_bar[i - 1].rb_upper)
		return 0;
	lo = &ci->ci_bar[i - 1];
	return (lo->cb_flags & CFGDEV_BAR_MEM64) != 0 &&
	    (lo->cb_flags & CFGDEV_BAR_IO) == 0;
}

static void
refmodel_bar_slot(struct refmodel *rm, const uint8_t *hw,
    const struct cfgdev_info *ci, unsigned int i)
{
	struct refmodel_bar	*rb = &rm->rm_bar[i];
	const struct cfgdev_bar	*cb;
	uint32_t		 low;

	rb->rb_reg = 0x10 + 4 * i;
	if (refmodel_bar_is_upper(rm, ci, i)) {
		cb = &ci->ci_bar[i - 1];
		rb->rb_upper = 1;
		rb->rb_sizemask = 0;
		if (!refmodel_bar_usable(cb))
			return;
		rb->rb_present = 1;
		rb->rb_val = (uint32_t)(cb->cb_start >> 32);
		rb->rb_len = (uint32_t)((0 - cb->cb_size) >> 32);
		return;
	}
	cb = &ci->ci_bar[i];
	if (cb->cb_flags & CFGDEV_BAR_IO) {
		rb->rb_sizemask = 0x3;
		low = hw[rb->rb_reg] & 0x3;
	} else {
		rb->rb_sizemask = 0xf;
		low = hw[rb->rb_reg] & 0xf;
	}
	if (!refmodel_bar_usable(cb))
		return;
	rb->rb_present = 1;
	rb->rb_val = (uint32_t)cb->cb_start | low;
	rb->rb_len = (uint32_t)(0 - cb->cb_size) | low;
}

static void
refmodel_bar_rom(struct refmodel *rm, const uint8_t *hw,
    const struct cfgdev_info *ci)
{
	struct refmodel_bar	*rb = &rm->rm_bar[CFGDEV_ROM];
	const struct cfgdev_bar	*cb = &ci->ci_bar[CFGDEV_ROM];
	uint32_t		 low;

	rb->rb_reg = 0x30;
	rb->rb_sizemask = 0x7ff;
	if (!refmodel_bar_usable(cb))
		return;
	/* The enable bit shows as the hardware has it; it is never set. */
	low = hw[rb->rb_reg] & 0x1;
	rb->rb_present = 1;
	rb->rb_val = (uint32_t)cb->cb_start | low;
	rb->rb_len = (uint32_t)(0 - cb->cb_size) | low;
}

static void
refmodel_bars(struct refmodel *rm, const uint8_t *hw,
    const struct cfgdev_info *ci)
{
	const struct refmodel_bar	*rb;
	unsigned int			 i, j;

	for (i = 0; i < CFGDEV_NBARS; i++)
		refmodel_bar_slot(rm, hw, ci, i);
	refmodel_bar_rom(rm, hw, ci);
	for (i = 0; i <= CFGDEV_NBARS; i++) {
		rb = &rm->rm_bar[i];
		for (j = 0; j < 4; j++)
			rm->rm_read[rb->rb_reg + j] =
			    (uint8_t)(rb->rb_val >> (8 * j));
	}
}

/*
 * Command: decoding may only be switched on, and only for the kinds of
 * BAR the device has; bus master and MWI follow the guest.  Permissive
 * adds the other PCI_COMMAND_GUEST bits; INTx-disable needs intx_control.
 */
static void
refmodel_command(struct refmodel *rm, const struct cfgdev_info *ci)
{
	const struct cfgdev_bar	*cb;
	unsigned int		 i;
	uint8_t			 lo, hi, decode = 0;

	for (i = 0; i <= CFGDEV_NBARS; i++) {
		cb = &ci->ci_bar[i];
		if (!refmodel_bar_usable(cb))
			continue;
		decode |= (cb->cb_flags & CFGDEV_BAR_IO) ? 0x01 : 0x02;
	}
	lo = decode | 0x04 | 0x10;
	hi = rm->rm_intx_control ? 0x04 : 0x00;
	if (rm->rm_permissive) {
		lo |= 0x08 | 0x20 | 0x80;
		hi |= 0x02;
	}
	refmodel_mark(rm, 0x04, 1, REFMODEL_MASK, lo, 0x03);
	refmodel_mark(rm, 0x05, 1, REFMODEL_MASK, hi, 0x00);
}

static void
refmodel_header(struct refmodel *rm, const uint8_t *hw,
    const struct cfgdev_info *ci)
{
	refmodel_mark(rm, 0x00, 4, REFMODEL_NEVER, 0, 0);	/* IDs */
	refmodel_command(rm, ci);
	refmodel_mark(rm, 0x0c, 1, REFMODEL_THROUGH, 0, 0);	/* cache line */
	refmodel_mark(rm, 0x0d, 1, REFMODEL_NEVER, 0, 0);	/* latency */
	refmodel_mark(rm, 0x0f, 1, REFMODEL_MASK, 0x40, 0);	/* BIST start */
	refmodel_mark(rm, 0x10, 24, REFMODEL_NEVER, 0, 0);	/* BAR0-5 */
	refmodel_mark(rm, 0x30, 4, REFMODEL_NEVER, 0, 0);	/* ROM */
	refmodel_mark(rm, 0x3c, 2, REFMODEL_NEVER, 0, 0);	/* line, pin */
	refmodel_bars(rm, hw, ci);
	rm->rm_read[0x3c] = (uint8_t)(ci->ci_irq & 0xff);
}

/* The standard list: bounded, and only when Status says there is one. */
static void
refmodel_walk(struct refmodel *rm, const uint8_t *hw)
{
	unsigned int	pos, n;

	if ((hw[0x06] & 0x10) == 0)
		return;
	pos = hw[0x34] & 0xfc;
	for (n = 0; n < REFMODEL_MAXCAPS && pos >= 0x40; n++) {
		if (hw[pos] == 0xff)
			break;
		rm->rm_cap[rm->rm_ncap].rc_off = (uint16_t)pos;
		rm->rm_cap[rm->rm_ncap].rc_id = hw[pos];
		rm->rm_ncap++;
		pos = hw[pos + 1] & 0xfc;
	}
}

static void
refmodel_ewalk(struct refmodel *rm, const uint8_t *hw)
{
	unsigned int	pos = CFGSPACE_CONV_SIZE, n;
	uint32_t	hdr;

	if (rm->rm_size < CFGSPACE_EXT_SIZE)
		return;
	for (n = 0; n < REFMODEL_MAXECAPS; n++) {
		hdr = refmodel_hw32(hw, pos);
		if (hdr == 0 || hdr == 0xffffffff)
			break;
		rm->rm_ecap[rm->rm_necap].rc_off = (uint16_t)pos;
		rm->rm_ecap[rm->rm_necap].rc_id = (uint16_t)(hdr & 0xffff);
		rm->rm_necap++;
		pos = (hdr >> 20) & 0xffc;
		if (pos < CFGSPACE_CONV_SIZE)
			break;
	}
}

static void
refmodel_pm(struct refmodel *rm, unsigned int off)
{
	/* PMC: read with PME_Support (bits 15:11) cleared, never written. */
	if (refmodel_mark(rm, off + 2, 2, REFMODEL_NEVER, 0, 0))
		rm->rm_read[off + 3] &= 0x07;
	/* PMCSR: D-state, Data_Select and PME_Status; never PME_Enable. */
	refmodel_mark(rm, off + 4, 1, REFMODEL_MASK, 0x03, 0);
	refmodel_mark(rm, off + 5, 1, REFMODEL_MASK, 0x9e, 0);
	refmodel_mark(rm, off + 6, 2, REFMODEL_NEVER, 0, 0);
}

static void
refmodel_vpd(struct refmodel *rm, unsigned int off)
{
	/* Read requests pass; the write flag (bit 15) is refused. */
	refmodel_mark(rm, off + 2, 1, REFMODEL_MASK, 0xff, 0);
	refmodel_mark(rm, off + 3, 1, REFMODEL_MASK, 0x7f, 0);
	refmodel_mark(rm, off + 4, 4, REFMODEL_NEVER, 0, 0);
}

/*
 * Message Control of MSI or MSI-X: enable bits only, and only with
 * intx_control.  Permissive does not open it: doc/protocol.md §5.7 lets it
 * through raw, the engine deliberately does not (doc/config-space.md).
 */
static void
refmodel_msgctl(struct refmodel *rm, unsigned int off, uint16_t allowed)
{
	if (!rm->rm_intx_control) {
		refmodel_mark(rm, off, 2, REFMODEL_NEVER, 0, 0);
		return;
	}
	refmodel_mark(rm, off, 1, REFMODEL_MASK, (uint8_t)allowed, 0);
	refmodel_mark(rm, off + 1, 1, REFMODEL_MASK, (uint8_t)(allowed >> 8),
	    0);
}

static void
refmodel_msi(struct refmodel *rm, const uint8_t *hw, unsigned int off)
{
	uint16_t	ctl = refmodel_hw16(hw, off + 2);
	unsigned int	data;

	rm->rm_msictl = off + 2;
	refmodel_msgctl(rm, off + 2, 0x0001);
	refmodel_mark(rm, off + 4, 4, REFMODEL_NEVER, 0, 0);	/* address */
	data = off + 8;
	if (ctl & 0x0080) {
		refmodel_mark(rm, off + 8, 4, REFMODEL_NEVER, 0, 0);
		data = off + 12;
	}
	refmodel_mark(rm, data, 2, REFMODEL_NEVER, 0, 0);
	/* Extended message data: no rule in doc/protocol.md; never in plain. */
	refmodel_mark(rm, data + 2, 2, rm->rm_permissive ? REFMODEL_FREE :
	    REFMODEL_NEVER, 0, 0);
	if (ctl & 0x0100) {
		refmodel_mark(rm, data + 4, 4, REFMODEL_NEVER, 0, 0);	/* mask */
		refmodel_mark(rm, data + 8, 4, REFMODEL_NEVER, 0, 0);	/* pend */
	}
}

/* The four capabilities doc/protocol.md §5.6 gives fields. */
static int
refmodel_known(uint16_t id)
{
	return id == REFMODEL_CAP_PM || id == REFMODEL_CAP_VPD ||
	    id == REFMODEL_CAP_MSI || id == REFMODEL_CAP_MSIX;
}

static void
refmodel_caps(struct refmodel *rm, const uint8_t *hw)
{
	const struct refmodel_cap	*rc;
	size_t				 i;

	for (i = 0; i < rm->rm_ncap; i++) {
		rc = &rm->rm_cap[i];
		if (!refmodel_known(rc->rc_id) ||
		    refmodel_cap(rm, (uint8_t)rc->rc_id) != rc->rc_off) {
			/*
			 * Header of another capability: doc/protocol.md §5.6
			 * has no field for it (raw when permissive), the
			 * engine never writes any header (doc/config-space.md).
			 * Judge neither.
			 */
			refmodel_mark(rm, rc->rc_off, 2, rm->rm_permissive ?
			    REFMODEL_FREE : REFMODEL_NEVER, 0, 0);
			continue;
		}
		refmodel_mark(rm, rc->rc_off, 2, REFMODEL_NEVER, 0, 0);
		switch (rc->rc_id) {
		case REFMODEL_CAP_PM:
			refmodel_pm(rm, rc->rc_off);
			break;
		case REFMODEL_CAP_VPD:
			refmodel_vpd(rm, rc->rc_off);
			break;
		case REFMODEL_CAP_MSI:
			refmodel_msi(rm, hw, rc->rc_off);
			break;
		case REFMODEL_CAP_MSIX:
			/*
			 * Table and PBA offsets (+4..+11): doc/protocol.md §5.6
			 * has no field (raw when permissive); pcibackd
			 * deliberately never writes them, since Xen locates
			 * the table there (XSA-337).  doc/config-space.md
			 * says so.
			 */
			rm->rm_msixctl = rc->rc_off + 2u;
			refmodel_msgctl(rm, rc->rc_off + 2u, 0xc000);
			refmodel_mark(rm, rc->rc_off + 4u, 8, REFMODEL_NEVER,
			    0, 0);
			break;
		}
	}
}

/*
 * The hard floor (issue 10, bug 9): registers that isolation rests on,
 * never written even permissive, never open to a quirk.  From the
 * PCIe Base spec's layouts: SR-IOV control, NumVFs, system page size and
 * the VF BARs; ACS control and its egress control vector; ATS control;
 * Resizable BAR control, one per resizable BAR.
 */
static void
refmodel_floor(struct refmodel *rm, const uint8_t *hw, unsigned int off,
    uint16_t id)
{
	unsigned int	n, i, bits;

	switch (id) {
	case REFMODEL_ECAP_SRIOV:
		refmodel_mark(rm, off + 0x08, 2, REFMODEL_NEVER, 0, 0);
		refmodel_mark(rm, off + 0x10, 2, REFMODEL_NEVER, 0, 0);
		refmodel_mark(rm, off + 0x20, 28, REFMODEL_NEVER, 0, 0);
		break;
	case REFMODEL_ECAP_ACS:
		refmodel_mark(rm, off + 0x06, 2, REFMODEL_NEVER, 0, 0);
		if (!(refmodel_hw16(hw, off + 4) & 0x20))
			break;
		bits = hw[off + 5] == 0 ? 256 : hw[off + 5];
		refmodel_mark(rm, off + 0x08, (bits + 31) / 32 * 4,
		    REFMODEL_NEVER, 0, 0);
		break;
	case REFMODEL_ECAP_ATS:
		refmodel_mark(rm, off + 0x06, 2, REFMODEL_NEVER, 0, 0);
		break;
	case REFMODEL_ECAP_REBAR:
		n = (hw[off + 8] >> 5) & 7;
		n = n < 1 ? 1 : n > 6 ? 6 : n;
		for (i = 0; i < n; i++)
			refmodel_mark(rm, off + 0x08 + 8 * i, 4,
			    REFMODEL_NEVER, 0, 0);
		break;
	}
}

/*
 * Extended capabilities the engine knows (AER, and those with a hard
 * floor): header never written, even permissive; that is pcibackd's
 * choice, stricter than doc/protocol.md, where nothing past 0x100 has
 * a field.  Unknown ones keep the default: dropped, raw when permissive.
 */
static void
refmodel_ecaps(struct refmodel *rm, const uint8_t *hw)
{
	size_t		i;
	uint16_t	id;

	for (i = 0; i < rm->rm_necap; i++) {
		id = rm->rm_ecap[i].rc_id;
		if (id != REFMODEL_ECAP_AER && id != REFMODEL_ECAP_ACS &&
		    id != REFMODEL_ECAP_ATS && id != REFMODEL_ECAP_SRIOV &&
		    id != REFMODEL_ECAP_REBAR)
			continue;
		refmodel_mark(rm, rm->rm_ecap[i].rc_off, 4, REFMODEL_NEVER, 0,
		    0);
		refmodel_floor(rm, hw, rm->rm_ecap[i].rc_off, id);
	}
}

static void
refmodel_quirks(struct refmodel *rm, const struct cfgspace_policy *pol)
{
	const struct cfgspace_quirk	*cq;
	size_t				 i;
	unsigned int			 j, n;

	for (i = 0; i < pol->cp_nquirks; i++) {
		cq = &pol->cp_quirks[i];
		n = cq->cq_size;
		if ((n != 1 && n != 2 && n != 4) || cq->cq_offset % n != 0 ||
		    cq->cq_offset + n > rm->rm_size)
			continue;
		for (j = 0; j < n; j++)
			if (!rm->rm_rule[cq->cq_offset + j].rr_nofield)
				break;
		if (j < n)
			continue;	/* a field is there already */
		for (j = 0; j < n; j++)
			refmodel_mark(rm, cq->cq_offset + j, 1, REFMODEL_MASK,
			    (uint8_t)(cq->cq_mask >> (8 * j)), 0);
	}
}

int
refmodel_init(struct refmodel *rm, const uint8_t *hw,
    const struct cfgdev_info *ci, const struct cfgspace_policy *pol)
{
	unsigned int	i;

	memset(rm, 0, sizeof(*rm));
	if (ci->ci_size != CFGSPACE_CONV_SIZE &&
	    ci->ci_size != CFGSPACE_EXT_SIZE)
		return -1;
	if ((hw[0x0e] & 0x7f) != 0)
		return -1;
	rm->rm_size = ci->ci_size;
	rm->rm_permissive = pol->cp_permissive;
	rm->rm_intx_control = pol->cp_intx_control;
	memcpy(rm->rm_read, hw, rm->rm_size);
	for (i = 0; i < rm->rm_size; i++) {
		rm->rm_rule[i].rr_class = rm->rm_permissive ?
		    REFMODEL_THROUGH : REFMODEL_NEVER;
		rm->rm_rule[i].rr_nofield = 1;
	}
	refmodel_header(rm, hw, ci);
	refmodel_walk(rm, hw);
	refmodel_ewalk(rm, hw);
	refmodel_caps(rm, hw);
	refmodel_ecaps(rm, hw);
	refmodel_quirks(rm, pol);
	return 0;
}

unsigned int
refmodel_cap(const struct refmodel *rm, uint8_t id)
{
	size_t	i;

	for (i = 0; i < rm->rm_ncap; i++)
		if (rm->rm_cap[i].rc_id == id)
			return rm->rm_cap[i].rc_off;
	return 0;
}

unsigned int
refmodel_ecap(const struct refmodel *rm, uint16_t id)
{
	size_t	i;

	for (i = 0; i < rm->rm_necap; i++)
		if (rm->rm_ecap[i].rc_id == id)
			return rm->rm_ecap[i].rc_off;
	return 0;
}

int
refmodel_bar_at(const struct refmodel *rm, unsigned int off)
{
	unsigned int	i;

	for (i = 0; i <= CFGDEV_NBARS; i++)
		if (off >= rm->rm_bar[i].rb_reg &&
		    off < rm->rm_bar[i].rb_reg + 4)
			return (int)i;
	return -1;
}

/* "[ssss:]bb:dd.f", all hex. */
static int
refmodel_parse_bdf(const char *s, struct bdf *b)
{
	unsigned long	 v[4];
	unsigned int	 n = 0;
	const char	*p = s;
	char		*end;

	for (;;) {
		if (n == 4 || !isxdigit((unsigned char)*p))
			return -1;
		v[n++] = strtoul(p, &end, 16);
		p = end;
		if (*p == '\0')
			break;
		if (*p != ':' && *p != '.')
			return -1;
		p++;
	}
	if (n == 3) {
		memmove(&v[1], &v[0], 3 * sizeof(v[0]));
		v[0] = 0;
	} else if (n != 4)
		return -1;
	if (v[0] > 0xffff || v[1] > 0xff || v[2] > 31 || v[3] > 7)
		return -1;
	b->b_seg = (uint16_t)v[0];
	b->b_bus = (uint8_t)v[1];
	b->b_dev = (uint8_t)v[2];
	b->b_fn = (uint8_t)v[3];
	return 0;
}

static int
refmodel_parse_slot(const char *s)
{
	if (strcmp(s, "rom") == 0)
		return CFGDEV_ROM;
	if (s[0] >= '0' && s[0] <= '5' && s[1] == '\0')
		return s[0] - '0';
	return -1;
}

static int
refmodel_parse_size(const char *s, uint64_t *size)
{
	unsigned long long	 v;
	char			*end;

	if (!isxdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 16);
	if (errno != 0 || *end != '\0' || v == 0 || (v & (v - 1)) != 0)
		return -1;
	*size = v;
	return 0;
}

/* One sidecar line: 1 blank or comment, 0 parsed, -1 with *msg. */
static int
refmodel_bars_line(char *line, struct bdf *b, int *slot, uint64_t *size,
    const char **msg)
{
	char	*tok[4], *save = NULL;
	int	 n;

	line[strcspn(line, "#\n")] = '\0';
	for (n = 0; n < 4; n++) {
		tok[n] = strtok_r(n == 0 ? line : NULL, " \t", &save);
		if (tok[n] == NULL)
			break;
	}
	if (n == 0)
		return 1;
	if (n != 3) {
		*msg = "want <bdf> <0-5|rom> <size>";
		return -1;
	}
	if (refmodel_parse_bdf(tok[0], b) == -1) {
		*msg = "bad address";
		return -1;
	}
	if ((*slot = refmodel_parse_slot(tok[1])) == -1) {
		*msg = "bad BAR";
		return -1;
	}
	if (refmodel_parse_size(tok[2], size) == -1) {
		*msg = "size is not a power of two in hex";
		return -1;
	}
	return 0;
}

int
refmodel_bars_read(FILE *f, const char *name, const struct bdf *want,
    uint64_t *sizes, char **cause)
{
	char		 line[256];
	const char	*msg = NULL;
	unsigned int	 lineno = 0;
	struct bdf	 b;
	uint64_t	 size;
	int		 slot, rc;

	memset(sizes, 0, (CFGDEV_NBARS + 1) * sizeof(*sizes));
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		rc = refmodel_bars_line(line, &b, &slot, &size, &msg);
		if (rc == 1)
			continue;
		if (rc == 0 && (b.b_seg != want->b_seg ||
		    b.b_bus != want->b_bus || b.b_dev != want->b_dev ||
		    b.b_fn != want->b_fn))
			continue;
		if (rc == 0 && sizes[slot] != 0) {
			rc = -1;
			msg = "BAR listed twice";
		}
		if (rc == -1)
			goto fail;
		sizes[slot] = size;
	}
	if (ferror(f)) {
		msg = "read error";
		goto fail;
	}
	return 0;
fail:
	if (asprintf(cause, "%s:%u: %s", name, lineno, msg) == -1)
		*cause = NULL;
	return -1;
}

int
refmodel_bars_load(const char *path, const struct bdf *want,
    uint64_t *sizes, char **cause)
{
	FILE	*f;
	int	 rc;

	if ((f = fopen(path, "r")) == NULL) {
		if (asprintf(cause, "%s: %s", path, strerror(errno)) == -1)
			*cause = NULL;
		return -1;
	}
	rc = refmodel_bars_read(f, path, want, sizes, cause);
	fclose(f);
	return rc;
}
