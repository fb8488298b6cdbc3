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

/*
 * Queue ev.  Returns 0 when queued, 1 when an OVERFLOW record was queued
 * in its place, -ENOSPC when dropped behind an unread OVERFLOW record.
 */
int pcishim_ring_push(struct pcishim_ring *rg, const struct pcishim_event *ev)
{
	struct pcishim_event ov = { 0 };

	if (rg->rg_overflow)
		return -ENOSPC;
	if (rg->rg_count + 1 < rg->rg_size) {
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
