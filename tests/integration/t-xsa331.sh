#!/bin/sh
# XSA-331: tearing a guest down while it floods its event channel must
# leave nothing behind that fires later: the deferred-serve timer, the
# port, the mapping.  A guest floods (its port deferred, a timer armed)
# and is destroyed mid-flood, five times, once with an op in flight too;
# events still queued for the closed port arrive after the teardown.  The
# daemon must stay up with no sanitizer report (use-after-free shows
# under make check-asan), and serve the next guest.
. "$(dirname "$0")/lib.sh"

t_setup
# Flood budget low: every guest below is deferred within milliseconds.
t_conf "ratelimit events 100 per-second"
daemon_start
witness_start 100 0000:00:04.0
for rnd in 1 2 3 4 5; do
	d=$((4 + rnd))
	guest_start "f$rnd" "$d" --run-ms 30000 --hostile flood --flood-ms 20000
	wait_domain "$d"
	xl attach "$d" 0000:00:03.0 --starting
	check "round $rnd: flooding guest connected" wait_event "f$rnd" connected
	check "round $rnd: its events deferred" \
	    wait_until 5 log_has "dom$d: event flood"
	# The timer is armed now; the domain goes mid-flood.
	xl -w 300 destroy "$d"
	guest_stop "f$rnd" KILL
	check "XSA-331: round $rnd: devices released" \
	    wait_until 5 log_has "0000:00:03.0: released by dom$d"
	sleep 0.2
	check "XSA-331: round $rnd: daemon alive after the teardown" daemon_alive
done
guest_start d 20 --run-ms 30000 --hostile die-mid-op
wait_domain 20
xl attach 20 0000:00:03.0 --starting
check "XSA-331: died with an op in flight and events queued" \
    wait_until 15 sh -c 'grep -q "^result=died" "$1"' x "$T/d.out"
check "XSA-331: released" \
    wait_until 5 log_has '0000:00:03.0: released by dom20'
xl -w 300 destroy 20
check "XSA-331: the witness was served throughout" witness_served
check "witness: every read right, none timed out" witness_end
check "a fresh guest is served" serves 21 0000:00:03.0 p
t_done
