#!/bin/sh
# Fetch Debian's real xenstored without installing xen-utils (which pulls
# in systemd and wants a hypervisor): download the .deb, unpack it into a
# private root, print the path of the xenstored binary.
#
# usage: tests/xensim/get-xenstored.sh           prints the xenstored path
#        tests/xensim/get-xenstored.sh --utils   prints a directory holding
#            xenstore-read & co (the system's, or unpacked xenstore-utils)
# env:   XENSIM_DEB_DIR (cache, default build/xensim/deb),
#        XENSIM_ROOT (default build/xensim/root),
#        XENSIM_XEN_VERSION (default 4.17)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=${XENSIM_DEB_DIR:-$top/build/xensim/deb}
root=${XENSIM_ROOT:-$top/build/xensim/root}
ver=${XENSIM_XEN_VERSION:-4.17}

die() {
	echo "get-xenstored: $*" >&2
	exit 1
}

# Download one package into the cache unless a copy is already there.
fetch() {
	set -- "$1" "$cache/$1"_*.deb
	[ -f "$2" ] && return 0
	mkdir -p "$cache"
	(cd "$cache" && apt-get download "$1" >/dev/null 2>&1) && return 0
	[ "$(id -u)" -eq 0 ] || die "apt-get download $1 failed;" \
	    "run 'apt-get update' as root first"
	apt-get update -qq >/dev/null 2>&1 || die "apt-get update failed"
	(cd "$cache" && apt-get download "$1" >/dev/null 2>&1) ||
	    die "apt-get download $1 failed"
}

# Unpack a cached package into the root once (a stamp marks it done).
unpack() {
	stamp="$root/.unpacked-$1"
	[ -f "$stamp" ] && return 0
	mkdir -p "$root"
	for deb in "$cache/$1"_*.deb; do
		dpkg-deb -x "$deb" "$root" || die "dpkg-deb -x $deb failed"
	done
	touch "$stamp"
}

if [ "${1:-}" = "--utils" ]; then
	if command -v xenstore-read >/dev/null 2>&1; then
		dirname "$(command -v xenstore-read)"
		exit 0
	fi
	fetch xenstore-utils
	unpack xenstore-utils
	echo "$root/usr/bin"
	exit 0
fi

bin="$root/usr/lib/xen-$ver/bin/xenstored"
if [ ! -x "$bin" ]; then
	fetch "xen-utils-$ver"
	unpack "xen-utils-$ver"
fi
[ -x "$bin" ] || die "no $bin in xen-utils-$ver"
# Its libraries (libxenctrl, libxenevtchn, libxengnttab) come with
# libxen-dev; the preload replaces what they would do.
if ldd "$bin" | grep -q 'not found'; then
	ldd "$bin" | grep 'not found' >&2
	die "missing libraries for xenstored: apt-get install libxen-dev"
fi
echo "$bin"
