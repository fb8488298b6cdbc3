#!/bin/sh
# The shim double's faults against the daemon: config reads that sleep,
# a device that disappears (with the kernel's UNBOUND, and silently), an
# event queue that overflows, devices made assignable and given back
# while the daemon runs, no interrupt vector left for MSI and MSI-X, a
# worker stuck in a slow read when it must be replaced, no module, a
# module of another ABI.  The daemon stays up and keeps serving the
# other guests.
. "$(dirname "$0")/lib.sh"

E=0000:00:03.0
N=0000:00:05.0
D=0000:00:02.0
X=0000:00:04.0
t_setup
shim_setup
assignable $E $N $X
daemon_start

# --- devices come and go while the daemon runs --------------------------
check "made assignable while running: held" assignable $D
check "... the daemon holds it on the BOUND event" \
    wait_until 5 log_has "$D: held \[1234:11e8\] \(shim\)"
check "given back by the toolstack: UNBOUND" shim assignable-remove $D
check "... the daemon lets it go" wait_until 5 log_has "$D: no longer held"

# --- config reads that sleep -------------------------------------------
guest_start g 5 --loop-ms 3000 --run-ms 20000
wait_domain 5
xl attach 5 $E --starting
wait_event g connected
fault cfg-sleep "$E 20"
check "a guest reads a slow device in a loop" wait_event g loop-done 1 20
fault cfg-sleep off
guest_stop g
check "every slow read answered right" test "$(gval g loop_wrong)" = 0
check "none timed out" test "$(gval g loop_timeouts)" = 0
lat=$(gval g loop_maxlat_ms)
check "the reads were slow ($lat ms)" test "${lat:-0}" -ge 20
xl -w 500 destroy 5

# --- a device that disappears under its guest ---------------------------
guest_start h 6 --loop-ms 60000 --run-ms 60000
wait_domain 6
xl attach 6 $N --starting
check "a guest reads the nvme" wait_until 10 sh -c \
    'grep -q "^event=connected" "$1"' x "$T/h.out"
check "the nvme disappears (surprise removal)" shim gone $N
check "the daemon notes it was taken while in use" \
    wait_until 5 log_has "$N: taken from pciback while dom6 uses it"
check "pcibackctl shows it gone" dev_is $N state "'gone'"
check "the daemon still serves another guest" serves 7 $E p
guest_stop h
check "when its guest goes, the gone device is dropped" \
    wait_until 5 log_has "$N: no longer held"
xl -w 500 destroy 6

# --- silently gone, then the event queue overflows -----------------------
check "the e1000 vanishes without an event" shim gone $X --silent
check "the daemon does not know yet" dev_is $X state "'ready'"
guest_start q 8 --once --run-ms 15000
wait_domain 8
xl attach 8 $X
check "a guest given it is refused: the shim's ASSIGN says ENODEV" \
    wait_until 10 log_has "$X: shim cannot assign it to dom8: No such device"
check "that guest is closed" wait_event q closed
guest_stop q
check "the daemon still runs" daemon_alive
fault overflow
check "an event while the queue overflows" assignable $D
check "the daemon learns events were lost" \
    wait_until 5 log_has "shim events were lost; listing again"
fault overflow off
check "the rescan holds the new device" wait_until 5 sh -c \
    'test "$(grep -c "$1: held" "$2")" -eq 2' x "$D" "$T/daemon.log"
check "and drops the vanished one" wait_until 5 log_has "$X: no longer held"
check "the daemon serves a guest after all this" serves 9 $D r

# --- no interrupt vector left: MSI and MSI-X enable fail ---------------
fault irq-fail
guest_start v 10 --msi --msix 4 --run-ms 20000
wait_domain 10
xl attach 10 $E --starting
check "no vector: the guest's work ends, no op lost" \
    wait_event v work-done 1 20
check "... the guest stays connected" be_state_is 10 4
guest_stop v
check "... no op timed out" test "$(gval v timeouts)" = 0
check "... its MSI enable failed with an error, not a pirq" \
    test "$(gval v dev.00:00.0.msi)" = -1
check "... so did its MSI-X enable (ENOSPC back)" \
    sh -c 'test "$1" = 0 && test "$2" -ne 0' x \
    "$(gval v dev.00:00.0.msix)" "$(gval v dev.00:00.0.msix_err)"
check "... MSI is left off in the device" shim_is $E msi 0
check "... and MSI-X" shim_is $E msix 0
fault irq-fail off
xl -w 2000 destroy 10
check "once vectors are free the next guest gets MSI and MSI-X" \
    wait_until 10 dev_is $E state "'ready'"
guest_start u 11 --msi --msix 4 --run-ms 20000
wait_domain 11
xl attach 11 $E --starting
check "... its work ends" wait_event u work-done 1 20
guest_stop u
check "... an MSI pirq" test "$(gval u dev.00:00.0.msi)" -gt 0
check "... MSI-X vectors" test "$(gval u dev.00:00.0.msix)" -gt 0
xl -w 2000 destroy 11

# --- a worker stuck in a slow read when its guest's policy changes -----
CTL=${PCIBACKCTL:-$(dirname "$PCIBACKD")/pcibackctl}
s_progress() {
	[ "$(gval s loop_ops)" -gt "$1" ]
}
guest_start s 12 --loop-ms 60000 --run-ms 60000
wait_domain 12
xl attach 12 $E --starting
check "a guest reads the e1000e in a loop" \
    wait_until 10 sh -c 'test -n "$(sed -n "s/^loop_ops=//p" "$1")"' \
    x "$T/s.out"
fault cfg-sleep "$E 3000"
sleep 0.5
check "permissive on while its worker sleeps in a 3 s read" \
    "$CTL" -s "$T/pcibackd.sock" permissive $E on
check "... the worker does not quit in time and is killed, said" \
    log_has "dom12: worker [0-9]+ does not quit; killing it"
fault cfg-sleep off
check "... permissive is in force" dev_is $E permissive True
s_ops=$(gval s loop_ops)
check "... a new worker serves the guest's reads" \
    wait_until 10 s_progress "${s_ops:-0}"
"$CTL" -s "$T/pcibackd.sock" permissive $E off >/dev/null
# The reads the device holds 3 s are past Linux's 2 s: the guest gives
# up on them and late answers land on later reads, as with xen-pciback.
guest_stop s
xl -w 2000 destroy 12

# --- no module, another ABI ------------------------------------------------
daemon_stop TERM
mv "$XENSIM_DIR/shim" "$XENSIM_DIR/shim.away"
daemon_start
check "no module: the daemon says so" \
    log_has "/dev/pcishim: No such file or directory \(is the pcishim module loaded\?\)"
check "no module: it runs holding nothing" log_has 'started in [0-9]* ms, holding 0'
daemon_stop TERM
mv "$XENSIM_DIR/shim.away" "$XENSIM_DIR/shim"
fault abi 1
daemon_start
check "another ABI: refused with both versions" \
    log_has "shim ABI 1 \(event size 32\), this pcibackd speaks 3"
fault abi off
t_done
