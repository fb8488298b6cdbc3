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
 * Fixed-bucket histograms for show metrics: filled on the op path and
 * the reset path with no lock and no allocation, read by the parent
 * (through the worker page) as plain numbers.  Counts are per bucket;
 * ctlmetrics makes them cumulative, as Prometheus wants.
 */

#include <stdint.h>

#include "pcibackd.h"

/* An op's service time: 10 us .. 1 s, three steps a decade. */
const struct metric_bounds metric_op_bounds = {
	{ 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000,
	  5000000, 10000000, 25000000, 50000000, 100000000, 250000000,
	  500000000, 1000000000 },
	{ "1e-05", "2.5e-05", "5e-05", "0.0001", "0.00025", "0.0005",
	  "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
	  "0.25", "0.5", "1" }
};

/* A reset: 1 ms (an emulated device) .. 100 s (past reset-timeout). */
const struct metric_bounds metric_reset_bounds = {
	{ 1000000, 2500000, 5000000, 10000000, 25000000, 50000000,
	  100000000, 250000000, 500000000, 1000000000, 2500000000ULL,
	  5000000000ULL, 10000000000ULL, 25000000000ULL, 50000000000ULL,
	  100000000000ULL },
	{ "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
	  "0.25", "0.5", "1", "2.5", "5", "10", "25", "50", "100" }
};

void
metric_hist_add(struct metric_hist *h, const struct metric_bounds *mb,
    uint64_t ns)
{
	size_t	i;

	for (i = 0; i < METRIC_NBUCKETS && ns > mb->mb_ns[i]; i++)
		;
	h->mh_bucket[i]++;	/* METRIC_NBUCKETS: +Inf */
	h->mh_sum_ns += ns;
	h->mh_count++;
	h->mh_last_ns = ns;
}

uint64_t
metric_ns_since(const struct timespec *t0, const struct timespec *t1)
{
	int64_t	ns;

	ns = (int64_t)(t1->tv_sec - t0->tv_sec) * 1000000000 +
	    (t1->tv_nsec - t0->tv_nsec);
	return ns < 0 ? 0 : (uint64_t)ns;
}
