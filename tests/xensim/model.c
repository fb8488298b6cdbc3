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


/* The file-backed model of event channels, grants and domains. */

#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/xen.h>

#include "model.h"

static int __attribute__((format(printf, 4, 5)))
xensim_path(char *buf, size_t len, const char *dir, const char *fmt, ...)
{
	char	name[64];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	vsnprintf(name, sizeof name, fmt, ap);
	va_end(ap);
	n = snprintf(buf, len, "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int
xensim_dir(char *buf, size_t len)
{
	const char	*dir;

	dir = getenv("XENSIM_DIR");
	if (dir == NULL || *dir == '\0') {
		/* Same as a machine without /dev/xen. */
		errno = ENOENT;
		return -1;
	}
	if (strlen(dir) >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, dir);
	return 0;
}

static int
xensim_lock(const char *dir)
{
	char	path[PATH_MAX];
	int	fd;

	if (xensim_path(path, sizeof path, dir, "lock") == -1)
		return -1;
	fd = open(path, O_RDWR|O_CREAT|O_CLOEXEC, 0600);
	if (fd == -1)
		return -1;
	while (flock(fd, LOCK_EX) == -1) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

static void
xensim_unlock(int fd)
{
	int	saved = errno;

	close(fd);
	errno = saved;
}

/* Write a small file whole, so a reader never sees half of it. */
static int
xensim_put_file(const char *path, const char *data)
{
	char	tmp[PATH_MAX];
	size_t	len = strlen(data);
	int	fd, n;

	n = snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if (n < 0 || (size_t)n >= sizeof tmp) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(tmp, O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0600);
	if (fd == -1)
		return -1;
	if (write(fd, data, len) != (ssize_t)len) {
		close(fd);
		unlink(tmp);
		errno = EIO;
		return -1;
	}
	close(fd);
	return rename(tmp, path);
}

static int
xensim_get_file(const char *path, char *buf, size_t len)
{
	ssize_t	n;
	int	fd;

	fd = open(path, O_RDONLY|O_CLOEXEC);
	if (fd == -1)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

static int
xensim_port_read(const char *dir, unsigned int dom, unsigned int port,
    struct xensim_port *xp)
{
	char		path[PATH_MAX], buf[PATH_MAX + 64], *rest;
	char		state;
	int		used = 0;

	if (xensim_path(path, sizeof path, dir, "port-%u-%u", dom, port) == -1)
		return -1;
	if (xensim_get_file(path, buf, sizeof buf) == -1)
		return -1;
	if (sscanf(buf, "%c %u %u %u %n", &state, &xp->xp_rdom,
	    &xp->xp_rport, &xp->xp_virq, &used) != 4 || used == 0) {
		errno = EIO;
		return -1;
	}
	xp->xp_state = state;
	rest = buf + used;
	rest[strcspn(rest, "\n")] = '\0';
	strcpy(xp->xp_owner, rest);
	return 0;
}

static int
xensim_port_write(const char *dir, unsigned int dom, unsigned int port,
    const struct xensim_port *xp)
{
	char	path[PATH_MAX], buf[PATH_MAX + 64];

	if (xensim_path(path, sizeof path, dir, "port-%u-%u", dom, port) == -1)
		return -1;
	snprintf(buf, sizeof buf, "%c %u %u %u %s\n", xp->xp_state,
	    xp->xp_rdom, xp->xp_rport, xp->xp_virq, xp->xp_owner);
	return xensim_put_file(path, buf);
}

/*
 * phint-D holds a port of domain D below which every port has a file
 * (every unlink of one goes through xensim_port_close, which lowers it),
 * so finding the lowest free port does not test each port in use.
 */
static unsigned int
xensim_hint_get(const char *dir, unsigned int dom)
{
	char		path[PATH_MAX], buf[32];
	unsigned long	v;

	if (xensim_path(path, sizeof path, dir, "phint-%u", dom) == -1 ||
	    xensim_get_file(path, buf, sizeof buf) == -1)
		return 1;
	v = strtoul(buf, NULL, 10);
	return v >= 1 && v < XENSIM_NR_PORTS ? (unsigned int)v : 1;
}

static void
xensim_hint_set(const char *dir, unsigned int dom, unsigned int port)
{
	char	path[PATH_MAX], buf[32];

	if (xensim_path(path, sizeof path, dir, "phint-%u", dom) == -1)
		return;
	snprintf(buf, sizeof buf, "%u\n", port);
	(void)xensim_put_file(path, buf);
}

/*
 * own-NAME lists the endpoints bound through the handle whose FIFO is
 * NAME, so that closing or reaping the handle touches its own endpoints
 * only instead of reading every port file.
 */
static int
xensim_index_path(char *buf, size_t len, const char *owner)
{
	const char	*base = strrchr(owner, '/');
	int		 n;

	if (base == NULL) {
		errno = EINVAL;
		return -1;
	}
	n = snprintf(buf, len, "%.*s/own-%s", (int)(base - owner), owner,
	    base + 1);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static int
xensim_index_add(const char *owner, unsigned int dom, unsigned int port)
{
	char	path[PATH_MAX], line[32];
	int	fd, n;

	if (strcmp(owner, XENSIM_NO_OWNER) == 0)
		return 0;
	if (xensim_index_path(path, sizeof path, owner) == -1)
		return -1;
	fd = open(path, O_WRONLY|O_CREAT|O_APPEND|O_CLOEXEC, 0600);
	if (fd == -1)
		return -1;
	n = snprintf(line, sizeof line, "%u %u\n", dom, port);
	if (write(fd, line, (size_t)n) != n) {
		close(fd);
		errno = EIO;
		return -1;
	}
	close(fd);
	return 0;
}

/* Lowest free port of the domain, as Xen hands them out. */
static int
xensim_port_alloc(const char *dir, unsigned int dom,
    const struct xensim_port *xp)
{
	char		path[PATH_MAX];
	unsigned int	port;

	for (port = xensim_hint_get(dir, dom); port < XENSIM_NR_PORTS;
	    port++) {
		if (xensim_path(path, sizeof path, dir, "port-%u-%u", dom,
		    port) == -1)
			return -1;
		if (access(path, F_OK) == 0)
			continue;
		if (xensim_port_write(dir, dom, port, xp) == -1)
			return -1;
		if (xensim_index_add(xp->xp_owner, dom, port) == -1) {
			unlink(path);
			return -1;
		}
		xensim_hint_set(dir, dom, port + 1);
		return (int)port;
	}
	errno = ENOSPC;
	return -1;
}

/* Closing one side leaves the other "unbound, remote = closer" (Xen). */
static int
xensim_port_close(const char *dir, unsigned int dom, unsigned int port)
{
	struct xensim_port	xp, peer;
	char			path[PATH_MAX];

	if (xensim_port_read(dir, dom, port, &xp) == -1)
		return -1;
	if (xp.xp_state == XENSIM_INTERDOMAIN &&
	    xensim_port_read(dir, xp.xp_rdom, xp.xp_rport, &peer) == 0 &&
	    peer.xp_state == XENSIM_INTERDOMAIN && peer.xp_rdom == dom &&
	    peer.xp_rport == port) {
		peer.xp_state = XENSIM_UNBOUND;
		peer.xp_rport = 0;
		if (xensim_port_write(dir, xp.xp_rdom, xp.xp_rport,
		    &peer) == -1)
			return -1;
	}
	if (xensim_path(path, sizeof path, dir, "port-%u-%u", dom, port) == -1)
		return -1;
	if (unlink(path) == -1)
		return -1;
	if (port < xensim_hint_get(dir, dom))
		xensim_hint_set(dir, dom, port);
	return 0;
}

static int
xensim_owner_alive(const char *owner)
{
	int	fd;

	if (strcmp(owner, XENSIM_NO_OWNER) == 0)
		return 1;
	fd = open(owner, O_WRONLY|O_NONBLOCK|O_CLOEXEC);
	if (fd != -1) {
		close(fd);
		return 1;
	}
	/* Anything but "nobody reads it" counts as alive. */
	return errno != ENXIO && errno != ENOENT;
}

/*
 * Walk every endpoint (of one domain, or of all if dom is -1) and apply
 * fn; it runs under the lock. Stops at the first error.
 */
static int
xensim_port_walk(const char *dir, int dom,
    int (*fn)(const char *, unsigned int, unsigned int,
    struct xensim_port *, const void *), const void *arg)
{
	struct xensim_port	 xp;
	struct dirent		*de;
	DIR			*d;
	unsigned int		 pdom, port;
	int			 used, rc = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while (rc == 0 && (de = readdir(d)) != NULL) {
		used = 0;
		if (sscanf(de->d_name, "port-%u-%u%n", &pdom, &port,
		    &used) != 2 || de->d_name[used] != '\0')
			continue;
		if (dom != -1 && pdom != (unsigned int)dom)
			continue;
		if (xensim_port_read(dir, pdom, port, &xp) == -1)
			continue;
		rc = fn(dir, pdom, port, &xp, arg);
	}
	closedir(d);
	return rc;
}

/*
 * Close the endpoints the handle with FIFO owner bound, from its index,
 * those it still owns (one it unbound may be another handle's now), and
 * remove the index.
 */
static void
xensim_owner_close(const char *dir, const char *owner)
{
	struct xensim_port	 xp;
	char			 path[PATH_MAX], buf[4096], *p, *nl;
	size_t			 have = 0;
	ssize_t			 n;
	unsigned int		 dom, port;
	int			 fd;

	if (xensim_index_path(path, sizeof path, owner) == -1 ||
	    (fd = open(path, O_RDONLY|O_CLOEXEC)) == -1)
		return;
	while ((n = read(fd, buf + have, sizeof buf - 1 - have)) > 0) {
		have += (size_t)n;
		buf[have] = '\0';
		for (p = buf; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
			if (sscanf(p, "%u %u", &dom, &port) == 2 &&
			    xensim_port_read(dir, dom, port, &xp) == 0 &&
			    strcmp(xp.xp_owner, owner) == 0)
				(void)xensim_port_close(dir, dom, port);
		}
		have = strlen(p);
		memmove(buf, p, have);
	}
	close(fd);
	unlink(path);
}

/*
 * If nobody holds the handle any more, all its endpoints close at once,
 * as Xen closes them when the last reference to the handle goes.
 * 1 if it was dead.
 */
static int
xensim_reap_owner(const char *dir, const char *owner)
{
	if (xensim_owner_alive(owner))
		return 0;
	xensim_owner_close(dir, owner);
	unlink(owner);
	return 1;
}

/*
 * Before endpoint (dom, port) is looked at: the endpoints of its handle
 * and of its peer's handle are closed if those handles are dead.  This
 * is all a bind, notify or look-up can see of dead handles, so checking
 * these two is enough, and costs the same however many ports exist.
 */
static void
xensim_reap_port(const char *dir, unsigned int dom, unsigned int port)
{
	struct xensim_port	xp, peer;

	if (xensim_port_read(dir, dom, port, &xp) == -1 ||
	    xensim_reap_owner(dir, xp.xp_owner))
		return;
	if (xp.xp_state == XENSIM_INTERDOMAIN &&
	    xensim_port_read(dir, xp.xp_rdom, xp.xp_rport, &peer) == 0)
		(void)xensim_reap_owner(dir, peer.xp_owner);
}

static int
xensim_reap_one(const char *dir, unsigned int dom, unsigned int port,
    struct xensim_port *xp, const void *arg)
{
	(void)dom;
	(void)port;
	(void)arg;
	(void)xensim_reap_owner(dir, xp->xp_owner);
	return 0;
}

/*
 * Close the endpoints of every handle nobody holds any more: reads every
 * port file, so only when a domain has run out of ports.
 */
static int
xensim_reap(const char *dir)
{
	return xensim_port_walk(dir, -1, xensim_reap_one, NULL);
}

/* Queue one event; a full FIFO (16k events unread) drops it. */
static void
xensim_deliver(const char *dir, const char *owner, unsigned int port)
{
	uint32_t	val = port;
	int		fd;

	if (strcmp(owner, XENSIM_NO_OWNER) == 0)
		return;
	fd = open(owner, O_WRONLY|O_NONBLOCK|O_CLOEXEC);
	if (fd == -1) {
		if (errno == ENXIO || errno == ENOENT)
			(void)xensim_reap_owner(dir, owner);
		return;
	}
	if (write(fd, &val, sizeof val) != (ssize_t)sizeof val) {
		/* Dropped: the receiver has plenty pending already. */
	}
	close(fd);
}

int
xensim_fifo_open(const char *dir, char *path, size_t len, int cloexec)
{
	static unsigned int	next;	/* names not tried yet, this process */
	static pid_t		pid;
	unsigned int		i;
	int			fd;

	/* A fork starts its own names: they carry its pid. */
	if (pid != getpid()) {
		pid = getpid();
		next = 0;
	}
	for (i = 0; i < 1000; i++) {
		if (xensim_path(path, len, dir, "evt-%ld-%u", (long)pid,
		    next++) == -1)
			return -1;
		if (mkfifo(path, 0600) == 0)
			break;
		if (errno != EEXIST)
			return -1;
	}
	if (i == 1000) {
		errno = EEXIST;
		return -1;
	}
	/* O_RDWR: never at EOF, never POLLHUP, like /dev/xen/evtchn. */
	fd = open(path, O_RDWR|(cloexec ? O_CLOEXEC : 0));
	if (fd == -1)
		unlink(path);
	return fd;
}

/*
 * Close a handle.  Like the last close of /dev/xen/evtchn: a handle
 * shared across fork (a daemon's and the worker it may leave serving)
 * keeps its endpoints while any process has it.
 */
void
xensim_fifo_close(const char *dir, const char *path, int fd)
{
	int	lk;

	close(fd);
	if ((lk = xensim_lock(dir)) == -1)
		return;
	(void)xensim_reap_owner(dir, path);
	xensim_unlock(lk);
}

/*
 * Dead handles' endpoints are closed when something looks at them
 * (xensim_reap_port), so a domain can run out of ports that Xen would
 * have freed: then every port is checked, and the search made again.
 */
static int
xensim_port_alloc_reap(const char *dir, unsigned int dom,
    const struct xensim_port *xp)
{
	int	port;

	if ((port = xensim_port_alloc(dir, dom, xp)) != -1 ||
	    errno != ENOSPC || xensim_reap(dir) == -1)
		return port;
	return xensim_port_alloc(dir, dom, xp);
}

int
xensim_port_get(const char *dir, unsigned int dom, unsigned int port,
    struct xensim_port *xp)
{
	int	lk, rc;

	if ((lk = xensim_lock(dir)) == -1)
		return -1;
	/* Show what Xen would: dead handles' endpoints already closed. */
	xensim_reap_port(dir, dom, port);
	rc = xensim_port_read(dir, dom, port, xp);
	xensim_unlock(lk);
	return rc;
}

static int
xensim_alloc_locked(const char *dir, unsigned int dom,
    const struct xensim_port *xp)
{
	int	lk, rc;

	if ((lk = xensim_lock(dir)) == -1)
		return -1;
	rc = xensim_port_alloc_reap(dir, dom, xp);
	xensim_unlock(lk);
	return rc;
}

int
xensim_bind_unbound(const char *dir, unsigned int dom, const char *owner,
    unsigned int rdom)
{
	struct xensim_port	xp;

	memset(&xp, 0, sizeof xp);
	xp.xp_state = XENSIM_UNBOUND;
	xp.xp_rdom = rdom;
	snprintf(xp.xp_owner, sizeof xp.xp_owner, "%s", owner);
	return xensim_alloc_locked(dir, dom, &xp);
}

int
xensim_bind_virq(const char *dir, unsigned int dom, const char *owner,
    unsigned int virq)
{
	struct xensim_port	xp;

	memset(&xp, 0, sizeof xp);
	xp.xp_state = XENSIM_VIRQ;
	xp.xp_virq = virq;
	snprintf(xp.xp_owner, sizeof xp.xp_owner, "%s", owner);
	return xensim_alloc_locked(dir, dom, &xp);
}

static int
xensim_connect(const char *dir, unsigned int dom, const char *owner,
    unsigned int rdom, unsigned int rport)
{
	struct xensim_port	xp, peer;
	int			lport;

	xensim_reap_port(dir, rdom, rport);
	/* Xen: EINVAL unless the remote is unbound and waiting for us. */
	if (xensim_port_read(dir, rdom, rport, &peer) == -1 ||
	    peer.xp_state != XENSIM_UNBOUND || peer.xp_rdom != dom) {
		errno = EINVAL;
		return -1;
	}
	memset(&xp, 0, sizeof xp);
	xp.xp_state = XENSIM_INTERDOMAIN;
	xp.xp_rdom = rdom;
	xp.xp_rport = rport;
	snprintf(xp.xp_owner, sizeof xp.xp_owner, "%s", owner);
	if ((lport = xensim_port_alloc_reap(dir, dom, &xp)) == -1)
		return -1;
	peer.xp_state = XENSIM_INTERDOMAIN;
	peer.xp_rdom = dom;
	peer.xp_rport = (unsigned int)lport;
	if (xensim_port_write(dir, rdom, rport, &peer) == -1)
		return -1;
	/* Xen sets the new local port pending, in case events were lost. */
	xensim_deliver(dir, owner, (unsigned int)lport);
	return lport;
}

int
xensim_bind_interdomain(const char *dir, unsigned int dom, const char *owner,
    unsigned int rdom, unsigned int rport)
{
	int	lk, rc;

	if ((lk = xensim_lock(dir)) == -1)
		return -1;
	rc = xensim_connect(dir, dom, owner, rdom, rport);
	xensim_unlock(lk);
	return rc;
}

/* The port must exist and, if owner is given, belong to that handle. */
static int
xensim_port_owned(const char *dir, unsigned int dom, unsigned int port,
    const char *owner, struct xensim_port *xp)
{
	if (xensim_port_read(dir, dom, port, xp) == -1) {
		errno = EINVAL;
		return -1;
	}
	if (owner != NULL && strcmp(owner, xp->xp_owner) != 0) {
		errno = ENOTCONN;
		return -1;
	}
	return 0;
}

int
xensim_unbind(const char *dir, unsigned int dom, unsigned int port,
    const char *owner)
{
	struct xensim_port	xp;
	int			lk, rc;

	if ((lk = xensim_lock(dir)) == -1)
		return -1;
	rc = xensim_port_owned(dir, dom, port, owner, &xp);
	if (rc == 0)
		rc = xensim_port_close(dir, dom, port);
	xensim_unlock(lk);
	return rc;
}

static int
xensim_send(const char *dir, unsigned int dom, unsigned int port,
    const char *owner)
{
	struct xensim_port	xp, peer;

	if (xensim_port_owned(dir, dom, port, owner, &xp) == -1)
		return -1;
	/* Sending on an unbound port is a silent no-op in Xen. */
	if (xp.xp_state != XENSIM_INTERDOMAIN)
		return 0;
	if (xensim_port_read(dir, xp.xp_rdom, xp.xp_rport, &peer) == -1)
		return 0;
	if (peer.xp_state == XENSIM_INTERDOMAIN && peer.xp_rdom == dom &&
	    peer.xp_rport == port)
		xensim_deliver(dir, peer.xp_owner, xp.xp_rport);
	return 0;
}

int
xensim_notify(const char *dir, unsigned int dom, unsigned int port,
    const char *owner)
{
	int	lk, rc;

	if ((lk = xensim_lock(dir)) == -1)
		return -1;
	rc = xensim_send(dir, dom, port, owner);
	xensim_unlock(lk);
	return rc;
}

static int
xensim_raise_one(const char *dir, unsigned int dom, unsigned int port,
    struct xensim_port *xp, const void *arg)
{
	if (xp->xp_state == XENSIM_VIRQ && xp->xp_virq == *(const
	    unsigned int *)arg)
		xensim_deliver(dir, xp->xp_owner, port);
	(void)dom;
	return 0;
}

/* Global VIRQs (VIRQ_DOM_EXC) go to dom0's bindings. */
int
xensim_virq_raise(const char *dir, unsigned int virq)
{
	int	lk, rc;

	if ((lk = xensim_lock(dir)) == -1)
		return -1;
	rc = xensim_port_walk(dir, 0, xensim_raise_one, &virq);
	xensim_unlock(lk);
	return rc;
}

/*
 * dom0's own xenstore port: an unbound dom0 port nobody owns, made once.
 * Events sent to it go nowhere; dom0 talks to xenstored over its socket.
 */
static int
xensim_xsd_port_locked(const char *dir)
{
	struct xensim_port	xp;
	char			path[PATH_MAX], buf[32];
	int			port;

	if (xensim_path(path, sizeof path, dir, "xsd_port") == -1)
		return -1;
	if (xensim_get_file(path, buf, sizeof buf) == 0)
		return atoi(buf);
	memset(&xp, 0, sizeof xp);
	xp.xp_state = XENSIM_UNBOUND;
	strcpy(xp.xp_owner, XENSIM_NO_OWNER);
	if ((port = xensim_port_alloc(dir, 0, &xp)) == -1)
		return -1;
	snprintf(buf, sizeof buf, "%d\n", port);
	if (xensim_put_file(path, buf) == -1)
		return -1;
	return port;
}

int
xensim_xsd_port(const char *dir)
{
	int	lk, rc;

	if ((lk = xensim_lock(dir)) == -1)
		return -1;
	rc = xensim_xsd_port_locked(dir);
	xensim_unlock(lk);
	return rc;
}

/* dom0's ring page: mapped by xenstored, never used (dom0 uses sockets). */
int
xensim_xsd_kva(const char *dir, char *path, size_t len)
{
	int	fd;

	if (xensim_path(path, len, dir, "xsd_kva") == -1)
		return -1;
	fd = open(path, O_RDWR|O_CREAT|O_CLOEXEC, 0600);
	if (fd == -1)
		return -1;
	if (ftruncate(fd, XENSIM_PAGE_SIZE) == -1) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* A fresh zeroed page, mapped for the granting domain. */
void *
xensim_grant_create(const char *dir, unsigned int dom, unsigned int ref)
{
	char	 path[PATH_MAX];
	void	*p;
	int	 fd;

	if (xensim_path(path, sizeof path, dir, "gnt-%u-%u", dom, ref) == -1)
		return NULL;
	fd = open(path, O_RDWR|O_CREAT|O_TRUNC|O_CLOEXEC, 0600);
	if (fd == -1)
		return NULL;
	if (ftruncate(fd, XENSIM_PAGE_SIZE) == -1) {
		close(fd);
		return NULL;
	}
	p = mmap(NULL, XENSIM_PAGE_SIZE, PROT_READ|PROT_WRITE, MAP_SHARED,
	    fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

/*
 * Map a granted page at addr (or anywhere if NULL). Unlike Xen, no check
 * that the grant names the mapping domain or allows writing.
 */
void *
xensim_grant_map(const char *dir, unsigned int dom, unsigned int ref,
    int prot, void *addr)
{
	char	 path[PATH_MAX];
	void	*p;
	int	 fd;

	if (xensim_path(path, sizeof path, dir, "gnt-%u-%u", dom, ref) == -1)
		return NULL;
	fd = open(path, ((prot & PROT_WRITE) ? O_RDWR : O_RDONLY)|O_CLOEXEC);
	if (fd == -1) {
		/* Xen refuses a ref that is not granted. */
		errno = EINVAL;
		return NULL;
	}
	p = mmap(addr, XENSIM_PAGE_SIZE, prot,
	    MAP_SHARED|(addr != NULL ? MAP_FIXED : 0), fd, 0);
	close(fd);
	return p == MAP_FAILED ? NULL : p;
}

/* End foreign access: existing mappings stay, new ones fail. */
int
xensim_grant_remove(const char *dir, unsigned int dom, unsigned int ref)
{
	char	path[PATH_MAX];

	if (xensim_path(path, sizeof path, dir, "gnt-%u-%u", dom, ref) == -1)
		return -1;
	return unlink(path);
}

int
xensim_dom_create(const char *dir, unsigned int dom)
{
	return xensim_dom_set_state(dir, dom, "running");
}

int
xensim_dom_set_state(const char *dir, unsigned int dom, const char *state)
{
	char	path[PATH_MAX], buf[32];

	if (xensim_path(path, sizeof path, dir, "dom-%u", dom) == -1)
		return -1;
	snprintf(buf, sizeof buf, "%s\n", state);
	return xensim_put_file(path, buf);
}

static int
xensim_close_any(const char *dir, unsigned int dom, unsigned int port,
    struct xensim_port *xp, const void *arg)
{
	(void)xp;
	(void)arg;
	return xensim_port_close(dir, dom, port);
}

static void
xensim_grants_remove(const char *dir, unsigned int dom)
{
	struct dirent	*de;
	DIR		*d;
	unsigned int	 gdom, ref;
	int		 used;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		used = 0;
		if (sscanf(de->d_name, "gnt-%u-%u%n", &gdom, &ref,
		    &used) == 2 && de->d_name[used] == '\0' && gdom == dom)
			xensim_grant_remove(dir, gdom, ref);
	}
	closedir(d);
}

/*
 * The domain is gone at once (Xen keeps a dying domain until its pages
 * are released): its ports close, its grants vanish, VIRQ_DOM_EXC fires.
 */
int
xensim_dom_destroy(const char *dir, unsigned int dom)
{
	char	path[PATH_MAX];
	int	lk, rc;

	if (xensim_path(path, sizeof path, dir, "dom-%u", dom) == -1)
		return -1;
	if ((lk = xensim_lock(dir)) == -1)
		return -1;
	rc = xensim_port_walk(dir, (int)dom, xensim_close_any, NULL);
	xensim_grants_remove(dir, dom);
	if (unlink(path) == -1 && errno != ENOENT)
		rc = -1;
	xensim_unlock(lk);
	if (rc == -1)
		return -1;
	return xensim_virq_raise(dir, VIRQ_DOM_EXC);
}

static int
xensim_dom_state(const char *dir, unsigned int dom, char *state, size_t len)
{
	char	path[PATH_MAX];

	if (xensim_path(path, sizeof path, dir, "dom-%u", dom) == -1)
		return -1;
	if (xensim_get_file(path, state, len) == -1) {
		if (dom != 0)
			return -1;
		snprintf(state, len, "running");
	}
	state[strcspn(state, "\n")] = '\0';
	return 0;
}

/* The lowest existing domid >= first, and its state; -1/ESRCH if none. */
int
xensim_dom_find(const char *dir, unsigned int first, unsigned int *dom,
    char *state, size_t len)
{
	struct dirent	*de;
	DIR		*d;
	unsigned int	 id, best = UINT32_MAX;
	int		 used;

	/* Usually asked about one domain that exists: no need to list. */
	if (xensim_dom_state(dir, first, state, len) == 0) {
		*dom = first;
		return 0;
	}
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		used = 0;
		if (sscanf(de->d_name, "dom-%u%n", &id, &used) == 1 &&
		    de->d_name[used] == '\0' && id >= first && id < best)
			best = id;
	}
	closedir(d);
	if (best == UINT32_MAX || xensim_dom_state(dir, best, state,
	    len) == -1) {
		errno = ESRCH;
		return -1;
	}
	*dom = best;
	return 0;
}
