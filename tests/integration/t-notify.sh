#!/bin/sh
# (Type=notify) systemd's readiness protocol, with a fake $NOTIFY_SOCKET:
# READY=1 comes once, only after the guest connected before the start is
# adopted and pcibackctl answers (the listener looks at that moment);
# RELOADING=1 then READY=1 around each reload (SIGHUP, pcibackctl, a
# broken file); STOPPING=1 last on SIGTERM; each with a STATUS= line.
# An abstract socket ("@name") works too; a socket nobody listens on or
# a name that is no socket address does not keep the daemon from serving.
. "$(dirname "$0")/lib.sh"

# listen NAME ADDRESS: a stand-in for systemd on ADDRESS (a path or
# "@name"); each datagram is a line of $T/NAME.msgs, fields joined by
# "|".  At the first READY=1 it stops the sender (its pid from the
# kernel, as systemd learns it) and records, in $T/NAME.ready, whether the
# daemon's log had adopted dom5 and what "pcibackctl show guests" said.
listen() {
	python3 - "$1" "$2" "$T" "$PCIBACKCTL" <<'EOF' &
import os, signal, socket, struct, subprocess, sys
name, addr, tdir, ctl = sys.argv[1:5]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
open(os.path.join(tdir, name + ".up"), "w").close()
out = open(os.path.join(tdir, name + ".msgs"), "a", buffering=1)
ready = False
while True:
    data, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(12))
    pid = 0
    for level, kind, cdata in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", cdata[:12])[0]
    msg = data.decode(errors="replace")
    if "READY=1" in msg.split("\n") and not ready and pid > 0:
        ready = True
        # Freeze the sender where it is: what it did before READY=1.
        os.kill(pid, signal.SIGSTOP)
        log = open(os.path.join(tdir, "daemon.log")).read()
        os.kill(pid, signal.SIGCONT)
        guests = subprocess.run([ctl, "-s", os.path.join(tdir,
            "pcibackd.sock"), "show", "guests"], capture_output=True,
            text=True).stdout
        with open(os.path.join(tdir, name + ".ready"), "w") as r:
            r.write("pid=%d\n" % pid)
            r.write("adopted=%d\n" % ("dom5: adopted a connected guest"
                in log))
            r.write("started=%d\n" % ("started in " in log))
            r.write(guests)
    out.write("|".join(l for l in msg.split("\n") if l) + "\n")
EOF
	t_pids="$t_pids $!"
	wait_until 5 test -e "$T/$1.up"
}

# nmsgs NAME: how many datagrams so far.
nmsgs() {
	if [ -f "$T/$1.msgs" ]; then wc -l <"$T/$1.msgs"; else echo 0; fi
}

nmsgs_ge() {
	[ "$(nmsgs "$1")" -ge "$2" ]
}

# msg NAME N: the Nth datagram (from 1).
msg() {
	sed -n "$2p" "$T/$1.msgs"
}

# msg_like NAME N GLOB: the Nth datagram matches the shell pattern.
msg_like() {
	ml=$(msg "$1" "$2")
	# shellcheck disable=SC2254
	case $ml in
	$3)	return 0 ;;
	esac
	note "$1 datagram $2: '$ml', want '$3'"
	return 1
}

going() {
	[ -n "$(gval g loop_ops)" ]
}

# notified_start NAME ADDRESS: daemon_start with $NOTIFY_SOCKET set.
notified_start() {
	NOTIFY_SOCKET=$2
	export NOTIFY_SOCKET
	daemon_start
	unset NOTIFY_SOCKET
}

t_setup
daemon_start
guest_start g 5 --paused --loop-ms 40000 --run-ms 90000
wait_domain 5
xl attach 5 0000:00:03.0 --starting
guest_unpause g
check "guest connects" wait_event g connected
check "guest reads in a loop" wait_until 10 going
daemon_stop TERM

# --- a path socket, the guest connected before the start ----------------
listen p "$T/notify"
notified_start p "$T/notify"
check "READY=1 arrives" wait_until 5 nmsgs_ge p 1
check "the first datagram is READY=1 with a STATUS line" \
    msg_like p 1 'READY=1|STATUS=serving 1 guest, holding 4 devices'
check "READY=1 came from the daemon itself" \
    grep -qx "pid=$DAEMON_PID" "$T/p.ready"
check "at READY=1 the connected guest was already adopted" \
    grep -qx 'adopted=1' "$T/p.ready"
check "at READY=1 the start-up was over" grep -qx 'started=1' "$T/p.ready"
check "at READY=1 pcibackctl answered and showed the guest" \
    grep -Eq '^5 +Connected +Connected +yes' "$T/p.ready"

kill -HUP "$DAEMON_PID"
check "SIGHUP: two more datagrams" wait_until 5 nmsgs_ge p 3
check "SIGHUP: RELOADING=1 with MONOTONIC_USEC first" \
    msg_like p 2 'RELOADING=1|MONOTONIC_USEC=[1-9]*|STATUS=reloading*'
check "SIGHUP: then READY=1, reloaded" \
    msg_like p 3 'READY=1|STATUS=configuration reloaded, holding 4 devices'

cp "$T/pcibackd.conf" "$T/pcibackd.conf.good"
echo 'this is not a keyword' >>"$T/pcibackd.conf"
kill -HUP "$DAEMON_PID"
check "broken file: two more datagrams" wait_until 5 nmsgs_ge p 5
check "broken file: RELOADING=1" msg_like p 4 'RELOADING=1|*'
check "broken file: READY=1 all the same, saying the reload failed" \
    msg_like p 5 'READY=1|STATUS=reload failed, the running configuration stays*'

cp "$T/pcibackd.conf.good" "$T/pcibackd.conf"
check "pcibackctl reload" \
    "$PCIBACKCTL" -s "$T/pcibackd.sock" reload >/dev/null
wait_until 5 nmsgs_ge p 7
check "pcibackctl reload: RELOADING=1 then READY=1" \
    sh -c 'test "$(sed -n "6,7p" "$1" | cut -d"|" -f1 | tr "\n" " ")" = \
	"RELOADING=1 READY=1 "' x "$T/p.msgs"

daemon_stop TERM
# The listener writes what it gets on its own time: wait for it.
wait_until 5 nmsgs_ge p 8
check "SIGTERM: STOPPING=1 is the last datagram" \
    msg_like p "$(nmsgs p)" 'STOPPING=1|STATUS=exiting*'
check "eight datagrams in all, one READY=1 per reload and the start" \
    test "$(nmsgs p)" -eq 8 -a "$(grep -c '^READY=1' "$T/p.msgs")" -eq 4

# --- an abstract socket ----------------------------------------------
abs="@pcibackd-t-notify-$$"
listen a "$abs"
notified_start a "$abs"
check "abstract socket: READY=1 arrives" wait_until 5 nmsgs_ge a 1
check "abstract socket: the first datagram is READY=1" \
    msg_like a 1 'READY=1|STATUS=serving 1 guest*'
check "abstract socket: READY=1 after adoption" \
    grep -qx 'adopted=1' "$T/a.ready"
daemon_stop TERM
wait_until 5 nmsgs_ge a 2
check "abstract socket: STOPPING=1" msg_like a 2 'STOPPING=1|*'

# --- nobody listening, not an address -----------------------------------
notified_start n "$T/nobody"
check "nobody listening: the daemon serves" \
    "$PCIBACKCTL" -s "$T/pcibackd.sock" show stats >/dev/null
check "nobody listening: said once" \
    test "$(grep -c 'NOTIFY_SOCKET: cannot notify' "$T/daemon.log")" -eq 1
daemon_stop TERM
notified_start n "relative/path"
check "not a socket address: ignored, said so" \
    log_has 'NOTIFY_SOCKET "relative/path": not a socket address, ignored'
check "not a socket address: the daemon serves" \
    "$PCIBACKCTL" -s "$T/pcibackd.sock" show stats >/dev/null
# "@" alone names nothing; a path of 108 bytes leaves no room for its
# NUL; 109 bytes fit in no address at all.
long=/$(printf '%0107d' 0)
for a in @ "$long" "${long}0"; do
	daemon_stop TERM
	notified_start n "$a"
done
check "\"@\" alone: ignored, said so" \
    log_has 'NOTIFY_SOCKET "@": not a socket address, ignored'
check "a path of 108 bytes: too long, said so" \
    log_has "NOTIFY_SOCKET $long: path too long, ignored"
check "109 bytes: not a socket address (said shortened)" \
    log_has "NOTIFY_SOCKET \"$(printf '%.64s' "$long")\": not a socket address, ignored"
check "... the daemon serves" \
    "$PCIBACKCTL" -s "$T/pcibackd.sock" show stats >/dev/null

guest_stop g
check "no read answered wrongly" test "$(gval g loop_wrong)" = 0
t_done
