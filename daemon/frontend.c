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
 * One PV PCI connection per guest: read what xenstore says now, let
 * lib/xbstate decide, do what it says.  Nothing here trusts a cached
 * value of a node the toolstack or the guest can write.  Section numbers
 * (§) refer to doc/protocol.md.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <event2/event.h>
#include <xenstore.h>
#include <xen/io/pciif.h>
#include <xen/io/xenbus.h>

#include "pcibackd.h"
#include "provider.h"
#include "util.h"
#include "xbstate.h"

#define FRONTEND_MAX_ROUNDS	8	/* re-evaluations per event */
#define FRONTEND_SWITCH_TRIES	8	/* commits of a state write */
#define FRONTEND_HELD_MS	500	/* a held port tried again after */
#define FRONTEND_HELD_SLACK	3	/* s past restart-grace: then it fails */
/* state-N of a slot whose device was refused (XenbusStateClosed). */
#define FRONTEND_SLOT_REFUSED	6
#define FRONTEND_SLOT_REFUSED_S	"6"
#define FRONTEND_REFUSED	2	/* frontend_export: refused */

struct frontend_ctx {
	struct frontend		*fc_fe;
	struct xbstate_in	 fc_in;
	struct xbstate_out	 fc_out;
};

/* Read a node under the backend dir; NULL if missing.  Free the result. */
static char *
frontend_read(struct frontend *fe, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * May a read of path be kept?  Only while a watch whose first firing
 * has come covers it: the instance's directory (the backend root's) and
 * the frontend's state node (its own); every change after that comes as
 * an event, which forgets the node (frontend_changed).
 */
static int
frontend_cacheable(struct frontend *fe, const char *path)
{
	size_t	len = strlen(fe->fe_bepath);

	if (fe->fe_env->pb_root_fired && strncmp(path, fe->fe_bepath,
	    len) == 0 && (path[len] == '\0' || path[len] == '/'))
		return 1;
	len = strlen(fe->fe_fepath);
	return fe->fe_watching && fe->fe_watch_fired && len > 0 &&
	    strncmp(path, fe->fe_fepath, len) == 0 &&
	    strcmp(path + len, "/state") == 0;
}

static char *
frontend_read(struct frontend *fe, const char *fmt, ...)
{
	char		 path[256], key[128], *s;
	const char	*v;
	unsigned int	 len;
	int		 keep, saved;
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(key, sizeof(key), fmt, ap);
	va_end(ap);
	if (key[0] == '/')
		snprintf(path, sizeof(path), "%s", key);
	else
		snprintf(path, sizeof(path), "%s/%s", fe->fe_bepath, key);
	if ((keep = frontend_cacheable(fe, path)) &&
	    nodecache_get(&fe->fe_nodes, path, &v)) {
		fe->fe_env->pb_reads_cached++;
		if (v == NULL)
			return NULL;
		if ((s = strdup(v)) == NULL)
			fatal("strdup");
		return s;
	}
	fe->fe_env->pb_reads_asked++;
	errno = 0;
	s = xs_read(fe->fe_env->pb_xs, XBT_NULL, path, &len);
	/* Not a read error, and no NUL inside: a string as xenstore has it. */
	if (keep && (s != NULL ? strlen(s) == len : errno == ENOENT))
		nodecache_put(&fe->fe_nodes, path, s);
	/* Kept nodes are never older than this answer (watch_absorb). */
	saved = errno;
	watch_absorb(fe->fe_env);
	errno = saved;
	return s;
}

/* Our own write or removal: the next read asks xenstore. */
static void
frontend_wrote(struct frontend *fe, const char *path)
{
	nodecache_forget(&fe->fe_nodes, path);
}

static struct frontend_bucket *
frontend_bucket(struct pcibackd *env, unsigned int domid)
{
	return &env->pb_febucket[domid % FRONTEND_BUCKETS];
}

static void
frontend_link(struct pcibackd *env, struct frontend *fe)
{
	TAILQ_INSERT_TAIL(&env->pb_frontends, fe, fe_entry);
	LIST_INSERT_HEAD(frontend_bucket(env, fe->fe_domid), fe, fe_bucket);
}

static void
frontend_unlink(struct pcibackd *env, struct frontend *fe)
{
	TAILQ_REMOVE(&env->pb_frontends, fe, fe_entry);
	LIST_REMOVE(fe, fe_bucket);
}

/*
 * The domain whose instances may keep path or a node below or above it:
 * an instance keeps nodes under <root>/<domid>/<devid> and
 * /local/domain/<domid>/device/pci/<devid>/state only.  -1: any (the
 * root or above, or a name that is not a domid).
 */
static int
frontend_path_domid(struct pcibackd *env, const char *path)
{
	const char	*p, *end;
	size_t		 len = strlen(path);
	unsigned int	 domid;

	/* The root or above it: every instance's directory is below. */
	if (strncmp(env->pb_root, path, len) == 0 &&
	    (env->pb_root[len] == '\0' || env->pb_root[len] == '/'))
		return -1;
	len = strlen(env->pb_root);
	if (strncmp(path, env->pb_root, len) == 0 && path[len] == '/')
		p = path + len + 1;
	else if (strncmp(path, "/local/domain/", 14) == 0)
		p = path + 14;
	else
		return -1;
	end = strchrnul(p, '/');
	if (frontend_parse_id(p, (size_t)(end - p), FRONTEND_DOMID_LIMIT,
	    &domid) != 0)
		return -1;
	return (int)domid;
}

/* A watch said path changed (or was set): the instances forget it. */
void
frontend_changed(struct pcibackd *env, const char *path)
{
	struct frontend	*fe;
	int		 domid;

	if ((domid = frontend_path_domid(env, path)) == -1) {
		TAILQ_FOREACH(fe, &env->pb_frontends, fe_entry)
			nodecache_forget(&fe->fe_nodes, path);
		return;
	}
	LIST_FOREACH(fe, frontend_bucket(env, (unsigned int)domid), fe_bucket)
		if (fe->fe_domid == (unsigned int)domid)
			nodecache_forget(&fe->fe_nodes, path);
}

int
frontend_write(struct frontend *fe, const char *key, const char *val)
{
	char	path[256];

	snprintf(path, sizeof(path), "%s/%s", fe->fe_bepath, key);
	frontend_wrote(fe, path);
	if (!xs_write(fe->fe_env->pb_xs, XBT_NULL, path, val, strlen(val))) {
		log_warn("%s: write %s", fe->fe_name, path);
		return -1;
	}
	return 0;
}

/* dev-N as a host address, or -1. */
static int
frontend_dev(struct frontend *fe, int n, struct bdf *b)
{
	char	*s;
	int	 rc;

	if ((s = frontend_read(fe, "dev-%d", n)) == NULL)
		return -1;
	rc = bdf_parse_dev(s, b, NULL);
	free(s);
	return rc;
}

static int
frontend_owns(struct frontend *fe, const struct bdf *b)
{
	return topo_find_host(&fe->fe_topo, b) != NULL;
}

static int
frontend_state_of(struct frontend *fe, const char *path)
{
	char	*s;
	int	 st;

	s = frontend_read(fe, "%s", path);
	st = xbstate_parse_state(s);
	free(s);
	return st;
}

/*
 * The frontend's state as the guest wrote it.  Unknown (0) means the node
 * is gone, i.e. the guest was destroyed, and tears the instance down; a
 * guest that writes "0" itself is not destroyed, so that is an invalid
 * value like any other, not a way to make us release its devices early.
 */
static int
frontend_guest_state(struct frontend *fe)
{
	char	 path[sizeof(fe->fe_fepath) + 8], *s;
	int	 st;

	snprintf(path, sizeof(path), "%s/state", fe->fe_fepath);
	s = frontend_read(fe, "%s", path);
	st = xbstate_parse_state(s);
	if (s != NULL && st == XenbusStateUnknown)
		st = XBSTATE_INVALID;
	free(s);
	return st;
}

/* Fill the decision's input from what xenstore holds now. */
static void
frontend_snapshot(struct frontend *fe, struct xbstate_in *in)
{
	char		*s;
	int		 n;
	struct bdf	 b;

	xbstate_in_init(in);
	/* Its state node there, so is the directory: one read less. */
	s = frontend_read(fe, "state");
	in->xi_be_state = xbstate_parse_state(s);
	in->xi_be_exists = s != NULL;
	free(s);
	if (!in->xi_be_exists) {
		s = frontend_read(fe, "%s", fe->fe_bepath);
		in->xi_be_exists = s != NULL;
		free(s);
	}
	in->xi_fe_state = 0;
	/*
	 * An HVM guest has no pcifront, and its frontend directory is the
	 * guest's to write: it reads as libxl made it, so that nothing the
	 * guest writes there connects, closes or releases (§1.7).
	 */
	if (fe->fe_hvm)
		in->xi_fe_state = XenbusStateInitialising;
	else if (fe->fe_fepath[0] != '\0')
		in->xi_fe_state = frontend_guest_state(fe);
	s = frontend_read(fe, "online");
	in->xi_online = s != NULL && strcmp(s, "1") == 0;
	free(s);
	in->xi_dying = fe->fe_dying;
	in->xi_hvm = fe->fe_hvm;
	in->xi_down = fe->fe_down;
	in->xi_restarted = fe->fe_restarted;
	in->xi_connected = fe->fe_connected;
	in->xi_held = (int)topo_count(&fe->fe_topo);
	if (fe->fe_refused[0] != '\0')
		in->xi_fe_bad = fe->fe_refused;
	s = frontend_read(fe, "num_devs");
	in->xi_num_devs = xbstate_parse_num_devs(s);
	free(s);
	for (n = 0; n < in->xi_num_devs; n++) {
		s = frontend_read(fe, "state-%d", n);
		in->xi_dev[n].xd_state = xbstate_parse_state(s);
		free(s);
		/*
		 * lib/xbstate looks at dev-N only for a slot to export or to
		 * release, and at every slot when re-adopting after a
		 * restart: the exported slots' cost no round trip otherwise,
		 * one per device on each evaluation of a detach.
		 */
		if (!fe->fe_restarted &&
		    in->xi_dev[n].xd_state != XenbusStateInitialising &&
		    in->xi_dev[n].xd_state != XenbusStateClosing)
			continue;
		in->xi_dev[n].xd_dev_ok = frontend_dev(fe, n, &b) == 0;
		in->xi_dev[n].xd_exported = in->xi_dev[n].xd_dev_ok &&
		    frontend_owns(fe, &b);
	}
}

static int
frontend_fail(struct frontend *fe, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * xenbus_dev_fatal's convention (§1.4): "<errno> <message>" in
 * error/<backend path>/error, then Closing.
 */
static int
frontend_fail(struct frontend *fe, int err, const char *fmt, ...)
{
	char		 msg[SHARE_CAUSE_MAX + 64], val[sizeof(msg) + 16];
	char		 path[256];
	va_list		 ap;
	const char	*be = fe->fe_bepath;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_limited(&fe->fe_lr, LOG_WARNING, "%s: %s", fe->fe_name, msg);
	/* Relative to our domain: strip "/local/domain/<self>/". */
	if (strncmp(be, "/local/domain/", 14) == 0 &&
	    (be = strchr(be + 14, '/')) != NULL)
		be++;
	else
		be = fe->fe_bepath;
	snprintf(path, sizeof(path), "/local/domain/%u/error/%s/error",
	    fe->fe_env->pb_domid, be);
	snprintf(val, sizeof(val), "%d %s", err, msg);
	if (!xs_write(fe->fe_env->pb_xs, XBT_NULL, path, val, strlen(val)))
		log_warn("%s: write %s", fe->fe_name, path);
	return -1;
}

/*
 * Write the backend state only if it still reads `from`, in a
 * transaction, never creating the node (§2.2.2).  1 written, 0 the node
 * changed under us, -1 error (said), also after FRONTEND_SWITCH_TRIES
 * commits that conflicted: the caller evaluates the instance again.
 */
static int
frontend_switch(struct frontend *fe, int from, int to)
{
	struct xs_handle	*xs = fe->fe_env->pb_xs;
	xs_transaction_t	 t;
	char			 path[256], val[8], *s;
	unsigned int		 len;
	int			 cur, tries;

	snprintf(path, sizeof(path), "%s/state", fe->fe_bepath);
	snprintf(val, sizeof(val), "%d", to);
	frontend_wrote(fe, path);
	for (tries = 0; tries < FRONTEND_SWITCH_TRIES; tries++) {
		if ((t = xs_transaction_start(xs)) == XBT_NULL) {
			log_warn("%s: %s: no transaction", fe->fe_name, path);
			return -1;
		}
		s = xs_read(xs, t, path, &len);
		cur = s != NULL ? xbstate_parse_state(s) : -2;
		free(s);
		if (cur != from) {
			xs_transaction_end(xs, t, true);
			return 0;
		}
		if (!xs_write(xs, t, path, val, strlen(val))) {
			log_warn("%s: write %s", fe->fe_name, path);
			xs_transaction_end(xs, t, true);
			return -1;
		}
		if (xs_transaction_end(xs, t, false)) {
			log_debug("%s: %s -> %s", fe->fe_name,
			    xbstate_name(from), xbstate_name(to));
			return 1;
		}
		if (errno != EAGAIN) {
			log_warn("%s: commit %s", fe->fe_name, path);
			return -1;
		}
	}
	/* Not written: the caller must not take it for done. */
	log_warnx("%s: %s: %d commits conflicted; evaluated again",
	    fe->fe_name, path, FRONTEND_SWITCH_TRIES);
	return -1;
}

/*
 * Put the device on the guest's bus.  Adopting after a restart, keep the
 * address the guest already uses (vdev-N); the guest must not notice.
 */
static int
frontend_place(struct frontend *fe, int n, int adopt, const struct bdf *host,
    struct heldev *hd, char *had, size_t hadlen, char **cause)
{
	struct bdf	 want;
	char		*s;
	int		 rc = -1;

	if (adopt && (s = frontend_read(fe, "vdev-%d", n)) != NULL) {
		if (bdf_parse_vdev(s, &want, NULL) == 0)
			rc = topo_adopt(&fe->fe_topo, host, NULL, &hd->hd_pciop,
			    &want, cause);
		if (rc == 0)
			snprintf(had, hadlen, "%s", s);
		free(s);
		if (rc == 0)
			return 0;
		free(*cause);
		*cause = NULL;
	}
	return topo_add(&fe->fe_topo, host, NULL, &hd->hd_pciop, NULL, cause);
}

/*
 * Like xen-pciback, no bridge on the virtual bus: what sits behind it is
 * not on that bus, and the guest would see a bridge to nothing.  The
 * device block's "allow bridge" overrides; passthrough shows them.
 */
int
frontend_bridge_refused(struct pcibackd *env, struct heldev *hd)
{
	const struct conf_device	*cd;

	if (env->pb_conf->c_mode != CONF_MODE_VIRTUAL ||
	    cfgspace_header_type(hd->hd_pciop.pd_cs) != 1)
		return 0;
	cd = conf_find_device(env->pb_conf, &hd->hd_bdf);
	return cd == NULL || !cd->cd_bridge;
}

/*
 * Another function of the same device was refused in this instance: this
 * one is too (XSA-449, all functions or none).
 */
static int
frontend_sibling_refused(struct frontend *fe, const struct bdf *b)
{
	struct bdf	 o;
	char		*s, key[32];
	int		 n, num, st;

	s = frontend_read(fe, "num_devs");
	num = xbstate_parse_num_devs(s);
	free(s);
	for (n = 0; n < num; n++) {
		if (frontend_dev(fe, n, &o) != 0 || bdf_equal(&o, b) ||
		    o.b_seg != b->b_seg || o.b_bus != b->b_bus ||
		    o.b_dev != b->b_dev)
			continue;
		snprintf(key, sizeof(key), "state-%d", n);
		st = frontend_state_of(fe, key);
		if (st == FRONTEND_SLOT_REFUSED)
			return 1;
	}
	return 0;
}

/*
 * A slot other than the device of slot failed that is not refused: the
 * guest still has or gets something, so a refusal need not fail it.
 */
static int
frontend_others_left(struct frontend *fe, int failed)
{
	struct bdf	 bad, o;
	char		*s, key[32];
	int		 n, num;

	if (frontend_dev(fe, failed, &bad) != 0)
		return 0;
	s = frontend_read(fe, "num_devs");
	num = xbstate_parse_num_devs(s);
	free(s);
	for (n = 0; n < num; n++) {
		if (frontend_dev(fe, n, &o) != 0 || (o.b_seg == bad.b_seg &&
		    o.b_bus == bad.b_bus && o.b_dev == bad.b_dev))
			continue;
		snprintf(key, sizeof(key), "state-%d", n);
		if (frontend_state_of(fe, key) != FRONTEND_SLOT_REFUSED)
			return 1;
	}
	return 0;
}

/* Slots whose device was refused. */
static int
frontend_nrefused(struct frontend *fe)
{
	char	*s, key[32];
	int	 n, num, refused = 0;

	s = frontend_read(fe, "num_devs");
	num = xbstate_parse_num_devs(s);
	free(s);
	for (n = 0; n < num; n++) {
		snprintf(key, sizeof(key), "state-%d", n);
		if (frontend_state_of(fe, key) == FRONTEND_SLOT_REFUSED)
			refused++;
	}
	return refused;
}

/*
 * Before the first connect: libxl writes the devices of a new guest one
 * by one and never waits (§2.4), so more may come after a refusal.
 */
static int
frontend_setting_up(struct frontend *fe)
{
	int	be = frontend_state_of(fe, "state");

	return be == XenbusStateInitWait || be == XenbusStateInitialised;
}

static int
frontend_refuse(struct frontend *fe, int n, int err, const char *addr,
    const char *why)
{
	frontend_fail(fe, err, "%s: %s%s", addr, why,
	    !frontend_setting_up(fe) && frontend_others_left(fe, n) ?
	    "; the guest keeps its other devices" : "");
	return FRONTEND_REFUSED;
}

/*
 * 0 exported, 1 deferred until its reset ends, FRONTEND_REFUSED (the
 * guest gets its other devices: libxl never waits for our verdict, so
 * failing the instance would only lose them all), -1 the instance cannot
 * go on.
 */
static int
frontend_export(struct frontend *fe, int n, int adopt)
{
	struct heldev	*hd;
	struct bdf	 host, guest;
	char		 addr[BDF_XL_MAX], vdev[BDF_XL_MAX], key[32], *cause;
	char		 had[BDF_XL_MAX] = "";
	int		 rc;

	if (frontend_dev(fe, n, &host) != 0)
		return frontend_fail(fe, EINVAL, "dev-%d: not a PCI address",
		    n);
	bdf_format_dev(&host, addr, sizeof(addr));
	if ((hd = device_find(fe->fe_env, &host)) == NULL)
		return frontend_refuse(fe, n, ENODEV, addr, "not held by "
		    "pcibackd (make it assignable, or add it to pcibackd.conf; "
		    "pcibackctl explain says which)");
	/*
	 * Its last guest let go moments ago (a fast teardown, §2.7): wait
	 * for the reset, which ends in frontend_retry(), or its timeout.
	 */
	if (!adopt && hd->hd_state == HD_RESETTING) {
		log_info("%s %s: waiting for its reset", fe->fe_name, addr);
		return 1;
	}
	/*
	 * A guest adopted after a restart already has it: never refuse.
	 * Nor an HVM guest, which QEMU gave it already: a refusal would
	 * only show it free while the guest uses it.
	 */
	if (!adopt && !fe->fe_hvm &&
	    topo_find_host(&fe->fe_topo, &host) == NULL &&
	    frontend_bridge_refused(fe->fe_env, hd))
		return frontend_refuse(fe, n, EPERM, addr, "a bridge, refused on "
		    "the virtual bus (\"allow bridge\" in pcibackd.conf)");
	if (!adopt && !fe->fe_hvm &&
	    topo_find_host(&fe->fe_topo, &host) == NULL &&
	    frontend_sibling_refused(fe, &host))
		return frontend_refuse(fe, n, EBUSY, addr, "another function of "
		    "the device was refused (XSA-449: all functions or none)");
	cause = NULL;
	if (device_claim(hd, fe->fe_domid, fe->fe_hvm ? DEVICE_CLAIM_HVM :
	    adopt ? DEVICE_CLAIM_ADOPT : DEVICE_CLAIM_NEW, &cause) != 0) {
		rc = frontend_refuse(fe, n, EBUSY, addr,
		    cause != NULL ? cause : "cannot claim");
		free(cause);
		return rc;
	}
	if (topo_find_host(&fe->fe_topo, &host) == NULL &&
	    frontend_place(fe, n, adopt, &host, hd, had, sizeof(had),
	    &cause) != 0) {
		device_unassign(hd);
		rc = frontend_refuse(fe, n, ENOSPC, addr,
		    cause != NULL ? cause : "no room");
		free(cause);
		return rc;
	}
	/* Before the guest can know: its worker must serve the device. */
	worker_refresh(fe);
	guest = topo_find_host(&fe->fe_topo, &host)->te_guest;
	bdf_format_vdev(&guest, vdev, sizeof(vdev));
	snprintf(key, sizeof(key), "vdev-%d", n);
	/*
	 * Adopted where it was: no write, which would wake the guest's
	 * watch and our own, in the window a restart must keep short.
	 */
	/* A write xenstore refused: the toolstack is told which. */
	if (strcmp(had, vdev) != 0 && frontend_write(fe, key, vdev) != 0)
		return frontend_fail(fe, EIO, "%s: cannot write %s", addr, key);
	if (!adopt) {
		snprintf(key, sizeof(key), "state-%d", n);
		if (frontend_write(fe, key, "3") != 0)
			return frontend_fail(fe, EIO, "%s: cannot write %s",
			    addr, key);
	}
	log_info("%s %s: %s as %s", fe->fe_name, addr,
	    adopt ? "adopted" : "exported", vdev);
	return 0;
}

/*
 * The slot's device is refused: state-N Closed, which no pass exports
 * again (only Initialising is) and libxl's detach still removes.
 */
static void
frontend_slot_refused(struct frontend *fe, int n)
{
	char	key[32];

	snprintf(key, sizeof(key), "state-%d", n);
	(void)frontend_write(fe, key, FRONTEND_SLOT_REFUSED_S);
}

static void
frontend_release(struct frontend *fe, int n)
{
	struct bdf	 host;
	struct heldev	*hd;

	if (frontend_dev(fe, n, &host) != 0)
		return;
	/* Its worker lets go of the device before it is given back. */
	if (worker_drop(fe, &host) != 0)
		return;
	if ((hd = device_find(fe->fe_env, &host)) != NULL)
		device_unassign(hd);
}

/*
 * XSA-449: a multi-function device is the guest's all or nothing.  One
 * function of it failed to export: the functions of the same device
 * this instance has are taken back (and reset), and their slots say so
 * (no vdev-N, state-N as given: refused like the one that failed, or
 * Initialising again when the instance fails).
 */
static void
frontend_rollback(struct frontend *fe, int failed, const char *state)
{
	struct heldev	*hd;
	struct bdf	 bad, host;
	char		 addr[BDF_XL_MAX], key[32], path[256], *s;
	int		 n, num;

	if (frontend_dev(fe, failed, &bad) != 0)
		return;
	s = frontend_read(fe, "num_devs");
	num = xbstate_parse_num_devs(s);
	free(s);
	for (n = 0; n < num; n++) {
		if (n == failed || frontend_dev(fe, n, &host) != 0 ||
		    host.b_seg != bad.b_seg || host.b_bus != bad.b_bus ||
		    host.b_dev != bad.b_dev || worker_drop(fe, &host) != 0)
			continue;
		bdf_format_dev(&host, addr, sizeof(addr));
		log_warnx("%s %s: taken back: another function of the device "
		    "failed (XSA-449: all functions or none)", fe->fe_name,
		    addr);
		if ((hd = device_find(fe->fe_env, &host)) != NULL)
			device_unassign(hd);
		snprintf(path, sizeof(path), "%s/vdev-%d", fe->fe_bepath, n);
		frontend_wrote(fe, path);
		(void)xs_rm(fe->fe_env->pb_xs, XBT_NULL, path);
		snprintf(key, sizeof(key), "state-%d", n);
		(void)frontend_write(fe, key, state);
	}
}

static void
frontend_release_all(struct frontend *fe)
{
	struct topo_entry	*te;
	struct heldev		*hd;
	struct bdf		 host;

	while (topo_count(&fe->fe_topo) > 0) {
		te = topo_entry(&fe->fe_topo, 0);
		host = te->te_host;
		(void)topo_remove(&fe->fe_topo, &host, NULL);
		if ((hd = device_find(fe->fe_env, &host)) != NULL)
			device_unassign(hd);
	}
}

/* Append the roots the guest does not have yet (§2.3 step 3). */
static int
frontend_publish_roots(struct frontend *fe)
{
	char		*s, key[32], val[16];
	int		 have, k, dup;
	size_t		 i;
	uint16_t	 seg, rseg;
	uint8_t		 bus, rbus;

	s = frontend_read(fe, "root_num");
	have = s != NULL ? xbstate_parse_num_devs(s) : 0;
	free(s);
	if (have < 0)
		have = 0;
	for (i = 0; i < topo_nroots(&fe->fe_topo); i++) {
		if (topo_root(&fe->fe_topo, i, &seg, &bus) != 0)
			continue;
		for (dup = 0, k = 0; k < have && !dup; k++) {
			s = frontend_read(fe, "root-%d", k);
			dup = s != NULL && bdf_parse_root(s, &rseg, &rbus,
			    NULL) == 0 && rseg == seg && rbus == bus;
			free(s);
		}
		if (dup)
			continue;
		bdf_format_root(seg, bus, val, sizeof(val));
		snprintf(key, sizeof(key), "root-%d", have);
		if (frontend_write(fe, key, val) != 0)
			return -1;
		have++;
	}
	snprintf(val, sizeof(val), "%d", have);
	return frontend_write(fe, "root_num", val);
}

/* Every adoption waiting for a port (frontend_port_held) again. */
static void
frontend_held_retry(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	frontend_retry(arg);
}

/*
 * The port is bound already, by another process's handle: after a
 * restart, a worker the previous daemon left serving whose record is
 * gone (removed by hand), so that nobody could stop it.  It serves the
 * guest and exits within restart-grace; until a little after that the
 * adoption is tried again, every FRONTEND_HELD_MS, rather than failed.
 */
static int
frontend_port_held(struct frontend *fe)
{
	struct pcibackd	*env = fe->fe_env;
	struct timeval	 tv = { 0, FRONTEND_HELD_MS * 1000 };

	if (!fe->fe_port_held || env->pb_conf->c_restart_grace == 0 ||
	    time(NULL) - env->pb_started >
	    (time_t)env->pb_conf->c_restart_grace + FRONTEND_HELD_SLACK)
		return 0;
	if (env->pb_heldev == NULL && (env->pb_heldev = evtimer_new(
	    env->pb_base, frontend_held_retry, env)) == NULL)
		return 0;
	if (!evtimer_pending(env->pb_heldev, NULL))
		(void)evtimer_add(env->pb_heldev, &tv);
	log_limited(&fe->fe_lr, LOG_INFO, "%s: port %u of dom%u is held, "
	    "perhaps by a worker a previous daemon left serving; trying "
	    "again", fe->fe_name, fe->fe_remote_port, fe->fe_domid);
	return 1;
}

static int
frontend_connect(struct frontend *fe, int adopt)
{
	char		*ref, *port, *magic, path[256], *cause = NULL;
	const char	*why = NULL;
	int		 rc;

	snprintf(path, sizeof(path), "%s/pci-op-ref", fe->fe_fepath);
	ref = frontend_read(fe, "%s", path);
	snprintf(path, sizeof(path), "%s/event-channel", fe->fe_fepath);
	port = frontend_read(fe, "%s", path);
	snprintf(path, sizeof(path), "%s/magic", fe->fe_fepath);
	magic = frontend_read(fe, "%s", path);
	rc = xbstate_parse_connect(ref, port, magic, &fe->fe_gref,
	    &fe->fe_remote_port, &why);
	free(ref);
	free(port);
	free(magic);
	if (rc != 0)
		return frontend_fail(fe, EINVAL, "%s", why != NULL ? why :
		    "bad connect keys");
	if (opserve_connect(fe, &cause) != 0) {
		if (adopt && frontend_port_held(fe)) {
			free(cause);
			return -1;
		}
		frontend_fail(fe, EINVAL, "%s", cause != NULL ? cause :
		    "cannot connect");
		free(cause);
		return -1;
	}
	if (adopt)
		fe->fe_env->pb_adopted_xs++;
	/* Its worker served an op a previous daemon left in flight. */
	log_info("%s: %s (grant %u, port %u)", fe->fe_name,
	    adopt ? "adopted a connected guest" : "connected", fe->fe_gref,
	    fe->fe_remote_port);
	return 0;
}

/* Forget the instance: nothing is written, devices go back to the pool. */
static void
frontend_teardown(struct frontend *fe)
{
	struct pcibackd	*env = fe->fe_env;

	log_info("%s: gone, releasing its devices", fe->fe_name);
	opserve_disconnect(fe);
	frontend_release_all(fe);
	(void)watch_frontend(env, fe, 0);
	frontend_unlink(env, fe);
	frontend_free(fe);
}

/*
 * Perform one action list; 1 re-evaluate, 0 done, -1 instance gone.
 * After our own state write, done too: the write fires our watch on the
 * backend root, whose event evaluates the instance again, so an
 * evaluation here would only repeat that one's round trips (a dozen a
 * detach).  Except in the start-up scan, which decides every instance
 * to the end before device_adopted gives back what none claimed.
 */
static int
frontend_perform(struct frontend *fe, const struct xbstate_out *out)
{
	const struct xbstate_action	*a;
	size_t				 i;
	int				 rc, wrote = 0;

	for (i = 0; i < out->xo_n; i++) {
		a = &out->xo_act[i];
		switch (a->xa_type) {
		case XBSTATE_A_EXPORT:
		case XBSTATE_A_ADOPT_DEV:
			rc = frontend_export(fe, a->xa_dev,
			    a->xa_type == XBSTATE_A_ADOPT_DEV);
			/* Deferred: the same pass again after the reset. */
			if (rc == 1)
				return 0;
			if (rc == 0 || a->xa_type != XBSTATE_A_EXPORT)
				break;
			/*
			 * Nothing else to give after the set-up: the
			 * instance fails (§1.4).  During the set-up more
			 * devices may come (§2.4): CONNECT decides.
			 */
			if (rc < 0 || (!frontend_setting_up(fe) &&
			    !frontend_others_left(fe, a->xa_dev))) {
				frontend_rollback(fe, a->xa_dev, "1");
				goto fatal;
			}
			frontend_rollback(fe, a->xa_dev,
			    FRONTEND_SLOT_REFUSED_S);
			frontend_slot_refused(fe, a->xa_dev);
			break;
		case XBSTATE_A_RELEASE:
			frontend_release(fe, a->xa_dev);
			break;
		case XBSTATE_A_PUBLISH_ROOTS:
			if (frontend_publish_roots(fe) == 0)
				break;
			frontend_fail(fe, EIO, "cannot write its root buses");
			goto fatal;
		case XBSTATE_A_CONNECT:
			/* Every device refused: its error node says why. */
			if ((rc = frontend_nrefused(fe)) > 0 &&
			    topo_count(&fe->fe_topo) == 0)
				goto fatal;
			if (rc > 0)
				log_warnx("%s: %d of its devices refused (see "
				    "above), the guest gets the other %zu",
				    fe->fe_name, rc, topo_count(&fe->fe_topo));
			/* FALLTHROUGH */
		case XBSTATE_A_ADOPT:
			if (frontend_connect(fe,
			    a->xa_type == XBSTATE_A_ADOPT) != 0 &&
			    a->xa_type == XBSTATE_A_CONNECT)
				goto fatal;
			break;
		case XBSTATE_A_DISCONNECT:
			opserve_disconnect(fe);
			break;
		case XBSTATE_A_SWITCH:
			rc = frontend_switch(fe, a->xa_from, a->xa_state);
			if (rc <= 0)
				return 1;
			wrote = 1;
			break;
		case XBSTATE_A_FATAL:
			frontend_fail(fe, out->xo_errno, "%s", out->xo_reason);
			if (a->xa_state != -1)
				(void)frontend_switch(fe, a->xa_from,
				    a->xa_state);
			return 0;
		case XBSTATE_A_TEARDOWN:
			frontend_teardown(fe);
			return -1;
		}
	}
	return wrote && fe->fe_env->pb_starting;
fatal:
	/* The error node is written; go to Closing from where we are. */
	(void)frontend_switch(fe, frontend_state_of(fe, "state"),
	    XenbusStateClosing);
	return 0;
}

/* A slot that names host and is not being taken away; 0 if none. */
static int
frontend_hvm_listed(struct frontend *fe, const struct bdf *host, int num)
{
	struct bdf	b;
	int		n, st;
	char		key[32];

	for (n = 0; n < num; n++) {
		snprintf(key, sizeof(key), "state-%d", n);
		st = frontend_state_of(fe, key);
		if (st == XenbusStateClosing || st == XenbusStateClosed)
			continue;
		if (frontend_dev(fe, n, &b) == 0 && bdf_equal(&b, host))
			return 1;
	}
	return 0;
}

/*
 * An HVM guest's devices are given back as soon as libxl takes them
 * away: it writes state-N 5 and removes the slot in the next breath,
 * without waiting for us (its QMP device_del, its reset and Xen's
 * deassign are done by then, §1.7), so a slot may be gone before we
 * read it.  Each device no remaining slot lists is released.
 */
static void
frontend_hvm_sweep(struct frontend *fe)
{
	struct bdf	 host;
	struct heldev	*hd;
	char		*s, addr[BDF_XL_MAX];
	size_t		 i;
	int		 num;

	s = frontend_read(fe, "num_devs");
	num = xbstate_parse_num_devs(s);
	free(s);
	if (num < 0)
		num = 0;
	for (i = topo_count(&fe->fe_topo); i-- > 0; ) {
		host = topo_entry(&fe->fe_topo, i)->te_host;
		if (frontend_hvm_listed(fe, &host, num))
			continue;
		bdf_format_dev(&host, addr, sizeof(addr));
		log_info("%s %s: the toolstack took it from the HVM guest",
		    fe->fe_name, addr);
		if (worker_drop(fe, &host) == 0 &&
		    (hd = device_find(fe->fe_env, &host)) != NULL)
			device_unassign(hd);
	}
}

static void
frontend_run(struct frontend *fe)
{
	struct frontend_ctx	*fc;
	char			 line[256];
	int			 round, rc = 0;

	if ((fc = calloc(1, sizeof(*fc))) == NULL) {
		log_warn("%s", __func__);
		return;
	}
	for (round = 0; round < FRONTEND_MAX_ROUNDS; round++) {
		frontend_snapshot(fe, &fc->fc_in);
		if (xbstate_step(&fc->fc_in, &fc->fc_out) != 0 ||
		    fc->fc_out.xo_n == 0)
			break;
		if (log_getverbose() > 0) {
			xbstate_format(&fc->fc_out, line, sizeof(line));
			log_debug("%s: be %s fe %s: %s", fe->fe_name,
			    xbstate_name(fc->fc_in.xi_be_state),
			    xbstate_name(fc->fc_in.xi_fe_state), line);
		}
		if ((rc = frontend_perform(fe, &fc->fc_out)) <= 0)
			break;
	}
	free(fc);
	/* rc -1: the instance is gone, and its devices with it. */
	if (rc != -1 && fe->fe_hvm)
		frontend_hvm_sweep(fe);
}

/*
 * Tie the instance to its domain, not its domid alone, which a new
 * domain may reuse: a fresh instance records the domain's /vm path (its
 * UUID) in "owner-vm"; one found past Initialising at start-up is
 * adopted only by the domain it records.  None recorded: an older
 * pcibackd's instance, adopted by domid.
 */
static void
frontend_identity(struct frontend *fe)
{
	char	*vm, *rec, *dom;

	vm = frontend_read(fe, "/local/domain/%u/vm", fe->fe_domid);
	/* Only an adoption compares: a fresh instance writes, one trip less. */
	rec = fe->fe_restarted ? frontend_read(fe, "owner-vm") : NULL;
	/* No domain at all: the instance is torn down as gone. */
	dom = vm != NULL ? NULL : frontend_read(fe, "/local/domain/%u",
	    fe->fe_domid);
	if (!fe->fe_restarted) {
		if (vm != NULL)
			(void)frontend_write(fe, "owner-vm", vm);
	} else if (rec != NULL && (vm != NULL || dom != NULL) &&
	    (vm == NULL || strcmp(vm, rec) != 0)) {
		snprintf(fe->fe_refused, sizeof(fe->fe_refused), "made for "
		    "another domain with this domid (%.40s)", rec);
		log_warnx("%s: %s refused: %s, now %s: its devices are reset, "
		    "not adopted", fe->fe_name, fe->fe_bepath, fe->fe_refused,
		    vm != NULL ? vm : "no vm node");
	}
	free(vm);
	free(rec);
	free(dom);
}

/*
 * Whether the guest is HVM: libxl's /libxl/<domid>/type reads "hvm".
 * libxl writes it in the transaction that makes the domain, before any
 * device, and it never changes while the domain lives, so one read when
 * the instance appears is enough (the instance's own watch covers the
 * rest).  It is what libxl itself reads to take its HVM path, the one
 * that skips every wait for the backend (libxl__domain_type); it is
 * dom0's alone, so the guest cannot forge it, where the frontend
 * directory's contents are the guest's.  Xen's own flag would call a
 * PVH guest HVM as well.  No node (another toolstack, an old libxl):
 * a PV guest, as before.
 */
static void
frontend_hvm_detect(struct frontend *fe)
{
	char	*s;

	s = frontend_read(fe, "/libxl/%u/type", fe->fe_domid);
	fe->fe_hvm = s != NULL && strcmp(s, "hvm") == 0;
	free(s);
	if (fe->fe_hvm)
		log_info("%s: an HVM guest: its devices are QEMU's, the "
		    "toolstack alone gives them back", fe->fe_name);
}

/* An instance as we know it before reading anything of it. */
static struct frontend *
frontend_alloc(struct pcibackd *env, unsigned int domid, unsigned int devid,
    int restarted)
{
	struct frontend	*fe;
	int		 mode;

	if ((fe = calloc(1, sizeof(*fe))) == NULL) {
		log_warn("%s", __func__);
		return NULL;
	}
	fe->fe_env = env;
	fe->fe_domid = domid;
	fe->fe_devid = devid;
	fe->fe_restarted = restarted;
	/* Found after its guest shut down (a restart): answer at once. */
	fe->fe_down = guestdom_down(domid);
	fe->fe_wsock = -1;
	snprintf(fe->fe_name, sizeof(fe->fe_name), "dom%u", domid);
	snprintf(fe->fe_bepath, sizeof(fe->fe_bepath), "%s/%u/%u",
	    env->pb_root, domid, devid);
	log_ratelimit_init(&fe->fe_lr, env->pb_conf->c_lograte,
	    env->pb_conf->c_logburst);
	/* A scan's "not found" replies must not starve fe_lr's warnings. */
	log_ratelimit_init(&fe->fe_oplr, env->pb_conf->c_lograte,
	    env->pb_conf->c_logburst);
	mode = env->pb_conf->c_mode == CONF_MODE_PASSTHROUGH ?
	    TOPO_PASSTHROUGH : TOPO_VIRTUAL;
	topo_init(&fe->fe_topo, mode);
	fe->fe_guest.pg_topo = &fe->fe_topo;
	return fe;
}

/*
 * Without its watch the guest's state changes would go unseen and the
 * guest would wait for ever: the instance is refused instead, saying
 * why (error node, Closing), as one whose frontend is not the guest's.
 */
static void
frontend_watch_guest(struct frontend *fe)
{
	if (fe->fe_fepath[0] == '\0' || fe->fe_refused[0] != '\0' ||
	    watch_frontend(fe->fe_env, fe, 1) == 0)
		return;
	snprintf(fe->fe_refused, sizeof(fe->fe_refused), "cannot watch "
	    "%s/state: %s", fe->fe_fepath, strerror(errno));
	log_limited(&fe->fe_lr, LOG_WARNING, "%s: %s refused: %s",
	    fe->fe_name, fe->fe_bepath, fe->fe_refused);
}

static struct frontend *
frontend_new(struct pcibackd *env, unsigned int domid, unsigned int devid,
    int restarted)
{
	struct frontend	*fe;
	char		*s, *id;

	if ((fe = frontend_alloc(env, domid, devid, restarted)) == NULL)
		return NULL;

	/* The toolstack names the frontend; it must be this guest's. */
	s = frontend_read(fe, "frontend");
	id = frontend_read(fe, "frontend-id");
	if (xbstate_check_frontend(s, id, domid, devid, fe->fe_refused,
	    sizeof(fe->fe_refused)) == 0)
		snprintf(fe->fe_fepath, sizeof(fe->fe_fepath), "%s", s);
	else
		log_limited(&fe->fe_lr, LOG_WARNING, "%s: %s refused: %s",
		    fe->fe_name, fe->fe_bepath, fe->fe_refused);
	free(s);
	free(id);
	if (fe->fe_refused[0] == '\0')
		frontend_identity(fe);
	frontend_hvm_detect(fe);
	frontend_link(env, fe);
	/* An HVM guest's frontend state is never read (frontend_snapshot). */
	if (!fe->fe_hvm)
		frontend_watch_guest(fe);
	log_debug("%s: new instance %s%s%s", fe->fe_name, fe->fe_bepath,
	    fe->fe_hvm ? " (HVM)" : "", restarted ? " (adopting)" : "");
	return fe;
}

/*
 * " (HVM)" if the instance that has hd is an HVM guest's: for messages
 * and pcibackctl, which say who uses a device.
 */
const char *
frontend_owner_kind(struct pcibackd *env, const struct heldev *hd)
{
	struct frontend	*fe;

	if (hd->hd_owner < 0)
		return "";
	LIST_FOREACH(fe, frontend_bucket(env, (unsigned int)hd->hd_owner),
	    fe_bucket)
		if (fe->fe_domid == (unsigned int)hd->hd_owner &&
		    fe->fe_hvm && frontend_owns(fe, &hd->hd_bdf))
			return " (HVM)";
	return "";
}

struct frontend *
frontend_find(struct pcibackd *env, unsigned int domid, unsigned int devid)
{
	struct frontend	*fe;

	LIST_FOREACH(fe, frontend_bucket(env, domid), fe_bucket)
		if (fe->fe_domid == domid && fe->fe_devid == devid)
			return fe;
	return NULL;
}

/*
 * Undo frontend_resume: the worker goes, the devices are free again
 * with the provider's owner kept (device_unclaim), the instance is
 * forgotten.  Adopting it from xenstore decides afresh.
 */
static void
frontend_unresume(struct frontend *fe, const char *why)
{
	struct pcibackd		*env = fe->fe_env;
	struct topo_entry	*te;
	struct heldev		*hd;
	struct bdf		 host;

	log_info("%s: its restart record does not apply (%s): adopting it "
	    "from xenstore", fe->fe_name, why);
	opserve_disconnect(fe);
	while (topo_count(&fe->fe_topo) > 0) {
		te = topo_entry(&fe->fe_topo, 0);
		host = te->te_host;
		(void)topo_remove(&fe->fe_topo, &host, NULL);
		if ((hd = device_find(env, &host)) != NULL &&
		    hd->hd_owner == (int)fe->fe_domid)
			device_unclaim(hd);
	}
	(void)watch_frontend(env, fe, 0);
	frontend_unlink(env, fe);
	frontend_free(fe);
}

/*
 * Serve a guest again from its restart record (record.c), before
 * anything slow at start-up.  Only what proves that the record still
 * describes this domain's connection is read first: the domain is the
 * one the instance was made for (owner-vm, as frontend_identity), both
 * ends are Connected, and the guest's frontend names the recorded grant
 * and port.  The devices must still be the guest's with their provider.
 * frontend_verify checks the rest once the guest is served.
 */
int
frontend_resume(struct pcibackd *env, struct record *rec)
{
	struct frontend	*fe;
	struct heldev	*hd;
	char		*vm, *own, *ref, *port, *cause = NULL, addr[BDF_XL_MAX];
	char		 vdev[BDF_XL_MAX], id[16], bad[96];
	const char	*why = NULL;
	uint32_t	 gref, rport;
	size_t		 i;

	snprintf(id, sizeof(id), "%u", rec->rc_domid);
	if (frontend_find(env, rec->rc_domid, rec->rc_devid) != NULL)
		return -1;
	if (xbstate_check_frontend(rec->rc_fepath, id, rec->rc_domid,
	    rec->rc_devid, bad, sizeof(bad)) != 0) {
		log_warnx("dom%u: its restart record names another guest's "
		    "frontend (%s): adopting it from xenstore", rec->rc_domid,
		    bad);
		return -1;
	}
	if ((fe = frontend_alloc(env, rec->rc_domid, rec->rc_devid, 1)) ==
	    NULL)
		return -1;
	frontend_link(env, fe);
	fe->fe_resumed = 1;
	snprintf(fe->fe_fepath, sizeof(fe->fe_fepath), "%s", rec->rc_fepath);
	vm = frontend_read(fe, "/local/domain/%u/vm", fe->fe_domid);
	own = frontend_read(fe, "owner-vm");
	if (vm == NULL || own == NULL || strcmp(vm, own) != 0)
		why = "not the domain it was made for";
	free(vm);
	free(own);
	if (why == NULL && (frontend_state_of(fe, "state") !=
	    XenbusStateConnected || frontend_guest_state(fe) !=
	    XenbusStateConnected))
		why = "not connected";
	if (why == NULL) {
		ref = frontend_read(fe, "%s/pci-op-ref", fe->fe_fepath);
		port = frontend_read(fe, "%s/event-channel", fe->fe_fepath);
		if (xbstate_parse_connect(ref, port, XEN_PCI_MAGIC, &gref,
		    &rport, NULL) != 0 || gref != rec->rc_gref ||
		    rport != rec->rc_port)
			why = "another grant or port";
		free(ref);
		free(port);
	}
	for (i = 0; why == NULL && i < rec->rc_ndev; i++) {
		bdf_format_dev(&rec->rc_host[i], addr, sizeof(addr));
		hd = device_find(env, &rec->rc_host[i]);
		if (hd == NULL || hd->hd_state != HD_READY ||
		    (hd->hd_prov->po_owner(hd) != (int)fe->fe_domid &&
		    (hd->hd_prov->po_toolstack ||
		    hd->hd_prov->po_owner(hd) != -1)))
			why = "a device is no longer the guest's";
		else if (device_claim(hd, fe->fe_domid, DEVICE_CLAIM_ADOPT,
		    &cause) != 0)
			why = "a device cannot be claimed";
		else if (topo_adopt(&fe->fe_topo, &rec->rc_host[i], NULL,
		    &hd->hd_pciop, &rec->rc_guest[i], &cause) != 0) {
			device_unclaim(hd);
			why = "a guest address is not valid";
		} else {
			/* What the guest last wrote, not what dom0 reads. */
			if (rec->rc_command[i] >= 0)
				cfgspace_set_guest_command(hd->hd_pciop.pd_cs,
				    (uint16_t)rec->rc_command[i]);
			bdf_format_vdev(&rec->rc_guest[i], vdev, sizeof(vdev));
			log_info("%s %s: adopted as %s", fe->fe_name, addr,
			    vdev);
		}
		free(cause);
		cause = NULL;
	}
	fe->fe_gref = rec->rc_gref;
	fe->fe_remote_port = rec->rc_port;
	/* Its handle holds the port: only now, the guest's wait starts. */
	record_retire(rec);
	if (why == NULL && opserve_connect(fe, &cause) != 0)
		why = cause != NULL ? cause : "cannot connect";
	if (why != NULL) {
		frontend_unresume(fe, why);
		free(cause);
		return -1;
	}
	log_info("%s: adopted a connected guest (grant %u, port %u) from its "
	    "restart record", fe->fe_name, fe->fe_gref, fe->fe_remote_port);
	return 0;
}

/*
 * The rest of what the adoption from xenstore would check, for an
 * instance served from its record: the toolstack's frontend nodes, and
 * every device served in a slot of the instance at the address the
 * guest knows.  0: it stays, as if adopted from xenstore; -1: undone.
 */
static int
frontend_verify(struct frontend *fe)
{
	struct topo_entry	*te;
	struct bdf		 host, guest;
	char			*s, *id, bad[96];
	int			 n, num, found;

	s = frontend_read(fe, "frontend");
	id = frontend_read(fe, "frontend-id");
	found = xbstate_check_frontend(s, id, fe->fe_domid, fe->fe_devid,
	    bad, sizeof(bad)) == 0 && strcmp(s, fe->fe_fepath) == 0;
	free(s);
	free(id);
	if (!found) {
		frontend_unresume(fe, "another frontend");
		return -1;
	}
	s = frontend_read(fe, "num_devs");
	num = xbstate_parse_num_devs(s);
	free(s);
	/* Each slot once; every device served must be in one. */
	for (found = 0, n = 0; n < num; n++) {
		if (frontend_dev(fe, n, &host) != 0 ||
		    (te = topo_find_host(&fe->fe_topo, &host)) == NULL)
			continue;
		s = frontend_read(fe, "vdev-%d", n);
		if (s != NULL && bdf_parse_vdev(s, &guest, NULL) == 0 &&
		    bdf_equal(&guest, &te->te_guest))
			found++;
		free(s);
	}
	if (found != (int)topo_count(&fe->fe_topo)) {
		frontend_unresume(fe, "a device not in its slots");
		return -1;
	}
	fe->fe_resumed = 0;
	fe->fe_env->pb_adopted_rec++;
	frontend_watch_guest(fe);
	return 0;
}

void
frontend_update(struct pcibackd *env, unsigned int domid, unsigned int devid)
{
	struct frontend	*fe;
	char		 path[128], *s;
	unsigned int	 len;
	int		 st;

	fe = frontend_find(env, domid, devid);
	if (fe != NULL && fe->fe_resumed && frontend_verify(fe) != 0)
		fe = NULL;
	if (fe == NULL) {
		snprintf(path, sizeof(path), "%s/%u/%u/state", env->pb_root,
		    domid, devid);
		s = xs_read(env->pb_xs, XBT_NULL, path, &len);
		st = xbstate_parse_state(s);
		free(s);
		/* A new instance starts at 1; others only at start-up (§2.2.5). */
		if (st == 0 || (st != XenbusStateInitialising &&
		    !env->pb_starting))
			return;
		fe = frontend_new(env, domid, devid,
		    st != XenbusStateInitialising);
		if (fe == NULL)
			return;
	}
	frontend_run(fe);
}

/*
 * A domid or devid in a xenstore name: "<n>" with nothing else, as %u
 * prints it, n < limit.  The watch and the scan both take names through
 * here, so an instance a restart would adopt is one the watch took too.
 */
int
frontend_parse_id(const char *s, size_t len, unsigned int limit,
    unsigned int *out)
{
	char		buf[16];
	uint64_t	v;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (util_number(buf, 10 | UTIL_CANON, (uint64_t)limit - 1, &v) != 0)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

/* Every instance under the backend root: at start-up, and on a rescan. */
void
frontend_scan(struct pcibackd *env)
{
	struct frontend	 *fe, *next;
	char		**doms, **devs, path[128];
	unsigned int	  ndoms, ndevs, i, j, domid, devid;

	doms = xs_directory(env->pb_xs, XBT_NULL, env->pb_root, &ndoms);
	for (i = 0; doms != NULL && i < ndoms; i++) {
		if (frontend_parse_id(doms[i], strlen(doms[i]),
		    FRONTEND_DOMID_LIMIT, &domid) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", env->pb_root, doms[i]);
		devs = xs_directory(env->pb_xs, XBT_NULL, path, &ndevs);
		for (j = 0; devs != NULL && j < ndevs; j++)
			if (frontend_parse_id(devs[j], strlen(devs[j]),
			    FRONTEND_DEVID_LIMIT, &devid) == 0)
				frontend_update(env, domid, devid);
		free(devs);
	}
	free(doms);
	/* Served from a record, but its instance is gone. */
	for (fe = TAILQ_FIRST(&env->pb_frontends); fe != NULL; fe = next) {
		next = TAILQ_NEXT(fe, fe_entry);
		if (fe->fe_resumed)
			frontend_unresume(fe, "no instance");
	}
}

/* A device's reset ended: a set-up pass waiting for it goes on. */
void
frontend_retry(struct pcibackd *env)
{
	struct frontend	*fe, *next;

	for (fe = TAILQ_FIRST(&env->pb_frontends); fe != NULL; fe = next) {
		next = TAILQ_NEXT(fe, fe_entry);
		frontend_run(fe);
	}
}

/*
 * @releaseDomain, which xenstored fires when a domain shuts down as well
 * as when it dies: find the instances whose guest is gone, or will not
 * run again, so that the toolstack's teardown is answered at once.
 */
void
frontend_release_domains(struct pcibackd *env)
{
	struct frontend	*fe, *next;

	for (fe = TAILQ_FIRST(&env->pb_frontends); fe != NULL; fe = next) {
		next = TAILQ_NEXT(fe, fe_entry);
		if (xs_is_domain_introduced(env->pb_xs, fe->fe_domid)) {
			if (fe->fe_down || !guestdom_down(fe->fe_domid))
				continue;
			fe->fe_down = 1;
			log_info("%s: shut down, answering the toolstack "
			    "without its frontend", fe->fe_name);
		} else
			fe->fe_dying = 1;
		frontend_run(fe);
	}
}

void
frontend_free(struct frontend *fe)
{
	worker_free(fe);
	free(fe);
}

void
frontend_abandon(struct frontend *fe, const char *why)
{
	opserve_disconnect(fe);
	frontend_fail(fe, EIO, "%s", why);
	(void)frontend_switch(fe, frontend_state_of(fe, "state"),
	    XenbusStateClosing);
}

/*
 * Daemon exit: leave every guest as it is, connected, so the next start
 * adopts it (§2.8).  Only our own bindings and mappings go.
 */
void
frontend_shutdown(struct pcibackd *env)
{
	struct frontend	*fe;

	/* Workers serve on for the next daemon, or quit together. */
	TAILQ_FOREACH(fe, &env->pb_frontends, fe_entry)
		(void)worker_leave(fe);
	worker_quit_all(env);
	if (env->pb_heldev != NULL)
		event_free(env->pb_heldev);
	env->pb_heldev = NULL;
	while ((fe = TAILQ_FIRST(&env->pb_frontends)) != NULL) {
		frontend_unlink(env, fe);
		opserve_disconnect(fe);
		frontend_free(fe);
	}
}
