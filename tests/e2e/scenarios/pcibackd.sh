# Scenario "pcibackd": the kernel shim (pcishim.ko) holds the devices and
# pcibackd, installed from its Debian package (make deb; or by make
# install when run.sh had no package), is the backend (bash; sourced by
# the dom0 /init).  dom0/checks.sh runs the same checks as for the stock
# xen-pciback; backend_restart is what only a userspace backend can do.

PCIBACKD_CONF=/e2e/scenario.d/pcibackd.conf
PCIBACKD_PID=
# Issue 14 §1: libxl's part of xl shutdown -w and xl destroy, 3 devices.
# The check: no 10 s libxl wait at all (xen-pciback costs 3 of them).
# The issue's target, 3 s, is reported beside it: under TCG the same
# code measured 2.3 s on a quiet host and 3.6 s on a busier one, too
# close to the target for a check CI can keep green.
TEARDOWN_MAX_MS=9000
TEARDOWN_TARGET_MS=3000

# Ready when the control socket answers.
pcibackd_wait_ready() {
	local end
	now_ms
	end=$((MS + 20000))
	until pcibackctl show stats >/dev/null 2>&1; do
		now_ms
		[ "$MS" -ge "$end" ] && return 1
		nap 0.2
	done
}

pcibackd_start() {
	pcibackd -d -f "$PCIBACKD_CONF" >>"$LOGDIR/pcibackd.log" 2>&1 &
	PCIBACKD_PID=$!
	pcibackd_wait_ready
}

# The package as an administrator installs it: dpkg -i, then what it
# must have put in place.  (No systemd in this dom0: the postinst only
# records the unit; the scenario starts the daemon itself.)
pcibackd_install_deb() {
	local deb
	deb=$(ls /e2e/debs/pcibackd_*.deb 2>/dev/null | tail -n 1)
	[ -n "$deb" ] || return 0
	check "dpkg -i ${deb##*/}" \
	    eval 'dpkg -i "$deb" >"$LOGDIR/dpkg.log" 2>&1'
	check "the package is installed" \
	    eval 'dpkg-query -W -f="\${Status}" pcibackd | grep -q "ok installed"'
	check "pcibackd and pcibackctl are the package's" \
	    eval '[ "$(command -v pcibackd)" = /usr/sbin/pcibackd ] &&
		[ "$(command -v pcibackctl)" = /usr/sbin/pcibackctl ]'
	check "the package blacklists xen_pciback" \
	    grep -qx 'blacklist xen_pciback' /etc/modprobe.d/pcibackd.conf
	check "the package's /etc/pcibackd.conf passes pcibackd -n" \
	    eval 'pcibackd -n -f /etc/pcibackd.conf >>"$LOGDIR/dpkg.log" 2>&1'
}

# BACKEND_MODE=passthrough: the second time, a configuration that
# shows guests the host's addresses; the package is installed already.
backend_up() {
	if [ "${BACKEND_MODE:-}" = passthrough ]; then
		PCIBACKD_CONF=/e2e/scenario.d/pcibackd-passthrough.conf
		pcibackd_insmod && pcibackd_start
		return
	fi
	pcibackd_install_deb
	# No udev here, so nothing loads xen-pciback by itself; both would
	# register the PCI driver "pciback", so keep it out for good (the
	# package's blacklist too, when it was installed).
	echo 'blacklist xen_pciback' >/etc/modprobe.d/e2e-pcibackd.conf
	# Next to Linux's own backend the shim must refuse to load.
	if modprobe xen-pciback 2>/dev/null; then
		check "pcishim refuses to load next to xen-pciback" \
		    eval '! insmod /e2e/shim/pcishim.ko 2>/dev/null'
		note "dmesg: $(dmesg | grep -i pcishim | tail -n 1)"
	fi
	modprobe -r xen-pciback 2>/dev/null
	pcibackd_insmod && pcibackd_start
}

# The shim, and a configuration pcibackd -n accepts.
pcibackd_insmod() {
	if ! insmod /e2e/shim/pcishim.ko; then
		note "insmod pcishim.ko failed: $(dmesg | tail -n 3)"
		return 1
	fi
	[ -d /sys/bus/pci/drivers/pciback ] && [ -c /dev/pcishim ] ||
	    return 1
	pcibackd -n -f "$PCIBACKD_CONF" >>"$LOGDIR/pcibackd-n.log" 2>&1
}

# A function the daemon holds for no guest (the all-or-nothing attach).
backend_free() {
	local l
	l=$(pcibackctl show devices 2>&1 | grep "^$1 ")
	check "pcibackctl show devices: $1 free (${l:-not listed})" \
	    eval 'echo "$l" | grep -qw free'
}

# The daemon's children: with privilege separation, its guests' workers,
# and its control process (named pcibackd-ctl), which is not one.
pcibackd_workers() {
	ps -o pid=,comm= --ppid "$PCIBACKD_PID" 2>/dev/null |
	    awk '$2 != "pcibackd-ctl" { print $1 }'
}

# Wait up to $2 ms (10 s) for a worker other than $1 (a pid, or "").
pcibackd_wait_worker() {
	local end w
	now_ms
	end=$((MS + ${2:-10000}))
	while :; do
		for w in $(pcibackd_workers); do
			[ "$w" != "$1" ] && { WORKER=$w; return 0; }
		done
		now_ms
		[ "$MS" -ge "$end" ] && return 1
		nap 0.05
	done
}

# The daemon's control process (pcibackd-ctl), or nothing.
pcibackd_ctlproc() {
	ps -o pid=,comm= --ppid "$PCIBACKD_PID" 2>/dev/null |
	    awk '$2 == "pcibackd-ctl" { print $1; exit }'
}

# A worker ($3 says what else: "control process") runs without root,
# under its seccomp filter, no new privileges.  Just forked it is still
# root: give it up to 3 s to drop privileges.
pcibackd_worker_status() {
	local st uid sec nnp end
	st=/proc/$1/status
	now_ms
	end=$((MS + 3000))
	until grep -q '^Seccomp:[[:space:]]*2' "$st" 2>/dev/null; do
		now_ms
		[ "$MS" -ge "$end" ] && break
		nap 0.05
	done
	uid=$(awk '/^Uid:/ { print $2 " " $3 }' "$st" 2>/dev/null)
	sec=$(awk '/^Seccomp:/ { print $2 }' "$st" 2>/dev/null)
	nnp=$(awk '/^NoNewPrivs:/ { print $2 }' "$st" 2>/dev/null)
	check "$2: ${3:-worker} $1 runs as uid ${uid:-?} (not root), Seccomp: ${sec:-?}, NoNewPrivs: ${nnp:-?}" \
	    eval '[ -n "$uid" ] && [ "${uid%% *}" != 0 ] &&
	    [ "${uid##* }" != 0 ] && [ "$sec" = 2 ] && [ "$nnp" = 1 ]'
}

# SIGTERM, then SIGKILL, each followed by a new daemon, while the guest
# pings and reads config space (guest.sh phase_restart); with workers
# (issue 11) also SIGKILL of the guest's worker alone (the parent
# replaces it) and of the parent and the worker at once.
backend_restart() {
	local t0 t sig old
	WORKER=
	if pcibackd_wait_worker "" 1000; then
		pcibackd_worker_status "$WORKER" "before the restarts"
	else
		note "pcibackd has no worker process: one process, as before issue 11"
	fi
	pcibackd_worker_status "$(pcibackd_ctlproc)" "before the restarts" \
	    "control process"
	for sig in TERM KILL; do
		now_ms
		t0=$MS
		kill -"$sig" "$PCIBACKD_PID"
		wait "$PCIBACKD_PID" 2>/dev/null
		if ! pcibackd_start; then
			not_ok "pcibackd restarts after SIG$sig"
			return 1
		fi
		now_ms
		ok "pcibackd restarted after SIG$sig ($((MS - t0)) ms to ready)"
		metric "restart_sig${sig,,}_to_ready" "$((MS - t0))" ms
		# The daemon's own count: exec to guests adopted.
		t=$(grep -o 'started in [0-9]* ms' "$LOGDIR/pcibackd.log" |
		    tail -n 1 | tr -dc 0-9)
		metric "restart_sig${sig,,}_daemon_start" "${t:-?}" ms
		nap 2
	done
	[ -n "$WORKER" ] || return 0
	if ! pcibackd_wait_worker ""; then
		not_ok "the restarted pcibackd has a worker for the guest"
		return 1
	fi
	old=$WORKER
	now_ms
	t0=$MS
	kill -KILL "$old"
	if pcibackd_wait_worker "$old"; then
		now_ms
		ok "SIGKILL of the guest's worker $old: worker $WORKER replaces it ($((MS - t0)) ms)"
		metric restart_worker_kill_to_new "$((MS - t0))" ms
		pcibackd_worker_status "$WORKER" "after the worker's SIGKILL"
	else
		not_ok "SIGKILL of the guest's worker $old: a new worker within 10 s"
	fi
	note "pcibackd on the worker's death: $(grep -i 'worker' "$LOGDIR/pcibackd.log" | tail -n 2 | tr '\n' ' ')"
	nap 2
	old=$WORKER
	now_ms
	t0=$MS
	kill -KILL "$PCIBACKD_PID" "$old"
	wait "$PCIBACKD_PID" 2>/dev/null
	if ! pcibackd_start; then
		not_ok "pcibackd restarts after SIGKILL of the parent and the worker"
		return 1
	fi
	if pcibackd_wait_worker "$old"; then
		now_ms
		ok "SIGKILL of the parent and the worker at once: restarted, worker $WORKER ($((MS - t0)) ms)"
		metric restart_both_kill_to_worker "$((MS - t0))" ms
		pcibackd_worker_status "$WORKER" "after both were killed"
		pcibackd_worker_status "$(pcibackd_ctlproc)" \
		    "after both were killed" "control process"
	else
		not_ok "SIGKILL of the parent and the worker: a new worker within 10 s"
	fi
	nap 2
}

# While the guest reads the e1000e (checks.sh busy_window): a second
# user of /dev/pcishim reads the nvme's config space, which waits out
# each of dom0's resets of it.  Only the nvme's lock may be held then.
backend_busy() {
	/e2e/e2etool shimcfg "$1" "$2"
}

# While the guest has devices (the restart window): the module must not
# go, and a raw reset of an assigned device is refused (issue 10).
backend_assigned() {
	local r
	check "rmmod pcishim is refused while a guest has devices" \
	    eval '! rmmod pcishim 2>"$LOGDIR/rmmod-assigned.log" &&
	    [ -c /dev/pcishim ]'
	note "rmmod: $(head -n 1 "$LOGDIR/rmmod-assigned.log")"
	r=$(/e2e/e2etool shimreset "$BDF_E1000E" 2>&1)
	check "RESET of the assigned e1000e is refused with EBUSY ($r)" \
	    [ "$r" = EBUSY ]
	r=$(cat "/sys/bus/pci/devices/$BDF_E1000E/driver_override")
	check "the assigned e1000e keeps driver_override pciback ($r)" \
	    [ "$r" = pciback ]
	backend_denied
	backend_restricted
	backend_shared_line
	# The host parses it (run.sh metrics_checks).
	pcibackctl show metrics >"$LOGDIR/metrics-assigned.log" 2>&1
}

# Issue 14 §6, the new user's path: edu shares GSI 23 with dom0's NIC
# and its block allows nothing.  It has MSI: the guest has it, with INTx
# held off in hardware; pcibackctl check and the log say so, and nothing
# would be refused.
backend_shared_line() {
	local c=$LOGDIR/pcibackctl-check.log cmd
	pcibackctl check >"$c" 2>&1
	note "check: $(tr '\n' ' ' <"$c" | cut -c 1-400)"
	check "check: edu's shared line, with dom0's NIC, held off, not refused" \
	    grep -Eq '^0000:00:03.0 "edu": warning: INTx line [0-9]+ shared with 0000:00:07.0 \(dom0\): given with INTx held off' "$c"
	check "check: no held device would be refused" \
	    grep -Eq ' 0 would be refused to a guest$' "$c"
	check "the log names the advisory and dom0's NIC for edu" \
	    grep -Eq "dom$DOMID 0000:00:03.0: its INTx line [0-9]+ is shared with 0000:00:07.0 \(dom0\) \(XSA-461\): given with INTx held off" \
	    "$LOGDIR/pcibackd.log"
	cmd=$(od -An -tx2 -j4 -N2 /sys/bus/pci/devices/0000:00:03.0/config |
	    tr -d ' ')
	check "edu's INTx disable is set in hardware (command 0x$cmd)" \
	    eval '[ -n "$cmd" ] && [ $((0x$cmd & 0x400)) -ne 0 ]'
}

# Issue 14 §3: the drivers' probe writes the policy dropped (e1000e
# 0xe8/2, nvme 0x88/2: PCIe Device Control; xen-pciback drops the same)
# are in show denied with their owner, and suggest names them.  Before
# the restarts, which forget them.
backend_denied() {
	local d=$LOGDIR/pcibackctl-denied.log s bdf
	pcibackctl show denied >"$d" 2>&1
	note "show denied: $(grep -c '^0000:' "$d") registers"
	check "show denied: the e1000e's probe write 0xe8/2, by dom$DOMID" \
	    grep -Eq "^$BDF_E1000E +dom$DOMID +0x0e8 +2 " "$d"
	check "show denied: the nvme's probe write 0x88/2, by dom$DOMID" \
	    grep -Eq "^$BDF_NVME +dom$DOMID +0x088 +2 " "$d"
	for s in E1000E:0x0e8 NVME:0x088; do
		eval "bdf=\$BDF_${s%%:*}"
		pcibackctl suggest "$bdf" >"$LOGDIR/suggest-${s%%:*}.log" 2>&1
		check "suggest $bdf names ${s#*:}/2" grep -Eq \
		    "^(quirk ${s#*:} 2 0x|# no need: ${s#*:}/2)" \
		    "$LOGDIR/suggest-${s%%:*}.log"
		note "suggest: $(grep -v '^#.*written by' \
		    "$LOGDIR/suggest-${s%%:*}.log" | head -n 2)"
	done
	check "suggest never names a BAR" eval '! grep -Eq \
	    "^quirk 0x0(1[0-9a-f]|2[0-7]|30) " "$LOGDIR"/suggest-*.log'
}

# A /dev/pcishim file RESTRICTed to the guest (issue 11), on the real
# module: the guest's e1000e in reach, dom0's own NIC and the privileged
# calls not, the floor refusing a BAR move and decoding off, and a file
# restricted to another domain refused the e1000e.
backend_restricted() {
	local r want
	want="read=ok other=EPERM bar=EPERM kept=yes decode=EPERM same=ok"
	want="$want reset=EPERM enable=EPERM again=EPERM list=4 denied=+2"
	want="$want foreign=EPERM map=ok same-id=yes mapother=EPERM"
	want="$want mapwrite=EINVAL fork=gone mapforeign=EPERM"
	r=$(/e2e/e2etool shimrestrict "$DOMID" "$BDF_E1000E" 0000:00:07.0 2>&1)
	note "shimrestrict: $r"
	check "a restricted /dev/pcishim file reaches only dom$DOMID's devices, under the floor" \
	    [ "$r" = "$want" ]
	note "dmesg: $(dmesg | grep 'refused by the floor' | tail -n 1)"
	# The page a worker maps must go dark when the guest lets go.
	/e2e/e2etool shimmapwatch "$DOMID" "$BDF_E1000E" 900 \
	    >"$LOGDIR/mapwatch.log" 2>&1 &
	MAPWATCH_PID=$!
}

# Both guests gone, the devices still held: their resets (off libxl's
# path) are in the metrics once they end.  The host parses them.
backend_released() {
	local i
	if [ -n "${MAPWATCH_PID:-}" ]; then
		for i in $(seq 20); do
			grep -q '^revoked' "$LOGDIR/mapwatch.log" && break
			sleep 0.5
		done
		# Gone before the shim is unloaded: it holds /dev/pcishim.
		kill "$MAPWATCH_PID" 2>/dev/null
		wait "$MAPWATCH_PID" 2>/dev/null
		note "mapwatch: $(tr '\n' ' ' <"$LOGDIR/mapwatch.log")"
		check "a config page mapped for dom$DOMID reads all ones once the guest is gone" \
		    grep -q '^revoked' "$LOGDIR/mapwatch.log"
	fi
	for i in $(seq 20); do
		pcibackctl show metrics >"$LOGDIR/metrics-end.log" 2>&1
		grep -Eq '^pcibackd_device_resets_total\{.*result="ok"\} [1-9]' \
		    "$LOGDIR/metrics-end.log" && return 0
		sleep 0.5
	done
}

backend_down() {
	local m=${BACKEND_MODE:+-$BACKEND_MODE}
	pcibackctl -j show devices >"$LOGDIR/pcibackctl-devices$m.log" 2>&1
	pcibackctl -j show stats >"$LOGDIR/pcibackctl-stats$m.log" 2>&1
	kill "$PCIBACKD_PID" && wait "$PCIBACKD_PID"
	rmmod pcishim && [ ! -d /sys/bus/pci/drivers/pciback ]
}
