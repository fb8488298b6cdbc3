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
 * The Xen side of a simulated guest domain, for test programs (linked in,
 * not preloaded). Needs $XENSIM_DIR and a running xenstored (see
 * xenstored-run.sh). The guest talks to xenstored over its ring page, so
 * it gets a guest's permissions, relative paths and watch events.
 *
 * Functions returning int give 0 (or a port) on success and -errno on
 * failure; xenstore errors come back as the daemon's errno (-EACCES ...).
 * Strings handed back are malloc(3)ed; the caller frees them.
 */

#ifndef XENSIM_GUEST_H
#define XENSIM_GUEST_H

#include <stddef.h>
#include <stdint.h>

struct xensim_guest;

/* Domain life: create = exist + domain path + introduce to xenstored. */
struct xensim_guest	*xensim_guest_create(unsigned int);
void			 xensim_guest_destroy(struct xensim_guest *);
int			 xensim_guest_set_state(struct xensim_guest *,
			     const char *);
unsigned int		 xensim_guest_domid(const struct xensim_guest *);
int			 xensim_guest_fd(const struct xensim_guest *);

/* Xenstore over the ring; tx 0 means no transaction. */
int	xensim_guest_request(struct xensim_guest *, uint32_t, uint32_t,
	    const void *, size_t, char **, size_t *);
int	xensim_guest_read(struct xensim_guest *, uint32_t, const char *,
	    char **);
int	xensim_guest_write(struct xensim_guest *, uint32_t, const char *,
	    const char *);
int	xensim_guest_mkdir(struct xensim_guest *, uint32_t, const char *);
int	xensim_guest_rm(struct xensim_guest *, uint32_t, const char *);
int	xensim_guest_directory(struct xensim_guest *, uint32_t, const char *,
	    char ***, unsigned int *);
int	xensim_guest_set_perms(struct xensim_guest *, uint32_t, const char *,
	    const char *const *, unsigned int);
int	xensim_guest_watch(struct xensim_guest *, const char *, const char *);
int	xensim_guest_unwatch(struct xensim_guest *, const char *,
	    const char *);
int	xensim_guest_read_watch(struct xensim_guest *, char **, char **, int);
int	xensim_guest_transaction_start(struct xensim_guest *, uint32_t *);
int	xensim_guest_transaction_end(struct xensim_guest *, uint32_t, int);
int	xensim_guest_get_domain_path(struct xensim_guest *, char **);

/* Grants (to dom0) and event channels of the guest. */
void	*xensim_guest_grant(struct xensim_guest *, uint32_t *);
int	 xensim_guest_ungrant(struct xensim_guest *, uint32_t, void *);
int	 xensim_guest_alloc_unbound(struct xensim_guest *, unsigned int);
int	 xensim_guest_notify(struct xensim_guest *, unsigned int);
int	 xensim_guest_close_port(struct xensim_guest *, unsigned int);
int	 xensim_guest_wait(struct xensim_guest *, int);

#endif /* XENSIM_GUEST_H */
