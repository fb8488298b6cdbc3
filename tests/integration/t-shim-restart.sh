#!/bin/sh
# Restart adoption on the shim provider: the shim keeps its state while
# no daemon runs, as the module does.  SIGTERM and SIGKILL under a read
# loop: the devices stay assigned to the guest in the shim, nothing is
# reset or re-assigned, no read is wrong.  What changed meanwhile is
# found at start: a device made assignable is held, one given back is
# not, and a device whose guest went while the daemon was away is
# released and reset.
. "$(dirname "$0")/lib.sh"

E=0000:00:03.0
N=0000:00:05.0
D=0000:00:02.0
X=0000:00:04.0

both_dom5() {
	shim_is $E domid 5 && shim_is $N domid 5
}

t_setup
shim_setup
assignable $E $N $X
daemon_start

guest_start g 5 --paused --loop-ms 6000 --run-ms 30000 --msix 2
wait_domain 5
xl attach 5 $E --starting
xl attach 5 $N --starting
guest_unpause g
check "guest connects" wait_event g connected
check "the shim has both assigned to dom5" both_dom5
r0=$(shim_val $N resets)
sleep 1
daemon_stop TERM
check "SIGTERM: still assigned to dom5 in the shim" shim_is $N domid 5
check "SIGTERM: not reset on the way out" shim_is $N resets "$r0"
assignable $D
shim unbind $X
daemon_start
check "restart 1: connection adopted" \
    wait_until 5 log_has 'dom5: adopted a connected guest'
check "restart 1: both devices adopted" \
    test "$(grep -c "dom5 0000:00:0[35].0: adopted as" "$T/daemon.log")" -eq 2
check "restart 1: the shim's owner stays dom5 (no new ASSIGN)" \
    shim_is $N domid 5
check "restart 1: an assigned device is not reset at start" \
    shim_is $N resets "$r0"
check "made assignable while away: held at start" \
    log_has "$D: held \[1234:11e8\] \(shim\)"
check "given back while away: not held" \
    test "$(grep -c "$X: held" "$T/daemon.log")" -eq 1
sleep 1
daemon_stop KILL
check "SIGKILL: still assigned to dom5 in the shim" shim_is $E domid 5
daemon_start
check "restart 2: connection adopted" \
    wait_until 5 sh -c 'test "$(grep -c "dom5: adopted a connected guest" "$1")" -eq 2' \
    x "$T/daemon.log"
check "restart 2: no reset either" shim_is $N resets "$r0"
check "guest finishes its read loop" wait_event g loop-done 1 20

# The guest goes while no daemon runs: the next one gives its devices back.
daemon_stop TERM
guest_stop g
check "no read answered wrongly" test "$(gval g loop_wrong)" = 0
xl -w 500 destroy 5
check "the shim still has dom5 as owner while nobody runs" \
    shim_is $E domid 5
daemon_start
check "a device whose guest went is noticed at start" \
    wait_until 5 log_has "$E: dom5 no longer uses it"
check "... released and reset" \
    wait_until 5 log_has "$E: reset \(pm\), ready for the next guest"
check "... the shim forgot the owner" shim_is $E domid none
check "... and so for the nvme" wait_until 5 shim_is $N domid none
check "the released device serves another guest" serves 7 $E h
t_done
