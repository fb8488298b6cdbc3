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
 * Validation and parsing shared by the module and the unit tests.  No
 * includes beyond pcishim_check.h: this file must build in both worlds.
 */

#include "pcishim_check.h"

/* Field limits of a BDF as written by the toolstack. */
#define PCISHIM_SEG_MAX		0xffffU
#define PCISHIM_BUS_MAX		0xffU
#define PCISHIM_DEV_MAX		0x1fU
#define PCISHIM_FN_MAX		0x7U
/* More hex digits than any field needs, but enough for leading zeros. */
#define PCISHIM_HEX_DIGITS_MAX	8

/* Callers pass the size of their struct; older (smaller) ones are refused. */
int pcishim_check_argsz(uint32_t argsz, size_t minsz)
{
	if (argsz < minsz)
		return -EINVAL;
	return 0;
}

/* Unknown flags are refused so that they can be given a meaning later. */
int pcishim_check_flags(uint32_t flags, uint32_t known)
{
	if (flags & ~known)
		return -EINVAL;
	return 0;
}

/*
 * A config access is 1, 2 or 4 bytes, naturally aligned (the hardware
 * cannot do better) and inside the function's config space.
 */
int pcishim_check_cfg(uint32_t offset, uint32_t size, uint32_t cfgsize)
{
	if (size != 1 && size != 2 && size != 4)
		return -EINVAL;
	if (offset & (size - 1))
		return -EINVAL;
	if (offset >= cfgsize || cfgsize - offset < size)
		return -ERANGE;
	return 0;
}

/* Dom0 owns every device already; reserved ids are not domains. */
int pcishim_check_domid(uint32_t domid)
{
	if (domid == 0 || domid > PCISHIM_DOMID_MAX)
		return -EINVAL;
	return 0;
}

/*
 * RESET under a live guest would pull the device from under its driver;
 * the guest's reset goes through RELEASE, after the guest has gone.
 */
int pcishim_check_reset(uint32_t domid)
{
	if (domid != PCISHIM_DOMID_NONE)
		return -EBUSY;
	return 0;
}

/*
 * May RESET_BUS reach this function?  Only one the shim holds for no
 * guest: a reset of anything else would take a device from under its
 * driver or its guest.  A busy one is retried (EAGAIN).
 */
int pcishim_check_busfn(uint32_t busfn)
{
	if (!(busfn & PCISHIM_BUSFN_HELD) || (busfn & PCISHIM_BUSFN_ASSIGNED) ||
	    (busfn & PCISHIM_BUSFN_BRIDGE))
		return -EBUSY;
	if (busfn & PCISHIM_BUSFN_BUSY)
		return -EAGAIN;
	return 0;
}

/*
 * Our driver_override stays while the slot is listed, and while a guest
 * has the device even after remove_slot: no other dom0 driver may bind
 * what a guest still uses.
 */
int pcishim_override_keep(int listed, uint32_t domid)
{
	return listed || domid != PCISHIM_DOMID_NONE;
}

int pcishim_check_msix_nvec(uint32_t nvec)
{
	if (nvec == 0 || nvec > PCISHIM_MSIX_MAX)
		return -EINVAL;
	return 0;
}

/*
 * The kernel keeps a table index in 16 bits: check the caller's 32-bit
 * value before it is narrowed, or 0x10000 would silently become entry 0.
 */
int pcishim_check_msix_entry(uint32_t entry)
{
	if (entry >= PCISHIM_MSIX_MAX)
		return -EINVAL;
	return 0;
}

/* Newer callers may pass bigger structs; older ones get what fits. */
size_t pcishim_copyout_len(uint32_t argsz, size_t kernsz)
{
	return argsz < kernsz ? argsz : kernsz;
}

/*
 * RESTRICT is one way: a restricted file never changes domain, and dom0
 * or a reserved id is no guest to confine it to.
 */
int pcishim_check_restrict(uint32_t cur, uint32_t domid)
{
	if (pcishim_check_domid(domid))
		return -EINVAL;
	if (cur != PCISHIM_DOMID_NONE)
		return -EPERM;
	return 0;
}

/* A restricted file reaches only its own domain's devices. */
int pcishim_check_owner(uint32_t restricted, uint32_t owner)
{
	if (restricted != PCISHIM_DOMID_NONE && owner != restricted)
		return -EPERM;
	return 0;
}

/*
 * What a restricted file may call: what serving one guest's ops needs.
 * Anything not listed, including ioctls added later, is refused.
 */
int pcishim_check_restricted_ioc(uint32_t cmd)
{
	switch (cmd) {
	case PCISHIM_IOC_VERSION:
	case PCISHIM_IOC_LIST:
	case PCISHIM_IOC_INFO:
	case PCISHIM_IOC_CFG_READ:
	case PCISHIM_IOC_CFG_MAP:
	case PCISHIM_IOC_CFG_WRITE:
	case PCISHIM_IOC_MSI_ENABLE:
	case PCISHIM_IOC_MSI_DISABLE:
	case PCISHIM_IOC_MSIX_ENABLE:
	case PCISHIM_IOC_MSIX_DISABLE:
		return 0;
	default:
		return -EPERM;
	}
}

/* AER_REPLY carries one of Linux's six recovery results, nothing else. */
int pcishim_check_aer_result(uint32_t result)
{
	if (result < PCISHIM_AER_RESULT_NONE ||
	    result > PCISHIM_AER_RESULT_NO_AER_DRIVER)
		return -EINVAL;
	return 0;
}

/*
 * A callback's result when the daemon gives none: what Linux's own
 * backend returns for a guest that does not answer, so the host's
 * recovery goes on without the guest.  RESUME's result is ignored.
 */
uint32_t pcishim_aer_default(uint32_t op)
{
	if (op == PCISHIM_AER_DETECTED)
		return PCISHIM_AER_RESULT_CAN_RECOVER;
	return PCISHIM_AER_RESULT_RECOVERED;
}

/*
 * Only a guest's device is worth waiting for, and only if a reader got
 * the record: else nobody could answer before the time is up.
 */
uint32_t pcishim_aer_evflags(uint32_t domid, int delivered)
{
	if (domid != PCISHIM_DOMID_NONE && delivered)
		return PCISHIM_EVF_REPLY;
	return 0;
}

/* Config registers and bits the floor knows (PCI 3.0, PCIe 6.0). */
#define FL_COMMAND		0x04
#define FL_CMD_DECODE		0x03	/* I/O and memory space */
#define FL_STATUS		0x06
#define FL_STATUS_CAPLIST	0x10
#define FL_HDRTYPE		0x0e
#define FL_BAR0			0x10
#define FL_CAPPTR		0x34
#define FL_ROM0			0x30	/* type 0 */
#define FL_ROM1			0x38	/* type 1 */
#define FL_ROM_ENABLE		0x1U
#define FL_ROM_ADDR		0xfffff800U
#define FL_BAR_IO		0x1U
#define FL_BAR_TYPE		0x6U
#define FL_BAR_TYPE64		0x4U
#define FL_HDR_END		0x40
#define FL_EXT			0x100
#define FL_EXT_END		0x1000
/*
 * Bounds the walks even on a looping list (each also stops at a revisit).
 * 48 standard capabilities fill 0x40-0xff; a longer extended list than
 * FL_ECAPS_MAX makes the floor refuse every write at 0x40 or above.
 */
#define FL_CAPS_MAX		48
#define FL_ECAPS_MAX		64

#define FL_CAP_MSI		0x05
#define FL_CAP_MSIX		0x11
#define FL_MSI_64BIT		0x0080
#define FL_MSI_MASKABLE		0x0100
#define FL_MSI_ENABLE		0x0001
#define FL_MSIX_ENABLE		0x8000
#define FL_MSIX_MASKALL		0x4000
#define FL_ECAP_ACS		0x000d
#define FL_ECAP_ATS		0x000f
#define FL_ECAP_SRIOV		0x0010
#define FL_ECAP_REBAR		0x0015
#define FL_ACS_EGRESS		0x0020
#define FL_REBAR_MAX		6

/* The command register write turns decoding on: dom0 enables first. */
int pcishim_cmd_enables(uint32_t offset, uint32_t val)
{
	return offset == FL_COMMAND && (val & FL_CMD_DECODE) != 0;
}

static void pcishim_floor_add(struct pcishim_floor *fl, uint32_t off,
			      uint32_t len, uint32_t limit, uint32_t rule)
{
	if (off >= limit || len == 0)
		return;
	if (len > limit - off)
		len = limit - off;
	if (fl->fl_nranges == PCISHIM_FLOOR_RANGES) {
		fl->fl_full = 1;
		return;
	}
	fl->fl_range[fl->fl_nranges].fr_off = (uint16_t)off;
	fl->fl_range[fl->fl_nranges].fr_len = (uint16_t)len;
	fl->fl_range[fl->fl_nranges].fr_rule = rule;
	fl->fl_nranges++;
}

/* MSI: everything but the control word; its length follows the flags. */
static int pcishim_floor_msi(struct pcishim_floor *fl, uint32_t off,
			     uint32_t limit, pcishim_floor_read_t rd,
			     void *arg)
{
	uint32_t ctl, len;
	int error;

	if ((error = rd(arg, off + 2, 2, &ctl)) != 0)
		return error;
	len = (ctl & FL_MSI_64BIT) ? 0x10 : 0x0c;
	if (ctl & FL_MSI_MASKABLE)
		len += 8;
	pcishim_floor_add(fl, off, 2, limit, PCISHIM_FL_NEVER);
	pcishim_floor_add(fl, off + 2, 2, limit, PCISHIM_FL_MSICTL);
	pcishim_floor_add(fl, off + 4, len - 4, limit, PCISHIM_FL_NEVER);
	return 0;
}

static void pcishim_floor_msix(struct pcishim_floor *fl, uint32_t off,
			       uint32_t limit)
{
	pcishim_floor_add(fl, off, 2, limit, PCISHIM_FL_NEVER);
	pcishim_floor_add(fl, off + 2, 2, limit, PCISHIM_FL_MSIXCTL);
	pcishim_floor_add(fl, off + 4, 8, limit, PCISHIM_FL_NEVER);
}

/* ACS control and, when the function has one, the egress vector. */
static int pcishim_floor_acs(struct pcishim_floor *fl, uint32_t off,
			     uint32_t limit, pcishim_floor_read_t rd,
			     void *arg)
{
	uint32_t cap, bits, len = 2;
	int error;

	if ((error = rd(arg, off + 4, 2, &cap)) != 0)
		return error;
	if (cap & FL_ACS_EGRESS) {
		bits = (cap >> 8) & 0xff;
		if (bits == 0)
			bits = 256;
		len += (bits + 31) / 32 * 4;
	}
	pcishim_floor_add(fl, off + 6, len, limit, PCISHIM_FL_NEVER);
	return 0;
}

static void pcishim_floor_sriov(struct pcishim_floor *fl, uint32_t off,
				uint32_t limit)
{
	pcishim_floor_add(fl, off + 0x08, 2, limit, PCISHIM_FL_NEVER);
	pcishim_floor_add(fl, off + 0x10, 2, limit, PCISHIM_FL_NEVER);
	/* System page size and the six VF BARs. */
	pcishim_floor_add(fl, off + 0x20, 0x1c, limit, PCISHIM_FL_NEVER);
}

/* One control register per resizable BAR; the first says how many. */
static int pcishim_floor_rebar(struct pcishim_floor *fl, uint32_t off,
			       uint32_t limit, pcishim_floor_read_t rd,
			       void *arg)
{
	uint32_t ctl, n, i;
	int error;

	if ((error = rd(arg, off + 8, 4, &ctl)) != 0)
		return error;
	n = (ctl >> 5) & 0x7;
	if (n < 1)
		n = 1;
	if (n > FL_REBAR_MAX)
		n = FL_REBAR_MAX;
	for (i = 0; i < n; i++)
		pcishim_floor_add(fl, off + 8 + 8 * i, 4, limit,
				  PCISHIM_FL_NEVER);
	return 0;
}

/* Where the capability at off must end: the next one found, or end. */
static uint32_t pcishim_floor_limit(const uint16_t *offs, uint32_t n,
				    uint32_t off, uint32_t end)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (offs[i] > off && offs[i] < end)
			end = offs[i];
	return end;
}

static int pcishim_floor_std(struct pcishim_floor *fl,
			     pcishim_floor_read_t rd, void *arg)
{
	uint16_t offs[FL_CAPS_MAX];
	uint8_t ids[FL_CAPS_MAX];
	uint32_t v, ptr, n = 0, i, limit;
	int error;

	if ((error = rd(arg, FL_STATUS, 2, &v)) != 0)
		return error;
	if (!(v & FL_STATUS_CAPLIST))
		return 0;
	if ((error = rd(arg, FL_CAPPTR, 1, &v)) != 0)
		return error;
	ptr = v & ~3U;
	while (ptr >= FL_HDR_END && ptr < PCISHIM_CFG_SIZE && n < FL_CAPS_MAX) {
		for (i = 0; i < n && offs[i] != ptr; i++)
			;
		if (i < n)
			break;
		if ((error = rd(arg, ptr, 2, &v)) != 0)
			return error;
		if ((v & 0xff) == 0xff)
			break;
		offs[n] = (uint16_t)ptr;
		ids[n++] = (uint8_t)v;
		ptr = (v >> 8) & ~3U;
	}
	for (i = 0; i < n; i++) {
		limit = pcishim_floor_limit(offs, n, offs[i], PCISHIM_CFG_SIZE);
		if (ids[i] == FL_CAP_MSIX)
			pcishim_floor_msix(fl, offs[i], limit);
		else if (ids[i] == FL_CAP_MSI &&
			 (error = pcishim_floor_msi(fl, offs[i], limit, rd,
						    arg)) != 0)
			return error;
	}
	return 0;
}

static int pcishim_floor_ext(struct pcishim_floor *fl,
			     pcishim_floor_read_t rd, void *arg)
{
	uint16_t offs[FL_ECAPS_MAX];
	uint16_t ids[FL_ECAPS_MAX];
	uint32_t v, ptr = FL_EXT, n = 0, i, limit;
	int error = 0;

	while (ptr >= FL_EXT && ptr < FL_EXT_END && n < FL_ECAPS_MAX) {
		for (i = 0; i < n && offs[i] != ptr; i++)
			;
		if (i < n)
			break;
		if ((error = rd(arg, ptr, 4, &v)) != 0)
			return error;
		if (v == 0 || v == 0xffffffffU)
			break;
		offs[n] = (uint16_t)ptr;
		ids[n++] = (uint16_t)v;
		ptr = (v >> 20) & ~3U;
	}
	if (n == FL_ECAPS_MAX && ptr >= FL_EXT && ptr < FL_EXT_END)
		fl->fl_full = 1;
	for (i = 0; i < n && !error; i++) {
		limit = pcishim_floor_limit(offs, n, offs[i], FL_EXT_END);
		switch (ids[i]) {
		case FL_ECAP_ACS:
			error = pcishim_floor_acs(fl, offs[i], limit, rd, arg);
			break;
		case FL_ECAP_ATS:
			pcishim_floor_add(fl, offs[i] + 6, 2, limit,
					  PCISHIM_FL_NEVER);
			break;
		case FL_ECAP_SRIOV:
			pcishim_floor_sriov(fl, offs[i], limit);
			break;
		case FL_ECAP_REBAR:
			error = pcishim_floor_rebar(fl, offs[i], limit, rd,
						    arg);
			break;
		}
	}
	return error;
}

/* The BAR registers this header type has; the ROM is slot 6. */
static uint32_t pcishim_floor_nbars(const struct pcishim_floor *fl)
{
	return fl->fl_hdrtype == 0 ? 6 : fl->fl_hdrtype == 1 ? 2 : 0;
}

static uint32_t pcishim_floor_rom(const struct pcishim_floor *fl)
{
	return fl->fl_hdrtype == 0 ? FL_ROM0 : fl->fl_hdrtype == 1 ? FL_ROM1 :
	    0;
}

/*
 * Called at ASSIGN, before the guest can touch the device: the BARs as
 * dom0 left them and where its capabilities are.  res[] is each BAR's
 * start as dom0's kernel has it (INFO's pb_start; 0: none).
 */
int pcishim_floor_build(struct pcishim_floor *fl, uint32_t cfgsize,
			const uint64_t res[PCISHIM_NBARS],
			pcishim_floor_read_t rd, void *arg)
{
	uint64_t start;
	uint32_t v, i, n, upper = 0;
	int error;

	*fl = (struct pcishim_floor){ 0 };
	if ((error = rd(arg, FL_HDRTYPE, 1, &v)) != 0)
		return error;
	fl->fl_hdrtype = v & 0x7f;
	n = pcishim_floor_nbars(fl);
	for (i = 0; i < n; i++) {
		if ((error = rd(arg, FL_BAR0 + 4 * i, 4, &fl->fl_bar[i])) != 0)
			return error;
		/* The upper half of a 64-bit BAR holds its start's top. */
		start = upper ? res[i - 1] : res[i];
		if (start != 0) {
			fl->fl_res[i] = (uint32_t)(upper ? start >> 32 : start);
			fl->fl_resmask |= 1U << i;
		}
		v = fl->fl_bar[i];
		upper = !upper && !(v & FL_BAR_IO) &&
		    (v & FL_BAR_TYPE) == FL_BAR_TYPE64;
	}
	if (n != 0) {
		error = rd(arg, pcishim_floor_rom(fl), 4,
			   &fl->fl_bar[PCISHIM_NBARS - 1]);
		if (error)
			return error;
		fl->fl_res[PCISHIM_NBARS - 1] = (uint32_t)res[PCISHIM_NBARS - 1];
		if (res[PCISHIM_NBARS - 1] != 0)
			fl->fl_resmask |= 1U << (PCISHIM_NBARS - 1);
	}
	if ((error = pcishim_floor_std(fl, rd, arg)) != 0)
		return error;
	if (cfgsize > PCISHIM_CFG_SIZE)
		error = pcishim_floor_ext(fl, rd, arg);
	return error;
}

static int pcishim_overlaps(uint32_t a, uint32_t alen, uint32_t b,
			    uint32_t blen)
{
	return a < b + blen && b < a + alen;
}

/* Is BAR slot idx the upper half of a 64-bit BAR in the slot below? */
static int pcishim_floor_upper(const struct pcishim_floor *fl, uint32_t idx)
{
	uint32_t i, v;
	int upper = 0;

	for (i = 0; i < idx; i++) {
		v = fl->fl_bar[i];
		upper = !upper && !(v & FL_BAR_IO) &&
		    (v & FL_BAR_TYPE) == FL_BAR_TYPE64;
	}
	return upper;
}

/*
 * The BAR register at slot idx, or -1: whole 4-byte writes only, of
 * all ones (sizing) or of where it was (restoring); the ROM's enable
 * bit stays as it is.
 */
static int pcishim_floor_bar(const struct pcishim_floor *fl, uint32_t idx,
			     uint32_t val, uint32_t cur)
{
	uint32_t mask, res = fl->fl_resmask & (1U << idx);

	if (idx == PCISHIM_NBARS - 1) {
		if ((val ^ cur) & FL_ROM_ENABLE)
			return -EPERM;
		mask = FL_ROM_ADDR;
	} else if (pcishim_floor_upper(fl, idx)) {
		mask = 0xffffffffU;
	} else {
		mask = (fl->fl_bar[idx] & FL_BAR_IO) ? ~0x3U : ~0xfU;
	}
	if ((val & mask) == mask ||
	    (val & mask) == (fl->fl_bar[idx] & mask) ||
	    (res && (val & mask) == (fl->fl_res[idx] & mask)))
		return 0;
	return -EPERM;
}

/* Header bytes a restricted file never writes, by header type. */
static int pcishim_floor_hdr_never(const struct pcishim_floor *fl,
				   uint32_t b)
{
	if (b >= FL_HDR_END)
		return 0;
	if (fl->fl_hdrtype == 0)
		return 0;
	if (fl->fl_hdrtype == 1)
		return (b >= 0x18 && b <= 0x1d) || (b >= 0x20 && b <= 0x33) ||
		    b >= 0x3e;
	return (b >= FL_BAR0 && b <= 0x3b) || b >= 0x3e;
}

/* The bits of one byte of a control word that may change. */
static uint32_t pcishim_floor_ctlbits(uint32_t rule, uint32_t k, int intctl)
{
	uint32_t bits = 0;

	if (intctl && rule == PCISHIM_FL_MSICTL)
		bits = FL_MSI_ENABLE;
	else if (intctl && rule == PCISHIM_FL_MSIXCTL)
		bits = FL_MSIX_ENABLE | FL_MSIX_MASKALL;
	return (bits >> (8 * k)) & 0xff;
}

/* One byte b of a write: its new value vb, the device's cb. */
static int pcishim_floor_byte(const struct pcishim_floor *fl, uint32_t b,
			      uint32_t vb, uint32_t cb, int intctl)
{
	const struct pcishim_floor_range *fr;
	uint32_t i;

	if (b == FL_COMMAND)
		return (cb & ~vb & FL_CMD_DECODE) ? -EPERM : 0;
	if (pcishim_floor_hdr_never(fl, b))
		return -EPERM;
	if (b >= FL_HDR_END && fl->fl_full)
		return -EPERM;
	for (i = 0; i < fl->fl_nranges; i++) {
		fr = &fl->fl_range[i];
		if (b < fr->fr_off || b >= (uint32_t)fr->fr_off + fr->fr_len)
			continue;
		if (fr->fr_rule == PCISHIM_FL_NEVER)
			return -EPERM;
		if ((vb ^ cb) & ~pcishim_floor_ctlbits(fr->fr_rule,
						       b - fr->fr_off, intctl))
			return -EPERM;
	}
	return 0;
}

/* The BAR slot (ROM: 6) whose register overlaps the write, or -1. */
static int pcishim_floor_barslot(const struct pcishim_floor *fl,
				 uint32_t offset, uint32_t size)
{
	uint32_t i, n = pcishim_floor_nbars(fl);

	for (i = 0; i < n; i++)
		if (pcishim_overlaps(offset, size, FL_BAR0 + 4 * i, 4))
			return (int)i;
	if (n != 0 && pcishim_overlaps(offset, size, pcishim_floor_rom(fl), 4))
		return PCISHIM_NBARS - 1;
	return -1;
}

/*
 * Does checking this write need the device's current value (the caller
 * then reads the same offset and size): the command register, the ROM
 * BAR and the MSI control words are judged by what changes.
 */
int pcishim_floor_needs_cur(const struct pcishim_floor *fl, uint32_t offset,
			    uint32_t size)
{
	uint32_t i;

	if (pcishim_overlaps(offset, size, FL_COMMAND, 1))
		return 1;
	if (pcishim_floor_barslot(fl, offset, size) == PCISHIM_NBARS - 1)
		return 1;
	for (i = 0; i < fl->fl_nranges; i++)
		if (fl->fl_range[i].fr_rule != PCISHIM_FL_NEVER &&
		    pcishim_overlaps(offset, size, fl->fl_range[i].fr_off,
				     fl->fl_range[i].fr_len))
			return 1;
	return 0;
}

/*
 * The floor (pcishim_io.h): 0 if a restricted file may write val, of
 * size bytes at offset (checked by pcishim_check_cfg), over cur (what
 * the device has there; only looked at where pcishim_floor_needs_cur
 * says), else -EPERM.  intctl: the toolstack's allow_interrupt_control.
 */
int pcishim_floor_check(const struct pcishim_floor *fl, uint32_t offset,
			uint32_t size, uint32_t val, uint32_t cur, int intctl)
{
	uint32_t k;
	int slot;

	slot = pcishim_floor_barslot(fl, offset, size);
	if (slot >= 0) {
		if (size != 4)
			return -EPERM;
		return pcishim_floor_bar(fl, (uint32_t)slot, val, cur);
	}
	for (k = 0; k < size; k++)
		if (pcishim_floor_byte(fl, offset + k, (val >> (8 * k)) & 0xff,
				       (cur >> (8 * k)) & 0xff, intctl))
			return -EPERM;
	return 0;
}

static int pcishim_isspace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int pcishim_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Read one hex field at *pos, up to end; the caller checks its range. */
static int pcishim_hexfield(const char *s, size_t end, size_t *pos,
			    uint32_t *val)
{
	size_t n = 0;
	uint32_t v = 0;
	int d;

	while (*pos < end && (d = pcishim_hexval(s[*pos])) >= 0) {
		if (++n > PCISHIM_HEX_DIGITS_MAX)
			return -EINVAL;
		v = v << 4 | (uint32_t)d;
		(*pos)++;
	}
	if (n == 0)
		return -EINVAL;
	*val = v;
	return 0;
}

/*
 * Parse "DDDD:BB:DD.F" or "BB:DD.F" (segment 0), with "*" for F when
 * allow_anyfn is set.  Surrounding white space (sysfs writes often end in
 * a newline) is ignored; anything else is -EINVAL.
 */
int pcishim_parse_slot(const char *s, size_t len, int allow_anyfn,
		       struct pcishim_slot *slot)
{
	uint32_t f[3], fn;
	size_t pos = 0, end = len;
	int nf = 0;

	while (pos < end && pcishim_isspace(s[pos]))
		pos++;
	while (end > pos && (pcishim_isspace(s[end - 1]) || s[end - 1] == '\0'))
		end--;
	for (;;) {
		if (nf == 3 || pcishim_hexfield(s, end, &pos, &f[nf]) != 0)
			return -EINVAL;
		nf++;
		if (pos >= end)
			return -EINVAL;
		if (s[pos] == '.')
			break;
		if (s[pos] != ':')
			return -EINVAL;
		pos++;
	}
	if (nf < 2)
		return -EINVAL;
	pos++;
	if (pos + 1 != end)
		return -EINVAL;
	if (s[pos] == '*') {
		if (!allow_anyfn)
			return -EINVAL;
		fn = PCISHIM_SLOT_ANYFN;
	} else {
		if (pcishim_hexval(s[pos]) < 0)
			return -EINVAL;
		fn = (uint32_t)pcishim_hexval(s[pos]);
		if (fn > PCISHIM_FN_MAX)
			return -EINVAL;
	}
	slot->ps_seg = nf == 3 ? f[0] : 0;
	slot->ps_bus = f[nf - 2];
	slot->ps_dev = f[nf - 1];
	slot->ps_fn = fn;
	if (slot->ps_seg > PCISHIM_SEG_MAX || slot->ps_bus > PCISHIM_BUS_MAX ||
	    slot->ps_dev > PCISHIM_DEV_MAX)
		return -EINVAL;
	return 0;
}

/* One pass over "(slot)(slot)..."; cb may be NULL to only validate. */
static int pcishim_hide_pass(const char *s,
			     int (*cb)(const struct pcishim_slot *, void *),
			     void *arg)
{
	struct pcishim_slot slot;
	size_t pos = 0, close;
	int error;

	for (;;) {
		while (s[pos] != '\0' && pcishim_isspace(s[pos]))
			pos++;
		if (s[pos] == '\0')
			return 0;
		if (s[pos] != '(')
			return -EINVAL;
		for (close = pos + 1; s[close] != ')'; close++)
			if (s[close] == '\0' || s[close] == '(')
				return -EINVAL;
		error = pcishim_parse_slot(s + pos + 1, close - pos - 1, 1,
					   &slot);
		if (error)
			return error;
		if (cb != NULL && (error = cb(&slot, arg)) != 0)
			return error;
		pos = close + 1;
	}
}

/*
 * Parse the hide= module parameter, "(DDDD:BB:DD.F)(BB:DD.*)...", calling
 * cb for each slot.  The whole string is checked first, so a syntax error
 * anywhere means cb is never called.  NULL and "" hold nothing.
 */
int pcishim_parse_hide(const char *s,
		       int (*cb)(const struct pcishim_slot *slot, void *arg),
		       void *arg)
{
	int error;

	if (s == NULL)
		return 0;
	error = pcishim_hide_pass(s, NULL, NULL);
	if (error || cb == NULL)
		return error;
	return pcishim_hide_pass(s, cb, arg);
}

int pcishim_slot_match(const struct pcishim_slot *slot, uint32_t bdf)
{
	if (slot->ps_seg != PCISHIM_BDF_SEG(bdf) ||
	    slot->ps_bus != PCISHIM_BDF_BUS(bdf) ||
	    slot->ps_dev != PCISHIM_BDF_DEV(bdf))
		return 0;
	return slot->ps_fn == PCISHIM_SLOT_ANYFN ||
	    slot->ps_fn == PCISHIM_BDF_FN(bdf);
}

int pcishim_slot_equal(const struct pcishim_slot *a,
		       const struct pcishim_slot *b)
{
	return a->ps_seg == b->ps_seg && a->ps_bus == b->ps_bus &&
	    a->ps_dev == b->ps_dev && a->ps_fn == b->ps_fn;
}

/* The BDF of a slot; function 0 stands for a ".*" slot. */
uint32_t pcishim_slot_bdf(const struct pcishim_slot *slot)
{
	uint32_t fn = slot->ps_fn == PCISHIM_SLOT_ANYFN ? 0 : slot->ps_fn;

	return PCISHIM_BDF(slot->ps_seg, slot->ps_bus, slot->ps_dev, fn);
}

void pcishim_ring_init(struct pcishim_ring *rg, struct pcishim_event *buf,
		       uint32_t size)
{
	rg->rg_buf = buf;
	rg->rg_size = size;
	rg->rg_head = 0;
	rg->rg_count = 0;
	rg->rg_overflow = 0;
}

static void pcishim_ring_put(struct pcishim_ring *rg,
			     const struct pcishim_event *ev)
{
	rg->rg_buf[(rg->rg_head + rg->rg_count) % rg->rg_size] = *ev;
	rg->rg_count++;
}

/* Would the next push queue the record itself (not OVERFLOW, not drop)? */
int pcishim_ring_room(const struct pcishim_ring *rg)
{
	return !rg->rg_overflow && rg->rg_count + 1 < rg->rg_size;
}

/*
 * Queue ev.  Returns 0 when queued, 1 when an OVERFLOW record was queued
 * in its place, -ENOSPC when dropped behind an unread OVERFLOW record.
 */
int pcishim_ring_push(struct pcishim_ring *rg, const struct pcishim_event *ev)
{
	struct pcishim_event ov = { 0 };

	if (rg->rg_overflow)
		return -ENOSPC;
	if (pcishim_ring_room(rg)) {
		pcishim_ring_put(rg, ev);
		return 0;
	}
	ov.pe_type = PCISHIM_EV_OVERFLOW;
	ov.pe_seq = ev->pe_seq;
	pcishim_ring_put(rg, &ov);
	rg->rg_overflow = 1;
	return 1;
}

/* Take the oldest record; -EAGAIN when empty. */
int pcishim_ring_pop(struct pcishim_ring *rg, struct pcishim_event *ev)
{
	if (rg->rg_count == 0)
		return -EAGAIN;
	*ev = rg->rg_buf[rg->rg_head];
	rg->rg_head = (rg->rg_head + 1) % rg->rg_size;
	rg->rg_count--;
	if (ev->pe_type == PCISHIM_EV_OVERFLOW)
		rg->rg_overflow = 0;
	return 0;
}
