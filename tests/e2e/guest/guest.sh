#!/bin/sh
# Checks run inside the PV guest (busybox ash).  Every result goes to the
# console as a line starting "E2E "; dom0 follows the console log and
# forwards those lines.  The guest cannot see what dom0 does, so each
# phase ends with a "mark" line that dom0 waits for before acting, and
# the guest then waits (against a deadline) for the effect: a device
# appearing or disappearing.
#
# Results: "E2E ok - ...", "E2E not ok - ...", "E2E # note",
# "E2E metric NAME VALUE UNIT", "E2E mark NAME",
# "E2E dump NAME BDF OFFSET BYTES..." (config space, 16 bytes a line).

T=/e2e/e2etool
SYS=/sys/bus/pci/devices
# dom0's NIC answers on 169.254.1.1 (e1000e's net), 169.254.2.1
# (e1000's), 169.254.3.1, 169.254.4.1 (the two-function NIC's) and
# 169.254.5.1 (the AER NIC's).
NET_E1000E=169.254.1
NET_E1000=169.254.2
NET_MF0=169.254.3
NET_MF1=169.254.4
# The AER NIC (issue 12 §1), found by its MAC, on 169.254.5.0/24.
NET_AER=169.254.5
AER_MAC=52:54:00:e2:e0:0a

say() {
	echo "E2E $*"
}

ok() {
	say "ok - guest: $*"
}

not_ok() {
	say "not ok - guest: $*"
}

note() {
	say "# $*"
}

# check DESCRIPTION COMMAND...
check() {
	c_desc=$1
	shift
	if "$@"; then
		ok "$c_desc"
	else
		not_ok "$c_desc"
	fi
}

# NOW: centiseconds since boot, read without forking.
now() {
	read -r n_up _ </proc/uptime
	NOW=$((${n_up%.*} * 100 + 1${n_up#*.} - 100))
}

# wait_for SECONDS COMMAND...: poll COMMAND until it succeeds or the
# deadline passes.  WAITED is the time it took, in centiseconds.
wait_for() {
	now
	w_start=$NOW
	w_end=$((NOW + $1 * 100))
	shift
	while :; do
		if "$@"; then
			now
			WAITED=$((NOW - w_start))
			return 0
		fi
		now
		[ "$NOW" -ge "$w_end" ] && return 1
		sleep 0.1
	done
}

# find_dev VENDOR DEVICE: DEV is the sysfs directory of that device.
find_dev() {
	DEV=
	for f_d in "$SYS"/*; do
		[ -r "$f_d/vendor" ] || continue
		read -r f_v <"$f_d/vendor"
		read -r f_i <"$f_d/device"
		if [ "$f_v:$f_i" = "0x$1:0x$2" ]; then
			DEV=$f_d
			return 0
		fi
	done
	return 1
}

gone_dev() {
	! find_dev "$1" "$2"
}

all_visible() {
	find_dev 1234 11e8 && find_dev 8086 10d3 && find_dev 8086 100e
}

has_driver() {
	[ -e "$1/driver" ]
}

# dump NAME DIR: the whole config file as the guest reads it, read until
# two reads in a row agree (at most 4).  A pcifront op that misses its
# deadline on a loaded host reads as ff bytes, and the snapshot must not
# depend on that; how many reads it took is a metric, so a backend that
# needed more is still seen.
dump() {
	d_n=1
	cat "$2/config" >/tmp/dump.a
	while [ "$d_n" -lt 4 ]; do
		d_n=$((d_n + 1))
		cat "$2/config" >/tmp/dump.b
		cmp -s /tmp/dump.a /tmp/dump.b && break
		mv /tmp/dump.b /tmp/dump.a
	done
	say "metric cfgdump_reads_$1 $d_n reads"
	hexdump -v -e "\"E2E dump $1 ${2##*/} %03_ax\" 16/1 \" %02x\" \"\\n\"" \
	    /tmp/dump.a
}

# IRQS: the Linux irqs of device DIR (its MSI/MSI-X vectors, or its INTx).
irqs_of() {
	IRQS=
	for i_f in "$1"/msi_irqs/*; do
		[ -e "$i_f" ] && IRQS="$IRQS ${i_f##*/}"
	done
	if [ -z "$IRQS" ]; then
		read -r IRQS <"$1/irq"
	fi
}

# MODE: how the device interrupts, from the Xen pirq type that
# /proc/interrupts shows for its irqs (msi-x, msi, ioapic-*).
irq_mode() {
	irqs_of "$1"
	MODE=$(awk -v irqs="$IRQS" '
	    BEGIN { n = split(irqs, a, " "); for (i = 1; i <= n; i++) want[a[i] ":"] = 1 }
	    ($1 in want) { if ($0 ~ /msi-x/) m = "MSI-X"; else if ($0 ~ /msi/) m = "MSI"; else m = "INTx" }
	    END { print (m == "" ? "none" : m) }' /proc/interrupts)
}

# COUNT: interrupts delivered so far to device DIR, all CPUs.
irq_count() {
	irqs_of "$1"
	COUNT=$(awk -v irqs="$IRQS" '
	    BEGIN { n = split(irqs, a, " "); for (i = 1; i <= n; i++) want[a[i] ":"] = 1 }
	    ($1 in want) { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i }
	    END { print s + 0 }' /proc/interrupts)
}

# IFACE: the network interface of device DIR.
iface_of() {
	IFACE=
	for n_f in "$1"/net/*; do
		[ -e "$n_f" ] && IFACE=${n_f##*/}
	done
	[ -n "$IFACE" ]
}

carrier() {
	read -r c_v <"/sys/class/net/$1/carrier" 2>/dev/null && [ "$c_v" = 1 ]
}

# net_up DIR ADDR: configure the NIC of DIR; IFACE is its name.
net_up() {
	iface_of "$1" || return 1
	ip link set "$IFACE" up &&
	    ip addr add "$2/24" dev "$IFACE" &&
	    wait_for 30 carrier "$IFACE"
}

# ping_rtt IFACE ADDR COUNT: RTT is "min/avg/max" in ms.
ping_rtt() {
	RTT=$(ping -c "$3" -i 0.2 -w 20 -I "$1" "$2" 2>&1 |
	    sed -n 's|.*min/avg/max = \([^ ]*\) ms.*|\1|p')
	[ -n "$RTT" ]
}

edu_checks() {
	d=$1
	# No driver binds edu: enable memory decoding through the frontend
	# so the BAR0 mapping reaches the device.
	echo 1 >"$d/enable" 2>/dev/null
	v=$("$T" mmio32 "$d/resource0" 0 2>&1)
	check "edu BAR0 ident register reads 0x010000ed (got $v)" \
	    [ "$v" = 0x010000ed ]
	v=$("$T" mmio32 "$d/resource0" 4 0x12345678 2>&1)
	check "edu BAR0 liveness register inverts 0x12345678 (got $v)" \
	    [ "$v" = 0xedcba987 ]
}

# nic_checks NAME DIR DRIVER WANTMODE NET ADDR
nic_checks() {
	name=$1 d=$2
	if ! wait_for 30 has_driver "$d"; then
		not_ok "$name: driver $3 binds"
		return
	fi
	drv=$(readlink "$d/driver")
	check "$name: driver ${drv##*/} binds (want $3)" [ "${drv##*/}" = "$3" ]
	if ! net_up "$d" "$5.$6"; then
		not_ok "$name: link up with $5.$6/24"
		return
	fi
	ok "$name: $IFACE link up with $5.$6/24"
	irq_mode "$d"
	check "$name: interrupts by $MODE (want $4)" [ "$MODE" = "$4" ]
	irq_count "$d"
	before=$COUNT
	if ping_rtt "$IFACE" "$5.1" 10; then
		ok "$name: $IFACE pings dom0 $5.1 (rtt min/avg/max $RTT ms)"
		say "metric ping_rtt_$name $RTT ms"
	else
		not_ok "$name: $IFACE pings dom0 $5.1"
	fi
	irq_count "$d"
	check "$name: $MODE interrupt count rises during ping ($before -> $COUNT)" \
	    [ "$COUNT" -gt "$before" ]
}

# cfg_latency NAME DIR: µs per 4-byte config access through the frontend,
# as 256-byte reads (64 accesses each) and as single 4-byte reads.
cfg_latency() {
	c_ok=0
	for c_spec in 256:16 4:128; do
		c_bytes=${c_spec%:*}
		c_r=$("$T" cfgread "$2/config" "$c_bytes" "${c_spec#*:}" 7) ||
		    continue
		c_med=${c_r%% *}
		c_min=${c_r#* }
		c_min=${c_min%% *}
		say "metric cfgread${c_bytes}_$1 $c_med us/4B-access (min $c_min)"
		c_ok=$((c_ok + 1))
	done
	check "$1: config read latency measured (median of 7)" [ "$c_ok" -eq 2 ]
}

phase_coldplug() {
	if wait_for 90 all_visible; then
		say "mark visible"
		ok "edu, e1000e, e1000 visible (waited $((WAITED * 10)) ms after insmod)"
	else
		say "mark visible"
		not_ok "edu, e1000e, e1000 visible within 90 s"
	fi
	set -- edu 1234 11e8 e1000e 8086 10d3 e1000 8086 100e
	while [ $# -ge 3 ]; do
		if find_dev "$2" "$3"; then
			ok "$1 ($2:$3) at ${DEV##*/}"
			dump "$1" "$DEV"
		else
			not_ok "$1 ($2:$3) present"
		fi
		shift 3
	done
	find_dev 1234 11e8 && edu_checks "$DEV"
	find_dev 8086 10d3 && E1000E=$DEV &&
	    nic_checks e1000e "$DEV" e1000e MSI-X "$NET_E1000E" 2
	find_dev 8086 100e && nic_checks e1000 "$DEV" e1000 INTx "$NET_E1000" 3
	[ -n "${E1000E:-}" ] && cfg_latency e1000e "$E1000E"
	find_dev 1234 11e8 && cfg_latency edu "$DEV"
	say "mark phase1-done"
}

# 16 s of e1000e config reads while dom0 resets the nvme (held, not yet
# given to us) in a loop and, under pcibackd, keeps the nvme's config
# space busy through the shim: a slow device must not delay another's
# ops (issue 10).  pcifront gives up on an op after 2 s.
phase_busy() {
	if ! find_dev 8086 10d3; then
		say "mark busy-window"
		not_ok "busy window: e1000e present"
		say "mark busy-done"
		return
	fi
	say "mark busy-window"
	r=$("$T" cfgwatch "$DEV/config" 16)
	b_max=$(echo "$r" | sed -n 's/.*maxus \([0-9]*\).*/\1/p')
	say "metric busy_window_cfg_max ${b_max:-?} us"
	check "busy window: e1000e config reads all right while dom0 resets the nvme ($r)" \
	    eval 'echo "$r" | grep -q " bad 0 "'
	check "busy window: slowest e1000e config read ${b_max:-?} us, below 1 s" \
	    [ "${b_max:-9999999}" -lt 1000000 ]
	say "mark busy-done"
}

nvme_ready() {
	has_driver "$1" && [ -b /dev/nvme0n1 ]
}

phase_hotplug() {
	if ! wait_for 60 find_dev 1b36 0010; then
		say "mark nvme-visible"
		not_ok "nvme (1b36:0010) appears after xl pci-attach"
		say "mark phase2-done"
		return
	fi
	say "mark nvme-visible"
	d=$DEV
	ok "nvme (1b36:0010) appears at ${d##*/} after xl pci-attach"
	if ! wait_for 60 nvme_ready "$d"; then
		not_ok "nvme: driver binds and /dev/nvme0n1 appears"
		say "mark phase2-done"
		return
	fi
	ok "nvme: driver binds, /dev/nvme0n1 appears"
	irq_count "$d"
	before=$COUNT
	want=$(sed -n 's/.*e2e\.md5=\([0-9a-f]*\).*/\1/p' /proc/cmdline)
	sum=$(md5sum </dev/nvme0n1)
	sum=${sum%% *}
	check "nvme: whole-disk md5 $sum matches the image (${want:-?})" \
	    [ "${want:-none}" = "$sum" ]
	# Dumped once the driver is done, so both backends are compared in
	# the same state: only the interrupt mode may differ.
	dump nvme "$d"
	irq_mode "$d"
	irq_count "$d"
	say "metric nvme_irq_mode $MODE"
	note "nvme interrupts by $MODE (stock pciback: INTx, MSI-X is refused)"
	check "nvme: $MODE interrupt count rises during the read ($before -> $COUNT)" \
	    [ "$COUNT" -gt "$before" ]
	say "mark phase2-done"
}

phase_hotunplug() {
	if wait_for 30 gone_dev 1234 11e8; then
		ok "edu disappears after xl pci-detach ($((WAITED * 10)) ms)"
	else
		not_ok "edu disappears within 30 s of xl pci-detach"
	fi
	check "e1000e and e1000 still present after the detach" \
	    eval 'find_dev 8086 10d3 && find_dev 8086 100e'
	if find_dev 8086 10d3 && iface_of "$DEV" &&
	    ping_rtt "$IFACE" "$NET_E1000E.1" 3; then
		ok "e1000e still pings dom0 after the detach"
	else
		not_ok "e1000e still pings dom0 after the detach"
	fi
	say "mark phase3-done"
}

# 32 s of traffic while dom0 restarts the backend (pcibackd: SIGTERM,
# then SIGKILL, then kills its worker, then both; stock pciback: nothing
# happens): config reads, pings and an nvme read must all go on as if
# nothing happened.
phase_restart() {
	if ! find_dev 8086 10d3 || ! iface_of "$DEV"; then
		say "mark restart-window"
		not_ok "restart window: e1000e present"
		say "mark restart-done"
		return
	fi
	ping -c 150 -i 0.2 -I "$IFACE" "$NET_E1000E.1" >/tmp/ping.log 2>&1 &
	r_ping=$!
	r_sum=
	[ -b /dev/nvme0n1 ] && (md5sum </dev/nvme0n1 >/tmp/nvme.md5) &
	r_nvme=$!
	say "mark restart-window"
	r=$("$T" cfgwatch "$DEV/config" 32)
	wait "$r_ping" "$r_nvme"
	say "metric restart_window_cfg_max $(echo "$r" | sed -n 's/.*maxus \([0-9]*\).*/\1/p') us"
	check "restart window: e1000e config reads all right ($r)" \
	    eval 'echo "$r" | grep -q " bad 0 "'
	r_pl=$(sed -n 's/.* \([0-9]*\)% packet loss.*/\1/p' /tmp/ping.log)
	check "restart window: ping to dom0 loses nothing (${r_pl:-?}% loss)" \
	    [ "${r_pl:-100}" = 0 ]
	if [ -b /dev/nvme0n1 ]; then
		read -r r_sum _ </tmp/nvme.md5
		want=$(sed -n 's/.*e2e\.md5=\([0-9a-f]*\).*/\1/p' /proc/cmdline)
		check "restart window: nvme reads the image again ($r_sum)" \
		    [ "${want:-none}" = "$r_sum" ]
	fi
	say "mark restart-done"
}

# Replay what the kernel said about PCI and interrupts, for the report.
kernel_notes() {
	dmesg | grep -i -e pcifront -e 'pci ' -e msi -e nvme -e e1000 \
	    -e 'xen pci' | tail -n 60 | while IFS= read -r l; do
		note "dmesg: $l"
	done
}

# The second guest gets e1000e, nvme and e1000 after the first one let
# them go (so after their reset), uses two briefly, and is then destroyed.
phase_second() {
	say "mark second-up"
	if wait_for 90 eval 'find_dev 8086 10d3 && find_dev 1b36 0010 &&
	    find_dev 8086 100e'; then
		ok "second guest: e1000e, nvme and e1000 visible"
	else
		not_ok "second guest: e1000e, nvme and e1000 visible within 90 s"
	fi
	find_dev 8086 10d3 &&
	    nic_checks e1000e-2nd "$DEV" e1000e MSI-X "$NET_E1000E" 4
	if find_dev 1b36 0010 && wait_for 60 nvme_ready "$DEV"; then
		want=$(sed -n 's/.*e2e\.md5=\([0-9a-f]*\).*/\1/p' /proc/cmdline)
		sum=$(md5sum </dev/nvme0n1)
		sum=${sum%% *}
		irq_mode "$DEV"
		check "second guest: nvme reads the image ($MODE)" \
		    [ "${want:-none}" = "$sum" ]
	else
		not_ok "second guest: nvme driver binds"
	fi
	mf_checks "" 4
	aer_checks
	say "mark second-done"
}

# DEV: the sysfs directory of the NIC whose MAC is $1.
nic_by_mac() {
	DEV=
	for n_f in /sys/class/net/*; do
		read -r n_m <"$n_f/address" 2>/dev/null || continue
		[ "$n_m" = "$1" ] || continue
		DEV=$(readlink -f "$n_f/device")
		return 0
	done
	return 1
}

# carrier_count IFACE up|down: how often the link went up or down.
carrier_count() {
	read -r CARRIER <"/sys/class/net/$1/carrier_$2_count"
}

aer_went_down() {
	carrier_count "$1" down && [ "$CARRIER" -gt "$2" ]
}

aer_came_up() {
	carrier_count "$1" up && [ "$CARRIER" -gt "$2" ] && carrier "$1"
}

aer_pings() {
	ping -c 1 -W 1 -I "$1" "$NET_AER.1" >/dev/null 2>&1
}

# Issue 12 §1: after "mark aer-ready" dom0 has QEMU inject an
# uncorrectable, non-fatal error into the AER NIC's root port; dom0's
# recovery of the NIC reaches us through the backend and pcifront, and
# the e1000e driver's error handlers take the link down
# (error_detected), reset the NIC (slot_reset) and bring it up again
# (resume); pcifront and the driver say nothing when it goes well, so
# the link's carrier counters are the witness.  Then it must ping.
aer_checks() {
	if ! wait_for 60 nic_by_mac "$AER_MAC"; then
		not_ok "aernic: a NIC with MAC $AER_MAC appears"
		say "mark aer-ready"
		say "mark aer-done"
		return
	fi
	a_dev=$DEV
	ok "aernic: MAC $AER_MAC at ${a_dev##*/}"
	nic_checks aernic "$a_dev" e1000e MSI-X "$NET_AER" 4
	dump aernic "$a_dev"
	if ! iface_of "$a_dev"; then
		say "mark aer-ready"
		say "mark aer-done"
		return
	fi
	a_if=$IFACE
	carrier_count "$a_if" down
	a_down=$CARRIER
	carrier_count "$a_if" up
	a_up=$CARRIER
	a_n=$(dmesg | wc -l)
	say "mark aer-ready"
	if wait_for 20 aer_went_down "$a_if" "$a_down"; then
		ok "aernic: the e1000e driver took the error: $a_if went down $((WAITED * 10)) ms after aer-ready (error_detected)"
		say "metric aer_ready_to_link_down $((WAITED * 10)) ms"
		if wait_for 30 aer_came_up "$a_if" "$a_up"; then
			ok "aernic: $a_if up again $((WAITED * 10)) ms later (slot_reset, resume)"
		else
			not_ok "aernic: $a_if up again within 30 s"
		fi
	else
		not_ok "aernic: the e1000e driver took the error ($a_if never went down in 20 s: carrier_down_count $a_down)"
	fi
	if wait_for 30 aer_pings "$a_if"; then
		say "mark aer-pings"
		ok "aernic: $a_if pings dom0 $NET_AER.1 again ($((WAITED * 10)) ms after that)"
	else
		not_ok "aernic: $a_if pings dom0 $NET_AER.1 again within 30 s"
	fi
	irq_mode "$a_dev"
	note "aernic after the error: interrupts by $MODE," \
	    "carrier up/down $(cat "/sys/class/net/$a_if/carrier_up_count")/$(cat "/sys/class/net/$a_if/carrier_down_count")"
	# pcifront says this on every config op that ends while the
	# backend's AER request is pending: count it, replay the rest.
	dmesg | tail -n +$((a_n + 1)) >/tmp/aer-dmesg
	note "dmesg: 'schedule aer pcifront service'" \
	    "$(grep -c 'schedule aer pcifront service' /tmp/aer-dmesg) times"
	grep -v 'schedule aer pcifront service' /tmp/aer-dmesg |
	    while IFS= read -r l; do
		note "dmesg: $l"
	done
	say "mark aer-done"
}

# MF0, MF1: the sysfs directories of functions 0 and 1 of one slot.
mf_slot() {
	for m_f in "$SYS"/*.1; do
		[ -e "${m_f%.1}.0" ] || continue
		MF0=${m_f%.1}.0
		MF1=$m_f
		return 0
	done
	return 1
}

# mf_checks SUFFIX HOST: both functions of the two-function NIC (two
# e1000e) share a slot, bind, interrupt and ping; dumped once their
# driver is done.
mf_checks() {
	if ! wait_for 60 mf_slot; then
		not_ok "mf$1: two functions in one slot (have: $(ls "$SYS" | tr '\n' ' '))"
		return
	fi
	ok "mf$1: both functions in one slot, ${MF0##*/} and ${MF1##*/}"
	check "mf$1: both are the e1000e (8086:10d3)" eval \
	    '[ "$(cat "$MF0/vendor" "$MF0/device" "$MF1/vendor" "$MF1/device" |
	    tr "\n" " ")" = "0x8086 0x10d3 0x8086 0x10d3 " ]'
	nic_checks "mf0$1" "$MF0" e1000e MSI-X "$NET_MF0" "$2"
	nic_checks "mf1$1" "$MF1" e1000e MSI-X "$NET_MF1" "$2"
	dump "mf0$1" "$MF0"
	dump "mf1$1" "$MF1"
}

# Passthrough mode (issue 12 §3): the e1000 behind its bridge and both
# functions of the NIC, each at its host address, and nothing else.
phase_pt() {
	say "mark pt-up"
	if wait_for 90 eval '[ -e "$SYS/0000:01:00.0" ] &&
	    [ -e "$SYS/0000:00:08.0" ] && [ -e "$SYS/0000:00:08.1" ]'; then
		ok "passthrough: e1000 at 0000:01:00.0, the NIC at 0000:00:08.0 and 0000:00:08.1"
	else
		not_ok "passthrough: e1000 at 0000:01:00.0, the NIC at 0000:00:08.0 and 0000:00:08.1 within 90 s"
	fi
	r=$(ls "$SYS" | tr '\n' ' ')
	check "passthrough: nothing else ($r)" \
	    [ "$r" = "0000:00:08.0 0000:00:08.1 0000:01:00.0 " ]
	d=$SYS/0000:01:00.0
	if [ -e "$d" ]; then
		dump e1000-pt "$d"
		nic_checks e1000-pt "$d" e1000 INTx "$NET_E1000" 5
	fi
	mf_checks -pt 5
	kernel_notes
	say "mark pt-done"
}

# One round of `make bench` (dom0: scenarios/bench.sh), the same for
# both backends: the three devices appear, the drivers bind, config-read
# latency; the nvme appears after xl pci-attach; config reads watched
# for BENCH_WINDOW s (pcibackd is killed and restarted in it); edu goes
# after xl pci-detach.  dom0 times the steps between the marks.
BENCH_WINDOW=6

# bench_split: where "xl create -> visible" went, on the guest's clock
# (ms since its kernel started): the kernel's boot to /init, pcifront's
# probe to its bus (the xenbus handshake: the backend's part), and the
# bus to the three devices visible (the scan: config reads).  Only the
# last two are the backend's.
bench_split() {
	read -r b_up _ </proc/uptime
	dmesg | awk -v up="$b_up" '
	function ts(l) { sub(/^\[ */, "", l); sub(/\].*/, "", l); return l * 1000 }
	/Run \/init as init process/ && !i { i = ts($0) }
	/pcifront pci-0: Installing PCI frontend/ && !p { p = ts($0) }
	/pcifront pci-0: Creating PCI Frontend Bus/ && !b { b = ts($0) }
	END {
		if (i) printf "E2E metric guest_kernel_to_init %d ms\n", i
		if (p && b) printf "E2E metric pcifront_probe_to_bus %d ms\n", b - p
		if (b) printf "E2E metric pcifront_bus_to_visible %d ms\n", up * 1000 - b
	}'
}

phase_bench() {
	wait_for 90 all_visible ||
	    not_ok "bench: edu, e1000e, e1000 visible within 90 s"
	say "mark visible"
	bench_split
	# Measured once the drivers are done with config space.
	find_dev 8086 10d3 && wait_for 30 has_driver "$DEV"
	find_dev 8086 100e && wait_for 30 has_driver "$DEV"
	find_dev 8086 10d3 && cfg_latency e1000e "$DEV"
	find_dev 1234 11e8 && cfg_latency edu "$DEV"
	say "mark cfg-done"
	if wait_for 60 find_dev 1b36 0010; then
		say "mark nvme-visible"
		wait_for 60 nvme_ready "$DEV" ||
		    not_ok "bench: nvme driver binds"
	else
		say "mark nvme-visible"
		not_ok "bench: nvme appears after xl pci-attach"
	fi
	if find_dev 8086 10d3; then
		say "mark window"
		r=$("$T" cfgwatch "$DEV/config" "$BENCH_WINDOW")
		b_max=$(echo "$r" | sed -n 's/.*maxus \([0-9]*\).*/\1/p')
		say "metric window_cfg_max ${b_max:-?} us"
		check "bench: e1000e config reads all right in the window ($r)" \
		    eval 'echo "$r" | grep -q " bad 0 "'
	else
		say "mark window"
	fi
	say "mark window-done"
	wait_for 30 gone_dev 1234 11e8 ||
	    not_ok "bench: edu disappears within 30 s of xl pci-detach"
	say "mark edu-gone"
}

# MSI_MODE: how device DIR interrupts, from its msi_irqs (an HVM guest
# has no Xen pirq names in /proc/interrupts to go by).
msi_mode() {
	MSI_MODE=INTx
	for m_f in "$1"/msi_irqs/*; do
		[ -f "$m_f" ] || continue
		read -r m_v <"$m_f"
		case $m_v in
		msix) MSI_MODE=MSI-X ;;
		msi) MSI_MODE=MSI ;;
		esac
	done
}

# Scenario hvm: an HVM guest given the e1000e, which QEMU in dom0 passes
# through (xen_pt), no pcifront.  Its own driver binds, takes MSI-X and
# pings dom0.
phase_hvm() {
	# e2e.half=BACKEND names this guest's dump (both halves, one boot).
	half=$(sed -n 's/.*e2e\.half=\([a-z]*\).*/\1/p' /proc/cmdline)
	say "mark hvm-up"
	# What of the time to here the kernel took (the rest: hvmloader,
	# SeaBIOS, loading the kernel and initramfs through QEMU's fw_cfg).
	read -r up _ </proc/uptime
	say "metric hvm_${half}_guest_uptime_at_userspace $up s"
	if ! wait_for 60 find_dev 8086 10d3; then
		not_ok "hvm: the e1000e is in the guest"
		say "mark hvm-done"
		return
	fi
	ok "hvm: the e1000e is in the guest at ${DEV##*/}"
	d=$DEV
	if ! wait_for 60 has_driver "$d"; then
		not_ok "hvm: e1000e: driver e1000e binds"
		say "mark hvm-done"
		return
	fi
	drv=$(readlink "$d/driver")
	check "hvm: e1000e: driver ${drv##*/} binds" [ "${drv##*/}" = e1000e ]
	if net_up "$d" "$NET_E1000E.2"; then
		ok "hvm: e1000e: $IFACE link up with $NET_E1000E.2/24"
		msi_mode "$d"
		check "hvm: e1000e: interrupts by $MSI_MODE (want MSI-X)" \
		    [ "$MSI_MODE" = MSI-X ]
		irq_count "$d"
		before=$COUNT
		if ping_rtt "$IFACE" "$NET_E1000E.1" 10; then
			ok "hvm: e1000e: $IFACE pings dom0 $NET_E1000E.1 (rtt min/avg/max $RTT ms)"
			say "metric hvm_${half}_ping_rtt_e1000e $RTT ms"
		else
			not_ok "hvm: e1000e: $IFACE pings dom0 $NET_E1000E.1"
		fi
		irq_count "$d"
		check "hvm: e1000e: interrupt count rises during ping ($before -> $COUNT)" \
		    [ "$COUNT" -gt "$before" ]
	else
		not_ok "hvm: e1000e: link up with $NET_E1000E.2/24"
	fi
	irqs_of "$d"
	for i in $IRQS; do
		note "hvm: $(grep "^ *$i:" /proc/interrupts | tr -s ' ')"
	done
	dump "e1000e-hvm-$half" "$d"
	dmesg | grep -i -e e1000e -e msi -e 'xen.*pirq' | tail -n 12 |
	    while IFS= read -r l; do
		note "dmesg: $l"
	done
	say "mark hvm-done"
}

main() {
	case " $(cat /proc/cmdline) " in
	*" e2e.mode=hvm "*)
		phase_hvm
		return
		;;
	*" e2e.mode=second "*)
		phase_second
		return
		;;
	*" e2e.mode=pt "*)
		phase_pt
		return
		;;
	*" e2e.mode=bench "*)
		phase_bench
		return
		;;
	*" e2e.mode=devices "*)
		. /e2e/devices.sh
		phase_devices
		return
		;;
	esac
	say "mark guest-up"
	phase_coldplug
	phase_busy
	phase_hotplug
	phase_restart
	phase_hotunplug
	kernel_notes
	say "mark guest-done"
}

main
