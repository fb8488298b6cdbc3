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
 * Type=notify: tell systemd when pcibackd really serves.  The protocol
 * is a datagram of newline-separated assignments on an AF_UNIX socket,
 * named by $NOTIFY_SOCKET: a path, or "@name" for Linux's abstract
 * namespace.  The manager learns our pid from the kernel (SO_PASSCRED),
 * so NotifyAccess=main in the unit keeps the workers out.
 */

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

#define NOTIFY_MSG_MAX	512

static struct sockaddr_un	notify_sun;
static socklen_t		notify_len;	/* 0: nobody to notify */
static int			notify_warned;

void
notify_init(void)
{
	const char	*s;
	size_t		 n;

	notify_len = 0;
	if ((s = getenv("NOTIFY_SOCKET")) == NULL)
		return;
	n = strlen(s);
	memset(&notify_sun, 0, sizeof(notify_sun));
	notify_sun.sun_family = AF_UNIX;
	if ((s[0] != '/' && s[0] != '@') || n < 2 ||
	    n > sizeof(notify_sun.sun_path)) {
		log_warnx("NOTIFY_SOCKET \"%.*s\": not a socket address, "
		    "ignored", (int)(n > 64 ? 64 : n), s);
		goto done;
	}
	/* A path has its NUL; an abstract name is its bytes, no NUL. */
	if (s[0] == '/' && n == sizeof(notify_sun.sun_path)) {
		log_warnx("NOTIFY_SOCKET %s: path too long, ignored", s);
		goto done;
	}
	memcpy(notify_sun.sun_path, s, n);
	if (s[0] == '@') {
		notify_sun.sun_path[0] = '\0';
		notify_len = offsetof(struct sockaddr_un, sun_path) + n;
	} else
		notify_len = sizeof(notify_sun);
	log_debug("notifying %s", s);
 done:
	/* Nothing we start is the service's main process. */
	unsetenv("NOTIFY_SOCKET");
}

int
notify_send(const char *fmt, ...)
{
	char	 msg[NOTIFY_MSG_MAX];
	va_list	 ap;
	int	 fd, n, rc = -1;

	if (notify_len == 0)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	if (sendto(fd, msg, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT,
	    (struct sockaddr *)&notify_sun, notify_len) == n)
		rc = 0;
	close(fd);
	if (rc == 0)
		return 0;
 fail:
	/* Once: a manager that went away should not fill the log. */
	if (!notify_warned++)
		log_warn("NOTIFY_SOCKET: cannot notify the service manager");
	return -1;
}

void
notify_ready(int nguests, int ndevices)
{
	(void)notify_send("READY=1\nSTATUS=serving %d guest%s, holding %d "
	    "device%s\n", nguests, nguests == 1 ? "" : "s", ndevices,
	    ndevices == 1 ? "" : "s");
}

/* systemd 253's Type=notify-reload wants the time the reload began. */
void
notify_reloading(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	(void)notify_send("RELOADING=1\nMONOTONIC_USEC=%llu\n"
	    "STATUS=reloading the configuration\n",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL);
}

void
notify_reloaded(int loaded, int ndevices)
{
	(void)notify_send("READY=1\nSTATUS=%s, holding %d device%s\n",
	    loaded ? "configuration reloaded" :
	    "reload failed, the running configuration stays", ndevices,
	    ndevices == 1 ? "" : "s");
}

void
notify_stopping(void)
{
	(void)notify_send("STOPPING=1\nSTATUS=exiting; guests stay "
	    "connected for the next start\n");
}
