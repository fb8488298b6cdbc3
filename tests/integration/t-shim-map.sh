#!/bin/sh
# Issue 13 on the shim double: a worker reads its guest's config space
# through the page PCISHIM_IOC_CFG_MAP offers (the double offers it while
# the switch cfg-map is on): mapped read only, the guest's reads right,
# and the page reads all ones once the device has left the guest.  A
# shim that offers no page, or a page that is not the device's (switch
# map-wrong), leaves the worker on the ioctl, still reading right.
. "$(dirname "$0")/lib.sh"

E=0000:00:03.0		# dom5's; packed 0x18
N=0000:00:05.0		# dom6's; packed 0x28
D=0000:00:02.0		# dom7's; packed 0x10


# mapped DOMID FILE: the worker of DOMID maps FILE, read only and shared.
mapped() {
	for w in $(pgrep -P "$DAEMON_PID" -x pcibackd); do
		grep -q " r--s .*/maps/$2\$" "/proc/$w/maps" && return 0
	done
	return 1
}

# no_maps: no worker maps a page of the double.
no_maps() {
	for w in $(pgrep -P "$DAEMON_PID" -x pcibackd); do
		grep -q "/maps/" "/proc/$w/maps" && return 1
	done
	return 0
}

first_dword() { od -An -tx4 -N4 "$MAPS/$1" | tr -d ' '; }

t_setup
shim_setup
MAPS=$XENSIM_DIR/shim/maps
check "three devices made assignable" assignable $E $N $D
fault cfg-map 1
daemon_start

guest_start g 5 --loop-ms 4000 --run-ms 30000
wait_domain 5
xl attach 5 $E --starting
check "dom5 connects" wait_event g connected
check "dom5's worker maps the e1000e's page, read only" \
    wait_until 10 mapped 5 00000018-5
check "the page shows the device" \
    test "$(first_dword 00000018-5)" = "$(od -An -tx4 -N4 -j 0 "$XENSIM_DIR/shim/sys/bus/pci/devices/$E/config" | tr -d ' ')"
check "dom5 reads the e1000e in a loop" wait_event g loop-done 1 20
check "detach the e1000e from dom5" xl detach 5 $E
check "... its page for dom5 now reads all ones" \
    wait_until 10 test "$(first_dword 00000018-5)" = ffffffff
guest_stop g
check "every read answered right, none timed out" \
    test "$(gval g loop_wrong)" = 0 -a "$(gval g loop_timeouts)" = 0

# No page offered: the ioctl, as before.
fault cfg-map off
guest_start h 6 --loop-ms 3000 --run-ms 30000
wait_domain 6
xl attach 6 $N --starting
check "dom6 connects" wait_event h connected
check "dom6 reads the nvme in a loop" wait_event h loop-done 1 20
guest_stop h
check "... right, through the ioctl: no page mapped" \
    test "$(gval h loop_wrong)" = 0 -a ! -e "$MAPS/00000028-6"

# A page that is not the device's is not used.
fault cfg-map 1
fault map-wrong 1
guest_start k 7 --loop-ms 3000 --run-ms 30000
wait_domain 7
xl attach 7 $D --starting
check "dom7 connects" wait_event k connected
check "dom7 reads its device in a loop" wait_event k loop-done 1 20
check "the worker asked for the page" test -e "$MAPS/00000010-7"
check "... and, its IDs wrong, does not keep it mapped" no_maps
guest_stop k
check "... dom7's reads right" test "$(gval k loop_wrong)" = 0
fault map-wrong off
t_done
