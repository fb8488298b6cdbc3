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
 * The arguments of a control request, in the control process: every
 * word a client sent is parsed here, with the messages pcibackctl shows,
 * into a struct ctlreq of numbers.  What needs the daemon's state (is
 * the device held, is there such a guest) is the parent's to answer.
 * ctlparse_check() is the parent's look at what it gets: ranges only.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "control.h"
#include "pcibackd.h"
#include "util.h"

#define CTLPARSE_DOMID_MAX	0x7fef	/* DOMID_FIRST_RESERVED - 1 */

static int
ctlparse_fail(char *err, size_t len, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
ctlparse_fail(char *err, size_t len, int status, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return status;
}

/* A number as pcibackctl sends it: decimal or 0x hex.  0 or -1. */
static int
ctlparse_number(const char *s, uint32_t max, uint32_t *v)
{
	uint64_t	n;

	if (util_number(s, 0, UINT32_MAX, &n) != 0 || n > max)
		return -1;
	*v = (uint32_t)n;
	return 0;
}

/* A word of two: 1 for the first, 0 for the second, -1 neither. */
static int
ctlparse_word(const char *s, const char *one, const char *zero)
{
	if (strcmp(s, one) == 0)
		return 1;
	if (strcmp(s, zero) == 0)
		return 0;
	return -1;
}

static int
ctlparse_quirk(char **argv, struct ctlreq *req, char *err, size_t len)
{
	struct cfgspace_quirk	q;
	char			msg[256];

	if (ctlparse_number(argv[1], 0xffff, &req->cr_arg[0]) != 0)
		return ctlparse_fail(err, len, EINVAL, "quirk add: bad offset "
		    "\"%s\"", argv[1]);
	if (ctlparse_number(argv[2], 0xff, &req->cr_arg[1]) != 0)
		return ctlparse_fail(err, len, EINVAL, "quirk add: bad size "
		    "\"%s\"", argv[2]);
	if (ctlparse_number(argv[3], UINT32_MAX, &req->cr_arg[2]) != 0)
		return ctlparse_fail(err, len, EINVAL, "quirk add: bad mask "
		    "\"%s\"", argv[3]);
	memset(&q, 0, sizeof(q));
	q.cq_offset = (uint16_t)req->cr_arg[0];
	q.cq_size = (uint8_t)req->cr_arg[1];
	q.cq_mask = req->cr_arg[2];
	if (conf_quirk_check(&q, msg, sizeof(msg)) != 0)
		return ctlparse_fail(err, len, EINVAL, "quirk add: %s", msg);
	return 0;
}

/* The commands' own arguments; argv[0] is the address if they take one. */
static int
ctlparse_args(uint32_t cmd, char **argv, struct ctlreq *req, char *err,
    size_t len)
{
	uint64_t	n;
	int		v;

	switch (cmd) {
	case CONTROL_CMD_SHOW_GUEST:
		if (util_number(argv[0], 10, CTLPARSE_DOMID_MAX, &n) != 0)
			return ctlparse_fail(err, len, EINVAL, "bad domain id "
			    "\"%s\"", argv[0]);
		req->cr_arg[0] = (uint32_t)n;
		return 0;
	case CONTROL_CMD_PERMISSIVE:
		if ((v = ctlparse_word(argv[1], "on", "off")) == -1)
			return ctlparse_fail(err, len, EINVAL, "permissive: "
			    "want on or off, not \"%s\"", argv[1]);
		req->cr_arg[0] = (uint32_t)v;
		return 0;
	case CONTROL_CMD_LOG:
		if ((v = ctlparse_word(argv[0], "verbose", "brief")) == -1)
			return ctlparse_fail(err, len, EINVAL, "log: want "
			    "verbose or brief, not \"%s\"", argv[0]);
		req->cr_arg[0] = (uint32_t)v;
		return 0;
	case CONTROL_CMD_LOG_LEVEL:
		if ((v = conf_loglevel_parse(argv[0])) == -1)
			return ctlparse_fail(err, len, EINVAL, "log level: want "
			    "warning, info or debug, not \"%s\"", argv[0]);
		req->cr_arg[0] = (uint32_t)v;
		return 0;
	case CONTROL_CMD_QUIRK_ADD:
		return ctlparse_quirk(argv, req, err, len);
	case CONTROL_CMD_QUIRK_DEL:
		if (ctlparse_number(argv[1], 0xffff, &req->cr_arg[0]) != 0)
			return ctlparse_fail(err, len, EINVAL, "quirk del: bad "
			    "offset \"%s\"", argv[1]);
		return 0;
	}
	return 0;
}

static int
ctlparse_has_addr(uint32_t cmd)
{
	switch (cmd) {
	case CONTROL_CMD_PERMISSIVE:
	case CONTROL_CMD_EXPLAIN:
	case CONTROL_CMD_HOLD:
	case CONTROL_CMD_RELEASE:
	case CONTROL_CMD_QUIRK_ADD:
	case CONTROL_CMD_QUIRK_DEL:
	case CONTROL_CMD_RESET:
	case CONTROL_CMD_SUGGEST:
		return 1;
	}
	return 0;
}

/*
 * argv holds ci->ci_nargs strings (the control process counted them).
 * The address is checked first, then the other words.
 */
int
ctlparse_request(const struct control_cmdinfo *ci, char **argv,
    struct ctlreq *req, char *err, size_t len)
{
	struct bdf_error	be;

	req->cr_cmd = ci->ci_cmd;
	/* show denied: "" for every device, cr_arg[0] 0; else one. */
	if (ci->ci_cmd == CONTROL_CMD_SHOW_DENIED && argv[0][0] == '\0')
		return 0;
	if (ci->ci_cmd == CONTROL_CMD_SHOW_DENIED)
		req->cr_arg[0] = 1;
	if (ctlparse_has_addr(ci->ci_cmd) ||
	    ci->ci_cmd == CONTROL_CMD_SHOW_DENIED) {
		if (bdf_parse_dev(argv[0], &req->cr_bdf, &be) != 0)
			return ctlparse_fail(err, len, EINVAL, "bad address %s",
			    be.be_msg);
	}
	return ctlparse_args(ci->ci_cmd, argv, req, err, len);
}

/* The parent's check: what the control process can only have made up. */
int
ctlparse_check(const struct ctlreq *req)
{
	const struct control_cmdinfo	*ci;
	const struct bdf		*b = &req->cr_bdf;
	struct cfgspace_quirk		 q;
	char				 msg[256];

	if ((ci = control_cmdinfo_find(req->cr_cmd)) == NULL)
		return -1;
	if (ci->ci_privileged && !req->cr_privileged)
		return -1;
	if ((ctlparse_has_addr(req->cr_cmd) ||
	    req->cr_cmd == CONTROL_CMD_SHOW_DENIED) &&
	    (b->b_dev > 31 || b->b_fn > 7))
		return -1;
	switch (req->cr_cmd) {
	case CONTROL_CMD_SHOW_DENIED:
		return req->cr_arg[0] <= 1 ? 0 : -1;
	case CONTROL_CMD_SHOW_GUEST:
		return req->cr_arg[0] <= CTLPARSE_DOMID_MAX ? 0 : -1;
	case CONTROL_CMD_PERMISSIVE:
	case CONTROL_CMD_LOG:
		return req->cr_arg[0] <= 1 ? 0 : -1;
	case CONTROL_CMD_LOG_LEVEL:
		return req->cr_arg[0] <= LOG_DEBUG && conf_loglevel_parse(
		    conf_loglevel_name((int)req->cr_arg[0])) ==
		    (int)req->cr_arg[0] ? 0 : -1;
	case CONTROL_CMD_QUIRK_ADD:
		if (req->cr_arg[0] > 0xffff || req->cr_arg[1] > 0xff)
			return -1;
		memset(&q, 0, sizeof(q));
		q.cq_offset = (uint16_t)req->cr_arg[0];
		q.cq_size = (uint8_t)req->cr_arg[1];
		q.cq_mask = req->cr_arg[2];
		return conf_quirk_check(&q, msg, sizeof(msg)) == 0 ? 0 : -1;
	case CONTROL_CMD_QUIRK_DEL:
		return req->cr_arg[0] <= 0xffff ? 0 : -1;
	}
	return 0;
}
