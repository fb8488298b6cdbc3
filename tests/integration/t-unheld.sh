#!/bin/sh
# (e) A dev-N the daemon does not hold: xenbus_dev_fatal's convention
# (doc/protocol.md §1.4) - an error node naming the device.  At creation,
# with nothing else to give, the backend goes Closing; the Linux
# frontend then closes (§2.7) and the backend follows.  On hot-attach the
# guest keeps the device it has (issue 14 §6: libxl never waits for the
# verdict, closing would only take it away).  The daemon stays up and
# serves other guests.
. "$(dirname "$0")/lib.sh"

t_setup
daemon_start

# --- at creation ------------------------------------------------------
guest_start g 5 --run-ms 20000
wait_domain 5
xl attach 5 0000:00:07.0 --starting
check "backend went Closing" wait_until 5 state_written 5 5
check "error node names the device" \
    error_like 5 '19 0000:00:07.0: not held by pcibackd*'
check "guest closed (Linux: BE Closing => FE Closed)" wait_event g closed
check "backend followed to Closed" wait_until 5 be_state_is 5 6
check "log names dom5 and the device" log_has 'dom5: 0000:00:07.0: not held'
check "daemon still running" daemon_alive
guest_stop g
check "guest saw no device" test -z "$(gval g devices)"
xl -w 500 destroy 5

# --- on hot-attach ----------------------------------------------------
guest_start h 6 --run-ms 20000
wait_domain 6
xl attach 6 0000:00:03.0
check "second guest connects" wait_event h connected
check "hot-attach of an unheld device is accepted by the toolstack" \
    xl attach 6 0000:00:07.0
check "the reconfigure pass ends (Reconfigured), never Closing" \
    wait_until 5 state_written 6 8
check "error node names the device" \
    error_like 6 '19 0000:00:07.0: not held by pcibackd*'
check "backend never went Closing" eval '! state_written 6 5'
check "the refused slot is marked (state-1 Closed)" xs_is "$(be 6)/state-1" 6
check "the guest keeps 00:03.0" \
    sh -c '! grep -q "0000:00:03.0: released by dom6" "$1"' x "$T/daemon.log"
guest_stop h
xl -w 500 destroy 6
check "then it is released" \
    wait_until 5 log_has '0000:00:03.0: released by dom6'
check "daemon still running" daemon_alive
check "daemon serves another guest" serves 7 0000:00:03.0 p
t_done
