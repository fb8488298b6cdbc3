# Helpers for the end-to-end dom0 (bash; sourced by /init).
#
# Results go to the second serial port as lines the host parses:
#   ok - TEXT | not ok - TEXT | # TEXT | metric NAME VALUE UNIT |
#   mark NAME | dump NAME BDF OFFSET BYTES... | blob NAME BASE64 | end |
#   host REQUEST (the host acts on it through QEMU's monitor: run.sh)
# Under TCG every fork+exec in dom0 costs 50-100 ms, so the loops here
# use bash builtins (EPOCHREALTIME, read -t) instead of date and sleep.

LOGDIR=/var/log/e2e
GUEST=e2e
GUEST_LOG=/var/log/xen/console/guest-$GUEST.log

emit() {
	printf '%s\n' "$*" >&9
}

ok() {
	emit "ok - $*"
}

not_ok() {
	emit "not ok - $*"
}

note() {
	emit "# $*"
}

metric() {
	emit "metric $1 $2 $3"
}

# check DESCRIPTION COMMAND...
check() {
	local desc=$1
	shift
	if "$@"; then
		ok "$desc"
	else
		not_ok "$desc"
	fi
}

# The results port is the UART at 0x2f8 (Xen keeps 0x3f8 for itself).
results_open() {
	local t p
	for t in /sys/class/tty/ttyS*; do
		read -r p <"$t/port" 2>/dev/null || continue
		if [ "$p" = 0x2F8 ] || [ "$p" = 0x2f8 ]; then
			stty -F "/dev/${t##*/}" raw -echo 2>/dev/null
			exec 9>"/dev/${t##*/}"
			return 0
		fi
	done
	# No second UART: keep going on the console so the log shows why.
	exec 9>/dev/console
	note "no UART at 0x2f8; results on the console"
}

# MS: milliseconds of wall time, without forking.
now_ms() {
	local t=${EPOCHREALTIME/./}
	MS=$((t / 1000))
}

# secs MS: "S.mmm" for a millisecond count.
secs() {
	printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000))
}

# nap SECONDS: sleep without forking (read on a fifo nobody writes).
nap_init() {
	mkfifo /run/e2e-nap
	exec 7<>/run/e2e-nap
}

nap() {
	read -r -t "$1" -u 7 _ || true
}

# run NAME COMMAND...: run a command with its output in $LOGDIR/NAME.log;
# on failure show the tail in the results.
run() {
	local name=$1 rc l
	shift
	"$@" >"$LOGDIR/$name.log" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		note "'$*' exited $rc:"
		tail -n 15 "$LOGDIR/$name.log" | while IFS= read -r l; do
			note "  $l"
		done
	fi
	return $rc
}

# run_timed NAME COMMAND...: as run, each output line behind the
# milliseconds since the start.  A diagnosis (E2E_TIMED=1), not a
# measurement: bash reads the pipe a byte at a time, on dom0's other CPU.
run_timed() {
	local name=$1 t0 l rc
	shift
	now_ms
	t0=$MS
	{ "$@" 2>&1; echo "exit $?"; } | while IFS= read -r l; do
		now_ms
		printf '%6d %s\n' $((MS - t0)) "$l"
	done >"$LOGDIR/$name.log"
	rc=$(sed -n 's/^ *[0-9]* exit //p' "$LOGDIR/$name.log")
	return "${rc:-1}"
}

# dump NAME BDF: its config space, 16 bytes a line, as the host expects.
dump() {
	busybox hexdump -v -e "\"dump $1 $2 %03_ax\" 16/1 \" %02x\" \"\\n\"" \
	    "/sys/bus/pci/devices/$2/config" >&9
}

# ---- following the guest console ---------------------------------------
#
# xenconsoled --log=guest writes the guest console to GUEST_LOG.  The
# guest prefixes its result lines with "E2E "; they are forwarded as they
# come.  "mark NAME" lines record when dom0 saw them (MARK_MS[NAME]).

declare -A MARK_MS
follow_open=0
follow_part=

follow_line() {
	local l=${1%$'\r'}
	# The kernel's last line: the guest's own shutdown ends here.
	case $l in
	*"reboot: System halted"* | *"reboot: Power down"*)
		now_ms
		MARK_MS[halted]=$MS
		;;
	esac
	case $l in
	*"E2E "*) l=${l#*E2E } ;;
	*) return 0 ;;
	esac
	case $l in
	"mark "*)
		now_ms
		MARK_MS[${l#mark }]=$MS
		emit "# guest mark ${l#mark }"
		;;
	*)
		emit "$l"
		;;
	esac
}

# follow_read [all]: forward every complete line the guest has written so
# far; without "all", stop after a mark line so callers can act on it.
follow_read() {
	local line
	if [ $follow_open -eq 0 ]; then
		[ -f "$GUEST_LOG" ] || return 0
		exec 3<"$GUEST_LOG"
		follow_open=1
	fi
	while IFS= read -r -u 3 line; do
		line=$follow_part$line
		follow_part=
		follow_line "$line"
		[ "${1:-}" = all ] && continue
		case $line in *"E2E mark "*) return 0 ;; esac
	done
	# At EOF read hands back a partial line; keep it for the next call.
	follow_part=$follow_part$line
}

guest_alive() {
	xl domid "$GUEST" >/dev/null 2>&1
}

# follow_until MARK SECONDS: forward guest output until it prints MARK.
follow_until() {
	local mark=$1 limit=$2 start next_alive
	now_ms
	start=$MS
	next_alive=$((MS + 5000))
	while [ -z "${MARK_MS[$mark]:-}" ]; do
		follow_read ""
		[ -n "${MARK_MS[$mark]:-}" ] && break
		now_ms
		if [ $((MS - start)) -ge $((limit * 1000)) ]; then
			not_ok "guest reaches '$mark' within $limit s"
			return 1
		fi
		if [ "$MS" -ge "$next_alive" ]; then
			if ! guest_alive; then
				follow_read all
				not_ok "guest died before '$mark'"
				return 1
			fi
			next_alive=$((MS + 5000))
		fi
		nap 0.1
	done
	return 0
}

