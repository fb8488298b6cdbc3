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
 * bench-guest -x XL_SIM -p PRELOAD -l DAEMON_LOG MODE ARGS -- PCIBACKD ARGS
 *
 *   lat WARMUP OPS GUESTS	conf_read round trips: 1 guest, then GUESTS
 *				guests with one op in flight each
 *   scan RUNS BDF ID		a Linux guest's boot scan of one device
 *   rss N...			the daemon's VmRSS with N connected guests
 *   restart REPS		SIGTERM/SIGKILL, restart, first op answered
 *
 * The program starts the daemon itself (so a restart is timed from the
 * exec) and stops it at the end.  Guest k (domid k + 1) is given host
 * device 0000:BB:SS.0 with BB = 1 + k / 32 and SS = k % 32, a copy of
 * QEMU's edu device: bench.sh generates exactly those.  Results go to
 * stdout as key=value lines; the exit status is 0 unless the set-up broke
 * or an answer was wrong.  Numbers never fail a run.
 */

#include <sys/resource.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/io/pciif.h>

#include "bench.h"
#include "guest.h"

#define BENCH_EDU_ID		0x11e81234u	/* 1234:11e8 */
#define BENCH_DWORDS		64		/* the 256-byte header */
#define BENCH_CHUNK		50		/* guests connected at once */
#define BENCH_OP_WAIT_MS	5000		/* no answer: broken */
#define BENCH_STOP_MS		5000
#define BENCH_AFTER_RESTART	200		/* reads checked afterwards */
#define BENCH_SLOW_US		10000		/* a stall, not a round trip */

/* For the signal handler only: the daemon must not outlive us. */
static volatile sig_atomic_t	bench_daemon_pid;

static void __attribute__((noreturn))
bench_usage(void)
{
	fprintf(stderr,
	    "usage: bench-guest -x XL_SIM -p PRELOAD -l LOG MODE ARGS -- "
	    "PCIBACKD [ARGS]\n"
	    "  lat WARMUP OPS GUESTS | scan RUNS BDF ID | rss N... | "
	    "restart REPS\n");
	exit(2);
}

static void
bench_on_signal(int sig)
{
	if (bench_daemon_pid > 0)
		(void)kill((pid_t)bench_daemon_pid, SIGKILL);
	_exit(128 + sig);
}

static unsigned long
bench_num(const char *s, unsigned long max)
{
	char		*end;
	unsigned long	 v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno != 0 || *end != '\0' || end == s || v > max)
		bench_usage();
	return v;
}

static int
bench_start(struct bench *b)
{
	if (bench_daemon_start(b) != 0)
		return -1;
	bench_daemon_pid = b->b_pid;
	return 0;
}

static double
bench_ms(int64_t ns)
{
	return (double)ns / 1e6;
}

/* Make guests [from, to) and connect them, BENCH_CHUNK at a time. */
static int
bench_guests(struct bench *b, struct bench_guest *g, size_t from, size_t to)
{
	char	bdf[16];
	size_t	k, end;

	for (; from < to; from = end) {
		end = to - from > BENCH_CHUNK ? from + BENCH_CHUNK : to;
		for (k = from; k < end; k++) {
			snprintf(bdf, sizeof(bdf), "0000:%02x:%02x.0",
			    (unsigned int)(1 + k / 32) & 0xff,
			    (unsigned int)(k % 32));
			if (bench_guest_create(&g[k], (unsigned int)k + 1, bdf,
			    BENCH_EDU_ID) != 0)
				return -1;
		}
		if (bench_connect(b, &g[from], end - from, 0) != 0)
			return -1;
	}
	return 0;
}

/* What the header reads now; later reads must give the same. */
static int
bench_snapshot(struct bench *b, struct bench_guest *bg, uint32_t *want)
{
	size_t	i;

	for (i = 0; i < BENCH_DWORDS; i++)
		if (bench_read(b, bg, (int)i * 4, &want[i]) != 0)
			return -1;
	return 0;
}

static int
bench_check(struct bench *b, const struct bench_guest *bg, size_t off,
    int32_t err, uint32_t got, uint32_t want)
{
	if (err == 0 && got == want)
		return 0;
	fprintf(stderr, "bench: dom%u: read 0x%zx: err %d value %08x, "
	    "want %08x\n", bg->bg_gs.gs_domid, off, err, got, want);
	b->b_errors++;
	return -1;
}

static void
bench_report(const char *key, double *us, size_t n, int64_t ns)
{
	size_t	slow = 0, i;

	for (i = 0; i < n; i++)
		slow += us[i] >= BENCH_SLOW_US;
	bench_sort(us, n);
	printf("%s_ops=%zu\n", key, n);
	printf("%s_over_10ms=%zu\n", key, slow);
	printf("%s_median_us=%.1f\n", key, bench_pct(us, n, 50));
	printf("%s_p99_us=%.1f\n", key, bench_pct(us, n, 99));
	printf("%s_max_us=%.1f\n", key, us[n - 1]);
	printf("%s_ops_per_s=%.0f\n", key, (double)n / ((double)ns / 1e9));
}

/* One guest, one op at a time: gsim's own read, as Linux does it. */
static int
bench_lat_one(struct bench *b, struct bench_guest *bg, size_t warm,
    size_t ops)
{
	uint32_t	 want[BENCH_DWORDS], v;
	double		*us;
	int64_t		 t0, start = 0;
	size_t		 k, off;
	int		 rc = -1;

	if (bench_snapshot(b, bg, want) != 0 ||
	    (us = calloc(ops, sizeof(*us))) == NULL)
		return -1;
	for (k = 0; k < warm + ops; k++) {
		if (k == warm)
			start = bench_now_ns();
		off = k % BENCH_DWORDS;
		t0 = bench_now_ns();
		if (bench_read(b, bg, (int)off * 4, &v) != 0)
			goto out;
		if (k >= warm)
			us[k - warm] = (double)(bench_now_ns() - t0) / 1e3;
		if (bench_check(b, bg, off * 4, 0, v, want[off]) != 0)
			goto out;
	}
	bench_report("lat1", us, ops, bench_now_ns() - start);
	rc = 0;
out:
	free(us);
	return rc;
}

static void
bench_post(struct bench_guest *bg, const uint32_t *want)
{
	struct xen_pci_op	op;
	size_t			off = bg->bg_n++ % BENCH_DWORDS;

	gsim_op_conf(&op, XEN_PCI_OP_conf_read, 0, 0, 0, (int)off * 4, 4, 0);
	bg->bg_want = want[off];
	bg->bg_busy = 1;
	bg->bg_t0 = bench_now_ns();
	gsim_op_post(&bg->bg_gs, &op);
	bg->bg_gs.gs_ops++;
}

/* Events taken; 1 if the guest's op is answered. */
static int
bench_answered(struct bench_guest *bg)
{
	struct gsim	*gs = &bg->bg_gs;

	while (xensim_guest_wait(gs->gs_guest, 0) >= 0)
		continue;
	return bg->bg_busy && (__atomic_load_n(&gs->gs_sh->flags,
	    __ATOMIC_ACQUIRE) & XEN_PCIF_active) == 0;
}

struct bench_run {
	size_t		 br_total;	/* warm-up + measured */
	size_t		 br_warm;
	size_t		 br_posted;
	size_t		 br_done;
	int64_t		 br_start;
	double		*br_us;
};

/* Take guest i's answer, post its next op if any are left. */
static int
bench_complete(struct bench *b, struct bench_run *br, struct bench_guest *g,
    uint32_t (*want)[BENCH_DWORDS], size_t i, struct pollfd *pfd)
{
	struct xen_pci_op	*op = &g[i].bg_gs.gs_sh->op;
	int64_t			 now = bench_now_ns();

	g[i].bg_busy = 0;
	if (br->br_done >= br->br_warm)
		br->br_us[br->br_done - br->br_warm] =
		    (double)(now - g[i].bg_t0) / 1e3;
	if (++br->br_done == br->br_warm)
		br->br_start = now;
	if (bench_check(b, &g[i], (size_t)op->offset, op->err, op->value,
	    g[i].bg_want) != 0)
		return -1;
	if (br->br_posted < br->br_total) {
		bench_post(&g[i], want[i]);
		br->br_posted++;
	} else
		pfd->fd = -1;
	return 0;
}

/*
 * n guests, one op in flight each, all driven from here with poll() on
 * their event channels: the daemon sees n guests at once.
 */
static int
bench_lat_many(struct bench *b, struct bench_guest *g, size_t n, size_t warm,
    size_t ops)
{
	struct bench_run	  br;
	struct pollfd		 *pfd = NULL;
	uint32_t		(*want)[BENCH_DWORDS] = NULL;
	size_t			  i;
	int			  rc = -1, r;
	char			  key[32];

	memset(&br, 0, sizeof(br));
	br.br_warm = warm;
	br.br_total = warm + ops;
	if ((want = calloc(n, sizeof(*want))) == NULL ||
	    (pfd = calloc(n, sizeof(*pfd))) == NULL ||
	    (br.br_us = calloc(ops, sizeof(*br.br_us))) == NULL)
		goto out;
	for (i = 0; i < n; i++)
		if (bench_snapshot(b, &g[i], want[i]) != 0)
			goto out;
	br.br_start = bench_now_ns();	/* if there is no warm-up */
	for (i = 0; i < n; i++) {
		pfd[i].fd = xensim_guest_fd(g[i].bg_gs.gs_guest);
		pfd[i].events = POLLIN;
		(void)bench_answered(&g[i]);	/* stale events */
		bench_post(&g[i], want[i]);
		br.br_posted++;
	}
	while (br.br_done < br.br_total) {
		if ((r = poll(pfd, n, BENCH_OP_WAIT_MS)) == -1 &&
		    errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "bench: no answer in %d ms\n",
			    BENCH_OP_WAIT_MS);
			b->b_errors++;
			goto out;
		}
		for (i = 0; i < n; i++) {
			if (pfd[i].fd < 0 || pfd[i].revents == 0 ||
			    !bench_answered(&g[i]))
				continue;
			if (bench_complete(b, &br, g, want, i, &pfd[i]) != 0)
				goto out;
		}
	}
	snprintf(key, sizeof(key), "lat%zu", n);
	bench_report(key, br.br_us, ops, bench_now_ns() - br.br_start);
	rc = 0;
out:
	free(br.br_us);
	free(pfd);
	free(want);
	return rc;
}

static int
bench_mode_lat(struct bench *b, int argc, char **argv)
{
	struct bench_guest	*g;
	size_t			 warm, ops, n;
	int			 rc = -1;

	if (argc != 3)
		bench_usage();
	warm = bench_num(argv[0], 10000000);
	ops = bench_num(argv[1], 10000000);
	n = bench_num(argv[2], BENCH_MAX_GUESTS);
	if (ops == 0 || n == 0)
		bench_usage();
	bench_raise_nofile(n + 64);
	if ((g = calloc(n, sizeof(*g))) == NULL)
		return -1;
	if (bench_start(b) != 0 || bench_daemon_wait_started(b,
	    BENCH_WAIT_MS) != 0)
		goto out;
	/* One guest alone first, then all of them. */
	if (bench_guests(b, g, 0, 1) != 0 ||
	    bench_lat_one(b, &g[0], warm, ops) != 0)
		goto out;
	if (n > 1 && (bench_guests(b, g, 1, n) != 0 ||
	    bench_lat_many(b, g, n, warm, ops) != 0))
		goto out;
	rc = 0;
out:
	free(g);
	return rc;
}

/* What the scan found, to show it was the whole job. */
static void
bench_scan_found(const struct gsim_dev *gd)
{
	unsigned int	i, nbars = 0;

	for (i = 0; i <= GSIM_NBARS; i++)
		if (gd->gd_barsize[i] != 0)
			nbars++;
	printf("scan_device=%02x%02x:%02x%02x\nscan_cfgsize=%u\n"
	    "scan_bars_sized=%u\n", gd->gd_cfg[1], gd->gd_cfg[0],
	    gd->gd_cfg[3], gd->gd_cfg[2], gd->gd_cfgsize, nbars);
}

static int
bench_mode_scan(struct bench *b, int argc, char **argv)
{
	struct bench_guest	 bg;
	struct gsim		*gs = &bg.bg_gs;
	double			*ms;
	uint64_t		 ops0;
	size_t			 runs, r;
	int64_t			 t0;
	int			 rc = -1;

	if (argc != 3)
		bench_usage();
	memset(&bg, 0, sizeof(bg));
	runs = bench_num(argv[0], 1000);
	if (runs == 0 || (ms = calloc(runs, sizeof(*ms))) == NULL)
		bench_usage();
	if (bench_start(b) != 0 || bench_daemon_wait_started(b,
	    BENCH_WAIT_MS) != 0 ||
	    bench_guest_create(&bg, 1, argv[1],
	    (uint32_t)bench_num(argv[2], UINT32_MAX)) != 0 ||
	    bench_connect(b, &bg, 1, 1) != 0)
		goto out;
	/* The boot scan was the first run; the others scan afresh. */
	ms[0] = bench_ms(bg.bg_scan_ns);
	ops0 = gs->gs_ops;
	for (r = 1; r < runs; r++) {
		gsim_remove_all(gs);
		t0 = bench_now_ns();
		if (gsim_scan(gs) != 0 || gs->gs_ndevs != 1)
			goto out;
		ms[r] = bench_ms(bench_now_ns() - t0);
	}
	if (gs->gs_errors != 0 || gs->gs_timeouts != 0) {
		fprintf(stderr, "bench: scan: %llu unexpected replies, %llu "
		    "timeouts\n", (unsigned long long)gs->gs_errors,
		    (unsigned long long)gs->gs_timeouts);
		b->b_errors++;
		goto out;
	}
	bench_sort(ms, runs);
	printf("scan_runs=%zu\nscan_median_ms=%.2f\nscan_min_ms=%.2f\n"
	    "scan_max_ms=%.2f\n", runs, bench_pct(ms, runs, 50), ms[0],
	    ms[runs - 1]);
	if (runs > 1)
		printf("scan_ops=%llu\n", (unsigned long long)
		    ((gs->gs_ops - ops0) / (runs - 1)));
	bench_scan_found(gs->gs_devs[0]);
	rc = 0;
out:
	gsim_remove_all(gs);
	free(ms);
	return rc;
}

/*
 * How long new guests waited for their first read while the rest of
 * their batch connected: a Linux guest gives up on an op after 2 s.
 */
static void
bench_first_reads(const struct bench_guest *g, size_t n)
{
	size_t	i, late = 0;
	int64_t	max = 0;

	for (i = 0; i < n; i++) {
		if (g[i].bg_first_ns > max)
			max = g[i].bg_first_ns;
		late += g[i].bg_first_ns > (int64_t)GSIM_OP_DEADLINE_MS *
		    1000000;
	}
	printf("rss_first_read_max_ms=%.1f\nrss_first_read_over_2s=%zu\n",
	    bench_ms(max), late);
}

/*
 * Where the connect storm's time went: CPU seconds of xenstored, of the
 * daemon with its workers, and of this process with the toolstack runs
 * it reaped, against the wall time (ns).
 */
static void
bench_rss_cpu(struct bench *b, int64_t wall)
{
	struct rusage	 self, kids;
	const char	*xs = getenv("XENSIM_XENSTORED_PID");
	double		 sim;

	printf("rss_wall_s=%.1f\n", (double)wall / 1e9);
	if (xs != NULL)
		printf("rss_xenstored_cpu_s=%.1f\n",
		    bench_cpu_s((pid_t)atol(xs), 0));
	printf("rss_daemon_cpu_s=%.1f\n", bench_cpu_s(b->b_pid, 1));
	(void)getrusage(RUSAGE_SELF, &self);
	(void)getrusage(RUSAGE_CHILDREN, &kids);
	sim = (double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec +
	    kids.ru_utime.tv_sec + kids.ru_stime.tv_sec) +
	    (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec +
	    kids.ru_utime.tv_usec + kids.ru_stime.tv_usec) / 1e6;
	printf("rss_sim_cpu_s=%.1f\n", sim);
}

static int
bench_mode_rss(struct bench *b, int argc, char **argv)
{
	struct bench_guest	*g;
	size_t			 n[8], have = 0, i;
	long			 rss[8], rss0;
	int64_t			 t0;
	int			 rc = -1;

	if (argc < 1 || argc > 8)
		bench_usage();
	for (i = 0; i < (size_t)argc; i++) {
		n[i] = bench_num(argv[i], BENCH_MAX_GUESTS);
		if (n[i] == 0 || (i > 0 && n[i] <= n[i - 1]))
			bench_usage();
	}
	bench_raise_nofile(n[argc - 1] + 64);
	if ((g = calloc(n[argc - 1], sizeof(*g))) == NULL)
		return -1;
	if (bench_start(b) != 0 || bench_daemon_wait_started(b,
	    BENCH_WAIT_MS) != 0)
		goto out;
	rss0 = bench_rss_kib(b->b_pid);
	printf("rss0_kib=%ld\n", rss0);
	t0 = bench_now_ns();
	for (i = 0; i < (size_t)argc; i++) {
		if (bench_guests(b, g, have, n[i]) != 0)
			goto out;
		have = n[i];
		rss[i] = bench_rss_kib(b->b_pid);
		printf("rss%zu_kib=%ld\nrss%zu_connect_s=%.1f\n", n[i],
		    rss[i], n[i], (double)(bench_now_ns() - t0) / 1e9);
	}
	if (argc > 1)
		printf("rss_per_guest_kib=%.1f\n", (double)(rss[argc - 1] -
		    rss[0]) / (double)(n[argc - 1] - n[0]));
	bench_first_reads(g, have);
	bench_rss_cpu(b, bench_now_ns() - t0);
	rc = 0;
out:
	free(g);
	return rc;
}

/*
 * Stop the daemon with sig; post a read while none runs (a guest in a
 * loop is left waiting on it); start a new daemon and time its answer.
 */
static int
bench_restart_once(struct bench *b, struct bench_guest *bg,
    const uint32_t *want, int sig, double *restart_ms, double *exit_ms)
{
	struct gsim		*gs = &bg->bg_gs;
	struct xen_pci_op	 op;
	uint32_t		 v;
	int64_t			 took, t0;
	size_t			 k;

	if (bench_daemon_stop(b, sig, BENCH_STOP_MS, &took) != 0) {
		b->b_errors++;
		return -1;
	}
	bench_daemon_pid = 0;
	*exit_ms = bench_ms(took);
	while (xensim_guest_wait(gs->gs_guest, 0) >= 0)
		continue;
	gsim_op_conf(&op, XEN_PCI_OP_conf_read, 0, 0, 0, 0, 4, 0);
	gsim_op_post(gs, &op);
	gs->gs_ops++;
	t0 = bench_now_ns();
	if (bench_start(b) != 0)
		return -1;
	if (gsim_op_wait(gs, &op, BENCH_WAIT_MS) != 0) {
		fprintf(stderr, "bench: no answer after the restart\n");
		b->b_errors++;
		return -1;
	}
	*restart_ms = bench_ms(bench_now_ns() - t0);
	if (bench_check(b, bg, 0, op.err, op.value, want[0]) != 0)
		return -1;
	for (k = 0; k < BENCH_AFTER_RESTART; k++)
		if (bench_read(b, bg, (int)(k % BENCH_DWORDS) * 4, &v) != 0 ||
		    bench_check(b, bg, (k % BENCH_DWORDS) * 4, 0, v,
		    want[k % BENCH_DWORDS]) != 0)
			return -1;
	return 0;
}

static int
bench_mode_restart(struct bench *b, int argc, char **argv)
{
	static const struct {
		int		 sig;
		const char	*name;
	}			 how[] = { { SIGTERM, "term" },
				    { SIGKILL, "kill" } };
	struct bench_guest	 bg;
	uint32_t		 want[BENCH_DWORDS];
	double			*ms, *ex;
	size_t			 reps, r, h;
	int			 rc = -1;

	if (argc != 1 || (reps = bench_num(argv[0], 100)) == 0)
		bench_usage();
	ms = calloc(reps, sizeof(*ms));
	ex = calloc(reps, sizeof(*ex));
	if (ms == NULL || ex == NULL)
		goto out;
	if (bench_start(b) != 0 || bench_daemon_wait_started(b,
	    BENCH_WAIT_MS) != 0 || bench_guests(b, &bg, 0, 1) != 0 ||
	    bench_snapshot(b, &bg, want) != 0)
		goto out;
	for (h = 0; h < sizeof(how) / sizeof(how[0]); h++) {
		for (r = 0; r < reps; r++)
			if (bench_restart_once(b, &bg, want, how[h].sig, &ms[r],
			    &ex[r]) != 0)
				goto out;
		bench_sort(ms, reps);
		bench_sort(ex, reps);
		printf("restart_%s_runs=%zu\nrestart_%s_median_ms=%.1f\n"
		    "restart_%s_max_ms=%.1f\nrestart_%s_exit_median_ms=%.1f\n",
		    how[h].name, reps, how[h].name, bench_pct(ms, reps, 50),
		    how[h].name, ms[reps - 1], how[h].name,
		    bench_pct(ex, reps, 50));
	}
	rc = 0;
out:
	free(ms);
	free(ex);
	return rc;
}

static int
bench_mode(struct bench *b, const char *mode, int argc, char **argv)
{
	if (strcmp(mode, "lat") == 0)
		return bench_mode_lat(b, argc, argv);
	if (strcmp(mode, "scan") == 0)
		return bench_mode_scan(b, argc, argv);
	if (strcmp(mode, "rss") == 0)
		return bench_mode_rss(b, argc, argv);
	if (strcmp(mode, "restart") == 0)
		return bench_mode_restart(b, argc, argv);
	bench_usage();
}

int
main(int argc, char **argv)
{
	static const int	sigs[] = { SIGTERM, SIGINT, SIGHUP };
	struct bench		b;
	struct sigaction	sa;
	size_t			i;
	int			ch, nargs, rc;

	memset(&b, 0, sizeof(b));
	b.b_pid = -1;
	while ((ch = getopt(argc, argv, "+l:p:x:")) != -1) {
		switch (ch) {
		case 'l':
			b.b_log = optarg;
			break;
		case 'p':
			b.b_preload = optarg;
			break;
		case 'x':
			b.b_xl = optarg;
			break;
		default:
			bench_usage();
		}
	}
	argc -= optind;
	argv += optind;
	for (nargs = 0; nargs < argc && strcmp(argv[nargs], "--") != 0;
	    nargs++)
		continue;
	if (b.b_log == NULL || b.b_preload == NULL || b.b_xl == NULL ||
	    nargs < 1 || nargs + 1 >= argc)
		bench_usage();
	b.b_argv = &argv[nargs + 1];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = bench_on_signal;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	rc = bench_mode(&b, argv[0], nargs - 1, argv + 1);
	if (bench_daemon_stop(&b, SIGTERM, BENCH_STOP_MS, NULL) != 0)
		rc = -1;
	printf("errors=%d\n", b.b_errors);
	return rc == 0 && b.b_errors == 0 ? 0 : 1;
}
