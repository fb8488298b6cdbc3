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
 * bench-guest: many simulated guests in one process against one pcibackd
 * on the simulated Xen (tests/xensim).  The guest side is tests/sim's
 * (gsim-xs.c, gsim-op.c, gsim-scan.c); this adds what a benchmark needs
 * on top: owning the daemon process, the toolstack calls, connecting
 * guests in batches, and timing.
 */

#ifndef BENCH_H
#define BENCH_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "gsim.h"

#define BENCH_WAIT_MS		30000	/* any one set-up step */
#define BENCH_MAX_GUESTS	1000	/* what the bench is sized for */

/* One simulated guest and the device the toolstack gives it. */
struct bench_guest {
	struct gsim		 bg_gs;
	struct gsim_dev		 bg_dev;	/* 0000:00:00.0 in the guest */
	char			 bg_bdf[16];	/* host address, xl syntax */
	uint32_t		 bg_id;		/* vendor:device it must read */
	int			 bg_ready;	/* connected, first read right */
	int64_t			 bg_scan_ns;	/* its boot scan took */
	int64_t			 bg_first_ns;	/* its first read took */
	/* One op in flight (concurrent mode). */
	int			 bg_busy;
	uint64_t		 bg_n;		/* ops posted */
	int64_t			 bg_t0;
	uint32_t		 bg_want;
};

struct bench {
	const char		*b_xl;		/* xl-sim */
	const char		*b_preload;	/* libxensim.so, daemon only */
	const char		*b_log;		/* the daemon's stdout+stderr */
	char *const		*b_argv;	/* the daemon's command line */
	pid_t			 b_pid;		/* the daemon, or -1 */
	unsigned int		 b_starts;	/* daemons started */
	int			 b_errors;	/* wrong answers, failed ops */
};

/* bench-proc.c: clocks, numbers, processes. */
int64_t	 bench_now_ns(void);
void	 bench_sort(double *, size_t);
double	 bench_pct(const double *, size_t, double);
int	 bench_daemon_start(struct bench *);
int	 bench_daemon_stop(struct bench *, int, long, int64_t *);
int	 bench_daemon_wait_started(struct bench *, long);
long	 bench_rss_kib(pid_t);
double	 bench_cpu_s(pid_t, int);
int	 bench_attach(struct bench *, struct bench_guest *, size_t);
void	 bench_raise_nofile(size_t);

/* bench-conn.c: guests. */
int	 bench_guest_create(struct bench_guest *, unsigned int,
	    const char *, uint32_t);
int	 bench_connect(struct bench *, struct bench_guest *, size_t, int);
int	 bench_read(struct bench *, struct bench_guest *, int, uint32_t *);

#endif /* BENCH_H */
