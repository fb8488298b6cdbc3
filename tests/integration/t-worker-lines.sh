#!/bin/sh
# A worker's warnings are relayed apart from its chatter: with one log
# line a second, a worker's "serving" line uses up its guest's lines for
# the second after, and the next worker's reason to fail within it (it
# cannot install its filter: the preload's $XENSIM_DIR/seccomp-fail)
# must still reach the log.  CI once lost that line behind debug lines.
. "$(dirname "$0")/lib.sh"

workers() { pgrep -P "$DAEMON_PID" -x pcibackd; }

XENSIM_SIGSYS=1
export XENSIM_SIGSYS
t_setup
t_conf "ratelimit log 1 per-second burst 1"
daemon_start
guest_start g 5 --run-ms 20000
wait_domain 5
xl attach 5 0000:00:03.0 --starting
check "dom5 connects" wait_event g connected
touch "$XENSIM_DIR/seccomp-fail"
check "its worker says it serves" \
    wait_until 5 log_has "dom5 worker: [0-9]+ serving"
kill -KILL "$(workers)"
check "the replacement that cannot install its filter says so" \
    wait_until 5 log_has "dom5 worker: dom5: worker: seccomp: Invalid argument"
check "... and is replaced" \
    wait_until 5 log_has "dom5: worker [0-9]+ exited with status 1\$"
guest_stop g
t_done
