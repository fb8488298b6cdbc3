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


/* Logging, in the OpenBSD daemons' manner: stderr with -d, else syslog. */

#ifndef PCIBACKD_LOG_H
#define PCIBACKD_LOG_H

#include <stdarg.h>
#include <stdint.h>
#include <time.h>

/*
 * A token bucket for messages a guest can cause: at most lr_burst
 * messages, refilled at lr_rate per second; what is suppressed is counted
 * and reported with the next message that passes.
 */
struct log_ratelimit {
	unsigned int	lr_rate;
	unsigned int	lr_burst;
	double		lr_tokens;
	struct timespec	lr_last;
	uint64_t	lr_suppressed;
};

/* A line a worker sends its parent (worker.c). */
#define LOG_MSG_MAX	1024
struct log_msg {
	int32_t	lm_pri;
	char	lm_text[LOG_MSG_MAX];
};

void	log_init(int, int);
/* From now on, send every line to fd as a struct log_msg. */
void	log_sendto(int);
void	log_setverbose(int);
int	log_getverbose(void);
/* The configured level, a syslog priority; -v raises it to debug. */
void	log_setlevel(int);
int	log_getlevel(void);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	logit(int, const char *, ...) __attribute__((format(printf, 2, 3)));
void	vlog(int, const char *, va_list) __attribute__((format(printf, 2, 0)));
__attribute__((noreturn, format(printf, 1, 2)))
void	fatal(const char *, ...);
__attribute__((noreturn, format(printf, 1, 2)))
void	fatalx(const char *, ...);

void	log_ratelimit_init(struct log_ratelimit *, unsigned int, unsigned int);
/* New rate and burst for a bucket in use; the tokens it has stay. */
void	log_ratelimit_set(struct log_ratelimit *, unsigned int, unsigned int);
/* Log at priority if the bucket allows; returns 1 if logged. */
int	log_limited(struct log_ratelimit *, int, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
/* Log a child's line, sanitized, prefixed with who, through lr. */
void	log_relay(struct log_ratelimit *, const char *, struct log_msg *,
	    size_t);

#endif /* PCIBACKD_LOG_H */
