#!/bin/sh
# A restart the guest does not notice (daemon/worker.c, daemon/record.c):
# killed or stopped, the daemon leaves the guest's worker serving; the
# next one stops that worker between two ops and serves the guest from
# its record.  A guest reading in a loop sees no read time out although
# no daemon runs for longer than pcifront waits (2 s).  A worker whose
# daemon does not come back within restart-grace quits; with
# restart-grace 0 it goes with the daemon, and its record names none.
. "$(dirname "$0")/lib.sh"

# new_worker PID: the record names a worker, not PID.
new_worker() {
	nw=$(orphan_pids)
	[ -n "$nw" ] && [ "$nw" != "$1" ]
}

# took_over PID: the new daemon stopped the worker PID.
took_over() {
	log_has "dom5: worker $1 of the previous daemon quit in [0-9]+ ms"
}

t_setup
daemon_start
guest_boot g 5 "--loop-ms 9000 --run-ms 40000" 0000:00:03.0
check "guest connects" wait_event g connected
w=$(orphan_pids)
check "the record names the guest's worker" test -n "$w"

for sig in KILL TERM; do
	daemon_stop $sig
	check "SIG$sig: the worker serves on" running "$w"
	sleep 2.5
	check "SIG$sig: ... 2.5 s later too" running "$w"
	daemon_start
	check "SIG$sig: the next daemon stops it" wait_until 5 took_over "$w"
	check "SIG$sig: ... and it is gone" wait_until 3 not_running "$w"
	check "SIG$sig: the guest served from its record" wait_until 5 \
	    sh -c 'test "$(grep -c "dom5: adopted a connected guest .* from its restart record" "$1")" -eq "$2"' \
	    x "$T/daemon.log" "$([ $sig = KILL ] && echo 1 || echo 2)"
	check "SIG$sig: the record names the new worker" \
	    wait_until 3 new_worker "$w"
	w=$(orphan_pids)
done
check "guest finishes its read loop" wait_event g loop-done 1 20

# No daemon within restart-grace: the worker quits.
echo "restart-grace 1" >>"$T/pcibackd.conf"
kill -HUP "$DAEMON_PID"
check "reload: restart-grace 1" wait_until 5 log_has 'restart-grace 1'
check "reload: a new worker" wait_until 3 new_worker "$w"
w=$(orphan_pids)
daemon_stop KILL
check "restart-grace 1: the worker serves on" running "$w"
check "... and quits within about a second" wait_until 3 not_running "$w"

# restart-grace 0: the worker goes with the daemon.
sed -i 's/^restart-grace 1$/restart-grace 0/' "$T/pcibackd.conf"
daemon_start
check "restart-grace 0: the guest served again" \
    wait_until 5 log_has 'dom5: worker [0-9]+ serves its ops'
check "... its record names no worker" wait_until 3 \
    sh -c 'test -s "$1" && ! grep -q "^worker " "$1"' x "$T/restart/5.0"
pg=$DAEMON_PID	# its process group (lib.sh), its children's too
check "... it has children" test "$(pgrep -c -g "$pg")" -gt 1
daemon_stop KILL
check "... which all go with it" wait_until 2 sh -c '! pgrep -g "$1" >/dev/null' x "$pg"

# A record naming a pid with another start time (the pid reused) signals
# nobody.
sleep 60 &
sp=$!
t_pids="$t_pids $sp"
{ grep -v '^worker ' "$T/restart/5.0"; echo "worker $sp 1"; } >"$T/rec"
mv "$T/rec" "$T/restart/5.0"
chmod 600 "$T/restart/5.0"
daemon_start
check "a reused pid: the guest served from its record" wait_until 5 \
    sh -c 'test "$(grep -c "dom5: adopted a connected guest .* from its restart record" "$1")" -eq 4' \
    x "$T/daemon.log"
check "... and the process with that pid not signalled" running "$sp"

# A record removed by hand: nobody can stop the worker left serving, and
# the guest's port stays bound until its grace ends; the adoption from
# xenstore is tried again meanwhile, not failed.
sed -i 's/^restart-grace 0$/restart-grace 2/' "$T/pcibackd.conf"
kill -HUP "$DAEMON_PID"
check "reload: restart-grace 2" wait_until 5 log_has 'restart-grace 2'
check "reload: a worker named" wait_until 3 new_worker ""
w=$(orphan_pids)
daemon_stop KILL
rm -f "$T/restart/5.0"
daemon_start
check "no record: the port is held, tried again" wait_until 5 \
    log_has 'dom5: port [0-9]+ of dom5 is held, perhaps by a worker'
check "... the unnamed worker quits after its grace" wait_until 5 \
    not_running "$w"
check "... then the guest is adopted from xenstore" wait_until 5 \
    log_has 'dom5: adopted a connected guest \(grant [0-9]+, port [0-9]+\)$'
check "... and not failed: no error node" test -z "$(error_node 5)"

guest_stop g
ops=$(gval g loop_ops)
note "loop: $ops reads, $(gval g loop_timeouts) timed out, max latency $(gval g loop_maxlat_ms) ms"
check "the loop ran ($ops reads)" test "${ops:-0}" -gt 500
check "no read timed out over two restarts of 2.5 s" test "$(gval g loop_timeouts)" = 0
check "no read answered wrongly" test "$(gval g loop_wrong)" = 0
t_done
