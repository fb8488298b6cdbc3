#!/bin/sh
# (metrics) issue 14 §4 on the shim double: show metrics has each
# device's resets by method and result with their durations (a
# histogram and the last one), the daemon's start time and start-up
# duration, and the guests a restarted daemon adopted, from its restart
# record or from xenstore; all through the Prometheus parser.
. "$(dirname "$0")/lib.sh"

E=0000:00:03.0
N=0000:00:05.0

metrics() {
	ctl show metrics && metrics_parse
}

t_setup
shim_setup
assignable $E $N
daemon_start

check "show metrics, parsed" metrics
check "start time: a gauge, in seconds since the Epoch" \
    metric_has '^pcibackd_start_time_seconds\{\} 1[0-9]{9} gauge$'
check "start-up duration: positive seconds" \
    metric_has "^pcibackd_startup_duration_seconds\{\} $POSITIVE gauge\$"
check "no guest adopted from a record" \
    metric_has '^pcibackd_guests_adopted_total\{source=record\} 0 counter$'
check "none from xenstore" \
    metric_has '^pcibackd_guests_adopted_total\{source=xenstore\} 0 counter$'
check "no reset yet: an empty histogram" \
    metric_has "^pcibackd_device_reset_duration_seconds_count\{device=$N\} 0 histogram\$"
check "... and no resets_total sample" \
    sh -c '! grep -q "^pcibackd_device_resets_total{device=$1," "$2"' \
    x $N "$T/metrics.txt"

check "pcibackctl reset" ctl reset $N
check "... done" wait_until 5 log_has "$N: reset \([a-z]+\), ready"
m=$(shim_val $N last_method)
check "show metrics after a reset" metrics
check "one reset, ok, by the method the shim used ($m)" \
    metric_has "^pcibackd_device_resets_total\{device=$N,method=$m,result=ok\} 1 counter\$"
check "... none failed" \
    metric_has "^pcibackd_device_resets_total\{device=$N,method=$m,result=failed\} 0 counter\$"
check "duration histogram: count 1" \
    metric_has "^pcibackd_device_reset_duration_seconds_count\{device=$N\} 1 histogram\$"
check "... a positive sum" \
    metric_has "^pcibackd_device_reset_duration_seconds_sum\{device=$N\} $POSITIVE histogram\$"
check "... +Inf bucket 1" \
    metric_has "^pcibackd_device_reset_duration_seconds_bucket\{device=$N,le=\+Inf\} 1 histogram\$"
check "... buckets cumulative (never decreasing)" \
    sh -c 'grep "^pcibackd_device_reset_duration_seconds_bucket{device=$1," "$2" |
    awk "{ if (\$2 < p) exit 1; p = \$2 } END { exit NR != 17 }"' x $N "$T/metrics.txt"
check "last duration: positive" \
    metric_has "^pcibackd_device_reset_last_duration_seconds\{device=$N\} $POSITIVE gauge\$"
check "the other device: no reset counted" \
    metric_has "^pcibackd_device_reset_duration_seconds_count\{device=$E\} 0 histogram\$"

fault reset-fail $N
check "a reset that fails" ctl reset $N
check "... quarantines" wait_until 5 dev_is $N state "'quarantined'"
fault reset-fail off
check "show metrics after a failed reset" metrics
check "one failed reset counted" \
    metric_has "^pcibackd_device_resets_total\{device=$N,method=[a-z]+,result=failed\} 1 counter\$"
check "two resets timed" \
    metric_has "^pcibackd_device_reset_duration_seconds_count\{device=$N\} 2 histogram\$"
check "a retry lifts the quarantine" ctl reset $N
check "... ready" wait_until 5 dev_is $N state "'ready'"

# Restarts: adopted from the restart record, then (the record gone)
# from xenstore.
guest_start g 5 --run-ms 60000
wait_domain 5
xl attach 5 $E
check "a guest connects" wait_event g connected
daemon_stop TERM
daemon_start
check "restart 1: adopted" wait_until 5 log_has \
    'dom5: adopted a connected guest .* from its restart record'
check "show metrics after a restart" metrics
check "restart 1: one guest adopted from its record" \
    metric_has '^pcibackd_guests_adopted_total\{source=record\} 1 counter$'
check "... none from xenstore" \
    metric_has '^pcibackd_guests_adopted_total\{source=xenstore\} 0 counter$'
check "... the device owned by dom5" \
    metric_has '^pcibackd_devices\{state=owned\} 1 gauge$'
# Without a record no worker may be left serving (it holds the port).
daemon_stop KILLALL
rm -f "$T/restart/5.0"
daemon_start
check "restart 2: adopted from xenstore" wait_until 5 sh -c \
    'test "$(grep -c "dom5: adopted a connected guest (grant [0-9]*, port [0-9]*)$" "$1")" -eq 1' \
    x "$T/daemon.log"
check "show metrics after the second restart" metrics
check "restart 2: one guest adopted from xenstore" \
    metric_has '^pcibackd_guests_adopted_total\{source=xenstore\} 1 counter$'
check "... none from a record" \
    metric_has '^pcibackd_guests_adopted_total\{source=record\} 0 counter$'
xl -w 300 destroy 5
guest_stop g

t_done
