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
 * Between the control socket (control.c: connections, framing, records,
 * who may ask what) and the commands (ctlcmd.c, explain.c), which see a
 * connection only through these calls.
 */

#ifndef PCIBACKD_CONTROL_H
#define PCIBACKD_CONTROL_H

#include <stdint.h>

#include "pcibackd.h"

struct control_conn;

/* control.c */
struct pcibackd	*control_env(const struct control_conn *);
/* Who asked, for the log: "uid 0 pid 123". */
const char	*control_who(const struct control_conn *);
/* A request failed: err is its status, fmt the message pcibackctl shows. */
int		 control_fail(struct control_conn *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
/* A record: begin, fields, emit. */
void		 control_begin(struct control_conn *, const char *);
void		 control_field(struct control_conn *, int, const char *,
		    const char *);
void		 control_fields(struct control_conn *, const char *,
		    const char *, ...) __attribute__((format(printf, 3, 4)));
void		 control_fieldn(struct control_conn *, const char *, uint64_t);
void		 control_fieldb(struct control_conn *, const char *, int);
void		 control_emit(struct control_conn *);
uint64_t	 control_uptime(struct pcibackd *);
unsigned int	 control_nclients(struct pcibackd *);

/* ctlcmd.c: every command but explain.  0, or an errno (control_fail). */
int		 ctlcmd_run(struct control_conn *, uint32_t, char **);
uint32_t	 ctlcmd_cfg(struct heldev *, unsigned int, unsigned int);
struct frontend	*ctlcmd_owner(struct pcibackd *, struct heldev *,
		    struct bdf *);
int		 ctlcmd_addr(struct control_conn *, const char *,
		    struct bdf *);

/* ctlaudit.c: show denied (address or "" for all), suggest. */
int		 ctlaudit_show_denied(struct control_conn *, char **);
int		 ctlaudit_suggest(struct control_conn *, char **);

/* ctlmetrics.c: show metrics. */
int		 ctlmetrics_show(struct control_conn *, char **);

/* explain.c */
int		 explain_run(struct control_conn *, char **);

#endif /* PCIBACKD_CONTROL_H */
