# The guest's part of the scenario "devices" (issue 12 §2; busybox ash,
# sourced by guest.sh, whose helpers it uses).  For every device of
# /e2e/devices.list: it appears, the stock driver binds, a cheap check
# of what it does (a USB device enumerates, the HDA codec answers, a
# disk reads the right block, a NIC pings dom0, the RNG gives bytes,
# the display has a mode, the watchdog starts and stops), its
# interrupt count rises in the mode its driver chose, and its config
# space as the guest sees it goes to the host.  The guest runs twice in
# one boot, first under xen-pciback, then under pcibackd; e2e.half on
# the kernel command line says which, and starts every result line.

DV_LIST=/e2e/devices.list
DV_CFG=/tmp/dvcfg

dv_ok() {
	ok "$DV_HALF: $*"
}

dv_not_ok() {
	not_ok "$DV_HALF: $*"
}

dv_check() {
	dv_desc=$1
	shift
	if "$@"; then
		dv_ok "$dv_desc"
	else
		dv_not_ok "$dv_desc"
	fi
}

# USB: a device QEMU plugged into the controller (vendor $3) has been
# enumerated; it is then unconfigured and configured again, two control
# transfers that complete with interrupts.
dv_usb_dev() {
	for u_v in "$1"/usb*/*-*/idVendor; do
		[ -r "$u_v" ] || continue
		read -r u_id <"$u_v"
		[ "$u_id" = "$2" ] || continue
		USBDEV=${u_v%/idVendor}
		return 0
	done
	return 1
}

dv_fn_usb() {
	if ! wait_for 30 dv_usb_dev "$2" "$3"; then
		FN="a USB device $3:* enumerated behind it within 30 s"
		return 1
	fi
	read -r u_p <"$USBDEV/idProduct"
	echo 0 >"$USBDEV/bConfigurationValue" 2>/dev/null
	echo 1 >"$USBDEV/bConfigurationValue" 2>/dev/null
	read -r u_c <"$USBDEV/bConfigurationValue" 2>/dev/null
	FN="USB device $3:$u_p enumerated at ${USBDEV##*/}, configured again (configuration ${u_c:-none})"
	[ "${u_c:-}" = 1 ]
}

# HDA: the codec's vendor ID read from the codec itself (a verb through
# the controller's command ring, answered by an interrupt).
dv_fn_hda() {
	if ! wait_for 30 [ -e /dev/snd/hwC0D0 ]; then
		FN="codec 0 appears (/dev/snd/hwC0D0) within 30 s"
		return 1
	fi
	h_v=$("$T" hdaverb /dev/snd/hwC0D0 0x000f0000 2>&1)
	FN="codec 0 answers GET_PARAMETER(vendor id) with $h_v (want $3)"
	[ "$h_v" = "$3" ]
}

# The block device whose sysfs path runs through the PCI device $1.
# An nvme controller in a multi-controller subsystem (the SR-IOV VF's)
# has only a hidden path disk there, nvmeScCnN, whose I/O goes through
# the subsystem's multipath node nvmeSnN.
dv_blockdev() {
	for b_d in /sys/block/*; do
		case $(readlink -f "$b_d") in
		*/"${1##*/}"/*)
			BLK=$(echo "${b_d##*/}" | sed 's/^\(nvme[0-9]*\)c[0-9]*n/\1n/')
			[ -b "/dev/$BLK" ]
			return
			;;
		esac
	done
	return 1
}

# Disk: sector 1000 read past the page cache names its disk and itself.
dv_fn_disk() {
	if ! wait_for 60 dv_blockdev "$2"; then
		FN="a block device behind it within 60 s"
		return 1
	fi
	d_s=$(dd if="/dev/$BLK" bs=512 skip=1000 count=1 iflag=direct \
	    2>/dev/null | head -n 1 | sed 's/ *$//')
	FN="/dev/$BLK sector 1000 reads '$d_s'"
	[ "$d_s" = "pcibackd e2e $3 sector 1000" ]
}

# NIC: up on NET.2/24, pings dom0 at NET.1.  A virtio NIC's interface
# hangs below its virtio device.
dv_fn_net() {
	n_d=$2
	for n_v in "$2"/virtio*; do
		[ -d "$n_v/net" ] && n_d=$n_v
	done
	if ! net_up "$n_d" "$3.2"; then
		FN="link up with $3.2/24"
		return 1
	fi
	if ping_rtt "$IFACE" "$3.1" 5; then
		FN="$IFACE pings dom0 $3.1 (rtt min/avg/max $RTT ms)"
		return 0
	fi
	FN="$IFACE pings dom0 $3.1"
	return 1
}

# RNG: the current hardware RNG is this device's, and gives 64 bytes.
dv_fn_rng() {
	read -r r_c </sys/class/misc/hw_random/rng_current 2>/dev/null
	r_n=$(dd if=/dev/hwrng bs=64 count=1 2>/dev/null | wc -c)
	FN="/dev/hwrng (${r_c:-none}) gives $r_n of 64 bytes"
	case $r_c in virtio_rng.*) [ "$r_n" -eq 64 ] ;; *) false ;; esac
}

# Display: a DRM card with a connected output and a mode, which the
# driver read from the adapter's EDID.
dv_fn_drm() {
	for c_d in "$2"/drm/card[0-9]*; do
		[ -d "$c_d" ] || continue
		for c_o in /sys/class/drm/"${c_d##*/}"-*; do
			[ -r "$c_o/status" ] || continue
			read -r c_s <"$c_o/status"
			c_m=$(head -n 1 "$c_o/modes" 2>/dev/null)
			FN="${c_o##*/} $c_s, first mode ${c_m:-none}"
			[ "$c_s" = connected ] && [ -n "$c_m" ]
			return
		done
	done
	FN="a DRM card with an output"
	return 1
}

# Watchdog: opened it runs, a write keeps it alive, the magic close
# stops it.  QEMU's expiry action is none (host-devices.sh), so a
# failure here cannot reset the machine.  The watchdog is found by its
# identity: its class device's link did not lead to the PCI device.
dv_fn_wdt() {
	for w_d in /sys/class/watchdog/watchdog*; do
		[ -r "$w_d/identity" ] || continue
		case $(cat "$w_d/identity") in *6300*) ;; *) continue ;; esac
		w_n=${w_d##*/}
		read -r w_i <"$w_d/identity"
		exec 5>"/dev/$w_n"
		read -r w_a <"$w_d/state"
		printf V >&5
		exec 5>&-
		read -r w_b <"$w_d/state"
		FN="$w_n ($w_i) $w_a while open, $w_b after the magic close"
		[ "$w_a" = active ] && [ "$w_b" = inactive ]
		return
	done
	FN="a watchdog device of it (have: $(ls /sys/class/watchdog 2>&1 | tr '\n' ' '))"
	return 1
}

# MODE, COUNT: how device DIR interrupts and how often so far.  Its
# vectors if it has any, else its INTx line, which counts only if it is
# a pirq pcifront bound (or an ioapic one): a device without a pin or
# vector shows an irq number that may be another device's.
dv_irq() {
	irqs_of "$1"
	i_msi=0
	for i_f in "$1"/msi_irqs/*; do
		[ -e "$i_f" ] && i_msi=1
	done
	# shellcheck disable=SC2046 # two words
	set -- $(awk -v irqs="$IRQS" -v msi="$i_msi" '
	    BEGIN { n = split(irqs, a, " ")
		for (i = 1; i <= n; i++) want[a[i] ":"] = 1 }
	    ($1 in want) {
		if ($0 ~ /msi-x/) t = "MSI-X"
		else if ($0 ~ /msi/) t = "MSI"
		else if ($0 ~ /pcifront|ioapic/) t = "INTx"
		else next
		if ((t == "INTx") == (msi == 1)) next
		m = t
		for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i
	    }
	    END { print (m == "" ? "none" : m), s + 0 }' /proc/interrupts)
	MODE=$1 COUNT=$2
}

# dv_unbind NAME DIR: the driver lets the device go (its remove path
# through the backend: MSI off, the device disabled), within 20 s; the
# guest's destroy then unplugs devices no driver holds.
dv_unbind() {
	[ -e "$2/driver" ] || return 0
	u_d=$2
	now
	u_t0=$NOW
	echo "${2##*/}" >"$2/driver/unbind" &
	u_pid=$!
	if wait_for 20 eval '! kill -0 "$u_pid" 2>/dev/null'; then
		dv_check "$1: driver unbinds ($(((NOW - u_t0) * 10)) ms)" \
		    eval '[ ! -e "$u_d/driver" ]'
	else
		dv_not_ok "$1: driver unbinds within 20 s"
	fi
}

# dv_save NAME DIR: its config space, read until two reads agree (at
# most 4), as guest.sh's dump does, kept for the host.
dv_save() {
	s_n=1
	cat "$2/config" >"$DV_CFG/$1.bin"
	while [ "$s_n" -lt 4 ]; do
		s_n=$((s_n + 1))
		cat "$2/config" >/tmp/dv.b
		cmp -s "$DV_CFG/$1.bin" /tmp/dv.b && break
		mv /tmp/dv.b "$DV_CFG/$1.bin"
	done
	say "metric dv.$DV_HALF.$1.cfgreads $s_n reads"
}

# dv_msix_refused DIR WHERE: under xen-pciback, an SR-IOV VF (the
# table says so) whose MSI-X enable pcifront saw refused with -EALREADY
# (-114).  Its driver cannot work there: a VF has no INTx to fall back
# to (QEMU's claims pin INTA, but dom0 routes it no interrupt), so this
# is the reference backend's known failure, not a check that failed.
dv_msix_refused() {
	[ "$DV_HALF" = xen-pciback ] && [ "$2" = sr-iov-vf ] &&
	    dmesg | grep -q "${1##*/}: Xen PCI frontend error: -114"
}

# dv_device NAME BDF VENDOR:DEVICE DRIVER CHECK ARG WHERE
dv_device() {
	if ! wait_for 60 find_dev "${3%:*}" "${3#*:}"; then
		dv_not_ok "$1: $3 present"
		return
	fi
	d=$DEV
	dv_ok "$1: $3 present at ${d##*/} (host $2)"
	d_where=$7
	wait_for 60 eval 'has_driver "$d" || dv_msix_refused "$d" "$d_where"'
	if dv_msix_refused "$d" "$d_where" &&
	    wait_for 10 eval '! has_driver "$d"'; then
		dv_ok "$1: driver $4 gave up, as known under xen-pciback: its second MSI-X enable got -EALREADY (the guest's teardown of the first sent disable-MSI, which xen-pciback ignores for MSI-X: doc/config-space.md, difference 16), and a VF has no INTx to fall back to"
		say "metric dv.$DV_HALF.$1.driver none -"
		say "metric dv.$DV_HALF.$1.mode refused -"
		dv_save "$1" "$d"
		return
	fi
	if ! has_driver "$d"; then
		dv_not_ok "$1: driver $4 binds within 60 s"
		dv_save "$1" "$d"
		return
	fi
	drv=$(readlink "$d/driver")
	drv=$(echo "${drv##*/}" | tr ' ' _)
	dv_check "$1: driver $drv binds (want $4)" [ "$drv" = "$4" ]
	say "metric dv.$DV_HALF.$1.driver $drv -"
	dv_irq "$d"
	before=$COUNT
	FN=
	if "dv_fn_$5" "$1" "$d" "$6"; then
		dv_ok "$1: $FN"
	else
		dv_not_ok "$1: $FN"
	fi
	dv_irq "$d"
	say "metric dv.$DV_HALF.$1.mode $MODE -"
	case $5 in
	drm | wdt)
		# No interrupt: the driver asks for none.
		dv_check "$1: no interrupt ($MODE, count $COUNT)" \
		    [ "$MODE" = none ]
		;;
	*)
		dv_check "$1: $MODE interrupt count rises during the check ($before -> $COUNT)" \
		    eval '[ "$MODE" != none ] && [ "$COUNT" -gt "$before" ]'
		;;
	esac
	# Once the driver and the check are done: both halves alike.
	dv_save "$1" "$d"
}

phase_devices() {
	DV_HALF=$(sed -n 's/.*e2e\.half=\([a-z-]*\).*/\1/p' /proc/cmdline)
	say "mark devices-up"
	mkdir -p "$DV_CFG"
	now
	dv_t0=$NOW
	# The list on fd 4: nothing in the checks may read it by mistake.
	while read -r n bdf id drv chk arg where <&4; do
		dv_device "$n" "$bdf" "$id" "$drv" "$chk" "$arg" "$where"
	done 4<"$DV_LIST"
	now
	say "metric dv.$DV_HALF.checks $(((NOW - dv_t0) * 10)) ms"
	dv_t0=$NOW
	while read -r n bdf id drv chk arg where <&4; do
		find_dev "${id%:*}" "${id#*:}" && dv_unbind "$n" "$DEV"
	done 4<"$DV_LIST"
	now
	say "metric dv.$DV_HALF.unbind $(((NOW - dv_t0) * 10)) ms"
	# One blob: a 4 KiB config space is 256 lines as hex, and the
	# console is slow.
	tar -czf - -C "$DV_CFG" . | base64 -w 72 | while read -r l; do
		say "blob dvcfg-guest-$DV_HALF $l"
	done
	# The kernel's whole log and the interrupts, for the host's logs.
	{ dmesg; cat /proc/interrupts; } | gzip -c | base64 -w 72 |
	    while read -r l; do
		say "blob guest-dmesg-$DV_HALF $l"
	done
	say "mark devices-done"
}
