#!/bin/sh
# The emulated provider's sources: a sysfs: tree (a directory shaped like
# /sys/bus/pci, here the one the shim double writes), and the ones that
# cannot be loaded: a missing dump, a dump without devices, a missing or
# broken .bars file (each way a line can be wrong), a second source with
# a function another has.  Each failure is logged with its file; the
# daemon holds what the good sources have and serves a guest.
. "$(dirname "$0")/lib.sh"

t_setup
# A sysfs tree: shimsim-ctl writes one for its machine.
SYSDIR=$T/machine
SHIMSIM_DIR=$SYSDIR "$SHIMCTL" init &&
    SHIMSIM_DIR=$SYSDIR "$SHIMCTL" add "dump:$DATA/qemu-nvme.txt" \
    "$DATA/qemu-nvme.bars" || t_fatal "shimsim-ctl"
: >"$T/empty.txt"
printf '00:03.0 0 0x20000\n00:03.0 7 0x1000\n' >"$T/bad-index.bars"
printf '00:03.0 0 0x3000\n' >"$T/bad-size.bars"
printf '00:03.0 0\n' >"$T/bad-fields.bars"
# Comments and blank lines skipped, a line for a function the dump does
# not have ignored, then what is refused: every function (*), no hex, 0.
printf '# e1000e\n\n  \n00:07.0 0 0x1000\n00:03.* 0 0x20000\n' \
    >"$T/bad-allfn.bars"
printf '00:03.0 rom 0x40000\n00:03.0 0 zz\n' >"$T/bad-hex.bars"
printf '00:03.0 0 0\n' >"$T/bad-zero.bars"
# A BAR index of two digits, or no digit; an address that is none.
printf '00:03.0 10 0x1000\n' >"$T/bad-index2.bars"
printf '00:03.0 x 0x1000\n' >"$T/bad-index3.bars"
printf '00:03 0 0x20000\n' >"$T/bad-addr.bars"
cat >"$T/pcibackd.conf" <<EOF
mode virtual
socket "$T/pcibackd.sock"
emulate "sysfs:$SYSDIR/sys/bus/pci"
emulate "dump:$T/missing.txt"
emulate "dump:$T/empty.txt"
emulate "dump:$DATA/qemu-e1000e.txt" bars "$T/missing.bars"
emulate "dump:$DATA/qemu-e1000e.txt" bars "$T/bad-index.bars"
emulate "dump:$DATA/qemu-e1000e.txt" bars "$T/bad-size.bars"
emulate "dump:$DATA/qemu-e1000e.txt" bars "$T/bad-fields.bars"
emulate "dump:$DATA/qemu-e1000e.txt" bars "$T/bad-allfn.bars"
emulate "dump:$DATA/qemu-e1000e.txt" bars "$T/bad-hex.bars"
emulate "dump:$DATA/qemu-e1000e.txt" bars "$T/bad-zero.bars"
emulate "dump:$DATA/qemu-e1000e.txt" bars "$T/bad-index2.bars"
emulate "dump:$DATA/qemu-e1000e.txt" bars "$T/bad-index3.bars"
emulate "dump:$DATA/qemu-e1000e.txt" bars "$T/bad-addr.bars"
emulate "dump:$DATA/qemu-edu.txt" bars "$DATA/qemu-edu.bars"
emulate "dump:$DATA/qemu-edu.txt"
emulate "dump:$DATA/qemu-e1000.txt"
device 0000:00:05.0 { name "nvme from sysfs" }
device 0000:00:02.0 { name "edu" }
device 0000:00:03.0 { name "e1000e" }
EOF
daemon_start
check "the sysfs tree's nvme is held" \
    log_has '0000:00:05.0: held \[1b36:0010\] "nvme from sysfs"'
check "a missing dump is named" log_has "emulate dump:$T/missing.txt: "
check "a dump without devices is named" \
    log_has "emulate dump:$T/empty.txt: .*no devices"
check "a missing .bars file is named" \
    log_has "missing.bars: No such file or directory"
check "a BAR index past 5 is refused with its line" \
    log_has 'bad-index.bars:2: want "<bdf> <0-5\|rom> <hex size>"'
check "a size not a power of two is refused" log_has 'bad-size.bars:1: want'
check "a line without a size is refused" log_has 'bad-fields.bars:1: want'
check "comments, blank lines, another function's line pass; * refused" \
    log_has 'bad-allfn.bars:5: want'
check "a size not in hex is refused" log_has 'bad-hex.bars:2: want'
check "a size of 0 is refused" log_has 'bad-zero.bars:1: want'
check "a BAR index 10 is refused" log_has 'bad-index2.bars:1: want'
check "a BAR index x is refused" log_has 'bad-index3.bars:1: want'
check "an address without its function is refused" \
    log_has 'bad-addr.bars:1: want'
check "the e1000e of the broken sources is not held" \
    sh -c '! grep -q "0000:00:03.0: held" "$1"' x "$T/daemon.log"
check "the edu is held" log_has '0000:00:02.0: held \[1234:11e8\] "edu"'
check "a second source with the same edu: held twice, said" \
    log_has '0000:00:02.0: held twice \(check the emulate lines\)'
check "... and held once, from the first" \
    test "$(grep -c '0000:00:02.0: held \[' "$T/daemon.log")" -eq 1
check "the sysfs nvme serves a guest" serves 5 0000:00:05.0 g
check "its BAR size came from the tree's resource file" \
    test "$(gval g dev.00:00.0.bar0)" = 0x4000

# explain: a function a source has but no line names; one a line names
# that no source has; the same when no source loaded at all.
ctl_explain() {
	"$PCIBACKCTL" -s "$T/pcibackd.sock" explain "$1" >"$T/ctl.out" 2>&1
	grep -q -- "$2" "$T/ctl.out" ||
	    { note "explain $1:"; sed 's/^/#   /' "$T/ctl.out" >&2; return 1; }
}
check "explain a source's function no line names: no device line" \
    ctl_explain 00:04.0 "blocks: not held: no device line in $T/pcibackd.conf names it"
check "... a device source has it, pcibackctl hold takes it" \
    ctl_explain 00:04.0 "info: a device source has it: pcibackctl hold takes it until the next reload"
check "explain the listed e1000e no loaded source has: where it is listed" \
    ctl_explain 00:03.0 "blocks: not held: listed at $T/pcibackd.conf:[0-9]*, but no device source has it (4 emulate sources loaded)"
daemon_stop TERM
cat >"$T/pcibackd.conf" <<EOF
socket "$T/pcibackd.sock"
emulate "dump:$T/missing.txt"
device 0000:00:03.0 { name "e1000e" }
EOF
daemon_start
check "no source loaded: the daemon starts holding nothing" \
    log_has 'started in [0-9]* ms, holding 0 devices'
check "... explain says no device source is loaded" \
    ctl_explain 00:03.0 "blocks: not held: listed at $T/pcibackd.conf:3, but no device source is loaded (no emulate line that loaded, and no shim)"
daemon_stop TERM
cat >"$T/pcibackd.conf" <<EOF
socket "$T/pcibackd.sock"
emulate "dump:$DATA/qemu-edu.txt" bars "$DATA/qemu-edu.bars"
device 0000:00:03.0 { name "e1000e" }
EOF
daemon_start
check "one source loaded, without the e1000e: explain says one source" \
    ctl_explain 00:03.0 "blocks: not held: listed at $T/pcibackd.conf:3, but no device source has it (1 emulate source loaded)\$"
t_done
