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


/* See stub_xen.h. */

#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

#include "stub_xen.h"

/* daemon/guestdom.c's, without a hypervisor. */
int	guestdom_down(unsigned int);
void	guestdom_init(void);
void	guestdom_shutdown(void);

struct stub_xen	stub_xen;
static char	stub_handle;
static struct event *stub_events;

struct event *
event_new(struct event_base *base, evutil_socket_t fd, short what,
    event_callback_fn cb, void *arg)
{
	struct event	*ev;

	(void)base;
	(void)fd;
	(void)what;
	if ((ev = calloc(1, sizeof(*ev))) == NULL)
		return NULL;
	ev->se_cb = cb;
	ev->se_arg = arg;
	ev->se_fd = fd;
	ev->se_what = what;
	ev->se_next = stub_events;
	stub_events = ev;
	return ev;
}

int
event_add(struct event *ev, const struct timeval *tv)
{
	(void)tv;
	ev->se_pending = 1;
	return 0;
}

int
event_del(struct event *ev)
{
	ev->se_pending = 0;
	return 0;
}

/* Timers never fire here: pending once added, until deleted. */
int
event_pending(const struct event *ev, short what, struct timeval *tv)
{
	(void)tv;
	return ev->se_pending ? what & (ev->se_what | EV_TIMEOUT) : 0;
}

/* The watch dispatch asked to run again: the harness drives it. */
void
event_active(struct event *ev, int res, short ncalls)
{
	(void)ev;
	(void)res;
	(void)ncalls;
}

void
event_free(struct event *ev)
{
	struct event	**p;

	if (ev == NULL)
		return;
	for (p = &stub_events; *p != NULL; p = &(*p)->se_next)
		if (*p == ev) {
			*p = ev->se_next;
			break;
		}
	free(ev);
}

/* The control process's own base is never made in the fuzzers. */
struct event_base *
event_base_new(void)
{
	return NULL;
}

int
event_base_dispatch(struct event_base *base)
{
	(void)base;
	return -1;
}

int
event_base_loopbreak(struct event_base *base)
{
	(void)base;
	return 0;
}

int
stub_event_loop(void)
{
	struct event	*ev;
	struct pollfd	 pfd;

	for (ev = stub_events; ev != NULL; ev = ev->se_next) {
		if (!ev->se_pending || ev->se_fd < 0 ||
		    !(ev->se_what & (EV_READ | EV_WRITE)))
			continue;
		pfd.fd = ev->se_fd;
		pfd.events = (ev->se_what & EV_READ ? POLLIN : 0) |
		    (ev->se_what & EV_WRITE ? POLLOUT : 0);
		if (poll(&pfd, 1, 0) != 1)
			continue;
		/* The callback may free any event: start over after it. */
		if (!(ev->se_what & EV_PERSIST))
			ev->se_pending = 0;
		ev->se_cb(ev->se_fd, pfd.revents & POLLIN ? EV_READ : EV_WRITE,
		    ev->se_arg);
		return 1;
	}
	return 0;
}

/* A pending timer: the newest (newest != 0) or the oldest; NULL: none. */
struct event *
stub_event_timer(int newest)
{
	struct event	*ev, *found = NULL;

	for (ev = stub_events; ev != NULL; ev = ev->se_next) {
		if (!ev->se_pending || ev->se_what & (EV_READ | EV_WRITE))
			continue;
		found = ev;
		if (newest)
			break;
	}
	return found;
}

void
stub_event_fire(struct event *ev)
{
	if (ev == NULL || !ev->se_pending)
		return;
	ev->se_pending = 0;
	ev->se_cb(-1, EV_READ, ev->se_arg);
}

xenevtchn_handle *
xenevtchn_open(struct xentoollog_logger *logger, unsigned int flags)
{
	(void)logger;
	(void)flags;
	return (xenevtchn_handle *)(void *)&stub_handle;
}

int
xenevtchn_close(xenevtchn_handle *xce)
{
	(void)xce;
	return 0;
}

int
xenevtchn_fd(xenevtchn_handle *xce)
{
	(void)xce;
	return -1;
}

int
xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
	(void)xce;
	(void)port;
	stub_xen.sx_notify++;
	return 0;
}

xenevtchn_port_or_error_t
xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
    evtchn_port_t port)
{
	(void)xce;
	(void)domid;
	(void)port;
	stub_xen.sx_bound++;
	return stub_xen.sx_port;
}

int
xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
	(void)xce;
	(void)port;
	stub_xen.sx_bound--;
	return 0;
}

xenevtchn_port_or_error_t
xenevtchn_pending(xenevtchn_handle *xce)
{
	(void)xce;
	return stub_xen.sx_port;
}

int
xenevtchn_restrict(xenevtchn_handle *xce, domid_t domid)
{
	(void)xce;
	(void)domid;
	return 0;
}

int
xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
	(void)xce;
	(void)port;
	stub_xen.sx_unmask++;
	return 0;
}

xengnttab_handle *
xengnttab_open(struct xentoollog_logger *logger, unsigned int flags)
{
	(void)logger;
	(void)flags;
	return (xengnttab_handle *)(void *)&stub_handle;
}

int
xengnttab_close(xengnttab_handle *xgt)
{
	(void)xgt;
	return 0;
}

void *
xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid,
    uint32_t ref, int prot)
{
	(void)xgt;
	(void)domid;
	(void)ref;
	(void)prot;
	if (stub_xen.sx_map_fails)
		return NULL;
	stub_xen.sx_mapped++;
	return stub_xen.sx_page;
}

int
xengnttab_unmap(xengnttab_handle *xgt, void *start_address, uint32_t count)
{
	(void)xgt;
	(void)start_address;
	(void)count;
	stub_xen.sx_mapped--;
	return 0;
}

struct xs_handle *
xs_open(unsigned long flags)
{
	(void)flags;
	return (struct xs_handle *)(void *)&stub_handle;
}

void
xs_close(struct xs_handle *xsh)
{
	(void)xsh;
}

int
xs_fileno(struct xs_handle *h)
{
	(void)h;
	return -1;
}

char **
xs_check_watch(struct xs_handle *h)
{
	(void)h;
	errno = EAGAIN;
	return NULL;
}

bool
xs_watch(struct xs_handle *h, const char *path, const char *token)
{
	(void)h;
	(void)path;
	(void)token;
	return true;
}

bool
xs_unwatch(struct xs_handle *h, const char *path, const char *token)
{
	(void)h;
	(void)path;
	(void)token;
	return true;
}

char **
xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path,
    unsigned int *num)
{
	(void)h;
	(void)t;
	(void)path;
	*num = 0;
	errno = ENOENT;
	return NULL;
}

void *
xs_read(struct xs_handle *h, xs_transaction_t t, const char *path,
    unsigned int *len)
{
	(void)h;
	(void)t;
	(void)path;
	if (len != NULL)
		*len = 0;
	errno = ENOENT;
	return NULL;
}

bool
xs_write(struct xs_handle *h, xs_transaction_t t, const char *path,
    const void *data, unsigned int len)
{
	(void)h;
	(void)t;
	(void)path;
	(void)data;
	(void)len;
	return true;
}

bool
xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	(void)h;
	(void)t;
	(void)path;
	return true;
}

xs_transaction_t
xs_transaction_start(struct xs_handle *h)
{
	(void)h;
	return 1;
}

bool
xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort)
{
	(void)h;
	(void)t;
	(void)abort;
	return true;
}

bool
xs_is_domain_introduced(struct xs_handle *h, unsigned int domid)
{
	(void)h;
	(void)domid;
	return true;
}

/* Every guest runs: the fuzzer has no hypervisor (daemon/guestdom.c). */
int
guestdom_down(unsigned int domid)
{
	(void)domid;
	return 0;
}

void
guestdom_init(void)
{
}

void
guestdom_shutdown(void)
{
}
