#!/bin/sh
# (d) Daemon restart while a guest reads config space in a loop
# (doc/protocol.md §2.8): SIGTERM then restart, SIGKILL then restart.
# No read is answered wrongly, at most the op in flight per restart
# times out, the backend state never leaves Connected (no state write at
# all after the first connect), and the adopted instance still does
# hot-plug afterwards.
. "$(dirname "$0")/lib.sh"

# Writes of the backend state node in xenstored's trace.
state_writes() {
	grep -c "^IN .* WRITE (/local/domain/0/backend/pci/$1/0/state " \
	    "$XENSIM_DIR/xenstored/trace"
}

t_setup
daemon_start

guest_start g 5 --paused --loop-ms 7000 --run-ms 30000
wait_domain 5
xl attach 5 0000:00:03.0 --starting
xl attach 5 0000:00:05.0 --starting
guest_unpause g
check "guest connects" wait_event g connected
w0=$(state_writes 5)
sleep 1
pid=$DAEMON_PID
daemon_stop TERM
check "SIGTERM: daemon exits" not_running "$pid"
check "SIGTERM: log says guests stay connected" \
    log_has 'exiting on signal 15; guests stay connected'
check "backend still Connected while no daemon runs" be_state_is 5 4
sleep 0.3
t0=$(wc -l <"$XENSIM_DIR/xenstored/trace")
daemon_start
check "restart 1: connection adopted" \
    wait_until 5 log_has 'dom5: adopted a connected guest'
check "restart 1: both devices adopted at their guest addresses" \
    sh -c 'test "$(grep -c "dom5 0000:00:0[35].0: adopted as 0000:00:0[01].00" "$1")" -eq 2' \
    x "$T/daemon.log"
sleep 1.5
# What the adoption asked of xenstored (a round trip each; on a real
# dom0 they are most of a restart's window): the instance read once,
# no rescan nor second evaluation for the watches' first firings, and
# no write of a vdev-N that stays as it was (it would wake the guest).
tail -n +"$((t0 + 1))" "$XENSIM_DIR/xenstored/trace" >"$T/adopt.trace"
conn=$(awk '$1 == "IN" && $5 == "WATCH" && $6 == "(/local/domain/0/backend/pci" {
    print $2; exit }' "$T/adopt.trace")
reqs=$(awk -v c="${conn:-none}" '$1 == "IN" && $2 == c' "$T/adopt.trace" | wc -l)
note "restart 1: the new daemon made $reqs xenstore requests"
check "restart 1: at most 32 xenstore requests ($reqs)" \
    test "$reqs" -le 32
# The guest waits from the kill until its worker serves, which the
# daemon forks right after reading the guest's port: the requests before
# that are the window's round trips (its restart record saves the rest).
pre=$(awk -v c="${conn:-none}" '$1 == "IN" && $2 == c { n++ }
    $1 == "IN" && $2 == c && $6 == "(/local/domain/5/device/pci/0/event-channel" {
    print n; exit }' "$T/adopt.trace")
note "restart 1: the worker served after $pre xenstore requests"
check "restart 1: served again after at most 8 xenstore requests (${pre:-none})" \
    test "${pre:-99}" -le 8
check "restart 1: served from its restart record" \
    log_has 'dom5: adopted a connected guest \(grant [0-9]+, port [0-9]+\) from its restart record'
rec=$T/restart/5.0
check "the restart record is only its owner's (file 600, directory 700)" \
    test "$(stat -c %a "$rec") $(stat -c %a "$T/restart")" = "600 700"
check "restart 1: no vdev-N written" \
    sh -c '! grep -q "^IN .* WRITE (/local/domain/0/backend/pci/5/0/vdev-" "$1"' \
    x "$T/adopt.trace"
daemon_stop KILL
check "backend still Connected after SIGKILL" be_state_is 5 4
sleep 0.3
daemon_start
check "restart 2: connection adopted" \
    wait_until 5 sh -c 'test "$(grep -c "dom5: adopted a connected guest" "$1")" -eq 2' \
    x "$T/daemon.log"
check "guest finishes its read loop" wait_event g loop-done 1 20

# A record is never trusted over xenstore: one naming another grant is
# not served, nor one others could have written; both go, and the guest
# is adopted from xenstore as without a record.
adopted() {
	test "$(grep -c "dom5: adopted a connected guest" "$T/daemon.log")" -eq "$1"
}
daemon_stop KILL
sed -i 's/^grant .*/grant 4095/' "$rec"
daemon_start
check "a record naming another grant: not served from it" wait_until 5 \
    log_has 'dom5: its restart record does not apply \(another grant or port\)'
check "... the guest adopted from xenstore" wait_until 5 adopted 3
# A record not used names no worker: that one must not outlive the
# daemon (its handle holds the port), so the whole daemon goes.
daemon_stop KILLALL
chmod 644 "$rec"
daemon_start
check "a record others may read: removed, not used" wait_until 5 \
    log_has "restart/5.0: not a restart record of ours; removed"
check "... the guest adopted from xenstore" wait_until 5 adopted 4
# Served from a record that has a device the instance's slots do not:
# undone once xenstore is read, the device free again.
daemon_stop KILL
echo "dev 0000:00:04.0 0000:00:02.00" >>"$rec"
daemon_start
check "a record with a device in no slot: undone after the scan" \
    wait_until 5 log_has \
    'dom5: its restart record does not apply \(a device not in its slots\)'
check "... the guest adopted from xenstore" wait_until 5 adopted 6
check "... 0000:00:04.0 free again" dump_has 0000:00:04.0 free

check "backend state never written after the first connect" \
    test "$(state_writes 5)" -eq "$w0"
check "no error node" test -z "$(error_node 5)"

# The adopted instance works like a fresh one.
check "hot-attach after the restarts" xl attach 5 0000:00:02.0
check "guest reconfigures" wait_event g reconfigured
check "guest sees three devices" \
    test "$(gval g devices)" = 00:00.0,00:01.0,00:02.0
check "hot-detach of an adopted device" xl detach 5 0000:00:05.0
check "adopted device released" wait_until 5 log_has '0000:00:05.0: released by dom5'
# The detach's Reconfigured -> Connected must end before the kill: a
# hot-attach waits for a Connected backend (libxl__wait_for_backend).
check "backend back to Connected after the detach" wait_until 5 be_state_is 5 4

# Restarts in the middle of a reconfiguration: the toolstack and the
# guest move on while no daemon runs; the next one finishes the pass.
daemon_stop KILL
check "hot-attach while no daemon runs" xl attach 5 0000:00:05.0
check "guest answered the toolstack (Reconfiguring)" wait_until 5 \
    xs_is /local/domain/5/device/pci/0/state 7
daemon_start
check "restarted daemon finishes the attach" wait_event g reconfigured 3
check "guest sees the device again" \
    test "$(gval g devices)" = 00:00.0,00:01.0,00:02.0
# The guest's Reconnected (4) must reach the daemon before it dies, or
# the backend stays Reconfigured and libxl's detach waits for "4".
check "backend back to Connected" wait_until 5 be_state_is 5 4
daemon_stop KILL
xl -w 8000 detach 5 0000:00:02.0 &
xlpid=$!
t_pids="$t_pids $xlpid"
check "hot-detach while no daemon runs: guest lets go first" \
    wait_until 5 xs_is /local/domain/5/device/pci/0/state 7
daemon_start
check "hot-detach survives a restart in its middle" exited_ok "$xlpid" 10
check "guest let 00:02.0 go" wait_event g reconfigured 4
check "0000:00:02.0 released after the restart" \
    wait_until 5 log_has '0000:00:02.0: released by dom5'
check "num_devs 2 at the end" xs_is "$(be 5)/num_devs" 2

# Restart while a guest is still booting (backend Initialised, frontend
# not published yet): the next daemon takes the instance over, and
# connects the guest when it comes.
guest_start h 6 --paused --run-ms 30000
wait_domain 6
xl attach 6 0000:00:04.0 --starting
check "booting guest: backend Initialised" wait_until 5 be_state_is 6 3
daemon_stop KILL
daemon_start
guest_unpause h
check "booting guest: connects through the new daemon" wait_event h connected
check "booting guest: sees its device at 00:00.0" test "$(gval h devices)" = 00:00.0

# Restart after an orderly shutdown (both Closed, devices still owned):
# the next daemon must still release them at destroy.
guest_start c 7 --shutdown --linger --run-ms 30000
wait_domain 7
xl attach 7 0000:00:02.0 --starting
check "closed guest: shut down" wait_event c shutdown 1 15
daemon_stop TERM
daemon_start
# The guest is down: the new daemon answers the toolstack at once
# (issue 14 §1), where the old one had left Closed.
check "closed guest: new daemon answers Connected for the toolstack" \
    wait_until 5 be_state_is 7 4
xl -w 300 destroy 7
check "closed guest: device released by the new daemon at destroy" \
    wait_until 5 log_has '0000:00:02.0: released by dom7'
guest_stop c

# A guest dies and is destroyed while no daemon runs: the next daemon
# finds its stale backend dir and frees the device.
daemon_stop TERM
guest_stop h
xl -w 300 destroy 6
daemon_start
check "guest gone while down: stale instance dropped at start" \
    wait_until 5 log_has 'dom6: gone, releasing its devices'
check "guest gone while down: its device is free" \
    dump_has 0000:00:04.0 free
check "guest gone while down: no error node" test -z "$(error_node 6)"
check "booting guest: no unexpected replies" test "$(gval h errors)" = 0

guest_stop g
ops=$(gval g loop_ops)
note "loop: $ops reads, $(gval g loop_timeouts) timed out, max latency $(gval g loop_maxlat_ms) ms"
check "the loop ran ($ops reads)" test "${ops:-0}" -gt 500
check "no read answered wrongly" test "$(gval g loop_wrong)" = 0
check "at most one op per restart timed out" test "$(gval g loop_timeouts)" -le 2
check "backend seen Connected at every check" test "$(gval g loop_be_not4)" = 0
check "guest: no unexpected replies" test "$(gval g errors)" = 0
check "daemon still running" daemon_alive
t_done
