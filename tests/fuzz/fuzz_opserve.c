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
 * XSA-155 at the daemon level: daemon/opserve.c serving ops from a
 * shared page the guest keeps changing.  Two identical worlds (a device,
 * its guest, a page) serve the same op: in world A the guest rewrites
 * the op on the page while it is being served, in world B the page is
 * left alone.  opserve must act only on its single copy, so the device
 * (config space, writes made, interrupt calls) and the reply must come
 * out the same in both.
 *
 * The rewrites happen either at every hardware access and interrupt
 * backend call of world A (a script from the input, deterministic, the
 * worst moments), or from a second thread that scribbles on the op from
 * the first such access until the op is answered (then only the device
 * is compared: the reply itself is on the page the thread keeps
 * changing).
 *
 * Input: records [ctl][n][n bytes over the op][m][m rewrites of 5 bytes:
 * u32 index (mod 137 words of the op), u32 value].  ctl bits 0-1 aim the
 * op (raw, the device, a missing function); bit 2 folds cmd into 0..5;
 * bits 3-4 serve through opserve_start (a new worker adopting the op in
 * flight), the worker's event handler, or an event
 * with no op posted (the flood accounting); bit 5 races a thread
 * instead of the script; bit 6 makes the interrupt backend fail.
 */

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xen/io/pciif.h>

#include "memdev.h"
#include "pcibackd.h"
#include "stub_xen.h"

#define OP_WORDS	(sizeof(struct xen_pci_op) / 4)
#define MAX_REWRITES	64
#define LOG_MAX		64

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct world {
	struct pcibackd		 env;
	struct pcibackd_conf	 conf;
	struct frontend		 fe;
	struct memdev		 md;
	struct pciop_dev	 pd;
	struct xen_pci_sharedinfo *page;
	/* the guest's rewrites, world A only */
	const uint32_t		*rw_idx, *rw_val;
	size_t			 rw_n, rw_next;
	/* the racing thread: started at the first access, once copied */
	int			 race_pending;
	uint32_t		 race_seed;
	/* what the interrupt backend was asked */
	uint32_t		 log[LOG_MAX];
	size_t			 nlog;
	int			 irq_fail;
	int			 msi_on, msix_on;
};

static struct world	 wa, wb;
static uint32_t		 rw_idx[MAX_REWRITES], rw_val[MAX_REWRITES];

/*
 * The racing guest thread: each round (race_gen) it scribbles on the op
 * until race_on drops, then acknowledges; it sleeps between rounds.
 */
static pthread_t		racer;
static pthread_mutex_t		race_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t		race_cv = PTHREAD_COND_INITIALIZER;
static unsigned long		race_gen, race_done;
static atomic_int		race_on;
static uint32_t			*race_op;
static uint32_t			race_seed;

static void	race_start(uint32_t *, uint32_t);

/*
 * The guest acts: called at every hardware access and interrupt call of
 * world A, which all come after opserve took its copy of the op.
 */
static void
rewrite(struct world *w)
{
	volatile uint32_t	*op = (volatile uint32_t *)(void *)&w->page->op;

	if (w->race_pending) {
		w->race_pending = 0;
		race_start((uint32_t *)(void *)&w->page->op, w->race_seed);
	}
	if (w->rw_next < w->rw_n) {
		op[w->rw_idx[w->rw_next] % OP_WORDS] = w->rw_val[w->rw_next];
		w->rw_next++;
	}
}

static void
note(struct world *w, uint32_t v)
{
	if (w->nlog < LOG_MAX)
		w->log[w->nlog++] = v;
}

static int
dev_read(void *arg, unsigned int off, unsigned int size, uint32_t *val)
{
	struct world	*w = arg;

	rewrite(w);
	return memdev_ops.cdo_read(&w->md, off, size, val);
}

static int
dev_write(void *arg, unsigned int off, unsigned int size, uint32_t val)
{
	struct world	*w = arg;

	rewrite(w);
	return memdev_ops.cdo_write(&w->md, off, size, val);
}

static const struct cfgdev_ops dev_ops = {
	.cdo_read = dev_read,
	.cdo_write = dev_write,
};

static int
be_enable_msi(void *ctx, int *pirq)
{
	struct world	*w = ctx;

	rewrite(w);
	note(w, 1);
	if (w->irq_fail)
		return -EBUSY;
	w->msi_on = 1;
	*pirq = 40;
	return 0;
}

static int
be_disable_msi(void *ctx)
{
	struct world	*w = ctx;

	rewrite(w);
	note(w, 2);
	w->msi_on = 0;
	return 0;
}

static int
be_enable_msix(void *ctx, const uint16_t *entries, unsigned int n, int *pirqs)
{
	struct world	*w = ctx;
	unsigned int	 i;

	rewrite(w);
	note(w, 3);
	note(w, n);
	for (i = 0; i < n; i++) {
		note(w, entries[i]);
		rewrite(w);
	}
	if (w->irq_fail)
		return -ENOSPC;
	for (i = 0; i < n; i++)
		pirqs[i] = 100 + (int)i;
	w->msix_on = 1;
	return 0;
}

static int
be_disable_msix(void *ctx)
{
	struct world	*w = ctx;

	rewrite(w);
	note(w, 4);
	w->msix_on = 0;
	return 0;
}

static const struct pciop_irq_ops be_ops = {
	.pio_enable_msi = be_enable_msi,
	.pio_disable_msi = be_disable_msi,
	.pio_enable_msix = be_enable_msix,
	.pio_disable_msix = be_disable_msix,
};

static void
put(uint8_t *cfg, unsigned int off, unsigned int size, uint32_t v)
{
	unsigned int	i;

	for (i = 0; i < size; i++)
		cfg[off + i] = (uint8_t)(v >> (8 * i));
}

/* A conventional device with memory decoding, MSI and 8 MSI-X entries. */
static void
synth(struct dumpdev *dd)
{
	uint8_t	*c = dd->dd_cfg;

	memset(dd, 0, sizeof(*dd));
	dd->dd_len = CFGSPACE_CONV_SIZE;
	put(c, 0x00, 4, 0x0001abcd);
	put(c, 0x04, 4, 0x00100006);
	put(c, 0x08, 4, 0x02000001);
	put(c, 0x10, 4, 0xfe000000);
	put(c, 0x34, 1, 0x40);
	put(c, 0x3c, 2, 0x010b);
	put(c, 0x40, 4, 0x00805005);
	put(c, 0x50, 4, 0x00070011);
	put(c, 0x54, 4, 0x00002000);
	put(c, 0x58, 4, 0x00003000);
}

static void
world_init(struct world *w)
{
	static struct dumpdev	 dd;
	const uint64_t		 sizes[CFGDEV_NBARS + 1] = { 0x4000 };
	struct bdf		 host = { 0, 0x3a, 0, 0 }, guest;
	char			*cause = NULL;

	memset(w, 0, sizeof(*w));
	if ((w->page = aligned_alloc(4096, 4096)) == NULL)
		abort();
	memset(w->page, 0, 4096);
	synth(&dd);
	memdev_from_dump(&w->md, &dd, sizes, 11);
	w->conf.c_evrate = 10;		/* one empty event per window */
	w->conf.c_lograte = 5;
	w->conf.c_logburst = 20;
	w->env.pb_conf = &w->conf;
	TAILQ_INIT(&w->env.pb_frontends);
	TAILQ_INIT(&w->env.pb_devices);
	if (opserve_init(&w->env) != 0)
		abort();
	w->fe.fe_env = &w->env;
	w->fe.fe_domid = 5;
	w->fe.fe_gref = 8;
	w->fe.fe_remote_port = 3;
	snprintf(w->fe.fe_name, sizeof(w->fe.fe_name), "dom5");
	log_ratelimit_init(&w->fe.fe_lr, 5, 20);
	log_ratelimit_init(&w->fe.fe_oplr, 5, 20);
	topo_init(&w->fe.fe_topo, TOPO_VIRTUAL);
	w->fe.fe_guest.pg_topo = &w->fe.fe_topo;
	w->pd.pd_cs = cfgspace_new(&dev_ops, w, &w->md.md_info, NULL, NULL);
	if (w->pd.pd_cs == NULL)
		abort();
	w->pd.pd_irq = &be_ops;
	w->pd.pd_irq_ctx = w;
	w->pd.pd_legacy_pirq = 11;
	if (topo_add(&w->fe.fe_topo, &host, NULL, &w->pd, &guest, NULL) != 0)
		abort();
	TAILQ_INSERT_TAIL(&w->env.pb_frontends, &w->fe, fe_entry);
	stub_xen.sx_page = w->page;
	stub_xen.sx_port = 7;
	if (opserve_connect(&w->fe, &cause) != 0)
		abort();
	/* What the worker does: map the page, then serve. */
	w->fe.fe_page = w->page;
}

static void
world_free(struct world *w)
{
	opserve_disconnect(&w->fe);
	opserve_shutdown(&w->env);
	cfgspace_free(w->pd.pd_cs);
	free(w->page);
}

static void *
race(void *arg)
{
	unsigned long	 seen = 0;
	uint32_t	*op, x;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&race_mtx);
		while (race_gen == seen)
			pthread_cond_wait(&race_cv, &race_mtx);
		seen = race_gen;
		op = race_op;
		x = race_seed | 1;
		pthread_mutex_unlock(&race_mtx);
		while (atomic_load(&race_on)) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			/* Any word of the op, never the flags. */
			__atomic_store_n(&op[x % OP_WORDS], x,
			    __ATOMIC_RELAXED);
		}
		pthread_mutex_lock(&race_mtx);
		race_done = seen;
		pthread_cond_broadcast(&race_cv);
		pthread_mutex_unlock(&race_mtx);
	}
	return NULL;
}

static void
race_start(uint32_t *op, uint32_t seed)
{
	pthread_mutex_lock(&race_mtx);
	race_op = op;
	race_seed = seed;
	atomic_store(&race_on, 1);
	race_gen++;
	pthread_cond_broadcast(&race_cv);
	pthread_mutex_unlock(&race_mtx);
}

static void
race_stop(void)
{
	atomic_store(&race_on, 0);
	pthread_mutex_lock(&race_mtx);
	while (race_done != race_gen)
		pthread_cond_wait(&race_cv, &race_mtx);
	pthread_mutex_unlock(&race_mtx);
}

static void
serve(struct world *w, int how, int post)
{
	if (post)
		__atomic_fetch_or(&w->page->flags, XEN_PCIF_active,
		    __ATOMIC_RELEASE);
	switch (how) {
	case 0:
	case 1:
		opserve_start(&w->fe);
		break;
	default:
		opserve_event(&w->fe);
		break;
	}
	/* A flooding guest's delayed turn: take it now. */
	if (w->fe.fe_busy) {
		memset(&w->fe.fe_deadline, 0, sizeof(w->fe.fe_deadline));
		opserve_timer(&w->fe);
	}
}

/* The worker's side of daemon/worker.c: this process is the worker. */
int
worker_start(struct frontend *fe)
{
	(void)fe;
	return 0;
}

void
worker_stop(struct frontend *fe)
{
	(void)fe;
}

void
worker_count(struct pcibackd *env)
{
	(void)env;
}

void
worker_publish(struct frontend *fe)
{
	(void)fe;
}

unsigned int
worker_nconnected(struct frontend *fe)
{
	return fe->fe_env->pb_nconnected;
}

/* daemon/record.c: no restart records here. */
void
record_remove(struct frontend *fe)
{
	(void)fe;
}

static void
compare_dev(void)
{
	if (memcmp(wa.md.md_cfg, wb.md.md_cfg, sizeof(wa.md.md_cfg)) != 0 ||
	    wa.md.md_nwrites != wb.md.md_nwrites ||
	    memcmp(wa.md.md_writes, wb.md.md_writes,
	    (wa.md.md_nwrites < MEMDEV_MAX_WRITES ? wa.md.md_nwrites :
	    MEMDEV_MAX_WRITES) * sizeof(wa.md.md_writes[0])) != 0)
		abort();
	if (wa.nlog != wb.nlog ||
	    memcmp(wa.log, wb.log, wa.nlog * sizeof(wa.log[0])) != 0 ||
	    wa.msi_on != wb.msi_on || wa.msix_on != wb.msix_on)
		abort();
}

static void
compare_reply(const struct xen_pci_op *sent)
{
	const struct xen_pci_op	*a = &wa.page->op, *b = &wb.page->op;
	unsigned int		 i;

	if (a->err != b->err || a->value != b->value)
		abort();
	if (sent->cmd == XEN_PCI_OP_enable_msix && b->err == 0)
		for (i = 0; i < b->value && i < SH_INFO_MAX_VEC; i++)
			if (a->msix_entries[i].vector !=
			    b->msix_entries[i].vector)
				abort();
	/* Neither world may still show the op posted. */
	if (wa.page->flags & XEN_PCIF_active || wb.page->flags & XEN_PCIF_active)
		abort();
}

static size_t
one_op(const uint8_t *p, size_t n)
{
	struct xen_pci_op	op;
	size_t			used = 0, len, m, i;
	uint8_t			ctl;
	int			how, post, threaded;

	if (n < 2)
		return n;
	ctl = p[0];
	len = p[1];
	used = 2;
	if (len > n - used)
		len = n - used;
	memset(&op, 0, sizeof(op));
	memcpy(&op, p + used, len < sizeof(op) ? len : sizeof(op));
	used += len;
	m = used < n ? p[used++] : 0;
	for (i = 0; i < m && i < MAX_REWRITES && used + 8 <= n; i++) {
		memcpy(&rw_idx[i], p + used, 4);
		memcpy(&rw_val[i], p + used + 4, 4);
		used += 8;
	}
	m = i;
	if ((ctl & 3) == 1 || (ctl & 3) == 2) {
		op.domain = 0;
		op.bus = 0;
		op.devfn = (ctl & 3) == 1 ? 0 : 1;
	}
	if (ctl & 4)
		op.cmd %= 6;
	how = (ctl >> 3) & 3;
	post = how != 3;
	threaded = (ctl & 0x20) != 0;

	wa.page->op = op;
	wb.page->op = op;
	wa.irq_fail = wb.irq_fail = (ctl & 0x40) != 0;
	wa.nlog = wb.nlog = 0;
	memdev_clear_log(&wa.md);
	memdev_clear_log(&wb.md);
	wa.rw_idx = rw_idx;
	wa.rw_val = rw_val;
	wa.rw_n = threaded ? 0 : m;
	wa.rw_next = 0;

	wa.race_pending = threaded;
	wa.race_seed = (uint32_t)m * 2654435761u ^ op.value;
	serve(&wa, how, post);
	if (threaded && !wa.race_pending)
		race_stop();
	wa.race_pending = 0;
	serve(&wb, how, post);
	compare_dev();
	if (!threaded)
		compare_reply(&op);
	return used;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int	started;
	size_t		used;

	if (!started) {
		if (pthread_create(&racer, NULL, race, NULL) != 0)
			abort();
		started = 1;
	}
	world_init(&wa);
	world_init(&wb);
	while (size > 0) {
		used = one_op(data, size);
		data += used;
		size -= used;
	}
	world_free(&wa);
	world_free(&wb);
	if (stub_xen.sx_mapped != 0 || stub_xen.sx_bound != 0)
		abort();
	return 0;
}
