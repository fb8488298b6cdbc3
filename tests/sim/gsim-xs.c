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
 * The guest's xenbus side: every path is read through its own xenstore
 * ring, so it gets a domU's permissions and relative paths.  States are
 * read afresh on every decision, as xenbus does (level-triggered).
 * Section numbers (§) refer to doc/protocol.md.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xen/io/xenbus.h>

#include "gsim.h"
#include "guest.h"

#define GSIM_FE_DIR	"device/pci/0"
#define GSIM_SLICE_MS	100

int64_t
gsim_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

long
gsim_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *
gsim_read(struct gsim *gs, const char *fmt, ...)
{
	char	path[256], *val = NULL;
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (xensim_guest_read(gs->gs_guest, 0, path, &val) < 0)
		return NULL;
	return val;
}

int
gsim_write(struct gsim *gs, const char *path, const char *val)
{
	return xensim_guest_write(gs->gs_guest, 0, path, val);
}

/* "%d" of 0..8, else -1; NULL (missing) is Unknown. */
int
gsim_state_of(const char *s)
{
	if (s == NULL)
		return XenbusStateUnknown;
	if (s[0] < '0' || s[0] > '8' || s[1] != '\0')
		return -1;
	return s[0] - '0';
}

int
gsim_own_state(struct gsim *gs)
{
	char	*s = gsim_read(gs, GSIM_FE_DIR "/state");
	int	 st = gsim_state_of(s);

	free(s);
	return st;
}

int
gsim_be_state(struct gsim *gs)
{
	char	*s;
	int	 st;

	if (gs->gs_be[0] == '\0')
		return XenbusStateUnknown;
	s = gsim_read(gs, "%s/state", gs->gs_be);
	st = gsim_state_of(s);
	free(s);
	if (st > gs->gs_be_seen_max)
		gs->gs_be_seen_max = st;
	return st;
}

/*
 * As xenbus_switch_state: skip if unchanged; in a transaction, read the
 * node first and never create it (a removed dir stays removed).
 */
int
gsim_switch(struct gsim *gs, int state)
{
	char		*cur = NULL, val[8];
	uint32_t	 tx;
	int		 rc, tries;

	if (gs->gs_state == state)
		return 0;
	snprintf(val, sizeof(val), "%d", state);
	for (tries = 0; tries < 16; tries++) {
		if ((rc = xensim_guest_transaction_start(gs->gs_guest,
		    &tx)) < 0)
			return rc;
		rc = xensim_guest_read(gs->gs_guest, tx, GSIM_FE_DIR "/state",
		    &cur);
		free(cur);
		cur = NULL;
		if (rc == 0)
			rc = xensim_guest_write(gs->gs_guest, tx,
			    GSIM_FE_DIR "/state", val);
		if (rc < 0) {
			(void)xensim_guest_transaction_end(gs->gs_guest, tx,
			    0);
			return rc;
		}
		rc = xensim_guest_transaction_end(gs->gs_guest, tx, 1);
		if (rc != -EAGAIN)
			break;
	}
	if (rc == 0) {
		gs->gs_state = state;
		fprintf(stderr, "gsim dom%u: state %d\n", gs->gs_domid,
		    state);
	}
	return rc;
}

/* One watch event: 0 and its token (to free), or -ETIMEDOUT. */
int
gsim_watch_event(struct gsim *gs, int timeout_ms, char **token)
{
	char	*path = NULL;
	int	 rc;

	rc = xensim_guest_read_watch(gs->gs_guest, &path, token, timeout_ms);
	free(path);
	return rc;
}

static int
gsim_stopped(struct gsim *gs)
{
	return gs->gs_stop != NULL && *gs->gs_stop;
}

/*
 * xenbus discovery (§2.2.5): a frontend is probed only when its dir
 * shows state 1 and names its backend.
 */
int
gsim_wait_fe_dir(struct gsim *gs, long timeout_ms)
{
	long		 deadline = gsim_now_ms() + timeout_ms;
	char		*be, *beid, *tok, *end;
	unsigned long	 id;
	int		 st;

	for (;;) {
		st = gsim_own_state(gs);
		be = gsim_read(gs, GSIM_FE_DIR "/backend");
		beid = gsim_read(gs, GSIM_FE_DIR "/backend-id");
		if (st == XenbusStateInitialising && be != NULL &&
		    beid != NULL && strlen(be) < sizeof(gs->gs_be)) {
			id = strtoul(beid, &end, 10);
			if (*end == '\0' && end != beid) {
				snprintf(gs->gs_be, sizeof(gs->gs_be), "%s",
				    be);
				gs->gs_beid = (unsigned int)id;
				gs->gs_state = st;
				free(be);
				free(beid);
				return 0;
			}
		}
		free(be);
		free(beid);
		if (gsim_stopped(gs) || gsim_now_ms() >= deadline)
			return -ETIMEDOUT;
		if (gsim_watch_event(gs, GSIM_SLICE_MS, &tok) == 0)
			free(tok);
	}
}

/* Until the backend reads want (or the deadline); events drive it. */
int
gsim_wait_be(struct gsim *gs, int want, long timeout_ms)
{
	long	 deadline = gsim_now_ms() + timeout_ms;
	char	*tok;

	for (;;) {
		if (gsim_be_state(gs) == want)
			return 0;
		if (gsim_stopped(gs) || gsim_now_ms() >= deadline)
			return -ETIMEDOUT;
		if (gsim_watch_event(gs, GSIM_SLICE_MS, &tok) == 0)
			free(tok);
	}
}

/*
 * The connect keys in one transaction (§2.3 step 4), retried on
 * conflict.  magic NULL leaves it out; initialised also writes state 3
 * inside the transaction, as NetBSD xpci does (Linux writes it after).
 */
int
gsim_write_keys(struct gsim *gs, const char *ref, const char *port,
    const char *magic, int initialised)
{
	uint32_t	tx;
	int		rc = -EAGAIN, tries;

	for (tries = 0; tries < 32 && rc == -EAGAIN; tries++) {
		if ((rc = xensim_guest_transaction_start(gs->gs_guest,
		    &tx)) < 0)
			return rc;
		rc = xensim_guest_write(gs->gs_guest, tx,
		    GSIM_FE_DIR "/pci-op-ref", ref);
		if (rc == 0)
			rc = xensim_guest_write(gs->gs_guest, tx,
			    GSIM_FE_DIR "/event-channel", port);
		if (rc == 0 && magic != NULL)
			rc = xensim_guest_write(gs->gs_guest, tx,
			    GSIM_FE_DIR "/magic", magic);
		if (rc == 0 && initialised)
			rc = xensim_guest_write(gs->gs_guest, tx,
			    GSIM_FE_DIR "/state", "3");
		if (rc < 0) {
			(void)xensim_guest_transaction_end(gs->gs_guest, tx,
			    0);
			return rc;
		}
		rc = xensim_guest_transaction_end(gs->gs_guest, tx, 1);
	}
	return rc;
}
