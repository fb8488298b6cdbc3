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
 * What a worker process (daemon/worker.c) and the control process
 * (daemon/ctlproc.c) do to themselves: die with their parent, keep only
 * the descriptors they need, give up root and most system calls.  Linux in sandbox_linux.c; elsewhere the stubs in
 * sandbox_other.c do what the system allows and say what they cannot.
 */

#ifndef PCIBACKD_SANDBOX_H
#define PCIBACKD_SANDBOX_H

#include <sys/types.h>

/* Who a worker becomes: decided by the parent at start-up. */
struct sandbox_id {
	int	sid_drop;		/* root: change user (and root dir) */
	uid_t	sid_uid;
	gid_t	sid_gid;
	char	sid_user[32];
	char	sid_dir[64];		/* "": no chroot */
};

/* 1 where a system call filter exists (Linux), else 0. */
extern const int sandbox_has_filter;

/* Killed when parent goes; -1 if it is already gone. */
int	sandbox_diewith(pid_t);
/* Close every descriptor but 0, 1, 2 and the n in keep. */
int	sandbox_closefds(const int *, int);
/*
 * chroot and user change (if sid_drop; then dying with parent again,
 * unless parent is 0: a worker may outlive the daemon), no
 * new privileges, then a filter
 * of the system calls the op loop makes; ioctl only on the n descriptors
 * given.  -1 with errno, and *what the step that failed.
 */
int	sandbox_enter(const struct sandbox_id *, pid_t, const int *, int,
	    const char **);
/* The same for the control process, with its own filter; no ioctl. */
int	sandbox_enter_control(const struct sandbox_id *, pid_t,
	    const char **);

#endif /* PCIBACKD_SANDBOX_H */
