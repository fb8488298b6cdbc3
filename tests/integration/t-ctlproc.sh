#!/bin/sh
# Issue 11: the control socket is served by an unprivileged control
# process (pcibackd-ctl), forked at start: no_new_privs and its own
# seccomp filter (as root it also chroots and changes user: the preload
# records that and skips it), only its descriptors.  It alone parses
# what clients send: a malformed request is refused with the usual error
# while the parent is stopped.  A forbidden system call (the preload's
# socket() before an accept, $XENSIM_DIR/sigsys-accept) kills it: the
# parent says so and forks another, the guest is served throughout.
# SIGKILL of it: replaced; one that cannot enter its sandbox exits
# (the preload's $XENSIM_DIR/seccomp-fail) and is replaced too; SIGKILL
# of the parent: it goes too.  Dying 6 times in
# 10 s: the next one starts 10 s later.
. "$(dirname "$0")/lib.sh"

PCIBACKCTL=${PCIBACKCTL:-$(dirname "$PCIBACKD")/pcibackctl}
ctlprocs() { pgrep -P "$DAEMON_PID" -x pcibackd-ctl; }
nctl_is() { [ "$(ctlprocs | wc -l)" -eq "$1" ]; }
status_is() { grep -Eq "^$2:[[:space:]]+$3\$" "/proc/$1/status"; }
alive() { kill -0 "$1" 2>/dev/null; }
gone() { ! alive "$1"; }
ctl() {
	timeout 20 "$PCIBACKCTL" -s "$T/pcibackd.sock" "$@" >"$T/ctl.out" \
	    2>"$T/ctl.err"
}
# A client in the background (the control process may die under it).
ctl_bg() {
	timeout 20 "$PCIBACKCTL" -s "$T/pcibackd.sock" "$@" >/dev/null \
	    2>&1 &
	t_pids="$t_pids $!"
}
addr_refused() { raw address | grep -Eq '^END 22 bad address .*0g'; }
other_ctlproc() { c=$(ctlprocs); [ -n "$c" ] && [ "$c" != "$1" ]; }

# raw CASE: a hand-made client; prints the END it gets, or "closed".
raw() {
	timeout 10 python3 - "$T/pcibackd.sock" "$1" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.settimeout(5)
def req(cmd, *args):
    p = b"".join(a.encode() + b"\0" for a in args)
    return struct.pack("=IIII", 1, 1, cmd, len(p)) + p
case = sys.argv[2]
if case == "domid":
    s.sendall(req(3, "x"))
elif case == "address":
    s.sendall(req(7, "0000:00:0g.0"))
elif case == "offset":
    s.sendall(req(11, "0000:00:03.0", "0x10000", "4", "1"))
elif case == "version":
    s.sendall(struct.pack("=IIII", 99, 1, 1, 0))
elif case == "stats":
    s.sendall(req(4))
d = b""
try:
    while True:
        c = s.recv(65536)
        if not c:
            break
        d += c
        while len(d) >= 16:
            v, t, a, n = struct.unpack("=IIII", d[:16])
            if len(d) < 16 + n:
                break
            if t == 3:
                print(("END %d %s" % (a, d[16:16 + n].rstrip(b"\0").decode())).rstrip())
                sys.exit(0)
            d = d[16 + n:]
except socket.timeout:
    print("timeout")
    sys.exit(0)
print("closed")
PY
}

XENSIM_SIGSYS=1
export XENSIM_SIGSYS
t_setup
daemon_start
check "one control process, pcibackd-ctl" nctl_is 1
c=$(ctlprocs)
check "it runs under a seccomp filter" status_is "$c" Seccomp 2
check "... with no_new_privs" status_is "$c" NoNewPrivs 1
check "the parent has no filter" status_is "$DAEMON_PID" Seccomp 0
# Past stdio: the listening socket, the two socketpairs, and what its
# own event base made (epoll; libevent's notification pipe).
fds=$(cd "/proc/$c/fd" && for f in *; do
	[ "$f" -gt 2 ] || continue
	l=$(readlink "$f") || continue
	case $l in "$XENSIM_DIR"/*|"") continue ;; esac
	printf '%s=%s ' "$f" "$l"
done)
note "control process descriptors past stdio: $fds"
check "three sockets: the control socket and its two socketpairs" \
    test "$(echo "$fds" | tr ' ' '\n' | grep -c '=socket:')" -eq 3
check "... else only its event loop's epoll and pipe: no device, no file" \
    sh -c '! echo "$1" | tr " " "\n" | grep -v "^$" |
    grep -Ev "=(socket:|anon_inode:\[eventpoll\]|pipe:)"' x "$fds"
if [ "$(id -u)" = 0 ]; then
	u=$(id -u _pcibackd 2>/dev/null || id -u nobody)
	check "root: it chroots to /var/lib/pcibackd/empty" \
	    grep -q "^$c chroot /var/lib/pcibackd/empty\$" "$XENSIM_DIR/privdrop.log"
	check "... and becomes _pcibackd or nobody ($u), groups dropped" \
	    sh -c 'grep -q "^$1 setresuid $2 $2 $2\$" "$3" &&
	    grep -q "^$1 setgroups none\$" "$3"' x "$c" "$u" \
	    "$XENSIM_DIR/privdrop.log"
else
	check "not root: no user change, no chroot" \
	    test ! -e "$XENSIM_DIR/privdrop.log"
fi
witness_start 5 0000:00:03.0
check "pcibackctl is served through it" ctl show guest 5
check "... with the guest's counters" grep -Eq "ops: conf_read [1-9]" "$T/ctl.out"

# --- malformed requests: the control process alone answers --------------
kill -STOP "$DAEMON_PID"
check "parent stopped: a bad domain id is refused by the control process" \
    test "$(raw domid)" = 'END 22 bad domain id "x"'
check "... a bad address, with the parser's message" addr_refused
check "... an offset beyond config space" \
    test "$(raw offset)" = 'END 22 quirk add: bad offset "0x10000"'
check "... a wrong protocol version" \
    test "$(raw version)" = "END 93 protocol version mismatch: pcibackd speaks 1, the client 99"
raw stats >"$T/stats.out" &
stats_pid=$!
sleep 1
check "... a well-formed request waits for the parent" alive "$stats_pid"
kill -CONT "$DAEMON_PID"
wait "$stats_pid"
check "... and is answered once it runs again" grep -qx "END 0" "$T/stats.out"
check "the same control process still serves" test "$(ctlprocs)" = "$c"

# --- a forbidden system call ------------------------------------------------
touch "$XENSIM_DIR/sigsys-accept"
ctl_bg show stats
check "a forbidden call kills the control process" wait_until 5 gone "$c"
check "the parent reports it, with seccomp" \
    wait_until 5 log_has "control process $c killed by signal 31 \(seccomp: a forbidden system call\)"
check "... and replaces it" \
    wait_until 5 log_has "control process [0-9]+ replaces it"
check "... a new one" wait_until 5 other_ctlproc "$c"
c2=$(ctlprocs)
check "the new one is filtered too" status_is "$c2" Seccomp 2
check "... with no_new_privs" status_is "$c2" NoNewPrivs 1
check "pcibackctl is served again" ctl show stats
check "the guest was served throughout" witness_served

# --- SIGKILL -----------------------------------------------------------------
# Its replacement cannot enter its sandbox (the preload fails its
# seccomp filter once, $XENSIM_DIR/seccomp-fail): it exits, unserved.
touch "$XENSIM_DIR/seccomp-fail"
kill -KILL "$c2"
check "SIGKILL of it: reported" \
    wait_until 5 log_has "control process $c2 killed by signal 9\$"
check "a replacement that cannot install its filter says so" \
    wait_until 5 log_has "control process: seccomp: Invalid argument"
check "... exits, reported with its status, without serving" \
    wait_until 5 log_has "control process [0-9]+ exited with status 1\$"
check "... replaced" wait_until 5 other_ctlproc "$c2"
check "... and serving" wait_until 5 ctl show devices
check "... the guest still served" witness_served

# --- one that keeps dying -----------------------------------------------------
touch "$XENSIM_DIR/sigsys-accept-always"
# A connection waits in the backlog for the next one, which dies too.
ctl_bg show stats
check "dying 6 times in 10 s: the next one waits" \
    wait_until 5 log_has "control process: died 6 times in 10 s; the next starts in 10 s"
rm -f "$XENSIM_DIR/sigsys-accept-always"
check "... none meanwhile" nctl_is 0
check "... the guest is served meanwhile" witness_served
check "... then a new one serves" wait_until 15 ctl show stats
check "... filtered" status_is "$(ctlprocs)" Seccomp 2

# --- the parent goes: so does it ----------------------------------------------
c3=$(ctlprocs)
witness_end
kill -KILL "$DAEMON_PID"
check "SIGKILL of the parent: the control process dies with it" \
    wait_until 5 gone "$c3"
DAEMON_PID=
daemon_start
check "a new daemon has its own" wait_until 5 nctl_is 1
check "... serving" ctl show stats
t_done
