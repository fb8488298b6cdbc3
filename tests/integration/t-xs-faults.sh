#!/bin/sh
# Xenstore refusing the daemon (the preload, XENSIM_SIGSYS: a write of a
# path ending with what $XENSIM_DIR/xs-write-fail says fails once; a
# commit while $XENSIM_DIR/xs-commit-eagain exists fails once with
# EAGAIN, or as many times as it says; xs-commit-fail: once with EIO;
# xs-start-fail: a transaction start fails once).  A conflicting state
# transaction is retried: the guest connects; so it does when the state
# write's transaction cannot start, its write or commit fails, or eight
# commits in a row conflict (each said).  A refused vdev-N, state-N or
# root_num write: the error node says which (doc/protocol.md §1.4), the
# backend goes Closing, the log names the path; the device is free again
# once the guest is gone; a witness guest is served throughout.  A watch refused
# ($XENSIM_DIR/xs-watch-fail, a path suffix): a guest's frontend watch
# refuses the instance, saying why; the backend root's or
# @releaseDomain's at start-up stops the daemon, saying which.
. "$(dirname "$0")/lib.sh"

XENSIM_SIGSYS=1
export XENSIM_SIGSYS
t_setup
daemon_start
witness_start 5 0000:00:03.0

# --- a conflict: retried ------------------------------------------------
touch "$XENSIM_DIR/xs-commit-eagain"
guest_start a 6 --run-ms 20000
wait_domain 6
xl attach 6 0000:00:05.0 --starting
check "a state commit that conflicts once: the guest still connects" \
    wait_event a connected
check "... the conflict did happen" test ! -e "$XENSIM_DIR/xs-commit-eagain"
check "... no error node" test -z "$(error_node 6)"
destroy 6 a

# refused KEY DOMID GUEST: a guest whose backend write of KEY fails.
refused() {
	echo "/$1" >"$XENSIM_DIR/xs-write-fail"
	guest_start "$3" "$2" --run-ms 20000
	wait_domain "$2"
	xl attach "$2" 0000:00:05.0 --starting
	wait_until 5 state_written "$2" 5
}

# --- a refused write: the guest is failed, said ------------------------------
check "vdev-0 refused: backend Closing" refused vdev-0 7 b
check "... the error node names the device and the key" \
    error_like 7 '5 0000:00:05.0: cannot write vdev-0'
check "... the log names the path" \
    log_has "dom7: write /local/domain/0/backend/pci/7/0/vdev-0: Permission denied"
check "... the guest closed" wait_event b closed
destroy 7 b
check "... the device is free again" \
    wait_until 5 log_has '0000:00:05.0: released by dom7'

check "state-0 refused: backend Closing" refused state-0 8 c
check "... the error node says so" \
    error_like 8 '5 0000:00:05.0: cannot write state-0'
destroy 8 c

check "root_num refused: backend Closing" refused root_num 9 d
check "... the error node says so" error_like 9 '5 cannot write its root buses'
check "... the guest saw no device" wait_event d closed
destroy 9 d

check "the daemon still serves a new guest the device" \
    serves 10 0000:00:05.0 e

# --- the state write's transaction failing -----------------------------------
# Each said, the instance evaluated again: the next try writes the state
# and the guest connects, with no error node.
# faulted FILE CONTENT DOMID GUEST: attached while the switch FILE is set.
faulted() {
	printf '%s' "$2" >"$XENSIM_DIR/$1"
	guest_start "$4" "$3" --run-ms 20000
	wait_domain "$3"
	xl attach "$3" 0000:00:05.0 --starting
	wait_event "$4" connected && test ! -e "$XENSIM_DIR/$1" &&
	    test -z "$(error_node "$3")"
}
check "a transaction that cannot start: the guest still connects" \
    faulted xs-start-fail "" 12 g
check "... said with the path" log_has \
    "dom12: /local/domain/0/backend/pci/12/0/state: no transaction: Device or resource busy"
destroy 12 g
check "the state write refused in its transaction: the guest connects" \
    faulted xs-write-fail /13/0/state 13 h
check "... said with the path" log_has \
    "dom13: write /local/domain/0/backend/pci/13/0/state: Permission denied"
destroy 13 h
check "its commit failing (not a conflict): the guest connects" \
    faulted xs-commit-fail "" 14 i
check "... said with the path" log_has \
    "dom14: commit /local/domain/0/backend/pci/14/0/state: Input/output error"
destroy 14 i
# Eight conflicts in a row: the state is not written; the daemon took it
# for written (its log said the transition) until it said so.
check "eight commits conflicting in a row: the guest connects" \
    faulted xs-commit-eagain 8 15 j
check "... said: not taken for written" log_has \
    "dom15: /local/domain/0/backend/pci/15/0/state: 8 commits conflicted; evaluated again"
destroy 15 j

# The error node itself refused: said, the backend Closing all the same.
echo "/16/0/error" >"$XENSIM_DIR/xs-write-fail"
guest_start k 16 --run-ms 20000
wait_domain 16
xl attach 16 0000:00:1f.7 --starting
check "an error node that cannot be written: backend Closing" \
    wait_until 5 state_written 16 5
check "... said with the path" log_has \
    "dom16: write /local/domain/0/error/backend/pci/16/0/error: Permission denied"
destroy 16 k

# --- a watch refused ----------------------------------------------------------
# The guest's frontend state: without the watch its changes would go
# unseen and the guest would wait for ever, so the instance is refused
# as one whose frontend is not the guest's: said with the path, in the
# log and the error node, the backend Closing, the device never given.
echo "/device/pci/0/state" >"$XENSIM_DIR/xs-watch-fail"
guest_start f 11 --run-ms 20000
wait_domain 11
xl -w 1000 attach 11 0000:00:02.0 --starting
check "a frontend watch refused: said with the path" wait_until 5 \
    log_has "dom11: /local/domain/0/backend/pci/11/0 refused: cannot watch /local/domain/11/device/pci/0/state: Permission denied"
# The log line comes when the watch is refused; the error node when the
# instance is next evaluated, a moment later (slower under ASan).
check "... in the error node" wait_until 5 \
    error_like 11 '13 cannot watch /local/domain/11/device/pci/0/state: Permission denied'
check "... the backend goes Closing" wait_until 5 state_written 11 5
check "... never connected" \
    sh -c '! grep -Eq "dom11: (connected|adopted)" "$1"' x "$T/daemon.log"
destroy 11 f
check "... and its device is free" dump_has 0000:00:02.0 free
check "the witness guest was served throughout" witness_served
check "... every read right" witness_end

# At start-up, the backend root's and @releaseDomain's: the daemon
# cannot follow the toolstack, so it does not start, and says which.
refused_start() {
	echo "$1" >"$XENSIM_DIR/xs-watch-fail"
	LD_PRELOAD=$DAEMON_PRELOAD timeout 20 "$PCIBACKD" -d -v \
	    -f "$T/pcibackd.conf" >>"$T/daemon.log" 2>&1
	test $? -eq 1 && test ! -e "$XENSIM_DIR/xs-watch-fail"
}
# SIGINT ends the daemon as SIGTERM does (an administrator's ^C with -d).
daemon_stop INT
check "SIGINT: the daemon says it exits, guests staying connected" \
    log_has 'exiting on signal 2; guests stay connected'
check "the backend root's watch refused: no start" \
    refused_start /local/domain/0/backend/pci
check "... said with the path" log_has \
    "xenstore watch /local/domain/0/backend/pci: Permission denied"
check "@releaseDomain's watch refused: no start" refused_start @releaseDomain
check "... said with its name" log_has \
    "xenstore watch @releaseDomain: Permission denied"
check "... and why the daemon stops" log_has "cannot watch xenstore"
check "the next start serves the guests again" daemon_start
t_done
