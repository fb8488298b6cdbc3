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
 * The parent's side of PCIe error recovery (daemon/aer.c) against what a
 * worker may send it.  The worker reads the guest's answer off the
 * shared page and passes it on as a datagram (id, result, how); a guest
 * writes any result it likes, and a worker taken over by its guest
 * writes any datagram.  Here: two held devices, of two guests, and the
 * kernel's steps for them (any step, state and sequence number, waited
 * for or not) interleaved with arbitrary answers, timer expiries and
 * workers going away.
 *
 * Checked, besides memory errors and leaks: every step the provider
 * waits for is answered exactly once, with a result in AER_RESULT_*'s
 * range, and never by another guest's answer; a guest's answer is taken
 * as it is only when it is in that range and comes as "answered"; the
 * aerState node is written only after a detected error ending in "none"
 * or "disconnect", and only in the guest's own directory.
 *
 * Input: records of 11 bytes: [kind][8 bytes of arguments][2 spare].
 * kind % 5: 0 a step (device, cmd, state, wait, seq), 1 a datagram from
 * a guest's worker (guest, id, result, how), 2 the timer of the oldest
 * or newest wait fires, 3 a worker goes, 4 a guest's worker is down or
 * back (its steps then get the default).
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcibackd.h"
#include "provider.h"
#include "stub_xen.h"

#define NDEV		2
#define MAX_WAITS	256
#define REC		11

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* One step the provider waits for. */
struct waited {
	uint64_t	seq;
	int		dev;
	int		replies;
	int		result;
};

static struct pcibackd		env;
static struct pcibackd_conf	conf;
static struct frontend		fes[NDEV];
static struct heldev		hds[NDEV];
static struct provider_ops	prov;
static struct waited		waits[MAX_WAITS];
static size_t			nwaits;
static uint64_t			nextseq;
/* What the last worker_aer was asked: the id to the worker. */
static uint32_t			sent_id[NDEV];
/* Every id sent, and the provider's sequence of its step. */
static uint32_t			ids[MAX_WAITS];
static uint64_t			id_seq[MAX_WAITS];
static size_t			nids;
static int			worker_fails;
static int			aerstate_written[NDEV];

static struct waited *
find_wait(uint64_t seq)
{
	size_t	i;

	for (i = 0; i < nwaits; i++)
		if (waits[i].seq == seq)
			return &waits[i];
	return NULL;
}

static int
fake_aer_reply(struct heldev *hd, uint64_t seq, int result, char **cause)
{
	struct waited	*w = find_wait(seq);

	(void)cause;
	if (w == NULL || &hds[w->dev] != hd)
		abort();	/* a reply for nothing asked, or to another */
	if (result < AER_RESULT_NONE || result > AER_RESULT_NO_AER_DRIVER)
		abort();
	w->replies++;
	w->result = result;
	return 0;
}

struct heldev *
device_find(struct pcibackd *e, const struct bdf *b)
{
	int	i;

	(void)e;
	for (i = 0; i < NDEV; i++)
		if (bdf_equal(&hds[i].hd_bdf, b))
			return &hds[i];
	return NULL;
}

int
frontend_write(struct frontend *fe, const char *node, const char *value)
{
	if (strcmp(node, "aerState") != 0 || strcmp(value, "aerfail") != 0)
		abort();
	aerstate_written[fe - fes]++;
	return 0;
}

int
worker_aer(struct frontend *fe, const struct bdf *host, uint32_t id,
    unsigned int cmd, int state, unsigned int secs)
{
	(void)host;
	(void)cmd;
	(void)state;
	(void)secs;
	if (worker_fails)
		return -1;
	sent_id[fe - fes] = id;
	/* aer_request(..., nextseq++, ...): the step's is the one before. */
	if (nids < MAX_WAITS) {
		ids[nids] = id;
		id_seq[nids++] = nextseq - 1;
	}
	return 0;
}

static void
setup(void)
{
	int	i;

	memset(&env, 0, sizeof(env));
	memset(&conf, 0, sizeof(conf));
	conf.c_aer_timeout = 30;
	env.pb_conf = &conf;
	env.pb_base = event_base_new();
	TAILQ_INIT(&env.pb_frontends);
	aer_init(&env);
	memset(&prov, 0, sizeof(prov));
	prov.po_aer_reply = fake_aer_reply;
	for (i = 0; i < NDEV; i++) {
		struct bdf	guest;
		char		*cause = NULL;

		memset(&fes[i], 0, sizeof(fes[i]));
		memset(&hds[i], 0, sizeof(hds[i]));
		hds[i].hd_bdf.b_bus = (uint8_t)(1 + i);
		hds[i].hd_prov = &prov;
		hds[i].hd_owner = 5 + i;
		fes[i].fe_env = &env;
		fes[i].fe_domid = 5 + (unsigned int)i;
		fes[i].fe_wpid = 100 + i;
		fes[i].fe_wsock = 3;
		if (topo_init(&fes[i].fe_topo, TOPO_VIRTUAL) == -1 ||
		    topo_add(&fes[i].fe_topo, &hds[i].hd_bdf, NULL, NULL,
		    &guest, &cause) == -1)
			abort();
		TAILQ_INSERT_TAIL(&env.pb_frontends, &fes[i], fe_entry);
		sent_id[i] = 0;
		aerstate_written[i] = 0;
	}
	nwaits = 0;
	nids = 0;
	nextseq = 1;
	worker_fails = 0;
}

static void
step(const uint8_t *a)
{
	struct waited	*w;
	int		 dev = a[0] % NDEV, wait = a[3] & 1;
	unsigned int	 cmd = a[1] % 6;	/* 1-4 and two wrong */
	int		 state = a[2] % 5;

	if (wait && nwaits == MAX_WAITS)
		return;
	/* A sequence the provider has not used, as the shim's are. */
	if (wait) {
		w = &waits[nwaits++];
		memset(w, 0, sizeof(*w));
		w->seq = nextseq;
		w->dev = dev;
	}
	aer_request(&env, &hds[dev], cmd, state, nextseq++, wait);
}

/* The step an id was sent for, if the provider waits for it. */
static struct waited *
waited_for(uint32_t id)
{
	size_t	i;

	for (i = 0; i < nids; i++)
		if (ids[i] == id)
			return find_wait(id_seq[i]);
	return NULL;
}

static void
answer(const uint8_t *a)
{
	struct waited	*w;
	int		 dev = a[0] % NDEV, before;
	uint32_t	 id;
	int32_t		 result;

	/* The id just sent, a neighbour of it, or any. */
	switch (a[1] % 3) {
	case 0:
		id = sent_id[dev];
		break;
	case 1:
		id = sent_id[NDEV - 1 - dev];
		break;
	default:
		memcpy(&id, a + 2, sizeof(id));
		break;
	}
	memcpy(&result, a + 4, sizeof(result));
	if (a[1] & 0x80)
		result = (int32_t)(a[4] % 8);
	w = waited_for(id);
	before = w != NULL ? w->replies : 0;
	aer_answered(&fes[dev], id, result, a[7]);
	if (w == NULL || before != 0)
		return;
	if (w->dev != dev) {
		/* Another guest's step: its worker cannot answer it. */
		if (w->replies != 0)
			abort();
		return;
	}
	if (w->replies != 1)
		abort();
	if (a[7] == AER_HOW_ANSWERED && result >= AER_RESULT_NONE &&
	    result <= AER_RESULT_NO_AER_DRIVER ? w->result != result :
	    w->result != AER_RESULT_NONE)
		abort();
}

/* The only timers here are the waits' (stub_xen: events are a list). */
static void
expire(const uint8_t *a)
{
	stub_event_fire(stub_event_timer(a[0] & 1));
}

static void
check_all_answered(void)
{
	size_t	i;

	for (i = 0; i < nwaits; i++)
		if (waits[i].replies != 1)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t	i;
	int	dev;

	setup();
	for (i = 0; i + REC <= size; i += REC) {
		const uint8_t	*a = data + i + 1;

		dev = a[0] % NDEV;
		switch (data[i] % 5) {
		case 0:
			step(a);
			break;
		case 1:
			answer(a);
			break;
		case 2:
			expire(a);
			break;
		case 3:
			aer_worker_gone(&fes[dev]);
			break;
		default:
			if (a[1] & 1)
				worker_fails = !worker_fails;
			else
				fes[dev].fe_wpid = fes[dev].fe_wpid ? 0 :
				    100 + dev;
			break;
		}
		/* No step is answered twice, at any point. */
		for (size_t k = 0; k < nwaits; k++)
			if (waits[k].replies > 1)
				abort();
	}
	/* What is still waiting ends with the guests' workers. */
	for (dev = 0; dev < NDEV; dev++)
		aer_worker_gone(&fes[dev]);
	check_all_answered();
	if (!TAILQ_EMPTY(&env.pb_aer))
		abort();
	aer_shutdown(&env);
	return 0;
}
