%{
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
 * pcibackd.conf(5): a small grammar in the OpenBSD manner.  Comments,
 * macros, include, backslash line continuation; every error is reported
 * as file:line and parsing goes on, so one run shows all of them.
 */

#include <sys/queue.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "bdf.h"
#include "log.h"
#include "pcibackd.h"
#include "util.h"

#define PARSE_MAXDEPTH	8	/* include nesting */

struct file {
	TAILQ_ENTRY(file)	 entry;
	FILE			*stream;
	char			*name;
	int			 lineno;
	int			 errors;
};

struct sym {
	TAILQ_ENTRY(sym)	 entry;
	int			 used;
	int			 persist;	/* from -D: not overridden */
	char			*nam;
	char			*val;
};

/*
 * The parser state.  yacc's interface is global by nature; it is
 * confined to this file and reset by parse_config().
 */
static TAILQ_HEAD(files, file)	 files = TAILQ_HEAD_INITIALIZER(files);
static TAILQ_HEAD(symhead, sym)	 symhead = TAILQ_HEAD_INITIALIZER(symhead);
static struct file		*file, *topfile;
static struct pcibackd_conf	*conf;
static struct conf_device	*curdev;
static int			 errors;

static int	 yyerror(const char *, ...)
		    __attribute__((format(printf, 1, 2)));
static int	 yylex(void);
static int	 yyparse(void);
static struct file *pushfile(const char *);
static int	 popfile(void);
static int	 symset(const char *, const char *, int);
static char	*symget(const char *);
static int	 kw_cmp(const void *, const void *);
static int	 lookup(char *);
static int	 lgetc(int);
static int	 lungetc(int);
static int	 findeol(void);
static struct conf_device *device_new(const char *);
static int	 conf_sockgroup(const char *);
static int	 conf_number(const char *, const char *, uint64_t, uint64_t,
		    uint64_t *);
static int	 conf_quirk(int64_t, int64_t, int64_t);
static int	 conf_ratelimit(int, int64_t, int64_t);

typedef struct {
	union {
		int64_t	 number;
		char	*string;
	} v;
	int lineno;
} YYSTYPE;
%}

%token	AERTIMEOUT ALLOW BARS BRIDGE BURST DEVICE EMULATE EVENTS GROUP INCLUDE LEVEL LOG MODE
%token	NAME NO OPS PASSTHROUGH PERSECOND PERMISSIVE QUIRK RATELIMIT RESET
%token	RESETTIMEOUT RESTARTGRACE
%token	SHAREDBARPAGE SHAREDIRQ SHIM SOCKET VIRTUAL YES ERROR
%token	<v.string>	STRING
%type	<v.number>	yesno number optburst
%type	<v.string>	optbars
/*
 * Strings yacc drops while recovering from an error.  Actions that free a
 * string set it to NULL, so a later discard cannot free it again.
 */
%destructor	{ free($$); }	STRING optbars

%%

grammar		: /* empty */
		| grammar '\n'
		| grammar include '\n'
		| grammar varset '\n'
		| grammar main '\n'
		| grammar device '\n'
		| grammar error '\n'		{ file->errors++; }
		;

include		: INCLUDE STRING {
			struct file	*nfile;

			if ((nfile = pushfile($2)) == NULL) {
				yyerror("failed to include file %s", $2);
				free($2);
				$2 = NULL;
				YYERROR;
			}
			free($2);
			$2 = NULL;
			file = nfile;
			lungetc('\n');
		}
		;

varset		: STRING '=' STRING {
			char	*s;

			for (s = $1; *s != '\0'; s++)
				if (!isalnum((unsigned char)*s) && *s != '_') {
					yyerror("macro name \"%s\" may only "
					    "hold letters, digits and _", $1);
					free($1);
					$1 = NULL;
					free($3);
					$3 = NULL;
					YYERROR;
				}
			if (symset($1, $3, 0) == -1)
				fatal("cannot store variable");
			free($1);
			$1 = NULL;
			free($3);
			$3 = NULL;
		}
		;

yesno		: YES		{ $$ = 1; }
		| NO		{ $$ = 0; }
		;

optbars		: /* empty */	{ $$ = NULL; }
		| BARS STRING	{ $$ = $2; }
		;

/*
 * Decimal or 0x hex, as a word; -1 once reported, so that the line's
 * other errors are reported too and a device block goes on parsing.
 */
number		: STRING {
			uint64_t	v;

			if (conf_number("number", $1, 0, UINT32_MAX, &v) != 0)
				$$ = -1;
			else
				$$ = (int64_t)v;
			free($1);
			$1 = NULL;
		}
		;

optburst	: /* empty */		{ $$ = -1; }
		| BURST number		{ $$ = $2 == -1 ? -2 : $2; }
		;

main		: MODE VIRTUAL		{ conf->c_mode = CONF_MODE_VIRTUAL; }
		| MODE PASSTHROUGH	{ conf->c_mode = CONF_MODE_PASSTHROUGH; }
		| PERMISSIVE yesno	{ conf->c_permissive = (int)$2; }
		| EMULATE STRING optbars {
			struct conf_source	*cs;

			if (strncmp($2, "dump:", 5) != 0 &&
			    strncmp($2, "sysfs:", 6) != 0) {
				yyerror("emulate \"%s\": want \"dump:FILE\" or "
				    "\"sysfs:DIR\"", $2);
				free($2);
				$2 = NULL;
				free($3);
				$3 = NULL;
				YYERROR;
			}
			if ((cs = calloc(1, sizeof(*cs))) == NULL)
				fatal("calloc");
			cs->cs_source = $2;
			cs->cs_bars = $3;
			TAILQ_INSERT_TAIL(&conf->c_sources, cs, cs_entry);
		}
		| SOCKET STRING {
			if ($2[0] != '/')
				yyerror("socket \"%s\": want an absolute path",
				    $2);
			else if (strlen($2) >= sizeof(conf->c_socket))
				yyerror("socket \"%s\": path too long "
				    "(max %zu)", $2, sizeof(conf->c_socket) - 1);
			else
				memcpy(conf->c_socket, $2, strlen($2) + 1);
			free($2);
			$2 = NULL;
		}
		| SOCKET GROUP STRING {
			if (conf_sockgroup($3) != 0) {
				free($3);
				$3 = NULL;
				YYERROR;
			}
			free($3);
			$3 = NULL;
		}
		| LOG LEVEL STRING {
			int	pri;

			if ((pri = conf_loglevel_parse($3)) == -1)
				yyerror("log level \"%s\": want warning, info "
				    "or debug", $3);
			else
				conf->c_loglevel = pri;
			free($3);
			$3 = NULL;
		}
		| SHIM STRING {
			if ($2[0] != '/')
				yyerror("shim \"%s\": want an absolute path",
				    $2);
			else if (strlen($2) >= sizeof(conf->c_shimdev))
				yyerror("shim \"%s\": path too long (max %zu)",
				    $2, sizeof(conf->c_shimdev) - 1);
			else
				memcpy(conf->c_shimdev, $2, strlen($2) + 1);
			free($2);
			$2 = NULL;
		}
		| AERTIMEOUT number {
			if ($2 != -1 && ($2 < 1 || $2 > CONF_AER_TIMEOUT_MAX))
				yyerror("aer-timeout %lld: out of range (1 "
				    "to %d seconds)", (long long)$2,
				    CONF_AER_TIMEOUT_MAX);
			else if ($2 != -1)
				conf->c_aer_timeout = (unsigned int)$2;
		}
		| RESETTIMEOUT number {
			if ($2 != -1 && ($2 < 1 || $2 > 3600))
				yyerror("reset-timeout %lld: out of range (1 "
				    "to 3600 seconds)", (long long)$2);
			else if ($2 != -1)
				conf->c_reset_timeout = (unsigned int)$2;
		}
		| RESTARTGRACE number {
			if ($2 != -1 && ($2 < 0 || $2 > 3600))
				yyerror("restart-grace %lld: out of range (0 "
				    "to 3600 seconds)", (long long)$2);
			else if ($2 != -1)
				conf->c_restart_grace = (unsigned int)$2;
		}
		| RATELIMIT EVENTS number PERSECOND {
			if ($3 != -1)
				conf_ratelimit(EVENTS, $3, -1);
		}
		| RATELIMIT OPS number PERSECOND {
			if ($3 != -1)
				conf_ratelimit(OPS, $3, -1);
		}
		| RATELIMIT LOG number PERSECOND optburst {
			if ($3 != -1 && $5 != -2)
				conf_ratelimit(LOG, $3, $5);
		}
		;

device		: DEVICE STRING {
			if ((curdev = device_new($2)) == NULL) {
				free($2);
				$2 = NULL;
				YYERROR;
			}
			free($2);
			$2 = NULL;
		} devopts {
			TAILQ_INSERT_TAIL(&conf->c_devices, curdev, cd_entry);
			curdev = NULL;
		}
		;

devopts		: /* empty */
		| '{' optnl devoptsl '}'
		;

devoptsl	: /* empty */
		| devoptsl devopt optnl
		;

devopt		: PERMISSIVE yesno	{ curdev->cd_permissive = (int)$2; }
		| NAME STRING {
			if (strlen($2) >= sizeof(curdev->cd_name)) {
				yyerror("name \"%s\" too long (max %zu)", $2,
				    sizeof(curdev->cd_name) - 1);
				free($2);
				$2 = NULL;
				YYERROR;
			}
			memcpy(curdev->cd_name, $2, strlen($2) + 1);
			free($2);
			$2 = NULL;
		}
		| QUIRK number number number {
			if ($2 != -1 && $3 != -1 && $4 != -1)
				conf_quirk($2, $3, $4);
		}
		| RESET STRING {
			char	msg[256];

			/* Reported, not YYERROR: the block goes on. */
			if (conf_reset_check($2, msg, sizeof(msg)) != 0)
				yyerror("%s", msg);
			else
				memcpy(curdev->cd_reset, $2, strlen($2) + 1);
			free($2);
			$2 = NULL;
		}
		| ALLOW SHAREDIRQ	{ curdev->cd_shared_irq = 1; }
		| ALLOW SHAREDBARPAGE	{ curdev->cd_shared_page = 1; }
		| ALLOW BRIDGE		{ curdev->cd_bridge = 1; }
		;

optnl		: '\n' optnl
		| /* empty */
		;

%%

struct keywords {
	const char	*k_name;
	int		 k_val;
};

static int
yyerror(const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[512];

	file->errors++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s:%d: %s", file->name, yylval.lineno, msg);
	return 0;
}

static int
kw_cmp(const void *k, const void *e)
{
	return strcmp(k, ((const struct keywords *)e)->k_name);
}

static int
lookup(char *s)
{
	/* Sorted: bsearch. */
	static const struct keywords keywords[] = {
		{ "aer-timeout",	AERTIMEOUT },
		{ "allow",		ALLOW },
		{ "bars",		BARS },
		{ "bridge",		BRIDGE },
		{ "burst",		BURST },
		{ "device",		DEVICE },
		{ "emulate",		EMULATE },
		{ "events",		EVENTS },
		{ "group",		GROUP },
		{ "include",		INCLUDE },
		{ "level",		LEVEL },
		{ "log",		LOG },
		{ "mode",		MODE },
		{ "name",		NAME },
		{ "no",			NO },
		{ "ops",		OPS },
		{ "passthrough",	PASSTHROUGH },
		{ "per-second",		PERSECOND },
		{ "permissive",		PERMISSIVE },
		{ "quirk",		QUIRK },
		{ "ratelimit",		RATELIMIT },
		{ "reset",		RESET },
		{ "reset-timeout",	RESETTIMEOUT },
		{ "restart-grace",	RESTARTGRACE },
		{ "shared-bar-page",	SHAREDBARPAGE },
		{ "shared-irq",		SHAREDIRQ },
		{ "shim",		SHIM },
		{ "socket",		SOCKET },
		{ "virtual",		VIRTUAL },
		{ "yes",		YES },
	};
	const struct keywords	*p;

	p = bsearch(s, keywords, sizeof(keywords) / sizeof(keywords[0]),
	    sizeof(keywords[0]), kw_cmp);
	return p != NULL ? p->k_val : STRING;
}

#define START_EXPAND	1
#define DONE_EXPAND	2

/*
 * Pushed-back characters, and macro text being expanded.  The expansion
 * is read from a copy: a macro may be set again while its old value is
 * still being read ("a = $a"), which frees that value (found by fuzz_conf).
 */
static char		*expansion;
static unsigned char	*parsebuf;
static int		 parseindex;
static unsigned char	 pushback_buffer[1024];
static int		 pushback_index;

static int
lgetc(int quotec)
{
	int	c, next;

	if (parsebuf != NULL) {
		/* Read characters from the macro being expanded. */
		if (parseindex >= 0) {
			c = parsebuf[parseindex++];
			if (c != '\0')
				return c;
			parsebuf = NULL;
		} else
			parseindex++;
	}
	if (pushback_index > 0)
		return pushback_buffer[--pushback_index];
	if (quotec) {
		if ((c = getc(file->stream)) == EOF) {
			yyerror("reached end of file while parsing a quoted "
			    "string");
			if (file == topfile || popfile() == EOF)
				return EOF;
			return quotec;
		}
		return c;
	}
	while ((c = getc(file->stream)) == '\\') {
		next = getc(file->stream);
		if (next != '\n') {
			c = next;
			break;
		}
		yylval.lineno = file->lineno;
		file->lineno++;
	}
	while (c == EOF) {
		if (file == topfile || popfile() == EOF)
			return EOF;
		c = getc(file->stream);
	}
	return c;
}

static int
lungetc(int c)
{
	if (c == EOF)
		return EOF;
	if (parsebuf != NULL) {
		parseindex--;
		if (parseindex >= 0)
			return c;
	}
	if (pushback_index + 1 >= (int)sizeof(pushback_buffer))
		return EOF;
	pushback_buffer[pushback_index++] = (unsigned char)c;
	return c;
}

/* Skip the rest of a line after an error. */
static int
findeol(void)
{
	int	c;

	parsebuf = NULL;
	for (;;) {
		if (pushback_index > 0)
			c = pushback_buffer[--pushback_index];
		else
			c = lgetc(0);
		/* Leave the newline: it ends the erroneous line for yacc. */
		if (c == '\n') {
			lungetc(c);
			break;
		}
		if (c == EOF)
			break;
	}
	return ERROR;
}

/* Characters that may appear in an unquoted word: PCI addresses too. */
static int
allowed_in_string(int x)
{
	if (isalnum(x))
		return 1;
	switch (x) {
	case '-': case '_': case '.': case ':': case '/': case '*': case '+':
		return 1;
	}
	return 0;
}

static int
lex_quoted(int quotec)
{
	char	 buf[8096], *p = buf;
	int	 c, next;

	for (;;) {
		if ((c = lgetc(quotec)) == EOF)
			return 0;
		if (c == '\n') {
			file->lineno++;
			continue;
		}
		if (c == '\\') {
			if ((next = lgetc(quotec)) == EOF)
				return 0;
			if (next == quotec || next == ' ' || next == '\t' ||
			    next == '\\')
				c = next;
			else if (next == '\n') {
				file->lineno++;
				continue;
			} else
				lungetc(next);
		} else if (c == quotec)
			break;
		else if (c == '\0') {
			yyerror("syntax error: NUL in a string");
			return findeol();
		}
		if (p + 1 >= buf + sizeof(buf) - 1) {
			yyerror("string too long");
			return findeol();
		}
		*p++ = (char)c;
	}
	*p = '\0';
	if ((yylval.v.string = strdup(buf)) == NULL)
		fatal("%s", __func__);
	return STRING;
}

static int
lex_macro(void)
{
	char	 buf[8096], *p = buf, *val;
	int	 c;

	while ((c = lgetc(0)) != EOF && (isalnum(c) || c == '_')) {
		if (p + 1 >= buf + sizeof(buf) - 1) {
			yyerror("macro name too long");
			return findeol();
		}
		*p++ = (char)c;
	}
	*p = '\0';
	lungetc(c);
	if ((val = symget(buf)) == NULL) {
		yyerror("macro '%s' not defined", buf);
		return findeol();
	}
	free(expansion);
	if ((expansion = strdup(val)) == NULL)
		fatal("strdup");
	parsebuf = (unsigned char *)expansion;
	parseindex = 0;
	return START_EXPAND;
}

static int
yylex(void)
{
	char	 buf[8096], *p;
	int	 c, token;

top:
	p = buf;
	while ((c = lgetc(0)) == ' ' || c == '\t')
		;
	yylval.lineno = file->lineno;
	if (c == '#')
		while ((c = lgetc(0)) != '\n' && c != EOF)
			;
	if (c == '$' && parsebuf == NULL) {
		if (lex_macro() == START_EXPAND)
			goto top;
		return ERROR;
	}
	switch (c) {
	case '\'':
	case '"':
		return lex_quoted(c);
	}
	if (allowed_in_string(c)) {
		do {
			*p++ = (char)c;
			if ((size_t)(p - buf) >= sizeof(buf)) {
				yyerror("string too long");
				return findeol();
			}
		} while ((c = lgetc(0)) != EOF && allowed_in_string(c));
		lungetc(c);
		*p = '\0';
		if ((token = lookup(buf)) == STRING)
			if ((yylval.v.string = strdup(buf)) == NULL)
				fatal("%s", __func__);
		return token;
	}
	if (c == '\n') {
		yylval.lineno = file->lineno;
		file->lineno++;
	}
	if (c == EOF)
		return 0;
	return c;
}

static struct file *
pushfile(const char *name)
{
	struct file	*nfile;
	int		 depth = 0;

	TAILQ_FOREACH(nfile, &files, entry)
		depth++;
	if (depth >= PARSE_MAXDEPTH) {
		log_warnx("%s: includes nested deeper than %d", name,
		    PARSE_MAXDEPTH);
		return NULL;
	}
	if ((nfile = calloc(1, sizeof(*nfile))) == NULL)
		return NULL;
	if ((nfile->name = strdup(name)) == NULL) {
		free(nfile);
		return NULL;
	}
	if ((nfile->stream = fopen(nfile->name, "r")) == NULL) {
		log_warn("%s", nfile->name);
		free(nfile->name);
		free(nfile);
		return NULL;
	}
	nfile->lineno = 1;
	TAILQ_INSERT_TAIL(&files, nfile, entry);
	return nfile;
}

static int
popfile(void)
{
	struct file	*prev;

	if ((prev = TAILQ_PREV(file, files, entry)) != NULL)
		prev->errors += file->errors;
	TAILQ_REMOVE(&files, file, entry);
	fclose(file->stream);
	free(file->name);
	free(file);
	file = prev;
	return file != NULL ? 0 : EOF;
}

static struct conf_device *
device_new(const char *addr)
{
	struct conf_device	*cd;
	struct bdf_error	 err;
	const struct conf_device *old;

	/* A block a syntax error left unfinished is dropped. */
	free(curdev);
	curdev = NULL;
	if ((cd = calloc(1, sizeof(*cd))) == NULL)
		fatal("calloc");
	if (bdf_parse_xl(addr, &cd->cd_addr, &err) != 0) {
		yyerror("device %s", err.be_msg);
		free(cd);
		return NULL;
	}
	TAILQ_FOREACH(old, &conf->c_devices, cd_entry)
		if (old->cd_addr.bp_allfn == cd->cd_addr.bp_allfn &&
		    bdf_equal(&old->cd_addr.bp_bdf, &cd->cd_addr.bp_bdf)) {
			yyerror("device %s already defined at %s:%d", addr,
			    old->cd_file, old->cd_line);
			free(cd);
			return NULL;
		}
	cd->cd_permissive = conf->c_permissive;
	snprintf(cd->cd_file, sizeof(cd->cd_file), "%s", file->name);
	cd->cd_line = yylval.lineno;
	return cd;
}

/* A group by name, or by number as in chown(8). */
static int
conf_sockgroup(const char *name)
{
	struct group	*gr;
	uint64_t	 gid;

	if (strlen(name) >= sizeof(conf->c_sockgroup)) {
		yyerror("socket group \"%s\": name too long", name);
		return -1;
	}
	if ((gr = getgrnam(name)) != NULL)
		gid = gr->gr_gid;
	else if (util_number(name, 10, (gid_t)-1 - 1, &gid) != 0) {
		yyerror("socket group \"%s\": no such group", name);
		return -1;
	}
	conf->c_sockgid = (gid_t)gid;
	memcpy(conf->c_sockgroup, name, strlen(name) + 1);
	return 0;
}

/* A number in [min, max], decimal or 0x hex; what names it for errors. */
static int
conf_number(const char *what, const char *s, uint64_t min, uint64_t max,
    uint64_t *v)
{
	if (util_number(s, 0, UINT64_MAX, v) != 0) {
		yyerror("\"%s\": want a number (decimal or 0x hex)", s);
		return -1;
	}
	if (*v < min || *v > max) {
		yyerror("%s %s: out of range (%llu to %llu)", what, s,
		    (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	return 0;
}

static int
conf_quirk(int64_t off, int64_t size, int64_t mask)
{
	struct cfgspace_quirk	 q;
	const struct cfgspace_quirk *o;
	char			 msg[256];
	size_t			 i;

	if (curdev->cd_nquirks == CONF_QUIRKS_MAX) {
		yyerror("more than %d quirks for one device", CONF_QUIRKS_MAX);
		return -1;
	}
	if (off >= CFGSPACE_EXT_SIZE) {
		yyerror("quirk offset 0x%llx: beyond config space (max 0x%x)",
		    (unsigned long long)off, CFGSPACE_EXT_SIZE - 1);
		return -1;
	}
	if (size > 4) {
		yyerror("quirk size %lld: want 1, 2 or 4", (long long)size);
		return -1;
	}
	memset(&q, 0, sizeof(q));
	q.cq_offset = (uint16_t)off;
	q.cq_size = (uint8_t)size;
	q.cq_mask = (uint32_t)mask;
	if (conf_quirk_check(&q, msg, sizeof(msg)) != 0) {
		yyerror("%s", msg);
		return -1;
	}
	for (i = 0; i < curdev->cd_nquirks; i++) {
		o = &curdev->cd_quirks[i];
		if (q.cq_offset < o->cq_offset + o->cq_size &&
		    o->cq_offset < q.cq_offset + q.cq_size) {
			yyerror("quirk 0x%x: overlaps the quirk at 0x%x",
			    q.cq_offset, o->cq_offset);
			return -1;
		}
	}
	curdev->cd_quirks[curdev->cd_nquirks++] = q;
	return 0;
}

/* "ratelimit events|ops|log N per-second [burst M]"; burst -1: 4 * N. */
static int
conf_ratelimit(int what, int64_t rate, int64_t burst)
{
	if (what == OPS) {
		/* Counted in 100 ms windows, as events are. */
		if (rate < 10 || rate > 10000000) {
			yyerror("ratelimit ops %lld: out of range (10 to "
			    "10000000)", (long long)rate);
			return -1;
		}
		conf->c_oprate = (unsigned int)rate;
		return 0;
	}
	if (what == EVENTS) {
		/* Counted in 100 ms windows: 10 is one event per window. */
		if (rate < 10 || rate > 10000000) {
			yyerror("ratelimit events %lld: out of range (10 to "
			    "10000000)", (long long)rate);
			return -1;
		}
		conf->c_evrate = (unsigned int)rate;
		return 0;
	}
	if (rate < 1 || rate > 10000) {
		yyerror("ratelimit log %lld: out of range (1 to 10000)",
		    (long long)rate);
		return -1;
	}
	if (burst == -1)
		burst = 4 * rate;
	if (burst < 1 || burst > 100000) {
		yyerror("ratelimit log burst %lld: out of range (1 to 100000)",
		    (long long)burst);
		return -1;
	}
	conf->c_lograte = (unsigned int)rate;
	conf->c_logburst = (unsigned int)burst;
	return 0;
}

void
conf_free(struct pcibackd_conf *c)
{
	struct conf_source	*cs;
	struct conf_device	*cd;

	if (c == NULL)
		return;
	while ((cs = TAILQ_FIRST(&c->c_sources)) != NULL) {
		TAILQ_REMOVE(&c->c_sources, cs, cs_entry);
		free(cs->cs_source);
		free(cs->cs_bars);
		free(cs);
	}
	while ((cd = TAILQ_FIRST(&c->c_devices)) != NULL) {
		TAILQ_REMOVE(&c->c_devices, cd, cd_entry);
		free(cd);
	}
	free(c);
}

const struct conf_device *
conf_find_device(const struct pcibackd_conf *c, const struct bdf *b)
{
	const struct conf_device	*cd;

	TAILQ_FOREACH(cd, &c->c_devices, cd_entry)
		if (bdf_match(&cd->cd_addr, b))
			return cd;
	return NULL;
}

struct pcibackd_conf *
parse_config(const char *filename)
{
	struct sym	*sym, *next;

	if ((conf = calloc(1, sizeof(*conf))) == NULL)
		fatal("calloc");
	conf->c_mode = CONF_MODE_VIRTUAL;
	snprintf(conf->c_socket, sizeof(conf->c_socket), "%s",
	    CONTROL_SOCKET);
	conf->c_sockgid = (gid_t)-1;
	conf->c_loglevel = LOG_INFO;
	conf->c_evrate = CONF_EVENTS_RATE;
	conf->c_oprate = CONF_OPS_RATE;
	conf->c_lograte = CONF_LOG_RATE;
	conf->c_logburst = CONF_LOG_BURST;
	conf->c_reset_timeout = CONF_RESET_TIMEOUT;
	conf->c_aer_timeout = CONF_AER_TIMEOUT;
	conf->c_restart_grace = CONF_RESTART_GRACE;
	TAILQ_INIT(&conf->c_sources);
	TAILQ_INIT(&conf->c_devices);
	errors = 0;
	if ((file = pushfile(filename)) == NULL) {
		conf_free(conf);
		return NULL;
	}
	topfile = file;
	yyparse();
	free(curdev);
	curdev = NULL;
	errors = file->errors;
	popfile();
	parsebuf = NULL;
	free(expansion);
	expansion = NULL;

	/* Drop the macros of this file; keep the -D ones for a reload. */
	for (sym = TAILQ_FIRST(&symhead); sym != NULL; sym = next) {
		next = TAILQ_NEXT(sym, entry);
		if (sym->persist)
			continue;
		TAILQ_REMOVE(&symhead, sym, entry);
		free(sym->nam);
		free(sym->val);
		free(sym);
	}
	if (errors) {
		conf_free(conf);
		return NULL;
	}
	return conf;
}

static int
symset(const char *nam, const char *val, int persist)
{
	struct sym	*sym;

	TAILQ_FOREACH(sym, &symhead, entry)
		if (strcmp(nam, sym->nam) == 0)
			break;
	if (sym != NULL) {
		if (sym->persist)
			return 0;
		TAILQ_REMOVE(&symhead, sym, entry);
		free(sym->nam);
		free(sym->val);
		free(sym);
	}
	if ((sym = calloc(1, sizeof(*sym))) == NULL)
		return -1;
	sym->nam = strdup(nam);
	sym->val = strdup(val);
	if (sym->nam == NULL || sym->val == NULL) {
		free(sym->nam);
		free(sym->val);
		free(sym);
		return -1;
	}
	sym->persist = persist;
	TAILQ_INSERT_TAIL(&symhead, sym, entry);
	return 0;
}

int
cmdline_symset(const char *s)
{
	const char	*val;
	char		*sym;
	int		 rc;

	if ((val = strchr(s, '=')) == NULL)
		return -1;
	if ((sym = strndup(s, (size_t)(val - s))) == NULL)
		fatal("%s", __func__);
	rc = symset(sym, val + 1, 1);
	free(sym);
	return rc;
}

static char *
symget(const char *nam)
{
	struct sym	*sym;

	TAILQ_FOREACH(sym, &symhead, entry)
		if (strcmp(nam, sym->nam) == 0) {
			sym->used = 1;
			return sym->val;
		}
	return NULL;
}
