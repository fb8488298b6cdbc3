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


/* The worker's sandbox on Linux: PR_SET_PDEATHSIG, close_range. */

#ifdef __linux__

#include <sys/prctl.h>
#include <sys/syscall.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "sandbox.h"

int
sandbox_diewith(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		return -1;
	/* It may have died before the call: then nobody will signal us. */
	return getppid() == parent ? 0 : -1;
}

static int
sandbox_intcmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Close [lo, hi]; close_range when the kernel has it (5.9). */
static void
sandbox_close_range(unsigned int lo, unsigned int hi)
{
	long	max;

	if (lo > hi)
		return;
#ifdef SYS_close_range
	if (syscall(SYS_close_range, lo, hi, 0) == 0)
		return;
#endif
	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (; lo <= hi && lo < (unsigned int)max; lo++)
		(void)close((int)lo);
}

int
sandbox_closefds(const int *keep, int n)
{
	int		 k[8];
	unsigned int	 lo = 3;
	int		 i;

	if (n < 0 || n > 8) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < n; i++)
		k[i] = keep[i];
	qsort(k, (size_t)n, sizeof(k[0]), sandbox_intcmp);
	for (i = 0; i < n; i++) {
		if (k[i] < (int)lo)
			continue;
		sandbox_close_range(lo, (unsigned int)k[i] - 1);
		lo = (unsigned int)k[i] + 1;
	}
	sandbox_close_range(lo, ~0U);
	return 0;
}

#endif /* __linux__ */
