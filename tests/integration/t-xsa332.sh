#!/bin/sh
# XSA-332: a guest's events must never be processed faster than its ops
# are served: the daemon unmasks a port only after the op the event
# brought is answered (reply written, active cleared, notified).  The
# preload's event log (XENSIM_EVLOG, tests/xensim/README.md) records the
# daemon's pending/notify/unmask calls and whether an op was posted when
# the event was taken; every "pending P active=1" must see "notify P"
# before the next "unmask P".  Served at once, deferred by the op budget
# (a hammering guest) and by the event-flood budget.
. "$(dirname "$0")/lib.sh"

# evlog_check: "<events with an op> <unmasks before the reply>"
evlog_check() {
	awk '$1 == "pending" { a = substr($3, 8) + 0; if (a) { want[$2] = 1; n++ } }
	    $1 == "notify" { want[$2] = 0 }
	    $1 == "unmask" { if (want[$2]) bad++ }
	    END { print n + 0, bad + 0 }' "$T/evlog"
}

t_setup
t_conf "ratelimit ops 1000 per-second" "ratelimit events 100 per-second"
XENSIM_EVLOG=$T/evlog
export XENSIM_EVLOG
daemon_start
unset XENSIM_EVLOG

guest_start g 5 --paused --loop-reads 3000 --run-ms 40000
wait_domain 5
xl attach 5 0000:00:03.0 --starting
guest_start h 6 --paused --hostile hammer --flood-ms 3000 --run-ms 40000
wait_domain 6
xl attach 6 0000:00:05.0 --starting
guest_start f 7 --paused --hostile flood --flood-ms 2000 --run-ms 40000
wait_domain 7
xl attach 7 0000:00:02.0 --starting
guest_unpause g
guest_unpause h
guest_unpause f
check "reader done" wait_event g loop-done 1 40
check "hammer done" wait_event h work-done 1 20
check "flood done" wait_event f work-done 1 20
check "the op budget deferred the hammer" log_has 'dom6: op budget'
check "the flood budget deferred the flood" log_has 'dom7: event flood'
set -- $(evlog_check)
note "event log: $1 events with an op posted, $2 unmasked before the reply"
check "XSA-332: events with an op were logged ($1)" test "$1" -gt 1000
check "XSA-332: no port unmasked before its op was answered ($2)" \
    test "$2" -eq 0
guest_stop g
check "reader: every read right, none timed out" \
    test "$(gval g loop_wrong)" = 0 -a "$(gval g loop_timeouts)" = 0
for d in 5 6 7; do
	xl -w 300 destroy $d
done
guest_stop h
guest_stop f
t_done
