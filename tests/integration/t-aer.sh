#!/bin/sh
# Issue 12 §1 on the shim double: the kernel's PCIe error recovery of a
# held device (shimsim-ctl aer, as the shim's error handlers raise it)
# reaches the guest through aer_op and _XEN_PCIB_active, and the guest's
# answer goes back to the kernel.  A device no guest has gets Linux's
# backend's default without a wait.  A guest that answers nonsense, never
# answers or has no AER handler has no say (result "none"), its backend's
# aerState says aerfail, and neither it nor the wait stops the daemon
# from serving the others.
. "$(dirname "$0")/lib.sh"

E=0000:00:03.0		# dom5's, then dom8's
N=0000:00:05.0		# dom6's, then dom9's
D=0000:00:02.0		# the witness's
F=0000:00:04.0		# nobody's

# aer BDF STEP [STATE]: the kernel's recovery step; its result on stdout.
aer() {
	shim aer "$@" | sed -n 's/^result=//p'
}

# aer_is WANT BDF STEP [STATE]: the kernel got WANT.
aer_is() {
	ai_want=$1
	shift
	ai=$(aer "$@" 40)
	[ "$ai" = "$ai_want" ] && return 0
	note "aer $*: result '$ai', want '$ai_want'"
	return 1
}

aerstate_is() {
	xs_is "$(be "$1")/aerState" "$2"
}

# aer_no_say NAME DOMID WHAT WHY LOGLINE GUEST-OPTIONS...: a guest given
# $N whose answer to a detected error does not count (WHAT it does): the
# kernel gets none, aerState says aerfail, the log says WHY by LOGLINE.
aer_no_say() {
	ans_g=$1 ans_d=$2 ans_what=$3 ans_why=$4 ans_log=$5
	shift 5
	guest_start "$ans_g" "$ans_d" --run-ms 60000 "$@"
	wait_domain "$ans_d"
	xl attach "$ans_d" $N --starting
	check "dom$ans_d connects" wait_event "$ans_g" connected
	check "dom$ans_d $ans_what: the kernel gets none" \
	    aer_is 1 $N detected normal
	check "... aerState aerfail" aerstate_is "$ans_d" aerfail
	check "... logged: $ans_why" log_has "$ans_log"
	guest_stop "$ans_g"
}

t_setup
SHIM_CONF="aer-timeout 3"
shim_setup
check "four devices made assignable" assignable $E $N $D $F
daemon_start
witness_start 7 $D

check "a device nobody has: the kernel does not wait (its default)" \
    aer_is default $F detected normal
check "... logged as a PCIe error with no guest" \
    wait_until 5 log_has "$F: PCIe error \(non-fatal\), no guest has it"
check "slot reset of it: no wait" aer_is default $F slot-reset
check "mmio enabled of it: no wait" aer_is default $F mmio

# A Linux-like guest answers every step as its driver would.
guest_start g 5 --run-ms 60000 --loop-ms 2000
wait_domain 5
xl attach 5 $E --starting
check "dom5 connects" wait_event g connected
check "dom5 reads its device" wait_event g loop-done 1 20
check "error detected: dom5's answer (recovered) reaches the kernel" \
    aer_is 5 $E detected normal
check "... posted as aer_detected, non-fatal, at dom5's address of it" \
    test "$(gcount g event=aer-6-answered)" = 1
check "mmio enabled: aer_mmio, recovered" aer_is 5 $E mmio
check "slot reset: aer_slotreset, recovered" aer_is 5 $E slot-reset
check "resume: aer_resume" aer_is 5 $E resume
check "dom5 answered four steps" wait_event g aer-7-answered
check "a fatal error is passed on as frozen" aer_is 5 $E detected frozen
check "no aerState for a guest that recovers" \
    test -z "$(xsr "$(be 5)/aerState")"
guest_stop g
check "dom5 answered five steps" test "$(gval g aer)" = 5
check "dom5 saw the last step at its own address 0000:00:00.0" \
    test "$(gval g aer_last)" = "6:2:0000:00:00.0"

# Nonsense: no say for the guest; aerState aerfail.
aer_no_say h 6 "answers 77" "out of range" \
    "$N: PCIe error recovery: error detected: dom6 answer out of range" \
    --aer-answer 77

# Silence: the worker takes the request back after aer-timeout, and
# serves the guest's own ops meanwhile.
guest_start k 8 --run-ms 60000 --hostile aer-never --loop-ms 8000
wait_domain 8
xl detach 5 $E
xl attach 8 $E --starting
check "dom8 connects" wait_event k connected
t0=$(date +%s)
aer $E detected normal 40 >"$T/aer-never.out" &
aerpid=$!
sleep 1
check "... the daemon serves the witness meanwhile" witness_served
check "... and answers its control socket" ctl show devices
wait "$aerpid"
t1=$(date +%s)
check "dom8 keeps silent: after aer-timeout (3 s) the kernel gets none" \
    test "$(cat "$T/aer-never.out")" = 1
check "... in 3 to 8 s ($((t1 - t0)) s)" \
    test $((t1 - t0)) -ge 3 -a $((t1 - t0)) -le 8
check "... aerState aerfail" aerstate_is 8 aerfail
check "... logged: no answer in time" \
    log_has "$E: PCIe error recovery: error detected: dom8 no answer in time"
check "dom8's own reads went on" wait_event k loop-done 1 20

# Detached while a step waits: the step ends with the device, and the
# give-back, which the kernel holds off meanwhile, follows.
aer $E detected normal 40 >"$T/aer-detach.out" &
aerpid=$!
sleep 1
t0=$(date +%s)
check "xl pci-detach of the device from dom8 while its step waits" \
    xl detach 8 $E
wait "$aerpid"
t1=$(date +%s)
check "... the kernel gets none at once ($((t1 - t0)) s)" \
    test "$(cat "$T/aer-detach.out")" = 1 -a $((t1 - t0)) -le 2
check "... logged: not the guest's device any more" \
    log_has "$E: PCIe error recovery: error detected: dom8 not the guest's device any more"
check "... the device is given back, reset, free" wait_until 20 dump_has $E free
guest_stop k
check "... every one answered right" \
    test "$(gval k loop_wrong)" = 0 -a "$(gval k loop_timeouts)" = 0
check "... and it answered no step" test "$(gval k aer)" = 0

# No AER handler in the guest (as a NetBSD xpci): not asked at all.
xl detach 6 $N
aer_no_say m 9 "has no AER handler" "no AER handler" \
    "dom9 no AER handler in the guest" --hostile aer-noflag
check "... dom9 was never posted a step" test "$(gval m aer_last)" = "0:0:0000:00:00.0"

# Every answer a driver can give reaches the kernel as itself.
guest_start p 10 --run-ms 60000 --aer-answer 2,3,4,6
wait_domain 10
xl detach 9 $N
xl attach 10 $N --starting
check "dom10 connects" wait_event p connected
check "a permanent failure is passed on; dom10: can recover" \
    aer_is 2 $N detected perm-failure
check "slot reset; dom10: needs a reset" aer_is 3 $N slot-reset
check "error detected; dom10: disconnect" aer_is 4 $N detected normal
check "... aerState aerfail: the guest gave the device up" aerstate_is 10 aerfail
check "mmio enabled; dom10: no AER driver" aer_is 6 $N mmio
guest_stop p

# The worker stops (SIGSTOP) with a step posted: the parent's own timer
# answers the kernel after aer-timeout + 5 s; then the worker is killed
# with a step posted: answered at once, and a new worker serves.
worker_of() {
	sed -n "s/^dom$1: worker \([0-9]*\) serves its ops.*/\1/p" \
	    "$T/daemon.log" | tail -n 1
}
guest_start q 11 --run-ms 60000 --hostile aer-never
wait_domain 11
xl attach 11 $E --starting
check "dom11 connects" wait_event q connected
wq=$(worker_of 11)
check "dom11's worker is known" test -n "$wq"
aer $E detected normal 40 >"$T/aer-stopped.out" &
aerpid=$!
sleep 1
kill -STOP "$wq"
t0=$(date +%s)
wait "$aerpid"
t1=$(date +%s)
kill -CONT "$wq"
check "dom11's worker stopped: the kernel gets none from the parent's timer" \
    test "$(cat "$T/aer-stopped.out")" = 1
check "... after aer-timeout and 5 s ($((t1 - t0)) s after the stop)" \
    test $((t1 - t0)) -ge 5 -a $((t1 - t0)) -le 12
sleep 1
aer $E detected normal 40 >"$T/aer-killed.out" &
aerpid=$!
sleep 1
kill -KILL "$wq"
wait "$aerpid"
check "dom11's worker killed with a step posted: the kernel gets none" \
    test "$(cat "$T/aer-killed.out")" = 1
check "... and a new worker serves dom11" \
    wait_until 10 log_has "dom11: worker [0-9]+ replaces it"

# The kernel gives up first (shimsim-ctl waits 1 s): the daemon's late
# answer is refused by the shim, and said so.
aer $E detected normal 1 >/dev/null
check "an answer the kernel no longer waits for is refused, and logged" \
    wait_until 10 log_has "$E: PCIe error recovery: result not taken: shim: .*the kernel stopped waiting"
guest_stop q
xl detach 11 $E

# A guest given the device but not connected yet (still paused).
guest_start r 12 --paused --run-ms 60000
wait_domain 12
xl attach 12 $E --starting
check "dom12 has the device before it connects" \
    wait_until 10 dump_has $E "owned by dom12"
check "... a step gets the kernel's default from the daemon at once" \
    aer_is 2 $E detected normal
check "... and aerState aerfail: its frontend is not connected" \
    wait_until 5 log_has "dom12 cannot recover the device \(its frontend is not connected\)"
guest_stop r

check "show metrics counts the steps of each device" \
    ctl show metrics
check "... parsed" metrics_parse
check "... three for the device nobody had" \
    metric_has "^pcibackd_device_aer_steps_total\\{device=$F,domid=\\} 3 counter\$"
check "the witness was served throughout, every read right" witness_end
check "the daemon is still up" daemon_alive
t_done
