#!/bin/sh
# pcibackd's command line and start-up failures: usage, -D macros (bad
# ones refused), -p pidfile written and removed, running as a daemon
# (no -d), the control socket's directory made, control sockets it
# cannot have refused with the reason, a pidfile it cannot write, standard
# input closed (/dev/null in its place), and a clear message when there
# is no Xen (no event channel).
. "$(dirname "$0")/lib.sh"

t_setup
run_pbd() {
	LD_PRELOAD=$SIM/libxensim.so \
	    ASAN_OPTIONS=${ASAN_OPTIONS:-verify_asan_link_order=0:detect_leaks=1} \
	    "$PCIBACKD" "$@" >"$T/cmd.out" 2>&1
}

out_has() {
	grep -Eq -- "$1" "$T/cmd.out" ||
	    { note "output lacks '$1':"; sed 's/^/#   /' "$T/cmd.out" >&2;
	    return 1; }
}

check "an unknown option: usage, exit 1" sh -c '! "$0" -x 2>"$1"' \
    "$PCIBACKD" "$T/cmd.out"
check "... the usage line" out_has '^usage: pcibackd \[-dnv\]'
check "an argument: usage" sh -c '! "$0" extra 2>"$1"' "$PCIBACKD" \
    "$T/cmd.out"
check "a -D without =: refused" \
    sh -c '! "$0" -n -D nonsense -f "$1" 2>"$2"' "$PCIBACKD" \
    "$T/pcibackd.conf" "$T/cmd.out"
check "... saying so" out_has 'could not parse macro definition nonsense'
cat >"$T/macro.conf" <<EOF
socket \$sock
mode virtual
EOF
check "-D defines a macro the file uses" \
    run_pbd -nv -D "sock=$T/m.sock" -f "$T/macro.conf"
check "... as printed" out_has "socket \"$T/m.sock\""
# The command line wins over the file: a macro -D sets, the file's own
# setting of it is ignored.
cat >"$T/macro2.conf" <<EOF
sock = "$T/file.sock"
socket \$sock
mode virtual
EOF
check "-D over a macro the file sets: loaded" \
    run_pbd -nv -D "sock=$T/m.sock" -f "$T/macro2.conf"
check "... the -D value used" out_has "socket \"$T/m.sock\""
check "a missing file: not loaded" \
    eval '! run_pbd -n -f "$T/none.conf"'
check "... named" out_has "none.conf: configuration not loaded"

# As a daemon, with a pidfile.
run_pbd -f "$T/pcibackd.conf" -p "$T/pbd.pid"
check "without -d it goes to the background" test $? -eq 0
check "the pidfile is written" wait_until 10 test -s "$T/pbd.pid"
pid=$(cat "$T/pbd.pid" 2>/dev/null)
t_pids="$t_pids $pid"
# Answering pcibackctl: past start-up, its signals handled.
check "the daemon runs ($pid)" wait_until 10 "$(dirname "$PCIBACKD")/pcibackctl" \
    -s "$T/pcibackd.sock" show stats >/dev/null 2>&1
kill -TERM "$pid" 2>/dev/null
check "it exits on SIGTERM" wait_until 10 not_running "$pid"
check "and removes its pidfile" test ! -e "$T/pbd.pid"

# The socket's directory is made when missing (as /var/run/pcibackd is
# without systemd), 0755 whatever the umask.
sed "s,^socket .*,socket \"$T/run/pcibackd.sock\"," "$T/pcibackd.conf" \
    >"$T/rundir.conf"
(umask 077; run_pbd -f "$T/rundir.conf" -p "$T/pbd.pid")
check "a missing socket directory: the daemon starts" \
    wait_until 10 test -S "$T/run/pcibackd.sock"
pid=$(cat "$T/pbd.pid" 2>/dev/null)
t_pids="$t_pids $pid"
check "... and made it, mode 755" \
    test "$(stat -c %a "$T/run" 2>/dev/null)" = 755
# The socket is bound before start-up ends: wait until it answers (its
# signals handled, the pidfile written; slow in the coverage build).
wait_until 10 "$(dirname "$PCIBACKD")/pcibackctl" -s "$T/run/pcibackd.sock" \
    show stats >/dev/null 2>&1
pid=$(cat "$T/pbd.pid" 2>/dev/null)
t_pids="$t_pids $pid"
kill -TERM "$pid" 2>/dev/null
check "... and exits on SIGTERM" wait_until 10 not_running "$pid"

# Control sockets it cannot have: it refuses to start, saying why.
sockconf() {
	sed "s,^socket .*,socket \"$1\"," "$T/pcibackd.conf" >"$T/sock.conf"
}
: >"$T/plain"
sockconf "$T/plain"
check "a socket path that is a regular file: refused" \
    eval '! run_pbd -d -f "$T/sock.conf"'
check "... exists and is not a socket" \
    out_has "control socket $T/plain: exists and is not a socket"
check "... and the file is left alone" test -f "$T/plain"
sockconf "$T/plain/pcibackd.sock"
check "a socket under a regular file: refused" \
    eval '! run_pbd -d -f "$T/sock.conf"'
check "... saying why" out_has "control socket $T/plain/pcibackd.sock: Not a directory"
sockconf "$T/no/such/pcibackd.sock"
check "a socket two missing directories down: refused" \
    eval '! run_pbd -d -f "$T/sock.conf"'
check "... bind says why" \
    out_has "control socket $T/no/such/pcibackd.sock: bind: No such file or directory"

# A pidfile it cannot write: it stops, naming it (with -d, on stderr).
check "a pidfile it cannot write: it stops" \
    eval '! run_pbd -d -f "$T/pcibackd.conf" -p "$T/plain/pbd.pid"'
check "... naming it" out_has "$T/plain/pbd.pid: Not a directory"

# Started with standard input closed, as some supervisors do: /dev/null
# takes descriptor 0, so no socket or device lands on it.
LD_PRELOAD=$SIM/libxensim.so \
    ASAN_OPTIONS=${ASAN_OPTIONS:-verify_asan_link_order=0:detect_leaks=1} \
    "$PCIBACKD" -d -f "$T/pcibackd.conf" <&- >"$T/cmd.out" 2>&1 &
pid=$!
t_pids="$t_pids $pid"
check "standard input closed: the daemon serves" wait_until 10 \
    sh -c '"$0" -s "$1" show stats >/dev/null 2>&1' \
    "$(dirname "$PCIBACKD")/pcibackctl" "$T/pcibackd.sock"
check "... its descriptor 0 is /dev/null" \
    test "$(readlink "/proc/$pid/fd/0")" = /dev/null
kill -TERM "$pid" 2>/dev/null
check "... and it exits on SIGTERM" wait_until 10 not_running "$pid"

# No Xen at all: no preload.
check "no Xen: the daemon refuses to start" \
    sh -c '! ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} "$0" -d -f "$1" >"$2" 2>&1' \
    "$PCIBACKD" "$T/pcibackd.conf" "$T/cmd.out"
check "... saying why" out_has 'is this a Xen dom0\?|is xenstored running\?'
t_done
