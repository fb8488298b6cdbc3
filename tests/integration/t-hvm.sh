#!/bin/sh
# Issue 12 §4 on the shim double: an HVM guest given held devices, as
# libxl 4.17 gives them (doc/protocol.md §1.7: the PV keys, no waits, no
# frontend; QEMU in dom0 uses the device).  Each shows in use by that
# domain "(HVM)" in show devices, JSON and the state dump; what the guest
# writes in its own frontend directory changes nothing; a PV guest asking
# for one is refused with an error node naming the HVM domain; a
# hot-attach is recorded; a restart adopts them; nothing is reset while
# the guest has them (nor by pcibackctl while libxl's books give one to
# a domain); libxl's detach and destroy give each back, reset, and a PV
# guest is then served.
. "$(dirname "$0")/lib.sh"

shim_two_devices

# xl create with pci=[ E ] and builder="hvm".
guest_start h 7 --hvm --paused --run-ms 90000
check "domain 7 exists" wait_domain 7
check "libxl gives the e1000e at creation, HVM" xl attach 7 $E --starting --hvm
guest_unpause h
check "the instance is known as an HVM guest's" \
    wait_until 5 log_has 'dom7: an HVM guest'
check "in use by dom7 (HVM) in show devices" \
    wait_until 5 eval 'ctl show devices && out_has "^$E .* dom7 \(HVM\) +INTx"'
check "JSON: owner dom7" dev_is $E owner "'dom7'"
check "JSON: hvm" dev_is $E hvm True
check "the shim records dom7 as its owner" shim_is $E domid 7
check "the state dump says so" dump_has $E 'owned by dom7 (HVM)'
check "explain names the HVM guest" \
    eval 'ctl explain $E; out_has "owned by dom7 \(HVM\)"'
r_e=$(shim_val $E resets)
r_n=$(shim_val $N resets)

# The frontend directory is the guest's: whatever it writes there.
xenstore-write /local/domain/7/device/pci/0/state 6
sleep 0.5
xenstore-rm /local/domain/7/device/pci/0/state
sleep 0.5
check "the guest's frontend writes release nothing" \
    dev_is $E owner "'dom7'"
check "... nor reset it" shim_is $E resets "$r_e"
check "... nor connect or close the instance" \
    eval '! state_written 7 4 && ! state_written 7 5'

# Another toolstack (libxl itself refuses it: /libxl/pci/<bdf>/domid).
guest_start p 8 --run-ms 30000
check "domain 8 exists" wait_domain 8
xl attach 8 $E
check "a PV guest asking for it is refused, naming the HVM domain" \
    wait_until 5 error_like 8 '16 0000:00:03.0: in use by dom7 (HVM)*'
check "the PV guest's instance closes" wait_until 5 state_written 8 5
check "dom7 keeps it" dev_is $E owner "'dom7'"
check "not reset" shim_is $E resets "$r_e"

# xl pci-attach to the running HVM guest: 7, nobody waits.
check "libxl hot-attaches the nvme, HVM" xl attach 7 $N --hvm
check "the nvme in use by dom7 (HVM)" \
    wait_until 5 eval 'ctl show devices && out_has "^$N .* dom7 \(HVM\) "'
check "the reconfigure answered without a frontend (8)" \
    wait_until 5 be_state_is 7 8

# A restart adopts both, resetting nothing.
daemon_stop TERM
daemon_start
check "after a restart the e1000e is still dom7's (HVM)" \
    wait_until 5 dev_is $E hvm True
check "... and the nvme" dev_is $N hvm True
check "nothing reset across the restart" \
    eval 'shim_is $E resets "$r_e" && shim_is $N resets "$r_n"'

# The kernel's error recovery of an HVM guest's device: QEMU, not a
# pcifront, would have to answer, so the guest has no say: Linux's
# backend's default at once, and aerState aerfail for error detected.
aer_is() {
	ai=$(shim aer "$2" "$3" ${4:-} 40 | sed -n 's/^result=//p')
	[ "$ai" = "$1" ] && return 0
	note "aer $2 $3: result '$ai', want '$1'"
	return 1
}
check "AER of the HVM guest's nvme: the kernel gets can-recover at once" \
    aer_is 2 $N detected normal
check "... logged as an HVM guest's device" log_has \
    "$N: PCIe error recovery: dom7 cannot recover the device \\(an HVM guest's device\\)"
check "... aerState aerfail" xs_is "$(be 7)/aerState" aerfail
check "mmio enabled of it: recovered, no new log line" \
    eval 'aer_is 5 $N mmio &&
    test "$(grep -c "dom7 cannot recover" "$T/daemon.log")" -eq 1'

# xl pci-detach: QEMU's device_del, libxl's reset and deassign, then the
# slot goes at once.
check "libxl detaches the e1000e, HVM" xl detach 7 $E --hvm
check "given back once libxl took it" \
    wait_until 5 log_has "$E: released by dom7"
check "reset after the HVM guest" \
    wait_until 5 eval 'test "$(shim_val $E resets)" -gt "$r_e"'
check "free again" wait_until 5 dev_is $E owner "'free'"
check "the shim's owner cleared" shim_is $E domid none
check "the nvme stays dom7's, not reset" \
    eval 'dev_is $N owner "'"'dom7'"'" && shim_is $N resets "$r_n"'
# libxl's books say a domain has it (from before its reset and QEMU's
# device_add until after the slot goes): pcibackctl reset refused.
xenstore-write /libxl/pci/0000-00-03-0/domid 7
check "reset refused while libxl gives it to dom7" \
    eval '! ctl reset $E && grep -q "libxl gives it to dom7" "$T/ctl.err"'
xenstore-rm /libxl/pci/0000-00-03-0/domid
check "reset done once libxl let go" ctl reset $E
xl destroy 8
guest_stop p
# libxl names a PV domain's type too ("pv"): not HVM.
xenstore-write /libxl/9/type pv
check "a PV guest (libxl's type pv) is served the e1000e now" serves 9 $E s
check "... not taken for HVM" \
    sh -c '! grep -q "dom9: an HVM guest" "$1"' x "$T/daemon.log"

# xl destroy of the HVM guest.
check "libxl destroys dom7, HVM" xl destroy 7 --hvm
guest_stop h
check "the nvme reset after the HVM guest" \
    wait_until 5 eval 'test "$(shim_val $N resets)" -gt "$r_n"'
check "the nvme free again" wait_until 5 dev_is $N owner "'free'"
check "no backend directory left" \
    eval '! xenstore-exists "$(be 7)"'
check "daemon still running" daemon_alive
t_done
