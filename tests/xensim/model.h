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
 * The simulated hypervisor state, kept as ordinary files in one directory
 * per test ($XENSIM_DIR) so that every process of the test (xenstored, the
 * backend, the test program playing the guest) sees the same machine.
 *
 *   lock		flock(2)ed around every change of the registry
 *   dom-D		domain D exists; contents "running", "shutdown" or
 *			"dying" (dom0 always exists, with or without file)
 *   port-D-P		event channel endpoint (D, P); see struct xensim_port
 *   evt-PID-N		FIFO of one event channel handle; it carries the
 *			32-bit local port numbers of the events sent to it
 *   gnt-D-R		4 KiB page granted by domain D as reference R
 *   xsd_port xsd_kva	what xenstored reads from /proc/xen
 *
 * A handle is alive while some process holds its FIFO open: opening it for
 * writing without blocking then succeeds, and fails with ENXIO once the
 * last holder is gone (exit, SIGKILL).  Endpoints of dead handles are
 * closed lazily, which gives a crashed backend the same effect on its
 * peers as an orderly unbind.
 */

#ifndef XENSIM_MODEL_H
#define XENSIM_MODEL_H

#include <limits.h>
#include <stddef.h>

/* Internal to the preload library: only the Xen API is exported. */
#define XENSIM_HIDDEN __attribute__((visibility("hidden")))

#define XENSIM_PAGE_SIZE	4096
#define XENSIM_NR_PORTS		4096	/* 2-level ABI on 64-bit */
#define XENSIM_NO_OWNER		"-"

enum xensim_state {
	XENSIM_UNBOUND = 'u',
	XENSIM_INTERDOMAIN = 'i',
	XENSIM_VIRQ = 'v'
};

/* One endpoint. Unbound: xp_rdom is the domain allowed to bind it. */
struct xensim_port {
	int		xp_state;
	unsigned int	xp_rdom;
	unsigned int	xp_rport;
	unsigned int	xp_virq;
	char		xp_owner[PATH_MAX];	/* FIFO path or "-" */
};

/* All return -1 and set errno on failure unless said otherwise. */
XENSIM_HIDDEN int	xensim_dir(char *, size_t);
XENSIM_HIDDEN int	xensim_fifo_open(const char *, char *, size_t, int);
XENSIM_HIDDEN void	xensim_fifo_close(const char *, const char *, int);
XENSIM_HIDDEN int	xensim_port_get(const char *, unsigned int, unsigned int,
			    struct xensim_port *);
XENSIM_HIDDEN int	xensim_bind_unbound(const char *, unsigned int,
			    const char *, unsigned int);
XENSIM_HIDDEN int	xensim_bind_interdomain(const char *, unsigned int,
			    const char *, unsigned int, unsigned int);
XENSIM_HIDDEN int	xensim_bind_virq(const char *, unsigned int,
			    const char *, unsigned int);
XENSIM_HIDDEN int	xensim_unbind(const char *, unsigned int, unsigned int,
			    const char *);
XENSIM_HIDDEN int	xensim_notify(const char *, unsigned int, unsigned int,
			    const char *);
XENSIM_HIDDEN int	xensim_virq_raise(const char *, unsigned int);
XENSIM_HIDDEN int	xensim_xsd_port(const char *);
XENSIM_HIDDEN int	xensim_xsd_kva(const char *, char *, size_t);
XENSIM_HIDDEN void	*xensim_grant_create(const char *, unsigned int,
			    unsigned int);
XENSIM_HIDDEN void	*xensim_grant_map(const char *, unsigned int,
			    unsigned int, int, void *);
XENSIM_HIDDEN int	xensim_grant_remove(const char *, unsigned int,
			    unsigned int);
XENSIM_HIDDEN int	xensim_dom_create(const char *, unsigned int);
XENSIM_HIDDEN int	xensim_dom_set_state(const char *, unsigned int,
			    const char *);
XENSIM_HIDDEN int	xensim_dom_destroy(const char *, unsigned int);
XENSIM_HIDDEN int	xensim_dom_find(const char *, unsigned int,
			    unsigned int *, char *, size_t);

#endif /* XENSIM_MODEL_H */
