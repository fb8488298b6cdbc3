# Scenario "bench" (make bench; bash, sourced by the dom0 /init): both
# backends within this one boot, in turn, A-B-A-B: round N is xen-pciback
# (A) then the shim + pcibackd (B), BENCH_ROUNDS rounds.  Each half-round
# brings its backend up, gives a new guest edu, e1000e, e1000, hot-plugs
# the nvme, detaches edu, destroys the guest and takes the backend down
# again, timing the steps; the guest (guest.sh phase_bench) measures its
# config reads.  Every figure is a "metric" line after a "metric round N
# BACKEND" line; tests/e2e/bench.sh pairs them up on the host.

. /e2e/scenarios/pcibackd.sh
PCIBACKD_CONF=/e2e/scenarios/pcibackd.d/pcibackd.conf

bench_pciback_up() {
	modprobe xen-pciback && [ -d /sys/bus/pci/drivers/pciback ]
}

bench_pciback_down() {
	modprobe -r xen-pciback && [ ! -d /sys/bus/pci/drivers/pciback ]
}

# Ready is what systemd would see of the unit (Type=notify): READY=1,
# sent once the guests present are adopted and pcibackctl answers.  The
# listener binds before the clock starts (bench_notify_listen), so its
# fork is not counted; a poll of pcibackctl would count its own 0.2 s
# steps and fork+exec instead.
BENCH_NOTIFY=/run/pcibackd-notify

bench_notify_listen() {
	local end
	/e2e/e2etool notifywait "$BENCH_NOTIFY" 20 &
	BENCH_NOTIFY_PID=$!
	now_ms
	end=$((MS + 5000))
	until [ -S "$BENCH_NOTIFY" ]; do
		now_ms
		[ "$MS" -ge "$end" ] && return 1
		nap 0.01
	done
}

# The hvm and devices boots come up through here too, with no listener
# of their own: one is made then, its fork counted.
bench_pcibackd_start() {
	local rc

	if [ -z "${BENCH_NOTIFY_PID:-}" ]; then
		bench_notify_listen || return 1
	fi
	NOTIFY_SOCKET=$BENCH_NOTIFY pcibackd -d -f "$PCIBACKD_CONF" \
	    >>"$LOGDIR/pcibackd.log" 2>&1 &
	PCIBACKD_PID=$!
	wait "$BENCH_NOTIFY_PID"
	rc=$?
	BENCH_NOTIFY_PID=
	return $rc
}

bench_pcibackd_up() {
	insmod /e2e/shim/pcishim.ko && [ -c /dev/pcishim ] &&
	    bench_pcibackd_start
}

# Every xenbus state change of the guest's PCI device, stamped by dom0's
# clock (xsstamp.c), and the steps' bounds (bench_step), so that
# bench_shares can tell the backend's part of each step from the guest's
# and libxl's.
bench_stamp_start() {
	: >"$LOGDIR/xsstamp.log"
	: >"$LOGDIR/steps.log"
	/e2e/xsstamp >>"$LOGDIR/xsstamp.log" 2>&1 &
	BENCH_STAMP_PID=$!
	until grep -q ready "$LOGDIR/xsstamp.log"; do
		kill -0 "$BENCH_STAMP_PID" 2>/dev/null || return 1
		nap 0.05
	done
}

bench_stamp_stop() {
	[ -n "${BENCH_STAMP_PID:-}" ] || return 0
	kill "$BENCH_STAMP_PID" 2>/dev/null
	wait "$BENCH_STAMP_PID" 2>/dev/null
	BENCH_STAMP_PID=
}

# bench_step NAME BEGIN END (ms)
bench_step() {
	echo "$1 $2 $3" >>"$LOGDIR/steps.log"
}

# The backend's share of each step: the sum of the gaps that end with a
# state only the backend writes (2, 3, 4, 6, 8 on its own node), each
# gap from the step's start or the state change before it, whoever made
# it.  A gap that ends with the guest's or libxl's write is theirs.
# Metric STEP_backend in ms, for a step in which the backend moved.
bench_shares() {
	local name ms
	awk 'FNR == NR { b[$1] = $2; e[$1] = $3; next }
	    $2 == "be" || $2 == "fe" { n++; t[n] = $1; who[n] = $2; st[n] = $4 }
	    END {
		for (s in b) {
			prev = b[s]; sum = 0; moves = 0
			for (i = 1; i <= n; i++) {
				if (t[i] < b[s] || t[i] > e[s])
					continue
				if (who[i] == "be" && st[i] ~ /^[23468]$/) {
					sum += t[i] - prev
					moves++
				}
				prev = t[i]
			}
			if (moves > 0)
				print s, sum
		}
	    }' "$LOGDIR/steps.log" "$LOGDIR/xsstamp.log" |
	while read -r name ms; do
		metric "${name}_backend" "$ms" ms
	done
}

# A worker may outlive its parent for a moment: the module goes once the
# last /dev/pcishim file is closed.
bench_pcibackd_down() {
	local end
	kill "$PCIBACKD_PID" && wait "$PCIBACKD_PID"
	now_ms
	end=$((MS + 10000))
	until rmmod pcishim 2>/dev/null; do
		now_ms
		[ "$MS" -ge "$end" ] && return 1
		nap 0.2
	done
	[ ! -d /sys/bus/pci/drivers/pciback ]
}

# STEAL: dom0's steal and total ticks so far (/proc/stat, no fork).
bench_steal() {
	local cpu u n s i w q sq st
	read -r cpu u n s i w q sq st _ </proc/stat
	STEAL=$st
	TICKS=$((u + n + s + i + w + q + sq + st))
}

# bench_ms NAME T0: metric NAME, the milliseconds since T0.
bench_ms() {
	now_ms
	metric "$1" "$(($MS - $2))" ms
}

bench_assign() {
	local d
	for d in $DEVICES; do
		run "assignable-add-${d%%:*}" xl pci-assignable-add "${d#*:}" ||
		    return 1
	done
	[ "$(assignable_count)" -eq 4 ]
}

bench_release() {
	local d rc=0
	wait_assignable 4 60 || rc=1
	for d in $DEVICES; do
		run "assignable-remove-${d%%:*}" \
		    xl pci-assignable-remove "${d#*:}" || rc=1
	done
	[ "$(assignable_count)" -eq 0 ] || rc=1
	return $rc
}

# pcibackd's worker: the sum (s) and count of its ops' service times, from
# reading an op to notifying the guest (pcibackctl show metrics).
bench_op_service() {
	pcibackctl show metrics 2>/dev/null | awk '
	    /^pcibackd_guest_op_duration_seconds_sum/ { s += $2 }
	    /^pcibackd_guest_op_duration_seconds_count/ { c += $2 }
	    END { printf "%.9f %d\n", s, c }'
}

# What the calls of a worker's op path cost in this dom0 (e2etool.c).
bench_syscost() {
	local r
	r=$(/e2e/e2etool syscost "$BDF_EDU") || return 1
	set -- $r
	metric syscost_clock "$2" ns
	metric syscost_syscall "$4" ns
	metric syscost_shimread "$6" ns
	metric syscost_mapread "$8" ns
}

# The guest's life in one half-round; 1 at the first step that fails.
bench_guest() {
	local t0 s0 c0 s1 c1
	guest_cfg "$COLDPLUG" e2e.mode=bench
	bench_stamp_start || return 1
	now_ms
	t0=$MS
	run create xl create /e2e/guest.cfg || return 1
	bench_ms xl_create_returns "$t0"
	follow_until visible 120 || return 1
	metric create_to_visible "$((${MARK_MS[visible]} - t0))" ms
	bench_step create "$t0" "${MARK_MS[visible]}"
	[ "$1" = pcibackd ] && read -r s0 c0 <<<"$(bench_op_service)"
	follow_until cfg-done 240 || return 1
	# The worker's share of a config read's time in the rows above.
	if [ "$1" = pcibackd ] && read -r s1 c1 <<<"$(bench_op_service)" &&
	    [ "${c1:-0}" -gt "${c0:-0}" ]; then
		metric op_service_mean "$(awk -v a="$s0" -v b="$s1" \
		    -v n=$((c1 - c0)) 'BEGIN { printf "%.1f", (b - a) * 1e6 / n }')" us
	fi
	now_ms
	t0=$MS
	run attach xl pci-attach "$GUEST" "$BDF_NVME" || return 1
	follow_until nvme-visible 90 || return 1
	metric attach_to_visible "$((${MARK_MS[nvme-visible]} - t0))" ms
	bench_step attach "$t0" "${MARK_MS[nvme-visible]}"
	follow_until window 90 || return 1
	if [ "$1" = pcibackd ]; then
		# The restart of the issue's table: SIGKILL, then a new daemon.
		nap 1
		bench_notify_listen || return 1
		now_ms
		t0=$MS
		kill -KILL "$PCIBACKD_PID"
		wait "$PCIBACKD_PID" 2>/dev/null
		bench_pcibackd_start || return 1
		bench_ms restart_to_ready "$t0"
	fi
	follow_until window-done 60 || return 1
	now_ms
	t0=$MS
	run detach xl pci-detach "$GUEST" "$BDF_EDU" || return 1
	bench_ms xl_pci_detach_returns "$t0"
	bench_step detach "$t0" "$MS"
	follow_until edu-gone 60 || return 1
	now_ms
	t0=$MS
	run destroy xl destroy "$GUEST" || return 1
	bench_ms xl_destroy "$t0"
	bench_step destroy "$t0" "$MS"
	bench_stamp_stop
	bench_shares
	# Each half's stamps (a few hundred bytes) go home with the logs.
	cp "$LOGDIR/xsstamp.log" "$LOGDIR/xsstamp-$2-$1.log"
	cp "$LOGDIR/steps.log" "$LOGDIR/steps-$2-$1.log"
}

# bench_half N BACKEND (pciback or pcibackd)
bench_half() {
	local t0 st0 tk0 rc=0
	MARK_MS=()
	metric round "$1" "$2"
	bench_steal
	st0=$STEAL
	tk0=$TICKS
	if [ "$2" = pcibackd ] && ! bench_notify_listen; then
		not_ok "round $1: e2etool notifywait listens"
		return 1
	fi
	now_ms
	t0=$MS
	if ! "bench_$2_up"; then
		not_ok "round $1: $2 comes up"
		return 1
	fi
	bench_ms backend_up "$t0"
	if ! bench_assign; then
		not_ok "round $1: $2: xl pci-assignable-add of the 4 devices"
		rc=1
	elif [ "$2" = pcibackd ] && ! bench_syscost; then
		not_ok "round $1: e2etool syscost"
		rc=1
	elif ! bench_guest "$2" "$1"; then
		not_ok "round $1: $2: a step of the guest's round failed"
		rc=1
	fi
	bench_stamp_stop
	guest_alive && run destroy-left xl destroy "$GUEST"
	wait_gone 60
	follow_read all
	bench_release || {
		not_ok "round $1: $2: the 4 devices assignable again, then removed"
		rc=1
	}
	if ! "bench_$2_down"; then
		not_ok "round $1: $2 goes down"
		return 2
	fi
	bench_steal
	[ "$TICKS" -gt "$tk0" ] && metric dom0_steal \
	    "$(((STEAL - st0) * 1000 / (TICKS - tk0)))" permille
	[ "$rc" -eq 0 ] && ok "round $1: $2"
	return $rc
}

scenario_main() {
	local n=1 b rc
	pcibackd_install_deb
	note "bench: $BENCH_ROUNDS rounds of xen-pciback then pcibackd"
	while [ "$n" -le "$BENCH_ROUNDS" ]; do
		for b in pciback pcibackd; do
			bench_half "$n" "$b"
			rc=$?
			# A backend that cannot go down leaves nothing to
			# measure the other one with.
			[ "$rc" -eq 2 ] && return
		done
		n=$((n + 1))
	done
	# The trace of every round would take minutes through the serial
	# port; the logs of the last round tell what went wrong, if anything.
	rm -f /var/log/xen/xenstored-trace.log
}
