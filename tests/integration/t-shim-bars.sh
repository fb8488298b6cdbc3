#!/bin/sh
# BARs as the kernel left them, on the shim double (tests/data/
# bar-unassigned.txt): BAR 0 has a size but the kernel found no room for
# it (address 0), BAR 2 is 64-bit and prefetchable.  explain says BAR 0
# is unassigned; the guest reads BAR 0 as 0, nothing to size, and BAR 2
# with its host address and its type bits (64-bit, prefetchable).
. "$(dirname "$0")/lib.sh"

U=0000:00:06.0

t_setup
shim_setup bar-unassigned qemu-edu
check "the device made assignable" assignable $U
daemon_start
check "it is held" wait_until 5 dev_is $U state "'ready'"
check "explain it" ctl explain $U
check "... BAR 0 is unassigned, the guest reads it as 0" \
    out_has '^  info: BAR 0 is unassigned or disabled: the guest reads it as 0$'
check "... BAR 2 is not" out_lacks 'BAR 2 is unassigned'
check "... it can be given" out_has 'can be given to a guest$'

guest_start g 5 --once --run-ms 15000 --dump "$T/g.dump"
wait_domain 5
xl attach 5 $U
check "the guest is served" guest_wait g 15
check "... and read the device" test "$(gval g result)" = done
check "the guest reads BAR 0 as 0 and BAR 2 64-bit prefetchable at its address" \
    grep -q '^10: 00 00 00 00 00 00 00 00 0c 00 00 e0 00 00 00 00' \
    "$T/g.dump"
xl -w 300 destroy 5
t_done
