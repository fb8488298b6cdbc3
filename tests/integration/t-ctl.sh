#!/bin/sh
# (ctl) pcibackctl against pcibackd on the simulated Xen: every command,
# as text and as JSON; bad input (unknown device, bad address, unknown
# and ambiguous commands); permission denied, by the file mode and by
# the daemon's SO_PEERCRED check; the socket group; garbage and too many
# clients; a daemon that is not running, a stale socket, a second
# daemon; permissive turned on and off, and quirks added and removed,
# while a guest reads config space; log level; reset refused; a 33rd
# quirk refused; socket-group members may look but not change; members
# the group file lists, by uid.
. "$(dirname "$0")/lib.sh"

NOBODY="setpriv --reuid=nobody --regid=nogroup --clear-groups"

# ctl_fails ARGS...: exit status 1 exactly.
ctl_fails() {
	ctl "$@"
	[ "$ctl_rc" -eq 1 ] || { note "exit $ctl_rc, want 1"; return 1; }
}

err_has() {
	grep -Eq -- "$1" "$T/ctl.err" ||
	    { note "stderr lacks '$1':"; sed 's/^/#   /' "$T/ctl.err" >&2;
	    return 1; }
}

# outs REGEX...: stdout matches every one.
outs() {
	for o_re; do
		out_has "$o_re" || return 1
	done
}

# ctl_out REGEX ARGS...: succeeds, stdout matches.
ctl_out() {
	co_re=$1
	shift
	ctl "$@" && out_has "$co_re"
}

# ctl_err REGEX ARGS...: fails with 1, stderr matches.
ctl_err() {
	ce_re=$1
	shift
	ctl_fails "$@" && err_has "$ce_re"
}

# json ARGS...: -j output is valid JSON (python3 -m json.tool).
json() {
	"$PCIBACKCTL" -s "$SOCK" -j "$@" >"$T/ctl.json" 2>"$T/ctl.err" &&
	    python3 -m json.tool "$T/ctl.json" >/dev/null
}

# json_device BDF KEY VALUE: in "show devices -j", BDF's KEY is VALUE
# (a Python literal: True, 'dom5', 4).
json_device() {
	"$PCIBACKCTL" -s "$SOCK" -j show devices >"$T/ctl.json" &&
	    python3 - "$T/ctl.json" "$1" "$2" "$3" <<'EOF'
import json, sys, ast
recs = json.load(open(sys.argv[1]))
dev = [r for r in recs if r.get("address") == sys.argv[2]]
sys.exit(0 if dev and dev[0].get(sys.argv[3]) == ast.literal_eval(sys.argv[4])
    else 1)
EOF
}

# client CASE [ENDS]: a hand-made client sends CASE; prints the END
# messages of the answer, once it has ENDS of them (default 1) or the
# daemon closed; "closed" if there were none.
client() {
	python3 - "$SOCK" "$1" "${2:-1}" <<'EOF'
import socket, struct, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.settimeout(5)
def hdr(version, mtype, arg, length):
    return struct.pack("=IIII", version, mtype, arg, length)
def ends(d):
    out = []
    while len(d) >= 16:
        v, t, a, n = struct.unpack("=IIII", d[:16])
        if len(d) < 16 + n:
            break
        if t == 3:
            msg = d[16:16 + n].rstrip(b"\0").decode()
            out.append(("END %d %s" % (a, msg)).rstrip())
        d = d[16 + n:]
    return out
def answer(want):
    data = b""
    try:
        while len(ends(data)) < want:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        pass
    return ends(data)
case = sys.argv[2]
if case == "garbage":
    s.sendall(b"GET / HTTP/1.0\r\n\r\n" + b"\xff" * 64)
elif case == "type":
    s.sendall(hdr(1, 7, 0, 0))
elif case == "huge":
    s.sendall(hdr(1, 1, 1, 1 << 30))
elif case == "version":
    s.sendall(hdr(99, 1, 1, 0))
elif case == "unterminated":
    s.sendall(hdr(1, 1, 7, 4) + b"abcd")
elif case == "unknown-cmd":
    s.sendall(hdr(1, 1, 999, 0))
elif case == "two":
    s.sendall(hdr(1, 1, 4, 0) + hdr(1, 1, 1, 0))
elif case == "gone":
    # Asks, then goes with the answer unread: the daemon's end is reset.
    s.sendall(hdr(1, 1, 4, 0))
    time.sleep(1)
    s.close()
    print("gone")
    sys.exit(0)
got = answer(int(sys.argv[3]))
print("\n".join(got) if got else "closed")
EOF
}

# raw CMD ARG...: a client other than pcibackctl (a script, an older
# or newer pcibackctl) sends command number CMD with these arguments as
# they are, unchecked; prints the END of the answer ("closed" if none).
raw() {
	python3 - "$SOCK" "$@" <<'EOF'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.settimeout(5)
args = b"".join(a.encode() + b"\0" for a in sys.argv[3:])
s.sendall(struct.pack("=IIII", 1, 1, int(sys.argv[2]), len(args)) + args)
data = b""
end = None
try:
    while end is None:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
        while len(data) >= 16:
            v, t, a, n = struct.unpack("=IIII", data[:16])
            if len(data) < 16 + n:
                break
            if t == 3:
                end = ("END %d %s" % (a,
                    data[16:16 + n].rstrip(b"\0").decode())).rstrip()
            data = data[16 + n:]
except socket.timeout:
    pass
print(end if end is not None else "closed")
EOF
}

# raw_is WANT CMD ARG...: raw's answer is exactly WANT.
raw_is() {
	ri_want=$1
	shift
	ri_got=$(raw "$@")
	[ "$ri_got" = "$ri_want" ] && return 0
	note "answer '$ri_got', want '$ri_want'"
	return 1
}

# raw_like REGEX CMD ARG...: raw's answer matches REGEX.
raw_like() {
	rl_re=$1
	shift
	rl_got=$(raw "$@")
	printf '%s\n' "$rl_got" | grep -Eq -- "$rl_re" && return 0
	note "answer '$rl_got', want /$rl_re/"
	return 1
}

# as_nobody ARGS...: pcibackctl as uid nobody, group nogroup.
as_nobody() {
	$NOBODY "$PCIBACKCTL" -s "$SOCK" "$@" >"$T/ctl.out" 2>"$T/ctl.err"
	ctl_rc=$?
	return $ctl_rc
}

t_setup
# The socket in a directory of its own, outside the test's private tree,
# so that uid nobody can be let near it (mode 0711) for the checks.
SOCKDIR=$(mktemp -d "${TMPDIR:-/tmp}/pbdctl.XXXXXX") || t_fatal "mktemp"
trap 'rm -rf "$SOCKDIR"; t_cleanup' EXIT
SOCK=$SOCKDIR/ctl.sock
t_conf "socket \"$SOCK\"" 'device 0000:00:1f.0 { name "ghost" }'
ghost_line=$(grep -n ghost "$T/pcibackd.conf" | cut -d: -f1)

# --- no daemon --------------------------------------------------------
check "no daemon: says pcibackd is not running, exit 1" \
    ctl_err "^pcibackctl: pcibackd is not running \(no socket at $SOCK\)\$" \
    show devices

daemon_start
check "log says where it listens" log_has "control: listening on $SOCK"
check "socket is 0600 root" \
    test "$(stat -c '%a %U %F' "$SOCK")" = "600 root socket"

# --- show devices, guests, stats --------------------------------------
check "show devices: a header and the four held devices" \
    ctl_out '^ADDRESS +NAME +ID +OWNER +IRQ +PERMISSIVE +STATE +RESET$' show devices
check "show devices: e1000e, free, INTx, not permissive, ready, reset none" \
    out_has '^0000:00:03.0 +e1000e +8086:10d3 +free +INTx +no +ready +none$'
check "show devices: four devices" test "$(grep -c '^0000:' "$T/ctl.out")" = 4
check "JSON: a free device is ready" json_device 0000:00:03.0 state "'ready'"
check "JSON: from the emulated provider" \
    json_device 0000:00:03.0 provider "'emulated'"
cp "$T/ctl.out" "$T/devices.full"
check "'sh dev' is 'show devices'" ctl show dev
check "... the same output" cmp -s "$T/ctl.out" "$T/devices.full"
check "show guests: none yet" ctl_out '^no guests$' show guests
check "show stats: 4 devices, 4 free, 0 guests" ctl show stats
check "... counted" outs '^devices +4$' '^devices_free +4$' '^guests +0$' \
    '^conf_read +0$' '^uptime +[0-9]+$'
check "show stats: the log level" out_has '^log +verbose$'
check "JSON: no guests is []" json show guests
check "... an empty array" test "$(tr -d ' \n' <"$T/ctl.json")" = "[]"

# --- explain ----------------------------------------------------------
check "explain a device no line names: cannot, no device line" \
    ctl_out '^0000:00:07.0: cannot be given to a guest now$' explain 00:07.0
check "... the reason on its own line" \
    out_has "^  blocks: not held: no device line in $T/pcibackd.conf names it\$"
check "explain a listed device no source has" \
    ctl_out "^  blocks: not held: listed at $T/pcibackd.conf:$ghost_line, but no device source has it \(4 emulate sources loaded\)\$" \
    explain 0000:00:1f.0
check "explain a free device: can, held and free" \
    ctl_out '^0000:00:03.0 "e1000e": can be given to a guest$' explain 00:03.0
check "... reasons, one a line" \
    outs '^  info: held by pcibackd and free$' '^  info: reset: none'
check "explain the edu device: no MSI-X capability" \
    ctl_out '^  info: no MSI-X capability$' explain 00:02.0

# --- a guest reading config space -------------------------------------
witness_start 5 0000:00:03.0
check "show guests: dom5 connected with one device" \
    ctl_out '^5 +Connected +Connected +yes +1 +[0-9]+$' show guests
check "show devices: e1000e owned by dom5" \
    ctl_out '^0000:00:03.0 +e1000e +8086:10d3 +dom5 ' show devices
check "show guest 5: states and device count" \
    ctl_out '^dom5: backend Connected, frontend Connected, connected, 1 device$' \
    show guest 5
check "show guest 5: the device and where the guest sees it" \
    out_has '^  0000:00:03.0 as 0000:00:00.0 "e1000e" \[8086:10d3\] INTx, permissive no, reset none$'
check "show guest 5: config reads counted" \
    out_has '^    ops: conf_read [1-9][0-9]*, conf_write [0-9]+,'
check "show guest 5: config-space counters" \
    out_has '^    config space: reads [1-9][0-9]*, writes [0-9]+, writes dropped [0-9]+, writes refused [0-9]+$'
check "explain an owned device: cannot, owned by dom5 at 00:00.0" \
    ctl_out '^  blocks: owned by dom5, which sees it as 0000:00:00.0: detach it from that guest first$' \
    explain 0000:00:03.0
check "... and it is not assignable" \
    out_has '^0000:00:03.0 "e1000e": cannot be given to a guest now$'
check "show stats: one guest, connected" \
    ctl_out '^guests_connected +1$' show stats

# --- permissive on, then off, while dom5 reads -----------------------
check "permissive on" \
    ctl_out '^0000:00:03.0: permissive on$' permissive 00:03.0 on
check "logged loudly, with XSA-124 and who asked" \
    log_has '0000:00:03.0: permissive turned ON by uid 0 pid [0-9]+: dom5 may now write .*XSA-124'
check "show devices shows it" \
    ctl_out '^0000:00:03.0 +e1000e +8086:10d3 +dom5 +INTx +yes ' show devices
check "JSON shows it: permissive true" json_device 0000:00:03.0 permissive True
check "explain warns about it" \
    ctl_out '^  warning: permissive: .*XSA-124' explain 00:03.0
check "the guest is still served" witness_served
check "permissive on again: unchanged" \
    ctl_out '^0000:00:03.0: permissive on \(unchanged\)$' perm 00:03.0 on
check "permissive off" \
    ctl_out '^0000:00:03.0: permissive off$' permissive 0000:00:03.0 off
check "logged" log_has '0000:00:03.0: permissive turned off by uid 0'
check "show devices shows it off" \
    ctl_out '^0000:00:03.0 +e1000e +8086:10d3 +dom5 +INTx +no ' show devices
check "JSON shows it: permissive false" json_device 0000:00:03.0 permissive False
check "the guest is still served" witness_served

# --- quirks, live, while dom5 reads ----------------------------------
check "quirk add: bits 0xffff of the register at 0x40 of 00:03.0" \
    ctl_out '^0000:00:03.0: quirk at 0x040, 4 bytes, mask 0xffff: added; 1 in force$' \
    quirk add 00:03.0 0x40 4 0xffff
check "logged as a warning, with who asked" \
    log_has '0000:00:03.0: quirk added by uid 0 pid [0-9]+: its guest may write bits 0xffff of the 4-byte register at 0x040'
check "explain lists it" \
    ctl_out '^  info: quirk: the guest may write bits 0xffff of the 4-byte register at 0x040$' \
    explain 00:03.0
check "a second quirk, decimal, one byte" \
    ctl_out '^0000:00:03.0: quirk at 0x044, 1 byte, mask 0x3: added; 2 in force$' \
    quir a 0000:00:03.0 68 1 3
check "JSON of quirk add parses" json quirk add 00:03.0 0x48 2 0xff00
check "... and says so" \
    grep -q '"action": "added", "offset": "0x048", "size": 2, "mask": "0xff00", "quirks": 3' "$T/ctl.json"
check "the guest is still served" witness_served
check "quirk at an offset that has one: refused" \
    ctl_err '^pcibackctl: 0000:00:03.0: a quirk at 0x040 is in force already \(quirk del it first\)$' \
    quirk add 00:03.0 0x40 2 0xff
check "quirk on a BAR: refused by the config space engine" \
    ctl_err '^pcibackctl: 0000:00:03.0: quirk at 0x10: overlaps ' \
    quirk add 00:03.0 0x10 4 0xffffffff
check "quirk overlapping another: refused" \
    ctl_err 'overlaps the quirk at 0x40' quirk add 00:03.0 0x42 1 0xff
check "misaligned quirk: refused" \
    ctl_err '^pcibackctl: quirk add: quirk offset 0x41: not aligned to its size 2$' \
    quirk add 00:03.0 0x41 2 0xff
check "mask wider than the size: refused" \
    ctl_err '^pcibackctl: quirk add: quirk mask 0x1ff: wider than 1 byte$' \
    quirk add 00:03.0 0x4c 1 0x1ff
check "mask 0: refused" \
    ctl_err 'quirk mask 0: makes nothing writable' quirk add 00:03.0 0x4c 1 0
check "offset beyond config space: refused before sending" \
    ctl_err '^pcibackctl: quirk add: bad offset "0x1000": beyond config space \(max 0xfff\)$' \
    quirk add 00:03.0 0x1000 4 1
check "size 3: refused before sending" \
    ctl_err '^pcibackctl: quirk add: bad size "3": want 1, 2 or 4$' \
    quirk add 00:03.0 0x40 3 1
check "a word for a number: refused" \
    ctl_err '^pcibackctl: quirk add: bad mask "all": want a number, decimal or 0x hex$' \
    quirk add 00:03.0 0x40 4 all
check "quirk on a device not held: refused" \
    ctl_err '^pcibackctl: 0000:00:07.0: not held by pcibackd' \
    quirk add 00:07.0 0x40 4 1
check "quirk on a bad address: refused" \
    ctl_err 'bad address' quirk add 00:0g.0 0x40 4 1
check "quirk add with three arguments: refused" \
    ctl_err '^pcibackctl: quirk add: 4 arguments expected$' \
    quirk add 00:03.0 0x40 4
check "quirk del of a quirk that does not exist: refused" \
    ctl_err '^pcibackctl: 0000:00:03.0: no quirk at 0x04c$' quirk del 00:03.0 0x4c
check "quirk del" \
    ctl_out '^0000:00:03.0: quirk at 0x044, 1 byte, mask 0x3: removed; 2 in force$' \
    quirk del 00:03.0 0x44
check "the guest is still served" witness_served

# Issue 10, bug 1: a 33rd quirk is refused before anything is written
# past the 32 (the ASan build caught the overflow, the plain one not).
q32=0
for o in $(seq 128 159); do
	ctl quirk add 00:02.0 "$o" 1 0xff && q32=$((q32 + 1))
done
check "32 one-byte quirks on 00:02.0" test "$q32" = 32
check "a 33rd quirk: refused, with a clear error" \
    ctl_err '^pcibackctl: 0000:00:02.0: 32 quirks already$' \
    quirk add 00:02.0 0xa0 1 0xff
check "... the daemon still answers" ctl_out '^0000:00:02.0 +edu ' show devices
check "... and still has the 32" \
    test "$(ctl explain 00:02.0 && grep -c 'info: quirk:' "$T/ctl.out")" = 32
for o in $(seq 128 159); do
	ctl quirk del 00:02.0 "$o" || break
done
check "... all deleted again" \
    test "$(ctl explain 00:02.0 && grep -c 'info: quirk:' "$T/ctl.out")" = 0

# --- log level -------------------------------------------------------
check "log level warning: said, and that -v still shows debug" \
    ctl_out '^log level warning \(log verbose: debug messages too\)$' \
    log level warning
check "logged, with who asked" \
    log_has '^log level warning, by uid 0 pid [0-9]+$'
check "show stats has it" ctl_out '^log_level +warning$' show stats
check "log brief: warnings only now" ctl_out '^log brief$' log brief
check "an info message is not logged" ctl quirk del 00:03.0 0x48
check "... and a warning is" ctl quirk add 00:03.0 0x48 2 0xff00
check "... in the log: the warning, not the info" \
    sh -c '! grep -q "quirk at 0x048 removed" "$1" && grep -q "0000:00:03.0: quirk added by .* at 0x048" "$1"' \
    x "$T/daemon.log"
check "log level info" ctl_out '^log level info$' log level info
check "an info message is logged again" ctl quirk del 00:03.0 0x48
check "... in the log" log_has 'quirk at 0x048 removed by uid 0'
check "log level with a bad level: refused" \
    ctl_err '^pcibackctl: log level: want warning, info or debug, not "loud"$' \
    log level loud
check "JSON of log level parses" json log level info
check "log verbose again" ctl_out '^log verbose$' log verbose

# --- reset -------------------------------------------------------------
check "reset an owned device: refused" \
    ctl_err '^pcibackctl: 0000:00:03.0: owned by dom5: detach it from that guest first$' \
    reset 00:03.0
check "reset an emulated device: not supported" \
    ctl_err '^pcibackctl: 0000:00:05.0: reset: not supported by the emulated provider$' \
    reset 00:05.0
check "reset a device not held: refused" \
    ctl_err '^pcibackctl: 0000:00:07.0: not held by pcibackd' reset 00:07.0
check "reset a bad address: refused" ctl_err 'bad address' reset 00:0g.0

# --- JSON ------------------------------------------------------------
for c in "show devices" "show guests" "show guest 5" "show stats" \
    "explain 00:03.0" "explain 00:07.0" "log verbose" \
    "permissive 00:05.0 off"; do
	# shellcheck disable=SC2086
	check "JSON of '$c' parses" json $c
done
check "JSON: owner and domid" json_device 0000:00:03.0 owner "'dom5'"
check "JSON: domid a number" json_device 0000:00:03.0 domid 5

# --- log -------------------------------------------------------------
check "log brief" ctl_out '^log brief$' log brief
check "logged with who asked" log_has '^log brief, by uid 0 pid [0-9]+$'
check "show stats says brief" ctl_out '^log +brief$' show stats
check "log verbose" ctl_out '^log verbose$' log verbose

# --- hold, release, reload ---------------------------------------------
check "release an owned device: refused, exit 1" \
    ctl_err '^pcibackctl: 0000:00:03.0: owned by dom5: detach it from that guest first$' \
    release 00:03.0
check "release a free device" \
    ctl_out '^0000:00:04.0: released$' release 00:04.0
check "logged with who asked" \
    log_has '0000:00:04.0: release asked by uid 0 pid [0-9]+'
check "show devices: three left" ctl show devices
check "... 00:04.0 gone" test "$(grep -c '^0000:' "$T/ctl.out")" = 3
check "explain says it was released, and how to take it back" \
    ctl_out 'blocks: not held: listed at .*released with pcibackctl.*pcibackctl hold takes it$' \
    explain 00:04.0
check "hold it again: its configured name" \
    ctl_out '^0000:00:04.0: held as "e1000"$' hold 00:04.0
check "hold a held device: refused" \
    ctl_err '^pcibackctl: 0000:00:04.0: already held$' hold 00:04.0
check "hold a device no source has: refused" \
    ctl_err '^pcibackctl: 0000:00:07.0: not found in any device source$' \
    hold 00:07.0
check "release, then reload holds it again" \
    ctl release 00:04.0
check "... reload says so" ctl_out '^info: 0000:00:04.0: held$' reload
check "... and that it reloaded" out_has '^configuration reloaded$'

cp "$T/pcibackd.conf" "$T/pcibackd.conf.orig"
sed -e 's/^mode virtual/mode passthrough/' \
    -e 's/{ name "nvme" }/{ name "nvme" permissive yes }/' \
    -e 's/{ name "edu" }/{ name "edu2" }/' \
    -e '/00:04.0/d' -e '/00:03.0/d' "$T/pcibackd.conf.orig" >"$T/pcibackd.conf"
echo "emulate \"dump:$DATA/qemu-q35-ich9-lpc.txt\"" >>"$T/pcibackd.conf"
check "reload a changed configuration" ctl reload
check "... mode cannot change live" \
    out_has '^warning: mode: not changed live, the guests. addresses would move; restart to apply$'
check "... nor the sources" \
    out_has '^warning: emulate: sources are loaded at start-up only; restart to apply$'
check "... a device no line names, free: dropped" \
    out_has '^info: 0000:00:04.0: no longer held$'
check "... one a guest owns: kept, said so" \
    out_has '^warning: 0000:00:03.0: no device line names it, but dom5 owns it: held until it is released, then reload again$'
check "... permissive turned on, as a warning" \
    out_has '^warning: 0000:00:05.0: permissive turned ON: .*XSA-124'
check "... a new name" out_has '^info: 0000:00:02.0: name "edu2"$'
check "the log has it all too" \
    log_has 'reload: 0000:00:05.0: permissive turned ON'
check "show devices after the reload" ctl show devices
check "... nvme permissive, edu renamed, e1000 gone, e1000e kept" \
    outs '^0000:00:05.0 +nvme +1b36:0010 +free +INTx +yes ' \
    '^0000:00:02.0 +edu2 ' '^0000:00:03.0 +e1000e +8086:10d3 +dom5 '
check "... three devices" test "$(grep -c '^0000:' "$T/ctl.out")" = 3
check "the guest is still served" witness_served
check "JSON of reload parses" json reload
echo "mode bogus" >>"$T/pcibackd.conf"
check "reload a broken configuration: exit 1, the running one stays" \
    ctl_err '^pcibackctl: .*pcibackd.conf: not loaded, the running configuration stays \(the log says why\)$' \
    reload
check "... the log says why" log_has 'pcibackd.conf:[0-9]+: syntax error'
cp "$T/pcibackd.conf.orig" "$T/pcibackd.conf"
hup_n=$(grep -c 'reload: .* loaded, holding 4 devices' "$T/daemon.log")
kill -HUP "$DAEMON_PID"
check "SIGHUP reloads the original: four devices again" \
    wait_until 5 sh -c '[ "$(grep -c "reload: .* loaded, holding 4 devices" "$1")" -gt "$2" ]' \
    x "$T/daemon.log" "$hup_n"
check "... nvme not permissive any more" \
    ctl_out '^0000:00:05.0 +nvme +1b36:0010 +free +INTx +no ' show devices

# --- bad input -------------------------------------------------------
check "unknown device: not held, exit 1" \
    ctl_err '^pcibackctl: 0000:00:07.0: not held by pcibackd \(pcibackctl explain 0000:00:07.0 says why\)$' \
    permissive 00:07.0 on
check "unknown guest: exit 1" \
    ctl_err '^pcibackctl: dom9 has no PCI backend served by pcibackd$' \
    show guest 9
check "bad address: the parser's message with the column" \
    ctl_err "^pcibackctl: explain: bad address \"00:0g.0\": unexpected 'g' at column 5, expected a hex digit\$" \
    explain 00:0g.0
check "a slot pattern is not one device" \
    ctl_err 'name one function' explain 00:03.*
check "unknown command: message and usage" \
    ctl_err '^pcibackctl: unknown command "frobnicate"$' frobnicate
check "... the usage lists every command" \
    err_has '^usage: pcibackctl \[-j\] \[-s socket\] command \[argument \.\.\.\]$' &&
    err_has '^	show guest domid$' && err_has '^	permissive address on\|off$' &&
    err_has '^	quirk add address offset size mask$' &&
    err_has '^	quirk del address offset$' &&
    err_has '^	log level warning\|info\|debug$' && err_has '^	reset address$' &&
    err_has '^	show denied \[address\]$' && err_has '^	suggest address$'
check "ambiguous prefix: 'show g' names two commands" \
    ctl_err '^pcibackctl: ambiguous command "show g": guests, guest\?$' \
    show g 5
check "incomplete command" ctl_err 'incomplete command "show"' show
check "wrong number of arguments" \
    ctl_err '^pcibackctl: permissive: 2 arguments expected$' perm 00:03.0
check "bad on/off" ctl_err 'want on or off' permissive 00:03.0 maybe
check "bad domid" ctl_err 'bad domain id "x"' show guest x

# --- robustness: garbage, versions, too many clients -------------------
# The control process's log lines reach the log through the parent:
# waited for, not read at once.
check "garbage: answered with a version mismatch, closed" \
    test "$(client garbage)" = \
    "END 93 protocol version mismatch: pcibackd speaks 1, the client 542393671"
check "... and logged" wait_until 5 log_has 'control: uid 0 pid [0-9]+: protocol version 542393671, not 1'
check "a message of an unknown type: dropped without an answer" \
    test "$(client type)" = closed
check "... and logged" wait_until 5 log_has 'control: uid 0 pid [0-9]+: message type 7; dropped'
check "a 1 GiB length: dropped" test "$(client huge)" = closed
check "... and logged" wait_until 5 log_has 'message of 1073741824 bytes; dropped'
check "arguments not NUL-terminated: dropped" \
    test "$(client unterminated)" = closed
check "protocol version 99: an END saying so" test "$(client version)" = \
    "END 93 protocol version mismatch: pcibackd speaks 1, the client 99"
check "an unknown command id: an END with EOPNOTSUPP" \
    test "$(client unknown-cmd)" = \
    "END 95 unknown command 999 (is pcibackctl newer than pcibackd?)"
check "two requests on one connection: two answers" \
    test "$(client two 2)" = "$(printf 'END 0\nEND 0')"
check "a client gone with its answer unread" test "$(client gone)" = gone
check "... the connection reset, said and closed" wait_until 5 log_has \
    'control: uid 0 pid [0-9]+: recv: Connection reset by peer'
check "... the daemon still answers" ctl show stats

# The daemon checks every argument itself, not trusting pcibackctl to
# have: a raw client's bad request gets an END naming what is wrong.
check "raw: show devices with an argument: how many it takes" \
    raw_is 'END 22 show devices: 0 arguments expected, got 1' 1 extra
check "raw: permissive with one argument: 2 expected" \
    raw_is 'END 22 permissive: 2 arguments expected, got 1' 5 0000:00:03.0
check "raw: permissive maybe: want on or off" \
    raw_is 'END 22 permissive: want on or off, not "maybe"' \
    5 0000:00:03.0 maybe
check "raw: permissive of a device not held: names it and says explain" \
    raw_is 'END 19 0000:00:1f.7: not held by pcibackd (pcibackctl explain 0000:00:1f.7 says why)' \
    5 0000:00:1f.7 on
check "raw: an address that is none: bad address" \
    raw_like '^END 22 bad address .*00:03' 7 00:03
check "raw: show guest -1: bad domain id" \
    raw_is 'END 22 bad domain id "-1"' 3 -1
check "raw: show guest 32752 (past DOMID_FIRST_RESERVED): bad domain id" \
    raw_is 'END 22 bad domain id "32752"' 3 32752
check "raw: show guest 77: no backend for dom77" \
    raw_is 'END 2 dom77 has no PCI backend served by pcibackd' 3 77
check "raw: quirk add at 0x10000: bad offset" \
    raw_is 'END 22 quirk add: bad offset "0x10000"' \
    11 0000:00:03.0 0x10000 4 1
check "raw: quirk add at 0x1000, past config space: said with its end" \
    raw_is 'END 22 quirk add: quirk offset 0x1000: beyond config space (max 0xfff)' \
    11 0000:00:03.0 0x1000 4 1
check "raw: quirk add of 256 bytes: bad size" \
    raw_is 'END 22 quirk add: bad size "256"' 11 0000:00:03.0 0x40 256 1
check "raw: quirk add with mask 2^32: bad mask" \
    raw_is 'END 22 quirk add: bad mask "0x100000000"' \
    11 0000:00:03.0 0x40 4 0x100000000
check "raw: quirk del at 0x10000: bad offset" \
    raw_is 'END 22 quirk del: bad offset "0x10000"' 12 0000:00:03.0 0x10000
check "raw: quirk del where there is none: says so with the address" \
    raw_is 'END 2 0000:00:03.0: no quirk at 0x0f0' 12 0000:00:03.0 0xf0
check "raw: release of a device not held: names it and says explain" \
    raw_is 'END 19 0000:00:1f.7: not held by pcibackd (pcibackctl explain 0000:00:1f.7 says why)' \
    10 0000:00:1f.7
check "raw: quirk del on a device not held: the same" \
    raw_is 'END 19 0000:00:1f.7: not held by pcibackd (pcibackctl explain 0000:00:1f.7 says why)' \
    12 0000:00:1f.7 0x40
check "raw: log loud: want verbose or brief" \
    raw_is 'END 22 log: want verbose or brief, not "loud"' 6 loud
check "raw: log level loud: want warning, info or debug" \
    raw_is 'END 22 log level: want warning, info or debug, not "loud"' \
    13 loud
check "raw: the log level stays what it was" ctl_out '^log +verbose$' show stats
python3 - "$SOCK" >"$T/random.out" 2>&1 <<'EOF'
import random, socket, struct, sys
# 300 clients, each sending random requests, arguments and bytes.
random.seed(124)
for i in range(300):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    s.settimeout(2)
    k = random.randrange(4)
    if k == 0:
        msg = bytes(random.randrange(256) for _ in range(random.randrange(64)))
    else:
        args = b"".join(bytes(random.choice(b"0123456789abcdef:.x-*")
            for _ in range(random.randrange(20))) + b"\0"
            for _ in range(random.randrange(10)))
        if k == 2:
            args = args[:-1]
        msg = struct.pack("=IIII", 1, random.choice([1, 1, 1, 2, 3, 0]),
            random.randrange(12), len(args)) + args
    try:
        s.sendall(msg)
        s.shutdown(socket.SHUT_WR)
        while s.recv(65536):
            pass
    except OSError:
        pass
    s.close()
print("done")
EOF
check "300 clients sending random requests: the daemon survives" \
    grep -qx done "$T/random.out"
check "... and still answers" ctl show stats
python3 - "$SOCK" "$T/hold.ready" <<'EOF' &
import socket, sys, time, os
conns = []
for i in range(16):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    conns.append(s)
open(sys.argv[2], "w").close()
time.sleep(3)
EOF
hold_pid=$!
t_pids="$t_pids $hold_pid"
wait_until 5 test -f "$T/hold.ready"
sleep 0.3
check "a 17th client is refused: too many" \
    ctl_err '^pcibackctl: too many pcibackctl clients, try again$' show stats
wait "$hold_pid" 2>/dev/null
check "once they are gone, clients are served again" \
    wait_until 3 ctl show stats
check "daemon still running" daemon_alive

# A client that sends 500 requests at once and reads nothing for a
# while: its replies back up in the socket, the daemon stops reading
# from it (not from others) and sends the rest once it reads, all of
# them, in order.
python3 - "$SOCK" "$T/slow.ready" >"$T/slow.out" 2>&1 <<'EOF' &
import socket, struct, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.settimeout(20)
n = 500
s.sendall(struct.pack("=IIII", 1, 1, 1, 0) * n)
open(sys.argv[2], "w").close()
time.sleep(2)
data = b""
ok = records = 0
while ok < n:
    chunk = s.recv(1 << 20)
    if not chunk:
        break
    data += chunk
    while len(data) >= 16:
        v, t, a, ln = struct.unpack("=IIII", data[:16])
        if len(data) < 16 + ln:
            break
        if t == 3 and a == 0:
            ok += 1
        elif t == 2:
            records += 1
        data = data[16 + ln:]
print("ends=%d records=%d" % (ok, records))
EOF
slow_pid=$!
t_pids="$t_pids $slow_pid"
wait_until 5 test -f "$T/slow.ready"
sleep 0.5
check "a client not reading its replies: others are served meanwhile" \
    ctl_out '^uptime ' show stats
wait_pid "$slow_pid" 30
check "... and once it reads, it gets all 500 answers, every record" \
    grep -qx 'ends=500 records=2000' "$T/slow.out"

# --- permissions -----------------------------------------------------
chmod 711 "$SOCKDIR"
if $NOBODY test -x "$PCIBACKCTL" -a -x "$SOCKDIR" 2>/dev/null; then
	# A directory of mode 0700: nobody cannot reach the socket at all.
	chmod 700 "$SOCKDIR"
	as_nobody show devices
	check "as nobody: permission denied by the file system, exit 1" \
	    test $ctl_rc -eq 1
	check "... says permission denied" err_has "^pcibackctl: permission denied: $SOCK "
	# Open the file system; the daemon's SO_PEERCRED check still says no.
	chmod 711 "$SOCKDIR"
	chmod 666 "$SOCK"
	as_nobody show devices
	chmod 600 "$SOCK"
	check "as nobody on an open socket: refused by the daemon, exit 1" \
	    test $ctl_rc -eq 1
	check "... says permission denied" \
	    err_has '^pcibackctl: permission denied: pcibackd serves root and the socket group only$'
	check "... logged with the uid" \
	    log_has 'control: uid 65534 pid [0-9]+: refused: neither root nor in the socket group'
else
	ok "permission checks # SKIP nobody cannot run $PCIBACKCTL or reach $SOCKDIR"
fi

# --- SIGTERM removes the socket; no daemon; a stale socket --------------
witness_end
daemon_stop TERM
check "SIGTERM removes the socket" test ! -e "$SOCK"
check "no daemon: not running" \
    ctl_err "^pcibackctl: pcibackd is not running \(no socket at $SOCK\)\$" \
    show stats

# The socket group: 0660 and that group; its members get in.
t_conf "socket \"$SOCK\"" "socket group nogroup"
daemon_start
check "socket group: 0660 root:nogroup" \
    test "$(stat -c '%a %U %G' "$SOCK")" = "660 root nogroup"
if $NOBODY test -x "$PCIBACKCTL" -a -x "$SOCKDIR" 2>/dev/null; then
	check "nogroup's nobody is served" as_nobody show devices
	check "... and sees the devices" out_has '^0000:00:03.0 +e1000e '
	# Issue 10, bug 8: the group may look, only root may change.
	check "a member may show stats" as_nobody show stats
	check "a member may explain" as_nobody explain 00:03.0
	check "... and is told what it explains" \
	    out_has '^0000:00:03.0 "e1000e": can be given to a guest$'
	as_nobody permissive 00:03.0 on
	check "a member may not turn permissive on: exit 1" test $ctl_rc -eq 1
	check "... told that only root may" \
	    err_has '^pcibackctl: permissive: permission denied: only root may change devices; the socket group may show and explain$'
	check "... logged with the uid" \
	    log_has 'control: uid 65534 pid [0-9]+: permissive refused: not root'
	check "... and permissive stays off" \
	    ctl_out '^0000:00:03.0 +e1000e +8086:10d3 +free +INTx +no ' show devices
	for c in "quirk add 00:03.0 0x40 4 1" "quirk del 00:03.0 0x40" \
	    "reset 00:03.0" "hold 00:07.0" "release 00:04.0" "reload" \
	    "log level debug" "log brief"; do
		# shellcheck disable=SC2086
		as_nobody $c
		check "a member may not '$c'" \
		    sh -c '[ "$1" -eq 1 ] && grep -q "permission denied: only root may" "$2"' \
		    x "$ctl_rc" "$T/ctl.err"
	done
	check "... 00:04.0 still held" ctl_out '^0000:00:04.0 +e1000 ' show devices
	check "... log still verbose" ctl_out '^log +verbose$' show stats
	check "root still may" ctl_out '^0000:00:03.0: permissive on$' \
	    permissive 00:03.0 on
	ctl permissive 00:03.0 off
	# A supplementary group counts as much as the primary one.
	setpriv --reuid=nobody --regid=daemon --groups=nogroup \
	    "$PCIBACKCTL" -s "$SOCK" show devices >"$T/ctl.out" 2>"$T/ctl.err"
	check "a member by a supplementary group is served" \
	    out_has '^0000:00:03.0 +e1000e '
	# Members the group file lists count by their uid too, for a
	# client whose credentials lack the group (added to it since it
	# logged in); the daemon reads them at start and reload.  It gets
	# a group file of its own, in a mount namespace: nobody listed in a
	# group no process of nobody's has, after a name no user has (left
	# out).  The socket made 0666, so that the daemon's check alone
	# decides.
	if [ -z "$(getent group 64123)" ] && unshare -m true 2>/dev/null; then
		daemon_stop TERM
		{ cat /etc/group; echo "pbdctl:x:64123:pbd-no-such-user,nobody"; } >"$T/group"
		printf '#!/bin/sh\nmount --bind "%s" /etc/group && exec "$@"\n' \
		    "$T/group" >"$T/ns-group"
		chmod 755 "$T/ns-group"
		t_conf "socket \"$SOCK\"" "socket group pbdctl"
		DAEMON_WRAP="unshare -m $T/ns-group"
		daemon_start
		DAEMON_WRAP=
		check "a group the daemon's group file has: the socket's" \
		    test "$(stat -c '%a %g' "$SOCK")" = "660 64123"
		chmod 666 "$SOCK"
		check "a member it lists, without the group, is served" \
		    as_nobody show devices
		check "... and sees the devices" out_has '^0000:00:03.0 +e1000e '
		kill -HUP "$DAEMON_PID"
		wait_until 5 log_has 'reload: .* loaded, holding'
		check "... also after a reload (read again)" as_nobody show stats
		setpriv --reuid=daemon --regid=daemon --clear-groups \
		    "$PCIBACKCTL" -s "$SOCK" show devices >"$T/ctl.out" \
		    2>"$T/ctl.err"
		check "a user it does not list is refused: exit 1" test $? -eq 1
		check "... by the daemon, with the uid" log_has \
		    'control: uid 1 pid [0-9]+: refused: neither root nor in the socket group'
		daemon_stop TERM
		t_conf "socket \"$SOCK\"" "socket group nogroup"
		daemon_start
	else
		ok "members the group file lists # SKIP no mount namespace or gid 64123 taken"
	fi
fi

# A daemon killed leaves its socket: pcibackctl says so, a new daemon
# takes it over, a second daemon does not.
daemon_stop TERM
daemon_start
daemon_stop KILL
check "after SIGKILL: not running (no one listens)" \
    ctl_err "^pcibackctl: pcibackd is not running \(no one listens on $SOCK\)\$" \
    show devices
daemon_start
check "a new daemon replaces the stale socket" ctl show devices
LD_PRELOAD=$SIM/libxensim.so "$PCIBACKD" -d -f "$T/pcibackd.conf" \
    >"$T/second.log" 2>&1
check "a second daemon on the same socket refuses to start" \
    grep -q "control socket $SOCK is in use: is another pcibackd running?" \
    "$T/second.log"
check "the first still answers" ctl show devices
t_done
