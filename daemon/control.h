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
 * The control socket in two processes (doc/design.md).  The control
 * process (ctlproc.c, unprivileged, under its own seccomp filter) takes
 * pcibackctl's connections, frames and parses their requests, checks who
 * asks and what, and passes a struct ctlreq to the parent: a command from
 * the table with its arguments parsed, in fields of fixed size.  The
 * parent (control.c) checks that struct's ranges, runs the command
 * (ctlcmd.c, explain.c, which see a request only through the calls
 * below) and sends the reply's messages back, which the control process
 * relays.  No text a client sent reaches the parent.
 */

#ifndef PCIBACKD_CONTROL_H
#define PCIBACKD_CONTROL_H

#include <stdint.h>

#include <event2/util.h>

#include "pcibackd.h"

struct control_conn;

/*
 * A request, parsed and checked by the control process: the one message
 * it sends the parent, over a SOCK_SEQPACKET socketpair.  cr_arg by
 * command: SHOW_GUEST the domid; PERMISSIVE and LOG 1 (on, verbose) or
 * 0; LOG_LEVEL a syslog priority; QUIRK_ADD offset, size, mask;
 * QUIRK_DEL offset; SHOW_DENIED 1 for one device, 0 for all.  cr_bdf
 * for the commands that name a device.
 */
struct ctlreq {
	uint32_t	cr_cmd;		/* CONTROL_CMD_* */
	uint32_t	cr_uid;		/* the client's, SO_PEERCRED */
	int32_t		cr_pid;		/* the client's, -1 unknown */
	uint32_t	cr_privileged;	/* root or pcibackd's own uid */
	uint32_t	cr_nclients;	/* connections open, for show stats */
	struct bdf	cr_bdf;
	uint32_t	cr_arg[3];
};

/*
 * Parent to control process: messages of the control protocol, one per
 * datagram: the RECORDs and the END of the oldest request not answered
 * yet, and these two of its own.
 */
#define CTLPROC_MSG_MEMBERS	0x100	/* payload: the socket group's uids */
#define CTLPROC_MSG_LOG		0x101	/* ch_arg: the priority logged up to */
#define CTLPROC_MEMBERS_MAX	(CONTROL_PAYLOAD_MAX / sizeof(uint32_t))

/* ctlparse.c: 0, or an errno with the message for pcibackctl in err. */
int		 ctlparse_request(const struct control_cmdinfo *, char **,
		    struct ctlreq *, char *, size_t);
/* The same checks on a request as the parent gets it: 0 or -1. */
int		 ctlparse_check(const struct ctlreq *);

/* ctlproc.c: the control process. */
struct ctlproc;
struct ctlproc	*ctlproc_new(struct event_base *, int, int, gid_t, uid_t);
void		 ctlproc_free(struct ctlproc *);
__attribute__((noreturn))
void		 ctlproc_main(int, int, int, gid_t, uid_t, pid_t,
		    const struct sandbox_id *, int);

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
int		 ctlcmd_run(struct control_conn *, const struct ctlreq *);
#ifdef PCIBACKD_COVERAGE
/* pcibackd.c: a coverage build's timer writes gcov's counts. */
void		 pcibackd_gcov(evutil_socket_t, short, void *);
#endif
struct heldev	*ctlcmd_held(struct control_conn *, const struct bdf *, int *);
uint32_t	 ctlcmd_cfg(struct heldev *, unsigned int, unsigned int);
struct frontend	*ctlcmd_owner(struct pcibackd *, struct heldev *,
		    struct bdf *);

/* ctlaudit.c: show denied (address or "" for all), suggest. */
int		 ctlaudit_show_denied(struct control_conn *,
		    const struct ctlreq *);
int		 ctlaudit_suggest(struct control_conn *, const struct ctlreq *);

/* ctlmetrics.c: show metrics. */
int		 ctlmetrics_show(struct control_conn *, const struct ctlreq *);

/* explain.c */
int		 explain_run(struct control_conn *, const struct ctlreq *);
int		 explain_check(struct control_conn *, const struct ctlreq *);

#endif /* PCIBACKD_CONTROL_H */
