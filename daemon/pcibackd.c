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
 * the work is in device.c (what we hold, from the providers in
 * provshim.c and provemul.c), watch.c (xenstore), frontend.c (one
 * connection per guest), worker.c (a process per guest serving its
 * ops, opserve.c), control.c (pcibackctl's socket, served by the
 * unprivileged control process of ctlproc.c; the commands in ctlcmd.c
 * and explain.c) and reload.c (SIGHUP).
 */

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <syslog.h>
#include <unistd.h>

#include <event2/event.h>

#include "control.h"
#include "pcibackd.h"
#include "notify.h"

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

	worker_sync(env);
	TAILQ_FOREACH(hd, &env->pb_devices, hd_entry) {
		bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
		if (hd->hd_owner == -1)
			log_info("%s: free", addr);
		else
			log_info("%s: owned by dom%d%s", addr, hd->hd_owner,
			    frontend_owner_kind(env, hd));
	}
	TAILQ_FOREACH(fe, &env->pb_frontends, fe_entry)
		log_info("%s: %s, %zu devices, %llu ops", fe->fe_name,
		    fe->fe_connected ? "connected" : "not connected",
		    topo_count(&fe->fe_topo), (unsigned long long)fe->fe_ops);
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
		notify_stopping();
		env->pb_exiting = 1;
		event_base_loopbreak(env->pb_base);
		break;
	case SIGHUP:
		(void)reload_run(env, NULL, NULL);
		break;
	case SIGUSR1:
		pcibackd_dump(env);
		break;
	}
}

#ifdef PCIBACKD_COVERAGE
/*
 * Coverage builds write gcov's counts four times a second, so that a
 * daemon the tests kill with SIGKILL still counts what it ran (the
 * control process runs the same timer).
 */
extern void	__gcov_dump(void);
extern void	__gcov_reset(void);

void
pcibackd_gcov(evutil_socket_t fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	__gcov_dump();
	__gcov_reset();
}
#endif

static int
pcibackd_nguests(struct pcibackd *env)
{
	struct frontend	*fe;
	int		 n = 0;

	TAILQ_FOREACH(fe, &env->pb_frontends, fe_entry)
		n += fe->fe_connected != 0;
	return n;
}

/*
 * Milliseconds since *since, and *since moves to now: the start-up's
 * phases, logged so that a slow restart says where its time went.
 */
static long long
pcibackd_lap(struct timespec *since)
{
	struct timespec	now;
	long long	ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(now.tv_sec - since->tv_sec) * 1000 +
	    (now.tv_nsec - since->tv_nsec) / 1000000;
	*since = now;
	return ms;
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
#ifdef PCIBACKD_COVERAGE
	static const struct timeval gcovsec = { 0, 250000 };
	struct event	*gcovev;
#endif
	const int	 sigs[4] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };
	const char	*pidfile = NULL;
	struct timespec	 lap, start;
	long long	 ms[7];
	int		 ch, debug = 0, noaction = 0, verbose = 0, i;

	/* How long guests waited for a restarted daemon, for the log. */
	clock_gettime(CLOCK_MONOTONIC, &lap);
	start = lap;
	memset(&env, 0, sizeof(env));
	env.pb_started = time(NULL);
	env.pb_conffile = PCIBACKD_CONF;
	TAILQ_INIT(&env.pb_devices);
	TAILQ_INIT(&env.pb_frontends);
	aer_init(&env);
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
	ms[0] = pcibackd_lap(&lap);
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
	notify_init();
	if (!debug && daemon(0, 0) == -1)
		fatal("daemon");
	pcibackd_pidfile(pidfile);
	signal(SIGPIPE, SIG_IGN);
	if ((env.pb_base = event_base_new()) == NULL)
		fatalx("cannot create the event base");
	/* Signals first: SIGTERM is not to wait behind a connect storm. */
	if (event_base_priority_init(env.pb_base, 2) != 0)
		fatalx("cannot set up event priorities");
	for (i = 0; i < 4; i++) {
		sigev[i] = evsignal_new(env.pb_base, sigs[i], pcibackd_signal,
		    &env);
		if (sigev[i] == NULL || event_priority_set(sigev[i], 0) != 0 ||
		    evsignal_add(sigev[i], NULL) != 0)
			fatalx("cannot set up signal %d", sigs[i]);
	}

#ifdef PCIBACKD_COVERAGE
	gcovev = event_new(env.pb_base, -1, EV_PERSIST, pcibackd_gcov, NULL);
	if (gcovev == NULL || event_add(gcovev, &gcovsec) != 0)
		fatalx("cannot set up the coverage timer");
#endif
	if (worker_init(&env) != 0)
		fatalx("cannot watch for the workers' exits");
	ms[1] = pcibackd_lap(&lap);
	device_init(&env);
	ms[2] = pcibackd_lap(&lap);
	if (opserve_init(&env) != 0)
		fatalx("no event channel or grant device: is this a Xen dom0?");
	if (watch_open(&env) != 0)
		fatalx("no xenstore: is xenstored running?");
	guestdom_init();
	ms[3] = pcibackd_lap(&lap);
	/* Guests wait for us: those with a record are served first. */
	record_init(&env);
	record_resume(&env);
	ms[4] = pcibackd_lap(&lap);
	if (watch_init(&env) != 0)
		fatalx("cannot watch xenstore");
	env.pb_starting = 1;
	frontend_scan(&env);
	env.pb_starting = 0;
	device_adopted(&env);
	ms[5] = pcibackd_lap(&lap);
	control_listen(&env);
	ms[6] = pcibackd_lap(&lap);
	env.pb_startup_ns = metric_ns_since(&start, &lap);
	log_info("started in %lld ms, holding %d devices",
	    ms[0] + ms[1] + ms[2] + ms[3] + ms[4] + ms[5] + ms[6],
	    device_count(&env));
	log_info("start-up: %lld ms configuration, %lld ms set-up, %lld ms "
	    "devices, %lld ms xenstore, %lld ms recorded guests, %lld ms "
	    "guests, %lld ms control socket", ms[0], ms[1], ms[2], ms[3],
	    ms[4], ms[5], ms[6]);
	/* Only now: units ordered after us find the guests served. */
	notify_ready(pcibackd_nguests(&env), device_count(&env));

	event_base_dispatch(env.pb_base);

	control_shutdown(&env);
	frontend_shutdown(&env);
	aer_shutdown(&env);
	watch_shutdown(&env);
	guestdom_shutdown();
	opserve_shutdown(&env);
	worker_shutdown(&env);
	device_shutdown(&env);
	for (i = 0; i < 4; i++)
		event_free(sigev[i]);
#ifdef PCIBACKD_COVERAGE
	event_free(gcovev);
#endif
	event_base_free(env.pb_base);
	conf_free(env.pb_conf);
	if (pidfile != NULL)
		unlink(pidfile);
	return 0;
}
