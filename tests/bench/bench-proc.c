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
 * Clocks, percentiles and the processes a benchmark owns: the daemon
 * (started here so that a restart can be timed from its exec) and the
 * toolstack (xl-sim, one process per attach, a few at a time).
 */

#include <sys/resource.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define BENCH_XL_PARALLEL	8
#define BENCH_STARTED		" ms, holding "

extern char	**environ;

int64_t
bench_now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
bench_nap_us(long us)
{
	struct timespec	ts = { 0, us * 1000 };

	nanosleep(&ts, NULL);
}

static int
bench_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void
bench_sort(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), bench_cmp);
}

/* Nearest rank on sorted values: p 50 is the median, p 99 the p99. */
double
bench_pct(const double *v, size_t n, double p)
{
	size_t	k;

	if (n == 0)
		return 0;
	k = (size_t)((p / 100.0) * (double)n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

/* environ plus LD_PRELOAD: only the daemon runs on the preload. */
static char **
bench_daemon_env(const struct bench *b)
{
	char	**env;
	size_t	  n, i, j = 0;

	for (n = 0; environ[n] != NULL; n++)
		continue;
	if ((env = calloc(n + 2, sizeof(*env))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0)
			env[j++] = environ[i];
	if (asprintf(&env[j], "LD_PRELOAD=%s", b->b_preload) == -1) {
		free(env);
		return NULL;
	}
	return env;
}

int
bench_daemon_start(struct bench *b)
{
	posix_spawn_file_actions_t	 fa;
	char				**env;
	size_t				  n;
	int				  rc;

	if ((env = bench_daemon_env(b)) == NULL)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, b->b_log,
	    O_WRONLY | O_CREAT | O_APPEND, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	rc = posix_spawn(&b->b_pid, b->b_argv[0], &fa, NULL, b->b_argv, env);
	posix_spawn_file_actions_destroy(&fa);
	for (n = 0; env[n] != NULL; n++)
		continue;
	free(env[n - 1]);
	free(env);
	if (rc != 0) {
		fprintf(stderr, "bench: spawn %s: %s\n", b->b_argv[0],
		    strerror(rc));
		b->b_pid = -1;
		return -1;
	}
	b->b_starts++;
	return 0;
}

/*
 * Signal the daemon and reap it within timeout_ms (then SIGKILL).  0 if
 * it exited in time; *took gets the time from the signal to the reap.
 */
int
bench_daemon_stop(struct bench *b, int sig, long timeout_ms, int64_t *took)
{
	int64_t	t0, end;
	int	status;
	pid_t	r;

	if (b->b_pid <= 0)
		return 0;
	t0 = bench_now_ns();
	end = t0 + (int64_t)timeout_ms * 1000000;
	(void)kill(b->b_pid, sig);
	while ((r = waitpid(b->b_pid, &status, WNOHANG)) == 0 &&
	    bench_now_ns() < end)
		bench_nap_us(100);
	if (took != NULL)
		*took = bench_now_ns() - t0;
	if (r == b->b_pid || (r == -1 && errno == ECHILD)) {
		b->b_pid = -1;
		return 0;
	}
	fprintf(stderr, "bench: daemon %ld ignored signal %d\n",
	    (long)b->b_pid, sig);
	(void)kill(b->b_pid, SIGKILL);
	(void)waitpid(b->b_pid, &status, 0);
	b->b_pid = -1;
	return -1;
}

static unsigned int
bench_count_started(const char *path)
{
	FILE		*f;
	char		 line[512];
	unsigned int	 n = 0;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, BENCH_STARTED) != NULL)
			n++;
	fclose(f);
	return n;
}

/* Until the daemon started last says it is up. */
int
bench_daemon_wait_started(struct bench *b, long timeout_ms)
{
	int64_t	end = bench_now_ns() + (int64_t)timeout_ms * 1000000;

	while (bench_count_started(b->b_log) < b->b_starts) {
		if (b->b_pid > 0 && waitpid(b->b_pid, NULL, WNOHANG) ==
		    b->b_pid) {
			b->b_pid = -1;
			fprintf(stderr, "bench: the daemon exited (see %s)\n",
			    b->b_log);
			return -1;
		}
		if (b->b_pid <= 0 || bench_now_ns() >= end) {
			fprintf(stderr, "bench: the daemon did not start "
			    "(see %s)\n", b->b_log);
			return -1;
		}
		bench_nap_us(5000);
	}
	return 0;
}

/* VmRSS of a process, KiB; -1 if unknown. */
long
bench_rss_kib(pid_t pid)
{
	FILE	*f;
	char	 path[64], line[256];
	long	 kib = -1;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* utime + stime of one process from /proc/PID/stat, in ticks; -1. */
static long long
bench_ticks(const char *dir, pid_t *ppid)
{
	FILE		*f;
	char		 path[300], buf[1024], *p;
	long long	 ut, st;
	long		 pp;

	snprintf(path, sizeof(path), "%s/stat", dir);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	/* The name may hold spaces and parentheses: start after the last. */
	if (p == NULL || (p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 1, " %*c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %lld "
	    "%lld", &pp, &ut, &st) != 3)
		return -1;
	if (ppid != NULL)
		*ppid = (pid_t)pp;
	return ut + st;
}

/*
 * CPU seconds pid used so far, and with children, those of its live
 * children too (the daemon's workers); -1 if pid is gone.
 */
double
bench_cpu_s(pid_t pid, int children)
{
	DIR		*d;
	struct dirent	*de;
	char		 dir[300];
	long long	 t, sum;
	pid_t		 pp;
	double		 hz = (double)sysconf(_SC_CLK_TCK);

	snprintf(dir, sizeof(dir), "/proc/%ld", (long)pid);
	if ((sum = bench_ticks(dir, NULL)) < 0)
		return -1;
	if (children && (d = opendir("/proc")) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] < '1' || de->d_name[0] > '9')
				continue;
			snprintf(dir, sizeof(dir), "/proc/%s", de->d_name);
			if ((t = bench_ticks(dir, &pp)) >= 0 && pp == pid)
				sum += t;
		}
		closedir(d);
	}
	return (double)sum / hz;
}

static pid_t
bench_xl_spawn(const struct bench *b, const struct bench_guest *bg)
{
	char		 domid[16], lock[PATH_MAX];
	char		*argv[] = { NULL, NULL, NULL, NULL, NULL, NULL, NULL,
			    NULL };
	const char	*dir = getenv("XENSIM_DIR");
	pid_t		 pid;
	int		 rc, n = 0;

	snprintf(domid, sizeof(domid), "%u", bg->bg_gs.gs_domid);
	argv[n++] = (char *)(uintptr_t)b->b_xl;
	/*
	 * xl's lock: parallel attaches of new guests all change the
	 * backend root, and without it most of their commits fail, each
	 * retry costing xenstored as much as the attach.
	 */
	if (dir != NULL) {
		snprintf(lock, sizeof(lock), "%s/xl.lock", dir);
		argv[n++] = (char *)(uintptr_t)"-l";
		argv[n++] = lock;
	}
	argv[n++] = (char *)(uintptr_t)"attach";
	argv[n++] = domid;
	argv[n++] = (char *)(uintptr_t)bg->bg_bdf;
	argv[n++] = (char *)(uintptr_t)"--starting";
	if ((rc = posix_spawn(&pid, b->b_xl, NULL, NULL, argv,
	    environ)) != 0) {
		fprintf(stderr, "bench: spawn %s: %s\n", b->b_xl,
		    strerror(rc));
		return -1;
	}
	return pid;
}

/* Reap the xl-sims that finished; mark the guests whose attach failed. */
static size_t
bench_xl_poll(pid_t *pids, size_t *who, size_t n, int *failed)
{
	size_t	i, done = 0;
	int	status;
	pid_t	r;

	for (i = 0; i < n; i++) {
		if (pids[i] <= 0 || (r = waitpid(pids[i], &status,
		    WNOHANG)) == 0)
			continue;
		if (r == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed[who[i]] = 1;
		pids[i] = 0;
		done++;
	}
	return done;
}

static void
bench_xl_kill(pid_t *pids, size_t n)
{
	size_t	i;
	int	status;

	for (i = 0; i < n; i++) {
		if (pids[i] <= 0)
			continue;
		(void)kill(pids[i], SIGKILL);
		(void)waitpid(pids[i], &status, 0);
		pids[i] = 0;
	}
}

/*
 * One pass of xl-sim attach over the guests marked in todo, par at a
 * time; todo[i] stays set where it failed.  -1 if out of time.
 */
static int
bench_xl_pass(const struct bench *b, const struct bench_guest *g, size_t n,
    int *todo, size_t par, int64_t end)
{
	pid_t	pids[BENCH_XL_PARALLEL];
	size_t	who[BENCH_XL_PARALLEL], i = 0, k, running = 0, done;

	memset(pids, 0, sizeof(pids));
	while (i < n || running > 0) {
		for (; i < n && running < par; i++) {
			if (!todo[i])
				continue;
			todo[i] = 0;
			for (k = 0; pids[k] > 0; k++)
				continue;
			if ((pids[k] = bench_xl_spawn(b, &g[i])) < 0) {
				pids[k] = 0;
				todo[i] = 1;
				continue;
			}
			who[k] = i;
			running++;
		}
		done = bench_xl_poll(pids, who, par, todo);
		running -= done;
		if (done > 0 || running == 0)
			continue;
		if (bench_now_ns() >= end) {
			bench_xl_kill(pids, par);
			return -1;
		}
		bench_nap_us(500);
	}
	return 0;
}

/*
 * The toolstack gives each guest its device (domain being built).
 * Parallel attaches of new guests all change the backend root, so
 * xenstored makes some of them give up (EAGAIN on every try): those are
 * done again, one at a time, as an admin would rerun xl.
 */
int
bench_attach(struct bench *b, struct bench_guest *g, size_t n)
{
	int64_t	 end = bench_now_ns() + (int64_t)BENCH_WAIT_MS * 1000000;
	size_t	 i, left;
	int	*todo, pass, rc = -1;

	if ((todo = calloc(n, sizeof(*todo))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		todo[i] = 1;
	for (pass = 0; pass < 4; pass++) {
		if (bench_xl_pass(b, g, n, todo, pass == 0 ?
		    BENCH_XL_PARALLEL : 1, end) != 0)
			break;
		for (i = 0, left = 0; i < n; i++)
			left += todo[i] != 0;
		if (left == 0) {
			rc = 0;
			break;
		}
		fprintf(stderr, "bench: %zu xl-sim attach(es) failed, "
		    "again\n", left);
	}
	if (rc != 0)
		fprintf(stderr, "bench: xl-sim attach failed\n");
	free(todo);
	return rc;
}

/* One FIFO per guest: make room for many guests in one process. */
void
bench_raise_nofile(size_t want)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want ?
	    want : rl.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}
