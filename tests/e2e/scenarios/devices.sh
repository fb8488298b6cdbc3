# Scenario "devices" (issue 12 §2; bash, sourced by the dom0 /init): a
# wide set of QEMU device models (the host's part, host-devices.sh,
# lists them in /e2e/devices.list) given to one PV guest twice in this
# one boot: through xen-pciback, then, that module unloaded, through
# the shim and pcibackd, switched as scenarios/bench.sh does.  The guest
# (guest/devices.sh) checks each device and sends its config space as it
# sees it; dom0 sends its own view of each device before each half,
# while the backend holds it after the guest (reset, not yet given back)
# and once given back (xl pci-assignable-remove), for the host to
# compare (run.sh scenario_checks).  Every result line names the half.

. /e2e/scenarios/bench.sh
PCIBACKD_CONF=/e2e/scenario.d/pcibackd.conf
DV_LIST=/e2e/devices.list
DV_DIR=/run/dv

# DV_NAMES, DV_BDFS: the table's names and host addresses, in order.
dv_table() {
	local n b
	DV_NAMES='' DV_BDFS=''
	while read -r n b _; do
		DV_NAMES="$DV_NAMES $n"
		DV_BDFS="$DV_BDFS $b"
	done <"$DV_LIST"
	DV_N=$(wc -l <"$DV_LIST")
}

# The guests' NICs ping dom0 on 169.254.5.0/24 and 169.254.6.0/24.
dv_net() {
	local n m a
	for n in /sys/class/net/*; do
		read -r m <"$n/address"
		[ "$m" = "$DOM0_MAC" ] || continue
		# dom0's init may have given it the first already.
		for a in 169.254.5.1/24 169.254.6.1/24; do
			ip addr show dev "${n##*/}" | grep -q "inet $a " ||
			    ip addr add "$a" dev "${n##*/}" || return 1
		done
		return 0
	done
	return 1
}

# dv_stage HALF VIEW: every device's config space as dom0 sees it now,
# one tar (one fork: each costs 50-100 ms here).
dv_stage() {
	local b f=
	for b in $DV_BDFS; do
		f="$f $b/config"
	done
	mkdir -p "$DV_DIR/$1.$2"
	# shellcheck disable=SC2086 # a list of paths
	tar -cf "$DV_DIR/$1.$2/cfg.tar" -C /sys/bus/pci/devices $f \
	    2>>"$LOGDIR/dv-tar.log" ||
	    note "$1: dom0's config dumps ($2) incomplete"
}

# ---- the SR-IOV row (issue 12 §3) ------------------------------------
# QEMU's nvme at DV_PF (host-devices.sh) can have one VF, whose
# secondary controller sees the subsystem's shared namespace.  Before
# either backend comes up, dom0 makes it as nvme(4)'s virtualization
# management says: the PF's flexible queue (VQ) and interrupt (VI)
# resources taken from the primary controller and freed by an FLR of
# the PF, the VF enabled with dom0's drivers kept off it, then 2 VQs
# (admin and one I/O queue) and 1 VI given to its secondary controller
# and that controller set online.  The VF is then a device of the table
# like any other; dom0's nvme keeps the PF.
DV_PF=0000:00:14.0

# dv_wait SECONDS COMMAND...: until COMMAND succeeds.
dv_wait() {
	local end
	now_ms
	end=$((MS + $1 * 1000))
	shift
	until "$@"; do
		now_ms
		[ "$MS" -ge "$end" ] && return 1
		nap 0.2
	done
}

# NVME: the PF's controller in dom0, once it is live.
dv_pf_live() {
	local c s
	for c in "/sys/bus/pci/devices/$DV_PF"/nvme/nvme*; do
		[ -r "$c/state" ] || continue
		read -r s <"$c/state"
		NVME=${c##*/}
		[ "$s" = live ]
		return
	done
	return 1
}

# dv_virt SCID RT ACT NR: one virtualization management command.
dv_virt() {
	run "sriov-virt-$1-$2-$3" nvme virt-mgmt "/dev/$NVME" -c "$1" \
	    -r "$2" -a "$3" -n "$4"
}

# DV_VF: the PF's first VF, its BDF read from dom0's sysfs.
dv_vf() {
	[ -L "/sys/bus/pci/devices/$DV_PF/virtfn0" ] || return 1
	DV_VF=$(readlink "/sys/bus/pci/devices/$DV_PF/virtfn0")
	DV_VF=${DV_VF##*/}
}

dv_sriov_up() {
	local p=/sys/bus/pci/devices/$DV_PF sc want
	want=$(awk '$1 == "nvmevf" { print $2 }' "$DV_LIST")
	check "sriov: dom0's nvme drives the PF $DV_PF" \
	    eval 'modprobe nvme && dv_wait 30 dv_pf_live' || return 1
	note "sriov: PF $DV_PF is $NVME, TotalVFs $(cat "$p/sriov_totalvfs")"
	run sriov-list-secondary-0 nvme list-secondary "/dev/$NVME"
	sc=$(awk '/SCID/ { print $NF; exit }' \
	    "$LOGDIR/sriov-list-secondary-0.log")
	sc=$((${sc:-1}))
	# The primary's flexible resources are freed by the FLR.
	check "sriov: flexible VQ and VI resources taken from the primary" \
	    eval 'dv_virt 0 0 1 0 && dv_virt 0 1 1 0'
	check "sriov: PF reset (FLR) and live again" \
	    eval 'echo 1 >"$p/reset" && dv_wait 30 dv_pf_live'
	# No dom0 driver may probe the VF as it appears (its controller is
	# offline).  Autoprobe off also makes Linux refuse every later bind
	# to the VF, xen-pciback's too ("No such device"), so it goes back on.
	echo 0 >"$p/sriov_drivers_autoprobe"
	check "sriov: sriov_numvfs 1: the VF appears in dom0" \
	    eval 'echo 1 >"$p/sriov_numvfs" && dv_wait 10 dv_vf'
	echo 1 >"$p/sriov_drivers_autoprobe"
	check "sriov: the VF is $want, the table's" [ "$DV_VF" = "$want" ]
	note "sriov: VF $DV_VF: $(lspci -s "${DV_VF#0000:}" -nn 2>&1)"
	check "sriov: secondary controller $sc: 2 VQ and 1 VI, online" \
	    eval 'dv_virt "$sc" 0 8 2 && dv_virt "$sc" 1 8 1 &&
	    dv_virt "$sc" 0 9 0'
	run sriov-list-secondary-1 nvme list-secondary "/dev/$NVME"
	grep -E 'SCS|NVQ|NVI' "$LOGDIR/sriov-list-secondary-1.log" |
	    head -n 3 | while IFS= read -r l; do note "sriov: $l"; done
	check "sriov: no dom0 driver on the VF" \
	    [ ! -e "/sys/bus/pci/devices/$DV_VF/driver" ]
}

# What dom0 gets back: the VF, no driver on it, goes when the VFs are
# disabled, and the PF still reads its namespace.
dv_sriov_down() {
	local p=/sys/bus/pci/devices/$DV_PF s
	[ -n "${DV_VF:-}" ] || return 0
	check "sriov: VF $DV_VF back in dom0 with no driver" \
	    eval '[ -e "/sys/bus/pci/devices/$DV_VF" ] &&
	    [ ! -e "/sys/bus/pci/devices/$DV_VF/driver" ]'
	check "sriov: sriov_numvfs 0: the VF is gone" \
	    eval 'echo 0 >"$p/sriov_numvfs" &&
	    dv_wait 10 eval "[ ! -e /sys/bus/pci/devices/$DV_VF ]"'
	# The PF is dom0's only nvme; its namespace, multipath or not.
	s=$(for b in /dev/nvme*n1; do
		[ -b "$b" ] || continue
		dd if="$b" bs=512 skip=1000 count=1 iflag=direct \
		    2>/dev/null | head -n 1 | sed 's/ *$//'
		break
	done)
	check "sriov: the PF's namespace in dom0 reads '$s'" \
	    [ "$s" = "pcibackd e2e nvmevf sector 1000" ]
}

# pcibackd resets a device after the guest on a thread of its own:
# until every device is ready again (up to 60 s).
dv_pcibackd_settled() {
	local end
	now_ms
	end=$((MS + 60000))
	until [ "$(pcibackctl show devices 2>/dev/null | grep -cw ready)" \
	    -ge "$DV_N" ]; do
		now_ms
		[ "$MS" -ge "$end" ] && return 1
		nap 0.5
	done
}

# dv_half pciback|pcibackd: the guest's life under one backend.
dv_half() {
	local b=$1 h=$1 n t0 pci='' rc=0
	[ "$b" = pciback ] && h=xen-pciback
	MARK_MS=()
	# all.sh tells the halves' failures apart by this line.
	note "---- devices: $h"
	dv_stage "$h" before
	now_ms
	t0=$MS
	if ! "bench_${b}_up"; then
		not_ok "$h: comes up"
		return 1
	fi
	bench_ms "dv.$h.backend_up" "$t0"
	ok "$h: comes up"
	# shellcheck disable=SC2086 # a list of addresses
	set -- $DV_BDFS
	for n in $DV_NAMES; do
		check "$h: xl pci-assignable-add $1 ($n)" \
		    run "dv-add-$h-$n" xl pci-assignable-add "$1"
		pci="$pci $1"
		shift
	done
	check "$h: xl pci-assignable-list lists the $DV_N devices" \
	    [ "$(assignable_count)" -eq "$DV_N" ]
	if [ "$b" = pcibackd ]; then
		pcibackctl check >"$LOGDIR/dv-pcibackctl-check.log" 2>&1
		note "pcibackd: check: $(tail -n 1 "$LOGDIR/dv-pcibackctl-check.log")"
		check "pcibackd: pcibackctl check: no held device would be refused" \
		    grep -Eq ' 0 would be refused to a guest$' \
		    "$LOGDIR/dv-pcibackctl-check.log"
	fi
	guest_cfg "$pci" "e2e.mode=devices e2e.half=$h"
	now_ms
	t0=$MS
	if run "dv-create-$h" xl create /e2e/guest.cfg; then
		ok "$h: xl create with the $DV_N devices"
		bench_ms "dv.$h.xl_create" "$t0"
		follow_until devices-up 180 &&
		    bench_ms "dv.$h.create_to_guest_up" "$t0" &&
		    follow_until devices-done 420 &&
		    bench_ms "dv.$h.create_to_done" "$t0" || rc=1
	else
		not_ok "$h: xl create with the $DV_N devices"
		rc=1
	fi
	if [ "$b" = pcibackd ]; then
		pcibackctl show denied >"$LOGDIR/dv-pcibackctl-denied.log" 2>&1
		pcibackctl show devices >"$LOGDIR/dv-pcibackctl-devices.log" 2>&1
		note "pcibackd: show denied: $(grep -c '^0000:' \
		    "$LOGDIR/dv-pcibackctl-denied.log") registers"
	fi
	# xl destroy, not shutdown: xen-pciback would cost libxl 10 s a
	# device (README, teardown).
	now_ms
	t0=$MS
	guest_alive && run "dv-destroy-$h" xl destroy "$GUEST"
	check "$h: xl destroy: the guest is gone" wait_gone 60
	bench_ms "dv.$h.xl_destroy" "$t0"
	follow_read all
	check "$h: all $DV_N devices assignable again" \
	    wait_assignable "$DV_N" 60
	if [ "$b" = pcibackd ]; then
		check "pcibackd: every device reset and ready again" \
		    dv_pcibackd_settled
		pcibackctl show devices >>"$LOGDIR/dv-pcibackctl-devices.log" 2>&1
	else
		# xen-pciback resets as libxl takes the device back.
		nap 2
	fi
	dv_stage "$h" held
	# shellcheck disable=SC2086 # a list of addresses
	set -- $DV_BDFS
	for n in $DV_NAMES; do
		check "$h: xl pci-assignable-remove $1 ($n)" \
		    run "dv-remove-$h-$n" xl pci-assignable-remove "$1"
		shift
	done
	check "$h: xl pci-assignable-list is empty" \
	    [ "$(assignable_count)" -eq 0 ]
	dv_stage "$h" after
	now_ms
	t0=$MS
	if ! "bench_${b}_down"; then
		not_ok "$h: goes down"
		return 2
	fi
	ok "$h: goes down"
	return $rc
}

# dom0's views go to the host at the end, in one blob.
dv_send() {
	tar -czf - -C "$DV_DIR" . | base64 -w 72 | while IFS= read -r l; do
		emit "blob dvcfg-dom0 $l"
	done
}

scenario_main() {
	local h
	DV_HALVES='pciback pcibackd'
	. /e2e/devices.env
	dv_table
	note "devices: $DV_N devices:$DV_NAMES"
	check "dom0: NIC also on 169.254.5.1 and 169.254.6.1" dv_net
	pcibackd_install_deb
	dv_sriov_up
	for h in $DV_HALVES; do
		dv_half "$h"
		# A backend that cannot go down leaves the devices to nobody.
		[ $? -eq 2 ] && break
	done
	dv_sriov_down
	dv_send
}
