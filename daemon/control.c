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
 * The control socket: pcibackctl(8) asks, the daemon answers (the
 * protocol is in control_proto.h).  A client is treated like a guest: it
 * may be slow, buggy or hostile, so every buffer is bounded, every
 * connection is non-blocking and timed out, and a client that sends what
 * the daemon cannot parse is dropped with a rate-limited log line.  Only
 * root, our own uid or members of the configured group get in; the
 * socket's mode says the same to the kernel.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <xenstore.h>

#include "control_proto.h"
#include "emul.h"
#include "pcibackd.h"
#include "xbstate.h"

#define CONTROL_CLIENTS_MAX	16
#define CONTROL_IDLE_SEC	30	/* to send or to read, seconds */
#define CONTROL_OUT_MAX		(1024 * 1024)	/* one reply */
#define CONTROL_ERR_MAX		256
#define CONTROL_LOG_RATE	2	/* lines per second about clients */
#define CONTROL_LOG_BURST	10
#define CONTROL_END_SPACE	(sizeof(struct control_hdr) + CONTROL_ERR_MAX)

struct control_conn {
	TAILQ_ENTRY(control_conn) cc_entry;
	struct control		*cc_ctl;
	int			 cc_fd;
	struct event		*cc_rev;
	struct event		*cc_wev;
	char			 cc_name[48];	/* "uid 0 pid 123" */
	/* At most one message; a longer one is refused from its header. */
	uint8_t			 cc_in[sizeof(struct control_hdr) +
				    CONTROL_PAYLOAD_MAX];
	size_t			 cc_inlen;
	/* Replies not written yet; requests wait until they are. */
	uint8_t			*cc_out;
	size_t			 cc_outlen;
	size_t			 cc_outoff;
	size_t			 cc_outsize;
	int			 cc_closing;	/* close once written */
	/* The record being built. */
	uint8_t			 cc_rec[CONTROL_PAYLOAD_MAX];
	size_t			 cc_reclen;
	int			 cc_overflow;	/* reply too long */
	char			 cc_err[CONTROL_ERR_MAX];
};

struct control {
	struct pcibackd		*ctl_env;
	int			 ctl_fd;
	struct event		*ctl_ev;
	struct event		*ctl_pause;	/* no fds: wait */
	char			 ctl_path[CONTROL_PATH_MAX];
	TAILQ_HEAD(, control_conn) ctl_conns;
	unsigned int		 ctl_nconns;
	struct log_ratelimit	 ctl_lr;
	struct timespec		 ctl_start;
};

struct control_cmd {
	uint32_t	 cm_cmd;
	const char	*cm_name;
	int		 cm_nargs;
	int		(*cm_fn)(struct control_conn *, char **);
};

static const struct timeval control_idle = { CONTROL_IDLE_SEC, 0 };

static int	control_show_devices(struct control_conn *, char **);
static int	control_show_guests(struct control_conn *, char **);
static int	control_show_guest(struct control_conn *, char **);
static int	control_show_stats(struct control_conn *, char **);
static int	control_permissive(struct control_conn *, char **);
static int	control_log(struct control_conn *, char **);
static int	control_explain(struct control_conn *, char **);
static int	control_reload(struct control_conn *, char **);
static int	control_hold(struct control_conn *, char **);
static int	control_release(struct control_conn *, char **);
static int	control_quirk_add(struct control_conn *, char **);
static int	control_quirk_del(struct control_conn *, char **);
static int	control_log_level(struct control_conn *, char **);
static int	control_reset(struct control_conn *, char **);

static const struct control_cmd control_cmds[] = {
	{ CONTROL_CMD_SHOW_DEVICES, "show devices", 0, control_show_devices },
	{ CONTROL_CMD_SHOW_GUESTS, "show guests", 0, control_show_guests },
	{ CONTROL_CMD_SHOW_GUEST, "show guest", 1, control_show_guest },
	{ CONTROL_CMD_SHOW_STATS, "show stats", 0, control_show_stats },
	{ CONTROL_CMD_PERMISSIVE, "permissive", 2, control_permissive },
	{ CONTROL_CMD_LOG, "log", 1, control_log },
	{ CONTROL_CMD_EXPLAIN, "explain", 1, control_explain },
	{ CONTROL_CMD_RELOAD, "reload", 0, control_reload },
	{ CONTROL_CMD_HOLD, "hold", 1, control_hold },
	{ CONTROL_CMD_RELEASE, "release", 1, control_release },
	{ CONTROL_CMD_QUIRK_ADD, "quirk add", 4, control_quirk_add },
	{ CONTROL_CMD_QUIRK_DEL, "quirk del", 2, control_quirk_del },
	{ CONTROL_CMD_LOG_LEVEL, "log level", 1, control_log_level },
	{ CONTROL_CMD_RESET, "reset", 1, control_reset },
};

/* ---- connections --------------------------------------------------- */

static void
control_close(struct control_conn *cc)
{
	struct control	*ctl = cc->cc_ctl;

	log_debug("control: %s: closed", cc->cc_name);
	event_free(cc->cc_rev);
	event_free(cc->cc_wev);
	close(cc->cc_fd);
	TAILQ_REMOVE(&ctl->ctl_conns, cc, cc_entry);
	ctl->ctl_nconns--;
	free(cc->cc_out);
	free(cc);
}

static void
control_drop(struct control_conn *cc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The client misbehaved: say so, and forget it. */
static void
control_drop(struct control_conn *cc, const char *fmt, ...)
{
	char	msg[256];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_limited(&cc->cc_ctl->ctl_lr, LOG_WARNING,
	    "control: %s: %s; dropped", cc->cc_name, msg);
	control_close(cc);
}

/* Queue one message; -1 if the reply grew past CONTROL_OUT_MAX. */
static int
control_queue(struct control_conn *cc, uint32_t type, uint32_t arg,
    const void *payload, size_t len, size_t reserve)
{
	struct control_hdr	 hdr;
	size_t			 need, size;
	uint8_t			*p;

	need = cc->cc_outlen + sizeof(hdr) + len;
	if (need + reserve > CONTROL_OUT_MAX)
		return -1;
	if (need > cc->cc_outsize) {
		for (size = cc->cc_outsize ? cc->cc_outsize : 4096;
		    size < need; size *= 2)
			;
		if ((p = realloc(cc->cc_out, size)) == NULL)
			return -1;
		cc->cc_out = p;
		cc->cc_outsize = size;
	}
	memset(&hdr, 0, sizeof(hdr));
	hdr.ch_version = CONTROL_PROTOCOL_VERSION;
	hdr.ch_type = type;
	hdr.ch_arg = arg;
	hdr.ch_len = (uint32_t)len;
	memcpy(cc->cc_out + cc->cc_outlen, &hdr, sizeof(hdr));
	if (len > 0)
		memcpy(cc->cc_out + cc->cc_outlen + sizeof(hdr), payload, len);
	cc->cc_outlen = need;
	return 0;
}

/* The END of a reply; room for it is always kept. */
static void
control_end(struct control_conn *cc, int status, const char *msg)
{
	char	buf[CONTROL_ERR_MAX];

	snprintf(buf, sizeof(buf), "%s", msg);
	if (control_queue(cc, CONTROL_MSG_END, (uint32_t)status, buf,
	    strlen(buf) + 1, 0) != 0) {
		/* Out of memory: nothing sensible left to say. */
		cc->cc_closing = 1;
	}
}

static int
control_fail(struct control_conn *cc, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A request failed: err is its status, fmt the message pcibackctl shows. */
static int
control_fail(struct control_conn *cc, int err, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(cc->cc_err, sizeof(cc->cc_err), fmt, ap);
	va_end(ap);
	return err;
}

/* Write what the socket takes.  0: still open; -1: closed. */
static int
control_flush(struct control_conn *cc)
{
	ssize_t	n;

	while (cc->cc_outoff < cc->cc_outlen) {
		n = send(cc->cc_fd, cc->cc_out + cc->cc_outoff,
		    cc->cc_outlen - cc->cc_outoff, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* Stop reading requests until the replies are out. */
			event_del(cc->cc_rev);
			event_add(cc->cc_wev, &control_idle);
			return 0;
		}
		if (n == -1) {
			log_debug("control: %s: send: %s", cc->cc_name,
			    strerror(errno));
			control_close(cc);
			return -1;
		}
		cc->cc_outoff += (size_t)n;
	}
	free(cc->cc_out);
	cc->cc_out = NULL;
	cc->cc_outlen = cc->cc_outoff = cc->cc_outsize = 0;
	if (cc->cc_closing) {
		control_close(cc);
		return -1;
	}
	event_add(cc->cc_rev, &control_idle);
	return 0;
}

/* ---- records ------------------------------------------------------- */

static void
control_field(struct control_conn *cc, int type, const char *key,
    const char *val)
{
	size_t	klen = strlen(key), vlen = strlen(val);

	if (cc->cc_reclen + 1 + klen + 1 + vlen + 1 > sizeof(cc->cc_rec)) {
		cc->cc_overflow = 1;
		return;
	}
	cc->cc_rec[cc->cc_reclen++] = (uint8_t)type;
	memcpy(cc->cc_rec + cc->cc_reclen, key, klen + 1);
	cc->cc_reclen += klen + 1;
	memcpy(cc->cc_rec + cc->cc_reclen, val, vlen + 1);
	cc->cc_reclen += vlen + 1;
}

static void
control_fields(struct control_conn *cc, const char *key, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static void
control_fields(struct control_conn *cc, const char *key, const char *fmt,
    ...)
{
	char	val[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(val, sizeof(val), fmt, ap);
	va_end(ap);
	control_field(cc, CONTROL_F_STRING, key, val);
}

static void
control_fieldn(struct control_conn *cc, const char *key, uint64_t n)
{
	char	val[24];

	snprintf(val, sizeof(val), "%llu", (unsigned long long)n);
	control_field(cc, CONTROL_F_NUMBER, key, val);
}

static void
control_fieldb(struct control_conn *cc, const char *key, int b)
{
	control_field(cc, CONTROL_F_BOOL, key, b ? "1" : "0");
}

static void
control_begin(struct control_conn *cc, const char *kind)
{
	cc->cc_reclen = 0;
	control_field(cc, CONTROL_F_STRING, "record", kind);
}

static void
control_emit(struct control_conn *cc)
{
	if (cc->cc_overflow)
		return;
	if (control_queue(cc, CONTROL_MSG_RECORD, 0, cc->cc_rec,
	    cc->cc_reclen, CONTROL_END_SPACE) != 0)
		cc->cc_overflow = 1;
}

/* ---- what the daemon knows ------------------------------------------ */

static uint32_t
control_cfg(struct heldev *hd, unsigned int off, unsigned int size)
{
	uint32_t	v = 0;

	/* The provider, not the guest's view: no guest counter moves. */
	if (hd->hd_ops->cdo_read(hd->hd_arg, off, size, &v) != 0)
		return 0xffffffff;
	return v;
}

static const char *
control_irq_mode(struct heldev *hd)
{
	struct cfgspace	*cs = hd->hd_pciop.pd_cs;
	int		 msi, msix;

	msix = cfgspace_msix_enabled(cs);
	msi = cfgspace_msi_enabled(cs);
	if (msix > 0)
		return "MSI-X";
	if (msi > 0)
		return "MSI";
	if (msix < 0 || msi < 0)
		return "unknown";
	if ((control_cfg(hd, 0x3d, 1) & 0xff) == 0)
		return "none";
	return "INTx";
}

/* The guest holding a device, and where it sees it. */
static struct frontend *
control_owner(struct pcibackd *env, struct heldev *hd, struct bdf *guest)
{
	struct frontend		*fe;
	struct topo_entry	*te;

	if (hd->hd_owner == -1)
		return NULL;
	TAILQ_FOREACH(fe, &env->pb_frontends, fe_entry) {
		if (fe->fe_domid != (unsigned int)hd->hd_owner)
			continue;
		if ((te = topo_find_host(&fe->fe_topo, &hd->hd_bdf)) != NULL) {
			*guest = te->te_guest;
			return fe;
		}
	}
	return NULL;
}

static void
control_device_fields(struct control_conn *cc, struct heldev *hd)
{
	struct pcibackd	*env = cc->cc_ctl->ctl_env;
	char		 addr[BDF_XL_MAX];
	uint32_t	 id, class;
	struct bdf	 guest;

	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	id = control_cfg(hd, 0x00, 4);
	class = control_cfg(hd, 0x08, 4);
	control_field(cc, CONTROL_F_STRING, "address", addr);
	control_field(cc, CONTROL_F_STRING, "name", hd->hd_name);
	control_fields(cc, "id", "%04x:%04x", id & 0xffff, id >> 16);
	control_fields(cc, "class", "%06x", class >> 8);
	if (hd->hd_owner == -1)
		control_field(cc, CONTROL_F_STRING, "owner", "free");
	else {
		control_fields(cc, "owner", "dom%d", hd->hd_owner);
		control_fieldn(cc, "domid", (uint64_t)hd->hd_owner);
		if (control_owner(env, hd, &guest) != NULL) {
			bdf_format_dev(&guest, addr, sizeof(addr));
			control_field(cc, CONTROL_F_STRING, "guest_address",
			    addr);
		}
	}
	control_field(cc, CONTROL_F_STRING, "interrupts",
	    control_irq_mode(hd));
	control_fieldb(cc, "permissive", hd->hd_permissive);
	control_field(cc, CONTROL_F_STRING, "state", hd->hd_gone ? "gone" :
	    hd->hd_resetting ? "resetting" :
	    hd->hd_owner == -1 ? "ready" : "assigned");
	control_field(cc, CONTROL_F_STRING, "provider",
	    hd->hd_shim != NULL ? "shim" : "emulated");
	control_field(cc, CONTROL_F_STRING, "reset", device_reset_method(hd));
}

/* The op and config-space counters of a device, since it was held. */
static void
control_device_stats(struct control_conn *cc, struct heldev *hd)
{
	const struct pciop_stats	*ps = &hd->hd_pciop.pd_stats;
	const struct cfgspace_stats	*css;
	uint32_t			 c;

	for (c = 0; c < PCIOP_NCMD; c++)
		control_fieldn(cc, pciop_cmd_name(c), ps->ps_ops[c]);
	control_fieldn(cc, "op_errors", ps->ps_errors);
	control_fieldn(cc, "irq_refused", ps->ps_irq_refused);
	css = cfgspace_stats(hd->hd_pciop.pd_cs);
	control_fieldn(cc, "cfg_reads", css->css_reads);
	control_fieldn(cc, "cfg_writes", css->css_writes);
	control_fieldn(cc, "cfg_writes_dropped", css->css_dropped);
	control_fieldn(cc, "cfg_writes_refused", css->css_refused);
}

/* A state node, by name: "Connected", "Unknown" when missing. */
static const char *
control_xs_state(struct pcibackd *env, const char *dir)
{
	char		 path[256], *s;
	unsigned int	 len;
	int		 st;

	if (dir[0] == '\0')
		return xbstate_name(0);
	snprintf(path, sizeof(path), "%s/state", dir);
	s = xs_read(env->pb_xs, XBT_NULL, path, &len);
	st = xbstate_parse_state(s);
	free(s);
	return xbstate_name(st);
}

static void
control_guest_fields(struct control_conn *cc, struct frontend *fe)
{
	struct pcibackd	*env = cc->cc_ctl->ctl_env;

	control_fieldn(cc, "domid", fe->fe_domid);
	control_fieldn(cc, "devid", fe->fe_devid);
	control_field(cc, CONTROL_F_STRING, "state",
	    control_xs_state(env, fe->fe_bepath));
	control_field(cc, CONTROL_F_STRING, "frontend_state",
	    control_xs_state(env, fe->fe_fepath));
	control_fieldb(cc, "connected", fe->fe_connected);
	control_fieldn(cc, "devices", topo_count(&fe->fe_topo));
	control_fieldn(cc, "ops", fe->fe_ops);
	control_fieldn(cc, "op_errors", fe->fe_guest.pg_stats.ps_errors);
}

/*
 * An address as pcibackctl sends it, DDDD:BB:DD.F.  0, or an errno with
 * the parser's message.
 */
static int
control_addr(struct control_conn *cc, const char *s, struct bdf *b)
{
	struct bdf_error	err;

	if (bdf_parse_dev(s, b, &err) != 0)
		return control_fail(cc, EINVAL, "bad address %s", err.be_msg);
	return 0;
}

static struct heldev *
control_held(struct control_conn *cc, const char *s, int *err)
{
	struct heldev	*hd;
	struct bdf	 b;

	if ((*err = control_addr(cc, s, &b)) != 0)
		return NULL;
	if ((hd = device_find(cc->cc_ctl->ctl_env, &b)) == NULL)
		*err = control_fail(cc, ENODEV, "%s: not held by pcibackd "
		    "(pcibackctl explain %s says why)", s, s);
	return hd;
}

/* ---- commands ------------------------------------------------------ */

static int
control_show_devices(struct control_conn *cc, char **argv)
{
	struct heldev	*hd;

	(void)argv;
	TAILQ_FOREACH(hd, &cc->cc_ctl->ctl_env->pb_devices, hd_entry) {
		control_begin(cc, "device");
		control_device_fields(cc, hd);
		control_emit(cc);
	}
	return 0;
}

static int
control_show_guests(struct control_conn *cc, char **argv)
{
	struct frontend	*fe;

	(void)argv;
	TAILQ_FOREACH(fe, &cc->cc_ctl->ctl_env->pb_frontends, fe_entry) {
		control_begin(cc, "guest");
		control_guest_fields(cc, fe);
		control_emit(cc);
	}
	return 0;
}

static void
control_guest_devices(struct control_conn *cc, struct frontend *fe)
{
	struct topo_entry	*te;
	struct heldev		*hd;
	size_t			 i;
	char			 addr[BDF_XL_MAX];

	for (i = 0; i < topo_count(&fe->fe_topo); i++) {
		te = topo_entry(&fe->fe_topo, i);
		if ((hd = device_find(fe->fe_env, &te->te_host)) == NULL)
			continue;
		control_begin(cc, "device");
		control_device_fields(cc, hd);
		bdf_format_dev(&te->te_guest, addr, sizeof(addr));
		control_field(cc, CONTROL_F_STRING, "guest_address", addr);
		control_device_stats(cc, hd);
		control_emit(cc);
	}
}

static int
control_show_guest(struct control_conn *cc, char **argv)
{
	struct frontend			*fe;
	const struct pciop_stats	*ps;
	char				*end;
	unsigned long			 domid;
	uint32_t			 c;
	int				 found = 0;

	errno = 0;
	domid = strtoul(argv[0], &end, 10);
	if (argv[0][0] < '0' || argv[0][0] > '9' || *end != '\0' ||
	    errno != 0 || domid > 0x7fef)
		return control_fail(cc, EINVAL, "bad domain id \"%s\"",
		    argv[0]);
	TAILQ_FOREACH(fe, &cc->cc_ctl->ctl_env->pb_frontends, fe_entry) {
		if (fe->fe_domid != domid)
			continue;
		found = 1;
		control_begin(cc, "guest");
		control_guest_fields(cc, fe);
		ps = &fe->fe_guest.pg_stats;
		for (c = 0; c < PCIOP_NCMD; c++)
			control_fieldn(cc, pciop_cmd_name(c), ps->ps_ops[c]);
		control_fieldn(cc, "not_found", ps->ps_notfound);
		control_fieldn(cc, "unknown_ops", ps->ps_unknown);
		control_emit(cc);
		control_guest_devices(cc, fe);
	}
	if (!found)
		return control_fail(cc, ENOENT, "dom%lu has no PCI backend "
		    "served by pcibackd", domid);
	return 0;
}

static int
control_show_stats(struct control_conn *cc, char **argv)
{
	struct control			*ctl = cc->cc_ctl;
	struct pcibackd			*env = ctl->ctl_env;
	struct heldev			*hd;
	struct frontend			*fe;
	const struct cfgspace_stats	*css;
	uint64_t			 n[8], ops[PCIOP_NCMD];
	struct timespec			 now;
	uint32_t			 c;

	(void)argv;
	memset(n, 0, sizeof(n));
	memset(ops, 0, sizeof(ops));
	TAILQ_FOREACH(hd, &env->pb_devices, hd_entry) {
		n[0]++;
		n[1] += hd->hd_owner == -1;
		n[2] += hd->hd_permissive != 0;
		for (c = 0; c < PCIOP_NCMD; c++)
			ops[c] += hd->hd_pciop.pd_stats.ps_ops[c];
		n[3] += hd->hd_pciop.pd_stats.ps_errors;
		css = cfgspace_stats(hd->hd_pciop.pd_cs);
		n[4] += css->css_dropped;
		n[5] += css->css_refused;
	}
	TAILQ_FOREACH(fe, &env->pb_frontends, fe_entry) {
		n[6]++;
		n[7] += fe->fe_connected != 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	control_begin(cc, "stats");
	control_fieldn(cc, "uptime", (uint64_t)(now.tv_sec -
	    ctl->ctl_start.tv_sec));
	control_fieldn(cc, "devices", n[0]);
	control_fieldn(cc, "devices_free", n[1]);
	control_fieldn(cc, "devices_permissive", n[2]);
	control_fieldn(cc, "guests", n[6]);
	control_fieldn(cc, "guests_connected", n[7]);
	for (c = 0; c < PCIOP_NCMD; c++)
		control_fieldn(cc, pciop_cmd_name(c), ops[c]);
	control_fieldn(cc, "op_errors", n[3]);
	control_fieldn(cc, "cfg_writes_dropped", n[4]);
	control_fieldn(cc, "cfg_writes_refused", n[5]);
	control_fieldn(cc, "control_clients", ctl->ctl_nconns);
	control_field(cc, CONTROL_F_STRING, "log",
	    log_getverbose() > 0 ? "verbose" : "brief");
	control_field(cc, CONTROL_F_STRING, "log_level",
	    conf_loglevel_name(log_getlevel()));
	control_emit(cc);
	return 0;
}

static int
control_permissive(struct control_conn *cc, char **argv)
{
	struct heldev	*hd;
	char		*cause = NULL, addr[BDF_XL_MAX];
	int		 on, err, was;

	if ((hd = control_held(cc, argv[0], &err)) == NULL)
		return err;
	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	if (strcmp(argv[1], "on") == 0)
		on = 1;
	else if (strcmp(argv[1], "off") == 0)
		on = 0;
	else
		return control_fail(cc, EINVAL, "permissive: want on or off, "
		    "not \"%s\"", argv[1]);
	was = hd->hd_permissive;
	if (device_set_permissive(hd, on, &cause) != 0) {
		err = control_fail(cc, EIO, "%s: %s", addr,
		    cause != NULL ? cause : strerror(errno));
		free(cause);
		return err;
	}
	if (on && !was && hd->hd_owner != -1)
		log_warnx("%s: permissive turned ON by %s: dom%d may now "
		    "write registers pcibackd does not know (XSA-124)", addr,
		    cc->cc_name, hd->hd_owner);
	else if (on && !was)
		log_warnx("%s: permissive turned ON by %s: the next guest may "
		    "write registers pcibackd does not know (XSA-124)", addr,
		    cc->cc_name);
	else if (!on && was)
		log_info("%s: permissive turned off by %s", addr,
		    cc->cc_name);
	control_begin(cc, "device");
	control_device_fields(cc, hd);
	control_fieldb(cc, "changed", on != was);
	control_emit(cc);
	return 0;
}

static int
control_log(struct control_conn *cc, char **argv)
{
	int	v;

	if (strcmp(argv[0], "verbose") == 0)
		v = 1;
	else if (strcmp(argv[0], "brief") == 0)
		v = 0;
	else
		return control_fail(cc, EINVAL, "log: want verbose or brief, "
		    "not \"%s\"", argv[0]);
	log_setverbose(v);
	log_info("log %s, by %s", argv[0], cc->cc_name);
	control_begin(cc, "log");
	control_field(cc, CONTROL_F_STRING, "log", argv[0]);
	control_emit(cc);
	return 0;
}

static void
control_reason(struct control_conn *cc, const char *level, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

/* level: "blocks" (it cannot be given), "warning" or "info". */
static void
control_reason(struct control_conn *cc, const char *level, const char *fmt,
    ...)
{
	char	text[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	control_begin(cc, "reason");
	control_field(cc, CONTROL_F_STRING, "level", level);
	control_field(cc, CONTROL_F_STRING, "text", text);
	control_emit(cc);
}

/* Not held: the configuration and the sources say why. */
static void
control_explain_unheld(struct control_conn *cc, const struct bdf *b)
{
	struct pcibackd			*env = cc->cc_ctl->ctl_env;
	const struct conf_device	*cd;
	size_t				 i;
	int				 found = 0;

	for (i = 0; i < env->pb_nemul; i++)
		found |= emul_find(&env->pb_emul[i], b) != NULL;
	if ((cd = conf_find_device(env->pb_conf, b)) == NULL) {
		control_reason(cc, "blocks", "not held: no device line in "
		    "%s names it", env->pb_conffile);
		if (found)
			control_reason(cc, "info", "a device source has it: "
			    "pcibackctl hold takes it until the next reload");
		return;
	}
	if (found)
		control_reason(cc, "blocks", "not held: listed at %s:%d and "
		    "found in a device source, but released with "
		    "pcibackctl, or holding it failed (see the log); "
		    "pcibackctl hold takes it", cd->cd_file, cd->cd_line);
	else if (env->pb_nemul == 0)
		control_reason(cc, "blocks", "not held: listed at %s:%d, but "
		    "no device source is loaded (no emulate line that "
		    "loaded)", cd->cd_file, cd->cd_line);
	else
		control_reason(cc, "blocks", "not held: listed at %s:%d, but "
		    "no device source has it (%zu emulate source%s loaded)",
		    cd->cd_file, cd->cd_line, env->pb_nemul,
		    env->pb_nemul == 1 ? "" : "s");
}

static void
control_explain_quirks(struct control_conn *cc, struct heldev *hd)
{
	const struct cfgspace_quirk	*q;
	size_t				 i;

	for (i = 0; i < hd->hd_nquirks; i++) {
		q = &hd->hd_quirks[i];
		control_reason(cc, "info", "quirk: the guest may write bits "
		    "0x%x of the %u-byte register at 0x%03x", q->cq_mask,
		    q->cq_size, q->cq_offset);
	}
}

static void
control_explain_reset(struct control_conn *cc, struct heldev *hd)
{
	const struct conf_device	*cd;
	const char			*m;

	cd = conf_find_device(cc->cc_ctl->ctl_env->pb_conf, &hd->hd_bdf);
	if (hd->hd_emul != NULL)
		control_reason(cc, "info", "reset: none, an emulated device "
		    "has nothing to reset between guests");
	else if ((m = device_reset_method(hd)) == NULL ||
	    strcmp(m, "none") == 0)
		control_reason(cc, "warning", "reset: no method known");
	else
		control_reason(cc, "info", "reset: %s", m);
	if (cd != NULL && cd->cd_reset[0] != '\0')
		control_reason(cc, "info", "reset methods to try, from %s:%d: "
		    "%s", cd->cd_file, cd->cd_line, cd->cd_reset);
}

static void
control_share_reason(void *arg, int allowed, const char *text)
{
	struct control_conn	*cc = arg;

	control_reason(cc, allowed ? "warning" : "blocks", "%s%s", text,
	    allowed ? "" : " (XSA-461)");
}

/* XSA-461, for the guest that owns it or, free, for any guest. */
static void
control_explain_share(struct control_conn *cc, struct heldev *hd)
{
	if (share_list(cc->cc_ctl->ctl_env, hd, hd->hd_owner,
	    control_share_reason, cc) < 0)
		control_reason(cc, "blocks", "cannot list the host's PCI "
		    "functions to check for a shared INTx line or BAR page "
		    "(XSA-461)");
}

static void
control_explain_held(struct control_conn *cc, struct heldev *hd)
{
	struct cfgspace	*cs = hd->hd_pciop.pd_cs;
	struct bdf	 guest;
	char		 gaddr[BDF_XL_MAX];
	int		 i, msi, msix;

	if (hd->hd_owner != -1) {
		if (control_owner(cc->cc_ctl->ctl_env, hd, &guest) != NULL) {
			bdf_format_dev(&guest, gaddr, sizeof(gaddr));
			control_reason(cc, "blocks", "owned by dom%d, which "
			    "sees it as %s: detach it from that guest first",
			    hd->hd_owner, gaddr);
		} else
			control_reason(cc, "blocks", "owned by dom%d: detach "
			    "it from that guest first", hd->hd_owner);
	} else
		control_reason(cc, "info", "held by pcibackd and free");
	if (hd->hd_permissive)
		control_reason(cc, "warning", "permissive: the guest may "
		    "write registers pcibackd does not know (XSA-124)");
	msi = cfgspace_cap(cs, 0x05) != 0;
	msix = cfgspace_cap(cs, 0x11) != 0;
	if (!msi)
		control_reason(cc, "info", "no MSI capability");
	if (!msix)
		control_reason(cc, "info", "no MSI-X capability");
	if (!msi && !msix && (control_cfg(hd, 0x3d, 1) & 0xff) == 0)
		control_reason(cc, "warning", "no interrupt at all: no INTx "
		    "pin, no MSI, no MSI-X");
	for (i = 0; i < CFGDEV_NBARS + 1; i++)
		if (hd->hd_info.ci_bar[i].cb_flags & CFGDEV_BAR_HIDDEN)
			control_reason(cc, "info", "%s %d is unassigned or "
			    "disabled: the guest reads it as 0",
			    i == CFGDEV_ROM ? "ROM BAR" : "BAR", i);
	control_explain_quirks(cc, hd);
	control_explain_reset(cc, hd);
	control_explain_share(cc, hd);
}

static int
control_explain(struct control_conn *cc, char **argv)
{
	struct heldev	*hd;
	struct bdf	 b;
	char		 addr[BDF_XL_MAX];
	int		 err;

	if ((err = control_addr(cc, argv[0], &b)) != 0)
		return err;
	hd = device_find(cc->cc_ctl->ctl_env, &b);
	bdf_format_dev(&b, addr, sizeof(addr));
	control_begin(cc, "explain");
	control_field(cc, CONTROL_F_STRING, "address", addr);
	control_field(cc, CONTROL_F_STRING, "name",
	    hd != NULL ? hd->hd_name : "");
	control_fieldb(cc, "held", hd != NULL);
	control_fieldb(cc, "assignable", hd != NULL && hd->hd_owner == -1 &&
	    share_list(cc->cc_ctl->ctl_env, hd, -1, NULL, NULL) == 0);
	control_emit(cc);
	if (hd == NULL)
		control_explain_unheld(cc, &b);
	else
		control_explain_held(cc, hd);
	return 0;
}

static void
control_reload_line(void *arg, const char *level, const char *text)
{
	struct control_conn	*cc = arg;

	control_begin(cc, "reload");
	control_field(cc, CONTROL_F_STRING, "level", level);
	control_field(cc, CONTROL_F_STRING, "text", text);
	control_emit(cc);
}

static int
control_reload(struct control_conn *cc, char **argv)
{
	struct pcibackd	*env = cc->cc_ctl->ctl_env;

	(void)argv;
	log_info("control: reload, asked by %s", cc->cc_name);
	if (pcibackd_reload(env, control_reload_line, cc) != 0)
		return control_fail(cc, EINVAL, "%s: not loaded, the running "
		    "configuration stays (the log says why)",
		    env->pb_conffile);
	return 0;
}

/* Hold a device a source has, until the next reload or restart. */
static int
control_hold(struct control_conn *cc, char **argv)
{
	struct pcibackd			*env = cc->cc_ctl->ctl_env;
	const struct conf_device	*cd;
	struct conf_device		 dflt;
	struct heldev			*hd;
	struct bdf			 b;
	char				 addr[BDF_XL_MAX], *cause = NULL;
	int				 err;

	if ((err = control_addr(cc, argv[0], &b)) != 0)
		return err;
	bdf_format_dev(&b, addr, sizeof(addr));
	if ((cd = conf_find_device(env->pb_conf, &b)) == NULL) {
		memset(&dflt, 0, sizeof(dflt));
		dflt.cd_permissive = env->pb_conf->c_permissive;
		cd = &dflt;
	}
	if (device_add(env, &b, cd, &cause) != 0) {
		err = control_fail(cc, device_find(env, &b) != NULL ?
		    EEXIST : ENODEV, "%s: %s", addr, cause != NULL ? cause :
		    "cannot hold it");
		free(cause);
		return err;
	}
	log_info("%s: held, asked by %s", addr, cc->cc_name);
	if ((hd = device_find(env, &b)) != NULL) {
		control_begin(cc, "device");
		control_device_fields(cc, hd);
		control_emit(cc);
	}
	return 0;
}

static int
control_release(struct control_conn *cc, char **argv)
{
	struct heldev	*hd;
	char		 addr[BDF_XL_MAX];
	int		 err;

	if ((hd = control_held(cc, argv[0], &err)) == NULL)
		return err;
	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	if (hd->hd_owner != -1)
		return control_fail(cc, EBUSY, "%s: owned by dom%d: detach "
		    "it from that guest first", addr, hd->hd_owner);
	log_info("%s: release asked by %s", addr, cc->cc_name);
	if (device_remove(cc->cc_ctl->ctl_env, hd) != 0)
		return control_fail(cc, EBUSY, "%s: cannot release it", addr);
	control_begin(cc, "released");
	control_field(cc, CONTROL_F_STRING, "address", addr);
	control_emit(cc);
	return 0;
}

/* A number as pcibackctl sends it: decimal or 0x hex.  0 or -1. */
static int
control_number(const char *s, uint32_t *v)
{
	unsigned long long	 n;
	char			*end;

	errno = 0;
	n = strtoull(s, &end, 0);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    n > UINT32_MAX)
		return -1;
	*v = (uint32_t)n;
	return 0;
}

static void
control_quirk_record(struct control_conn *cc, struct heldev *hd,
    const struct cfgspace_quirk *q, const char *action)
{
	char	addr[BDF_XL_MAX];

	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	control_begin(cc, "quirk");
	control_field(cc, CONTROL_F_STRING, "address", addr);
	control_field(cc, CONTROL_F_STRING, "action", action);
	control_fields(cc, "offset", "0x%03x", q->cq_offset);
	control_fieldn(cc, "size", q->cq_size);
	control_fields(cc, "mask", "0x%x", q->cq_mask);
	control_fieldn(cc, "quirks", hd->hd_nquirks);
	control_emit(cc);
}

/* The quirks of hd become q[0..n), live, or nothing changes. */
static int
control_quirks_set(struct control_conn *cc, struct heldev *hd,
    const struct cfgspace_quirk *q, size_t n, const char *addr)
{
	struct cfgspace_policy	 pol;
	char			*cause = NULL;
	int			 err;

	conf_heldev_policy(hd, &pol);
	pol.cp_quirks = n > 0 ? q : NULL;
	pol.cp_nquirks = n;
	if (cfgspace_set_policy(hd->hd_pciop.pd_cs, &pol, &cause) != 0) {
		err = control_fail(cc, EINVAL, "%s: %s", addr,
		    cause != NULL ? cause : "quirks refused");
		free(cause);
		return err;
	}
	memmove(hd->hd_quirks, q, n * sizeof(*q));
	hd->hd_nquirks = n;
	return 0;
}

/* Make bits of a register guest-writable, until the next reload. */
static int
control_quirk_add(struct control_conn *cc, char **argv)
{
	struct cfgspace_quirk	 q[CONF_QUIRKS_MAX];
	struct heldev		*hd;
	char			 addr[BDF_XL_MAX], msg[256];
	uint32_t		 off, size, mask;
	size_t			 i, n;
	int			 err;

	if ((hd = control_held(cc, argv[0], &err)) == NULL)
		return err;
	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	if (control_number(argv[1], &off) != 0 || off > 0xffff)
		return control_fail(cc, EINVAL, "quirk add: bad offset \"%s\"",
		    argv[1]);
	if (control_number(argv[2], &size) != 0 || size > 0xff)
		return control_fail(cc, EINVAL, "quirk add: bad size \"%s\"",
		    argv[2]);
	if (control_number(argv[3], &mask) != 0)
		return control_fail(cc, EINVAL, "quirk add: bad mask \"%s\"",
		    argv[3]);
	n = hd->hd_nquirks;
	memcpy(q, hd->hd_quirks, n * sizeof(q[0]));
	memset(&q[n], 0, sizeof(q[n]));
	q[n].cq_offset = (uint16_t)off;
	q[n].cq_size = (uint8_t)size;
	q[n].cq_mask = mask;
	if (conf_quirk_check(&q[n], msg, sizeof(msg)) != 0)
		return control_fail(cc, EINVAL, "quirk add: %s", msg);
	for (i = 0; i < n; i++)
		if (q[i].cq_offset == off)
			return control_fail(cc, EEXIST, "%s: a quirk at 0x%03x "
			    "is in force already (quirk del it first)", addr,
			    off);
	if (n == CONF_QUIRKS_MAX)
		return control_fail(cc, ENOSPC, "%s: %d quirks already", addr,
		    CONF_QUIRKS_MAX);
	if ((err = control_quirks_set(cc, hd, q, n + 1, addr)) != 0)
		return err;
	log_warnx("%s: quirk added by %s: %s may write bits 0x%x of the "
	    "%u-byte register at 0x%03x", addr, cc->cc_name,
	    hd->hd_owner != -1 ? "its guest" : "the next guest", mask, size,
	    off);
	control_quirk_record(cc, hd, &q[n], "added");
	return 0;
}

static int
control_quirk_del(struct control_conn *cc, char **argv)
{
	struct cfgspace_quirk	 q[CONF_QUIRKS_MAX], gone;
	struct heldev		*hd;
	char			 addr[BDF_XL_MAX];
	uint32_t		 off;
	size_t			 i, n;
	int			 err;

	if ((hd = control_held(cc, argv[0], &err)) == NULL)
		return err;
	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	if (control_number(argv[1], &off) != 0 || off > 0xffff)
		return control_fail(cc, EINVAL, "quirk del: bad offset \"%s\"",
		    argv[1]);
	n = hd->hd_nquirks;
	for (i = 0; i < n && hd->hd_quirks[i].cq_offset != off; i++)
		;
	if (i == n)
		return control_fail(cc, ENOENT, "%s: no quirk at 0x%03x", addr,
		    off);
	gone = hd->hd_quirks[i];
	memcpy(q, hd->hd_quirks, i * sizeof(q[0]));
	memcpy(q + i, hd->hd_quirks + i + 1, (n - i - 1) * sizeof(q[0]));
	if ((err = control_quirks_set(cc, hd, q, n - 1, addr)) != 0)
		return err;
	log_info("%s: quirk at 0x%03x removed by %s", addr, off, cc->cc_name);
	control_quirk_record(cc, hd, &gone, "removed");
	return 0;
}

static int
control_log_level(struct control_conn *cc, char **argv)
{
	int	pri;

	if ((pri = conf_loglevel_parse(argv[0])) == -1)
		return control_fail(cc, EINVAL, "log level: want warning, info "
		    "or debug, not \"%s\"", argv[0]);
	/* Said before a lower level could hide it. */
	log_warnx("log level %s, by %s", argv[0], cc->cc_name);
	log_setlevel(pri);
	control_begin(cc, "log");
	control_field(cc, CONTROL_F_STRING, "log_level", argv[0]);
	control_field(cc, CONTROL_F_STRING, "log",
	    log_getverbose() > 0 ? "verbose" : "brief");
	control_emit(cc);
	return 0;
}

/* Reset a free device now, by its provider. */
static int
control_reset(struct control_conn *cc, char **argv)
{
	struct heldev	*hd;
	char		 addr[BDF_XL_MAX], *cause = NULL;
	int		 err;

	if ((hd = control_held(cc, argv[0], &err)) == NULL)
		return err;
	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	if (hd->hd_owner != -1)
		return control_fail(cc, EBUSY, "%s: owned by dom%d: detach it "
		    "from that guest first", addr, hd->hd_owner);
	if (hd->hd_emul != NULL)
		return control_fail(cc, EOPNOTSUPP, "%s: reset: not supported "
		    "by the emulated provider", addr);
	log_info("%s: reset asked by %s", addr, cc->cc_name);
	if (device_reset(hd, &cause) != 0) {
		err = control_fail(cc, EIO, "%s: reset: %s", addr,
		    cause != NULL ? cause : "failed");
		free(cause);
		return err;
	}
	control_begin(cc, "reset");
	control_field(cc, CONTROL_F_STRING, "address", addr);
	control_field(cc, CONTROL_F_STRING, "method", device_reset_method(hd));
	control_emit(cc);
	return 0;
}

/* ---- requests ------------------------------------------------------ */

/* Split the payload into arguments; -1 if it is malformed. */
static int
control_args(uint8_t *p, size_t len, char **argv, int *argc)
{
	size_t	i, start = 0;

	*argc = 0;
	if (len == 0)
		return 0;
	if (p[len - 1] != '\0')
		return -1;
	for (i = 0; i < len; i++) {
		if (p[i] != '\0')
			continue;
		if (*argc == CONTROL_ARGS_MAX)
			return -1;
		argv[(*argc)++] = (char *)p + start;
		start = i + 1;
	}
	return 0;
}

/* Answer one request.  -1: malformed, drop the client. */
static int
control_request(struct control_conn *cc, const struct control_hdr *hdr,
    uint8_t *payload)
{
	const struct control_cmd	*cm = NULL;
	char				*argv[CONTROL_ARGS_MAX + 1];
	size_t				 i;
	int				 argc, err;

	if (control_args(payload, hdr->ch_len, argv, &argc) != 0)
		return -1;
	argv[argc] = NULL;
	for (i = 0; i < sizeof(control_cmds) / sizeof(control_cmds[0]); i++)
		if (control_cmds[i].cm_cmd == hdr->ch_arg)
			cm = &control_cmds[i];
	cc->cc_err[0] = '\0';
	cc->cc_overflow = 0;
	if (cm == NULL)
		err = control_fail(cc, EOPNOTSUPP, "unknown command %u (is "
		    "pcibackctl newer than pcibackd?)", hdr->ch_arg);
	else if (argc != cm->cm_nargs)
		err = control_fail(cc, EINVAL, "%s: %d argument%s expected, "
		    "got %d", cm->cm_name, cm->cm_nargs,
		    cm->cm_nargs == 1 ? "" : "s", argc);
	else {
		log_debug("control: %s: %s", cc->cc_name, cm->cm_name);
		err = cm->cm_fn(cc, argv);
	}
	if (err == 0 && cc->cc_overflow)
		err = control_fail(cc, ENOBUFS, "reply too long");
	control_end(cc, err, cc->cc_err);
	return 0;
}

/*
 * Check the header at the start of cc_in.  0: fine (complete or not);
 * 1: answered and closing; -1: the client was dropped.
 */
static int
control_header(struct control_conn *cc, struct control_hdr *hdr)
{
	memcpy(hdr, cc->cc_in, sizeof(*hdr));
	if (hdr->ch_version != CONTROL_PROTOCOL_VERSION) {
		log_limited(&cc->cc_ctl->ctl_lr, LOG_WARNING, "control: %s: "
		    "protocol version %u, not %d", cc->cc_name,
		    hdr->ch_version, CONTROL_PROTOCOL_VERSION);
		control_fail(cc, EPROTONOSUPPORT, "protocol version "
		    "mismatch: pcibackd speaks %d, the client %u",
		    CONTROL_PROTOCOL_VERSION, hdr->ch_version);
		control_end(cc, EPROTONOSUPPORT, cc->cc_err);
		cc->cc_closing = 1;
		return 1;
	}
	if (hdr->ch_type != CONTROL_MSG_REQUEST) {
		control_drop(cc, "message type %u", hdr->ch_type);
		return -1;
	}
	if (hdr->ch_len > CONTROL_PAYLOAD_MAX) {
		control_drop(cc, "message of %u bytes", hdr->ch_len);
		return -1;
	}
	return 0;
}

/*
 * Answer the requests complete in cc_in, one at a time: the next waits
 * until the replies to this one are written.  0: open; -1: closed.
 */
static int
control_process(struct control_conn *cc)
{
	struct control_hdr	hdr;
	size_t			total;
	int			rc;

	while (!cc->cc_closing && cc->cc_outlen == 0 &&
	    cc->cc_inlen >= sizeof(hdr)) {
		if ((rc = control_header(cc, &hdr)) == -1)
			return -1;
		if (rc == 0) {
			total = sizeof(hdr) + hdr.ch_len;
			if (cc->cc_inlen < total)
				break;
			if (control_request(cc, &hdr,
			    cc->cc_in + sizeof(hdr)) != 0) {
				control_drop(cc, "malformed arguments");
				return -1;
			}
			memmove(cc->cc_in, cc->cc_in + total,
			    cc->cc_inlen - total);
			cc->cc_inlen -= total;
		}
		if (control_flush(cc) != 0)
			return -1;
	}
	return 0;
}

static void
control_read(evutil_socket_t fd, short events, void *arg)
{
	struct control_conn	*cc = arg;
	ssize_t			 n;

	if (events & EV_TIMEOUT) {
		if (cc->cc_inlen > 0)
			control_drop(cc, "request incomplete after %d s",
			    CONTROL_IDLE_SEC);
		else
			control_close(cc);
		return;
	}
	/* Cannot happen: a full buffer holds one message, answered. */
	if (cc->cc_inlen == sizeof(cc->cc_in)) {
		control_drop(cc, "input buffer full");
		return;
	}
	n = recv(fd, cc->cc_in + cc->cc_inlen,
	    sizeof(cc->cc_in) - cc->cc_inlen, 0);
	if (n == -1 && (errno == EINTR || errno == EAGAIN ||
	    errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		if (n == -1)
			log_debug("control: %s: recv: %s", cc->cc_name,
			    strerror(errno));
		control_close(cc);
		return;
	}
	cc->cc_inlen += (size_t)n;
	(void)control_process(cc);
}

static void
control_write(evutil_socket_t fd, short events, void *arg)
{
	struct control_conn	*cc = arg;

	(void)fd;
	if (events & EV_TIMEOUT) {
		control_drop(cc, "does not read its replies");
		return;
	}
	if (control_flush(cc) == 0 && cc->cc_outlen == 0)
		(void)control_process(cc);
}

/* ---- accepting ----------------------------------------------------- */

static int
control_in_group(uid_t uid, gid_t gid)
{
	struct passwd	*pw;
	gid_t		 groups[256];
	int		 n = 256, i;

	if ((pw = getpwuid(uid)) == NULL)
		return 0;
	if (pw->pw_gid == gid)
		return 1;
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) == -1)
		return 0;
	for (i = 0; i < n; i++)
		if (groups[i] == gid)
			return 1;
	return 0;
}

/* Root, ourselves, or the configured group.  0 allowed, -1 not. */
static int
control_peer(struct control *ctl, int fd, char *name, size_t len)
{
	gid_t		want = ctl->ctl_env->pb_conf->c_sockgid;
	uid_t		uid;
	gid_t		gid;
	long		pid = -1;
#ifdef SO_PEERCRED
	struct ucred	cred;
	socklen_t	clen = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == -1) {
		snprintf(name, len, "unknown peer");
		return -1;
	}
	uid = cred.uid;
	gid = cred.gid;
	pid = (long)cred.pid;
#else
	if (getpeereid(fd, &uid, &gid) == -1) {
		snprintf(name, len, "unknown peer");
		return -1;
	}
#endif
	snprintf(name, len, "uid %u pid %ld", (unsigned int)uid, pid);
	if (uid == 0 || uid == geteuid())
		return 0;
	if (want != (gid_t)-1 && (gid == want || control_in_group(uid, want)))
		return 0;
	return -1;
}

/* Tell a client we will not serve why, best effort, and close. */
static void
control_refuse(int fd, int status, const char *msg)
{
	struct {
		struct control_hdr	hdr;
		char			msg[CONTROL_ERR_MAX];
	} m;
	size_t	len = strlen(msg) + 1;

	memset(&m, 0, sizeof(m));
	m.hdr.ch_version = CONTROL_PROTOCOL_VERSION;
	m.hdr.ch_type = CONTROL_MSG_END;
	m.hdr.ch_arg = (uint32_t)status;
	m.hdr.ch_len = (uint32_t)len;
	memcpy(m.msg, msg, len);
	(void)send(fd, &m, sizeof(m.hdr) + len, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

static void
control_resume(evutil_socket_t fd, short events, void *arg)
{
	struct control	*ctl = arg;

	(void)fd;
	(void)events;
	event_add(ctl->ctl_ev, NULL);
}

static void
control_accept(evutil_socket_t lfd, short events, void *arg)
{
	struct control		*ctl = arg;
	struct control_conn	*cc;
	struct timeval		 later = { 1, 0 };
	char			 name[48];
	int			 fd;

	(void)events;
	fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			/* Out of fds: pause instead of spinning. */
			log_limited(&ctl->ctl_lr, LOG_WARNING, "control: "
			    "accept: %s", strerror(errno));
			event_del(ctl->ctl_ev);
			evtimer_add(ctl->ctl_pause, &later);
		}
		return;
	}
	if (control_peer(ctl, fd, name, sizeof(name)) != 0) {
		log_limited(&ctl->ctl_lr, LOG_WARNING, "control: %s: "
		    "refused: neither root nor in the socket group", name);
		control_refuse(fd, EACCES, "permission denied: pcibackd "
		    "serves root and the socket group only");
		return;
	}
	if (ctl->ctl_nconns >= CONTROL_CLIENTS_MAX) {
		log_limited(&ctl->ctl_lr, LOG_WARNING, "control: %s: "
		    "refused: %d clients already", name, CONTROL_CLIENTS_MAX);
		control_refuse(fd, EBUSY, "too many pcibackctl clients, "
		    "try again");
		return;
	}
	if ((cc = calloc(1, sizeof(*cc))) == NULL) {
		log_warn("control: %s", name);
		close(fd);
		return;
	}
	cc->cc_ctl = ctl;
	cc->cc_fd = fd;
	snprintf(cc->cc_name, sizeof(cc->cc_name), "%s", name);
	cc->cc_rev = event_new(ctl->ctl_env->pb_base, fd,
	    EV_READ | EV_PERSIST, control_read, cc);
	cc->cc_wev = event_new(ctl->ctl_env->pb_base, fd, EV_WRITE,
	    control_write, cc);
	if (cc->cc_rev == NULL || cc->cc_wev == NULL ||
	    event_add(cc->cc_rev, &control_idle) != 0) {
		log_warnx("control: %s: cannot watch the connection", name);
		if (cc->cc_rev != NULL)
			event_free(cc->cc_rev);
		if (cc->cc_wev != NULL)
			event_free(cc->cc_wev);
		close(fd);
		free(cc);
		return;
	}
	TAILQ_INSERT_TAIL(&ctl->ctl_conns, cc, cc_entry);
	ctl->ctl_nconns++;
	log_debug("control: %s: connected", name);
}

/* ---- the socket ---------------------------------------------------- */

/*
 * A socket file left by a daemon that died is removed; one a live
 * daemon answers on means a second pcibackd, which must not start.
 */
static void
control_stale(const char *path, const struct sockaddr_un *sun)
{
	struct stat	st;
	int		fd;

	if (lstat(path, &st) == -1) {
		if (errno == ENOENT)
			return;
		fatal("control socket %s", path);
	}
	if (!S_ISSOCK(st.st_mode))
		fatalx("control socket %s: exists and is not a socket", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		fatal("socket");
	if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0)
		fatalx("control socket %s is in use: is another pcibackd "
		    "running?", path);
	close(fd);
	if (unlink(path) == -1 && errno != ENOENT)
		fatal("control socket %s: unlink", path);
}

/*
 * Create the socket, before daemon(3) so that failures reach the
 * terminal.  Mode 0600, or 0660 with the group of "socket group".
 */
void
control_init(struct pcibackd *env)
{
	const struct pcibackd_conf	*c = env->pb_conf;
	struct control			*ctl;
	struct sockaddr_un		 sun;
	mode_t				 old, mode;

	if ((ctl = calloc(1, sizeof(*ctl))) == NULL)
		fatal("calloc");
	ctl->ctl_env = env;
	TAILQ_INIT(&ctl->ctl_conns);
	log_ratelimit_init(&ctl->ctl_lr, CONTROL_LOG_RATE, CONTROL_LOG_BURST);
	clock_gettime(CLOCK_MONOTONIC, &ctl->ctl_start);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(c->c_socket) >= sizeof(sun.sun_path))
		fatalx("control socket %s: path too long", c->c_socket);
	memcpy(sun.sun_path, c->c_socket, strlen(c->c_socket) + 1);
	snprintf(ctl->ctl_path, sizeof(ctl->ctl_path), "%s", c->c_socket);
	control_stale(ctl->ctl_path, &sun);

	ctl->ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (ctl->ctl_fd == -1)
		fatal("socket");
	mode = c->c_sockgid != (gid_t)-1 ? 0660 : 0600;
	/* No window in which the socket is more open than it will be. */
	old = umask(0777 & ~mode);
	if (bind(ctl->ctl_fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fatal("control socket %s: bind", ctl->ctl_path);
	umask(old);
	if (c->c_sockgid != (gid_t)-1 &&
	    chown(ctl->ctl_path, (uid_t)-1, c->c_sockgid) == -1)
		fatal("control socket %s: chown", ctl->ctl_path);
	if (chmod(ctl->ctl_path, mode) == -1)
		fatal("control socket %s: chmod", ctl->ctl_path);
	if (listen(ctl->ctl_fd, CONTROL_CLIENTS_MAX) == -1)
		fatal("control socket %s: listen", ctl->ctl_path);
	env->pb_control = ctl;
}

/* Accept clients, once the event base exists. */
void
control_listen(struct pcibackd *env)
{
	struct control	*ctl = env->pb_control;

	ctl->ctl_ev = event_new(env->pb_base, ctl->ctl_fd,
	    EV_READ | EV_PERSIST, control_accept, ctl);
	ctl->ctl_pause = evtimer_new(env->pb_base, control_resume, ctl);
	if (ctl->ctl_ev == NULL || ctl->ctl_pause == NULL ||
	    event_add(ctl->ctl_ev, NULL) != 0)
		fatalx("control socket %s: cannot watch it", ctl->ctl_path);
	log_debug("control: listening on %s", ctl->ctl_path);
}

void
control_shutdown(struct pcibackd *env)
{
	struct control		*ctl = env->pb_control;
	struct control_conn	*cc;

	if (ctl == NULL)
		return;
	while ((cc = TAILQ_FIRST(&ctl->ctl_conns)) != NULL)
		control_close(cc);
	if (ctl->ctl_ev != NULL)
		event_free(ctl->ctl_ev);
	if (ctl->ctl_pause != NULL)
		event_free(ctl->ctl_pause);
	close(ctl->ctl_fd);
	(void)unlink(ctl->ctl_path);
	free(ctl);
	env->pb_control = NULL;
}
