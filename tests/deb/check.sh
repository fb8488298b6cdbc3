#!/bin/sh
# make deb-check: the packages make deb built, as an administrator gets
# them.  lintian has nothing to say (every tag fixed or overridden with a
# reason); each package holds what it should and nothing under
# /usr/local; the shipped configuration passes pcibackd -n; the shim's
# source builds as DKMS will build it, against the newest installed
# kernel headers.  Prints "deb: N passed, N failed".
#   tests/deb/check.sh [DEBDIR]     (default build/deb)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-$top/build/deb}
TAP_NAME=deb
. "$top/tests/tap.sh"

version=$(cd "$top" && dpkg-parsechangelog -S Version)
arch=$(dpkg --print-architecture)
daemon=$dir/pcibackd_${version}_$arch.deb
dkms=$dir/pcishim-dkms_${version}_all.deb
check "pcibackd_${version}_$arch.deb built" test -f "$daemon"
check "pcishim-dkms_${version}_all.deb built" test -f "$dkms"
[ -f "$daemon" ] && [ -f "$dkms" ] || done_

changes=$dir/pcibackd_${version}_$arch.changes
if command -v lintian >/dev/null 2>&1; then
	# Errors, warnings, info and pedantic tags all count.
	lintian --pedantic --info \
	    "$changes" >"$T/lintian" 2>&1
	grep -v -e '^N:' -e 'running with root privileges' "$T/lintian" \
	    >"$T/tags"
	check "lintian --pedantic: no tags ($(wc -l <"$T/tags") left)" \
	    test ! -s "$T/tags"
	sed 's/^/# /' "$T/tags"
else
	not_ok "lintian is installed (build-aux/deps.sh deb)"
fi

# has DEB PATH: the package lists PATH.
has() {
	grep -q " \./$2\$" "$T/$1.list" || {
		echo "$2 is not in $1"
		return 1
	}
}
dpkg-deb -c "$daemon" >"$T/d.list"
dpkg-deb -c "$dkms" >"$T/k.list"
for p in usr/sbin/pcibackd usr/sbin/pcibackctl \
    usr/share/man/man8/pcibackd.8.gz usr/share/man/man8/pcibackctl.8.gz \
    usr/share/man/man5/pcibackd.conf.5.gz \
    lib/systemd/system/pcibackd.service \
    etc/pcibackd.conf etc/modprobe.d/pcibackd.conf \
    usr/share/doc/pcibackd/examples/pcibackd.conf \
    usr/share/doc/pcibackd/copyright var/lib/pcibackd/empty/; do
	check "pcibackd has /$p" has d "$p"
done
check "pcibackd has nothing under /usr/local" \
    sh -c "! grep ' \./usr/local' '$T/d.list'"
src=usr/src/pcishim-$version
for p in dkms.conf Kbuild pcishim_io.h pcishim.h pcishim_drv.c \
    pcishim_dev.c pcishim_check.c pcishim_check.h; do
	check "pcishim-dkms has /$src/$p" has k "$src/$p"
done
check "pcishim-dkms has no build products" \
    sh -c "! grep -E '\\.(o|ko|mod|cmd)\$' '$T/k.list'"

mkdir -p "$T/d/root" "$T/d/ctl" "$T/k/root" "$T/k/ctl"
dpkg-deb -x "$daemon" "$T/d/root"
dpkg-deb -e "$daemon" "$T/d/ctl"
dpkg-deb -x "$dkms" "$T/k/root"
dpkg-deb -e "$dkms" "$T/k/ctl"
r=$T/d/root

check "both files in /etc are conffiles" \
    sh -c "grep -qx /etc/pcibackd.conf '$T/d/ctl/conffiles' &&
	grep -qx /etc/modprobe.d/pcibackd.conf '$T/d/ctl/conffiles'"
check "modprobe.d blacklists xen_pciback" \
    grep -qx 'blacklist xen_pciback' "$r/etc/modprobe.d/pcibackd.conf"
check "the unit starts /usr/sbin/pcibackd" \
    grep -q '^ExecStart=/usr/sbin/pcibackd ' \
    "$r/lib/systemd/system/pcibackd.service"
check "the unit names no /usr/local" \
    sh -c "! grep /usr/local '$r/lib/systemd/system/pcibackd.service'"
check "postinst creates the workers' user _pcibackd" \
    sh -c "grep -A 1 'useradd --system' '$T/d/ctl/postinst' |
	grep -q _pcibackd"
check "the postinst needs nothing beyond Priority required" \
    sh -c "! grep -Eq '^[[:space:]]*adduser' '$T/d/ctl/postinst'"
check "the workers' chroot is empty and root's 0755" \
    sh -c "grep -E ' \./var/lib/pcibackd/empty/' '$T/d.list' |
	grep -q '^drwxr-xr-x root/root' &&
	! grep -q ' \./var/lib/pcibackd/empty/.' '$T/d.list'"
check "postinst enables the unit" \
    grep -q 'deb-systemd-helper.*pcibackd.service' "$T/d/ctl/postinst"
check "the shipped /etc/pcibackd.conf passes pcibackd -n" \
    "$r/usr/sbin/pcibackd" -n -f "$r/etc/pcibackd.conf"
check "the example configuration passes pcibackd -n" \
    "$r/usr/sbin/pcibackd" -n -f \
    "$r/usr/share/doc/pcibackd/examples/pcibackd.conf"
check "pcibackctl runs from the package" \
    sh -c "'$r/usr/sbin/pcibackctl' -h 2>&1 | grep -qi usage"
check "pcibackd recommends pcishim-dkms" \
    sh -c "dpkg-deb -f '$daemon' Recommends | grep -q pcishim-dkms"

check "pcishim-dkms depends on dkms" \
    sh -c "dpkg-deb -f '$dkms' Depends | grep -q dkms"
check "pcishim-dkms's postinst hands the module to dkms" \
    grep -q 'dkms' "$T/k/ctl/postinst"
kconf=$T/k/root/$src/dkms.conf
check "dkms.conf: name pcishim, version $version, rebuilt on kernel upgrade" \
    sh -c "grep -qx 'PACKAGE_NAME=\"pcishim\"' '$kconf' &&
	grep -qx 'PACKAGE_VERSION=\"$version\"' '$kconf' &&
	grep -qx 'AUTOINSTALL=\"yes\"' '$kconf'"

# Build the packaged source the way dkms does: its tree, dkms.conf's MAKE
# line with dkms's variables, the newest Debian headers installed.
khdr=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V |
    tail -n 1)
if [ -n "$khdr" ]; then
	b=$T/dkms/pcishim/$version/build
	mkdir -p "$b"
	cp -R "$T/k/root/$src/." "$b/"
	# dkms.conf is bash (arrays); take the lines the MAKE line needs.
	{
		echo "kernel_source_dir='$khdr' dkms_tree='$T/dkms'"
		grep -E '^PACKAGE_(NAME|VERSION)=' "$b/dkms.conf"
		sed -n 's/^MAKE\[0\]=/cmd=/p' "$b/dkms.conf"
		echo '$cmd'
	} >"$T/dkms-make.sh"
	check "the packaged source builds as dkms builds it (${khdr##*/})" \
	    sh -c "sh '$T/dkms-make.sh' && test -f '$b/pcishim.ko'"
else
	echo "# no linux-headers-*-amd64: the DKMS build was not tried"
fi
done_
