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


#ifndef PCIBACKD_H
#define PCIBACKD_H

#include <sys/queue.h>
#include <sys/types.h>

#include <stdint.h>
#include <time.h>

#include <xen/xen.h>

#include "audit.h"
#include "bdf.h"
#include "cfgspace.h"
#include "control_proto.h"
#include "log.h"
#include "nodecache.h"
#include "pciop.h"
#include "resetpol.h"
#include "topo.h"

#define PCIBACKD_CONF		"/etc/pcibackd.conf"
#define PCIBACKD_NAME_MAX	64
#define CONF_QUIRKS_MAX		32	/* "quirk" lines per device */
#define CONF_RESET_MAX		64	/* the "reset" string */
/* Defaults of the "ratelimit" lines: per guest, per second. */
#define CONF_EVENTS_RATE	20000	/* event-channel notifications */
#define CONF_OPS_RATE		20000	/* ops served, when guests share */
#define CONF_LOG_RATE		5	/* log lines a guest causes */
#define CONF_LOG_BURST		20
/* Default of "reset-timeout": Linux alone may wait 60 s for a device. */
#define CONF_RESET_TIMEOUT	90
/*
 * Default and most of "aer-timeout": the kernel's recovery of every
 * device on the link waits for the guest (Linux's backend: 300 s), and
 * the shim gives up on the daemon after 60 s.
 */
#define CONF_AER_TIMEOUT	30
#define CONF_AER_TIMEOUT_MAX	50
/* Default of "restart-grace": a restart under systemd takes about 1 s. */
#define CONF_RESTART_GRACE	10

/* Instance names under the backend root: <domid>/<devid>. */
#define FRONTEND_DOMID_LIMIT	DOMID_FIRST_RESERVED
#define FRONTEND_DEVID_LIMIT	1024

enum conf_mode {
	CONF_MODE_VIRTUAL,	/* guest sees one virtual bus (xen-pciback default) */
	CONF_MODE_PASSTHROUGH	/* guest sees the host addresses */
};

/* Where emulated devices come from ("emulate" lines). */
struct conf_source {
	TAILQ_ENTRY(conf_source) cs_entry;
	char			*cs_source;	/* dump:FILE or sysfs:DIR */
	char			*cs_bars;	/* .bars sidecar, or NULL */
};

/* A "device" block: what the daemon holds and how. */
struct conf_device {
	TAILQ_ENTRY(conf_device) cd_entry;
	struct bdf_pattern	 cd_addr;
	int			 cd_permissive;
	char			 cd_name[PCIBACKD_NAME_MAX];
	char			 cd_file[256];	/* where it was defined */
	int			 cd_line;
	/* "quirk" lines: registers made guest-writable, mask bits only. */
	struct cfgspace_quirk	 cd_quirks[CONF_QUIRKS_MAX];
	size_t			 cd_nquirks;
	/* "reset": Linux reset_method names, space-separated; "" = any. */
	char			 cd_reset[CONF_RESET_MAX];
	/* XSA-461: sharing refused unless "allow shared-..." says so. */
	int			 cd_shared_irq;
	int			 cd_shared_page;
	/* A bridge on the virtual bus: refused unless "allow bridge". */
	int			 cd_bridge;
};

struct pcibackd_conf {
	enum conf_mode			 c_mode;
	int				 c_permissive;
	TAILQ_HEAD(, conf_source)	 c_sources;
	TAILQ_HEAD(, conf_device)	 c_devices;
	char				 c_socket[CONTROL_PATH_MAX];
	char				 c_sockgroup[PCIBACKD_NAME_MAX];
	gid_t				 c_sockgid;	/* -1: no group */
	/*
	 * The kernel shim's device node.  Empty: /dev/pcishim, used only
	 * when there are no "emulate" sources.
	 */
	char				 c_shimdev[256];
	int				 c_loglevel;	/* LOG_WARNING..LOG_DEBUG */
	unsigned int			 c_evrate;	/* events per second */
	unsigned int			 c_oprate;	/* ops per second */
	unsigned int			 c_lograte;	/* log lines per second */
	unsigned int			 c_logburst;
	unsigned int			 c_reset_timeout;	/* seconds */
	unsigned int			 c_aer_timeout;		/* seconds */
	unsigned int			 c_restart_grace;	/* seconds */
};

struct event_base;
struct event;
struct control;
struct xs_handle;
struct frontend;
struct provemul;
struct provider_dev;
struct provider_ops;
struct provshim;
struct xenevtchn_handle;
struct xengntdev_handle;
struct worker_page;
struct sandbox_id;
struct aer_wait;

/* metric.c: histograms for show metrics. */
#define METRIC_NBUCKETS		16
struct metric_bounds {
	uint64_t	 mb_ns[METRIC_NBUCKETS];	/* upper bounds */
	const char	*mb_le[METRIC_NBUCKETS];	/* the same, seconds */
};
struct metric_hist {
	uint64_t	 mh_bucket[METRIC_NBUCKETS + 1];	/* last: +Inf */
	uint64_t	 mh_sum_ns;
	uint64_t	 mh_count;
	uint64_t	 mh_last_ns;
};
extern const struct metric_bounds metric_op_bounds;
extern const struct metric_bounds metric_reset_bounds;
void		 metric_hist_add(struct metric_hist *,
		    const struct metric_bounds *, uint64_t);
uint64_t	 metric_ns_since(const struct timespec *,
		    const struct timespec *);

/* Resets by result, per method (the provider's name for it). */
enum device_reset_result {
	DEVICE_RESET_OK,
	DEVICE_RESET_FAILED,
	DEVICE_RESET_TIMEOUT,
	DEVICE_RESET_NRESULTS
};
#define DEVICE_RESET_METHODS	4	/* the last one takes the rest */
struct device_resetcount {
	char		 dc_method[16];	/* "": unused */
	uint64_t	 dc_n[DEVICE_RESET_NRESULTS];
};

/* A worker that died this many times in WORKER_DEATH_SECS fails its guest. */
#define WORKER_DEATHS		5
#define WORKER_DEATH_SECS	10

/*
 * A held device's life.  device_set_state() is the only writer, of
 * hd_state and hd_owner both:
 *   READY -> ASSIGNED (a guest claims it) -> READY or RESETTING (it let
 *   go; the provider gives it back, now or on a thread) -> READY; also
 *   READY -> RESETTING (pcibackctl reset); ASSIGNED -> GONE (the provider
 *   let go under the guest) -> no longer held once the guest lets go.
 *   A give-back or reset that fails or outlives "reset-timeout" ends in
 *   QUARANTINED instead of READY; only a successful pcibackctl reset
 *   (QUARANTINED -> RESETTING -> READY) lifts it.
 */
enum heldev_state {
	HD_READY,		/* free: a guest may claim it */
	HD_ASSIGNED,		/* hd_owner has it */
	HD_RESETTING,		/* given back, being reset: no claims */
	HD_GONE,		/* the provider let go; hd_owner still uses it */
	HD_QUARANTINED		/* its reset failed: never given to a guest */
};

/* The policy a held device runs with; device_set_policy() writes it. */
struct heldev_policy {
	int			 hp_permissive;	/* configuration, pcibackctl */
	/*
	 * The toolstack's permissive (libxl's permissive=1): for the
	 * assignment in force only, dropped when the guest lets go.
	 */
	int			 hp_tsperm;
	int			 hp_intctl;	/* allow_interrupt_control */
	/* INTx held off for the assignment in force (XSA-461). */
	int			 hp_intx_held;
	/* The device line's quirks, then pcibackctl's. */
	struct cfgspace_quirk	 hp_quirks[CONF_QUIRKS_MAX];
	size_t			 hp_nquirks;
};

/* A device the daemon holds, whoever it is given to. */
struct heldev {
	TAILQ_ENTRY(heldev)	 hd_entry;
	struct pcibackd		*hd_env;
	struct bdf		 hd_bdf;
	char			 hd_name[PCIBACKD_NAME_MAX];
	const struct provider_ops *hd_prov;	/* provider.h */
	void			*hd_arg;	/* the provider's device */
	struct cfgdev_info	 hd_info;
	struct pciop_dev	 hd_pciop;	/* pd_cs is the config space */
	enum heldev_state	 hd_state;
	int			 hd_owner;	/* domid, or -1 when free */
	struct heldev_policy	 hd_pol;
	/* Why it is quarantined ("" if not); kept while a retry runs. */
	char			 hd_quarantine[128];
	struct event		*hd_reset_timer;	/* reset-timeout */
	int			 hd_reset_late;	/* a timed-out reset runs */
	/* Writes policy denied its last guest that had one (audit.h). */
	struct audit_table	 hd_denied;
	int			 hd_denied_dom;	/* that guest; -1: none yet */
	/* Adopted with no XSA-461 check: device_rehold makes it, once. */
	int			 hd_share_unchecked;
	/* Resets (show metrics): when the one running began, and so far. */
	struct timespec		 hd_reset_t0;
	struct device_resetcount hd_resetn[DEVICE_RESET_METHODS];
	struct metric_hist	 hd_reset_hist;
	/* Its own reset methods' registers, read when held (reset.c). */
	struct resetpol_caps	 hd_resetcaps;
	/* In a coordinated bus reset that hd_busvia's give-back started. */
	int			 hd_busreset;
	struct bdf		 hd_busvia;
	/* Steps of PCIe error recovery the kernel took with it (aer.c). */
	uint64_t		 hd_aer_steps;
};

/* Why a guest's ops were served late (opserve.c). */
enum frontend_throttle {
	FRONTEND_THROTTLE_EVENTS,	/* over "ratelimit events" */
	FRONTEND_THROTTLE_OPS,		/* over "ratelimit ops" */
	FRONTEND_THROTTLE_KINDS
};

/*
 * Instances by domid, so that a watch event finds the one it names
 * without walking all of them (a thousand guests make a connect storm
 * quadratic otherwise).
 */
#define FRONTEND_BUCKETS	256

/* One PV PCI connection: backend/pci/<domid>/<devid>. */
struct frontend {
	TAILQ_ENTRY(frontend)	 fe_entry;
	LIST_ENTRY(frontend)	 fe_bucket;	/* pb_febucket[domid % ...] */
	struct pcibackd		*fe_env;
	unsigned int		 fe_domid;
	unsigned int		 fe_devid;
	char			 fe_bepath[128];
	char			 fe_fepath[128];	/* from "frontend" */
	char			 fe_refused[192];	/* why refused: "frontend",
						   "frontend-id", its watch */
	char			 fe_name[32];		/* "dom5" for logs */
	int			 fe_restarted;	/* adopted at start-up */
	/*
	 * An HVM guest's (doc/protocol.md §1.7): QEMU in dom0 uses its
	 * devices; the toolstack alone decides, the guest is not asked.
	 */
	int			 fe_hvm;
	/* Served from its restart record; xenstore not checked yet. */
	int			 fe_resumed;
	int			 fe_dying;
	int			 fe_down;	/* guestdom_down(): won't run */
	int			 fe_watching;	/* FE state watch set */
	int			 fe_watch_fired; /* its first firing seen */
	/* Nodes read while a watch covers them (frontend_read). */
	struct nodecache	 fe_nodes;
	/* Connection. */
	int			 fe_connected;
	uint32_t		 fe_remote_port;
	uint32_t		 fe_port;	/* local port, when bound */
	uint32_t		 fe_gref;
	void			*fe_page;	/* the worker's: xen_pci_sharedinfo */
	struct xenevtchn_handle	*fe_xce;	/* this guest's port only */
	struct timespec		 fe_deadline;	/* rate limit: serve then */
	int			 fe_busy;
	unsigned int		 fe_early;	/* ops served before their event */
	struct timespec		 fe_window;	/* event rate window start */
	unsigned int		 fe_events;	/* events in the window */
	unsigned int		 fe_wops;	/* ops served in the window */
	/* The guest's turnaround, learned (opserve_linger). */
	int64_t			 fe_gap_ns;	/* op to next op, estimated */
	int64_t			 fe_last_ns;	/* when the last op was seen */
	unsigned int		 fe_learn_ops;	/* answered since fe_last_ns */
	unsigned int		 fe_opseq;	/* ops seen: which to time */
	unsigned int		 fe_looks;	/* page looks per clock read */
	/* What the guest sees. */
	struct topo		 fe_topo;
	struct pciop_guest	 fe_guest;
	struct log_ratelimit	 fe_lr;
	struct log_ratelimit	 fe_oplr;	/* per-op messages, apart */
	uint64_t		 fe_ops;
	/* Worker-side, for show metrics: service times, deferrals. */
	struct metric_hist	 fe_oplat;
	uint64_t		 fe_throttled[FRONTEND_THROTTLE_KINDS];
	/* The worker serving the guest's ops (worker.c), while connected. */
	pid_t			 fe_wpid;	/* 0: none */
	uint64_t		 fe_wstart;	/* its start (proc_start), 0 */
	int			 fe_wleft;	/* left serving at our exit */
	int			 fe_port_held;	/* bind: EINVAL (opserve.c) */
	int			 fe_wsock;	/* parent's end, -1: none */
	struct event		*fe_wev;	/* its log lines */
	struct event		*fe_wrec;	/* rewrite the restart record */
	struct worker_page	*fe_wpage;	/* counters, shared with it */
	struct log_ratelimit	 fe_wlr[2];	/* its lines: info, warnings */
	struct timespec		 fe_wdeaths[WORKER_DEATHS]; /* the last ones */
	unsigned int		 fe_wndeaths;
	uint32_t		 fe_wseq;	/* the last drop asked */
	uint32_t		 fe_wacked;	/* the last drop it answered */
	/* Each served device's slot in the worker page (worker_fill). */
	uint16_t		 fe_wslot[TOPO_MAX_DEVS];
	uint32_t		 fe_wnslot;
	/* In the worker: the AER step posted to the guest (aer.c). */
	int			 fe_aer_posted;
	uint32_t		 fe_aer_id;
	struct bdf		 fe_aer_host;
	struct timespec		 fe_aer_end;
};

struct pcibackd {
	struct event_base	*pb_base;
	struct pcibackd_conf	*pb_conf;
	const char		*pb_conffile;
	struct xs_handle	*pb_xs;
	struct event		*pb_xsev;
	struct xengntdev_handle	*pb_xgt;	/* connect's check of a grant */
	struct event		*pb_chldev;	/* SIGCHLD: a worker died */
	struct event		*pb_heldev;	/* adoptions tried again */
	unsigned int		 pb_domid;	/* our own */
	int			 pb_root_fired;	/* the root watch's first firing */
	char			 pb_root[64];	/* .../backend/pci */
	TAILQ_HEAD(, heldev)	 pb_devices;
	struct provemul		*pb_emul;	/* emulated device sources */
	struct provshim		*pb_shim;	/* the kernel shim, if used */
	TAILQ_HEAD(, frontend)	 pb_frontends;
	TAILQ_HEAD(, aer_wait)	 pb_aer;	/* recovery steps asked */
	uint32_t		 pb_aerid;
	LIST_HEAD(frontend_bucket, frontend) pb_febucket[FRONTEND_BUCKETS];
	unsigned int		 pb_nconnected;	/* frontends with a page */
	struct control		*pb_control;	/* the control socket */
	int			 pb_starting;	/* first scan: adopt */
	char			 pb_recdir[CONTROL_PATH_MAX + 16]; /* record.c */
	int			 pb_exiting;
	/* For show metrics: when it started, how long that took. */
	time_t			 pb_started;	/* wall clock */
	uint64_t		 pb_startup_ns;
	/* Connected guests adopted from a restart record, from xenstore. */
	uint64_t		 pb_adopted_rec;
	uint64_t		 pb_adopted_xs;
	/* Instances' xenstore reads: kept ones answered, round trips. */
	uint64_t		 pb_reads_cached;
	uint64_t		 pb_reads_asked;
};

/* device.c */
int		 device_init(struct pcibackd *);
int		 device_count(struct pcibackd *);
void		 device_shutdown(struct pcibackd *);
struct heldev	*device_find(struct pcibackd *, const struct bdf *);
/* Hold what a provider offers, with cd's name and policy. */
struct heldev	*device_hold(struct pcibackd *, const struct provider_dev *,
		    const struct conf_device *);
/* Stop holding a device no guest owns (pcibackctl release, reload). */
int		 device_unhold(struct pcibackd *, struct heldev *);
/* Hold one more device from the providers (pcibackctl hold, reload). */
int		 device_add(struct pcibackd *, const struct bdf *,
		    const struct conf_device *, char **);
/*
 * Give it to a guest.  How: a new PV guest; one that had it before a
 * restart; an HVM guest, which QEMU gave it already (no check can
 * refuse it, nothing in hardware changes).
 */
#define DEVICE_CLAIM_NEW	0
#define DEVICE_CLAIM_ADOPT	1
#define DEVICE_CLAIM_HVM	2
int		 device_claim(struct heldev *, unsigned int, int, char **);
/* The host's functions are listed: adopted devices' INTx held again. */
void		 device_rehold(struct pcibackd *);
/* The guest let go: interrupts off, given back (and reset). */
void		 device_unassign(struct heldev *);
/* The provider let go of it; 1 if it is no longer held. */
int		 device_gone(struct heldev *);
/* The provider finished giving it back; error: 0 or an errno. */
void		 device_giveback_done(struct heldev *, int);
void		 device_adopted(struct pcibackd *);
/* Forget an adoption xenstore did not confirm; the provider keeps it. */
void		 device_unclaim(struct heldev *);
const char	*device_reset_method(const struct heldev *);
const char	*device_reset_result_name(int);
const char	*device_state_name(const struct heldev *);
/* Reset a free device now, by its provider; -1 and a cause if not. */
int		 device_reset(struct heldev *, char **);
/* The only writer of hd_pol; the guest's next access sees it. */
int		 device_set_policy(struct heldev *,
		    const struct heldev_policy *, char **);
int		 device_set_permissive(struct heldev *, int, char **);
/* Permissive, by whoever asked. */
int		 device_permissive(const struct heldev *);

/*
 * A restart record (record.c): what a connected guest's worker served,
 * for the next daemon to serve it again before it reads xenstore.
 */
struct record {
	unsigned int	rc_domid;
	unsigned int	rc_devid;
	char		rc_fepath[128];
	uint32_t	rc_gref;
	uint32_t	rc_port;
	size_t		rc_ndev;
	struct bdf	rc_host[TOPO_MAX_DEVS];
	struct bdf	rc_guest[TOPO_MAX_DEVS];
	int32_t		rc_command[TOPO_MAX_DEVS];	/* -1: not said */
	pid_t		rc_wpid;	/* the worker left serving, 0 */
	uint64_t	rc_wstart;	/* and its start (proc_start) */
};

/* record.c */
void		 record_init(struct pcibackd *);
int		 record_write(struct frontend *);
void		 record_remove(struct frontend *);
void		 record_resume(struct pcibackd *);
void		 record_retire(struct record *);

/* watch.c */
int		 watch_open(struct pcibackd *);
int		 watch_init(struct pcibackd *);
void		 watch_shutdown(struct pcibackd *);
int		 watch_frontend(struct pcibackd *, struct frontend *, int);
/* Take in the events queued so far; their instances are evaluated next. */
void		 watch_absorb(struct pcibackd *);

/* frontend.c */
struct frontend	*frontend_find(struct pcibackd *, unsigned int,
		    unsigned int);
void		 frontend_changed(struct pcibackd *, const char *);
int		 frontend_parse_id(const char *, size_t, unsigned int,
		    unsigned int *);
void		 frontend_scan(struct pcibackd *);
/* Serve a guest again from its restart record; 0, or -1 (not done). */
int		 frontend_resume(struct pcibackd *, struct record *);
void		 frontend_update(struct pcibackd *, unsigned int,
		    unsigned int);
void		 frontend_release_domains(struct pcibackd *);
/* A reset ended: evaluate every instance again. */
void		 frontend_retry(struct pcibackd *);
void		 frontend_shutdown(struct pcibackd *);
void		 frontend_free(struct frontend *);
/* Its worker keeps dying: error node, Closing, as for a fatal error. */
void		 frontend_abandon(struct frontend *, const char *);
/* " (HVM)" if an HVM guest's instance has it, else "". */
const char	*frontend_owner_kind(struct pcibackd *, const struct heldev *);
int		 frontend_bridge_refused(struct pcibackd *, struct heldev *);
/* A node of its backend directory. */
int		 frontend_write(struct frontend *, const char *, const char *);

/* guestdom.c */
void		 guestdom_init(void);
void		 guestdom_shutdown(void);
/* The guest will not run again (shut down, crashed, dying). */
int		 guestdom_down(unsigned int);

/* reload.c */
/* The report's level is "info" (applied) or "warning" (not applied). */
int		 reload_run(struct pcibackd *,
		    void (*)(void *, const char *, const char *), void *);

/* control.c */
void		 control_init(struct pcibackd *);
void		 control_listen(struct pcibackd *);
void		 control_shutdown(struct pcibackd *);
/* The fuzzer's: both sides of the control socket in this process. */
void		 control_listen_inproc(struct pcibackd *);
/* A child exited: if it was the control process, replace it. */
void		 control_reaped(struct pcibackd *, pid_t, int);
/* Look the socket group's members up again (start-up, reload). */
void		 control_group_refresh(struct pcibackd *);

/* opserve.c: the parent binds, the worker serves */
int		 opserve_init(struct pcibackd *);
void		 opserve_shutdown(struct pcibackd *);
int		 opserve_connect(struct frontend *, char **);
void		 opserve_disconnect(struct frontend *);
/* In the worker: */
void		 opserve_start(struct frontend *);
void		 opserve_event(struct frontend *);
/* Milliseconds until a deferred op is due (0: now), -1 if none. */
int		 opserve_timeout(struct frontend *);
void		 opserve_timer(struct frontend *);

/*
 * aer.c: PCIe error recovery forwarded to the guest.  The steps and
 * results carry the values of Linux's recovery, which is what pcifront
 * reads and writes in aer_op (doc/protocol.md §8.13).
 */
#define AER_DETECTED		1
#define AER_MMIO		2
#define AER_SLOT_RESET		3
#define AER_RESUME		4
#define AER_STATE_NORMAL	1	/* non-fatal */
#define AER_STATE_FROZEN	2
#define AER_STATE_PERM_FAILURE	3
#define AER_RESULT_NONE		1
#define AER_RESULT_CAN_RECOVER	2
#define AER_RESULT_NEED_RESET	3
#define AER_RESULT_DISCONNECT	4
#define AER_RESULT_RECOVERED	5
#define AER_RESULT_NO_AER_DRIVER 6
/* How an answer came, worker to parent. */
#define AER_HOW_ANSWERED	0
#define AER_HOW_TIMEOUT		1
#define AER_HOW_NOHANDLER	2	/* the guest set no _XEN_PCIB_AERHANDLER */
#define AER_HOW_NOTOURS		3
#define AER_HOW_NONSENSE	4
void		 aer_init(struct pcibackd *);
void		 aer_shutdown(struct pcibackd *);
void		 aer_request(struct pcibackd *, struct heldev *, unsigned int,
		    int, uint64_t, int);
void		 aer_answered(struct frontend *, uint32_t, int, unsigned int);
void		 aer_worker_gone(struct frontend *);
const char	*aer_cmd_name(unsigned int);
const char	*aer_result_name(int);
int		 aer_result_valid(int);

/* worker.c */
/* Ask the guest's worker to post an AER step; its answer: aer_answered. */
int		 worker_aer(struct frontend *, const struct bdf *, uint32_t,
		    unsigned int, int, unsigned int);
int		 worker_init(struct pcibackd *);
void		 worker_shutdown(struct pcibackd *);
/* Fork the guest's worker; the guest is connected. */
int		 worker_start(struct frontend *);
/* Ask it to quit between two ops, wait, take its counters. */
void		 worker_stop(struct frontend *);
/* Ask every worker to quit, without waiting (worker_stop waits). */
void		 worker_quit_all(struct pcibackd *);
/* In a forked child: unmap every worker page but this one's. */
void		 worker_unmap_pages(struct pcibackd *, struct frontend *);
/* At exit: leave the worker serving for the next daemon; 0 if it is. */
int		 worker_leave(struct frontend *);
/* What it serves changed: a new one from the parent's state. */
void		 worker_refresh(struct frontend *);
/*
 * Take a device from the guest's topology: its worker stops serving it
 * (or is replaced), the restart record follows.  -1: not the guest's.
 */
int		 worker_drop(struct frontend *, const struct bdf *);
void		 worker_refresh_domain(struct pcibackd *, int);
void		 worker_refresh_all(struct pcibackd *);
/* The counters the workers published, into the parent's copies. */
void		 worker_sync(struct pcibackd *);
/* In the worker, after serving: publish the counters. */
void		 worker_publish(struct frontend *);
unsigned int	 worker_nconnected(struct frontend *);
/* pb_nconnected changed: tell every worker (the op budget uses it). */
void		 worker_count(struct pcibackd *);
void		 worker_free(struct frontend *);
/* Who the unprivileged processes become (sandbox.h). */
const struct sandbox_id	*worker_sandbox(void);

/* parse.y */
struct pcibackd_conf	*parse_config(const char *);
int			 cmdline_symset(const char *);
void			 conf_free(struct pcibackd_conf *);
const struct conf_device *conf_find_device(const struct pcibackd_conf *,
			    const struct bdf *);

/* conf.c */
/* The device block of the configuration, or the one for no block. */
const struct conf_device *conf_device_or_default(const struct pcibackd_conf *,
			    const struct bdf *, struct conf_device *);
int			 conf_quirk_check(const struct cfgspace_quirk *,
			    char *, size_t);
int			 conf_quirks_equal(const struct cfgspace_quirk *,
			    size_t, const struct cfgspace_quirk *, size_t);
int			 conf_reset_check(const char *, char *, size_t);
const char		*conf_loglevel_name(int);
int			 conf_loglevel_parse(const char *);

/* share.c */
#define SHARE_CAUSE_MAX		768

/* One thing a held device shares with another function (XSA-461). */
struct share_item {
	int		 sit_verdict;	/* SHAREPOL_ALLOWED, _HOLD, ... */
	int		 sit_kind;	/* SHAREPOL_IRQ or SHAREPOL_PAGE */
	uint64_t	 sit_what;	/* the dom0 IRQ, or the page */
	char		 sit_addr[BDF_XL_MAX];	/* the other function */
	char		 sit_owner[48];	/* "dom0", "dom5", "held ..., free" */
};

int			 share_check(struct pcibackd *, const struct heldev *,
			    unsigned int, char **, char **);
/* Everything it shares, allowed or not, to fn(arg, item). */
int			 share_list(struct pcibackd *, const struct heldev *,
			    int, void (*)(void *, const struct share_item *),
			    void *);
/* One item as explain and check print it. */
void			 share_text(const struct share_item *, char *, size_t);
/* The configuration step that allows what (SHAREPOL_IRQ|_PAGE). */
void			 share_fix(struct pcibackd *, const struct bdf *, int,
			    char *, size_t);

/* reset.c */
/* Its own reset methods, from its config space, as device_hold finds them. */
void			 reset_caps(struct heldev *);
/*
 * Its reset methods now: its own and, from the host's topology and who
 * has the other functions, the slot and bus reset.  0, or -1 if the
 * host's functions cannot be listed (rp still has its own).
 */
int			 reset_plan(struct pcibackd *, const struct heldev *,
			    struct resetpol *);

/* printconf.c */
void			 print_config(const struct pcibackd_conf *);

#endif /* PCIBACKD_H */
