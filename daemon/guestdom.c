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
 * Whether a guest can still run, asked of the hypervisor.  xenstore only
 * says whether a domain exists (IS_DOMAIN_INTRODUCED), not that it shut
 * down; knowing it, the backend answers the toolstack's teardown at
 * once instead of waiting for a frontend that will never answer
 * (doc/protocol.md §2.7).
 */

#include <xenctrl.h>
#include <xen/sched.h>

#include "pcibackd.h"

static xc_interface	*guestdom_xch;

/* Without it every guest counts as running: teardown is only slower. */
void
guestdom_init(void)
{
	if ((guestdom_xch = xc_interface_open(NULL, NULL, 0)) == NULL)
		log_warn("xc_interface_open: shut-down guests are noticed "
		    "only when destroyed");
}

void
guestdom_shutdown(void)
{
	if (guestdom_xch != NULL)
		xc_interface_close(guestdom_xch);
	guestdom_xch = NULL;
}

/*
 * 1 if domid will not run again: shut down for any reason but a suspend
 * (which a resume undoes), crashed, or dying.  0 if it runs, is gone
 * (the caller's xenstore check says so) or cannot be asked.
 */
int
guestdom_down(unsigned int domid)
{
	xc_domaininfo_t	info;
	unsigned int	why;

	if (guestdom_xch == NULL ||
	    xc_domain_getinfolist(guestdom_xch, domid, 1, &info) != 1 ||
	    info.domain != domid)
		return 0;
	if (info.flags & XEN_DOMINF_dying)
		return 1;
	if (!(info.flags & XEN_DOMINF_shutdown))
		return 0;
	why = (info.flags >> XEN_DOMINF_shutdownshift) &
	    XEN_DOMINF_shutdownmask;
	return why != SHUTDOWN_suspend;
}
