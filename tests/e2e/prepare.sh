#!/bin/sh
# Fetch and build what the end-to-end tests boot: Xen, a Debian kernel, a
# dom0 root (cpio) and a guest initramfs base, all from Debian packages.
#
# usage: tests/e2e/prepare.sh
# env:   E2E_CACHE (default build/e2e/cache), E2E_MIRROR (debootstrap
#        mirror; default: the host's apt source for bookworm)
# Writes $E2E_CACHE/current.env, which run.sh sources.  Every artefact is
# keyed by the versions of the packages it comes from, so a second run only
# checks versions; a new kernel or Xen upload rebuilds what depends on it.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${E2E_CACHE:-$top/build/e2e/cache}
suite=bookworm
xenver=4.17
# Bump when the recipe below changes in a way that alters an artefact.
recipe=6

host_pkgs="qemu-system-x86 qemu-utils debootstrap busybox-static cpio kmod
xz-utils"
# dom0 packages on top of minbase; libevent and libpci are what pcibackd
# links with, so the pcibackd scenario can run the host-built binary;
# nvme-cli gives the device boot's SR-IOV nvme its VF's resources.
dom0_pkgs="xen-utils-$xenver xenstore-utils pciutils kmod procps iproute2
busybox libevent-2.1-7 libevent-core-2.1-7 libpci3 nvme-cli"
dom0_mods="xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs xen-pciback
e1000 e1000e nvme"
guest_mods="xen-pcifront e1000e e1000 nvme"
# What an HVM guest needs in dom0 beyond xen-utils (which has hvmloader):
# the device model, with SeaBIOS and its libraries as dependencies.  In
# an archive of its own that only the scenario hvm appends, so the other
# boots do not unpack its ~60 MB.
hvm_pkgs="qemu-system-xen"

die() {
	echo "prepare: $*" >&2
	exit 1
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# step_done WHAT START: one line of the cached/built report.
step_done() {
	ms=$(($(now_ms) - $2))
	printf 'prepare: %-7s %s (%d.%01d s)%s\n' "$state" "$1" \
	    $((ms / 1000)) $((ms % 1000 / 100)) "${3:+ $3}"
}

host_deps() {
	missing=
	for p in $host_pkgs; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q 'ok installed' || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	[ "$(id -u)" -eq 0 ] || die "missing host packages:$missing (run as root)"
	echo "prepare: installing$missing"
	# A fresh machine may have no package lists yet: update, then retry.
	# shellcheck disable=SC2086 # a list of package names
	apt_install $missing >/dev/null 2>&1 && return 0
	apt-get update -qq >/dev/null || die "apt-get update failed"
	# shellcheck disable=SC2086
	apt_install $missing >/dev/null || die "apt-get install$missing failed"
}

apt_install() {
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends "$@"
}

# Candidate version of a package; an empty answer means stale apt lists.
candidate() {
	apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }'
}

versions() {
	kabi=$(apt-cache depends linux-image-amd64 2>/dev/null |
	    awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }' |
	    sed 's/^linux-image-//')
	kver=$(candidate "linux-image-$kabi")
	xver=$(candidate "xen-hypervisor-$xenver-amd64")
	bver=$(candidate busybox-static)
	[ -n "$kabi" ] && [ -n "$kver" ] && [ -n "$xver" ] && [ -n "$bver" ] &&
	    [ "$kver" != "(none)" ] && [ "$xver" != "(none)" ]
}

# debfile PACKAGE VERSION: the cached .deb of that exact version, if any
# (apt-get download writes an epoch's colon as %3a).
debfile() {
	for d in "$cache/debs/$1_$(echo "$2" | sed 's/:/%3a/')"_*.deb; do
		[ -f "$d" ] && echo "$d" && return 0
	done
	return 1
}

# Download one exact package version into the deb cache; print its path.
fetch() {
	debfile "$1" "$2" && return 0
	mkdir -p "$cache/debs"
	(cd "$cache/debs" && apt-get download -q -o APT::Sandbox::User=root \
	    "$1=$2" >/dev/null 2>&1) || die "apt-get download $1=$2 failed"
	debfile "$1" "$2" || die "apt-get download $1=$2 left no file"
}

# Cache key: a short hash of the words given.
key() {
	echo "$* recipe=$recipe" | sha256sum | cut -c1-12
}

kernel() {
	kdir=$cache/kernel-$kver
	t=$(now_ms)
	state=cached
	if [ ! -f "$kdir/.done" ]; then
		state=built
		rm -rf "$kdir"
		deb=$(fetch "linux-image-$kabi" "$kver")
		dpkg-deb -x "$deb" "$kdir"
		depmod -b "$kdir" "$kabi"
		touch "$kdir/.done"
	fi
	step_done "kernel linux-image-$kabi $kver" "$t"
}

xen() {
	xdir=$cache/xen-$xver
	t=$(now_ms)
	state=cached
	if [ ! -f "$xdir/xen.elf" ]; then
		state=built
		rm -rf "$xdir"
		deb=$(fetch "xen-hypervisor-$xenver-amd64" "$xver")
		mkdir -p "$xdir"
		dpkg-deb -x "$deb" "$xdir/pkg"
		# QEMU's multiboot loader wants the uncompressed ELF.
		zcat "$xdir"/pkg/boot/xen-"$xenver"-amd64.gz >"$xdir/xen.elf.tmp"
		mv "$xdir/xen.elf.tmp" "$xdir/xen.elf"
		rm -rf "$xdir/pkg"
	fi
	step_done "xen xen-hypervisor-$xenver-amd64 $xver" "$t"
}

# Module files (in load order, deduplicated) for the named modules.
mod_closure() {
	modprobe -d "$kdir" -S "$kabi" -a --show-depends "$@" |
	    awk '$1 == "insmod" && !seen[$2]++ { print $2 }'
}

# The mirror debootstrap uses: the host's own apt source for the suite.
mirror() {
	if [ -n "${E2E_MIRROR:-}" ]; then
		echo "$E2E_MIRROR"
		return 0
	fi
	apt-get indextargets --format '$(RELEASE) $(REPO_URI)' 2>/dev/null |
	    awk -v s="$suite" '$1 == s { print $2; exit }'
}

dom0_root() {
	r=$1
	m=$(mirror)
	[ -n "$m" ] || die "no apt source for $suite; set E2E_MIRROR"
	debootstrap --variant=minbase "$suite" "$r" "$m" >"$r.log" 2>&1 ||
	    die "debootstrap failed, see $r.log"
	# Install with the host's package lists, so xen-utils matches the
	# hypervisor version fetched above (security updates included).
	cp /etc/apt/sources.list.d/*.sources "$r/etc/apt/sources.list.d/" \
	    2>/dev/null || true
	[ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$r/etc/apt/"
	rm -f "$r"/etc/apt/sources.list.d/*disabled*
	cp /var/lib/apt/lists/*_dists_* "$r/var/lib/apt/lists/"
	printf '#!/bin/sh\nexit 101\n' >"$r/usr/sbin/policy-rc.d"
	chmod 755 "$r/usr/sbin/policy-rc.d"
	# shellcheck disable=SC2086
	chroot "$r" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	    --no-install-recommends $dom0_pkgs >>"$r.log" 2>&1 ||
	    die "apt-get install in the dom0 root failed, see $r.log"
	chroot "$r" dpkg-query -W -f='${Package} ${Version}\n' \
	    "xen-utils-$xenver" >>"$r.log"
	chroot "$r" dpkg-query -W -f='${Version}' "xen-utils-$xenver" |
	    grep -qxF "$xver" || die "dom0 xen-utils is not $xver, see $r.log"
}

# Drop what a RAM-booted test dom0 never uses (docs, perl, python, hwdb,
# apt's lists): the cpio is unpacked into dom0's RAM at every boot.
dom0_trim() {
	r=$1
	rm -rf "$r"/usr/share/doc "$r"/usr/share/man "$r"/usr/share/info \
	    "$r"/usr/share/locale "$r"/usr/share/i18n "$r"/usr/share/zoneinfo \
	    "$r"/var/cache/apt "$r"/var/lib/apt/lists "$r"/var/cache/debconf \
	    "$r"/usr/lib/python3* "$r"/usr/lib/python3.* "$r"/usr/share/perl \
	    "$r"/usr/lib/x86_64-linux-gnu/perl* "$r"/usr/share/perl5 \
	    "$r"/usr/lib/udev/hwdb.bin "$r"/usr/lib/udev/hwdb.d \
	    "$r"/etc/udev/hwdb.bin "$r"/usr/lib/x86_64-linux-gnu/gconv \
	    "$r"/usr/share/python3 "$r"/usr/share/bash-completion \
	    "$r"/usr/bin/python3* "$r"/usr/bin/perl* "$r"/usr/lib/locale \
	    "$r"/usr/share/lintian "$r"/usr/lib/x86_64-linux-gnu/perl-base
	mkdir -p "$r"/usr/share/doc "$r"/var/cache/apt
}

# Copy the dom0's modules (and their dependencies) into its root.
dom0_modules() {
	r=$1
	mdir=lib/modules/$kabi
	mkdir -p "$r/$mdir"
	cp "$kdir/$mdir"/modules.order "$kdir/$mdir"/modules.builtin* "$r/$mdir/"
	# shellcheck disable=SC2086 # a list of module names
	for f in $(mod_closure $dom0_mods); do
		rel=${f#"$kdir"/}
		mkdir -p "$r/$(dirname "$rel")"
		cp "$f" "$r/$rel"
	done
	depmod -b "$r" "$kabi"
}

dom0() {
	dver=$(key "$kver $xver $dom0_pkgs $dom0_mods")
	dom0_cpio=$cache/dom0-$dver.cpio
	t=$(now_ms)
	state=cached
	if [ ! -f "$dom0_cpio" ]; then
		state=built
		[ "$(id -u)" -eq 0 ] || die "building the dom0 root needs root"
		r=$cache/dom0-root.tmp
		rm -rf "$r"
		dom0_root "$r"
		dom0_trim "$r"
		dom0_modules "$r"
		mkdir -p "$r/e2e"
		cp "$kdir/boot/vmlinuz-$kabi" "$r/e2e/vmlinuz"
		(cd "$r" && find . | cpio -o -H newc --quiet) >"$dom0_cpio.tmp"
		mv "$dom0_cpio.tmp" "$dom0_cpio"
		rm -rf "$r" "$r.log"
	fi
	step_done "dom0 root $(basename "$dom0_cpio")" "$t" \
	    "($(($(stat -c %s "$dom0_cpio") / 1048576)) MB)"
}

# hvm_root ROOT: unpack into ROOT what apt would install on top of dom0
# for $hvm_pkgs.  dom0's own dpkg status says what is there already; the
# packages are only unpacked (their maintainer scripts make users and
# man-db entries, nothing QEMU needs).
hvm_root() {
	r=$1
	(cd "$r.tmp" && cpio -i -d --quiet var/lib/dpkg/status) \
	    <"$dom0_cpio"
	[ -s "$r.tmp/var/lib/dpkg/status" ] ||
	    die "no dpkg status in $dom0_cpio"
	# shellcheck disable=SC2086 # a list of package names
	apt-get -s -o Dir::State::status="$r.tmp/var/lib/dpkg/status" \
	    install --no-install-recommends $hvm_pkgs 2>/dev/null |
	    awk '$1 == "Inst" { print $2 "=" substr($3, 2) }' >"$r.list"
	[ -s "$r.list" ] || die "apt-get -s found nothing to install for $hvm_pkgs"
	mkdir -p "$r.debs"
	# shellcheck disable=SC2046 # one word per package
	(cd "$r.debs" && apt-get download -q -o APT::Sandbox::User=root \
	    $(cat "$r.list") >/dev/null 2>&1) ||
	    die "apt-get download of $(wc -l <"$r.list") packages failed"
	for d in "$r.debs"/*.deb; do
		dpkg-deb -x "$d" "$r"
	done
	# dom0's /bin, /sbin, /lib, /lib64 are links into /usr (merged
	# /usr); a directory of that name in a later archive would replace
	# the link when Linux unpacks it, and take the rest of /lib with it.
	for d in bin sbin lib lib64; do
		if [ ! -d "$r/$d" ] || [ -L "$r/$d" ]; then
			continue
		fi
		mkdir -p "$r/usr/$d"
		cp -a "$r/$d/." "$r/usr/$d/"
		rm -rf "${r:?}/$d"
	done
	dom0_trim "$r"
	rm -rf "$r"/usr/share/doc "$r"/var/cache/apt "$r"/usr/share/iso-codes \
	    "$r"/usr/share/xml/iso-codes
}

hvm() {
	qver=$(candidate qemu-system-xen)
	case $qver in
	"" | "(none)") die "no qemu-system-xen in the package lists" ;;
	esac
	hvm_cpio=$cache/hvm-$(key "$dver $qver $hvm_pkgs").cpio
	t=$(now_ms)
	state=cached
	if [ ! -f "$hvm_cpio" ]; then
		state=built
		r=$cache/hvm-root
		rm -rf "$r" "$r.tmp" "$r.debs" "$r.list"
		mkdir -p "$r" "$r.tmp"
		hvm_root "$r"
		(cd "$r" && find . | cpio -o -H newc -R 0:0 --quiet) \
		    >"$hvm_cpio.tmp"
		mv "$hvm_cpio.tmp" "$hvm_cpio"
		rm -rf "$r" "$r.tmp" "$r.debs" "$r.list"
	fi
	step_done "hvm device model $(basename "$hvm_cpio")" "$t" \
	    "($(($(stat -c %s "$hvm_cpio") / 1048576)) MB, qemu-system-xen $qver)"
}

# busybox, every applet as a symlink, and the guest's modules in load order.
guest() {
	gver=$(key "$kver $bver $guest_mods")
	guest_cpio=$cache/guest-$gver.cpio
	t=$(now_ms)
	state=cached
	if [ ! -f "$guest_cpio" ]; then
		state=built
		r=$cache/guest-root.tmp
		rm -rf "$r" "$r.pkg"
		deb=$(fetch busybox-static "$bver")
		dpkg-deb -x "$deb" "$r.pkg"
		mkdir -p "$r/bin" "$r/sbin" "$r/usr/bin" "$r/usr/sbin" \
		    "$r/lib/modules" "$r/proc" "$r/sys" "$r/dev" "$r/tmp" \
		    "$r/run" "$r/e2e"
		cp "$r.pkg/bin/busybox" "$r/bin/busybox"
		for a in $("$r/bin/busybox" --list-full); do
			[ -e "$r/$a" ] || ln -s /bin/busybox "$r/$a"
		done
		# crct10dif-pclmul needs PCLMULQDQ, which qemu64 lacks; nvme
		# falls back to the generic CRC, so leave it out.
		# shellcheck disable=SC2086
		for f in $(mod_closure $guest_mods | grep -v pclmul); do
			cp "$f" "$r/lib/modules/"
			basename "$f" >>"$r/lib/modules/load.list"
		done
		(cd "$r" && find . | cpio -o -H newc --quiet) >"$guest_cpio.tmp"
		mv "$guest_cpio.tmp" "$guest_cpio"
		rm -rf "$r" "$r.pkg"
	fi
	step_done "guest initramfs base $(basename "$guest_cpio")" "$t"
}

write_env() {
	{
		echo "E2E_KABI=$kabi"
		echo "E2E_KVER=$kver"
		echo "E2E_XVER=$xver"
		echo "E2E_XEN=$xdir/xen.elf"
		echo "E2E_VMLINUZ=$kdir/boot/vmlinuz-$kabi"
		echo "E2E_KDIR=$kdir"
		echo "E2E_DOM0_CPIO=$dom0_cpio"
		echo "E2E_GUEST_CPIO=$guest_cpio"
		echo "E2E_HVM_CPIO=$hvm_cpio"
	} >"$cache/current.env.tmp"
	mv "$cache/current.env.tmp" "$cache/current.env"
}

# Drop artefacts of other package versions, so the cache does not grow
# with every kernel or Xen upload.
prune() {
	for f in "$cache"/kernel-* "$cache"/xen-* "$cache"/dom0-*.cpio \
	    "$cache"/guest-*.cpio "$cache"/hvm-*.cpio "$cache"/debs/*.deb; do
		[ -e "$f" ] || continue
		case $f in
		"$kdir" | "$xdir" | "$dom0_cpio" | "$guest_cpio" | "$hvm_cpio")
			continue ;;
		esac
		[ "$f" = "$(debfile "linux-image-$kabi" "$kver")" ] ||
		    [ "$f" = "$(debfile "xen-hypervisor-$xenver-amd64" "$xver")" ] ||
		    [ "$f" = "$(debfile busybox-static "$bver")" ] ||
		    rm -rf "$f"
	done
}

main() {
	t0=$(now_ms)
	mkdir -p "$cache"
	state=checked
	host_deps
	step_done "host packages" "$t0"
	t=$(now_ms)
	if ! versions; then
		[ "$(id -u)" -eq 0 ] || die "no package versions; run apt-get update"
		apt-get update -qq >/dev/null || die "apt-get update failed"
		versions || die "cannot find linux-image-amd64 / xen-hypervisor"
	fi
	state=checked
	step_done "versions: kernel $kabi $kver, xen $xver" "$t"
	kernel
	xen
	dom0
	guest
	hvm
	write_env
	prune
	state=total
	step_done "prepare" "$t0"
}

main "$@"
