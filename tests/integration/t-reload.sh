#!/bin/sh
# (reload) SIGHUP and pcibackctl reload, ten of them, while a guest reads
# config space in a loop: no read is lost or answered wrongly, and each
# reload reports what it changed (permissive, quirks, log level, rate
# limits).  A broken file changes nothing.  Removing the line of a
# device the guest uses is reported and deferred: the device stays held
# until the guest lets it go, and the next reload drops it.  What only
# a restart changes (mode, socket, emulate sources) is said and kept.
. "$(dirname "$0")/lib.sh"

SOCK=

loaded() {
	grep -c 'reload: .* loaded, holding' "$T/daemon.log"
}

loaded_more() {
	[ "$(loaded)" -gt "$1" ]
}

# changed: the original, with 00:05.0 permissive, a quirk on 00:03.0,
# another log level and other rate limits.
changed() {
	sed -e 's/{ name "nvme" }/{ name "nvme" permissive yes }/' \
	    -e 's/{ name "e1000e" }/{ name "e1000e" quirk 0x40 4 0xffff }/' \
	    "$T/pcibackd.conf.orig"
	echo "log level warning"
	echo "ratelimit events 4000 per-second"
	echo "ratelimit log 2 per-second"
}

going() {
	[ -n "$(gval g loop_ops)" ]
}

t_setup
SOCK=$T/pcibackd.sock
t_conf "socket \"$SOCK\""
cp "$T/pcibackd.conf" "$T/pcibackd.conf.orig"
daemon_start

guest_start g 5 --paused --loop-ms 12000 --run-ms 60000
wait_domain 5
xl attach 5 0000:00:03.0 --starting
xl attach 5 0000:00:05.0 --starting
guest_unpause g
check "guest connects" wait_event g connected
check "guest reads in a loop" wait_until 10 going

# --- ten reloads, by SIGHUP and by pcibackctl, while it reads ----------
rl=1
bad=0
while [ $rl -le 10 ]; do
	if [ $((rl % 2)) -eq 1 ]; then
		changed >"$T/pcibackd.conf"
	else
		cp "$T/pcibackd.conf.orig" "$T/pcibackd.conf"
	fi
	n=$(loaded)
	if [ $((rl % 4)) -lt 2 ]; then
		kill -HUP "$DAEMON_PID"
	else
		ctl reload || bad=$((bad + 1))
		cp "$T/ctl.out" "$T/reload.$rl"
	fi
	wait_until 5 loaded_more "$n" || bad=$((bad + 1))
	sleep 0.2
	rl=$((rl + 1))
done
check "ten reloads, each loaded" test "$bad" -eq 0
check "pcibackctl reload reports the quirk" \
    grep -qx 'info: 0000:00:03.0: 1 quirk in force' "$T/reload.3"
check "... permissive turned on, as a warning" \
    grep -q '^warning: 0000:00:05.0: permissive turned ON: .*XSA-124' "$T/reload.3"
check "... the log level" grep -q '^info: log level warning' "$T/reload.3"
check "... the rate limits" \
    sh -c 'grep -qx "info: ratelimit events 4000 per-second" "$1" &&
    grep -qx "info: ratelimit log 2 per-second burst 8" "$1"' x "$T/reload.3"
check "the next one undoes them" \
    sh -c 'grep -qx "info: 0000:00:03.0: 0 quirks in force" "$1" &&
    grep -qx "info: 0000:00:05.0: permissive off" "$1" &&
    grep -q "^info: log level info" "$1"' x "$T/reload.6"
check "SIGHUP reloads report in the log" \
    log_has 'reload: 0000:00:03.0: 1 quirk in force'

# --- a file that does not parse ---------------------------------------
echo "mode bogus" >>"$T/pcibackd.conf"
ctl reload
check "a broken file: refused, the running configuration stays" \
    grep -q 'not loaded, the running configuration stays' "$T/ctl.err"
cp "$T/pcibackd.conf.orig" "$T/pcibackd.conf"

# --- removing a device the guest uses: deferred -------------------------
grep -v 'name "e1000e"' "$T/pcibackd.conf.orig" >"$T/pcibackd.conf"
check "reload without 00:03.0's line" ctl reload
check "... reported: dom5 owns it, held until released" \
    out_has '^warning: 0000:00:03.0: no device line names it, but dom5 owns it: held until it is released, then reload again$'
check "... still held, still dom5's" ctl show devices
check "... in show devices" out_has '^0000:00:03.0 +e1000e +8086:10d3 +dom5 '

check "the read loop ends" wait_event g loop-done 1 30
check "the backend stayed Connected" be_state_is 5 4
check "hot-detach 00:03.0" xl detach 5 0000:00:03.0
check "... released" wait_until 5 log_has '0000:00:03.0: released by dom5'
check "the next reload drops it" ctl reload
check "... and says so" out_has '^info: 0000:00:03.0: no longer held$'
guest_stop g
check "no read was answered wrongly" test "$(gval g loop_wrong)" = 0
check "no read was lost" test "$(gval g loop_timeouts)" = 0
check "no unexpected reply" test "$(gval g errors)" = 0
check "reads were served throughout" test "$(gval g loop_ops)" -gt 1000

# --- what only a restart changes: said, the running value kept ----------
sed 's/^mode virtual$/mode passthrough/' "$T/pcibackd.conf.orig" \
    >"$T/pcibackd.conf"
cat >>"$T/pcibackd.conf" <<EOF
socket "$T/other.sock"
emulate "dump:$DATA/synthetic-pcie-bridge.txt"
ratelimit ops 500 per-second
reset-timeout 7
EOF
check "a reload changing mode, socket and sources is loaded" ctl reload
check "... mode: not changed live, and why" \
    out_has "^warning: mode: not changed live, the guests' addresses would move; restart to apply\$"
check "... emulate: sources only at start-up" \
    out_has '^warning: emulate: sources are loaded at start-up only; restart to apply$'
check "... socket: not changed live" \
    out_has '^warning: socket: not changed live; restart to apply$'
check "... the ops rate limit is applied" \
    out_has '^info: ratelimit ops 500 per-second$'
check "... reset-timeout too, for the resets from now" \
    out_has '^info: reset-timeout 7 \(for the resets started from now\)$'
check "still listening where it was, nothing at the new path" \
    sh -c 'test -S "$1" && test ! -e "$2"' x "$SOCK" "$T/other.sock"
ctl show devices
check "no device of the new source is held" \
    sh -c '! grep -q "^0000:00:1c" "$1"' x "$T/ctl.out"
check "a guest still gets a virtual slot" serves 6 0000:00:04.0 h
check "... at 00:00.0 (mode virtual kept)" \
    xs_is "$(be 6)/vdev-0" 0000:00:00.00

# reload_says SED WANT: the original file changed by SED, reloaded: WANT.
reload_says() {
	sed "$1" "$T/pcibackd.conf.orig" >"$T/pcibackd.conf"
	ctl reload && out_has "$2"
}
cp "$DATA/qemu-e1000e.bars" "$T/e1000e.bars"
src_said='^warning: emulate: sources are loaded at start-up only; restart to apply$'
check "another .bars file for a source: said to need a restart" \
    reload_says "s|\"$DATA/qemu-e1000e.bars\"|\"$T/e1000e.bars\"|" "$src_said"
check "a source's .bars file dropped: the same" \
    reload_says 's| bars "[^"]*qemu-nvme.bars"||' "$src_said"
check "a source replaced by another: the same" \
    reload_says 's|qemu-edu.txt|qemu-e1000.txt|' "$src_said"
check "the last source dropped: the same" \
    reload_says '/^emulate .*qemu-e1000\.txt/d' "$src_said"
check "... its device still held" dev_is 0000:00:04.0 state "'ready'"
check "a source added at the end: the same" \
    reload_says "\$a emulate \"dump:$DATA/qemu-edu.txt\"" "$src_said"
check "only the log burst changed: applied and said" \
    reload_says '$a ratelimit log 5 per-second burst 3' \
    '^info: ratelimit log 5 per-second burst 3$'
check "aer-timeout changed: applied and said" \
    reload_says '$a aer-timeout 7' \
    '^info: aer-timeout 7 \(for the steps asked from now\)$'
check "restart-grace changed: said" \
    reload_says '$a restart-grace 4' '^info: restart-grace 4$'
# A quirk that changes in its mask, size or offset alone is applied;
# the same quirk again is no change.
quirk_says() {
	reload_says "s/{ name \"e1000e\" }/{ name \"e1000e\" quirk $1 }/" \
	    '^info: 0000:00:03.0: 1 quirk in force$'
}
check "a quirk added" quirk_says "0x40 4 0xffff"
check "... its mask changed: applied" quirk_says "0x40 4 0xff00"
check "... its size: applied" quirk_says "0x40 2 0xff00"
check "... its offset: applied" quirk_says "0x42 2 0xff00"
check "... the same again: not said" \
    sh -c '! "$1" -s "$2" reload | grep -q quirk' x "$PCIBACKCTL" "$SOCK"
check "pcibackctl log level warning" ctl log level warning
check "... a reload puts the configured level back and says it" \
    reload_says 'p;d' '^info: log level info'
check "a socket group added: socket not changed live" \
    reload_says "\$a socket group \"$(id -gn)\"" \
    '^warning: socket: not changed live; restart to apply$'
check "... still only root gets in: the socket's mode is 0600" \
    test "$(stat -c %a "$SOCK")" = 600
t_done
