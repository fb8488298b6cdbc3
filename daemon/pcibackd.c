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
 * pcibackd: the Xen PCI backend, in userspace.  main() is a checklist;
 * the work is in device.c (what we hold), watch.c (xenstore),
 * frontend.c (one connection per guest), opserve.c (the shared page) and
 * control.c (pcibackctl's socket).
 */

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>

#include "emul.h"
#include "pcibackd.h"

static void __attribute__((noreturn))
usage(void)
{
	extern char	*__progname;

	fprintf(stderr, "usage: %s [-dnv] [-D macro=value] [-f file] "
	    "[-p pidfile]\n", __progname);
	exit(1);
}

/* Make sure fds 0-2 exist, so no socket or device lands on them. */
static void
pcibackd_stdfds(void)
{
	int	fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

static void
pcibackd_dump(struct pcibackd *env)
{
	struct heldev	*hd;
	struct frontend	*fe;
	char		 addr[BDF_XL_MAX];

	TAILQ_FOREACH(hd, &env->pb_devices, hd_entry) {
		bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
		if (hd->hd_owner == -1)
			log_info("%s: free", addr);
		else
			log_info("%s: owned by dom%d", addr, hd->hd_owner);
	}
	TAILQ_FOREACH(fe, &env->pb_frontends, fe_entry)
		log_info("%s: %s, %zu devices, %llu ops", fe->fe_name,
		    fe->fe_connected ? "connected" : "not connected",
		    topo_count(&fe->fe_topo), (unsigned long long)fe->fe_ops);
}

struct pcibackd_report {
	void	(*pr_fn)(void *, const char *, const char *);
	void	 *pr_arg;
};

static void
pcibackd_report(struct pcibackd_report *pr, const char *level,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* One line of a reload's outcome: to the log, and to whoever asked. */
static void
pcibackd_report(struct pcibackd_report *pr, const char *level,
    const char *fmt, ...)
{
	char	msg[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (strcmp(level, "info") == 0)
		log_info("reload: %s", msg);
	else
		log_warnx("reload: %s", msg);
	if (pr->pr_fn != NULL)
		pr->pr_fn(pr->pr_arg, level, msg);
}

static int
pcibackd_same_sources(const struct pcibackd_conf *a,
    const struct pcibackd_conf *b)
{
	const struct conf_source	*x, *y;

	for (x = TAILQ_FIRST(&a->c_sources), y = TAILQ_FIRST(&b->c_sources);
	    x != NULL && y != NULL;
	    x = TAILQ_NEXT(x, cs_entry), y = TAILQ_NEXT(y, cs_entry))
		if (strcmp(x->cs_source, y->cs_source) != 0 ||
		    (x->cs_bars == NULL) != (y->cs_bars == NULL) ||
		    (x->cs_bars != NULL && strcmp(x->cs_bars, y->cs_bars) != 0))
			return 0;
	return x == NULL && y == NULL;
}

/*
 * What only a restart changes keeps its running value in the new
 * configuration: the guests' addresses, the loaded sources, the socket.
 */
static void
pcibackd_reload_global(struct pcibackd_report *pr, struct pcibackd_conf *old,
    struct pcibackd_conf *new)
{
	struct conf_source	*cs;

	if (old->c_mode != new->c_mode) {
		pcibackd_report(pr, "warning", "mode: not changed live, the "
		    "guests' addresses would move; restart to apply");
		new->c_mode = old->c_mode;
	}
	if (!pcibackd_same_sources(old, new)) {
		pcibackd_report(pr, "warning", "emulate: sources are loaded "
		    "at start-up only; restart to apply");
		while ((cs = TAILQ_FIRST(&new->c_sources)) != NULL) {
			TAILQ_REMOVE(&new->c_sources, cs, cs_entry);
			free(cs->cs_source);
			free(cs->cs_bars);
			free(cs);
		}
		TAILQ_CONCAT(&new->c_sources, &old->c_sources, cs_entry);
	}
	if (strcmp(old->c_socket, new->c_socket) != 0 ||
	    old->c_sockgid != new->c_sockgid) {
		pcibackd_report(pr, "warning", "socket: not changed live; "
		    "restart to apply");
		memcpy(new->c_socket, old->c_socket, sizeof(new->c_socket));
		memcpy(new->c_sockgroup, old->c_sockgroup,
		    sizeof(new->c_sockgroup));
		new->c_sockgid = old->c_sockgid;
	}
}

/*
 * The device line's quirks replace those in force, pcibackctl's too, as
 * for permissive; refused ones leave the old set.
 */
static void
pcibackd_reload_quirks(struct pcibackd_report *pr,
    const struct conf_device *cd, struct heldev *hd, const char *addr)
{
	struct cfgspace_policy	 pol;
	char			*cause = NULL;

	if (conf_quirks_equal(cd->cd_quirks, cd->cd_nquirks, hd->hd_quirks,
	    hd->hd_nquirks))
		return;
	conf_heldev_policy(hd, &pol);
	pol.cp_quirks = cd->cd_quirks;
	pol.cp_nquirks = cd->cd_nquirks;
	if (cfgspace_set_policy(hd->hd_pciop.pd_cs, &pol, &cause) != 0) {
		pcibackd_report(pr, "warning", "%s: quirks not changed: %s",
		    addr, cause != NULL ? cause : "refused");
		free(cause);
		return;
	}
	memcpy(hd->hd_quirks, cd->cd_quirks, sizeof(hd->hd_quirks));
	hd->hd_nquirks = cd->cd_nquirks;
	pcibackd_report(pr, "info", "%s: %zu quirk%s in force", addr,
	    hd->hd_nquirks, hd->hd_nquirks == 1 ? "" : "s");
}

/* A held device: dropped, renamed, permissive changed, or left alone. */
static void
pcibackd_reload_held(struct pcibackd *env, struct pcibackd_report *pr,
    struct pcibackd_conf *new, struct heldev *hd)
{
	const struct conf_device	*cd;
	struct conf_device		 dflt;
	char				 addr[BDF_XL_MAX], *cause = NULL;

	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	/* The toolstack decides what the shim holds; the file only names. */
	if ((cd = conf_find_device(new, &hd->hd_bdf)) == NULL &&
	    hd->hd_shim != NULL) {
		memset(&dflt, 0, sizeof(dflt));
		dflt.cd_permissive = new->c_permissive;
		cd = &dflt;
	}
	if (cd == NULL) {
		if (device_remove(env, hd) == 0)
			pcibackd_report(pr, "info", "%s: no longer held", addr);
		else
			pcibackd_report(pr, "warning", "%s: no device line "
			    "names it, but dom%d owns it: held until it is "
			    "released, then reload again", addr, hd->hd_owner);
		return;
	}
	if (strcmp(cd->cd_name, hd->hd_name) != 0) {
		snprintf(hd->hd_name, sizeof(hd->hd_name), "%s", cd->cd_name);
		pcibackd_report(pr, "info", "%s: name \"%s\"", addr,
		    hd->hd_name);
	}
	if (cd->cd_permissive == hd->hd_permissive) {
		pcibackd_reload_quirks(pr, cd, hd, addr);
		return;
	}
	if (device_set_permissive(hd, cd->cd_permissive, &cause) != 0) {
		pcibackd_report(pr, "warning", "%s: permissive not changed: "
		    "%s", addr, cause != NULL ? cause : strerror(errno));
		free(cause);
	} else if (cd->cd_permissive)
		pcibackd_report(pr, "warning", "%s: permissive turned ON: the "
		    "guest may write registers pcibackd does not know "
		    "(XSA-124)", addr);
	else
		pcibackd_report(pr, "info", "%s: permissive off", addr);
	pcibackd_reload_quirks(pr, cd, hd, addr);
}

/* Devices the new configuration names that the sources have. */
static void
pcibackd_reload_new(struct pcibackd *env, struct pcibackd_report *pr,
    struct pcibackd_conf *new)
{
	const struct conf_device	*cd;
	struct emul_set			*es;
	struct bdf			*b;
	char				 addr[BDF_XL_MAX], *cause;
	size_t				 i, j;

	for (i = 0; i < env->pb_nemul; i++) {
		es = &env->pb_emul[i];
		for (j = 0; j < es->es_ndevs; j++) {
			b = &es->es_devs[j].ed_bdf;
			if (device_find(env, b) != NULL ||
			    (cd = conf_find_device(new, b)) == NULL)
				continue;
			bdf_format_dev(b, addr, sizeof(addr));
			if (device_add(env, b, cd, &cause) == 0)
				pcibackd_report(pr, "info", "%s: held", addr);
			else
				pcibackd_report(pr, "warning", "%s: %s", addr,
				    cause != NULL ? cause : "cannot hold it");
			free(cause);
		}
	}
}

/* Log level and rate limits: at once, for every guest. */
static void
pcibackd_reload_limits(struct pcibackd *env, struct pcibackd_report *pr,
    const struct pcibackd_conf *old, const struct pcibackd_conf *new)
{
	struct frontend	*fe;

	if (old->c_loglevel != new->c_loglevel ||
	    log_getlevel() != new->c_loglevel) {
		log_setlevel(new->c_loglevel);
		pcibackd_report(pr, "info", "log level %s%s",
		    conf_loglevel_name(new->c_loglevel),
		    log_getverbose() > 0 ? " (debug while -v or pcibackctl "
		    "log verbose)" : "");
	}
	if (old->c_evrate != new->c_evrate)
		pcibackd_report(pr, "info", "ratelimit events %u per-second",
		    new->c_evrate);
	if (old->c_lograte == new->c_lograte &&
	    old->c_logburst == new->c_logburst)
		return;
	TAILQ_FOREACH(fe, &env->pb_frontends, fe_entry) {
		log_ratelimit_set(&fe->fe_lr, new->c_lograte,
		    new->c_logburst);
		log_ratelimit_set(&fe->fe_oplr, new->c_lograte,
		    new->c_logburst);
	}
	pcibackd_report(pr, "info", "ratelimit log %u per-second burst %u",
	    new->c_lograte, new->c_logburst);
}

/*
 * SIGHUP or pcibackctl reload: parse the configuration again and apply
 * what can change under running guests.  0, or -1 if it did not parse
 * (the running configuration stays).
 */
int
pcibackd_reload(struct pcibackd *env,
    void (*fn)(void *, const char *, const char *), void *arg)
{
	struct pcibackd_report	 pr = { fn, arg };
	struct pcibackd_conf	*new;
	struct heldev		*hd, *next;

	if ((new = parse_config(env->pb_conffile)) == NULL) {
		log_warnx("reload: %s: not loaded, the running configuration "
		    "stays", env->pb_conffile);
		return -1;
	}
	pcibackd_reload_global(&pr, env->pb_conf, new);
	for (hd = TAILQ_FIRST(&env->pb_devices); hd != NULL; hd = next) {
		next = TAILQ_NEXT(hd, hd_entry);
		pcibackd_reload_held(env, &pr, new, hd);
	}
	pcibackd_reload_new(env, &pr, new);
	pcibackd_reload_limits(env, &pr, env->pb_conf, new);
	conf_free(env->pb_conf);
	env->pb_conf = new;
	log_info("reload: %s loaded, holding %d devices", env->pb_conffile,
	    device_count(env));
	return 0;
}

static void
pcibackd_signal(evutil_socket_t sig, short events, void *arg)
{
	struct pcibackd	*env = arg;

	(void)events;
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		log_info("exiting on signal %d; guests stay connected",
		    (int)sig);
		env->pb_exiting = 1;
		event_base_loopbreak(env->pb_base);
		break;
	case SIGHUP:
		(void)pcibackd_reload(env, NULL, NULL);
		break;
	case SIGUSR1:
		pcibackd_dump(env);
		break;
	}
}

static void
pcibackd_pidfile(const char *path)
{
	FILE	*f;

	if (path == NULL)
		return;
	if ((f = fopen(path, "w")) == NULL)
		fatal("%s", path);
	fprintf(f, "%ld\n", (long)getpid());
	fclose(f);
}

int
main(int argc, char *argv[])
{
	struct pcibackd	 env;
	struct event	*sigev[4];
	const int	 sigs[4] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };
	const char	*pidfile = NULL;
	struct timespec	 t0, t1;
	int		 ch, debug = 0, noaction = 0, verbose = 0, i;

	/* How long guests waited for a restarted daemon, for the log. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&env, 0, sizeof(env));
	env.pb_conffile = PCIBACKD_CONF;
	TAILQ_INIT(&env.pb_devices);
	TAILQ_INIT(&env.pb_frontends);
	log_init(1, LOG_DAEMON);

	while ((ch = getopt(argc, argv, "D:df:np:v")) != -1) {
		switch (ch) {
		case 'D':
			if (cmdline_symset(optarg) < 0)
				fatalx("could not parse macro definition %s",
				    optarg);
			break;
		case 'd':
			debug = 1;
			break;
		case 'f':
			env.pb_conffile = optarg;
			break;
		case 'n':
			noaction++;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	if (argc != optind)
		usage();
	log_setverbose(verbose);
	pcibackd_stdfds();

	if ((env.pb_conf = parse_config(env.pb_conffile)) == NULL)
		fatalx("%s: configuration not loaded", env.pb_conffile);
	log_setlevel(env.pb_conf->c_loglevel);
	if (noaction) {
		if (verbose)
			print_config(env.pb_conf);
		else
			fprintf(stderr, "configuration OK\n");
		exit(0);
	}

	control_init(&env);
	log_init(debug, LOG_DAEMON);
	if (!debug && daemon(0, 0) == -1)
		fatal("daemon");
	pcibackd_pidfile(pidfile);
	signal(SIGPIPE, SIG_IGN);
	if ((env.pb_base = event_base_new()) == NULL)
		fatalx("cannot create the event base");
	for (i = 0; i < 4; i++) {
		sigev[i] = evsignal_new(env.pb_base, sigs[i], pcibackd_signal,
		    &env);
		if (sigev[i] == NULL || evsignal_add(sigev[i], NULL) != 0)
			fatalx("cannot set up signal %d", sigs[i]);
	}

	device_init(&env);
	if (opserve_init(&env) != 0)
		fatalx("no event channel or grant device: is this a Xen dom0?");
	if (watch_init(&env) != 0)
		fatalx("no xenstore: is xenstored running?");
	env.pb_starting = 1;
	frontend_scan(&env);
	env.pb_starting = 0;
	device_adopted(&env);
	control_listen(&env);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	log_info("started in %lld ms, holding %d devices",
	    (long long)(t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000, device_count(&env));

	event_base_dispatch(env.pb_base);

	control_shutdown(&env);
	frontend_shutdown(&env);
	watch_shutdown(&env);
	opserve_shutdown(&env);
	device_shutdown(&env);
	for (i = 0; i < 4; i++)
		event_free(sigev[i]);
	event_base_free(env.pb_base);
	conf_free(env.pb_conf);
	if (pidfile != NULL)
		unlink(pidfile);
	return 0;
}
