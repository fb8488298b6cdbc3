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
 * The worker's sandbox where there is no Linux: no parent-death signal
 * (the worker also goes when its socket to the parent closes) and no
 * system call filter; pcibackd(8) says so.
 */

#ifndef __linux__

#include <unistd.h>

#include <grp.h>

#include "sandbox.h"

const int sandbox_has_filter = 0;

int
sandbox_enter(const struct sandbox_id *si, pid_t parent, const int *fds,
    int n, const char **what)
{
	(void)parent;
	(void)fds;
	(void)n;
	if (!si->sid_drop)
		return 0;
	*what = "chroot";
	if (si->sid_dir[0] != '\0' && (chroot(si->sid_dir) == -1 ||
	    chdir("/") == -1))
		return -1;
	*what = "user";
	if (setgroups(0, NULL) == -1 || setgid(si->sid_gid) == -1 ||
	    setuid(si->sid_uid) == -1)
		return -1;
	return 0;
}

int
sandbox_enter_control(const struct sandbox_id *si, pid_t parent,
    const char **what)
{
	return sandbox_enter(si, parent, NULL, 0, what);
}

int
sandbox_diewith(pid_t parent)
{
	return getppid() == parent ? 0 : -1;
}

int
sandbox_closefds(const int *keep, int n)
{
	long	max = sysconf(_SC_OPEN_MAX);
	int	fd, i;

	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = 3; fd < max; fd++) {
		for (i = 0; i < n && keep[i] != fd; i++)
			;
		if (i == n)
			(void)close(fd);
	}
	return 0;
}

#endif /* !__linux__ */
