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
 * systemd's readiness protocol (sd_notify(3)) without libsystemd: one
 * datagram per change to the socket $NOTIFY_SOCKET names.  Nothing is
 * sent when it is not set (no systemd, pcibackd started by hand).
 */

#ifndef PCIBACKD_NOTIFY_H
#define PCIBACKD_NOTIFY_H

/* Read (and unset) $NOTIFY_SOCKET; before any other call. */
void	notify_init(void);
/* Send "FIELD=value\n..." lines; 0 sent, -1 not (no socket, error). */
int	notify_send(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Serving: the guests present at start-up are adopted. */
void	notify_ready(int, int);
/* A reload begins; notify_reloaded() when it is over, loaded or not. */
void	notify_reloading(void);
void	notify_reloaded(int, int);
void	notify_stopping(void);

#endif /* PCIBACKD_NOTIFY_H */
