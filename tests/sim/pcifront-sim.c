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
 * pcifront-sim DOMID [options]: a PV guest with a PCI frontend.  It
 * creates the domain, waits for the toolstack to create its frontend
 * dir, connects the way Linux xen-pcifront does, scans what the backend
 * publishes and follows the backend's states until told to stop.
 * Progress goes to stdout as key=value lines ("event=connected"), the
 * final summary too; diagnostics go to stderr.  Exit status 0 unless the
 * simulator itself failed or saw something a real guest would not accept.
 * Section numbers (§) refer to doc/protocol.md.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xen/io/xenbus.h>

#include "gsim.h"
#include "guest.h"

#define GSIM_FE_DIR		"device/pci/0"
#define GSIM_SLICE_MS		200
#define GSIM_CLOSE_WAIT_MS	5000	/* Linux's shutdown wait */

static volatile int	gsim_stop_flag;
static volatile int	gsim_unpaused;
static volatile int	gsim_crash_flag;	/* SIGUSR2: the guest crashes */

static const char *const gsim_result_names[] = {
	[GSIM_RUNNING] = "running",
	[GSIM_DONE] = "done",
	[GSIM_STOPPED] = "stopped",
	[GSIM_CLOSED] = "closed",
	[GSIM_REMOVED] = "removed",
	[GSIM_SHUTDOWN] = "shutdown",
	[GSIM_PANIC] = "panic",
	[GSIM_ERROR] = "error",
};

static const char *const gsim_hostile_cases[] = {
	"magic-wrong", "magic-missing", "bad-gref", "bad-port",
	"port-wrong-remote", "state-banana", "flood", "op-change",
	"die-mid-op", "never-connect", "bad-ops", "state-flap", "hammer",
	"log-flood", "aer-never", "aer-noflag", NULL
};

static void	gsim_lat_add(struct gsim *, int64_t);
static void	gsim_lat_print(struct gsim *);

static void __attribute__((noreturn))
gsim_usage(void)
{
	fprintf(stderr,
	    "usage: pcifront-sim DOMID [--paused] [--once] [--shutdown] "
	    "[--linger] [--close-on-reconf]\n"
	    "    [--dump FILE] [--netbsd] [--hvm] [--msi] [--msix N] "
	    "[--keep-irq] "
	    "[--master]\n"
	    "    [--write VVVV:DDDD:OFF:SIZE:VAL ...] [--write-again]\n"
	    "    [--loop-reads N] [--loop-ms MS] [--loop-gap-us US]\n"
	    "    [--hostile CASE] [--usr2-state crashed|suspended|dying]\n"
	    "    [--run-ms MS] [--wait-ms MS] [--delay-ms MS]\n"
	    "    [--flood-ms MS] [--xsa155-ops N] [--aer-answer N[,N...]]\n");
	exit(2);
}

static void
gsim_on_signal(int sig)
{
	if (sig == SIGUSR1)
		gsim_unpaused = 1;
	else if (sig == SIGUSR2)
		gsim_crash_flag = 1;
	else
		gsim_stop_flag = 1;
}

static long
gsim_num(const char *s)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < 0)
		gsim_usage();
	return v;
}

static int
gsim_is_hostile(const struct gsim *gs, const char *name)
{
	return gs->gs_hostile != NULL && strcmp(gs->gs_hostile, name) == 0;
}

/* Options without a value; 1 if o was one. */
static int
gsim_flag(struct gsim *gs, const char *o)
{
	if (strcmp(o, "--once") == 0)
		gs->gs_once = 1;
	else if (strcmp(o, "--hvm") == 0)
		gs->gs_hvm = 1;
	else if (strcmp(o, "--shutdown") == 0)
		gs->gs_shutdown = 1;
	else if (strcmp(o, "--linger") == 0)
		gs->gs_linger = 1;
	else if (strcmp(o, "--close-on-reconf") == 0)
		gs->gs_close_on_reconf = 1;
	else if (strcmp(o, "--netbsd") == 0)
		gs->gs_netbsd = 1;
	else if (strcmp(o, "--msi") == 0)
		gs->gs_msi = 1;
	else if (strcmp(o, "--master") == 0)
		gs->gs_master = 1;
	else if (strcmp(o, "--write-again") == 0)
		gs->gs_write_again = 1;
	else if (strcmp(o, "--keep-irq") == 0)
		gs->gs_keep_irq = 1;
	else if (strcmp(o, "--paused") == 0)
		gs->gs_paused = 1;
	else
		return 0;
	return 1;
}

/* --aer-answer N[,N...]: the answers to AER requests, in turn. */
static void
gsim_aer_answers(struct gsim *gs, const char *v)
{
	char	buf[128], *p, *tok;

	if (strlen(v) >= sizeof(buf))
		gsim_usage();
	memcpy(buf, v, strlen(v) + 1);
	for (p = buf; (tok = strsep(&p, ",")) != NULL;) {
		if (gs->gs_aer_nanswer == GSIM_AER_ANSWERS)
			gsim_usage();
		gs->gs_aer_answer[gs->gs_aer_nanswer++] = gsim_num(tok);
	}
}

static void
gsim_value(struct gsim *gs, const char *o, const char *v)
{
	if (strcmp(o, "--dump") == 0)
		gs->gs_dump = v;
	else if (strcmp(o, "--hostile") == 0)
		gs->gs_hostile = v;
	else if (strcmp(o, "--usr2-state") == 0)
		gs->gs_usr2_state = v;
	else if (strcmp(o, "--write") == 0 &&
	    gs->gs_nwrites < GSIM_WRITES_MAX)
		gs->gs_writes[gs->gs_nwrites++] = v;
	else if (strcmp(o, "--msix") == 0)
		gs->gs_msix = (unsigned int)gsim_num(v);
	else if (strcmp(o, "--loop-reads") == 0)
		gs->gs_loop_reads = (unsigned long)gsim_num(v);
	else if (strcmp(o, "--loop-ms") == 0)
		gs->gs_loop_ms = gsim_num(v);
	else if (strcmp(o, "--loop-gap-us") == 0)
		gs->gs_loop_gap_us = gsim_num(v);
	else if (strcmp(o, "--run-ms") == 0)
		gs->gs_run_ms = gsim_num(v);
	else if (strcmp(o, "--wait-ms") == 0)
		gs->gs_wait_ms = gsim_num(v);
	else if (strcmp(o, "--delay-ms") == 0)
		gs->gs_delay_ms = gsim_num(v);
	else if (strcmp(o, "--flood-ms") == 0)
		gs->gs_flood_ms = gsim_num(v);
	else if (strcmp(o, "--xsa155-ops") == 0)
		gs->gs_xsa155_ops = (unsigned long)gsim_num(v);
	else if (strcmp(o, "--aer-answer") == 0)
		gsim_aer_answers(gs, v);
	else
		gsim_usage();
}

static void
gsim_options(struct gsim *gs, int argc, char **argv)
{
	const char *const	*h;
	int			 i;

	if (argc < 2)
		gsim_usage();
	gs->gs_domid = (unsigned int)gsim_num(argv[1]);
	gs->gs_run_ms = 60000;
	gs->gs_wait_ms = 20000;
	gs->gs_flood_ms = 3000;
	gs->gs_usr2_state = "crashed";
	gs->gs_xsa155_ops = 2000;
	for (i = 2; i < argc; i++) {
		if (gsim_flag(gs, argv[i]))
			continue;
		if (i + 1 >= argc)
			gsim_usage();
		gsim_value(gs, argv[i], argv[i + 1]);
		i++;
	}
	if (gs->gs_hostile == NULL)
		return;
	gs->gs_aer_never = strcmp(gs->gs_hostile, "aer-never") == 0;
	gs->gs_aer_noflag = strcmp(gs->gs_hostile, "aer-noflag") == 0;
	for (h = gsim_hostile_cases; *h != NULL; h++)
		if (strcmp(*h, gs->gs_hostile) == 0)
			return;
	fprintf(stderr, "pcifront-sim: unknown hostile case %s\n",
	    gs->gs_hostile);
	exit(2);
}

static void
gsim_event(struct gsim *gs, const char *what)
{
	printf("event=%s\n", what);
	fflush(stdout);
	fprintf(stderr, "gsim dom%u: %s\n", gs->gs_domid, what);
}

/* Between watch events: answer the backend's AER request, if any. */
static void
gsim_aer(struct gsim *gs)
{
	char	what[64];
	int	was = gs->gs_aer_seen;

	if (gsim_aer_poll(gs))
		snprintf(what, sizeof(what), "aer-%u-answered",
		    gs->gs_aer_last.cmd);
	else if (gs->gs_aer_seen && !was)
		snprintf(what, sizeof(what), "aer-%u-unanswered",
		    gs->gs_aer_last.cmd);
	else
		return;
	gsim_event(gs, what);
}

/*
 * libxl builds a domain paused, adds its devices, then unpauses it:
 * --paused waits for SIGUSR1 (the unpause) before the kernel boots.
 */
static void
gsim_wait_unpause(struct gsim *gs)
{
	sigset_t	block, old;

	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);
	while (!gsim_unpaused && !gsim_stop_flag)
		sigsuspend(&old);
	sigprocmask(SIG_SETMASK, &old, NULL);
	gsim_event(gs, "unpaused");
}


/*
 * SIGUSR2: the domain crashes (or goes to the state --usr2-state names:
 * suspended, dying), once; the guest answers nothing more.
 */
static int
gsim_crash(struct gsim *gs)
{
	static int	done;

	if (!gsim_crash_flag)
		return 0;
	if (!done) {
		done = 1;
		(void)xensim_guest_set_state(gs->gs_guest, gs->gs_usr2_state);
		gsim_event(gs, gs->gs_usr2_state);
	}
	return 1;
}
/* Keep the xenstore ring serviced while time passes. */
static void
gsim_idle(struct gsim *gs, long ms)
{
	long	 end = gsim_now_ms() + ms;
	char	*tok;

	while (!gsim_stop_flag && gsim_now_ms() < end) {
		if (!gsim_crash(gs))
			gsim_aer(gs);
		if (gsim_watch_event(gs, GSIM_SLICE_MS, &tok) == 0)
			free(tok);
	}
}

/*
 * The three keys in one transaction (§2.3 step 4); xpci also switches
 * to Initialised inside it, Linux right after.  Hostile cases publish
 * the wrong thing on purpose.
 */
static int
gsim_publish_keys(struct gsim *gs)
{
	char		ref[16], port[16];
	const char	*magic = XEN_PCI_MAGIC;
	int		rc;

	snprintf(ref, sizeof(ref), "%u", gsim_is_hostile(gs, "bad-gref") ?
	    gs->gs_gref + 1000 : gs->gs_gref);
	snprintf(port, sizeof(port), "%d", gsim_is_hostile(gs, "bad-port") ?
	    gs->gs_port + 100 : gs->gs_port);
	if (gsim_is_hostile(gs, "magic-wrong"))
		magic = "6";
	if (gsim_is_hostile(gs, "magic-missing"))
		magic = NULL;
	rc = gsim_write_keys(gs, ref, port, magic, gs->gs_netbsd);
	if (rc == 0 && gs->gs_netbsd)
		gs->gs_state = XenbusStateInitialised;
	return rc;
}

static int
gsim_publish(struct gsim *gs)
{
	char	path[160];
	int	rc;

	if ((rc = gsim_page_alloc(gs)) < 0) {
		fprintf(stderr, "gsim dom%u: page/port: %s\n", gs->gs_domid,
		    strerror(-rc));
		return rc;
	}
	if (gsim_is_hostile(gs, "port-wrong-remote")) {
		/* A port dom0 may not bind: offered to another domain. */
		(void)xensim_guest_close_port(gs->gs_guest,
		    (unsigned int)gs->gs_port);
		gs->gs_port = xensim_guest_alloc_unbound(gs->gs_guest,
		    gs->gs_domid + 1);
	}
	if ((rc = gsim_publish_keys(gs)) < 0 ||
	    (rc = gsim_switch(gs, XenbusStateInitialised)) < 0) {
		fprintf(stderr, "gsim dom%u: publish: %s\n", gs->gs_domid,
		    strerror(-rc));
		return rc;
	}
	snprintf(path, sizeof(path), "%s/state", gs->gs_be);
	if ((rc = xensim_guest_watch(gs->gs_guest, path, "be")) < 0)
		return rc;
	printf("gref=%u\nport=%d\n", gs->gs_gref, gs->gs_port);
	gsim_event(gs, "published");
	return 0;
}

/* Backend Connected while we are Initialised: scan, then Connected. */
static void
gsim_connect(struct gsim *gs)
{
	if (gsim_scan(gs) != 0) {
		/* Linux: xenbus_dev_fatal, i.e. Closing. */
		(void)gsim_switch(gs, XenbusStateClosing);
		return;
	}
	gs->gs_connected = 1;
	(void)gsim_switch(gs, XenbusStateConnected);
	gsim_event(gs, "connected");
	gsim_print_devs(gs, 0);
}

/* Backend Reconfiguring: let go of the slots libxl marked Closing. */
static void
gsim_detach_pass(struct gsim *gs)
{
	unsigned int	 seg, bus, slot, fn;
	char		*s;
	long		 n, i;

	s = gsim_read(gs, "%s/num_devs", gs->gs_be);
	n = s != NULL ? strtol(s, NULL, 10) : 0;
	free(s);
	for (i = 0; i < n && i < 256; i++) {
		s = gsim_read(gs, "%s/state-%ld", gs->gs_be, i);
		if (gsim_state_of(s) != XenbusStateClosing) {
			free(s);
			continue;
		}
		free(s);
		s = gsim_read(gs, "%s/vdev-%ld", gs->gs_be, i);
		if (s != NULL && sscanf(s, "%x:%x:%x.%x", &seg, &bus, &slot,
		    &fn) == 4)
			gsim_remove_vdev(gs, seg, bus, slot, fn);
		free(s);
	}
}

/* Linux pcifront_try_disconnect; xpci panics on 6, 7 and 8 (§7.2). */
static enum gsim_result
gsim_closing(struct gsim *gs, int be)
{
	if (gs->gs_state == XenbusStateClosing) {
		/* Our own shutdown: the backend followed. */
		(void)gsim_switch(gs, XenbusStateClosed);
		return GSIM_RUNNING;
	}
	if (gs->gs_state == XenbusStateClosed)
		return be == XenbusStateClosed ? GSIM_CLOSED : GSIM_RUNNING;
	gsim_remove_all(gs);
	(void)gsim_switch(gs, XenbusStateClosed);
	gsim_event(gs, "closed");
	gsim_print_devs(gs, 0);
	return GSIM_CLOSED;
}

/* One look at both states; what xenbus does on any watch event. */
static enum gsim_result
gsim_follow(struct gsim *gs)
{
	int	own, be;

	own = gsim_own_state(gs);
	if (own == XenbusStateUnknown)
		return GSIM_REMOVED;
	if (own == XenbusStateInitialising && gs->gs_state > own)
		return GSIM_REMOVED;	/* dir recreated under us */
	be = gsim_be_state(gs);
	if (gs->gs_netbsd && gs->gs_state >= XenbusStateInitialised &&
	    (be == XenbusStateClosed || be == XenbusStateReconfiguring ||
	    be == XenbusStateReconfigured)) {
		fprintf(stderr, "gsim dom%u: NetBSD would panic: backend "
		    "state %d\n", gs->gs_domid, be);
		gs->gs_panic = be;
		return GSIM_PANIC;
	}
	switch (be) {
	case XenbusStateConnected:
		if (gs->gs_state == XenbusStateInitialised)
			gsim_connect(gs);
		break;
	case XenbusStateReconfiguring:
		/* A guest shutting down as libxl asks: Linux closes. */
		if (gs->gs_close_on_reconf &&
		    gs->gs_state == XenbusStateConnected) {
			(void)gsim_switch(gs, XenbusStateClosing);
			gsim_event(gs, "closing-on-reconf");
			break;
		}
		if (gs->gs_state == XenbusStateConnected)
			gsim_detach_pass(gs);
		if (gs->gs_state == XenbusStateConnected ||
		    gs->gs_state == XenbusStateInitialised)
			(void)gsim_switch(gs, XenbusStateReconfiguring);
		break;
	case XenbusStateReconfigured:
		if (gs->gs_state != XenbusStateReconfiguring)
			break;
		(void)gsim_scan(gs);
		gs->gs_connected = 1;
		gs->gs_reconfigs++;
		(void)gsim_switch(gs, XenbusStateConnected);
		gsim_event(gs, "reconfigured");
		gsim_print_devs(gs, 0);
		break;
	case XenbusStateClosing:
	case XenbusStateClosed:
		return gsim_closing(gs, be);
	default:
		break;
	}
	return GSIM_RUNNING;
}

/* Expected config contents: what the guest reads from the daemon now. */
static void
gsim_snapshot(struct gsim *gs)
{
	struct gsim_dev	*gd;
	uint32_t	 v;
	unsigned int	 off, i;
	size_t		 k;

	for (k = 0; k < gs->gs_ndevs; k++) {
		gd = gs->gs_devs[k];
		for (off = 0; off < GSIM_CONV_SIZE; off += 4) {
			if (gsim_conf_read(gs, gd, (int)off, 4, &v) != 0)
				continue;
			for (i = 0; i < 4; i++)
				gd->gd_cfg[off + i] = (uint8_t)(v >> (8 * i));
		}
	}
}

/*
 * Linux handles xenbus events in its xenwatch thread while other CPUs
 * keep doing config accesses: look at the states whenever an event
 * came in.  Non-zero: the loop must stop (closed, removed, no device).
 */
static int
gsim_loop_events(struct gsim *gs)
{
	char	*tok;
	int	 any = 0;

	while (gsim_watch_event(gs, 0, &tok) == 0) {
		free(tok);
		any = 1;
	}
	if (!any)
		return 0;
	return gsim_follow(gs) != GSIM_RUNNING || gs->gs_ndevs == 0;
}

/*
 * Reads in a loop (while the test restarts the daemon or hot-plugs):
 * every answer must be the snapshot's, at most the op in flight may
 * time out, and the backend must stay Connected unless told otherwise.
 */
static void
gsim_loop_reads(struct gsim *gs)
{
	struct gsim_dev	*gd;
	long		 end, t0, lat;
	int64_t		 t0us;
	uint64_t	 k, to_before;
	uint32_t	 v, want;
	unsigned int	 off;
	int		 err;

	if (gs->gs_ndevs == 0)
		return;
	gsim_snapshot(gs);
	end = gs->gs_loop_ms > 0 ? gsim_now_ms() + gs->gs_loop_ms : 0;
	for (k = 0; !gsim_stop_flag; k++) {
		if (gs->gs_loop_reads > 0 && k >= gs->gs_loop_reads)
			break;
		if (end != 0 && gsim_now_ms() >= end)
			break;
		if (gs->gs_loop_reads == 0 && end == 0)
			break;
		gd = gs->gs_devs[k % gs->gs_ndevs];
		off = (unsigned int)((k / gs->gs_ndevs) * 4 % GSIM_CONV_SIZE);
		want = (uint32_t)gd->gd_cfg[off] |
		    (uint32_t)gd->gd_cfg[off + 1] << 8 |
		    (uint32_t)gd->gd_cfg[off + 2] << 16 |
		    (uint32_t)gd->gd_cfg[off + 3] << 24;
		to_before = gs->gs_timeouts;
		if (gs->gs_loop_gap_us > 0 && k > 0)
			usleep((useconds_t)gs->gs_loop_gap_us);
		t0 = gsim_now_ms();
		t0us = gsim_now_us();
		err = gsim_conf_read(gs, gd, (int)off, 4, &v);
		lat = gsim_now_ms() - t0;
		gsim_lat_add(gs, gsim_now_us() - t0us);
		if (lat > gs->gs_loop_maxlat)
			gs->gs_loop_maxlat = lat;
		if (lat >= 200)
			fprintf(stderr, "gsim dom%u: slow op: %ld ms at %ld\n",
			    gs->gs_domid, lat, t0);
		gs->gs_loop_ops++;
		if (gs->gs_timeouts != to_before)
			gs->gs_loop_timeouts++;
		else if (err != 0 || v != want) {
			gs->gs_loop_wrong++;
			fprintf(stderr, "gsim dom%u: wrong answer at 0x%x: "
			    "err %d value %08x, want %08x\n", gs->gs_domid,
			    off, err, v, want);
		}
		if (k % 64 == 0 && gsim_be_state(gs) != XenbusStateConnected)
			gs->gs_loop_be_not4++;
		if (k % 16 == 15 && gsim_loop_events(gs) != 0)
			break;
		/* Progress, so a test can see this guest is still served. */
		if (k % 500 == 499)
			printf("loop_ops=%llu\n",
			    (unsigned long long)gs->gs_loop_ops);
	}
}

#define GSIM_LAT_MAX	1000000		/* samples kept for percentiles */

static void
gsim_lat_add(struct gsim *gs, int64_t us)
{
	if (gs->gs_lat_us == NULL &&
	    (gs->gs_lat_us = calloc(GSIM_LAT_MAX, sizeof(uint32_t))) == NULL)
		return;
	if (gs->gs_nlat < GSIM_LAT_MAX)
		gs->gs_lat_us[gs->gs_nlat++] = us < 0 ? 0 :
		    us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

static int
gsim_lat_cmp(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The loop's read latencies: median, 99th percentile, maximum (us). */
static void
gsim_lat_print(struct gsim *gs)
{
	size_t	n = gs->gs_nlat;

	if (n == 0)
		return;
	qsort(gs->gs_lat_us, n, sizeof(uint32_t), gsim_lat_cmp);
	printf("loop_p50_us=%u\nloop_p99_us=%u\nloop_max_us=%u\n",
	    gs->gs_lat_us[n / 2], gs->gs_lat_us[n * 99 / 100],
	    gs->gs_lat_us[n - 1]);
	free(gs->gs_lat_us);
	gs->gs_lat_us = NULL;
	gs->gs_nlat = 0;
}

/*
 * Keep an op posted all the time: the next one as soon as the answer is
 * there, for --flood-ms.  Legal, but it must not take the backend from
 * the other guests (bug 10).
 */
static void
gsim_hammer(struct gsim *gs)
{
	long		end = gsim_now_ms() + gs->gs_flood_ms;
	uint32_t	v;

	if (gs->gs_ndevs == 0)
		return;
	while (!gsim_stop_flag && gsim_now_ms() < end) {
		(void)gsim_conf_read(gs, gs->gs_devs[0], 0, 4, &v);
		gs->gs_hammer_ops++;
	}
	printf("hammer_ops=%llu\n", (unsigned long long)gs->gs_hammer_ops);
}

/*
 * XSA-130: everything a guest can make the backend log, as fast as it
 * can, for --flood-ms: refused ops, and bursts of events with no op.
 */
static void
gsim_log_flood(struct gsim *gs)
{
	struct xen_pci_op	op;
	long			end = gsim_now_ms() + gs->gs_flood_ms;
	int			i;

	if (gs->gs_ndevs == 0)
		return;
	while (!gsim_stop_flag && gsim_now_ms() < end) {
		gsim_op_conf(&op, XEN_PCI_OP_conf_read, gs->gs_devs[0]->gd_seg,
		    gs->gs_devs[0]->gd_bus, gs->gs_devs[0]->gd_devfn, 0x1000,
		    4, 0);
		(void)gsim_op(gs, &op);
		gs->gs_badops++;
		for (i = 0; i < 64; i++) {
			(void)xensim_guest_notify(gs->gs_guest,
			    (unsigned int)gs->gs_port);
			gs->gs_flood_notifies++;
		}
	}
}

/* Notify without posting anything, as fast as possible. */
static void
gsim_flood(struct gsim *gs)
{
	long		end = gsim_now_ms() + gs->gs_flood_ms;
	uint32_t	v;

	while (!gsim_stop_flag && gsim_now_ms() < end) {
		(void)xensim_guest_notify(gs->gs_guest,
		    (unsigned int)gs->gs_port);
		gs->gs_flood_notifies++;
	}
	printf("flood_notifies=%llu\n",
	    (unsigned long long)gs->gs_flood_notifies);
	if (gs->gs_ndevs > 0 &&
	    gsim_conf_read(gs, gs->gs_devs[0], 0, 4, &v) == 0)
		printf("flood_after=ok\n");
	else
		printf("flood_after=fail\n");
}

/* Flip our own state as fast as xenstore takes it: a watch storm. */
static void
gsim_state_flap(struct gsim *gs)
{
	long		end = gsim_now_ms() + gs->gs_flood_ms;
	uint64_t	n = 0;
	uint32_t	v;

	while (!gsim_stop_flag && gsim_now_ms() < end) {
		(void)gsim_write(gs, GSIM_FE_DIR "/state", n & 1 ? "4" : "7");
		n++;
	}
	(void)gsim_write(gs, GSIM_FE_DIR "/state", "4");
	printf("flap_writes=%llu\n", (unsigned long long)n);
	if (gs->gs_ndevs > 0 &&
	    gsim_conf_read(gs, gs->gs_devs[0], 0, 4, &v) == 0)
		printf("flap_after=ok\n");
	else
		printf("flap_after=fail\n");
}

/*
 * XSA-155: keep rewriting the op while the backend serves it.  Whatever
 * it copied, the reply must be the reply to one of the two ops.
 */
static void
gsim_op_change(struct gsim *gs)
{
	struct xen_pci_op	 a, b, r;
	struct gsim_dev		*gd;
	volatile struct xen_pci_op *live;
	uint32_t		 id;
	unsigned long		 n;
	int			 flip;

	if (gs->gs_ndevs == 0)
		return;
	gd = gs->gs_devs[0];
	id = (uint32_t)gd->gd_cfg[0] | (uint32_t)gd->gd_cfg[1] << 8 |
	    (uint32_t)gd->gd_cfg[2] << 16 | (uint32_t)gd->gd_cfg[3] << 24;
	gsim_op_conf(&a, XEN_PCI_OP_conf_read, gd->gd_seg, gd->gd_bus,
	    gd->gd_devfn, 0, 4, 0);
	gsim_op_conf(&b, XEN_PCI_OP_conf_read, gd->gd_seg, gd->gd_bus,
	    gd->gd_devfn, 0x1002, 4, 0);
	live = &gs->gs_sh->op;
	for (n = 0; n < gs->gs_xsa155_ops && !gsim_stop_flag; n++) {
		gsim_op_post(gs, &a);
		gs->gs_ops++;
		for (flip = 0; __atomic_load_n(&gs->gs_sh->flags,
		    __ATOMIC_ACQUIRE) & XEN_PCIF_active; flip ^= 1) {
			live->offset = flip ? b.offset : a.offset;
			live->size = flip ? 3 : 4;
			live->cmd = flip ? 77 : XEN_PCI_OP_conf_read;
			live->devfn = flip ? 0x1234 : a.devfn;
		}
		(void)gsim_op_wait(gs, &r, 0);
		/* Any of: op a's answer, a refusal of b's fields. */
		if ((r.err == 0 && r.value == id) ||
		    r.err == XEN_PCI_ERR_invalid_offset ||
		    r.err == XEN_PCI_ERR_not_implemented ||
		    r.err == XEN_PCI_ERR_dev_not_found)
			continue;
		gs->gs_xsa155_bad++;
		fprintf(stderr, "gsim dom%u: xsa155 reply err %d value %08x\n",
		    gs->gs_domid, r.err, r.value);
	}
}

/* Malformed ops and the answer doc/protocol.md §4 gives each. */
static void
gsim_bad_ops(struct gsim *gs)
{
	const struct {
		uint32_t	bo_cmd;
		int		bo_seg, bo_bus, bo_devfn, bo_off, bo_size;
		int32_t		bo_want;
	} t[] = {
		{ 99, 0, 0, -1, 0, 4, XEN_PCI_ERR_not_implemented },
		{ XEN_PCI_OP_enable_multi_msi, 0, 0, -1, 0, 0,
		    XEN_PCI_ERR_not_implemented },
		{ XEN_PCI_OP_conf_read, 0, 0, -1, 0, 3,
		    XEN_PCI_ERR_invalid_offset },
		{ XEN_PCI_OP_conf_read, 0, 0, -1, -4, 4,
		    XEN_PCI_ERR_invalid_offset },
		{ XEN_PCI_OP_conf_read, 0, 0, -1, 4096, 4,
		    XEN_PCI_ERR_invalid_offset },
		{ XEN_PCI_OP_conf_read, 0, 0, -1, 2, 4,
		    XEN_PCI_ERR_invalid_offset },
		{ XEN_PCI_OP_conf_write, 0, 0, -1, 0x40, 3,
		    XEN_PCI_ERR_invalid_offset },
		{ XEN_PCI_OP_conf_read, 0, 0, 0x100, 0, 4,
		    XEN_PCI_ERR_dev_not_found },
		{ XEN_PCI_OP_conf_read, 0, 1, -1, 0, 4,
		    XEN_PCI_ERR_dev_not_found },
		{ XEN_PCI_OP_conf_read, 1, 0, -1, 0, 4,
		    XEN_PCI_ERR_dev_not_found },
		{ XEN_PCI_OP_conf_read, 0, 0, 0xff, 0, 4,
		    XEN_PCI_ERR_dev_not_found },
		{ XEN_PCI_OP_disable_msi, 0, 0, 0xfe, 0, 0,
		    XEN_PCI_ERR_dev_not_found },
	};
	struct xen_pci_op	op;
	struct gsim_dev		*gd;
	size_t			 i;

	if (gs->gs_ndevs == 0)
		return;
	gd = gs->gs_devs[0];
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		gsim_op_conf(&op, t[i].bo_cmd, (uint16_t)(gd->gd_seg + t[i].bo_seg),
		    (uint8_t)(gd->gd_bus + t[i].bo_bus), 0, t[i].bo_off, t[i].bo_size,
		    0);
		op.devfn = t[i].bo_devfn == -1 ? gd->gd_devfn :
		    (uint32_t)t[i].bo_devfn;
		(void)gsim_op(gs, &op);
		gs->gs_badops++;
		if (op.err == t[i].bo_want)
			continue;
		gs->gs_badops_wrong++;
		fprintf(stderr, "gsim dom%u: bad op %zu: err %d, want %d\n",
		    gs->gs_domid, i, op.err, t[i].bo_want);
	}
}

/* Post an op, ring the bell many times, and die with it in flight. */
static void __attribute__((noreturn))
gsim_die_mid_op(struct gsim *gs)
{
	struct xen_pci_op	op;
	int			i;

	if (gs->gs_ndevs > 0)
		gsim_op_conf(&op, XEN_PCI_OP_conf_read, gs->gs_devs[0]->gd_seg,
		    gs->gs_devs[0]->gd_bus, gs->gs_devs[0]->gd_devfn, 0, 4, 0);
	else
		gsim_op_conf(&op, XEN_PCI_OP_conf_read, 0, 0, 0, 0, 4, 0);
	gsim_op_post(gs, &op);
	for (i = 0; i < 200; i++)
		(void)xensim_guest_notify(gs->gs_guest,
		    (unsigned int)gs->gs_port);
	xensim_guest_destroy(gs->gs_guest);
	printf("result=died\n");
	fflush(stdout);
	exit(0);
}

/*
 * --write: a config write a driver makes at probe, to every device with
 * those IDs; prints "write.<dev>.<off>=<err> <value read back>".
 */
static void
gsim_writes(struct gsim *gs)
{
	struct gsim_dev	*gd;
	unsigned int	 ven, dev, off, size, val;
	uint32_t	 back;
	char		 name[16];
	size_t		 i;
	int		 w, err;

	for (w = 0; w < gs->gs_nwrites; w++) {
		if (sscanf(gs->gs_writes[w], "%x:%x:%x:%u:%x", &ven, &dev, &off,
		    &size, &val) != 5)
			gsim_usage();
		for (i = 0; i < gs->gs_ndevs; i++) {
			gd = gs->gs_devs[i];
			if ((unsigned int)(gd->gd_cfg[0] | gd->gd_cfg[1] << 8) !=
			    ven || (unsigned int)(gd->gd_cfg[2] |
			    gd->gd_cfg[3] << 8) != dev)
				continue;
			err = gsim_conf_write(gs, gd, (int)off, (int)size, val);
			back = 0;
			(void)gsim_conf_read(gs, gd, (int)off, (int)size,
			    &back);
			gsim_name(gd, name, sizeof(name));
			printf("write.%s.0x%x=%d 0x%x\n", name, off, err,
			    back);
		}
	}
	fflush(stdout);
}

/* After the first connect: what the options ask the guest to do. */
static void
gsim_work(struct gsim *gs)
{
	if (gs->gs_msi || gs->gs_msix > 0)
		gsim_irq_tests(gs);
	if (gs->gs_master)
		gsim_master(gs);
	if (gs->gs_nwrites > 0)
		gsim_writes(gs);
	if (gs->gs_dump != NULL && gsim_dump(gs, gs->gs_dump) != 0) {
		fprintf(stderr, "gsim dom%u: %s: cannot write\n",
		    gs->gs_domid, gs->gs_dump);
		gs->gs_errors++;
	}
	if (gs->gs_loop_reads > 0 || gs->gs_loop_ms > 0) {
		gsim_loop_reads(gs);
		gsim_event(gs, "loop-done");
	}
	/* The same writes after the loop: a driver that writes again later. */
	if (gs->gs_write_again && gs->gs_nwrites > 0) {
		gsim_writes(gs);
		gsim_event(gs, "written-again");
	}
	if (gsim_is_hostile(gs, "flood"))
		gsim_flood(gs);
	else if (gsim_is_hostile(gs, "hammer"))
		gsim_hammer(gs);
	else if (gsim_is_hostile(gs, "log-flood"))
		gsim_log_flood(gs);
	else if (gsim_is_hostile(gs, "op-change"))
		gsim_op_change(gs);
	else if (gsim_is_hostile(gs, "bad-ops"))
		gsim_bad_ops(gs);
	else if (gsim_is_hostile(gs, "state-flap"))
		gsim_state_flap(gs);
	else if (gsim_is_hostile(gs, "die-mid-op"))
		gsim_die_mid_op(gs);
	else if (gsim_is_hostile(gs, "state-banana")) {
		(void)gsim_write(gs, GSIM_FE_DIR "/state", "banana");
		gs->gs_state = -1;
	}
	gsim_event(gs, "work-done");
}

/* Orderly shutdown of a Linux guest (§2.7): 5, wait for 5, 6. */
static enum gsim_result
gsim_do_shutdown(struct gsim *gs)
{
	(void)gsim_switch(gs, XenbusStateClosing);
	if (gsim_wait_be(gs, XenbusStateClosing, GSIM_CLOSE_WAIT_MS) != 0 &&
	    gsim_be_state(gs) != XenbusStateClosed)
		fprintf(stderr, "gsim dom%u: backend did not close\n",
		    gs->gs_domid);
	gsim_remove_all(gs);
	(void)gsim_switch(gs, XenbusStateClosed);
	(void)gsim_wait_be(gs, XenbusStateClosed, GSIM_CLOSE_WAIT_MS);
	(void)xensim_guest_set_state(gs->gs_guest, "shutdown");
	gsim_event(gs, "shutdown");
	return GSIM_SHUTDOWN;
}

/* Follow the states until something ends this connection. */
static enum gsim_result
gsim_run(struct gsim *gs, long deadline)
{
	enum gsim_result	 r = GSIM_RUNNING;
	char			*tok;
	int			 worked = 0;

	while (r == GSIM_RUNNING) {
		if (gsim_stop_flag || gsim_now_ms() >= deadline)
			return GSIM_STOPPED;
		/* Crashed: the domain stays, nothing in it answers. */
		if (gsim_crash(gs)) {
			gsim_idle(gs, deadline - gsim_now_ms());
			return GSIM_STOPPED;
		}
		r = gsim_follow(gs);
		if (r != GSIM_RUNNING)
			break;
		if (gs->gs_connected && !worked &&
		    gs->gs_state == XenbusStateConnected) {
			worked = 1;
			gsim_work(gs);
			if (gs->gs_shutdown)
				return gsim_do_shutdown(gs);
			if (gs->gs_once)
				return GSIM_DONE;
			continue;
		}
		gsim_aer(gs);
		if (gsim_watch_event(gs, GSIM_SLICE_MS, &tok) == 0)
			free(tok);
	}
	return r;
}

/* The toolstack removed the frontend dir: forget the connection. */
static void
gsim_disconnect(struct gsim *gs)
{
	char	path[160];

	gsim_remove_all(gs);
	if (gs->gs_be[0] != '\0') {
		snprintf(path, sizeof(path), "%s/state", gs->gs_be);
		(void)xensim_guest_unwatch(gs->gs_guest, path, "be");
	}
	gsim_page_free(gs);
	gs->gs_connected = 0;
	gs->gs_state = XenbusStateUnknown;
	gs->gs_be[0] = '\0';
}

static enum gsim_result
gsim_life(struct gsim *gs)
{
	enum gsim_result	r;
	long			deadline = gsim_now_ms() + gs->gs_run_ms;

	/*
	 * An HVM guest's kernel runs no pcifront (Linux's probes only in
	 * PV guests): the frontend directory libxl makes stays at 1.
	 */
	if (gs->gs_hvm) {
		gsim_idle(gs, deadline - gsim_now_ms());
		return GSIM_STOPPED;
	}
	for (;;) {
		if (gsim_wait_fe_dir(gs, deadline - gsim_now_ms() <
		    gs->gs_wait_ms ? deadline - gsim_now_ms() :
		    gs->gs_wait_ms) != 0)
			return gsim_stop_flag ? GSIM_STOPPED : GSIM_ERROR;
		gsim_event(gs, "frontend-dir");
		if (gs->gs_delay_ms > 0)
			gsim_idle(gs, gs->gs_delay_ms);
		if (gsim_is_hostile(gs, "never-connect")) {
			gsim_idle(gs, deadline - gsim_now_ms());
			return GSIM_STOPPED;
		}
		if (gsim_publish(gs) != 0)
			return GSIM_ERROR;
		r = gsim_run(gs, deadline);
		/* A Linux guest lives on with its frontend Closed. */
		if ((r == GSIM_SHUTDOWN && gs->gs_linger) ||
		    (r == GSIM_CLOSED && !gs->gs_once))
			gsim_idle(gs, deadline - gsim_now_ms());
		if (r != GSIM_REMOVED || gs->gs_once)
			return r;
		gsim_event(gs, "removed");
		gsim_disconnect(gs);
	}
}

static void
gsim_summary(struct gsim *gs, enum gsim_result r)
{
	printf("result=%s\n", gsim_result_names[r]);
	printf("domid=%u\nfe_state=%d\nbe_state=%d\nbe_max=%d\n",
	    gs->gs_domid, gs->gs_state, gsim_be_state(gs), gs->gs_be_seen_max);
	printf("ops=%llu\ntimeouts=%llu\nerrors=%llu\naer=%llu\n",
	    (unsigned long long)gs->gs_ops,
	    (unsigned long long)gs->gs_timeouts,
	    (unsigned long long)gs->gs_errors, (unsigned long long)gs->gs_aer);
	printf("aer_last=%u:%d:%04x:%02x:%02x.%u\n", gs->gs_aer_last.cmd,
	    gs->gs_aer_last.err, gs->gs_aer_last.domain, gs->gs_aer_last.bus,
	    gs->gs_aer_last.devfn >> 3, gs->gs_aer_last.devfn & 7);
	printf("scans=%llu\nreconfigs=%llu\nremoved=%llu\n",
	    (unsigned long long)gs->gs_scans,
	    (unsigned long long)gs->gs_reconfigs,
	    (unsigned long long)gs->gs_removed_devs);
	printf("loop_ops=%llu\nloop_timeouts=%llu\nloop_wrong=%llu\n"
	    "loop_be_not4=%llu\nloop_maxlat_ms=%ld\n",
	    (unsigned long long)gs->gs_loop_ops,
	    (unsigned long long)gs->gs_loop_timeouts,
	    (unsigned long long)gs->gs_loop_wrong,
	    (unsigned long long)gs->gs_loop_be_not4, gs->gs_loop_maxlat);
	gsim_lat_print(gs);
	printf("flood_notifies=%llu\nxsa155_bad=%llu\nbadops=%llu\n"
	    "badops_wrong=%llu\npanic=%d\n",
	    (unsigned long long)gs->gs_flood_notifies,
	    (unsigned long long)gs->gs_xsa155_bad,
	    (unsigned long long)gs->gs_badops,
	    (unsigned long long)gs->gs_badops_wrong, gs->gs_panic);
	gsim_print_devs(gs, 1);
}

int
main(int argc, char **argv)
{
	struct gsim		gs;
	struct sigaction	sa;
	enum gsim_result	r;

	memset(&gs, 0, sizeof(gs));
	gsim_options(&gs, argc, argv);
	gs.gs_stop = &gsim_stop_flag;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = gsim_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if ((gs.gs_guest = xensim_guest_create(gs.gs_domid)) == NULL) {
		fprintf(stderr, "pcifront-sim: create dom%u: %s\n",
		    gs.gs_domid, strerror(errno));
		printf("result=error\n");
		return 1;
	}
	if (xensim_guest_watch(gs.gs_guest, GSIM_FE_DIR, "fe") < 0) {
		xensim_guest_destroy(gs.gs_guest);
		return 1;
	}
	gsim_event(&gs, "created");
	if (gs.gs_paused)
		gsim_wait_unpause(&gs);
	r = gsim_life(&gs);
	gsim_summary(&gs, r);
	gsim_remove_all(&gs);
	xensim_guest_destroy(gs.gs_guest);
	if (r == GSIM_ERROR || r == GSIM_PANIC)
		return 1;
	return gs.gs_errors > 0 ? 1 : 0;
}
