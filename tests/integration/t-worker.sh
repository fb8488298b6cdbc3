#!/bin/sh
# Issue 11: one worker process per connected guest serves its ops, under
# no_new_privs and a seccomp filter; the parent holds no guest page.  A
# forbidden system call (made by the preload when $XENSIM_DIR/sigsys
# exists, XENSIM_SIGSYS) kills the worker with SIGSYS: the parent says
# so, forks another and the guest's reads go on.  SIGKILL of the worker,
# of the parent, of both, while the guest reads: no read answered
# wrongly.  As root, the worker chroots and changes user (the preload
# records it and skips it: the simulator's files must stay reachable).
# One that cannot install its filter exits and is replaced.  A worker
# that keeps dying fails its guest cleanly: error node, Closing; other
# guests are still served.
. "$(dirname "$0")/lib.sh"

# Its children but the control process (pcibackd-ctl, t-ctlproc).
workers() { pgrep -P "$DAEMON_PID" -x pcibackd; }
nworkers_is() { [ "$(workers | wc -l)" -eq "$1" ]; }
status_is() { grep -Eq "^$2:[[:space:]]+$3\$" "/proc/$1/status"; }
maps_gnt() { grep -c '/gnt-' "/proc/$1/maps"; }
alive() { kill -0 "$1" 2>/dev/null; }
gone() { ! alive "$1"; }

XENSIM_SIGSYS=1
export XENSIM_SIGSYS
t_setup
daemon_start
check "no worker without a guest" nworkers_is 0
witness_start 5 0000:00:03.0
check "one worker for the connected guest" wait_until 5 nworkers_is 1
w=$(workers)
check "the worker runs under a seccomp filter" status_is "$w" Seccomp 2
check "... with no_new_privs" status_is "$w" NoNewPrivs 1
check "the parent has no filter" status_is "$DAEMON_PID" Seccomp 0
check "the worker maps the guest's page" test "$(maps_gnt "$w")" -ge 1
check "the parent maps no guest page" test "$(maps_gnt "$DAEMON_PID")" -eq 0
# Its own: stdio, the socketpair, the event channel (the FIFO of the
# parent's handle); the simulator's other files, the guest's FIFO among
# them, come and go during a notify.
fds=$(cd "/proc/$w/fd" && for f in *; do
	l=$(readlink "$f") || continue
	case $l in
	"$XENSIM_DIR/evt-$DAEMON_PID"-*) ;;	# made by the parent
	"$XENSIM_DIR"/*|"") continue ;;
	esac
	printf '%s=%s ' "$f" "$l"
done)
note "worker descriptors: $fds"
check "the worker keeps stdio, its socket and its event channel only" \
    test "$(echo "$fds" | wc -w)" -le 5
# The preload records the user change and chroot, and skips them.
if [ "$(id -u)" = 0 ]; then
	u=$(id -u _pcibackd 2>/dev/null || id -u nobody)
	check "root: the worker chroots to /var/lib/pcibackd/empty" \
	    grep -q "^$w chroot /var/lib/pcibackd/empty\$" "$XENSIM_DIR/privdrop.log"
	check "... and becomes _pcibackd or nobody ($u), groups dropped" \
	    sh -c 'grep -q "^$1 setresuid $2 $2 $2\$" "$3" &&
	    grep -q "^$1 setgroups none\$" "$3"' x "$w" "$u" \
	    "$XENSIM_DIR/privdrop.log"
else
	check "not root: no user change, no chroot" \
	    test ! -e "$XENSIM_DIR/privdrop.log"
fi
check "show guest counts the worker's ops" sh -c \
    '"$1" -s "$2" show guest 5 | grep -Eq "ops +[1-9]"' x \
    "$(dirname "$PCIBACKD")/pcibackctl" "$T/pcibackd.sock"

# --- a forbidden system call ----------------------------------------------
touch "$XENSIM_DIR/sigsys"
check "a forbidden call kills the worker" wait_until 5 gone "$w"
check "the parent reports it, naming the domain and seccomp" \
    wait_until 5 log_has "dom5: worker $w killed by signal 31 \(seccomp"
check "... and replaces it" wait_until 5 log_has "dom5: worker [0-9]+ replaces it"
check "the guest's next ops are answered" witness_served
w2=$(workers)
check "the new worker is filtered too" status_is "$w2" Seccomp 2

# --- SIGKILL: the worker, the parent, both --------------------------------
# Its replacement cannot install its filter (the preload's
# $XENSIM_DIR/seccomp-fail, once): it exits before serving anything.
touch "$XENSIM_DIR/seccomp-fail"
kill -KILL "$w2"
check "SIGKILL of the worker: reported" \
    wait_until 5 log_has "dom5: worker $w2 killed by signal 9"
check "a replacement that cannot install its filter says so" \
    wait_until 5 log_has "dom5: worker: seccomp: Invalid argument"
check "... exits, reported with its status" \
    wait_until 5 log_has "dom5: worker [0-9]+ exited with status 1\$"
check "... replaced, the guest served" witness_served
w3=$(workers)
kill -KILL "$DAEMON_PID"
check "SIGKILL of the parent: its worker serves on (restart-grace)" \
    running "$w3"
daemon_start
check "... the restarted daemon stops it" wait_until 5 gone "$w3"
check "... and adopts the guest" \
    wait_until 5 log_has 'dom5: adopted a connected guest'
check "... and its worker serves it" witness_served
w4=$(workers)
kill -KILL "$w4" "$DAEMON_PID"
check "SIGKILL of both" wait_until 5 gone "$w4"
daemon_start
check "... adopted again" wait_until 5 sh -c \
    'test "$(grep -c "dom5: adopted a connected guest" "$1")" -eq 2' x \
    "$T/daemon.log"
check "... served" witness_served
guest_stop w
note "witness: $(gval w loop_ops) reads, $(gval w loop_timeouts) timed out, max latency $(gval w loop_maxlat_ms) ms"
check "the guest's reads: none wrong, no error" \
    test "$(gval w loop_wrong)" = 0 -a "$(gval w errors)" = 0
# Linux's pcifront gives up on an op after 2 s; as in t-restart, the op
# in flight may while the parent restarts, never while a worker does.
check "at most one op per parent restart timed out" \
    test "$(gval w loop_timeouts)" -le 2
xl -w 500 destroy 5
check "its guest gone, the worker goes" wait_until 5 nworkers_is 0

# --- a worker that keeps dying --------------------------------------------
guest_start h 6 --loop-ms 20000 --run-ms 40000
wait_domain 6
xl attach 6 0000:00:05.0 --starting
check "another guest connects" wait_event h connected
check "... its worker" wait_until 5 nworkers_is 1
touch "$XENSIM_DIR/sigsys-always"
check "its workers keep dying: the guest is failed" \
    wait_until 10 log_has "dom6: the worker serving its ops keeps dying"
rm -f "$XENSIM_DIR/sigsys-always"
check "... error node" error_like 6 "5 *keeps dying*"
check "... backend Closing" wait_until 5 be_state_is 6 5
check "... no worker left for it" wait_until 5 nworkers_is 0
guest_stop h
xl -w 500 destroy 6
check "the daemon still runs" daemon_alive
check "a new guest is served" serves 7 0000:00:02.0 s
t_done
