# The host's part of the scenario "devices" (issue 12 §2; sourced by
# run.sh, POSIX sh): a wide set of QEMU device models, each given to one
# PV guest through xen-pciback and then, in the same boot, through the
# shim and pcibackd (dom0: scenarios/devices.sh; guest: guest/devices.sh).
# Here: the machine, the device table both sides read, the guest's extra
# drivers, and the checks of what came back: the guest's view of each
# device under both backends compared byte by byte (expected-diffs), and
# dom0's view before each half, while the backend held it after the
# guest, and once given back, against pcibackd(8).  run.sh runs under
# set -e: every function here returns 0, and what may fail is tested.

# One line per device: name, host BDF, vendor:device, the guest driver
# (sysfs name, spaces as _), the function check and its argument, and
# where it sits.  qemu_start below must put each device at its BDF.
# q35 routes INTA of root slot S to GSI 20 + S % 4; dom0's NIC is in
# slot 7 (GSI 23), so no device here is in a slot 4k+3 (XSA-461: a
# device whose driver needs INTx must not share a line with dom0).
# Behind the bridge in slot 0c, slots 1 and 2 swizzle to GSI 21 and 22.
# The last row is a VF (issue 12 §3): QEMU's nvme in slot 14 is an
# SR-IOV PF that dom0 keeps, and dom0 makes its VF at function 1
# (scenarios/devices.sh, dv_sriov_up) before either backend comes up.
# A VF has no INTx pin.
DV_TABLE='ehci 0000:00:02.0 8086:24cd ehci-pci usb 0627 root
uhci 0000:00:04.0 8086:2934 uhci_hcd usb 0627 root
hda 0000:00:05.0 8086:2668 snd_hda_intel hda 0x1af40022 root
megasas 0000:00:08.0 1000:0079 megaraid_sas disk megasas root
vscsi 0000:00:09.0 1af4:1048 virtio-pci disk vscsi root
vblk 0000:00:0e.0 1af4:1042 virtio-pci disk vblk root
vrng 0000:00:10.0 1af4:1044 virtio-pci rng - root
bochs 0000:00:11.0 1234:1111 bochs-drm drm - root
wdt 0000:00:12.0 8086:25ab i6300ESB_timer wdt - root
xhci 0000:01:00.0 1b36:000d xhci_hcd usb 0627 root-port
vnet 0000:03:00.0 1af4:1041 virtio-pci net 169.254.5 root-port
rtl8139 0000:02:01.0 10ec:8139 8139cp net 169.254.6 pci-bridge
ahci 0000:02:02.0 8086:2922 ahci disk ahci pci-bridge
nvmevf 0000:00:14.1 1b36:0010 nvme disk nvmevf sr-iov-vf'

# The guest's drivers, in load order: the HDA codec driver before the
# controller's (its probe binds the codec; no modprobe in the guest).
DV_MODS="xen-pcifront usbcore xhci-pci ehci-pci uhci-hcd snd-hda-codec-generic
snd-hda-intel ahci sd_mod megaraid_sas virtio_pci virtio_blk virtio_scsi
virtio_net virtio-rng bochs i6300esb 8139cp nvme"

DV_DISKS="ahci megasas vscsi vblk nvmevf"

# Two guests, two backends, 13 devices: 141 s on a quiet host; with the
# SR-IOV VF as a 14th, 113 s in a quiet make e2e, 171 s at load 3.
limit=${E2E_TIMEOUT:-600}

# Every 512-byte sector of a device's disk names the device and itself.
dv_images() {
	for n in $DV_DISKS; do
		awk -v n="$n" 'BEGIN { for (i = 0; i < 2048; i++)
		    printf "%-511s\n", "pcibackd e2e " n " sector " i }' \
		    >"$work/disk-$n.img"
	done
}

# qemu_start for this scenario: the machine of run.sh without its
# devices, and these.  Disks are raw files in the work directory;
# no option ROMs (iPXE would only slow the firmware down); the
# watchdog's expiry does nothing (a reset would end the run).  No LSI
# or AM53C974 SCSI HBA, no LSI SAS1068 (tests/e2e/README.md says what
# they did here).  The nvme PF: SR-IOV needs an NVM subsystem; its
# namespace is shared (the default), so the VF's secondary controller
# sees it too; 2 flexible queues and 1 flexible interrupt are what one
# VF needs (admin queue, one I/O queue, one MSI-X vector).
qemu_start() {
	case $work in *,*) die "work dir must not contain a comma: $work" ;; esac
	dv_images
	: >"$work/console.log"
	: >"$work/results.log"
	set --
	for n in $DV_DISKS; do
		set -- "$@" -drive "if=none,id=d-$n,format=raw,file=$work/disk-$n.img"
	done
	qemu-system-x86_64 -accel tcg,thread=multi -cpu qemu64,+svm \
	    -machine q35 -device intel-iommu,intremap=on,caching-mode=on \
	    -smp 2 -m 3G -nodefaults -display none -vga none -no-reboot \
	    -serial "file:$work/console.log" -serial "file:$work/results.log" \
	    -audiodev none,id=snd0 -action watchdog=none "$@" \
	    -device usb-ehci,id=ehci,addr=02.0 \
	    -device usb-tablet,usb_version=2,bus=ehci.0 \
	    -device ich9-usb-uhci1,id=uhci,addr=04.0 \
	    -device usb-kbd,bus=uhci.0 \
	    -device intel-hda,id=hda,addr=05.0 \
	    -device hda-duplex,bus=hda.0,audiodev=snd0 \
	    -netdev hubport,id=n0,hubid=0 \
	    -device e1000,netdev=n0,mac="$DOM0_MAC",addr=07.0 \
	    -device megasas-gen2,id=megasas,addr=08.0 \
	    -device scsi-hd,bus=megasas.0,drive=d-megasas \
	    -device virtio-scsi-pci,id=vscsi,disable-legacy=on,iommu_platform=on,addr=09.0 \
	    -device scsi-hd,bus=vscsi.0,drive=d-vscsi \
	    -device pcie-root-port,id=rp1,chassis=1,slot=1,addr=0a.0 \
	    -device qemu-xhci,id=xhci,bus=rp1,addr=00.0 \
	    -device usb-tablet,bus=xhci.0 \
	    -device pci-bridge,id=br1,chassis_nr=2,shpc=off,addr=0c.0 \
	    -netdev hubport,id=n6,hubid=0 \
	    -device rtl8139,netdev=n6,mac=52:54:00:e2:e0:16,romfile=,bus=br1,addr=01.0 \
	    -device ich9-ahci,id=ahci,bus=br1,addr=02.0 \
	    -device ide-hd,bus=ahci.0,drive=d-ahci \
	    -device pcie-root-port,id=rp2,chassis=3,slot=3,addr=0d.0 \
	    -netdev hubport,id=n5,hubid=0 \
	    -device virtio-net-pci,disable-legacy=on,iommu_platform=on,netdev=n5,mac=52:54:00:e2:e0:15,romfile=,bus=rp2,addr=00.0 \
	    -device virtio-blk-pci,disable-legacy=on,iommu_platform=on,drive=d-vblk,addr=0e.0 \
	    -device virtio-rng-pci,disable-legacy=on,iommu_platform=on,addr=10.0 \
	    -device bochs-display,addr=11.0 \
	    -device i6300esb,addr=12.0 \
	    -device nvme-subsys,id=nvsub,nqn=pcibackd-e2e-sriov \
	    -device nvme,id=nvpf,serial=e2esriov,subsys=nvsub,sriov_max_vfs=1,sriov_vq_flexible=2,sriov_vi_flexible=1,addr=14.0 \
	    -device nvme-ns,drive=d-nvmevf,bus=nvpf,nsid=1 \
	    -kernel "$E2E_XEN" \
	    -append "console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all console_timestamps=boot dom0_mem=1024M,max:1024M dom0_max_vcpus=2" \
	    -initrd "$E2E_VMLINUZ console=hvc0 earlyprintk=xen loglevel=6,$work/dom0.cpio" \
	    >"$work/qemu.log" 2>&1 &
	qpid=$!
}

# The guest's overlay: its part of the scenario, the table, and the
# drivers with their dependencies from the cached kernel, with a load
# list that replaces the base image's (later archives win).  Built here
# rather than in prepare.sh, so the other scenarios' image and its cache
# key stay as they are.
scenario_guest() {
	g=$1
	install -m 644 "$here/guest/devices.sh" "$g/e2e/devices.sh"
	printf '%s\n' "$DV_TABLE" >"$g/e2e/devices.list"
	mkdir -p "$g/lib/modules"
	: >"$g/lib/modules/load.list"
	# shellcheck disable=SC2086 # a list of module names
	for f in $(modprobe -d "$E2E_KDIR" -S "$E2E_KABI" -a --show-depends \
	    $DV_MODS | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' |
	    grep -v pclmul); do
		cp "$f" "$g/lib/modules/"
		basename "$f" >>"$g/lib/modules/load.list"
	done
	[ -s "$g/lib/modules/load.list" ] ||
	    die "no guest modules from $E2E_KDIR for: $DV_MODS"
}

# E2E_DV_HALVES: for a diagnosis, one half alone ("pciback" or
# "pcibackd"); the comparisons then fail.
scenario_dom0() {
	printf '%s\n' "$DV_TABLE" >"$1/e2e/devices.list"
	echo "DV_HALVES='${E2E_DV_HALVES:-pciback pcibackd}'" \
	    >"$1/e2e/devices.env"
}

# ---- what came back ---------------------------------------------------

# dv_cfg BIN BDF NAME OUT: a raw config dump in run.sh's file layout
# (header line, then lspci -xxxx's), so lspci -F OUT -vvv decodes it.
dv_cfg() {
	{
		echo "$2 $3"
		od -An -v -tx1 -w16 "$1" | awk '{
		    printf(NR <= 16 ? "%02x:" : "%03x:", (NR - 1) * 16)
		    for (i = 1; i <= NF; i++) printf " %s", $i
		    printf "\n" }'
	} >"$4"
}

# dv_bdf NAME: the host BDF of a device of the table.
dv_bdf() {
	printf '%s\n' "$DV_TABLE" | awk -v n="$1" '$1 == n { print $2 }'
}

# The guest sends two blobs per half, its config dumps (NAME.bin, in a
# tar.gz) and its kernel log; dom0 one for the whole run
# (HALF.VIEW/cfg.tar, each holding BDF/config).
dv_unpack() {
	local h b t n bdf f
	for h in xen-pciback pcibackd; do
		mkdir -p "$res/$h"
		b=$res/logs/guest-dmesg-$h.b64
		if [ -f "$b" ]; then
			base64 -d "$b" | gunzip -c >"$res/logs/guest-dmesg-$h.log" \
			    2>/dev/null && rm -f "$b" || true
		fi
		b=$res/logs/dvcfg-guest-$h.b64
		t=$work/dv-guest-$h
		rm -rf "$t"
		mkdir -p "$t"
		if [ -f "$b" ]; then
			base64 -d "$b" | tar -xzf - -C "$t" 2>/dev/null || true
		fi
		for f in "$t"/*.bin; do
			[ -f "$f" ] || continue
			n=$(basename "$f" .bin)
			dv_cfg "$f" "guest-view-of-$(dv_bdf "$n")" "$n" "$res/$h/$n.cfg"
		done
	done
	b=$res/logs/dvcfg-dom0.b64
	t=$work/dv-dom0
	rm -rf "$t"
	mkdir -p "$t"
	if [ -f "$b" ]; then
		base64 -d "$b" | tar -xzf - -C "$t" 2>/dev/null || true
	fi
	for f in "$t"/*.*/cfg.tar; do
		[ -f "$f" ] || continue
		tar -xf "$f" -C "${f%/cfg.tar}" 2>/dev/null || true
	done
	printf '%s\n' "$DV_TABLE" | while read -r n bdf _; do
		for f in "$t"/*.*/"$bdf"/config; do
			[ -f "$f" ] || continue
			h=${f#"$t"/}
			h=${h%%/*}
			dv_cfg "$f" "$bdf" "$n" "$res/${h%.*}/dom0-${h#*.}-$n.cfg"
		done
	done
}

# dv_word FILE OFFSET: a little-endian 16-bit config word, as 0x%04x.
dv_word() {
	[ -f "$1" ] || { echo none; return; }
	awk -v want="$2" "$awk_hex"'
	NR > 1 { off = hex(substr($1, 1, length($1) - 1))
	  for (i = 2; i <= NF; i++) b[off + i - 2] = hex($i) }
	END { if ((want in b) && ((want + 1) in b))
	    printf "0x%04x\n", b[want] + 256 * b[want + 1]; else print "none" }' "$1"
}

# dv_sizecheck HALF NAME: the guest's view has dom0's size and IDs.  A
# VF's ID registers may read all ones in dom0, as SR-IOV allows (QEMU
# 7.2's nvme VF's do): the guest must then read the table's IDs, the
# ones dom0's kernel knows it by.
dv_sizecheck() {
	local g="$res/$1/$2.cfg" d="$res/$1/dom0-before-$2.cfg" gs ds gi di
	if [ ! -s "$g" ] || [ ! -s "$d" ]; then
		host_check fail "$1: $2: guest and dom0 config dumps arrived"
		return 0
	fi
	gs=$((($(wc -l <"$g") - 1) * 16))
	ds=$((($(wc -l <"$d") - 1) * 16))
	gi=$(sed -n 2p "$g" | cut -c1-15)
	di=$(sed -n 2p "$d" | cut -c1-15)
	if [ "$di" = "00: ff ff ff ff" ]; then
		di=$(printf '%s\n' "$DV_TABLE" | awk -v n="$2" '$1 == n {
		    printf "00: %s %s %s %s", substr($3, 3, 2),
		    substr($3, 1, 2), substr($3, 8, 2), substr($3, 6, 2) }')
		[ "$gs" -eq "$ds" ] && [ "$gi" = "$di" ] && r=ok || r=fail
		host_check "$r" "$1: $2: guest reads $gs config bytes, dom0 $ds; IDs all ones in dom0, the kernel's (${di#00: }) in the guest"
		return 0
	fi
	[ "$gs" -eq "$ds" ] && [ "$gi" = "$di" ] && r=ok || r=fail
	host_check "$r" "$1: $2: guest reads $gs config bytes, dom0 $ds, same IDs"
}

# dv_compare NAME: the guest's view under both backends, byte by byte.
dv_compare() {
	local a="$res/xen-pciback/$1.cfg" b="$res/pcibackd/$1.cfg" out st
	if [ ! -s "$a" ] || [ ! -s "$b" ]; then
		host_check fail "both: $1: the guest's view under both backends"
		DV_SAME=missing
		return 0
	fi
	st=0
	out=$(python3 "$here/cfgdiff.py" "$1" "$here/expected-diffs" "$a" "$b") ||
	    st=$?
	case $st in
	0)
		if [ -z "$out" ]; then
			DV_SAME=identical
		else
			DV_SAME="documented ($(echo "$out" | sed 's/^ *//;s/:.*//' |
			    tr '\n' ' ' | sed 's/ $//'))"
		fi
		host_check ok "both: $1: the guest's view under both backends: $DV_SAME"
		;;
	*)
		DV_SAME=differs
		host_check fail "both: $1: the guest's view under both backends: differs"
		;;
	esac
	if [ -n "$out" ]; then
		echo "$out" | sed "s/^ */# $1 /"
		echo "$out" | sed "s/^ */$1 /" >>"$res/diffs.txt"
	fi
}

# dv_giveback NAME: what dom0 saw of the device at each stage.  Notes:
# the command register before each half, while held after the guest,
# and once given back; every byte that changed from before.  Checked,
# pcibackd(8)'s promise: between guests, and so when given back, the
# device has the state it had when seized, then bus mastering (0x0004)
# off; the shim enables the device at seize, which may turn decoding
# on.  So the command register apart from decoding and bus mastering,
# and the rest of the header (0x00-0x3f) apart from the status
# register's live bits, are as before, and bus mastering is off.
dv_giveback() {
	# Not s: host_check sets it.
	local h v w line d before
	for h in xen-pciback pcibackd; do
		line=
		for v in before held after; do
			w=$(dv_word "$res/$h/dom0-$v-$1.cfg" 4)
			line="$line $v $w"
			echo "$1 $h $v $w" >>"$res/command.txt"
		done
		echo "# $1: command register in dom0, $h:$line"
		for v in held after; do
			[ -s "$res/$h/dom0-$v-$1.cfg" ] || continue
			d=$(python3 "$here/cfgdiff.py" - /dev/null \
			    "$res/$h/dom0-before-$1.cfg" "$res/$h/dom0-$v-$1.cfg" |
			    sed 's/: NOT EXPLAINED//;s/^ *//' | tr '\n' ';' |
			    sed 's/;$//;s/;/; /g') || true
			echo "$1 $h $v: ${d:-as before}" >>"$res/giveback.txt"
			[ -z "$d" ] || echo "# $1: dom0's view, $h, $v, against before: $d"
		done
	done
	before=$(dv_word "$res/pcibackd/dom0-before-$1.cfg" 4)
	for v in held after; do
		w=$(dv_word "$res/pcibackd/dom0-$v-$1.cfg" 4)
		if [ "$w" = none ] || [ "$before" = none ]; then
			host_check fail "pcibackd: $1: dom0's view when $v (dumps missing)"
			continue
		fi
		[ $((w & 0x0004)) -eq 0 ] &&
		    [ $((w & ~0x0007)) -eq $((before & ~0x0007)) ] &&
		    r=ok || r=fail
		host_check "$r" "pcibackd: $1: command register $v $w: seized at $before, bus mastering off, the rest as seized"
		d=$(python3 "$here/cfgdiff.py" - /dev/null \
		    "$res/pcibackd/dom0-before-$1.cfg" \
		    "$res/pcibackd/dom0-$v-$1.cfg" | python3 -c '
import sys
for l in sys.stdin:
    f = l.replace(":", "").split()
    o, x, y = int(f[0], 16), int(f[1], 16), int(f[3], 16)
    if o >= 0x40 or o in (6, 7) or (o == 4 and (x ^ y) & ~7 == 0):
        continue
    print("%s %s->%s" % (f[0], f[1], f[3]), end=" ")') || true
		[ -z "$d" ] && r=ok || r=fail
		host_check "$r" "pcibackd: $1: header $v as seized, but for decoding, bus mastering and status${d:+ ($d)}"
	done
}

# dv_row NAME WHERE: a row of the table, from the guest's metrics.
dv_row() {
	local h row="$1 | $2" bad drv mode
	for h in xen-pciback pcibackd; do
		bad=$(grep -c "^not ok [0-9]* - guest: $h: $1:" \
		    "$res/results.txt" || true)
		# No line at all: the guest never got to it.
		grep -q "^ok [0-9]* - guest: $h: $1:" "$res/results.txt" ||
		    bad=$((bad + 1))
		drv=$(awk -v k="dv.$h.$1.driver" '$1 == k { print $2 }' \
		    "$res/metrics.txt")
		mode=$(awk -v k="dv.$h.$1.mode" '$1 == k { print $2 }' \
		    "$res/metrics.txt")
		[ "$bad" -eq 0 ] && r=passed || r="$bad failed"
		row="$row | $r, ${drv:-?}, ${mode:-?}"
	done
	echo "| $row | $DV_SAME |" >>"$res/table.md"
}

scenario_checks() {
	local n bdf id drv chk arg where
	dv_unpack
	: >"$res/command.txt"
	: >"$res/giveback.txt"
	: >"$res/diffs.txt"
	echo "| device | where | xen-pciback | pcibackd | guest's view |" \
	    >"$res/table.md"
	echo "|---|---|---|---|---|" >>"$res/table.md"
	printf '%s\n' "$DV_TABLE" >"$work/dv-table"
	while read -r n bdf id drv chk arg where; do
		dv_sizecheck xen-pciback "$n"
		dv_sizecheck pcibackd "$n"
		dv_compare "$n"
		dv_giveback "$n"
		dv_row "$n" "$where"
	done <"$work/dv-table"
	sed 's/^/# /' "$res/table.md"
}
