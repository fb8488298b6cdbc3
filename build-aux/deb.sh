#!/bin/sh
# make deb: build the pcibackd and pcishim-dkms packages from this tree
# into OUTDIR (default build/deb), unsigned.  The tree is copied first
# (tracked files only, when it is a git checkout) so that the build sees
# neither build/ nor the shim's objects.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build/deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)
src=$out/src

rm -rf "$src" "$out"/*.deb "$out"/*.buildinfo "$out"/*.changes
mkdir -p "$src"
cd "$top"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git ls-files -z |
	    xargs -0 tar -cf - | tar -xf - -C "$src"
else
	tar -cf - --exclude=./build --exclude=./.git . | tar -xf - -C "$src"
fi
cd "$src"
dpkg-buildpackage -us -uc -b >"$out/build.log" 2>&1 || {
	tail -n 40 "$out/build.log" >&2
	echo "deb: dpkg-buildpackage failed, see $out/build.log" >&2
	exit 1
}
ls "$out"/*.deb
