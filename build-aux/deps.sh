#!/bin/sh
# Install the Debian packages pcibackd builds and tests with, when run as
# root; otherwise name what is missing and fail.  "deps.sh deb" adds
# what building the .deb packages needs.  procps (pgrep, pkill) and
# util-linux (setsid) are for the tests' process handling.
set -u
PKGS="build-essential clang libclang-rt-14-dev pkg-config libxen-dev
libevent-dev libpci-dev pciutils libcmocka-dev gcovr mandoc byacc
xenstore-utils linux-headers-amd64 python3 python3-prometheus-client systemd
procps util-linux"
# make deb and its test: the Debian packaging tools.
[ "${1:-}" = deb ] && PKGS="$PKGS debhelper dh-dkms dpkg-dev fakeroot lintian"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: run 'make deps' as root, or: apt-get install$missing" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq || exit 1
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null || exit 1
