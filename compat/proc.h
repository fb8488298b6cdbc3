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
 * Another process of ours, known by its pid alone: a worker a previous
 * daemon left serving its guest (daemon/record.c).  A pid may be reused,
 * so it is named with its start time.  Linux in proc_linux.c; elsewhere
 * proc_other.c says it cannot tell, and workers quit with the daemon.
 */

#ifndef PCIBACKD_PROC_H
#define PCIBACKD_PROC_H

#include <sys/types.h>

#include <stdint.h>

/* 1 where proc_start can name a process (Linux), else 0. */
extern const int proc_named;

/* When pid started, in an opaque unit of the system's; -1 if unknown. */
int	proc_start(pid_t, uint64_t *);
/*
 * Stop pid, not our child, if it is still the process that started at
 * start: SIGTERM, at most ms to exit, then SIGKILL and ms more.  0 once
 * it has exited (or if it was gone), 1 if it was killed, -1 if it still
 * runs or cannot be signalled (errno).
 */
int	proc_stop(pid_t, uint64_t, int);

#endif /* PCIBACKD_PROC_H */
