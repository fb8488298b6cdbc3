#!/bin/sh
# The shim node itself: a "shim" line naming something that is not the
# shim is refused with the reason; the daemon exiting while a reset runs
# says so, and the reset, finished by the kernel meanwhile, leaves the
# device ready for the next daemon.
. "$(dirname "$0")/lib.sh"

E=0000:00:03.0

t_setup
SHIM_CONF='shim "/dev/null"'
shim_setup
assignable $E
daemon_start
check "a node that is not the shim: refused, with the reason" \
    log_has '/dev/null: not the pcibackd shim: Inappropriate ioctl'
check "the daemon runs holding nothing" log_has 'holding 0 devices'
daemon_stop TERM

SHIM_CONF='shim "/dev/pcishim"'
shim_setup
daemon_start
check "the right node: the e1000e is held" log_has "$E: held"
fault reset-hang $E
check "a reset that hangs" "$PCIBACKCTL" -s "$T/pcibackd.sock" reset $E
check "... is running" wait_until 5 shim_is $E busy 1
daemon_stop TERM
check "exiting says a reset is still running" \
    log_has 'reset\(s\) still running'
fault reset-hang off
daemon_start
check "the next daemon holds the device again" \
    test "$(grep -c "$E: held" "$T/daemon.log")" -eq 2
check "the reset was finished for it" shim_is $E busy 0
check "and it serves a guest" serves 5 $E g
t_done
