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
 * A stand-in backend for test-guest: plain libxengnttab/libxenevtchn
 * calls, to be run with LD_PRELOAD=libxensim.so. It maps the guest's
 * page, binds to the guest's port and plays a hello/ping/pong exchange.
 *
 * usage: test-dom0 domid ref port hang|exit
 * The page: guest "guest-hello" at 0, dom0 "dom0-hello" at 64,
 * guest "guest-ping" at 128, dom0 "dom0-pong" at 192.
 */

#include <sys/mman.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenevtchn.h>
#include <xengnttab.h>

static int
xensim_dom0_fail(const char *what)
{
	fprintf(stderr, "test-dom0: %s: %s\n", what, strerror(errno));
	return 1;
}

/* Take events until the page says "guest-ping"; spurious ones are fine. */
static int
xensim_dom0_wait_ping(xenevtchn_handle *xce, int lport, const char *page)
{
	struct pollfd	pfd;
	int		port, i;

	pfd.fd = xenevtchn_fd(xce);
	pfd.events = POLLIN;
	for (i = 0; i < 50; i++) {
		if (strcmp(page + 128, "guest-ping") == 0)
			return 0;
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if ((port = xenevtchn_pending(xce)) == -1)
			return -1;
		if (port != lport) {
			errno = EPROTO;
			return -1;
		}
		if (xenevtchn_unmask(xce, (evtchn_port_t)port) == -1)
			return -1;
	}
	errno = ETIMEDOUT;
	return -1;
}

int
main(int argc, char **argv)
{
	xengnttab_handle	*xgt;
	xenevtchn_handle	*xce;
	char			*page;
	int			 domid, ref, rport, lport;

	if (argc != 5) {
		fprintf(stderr, "usage: test-dom0 domid ref port hang|exit\n");
		return 2;
	}
	domid = atoi(argv[1]);
	ref = atoi(argv[2]);
	rport = atoi(argv[3]);
	if ((xgt = xengnttab_open(NULL, 0)) == NULL)
		return xensim_dom0_fail("xengnttab_open");
	page = xengnttab_map_grant_ref(xgt, (uint32_t)domid, (uint32_t)ref,
	    PROT_READ|PROT_WRITE);
	if (page == NULL)
		return xensim_dom0_fail("xengnttab_map_grant_ref");
	if (strcmp(page, "guest-hello") != 0) {
		fprintf(stderr, "test-dom0: page holds \"%.16s\"\n", page);
		return 1;
	}
	if ((xce = xenevtchn_open(NULL, 0)) == NULL)
		return xensim_dom0_fail("xenevtchn_open");
	lport = xenevtchn_bind_interdomain(xce, (uint32_t)domid,
	    (evtchn_port_t)rport);
	if (lport == -1)
		return xensim_dom0_fail("xenevtchn_bind_interdomain");
	strcpy(page + 64, "dom0-hello");
	if (xenevtchn_notify(xce, (evtchn_port_t)lport) == -1)
		return xensim_dom0_fail("xenevtchn_notify");
	if (xensim_dom0_wait_ping(xce, lport, page) == -1)
		return xensim_dom0_fail("waiting for guest-ping");
	strcpy(page + 192, "dom0-pong");
	if (xenevtchn_notify(xce, (evtchn_port_t)lport) == -1)
		return xensim_dom0_fail("xenevtchn_notify");
	if (strcmp(argv[4], "hang") == 0) {
		/* Wait to be killed: the binding must die with us. */
		for (;;)
			pause();
	}
	if (xenevtchn_unbind(xce, (evtchn_port_t)lport) == -1)
		return xensim_dom0_fail("xenevtchn_unbind");
	if (xengnttab_unmap(xgt, page, 1) == -1)
		return xensim_dom0_fail("xengnttab_unmap");
	xenevtchn_close(xce);
	xengnttab_close(xgt);
	return 0;
}
