#!/bin/sh
# (g) Two guests at once, each with two devices, reading in parallel:
# each sees only its own devices, every answer is right.  Then the
# toolstack gives one guest's device to the other: refused (in use), with
# an error node; the second guest keeps the devices it has (issue 14 §6:
# libxl's pci-attach never waits for the verdict, so closing would only
# take them away), the first is untouched.
. "$(dirname "$0")/lib.sh"

both() {
	wait_event a "$@" && wait_event b "$@"
}

t_setup
daemon_start

guest_start a 5 --paused --loop-ms 4000 --run-ms 30000 --msi
guest_start b 6 --paused --loop-ms 4000 --run-ms 30000 --msi
wait_domain 5
wait_domain 6
xl attach 5 0000:00:03.0 --starting
xl attach 6 0000:00:02.0 --starting
xl attach 5 0000:00:05.0 --starting
xl attach 6 0000:00:04.0 --starting
guest_unpause a
guest_unpause b
check "both guests connect" both connected
check "guest 5 sees 00:00.0,00:01.0" test "$(gval a devices)" = 00:00.0,00:01.0
check "guest 6 sees 00:00.0,00:01.0" test "$(gval b devices)" = 00:00.0,00:01.0
check "both finish their loops" both loop-done 1 20
# Each worker maps its own worker page (shared anonymous memory), never
# the other guest's; the control process none (worker_unmap_pages).
for w in $(pgrep -P "$DAEMON_PID" -x pcibackd); do
	check "worker $w: one worker page, its own" \
	    test "$(grep -c ' rw-s .*/dev/zero' "/proc/$w/maps")" -eq 1
done
check "both workers checked" test "$(pgrep -c -P "$DAEMON_PID" -x pcibackd)" -eq 2
# One forked while both are connected: its first replaced.
ctl_pid() { pgrep -P "$DAEMON_PID" -x pcibackd-ctl; }
c=$(ctl_pid)
kill -KILL "$c"
new_ctl() { c2=$(ctl_pid); [ -n "$c2" ] && [ "$c2" != "$c" ]; }
check "the control process replaced" wait_until 5 new_ctl
check "... and it maps no worker page" \
    test "$(grep -c ' rw-s .*/dev/zero' "/proc/$(ctl_pid)/maps")" -eq 0
check "the loops overlapped" \
    test "$(gval a loop_ops)" -gt 500 -a "$(gval b loop_ops)" -gt 500

check "giving dom5's device to dom6 is refused" xl attach 6 0000:00:03.0
check "error node says who has it" \
    wait_until 5 error_like 6 '16 0000:00:03.0: in use by dom5; the guest keeps its other devices'
check "dom6 keeps its devices: the reconfigure ends Connected" \
    wait_until 5 state_written 6 8
check "dom6 never goes Closing" eval '! state_written 6 5'
check "the refused slot is marked (state-2 Closed)" \
    xs_is "$(be 6)/state-2" 6
check "dom5 is untouched" be_state_is 5 4
check "log names dom6 and the owner" log_has 'dom6: 0000:00:03.0: in use by dom5'

guest_stop a
guest_stop b
check "dom5 has the e1000e and the NVMe" \
    test "$(gval a dev.00:00.0.id) $(gval a dev.00:01.0.id)" = \
    "8086:10d3 1b36:0010"
check "dom6 had the edu device and the e1000" \
    test "$(grep -c 'found 00:00.0 \[1234:11e8\]\|found 00:01.0 \[8086:100e\]' \
    "$T/b.err")" = 2
check "dom5: every read right, none timed out" \
    test "$(gval a loop_wrong)$(gval a loop_timeouts)$(gval a errors)" = 000
check "dom6: every read right, none timed out" \
    test "$(gval b loop_wrong)$(gval b loop_timeouts)" = 00
check "dom5's MSI still works beside dom6" \
    test "$(gval a dev.00:00.0.msi)" -gt 0
# Ops answered while the daemon watched the page send their events
# later, with nothing posted: that is no flood.
check "guests reading back to back are not taken for a flood" \
    eval '! log_has "event flood"'
check "daemon still running" daemon_alive
t_done
