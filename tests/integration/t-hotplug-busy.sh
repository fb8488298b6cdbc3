#!/bin/sh
# (b) Hot-plug while the guest is busy: it reads config space of every
# device in a loop and handles xenbus events in between, as Linux's
# xenwatch thread does beside the other CPUs.  Attach two devices and
# detach two, one of them being read; every answer stays right.
. "$(dirname "$0")/lib.sh"

t_setup
daemon_start

guest_start g 5 --paused --loop-ms 8000 --run-ms 30000
wait_domain 5
xl attach 5 0000:00:03.0 --starting
xl attach 5 0000:00:05.0 --starting
guest_unpause g
check "guest connects" wait_event g connected
sleep 0.5
check "hot-attach 00:02.0 during the reads" xl attach 5 0000:00:02.0
check "guest reconfigures" wait_event g reconfigured 1
check "hot-attach 00:04.0 during the reads" xl attach 5 0000:00:04.0
check "guest reconfigures again" wait_event g reconfigured 2
check "guest sees four devices" \
    test "$(gval g devices)" = 00:00.0,00:01.0,00:02.0,00:03.0
check "hot-detach 00:05.0 during the reads" xl detach 5 0000:00:05.0
check "hot-detach 00:03.0 during the reads" xl detach 5 0000:00:03.0
check "guest let both go" wait_event g reconfigured 4
check "guest keeps 00:02.0 and 00:03.0" \
    test "$(gval g devices)" = 00:02.0,00:03.0
check "guest finishes its loop" wait_event g loop-done 1 20
guest_stop g
note "loop: $(gval g loop_ops) reads, max latency $(gval g loop_maxlat_ms) ms"
check "the loop ran" test "$(gval g loop_ops)" -gt 1000
check "no read answered wrongly" test "$(gval g loop_wrong)" = 0
check "no read timed out" test "$(gval g loop_timeouts)" = 0
check "guest: no unexpected replies" test "$(gval g errors)" = 0
check "both detached devices released" \
    test "$(grep -c 'released by dom5' "$T/daemon.log")" -ge 2
check "a guest reading back to back is not taken for a flood" \
    eval '! log_has "event flood"'
t_done
