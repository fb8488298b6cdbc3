#!/bin/sh
# Out of processes or descriptors (the preload makes the next call of
# NAME in pcibackd fail while $XENSIM_DIR/fail-NAME exists): a guest
# whose worker cannot be started (fork, socketpair, the grant device) or
# whose event channel cannot be opened is failed cleanly, the error node
# saying why, backend Closing; a worker that dies, or is to be replaced
# for a policy change, and cannot be fails its guest the same way; a
# control process that cannot be forked or given its socketpair is tried
# again 10 s later.  A witness guest is served throughout, and a new
# guest once it is over.
. "$(dirname "$0")/lib.sh"

ctl() {
	timeout 30 "$PCIBACKCTL" -s "$T/pcibackd.sock" "$@" >"$T/ctl.out" \
	    2>"$T/ctl.err"
}
workers() { pgrep -P "$DAEMON_PID" -x pcibackd; }
ctlprocs() { pgrep -P "$DAEMON_PID" -x pcibackd-ctl; }
none_ctl() { [ -z "$(ctlprocs)" ]; }

# starved NAME DOMID GUEST: a guest attached while NAME fails once.
starved() {
	touch "$XENSIM_DIR/fail-$1"
	guest_start "$3" "$2" --run-ms 20000
	wait_domain "$2"
	xl attach "$2" 0000:00:05.0 --starting
	wait_until 10 state_written "$2" 5
}

t_setup
daemon_start
witness_start 5 0000:00:03.0

check "fork failing: the guest is failed" starved fork 6 a
check "... the log says why" \
    log_has "dom6: worker: fork: Resource temporarily unavailable"
check "... the error node too" \
    error_like 6 "22 cannot start the guest's worker"
destroy 6 a

check "socketpair failing: the guest is failed" starved socketpair 7 b
check "... said" log_has "dom7: worker: socketpair: Too many open files"
destroy 7 b

check "the grant device not opened: the guest is failed" \
    starved xengnttab_open 8 c
check "... said" log_has "dom8: worker: grant table device: Too many open files"
destroy 8 c

check "the event channel device not opened: the guest is failed" \
    starved xenevtchn_open 9 d
check "... the error node says why" \
    error_like 9 "22 cannot open the event channel device: Too many open files"
destroy 9 d

# --- a worker that cannot be replaced ------------------------------------
w0=$(workers)
guest_start e 10 --loop-ms 20000 --run-ms 30000
wait_domain 10
xl attach 10 0000:00:05.0 --starting
check "a guest connects" wait_event e connected
wait_until 5 sh -c '[ "$(pgrep -P "$1" -x pcibackd | wc -l)" -eq 2 ]' x \
    "$DAEMON_PID"
w=$(workers | grep -vx "$w0")
touch "$XENSIM_DIR/fail-fork"
kill -KILL "$w"
check "its worker killed, not replaced (fork): the guest is failed" \
    wait_until 5 log_has "dom10: cannot start a worker for its ops"
check "... error node" error_like 10 "5 cannot start a worker for its ops"
check "... backend Closing" wait_until 5 be_state_is 10 5
destroy 10 e
check "the witness guest is served meanwhile" witness_served

# --- a worker replaced for a policy change, and no fork -----------------
guest_start g 12 --loop-ms 20000 --run-ms 30000
wait_domain 12
xl attach 12 0000:00:05.0 --starting
check "a guest connects" wait_event g connected
touch "$XENSIM_DIR/fail-fork"
check "permissive on for its device: done" ctl permissive 00:05.0 on
check "... its worker, restarted for it, cannot be: the guest is failed" \
    wait_until 5 log_has "dom12: cannot start a worker for its ops"
check "... error node" error_like 12 "5 cannot start a worker for its ops"
check "... backend Closing" wait_until 5 be_state_is 12 5
destroy 12 g
ctl permissive 00:05.0 off
check "the witness guest is served meanwhile" witness_served

# --- the control process ------------------------------------------------
c=$(ctlprocs)
touch "$XENSIM_DIR/fail-fork"
kill -KILL "$c"
check "control process not forked: said" \
    wait_until 5 log_has "control process: fork: Resource temporarily unavailable"
check "... none runs" none_ctl
touch "$XENSIM_DIR/fail-socketpair"
check "10 s later tried again, its socketpair fails: said" \
    wait_until 15 log_has "control process: socketpair: Too many open files"
check "... none runs" none_ctl
check "10 s later again: pcibackctl served" wait_until 15 ctl show stats
check "the witness guest was served throughout" witness_served
check "... every read right" witness_end
check "a new guest is served" serves 11 0000:00:05.0 f
t_done
