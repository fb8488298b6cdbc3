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
 * A guest's side of the simulated machine: its xenstore ring (grant ref 1)
 * and event channels in the file model, a small synchronous xenstore
 * client over that ring, and the dom0 toolstack steps (domain path,
 * XS_INTRODUCE) done through libxenstore as libxl would.
 */

#include <sys/mman.h>
#include <sys/random.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>
#include <xen/xen.h>
#include <xen/grant_table.h>
#include <xen/io/xs_wire.h>

#include "guest.h"
#include "model.h"

#define XENSIM_GUEST_TIMEOUT_MS	10000	/* one xenstore request */
#define XENSIM_MSG_MAX	(sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX)

struct xensim_watchev {
	char			*we_path;
	char			*we_token;
	struct xensim_watchev	*we_next;
};

struct xensim_guest {
	char				 gu_dir[PATH_MAX];
	char				 gu_fifo[PATH_MAX];
	int				 gu_fd;
	unsigned int			 gu_domid;
	int				 gu_exists;	/* dom-D made */
	unsigned int			 gu_xsport;
	struct xenstore_domain_interface *gu_ring;
	uint32_t			 gu_reqid;
	uint32_t			 gu_nextref;
	uint8_t				 gu_pending[XENSIM_NR_PORTS / 8];

	char				 gu_in[XENSIM_MSG_MAX];
	size_t				 gu_inlen;
	struct xensim_watchev		*gu_events;

	char				*gu_reply;	/* header + payload */
};

static long
xensim_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
xensim_neg(int rc)
{
	return rc == -1 ? -errno : rc;
}

unsigned int
xensim_guest_domid(const struct xensim_guest *g)
{
	return g->gu_domid;
}

int
xensim_guest_fd(const struct xensim_guest *g)
{
	return g->gu_fd;
}

/*
 * Wait for one event until the deadline. Events for other ports are
 * remembered for xensim_guest_wait(); xenstore kicks need no memory,
 * the ring itself says what is new.
 */
static int
xensim_guest_step(struct xensim_guest *g, long deadline)
{
	struct pollfd	pfd;
	uint32_t	port;
	long		left;
	int		rc;

	left = deadline - xensim_now_ms();
	if (left < 0)
		left = 0;
	pfd.fd = g->gu_fd;
	pfd.events = POLLIN;
	rc = poll(&pfd, 1, (int)left);
	if (rc == -1)
		return errno == EINTR ? 0 : -errno;
	if (rc == 0)
		return -ETIMEDOUT;
	if (read(g->gu_fd, &port, sizeof port) != (ssize_t)sizeof port)
		return -EIO;
	if (port != g->gu_xsport && port < XENSIM_NR_PORTS)
		g->gu_pending[port / 8] |= (uint8_t)(1U << (port % 8));
	return 0;
}

static void
xensim_guest_queue_event(struct xensim_guest *g, const char *payload,
    size_t len)
{
	struct xensim_watchev	*ev, **evp;
	size_t			 plen;

	plen = strnlen(payload, len);
	if (plen + 1 >= len)
		return;
	if ((ev = calloc(1, sizeof *ev)) == NULL)
		return;
	ev->we_path = strndup(payload, plen);
	ev->we_token = strndup(payload + plen + 1, len - plen - 1);
	if (ev->we_path == NULL || ev->we_token == NULL) {
		free(ev->we_path);
		free(ev->we_token);
		free(ev);
		return;
	}
	for (evp = &g->gu_events; *evp != NULL; evp = &(*evp)->we_next)
		continue;
	*evp = ev;
}

/* A whole message is in gu_in: queue it as an event or keep the reply. */
static void
xensim_guest_dispatch(struct xensim_guest *g)
{
	struct xsd_sockmsg	*hdr = (struct xsd_sockmsg *)g->gu_in;
	char			*payload = g->gu_in + sizeof *hdr;

	if (hdr->type == XS_WATCH_EVENT) {
		xensim_guest_queue_event(g, payload, hdr->len);
		return;
	}
	free(g->gu_reply);
	g->gu_reply = malloc(sizeof *hdr + hdr->len + 1);
	if (g->gu_reply == NULL)
		return;
	memcpy(g->gu_reply, g->gu_in, sizeof *hdr + hdr->len);
	g->gu_reply[sizeof *hdr + hdr->len] = '\0';
}

/* How many bytes the message being assembled still needs. */
static size_t
xensim_guest_need(const struct xensim_guest *g)
{
	const struct xsd_sockmsg	*hdr;

	if (g->gu_inlen < sizeof *hdr)
		return sizeof *hdr - g->gu_inlen;
	hdr = (const struct xsd_sockmsg *)g->gu_in;
	return sizeof *hdr + hdr->len - g->gu_inlen;
}

/* Move what xenstored wrote out of the response ring. */
static int
xensim_guest_pump(struct xensim_guest *g)
{
	struct xenstore_domain_interface	*r = g->gu_ring;
	XENSTORE_RING_IDX			 cons, prod;
	size_t					 n, chunk;

	cons = r->rsp_cons;
	prod = __atomic_load_n(&r->rsp_prod, __ATOMIC_ACQUIRE);
	if (prod - cons > XENSTORE_RING_SIZE)
		return -EIO;
	while (cons != prod) {
		n = xensim_guest_need(g);
		chunk = XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(cons);
		if (chunk > prod - cons)
			chunk = prod - cons;
		if (chunk > n)
			chunk = n;
		memcpy(g->gu_in + g->gu_inlen,
		    r->rsp + MASK_XENSTORE_IDX(cons), chunk);
		g->gu_inlen += chunk;
		cons += (XENSTORE_RING_IDX)chunk;
		if (g->gu_inlen >= sizeof(struct xsd_sockmsg) &&
		    ((struct xsd_sockmsg *)g->gu_in)->len > XENSTORE_PAYLOAD_MAX)
			return -EIO;
		if (g->gu_inlen >= sizeof(struct xsd_sockmsg) &&
		    xensim_guest_need(g) == 0) {
			xensim_guest_dispatch(g);
			g->gu_inlen = 0;
		}
	}
	if (cons == r->rsp_cons)
		return 0;
	__atomic_store_n(&r->rsp_cons, cons, __ATOMIC_RELEASE);
	/* xenstored may be waiting for room in the ring. */
	return xensim_guest_notify(g, g->gu_xsport);
}

/* Put a whole message into the request ring, waiting for room. */
static int
xensim_guest_send(struct xensim_guest *g, const char *msg, size_t len,
    long deadline)
{
	struct xenstore_domain_interface	*r = g->gu_ring;
	XENSTORE_RING_IDX			 cons, prod;
	size_t					 off = 0, n;
	int					 rc;

	while (off < len) {
		cons = __atomic_load_n(&r->req_cons, __ATOMIC_ACQUIRE);
		prod = r->req_prod;
		n = XENSTORE_RING_SIZE - (prod - cons);
		if (n == 0) {
			if ((rc = xensim_guest_step(g, deadline)) < 0)
				return rc;
			continue;
		}
		if (n > XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(prod))
			n = XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(prod);
		if (n > len - off)
			n = len - off;
		memcpy(r->req + MASK_XENSTORE_IDX(prod), msg + off, n);
		__atomic_store_n(&r->req_prod, prod + (XENSTORE_RING_IDX)n,
		    __ATOMIC_RELEASE);
		off += n;
		if ((rc = xensim_guest_notify(g, g->gu_xsport)) < 0)
			return rc;
	}
	return 0;
}

static int
xensim_guest_errno(const char *name)
{
	size_t	i;

	for (i = 0; i < sizeof xsd_errors / sizeof xsd_errors[0]; i++)
		if (strcmp(xsd_errors[i].errstring, name) == 0)
			return -xsd_errors[i].errnum;
	return -EIO;
}

/* Wait for the reply to the request just sent; hand over its payload. */
static int
xensim_guest_reply(struct xensim_guest *g, uint32_t type, long deadline,
    char **reply, size_t *rlen)
{
	struct xsd_sockmsg	*hdr;
	int			 rc;

	for (;;) {
		if ((rc = xensim_guest_pump(g)) < 0)
			return rc;
		hdr = (struct xsd_sockmsg *)g->gu_reply;
		if (hdr != NULL && hdr->req_id == g->gu_reqid)
			break;
		/* A late answer to an earlier, timed-out request. */
		free(g->gu_reply);
		g->gu_reply = NULL;
		if ((rc = xensim_guest_step(g, deadline)) < 0)
			return rc;
	}
	if (hdr->type == XS_ERROR)
		rc = xensim_guest_errno(g->gu_reply + sizeof *hdr);
	else if (hdr->type != type)
		rc = -EIO;
	else
		rc = 0;
	if (rc == 0 && reply != NULL) {
		if ((*reply = malloc(hdr->len + 1)) == NULL)
			rc = -ENOMEM;
		else
			memcpy(*reply, g->gu_reply + sizeof *hdr, hdr->len + 1);
		if (rc == 0 && rlen != NULL)
			*rlen = hdr->len;
	}
	free(g->gu_reply);
	g->gu_reply = NULL;
	return rc;
}

int
xensim_guest_request(struct xensim_guest *g, uint32_t type, uint32_t tx,
    const void *payload, size_t len, char **reply, size_t *rlen)
{
	struct xsd_sockmsg	hdr;
	char			msg[XENSIM_MSG_MAX];
	long			deadline;
	int			rc;

	if (len > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	memset(&hdr, 0, sizeof hdr);
	hdr.type = type;
	hdr.req_id = ++g->gu_reqid;
	hdr.tx_id = tx;
	hdr.len = (uint32_t)len;
	memcpy(msg, &hdr, sizeof hdr);
	if (len > 0)
		memcpy(msg + sizeof hdr, payload, len);
	deadline = xensim_now_ms() + XENSIM_GUEST_TIMEOUT_MS;
	free(g->gu_reply);
	g->gu_reply = NULL;
	if ((rc = xensim_guest_send(g, msg, sizeof hdr + len, deadline)) < 0)
		return rc;
	return xensim_guest_reply(g, type, deadline, reply, rlen);
}

/* Requests whose payload is one string with its NUL. */
static int
xensim_guest_simple(struct xensim_guest *g, uint32_t type, uint32_t tx,
    const char *arg, char **reply)
{
	return xensim_guest_request(g, type, tx, arg, strlen(arg) + 1, reply,
	    NULL);
}

int
xensim_guest_read(struct xensim_guest *g, uint32_t tx, const char *path,
    char **val)
{
	return xensim_guest_simple(g, XS_READ, tx, path, val);
}

int
xensim_guest_write(struct xensim_guest *g, uint32_t tx, const char *path,
    const char *val)
{
	char	msg[XENSTORE_PAYLOAD_MAX];
	size_t	plen = strlen(path) + 1, vlen = strlen(val);

	if (plen + vlen > sizeof msg)
		return -E2BIG;
	memcpy(msg, path, plen);
	memcpy(msg + plen, val, vlen);
	return xensim_guest_request(g, XS_WRITE, tx, msg, plen + vlen, NULL,
	    NULL);
}

int
xensim_guest_mkdir(struct xensim_guest *g, uint32_t tx, const char *path)
{
	return xensim_guest_simple(g, XS_MKDIR, tx, path, NULL);
}

int
xensim_guest_rm(struct xensim_guest *g, uint32_t tx, const char *path)
{
	return xensim_guest_simple(g, XS_RM, tx, path, NULL);
}

/* Split "a\0b\0" into one allocation: the pointer array, then strings. */
static int
xensim_guest_split(const char *buf, size_t len, char ***list,
    unsigned int *num)
{
	unsigned int	 n = 0, i;
	size_t		 off;
	char		**v, *s;

	for (off = 0; off < len; off += strlen(buf + off) + 1)
		n++;
	if ((v = malloc((n + 1) * sizeof *v + len + 1)) == NULL)
		return -ENOMEM;
	s = (char *)(v + n + 1);
	memcpy(s, buf, len);
	s[len] = '\0';
	for (i = 0, off = 0; i < n; i++, off += strlen(s + off) + 1)
		v[i] = s + off;
	v[n] = NULL;
	*list = v;
	*num = n;
	return 0;
}

int
xensim_guest_directory(struct xensim_guest *g, uint32_t tx, const char *path,
    char ***list, unsigned int *num)
{
	char	*buf;
	size_t	 len;
	int	 rc;

	rc = xensim_guest_request(g, XS_DIRECTORY, tx, path, strlen(path) + 1,
	    &buf, &len);
	if (rc < 0)
		return rc;
	rc = xensim_guest_split(buf, len, list, num);
	free(buf);
	return rc;
}

/* perms as xenstore-chmod writes them: "n5", "r0", "b7" ... */
int
xensim_guest_set_perms(struct xensim_guest *g, uint32_t tx, const char *path,
    const char *const *perms, unsigned int n)
{
	char		msg[XENSTORE_PAYLOAD_MAX];
	size_t		off = 0, l;
	unsigned int	i;

	l = strlen(path) + 1;
	if (l > sizeof msg)
		return -E2BIG;
	memcpy(msg, path, l);
	off = l;
	for (i = 0; i < n; i++) {
		l = strlen(perms[i]) + 1;
		if (off + l > sizeof msg)
			return -E2BIG;
		memcpy(msg + off, perms[i], l);
		off += l;
	}
	return xensim_guest_request(g, XS_SET_PERMS, tx, msg, off, NULL, NULL);
}

static int
xensim_guest_watch_op(struct xensim_guest *g, uint32_t type, const char *path,
    const char *token)
{
	char	msg[XENSTORE_PAYLOAD_MAX];
	size_t	plen = strlen(path) + 1, tlen = strlen(token) + 1;

	if (plen + tlen > sizeof msg)
		return -E2BIG;
	memcpy(msg, path, plen);
	memcpy(msg + plen, token, tlen);
	return xensim_guest_request(g, type, 0, msg, plen + tlen, NULL, NULL);
}

int
xensim_guest_watch(struct xensim_guest *g, const char *path,
    const char *token)
{
	return xensim_guest_watch_op(g, XS_WATCH, path, token);
}

int
xensim_guest_unwatch(struct xensim_guest *g, const char *path,
    const char *token)
{
	return xensim_guest_watch_op(g, XS_UNWATCH, path, token);
}

/* Next watch event, waiting up to timeout_ms; -ETIMEDOUT if none. */
int
xensim_guest_read_watch(struct xensim_guest *g, char **path, char **token,
    int timeout_ms)
{
	struct xensim_watchev	*ev;
	long			 deadline = xensim_now_ms() + timeout_ms;
	int			 rc;

	for (;;) {
		if ((rc = xensim_guest_pump(g)) < 0)
			return rc;
		if ((ev = g->gu_events) != NULL)
			break;
		if ((rc = xensim_guest_step(g, deadline)) < 0)
			return rc;
	}
	g->gu_events = ev->we_next;
	*path = ev->we_path;
	*token = ev->we_token;
	free(ev);
	return 0;
}

int
xensim_guest_transaction_start(struct xensim_guest *g, uint32_t *tx)
{
	char	*id;
	int	 rc;

	rc = xensim_guest_request(g, XS_TRANSACTION_START, 0, "", 1, &id,
	    NULL);
	if (rc < 0)
		return rc;
	*tx = (uint32_t)strtoul(id, NULL, 10);
	free(id);
	return 0;
}

/* -EAGAIN when another writer got in first: the caller retries. */
int
xensim_guest_transaction_end(struct xensim_guest *g, uint32_t tx, int commit)
{
	return xensim_guest_simple(g, XS_TRANSACTION_END, tx,
	    commit ? "T" : "F", NULL);
}

int
xensim_guest_get_domain_path(struct xensim_guest *g, char **path)
{
	char	id[16];

	snprintf(id, sizeof id, "%u", g->gu_domid);
	return xensim_guest_simple(g, XS_GET_DOMAIN_PATH, 0, id, path);
}

/* A fresh zeroed page granted to dom0; refs below 8 are Xen's own. */
void *
xensim_guest_grant(struct xensim_guest *g, uint32_t *ref)
{
	void	*p;

	p = xensim_grant_create(g->gu_dir, g->gu_domid, g->gu_nextref);
	if (p == NULL)
		return NULL;
	*ref = g->gu_nextref++;
	return p;
}

int
xensim_guest_ungrant(struct xensim_guest *g, uint32_t ref, void *page)
{
	if (page != NULL)
		munmap(page, XENSIM_PAGE_SIZE);
	return xensim_neg(xensim_grant_remove(g->gu_dir, g->gu_domid, ref));
}

int
xensim_guest_alloc_unbound(struct xensim_guest *g, unsigned int remote)
{
	return xensim_neg(xensim_bind_unbound(g->gu_dir, g->gu_domid,
	    g->gu_fifo, remote));
}

int
xensim_guest_notify(struct xensim_guest *g, unsigned int port)
{
	return xensim_neg(xensim_notify(g->gu_dir, g->gu_domid, port,
	    g->gu_fifo));
}

int
xensim_guest_close_port(struct xensim_guest *g, unsigned int port)
{
	return xensim_neg(xensim_unbind(g->gu_dir, g->gu_domid, port,
	    g->gu_fifo));
}

/* Next event on a port other than xenstore's; -ETIMEDOUT if none. */
int
xensim_guest_wait(struct xensim_guest *g, int timeout_ms)
{
	long		deadline = xensim_now_ms() + timeout_ms;
	unsigned int	port;
	int		rc;

	for (;;) {
		for (port = 0; port < XENSIM_NR_PORTS; port++) {
			if (!(g->gu_pending[port / 8] & (1U << (port % 8))))
				continue;
			g->gu_pending[port / 8] &= (uint8_t)~(1U << (port % 8));
			return (int)port;
		}
		if ((rc = xensim_guest_step(g, deadline)) < 0)
			return rc;
		if ((rc = xensim_guest_pump(g)) < 0)
			return rc;
	}
}

/* Like libxl: the domain path readable by the guest, some dirs its own. */
static int
xensim_guest_mkpaths(struct xs_handle *xs, unsigned int domid)
{
	static const char		*const own[] = { "data", "error" };
	struct xs_permissions		 ro[2] = {
		{ 0, XS_PERM_NONE }, { domid, XS_PERM_READ } };
	struct xs_permissions		 rw[1] = { { domid, XS_PERM_NONE } };
	char				 path[128];
	size_t				 i;

	snprintf(path, sizeof path, "/local/domain/%u", domid);
	if (!xs_mkdir(xs, XBT_NULL, path) ||
	    !xs_set_permissions(xs, XBT_NULL, path, ro, 2))
		return -1;
	snprintf(path, sizeof path, "/local/domain/%u/device", domid);
	if (!xs_mkdir(xs, XBT_NULL, path) ||
	    !xs_set_permissions(xs, XBT_NULL, path, ro, 2))
		return -1;
	for (i = 0; i < sizeof own / sizeof own[0]; i++) {
		snprintf(path, sizeof path, "/local/domain/%u/%s", domid,
		    own[i]);
		if (!xs_mkdir(xs, XBT_NULL, path) ||
		    !xs_set_permissions(xs, XBT_NULL, path, rw, 1))
			return -1;
	}
	return 0;
}

/*
 * Like libxl: every domain a fresh UUID, /local/domain/N/vm naming its
 * /vm/<uuid> dir, so a domid reused names another domain.
 */
static int
xensim_guest_vm(struct xs_handle *xs, unsigned int domid)
{
	unsigned char	u[16];
	char		uuid[40], vm[64], path[128];

	if (getrandom(u, sizeof(u), 0) != (ssize_t)sizeof(u))
		return -1;
	snprintf(uuid, sizeof(uuid), "%02x%02x%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3],
	    u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
	    u[14], u[15]);
	snprintf(vm, sizeof(vm), "/vm/%s", uuid);
	snprintf(path, sizeof(path), "%s/uuid", vm);
	if (!xs_write(xs, XBT_NULL, path, uuid, strlen(uuid)))
		return -1;
	snprintf(path, sizeof(path), "/local/domain/%u/vm", domid);
	if (!xs_write(xs, XBT_NULL, path, vm, strlen(vm)))
		return -1;
	return 0;
}

/* dom0's part: what the toolstack does to make a domain reachable. */
static int
xensim_guest_introduce(struct xensim_guest *g)
{
	struct xs_handle	*xs;
	int			 rc = -1;

	if ((xs = xs_open(0)) == NULL)
		return -1;
	if (xensim_guest_mkpaths(xs, g->gu_domid) == 0 &&
	    xensim_guest_vm(xs, g->gu_domid) == 0 &&
	    xs_introduce_domain(xs, g->gu_domid, 0, g->gu_xsport))
		rc = 0;
	xs_close(xs);
	return rc;
}

static int
xensim_guest_setup(struct xensim_guest *g)
{
	int	port;

	if (xensim_dom_create(g->gu_dir, g->gu_domid) == -1)
		return -1;
	g->gu_exists = 1;
	g->gu_ring = xensim_grant_create(g->gu_dir, g->gu_domid,
	    GNTTAB_RESERVED_XENSTORE);
	if (g->gu_ring == NULL)
		return -1;
	port = xensim_bind_unbound(g->gu_dir, g->gu_domid, g->gu_fifo, 0);
	if (port == -1)
		return -1;
	g->gu_xsport = (unsigned int)port;
	return xensim_guest_introduce(g);
}

/* NULL and errno set on failure. */
struct xensim_guest *
xensim_guest_create(unsigned int domid)
{
	struct xensim_guest	*g;
	int			 saved;

	if (domid == 0 || domid >= DOMID_FIRST_RESERVED) {
		errno = EINVAL;
		return NULL;
	}
	if ((g = calloc(1, sizeof *g)) == NULL)
		return NULL;
	g->gu_domid = domid;
	g->gu_nextref = GNTTAB_NR_RESERVED_ENTRIES;
	g->gu_fd = -1;
	if (xensim_dir(g->gu_dir, sizeof g->gu_dir) == -1)
		goto fail;
	g->gu_fd = xensim_fifo_open(g->gu_dir, g->gu_fifo, sizeof g->gu_fifo,
	    1);
	if (g->gu_fd == -1 || xensim_guest_setup(g) == -1)
		goto fail;
	return g;
fail:
	saved = errno;
	xensim_guest_destroy(g);
	errno = saved;
	return NULL;
}

/* shutdown/crashed/running: VIRQ_DOM_EXC tells xenstored to look. */
int
xensim_guest_set_state(struct xensim_guest *g, const char *state)
{
	if (xensim_dom_set_state(g->gu_dir, g->gu_domid, state) == -1)
		return -errno;
	return xensim_neg(xensim_virq_raise(g->gu_dir, VIRQ_DOM_EXC));
}

/* The domain dies: ports closed, grants gone, xenstored told. */
void
xensim_guest_destroy(struct xensim_guest *g)
{
	struct xensim_watchev	*ev;

	if (g == NULL)
		return;
	if (g->gu_exists)
		xensim_dom_destroy(g->gu_dir, g->gu_domid);
	if (g->gu_ring != NULL)
		munmap(g->gu_ring, XENSIM_PAGE_SIZE);
	if (g->gu_fd != -1)
		xensim_fifo_close(g->gu_dir, g->gu_fifo, g->gu_fd);
	while ((ev = g->gu_events) != NULL) {
		g->gu_events = ev->we_next;
		free(ev->we_path);
		free(ev->we_token);
		free(ev);
	}
	free(g->gu_reply);
	free(g);
}
