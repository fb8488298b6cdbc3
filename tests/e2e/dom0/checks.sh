# The end-to-end check sequence, the same for every backend (bash;
# sourced by /init after lib.sh and the scenario).  The scenario supplies
# backend_up and backend_down; everything else is xl, exactly as a user
# would run it, and the guest's own checks (guest/guest.sh).

# name:BDF of the passed-through devices (params.sh gives the BDFs).
DEVICES="edu:$BDF_EDU e1000e:$BDF_E1000E e1000:$BDF_E1000 nvme:$BDF_NVME"
COLDPLUG="$BDF_EDU $BDF_E1000E $BDF_E1000"
# The two-function NIC, both functions named (issue 12 §3).  Not xl's
# "BDF.*@VSLOT": libxl 4.17 adds only the highest function of the slot
# then, and leaves function 0 marked assigned to the guest for good.
MF="mf0:$BDF_MF0 mf1:$BDF_MF1"
MF_PCI="$BDF_MF0 $BDF_MF1"
# Issue 12 §1: an e1000e alone behind its own PCIe root port, for the
# second guest; QEMU injects an error into that port.
AER="aernic:$BDF_AER"

# guest_cfg "BDF ..." [KERNEL-ARGS]
guest_cfg() {
	local pci='' b
	for b in $1; do
		pci="$pci${pci:+, }\"$b\""
	done
	cat >/e2e/guest.cfg <<-EOF
	name = "$GUEST"
	type = "pv"
	kernel = "/e2e/vmlinuz"
	ramdisk = "/e2e/guest.cpio"
	extra = "console=hvc0 iommu=soft loglevel=1 e2e.md5=$NVME_MD5${2:+ $2}"
	memory = 512
	vcpus = 1
	pci = [ $pci ]
	on_poweroff = "destroy"
	on_reboot = "destroy"
	on_crash = "destroy"
	EOF
}

assignable_count() {
	xl pci-assignable-list 2>/dev/null | grep -c '^0000:'
}

# wait_assignable N SECONDS: until xl lists N assignable devices.
wait_assignable() {
	local end
	now_ms
	end=$((MS + $2 * 1000))
	while [ "$(assignable_count)" -ne "$1" ]; do
		now_ms
		[ "$MS" -ge "$end" ] && return 1
		nap 0.5
	done
}

# assign_list LIST [SUFFIX]: each NAME:BDF of LIST dumped as dom0 sees
# it, then made assignable; SUFFIX tells the files of a second pass.
assign_list() {
	local d
	for d in $1; do
		dump "dom0-${d%%:*}${2:-}" "${d#*:}"
		check "xl pci-assignable-add ${d#*:} (${d%%:*})" \
		    run "assignable-add-${d%%:*}${2:-}" xl pci-assignable-add "${d#*:}"
	done
}

assign_all() {
	assign_list "$DEVICES"
	check "xl pci-assignable-list lists the 4 devices" \
	    [ "$(assignable_count)" -eq 4 ]
}

# Coldplug: create the guest with edu, e1000e, e1000; the guest checks
# them and measures; dom0 times create -> devices visible in the guest.
create_guest() {
	local t0 t1
	guest_cfg "$COLDPLUG"
	now_ms
	t0=$MS
	if ! run create xl create /e2e/guest.cfg; then
		not_ok "xl create with pci=[edu, e1000e, e1000]"
		return 1
	fi
	now_ms
	t1=$MS
	ok "xl create with pci=[edu, e1000e, e1000] ($(secs $((t1 - t0))) s)"
	metric xl_create_returns "$(secs $((t1 - t0)))" s
	DOMID=$(xl domid "$GUEST")
	follow_until visible 120 || return 1
	t1=${MARK_MS[visible]}
	metric create_to_visible "$(secs $((t1 - t0)))" s
	note "xl create -> devices visible in the guest:" \
	    "$(secs $((t1 - t0))) s (dom0 clock)"
	follow_until phase1-done 240 || return 1
	check "backend reports Connected (backend/pci/$DOMID/0/state = 4)" \
	    [ "$(xenstore-read "/local/domain/0/backend/pci/$DOMID/0/state" \
	    2>/dev/null)" = 4 ]
}

# While the guest reads the e1000e's config space (guest.sh phase_busy),
# dom0 resets the held, unassigned nvme in a loop through sysfs, as an
# administrator or another tool may; a backend that has more to show
# (backend_busy) also keeps the nvme's config space busy meanwhile.
# The nvme's decoding is off first: each reset then leaves QEMU's memory
# map as it was.  With it on, every reset unmapped and remapped its BARs,
# some 250 map changes in 14 s, and QEMU 7.2's multi-threaded TCG
# sometimes died of it (SIGSEGV in memory_region_dispatch_read, seen in
# the host's kernel log).  The backend's own reset at the attach brings
# the state it saved when it took the device back.
busy_window() {
	local t0 t1 end n=0 hp= r
	follow_until busy-window 60 || return 1
	setpci -s "$BDF_NVME" COMMAND=0000 2>/dev/null ||
	    note "setpci could not turn the nvme's decoding off"
	if declare -F backend_busy >/dev/null; then
		backend_busy "$BDF_NVME" 14 >"$LOGDIR/busy-window.log" 2>&1 &
		hp=$!
	fi
	now_ms
	t0=$MS
	end=$((MS + 14000))
	while [ "$MS" -lt "$end" ]; do
		echo 1 >"/sys/bus/pci/devices/$BDF_NVME/reset" 2>/dev/null ||
		    break
		n=$((n + 1))
		now_ms
	done
	t1=$MS
	r="$n resets in $(secs $((t1 - t0))) s"
	check "busy window: dom0 resets the held nvme in a loop ($r)" \
	    [ "$n" -gt 0 ]
	[ "$n" -gt 0 ] &&
	    metric busy_window_nvme_reset "$(((t1 - t0) / n))" ms
	if [ -n "$hp" ]; then
		wait "$hp"
		r=$(cat "$LOGDIR/busy-window.log")
		note "busy window: dom0's config reads of the nvme: $r"
		r=$(echo "$r" | sed -n 's/.*maxus \([0-9]*\).*/\1/p')
		metric busy_window_nvme_cfg_max "${r:-?}" us
	fi
	follow_until busy-done 60
}

hot_attach() {
	local t0 t1
	now_ms
	t0=$MS
	if [ -n "${E2E_TIMED:-}" ]; then
		run_timed attach xl -vvv pci-attach "$GUEST" "$BDF_NVME"
	else
		run attach xl pci-attach "$GUEST" "$BDF_NVME"
	fi
	if [ $? -ne 0 ]; then
		not_ok "xl pci-attach nvme $BDF_NVME"
		return 1
	fi
	ok "xl pci-attach nvme $BDF_NVME"
	follow_until nvme-visible 90 || return 1
	t1=${MARK_MS[nvme-visible]}
	metric attach_to_visible "$(secs $((t1 - t0)))" s
	follow_until phase2-done 180
}

# The guest keeps busy for 24 s; a backend that can restart does so now.
restart_window() {
	follow_until restart-window 60 || return 1
	if declare -F backend_assigned >/dev/null; then
		backend_assigned
	fi
	if declare -F backend_restart >/dev/null; then
		backend_restart
	else
		note "backend '$SCENARIO' cannot be restarted; the guest's" \
		    "checks run anyway"
	fi
	follow_until restart-done 90
}

hot_detach() {
	local t0
	now_ms
	t0=$MS
	if [ -n "${E2E_TIMED:-}" ]; then
		run_timed detach xl -vvv pci-detach "$GUEST" "$BDF_EDU"
	else
		run detach xl pci-detach "$GUEST" "$BDF_EDU"
	fi
	if [ $? -ne 0 ]; then
		not_ok "xl pci-detach edu $BDF_EDU"
		return 1
	fi
	now_ms
	ok "xl pci-detach edu $BDF_EDU ($(secs $((MS - t0))) s)"
	metric xl_pci_detach_returns "$(secs $((MS - t0)))" s
	follow_until phase3-done 90 || return 1
	check "xl pci-list shows e1000e, e1000, nvme and not edu" \
	    eval '[ "$(xl pci-list "$GUEST" | grep -c "0000:")" -eq 3 ] &&
	    ! xl pci-list "$GUEST" | grep -q "$BDF_EDU"'
	follow_until guest-done 120
}

gone() {
	! guest_alive
}

wait_gone() {
	local end
	now_ms
	end=$((MS + $1 * 1000))
	while guest_alive; do
		now_ms
		[ "$MS" -ge "$end" ] && return 1
		nap 0.5
	done
}

# teardown_check WHAT MS: within the scenario's TEARDOWN_MAX_MS, if any
# (issue 14 §1: what libxl waits for, the guest's own shutdown aside).
teardown_check() {
	[ -n "${TEARDOWN_MAX_MS:-}" ] || return 0
	check "$1 within $(secs "$TEARDOWN_MAX_MS") s ($(secs "$2") s)" \
	    [ "$2" -le "$TEARDOWN_MAX_MS" ]
	[ -n "${TEARDOWN_TARGET_MS:-}" ] || return 0
	if [ "$2" -le "$TEARDOWN_TARGET_MS" ]; then
		note "$1: within the target of $(secs "$TEARDOWN_TARGET_MS") s"
	else
		note "$1: over the target of $(secs "$TEARDOWN_TARGET_MS") s"
	fi
}

# Orderly shutdown first; xl destroy only if the guest will not go.
# The console says when the guest halted: what follows is libxl's.
shutdown_guest() {
	local t0 pid rc l end gone halted
	MARK_MS[halted]=
	now_ms
	t0=$MS
	end=$((MS + 120000))
	timeout 120 xl shutdown -w "$GUEST" >"$LOGDIR/shutdown.log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null && [ "$MS" -lt "$end" ]; do
		follow_read all
		nap 0.05
		now_ms
	done
	wait "$pid"
	rc=$?
	follow_read all
	if [ $rc -ne 0 ]; then
		note "'xl shutdown -w $GUEST' exited $rc:"
		tail -n 15 "$LOGDIR/shutdown.log" | while IFS= read -r l; do
			note "  $l"
		done
	fi
	# xl returns once the domain has shut down; libxl's destroy (xl
	# create's child does it) ends when the domain is gone.
	end=$((MS + 60000))
	while guest_alive && [ "$MS" -lt "$end" ]; do
		nap 0.1
		now_ms
	done
	now_ms
	gone=$MS
	if [ $rc -eq 0 ] && ! guest_alive; then
		ok "xl shutdown -w: guest gone ($(secs $((gone - t0))) s)"
		metric xl_shutdown "$(secs $((gone - t0)))" s
		halted=${MARK_MS[halted]:-}
		if [ -n "$halted" ]; then
			metric xl_shutdown_after_halt \
			    "$(secs $((gone - halted)))" s
			teardown_check "xl shutdown -w (3 devices): libxl's part" \
			    $((gone - halted))
		else
			not_ok "the guest's halt seen on its console"
		fi
	else
		not_ok "xl shutdown -w: guest gone within 180 s"
		run destroy xl destroy "$GUEST"
		check "xl destroy: guest gone" wait_gone 60
	fi
	follow_read all
}

# mf_assign SUFFIX: dump and make assignable both functions of the NIC.
mf_assign() {
	assign_list "$MF" "$1"
}

# mf_release N: once N devices are assignable, give the NIC back.
mf_release() {
	local d
	check "all $1 devices assignable again after the guest is gone" \
	    wait_assignable "$1" 60
	for d in $MF; do
		check "xl pci-assignable-remove ${d#*:} (${d%%:*})" \
		    run "assignable-remove-${d%%:*}" \
		    xl pci-assignable-remove "${d#*:}"
	done
}

# aer_release: the AER NIC back to dom0 once the second guest is gone.
aer_release() {
	check "xl pci-assignable-remove $BDF_AER (aernic)" \
	    run assignable-remove-aernic xl pci-assignable-remove "$BDF_AER"
}

# port_irqs: the interrupts the AER NIC's root port has raised in dom0.
port_irqs() {
	local f irqs=
	for f in "/sys/bus/pci/devices/$BDF_AER_PORT"/msi_irqs/*; do
		[ -e "$f" ] && irqs="$irqs ${f##*/}"
	done
	[ -n "$irqs" ] ||
	    read -r irqs <"/sys/bus/pci/devices/$BDF_AER_PORT/irq"
	awk -v irqs="$irqs" '
	    BEGIN { n = split(irqs, a, " "); for (i = 1; i <= n; i++) want[a[i] ":"] = 1 }
	    ($1 in want) { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i }
	    END { print s + 0 }' /proc/interrupts
}

# aer_regs: what an error message's way up depends on, as dom0 reads it.
# The NIC: command (SERR# enable), Device Control (error reporting),
# Device Status, AER uncorrectable status.  Its root port: command,
# bridge control (SERR# forwarding), Device Control, AER root error
# command and status; and the port's interrupt count.
aer_regs() {
	local d p
	d=$(setpci -s "$BDF_AER" COMMAND CAP_EXP+8.w CAP_EXP+a.w \
	    ECAP_AER+4.l 2>&1 | tr '\n' ' ')
	p=$(setpci -s "$BDF_AER_PORT" COMMAND BRIDGE_CONTROL CAP_EXP+8.w \
	    ECAP_AER+2c.l ECAP_AER+30.l 2>&1 | tr '\n' ' ')
	echo "NIC cmd devctl devsta uncor: ${d% }; port cmd bctl devctl" \
	    "rootcmd rootsta: ${p% }; port interrupts $(port_irqs)"
}

# Issue 12 §1.  The guest's AER NIC is up and pings (guest.sh
# aer_checks); dom0 asks the host to have QEMU inject an uncorrectable,
# non-fatal error into the NIC's root port.  dom0's AER driver must log
# it and recover every device below the port, the NIC, through its
# driver, the backend, which forwards each step to the guest's pcifront
# and e1000e driver: "device recovery successful" in dom0 means the
# guest answered every step.  The guest checks its driver's part and
# that the NIC pings again.
aer_window() {
	local t0 end n0 l seen= rec= f=$LOGDIR/aer-dmesg.log got
	# 6.1.192 says "error message received from"; older, "received:".
	got="AER: (Multiple )?Uncorrected \(Non-Fatal\) error (message )?"
	got="${got}received(:| from) $BDF_AER_PORT"
	note "aernic before the error: $(aer_regs)"
	n0=$(dmesg | wc -l)
	now_ms
	t0=$MS
	emit "host aer-inject"
	end=$((MS + 30000))
	while [ "$MS" -lt "$end" ]; do
		follow_read all
		dmesg | tail -n +$((n0 + 1)) >"$f"
		if [ -z "$seen" ] && grep -Eq "$got" "$f"; then
			now_ms
			seen=$MS
		fi
		if grep -q "$BDF_AER_PORT: AER: device recovery" "$f"; then
			now_ms
			rec=$MS
			break
		fi
		nap 0.25
		now_ms
	done
	while IFS= read -r l; do
		note "dom0 dmesg: $l"
	done <"$f"
	note "aernic after the error: $(aer_regs)"
	if [ -n "$seen" ]; then
		ok "dom0: AER reports the uncorrected non-fatal error at $BDF_AER_PORT ($(secs $((seen - t0))) s after the request)"
		metric aer_request_to_dom0_log "$(secs $((seen - t0)))" s
	else
		not_ok "dom0: AER reports an uncorrected non-fatal error at $BDF_AER_PORT within 30 s"
	fi
	check "dom0: AER recovery below $BDF_AER_PORT successful, every step answered by the guest" \
	    grep -q "$BDF_AER_PORT: AER: device recovery successful" "$f"
	[ -n "$rec" ] &&
	    metric aer_request_to_recovery "$(secs $((rec - t0)))" s
	follow_until aer-done 90 || return 1
	l=${MARK_MS[aer-pings]:-}
	[ -n "$l" ] || return 0
	metric aer_request_to_ping "$(secs $((l - t0)))" s
	note "AER: from the request to the guest's NIC pinging again" \
	    "$(secs $((l - t0))) s (dom0 clock)"
}

# The devices, reset, go to a second guest (e1000e, nvme and e1000,
# coldplug), with both functions of the two-function NIC and the AER
# NIC, which is then killed with xl destroy: they must come back again.
# A live guest: libxl's detach of each device goes through its frontend,
# which removes it from the guest first (doc/protocol.md §2.6).
next_guest() {
	local t0 t1
	check "all 4 devices assignable again after the guest is gone" \
	    wait_assignable 4 60
	mf_assign ""
	assign_list "$AER"
	guest_cfg "$BDF_E1000E $BDF_NVME $BDF_E1000 $MF_PCI $BDF_AER" \
	    e2e.mode=second
	if ! run create2 xl create /e2e/guest.cfg; then
		not_ok "xl create of a second guest with e1000e, nvme, e1000, $MF_PCI, $BDF_AER"
		mf_release 7
		aer_release
		return 1
	fi
	ok "xl create of a second guest with e1000e, nvme, e1000, $MF_PCI, $BDF_AER"
	follow_until aer-ready 180 && aer_window
	follow_until second-done 180
	now_ms
	t0=$MS
	run destroy2 xl destroy "$GUEST"
	now_ms
	t1=$MS
	check "xl destroy: second guest gone" wait_gone 60
	metric xl_destroy "$(secs $((t1 - t0)))" s
	# Not checked: a live guest's frontend unplugs each device from the
	# guest before libxl goes on, which is the guest's own time and
	# the same with xen-pciback (tests/e2e/README.md).
	[ -n "${TEARDOWN_MAX_MS:-}" ] && [ $((t1 - t0)) -gt "$TEARDOWN_MAX_MS" ] &&
	    note "xl destroy of a live guest took over" \
	    "$(secs "$TEARDOWN_MAX_MS") s: its frontend's unplugs"
	follow_read all
	mf_release 7
	aer_release
}

release_all() {
	local d
	check "all 4 devices assignable again after the guest is gone" \
	    wait_assignable 4 60
	if declare -F backend_released >/dev/null; then
		backend_released
	fi
	for d in $DEVICES; do
		check "xl pci-assignable-remove ${d#*:} (${d%%:*})" \
		    run "assignable-remove-${d%%:*}" \
		    xl pci-assignable-remove "${d#*:}"
		dump "dom0-after-${d%%:*}" "${d#*:}"
	done
	check "xl pci-assignable-list is empty" [ "$(assignable_count)" -eq 0 ]
}

# dom0 reading a device's config directly: the floor for the guest's cost.
dom0_latency() {
	local r
	r=$(/e2e/e2etool cfgread "/sys/bus/pci/devices/$BDF_E1000E/config" \
	    256 32 7) && metric dom0_cfgread256_e1000e "${r%% *}" us/4B-access
}

# Issue 12 §3: the backend again, in passthrough mode (BACKEND_MODE),
# and a third guest with the e1000 behind its bridge and both functions
# of the two-function NIC: it must see them at their host addresses.
# First, while one function is not assignable, xl create of a guest with
# the NIC must fail as a whole (libxl's check) and leave the other
# function free.
pt_main() {
	local a b c f lx t0
	BACKEND_MODE=passthrough
	if ! backend_up; then
		not_ok "backend '$SCENARIO' comes up in passthrough mode"
		return
	fi
	ok "backend '$SCENARIO' comes up in passthrough mode"
	dump dom0-e1000-pt "$BDF_E1000"
	check "passthrough: xl pci-assignable-add $BDF_E1000 (e1000)" \
	    run assignable-add-e1000-pt xl pci-assignable-add "$BDF_E1000"
	mf_assign -pt
	check "passthrough: xl pci-assignable-remove $BDF_MF1 (mf1), for now" \
	    run assignable-remove-mf1-pt xl pci-assignable-remove "$BDF_MF1"
	# The NIC alone: libxl waits 10 s for each device it had added when
	# it tears the refused domain down (no frontend ever connects).
	guest_cfg "$MF_PCI" e2e.mode=pt
	# libxl names it in hex without leading zeros: 0:0:8.1.
	IFS=:. read -r a b c f <<<"$BDF_MF1"
	printf -v lx '%x:%x:%x.%x' $((16#$a)) $((16#$b)) $((16#$c)) $((16#$f))
	now_ms
	t0=$MS
	check "passthrough: xl create refused while $BDF_MF1 is not assignable" \
	    eval '! run create-pt-refused xl create /e2e/guest.cfg &&
	    grep -q "PCI device $lx is not assignable" \
	    "$LOGDIR/create-pt-refused.log"'
	check "passthrough: the refused guest is gone" wait_gone 60
	now_ms
	metric xl_create_refused "$(secs $((MS - t0)))" s
	check "passthrough: $BDF_MF0 assignable again (and the e1000)" \
	    wait_assignable 2 60
	if declare -F backend_free >/dev/null; then
		backend_free "$BDF_MF0"
	fi
	check "passthrough: xl pci-assignable-add $BDF_MF1 (mf1)" \
	    run assignable-add-mf1-again xl pci-assignable-add "$BDF_MF1"
	guest_cfg "$BDF_E1000 $MF_PCI" e2e.mode=pt
	if run create-pt xl create /e2e/guest.cfg; then
		ok "passthrough: xl create of a guest with e1000, $MF_PCI"
		follow_until pt-done 180
		run destroy-pt xl destroy "$GUEST"
		check "passthrough: xl destroy: guest gone" wait_gone 60
		follow_read all
	else
		not_ok "passthrough: xl create of a guest with e1000, $MF_PCI"
	fi
	mf_release 3
	check "passthrough: xl pci-assignable-remove $BDF_E1000 (e1000)" \
	    run assignable-remove-e1000-pt xl pci-assignable-remove "$BDF_E1000"
	check "passthrough: xl pci-assignable-list is empty" \
	    [ "$(assignable_count)" -eq 0 ]
	check "backend '$SCENARIO' in passthrough mode goes down" backend_down
}

checks_main() {
	if ! backend_up; then
		not_ok "backend '$SCENARIO' comes up"
		return
	fi
	ok "backend '$SCENARIO' comes up"
	dom0_latency
	assign_all
	if create_guest; then
		busy_window && hot_attach && restart_window && hot_detach
	fi
	guest_alive && shutdown_guest
	next_guest
	release_all
	check "backend '$SCENARIO' goes down" backend_down
	pt_main
}
