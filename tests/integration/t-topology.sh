#!/bin/sh
# What the guest's bus looks like (doc/protocol.md §5.9).  vpci: functions
# of one host slot share one virtual slot and keep their function
# numbers, found by the frontend's probe of every devfn even before
# function 0 arrives.  passthrough: host addresses, one root per bus,
# also for a NetBSD guest (fixed-column root parsing).
. "$(dirname "$0")/lib.sh"

b=$(be 5)

t_setup
cat >"$T/pcibackd.conf" <<EOF
mode virtual
emulate "dump:$DATA/qemu-e1000e.txt" bars "$DATA/qemu-e1000e.bars"
emulate "dump:$DATA/qemu-q35-ich9-lpc.txt"
emulate "dump:$DATA/qemu-q35-ich9-ahci.txt" bars "$DATA/qemu-q35-ich9-ahci.bars"
emulate "dump:$DATA/qemu-q35-ich9-smbus.txt" bars "$DATA/qemu-q35-ich9-smbus.bars"
device 0000:00:03.0 { name "nic" }
device 0000:00:1f.* { name "ich9" }
EOF
daemon_start
check "a wildcard device line holds every function" \
    test "$(grep -c '^0000:00:1f.[023]: held' "$T/daemon.log")" = 3

guest_start g 5 --paused --run-ms 30000
wait_domain 5
xl attach 5 0000:00:03.0 --starting
xl attach 5 0000:00:1f.2 --starting
xl attach 5 0000:00:1f.3 --starting
guest_unpause g
check "guest connects" wait_event g connected
check "functions 2 and 3 share slot 1 without function 0" \
    test "$(gval g devices)" = 00:00.0,00:01.2,00:01.3
check "vdev-N keeps the function, printed %02x" \
    test "$(xsr "$b/vdev-1") $(xsr "$b/vdev-2")" = "0000:00:01.02 0000:00:01.03"
check "function 0 hot-attached" xl attach 5 0000:00:1f.0
check "guest reconfigures" wait_event g reconfigured
check "function 0 joins slot 1" \
    test "$(gval g devices)" = 00:00.0,00:01.0,00:01.2,00:01.3
check "vdev-3 is 0000:00:01.00" xs_is "$b/vdev-3" 0000:00:01.00
check "one root still" test "$(xsr "$b/root_num")" = 1
check "detach function 2" xl detach 5 0000:00:1f.2
check "guest reconfigures again" wait_event g reconfigured 2
check "the others stay where they were" \
    test "$(gval g devices)" = 00:00.0,00:01.0,00:01.3
guest_stop g
check "guest: no unexpected replies" test "$(gval g errors)" = 0
check "smbus BAR4 sized 0x40" \
    grep -q '^dev.00:01.3.bar4=0x40$' "$T/g.out"
xl -w 300 destroy 5

# --- passthrough: host addresses, two roots ----------------------------
daemon_stop TERM
cat >"$T/pcibackd.conf" <<EOF
mode passthrough
socket "$T/pcibackd.sock"
emulate "dump:$DATA/qemu-e1000e.txt" bars "$DATA/qemu-e1000e.bars"
emulate "dump:$DATA/synthetic-pcie-nic-msi-msix-aer-sriov.txt" bars "$DATA/synthetic-pcie-nic-msi-msix-aer-sriov.bars"
emulate "dump:$DATA/synthetic-pcie-bridge.txt" bars "$DATA/synthetic-pcie-bridge.bars"
device 0000:00:03.0 { name "nic" }
device 0000:07:00.0 { name "synthetic" }
device 0000:00:1c.0 { name "bridge" }
EOF
daemon_start
check "passthrough: explain a bridge: given, the host's bus numbers kept" \
    sh -c '"$1" -s "$2" explain 00:1c.0 | grep -qx "  warning: a bridge (type 1 header): its bus numbers, windows and bridge control stay the host.s"' \
    x "$PCIBACKCTL" "$T/pcibackd.sock"
b=$(be 6)
guest_start h 6 --paused --run-ms 30000 --msi --msix 8
wait_domain 6
xl attach 6 0000:00:03.0 --starting
xl attach 6 0000:07:00.0 --starting
guest_unpause h
check "passthrough: guest connects" wait_event h work-done
check "passthrough: guest sees the host addresses" \
    test "$(gval h devices)" = 00:03.0,07:00.0
check "passthrough: vdev-N are the host addresses" \
    test "$(xsr "$b/vdev-0") $(xsr "$b/vdev-1")" = "0000:00:03.00 0000:07:00.00"
check "passthrough: two roots, in export order" \
    test "$(xsr "$b/root_num") $(xsr "$b/root-0") $(xsr "$b/root-1")" = \
    "2 0000:00 0000:07"
guest_stop h
check "passthrough: synthetic NIC 64-bit BAR0 and BAR4" \
    test "$(gval h dev.07:00.0.bar0) $(gval h dev.07:00.0.bar4)" = \
    "0x100000 0x4000"
check "passthrough: MSI and 8 MSI-X vectors on the synthetic NIC" \
    test "$(gval h dev.07:00.0.msi)" -gt 0 -a "$(gval h dev.07:00.0.msix)" = 8
check "passthrough: no unexpected replies" test "$(gval h errors)" = 0
xl -w 300 destroy 6

guest_start n 7 --paused --netbsd --once --run-ms 20000
wait_domain 7
xl attach 7 0000:00:03.0 --starting
xl attach 7 0000:07:00.0 --starting
guest_unpause n
guest_wait n 20
check "NetBSD guest parses both roots and finds both devices" \
    test "$(gval n devices)" = 00:03.0,07:00.0
check "NetBSD guest: no unexpected replies" test "$(gval n errors)" = 0
check "daemon still running" daemon_alive
t_done
