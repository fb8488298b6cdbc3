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
 * What a device block of pcibackd.conf(5) means once parsed: the checks
 * the parser and pcibackctl share (quirks, reset methods, log levels),
 * and the device block of a device no block names.  No I/O, no state.
 */

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "pcibackd.h"

/* Linux's reset_method names, in its order of preference. */
static const char *const conf_reset_names[] = {
	"device_specific", "acpi", "flr", "af_flr", "pm", "bus",
};
#define CONF_NRESET \
	(sizeof(conf_reset_names) / sizeof(conf_reset_names[0]))

static const struct {
	const char	*cl_name;
	int		 cl_pri;
} conf_levels[] = {
	{ "warning",	LOG_WARNING },
	{ "info",	LOG_INFO },
	{ "debug",	LOG_DEBUG },
};
#define CONF_NLEVELS	(sizeof(conf_levels) / sizeof(conf_levels[0]))

/*
 * What a device no "device" block names gets: the global permissive
 * setting, no name, no quirks.  The one place that builds it.
 */
const struct conf_device *
conf_device_or_default(const struct pcibackd_conf *conf, const struct bdf *b,
    struct conf_device *dflt)
{
	const struct conf_device	*cd;

	if ((cd = conf_find_device(conf, b)) != NULL)
		return cd;
	memset(dflt, 0, sizeof(*dflt));
	dflt->cd_permissive = conf->c_permissive;
	return dflt;
}

/*
 * A quirk on its own: inside extended config space, size 1, 2 or 4,
 * naturally aligned, a non-zero mask that fits the size.  0, or -1 and
 * why in msg.  Whether it overlaps a register pcibackd emulates is for
 * cfgspace to say, once the device is known.
 */
int
conf_quirk_check(const struct cfgspace_quirk *q, char *msg, size_t len)
{
	unsigned int	off = q->cq_offset, size = q->cq_size;

	if (off >= CFGSPACE_EXT_SIZE) {
		snprintf(msg, len, "quirk offset 0x%x: beyond config space "
		    "(max 0x%x)", off, CFGSPACE_EXT_SIZE - 1);
		return -1;
	}
	if (size != 1 && size != 2 && size != 4) {
		snprintf(msg, len, "quirk size %u: want 1, 2 or 4", size);
		return -1;
	}
	if ((off & (size - 1)) != 0 || off + size > CFGSPACE_EXT_SIZE) {
		snprintf(msg, len, "quirk offset 0x%x: not aligned to its "
		    "size %u", off, size);
		return -1;
	}
	if (q->cq_mask == 0) {
		snprintf(msg, len, "quirk mask 0: makes nothing writable");
		return -1;
	}
	if (size < 4 && (q->cq_mask >> (8 * size)) != 0) {
		snprintf(msg, len, "quirk mask 0x%x: wider than %u byte%s",
		    q->cq_mask, size, size == 1 ? "" : "s");
		return -1;
	}
	return 0;
}

/* The same quirks in the same order (padding aside). */
int
conf_quirks_equal(const struct cfgspace_quirk *a, size_t na,
    const struct cfgspace_quirk *b, size_t nb)
{
	size_t	i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (a[i].cq_offset != b[i].cq_offset ||
		    a[i].cq_size != b[i].cq_size ||
		    a[i].cq_mask != b[i].cq_mask)
			return 0;
	return 1;
}

/* "flr pm bus": known names, each once, at least one. */
int
conf_reset_check(const char *s, char *msg, size_t len)
{
	char		 word[CONF_RESET_MAX];
	const char	*p = s, *seen[CONF_NRESET];
	size_t		 n, i, nseen = 0;

	if (strlen(s) >= CONF_RESET_MAX) {
		snprintf(msg, len, "reset \"%s\": too long", s);
		return -1;
	}
	for (;;) {
		p += strspn(p, " \t");
		if (*p == '\0')
			break;
		n = strcspn(p, " \t");
		memcpy(word, p, n);
		word[n] = '\0';
		p += n;
		for (i = 0; i < CONF_NRESET; i++)
			if (strcmp(word, conf_reset_names[i]) == 0)
				break;
		if (i == CONF_NRESET) {
			snprintf(msg, len, "reset \"%s\": unknown method "
			    "\"%s\" (want flr, pm, bus, af_flr, acpi or "
			    "device_specific)", s, word);
			return -1;
		}
		for (n = 0; n < nseen; n++)
			if (seen[n] == conf_reset_names[i]) {
				snprintf(msg, len, "reset \"%s\": \"%s\" named "
				    "twice", s, word);
				return -1;
			}
		seen[nseen++] = conf_reset_names[i];
	}
	if (nseen == 0) {
		snprintf(msg, len, "reset \"%s\": names no method", s);
		return -1;
	}
	return 0;
}

const char *
conf_loglevel_name(int pri)
{
	size_t	i;

	for (i = 0; i < CONF_NLEVELS; i++)
		if (conf_levels[i].cl_pri == pri)
			return conf_levels[i].cl_name;
	return "info";
}

/* A syslog priority, or -1. */
int
conf_loglevel_parse(const char *s)
{
	size_t	i;

	for (i = 0; i < CONF_NLEVELS; i++)
		if (strcmp(conf_levels[i].cl_name, s) == 0)
			return conf_levels[i].cl_pri;
	return -1;
}
