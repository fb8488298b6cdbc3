#!/bin/sh
# Self-test of the shim double: test-shimsim under the preload, on the
# e1000e and nvme dumps held and edu present.  Prints "N passed, N failed".
# env: SHIMSIM_BUILD (default build/shimsim; built by build.sh if missing)
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${SHIMSIM_BUILD:-$top/build/shimsim}
data=$top/tests/data
if [ ! -x "$out/test-shimsim" ] || [ ! -x "$out/shimsim-ctl" ] ||
    [ ! -f "$out/libshimsim.so" ]; then
	"$here/build.sh" "$out" || { echo "0 passed, 1 failed"; exit 1; }
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/shimsim.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
SHIMSIM_DIR=$tmp/shim
export SHIMSIM_DIR
ctl=$out/shimsim-ctl
$ctl init &&
    $ctl add "dump:$data/qemu-e1000e.txt" "$data/qemu-e1000e.bars" &&
    $ctl add "dump:$data/qemu-nvme.txt" "$data/qemu-nvme.bars" &&
    $ctl add "dump:$data/qemu-edu.txt" "$data/qemu-edu.bars" &&
    $ctl add "dump:$data/reset-topology.txt" "$data/reset-topology.bars" &&
    $ctl assignable-add 0000:00:03.0 &&
    $ctl assignable-add 0000:00:05.0 ||
    { echo "0 passed, 1 failed"; exit 1; }
LD_PRELOAD=$out/libshimsim.so "$out/test-shimsim" "$ctl"
