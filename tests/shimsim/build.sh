#!/bin/sh
# Build the shim double: the preload, its control tool and its self-test.
# usage: tests/shimsim/build.sh [outdir]     (default build/shimsim)
# Honours CC, CFLAGS, EXTRA_CFLAGS, EXTRA_LDFLAGS like the Makefile; the
# callers pass no sanitizer flags (the preload runs inside any daemon).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
src=$top/tests/shimsim
out=${1:-$top/build/shimsim}
cc=${CC:-cc}
W="-Wall -Wextra -Wformat=2 -Wwrite-strings -Wshadow -Wmissing-prototypes
-Wstrict-prototypes -Wpointer-arith -Wcast-qual -Wundef -Werror"
F="-D_GNU_SOURCE $W ${CFLAGS:--O2 -g} ${EXTRA_CFLAGS:-}"
L=${EXTRA_LDFLAGS:-}
I="-I$top/shim-driver -I$top/lib -I$top/daemon"
PCIF=$(pkg-config --cflags libpci 2>/dev/null)
PCI=$(pkg-config --cflags --libs libpci 2>/dev/null || echo -lpci)
mkdir -p "$out"

# Only the interposed calls are exported: the model and the module's
# checks stay out of the daemon's symbol space.
# shellcheck disable=SC2086
$cc -std=gnu11 $F $I $PCIF -fPIC -shared -fvisibility=hidden \
    -o "$out/libshimsim.so" "$src/shimsim.c" "$src/model.c" \
    "$top/shim-driver/pcishim_check.c" $L -ldl -pthread
# The machine's side loads dumps with the emulated provider's loader.
# shellcheck disable=SC2086
$cc -std=c11 $F $I -o "$out/shimsim-ctl" "$src/shimsim-ctl.c" \
    "$src/model.c" "$top/shim-driver/pcishim_check.c" \
    "$top/daemon/emul.c" "$top/daemon/hostpci.c" "$top"/lib/*.c $L $PCI
# shellcheck disable=SC2086
$cc -std=c11 $F $I -o "$out/test-shimsim" "$src/test-shimsim.c" $L
