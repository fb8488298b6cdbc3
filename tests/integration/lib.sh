# Harness for pcibackd's end-to-end tests on the simulated Xen.
# Sourced by tests/integration/t-*.sh; POSIX sh.
#
# Each test: t_setup (temp dir, real xenstored under the preload, a
# pcibackd.conf), daemon_start, guests (pcifront-sim) and the toolstack
# (xl-sim), checks with ok/not_ok/check, then t_done.  An EXIT trap kills
# every process the test started (by pid) and removes the temp dir.
#
# env: PCIBACKD (default build/gcc/pcibackd), SIM_BUILD (default
#      build/sim, made by build.sh), PCIBACKD_KEEP=1 keeps the temp dir,
#      PCIBACKD_VERBOSE=1 prints the logs of a failing test, PBD_TMP
#      (default /tmp) where the temp dir goes.

set -u
t_top=$(cd "$(dirname "$0")/../.." && pwd)
SIM=${SIM_BUILD:-$t_top/build/sim}
PCIBACKD=${PCIBACKD:-$t_top/build/gcc/pcibackd}
PCIBACKCTL=${PCIBACKCTL:-$(dirname "$PCIBACKD")/pcibackctl}
DATA=$t_top/tests/data
XL="$SIM/xl-sim"
FRONT="$SIM/pcifront-sim"
SHIMCTL="$SIM/shimsim-ctl"
# What daemon_start preloads; shim_setup adds the shim double.
DAEMON_PRELOAD=$SIM/libxensim.so
t_name=$(basename "$0" .sh)
t_ok=0
t_notok=0
T=
DAEMON_PID=
t_pids=
t_groups=

# ---- reporting --------------------------------------------------------

ok() {
	t_ok=$((t_ok + 1))
	echo "ok - $t_name: $*"
}

not_ok() {
	t_notok=$((t_notok + 1))
	echo "not ok - $t_name: $*"
}

# check "description" command...: ok if the command succeeds.
check() {
	t_desc=$1
	shift
	if "$@"; then
		ok "$t_desc"
	else
		not_ok "$t_desc"
	fi
}

# Message on stderr, for what a failing check should show.
note() {
	echo "# $t_name: $*" >&2
}

t_done() {
	# A clean exit too: SIGTERM, then no sanitizer report (ASan builds).
	if [ -n "$DAEMON_PID" ] && running "$DAEMON_PID"; then
		daemon_stop TERM
		check "daemon exits cleanly on SIGTERM" \
		    log_has 'exiting on signal 15'
	fi
	if [ -n "$T" ] && [ -f "$T/daemon.log" ]; then
		check "no sanitizer report in the daemon log" \
		    sh -c '! grep -Eq "Sanitizer|runtime error:" "$1"' x \
		    "$T/daemon.log"
	fi
	# The simulators too, when built with sanitizers.
	if [ -n "$T" ] && ls "$T"/*.err >/dev/null 2>&1; then
		check "no sanitizer report from the simulators" \
		    sh -c '! cat "$@" | grep -Eq "Sanitizer|runtime error:"' \
		    x "$T"/*.err "$T/xl.log"
	fi
	if [ "$t_notok" -gt 0 ] && [ "${PCIBACKD_VERBOSE:-0}" = 1 ]; then
		t_dump_logs
	fi
	echo "# $t_name: $t_ok ok, $t_notok not ok"
	[ "$t_notok" -eq 0 ]
	exit
}

t_dump_logs() {
	for f in "$T"/*.log "$T"/*.out "$T"/*.err; do
		[ -f "$f" ] || continue
		echo "# ---- $f" >&2
		tail -n 40 "$f" | sed 's/^/# /' >&2
	done
}

# ---- processes --------------------------------------------------------

# Alive and not a zombie (our children stay zombies until waited for).
running() {
	[ -n "$1" ] && [ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

not_running() {
	! running "$1"
}

# exited_ok PID TIMEOUT_S: the child exited in time, with status 0.
exited_ok() {
	wait_pid "$1" "$2" && [ "$wait_rc" -eq 0 ]
}

# stop_pid PID [SIGNAL]: signal, wait up to 5 s, then SIGKILL; reaps it.
stop_pid() {
	[ -n "$1" ] || return 0
	kill -"${2:-TERM}" "$1" 2>/dev/null || true
	i=0
	while running "$1" && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if running "$1"; then
		kill -KILL "$1" 2>/dev/null || true
	fi
	wait "$1" 2>/dev/null || true
}

# wait_pid PID TIMEOUT_S: 0 and $wait_rc if it exited in time.
wait_pid() {
	i=0
	while running "$1" && [ $i -lt $(($2 * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	running "$1" && return 1
	wait "$1" 2>/dev/null
	wait_rc=$?
	return 0
}

# wait_until TIMEOUT_S command...: poll every 0.1 s.
wait_until() {
	t_wu=$(($1 * 10))
	shift
	i=0
	while [ $i -lt $t_wu ]; do
		"$@" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# ---- set-up and clean-up ---------------------------------------------

t_cleanup() {
	set +e
	for p in $t_pids; do
		stop_pid "$p" KILL
	done
	for g in $t_groups; do
		kill -KILL "-$g" 2>/dev/null
	done
	if [ -n "$T" ]; then
		"$t_top/tests/xensim/xenstored-run.sh" stop "$T/x" 2>/dev/null
		if [ "${PCIBACKD_KEEP:-0}" = 1 ]; then
			echo "# $t_name: kept $T" >&2
		else
			rm -rf "$T"
		fi
	fi
}

t_fatal() {
	not_ok "$*"
	t_done
}

# t_setup: temp dir, xenstored, default pcibackd.conf.
t_setup() {
	for f in "$SIM/libxensim.so" "$XL" "$FRONT"; do
		[ -e "$f" ] || t_fatal "missing $f (run tests/integration/build.sh)"
	done
	[ -x "$PCIBACKD" ] || t_fatal "missing $PCIBACKD (make)"
	# Short: the xenstored socket path must fit in 107 bytes.
	T=$(mktemp -d "${PBD_TMP:-/tmp}/pbd.XXXXXX") || t_fatal "mktemp"
	trap t_cleanup EXIT
	trap 'exit 130' INT TERM
	utils=$("$t_top/tests/xensim/get-xenstored.sh" --utils) ||
	    t_fatal "no xenstore-utils"
	PATH=$utils:$PATH
	env=$(XENSIM_LIB=$SIM/libxensim.so \
	    "$t_top/tests/xensim/xenstored-run.sh" start "$T/x") ||
	    t_fatal "xenstored does not start"
	eval "$env"
	xenstore-write /local/domain/0/domid 0 /local/domain/0/name Domain-0
	t_conf
}

# t_conf [extra lines]: the daemon's configuration, four emulated devices.
t_conf() {
	cat >"$T/pcibackd.conf" <<EOF
mode virtual
socket "$T/pcibackd.sock"
emulate "dump:$DATA/qemu-e1000e.txt" bars "$DATA/qemu-e1000e.bars"
emulate "dump:$DATA/qemu-nvme.txt" bars "$DATA/qemu-nvme.bars"
emulate "dump:$DATA/qemu-edu.txt" bars "$DATA/qemu-edu.bars"
emulate "dump:$DATA/qemu-e1000.txt" bars "$DATA/qemu-e1000.bars"
device 0000:00:03.0 { name "e1000e" }
device 0000:00:05.0 { name "nvme" }
device 0000:00:02.0 { name "edu" }
device 0000:00:04.0 { name "e1000" }
EOF
	for l in "$@"; do
		echo "$l" >>"$T/pcibackd.conf"
	done
}

# ---- pcibackctl -------------------------------------------------------

# ctl ARGS...: pcibackctl on the test's socket ($SOCK, else the one
# t_setup's configuration names); stdout in ctl.out, stderr in ctl.err,
# the exit status in ctl_rc.
ctl() {
	"$PCIBACKCTL" -s "${SOCK:-$T/pcibackd.sock}" "$@" \
	    >"$T/ctl.out" 2>"$T/ctl.err"
	ctl_rc=$?
	return $ctl_rc
}

# out_has REGEX / out_lacks REGEX: about the last ctl's stdout.
out_has() {
	grep -Eq -- "$1" "$T/ctl.out" ||
	    { note "stdout lacks '$1':"; sed 's/^/#   /' "$T/ctl.out" >&2;
	    return 1; }
}

out_lacks() {
	! grep -Eq -- "$1" "$T/ctl.out" ||
	    { note "stdout has '$1':"; sed 's/^/#   /' "$T/ctl.out" >&2;
	    return 1; }
}

# ---- the daemon -------------------------------------------------------

# daemon_start: pcibackd -d -v under the preload; waits for "started".
# DAEMON_WRAP: words run before it, which exec it (the same pid).
daemon_start() {
	touch "$T/daemon.log"
	n=$(grep -c 'started in [0-9]* ms, holding' "$T/daemon.log")
	# shellcheck disable=SC2086
	LD_PRELOAD=$DAEMON_PRELOAD \
	    ASAN_OPTIONS=${ASAN_OPTIONS:-verify_asan_link_order=0:detect_leaks=1} \
	    setsid ${DAEMON_WRAP:-} "$PCIBACKD" -d -v -f "$T/pcibackd.conf" \
	    >>"$T/daemon.log" 2>&1 &
	DAEMON_PID=$!
	t_pids="$t_pids $DAEMON_PID"
	# Its own process group, which workers it leaves serving keep.
	t_groups="$t_groups $DAEMON_PID"
	wait_until 10 daemon_started_more "${n:-0}" ||
	    t_fatal "pcibackd did not start (see $T/daemon.log)"
}

daemon_started_more() {
	[ "$(grep -c 'started in [0-9]* ms, holding' "$T/daemon.log")" -gt "$1" ]
}

# daemon_stop [SIGNAL]: default TERM.  KILLALL: SIGKILL to the daemon
# and to every worker it started (a machine's crash, not the daemon's).
daemon_stop() {
	if [ "${1:-}" = KILLALL ]; then
		kill -KILL "-$DAEMON_PID" 2>/dev/null
		stop_pid "$DAEMON_PID" KILL
	else
		stop_pid "$DAEMON_PID" "${1:-TERM}"
	fi
	DAEMON_PID=
}

# The pids of the workers a daemon left serving (in its restart records).
orphan_pids() {
	sed -n 's/^worker \([0-9]*\) .*/\1/p' "$T"/restart/*.* 2>/dev/null
}

daemon_alive() {
	running "$DAEMON_PID"
}

# log_has REGEX: the daemon's log matches (extended regex).
log_has() {
	grep -Eq -- "$1" "$T/daemon.log"
}

# dump_has BDF STATE: after SIGUSR1, the daemon's state dump says
# "<BDF>: <STATE>" ("free", "owned by dom5").
dump_has() {
	dh_n=$(wc -l <"$T/daemon.log")
	kill -USR1 "$DAEMON_PID" 2>/dev/null
	wait_until 3 dump_after "$dh_n" "^$1: $2\$"
}

dump_after() {
	tail -n +"$(($1 + 1))" "$T/daemon.log" | grep -q -- "$2"
}

# ---- guests and the toolstack -----------------------------------------

# guest_start NAME DOMID [pcifront-sim options]: waits for "created".
guest_start() {
	g_name=$1
	shift
	: >"$T/$g_name.out"
	"$FRONT" "$@" >"$T/$g_name.out" 2>"$T/$g_name.err" &
	eval "GPID_$g_name=$!"
	t_pids="$t_pids $!"
	wait_until 10 grep -q '^event=created' "$T/$g_name.out" ||
	    not_ok "guest $g_name did not start"
}

# guest_unpause NAME: what libxl does once the domain's devices are in.
guest_unpause() {
	kill -USR1 "$(guest_pid "$1")" 2>/dev/null
	wait_event "$1" unpaused 1 5
}

# guest_boot NAME DOMID "GUEST-ARGS" BDF...: a guest created with these
# devices, as xl create does: paused, each attached while it starts,
# then running.
guest_boot() {
	gb_name=$1
	gb_domid=$2
	gb_args=$3
	shift 3
	# shellcheck disable=SC2086 # the guest's arguments, split
	guest_start "$gb_name" "$gb_domid" --paused $gb_args
	wait_domain "$gb_domid"
	for gb_bdf in "$@"; do
		xl attach "$gb_domid" "$gb_bdf" --starting
	done
	guest_unpause "$gb_name"
}

guest_pid() {
	eval "echo \${GPID_$1:-}"
}

# guest_stop NAME [SIGNAL]: the guest prints its summary and exits.
guest_stop() {
	stop_pid "$(guest_pid "$1")" "${2:-TERM}"
}

# guest_wait NAME TIMEOUT_S: waits for exit; $wait_rc is its status.
guest_wait() {
	wait_pid "$(guest_pid "$1")" "$2"
}

# gval NAME KEY: the last value the guest printed for KEY.
gval() {
	sed -n "s/^$2=//p" "$T/$1.out" | tail -n 1
}

# gcount NAME LINE: how many times the guest printed exactly LINE.
gcount() {
	grep -cx -- "$2" "$T/$1.out"
}

# wait_event NAME EVENT [COUNT [TIMEOUT_S]]
wait_event() {
	wait_until "${4:-15}" gcount_ge "$1" "event=$2" "${3:-1}"
}

gcount_ge() {
	[ "$(gcount "$1" "$2")" -ge "$3" ]
}

# xl ARGS...: the toolstack; its stderr goes to xl.log.
xl() {
	"$XL" "$@" 2>>"$T/xl.log"
}

be() {
	echo "/local/domain/0/backend/pci/$1/0"
}

# xsr PATH: value, or empty if missing.
xsr() {
	xenstore-read "$1" 2>/dev/null
}

# xs_is PATH VALUE
xs_is() {
	[ "$(xsr "$1")" = "$2" ]
}

be_state_is() {
	xs_is "$(be "$1")/state" "$2"
}

# error_node DOMID: what the daemon wrote with its xenbus_dev_fatal.
error_node() {
	xsr "/local/domain/0/error/backend/pci/$1/0/error"
}

# wait_domain DOMID: the toolstack's domain dir exists (guest created).
wait_domain() {
	wait_until 10 xenstore-exists "/local/domain/$1/device"
}

# serves DOMID BDF NAME: a fresh guest gets BDF, connects and reads it.
# The proof that the daemon still serves guests after a hostile one.
serves() {
	guest_start "$3" "$1" --once --run-ms 15000
	wait_domain "$1" || return 1
	xl attach "$1" "$2" || return 1
	guest_wait "$3" 15 || return 1
	[ "$wait_rc" -eq 0 ] && [ "$(gval "$3" result)" = done ] &&
	    [ -n "$(gval "$3" devices)" ] && [ "$(gval "$3" errors)" = 0 ]
}

# destroy DOMID NAME: the toolstack's destroy, then the domain dies.
destroy() {
	xl -w "${3:-2000}" destroy "$1"
	guest_stop "$2"
}

# ---- a witness: another guest, served all along ------------------------

# witness_start DOMID BDF: guest "w" reads config space in a loop.
witness_start() {
	guest_start w "$1" --loop-ms 60000 --run-ms 90000
	wait_domain "$1"
	xl attach "$1" "$2" --starting
	wait_until 10 witness_going || not_ok "witness guest does not run"
}

witness_going() {
	[ -n "$(gval w loop_ops)" ]
}

witness_past() {
	[ "$(gval w loop_ops)" -gt "$1" ]
}

# witness_served: its reads still progress (the daemon still serves).
witness_served() {
	ws_a=$(gval w loop_ops)
	wait_until 5 witness_past "${ws_a:-0}"
}

# witness_end: stop it; its reads were all right and none timed out.
witness_end() {
	guest_stop w
	[ "$(gval w loop_wrong)" = 0 ] && [ "$(gval w loop_timeouts)" = 0 ] &&
	    [ "$(gval w errors)" = 0 ]
}

# state_written DOMID STATE: the daemon wrote that backend state.
state_written() {
	grep -q "^IN .* WRITE (/local/domain/0/backend/pci/$1/0/state $2)" \
	    "$XENSIM_DIR/xenstored/trace"
}

# error_like DOMID GLOB: the error node matches the shell pattern.
error_like() {
	el_v=$(error_node "$1")
	# shellcheck disable=SC2254
	case $el_v in
	$2)	return 0 ;;
	esac
	note "dom$1 error node: '$el_v', want '$2'"
	return 1
}

# ---- the shim double (tests/shimsim) ------------------------------------

# shim_setup [NAME ...]: the daemon on the shim provider.  The machine has
# the functions of the dumps tests/data/NAME.txt (default qemu-e1000e,
# qemu-nvme, qemu-edu, qemu-e1000: 00:03.0, 00:05.0, 00:02.0, 00:04.0),
# none made assignable yet; pcibackd.conf has no emulate line, so the
# daemon opens /dev/pcishim, which the preload answers.  Extra
# configuration lines: SHIM_CONF (one per line).
shim_setup() {
	[ -x "$SHIMCTL" ] && [ -f "$SIM/libshimsim.so" ] ||
	    t_fatal "missing the shim double (run tests/integration/build.sh)"
	DAEMON_PRELOAD="$SIM/libshimsim.so $SIM/libxensim.so"
	[ $# -gt 0 ] || set -- qemu-e1000e qemu-nvme qemu-edu qemu-e1000
	shim init || t_fatal "shimsim-ctl init"
	for d in "$@"; do
		shim add "dump:$DATA/$d.txt" "$DATA/$d.bars" ||
		    t_fatal "shimsim-ctl add $d"
	done
	cat >"$T/pcibackd.conf" <<EOF
mode virtual
socket "$T/pcibackd.sock"
${SHIM_CONF:-}
EOF
}

# shim_two_devices: a test on the shim double with the e1000e ($E) and
# the nvme ($N) made assignable, and the daemon started.
shim_two_devices() {
	E=0000:00:03.0
	N=0000:00:05.0
	t_setup
	shim_setup
	check "two devices made assignable" assignable "$E" "$N"
	daemon_start
}

# shim ARGS...: shimsim-ctl (the kernel's sysfs side); stderr to shim.log.
shim() {
	"$SHIMCTL" "$@" 2>>"$T/shim.log"
}

# assignable BDF...: xl pci-assignable-add: new_slot, then bind.
assignable() {
	for a in "$@"; do
		shim assignable-add "$a" || return 1
	done
}

# shim_val BDF KEY: one line of "shimsim-ctl show" (held, domid, msi,
# msix, resets, last_method, reset_method, permissive, busy ...).
shim_val() {
	shim show "$1" | sed -n "s/^$2=//p"
}

# shim_is BDF KEY VALUE
shim_is() {
	sv=$(shim_val "$1" "$2")
	[ "$sv" = "$3" ] && return 0
	note "$1 $2: '$sv', want '$3'"
	return 1
}

# fault NAME [ARG|off]: a switch of the double (reset-fail, reset-hang,
# cfg-sleep, overflow), on at once for the running daemon.
fault() {
	shim fault "$@"
}


# metrics_parse: the last ctl's stdout ("show metrics") through
# python3-prometheus-client's parser, which must take it: every family
# once, with HELP, "# EOF" last.  One "name{k=v,...} value type" line
# per sample, into metrics.txt: integers as such, others as %.9f.
metrics_parse() {
	python3 - "$T/ctl.out" >"$T/metrics.txt" <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
assert text.endswith("# EOF\n"), "no # EOF at the end"
seen = set()
for fam in text_string_to_metric_families(text):
    assert fam.name not in seen, "family %s twice" % fam.name
    seen.add(fam.name)
    assert fam.documentation, "family %s: no HELP" % fam.name
    for s in fam.samples:
        labels = ",".join("%s=%s" % kv for kv in sorted(s.labels.items()))
        v = s.value
        v = "%d" % v if v == int(v) else "%.9f" % v
        print("%s{%s} %s %s" % (s.name, labels, v, fam.type))
PY
}

# metric_has REGEX: a sample metrics_parse printed matches.
metric_has() {
	grep -Eq -- "$1" "$T/metrics.txt" ||
	    { note "no sample '$1':"; sed 's/^/#   /' "$T/metrics.txt" >&2;
	    return 1; }
}

# A positive number of seconds, as metrics_parse prints it.
POSITIVE='(0\.[0-9]*[1-9][0-9]*|[1-9][0-9]*(\.[0-9]+)?)'

# dev_is BDF KEY VALUE: in "pcibackctl -j show devices", BDF's KEY is
# VALUE (a Python literal: True, 'dom5', 'resetting').
dev_is() {
	"$PCIBACKCTL" -s "$T/pcibackd.sock" -j show devices >"$T/dev.json" &&
	    python3 - "$T/dev.json" "$1" "$2" "$3" <<'EOF'
import json, sys, ast
recs = json.load(open(sys.argv[1]))
dev = [r for r in recs if r.get("address") == sys.argv[2]]
got = dev[0].get(sys.argv[3]) if dev else "(not held)"
if got == ast.literal_eval(sys.argv[4]):
    sys.exit(0)
print("# %s %s: %r, want %s" % (sys.argv[2], sys.argv[3], got, sys.argv[4]),
    file=sys.stderr)
sys.exit(1)
EOF
}
