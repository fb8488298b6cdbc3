#!/bin/sh
# Bug 2: permissive mode the toolstack sets for one guest (libxl writes
# the device to pciback/permissive for permissive=1) is for that
# assignment only: when the guest lets go, the next guest does not get
# it.  Permissive from the configuration stays: it is the
# administrator's, for every guest.  Also across a daemon restart, when
# the daemon learns the toolstack's flag from the shim's state.
. "$(dirname "$0")/lib.sh"

E=0000:00:03.0
N=0000:00:05.0
t_setup
SHIM_CONF='device 0000:00:05.0 { name "nvme" permissive yes }'
shim_setup
assignable $E $N
daemon_start

# --- a guest with the toolstack's permissive -------------------------------
check "libxl writes permissive for dom5's device" shim permissive $E
check "the daemon applies it" \
    wait_until 5 log_has "$E: the toolstack made it permissive"
check "pcibackctl shows it permissive" dev_is $E permissive True
check "dom5 gets the permissive device" serves 5 $E g
check "released after dom5, reset" \
    wait_until 5 log_has "$E: reset \(pm\), ready for the next guest"
check "bug 2: the toolstack's permissive ended with dom5" \
    dev_is $E permissive False
check "bug 2: the log says so" \
    log_has "$E: the toolstack's permissive and interrupt control ended with the guest"
check "the configuration's permissive device is permissive" \
    dev_is $N permissive True
check "dom6 gets the other device" serves 6 $N h
check "released after dom6" \
    wait_until 5 log_has "$N: reset \([a-z_]+\), ready for the next guest"
check "the configuration's permissive outlives the guest" \
    dev_is $N permissive True

# --- the same across a restart while the guest has it ----------------------
check "libxl writes permissive again, for dom7" shim permissive $E
check "applied" dev_is $E permissive True
guest_start k 7 --loop-ms 60000 --run-ms 90000
wait_domain 7
xl attach 7 $E --starting
check "dom7 connected" wait_event k connected
daemon_stop KILL
daemon_start
check "restart: permissive learned from the shim's state" \
    dev_is $E permissive True
xl -w 300 destroy 7
guest_stop k
check "restart: released after dom7" \
    wait_until 10 log_has "$E: released by dom7"
check "bug 2: restart: the toolstack's permissive ended with dom7" \
    wait_until 5 dev_is $E permissive False
check "the next guest is served" serves 8 $E p
check "... and the device is still not permissive" dev_is $E permissive False
t_done
