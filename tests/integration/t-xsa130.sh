#!/bin/sh
# XSA-130: nothing a guest does may make the daemon log without bound.
# A guest sends refused ops and bursts of op-less events as fast as it can
# for 4 s (pcifront-sim --hostile log-flood); the lines naming it stay
# within "ratelimit log" (default 5 per second, burst 20) for each of the
# two things it causes, and the rest is counted as suppressed.  Its
# notifies fold into one pending event as in Xen, so the daemon sees
# empty events only as fast as it takes them: a low "ratelimit events"
# makes them a flood.
. "$(dirname "$0")/lib.sh"

t_setup
t_conf "ratelimit events 100 per-second"
daemon_start
guest_start g 5 --paused --hostile log-flood --flood-ms 4000 --run-ms 30000
wait_domain 5
xl attach 5 0000:00:03.0 --starting
guest_unpause g
check "guest connected" wait_event g connected
before=$(grep -c 'dom5' "$T/daemon.log")
t0=$(date +%s)
check "flood over" wait_event g work-done 1 20
t1=$(date +%s)
after=$(grep -c 'dom5' "$T/daemon.log")
lines=$((after - before))
secs=$((t1 - t0 + 1))
# Two buckets (op errors, event floods): burst 20 + 5 per second each.
max=$((2 * (20 + 5 * secs) + 10))
check "show metrics" ctl show metrics
check "... parsed" metrics_parse
check "metrics: the event flood throttled dom5" \
    metric_has '^pcibackd_guest_throttled_total\{domid=5,kind=events\} [1-9][0-9]* counter$'
check "metrics: its ops were never over the op budget (alone)" \
    metric_has '^pcibackd_guest_throttled_total\{domid=5,kind=ops\} 0 counter$'
guest_stop g
note "dom5: $(gval g badops) refused ops, $(gval g flood_notifies) notifies, $lines log lines in ${secs}s (at most $max)"
check "XSA-130: the guest did cause more than the log took" \
    test "$(gval g badops)" -gt "$max"
check "XSA-130: log lines naming dom5 bounded by the rate ($lines <= $max)" \
    test "$lines" -le "$max"
check "XSA-130: what was left out is counted" \
    log_has 'dom5: .*\([0-9]+ similar messages suppressed\)'
check "daemon alive" daemon_alive
xl -w 300 destroy 5
check "a fresh guest is served" serves 6 0000:00:03.0 p
t_done
