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


/* The command table pcibackd and pcibackctl share (control_proto.h). */

#include <stddef.h>

#include "control_proto.h"

const struct control_cmdinfo control_cmdinfo[] = {
	{ CONTROL_CMD_SHOW_DEVICES,	"show devices",	0, 0 },
	{ CONTROL_CMD_SHOW_GUESTS,	"show guests",	0, 0 },
	{ CONTROL_CMD_SHOW_GUEST,	"show guest",	1, 0 },
	{ CONTROL_CMD_SHOW_STATS,	"show stats",	0, 0 },
	{ CONTROL_CMD_PERMISSIVE,	"permissive",	2, 1 },
	{ CONTROL_CMD_LOG,		"log",		1, 1 },
	{ CONTROL_CMD_LOG_LEVEL,	"log level",	1, 1 },
	{ CONTROL_CMD_EXPLAIN,		"explain",	1, 0 },
	{ CONTROL_CMD_RELOAD,		"reload",	0, 1 },
	{ CONTROL_CMD_HOLD,		"hold",		1, 1 },
	{ CONTROL_CMD_RELEASE,		"release",	1, 1 },
	{ CONTROL_CMD_QUIRK_ADD,	"quirk add",	4, 1 },
	{ CONTROL_CMD_QUIRK_DEL,	"quirk del",	2, 1 },
	{ CONTROL_CMD_RESET,		"reset",	1, 1 },
	{ CONTROL_CMD_SHOW_DENIED,	"show denied",	1, 0 },
	{ CONTROL_CMD_SUGGEST,		"suggest",	1, 0 },
	{ CONTROL_CMD_SHOW_METRICS,	"show metrics",	0, 0 },
	{ CONTROL_CMD_CHECK,		"check",	0, 0 },
};
const unsigned int control_ncmdinfo =
    sizeof(control_cmdinfo) / sizeof(control_cmdinfo[0]);

const struct control_cmdinfo *
control_cmdinfo_find(uint32_t cmd)
{
	unsigned int	i;

	for (i = 0; i < control_ncmdinfo; i++)
		if (control_cmdinfo[i].ci_cmd == cmd)
			return &control_cmdinfo[i];
	return NULL;
}
