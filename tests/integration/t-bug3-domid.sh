#!/bin/sh
# Bug 3: pcibackd is killed, its guest is destroyed while it is down, and
# a new domain that reuses the domid is given the same device.  The
# restarted daemon must not hand the device over as it was: only
# adopting an instance that was already connected skips the reset.  The
# fresh export is refused while the device is reset, and the next
# attach gets a clean device.  A guest adopted across a restart keeps its
# device, unreset.  Ownership is the domain's identity, not its domid: a
# fresh instance records the domain's /vm path ("owner-vm"), and an
# instance recorded for another domain is not adopted, its device reset.
. "$(dirname "$0")/lib.sh"

E=0000:00:03.0
t_setup
shim_setup
assignable $E
daemon_start

# --- adoption of a connected guest: no reset ------------------------------
guest_start a 5 --loop-ms 60000 --run-ms 90000
wait_domain 5
xl attach 5 $E --starting
check "dom5 connected" wait_event a connected
resets0=$(shim_val $E resets)
daemon_stop KILL
daemon_start
check "adopted" wait_until 5 log_has "dom5 $E: adopted"
check "adoption did not reset it" test "$(shim_val $E resets)" = "$resets0"
check "the shim still gives it to dom5" shim_is $E domid 5
check "the instance records its domain's identity" \
    test -n "$(xsr "$(be 5)/owner-vm")" -a \
    "$(xsr "$(be 5)/owner-vm")" = "$(xsr /local/domain/5/vm)"

# --- the guest goes while the daemon is down; a new dom5 reuses the id ----
daemon_stop KILL
xl -w 300 destroy 5
guest_stop a
# With no backend to answer, libxl's forced destroy removes its dirs.
xenstore-rm /local/domain/0/backend/pci/5 2>/dev/null
check "the old instance is gone" \
    sh -c '! xenstore-exists /local/domain/0/backend/pci/5/0'
guest_start b 5 --run-ms 30000
wait_domain 5
xl -w 300 attach 5 $E --starting
n0=$(wc -l <"$T/daemon.log")
daemon_start
since() {
	tail -n +"$((n0 + 1))" "$T/daemon.log" | grep -Eq -- "$1"
}
check "bug 3: the new domain's export waited for the reset (error node)" \
    wait_until 5 error_like 5 "*$E: given to a guest that went while pcibackd was down*"
check "bug 3: the stale assignment is reset" \
    wait_until 10 since "$E: reset \([a-z_]+\), ready for the next guest"
check "bug 3: not exported to the new dom5 without the reset" \
    sh -c '! tail -n +"$(($1 + 1))" "$2" | grep -q "dom5 $3: exported"' x \
    "$n0" "$T/daemon.log" $E
check "ready for the next guest" \
    wait_until 10 log_has "$E: reset \([a-z_]+\), ready for the next guest"
xl -w 300 destroy 5
guest_stop b
check "the next attach gets it, reset" serves 6 $E c

# --- an instance recorded for another domain with the same domid ----------
guest_start d 9 --loop-ms 60000 --run-ms 90000
wait_domain 9
xl attach 9 $E --starting
check "dom9 connected" wait_event d connected
daemon_stop KILL
# As if the backend dir were left from an earlier domain 9.
xenstore-write "$(be 9)/owner-vm" /vm/00000000-0000-4000-8000-000000000009
n0=$(wc -l <"$T/daemon.log")
daemon_start
check "bug 3: an instance of another domain is refused" \
    wait_until 5 error_like 9 "*made for another domain with this domid*"
check "bug 3: its device is reset, not adopted" \
    wait_until 10 since "$E: reset \([a-z_]+\), ready for the next guest"
check "bug 3: never adopted" \
    sh -c '! tail -n +"$(($1 + 1))" "$2" | grep -q "dom9 $3: adopted"' x \
    "$n0" "$T/daemon.log" $E
check "the shim gives it to nobody" shim_is $E domid none
guest_stop d
t_done
