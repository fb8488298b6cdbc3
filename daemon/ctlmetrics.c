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
 * show metrics: the daemon's counters as samples, one record each, which
 * pcibackctl prints as OpenMetrics text (a node_exporter textfile, any
 * Prometheus scraper).  Per guest and per device; what the workers
 * counted is absorbed first (ctlcmd_run).
 */

#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "control.h"
#include "pcibackd.h"

/*
 * One sample: family, type, help, labels ("" or k="v",...), value; a
 * histogram's also the sample's suffix ("_bucket"), and "ns" for a
 * value in nanoseconds that pcibackctl prints in seconds.
 */
static void
ctlmetrics_samplex(struct control_conn *cc, const char *name,
    const char *type, const char *help, const char *labels,
    const char *suffix, const char *unit, uint64_t v)
{
	control_begin(cc, "metric");
	control_field(cc, CONTROL_F_STRING, "name", name);
	control_field(cc, CONTROL_F_STRING, "type", type);
	control_field(cc, CONTROL_F_STRING, "help", help);
	control_field(cc, CONTROL_F_STRING, "labels", labels);
	if (suffix[0] != '\0')
		control_field(cc, CONTROL_F_STRING, "sample", suffix);
	if (unit[0] != '\0')
		control_field(cc, CONTROL_F_STRING, "unit", unit);
	control_fieldn(cc, "value", v);
	control_emit(cc);
}

static void
ctlmetrics_sample(struct control_conn *cc, const char *name,
    const char *type, const char *help, const char *labels, uint64_t v)
{
	ctlmetrics_samplex(cc, name, type, help, labels, "", "", v);
}

/* A histogram, its buckets made cumulative; labels may be "". */
static void
ctlmetrics_hist(struct control_conn *cc, const char *name, const char *help,
    const char *labels, const struct metric_hist *h,
    const struct metric_bounds *mb)
{
	char		l[192];
	const char	*sep = labels[0] != '\0' ? "," : "";
	uint64_t	n = 0;
	size_t		i;

	for (i = 0; i <= METRIC_NBUCKETS; i++) {
		n += h->mh_bucket[i];
		snprintf(l, sizeof(l), "%s%sle=\"%s\"", labels, sep,
		    i < METRIC_NBUCKETS ? mb->mb_le[i] : "+Inf");
		ctlmetrics_samplex(cc, name, "histogram", help, l, "_bucket",
		    "", n);
	}
	ctlmetrics_samplex(cc, name, "histogram", help, labels, "_sum", "ns",
	    h->mh_sum_ns);
	ctlmetrics_samplex(cc, name, "histogram", help, labels, "_count", "",
	    h->mh_count);
}

static void
ctlmetrics_daemon(struct control_conn *cc)
{
	struct pcibackd	*env = control_env(cc);
	struct heldev	*hd;
	struct frontend	*fe;
	uint64_t	 nd = 0, nfree = 0, ng = 0, nconn = 0;

	TAILQ_FOREACH(hd, &env->pb_devices, hd_entry) {
		nd++;
		nfree += hd->hd_owner == -1;
	}
	TAILQ_FOREACH(fe, &env->pb_frontends, fe_entry) {
		ng++;
		nconn += fe->fe_connected != 0;
	}
	ctlmetrics_sample(cc, "pcibackd_uptime_seconds", "gauge",
	    "Seconds since pcibackd started.", "", control_uptime(env));
	ctlmetrics_sample(cc, "pcibackd_start_time_seconds", "gauge",
	    "When pcibackd started, in seconds since the Epoch.", "",
	    (uint64_t)env->pb_started);
	ctlmetrics_samplex(cc, "pcibackd_startup_duration_seconds", "gauge",
	    "How long start-up took, until the control socket was served "
	    "(guests adopted by then).", "", "", "ns", env->pb_startup_ns);
	ctlmetrics_sample(cc, "pcibackd_guests_adopted", "counter",
	    "Connected guests this daemon adopted at start-up or since, "
	    "by where their connection came from.", "source=\"record\"",
	    env->pb_adopted_rec);
	ctlmetrics_sample(cc, "pcibackd_guests_adopted", "counter",
	    "Connected guests this daemon adopted at start-up or since, "
	    "by where their connection came from.", "source=\"xenstore\"",
	    env->pb_adopted_xs);
	ctlmetrics_sample(cc, "pcibackd_xenstore_reads", "counter",
	    "Reads of a backend instance's xenstore nodes, by what answered: "
	    "a round trip to xenstored, or what a watch says is unchanged.",
	    "answer=\"xenstored\"", env->pb_reads_asked);
	ctlmetrics_sample(cc, "pcibackd_xenstore_reads", "counter",
	    "Reads of a backend instance's xenstore nodes, by what answered: "
	    "a round trip to xenstored, or what a watch says is unchanged.",
	    "answer=\"cache\"", env->pb_reads_cached);
	ctlmetrics_sample(cc, "pcibackd_devices", "gauge",
	    "Devices held, by whether a guest owns them.", "state=\"free\"",
	    nfree);
	ctlmetrics_sample(cc, "pcibackd_devices", "gauge",
	    "Devices held, by whether a guest owns them.", "state=\"owned\"",
	    nd - nfree);
	ctlmetrics_sample(cc, "pcibackd_guests", "gauge",
	    "PV PCI backends, by whether their frontend is connected.",
	    "connected=\"yes\"", nconn);
	ctlmetrics_sample(cc, "pcibackd_guests", "gauge",
	    "PV PCI backends, by whether their frontend is connected.",
	    "connected=\"no\"", ng - nconn);
}

static void
ctlmetrics_guests(struct control_conn *cc)
{
	struct frontend			*fe;
	const struct pciop_stats	*ps;
	char				 l[96];
	uint32_t			 c;

	TAILQ_FOREACH(fe, &control_env(cc)->pb_frontends, fe_entry) {
		ps = &fe->fe_guest.pg_stats;
		for (c = 0; c < PCIOP_NCMD; c++) {
			snprintf(l, sizeof(l), "domid=\"%u\",op=\"%s\"",
			    fe->fe_domid, pciop_cmd_name(c));
			ctlmetrics_sample(cc, "pcibackd_guest_ops", "counter",
			    "Ops a guest posted, by kind.", l, ps->ps_ops[c]);
		}
	}
	TAILQ_FOREACH(fe, &control_env(cc)->pb_frontends, fe_entry) {
		snprintf(l, sizeof(l), "domid=\"%u\"", fe->fe_domid);
		ctlmetrics_sample(cc, "pcibackd_guest_op_errors", "counter",
		    "Ops answered with an error, per guest.", l,
		    fe->fe_guest.pg_stats.ps_errors);
	}
	TAILQ_FOREACH(fe, &control_env(cc)->pb_frontends, fe_entry) {
		snprintf(l, sizeof(l), "domid=\"%u\"", fe->fe_domid);
		ctlmetrics_hist(cc, "pcibackd_guest_op_duration_seconds",
		    "How long the guest's ops took to serve, from reading "
		    "the op to notifying the guest of its answer: one op "
		    "in 8, timed.", l, &fe->fe_oplat,
		    &metric_op_bounds);
	}
	for (c = 0; c < FRONTEND_THROTTLE_KINDS; c++)
		TAILQ_FOREACH(fe, &control_env(cc)->pb_frontends, fe_entry) {
			snprintf(l, sizeof(l), "domid=\"%u\",kind=\"%s\"",
			    fe->fe_domid, c == FRONTEND_THROTTLE_EVENTS ?
			    "events" : "ops");
			ctlmetrics_sample(cc, "pcibackd_guest_throttled",
			    "counter", "Times a guest was served late for "
			    "going over \"ratelimit events\" (events with no "
			    "op) or \"ratelimit ops\".", l,
			    fe->fe_throttled[c]);
		}
}

/* device="DDDD:BB:DD.F",domid="N" (the owner, "" when free). */
static void
ctlmetrics_devlabels(struct heldev *hd, char *l, size_t len)
{
	char	addr[BDF_XL_MAX];

	bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
	if (hd->hd_owner == -1)
		snprintf(l, len, "device=\"%s\",domid=\"\"", addr);
	else
		snprintf(l, len, "device=\"%s\",domid=\"%d\"", addr,
		    hd->hd_owner);
}

static uint64_t
ctlmetrics_denied(const struct heldev *hd)
{
	const struct audit_table	*t = &hd->hd_denied;
	uint64_t			 n = t->at_overflow;
	uint32_t			 i;

	for (i = 0; i < t->at_used && i < AUDIT_SLOTS; i++)
		n += t->at_e[i].ae_count;
	return n;
}

/* Resets by method and result, their durations (device.c). */
static void
ctlmetrics_resets(struct control_conn *cc)
{
	struct pcibackd			*env = control_env(cc);
	const struct device_resetcount	*dc;
	struct heldev			*hd;
	char				 addr[BDF_XL_MAX], l[160];
	size_t				 i;
	int				 r;

	TAILQ_FOREACH(hd, &env->pb_devices, hd_entry) {
		bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
		for (i = 0; i < DEVICE_RESET_METHODS; i++) {
			dc = &hd->hd_resetn[i];
			for (r = 0; dc->dc_method[0] != '\0' &&
			    r < DEVICE_RESET_NRESULTS; r++) {
				snprintf(l, sizeof(l), "device=\"%s\","
				    "method=\"%s\",result=\"%s\"", addr,
				    dc->dc_method, device_reset_result_name(r));
				ctlmetrics_sample(cc, "pcibackd_device_resets",
				    "counter", "Resets of a held device, by "
				    "method and result (timeout: past "
				    "reset-timeout).", l, dc->dc_n[r]);
			}
		}
	}
	TAILQ_FOREACH(hd, &env->pb_devices, hd_entry) {
		bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
		snprintf(l, sizeof(l), "device=\"%s\"", addr);
		ctlmetrics_hist(cc, "pcibackd_device_reset_duration_seconds",
		    "How long a device's resets took (a timeout: until "
		    "reset-timeout).", l, &hd->hd_reset_hist,
		    &metric_reset_bounds);
	}
	TAILQ_FOREACH(hd, &env->pb_devices, hd_entry) {
		if (hd->hd_reset_hist.mh_count == 0)
			continue;
		bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
		snprintf(l, sizeof(l), "device=\"%s\"", addr);
		ctlmetrics_samplex(cc,
		    "pcibackd_device_reset_last_duration_seconds", "gauge",
		    "How long a device's last reset took.", l, "", "ns",
		    hd->hd_reset_hist.mh_last_ns);
	}
}

static void
ctlmetrics_devices(struct control_conn *cc)
{
	struct pcibackd			*env = control_env(cc);
	const struct cfgspace_stats	*css;
	struct heldev			*hd;
	char				 l[128], lo[160];
	char				 addr[BDF_XL_MAX];
	uint32_t			 c;

	TAILQ_FOREACH(hd, &env->pb_devices, hd_entry) {
		ctlmetrics_devlabels(hd, l, sizeof(l));
		for (c = 0; c < PCIOP_NCMD; c++) {
			snprintf(lo, sizeof(lo), "%s,op=\"%s\"", l,
			    pciop_cmd_name(c));
			ctlmetrics_sample(cc, "pcibackd_device_ops", "counter",
			    "Ops on a device since it was held, by kind.", lo,
			    hd->hd_pciop.pd_stats.ps_ops[c]);
		}
	}
#define DEVSAMPLE(name, help, expr) do {				\
	TAILQ_FOREACH(hd, &env->pb_devices, hd_entry) {			\
		ctlmetrics_devlabels(hd, l, sizeof(l));			\
		css = cfgspace_stats(hd->hd_pciop.pd_cs);		\
		ctlmetrics_sample(cc, name, "counter", help, l, (expr));\
	}								\
} while (0)
	DEVSAMPLE("pcibackd_device_op_errors", "Ops on a device answered "
	    "with an error.", hd->hd_pciop.pd_stats.ps_errors);
	DEVSAMPLE("pcibackd_device_irq_refused", "MSI and MSI-X requests "
	    "refused before Xen heard of them.",
	    hd->hd_pciop.pd_stats.ps_irq_refused);
	DEVSAMPLE("pcibackd_device_cfg_reads", "Guest config-space reads.",
	    css->css_reads);
	DEVSAMPLE("pcibackd_device_cfg_writes", "Guest config-space writes.",
	    css->css_writes);
	DEVSAMPLE("pcibackd_device_cfg_writes_dropped", "Guest config "
	    "writes that reached nothing.", css->css_dropped);
	DEVSAMPLE("pcibackd_device_cfg_writes_refused", "Guest config "
	    "writes answered with an error.", css->css_refused);
	DEVSAMPLE("pcibackd_device_aer_steps", "Steps of PCIe error "
	    "recovery (AER) the kernel took with the device.",
	    hd->hd_aer_steps);
#undef DEVSAMPLE
	TAILQ_FOREACH(hd, &env->pb_devices, hd_entry) {
		if (hd->hd_denied_dom == -1)
			continue;
		bdf_format_dev(&hd->hd_bdf, addr, sizeof(addr));
		snprintf(l, sizeof(l), "device=\"%s\",domid=\"%d\"", addr,
		    hd->hd_denied_dom);
		ctlmetrics_sample(cc, "pcibackd_device_denied_writes",
		    "counter", "Guest config writes policy denied "
		    "(pcibackctl show denied), for the last guest that had "
		    "one.", l, ctlmetrics_denied(hd));
	}
	ctlmetrics_resets(cc);
}

int
ctlmetrics_show(struct control_conn *cc, const struct ctlreq *req)
{
	(void)req;
	ctlmetrics_daemon(cc);
	ctlmetrics_guests(cc);
	ctlmetrics_devices(cc);
	return 0;
}
