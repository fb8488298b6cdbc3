#!/bin/sh
# Issue 14 §1, issue 13 §3: a device the guest lets go (xl pci-detach,
# the detaches of xl destroy) is dropped by the guest's running worker,
# not served by a new one.  Two devices, one detached while the guest
# reads both: the same worker serves the other on, with no read lost;
# the detached address answers the guest's rescan "device not found",
# as a worker forked without it would; the restart record lists the
# device left, and a restart right after the detach serves exactly that
# from it.  A worker that never answers the drop (stopped) is killed
# and replaced.  A destroy with ops in flight on both devices drops and
# releases each without a new worker.
. "$(dirname "$0")/lib.sh"

workers() { pgrep -P "$DAEMON_PID" -x pcibackd; }
nworkers_is() { [ "$(workers | wc -l)" -eq "$1" ]; }
# nforks DOMID: workers forked for the guest so far.
nforks() { grep -c "dom$1 worker: [0-9]* serving: fork" "$T/daemon.log"; }
# worker_of DOMID: the guest's worker now.
worker_of() {
	sed -n "s/^dom$1: worker \([0-9]*\) serves its ops\$/\1/p" \
	    "$T/daemon.log" | tail -n 1
}
# rec_devs DOMID: the devices its record lists, "host guest," each.
rec_devs() { sed -n 's/^dev \([^ ]* [^ ]*\).*/\1,/p' "$T/restart/$1.0" | tr -d '\n'; }
# reads_past NAME N: the guest's read loop got past N reads.
reads_past() {
	rp=$(sed -n "s/^loop_ops=//p" "$T/$1.out" | tail -n 1)
	test "${rp:-0}" -gt "$2"
}

t_setup
daemon_start

# --- a detach: the running worker drops the device ----------------------
guest_start g 5 --paused --loop-ms 30000 --run-ms 60000
wait_domain 5
xl attach 5 0000:00:03.0 --starting
xl attach 5 0000:00:05.0 --starting
guest_unpause g
check "guest connects with two devices" wait_event g connected
check "... sees both" test "$(gval g devices)" = 00:00.0,00:01.0
check "one worker serves it" wait_until 5 nworkers_is 1
w=$(workers)
forks=$(nforks 5)
check "the record lists both devices" test "$(rec_devs 5)" = \
    "0000:00:03.0 0000:00:00.00,0000:00:05.0 0000:00:01.00,"
sleep 0.5
t0=$(wc -l <"$XENSIM_DIR/xenstored/trace")
check "detach 0000:00:05.0 while the guest reads" xl detach 5 0000:00:05.0
# What the detach asked of xenstored, each a round trip (about 12 ms in
# the e2e's dom0): the slots the daemon has exported cost none per
# evaluation; the one libxl marks Closing is read.
conn=$(awk '$1 == "IN" && $5 == "WATCH" && $6 == "(/local/domain/0/backend/pci" {
    print $2; exit }' "$XENSIM_DIR/xenstored/trace")
reqs=$(tail -n +"$((t0 + 1))" "$XENSIM_DIR/xenstored/trace" |
    awk -v c="${conn:-none}" '$1 == "IN" && $2 == c' | wc -l)
note "the detach: $reqs xenstore requests of the daemon"
# An evaluation reads again only the nodes a watch said changed
# (lib/nodecache.c): 49 requests before that, 16 after.
check "the detach: at most 24 xenstore requests ($reqs)" test "$reqs" -le 24
check "... no dev-N read of a slot at Connected" sh -c '! tail -n +"$1" "$2" |
    awk -v c="$3" '"'"'$1 == "IN" && $2 == c'"'"' |
    grep -q "READ (/local/domain/0/backend/pci/5/0/dev-0 )"' x \
    "$((t0 + 1))" "$XENSIM_DIR/xenstored/trace" "${conn:-none}"
check "guest let it go" wait_event g reconfigured 1
# The rescan probes every devfn but the ones it has: 00:01.0 answered
# dev_not_found (anything else counts in its errors) and is not listed.
check "its rescan finds 00:00.0 alone: 00:01.0 is not found" \
    test "$(gval g devices)" = 00:00.0
check "the same worker serves on" test "$(workers)" = "$w"
check "no worker forked for the detach" test "$(nforks 5)" -eq "$forks"
check "0000:00:05.0 released" log_has '0000:00:05.0: released by dom5'
check "... free again" dump_has 0000:00:05.0 free
check "0000:00:03.0 still the guest's" dump_has 0000:00:03.0 'owned by dom5'
check "the record lists the device left" \
    test "$(rec_devs 5)" = "0000:00:03.0 0000:00:00.00,"
check "the guest's reads go on" wait_until 5 reads_past g "$(gval g loop_ops)"

# --- a restart right after a detach -------------------------------------
check "attach 0000:00:05.0 again" xl attach 5 0000:00:05.0
check "guest reconfigures" wait_event g reconfigured 2
check "detach it again" xl detach 5 0000:00:05.0
kill -KILL "$DAEMON_PID"
check "SIGKILL of the daemon at once" wait_until 5 nworkers_is 0
nad=$(grep -c 'adopted as' "$T/daemon.log")
daemon_start
check "the restart serves the guest from its record" wait_until 5 \
    log_has 'dom5: adopted a connected guest \(grant [0-9]+, port [0-9]+\) from its restart record'
check "... which it takes as it is" \
    eval '! log_has "its restart record does not apply"'
check "... adopting 0000:00:03.0 alone" \
    test "$(grep -c 'adopted as' "$T/daemon.log")" -eq $((nad + 1))
check "... as 00:00.0" log_has 'dom5 0000:00:03.0: adopted as 0000:00:00.00'
check "0000:00:05.0 free" dump_has 0000:00:05.0 free
check "the guest let 00:01.0 go" wait_event g reconfigured 3
check "the guest has 00:00.0" test "$(gval g devices)" = 00:00.0

check "the guest's reads go on" wait_until 5 reads_past g "$(gval g loop_ops)"
guest_stop g
note "loop: $(gval g loop_ops) reads, $(gval g loop_timeouts) timed out, max latency $(gval g loop_maxlat_ms) ms"
check "no read answered wrongly" test "$(gval g loop_wrong)" = 0
# The op in flight when the daemon was killed may.
check "at most one read timed out" test "$(gval g loop_timeouts)" -le 1
check "guest: no unexpected replies" test "$(gval g errors)" = 0
xl -w 500 destroy 5
check "its worker goes with the guest" wait_until 5 nworkers_is 0

# --- a worker that does not answer the drop -----------------------------
# A guest that is not reading: a stopped worker would hold up a reading
# guest's xenbus handling, and so the detach, before the drop is asked.
guest_start h 7 --paused --run-ms 40000
wait_domain 7
xl attach 7 0000:00:02.0 --starting
xl attach 7 0000:00:04.0 --starting
guest_unpause h
check "another guest connects with two devices" wait_event h connected
w=$(worker_of 7)
kill -STOP "$w"
check "detach with its worker stopped" xl detach 7 0000:00:04.0
check "the parent says it did not answer" log_has \
    "dom7: worker $w did not let go of 0000:00:04.0 in 1000 ms; replacing it"
check "... the stopped one is gone" wait_until 5 sh -c \
    '! kill -0 "$1" 2>/dev/null' x "$w"
check "... a new one serves the guest" \
    sh -c 'test -n "$1" && test "$1" != "$2"' x "$(worker_of 7)" "$w"
check "the guest let the device go" wait_event h reconfigured 1
check "... and has the other" test "$(gval h devices)" = 00:00.0
check "0000:00:04.0 released" dump_has 0000:00:04.0 free
check "the record lists 0000:00:02.0" \
    test "$(rec_devs 7)" = "0000:00:02.0 0000:00:00.00,"
guest_stop h
check "guest: no unexpected replies" test "$(gval h errors)" = 0
xl -w 500 destroy 7
check "its worker goes with the guest" wait_until 5 nworkers_is 0

# --- destroy with ops in flight on both devices -------------------------
guest_start d 6 --paused --loop-ms 30000 --run-ms 60000
wait_domain 6
xl attach 6 0000:00:03.0 --starting
xl attach 6 0000:00:05.0 --starting
guest_unpause d
check "a guest with two devices connects" wait_event d connected
check "... reads them" wait_until 5 reads_past d 0
f6=$(nforks 6)
check "xl destroy while it reads" xl destroy 6
check "both devices released" wait_until 5 sh -c \
    'test "$(grep -c "released by dom6" "$1")" -eq 2' x "$T/daemon.log"
check "no worker forked for the destroy" test "$(nforks 6)" -eq "$f6"
check "no drop went unanswered" eval '! log_has "dom6: worker .* did not let go"'
guest_stop d
check "its worker goes" wait_until 5 nworkers_is 0
check "0000:00:03.0 free" dump_has 0000:00:03.0 free
check "0000:00:05.0 free" dump_has 0000:00:05.0 free
check "no read answered wrongly" test "$(gval d loop_wrong)" = 0
check "daemon still running" daemon_alive
check "a new guest is served" serves 8 0000:00:05.0 s
t_done
