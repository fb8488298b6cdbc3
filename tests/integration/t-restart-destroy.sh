#!/bin/sh
# Issue 14 §1 after a restart: a guest adopted from its restart record
# (pcibackd killed and started again), one device detached, then the
# live guest destroyed.  libxl's teardown waits for "4" before and after
# it marks each slot; the guest's frontend unplugs each device, so the
# backend must follow every reconfigure it started as it would without
# the restart.  With 3 s waits: no wait may run out.  No device is taken
# again once released: libxl's removal of a slot moves the later slots
# down in one transaction whose events can arrive over two wake-ups, and
# a kept dev-N read in between named the device just released, which a
# restarted instance then adopted again (on the real Xen the guest's
# driver probed it with its BARs revoked and oopsed; libxl waited 10 s
# twice).
. "$(dirname "$0")/lib.sh"

t_setup
daemon_start
guest_boot g 5 "--run-ms 60000" 0000:00:03.0 0000:00:04.0 0000:00:05.0
check "the guest connects with three devices" wait_event g connected
check "... sees all three" test "$(gval g devices)" = 00:00.0,00:01.0,00:02.0
daemon_stop KILL
daemon_start
check "adopted after the restart" wait_until 10 log_has 'dom5: .*adopted|dom5 .*adopted'
check "detach 00:03.0 after the restart" xl -w 3000 detach 5 0000:00:03.0
check "... the guest let it go" wait_event g reconfigured 1
t0=$(date +%s%N)
check "xl destroy of the live guest: no 3 s wait runs out" \
    xl -w 3000 destroy 5
ms=$((($(date +%s%N) - t0) / 1000000))
check "no device adopted again after its release (3 adoptions in all)" \
    test "$(grep -c ': adopted as ' "$T/daemon.log")" -eq 3
note "destroy took $ms ms"
check "... in less than 3 s ($ms ms)" test "$ms" -lt 3000
guest_stop g
t_done
