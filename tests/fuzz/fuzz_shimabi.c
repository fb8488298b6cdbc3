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
 * The kernel shim's ABI checks (shim-driver/pcishim_check.c), the only
 * code between an ioctl's argument struct and the hardware.  Each record
 * of the input is an ioctl argument as the daemon (or anyone who can
 * open /dev/pcishim) might pass it; the checks run in the order
 * pcishim_dev.c runs them, and what they accept must satisfy what the
 * module then relies on.  Also the hide= and new_slot parsers (on
 * buffers without a terminating NUL, as sysfs hands them over), the
 * event ring against a model queue, RESET_BUS's rule for each function
 * on the bus, AER_REPLY and when an AER callback waits, and the floor of
 * a RESTRICTed file:
 * built over hostile config bytes, then judging a stream of writes,
 * after which what the floor guards must still hold.
 *
 * Input: records [kind][bytes...] of fixed sizes, until the input ends.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcishim_check.h"

/* The module's own copy: the same file builds in both worlds. */
#include "../../shim-driver/pcishim_check.c"

#define RING_MAX	16
#define FLOOR_MAXW	64

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct input {
	const uint8_t	*p;
	size_t		 n;
};

static int
take(struct input *in, void *buf, size_t len)
{
	if (in->n < len)
		return -1;
	memcpy(buf, in->p, len);
	in->p += len;
	in->n -= len;
	return 0;
}

/* pcishim_copyin: argsz first, at least the first version's size. */
static int
copyin(const void *arg, size_t minsz)
{
	uint32_t	argsz;

	memcpy(&argsz, arg, sizeof(argsz));
	if (pcishim_check_argsz(argsz, minsz) != 0)
		return -1;
	if (argsz < minsz)
		abort();
	if (pcishim_copyout_len(argsz, minsz) > minsz ||
	    pcishim_copyout_len(argsz, minsz) > argsz)
		abort();
	return 0;
}

static void
ioc_cfg(struct input *in)
{
	struct pcishim_cfg	pc;
	uint8_t			big;
	uint32_t		cfgsize;

	if (take(in, &pc, sizeof(pc)) != 0 || take(in, &big, 1) != 0)
		return;
	cfgsize = big & 1 ? PCISHIM_CFG_SIZE_EXP : PCISHIM_CFG_SIZE;
	if (copyin(&pc, sizeof(pc)) != 0 ||
	    pcishim_check_flags(pc.pc_flags, 0) != 0)
		return;
	if (pc.pc_flags != 0)
		abort();
	if (pcishim_check_cfg(pc.pc_offset, pc.pc_size, cfgsize) != 0)
		return;
	/* pci_user_{read,write}_config_* get exactly this. */
	if (pc.pc_size != 1 && pc.pc_size != 2 && pc.pc_size != 4)
		abort();
	if (pc.pc_offset % pc.pc_size != 0 ||
	    (uint64_t)pc.pc_offset + pc.pc_size > cfgsize)
		abort();
}

/*
 * RESET_BUS claims the functions on the bus one by one and stops at the
 * first refusal: a reset that goes ahead reached only held functions that
 * no guest has, that are not bridges and that nothing else was resetting.
 */
static void
ioc_reset_bus(struct input *in, unsigned int nfn)
{
	uint32_t	busfn;
	unsigned int	i;
	int		error = 0;

	for (i = 0; i < nfn && error == 0; i++) {
		if (take(in, &busfn, sizeof(busfn)) != 0)
			return;
		error = pcishim_check_busfn(busfn);
		if (error == 0 && (!(busfn & PCISHIM_BUSFN_HELD) ||
		    (busfn & (PCISHIM_BUSFN_ASSIGNED | PCISHIM_BUSFN_BRIDGE |
		    PCISHIM_BUSFN_BUSY))))
			abort();
		/* Retry only what would be accepted once it is idle. */
		if (error == -EAGAIN &&
		    pcishim_check_busfn(busfn & ~PCISHIM_BUSFN_BUSY) != 0)
			abort();
		if (error != 0 && error != -EBUSY && error != -EAGAIN)
			abort();
	}
}

static void
ioc_devop(struct input *in)
{
	struct pcishim_devop	op;
	uint8_t			which;
	uint32_t		allowed;

	if (take(in, &op, sizeof(op)) != 0 || take(in, &which, 1) != 0)
		return;
	if (which & 2) {
		/* RESET_BUS: no flags, then up to 32 functions. */
		if (copyin(&op, sizeof(op)) != 0 ||
		    pcishim_check_flags(op.pd_flags, 0) != 0)
			return;
		ioc_reset_bus(in, (which >> 2) % 33);
		return;
	}
	allowed = which & 1 ? PCISHIM_EN_DEVICE | PCISHIM_EN_MASTER : 0;
	if (copyin(&op, sizeof(op)) != 0 ||
	    pcishim_check_flags(op.pd_flags, allowed) != 0)
		return;
	if ((op.pd_flags & ~allowed) != 0)
		abort();
}

/*
 * AER_REPLY and the AER rules: a result the check takes is one the
 * module can name; the default is always a result the AER core knows;
 * a callback waits only for a guest's device whose record was taken.
 */
static void
ioc_aer(struct input *in)
{
	struct pcishim_aer_reply	par;
	uint32_t			domid, op, flags;
	uint8_t				delivered;

	if (take(in, &par, sizeof(par)) != 0 ||
	    take(in, &domid, sizeof(domid)) != 0 ||
	    take(in, &op, sizeof(op)) != 0 ||
	    take(in, &delivered, 1) != 0)
		return;
	if (pcishim_aer_default(op) != PCISHIM_AER_RESULT_CAN_RECOVER &&
	    pcishim_aer_default(op) != PCISHIM_AER_RESULT_RECOVERED)
		abort();
	flags = pcishim_aer_evflags(domid, delivered & 1);
	if ((flags & PCISHIM_EVF_REPLY) !=
	    (domid != PCISHIM_DOMID_NONE && (delivered & 1) ?
	    PCISHIM_EVF_REPLY : 0U) || (flags & ~PCISHIM_EVF_REPLY) != 0)
		abort();
	if (copyin(&par, sizeof(par)) != 0 ||
	    pcishim_check_flags(par.par_flags, 0) != 0 ||
	    pcishim_check_aer_result(par.par_result) != 0)
		return;
	if (par.par_flags != 0 || par.par_result < PCISHIM_AER_RESULT_NONE ||
	    par.par_result > PCISHIM_AER_RESULT_NO_AER_DRIVER)
		abort();
}

static void
ioc_assign(struct input *in)
{
	struct pcishim_assign	pa;

	if (take(in, &pa, sizeof(pa)) != 0)
		return;
	if (copyin(&pa, sizeof(pa)) != 0 ||
	    pcishim_check_flags(pa.pa_flags, 0) != 0 ||
	    pcishim_check_domid(pa.pa_domid) != 0)
		return;
	/* Never dom0, never DOMID_NONE or another reserved id. */
	if (pa.pa_domid == 0 || pa.pa_domid > PCISHIM_DOMID_MAX ||
	    pa.pa_domid == PCISHIM_DOMID_NONE)
		abort();
}

static void
ioc_msix(struct input *in)
{
	struct pcishim_msix		pm;
	struct pcishim_msix_entry	ue;
	uint32_t			i;
	uint16_t			narrow;

	if (take(in, &pm, sizeof(pm)) != 0)
		return;
	if (copyin(&pm, sizeof(pm)) != 0 ||
	    pcishim_check_flags(pm.pm_flags, 0) != 0 ||
	    pcishim_check_msix_nvec(pm.pm_nvec) != 0)
		return;
	/* kcalloc(pm_nvec, ...) and copy_from_user of that many: bounded. */
	if (pm.pm_nvec == 0 || pm.pm_nvec > PCISHIM_MSIX_MAX ||
	    (uint64_t)pm.pm_nvec * sizeof(ue) > PCISHIM_MSIX_MAX * sizeof(ue))
		abort();
	for (i = 0; i < pm.pm_nvec; i++) {
		if (take(in, &ue, sizeof(ue)) != 0)
			return;
		if (pcishim_check_msix_entry(ue.me_entry) != 0)
			return;
		/* struct msix_entry keeps the index in 16 bits. */
		narrow = (uint16_t)ue.me_entry;
		if (narrow != ue.me_entry || narrow >= PCISHIM_MSIX_MAX)
			abort();
	}
}

static void
check_slot(const struct pcishim_slot *s, int anyfn)
{
	struct pcishim_slot	again;
	char			buf[32];
	uint32_t		bdf;
	int			n;

	if (s->ps_seg > 0xffff || s->ps_bus > 0xff || s->ps_dev > 0x1f ||
	    (s->ps_fn > 7 && s->ps_fn != PCISHIM_SLOT_ANYFN))
		abort();
	if (!anyfn && s->ps_fn == PCISHIM_SLOT_ANYFN)
		abort();
	bdf = pcishim_slot_bdf(s);
	if (!pcishim_slot_match(s, bdf))
		abort();
	if (s->ps_fn == PCISHIM_SLOT_ANYFN)
		n = snprintf(buf, sizeof(buf), "%04x:%02x:%02x.*", s->ps_seg,
		    s->ps_bus, s->ps_dev);
	else
		n = snprintf(buf, sizeof(buf), "%04x:%02x:%02x.%x", s->ps_seg,
		    s->ps_bus, s->ps_dev, s->ps_fn);
	if (pcishim_parse_slot(buf, (size_t)n, 1, &again) != 0 ||
	    !pcishim_slot_equal(s, &again))
		abort();
}

static void
slot(struct input *in)
{
	struct pcishim_slot	 s;
	uint8_t			 len, anyfn;
	char			*buf;

	if (take(in, &len, 1) != 0 || take(in, &anyfn, 1) != 0)
		return;
	if (in->n < len)
		len = (uint8_t)in->n;
	/* Exactly len bytes: a read past them is an ASan report. */
	if ((buf = malloc(len ? len : 1)) == NULL)
		abort();
	memcpy(buf, in->p, len);
	in->p += len;
	in->n -= len;
	if (pcishim_parse_slot(buf, len, anyfn & 1, &s) == 0)
		check_slot(&s, anyfn & 1);
	free(buf);
}

struct hide {
	int	calls;
	int	fail_at;
};

static int
hide_cb(const struct pcishim_slot *s, void *arg)
{
	struct hide	*h = arg;

	check_slot(s, 1);
	if (++h->calls == h->fail_at)
		return -ENOMEM;
	return 0;
}

static void
hide(struct input *in)
{
	struct hide	 h = { 0, 0 };
	uint8_t		 len, fail;
	char		*buf;
	int		 rc, valid;

	if (take(in, &len, 1) != 0 || take(in, &fail, 1) != 0)
		return;
	if (in->n < len)
		len = (uint8_t)in->n;
	if ((buf = malloc((size_t)len + 1)) == NULL)
		abort();
	memcpy(buf, in->p, len);
	buf[len] = '\0';
	in->p += len;
	in->n -= len;
	valid = pcishim_parse_hide(buf, NULL, NULL) == 0;
	h.fail_at = fail % 8;
	rc = pcishim_parse_hide(buf, hide_cb, &h);
	/* All or nothing: a syntax error anywhere means no slot was added. */
	if (!valid && (rc == 0 || h.calls != 0))
		abort();
	if (valid && h.fail_at == 0 && rc != 0)
		abort();
	if (rc == -ENOMEM && h.calls != h.fail_at)
		abort();
	free(buf);
}

/* The event ring against a queue that cannot be wrong. */
static void
ring(struct input *in)
{
	struct pcishim_event	buf[RING_MAX], ev, model[RING_MAX];
	struct pcishim_ring	rg;
	uint8_t			size, op;
	uint32_t		seq = 0, n = 0, ov = 0;
	int			rc;

	if (take(in, &size, 1) != 0)
		return;
	size = 2 + size % (RING_MAX - 1);
	pcishim_ring_init(&rg, buf, size);
	while (take(in, &op, 1) == 0 && op != 0xff) {
		if (op & 1) {
			memset(&ev, 0, sizeof(ev));
			ev.pe_type = PCISHIM_EV_BOUND;
			ev.pe_seq = ++seq;
			rc = pcishim_ring_push(&rg, &ev);
			if (ov) {
				if (rc != -ENOSPC)
					abort();
			} else if (n + 1 < size) {
				if (rc != 0)
					abort();
				model[n++] = ev;
			} else {
				if (rc != 1)
					abort();
				ev.pe_type = PCISHIM_EV_OVERFLOW;
				model[n++] = ev;
				ov = 1;
			}
		} else {
			rc = pcishim_ring_pop(&rg, &ev);
			if (n == 0) {
				if (rc != -EAGAIN)
					abort();
				continue;
			}
			if (rc != 0 || ev.pe_type != model[0].pe_type ||
			    ev.pe_seq != model[0].pe_seq)
				abort();
			if (ev.pe_type == PCISHIM_EV_OVERFLOW)
				ov = 0;
			memmove(model, model + 1, --n * sizeof(model[0]));
		}
		if (rg.rg_count != n || rg.rg_count > rg.rg_size ||
		    rg.rg_head >= rg.rg_size || (rg.rg_overflow != 0) != ov)
			abort();
	}
}


/* ---- the floor ------------------------------------------------------- */

struct fcfg {
	uint8_t		b[PCISHIM_CFG_SIZE_EXP];
	uint32_t	size;
};

static uint32_t
fget(const struct fcfg *c, uint32_t off, uint32_t size)
{
	uint32_t	i, v = 0;

	for (i = 0; i < size; i++)
		v |= (uint32_t)c->b[off + i] << (8 * i);
	return v;
}

/* The module reads through pci_user_read_config_*: in bounds, aligned. */
static int
fcfg_read(void *arg, uint32_t off, uint32_t size, uint32_t *val)
{
	const struct fcfg	*c = arg;

	if (pcishim_check_cfg(off, size, c->size) != 0)
		abort();
	*val = fget(c, off, size);
	return 0;
}

/* Bytes no allowed write may change, from the floor's ranges and header. */
static void
floor_guarded(const struct pcishim_floor *fl, uint8_t *never, uint8_t *ctl)
{
	const struct pcishim_floor_range	*fr;
	uint32_t				 i, b;

	memset(never, 0, PCISHIM_CFG_SIZE_EXP);
	memset(ctl, 0, PCISHIM_CFG_SIZE_EXP);
	if (fl->fl_hdrtype == 1) {
		for (b = 0x18; b <= 0x1d; b++)
			never[b] = 1;
		for (b = 0x20; b <= 0x33; b++)
			never[b] = 1;
		never[0x3e] = never[0x3f] = 1;
	} else if (fl->fl_hdrtype != 0) {
		for (b = 0x10; b <= 0x3b; b++)
			never[b] = 1;
		never[0x3e] = never[0x3f] = 1;
	}
	if (fl->fl_full)
		for (b = 0x40; b < PCISHIM_CFG_SIZE_EXP; b++)
			never[b] = 1;
	if (fl->fl_nranges > PCISHIM_FLOOR_RANGES)
		abort();
	for (i = 0; i < fl->fl_nranges; i++) {
		fr = &fl->fl_range[i];
		if (fr->fr_len == 0 ||
		    (uint32_t)fr->fr_off + fr->fr_len > PCISHIM_CFG_SIZE_EXP)
			abort();
		for (b = fr->fr_off; b < (uint32_t)fr->fr_off + fr->fr_len; b++) {
			if (fr->fr_rule == PCISHIM_FL_NEVER)
				never[b] = 1;
			else
				ctl[b] = (uint8_t)fr->fr_rule;
		}
	}
}

/*
 * A well-formed standard list (each MSI/MSI-X body ends before the next
 * capability starts): then, independently of the floor's walk, those
 * bodies must be out of reach.
 */
static void
floor_msi_reference(const struct fcfg *c, uint8_t *body)
{
	uint32_t	ptr, id, len, n = 0, prev_end = 0x40;

	memset(body, 0, PCISHIM_CFG_SIZE);
	if (!(c->b[0x06] & 0x10))
		return;
	for (ptr = c->b[0x34] & ~3U; ptr != 0 && n < 48; n++) {
		if (ptr < prev_end || ptr > PCISHIM_CFG_SIZE - 4)
			return;		/* not well formed: no claim */
		id = c->b[ptr];
		if (id == 0xff)
			break;		/* the floor's walk ends here too */
		len = 4;
		if (id == 0x05)
			len = ((c->b[ptr + 2] & 0x80) ? 0x10 : 0x0c) +
			    ((c->b[ptr + 3] & 0x01) ? 8 : 0);
		else if (id == 0x11)
			len = 12;
		if (ptr + len > PCISHIM_CFG_SIZE)
			return;
		prev_end = ptr + len;
		ptr = c->b[ptr + 1] & ~3U;
		if (ptr != 0 && ptr < prev_end)
			return;
	}
	/* Well formed: mark the bodies (the control word aside). */
	n = 0;
	for (ptr = c->b[0x34] & ~3U; ptr != 0 && n < 48; n++) {
		id = c->b[ptr];
		if (id == 0xff)
			break;
		len = id == 0x05 ? ((c->b[ptr + 2] & 0x80) ? 0x10 : 0x0c) +
		    ((c->b[ptr + 3] & 0x01) ? 8 : 0) : id == 0x11 ? 12 : 0;
		for (; len > 0; len--)
			if (len - 1 != 2 && len - 1 != 3)
				body[ptr + len - 1] = 1;
		ptr = c->b[ptr + 1] & ~3U;
	}
}

/* A BAR register holds one of the values the floor lets through. */
static int
floor_bar_ok(const struct pcishim_floor *fl, uint32_t idx, uint32_t v)
{
	return pcishim_floor_bar(fl, idx, v, v) == 0;
}

static void
floor_record(struct input *in)
{
	static uint8_t		 never[PCISHIM_CFG_SIZE_EXP];
	static uint8_t		 ctl[PCISHIM_CFG_SIZE_EXP];
	static uint8_t		 body[PCISHIM_CFG_SIZE];
	static struct fcfg	 c, orig;
	struct pcishim_floor	 fl;
	uint64_t		 res[PCISHIM_NBARS];
	uint32_t		 r32[PCISHIM_NBARS], off, size, val, cur, b;
	uint32_t		 i, nb, n, chg;
	uint16_t		 len;
	uint8_t			 flags, w[7];
	int			 rc, intctl;

	if (take(in, &flags, 1) != 0 || take(in, &len, 2) != 0 ||
	    take(in, r32, sizeof(r32)) != 0)
		return;
	c.size = (flags & 1) ? PCISHIM_CFG_SIZE_EXP : PCISHIM_CFG_SIZE;
	intctl = (flags >> 1) & 1;
	memset(c.b, (flags & 4) ? 0xff : 0x00, sizeof(c.b));
	n = len < c.size ? len : c.size;
	if (n > in->n)
		n = (uint32_t)in->n;
	(void)take(in, c.b, n);
	for (i = 0; i < PCISHIM_NBARS; i++)
		res[i] = r32[i];
	if (pcishim_floor_build(&fl, c.size, res, fcfg_read, &c) != 0)
		abort();	/* reads never fail here */
	floor_guarded(&fl, never, ctl);
	floor_msi_reference(&c, body);
	orig = c;
	nb = fl.fl_hdrtype == 0 ? 6 : fl.fl_hdrtype == 1 ? 2 : 0;
	for (i = 0; i < FLOOR_MAXW && take(in, w, sizeof(w)) == 0 &&
	    w[2] != 0xff; i++) {
		size = 1U << (w[2] % 3);
		off = ((uint32_t)w[0] | (uint32_t)w[1] << 8) % c.size;
		off &= ~(size - 1);
		memcpy(&val, w + 3, 4);
		if (size < 4)
			val &= (1U << (8 * size)) - 1;
		cur = fget(&c, off, size);
		rc = pcishim_floor_check(&fl, off, size, val, cur, intctl);
		if (rc != 0 && rc != -EPERM)
			abort();
		if (rc != 0)
			continue;
		for (b = 0; b < size; b++)
			c.b[off + b] = (uint8_t)(val >> (8 * b));
		/* What the floor guards, after every write it allowed. */
		for (b = 0; b < c.size; b++) {
			if (c.b[b] == orig.b[b])
				continue;
			if (never[b] || (b < PCISHIM_CFG_SIZE && body[b]))
				abort();
			chg = (uint32_t)(c.b[b] ^ orig.b[b]);
			if (ctl[b] && !intctl)
				abort();
			if (ctl[b] && (chg & ~pcishim_floor_ctlbits(ctl[b],
			    (b & 1) ? 1 : 0, 1)))
				abort();
		}
		if ((orig.b[0x04] & ~c.b[0x04] & 0x03) != 0)
			abort();	/* decoding turned off */
		for (b = 0; b < nb; b++)
			if (!floor_bar_ok(&fl, b, fget(&c, 0x10 + 4 * b, 4)))
				abort();
		if (nb != 0 && ((fget(&c, fl.fl_hdrtype ? 0x38 : 0x30, 4) ^
		    fget(&orig, fl.fl_hdrtype ? 0x38 : 0x30, 4)) & 1))
			abort();	/* ROM enable changed */
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input	in = { data, size };
	uint8_t		kind;

	while (take(&in, &kind, 1) == 0) {
		/* Added later: the top kinds, so older seeds keep their sense. */
		if (kind >= 0xf8) {
			ioc_aer(&in);
			continue;
		}
		switch (kind % 8) {
		case 0:
			ioc_cfg(&in);
			break;
		case 1:
			ioc_devop(&in);
			break;
		case 2:
			ioc_assign(&in);
			break;
		case 3:
			ioc_msix(&in);
			break;
		case 4:
			slot(&in);
			break;
		case 5:
			hide(&in);
			break;
		case 6:
			ring(&in);
			break;
		default:
			floor_record(&in);
			break;
		}
	}
	return 0;
}
