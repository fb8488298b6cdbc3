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
 * PCIe error recovery of a held device, forwarded to its guest
 * (doc/protocol.md §3.5).  The kernel's AER core calls the provider for
 * each step of a recovery and waits for a result; here a step becomes a
 * request to the guest's worker, which posts it on the shared page and
 * answers with what the guest's driver said.  Nothing waits on the event
 * loop: every request has a timer, and a guest that cannot be asked, does
 * not answer or answers nonsense gets "none" (no opinion: the kernel goes
 * on with the other devices' results), and on a detected error its
 * backend's aerState says "aerfail", as Linux's backend writes.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "pcibackd.h"
#include "provider.h"
#include "util.h"

/* After the worker's wait for the guest: for its answer to come. */
#define AER_SLACK_SECS	5

struct aer_wait {
	TAILQ_ENTRY(aer_wait)	 aw_entry;
	struct pcibackd		*aw_env;
	struct bdf		 aw_host;
	uint64_t		 aw_seq;	/* the provider's */
	uint32_t		 aw_id;		/* ours, to the worker */
	unsigned int		 aw_cmd;	/* AER_* */
	unsigned int		 aw_domid;
	struct timespec		 aw_t0;
	struct event		*aw_timer;
};

static const char *const aer_cmd_names[] = {
	[AER_DETECTED] = "error detected",
	[AER_MMIO] = "MMIO enabled",
	[AER_SLOT_RESET] = "slot reset",
	[AER_RESUME] = "resume",
};

static const char *const aer_result_names[] = {
	[AER_RESULT_NONE] = "none",
	[AER_RESULT_CAN_RECOVER] = "can recover",
	[AER_RESULT_NEED_RESET] = "needs a reset",
	[AER_RESULT_DISCONNECT] = "disconnect",
	[AER_RESULT_RECOVERED] = "recovered",
	[AER_RESULT_NO_AER_DRIVER] = "no AER driver",
};

static const char *const aer_how_names[] = {
	[AER_HOW_ANSWERED] = "answered",
	[AER_HOW_TIMEOUT] = "no answer in time",
	[AER_HOW_NOHANDLER] = "no AER handler in the guest",
	[AER_HOW_NOTOURS] = "not the guest's device any more",
	[AER_HOW_NONSENSE] = "answer out of range",
};

const char *
aer_cmd_name(unsigned int cmd)
{
	if (cmd < AER_DETECTED || cmd > AER_RESUME)
		return "unknown step";
	return aer_cmd_names[cmd];
}

const char *
aer_result_name(int result)
{
	if (!aer_result_valid(result))
		return "invalid";
	return aer_result_names[result];
}

int
aer_result_valid(int result)
{
	return result >= AER_RESULT_NONE && result <= AER_RESULT_NO_AER_DRIVER;
}

/*
 * What the kernel is told when no guest is asked (the device is free, or
 * the step is not the guest's business): what Linux's backend answers.
 */
static int
aer_default(unsigned int cmd)
{
	switch (cmd) {
	case AER_DETECTED:
		return AER_RESULT_CAN_RECOVER;
	case AER_MMIO:
	case AER_SLOT_RESET:
		return AER_RESULT_RECOVERED;
	default:
		return AER_RESULT_NONE;
	}
}

static void
aer_reply(struct pcibackd *env, const struct bdf *host, uint64_t seq,
    int result)
{
	struct heldev	*hd = device_find(env, host);
	char		 addr[BDF_XL_MAX], *cause = NULL;

	/* A device no longer held: the provider's wait ended with it. */
	if (hd == NULL || hd->hd_prov->po_aer_reply == NULL)
		return;
	if (hd->hd_prov->po_aer_reply(hd, seq, result, &cause) == 0)
		return;
	bdf_format_dev(host, addr, sizeof(addr));
	log_warnx("%s: PCIe error recovery: result not taken: %s", addr,
	    cause != NULL ? cause : "unknown error");
	free(cause);
}

/*
 * Linux's backend tells the toolstack to end a guest that cannot recover
 * its device by this node; nothing reads it today, but a toolstack that
 * did would find it where it looks.
 */
static void
aer_fail_guest(struct pcibackd *env, unsigned int domid, const char *addr,
    const char *why)
{
	struct frontend	*fe;

	log_warnx("%s: PCIe error recovery: dom%u cannot recover the device "
	    "(%s); aerState set to aerfail", addr, domid, why);
	TAILQ_FOREACH(fe, &env->pb_frontends, fe_entry) {
		if (fe->fe_domid == domid) {
			(void)frontend_write(fe, "aerState", "aerfail");
			return;
		}
	}
}

static struct frontend *
aer_frontend(struct pcibackd *env, const struct heldev *hd)
{
	struct frontend	*fe;

	if (hd->hd_owner < 0)
		return NULL;
	TAILQ_FOREACH(fe, &env->pb_frontends, fe_entry)
		if (fe->fe_domid == (unsigned int)hd->hd_owner &&
		    topo_find_host(&fe->fe_topo, &hd->hd_bdf) != NULL)
			return fe;
	return NULL;
}

static void
aer_free(struct aer_wait *aw)
{
	TAILQ_REMOVE(&aw->aw_env->pb_aer, aw, aw_entry);
	if (aw->aw_timer != NULL)
		event_free(aw->aw_timer);
	free(aw);
}

/* The guest's say, or its silence, becomes the kernel's result. */
static void
aer_finish(struct aer_wait *aw, int result, unsigned int how)
{
	struct pcibackd	*env = aw->aw_env;
	struct timespec	 now;
	char		 addr[BDF_XL_MAX];

	bdf_format_dev(&aw->aw_host, addr, sizeof(addr));
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (how == AER_HOW_ANSWERED && !aer_result_valid(result))
		how = AER_HOW_NONSENSE;
	if (how != AER_HOW_ANSWERED)
		result = AER_RESULT_NONE;
	log_info("%s: PCIe error recovery: %s: dom%u %s: %s (%llu ms)", addr,
	    aer_cmd_name(aw->aw_cmd), aw->aw_domid, aer_how_names[how],
	    aer_result_name(result),
	    (unsigned long long)(metric_ns_since(&aw->aw_t0, &now) / 1000000));
	if (aw->aw_cmd == AER_DETECTED && (result == AER_RESULT_NONE ||
	    result == AER_RESULT_DISCONNECT))
		aer_fail_guest(env, aw->aw_domid, addr, how == AER_HOW_ANSWERED ?
		    aer_result_name(result) : aer_how_names[how]);
	aer_reply(env, &aw->aw_host, aw->aw_seq, result);
	aer_free(aw);
}

static void
aer_timeout(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	aer_finish(arg, AER_RESULT_NONE, AER_HOW_TIMEOUT);
}

/*
 * A step of the kernel's recovery for hd (host: its address).  wait: the
 * provider waits for aer_reply's result; without it this is news only.
 */
void
aer_request(struct pcibackd *env, struct heldev *hd, unsigned int cmd,
    int state, uint64_t seq, int wait)
{
	struct aer_wait	*aw;
	struct frontend	*fe;
	struct timeval	 tv;
	char		 addr[BDF_XL_MAX];

	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	tv.tv_sec = env->pb_conf->c_aer_timeout + AER_SLACK_SECS;
	tv.tv_usec = 0;
	if (cmd == AER_DETECTED)
		log_warnx("%s: PCIe error (%s), %s", addr,
		    state == AER_STATE_NORMAL ? "non-fatal" :
		    state == AER_STATE_FROZEN ? "fatal, I/O frozen" :
		    "permanent failure", hd->hd_owner >= 0 ?
		    "telling its guest" : "no guest has it");
	hd->hd_aer_steps++;
	if (!wait)
		return;
	if (hd->hd_owner < 0) {
		aer_reply(env, &hd->hd_bdf, seq, aer_default(cmd));
		return;
	}
	fe = aer_frontend(env, hd);
	if (fe == NULL || fe->fe_hvm || fe->fe_wpid == 0 ||
	    fe->fe_wsock == -1) {
		if (cmd == AER_DETECTED)
			aer_fail_guest(env, (unsigned int)hd->hd_owner, addr,
			    fe != NULL && fe->fe_hvm ? "an HVM guest's device" :
			    "its frontend is not connected");
		aer_reply(env, &hd->hd_bdf, seq, aer_default(cmd));
		return;
	}
	if ((aw = calloc(1, sizeof(*aw))) == NULL) {
		log_warn("%s: PCIe error recovery", addr);
		aer_reply(env, &hd->hd_bdf, seq, aer_default(cmd));
		return;
	}
	aw->aw_env = env;
	aw->aw_host = hd->hd_bdf;
	aw->aw_seq = seq;
	aw->aw_id = ++env->pb_aerid;
	aw->aw_cmd = cmd;
	aw->aw_domid = fe->fe_domid;
	clock_gettime(CLOCK_MONOTONIC, &aw->aw_t0);
	TAILQ_INSERT_TAIL(&env->pb_aer, aw, aw_entry);
	if ((aw->aw_timer = evtimer_new(env->pb_base, aer_timeout, aw)) ==
	    NULL || evtimer_add(aw->aw_timer, &tv) != 0 ||
	    worker_aer(fe, &hd->hd_bdf, aw->aw_id, cmd, state,
	    env->pb_conf->c_aer_timeout) != 0) {
		aer_finish(aw, AER_RESULT_NONE, AER_HOW_TIMEOUT);
		return;
	}
	log_debug("%s: PCIe error recovery: %s sent to dom%u", addr,
	    aer_cmd_name(cmd), fe->fe_domid);
}

/* The worker's report of its guest's answer to request id. */
void
aer_answered(struct frontend *fe, uint32_t id, int result, unsigned int how)
{
	struct aer_wait	*aw;

	if (how > AER_HOW_NONSENSE)
		how = AER_HOW_NONSENSE;
	TAILQ_FOREACH(aw, &fe->fe_env->pb_aer, aw_entry)
		if (aw->aw_id == id && aw->aw_domid == fe->fe_domid)
			break;
	if (aw == NULL)
		return;		/* late: its timer answered already */
	aer_finish(aw, result, how);
}

/* The guest's worker is gone: nobody will answer what it was asked. */
void
aer_worker_gone(struct frontend *fe)
{
	struct aer_wait	*aw, *next;

	for (aw = TAILQ_FIRST(&fe->fe_env->pb_aer); aw != NULL; aw = next) {
		next = TAILQ_NEXT(aw, aw_entry);
		if (aw->aw_domid == fe->fe_domid)
			aer_finish(aw, AER_RESULT_NONE, AER_HOW_TIMEOUT);
	}
}

void
aer_init(struct pcibackd *env)
{
	TAILQ_INIT(&env->pb_aer);
}

/* Exiting: the provider's waits end with its close; nothing to tell. */
void
aer_shutdown(struct pcibackd *env)
{
	while (!TAILQ_EMPTY(&env->pb_aer))
		aer_free(TAILQ_FIRST(&env->pb_aer));
}
