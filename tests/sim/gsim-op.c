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
 * The shared page as the Linux frontend drives it (doc/protocol.md §3.4):
 * one op at a time, bit 0 set atomically, notify, then poll the channel
 * until the bit clears; a deadline of 2 s checked only after each poll
 * returns, and on expiry the frontend clears the bit itself.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gsim.h"
#include "guest.h"

/* Linux's pci_ers_result_t RECOVERED, the answer of a guest that copes. */
#define GSIM_AER_RECOVERED	5

static uint32_t
gsim_flags(struct gsim *gs)
{
	return __atomic_load_n(&gs->gs_sh->flags, __ATOMIC_ACQUIRE);
}

int
gsim_page_alloc(struct gsim *gs)
{
	int	port;

	gs->gs_sh = xensim_guest_grant(gs->gs_guest, &gs->gs_gref);
	if (gs->gs_sh == NULL)
		return -errno;
	memset(gs->gs_sh, 0, sizeof(*gs->gs_sh));
	/* Linux always offers AER handling; xpci never does. */
	if (!gs->gs_netbsd && !gs->gs_aer_noflag)
		__atomic_fetch_or(&gs->gs_sh->flags, XEN_PCIB_AERHANDLER,
		    __ATOMIC_SEQ_CST);
	port = xensim_guest_alloc_unbound(gs->gs_guest, gs->gs_beid);
	if (port < 0) {
		gsim_page_free(gs);
		return port;
	}
	gs->gs_port = port;
	return 0;
}

void
gsim_page_free(struct gsim *gs)
{
	if (gs->gs_port > 0)
		(void)xensim_guest_close_port(gs->gs_guest,
		    (unsigned int)gs->gs_port);
	gs->gs_port = 0;
	if (gs->gs_sh != NULL)
		(void)xensim_guest_ungrant(gs->gs_guest, gs->gs_gref,
		    gs->gs_sh);
	gs->gs_sh = NULL;
}

/*
 * A backend AER request (bit 2): as pcifront does, the answer in
 * aer_op.err ("recovered" unless told otherwise), bit 2 cleared, then
 * the event.  --hostile aer-never keeps it unanswered.
 */
int
gsim_aer_poll(struct gsim *gs)
{
	if (gs->gs_sh == NULL || (gsim_flags(gs) & XEN_PCIB_active) == 0) {
		gs->gs_aer_seen = 0;
		return 0;
	}
	if (!gs->gs_aer_seen)
		memcpy(&gs->gs_aer_last, &gs->gs_sh->aer_op,
		    sizeof(gs->gs_aer_last));
	gs->gs_aer_seen = 1;
	if (gs->gs_aer_never)
		return 0;
	if (gs->gs_aer_nanswer == 0)
		gs->gs_sh->aer_op.err = GSIM_AER_RECOVERED;
	else
		gs->gs_sh->aer_op.err = (int32_t)gs->gs_aer_answer[
		    gs->gs_aer < gs->gs_aer_nanswer ? gs->gs_aer :
		    gs->gs_aer_nanswer - 1];
	__atomic_fetch_and(&gs->gs_sh->flags, ~(uint32_t)XEN_PCIB_active,
	    __ATOMIC_SEQ_CST);
	(void)xensim_guest_notify(gs->gs_guest, (unsigned int)gs->gs_port);
	gs->gs_aer_seen = 0;
	gs->gs_aer++;
	return 1;
}

/* Forget events already delivered: Linux clears the pending bit first. */
static void
gsim_drain(struct gsim *gs)
{
	while (xensim_guest_wait(gs->gs_guest, 0) >= 0)
		continue;
}

void
gsim_op_post(struct gsim *gs, const struct xen_pci_op *op)
{
	memcpy(&gs->gs_sh->op, op, sizeof(*op));
	__atomic_fetch_or(&gs->gs_sh->flags, XEN_PCIF_active,
	    __ATOMIC_SEQ_CST);
	(void)xensim_guest_notify(gs->gs_guest, (unsigned int)gs->gs_port);
}

/*
 * Wait for the backend to clear bit 0; deadline_ms 0 means the Linux
 * rule.  0, or -ETIMEDOUT with err set as Linux does (dev_not_found).
 */
int
gsim_op_wait(struct gsim *gs, struct xen_pci_op *op, long deadline_ms)
{
	long	start = gsim_now_ms(), limit;
	int	rc;

	limit = deadline_ms > 0 ? deadline_ms : GSIM_OP_DEADLINE_MS;
	if (gs->gs_netbsd && deadline_ms == 0)
		limit = GSIM_NB_OP_MS;
	while (gsim_flags(gs) & XEN_PCIF_active) {
		rc = xensim_guest_wait(gs->gs_guest, gs->gs_netbsd ? 100 :
		    GSIM_OP_POLL_MS);
		if (rc < 0 && rc != -ETIMEDOUT)
			fprintf(stderr, "gsim dom%u: wait: %s\n",
			    gs->gs_domid, strerror(-rc));
		/* Linux looks at the clock, not at the bit, after a poll. */
		if (gsim_now_ms() - start > limit) {
			__atomic_fetch_and(&gs->gs_sh->flags,
			    ~(uint32_t)XEN_PCIF_active, __ATOMIC_SEQ_CST);
			gs->gs_timeouts++;
			op->err = XEN_PCI_ERR_dev_not_found;
			fprintf(stderr, "gsim dom%u: pciback not responding "
			    "(op %u)\n", gs->gs_domid, op->cmd);
			return -ETIMEDOUT;
		}
	}
	gsim_aer_poll(gs);
	memcpy(op, &gs->gs_sh->op, sizeof(*op));
	return 0;
}

int
gsim_op(struct gsim *gs, struct xen_pci_op *op)
{
	if (gs->gs_sh == NULL) {
		op->err = XEN_PCI_ERR_dev_not_found;
		return -ENOTCONN;
	}
	gsim_drain(gs);
	gsim_op_post(gs, op);
	gs->gs_ops++;
	return gsim_op_wait(gs, op, 0);
}

void
gsim_op_conf(struct xen_pci_op *op, uint32_t cmd, uint16_t seg, uint8_t bus,
    unsigned int devfn, int off, int size, uint32_t val)
{
	memset(op, 0, sizeof(*op));
	op->cmd = cmd;
	op->domain = seg;
	op->bus = bus;
	op->devfn = devfn;
	op->offset = off;
	op->size = size;
	op->value = val;
}

/* op.err (0 or negative); *val gets op.value. */
int
gsim_conf_read(struct gsim *gs, const struct gsim_dev *gd, int off,
    int size, uint32_t *val)
{
	struct xen_pci_op	op;

	gsim_op_conf(&op, XEN_PCI_OP_conf_read, gd->gd_seg, gd->gd_bus,
	    gd->gd_devfn, off, size, 0);
	(void)gsim_op(gs, &op);
	*val = op.value;
	return op.err;
}

int
gsim_conf_write(struct gsim *gs, const struct gsim_dev *gd, int off,
    int size, uint32_t val)
{
	struct xen_pci_op	op;

	gsim_op_conf(&op, XEN_PCI_OP_conf_write, gd->gd_seg, gd->gd_bus,
	    gd->gd_devfn, off, size, val);
	(void)gsim_op(gs, &op);
	return op.err;
}
