#!/bin/sh
# Build the end-to-end test programs: the Xen simulator's preload library
# (tests/xensim), the shim double (tests/shimsim), pcifront-sim (a guest)
# and xl-sim (the toolstack).
#
# usage: tests/integration/build.sh [outdir]       (default build/sim)
# Honours CC, CFLAGS, EXTRA_CFLAGS, EXTRA_LDFLAGS like the Makefile.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$top/build/sim}
cc=${CC:-cc}
W="-Wall -Wextra -Wformat=2 -Wwrite-strings -Wshadow -Wmissing-prototypes
-Wstrict-prototypes -Wpointer-arith -Wcast-qual -Wundef -Werror"
F="-std=c11 -D_GNU_SOURCE $W ${CFLAGS:--O2 -g} ${EXTRA_CFLAGS:-}"
L=${EXTRA_LDFLAGS:-}
XS=$(pkg-config --cflags --libs xenstore 2>/dev/null || echo -lxenstore)
sim=$top/tests/sim
xsim=$top/tests/xensim
mkdir -p "$out"

# The preload, with the simulator's own script.  Never with sanitizer
# flags: it is preloaded into xenstored and into pcibackd, instrumented
# or not.
CC=$cc EXTRA_CFLAGS= EXTRA_LDFLAGS= "$xsim/build.sh" "$out/xensim" >/dev/null
cp "$out/xensim/libxensim.so" "$out/libxensim.so"
# The shim double (tests/shimsim), likewise never with sanitizers.
CC=$cc EXTRA_CFLAGS= EXTRA_LDFLAGS= "$top/tests/shimsim/build.sh" \
    "$out/shimsim" >/dev/null
cp "$out/shimsim/libshimsim.so" "$out/shimsim/shimsim-ctl" "$out/"

# shellcheck disable=SC2086
$cc $F -I"$sim" -I"$xsim" -o "$out/pcifront-sim" \
    "$sim/pcifront-sim.c" "$sim/gsim-xs.c" "$sim/gsim-op.c" \
    "$sim/gsim-scan.c" "$xsim/guest.c" "$xsim/model.c" $XS $L
# shellcheck disable=SC2086
$cc $F -o "$out/xl-sim" "$sim/xl-sim.c" $XS $L
echo "build.sh: built $out/libxensim.so $out/libshimsim.so $out/shimsim-ctl" \
    "$out/pcifront-sim $out/xl-sim"
