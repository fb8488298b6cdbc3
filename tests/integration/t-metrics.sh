#!/bin/sh
# (metrics) issue 14 §4: `pcibackctl show metrics` is Prometheus text
# that python3-prometheus-client's parser takes: every family once with
# HELP and TYPE, counters named _total, "# EOF" last; per guest ops by
# kind and errors, per device ops, config-space counters and denied
# writes, with the owner's domid; the values agree with show guest and
# show denied; -j gives the same samples as JSON records.
. "$(dirname "$0")/lib.sh"

E1000E=0000:00:03.0

parse() {
	metrics_parse
}

sample() {
	metric_has "$1"
}

t_setup
daemon_start

check "show metrics with no guest" ctl show metrics
check "... parsed by the Prometheus parser" parse
check "... uptime, a gauge" sample '^pcibackd_uptime_seconds\{\} [0-9]+ gauge$'
check "... four free devices" sample '^pcibackd_devices\{state=free\} 4 gauge$'
check "... none owned" sample '^pcibackd_devices\{state=owned\} 0 gauge$'

guest_start g 5 --paused --run-ms 60000 --write 8086:10d3:e8:2:000f
wait_domain 5
xl attach 5 $E1000E --starting
guest_unpause g
check "the guest made its writes" wait_event g work-done

check "show metrics with a guest" ctl show metrics
cp "$T/ctl.out" "$T/metrics.out"
check "... parsed" parse
check "... the instance's xenstore reads, most of them round trips" \
    sample '^pcibackd_xenstore_reads_total\{answer=xenstored\} [1-9][0-9]* counter$'
check "... some answered from what the watches said is unchanged" \
    sample '^pcibackd_xenstore_reads_total\{answer=cache\} [1-9][0-9]* counter$'
check "... a counter family named _total, HELP and TYPE once" \
    test "$(grep -c '^# TYPE pcibackd_guest_ops_total counter$' "$T/ctl.out")" = 1
check "... the guest's config reads" \
    sample '^pcibackd_guest_ops_total\{domid=5,op=conf_read\} [1-9][0-9]* counter$'
check "... the guest's config writes" \
    sample '^pcibackd_guest_ops_total\{domid=5,op=conf_write\} [1-9][0-9]* counter$'
check "... per guest, every op kind" \
    test "$(grep -c '^pcibackd_guest_ops_total{domid=5,' "$T/metrics.txt")" = 6
check "... the guest's errors" \
    sample '^pcibackd_guest_op_errors_total\{domid=5\} [0-9]+ counter$'
check "... e1000e's reads, with its owner" \
    sample "^pcibackd_device_ops_total\{device=$E1000E,domid=5,op=conf_read\} [1-9][0-9]* counter\$"
check "... a free device has an empty owner" \
    sample '^pcibackd_device_ops_total\{device=0000:00:05.0,domid=,op=conf_read\} 0 counter$'
check "... e1000e's dropped write" \
    sample "^pcibackd_device_cfg_writes_dropped_total\{device=$E1000E,domid=5\} 1 counter\$"
check "... e1000e's denied write, as show denied has it" \
    sample "^pcibackd_device_denied_writes_total\{device=$E1000E,domid=5\} 1 counter\$"
check "... one device owned" sample '^pcibackd_devices\{state=owned\} 1 gauge$'
check "... one guest connected" sample '^pcibackd_guests\{connected=yes\} 1 gauge$'
check "... the guest's op service times: a histogram with ops" \
    sample '^pcibackd_guest_op_duration_seconds_count\{domid=5\} [1-9][0-9]* histogram$'
n=$(sed -n 's/^pcibackd_guest_op_duration_seconds_count{domid=5} \([0-9]*\) .*/\1/p' \
    "$T/metrics.txt")
check "... +Inf bucket is the count" \
    sample "^pcibackd_guest_op_duration_seconds_bucket\{domid=5,le=\+Inf\} $n histogram\$"
check "... 17 buckets from 10 us, cumulative" \
    sh -c 'grep "^pcibackd_guest_op_duration_seconds_bucket{domid=5," "$1" >"$1.b" &&
    head -1 "$1.b" | grep -q "le=1e-05}" &&
    awk "{ if (\$2 < p) exit 1; p = \$2 } END { exit NR != 17 }" "$1.b"' \
    x "$T/metrics.txt"
check "... a positive sum" \
    sample "^pcibackd_guest_op_duration_seconds_sum\{domid=5\} $POSITIVE histogram\$"
ops=$(awk '/^pcibackd_guest_ops_total\{domid=5,/ { n += $2 } END { print n }' \
    "$T/metrics.txt")
# One op in 8 is timed (a clock read is a system call in a PV dom0),
# counted from each worker's first; a few workers served this guest.
check "... one timing per 8 ops served ($n of $ops)" \
    test $((n * 8)) -ge "$ops" -a "$n" -le $((ops / 8 + 4))
check "... not throttled" \
    sample '^pcibackd_guest_throttled_total\{domid=5,kind=events\} 0 counter$'
reads=$(sed -n "s/^pcibackd_guest_ops_total{domid=5,op=conf_read} \([0-9]*\) .*/\1/p" \
    "$T/metrics.txt")
ctl show guest 5
check "... the reads agree with show guest (or grew since)" \
    sh -c 'n=$(sed -n "s/^  ops [0-9]*: conf_read \([0-9]*\),.*/\1/p" "$1");
    [ "$n" -ge "$2" ]' x "$T/ctl.out" "$reads"
check "JSON: show metrics -j is valid JSON with a metric record" \
    sh -c '"$1" -s "$2" -j show metrics | python3 -c "
import json, sys
r = json.load(sys.stdin)
sys.exit(0 if r and all(x[\"record\"] == \"metric\" for x in r) and
    any(x[\"name\"] == \"pcibackd_guest_ops\" for x in r) else 1)"' \
    x "$PCIBACKCTL" "$T/pcibackd.sock"
xl -w 300 destroy 5
guest_stop g

t_done
