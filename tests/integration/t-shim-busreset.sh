#!/bin/sh
# Issue 14 §2 on the shim double, the machine of tests/data/reset-topology:
# explain names each reset method a device has or why not, and the one
# pcibackd uses (FLR, PM, the bus of a function alone behind its bridge);
# two functions behind one bridge, both held and free, get one
# coordinated bus reset (RESET_BUS) after their guest, each counted with
# its duration; with one given to a guest, or one not held, no bus reset
# and explain names the other function and who has it; a bus reset that
# fails or hangs quarantines both until "pcibackctl reset" succeeds.
. "$(dirname "$0")/lib.sh"

N=0000:00:05.0		# nvme: FLR
E=0000:00:03.0		# e1000e: PM only
A=0000:01:00.0		# alone behind 00:1c.0
B0=0000:02:00.0		# two functions behind 00:1d.0
B1=0000:02:00.1
C0=0000:03:00.0		# 03:00.1, behind 00:1e.0 with it, is not held
C1=0000:03:00.1

# explain_has BDF REGEX: one line of "pcibackctl explain BDF".
explain_has() {
	ctl explain "$1" && out_has "$2"
}

t_setup
SHIM_CONF='reset-timeout 2'
shim_setup reset-topology
assignable $N $E $A $B0 $B1 $C0
daemon_start

metrics() {
	ctl show metrics && metrics_parse
}

# resets_more BDF N: the shim counted more than N resets of BDF.
resets_more() {
	[ "$(shim_val "$1" resets)" -gt "$2" ]
}

check "the bus-reset functions lost Linux's own bus reset (not alone)" \
    shim_is $B0 reset_method ""
check "... the one alone behind its bridge has it" shim_is $A reset_method bus

# Each method, available or why not, and the one pcibackd uses.
check "nvme: FLR available" \
    explain_has $N '^  info: reset flr: available: in the PCIe capability'
check "nvme: PM out, NoSoftRst" \
    out_has '^  info: reset pm: not available: .*NoSoftRst'
check "nvme: no bus reset on a root bus" \
    out_has '^  info: reset bus: not available: on a root bus'
check "nvme: pcibackd uses FLR" out_has '^  info: reset pcibackd uses: flr: '
check "e1000e: FLR out, the capability does not offer it" \
    explain_has $E '^  info: reset flr: not available: the PCIe capability does not offer it$'
check "e1000e: PM available" \
    out_has '^  info: reset pm: available: D3hot to D0, NoSoftRst clear$'
check "e1000e: pcibackd uses PM" out_has '^  info: reset pcibackd uses: pm: '
check "alone: bus available" \
    explain_has $A '^  info: reset bus: available: alone behind bridge 0000:00:1c.0$'
check "alone: the slot said, none on that bridge" \
    out_has '^  info: reset slot: not available: bridge 0000:00:1c.0 has no hot-plug slot$'
check "alone: pcibackd uses the kernel's bus reset" \
    out_has '^  info: reset pcibackd uses: bus: no FLR and no PM reset; it is alone behind bridge 0000:00:1c.0$'
check "pair: bus available with the other function" \
    explain_has $B0 "^  info: reset bus: available: bridge 0000:00:1d.0, together with $B1 \(held by pcibackd, free\)\$"
check "pair: coordinated" \
    out_has "^  info: reset pcibackd uses: bus, coordinated: .*together with $B1"
check "pair: not a warning, the kernel's none is said as info" \
    out_has "^  info: reset: none of the kernel's own\$"
check "not held: named" \
    explain_has $C0 "^  info: reset bus: not available: a reset of bridge 0000:00:1e.0's bus would also reset $C1, which is not held\$"
check "not held: pcibackd has none, a warning" \
    out_has '^  warning: reset pcibackd uses: none: '
check "show devices: the pair's reset plan is a coordinated bus reset" \
    dev_is $B0 reset_plan "'bus, coordinated'"
check "... the kernel's own has none" dev_is $B0 reset "'none'"
check "... the lone function's is the kernel's bus reset" \
    dev_is $A reset_plan "'bus'"
check "... the nvme's FLR" dev_is $N reset_plan "'flr'"
check "... the one sharing with a function not held: none" \
    dev_is $C0 reset_plan "'none'"
check "-j: the same records" ctl -j explain $C0
check "... with the reason text" out_has "would also reset $C1, which is not held"

# Alone behind its bridge: the kernel's own bus reset after the guest.
check "alone: serves a guest" serves 4 $A g4
check "alone: reset by the kernel's bus reset" \
    wait_until 10 log_has "$A: reset \(bus\), ready for the next guest"

# The pair in one guest: when both are free, one coordinated reset.
r0=$(shim_val $B0 resets)
r1=$(shim_val $B1 resets)
guest_start g5 5 --paused
check "domain 5 exists" wait_domain 5
check "pair: both to dom5" xl attach 5 $B0 --starting
check "... the second" xl attach 5 $B1 --starting
guest_unpause g5
check "dom5 connects" wait_event g5 work-done 1 20
check "explain, owned: the bus reset reaches dom5's other function" \
    explain_has $B0 "would also reset $B1, which dom5 uses\$"
destroy 5 g5
check "pair: one bus reset, started by the last one freed" \
    wait_until 10 log_has "resetting the bus of bridge 0000:00:1d.0, with"
check "pair: the first function reset by the bus" \
    wait_until 10 log_has "$B0: reset \(bus\), ready for the next guest"
check "pair: the second too" \
    wait_until 10 log_has "$B1: reset \(bus\), ready for the next guest"
check "the shim reset the first by RESET_BUS" shim_is $B0 last_method bus
check "... and the second" shim_is $B1 last_method bus
check "... each at least once more" resets_more $B0 "$r0"
check "... (the second)" resets_more $B1 "$r1"
check "both free again" dev_is $B0 state "'ready'"
check "... the second" dev_is $B1 state "'ready'"
check "show metrics" metrics
check "the first counted as a bus reset, ok" \
    metric_has "^pcibackd_device_resets_total\{device=$B0,method=bus,result=ok\} 1 counter\$"
check "the second too" \
    metric_has "^pcibackd_device_resets_total\{device=$B1,method=bus,result=ok\} 1 counter\$"
check "the first's duration" \
    metric_has "^pcibackd_device_reset_last_duration_seconds\{device=$B0\} $POSITIVE gauge\$"
check "the second's duration" \
    metric_has "^pcibackd_device_reset_last_duration_seconds\{device=$B1\} $POSITIVE gauge\$"

# One function given to a guest: no bus reset, explain names the guest.
guest_start g6 6 --paused
check "domain 6 exists" wait_domain 6
check "the second function alone to dom6" xl attach 6 $B1 --starting
guest_unpause g6
check "dom6 connects" wait_event g6 work-done 1 20
check "explain names the sharer and its guest" \
    explain_has $B0 "^  info: reset bus: not available: a reset of bridge 0000:00:1d.0's bus would also reset $B1, which dom6 uses\$"
check "... and pcibackd has no reset for it" \
    out_has '^  warning: reset pcibackd uses: none: '
check "... show devices says so" dev_is $B0 reset_plan "'none'"
r1=$(shim_val $B1 resets)
n0=$(grep -c "resetting the bus of bridge 0000:00:1d.0" "$T/daemon.log")
check "pcibackctl reset of the free one" ctl reset $B0
check "... done without a bus reset" \
    wait_until 10 log_has "$B0: reset \(none\), ready for the next guest"
check "... no bus reset logged" \
    test "$(grep -c "resetting the bus of bridge 0000:00:1d.0" "$T/daemon.log")" = "$n0"
check "dom6's function untouched" shim_is $B1 resets "$r1"
check "... still dom6's" shim_is $B1 domid 6
destroy 6 g6
check "dom6 gone: now both free, the bus reset runs" \
    wait_until 10 sh -c 'test "$(grep -c "resetting the bus of bridge 0000:00:1d.0" "$1")" -gt "$2"' \
    x "$T/daemon.log" "$n0"
check "... and both are ready" wait_until 10 dev_is $B0 state "'ready'"

# A bus reset that fails: both quarantined; pcibackctl reset retries.
fault reset-fail $B1
check "pcibackctl reset with the bus reset failing" ctl reset $B0
check "the first quarantined" wait_until 10 dev_is $B0 state "'quarantined'"
check "the second too" wait_until 10 dev_is $B1 state "'quarantined'"
check "the log says why, naming it" \
    log_has "$B1: quarantined: its reset failed: Input/output error"
check "explain: it blocks, and how to retry" \
    explain_has $B1 'blocks: quarantined: its reset failed: Input/output error: "pcibackctl reset" retries'
check "a quarantined function keeps the bus reset possible" \
    out_has "^  info: reset bus: available: bridge 0000:00:1d.0, together with $B0"
check "counted as failed" metrics
check "... by the bus" \
    metric_has "^pcibackd_device_resets_total\{device=$B1,method=bus,result=failed\} 1 counter\$"
fault reset-fail off
check "pcibackctl reset retries" ctl reset $B0
check "the quarantine of the first is lifted" \
    wait_until 10 log_has "$B0: reset: quarantine lifted"
check "... and of the second" wait_until 10 log_has "$B1: reset: quarantine lifted"
check "both ready" wait_until 10 dev_is $B1 state "'ready'"

# A bus reset that hangs past reset-timeout (2 s): both quarantined.
fault reset-hang $B1
check "pcibackctl reset with the bus reset hanging" ctl reset $B0
check "both resetting" wait_until 5 dev_is $B1 state "'resetting'"
check "the first quarantined after reset-timeout" \
    wait_until 15 dev_is $B0 state "'quarantined'"
check "... the second too" wait_until 15 dev_is $B1 state "'quarantined'"
check "the log says it still runs" \
    log_has "$B1: quarantined: its reset still runs after 2 s"
fault reset-hang off
check "the hung reset ends; still quarantined" \
    wait_until 15 log_has "$B1: the reset that timed out ended: done; still quarantined"
check "... the first too" \
    wait_until 15 log_has "$B0: the reset that timed out ended: done; still quarantined"
check "pcibackctl reset retries it" wait_until 10 ctl reset $B0
check "both lifted" \
    wait_until 10 sh -c 'test "$(grep -c "$1: reset: quarantine lifted" "$2")" -ge 2' \
    x $B1 "$T/daemon.log"
check "... ready" wait_until 10 dev_is $B0 state "'ready'"
check "the pair serves a guest again" serves 7 $B0 g7
check "daemon still running" daemon_alive
t_done
