#!/bin/sh
# The shim answering EIO (the double's switches info-fail, list-fail,
# restrict-fail, assign-fail): a device whose INFO fails is not held, said with its
# address, and held once INFO works; a LIST that fails (pcibackctl
# hold of a device the shim kept) refuses and says so; a worker whose
# shim descriptor cannot be restricted never serves: its guest is failed
# cleanly after its replacements die too; a device the shim cannot
# ASSIGN fails its guest, said, and goes to the next guest once ASSIGN
# works.  Guests served meanwhile.
. "$(dirname "$0")/lib.sh"

E=0000:00:03.0
N=0000:00:05.0
D=0000:00:02.0
ctl_hold() {
	"$PCIBACKCTL" -s "$T/pcibackd.sock" hold "$1" >"$T/ctl.out" \
	    2>"$T/ctl.err"
}
hold_refused() {
	! ctl_hold "$1"
}
held() {
	"$PCIBACKCTL" -s "$T/pcibackd.sock" show devices | grep -q "$1"
}
not_held() {
	! held "$1"
}

t_setup
shim_setup
assignable $E $N
daemon_start
witness_start 5 $N

# --- INFO fails for one device ------------------------------------------
fault info-fail "$D"
assignable $D
check "INFO failing: the device is not held, said with its address" \
    wait_until 5 log_has "$D: shim info: Input/output error"
check "... not in show devices" not_held $D
check "... pcibackctl hold refused" hold_refused $D
check "... (cannot hold it)" grep -q "cannot hold it (see the log)" "$T/ctl.err"
fault info-fail off
check "INFO working again: pcibackctl hold holds it" ctl_hold $D
check "... shown" held $D

# --- LIST fails -----------------------------------------------------------
check "released by pcibackctl (the shim keeps it)" \
    sh -c '"$1" -s "$2" release "$3" >/dev/null' x "$PCIBACKCTL" "$T/pcibackd.sock" $D
fault list-fail on
check "LIST failing: pcibackctl hold refused" hold_refused $D
check "... the failure said" \
    log_has "/dev/pcishim: list: Input/output error"
check "... the others still held" held $E
fault list-fail off
check "LIST working again: held" ctl_hold $D
check "the witness guest served meanwhile" witness_served

# --- a worker descriptor that cannot be restricted ---------------------------
fault restrict-fail on
guest_start g 6 --run-ms 30000
wait_domain 6
xl attach 6 $E --starting
check "RESTRICT failing: the worker says so and exits" \
    wait_until 10 log_has "cannot restrict a descriptor to dom6: Input/output error"
check "... its replacements too: the guest is failed" \
    wait_until 15 log_has "dom6: the worker serving its ops keeps dying"
fault restrict-fail off
check "... error node" error_like 6 "5 *keeps dying*"
check "... backend Closing" wait_until 5 be_state_is 6 5
guest_stop g
xl -w 500 destroy 6
# --- ASSIGN fails ------------------------------------------------------------
fault assign-fail "$D"
guest_start a 8 --run-ms 30000
wait_domain 8
xl attach 8 $D --starting
check "ASSIGN failing: said with the guest, the device and the error" \
    wait_until 10 log_has "dom8: $D: shim cannot assign it to dom8: Input/output error"
check "... error node" error_like 8 "*shim cannot assign it to dom8*"
check "... backend Closing" wait_until 5 state_written 8 5
check "... the shim records no owner" shim_is $D domid none
fault assign-fail off
guest_stop a
xl -w 500 destroy 8
check "ASSIGN working again: a new guest is served the device" \
    serves 10 $D c
check "the witness guest served throughout" witness_served
check "... every read right" witness_end
check "a new guest is served the device" serves 7 $E s
t_done
