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
 * pcibackd.conf(5) through the real grammar (daemon/parse.y).
 *
 * Input: up to three files separated by "\n%%\n": main.conf, a.conf and
 * b.conf, which main.conf may include (and they each other).  fopen is
 * wrapped (-Wl,--wrap=fopen) so that, while parse_config runs, those
 * names open the input from memory and every other name fails: an
 * include of /dev/stdin or a FIFO cannot hang the run.
 *
 * Checked: no memory error or leak; an accepted configuration keeps
 * every bound the daemon relies on; printing it (pcibackd -nv) gives a
 * text that parses back to the same configuration and prints the same.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "pcibackd.h"

#define NFILES	3

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);
FILE	*__real_fopen(const char *, const char *);
FILE	*__wrap_fopen(const char *, const char *);

static const char *const names[NFILES] = { "main.conf", "a.conf", "b.conf" };
static const char	*text[NFILES];
static size_t		 len[NFILES];
static int		 parsing;

FILE *
__wrap_fopen(const char *path, const char *mode)
{
	int	i;

	if (!parsing)
		return __real_fopen(path, mode);
	for (i = 0; i < NFILES; i++)
		if (strcmp(path, names[i]) == 0) {
			if (len[i] == 0)
				return fmemopen((void *)(uintptr_t)"", 1, "r");
			return fmemopen((void *)(uintptr_t)text[i], len[i],
			    "r");
		}
	return NULL;
}

static struct pcibackd_conf *
parse(void)
{
	struct pcibackd_conf	*c;

	parsing = 1;
	c = parse_config(names[0]);
	parsing = 0;
	return c;
}

static void
check_device(const struct conf_device *cd)
{
	const struct cfgspace_quirk	*a, *b;
	char				 msg[256];
	size_t				 i, j;

	if (cd->cd_nquirks > CONF_QUIRKS_MAX)
		abort();
	if (memchr(cd->cd_name, '\0', sizeof(cd->cd_name)) == NULL ||
	    memchr(cd->cd_reset, '\0', sizeof(cd->cd_reset)) == NULL ||
	    memchr(cd->cd_file, '\0', sizeof(cd->cd_file)) == NULL)
		abort();
	if (cd->cd_reset[0] != '\0' &&
	    conf_reset_check(cd->cd_reset, msg, sizeof(msg)) != 0)
		abort();
	for (i = 0; i < cd->cd_nquirks; i++) {
		a = &cd->cd_quirks[i];
		if (conf_quirk_check(a, msg, sizeof(msg)) != 0)
			abort();
		for (j = 0; j < i; j++) {
			b = &cd->cd_quirks[j];
			if (a->cq_offset < b->cq_offset + b->cq_size &&
			    b->cq_offset < a->cq_offset + a->cq_size)
				abort();
		}
	}
}

static void
check_conf(const struct pcibackd_conf *c)
{
	const struct conf_source	*cs;
	const struct conf_device	*cd, *o;

	if (c->c_mode != CONF_MODE_VIRTUAL && c->c_mode != CONF_MODE_PASSTHROUGH)
		abort();
	if (c->c_socket[0] != '/' ||
	    memchr(c->c_socket, '\0', sizeof(c->c_socket)) == NULL)
		abort();
	if (c->c_shimdev[0] != '\0' && c->c_shimdev[0] != '/')
		abort();
	if (c->c_evrate < 10 || c->c_evrate > 10000000 ||
	    c->c_oprate < 10 || c->c_oprate > 10000000 ||
	    c->c_lograte < 1 || c->c_lograte > 10000 ||
	    c->c_logburst < 1 || c->c_logburst > 100000 ||
	    c->c_reset_timeout < 1 || c->c_reset_timeout > 3600)
		abort();
	if (c->c_loglevel != LOG_WARNING && c->c_loglevel != LOG_INFO &&
	    c->c_loglevel != LOG_DEBUG)
		abort();
	TAILQ_FOREACH(cs, &c->c_sources, cs_entry)
		if (strncmp(cs->cs_source, "dump:", 5) != 0 &&
		    strncmp(cs->cs_source, "sysfs:", 6) != 0)
			abort();
	TAILQ_FOREACH(cd, &c->c_devices, cd_entry) {
		check_device(cd);
		for (o = TAILQ_FIRST(&c->c_devices); o != cd;
		    o = TAILQ_NEXT(o, cd_entry))
			if (o->cd_addr.bp_allfn == cd->cd_addr.bp_allfn &&
			    bdf_equal(&o->cd_addr.bp_bdf, &cd->cd_addr.bp_bdf))
				abort();
	}
}

/* print_config writes to stdout: catch it in memory. */
static char *
print(const struct pcibackd_conf *c, size_t *n)
{
	FILE	*saved = stdout, *f;
	char	*buf = NULL;

	if ((f = open_memstream(&buf, n)) == NULL)
		abort();
	stdout = f;
	print_config(c);
	stdout = saved;
	fclose(f);
	return buf;
}

static int
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void
same_conf(const struct pcibackd_conf *a, const struct pcibackd_conf *b)
{
	const struct conf_source	*sa, *sb;
	const struct conf_device	*da, *db;

	if (a->c_mode != b->c_mode || a->c_permissive != b->c_permissive ||
	    strcmp(a->c_socket, b->c_socket) != 0 ||
	    strcmp(a->c_sockgroup, b->c_sockgroup) != 0 ||
	    a->c_sockgid != b->c_sockgid ||
	    strcmp(a->c_shimdev, b->c_shimdev) != 0 ||
	    a->c_loglevel != b->c_loglevel || a->c_evrate != b->c_evrate ||
	    a->c_oprate != b->c_oprate ||
	    a->c_lograte != b->c_lograte || a->c_logburst != b->c_logburst ||
	    a->c_reset_timeout != b->c_reset_timeout)
		abort();
	sb = TAILQ_FIRST(&b->c_sources);
	TAILQ_FOREACH(sa, &a->c_sources, cs_entry) {
		if (sb == NULL || !str_eq(sa->cs_source, sb->cs_source) ||
		    !str_eq(sa->cs_bars, sb->cs_bars))
			abort();
		sb = TAILQ_NEXT(sb, cs_entry);
	}
	if (sb != NULL)
		abort();
	db = TAILQ_FIRST(&b->c_devices);
	TAILQ_FOREACH(da, &a->c_devices, cd_entry) {
		if (db == NULL || da->cd_addr.bp_allfn != db->cd_addr.bp_allfn ||
		    !bdf_equal(&da->cd_addr.bp_bdf, &db->cd_addr.bp_bdf) ||
		    da->cd_permissive != db->cd_permissive ||
		    strcmp(da->cd_name, db->cd_name) != 0 ||
		    strcmp(da->cd_reset, db->cd_reset) != 0 ||
		    da->cd_shared_irq != db->cd_shared_irq ||
		    da->cd_shared_page != db->cd_shared_page ||
		    da->cd_bridge != db->cd_bridge ||
		    !conf_quirks_equal(da->cd_quirks, da->cd_nquirks,
		    db->cd_quirks, db->cd_nquirks))
			abort();
		db = TAILQ_NEXT(db, cd_entry);
	}
	if (db != NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pcibackd_conf	*c, *c2;
	const char		*p = (const char *)data, *end = p + size, *sep;
	char			*out, *out2;
	size_t			 outlen, outlen2;
	int			 i;

	for (i = 0; i < NFILES; i++) {
		sep = i + 1 < NFILES ? memmem(p, (size_t)(end - p), "\n%%\n", 4) :
		    NULL;
		text[i] = p;
		len[i] = sep != NULL ? (size_t)(sep - p) + 1 : (size_t)(end - p);
		p = sep != NULL ? sep + 4 : end;
	}
	if ((c = parse()) == NULL)
		return 0;
	check_conf(c);

	/* The printed configuration is a configuration, the same one. */
	out = print(c, &outlen);
	text[0] = out;
	len[0] = outlen;
	if ((c2 = parse()) == NULL)
		abort();
	same_conf(c, c2);
	out2 = print(c2, &outlen2);
	if (outlen != outlen2 || memcmp(out, out2, outlen) != 0)
		abort();
	free(out2);
	free(out);
	conf_free(c2);
	conf_free(c);
	return 0;
}
