# The host's part of the scenario "hvm" (issue 12 §4; sourced by run.sh,
# POSIX sh): the machine is run.sh's; dom0 gets the device model's
# archive (prepare.sh's hvm-*.cpio) on top of its root, and the host
# checks what the HVM guest saw of the e1000e under each backend against
# dom0's view.  run.sh runs under set -e: every function here returns 0.

# Xen 4.17 as Debian builds it has no shadow paging for HVM guests
# ("neither hap nor shadow paging available"): HAP needs the CPU's
# nested paging, which QEMU's TCG emulates inside its SVM.
# shellcheck disable=SC2034 # run.sh's qemu_start reads it
qemu_cpu=qemu64,+svm,+npt

scenario_cpio() {
	[ -f "${E2E_HVM_CPIO:-}" ] && echo "$E2E_HVM_CPIO"
	return 0
}

scenario_guest() {
	return 0
}

scenario_dom0() {
	return 0
}

# The guest's config space as QEMU's xen_pt shows it is QEMU's own
# emulation over the device's, not the backend's: compared with dom0's
# only for size and identity, and between the halves byte for byte.
scenario_checks() {
	local h g d
	d=$res/dom0-e1000e-hvm.cfg
	for h in pciback pcibackd; do
		g=$res/e1000e-hvm-$h.cfg
		if [ ! -s "$g" ] || [ ! -s "$d" ]; then
			host_check fail "$h: the HVM guest's and dom0's dumps of the e1000e exist"
			continue
		fi
		[ "$(sed -n 2p "$g" | cut -c1-15)" = "$(sed -n 2p "$d" | cut -c1-15)" ] &&
		    r=ok || r=fail
		host_check "$r" "$h: the HVM guest reads the e1000e's vendor/device as dom0 does"
	done
	g=$res/e1000e-hvm-pciback.cfg
	d=$res/e1000e-hvm-pcibackd.cfg
	if [ -s "$g" ] && [ -s "$d" ]; then
		sed 1d "$g" >"$work/hvm-a.cfg"
		sed 1d "$d" >"$work/hvm-b.cfg"
		if cmp -s "$work/hvm-a.cfg" "$work/hvm-b.cfg"; then
			host_check ok "the HVM guest's view of the e1000e is the same under both backends"
		else
			host_check fail "the HVM guest's view of the e1000e is the same under both backends"
			diff "$work/hvm-a.cfg" "$work/hvm-b.cfg" | sed 's/^/# /' |
			    head -n 20
		fi
	fi
	return 0
}
