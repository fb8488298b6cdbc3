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


#include <sys/socket.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

/* The one piece of process-wide state logging needs, as in OpenBSD. */
static int		 log_debug_mode;
static int		 log_verbose;
static int		 log_level = LOG_INFO;
static const char	*const log_procname = "pcibackd";
static int		 log_sock = -1;	/* a worker's: to its parent */

void
log_init(int to_stderr, int facility)
{
	log_debug_mode = to_stderr;
	if (!to_stderr)
		openlog(log_procname, LOG_PID | LOG_NDELAY, facility);
	tzset();
}

void
log_setverbose(int v)
{
	log_verbose = v;
}

int
log_getverbose(void)
{
	return log_verbose;
}

void
log_setlevel(int pri)
{
	/* Errors and warnings always go out. */
	if (pri < LOG_WARNING)
		pri = LOG_WARNING;
	if (pri > LOG_DEBUG)
		pri = LOG_DEBUG;
	log_level = pri;
}

int
log_getlevel(void)
{
	return log_level;
}

/* The priority up to which messages go out: -v means debug. */
static int
log_threshold(void)
{
	return log_verbose > 0 ? LOG_DEBUG : log_level;
}

void
log_sendto(int fd)
{
	log_sock = fd;
}

/* Never blocks: a line the parent has no room for is lost. */
static void __attribute__((format(printf, 2, 0)))
log_send(int pri, const char *fmt, va_list ap)
{
	struct log_msg	m;
	int		n;

	m.lm_pri = pri;
	n = vsnprintf(m.lm_text, sizeof(m.lm_text), fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(m.lm_text))
		n = sizeof(m.lm_text) - 1;
	(void)send(log_sock, &m, offsetof(struct log_msg, lm_text) +
	    (size_t)n + 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	if (pri > log_threshold())
		return;
	if (log_sock != -1) {
		log_send(pri, fmt, ap);
		return;
	}
	if (log_debug_mode) {
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		fflush(stderr);
		return;
	}
	vsyslog(pri, fmt, ap);
}

void
logit(int pri, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}

/* Append ": strerror(errno)" to the message. */
static void __attribute__((format(printf, 3, 0)))
log_errno(int pri, int saved, const char *fmt, va_list ap)
{
	char	msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	logit(pri, "%s: %s", msg, strerror(saved));
}

void
log_warn(const char *fmt, ...)
{
	int	saved = errno;
	va_list	ap;

	va_start(ap, fmt);
	log_errno(LOG_ERR, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (log_threshold() < LOG_DEBUG)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int	saved = errno;
	va_list	ap;

	va_start(ap, fmt);
	log_errno(LOG_CRIT, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

/*
 * A line a child process sent (struct log_msg, len bytes received):
 * its own words, never the parent's, so no control characters, and no
 * more than lr lets through.  who goes before it.
 */
void
log_relay(struct log_ratelimit *lr, const char *who, struct log_msg *m,
    size_t len)
{
	size_t	i, n;
	int	pri;

	if (len <= offsetof(struct log_msg, lm_text))
		return;
	n = len - offsetof(struct log_msg, lm_text);
	if (n > sizeof(m->lm_text))
		n = sizeof(m->lm_text);
	m->lm_text[n - 1] = '\0';
	for (i = 0; i < n - 1 && m->lm_text[i] != '\0'; i++)
		if ((unsigned char)m->lm_text[i] < 0x20 ||
		    (unsigned char)m->lm_text[i] >= 0x7f)
			m->lm_text[i] = '?';
	pri = m->lm_pri;
	if (pri < LOG_ERR)
		pri = LOG_ERR;
	if (pri > LOG_DEBUG)
		pri = LOG_DEBUG;
	log_limited(lr, pri, "%s%s", who, m->lm_text);
}

void
log_ratelimit_init(struct log_ratelimit *lr, unsigned int rate,
    unsigned int burst)
{
	memset(lr, 0, sizeof(*lr));
	lr->lr_rate = rate;
	lr->lr_burst = burst;
	lr->lr_tokens = burst;
	clock_gettime(CLOCK_MONOTONIC, &lr->lr_last);
}

void
log_ratelimit_set(struct log_ratelimit *lr, unsigned int rate,
    unsigned int burst)
{
	lr->lr_rate = rate;
	lr->lr_burst = burst;
	if (lr->lr_tokens > burst)
		lr->lr_tokens = burst;
}

static int
log_ratelimit_take(struct log_ratelimit *lr)
{
	struct timespec	now;
	double		dt;

	clock_gettime(CLOCK_MONOTONIC, &now);
	dt = (double)(now.tv_sec - lr->lr_last.tv_sec) +
	    (double)(now.tv_nsec - lr->lr_last.tv_nsec) / 1e9;
	lr->lr_last = now;
	lr->lr_tokens += dt * lr->lr_rate;
	if (lr->lr_tokens > lr->lr_burst)
		lr->lr_tokens = lr->lr_burst;
	if (lr->lr_tokens < 1.0) {
		lr->lr_suppressed++;
		return 0;
	}
	lr->lr_tokens -= 1.0;
	return 1;
}

int
log_limited(struct log_ratelimit *lr, int pri, const char *fmt, ...)
{
	char	msg[1024];
	va_list	ap;

	/* What would not be logged must not use up the bucket. */
	if (pri > log_threshold())
		return 0;
	if (!log_ratelimit_take(lr))
		return 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (lr->lr_suppressed > 0) {
		logit(pri, "%s (%llu similar messages suppressed)", msg,
		    (unsigned long long)lr->lr_suppressed);
		lr->lr_suppressed = 0;
	} else
		logit(pri, "%s", msg);
	return 1;
}
