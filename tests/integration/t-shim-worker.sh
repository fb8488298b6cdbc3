#!/bin/sh
# Issue 11 on the shim double: a worker's /dev/pcishim descriptor is
# restricted (PCISHIM_IOC_RESTRICT) to its own guest's devices.  The
# preload, in the worker of dom5, tries a config read, a config write
# and a reset on each shim descriptor the worker has ($XENSIM_DIR/
# shimprobe-5): its own device answers the config calls and refuses the
# reset; another guest's device and a free device refuse everything
# (EPERM).  Both guests are served all along.
. "$(dirname "$0")/lib.sh"

E=0000:00:03.0		# dom5's
N=0000:00:05.0		# dom6's
D=0000:00:02.0		# nobody's
# A device as PCISHIM_BDF packs it, in hex.
packed() { printf '%x\n' "$(( ($2 << 3) | $3 ))"; }

# probe DEV: what dom5's worker's shim descriptors do with DEV.
probe() {
	rm -f "$XENSIM_DIR/shimprobe-5.out"
	# Whole or not at all: the worker may look at any moment.
	packed 0 "$1" "$2" >"$XENSIM_DIR/probe.tmp"
	mv "$XENSIM_DIR/probe.tmp" "$XENSIM_DIR/shimprobe-5"
	wait_until 10 test -f "$XENSIM_DIR/shimprobe-5.out" || return 1
	cat "$XENSIM_DIR/shimprobe-5.out"
}

XENSIM_SIGSYS=1
export XENSIM_SIGSYS
t_setup
shim_setup
check "three devices made assignable" assignable $E $N $D
daemon_start
guest_start g 5 --paused --loop-ms 30000 --run-ms 40000
wait_domain 5
xl attach 5 $E --starting
guest_unpause g
check "dom5 connects" wait_event g connected
guest_start h 6 --paused --loop-ms 30000 --run-ms 40000
wait_domain 6
xl attach 6 $N --starting
guest_unpause h
check "dom6 connects" wait_event h connected

r0=$(shim_val $N resets)
own=$(probe 3 0)
note "own device: $own"
check "the worker has one shim descriptor" test "$(echo "$own" | grep -c '^fd=')" -eq 1
check "its own device: config read and write work, reset is refused" \
    test "${own#fd=* }" = "cfg_read=0 cfg_write=0 reset=1"
other=$(probe 5 0)
note "dom6's device: $other"
check "dom6's device: everything refused (EPERM)" \
    test "${other#fd=* }" = "cfg_read=1 cfg_write=1 reset=1"
free=$(probe 2 0)
note "a free device: $free"
check "a free held device: everything refused (EPERM)" \
    test "${free#fd=* }" = "cfg_read=1 cfg_write=1 reset=1"
check "dom6's device was not reset" shim_is $N resets "$r0"
check "the daemon still serves dom6" sh -c \
    'a=$(sed -n "s/^loop_ops=//p" "$1" | tail -n 1); sleep 1;
     b=$(sed -n "s/^loop_ops=//p" "$1" | tail -n 1); [ "$b" -gt "${a:-0}" ]' \
    x "$T/h.out"
guest_stop g
guest_stop h
check "dom5's reads: none wrong, no error" \
    test "$(gval g loop_wrong)" = 0 -a "$(gval g errors)" = 0
check "dom6's reads: none wrong, no error" \
    test "$(gval h loop_wrong)" = 0 -a "$(gval h errors)" = 0
t_done
