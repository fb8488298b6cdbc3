#!/bin/sh
# Bug 9: like xen-pciback, a bridge (type 1 header) is refused on the
# virtual bus unless its device block says "allow bridge"; pcibackctl
# explain says which.  Allowed, the guest gets it, permissive even, and
# its bus numbers, windows and bridge control still stay the host's (the
# hard floor of lib/cfgspace.c; test_bug9_* check every register).
. "$(dirname "$0")/lib.sh"

explain_has() {
	ctl explain "$1" && out_has "$2"
}

bridge="emulate \"dump:$DATA/synthetic-pcie-bridge.txt\" bars \"$DATA/synthetic-pcie-bridge.bars\""

t_setup
t_conf "$bridge" 'device 0000:00:1c.0 { name "rootport" permissive yes }'
daemon_start
check "the bridge is held" log_has '0000:00:1c.0.*held'
check "explain: refused on the virtual bus" \
    explain_has 00:1c.0 '^  blocks: a bridge \(type 1 header\): refused on the virtual bus'
check "explain: not assignable" out_has 'cannot be given to a guest now'
check "check: the bridge refused, and the fix named" \
    eval 'ctl check; out_has "refused.*a bridge \(type 1 header\), refused on the virtual bus" &&
    out_has "allow bridge"'

guest_start g 5 --run-ms 20000
wait_domain 5
xl -w 1000 attach 5 0000:00:1c.0 --starting
check "attach: backend went Closing" wait_until 5 state_written 5 5
check "attach: error node names the device and the switch" \
    error_like 5 '1 0000:00:1c.0: a bridge, refused on the virtual bus ("allow bridge" in pcibackd.conf)'
check "attach: not exported" \
    sh -c '! grep -q "dom5 0000:00:1c.0: exported" "$1"' x "$T/daemon.log"
check "attach: the bridge is still free" dump_has 0000:00:1c.0 free
xl -w 300 destroy 5
guest_stop g

# --- "allow bridge", by a reload ----------------------------------------
t_conf "$bridge" \
    'device 0000:00:1c.0 { name "rootport" permissive yes allow bridge }'
check "reload" ctl reload
check "explain: allowed, with a warning" \
    explain_has 00:1c.0 '^  warning: a bridge \(type 1 header\) \(allowed: allow bridge\): its bus numbers, windows and bridge control stay the host'"'"'s$'
check "explain: assignable" out_has ': can be given to a guest$'
guest_start h 6 --once --run-ms 15000 --dump "$T/h.dump"
wait_domain 6
xl attach 6 0000:00:1c.0
check "allowed: the guest is served" guest_wait h 15
check "allowed: it read the bridge" test "$(gval h result)" = done
check "allowed: exported" log_has 'dom6 0000:00:1c.0: exported'
check "allowed: the guest sees the host's bus numbers" \
    grep -q '^10: 00 00 c0 fe 00 00 00 00 00 01 01 00' "$T/h.dump"
xl -w 300 destroy 6

# --- printconf ----------------------------------------------------------
check "pcibackd -n prints allow bridge" \
    sh -c '"$1" -nv -f "$2" 2>&1 | grep -q "^	allow bridge$"' x "$PCIBACKD" \
    "$T/pcibackd.conf"
t_done
