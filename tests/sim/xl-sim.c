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
 * xl-sim: the xenstore half of what libxl does for PV PCI passthrough
 * (doc/protocol.md §1, §2.3-§2.7 and the trace in
 * tests/data/xenstore-traces), as dom0 over xenstored's socket.  It
 * never touches the hypervisor: permissions, resets and xc_assign_device
 * have no counterpart in the simulation.
 *
 *   xl-sim [-w MS] [-l FILE] attach DOMID BDF [--starting] [--name NAME]
 *          [--permissive] [--num-devs STRING] [--dev STRING]
 *          [--frontend PATH] [--frontend-id STRING] [--hvm]
 *   xl-sim [-w MS] detach DOMID BDF [--hvm]
 *   xl-sim [-w MS] destroy DOMID [--hvm]
 *   xl-sim wait-state DOMID STATE[,STATE...] TIMEOUT_MS [--fe]
 *
 * -w: how long libxl waits for the backend to read "4" (10 s in libxl;
 * tests shorten it where the wait is expected to time out).
 * -l: attach holding flock(2) on FILE, as xl holds /var/lock/xl while it
 * builds a domain, so that many attaches at once do not make each
 * other's transactions fail over and over (make bench).
 * --hvm: the domain is HVM with QEMU in dom0 (doc/protocol.md §1.7):
 * /libxl/DOMID/type says "hvm" (libxl writes it when it makes the
 * domain), /libxl/pci/<bdf>/domid is written before the device is given
 * and removed after it is taken back, and libxl never waits for the
 * backend's state.
 * Exit status: 0 done, 1 failed (as libxl would report), 2 usage.
 */

#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>
#include <xen/io/xenbus.h>

#define TSIM_WAIT_MS		10000	/* libxl: 100 polls of 100 ms */
#define TSIM_POLL_MS		100
#define TSIM_MAX_DEVS		256
#define TSIM_TRIES		32	/* transaction retries on EAGAIN */

struct tsim {
	struct xs_handle	*ts_xs;
	unsigned int		 ts_domid;
	char			 ts_be[128];
	char			 ts_fe[128];
	long			 ts_wait_ms;
	const char		*ts_lock;	/* -l */
	int			 ts_starting;
	int			 ts_permissive;
	int			 ts_fe_side;	/* wait-state on the frontend */
	const char		*ts_name;
	const char		*ts_num_devs;	/* hostile toolstack */
	const char		*ts_dev;	/* dev-N, not the BDF */
	const char		*ts_fe_node;	/* "frontend", if not ts_fe */
	const char		*ts_fe_id;	/* "frontend-id", if not domid */
	int			 ts_hvm;	/* --hvm */
};

struct tsim_bdf {
	unsigned int	tb_seg, tb_bus, tb_dev, tb_fn;
};

static void __attribute__((noreturn))
tsim_usage(void)
{
	fprintf(stderr,
	    "usage: xl-sim [-w MS] [-l FILE] attach DOMID BDF [--starting] "
	    "[--name NAME]\n"
	    "              [--permissive] [--num-devs STRING] "
	    "[--dev STRING]\n"
	    "              [--frontend PATH] [--frontend-id STRING] "
	    "[--hvm]\n"
	    "       xl-sim [-w MS] detach DOMID BDF [--hvm]\n"
	    "       xl-sim [-w MS] destroy DOMID [--hvm]\n"
	    "       xl-sim wait-state DOMID STATE[,STATE...] TIMEOUT_MS "
	    "[--fe]\n");
	exit(2);
}

static void __attribute__((format(printf, 1, 2)))
tsim_log(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "xl-sim: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static long
tsim_num(const char *s, long max)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < 0 || v > max)
		tsim_usage();
	return v;
}

/* "[ssss:]bb:dd.f", hex, as xl takes it. */
static int
tsim_parse_bdf(const char *s, struct tsim_bdf *b)
{
	char	c;

	memset(b, 0, sizeof(*b));
	if (sscanf(s, "%x:%x:%x.%x%c", &b->tb_seg, &b->tb_bus, &b->tb_dev,
	    &b->tb_fn, &c) != 4) {
		b->tb_seg = 0;
		if (sscanf(s, "%x:%x.%x%c", &b->tb_bus, &b->tb_dev, &b->tb_fn,
		    &c) != 3)
			return -1;
	}
	if (b->tb_seg > 0xffff || b->tb_bus > 0xff || b->tb_dev > 0x1f ||
	    b->tb_fn > 7)
		return -1;
	return 0;
}

/* libxl's PCI_BDF: "%04x:%02x:%02x.%01x". */
static void
tsim_format_bdf(const struct tsim_bdf *b, char *buf, size_t len)
{
	snprintf(buf, len, "%04x:%02x:%02x.%01x", b->tb_seg, b->tb_bus,
	    b->tb_dev, b->tb_fn);
}

static long
tsim_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *
tsim_read(struct tsim *ts, xs_transaction_t t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static char *
tsim_read(struct tsim *ts, xs_transaction_t t, const char *fmt, ...)
{
	char		path[256];
	unsigned int	len;
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return xs_read(ts->ts_xs, t, path, &len);
}

static void
tsim_write(struct tsim *ts, xs_transaction_t t, const char *dir,
    const char *key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Errors inside a transaction show up at commit, as in libxl. */
static void
tsim_write(struct tsim *ts, xs_transaction_t t, const char *dir,
    const char *key, const char *fmt, ...)
{
	char	path[256], val[256];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	snprintf(path, sizeof(path), "%s/%s", dir, key);
	(void)xs_write(ts->ts_xs, t, path, val, strlen(val));
}

static void
tsim_rm(struct tsim *ts, xs_transaction_t t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
tsim_rm(struct tsim *ts, xs_transaction_t t, const char *fmt, ...)
{
	char	path[256];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	(void)xs_rm(ts->ts_xs, t, path);
}

/* libxl__wait_for_backend: string compare every 100 ms. */
static int
tsim_wait_backend(struct tsim *ts, const char *want)
{
	long	 end = tsim_now_ms() + ts->ts_wait_ms;
	char	*s;
	int	 ok;

	for (;;) {
		if ((s = tsim_read(ts, XBT_NULL, "%s/state", ts->ts_be)) ==
		    NULL) {
			tsim_log("Backend %s does not exist", ts->ts_be);
			return -1;
		}
		ok = strcmp(s, want) == 0;
		free(s);
		if (ok)
			return 0;
		if (tsim_now_ms() >= end)
			break;
		usleep(TSIM_POLL_MS * 1000);
	}
	tsim_log("Backend %s not ready", ts->ts_be);
	return -1;
}

/* One slot's keys, in libxl's order (libxl_create_pci_backend_device). */
static void
tsim_slot_keys(struct tsim *ts, xs_transaction_t t, int n,
    const struct tsim_bdf *b)
{
	char	bdf[16], key[32];

	tsim_format_bdf(b, bdf, sizeof(bdf));
	snprintf(key, sizeof(key), "key-%d", n);
	tsim_write(ts, t, ts->ts_be, key, "%s", bdf);
	snprintf(key, sizeof(key), "dev-%d", n);
	tsim_write(ts, t, ts->ts_be, key, "%s",
	    ts->ts_dev != NULL ? ts->ts_dev : bdf);
	snprintf(key, sizeof(key), "opts-%d", n);
	tsim_write(ts, t, ts->ts_be, key, "msitranslate=0,power_mgmt=0,"
	    "permissive=%d,rdm_policy=strict", ts->ts_permissive);
	snprintf(key, sizeof(key), "state-%d", n);
	tsim_write(ts, t, ts->ts_be, key, "%d", XenbusStateInitialising);
}

/* First device: both dirs wiped and made again (§1.1, the trace). */
static void
tsim_create_dirs(struct tsim *ts, xs_transaction_t t)
{
	struct xs_permissions	be_perms[2] = {
		{ 0, XS_PERM_NONE }, { ts->ts_domid, XS_PERM_READ } };
	struct xs_permissions	fe_perms[2] = {
		{ ts->ts_domid, XS_PERM_NONE }, { 0, XS_PERM_READ } };

	(void)xs_rm(ts->ts_xs, t, ts->ts_be);
	(void)xs_mkdir(ts->ts_xs, t, ts->ts_be);
	(void)xs_set_permissions(ts->ts_xs, t, ts->ts_be, be_perms, 2);
	tsim_write(ts, t, ts->ts_be, "frontend", "%s",
	    ts->ts_fe_node != NULL ? ts->ts_fe_node : ts->ts_fe);
	if (ts->ts_fe_id != NULL)
		tsim_write(ts, t, ts->ts_be, "frontend-id", "%s", ts->ts_fe_id);
	else
		tsim_write(ts, t, ts->ts_be, "frontend-id", "%u", ts->ts_domid);
	tsim_write(ts, t, ts->ts_be, "online", "1");
	tsim_write(ts, t, ts->ts_be, "state", "%d", XenbusStateInitialising);
	tsim_write(ts, t, ts->ts_be, "domain", "%s", ts->ts_name);
	(void)xs_rm(ts->ts_xs, t, ts->ts_fe);
	(void)xs_mkdir(ts->ts_xs, t, ts->ts_fe);
	(void)xs_set_permissions(ts->ts_xs, t, ts->ts_fe, fe_perms, 2);
	tsim_write(ts, t, ts->ts_fe, "backend", "%s", ts->ts_be);
	tsim_write(ts, t, ts->ts_fe, "backend-id", "0");
	tsim_write(ts, t, ts->ts_fe, "state", "%d", XenbusStateInitialising);
}

/* Commit, or say whether to retry: 1 retry, 0 done, -1 failed. */
static int
tsim_commit(struct tsim *ts, xs_transaction_t t)
{
	if (xs_transaction_end(ts->ts_xs, t, false))
		return 0;
	if (errno == EAGAIN)
		return 1;
	tsim_log("transaction: %s", strerror(errno));
	return -1;
}

static int
tsim_attach_locked(struct tsim *ts, const struct tsim_bdf *b)
{
	xs_transaction_t	 t;
	char			*num_devs;
	int			 num, rc, tries;

	num_devs = tsim_read(ts, XBT_NULL, "%s/num_devs", ts->ts_be);
	/* Hot-attach waits only if the backend exists (PV). */
	if (num_devs != NULL && !ts->ts_starting && !ts->ts_hvm &&
	    tsim_wait_backend(ts, "4") != 0) {
		free(num_devs);
		return -1;
	}
	num = num_devs != NULL ? atoi(num_devs) : 0;
	for (tries = 0; tries < TSIM_TRIES; tries++) {
		if ((t = xs_transaction_start(ts->ts_xs)) == XBT_NULL) {
			tsim_log("transaction start: %s", strerror(errno));
			break;
		}
		if (num_devs == NULL)
			tsim_create_dirs(ts, t);
		tsim_slot_keys(ts, t, num, b);
		if (ts->ts_num_devs != NULL)
			tsim_write(ts, t, ts->ts_be, "num_devs", "%s",
			    ts->ts_num_devs);
		else
			tsim_write(ts, t, ts->ts_be, "num_devs", "%d",
			    num + 1);
		if (num > 0 && !ts->ts_starting)
			tsim_write(ts, t, ts->ts_be, "state", "%d",
			    XenbusStateReconfiguring);
		if ((rc = tsim_commit(ts, t)) != 1) {
			free(num_devs);
			return rc;
		}
	}
	free(num_devs);
	return -1;
}

/* -l: xl's lock, or -1 without one. */
static int
tsim_lock(const struct tsim *ts)
{
	int	fd;

	if (ts->ts_lock == NULL)
		return -1;
	if ((fd = open(ts->ts_lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) ==
	    -1) {
		tsim_log("%s: %s", ts->ts_lock, strerror(errno));
		return -1;
	}
	while (flock(fd, LOCK_EX) == -1 && errno == EINTR)
		continue;
	return fd;
}

/* /libxl/pci/<bdf>/domid (libxl's pci_info_xs_write and _remove). */
static int
tsim_pci_info(struct tsim *ts, const struct tsim_bdf *b, int add)
{
	char	path[64], val[16];

	snprintf(path, sizeof(path), "/libxl/pci/%04x-%02x-%02x-%01x/domid",
	    b->tb_seg, b->tb_bus, b->tb_dev, b->tb_fn);
	if (!add)
		return xs_rm(ts->ts_xs, XBT_NULL, path) ? 0 : -1;
	snprintf(val, sizeof(val), "%u", ts->ts_domid);
	return xs_write(ts->ts_xs, XBT_NULL, path, val, strlen(val)) ? 0 : -1;
}

/*
 * The domain's type, which libxl writes in the transaction that makes
 * the domain (libxl__domain_make), long before any device: here before
 * the first device, dom0's alone as libxl makes it.
 */
static int
tsim_hvm_type(struct tsim *ts)
{
	struct xs_permissions	 perm = { 0, XS_PERM_NONE };
	char			 path[64], *s;

	snprintf(path, sizeof(path), "/libxl/%u/type", ts->ts_domid);
	if ((s = tsim_read(ts, XBT_NULL, "%s", path)) != NULL) {
		free(s);
		return 0;
	}
	if (!xs_write(ts->ts_xs, XBT_NULL, path, "hvm", 3))
		return -1;
	snprintf(path, sizeof(path), "/libxl/%u", ts->ts_domid);
	return xs_set_permissions(ts->ts_xs, XBT_NULL, path, &perm, 1) ? 0 :
	    -1;
}

/*
 * libxl__device_pci_add for an HVM guest (no stub domain): the device
 * marked taken, reset through sysfs, given to QEMU over QMP, assigned
 * in Xen, and only then listed in the backend directory.  Only the
 * xenstore steps have a counterpart here.
 */
static int
tsim_attach_hvm(struct tsim *ts, const struct tsim_bdf *b)
{
	int	rc;

	if (tsim_hvm_type(ts) != 0 || tsim_pci_info(ts, b, 1) != 0) {
		tsim_log("dom%u: cannot write /libxl: %s", ts->ts_domid,
		    strerror(errno));
		return -1;
	}
	if ((rc = tsim_attach_locked(ts, b)) != 0)
		(void)tsim_pci_info(ts, b, 0);
	return rc;
}

static int
tsim_attach(struct tsim *ts, const struct tsim_bdf *b)
{
	int	lk, rc;

	lk = tsim_lock(ts);
	if (ts->ts_hvm)
		rc = tsim_attach_hvm(ts, b);
	else
		rc = tsim_attach_locked(ts, b);
	if (lk != -1)
		close(lk);
	return rc;
}

/* Slot j becomes j-1 (libxl re-compacts the indices, §2.6). */
static void
tsim_renumber(struct tsim *ts, xs_transaction_t t, int j)
{
	static const char *const	 always[] = { "state", "dev", "key" };
	static const char *const	 maybe[] = { "vdev", "opts", "vdevfn",
					    "name" };
	char				*v, key[32];
	size_t				 i;

	for (i = 0; i < 3 + 4; i++) {
		const char *k = i < 3 ? always[i] : maybe[i - 3];

		v = tsim_read(ts, t, "%s/%s-%d", ts->ts_be, k, j);
		if (v == NULL && i >= 3)
			continue;
		snprintf(key, sizeof(key), "%s-%d", k, j - 1);
		tsim_write(ts, t, ts->ts_be, key, "%s", v != NULL ? v : "");
		tsim_rm(ts, t, "%s/%s-%d", ts->ts_be, k, j);
		free(v);
	}
}

/* rm path, then each parent left empty (libxl__xs_path_cleanup). */
static void
tsim_path_cleanup(struct tsim *ts, xs_transaction_t t, const char *path)
{
	char		 p[256], *slash, **ents;
	unsigned int	 n;

	snprintf(p, sizeof(p), "%s", path);
	(void)xs_rm(ts->ts_xs, t, p);
	while ((slash = strrchr(p, '/')) != NULL && slash != p) {
		*slash = '\0';
		ents = xs_directory(ts->ts_xs, t, p, &n);
		if (ents == NULL || n != 0) {
			free(ents);
			break;
		}
		free(ents);
		(void)xs_rm(ts->ts_xs, t, p);
	}
}

/* Last device gone: both dirs go, without any handshake (§1.1). */
static int
tsim_destroy_dirs(struct tsim *ts)
{
	xs_transaction_t	t;
	int			rc, tries;

	for (tries = 0; tries < TSIM_TRIES; tries++) {
		if ((t = xs_transaction_start(ts->ts_xs)) == XBT_NULL)
			return -1;
		tsim_path_cleanup(ts, t, ts->ts_fe);
		tsim_path_cleanup(ts, t, ts->ts_be);
		if ((rc = tsim_commit(ts, t)) != 1)
			return rc;
	}
	return -1;
}

static int
tsim_find_slot(struct tsim *ts, const struct tsim_bdf *b, int num)
{
	struct tsim_bdf	 d;
	char		*s;
	int		 i, hit;

	for (i = 0; i < num; i++) {
		if ((s = tsim_read(ts, XBT_NULL, "%s/dev-%d", ts->ts_be,
		    i)) == NULL)
			continue;
		hit = tsim_parse_bdf(s, &d) == 0 && d.tb_seg == b->tb_seg &&
		    d.tb_bus == b->tb_bus && d.tb_dev == b->tb_dev &&
		    d.tb_fn == b->tb_fn;
		free(s);
		if (hit)
			return i;
	}
	return -1;
}

/* Ask for the slot to go: state-N=5 and state=7 in one transaction. */
static int
tsim_request_close(struct tsim *ts, int i)
{
	xs_transaction_t	t;
	char			key[32];
	int			rc, tries;

	snprintf(key, sizeof(key), "state-%d", i);
	for (tries = 0; tries < TSIM_TRIES; tries++) {
		if ((t = xs_transaction_start(ts->ts_xs)) == XBT_NULL)
			return -1;
		tsim_write(ts, t, ts->ts_be, key, "%d", XenbusStateClosing);
		tsim_write(ts, t, ts->ts_be, "state", "%d",
		    XenbusStateReconfiguring);
		if ((rc = tsim_commit(ts, t)) != 1)
			return rc;
	}
	return -1;
}

/* Remove slot i, compact the higher ones, num_devs-1. */
static int
tsim_remove_slot(struct tsim *ts, int i, int num)
{
	static const char *const	keys[] = { "state", "key", "dev",
					    "vdev", "opts", "vdevfn", "name" };
	xs_transaction_t		t;
	size_t				k;
	int				j, rc, tries;

	for (tries = 0; tries < TSIM_TRIES; tries++) {
		if ((t = xs_transaction_start(ts->ts_xs)) == XBT_NULL)
			return -1;
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			tsim_rm(ts, t, "%s/%s-%d", ts->ts_be, keys[k], i);
		tsim_write(ts, t, ts->ts_be, "num_devs", "%d", num - 1);
		for (j = i + 1; j < num; j++)
			tsim_renumber(ts, t, j);
		if ((rc = tsim_commit(ts, t)) != 1)
			return rc;
	}
	return -1;
}

/* libxl__device_pci_remove_xenstore. */
static int
tsim_detach(struct tsim *ts, const struct tsim_bdf *b)
{
	char	*s, bdf[16];
	int	 num, i;

	if ((s = tsim_read(ts, XBT_NULL, "%s/num_devs", ts->ts_be)) == NULL) {
		tsim_log("%s/num_devs: missing", ts->ts_be);
		return -1;
	}
	num = atoi(s);
	free(s);
	/* HVM: no backend state wait, before or after (QEMU had it). */
	if (!ts->ts_hvm && tsim_wait_backend(ts, "4") != 0)
		return -1;
	if ((i = tsim_find_slot(ts, b, num)) < 0) {
		tsim_format_bdf(b, bdf, sizeof(bdf));
		tsim_log("Couldn't find the device %s on xenstore", bdf);
		return -1;
	}
	if (tsim_request_close(ts, i) != 0)
		return -1;
	/* A timeout here leaves the keys in place, as libxl does. */
	if (!ts->ts_hvm && tsim_wait_backend(ts, "4") != 0)
		return -1;
	if (tsim_remove_slot(ts, i, num) != 0)
		return -1;
	if (num == 1 && tsim_destroy_dirs(ts) != 0)
		return -1;
	/* Last, once the device is back (device_pci_remove_common_next). */
	if (ts->ts_hvm)
		(void)tsim_pci_info(ts, b, 0);
	return 0;
}

/*
 * Domain destruction with PV PCI (§2.7): every device through the
 * detach procedure in force mode (failures only logged), then the
 * domain's xenstore dir goes.  HVM: the same without waits (§1.7).
 */
static int
tsim_destroy(struct tsim *ts)
{
	struct tsim_bdf	 list[TSIM_MAX_DEVS];
	char		*s, path[64];
	int		 num, i, n = 0;

	if ((s = tsim_read(ts, XBT_NULL, "%s/num_devs", ts->ts_be)) != NULL) {
		num = atoi(s);
		free(s);
		for (i = 0; i < num && i < TSIM_MAX_DEVS; i++) {
			s = tsim_read(ts, XBT_NULL, "%s/dev-%d", ts->ts_be, i);
			if (s != NULL && tsim_parse_bdf(s, &list[n]) == 0)
				n++;
			free(s);
		}
	}
	for (i = 0; i < n; i++)
		if (tsim_detach(ts, &list[i]) != 0)
			tsim_log("dom%u: detach of device %d failed, "
			    "ignored (force)", ts->ts_domid, i);
	snprintf(path, sizeof(path), "/local/domain/%u", ts->ts_domid);
	if (!xs_rm(ts->ts_xs, XBT_NULL, path) && errno != ENOENT) {
		tsim_log("rm %s: %s", path, strerror(errno));
		return -1;
	}
	/* libxl's own books of the domain go with it. */
	snprintf(path, sizeof(path), "/libxl/%u", ts->ts_domid);
	if (ts->ts_hvm && !xs_rm(ts->ts_xs, XBT_NULL, path) && errno != ENOENT) {
		tsim_log("rm %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Poll every 100 ms for one of the listed states; print the last seen. */
static int
tsim_wait_state(struct tsim *ts, const char *states, long timeout_ms)
{
	long		 end = tsim_now_ms() + timeout_ms;
	const char	*dir = ts->ts_fe_side ? ts->ts_fe : ts->ts_be;
	char		*s, want[64], *tok, *save;
	int		 hit;

	for (;;) {
		s = tsim_read(ts, XBT_NULL, "%s/state", dir);
		snprintf(want, sizeof(want), "%s", states);
		hit = 0;
		for (tok = strtok_r(want, ",", &save); tok != NULL && !hit;
		    tok = strtok_r(NULL, ",", &save))
			hit = s != NULL ? strcmp(s, tok) == 0 :
			    strcmp(tok, "none") == 0;
		if (hit || tsim_now_ms() >= end) {
			printf("%s\n", s != NULL ? s : "none");
			free(s);
			return hit ? 0 : -1;
		}
		free(s);
		usleep(TSIM_POLL_MS * 1000);
	}
}

static void
tsim_options(struct tsim *ts, int argc, char **argv, int first)
{
	int	i;

	for (i = first; i < argc; i++) {
		if (strcmp(argv[i], "--starting") == 0)
			ts->ts_starting = 1;
		else if (strcmp(argv[i], "--permissive") == 0)
			ts->ts_permissive = 1;
		else if (strcmp(argv[i], "--fe") == 0)
			ts->ts_fe_side = 1;
		else if (strcmp(argv[i], "--hvm") == 0)
			ts->ts_hvm = 1;
		else if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
			ts->ts_name = argv[++i];
		else if (strcmp(argv[i], "--num-devs") == 0 && i + 1 < argc)
			ts->ts_num_devs = argv[++i];
		else if (strcmp(argv[i], "--dev") == 0 && i + 1 < argc)
			ts->ts_dev = argv[++i];
		else if (strcmp(argv[i], "--frontend") == 0 && i + 1 < argc)
			ts->ts_fe_node = argv[++i];
		else if (strcmp(argv[i], "--frontend-id") == 0 && i + 1 < argc)
			ts->ts_fe_id = argv[++i];
		else
			tsim_usage();
	}
}

static int
tsim_run(struct tsim *ts, const char *cmd, int argc, char **argv)
{
	struct tsim_bdf	b;

	if (strcmp(cmd, "wait-state") == 0) {
		if (argc < 2)
			tsim_usage();
		tsim_options(ts, argc, argv, 2);
		return tsim_wait_state(ts, argv[0], tsim_num(argv[1],
		    3600000));
	}
	if (strcmp(cmd, "destroy") == 0) {
		tsim_options(ts, argc, argv, 0);
		return tsim_destroy(ts);
	}
	if (argc < 1 || tsim_parse_bdf(argv[0], &b) != 0)
		tsim_usage();
	tsim_options(ts, argc, argv, 1);
	if (strcmp(cmd, "attach") == 0)
		return tsim_attach(ts, &b);
	if (strcmp(cmd, "detach") == 0)
		return tsim_detach(ts, &b);
	tsim_usage();
}

int
main(int argc, char **argv)
{
	struct tsim	 ts;
	char		 name[32];
	int		 ch, rc;

	memset(&ts, 0, sizeof(ts));
	ts.ts_wait_ms = TSIM_WAIT_MS;
	while ((ch = getopt(argc, argv, "+l:w:")) != -1) {
		switch (ch) {
		case 'l':
			ts.ts_lock = optarg;
			break;
		case 'w':
			ts.ts_wait_ms = tsim_num(optarg, 3600000);
			break;
		default:
			tsim_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2)
		tsim_usage();
	ts.ts_domid = (unsigned int)tsim_num(argv[1], 0x7fef);
	snprintf(ts.ts_be, sizeof(ts.ts_be), "/local/domain/0/backend/pci/%u/0",
	    ts.ts_domid);
	snprintf(ts.ts_fe, sizeof(ts.ts_fe), "/local/domain/%u/device/pci/0",
	    ts.ts_domid);
	snprintf(name, sizeof(name), "guest%u", ts.ts_domid);
	ts.ts_name = name;
	if ((ts.ts_xs = xs_open(0)) == NULL) {
		tsim_log("cannot connect to xenstored: %s", strerror(errno));
		return 1;
	}
	rc = tsim_run(&ts, argv[0], argc - 2, argv + 2);
	xs_close(ts.ts_xs);
	return rc == 0 ? 0 : 1;
}
