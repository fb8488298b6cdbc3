#!/bin/sh
# Build the Xen simulator: the preload library and the self-test programs.
# usage: tests/xensim/build.sh [outdir]     (default build/xensim)
# Honours CC, CFLAGS, EXTRA_CFLAGS, EXTRA_LDFLAGS like the Makefile.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
src=$top/tests/xensim
out=${1:-$top/build/xensim}
cc=${CC:-cc}
W="-Wall -Wextra -Wformat=2 -Wwrite-strings -Wshadow -Wmissing-prototypes
-Wstrict-prototypes -Wpointer-arith -Wcast-qual -Wundef -Werror"
F="-D_GNU_SOURCE $W ${CFLAGS:--O2 -g} ${EXTRA_CFLAGS:-}"
L=${EXTRA_LDFLAGS:-}
XS=$(pkg-config --cflags --libs xenstore)
XEG=$(pkg-config --cflags --libs xenevtchn xengnttab)
mkdir -p "$out"

# <xenctrl.h> needs GNU C (anonymous unions), hence gnu11 for the preload.
# shellcheck disable=SC2086
$cc -std=gnu11 $F -I"$top/shim-driver" -fPIC -shared -o "$out/libxensim.so" \
    "$src/xensim.c" "$src/model.c" $L -ldl
# shellcheck disable=SC2086
$cc -std=c11 $F -o "$out/test-guest" "$src/test-guest.c" "$src/guest.c" \
    "$src/model.c" $XS $L
# shellcheck disable=SC2086
$cc -std=c11 $F -o "$out/test-dom0" "$src/test-dom0.c" $XEG $L
