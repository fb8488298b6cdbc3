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


/* Processes by pid on Linux: /proc for the start time, a pidfd to wait. */

#ifdef __linux__

#include <sys/syscall.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

#define PROC_STAT_MAX	1024
#define PROC_STARTTIME	22	/* field of /proc/PID/stat, in clock ticks */
#define PROC_POLL_MS	2	/* without pidfd_open */

const int proc_named = 1;

/* /proc/PID/stat into buf; its text after the command name, or NULL. */
static char *
proc_stat(pid_t pid, char *buf, size_t len)
{
	char		 path[64], *p;
	ssize_t		 n;
	int		 fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	/* The command name may hold anything, spaces and ')' included. */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return NULL;
	return p + 1;
}

/* p: " S ppid ...", the space before field 3; starttime is field 22. */
static int
proc_starttime(const char *p, uint64_t *start)
{
	char	*end;
	int	 field;

	for (field = 3; field < PROC_STARTTIME; field++)
		if ((p = strchr(p + 1, ' ')) == NULL)
			return -1;
	errno = 0;
	*start = strtoull(p + 1, &end, 10);
	if (errno != 0 || end == p + 1 || (*end != ' ' && *end != '\0'))
		return -1;
	return 0;
}

int
proc_start(pid_t pid, uint64_t *start)
{
	char	buf[PROC_STAT_MAX], *p;

	if ((p = proc_stat(pid, buf, sizeof(buf))) == NULL)
		return -1;
	return proc_starttime(p, start);
}

/* Gone, or a zombie nobody reaped yet: its descriptors are closed. */
static int
proc_gone(pid_t pid, uint64_t start)
{
	char		buf[PROC_STAT_MAX], *p;
	uint64_t	now;

	if ((p = proc_stat(pid, buf, sizeof(buf))) == NULL ||
	    proc_starttime(p, &now) != 0 || now != start)
		return 1;
	return p[1] == 'Z' || p[1] == 'X';
}

static long long
proc_ms_since(const struct timespec *t0)
{
	struct timespec	t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)(t.tv_sec - t0->tv_sec) * 1000 +
	    (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* 0 once it exited; -1 after ms.  A pidfd is readable from its exit. */
static int
proc_wait(int pidfd, pid_t pid, uint64_t start, int ms)
{
	struct pollfd	pfd;
	struct timespec	t0, nap = { 0, PROC_POLL_MS * 1000000L };
	int		rc;

	if (pidfd != -1) {
		pfd.fd = pidfd;
		pfd.events = POLLIN;
		while ((rc = poll(&pfd, 1, ms)) == -1 && errno == EINTR)
			;
		return rc == 1 ? 0 : -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!proc_gone(pid, start)) {
		if (proc_ms_since(&t0) >= ms)
			return -1;
		nanosleep(&nap, NULL);
	}
	return 0;
}

static int
proc_signal(int pidfd, pid_t pid, int sig)
{
#ifdef SYS_pidfd_send_signal
	if (pidfd != -1)
		return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
#endif
	return kill(pid, sig);
}

/*
 * The pidfd is opened before the start time is compared: if they agree,
 * it is that process's, and a signal through it reaches nobody else even
 * if the pid is reused meanwhile.  Without pidfds (before Linux 5.3),
 * kill(2) right after the comparison.
 */
int
proc_stop(pid_t pid, uint64_t start, int ms)
{
	uint64_t	now;
	int		fd = -1, rc = -1;

#ifdef SYS_pidfd_open
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd == -1 && errno == ESRCH)
		return 0;
#endif
	if (proc_start(pid, &now) != 0 || now != start) {
		rc = 0;
		goto done;
	}
	if (proc_signal(fd, pid, SIGTERM) == -1) {
		rc = errno == ESRCH ? 0 : -1;
		goto done;
	}
	if (proc_wait(fd, pid, start, ms) == 0) {
		rc = 0;
		goto done;
	}
	if (proc_signal(fd, pid, SIGKILL) == -1 && errno != ESRCH)
		goto done;
	rc = proc_wait(fd, pid, start, ms) == 0 ? 1 : -1;
done:
	if (fd != -1)
		close(fd);
	return rc;
}

#endif /* __linux__ */
