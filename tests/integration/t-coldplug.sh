#!/bin/sh
# (a) Coldplug: one guest, two devices given at domain creation, the
# second while the backend is already InitWait/Initialised
# (doc/protocol.md §2.4).  The guest sees both at 00:00.0 and 00:01.0
# with the right IDs and BAR sizes, MSI/MSI-X work, and lspci renders
# what the guest saw.
. "$(dirname "$0")/lib.sh"

# bars_match HOSTBDF GUEST GUESTNAME BARSFILE: every BAR in the .bars
# sidecar is what the guest sized.
bars_match() {
	bm_ok=0
	while read -r bdf which size; do
		case $bdf in ''|\#*) continue ;; esac
		[ "$bdf" = "$1" ] || continue
		case $which in rom) key=rom ;; *) key=bar$which ;; esac
		got=$(gval "$2" "dev.$3.$key")
		if [ "$(printf '%d' "$got" 2>/dev/null)" != \
		    "$(printf '%d' "$size")" ]; then
			note "$3 $key: guest sized '$got', want $size"
			bm_ok=1
		fi
	done <"$4"
	return $bm_ok
}

t_setup
daemon_start

guest_start g 5 --paused --dump "$T/g.dump" --msi --msix 4
check "domain 5 exists" wait_domain 5
check "first device added at creation" xl attach 5 0000:00:03.0 --starting
st=$(xl wait-state 5 2,3 5000)
check "backend reaches InitWait/Initialised on its own" \
    test "$st" = 2 -o "$st" = 3
check "second device added while the backend is $st" \
    xl attach 5 0000:00:05.0 --starting
check "frontend still Initialising then" xs_is /local/domain/5/device/pci/0/state 1
guest_unpause g
check "guest connects and does its work" wait_event g work-done 1 20

b=$(be 5)
check "backend Connected" xs_is "$b/state" 4
check "frontend Connected" xs_is /local/domain/5/device/pci/0/state 4
check "num_devs 2" xs_is "$b/num_devs" 2
check "vdev-0 is 0000:00:00.00" xs_is "$b/vdev-0" 0000:00:00.00
check "vdev-1 is 0000:00:01.00" xs_is "$b/vdev-1" 0000:00:01.00
check "state-0 and state-1 are 3" \
    test "$(xsr "$b/state-0")$(xsr "$b/state-1")" = 33
check "one root, 0000:00" \
    test "$(xsr "$b/root_num") $(xsr "$b/root-0")" = "1 0000:00"
check "no error node" test -z "$(error_node 5)"
check "guest sees 00:00.0 and 00:01.0" test "$(gval g devices)" = "00:00.0,00:01.0"

guest_stop g
check "guest exits cleanly" test "$(gval g result)" = stopped
check "guest had no unexpected replies" test "$(gval g errors)" = 0
check "no op timed out" test "$(gval g timeouts)" = 0
check "00:00.0 is the 82574L" test "$(gval g dev.00:00.0.id)" = 8086:10d3
check "00:01.0 is the NVMe" test "$(gval g dev.00:01.0.id)" = 1b36:0010
check "00:00.0 class 020000" test "$(gval g dev.00:00.0.class)" = 020000
check "extended config space read for both" \
    test "$(gval g dev.00:00.0.cfgsize)$(gval g dev.00:01.0.cfgsize)" = 40964096
check "e1000e BAR sizes as in qemu-e1000e.bars" \
    bars_match 00:03.0 g 00:00.0 "$DATA/qemu-e1000e.bars"
check "nvme BAR sizes (64-bit BAR0) as in qemu-nvme.bars" \
    bars_match 00:05.0 g 00:01.0 "$DATA/qemu-nvme.bars"
pirq=$(gval g dev.00:00.0.msi)
check "enable_msi gives a pirq > 0 ($pirq)" test "${pirq:-0}" -gt 0
check "MSI enable bit reads 1 while enabled" test "$(gval g dev.00:00.0.msi_bit)" = 1
check "MSI-X refused while MSI is on (XSA-157)" \
    test "$(gval g dev.00:00.0.xsa157)" = refused
check "enable_msix gives 4 vectors on e1000e" test "$(gval g dev.00:00.0.msix)" = 4
check "enable_msix gives 4 vectors on nvme" test "$(gval g dev.00:01.0.msix)" = 4

r=$(lspci -F "$T/g.dump" -vv 2>/dev/null)
check "lspci -F renders the guest's dump" \
    test "$(echo "$r" | grep -c '^00:0[01].0 ')" = 2
check "lspci names the 82574L at 00:00.0" \
    sh -c 'echo "$1" | grep -q "^00:00.0 Ethernet controller: Intel Corporation 82574L"' x "$r"
check "lspci names the NVMe controller at 00:01.0" \
    sh -c 'echo "$1" | grep -q "^00:01.0 Non-Volatile memory controller"' x "$r"
check "lspci shows the e1000e capabilities" \
    sh -c 'echo "$1" | grep -q "MSI-X: Enable-" && echo "$1" | grep -q "Express (v1) Root Complex Integrated Endpoint"' x "$r"
host=$(lspci -F "$DATA/qemu-e1000e.txt" -vv 2>/dev/null | grep 'Region' | sed 's/ *\[size=.*//')
guest=$(lspci -F "$T/g.dump" -s 00:00.0 -vv 2>/dev/null | grep 'Region' | sed 's/ *\[size=.*//')
check "guest sees the host BAR addresses" test "$host" = "$guest"

check "devices released when the guest died" \
    wait_until 5 log_has 'released by dom5'
check "daemon still running" daemon_alive
t_done
