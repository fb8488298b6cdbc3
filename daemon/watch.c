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
 * xenstore: the connection, the watches and their dispatch.  Every watch
 * event only names an instance; what to do is decided from a fresh read
 * (frontend.c), since events are level-triggered and can be merged.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <xenstore.h>

#include "pcibackd.h"
#include "util.h"

#define WATCH_TOKEN_BACKEND	"be"
#define WATCH_TOKEN_RELEASE	"rel"
#define WATCH_TOKEN_FRONTEND	"fe:"	/* fe:<domid>:<devid> */
#define WATCH_MAX_BATCH		256	/* events per wake-up, then yield */
#define WATCH_MAX_DIRTY		64	/* instances per evaluation round */
#define WATCH_SLICE_MS		50	/* evaluating, then the loop's turn */

/*
 * What one batch of events asks for.  Decisions read everything afresh
 * (level-triggered), so a storm of events for one instance needs one
 * evaluation, not one per event: a guest writing its state node in a
 * loop must not starve the other guests' ops.
 */
struct watch_batch {
	int		wb_scan;
	int		wb_release;
	size_t		wb_n;
	struct {
		unsigned int	wd_domid;
		unsigned int	wd_devid;
	}		wb_dirty[WATCH_MAX_DIRTY];
};

/*
 * Events taken during an evaluation (watch_absorb): their paths are
 * forgotten at once, their instances evaluated after the current round.
 */
static struct watch_batch	watch_pending;
static int			watch_running;
static struct timespec		watch_slice_end;

static void	watch_mark(struct pcibackd *, struct watch_batch *,
		    unsigned int, unsigned int);

/*
 * A wake-up evaluates for WATCH_SLICE_MS at most: each new guest costs
 * xenstore round trips and a fork, and a thousand connecting at once
 * must not keep a signal (SIGTERM) or a guest's worker waiting behind
 * them.  The rest is evaluated on the loop's next turn.
 */
static int
watch_slice_over(void)
{
	struct timespec	now;

	if (!watch_running)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > watch_slice_end.tv_sec ||
	    (now.tv_sec == watch_slice_end.tv_sec &&
	    now.tv_nsec >= watch_slice_end.tv_nsec);
}

static void
watch_run(struct pcibackd *env, struct watch_batch *wb)
{
	size_t	i;

	if (wb->wb_scan)
		frontend_scan(env);
	for (i = 0; i < wb->wb_n; i++) {
		/* Only what fits: a full one would mean a rescan. */
		if (wb != &watch_pending && watch_pending.wb_n + wb->wb_n -
		    i <= WATCH_MAX_DIRTY && watch_slice_over())
			break;
		frontend_update(env, wb->wb_dirty[i].wd_domid,
		    wb->wb_dirty[i].wd_devid);
	}
	/* Over the slice: the rest next turn (watch_dispatch re-arms). */
	for (; i < wb->wb_n; i++)
		watch_mark(env, &watch_pending, wb->wb_dirty[i].wd_domid,
		    wb->wb_dirty[i].wd_devid);
	if (wb->wb_release && watch_slice_over() && wb != &watch_pending)
		watch_pending.wb_release = 1;
	else if (wb->wb_release)
		frontend_release_domains(env);
	memset(wb, 0, sizeof(*wb));
}

static void
watch_mark(struct pcibackd *env, struct watch_batch *wb, unsigned int domid,
    unsigned int devid)
{
	size_t	i;

	for (i = 0; i < wb->wb_n; i++)
		if (wb->wb_dirty[i].wd_domid == domid &&
		    wb->wb_dirty[i].wd_devid == devid)
			return;
	if (wb->wb_n == WATCH_MAX_DIRTY) {
		/* Never an evaluation inside one: everything, later. */
		if (wb == &watch_pending) {
			wb->wb_scan = 1;
			return;
		}
		watch_run(env, wb);
	}
	wb->wb_dirty[wb->wb_n].wd_domid = domid;
	wb->wb_dirty[wb->wb_n].wd_devid = devid;
	wb->wb_n++;
}

/* <root>/<domid>/<devid>[/...] names an instance; <root> alone a rescan. */
static void
watch_backend_event(struct pcibackd *env, struct watch_batch *wb,
    const char *path)
{
	size_t		 rlen = strlen(env->pb_root);
	const char	*p, *slash;
	unsigned int	 domid, devid;

	if (strncmp(path, env->pb_root, rlen) != 0)
		return;
	p = path + rlen;
	if (*p == '\0') {
		/*
		 * xenstored fires a watch once when it is set; the start-up
		 * scan ran after that, so the first firing asks for nothing.
		 */
		if (!env->pb_root_fired)
			env->pb_root_fired = 1;
		else
			wb->wb_scan = 1;
		return;
	}
	if (*p++ != '/' || (slash = strchr(p, '/')) == NULL)
		return;
	if (frontend_parse_id(p, (size_t)(slash - p), FRONTEND_DOMID_LIMIT, &domid) != 0)
		return;
	p = slash + 1;
	slash = strchrnul(p, '/');
	if (frontend_parse_id(p, (size_t)(slash - p), FRONTEND_DEVID_LIMIT, &devid) != 0)
		return;
	watch_mark(env, wb, domid, devid);
}

static void
watch_frontend_event(struct pcibackd *env, struct watch_batch *wb,
    const char *token)
{
	struct frontend	*fe;
	unsigned int	 domid, devid;

	if (sscanf(token, WATCH_TOKEN_FRONTEND "%u:%u", &domid, &devid) != 2)
		return;
	/* The firing of a new watch: frontend_new evaluated it after that. */
	fe = frontend_find(env, domid, devid);
	if (fe != NULL && !fe->fe_watch_fired) {
		fe->fe_watch_fired = 1;
		return;
	}
	watch_mark(env, wb, domid, devid);
}

/* Take in what libxenstore has queued, up to max events. */
static void
watch_drain(struct pcibackd *env, struct watch_batch *wb, int max)
{
	char	**vec;
	int	  n = 0;

	while (n++ < max && (vec = xs_check_watch(env->pb_xs)) != NULL) {
		const char *path = vec[XS_WATCH_PATH];
		const char *token = vec[XS_WATCH_TOKEN];

		log_debug("%s: %s (%s)", __func__, path, token);
		if (strcmp(token, WATCH_TOKEN_BACKEND) == 0) {
			frontend_changed(env, path);
			watch_backend_event(env, wb, path);
		} else if (strcmp(token, WATCH_TOKEN_RELEASE) == 0)
			wb->wb_release = 1;
		else if (strncmp(token, WATCH_TOKEN_FRONTEND,
		    strlen(WATCH_TOKEN_FRONTEND)) == 0) {
			frontend_changed(env, path);
			watch_frontend_event(env, wb, token);
		}
		free(vec);
	}
}

/*
 * Events left over stay queued in libxenstore, and its watch pipe
 * (xs_fileno) stays readable, so the rest comes next round, after the
 * event channel had its turn.
 */
static int
watch_pending_any(void)
{
	return watch_pending.wb_n > 0 || watch_pending.wb_scan ||
	    watch_pending.wb_release;
}

static void
watch_dispatch(evutil_socket_t fd, short events, void *arg)
{
	struct pcibackd		*env = arg;
	struct watch_batch	 wb;
	int			 rounds;

	(void)fd;
	(void)events;
	watch_running = 1;
	clock_gettime(CLOCK_MONOTONIC, &watch_slice_end);
	watch_slice_end.tv_nsec += WATCH_SLICE_MS * 1000000L;
	if (watch_slice_end.tv_nsec >= 1000000000L) {
		watch_slice_end.tv_sec++;
		watch_slice_end.tv_nsec -= 1000000000L;
	}
	memset(&wb, 0, sizeof(wb));
	watch_drain(env, &wb, WATCH_MAX_BATCH);
	watch_run(env, &wb);
	/* What the evaluations absorbed: those instances again. */
	for (rounds = 0; rounds < 4 && watch_pending_any() &&
	    !watch_slice_over(); rounds++) {
		wb = watch_pending;
		memset(&watch_pending, 0, sizeof(watch_pending));
		watch_run(env, &wb);
	}
	watch_running = 0;
	if (watch_pending_any())
		event_active(env->pb_xsev, EV_READ, 0);
}

/*
 * A read just asked xenstored: every event of a change made before that
 * read's answer is in libxenstore's queue already, since xenstored sends
 * a connection's messages in order.  Take them in now, so that no node
 * kept from before such a change is read after it (a transaction's
 * events can come over several wake-ups: libxl's removal of a slot moves
 * the later slots down, and a kept dev-N of the slot it moved into named
 * the device just released).  Their instances are evaluated next.
 */
void
watch_absorb(struct pcibackd *env)
{
	if (env->pb_xsev == NULL)
		return;
	watch_drain(env, &watch_pending, WATCH_MAX_BATCH);
	if (!watch_running && watch_pending_any())
		event_active(env->pb_xsev, EV_READ, 0);
}

/* Our own domid: dom0 unless xenstore says otherwise (driver domains). */
static unsigned int
watch_own_domid(struct pcibackd *env)
{
	char		*s;
	unsigned int	 len, domid = 0;

	if ((s = xs_read(env->pb_xs, XBT_NULL, "domid", &len)) != NULL) {
		if (frontend_parse_id(s, len, FRONTEND_DOMID_LIMIT, &domid) != 0)
			domid = 0;
		free(s);
	}
	return domid;
}

/* The connection and where our instances are; no watch yet. */
int
watch_open(struct pcibackd *env)
{
	if ((env->pb_xs = xs_open(0)) == NULL) {
		log_warn("cannot connect to xenstored");
		return -1;
	}
	env->pb_domid = watch_own_domid(env);
	snprintf(env->pb_root, sizeof(env->pb_root),
	    "/local/domain/%u/backend/pci", env->pb_domid);
	return 0;
}

/*
 * The watches, after the guests a restart record let us serve again
 * (record.c): each is a round trip, which they need not wait for.
 */
int
watch_init(struct pcibackd *env)
{
	if (env->pb_xs == NULL && watch_open(env) != 0)
		return -1;
	if (!xs_watch(env->pb_xs, env->pb_root, WATCH_TOKEN_BACKEND)) {
		log_warn("xenstore watch %s", env->pb_root);
		return -1;
	}
	if (!xs_watch(env->pb_xs, "@releaseDomain", WATCH_TOKEN_RELEASE)) {
		log_warn("xenstore watch @releaseDomain");
		return -1;
	}
	env->pb_xsev = event_new(env->pb_base, xs_fileno(env->pb_xs),
	    EV_READ | EV_PERSIST, watch_dispatch, env);
	if (env->pb_xsev == NULL || event_add(env->pb_xsev, NULL) != 0) {
		log_warnx("cannot watch the xenstore connection");
		return -1;
	}
	log_debug("%s: dom%u, watching %s", __func__, env->pb_domid,
	    env->pb_root);
	return 0;
}

int
watch_frontend(struct pcibackd *env, struct frontend *fe, int on)
{
	char	path[sizeof(fe->fe_fepath) + 8], token[48];

	snprintf(path, sizeof(path), "%s/state", fe->fe_fepath);
	snprintf(token, sizeof(token), WATCH_TOKEN_FRONTEND "%u:%u",
	    fe->fe_domid, fe->fe_devid);
	/* Kept only while watched, and only after the watch's first firing. */
	nodecache_forget(&fe->fe_nodes, path);
	if (on && !fe->fe_watching) {
		if (!xs_watch(env->pb_xs, path, token))
			return -1;
		fe->fe_watching = 1;
		fe->fe_watch_fired = 0;
	} else if (!on && fe->fe_watching) {
		(void)xs_unwatch(env->pb_xs, path, token);
		fe->fe_watching = 0;
	}
	return 0;
}

void
watch_shutdown(struct pcibackd *env)
{
	if (env->pb_xsev != NULL)
		event_free(env->pb_xsev);
	env->pb_xsev = NULL;
	if (env->pb_xs != NULL)
		xs_close(env->pb_xs);
	env->pb_xs = NULL;
}
