#!/bin/sh
# The guest's view of its devices' Command registers outlives whoever
# serves it.  The guest writes 0x0006 (memory decoding, bus master) as a
# driver's probe does; for a device with an I/O BAR the hardware then
# decodes I/O too (0x0007: the engine turns on every space a BAR needs),
# which the guest does not see.  Its worker is then replaced (a
# hot-attach, a log level change), and the daemon restarted (SIGTERM,
# SIGKILL) under its read loop: every read of the register must give
# what it gave after the write, from the restart record after a restart.
. "$(dirname "$0")/lib.sh"

E=0000:00:03.0
N=0000:00:05.0
D=0000:00:02.0

t_setup
shim_setup
assignable $E $N $D
daemon_start

guest_start g 5 --paused --loop-ms 12000 --run-ms 40000 \
    --write 8086:10d3:4:2:0x0006 --write 1b36:0010:4:2:0x0006 \
    --write 1234:11e8:4:2:0x0006 --write 8086:100e:4:2:0x0006
wait_domain 5
xl attach 5 $E --starting
xl attach 5 $N --starting
guest_unpause g
check "guest connects" wait_event g connected
check "the guest reads back what it wrote" \
    test "$(grep -c '^write\..*\.0x4=0 0x6$' "$T/g.out")" -eq 2
check "the restart record has the guest's Command value" \
    wait_until 5 sh -c 'grep -q "^dev .* command 0x6$" "$1"/restart/5.0' \
    x "$T"

check "hot-attach while reading: a new worker" xl attach 5 $D
check "guest reconfigures" wait_event g reconfigured 1
check "log level change: workers replaced" ctl log verbose
sleep 0.5

pid=$DAEMON_PID
daemon_stop TERM
check "SIGTERM: the daemon exits" not_running "$pid"
daemon_start
check "restart 1: adopted from the record" \
    wait_until 5 log_has 'dom5: adopted a connected guest'
sleep 1
daemon_stop KILL
daemon_start
check "restart 2 (SIGKILL): adopted" \
    wait_until 5 sh -c 'test "$(grep -c "dom5: adopted a connected guest" "$1")" -ge 2' \
    x "$T/daemon.log"
check "guest finishes its loop" wait_event g loop-done 1 30
guest_stop g
note "loop: $(gval g loop_ops) reads, $(gval g loop_wrong) wrong, $(gval g loop_timeouts) timed out"
check "the loop ran" test "$(gval g loop_ops)" -gt 1000
check "no read of the guest's registers changed" \
    test "$(gval g loop_wrong)" = 0
check "at most the op in flight per restart timed out" \
    test "$(gval g loop_timeouts)" -le 2
check "dom0's value stays in hardware (I/O decoding on)" \
    sh -c 'test $(( $("$1" show "$2" | sed -n "s/^command=//p") & 1 )) -eq 1' \
    x "$SHIMCTL" $E
t_done
