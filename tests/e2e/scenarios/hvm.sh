# Scenario "hvm" (issue 12 §4; bash, sourced by the dom0 /init): an HVM
# guest given the e1000e, first through xen-pciback, then, that module
# unloaded, through the shim and pcibackd, in this one boot.  QEMU in
# dom0 (qemu-system-xen, from the archive only this scenario appends:
# prepare.sh's hvm-*.cpio) passes the device through by sysfs; libxl
# still wants it bound to "pciback" and writes the backend's keys
# (doc/protocol.md §1.7).  The guest boots the PV guest's kernel and
# initramfs directly (kernel=, ramdisk=), its console on the emulated
# UART, which QEMU writes to a file here.  Under pcibackd the device
# must show in use by the domain (HVM), stay so across a restart of
# pcibackd, never be reset while the guest has it (pcibackd's own count,
# pcibackctl show metrics), and come back, reset, after xl destroy.

. /e2e/scenarios/bench.sh
PCIBACKD_CONF=/e2e/scenarios/pcibackd.d/pcibackd.conf
HVM_GUEST=e2e-hvm
HVM_LOG=$LOGDIR/hvm-console.log

# What Xen offers: virt_caps, and its log about SVM and HAP.
hvm_caps() {
	local caps
	caps=$(sed -n 's/^virt_caps *: *//p' "$LOGDIR/xl-info.log")
	note "hvm: xl info virt_caps: $caps"
	xl dmesg >"$LOGDIR/xl-dmesg-boot.log" 2>&1
	grep -i -E 'svm|hvm|hap|asid|npt|nested' "$LOGDIR/xl-dmesg-boot.log" |
	    head -n 12 | while IFS= read -r l; do
		note "hvm: xl dmesg: $l"
	done
	case " $caps " in
	*" hvm "*) ok "hvm: Xen offers HVM guests (virt_caps: $caps)" ;;
	*)
		not_ok "hvm: Xen offers HVM guests (virt_caps: $caps)"
		return 1
		;;
	esac
}

hvm_cfg() {
	cat >/e2e/hvm.cfg <<-EOF
	name = "$HVM_GUEST"
	type = "hvm"
	device_model_version = "qemu-xen"
	kernel = "/e2e/vmlinuz"
	ramdisk = "/e2e/guest.cpio"
	extra = "console=ttyS0 loglevel=1 e2e.console=ttyS0 e2e.mode=hvm e2e.half=$1"
	memory = 256
	vcpus = 1
	serial = "file:$HVM_LOG"
	vga = "none"
	vnc = 0
	sdl = 0
	pci = [ "$BDF_E1000E" ]
	on_poweroff = "destroy"
	on_reboot = "destroy"
	on_crash = "destroy"
	EOF
}

# Follow the HVM guest's serial log from its start (a new file each time).
hvm_follow_reset() {
	[ "$follow_open" -eq 1 ] && exec 3<&-
	follow_open=0
	follow_part=
	unset 'MARK_MS[hvm-up]' 'MARK_MS[hvm-done]'
	GUEST=$HVM_GUEST
	GUEST_LOG=$HVM_LOG
	rm -f "$HVM_LOG"
}

# pcibackd's resets of the e1000e so far, by its log, which a restart
# appends to (device.c: a reset done, a bus reset, one that timed out).
hvm_resets() {
	grep -c -E "^$BDF_E1000E: (reset \(|bus reset|no reset of its own: resetting|the reset that timed out)" \
	    "$LOGDIR/pcibackd.log"
}

# The running daemon's own count (pcibackctl show metrics), all methods
# and results: since its start.
hvm_resets_metric() {
	pcibackctl show metrics 2>/dev/null | awk -v d="$BDF_E1000E" '
	    /^pcibackd_device_resets_total\{/ && index($0, "device=\"" d "\"") {
		n += $2 }
	    END { print n + 0 }'
}

hvm_backend_line() {
	pcibackctl show devices 2>&1 | grep "^$BDF_E1000E "
}

# hvm_half pciback|pcibackd
hvm_half() {
	local h=$1 t0 t1 l m r0='' r1
	DOMID=
	hvm_follow_reset
	if ! "bench_${h}_up"; then
		not_ok "$h: backend comes up"
		return 1
	fi
	ok "$h: backend comes up"
	check "$h: xl pci-assignable-add $BDF_E1000E" \
	    run "hvm-assignable-add-$h" xl pci-assignable-add "$BDF_E1000E"
	hvm_cfg "$h"
	[ "$h" = pcibackd ] && r0=$(hvm_resets)
	now_ms
	t0=$MS
	if run "hvm-create-$h" xl create /e2e/hvm.cfg; then
		now_ms
		ok "$h: xl create of an HVM guest with the e1000e ($(secs $((MS - t0))) s)"
		metric "hvm_${h}_xl_create_returns" "$(secs $((MS - t0)))" s
		DOMID=$(xl domid "$HVM_GUEST")
		if follow_until hvm-up 400; then
			t1=${MARK_MS[hvm-up]}
			metric "hvm_${h}_create_to_userspace" "$(secs $((t1 - t0)))" s
			note "$h: xl create -> the HVM guest's userspace: $(secs $((t1 - t0))) s"
			[ "$h" = pcibackd ] && hvm_pcibackd_holds
			follow_until hvm-done 240
			[ "$h" = pcibackd ] && hvm_pcibackd_kept
		fi
		now_ms
		t0=$MS
		run "hvm-destroy-$h" xl destroy "$HVM_GUEST"
		now_ms
		metric "hvm_${h}_xl_destroy" "$(secs $((MS - t0)))" s
		check "$h: xl destroy: the HVM guest is gone" wait_gone 60
		follow_read all
	else
		not_ok "$h: xl create of an HVM guest with the e1000e"
	fi
	cp "/var/log/xen/qemu-dm-$HVM_GUEST.log" "$LOGDIR/qemu-dm-$h.log" \
	    2>/dev/null
	cp "/var/log/xen/xl-$HVM_GUEST.log" "$LOGDIR/xl-hvm-$h.log" 2>/dev/null
	cp "$HVM_LOG" "$LOGDIR/hvm-console-$h.log" 2>/dev/null
	check "$h: the e1000e is assignable again" wait_assignable 1 60
	[ "$h" = pcibackd ] && hvm_pcibackd_back
	check "$h: xl pci-assignable-remove $BDF_E1000E" \
	    run "hvm-assignable-remove-$h" xl pci-assignable-remove "$BDF_E1000E"
	check "$h: backend goes down" "bench_${h}_down"
}

# While the guest has it: in use by the domain (HVM); pcibackd's resets
# counted now, to compare once the guest is done with it.
hvm_pcibackd_holds() {
	l=$(hvm_backend_line)
	note "pcibackd: show devices: $l"
	check "pcibackd: show devices: $BDF_E1000E in use by dom$DOMID (HVM)" \
	    eval 'echo "$l" | grep -q "dom$DOMID (HVM)"'
	check "pcibackd: the log knows dom$DOMID as an HVM guest" \
	    grep -q "dom$DOMID: an HVM guest" "$LOGDIR/pcibackd.log"
	check "pcibackd: xl pci-list $HVM_GUEST lists $BDF_E1000E" \
	    eval 'xl pci-list "$HVM_GUEST" | grep -q "$BDF_E1000E"'
	# A restart while QEMU has the device: adopted as the HVM guest's,
	# neither reset nor taken back (the guest pings meanwhile).
	kill "$PCIBACKD_PID" && wait "$PCIBACKD_PID"
	if pcibackd_start; then
		ok "pcibackd: restarted (SIGTERM) while the HVM guest runs"
		l=$(hvm_backend_line)
		check "pcibackd: after the restart, still dom$DOMID (HVM)" \
		    eval 'echo "$l" | grep -q "dom$DOMID (HVM)"'
	else
		not_ok "pcibackd: restarted (SIGTERM) while the HVM guest runs"
	fi
}

hvm_pcibackd_kept() {
	l=$(hvm_backend_line)
	check "pcibackd: after the guest's checks, still dom$DOMID (HVM)" \
	    eval 'echo "$l" | grep -q "dom$DOMID (HVM)"'
	r1=$(hvm_resets)
	m=$(hvm_resets_metric)
	check "pcibackd: no reset of $BDF_E1000E from xl create to the end of the guest's checks (log: $r0 -> $r1; since the restart: $m)" \
	    eval '[ "$r1" = "$r0" ] && [ "$m" = 0 ]'
}

# After xl destroy: given back, reset once, free.
hvm_pcibackd_back() {
	local end
	now_ms
	end=$((MS + 30000))
	until hvm_backend_line | grep -qw free; do
		now_ms
		[ "$MS" -ge "$end" ] && break
		nap 0.5
	done
	l=$(hvm_backend_line)
	check "pcibackd: after xl destroy, $BDF_E1000E free ($l)" \
	    eval 'echo "$l" | grep -qw free'
	r1=$(hvm_resets)
	check "pcibackd: reset after the HVM guest (${r0:-?} -> $r1)" \
	    [ "$r1" -gt "${r0:-0}" ]
	check "pcibackd: the log says dom$DOMID released it" \
	    grep -q "$BDF_E1000E: released by dom$DOMID" "$LOGDIR/pcibackd.log"
}

scenario_main() {
	local h
	hvm_caps || return
	if [ ! -x /usr/libexec/xen-qemu-system-i386 ]; then
		not_ok "hvm: dom0 has qemu-system-xen (/usr/libexec/xen-qemu-system-i386)"
		return
	fi
	note "hvm: device model $(/usr/libexec/xen-qemu-system-i386 --version | head -n 1)"
	pcibackd_install_deb
	dump dom0-e1000e-hvm "$BDF_E1000E"
	for h in ${HVM_HALVES:-pciback pcibackd}; do
		hvm_half "$h"
	done
}
