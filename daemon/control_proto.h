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
 * The control protocol between pcibackd and pcibackctl(8), over the unix
 * stream socket (default CONTROL_SOCKET).  Both programs include this
 * file; nothing else defines the protocol.
 *
 * Every message is a struct control_hdr followed by ch_len bytes of
 * payload, in host byte order (the socket is local).  ch_version is
 * CONTROL_PROTOCOL_VERSION in every message; the daemon checks it on the
 * first message and every later one, and answers a mismatch with an END
 * carrying EPROTONOSUPPORT, then closes.  Bump the version on any change
 * a peer built from an older copy of this file would misread.
 *
 * Client to daemon:
 *   CONTROL_MSG_REQUEST	ch_arg: a CONTROL_CMD_*.  Payload: the
 *				arguments, each a NUL-terminated string
 *				(at most CONTROL_ARGS_MAX).
 * Daemon to client, for each request, in order:
 *   CONTROL_MSG_RECORD		zero or more.  Payload: a list of fields,
 *				each one type byte, the key, NUL, the
 *				value, NUL.  Types: CONTROL_F_STRING,
 *				CONTROL_F_NUMBER (unsigned decimal),
 *				CONTROL_F_BOOL ("0" or "1").  The first
 *				field is always the string "record" naming
 *				the kind of record ("device", "guest",
 *				"stats", "explain", "reason", "quirk",
 *				"log", "reload", "released", "reset",
 *				"denied", "overflow", "suggest",
 *				"metric").
 *   CONTROL_MSG_END		exactly one.  ch_arg: 0, or an errno
 *				saying why the request failed.  Payload:
 *				a NUL-terminated message ("" on success).
 *
 * A client may send several requests on one connection; the daemon
 * answers them one after the other.  A client that sends a message the
 * daemon cannot parse (wrong type, ch_len above CONTROL_PAYLOAD_MAX,
 * arguments not NUL-terminated) is dropped without an answer.
 */

#ifndef PCIBACKD_CONTROL_PROTO_H
#define PCIBACKD_CONTROL_PROTO_H

#include <stdint.h>

#define CONTROL_PROTOCOL_VERSION	1
#define CONTROL_SOCKET		"/var/run/pcibackd/pcibackd.sock"
#define CONTROL_PATH_MAX	108	/* Linux's sizeof(sun_path) */
#define CONTROL_PAYLOAD_MAX	4096	/* per message */
#define CONTROL_ARGS_MAX	8	/* per request */

struct control_hdr {
	uint32_t	ch_version;	/* CONTROL_PROTOCOL_VERSION */
	uint32_t	ch_type;	/* CONTROL_MSG_* */
	uint32_t	ch_arg;		/* command, or END status */
	uint32_t	ch_len;		/* payload bytes that follow */
};

/* ch_type */
#define CONTROL_MSG_REQUEST	1
#define CONTROL_MSG_RECORD	2
#define CONTROL_MSG_END		3

/* Field types in a record. */
#define CONTROL_F_STRING	's'
#define CONTROL_F_NUMBER	'n'
#define CONTROL_F_BOOL		'b'

/*
 * Commands (ch_arg of a REQUEST) and their arguments.  Addresses are
 * full host addresses, DDDD:BB:DD.F; pcibackctl parses what the user
 * typed and sends that form.
 */
#define CONTROL_CMD_SHOW_DEVICES	1	/* no arguments */
#define CONTROL_CMD_SHOW_GUESTS		2	/* no arguments */
#define CONTROL_CMD_SHOW_GUEST		3	/* domid */
#define CONTROL_CMD_SHOW_STATS		4	/* no arguments */
#define CONTROL_CMD_PERMISSIVE		5	/* address, "on"|"off" */
#define CONTROL_CMD_LOG			6	/* "verbose"|"brief" */
#define CONTROL_CMD_EXPLAIN		7	/* address */
#define CONTROL_CMD_RELOAD		8	/* no arguments */
#define CONTROL_CMD_HOLD		9	/* address */
#define CONTROL_CMD_RELEASE		10	/* address */
#define CONTROL_CMD_QUIRK_ADD		11	/* address, offset, size, mask */
#define CONTROL_CMD_QUIRK_DEL		12	/* address, offset */
#define CONTROL_CMD_LOG_LEVEL		13	/* "warning"|"info"|"debug" */
#define CONTROL_CMD_RESET		14	/* address */
#define CONTROL_CMD_SHOW_DENIED		15	/* address, or "" for all */
#define CONTROL_CMD_SUGGEST		16	/* address */
#define CONTROL_CMD_SHOW_METRICS	17	/* no arguments */
#define CONTROL_CMD_CHECK		18	/* no arguments */

/*
 * The one table of commands both programs use (control_proto.c): the
 * words pcibackctl takes, the number of arguments, and whether the
 * command changes what a guest may do.  Those need uid 0; members of
 * the socket group may only look (show, explain).
 */
struct control_cmdinfo {
	uint32_t	 ci_cmd;	/* CONTROL_CMD_* */
	const char	*ci_name;	/* "show guest": space-separated words */
	int		 ci_nargs;
	int		 ci_privileged;
};

extern const struct control_cmdinfo	control_cmdinfo[];
extern const unsigned int		control_ncmdinfo;
const struct control_cmdinfo	*control_cmdinfo_find(uint32_t);

#endif /* PCIBACKD_CONTROL_PROTO_H */
