#!/bin/sh
# BARs as the kernel left them, on the shim double: QEMU's edu at 00:06.0
# with BAR 0 sized but at address 0 (the kernel found no room for it)
# and a 64-bit BAR 2.  explain says BAR 0 is unassigned; the guest finds
# nothing to size there, and sizes BAR 2 and reads it at its host
# address.  Made here, not in tests/data: a dump there has no size for
# a BAR without an address (test_cfgspace_dumps).
. "$(dirname "$0")/lib.sh"

U=0000:00:06.0

t_setup
shim_setup qemu-edu
sed -e '1s/^00:02\.0 /00:06.0 /' \
    -e 's/^10: .*/10: 00 00 00 00 00 00 00 00 04 00 00 e0 00 00 00 00/' \
    "$DATA/qemu-edu.txt" >"$T/unassigned.txt"
printf '00:06.0 0 0x100000\n00:06.0 2 0x100000\n' >"$T/unassigned.bars"
check "the machine has it" \
    shim add "dump:$T/unassigned.txt" "$T/unassigned.bars"
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
check "the guest finds no BAR 0 to size: nothing to map" \
    test -z "$(gval g dev.00:00.0.bar0)"
check "... BAR 2 sized, 1 MiB" test "$(gval g dev.00:00.0.bar2)" = 0x100000
check "... and read at the host's address, 64-bit" \
    grep -q '^10: 00 00 00 00 00 00 00 00 04 00 00 e0 00 00 00 00' \
    "$T/g.dump"
xl -w 300 destroy 5
t_done
