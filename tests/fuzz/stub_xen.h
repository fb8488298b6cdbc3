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
 * Xen and libevent for daemon code linked into a fuzzer: no hypervisor,
 * no xenstore (reads find nothing, writes succeed), no event loop.  The
 * "grant" maps to whatever page the fuzzer set; events are records the
 * fuzzer fires itself, or stub_event_loop() fires those whose fd is
 * ready.
 */

#ifndef PCIBACKD_STUB_XEN_H
#define PCIBACKD_STUB_XEN_H

#include <event2/event.h>

struct event {
	struct event		*se_next;	/* every live event */
	event_callback_fn	 se_cb;
	void			*se_arg;
	evutil_socket_t		 se_fd;
	short			 se_what;
	int			 se_pending;	/* added and not fired */
};

struct stub_xen {
	void		*sx_page;	/* what the next map returns */
	int		 sx_map_fails;
	int		 sx_port;	/* what pending and bind return */
	unsigned long	 sx_notify;
	unsigned long	 sx_unmask;
	unsigned long	 sx_mapped;	/* maps not unmapped */
	unsigned long	 sx_bound;
};

extern struct stub_xen	stub_xen;

/* Run a pending event's callback once. */
void	stub_event_fire(struct event *);
/* A pending timer, the newest (1) or the oldest (0) added; NULL: none. */
struct event *stub_event_timer(int);
/* Fire the pending fd events whose fd poll(2) finds ready; how many. */
int	stub_event_loop(void);

#endif /* PCIBACKD_STUB_XEN_H */
