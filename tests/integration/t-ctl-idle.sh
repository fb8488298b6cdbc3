#!/bin/sh
# The control socket's 30 s idle limits (ctlproc.c): a client that
# connects and says nothing is closed without a word; one that sends
# half a header is dropped, said in the log; one that sends requests
# and never reads the replies is dropped once its socket stays full,
# said too.  Meanwhile pcibackctl is served and a guest's reads go on.
# About 35 s.
. "$(dirname "$0")/lib.sh"

ctl() {
	timeout 20 "$PCIBACKCTL" -s "$T/pcibackd.sock" "$@" >"$T/ctl.out" \
	    2>"$T/ctl.err"
}

# idle CASE OUT: a client in the background; OUT gets what it saw and
# after how many seconds.
idle() {
	python3 - "$T/pcibackd.sock" "$1" >"$2" 2>&1 <<'EOF' &
import socket, struct, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
case = sys.argv[2]
t0 = time.time()
if case == "half":
    s.sendall(struct.pack("=II", 1, 1))
elif case == "deaf":
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    req = struct.pack("=IIII", 1, 1, 4, 0)
    s.settimeout(1)
    n = 0
    try:
        for i in range(3000):
            s.sendall(req)
            n += 1
    except (socket.timeout, BlockingIOError):
        pass
    s.settimeout(None)
    print("sent=%d" % n, flush=True)
    # Read nothing until the daemon gave up on us.
    time.sleep(40)
    d = b""
    try:
        while True:
            c = s.recv(65536)
            if not c:
                break
            d += c
    except ConnectionResetError:
        pass
    print("closed after=%d" % (time.time() - t0))
    sys.exit(0)
s.settimeout(45)
d = s.recv(65536)
print("got=%d closed after=%d" % (len(d), time.time() - t0))
EOF
	t_pids="$t_pids $!"
}

closed_after() {
	grep -Eq "^got=0 closed after=(29|3[0-9])\$" "$1"
}

t_setup
daemon_start
witness_start 5 0000:00:03.0
idle quiet "$T/quiet.out"
quiet_pid=$!
idle half "$T/half.out"
half_pid=$!
idle deaf "$T/deaf.out"
deaf_pid=$!
check "a client sending requests it does not read: its socket fills" \
    wait_until 10 grep -q '^sent=' "$T/deaf.out"
sleep 10
check "meanwhile pcibackctl is served" ctl show stats
check "... and the guest" witness_served
check "after 30 s: the silent client closed" wait_until 30 closed_after \
    "$T/quiet.out"
check "... without a log line" \
    sh -c '! grep -Eq "control: uid [0-9]+ pid $1:.*dropped" "$2"' x \
    "$quiet_pid" "$T/daemon.log"
check "the client with half a header: closed too" closed_after "$T/half.out"
check "... and said, with who it was" \
    log_has "control: uid [0-9]+ pid $half_pid: request incomplete after 30 s; dropped"
check "the client that does not read: dropped, said" \
    wait_until 10 log_has "control: uid [0-9]+ pid $deaf_pid: does not read its replies; dropped"
check "pcibackctl is still served" ctl show stats
check "... and the guest" witness_served
check "the guest's reads were all right" witness_end
t_done
