#!/bin/sh
# Teardown that does not make libxl wait (issue 14 §1, doc/protocol.md
# §2.7): once the guest cannot run (shut down, crashed) or its frontend
# has closed, libxl's detach of each device is answered at once, with
# libxl's own 10 s wait for "4" in force; the devices are released (and
# reset) when libxl asks for each.  Then each interleaving of libxl's
# detach with a frontend that closes at the same time, the frontend's
# states written by the test while the guest is stopped.
. "$(dirname "$0")/lib.sh"

t_setup
daemon_start

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# timed NAME ARGS...: run xl ARGS, its rc in $xl_rc, ms in $xl_ms.
timed() {
	tm_0=$(now_ms)
	xl "$@"
	xl_rc=$?
	xl_ms=$(($(now_ms) - tm_0))
	note "xl $*: rc $xl_rc, $xl_ms ms"
}

released() {
	[ "$(grep -c "released by dom$1" "$T/daemon.log")" -ge "$2" ]
}

# fe_write DOMID STATE: the guest's frontend state, as the guest writes it.
fe_write() {
	xenstore-write "/local/domain/$1/device/pci/0/state" "$2"
}

# connect3 NAME DOMID OPTS...: a guest with e1000e, nvme and edu.
connect3() {
	c3_name=$1
	c3_dom=$2
	shift 2
	guest_start "$c3_name" "$c3_dom" --paused --run-ms 60000 "$@"
	wait_domain "$c3_dom"
	xl attach "$c3_dom" 0000:00:03.0 --starting
	xl attach "$c3_dom" 0000:00:05.0 --starting
	xl attach "$c3_dom" 0000:00:02.0 --starting
	guest_unpause "$c3_name"
}

# --- orderly shutdown, then libxl's destroy with its 10 s waits --------
connect3 g 5 --shutdown --linger
check "guest connects, then shuts down" wait_event g shutdown 1 20
check "guest saw three devices" \
    test "$(gval g devices)" = 00:00.0,00:01.0,00:02.0
check "log: dom5 shut down, toolstack answered" \
    wait_until 5 log_has 'dom5: shut down, answering the toolstack'
check "backend answers Connected for libxl once the guest is down" \
    wait_until 5 be_state_is 5 4
check "devices still owned until libxl detaches them" \
    dump_has 0000:00:03.0 'owned by dom5'
timed destroy 5
check "xl destroy of 3 devices with 10 s waits: done in < 3 s" \
    test "$xl_rc" = 0 -a "$xl_ms" -lt 3000
check "libxl's slots and both dirs removed (no keys left behind)" \
    sh -c '! xenstore-exists /local/domain/0/backend/pci/5/0'
check "three devices released" wait_until 5 released 5 3
check "0000:00:03.0 free" dump_has 0000:00:03.0 free
check "0000:00:05.0 free" dump_has 0000:00:05.0 free
check "0000:00:02.0 free" dump_has 0000:00:02.0 free
guest_stop g
check "guest: no unexpected replies" test "$(gval g errors)" = 0
check "no error node for dom5" test -z "$(error_node 5)"

# --- a crash with the frontend still connected ------------------------
connect3 h 6
check "second guest connects" wait_event h connected
kill -USR2 "$(guest_pid h)"
check "it crashes" wait_event h crashed 1 5
check "log: dom6 down" \
    wait_until 5 log_has 'dom6: shut down, answering the toolstack'
timed destroy 6
check "xl destroy of a crashed guest: done in < 3 s" \
    test "$xl_rc" = 0 -a "$xl_ms" -lt 3000
check "its three devices released" wait_until 5 released 6 3
guest_stop h

# --- suspended ---------------------------------------------------------
# A suspended domain resumes (a suspend is a shutdown a resume undoes):
# the toolstack is not answered without its frontend.
rels() {
	grep -c '@releaseDomain (rel)' "$T/daemon.log"
}
guest_start s 20 --usr2-state suspended --run-ms 60000
wait_domain 20
xl attach 20 0000:00:04.0 --starting
check "a guest to suspend connects" wait_event s connected
r0=$(rels)
kill -USR2 "$(guest_pid s)"
check "it is suspended" wait_event s suspended 1 5
check "... the daemon looked (@releaseDomain)" \
    wait_until 5 sh -c 'test "$(grep -c "@releaseDomain (rel)" "$1")" -gt "$2"' \
    x "$T/daemon.log" "$r0"
check "... (its evaluation done: a state dump after it)" \
    dump_has 0000:00:04.0 'owned by dom20'
check "... and did not take it for down" \
    sh -c '! grep -q "dom20: shut down" "$1"' x "$T/daemon.log"
check "... its backend still Connected" be_state_is 20 4
xl -w 300 destroy 20
check "the suspended guest destroyed: its device released" \
    wait_until 5 released 20 1
guest_stop s

# --- interleavings of one detach with a closing frontend ---------------
# Each with a guest whose domain runs; the guest is stopped once
# connected and the test writes its frontend state.
connect3 i 7
check "third guest connects" wait_event i connected
kill -STOP "$(guest_pid i)"

# 1. libxl's 7 first, then the frontend closes instead of answering.
xl detach 7 0000:00:02.0 & xlpid=$!
check "1: libxl asked (backend 7), waiting for the frontend" \
    wait_until 5 be_state_is 7 7
fe_write 7 5
tm_0=$(now_ms)
check "1: the detach completes" wait_pid "$xlpid" 5
check "1: ... successfully, < 3 s after the frontend closed" \
    test "$wait_rc" = 0 -a $(($(now_ms) - tm_0)) -lt 3000
check "1: edu released" wait_until 5 released 7 1
check "1: then the backend follows the frontend to Closing" \
    wait_until 5 be_state_is 7 5
check "1: the other devices stay owned (online)" \
    dump_has 0000:00:03.0 'owned by dom7'
fe_write 7 6
check "1: and to Closed" wait_until 5 be_state_is 7 6

# 2. The frontend closed first, the guest still runs: libxl's wait for
# "4" times out as with xen-pciback; once the guest is down it does not.
timed -w 1500 detach 7 0000:00:05.0
check "2: detach from a running guest with a closed frontend fails" \
    test "$xl_rc" = 1
check "2: nvme still owned" dump_has 0000:00:05.0 'owned by dom7'
kill -USR2 "$(guest_pid i)"
kill -CONT "$(guest_pid i)"
check "2: the guest crashes" wait_event i crashed 1 5
check "2: backend answers Connected" wait_until 5 be_state_is 7 4
timed detach 7 0000:00:05.0
check "2: now the detach completes in < 3 s" \
    test "$xl_rc" = 0 -a "$xl_ms" -lt 3000
timed destroy 7
check "2: destroy completes in < 3 s" test "$xl_rc" = 0 -a "$xl_ms" -lt 3000
check "2: all three of dom7's devices released" wait_until 5 released 7 3
guest_stop i

connect3 j 8
check "fourth guest connects" wait_event j connected
kill -STOP "$(guest_pid j)"

# 3. Both in one look: the daemon sees libxl's 7 and the frontend's 5
# together.
kill -STOP "$DAEMON_PID"
xl detach 8 0000:00:02.0 & xlpid=$!
wait_until 5 be_state_is 8 7
fe_write 8 5
kill -CONT "$DAEMON_PID"
check "3: the detach completes" wait_pid "$xlpid" 5
check "3: ... successfully" test "$wait_rc" = 0
check "3: edu released" wait_until 5 released 8 1
check "3: backend follows to Closing once the slot is gone" \
    wait_until 5 be_state_is 8 5

# crashdown NAME DOMID: a stopped guest crashes; libxl's destroy is quick.
crashdown() {
	kill -USR2 "$(guest_pid "$1")"
	kill -CONT "$(guest_pid "$1")"
	wait_event "$1" crashed 1 5 &&
	    wait_until 5 be_state_is "$2" 4 && destroy "$2" "$1"
}
check "3: the guest crashes, destroy goes through" crashdown j 8

connect3 k 9
check "fifth guest connects" wait_event k connected
kill -STOP "$(guest_pid k)"

# 4. The frontend answered 7, the backend wrote 8, then the frontend
# closes instead of writing 4.
xl detach 9 0000:00:02.0 & xlpid=$!
wait_until 5 be_state_is 9 7
fe_write 9 7
check "4: backend did its part (8)" wait_until 5 be_state_is 9 8
fe_write 9 5
check "4: the detach completes" wait_pid "$xlpid" 5
check "4: ... successfully" test "$wait_rc" = 0
check "4: backend follows to Closing once the slot is gone" \
    wait_until 5 be_state_is 9 5

check "4: the guest crashes, destroy goes through" crashdown k 9

# 5. A live frontend that answers: the handshake as before.
connect3 l 10
check "sixth guest connects" wait_event l connected
timed detach 10 0000:00:02.0
check "5: live detach still goes through the frontend" \
    test "$xl_rc" = 0 -a "$(gcount l event=reconfigured)" = 1
check "5: the guest lost edu" test "$(gval l devices)" = 00:00.0,00:01.0

destroy 10 l

# 6. The same as 1, played by the guest: it closes on libxl's 7.
connect3 m 12 --close-on-reconf
check "seventh guest connects" wait_event m connected
timed detach 12 0000:00:02.0
check "6: a guest closing on libxl's 7: detach done in < 3 s" \
    test "$xl_rc" = 0 -a "$xl_ms" -lt 3000
check "6: it closed" wait_event m closing-on-reconf
check "6: backend then follows it to Closed" wait_until 5 be_state_is 12 6
kill -USR2 "$(guest_pid m)"
check "6: it crashes, destroy goes through" \
    sh -c 'sleep 0.5; exit 0' && wait_until 5 be_state_is 12 4
destroy 12 m
check "daemon still running" daemon_alive
check "daemon serves a new guest with a device of the shut-down guest" \
    serves 11 0000:00:03.0 p
t_done
