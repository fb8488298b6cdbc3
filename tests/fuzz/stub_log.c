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
 * log.h for the fuzzers: every message is formatted (a bad format
 * argument is still caught by the sanitizers) and dropped, so a target
 * neither floods syslog nor slows down on stderr.  fatal() aborts: the
 * daemon code under test must not reach it from its input.
 */

#include <stdio.h>
#include <stdlib.h>

#include "log.h"

static void __attribute__((format(printf, 1, 0)))
stub_vformat(const char *fmt, va_list ap)
{
	char	buf[1024];

	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
}

void
log_init(int to_stderr, int facility)
{
	(void)to_stderr;
	(void)facility;
}

void
log_setverbose(int v)
{
	(void)v;
}

int
log_getverbose(void)
{
	return 0;
}

void
log_setlevel(int pri)
{
	(void)pri;
}

void
log_sendto(int fd)
{
	(void)fd;
}

int
log_getlevel(void)
{
	return 7;
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	(void)pri;
	stub_vformat(fmt, ap);
}

void
logit(int pri, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}

#define STUB_LOG(name)				\
void						\
name(const char *fmt, ...)			\
{						\
	va_list	ap;				\
						\
	va_start(ap, fmt);			\
	stub_vformat(fmt, ap);			\
	va_end(ap);				\
}
STUB_LOG(log_warn)
STUB_LOG(log_warnx)
STUB_LOG(log_info)
STUB_LOG(log_debug)

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	stub_vformat(fmt, ap);
	va_end(ap);
	abort();
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	stub_vformat(fmt, ap);
	va_end(ap);
	abort();
}

void
log_ratelimit_init(struct log_ratelimit *lr, unsigned int rate,
    unsigned int burst)
{
	lr->lr_rate = rate;
	lr->lr_burst = burst;
	lr->lr_tokens = burst;
	lr->lr_suppressed = 0;
}

void
log_ratelimit_set(struct log_ratelimit *lr, unsigned int rate,
    unsigned int burst)
{
	lr->lr_rate = rate;
	lr->lr_burst = burst;
}

int
log_limited(struct log_ratelimit *lr, int pri, const char *fmt, ...)
{
	va_list	ap;

	(void)lr;
	(void)pri;
	va_start(ap, fmt);
	stub_vformat(fmt, ap);
	va_end(ap);
	return 1;
}

void
log_relay(struct log_ratelimit *lr, const char *who, struct log_msg *m,
    size_t len)
{
	(void)lr;
	(void)who;
	(void)m;
	(void)len;
}
