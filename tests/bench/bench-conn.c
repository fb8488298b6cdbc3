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
 * Guests connected in batches, the way a Linux guest connects
 * (doc/protocol.md §2.3): each step is done for the whole batch before the
 * next, so the daemon works on many guests while we wait on one.
 * Without a scan, a guest checks its one device at 00:00.0 with a single
 * read instead of probing 256 functions: connecting 1000 guests must
 * not take minutes.
 */

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/pciif.h>
#include <xen/io/xenbus.h>

#include "bench.h"
#include "guest.h"


int
bench_guest_create(struct bench_guest *bg, unsigned int domid,
    const char *bdf, uint32_t id)
{
	struct gsim	*gs = &bg->bg_gs;

	memset(bg, 0, sizeof(*bg));
	snprintf(bg->bg_bdf, sizeof(bg->bg_bdf), "%s", bdf);
	bg->bg_id = id;
	gs->gs_domid = domid;
	/*
	 * No watch on the frontend dir: the toolstack has written it by the
	 * time we look, and every write of our own would wake us again.
	 */
	if ((gs->gs_guest = xensim_guest_create(domid)) == NULL) {
		fprintf(stderr, "bench: create dom%u: %s\n", domid,
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* The connect keys in one transaction, as Linux pcifront writes them. */
static int
bench_publish_keys(struct gsim *gs)
{
	char	ref[16], port[16];

	snprintf(ref, sizeof(ref), "%u", gs->gs_gref);
	snprintf(port, sizeof(port), "%d", gs->gs_port);
	return gsim_write_keys(gs, ref, port, XEN_PCI_MAGIC, 0);
}

/* Frontend dir seen: page, port, keys, Initialised, watch the backend. */
static int
bench_publish(struct bench_guest *bg)
{
	struct gsim	*gs = &bg->bg_gs;
	char		 path[160];
	int		 rc;

	if ((rc = gsim_wait_fe_dir(gs, BENCH_WAIT_MS)) < 0 ||
	    (rc = gsim_page_alloc(gs)) < 0 ||
	    (rc = bench_publish_keys(gs)) < 0 ||
	    (rc = gsim_switch(gs, XenbusStateInitialised)) < 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/state", gs->gs_be);
	if ((rc = xensim_guest_watch(gs->gs_guest, path, "be")) < 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "bench: dom%u: publish: %s\n", gs->gs_domid,
	    strerror(-rc));
	return -1;
}

int
bench_read(struct bench *b, struct bench_guest *bg, int off, uint32_t *val)
{
	uint64_t	to = bg->bg_gs.gs_timeouts;
	int		err;

	err = gsim_conf_read(&bg->bg_gs, &bg->bg_dev, off, 4, val);
	if (err == 0 && bg->bg_gs.gs_timeouts == to)
		return 0;
	fprintf(stderr, "bench: dom%u: read 0x%x: err %d%s\n",
	    bg->bg_gs.gs_domid, off, err, bg->bg_gs.gs_timeouts != to ?
	    " (timed out)" : "");
	b->b_errors++;
	return -1;
}

/*
 * The first read of a new guest, with a long deadline instead of Linux's
 * 2 s: while many guests connect the daemon may be slow to serve it, and
 * how slow is a result, not a failure.  The time it took, or -1.
 */
static int64_t
bench_first_read(struct bench *b, struct bench_guest *bg, uint32_t *val)
{
	struct gsim		*gs = &bg->bg_gs;
	struct xen_pci_op	 op;
	int64_t			 t0;

	while (xensim_guest_wait(gs->gs_guest, 0) >= 0)
		continue;
	gsim_op_conf(&op, XEN_PCI_OP_conf_read, 0, 0, 0, 0, 4, 0);
	t0 = bench_now_ns();
	gsim_op_post(gs, &op);
	gs->gs_ops++;
	if (gsim_op_wait(gs, &op, BENCH_WAIT_MS) != 0 || op.err != 0) {
		fprintf(stderr, "bench: dom%u: first read: err %d\n",
		    gs->gs_domid, op.err);
		b->b_errors++;
		return -1;
	}
	*val = op.value;
	return bench_now_ns() - t0;
}

/* Backend Connected: scan (or check the one device), then Connected. */
static int
bench_finish(struct bench *b, struct bench_guest *bg, int scan)
{
	struct gsim	*gs = &bg->bg_gs;
	uint32_t	 id;
	int64_t		 t0;

	if (gsim_wait_be(gs, XenbusStateConnected, BENCH_WAIT_MS) != 0) {
		fprintf(stderr, "bench: dom%u: backend not Connected (%d)\n",
		    gs->gs_domid, gsim_be_state(gs));
		return -1;
	}
	if (scan) {
		t0 = bench_now_ns();
		if (gsim_scan(gs) != 0 || gs->gs_ndevs != 1)
			return -1;
		bg->bg_scan_ns = bench_now_ns() - t0;
	} else {
		if ((bg->bg_first_ns = bench_first_read(b, bg, &id)) < 0)
			return -1;
		if (id != bg->bg_id) {
			fprintf(stderr, "bench: dom%u: 00:00.0 reads %08x, "
			    "want %08x\n", gs->gs_domid, id, bg->bg_id);
			b->b_errors++;
			return -1;
		}
	}
	if (gsim_switch(gs, XenbusStateConnected) != 0)
		return -1;
	bg->bg_ready = 1;
	return 0;
}

/*
 * Attach, publish and finish the n guests, a step at a time.  With scan,
 * the guest's boot scan takes the place of the check, and bg_scan_ns
 * gets how long it took.
 */
int
bench_connect(struct bench *b, struct bench_guest *g, size_t n, int scan)
{
	int64_t	t0 = bench_now_ns(), t1, t2;
	size_t	i;

	if (bench_attach(b, g, n) != 0)
		return -1;
	t1 = bench_now_ns();
	for (i = 0; i < n; i++)
		if (bench_publish(&g[i]) != 0)
			return -1;
	t2 = bench_now_ns();
	for (i = 0; i < n; i++)
		if (bench_finish(b, &g[i], scan) != 0)
			return -1;
	/* Where set-up time goes, for whoever wonders why it is slow. */
	fprintf(stderr, "bench: dom%u-%u connected: attach %.0f ms, publish "
	    "%.0f ms, connect %.0f ms\n", g[0].bg_gs.gs_domid,
	    g[n - 1].bg_gs.gs_domid, (double)(t1 - t0) / 1e6,
	    (double)(t2 - t1) / 1e6, (double)(bench_now_ns() - t2) / 1e6);
	return 0;
}
