#!/usr/bin/env python3
#
# Copyright (c) 2026 The pcibackd authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
#
# Issue 14 §4 on the real Xen: what "pcibackctl show metrics" printed in
# dom0, read by python3-prometheus-client's parser as a scraper would.
#
# usage: metrics-check.py assigned|end FILE [BUS-BDF FLR-BDF]
#   assigned: taken while the guest has its devices, before the restarts;
#   end:      taken after the guest went, from the last restarted daemon;
#             BUS-BDF must have had a bus reset after each of the two
#             guests, FLR-BDF an FLR (issue 14 §2).
# One line per check, "ok DESCRIPTION" or "fail DESCRIPTION"; run.sh
# numbers them with the dom0 checks.

import sys

from prometheus_client.parser import text_string_to_metric_families


def say(good, what):
    print("%s metrics %s: %s" % ("ok" if good else "fail", STAGE, what))


def parse(text):
    """Every sample by family; the format's own rules checked first."""
    fams = {}
    if not text.endswith("# EOF\n"):
        raise ValueError("no \"# EOF\" at the end")
    for fam in text_string_to_metric_families(text):
        if fam.name in fams:
            raise ValueError("family %s twice" % fam.name)
        if not fam.documentation:
            raise ValueError("family %s has no HELP" % fam.name)
        fams[fam.name] = fam
    return fams


def samples(fams, family, name=None):
    fam = fams.get(family)
    if fam is None:
        return []
    return [s for s in fam.samples if name is None or s.name == name]


def histogram_sane(fams, family, key):
    """Per series: buckets never fall, +Inf equals _count."""
    series = {}
    for s in samples(fams, family):
        k = s.labels.get(key)
        series.setdefault(k, {"b": [], "count": None})
        if s.name.endswith("_bucket"):
            series[k]["b"].append((float(s.labels["le"]), s.value))
        elif s.name.endswith("_count"):
            series[k]["count"] = s.value
    for k, v in series.items():
        b = sorted(v["b"])
        if not b or b[-1][0] != float("inf") or b[-1][1] != v["count"]:
            return False, k
        if any(b[i][1] > b[i + 1][1] for i in range(len(b) - 1)):
            return False, k
    return bool(series), None


def check_assigned(fams):
    ops = [s for s in samples(fams, "pcibackd_guest_ops",
        "pcibackd_guest_ops_total") if s.value > 0]
    doms = sorted({s.labels["domid"] for s in ops})
    say(bool(ops), "the guest's ops counted by kind (domid %s: %s)" %
        (",".join(doms) or "none",
        " ".join("%s=%d" % (s.labels["op"], s.value) for s in ops)))
    lat = [s for s in samples(fams, "pcibackd_guest_op_duration_seconds",
        "pcibackd_guest_op_duration_seconds_count") if s.value > 0]
    say(bool(lat), "an op latency histogram with samples (%s)" %
        " ".join("dom%s=%d" % (s.labels["domid"], s.value) for s in lat))
    good, bad = histogram_sane(fams, "pcibackd_guest_op_duration_seconds",
        "domid")
    say(good, "op latency buckets never fall and +Inf is the count%s" %
        ("" if good else " (domid %s)" % bad))
    den = [s for s in samples(fams, "pcibackd_device_denied_writes",
        "pcibackd_device_denied_writes_total") if s.value > 0]
    say(len(den) >= 2, "denied probe writes of two devices (e1000e, nvme), "
        "with their guest (%s)" % " ".join("%s/dom%s=%d" %
        (s.labels["device"], s.labels["domid"], s.value) for s in den))
    con = [s for s in samples(fams, "pcibackd_guests")
        if s.labels.get("connected") == "yes"]
    say(bool(con) and con[0].value >= 1, "one guest connected (%s)" %
        (con[0].value if con else "none"))


def check_end(fams):
    rec = [s for s in samples(fams, "pcibackd_guests_adopted",
        "pcibackd_guests_adopted_total")
        if s.labels.get("source") == "record"]
    say(bool(rec) and rec[0].value >= 1, "the last restart adopted the "
        "guest from its record (%s)" % (rec[0].value if rec else "none"))
    ok = [s for s in samples(fams, "pcibackd_device_resets",
        "pcibackd_device_resets_total")
        if s.labels.get("result") == "ok" and s.value > 0]
    say(bool(ok), "resets after the guest, by method (%s)" %
        " ".join("%s/%s=%d" % (s.labels["device"], s.labels["method"],
        s.value) for s in ok))
    dur = [s for s in samples(fams, "pcibackd_device_reset_duration_seconds",
        "pcibackd_device_reset_duration_seconds_sum") if s.value > 0]
    say(bool(dur), "reset durations recorded (%s)" %
        " ".join("%s=%.3fs" % (s.labels["device"], s.value) for s in dur))
    if len(sys.argv) > 4:
        check_methods(fams, sys.argv[3], sys.argv[4])
    st = samples(fams, "pcibackd_startup_duration_seconds")
    say(bool(st) and st[0].value > 0, "the start-up's duration (%s s)" %
        (st[0].value if st else "none"))


def mean_reset(fams, bdf):
    """Its resets' mean duration in ms, or None."""
    tot = {}
    for s in samples(fams, "pcibackd_device_reset_duration_seconds"):
        if s.labels.get("device") == bdf:
            tot[s.name.rsplit("_", 1)[-1]] = s.value
    if not tot.get("count"):
        return None
    return 1000.0 * tot.get("sum", 0) / tot["count"]


def check_methods(fams, bus, flr):
    """The reset each device's hardware allows, and how long it took."""
    for bdf, method, least in ((bus, "bus", 2), (flr, "flr", 1)):
        n = sum(s.value for s in samples(fams, "pcibackd_device_resets",
            "pcibackd_device_resets_total")
            if s.labels.get("device") == bdf and
            s.labels.get("method") == method and
            s.labels.get("result") == "ok")
        ms = mean_reset(fams, bdf)
        say(n >= least, "%s reset by %s after the guests: %d time(s), at "
            "least %d, mean %s ms" % (bdf, method, n, least,
            "%.1f" % ms if ms is not None else "?"))


STAGE = sys.argv[1]
try:
    with open(sys.argv[2]) as f:
        FAMS = parse(f.read())
except (OSError, ValueError) as e:
    say(False, "a Prometheus text parser takes it (%s)" % e)
    sys.exit(0)
say(True, "a Prometheus text parser takes it (%d families)" % len(FAMS))
{"assigned": check_assigned, "end": check_end}[STAGE](FAMS)
