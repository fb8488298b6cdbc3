#!/bin/sh
# The shim provider on the shim double (tests/shimsim): devices made
# assignable are held, a guest's claim becomes the shim's ASSIGN, MSI and
# MSI-X pirqs come from the shim, the guest's config writes reach the
# device (the command register's too, by any size, with decoding or
# without), and when the guest goes the device is released and reset on
# the daemon's thread and serves the next guest.
. "$(dirname "$0")/lib.sh"

shim_two_devices
check "the e1000e is held from the shim" \
    log_has "$E: held \[8086:10d3\] \(shim\)"
check "the nvme is held from the shim" log_has "$N: held \[1b36:0010\] \(shim\)"
check "edu, not assignable, is not held" \
    sh -c '! grep -q "0000:00:02.0: held" "$1"' x "$T/daemon.log"

guest_start g 5 --paused --msi --msix 4 --master
check "domain 5 exists" wait_domain 5
check "e1000e attached at creation" xl attach 5 $E --starting
check "nvme attached at creation" xl attach 5 $N --starting
guest_unpause g
check "guest connects and does its work" wait_event g work-done 1 20
check "the shim records dom5 as the e1000e's owner (ASSIGN)" \
    shim_is $E domid 5
check "... and the nvme's" shim_is $N domid 5
check "decoding turned on by the guest enabled it in dom0 (ENABLE)" \
    shim_is $N enabled 1
check "bus mastering reached the device" \
    sh -c '[ $(( $("$1" show "$2" | sed -n "s/^command=//p") & 4 )) -ne 0 ]' \
    x "$SHIMCTL" $N
check "no error node" test -z "$(error_node 5)"

r0=$(shim_val $N resets)
guest_stop g
check "guest had no unexpected replies" test "$(gval g errors)" = 0
check "no op timed out" test "$(gval g timeouts)" = 0
check "the guest read the e1000e's IDs through the shim" \
    test "$(gval g dev.00:00.0.id)" = 8086:10d3
check "the nvme's extended config space" \
    test "$(gval g dev.00:01.0.cfgsize)" = 4096
check "BAR sizes from the shim's INFO" \
    test "$(gval g dev.00:01.0.bar0)" = 0x4000
pirq=$(gval g dev.00:00.0.msi)
check "MSI pirq from the shim ($pirq)" test "${pirq:-0}" -ge 200
check "MSI enable bit reads 1 while enabled" \
    test "$(gval g dev.00:00.0.msi_bit)" = 1
check "MSI-X refused while MSI is on (XSA-157)" \
    test "$(gval g dev.00:00.0.xsa157)" = refused
check "MSI-X gives 4 vectors on the nvme" \
    test "$(gval g dev.00:01.0.msix)" = 4
check "the guest reads bus mastering back on" \
    test "$(gval g dev.00:01.0.master)" = 1
check "released by dom5" wait_until 5 log_has "$N: released by dom5"
check "reset by FLR, ready for the next guest" \
    wait_until 5 log_has "$N: reset \(flr\), ready for the next guest"
check "the e1000e reset by its PM method" \
    wait_until 5 log_has "$E: reset \(pm\), ready for the next guest"
check "the shim did one more reset of the nvme" \
    test "$(shim_val $N resets)" -gt "${r0:-0}"
check "the shim forgot the owner (RELEASE)" shim_is $N domid none
check "MSI-X off after the release" shim_is $N msix 0
check "not enabled in dom0 after the release" shim_is $N enabled 0

check "the nvme serves the next guest" serves 6 $N h
check "dom6 owned it in the shim" \
    wait_until 5 log_has "$N: released by dom6"
# The command register written without decoding (bus mastering alone),
# then by a byte write turning memory decoding on, then cleared; and the
# cache line size: each reaches the device, and only the write that
# turns decoding on has dom0 enable it first.
guest_start k 7 --paused --run-ms 20000 --write 1b36:0010:4:2:0004 \
    --write 1b36:0010:4:1:06 --write 1b36:0010:4:2:0000 \
    --write 1b36:0010:c:1:10
wait_domain 7
xl attach 7 $N --starting
guest_unpause k
check "a guest writes the command register and the cache line size" \
    wait_event k work-done
check "... each went through, as the guest reads back" sh -c \
    'grep "^write\." "$1" | tr "\n" " " | grep -qx "$2"' x "$T/k.out" \
    "write.00:00.0.0x4=0 0x4 write.00:00.0.0x4=0 0x6 write.00:00.0.0x4=0 0x0 write.00:00.0.0xc=0 0x10 "
check "... the byte write turning decoding on enabled it in dom0" \
    shim_is $N enabled 1
xl -w 300 destroy 7
guest_stop k

check "daemon still running" daemon_alive
t_done
