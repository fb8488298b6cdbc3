#!/bin/sh
# (b) Hot-attach and hot-detach on a running guest (doc/protocol.md
# §2.5, §2.6): the Reconfiguring/Reconfigured dance, libxl's renumbering
# of the slots, the release of detached devices, the last detach
# removing both dirs and a re-attach after it (as libxl does it).
. "$(dirname "$0")/lib.sh"

b=$(be 5)

# slot N BDF VDEV: dev-N/key-N name BDF, vdev-N is VDEV, state-N is 3.
slot() {
	xs_is "$b/dev-$1" "$2" && xs_is "$b/key-$1" "$2" &&
	    xs_is "$b/vdev-$1" "$3" && xs_is "$b/state-$1" 3 &&
	    xenstore-exists "$b/opts-$1"
}

slots3() {
	slot 0 0000:00:03.0 0000:00:00.00 &&
	    slot 1 0000:00:05.0 0000:00:01.00 &&
	    slot 2 0000:00:02.0 0000:00:02.00
}

slots2() {
	slot 0 0000:00:03.0 0000:00:00.00 &&
	    slot 1 0000:00:02.0 0000:00:02.00
}

t_setup
daemon_start

guest_start g 5 --run-ms 40000
wait_domain 5
check "first pci-attach creates the dirs" xl attach 5 0000:00:03.0
check "guest connects with one device" wait_event g connected
check "guest sees 00:00.0" test "$(gval g devices)" = 00:00.0

check "hot-attach a second device" xl attach 5 0000:00:05.0
check "guest reconfigures" wait_event g reconfigured 1
check "backend back to Connected" wait_until 5 be_state_is 5 4
check "guest sees 00:00.0 and 00:01.0" test "$(gval g devices)" = 00:00.0,00:01.0
check "hot-attach a third device" xl attach 5 0000:00:02.0
check "guest reconfigures again" wait_event g reconfigured 2
check "guest sees three devices" \
    test "$(gval g devices)" = 00:00.0,00:01.0,00:02.0
check "slots 0..2 as exported" slots3
check "num_devs 3" xs_is "$b/num_devs" 3

check "hot-detach the middle device" xl detach 5 0000:00:05.0
check "guest let it go" wait_event g reconfigured 3
check "guest sees 00:00.0 and 00:02.0" test "$(gval g devices)" = 00:00.0,00:02.0
check "num_devs 2 after detach" xs_is "$b/num_devs" 2
check "slot 2 renumbered to 1" slots2
check "no slot 2 keys left" \
    test -z "$(xenstore-list "$b" | grep -- '-2$')"
check "daemon released 0000:00:05.0" log_has '0000:00:05.0: released by dom5'
check "0000:00:05.0 is free again (SIGUSR1)" dump_has 0000:00:05.0 free
check "0000:00:03.0 still owned by dom5" dump_has 0000:00:03.0 'owned by dom5'

check "re-attach the detached device" xl attach 5 0000:00:05.0
check "guest reconfigures for it" wait_event g reconfigured 4
check "it takes the free slot 00:01.0" \
    test "$(gval g devices)" = 00:00.0,00:01.0,00:02.0
check "slot 2 is the re-attached device" slot 2 0000:00:05.0 0000:00:01.00

check "detach 0000:00:03.0" xl detach 5 0000:00:03.0
check "detach 0000:00:02.0" xl detach 5 0000:00:02.0
check "guest has one device left" wait_until 5 \
    sh -c 'test "$(sed -n "s/^devices=//p" "$1" | tail -n 1)" = 00:01.0' x \
    "$T/g.out"
check "last detach" xl detach 5 0000:00:05.0
check "backend dir removed" wait_until 5 sh -c '! xenstore-exists "$1"' x "$b"
check "frontend dir removed" \
    sh -c '! xenstore-exists /local/domain/5/device/pci/0'
check "guest saw its frontend go" wait_event g removed
check "each detach released its device" \
    test "$(grep -c 'released by dom5' "$T/daemon.log")" -eq 4
check "daemon forgot dom5 when the dirs went" \
    wait_until 5 log_has 'dom5: gone'
all_free() {
	dump_has 0000:00:03.0 free && dump_has 0000:00:05.0 free &&
	    dump_has 0000:00:02.0 free
}
check "every device free again" all_free
check "no error node" test -z "$(error_node 5)"

check "attach again after the last detach" xl attach 5 0000:00:03.0
check "guest connects a second time" wait_event g connected 2
check "guest sees 00:00.0 again" test "$(gval g devices)" = 00:00.0
guest_stop g
check "guest: no unexpected replies" test "$(gval g errors)" = 0
check "guest: no timeouts" test "$(gval g timeouts)" = 0
check "daemon still running" daemon_alive
t_done
