#!/bin/sh
# (c) Orderly guest shutdown, then the toolstack's destroy
# (doc/protocol.md §2.7): the backend follows the frontend to Closing
# and Closed, keeps the devices while online, and, once the guest is
# down, answers each of libxl's detaches at once (issue 14 §1; it used
# to leave libxl waiting 10 s a device).  Then the destroy of a live but
# paused guest, whose frontend cannot answer.
. "$(dirname "$0")/lib.sh"

t_setup
daemon_start

# --- orderly shutdown, then destroy -----------------------------------
guest_start g 5 --paused --shutdown --linger --run-ms 30000
wait_domain 5
xl attach 5 0000:00:03.0 --starting
xl attach 5 0000:00:05.0 --starting
guest_unpause g
check "guest connects, then shuts down" wait_event g shutdown 1 20
check "guest saw both devices" test "$(gval g devices)" = 00:00.0,00:01.0 ||
    grep -q '^devices=00:00.0,00:01.0$' "$T/g.out"
check "backend followed to Closed" wait_until 5 state_written 5 6
check "frontend Closed" xs_is /local/domain/5/device/pci/0/state 6
check "no error node on an orderly close" test -z "$(error_node 5)"
check "log names dom5 closing" log_has 'dom5: .*(Closing|Closed)'
check "devices still owned while the instance is online" \
    dump_has 0000:00:03.0 'owned by dom5'
check "nothing released before the destroy" \
    sh -c '! grep -q "released by dom5" "$1"' x "$T/daemon.log"

t0=$(date +%s)
check "xl destroy (force) completes" xl -w 1500 destroy 5
t1=$(date +%s)
check "each device detached at once (no keys left behind)" \
    test $((t1 - t0)) -le 1 -a -z "$(xsr "$(be 5)/num_devs")"
check "domain dir removed" sh -c '! xenstore-exists /local/domain/5'
check "devices released as libxl detached them" \
    wait_until 5 sh -c 'test "$(grep -c "released by dom5" "$1")" -eq 2' x \
    "$T/daemon.log"
check "0000:00:03.0 free again" dump_has 0000:00:03.0 free
check "0000:00:05.0 free again" dump_has 0000:00:05.0 free
guest_stop g
check "guest: orderly shutdown result" test "$(gval g result)" = shutdown
check "guest: no unexpected replies" test "$(gval g errors)" = 0

# --- destroy of a running guest that libxl has paused ------------------
guest_start h 6 --paused --run-ms 30000
wait_domain 6
xl attach 6 0000:00:03.0 --starting
xl attach 6 0000:00:05.0 --starting
guest_unpause h
check "second guest connects" wait_event h connected
kill -STOP "$(guest_pid h)"
check "xl destroy of the paused guest completes" xl -w 1500 destroy 6
check "its devices are released" \
    wait_until 5 sh -c 'test "$(grep -c "released by dom6" "$1")" -eq 2' x \
    "$T/daemon.log"
check "log says why" log_has 'dom6: gone, releasing its devices'
kill -CONT "$(guest_pid h)"
guest_stop h
check "no error node for dom6" test -z "$(error_node 6)"

# --- the toolstack takes a closed instance offline (online 0) --------
# Closed and no longer online: the backend unregisters and gives the
# device back with no destroy (§1.2 online).
guest_start k 8 --paused --shutdown --linger --run-ms 30000
wait_domain 8
xl attach 8 0000:00:03.0 --starting
guest_unpause k
check "third guest connects, then shuts down" wait_event k shutdown 1 20
check "... its backend Closed" wait_until 5 state_written 8 6
check "... its device kept while online" dump_has 0000:00:03.0 'owned by dom8'
xenstore-write "$(be 8)/online" 0
check "online 0: the device released" \
    wait_until 5 log_has 'released by dom8'
check "... by a teardown, the frontend Closed" \
    log_has 'dom8: be [A-Za-z]+ fe Closed: .*TEARDOWN'
check "... 0000:00:03.0 free again" dump_has 0000:00:03.0 free
xl -w 1500 destroy 8
guest_stop k

check "daemon still running" daemon_alive
check "daemon serves a new guest with the same devices" \
    serves 7 0000:00:05.0 p
t_done
