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
 * Where there is no Linux: no way here to name another process safely,
 * so a restarted daemon never signals one, and workers quit with the
 * daemon (worker.c).
 */

#ifndef __linux__

#include <errno.h>

#include "proc.h"

const int proc_named = 0;

int
proc_start(pid_t pid, uint64_t *start)
{
	(void)pid;
	(void)start;
	errno = ENOSYS;
	return -1;
}

int
proc_stop(pid_t pid, uint64_t start, int ms)
{
	(void)pid;
	(void)start;
	(void)ms;
	errno = ENOSYS;
	return -1;
}

#endif /* !__linux__ */
