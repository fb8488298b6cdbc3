#!/bin/sh
# Run the core demo on two emulated devices and render the guest's view
# with the real lspci.  Cleans up after itself.
set -eu
prog=$1
data=tests/data
out=$(mktemp -d "${TMPDIR:-/tmp}/pcibackd-demo.XXXXXX")
trap 'rm -rf "$out"' EXIT INT TERM

"$prog" "$out" \
    "$data/qemu-e1000e.txt,$data/qemu-e1000e.bars" \
    "$data/qemu-nvme.txt,$data/qemu-nvme.bars"
echo
echo "What the guest's lspci would show (lspci -F guest-view -vv):"
echo
lspci -F "$out/guest-view.txt" -vv 2>&1 | grep -v libkmod
