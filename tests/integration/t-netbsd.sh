#!/bin/sh
# (h) A NetBSD xpci guest (doc/protocol.md §7.2): 4-byte accesses only,
# a 32x8 probe where a function is present iff err is 0, root "0000:00"
# parsed in fixed columns, no AER flag, no op timeout.  It must find
# exactly its devices, size their BARs and write command+status as one
# dword.  A daemon restart must not show it state 6, 7 or 8 (xpci panics
# on them); a toolstack hot-attach does (libxl writes 7).
. "$(dirname "$0")/lib.sh"

t_setup
daemon_start

guest_start n 5 --paused --netbsd --dump "$T/n.dump" --loop-ms 4000 --run-ms 30000
wait_domain 5
xl attach 5 0000:00:03.0 --starting
xl attach 5 0000:00:05.0 --starting
guest_unpause n
check "xpci guest connects" wait_event n connected
check "its 32x8 probe finds exactly 00:00.0 and 00:01.0" \
    test "$(gval n devices)" = 00:00.0,00:01.0
sleep 1
daemon_stop KILL
sleep 0.3
daemon_start
check "restart: connection adopted" \
    wait_until 5 log_has 'dom5: adopted a connected guest'
check "xpci guest finishes its loop across the restart" \
    wait_event n loop-done 1 20
check "backend stayed Connected (xpci never saw 6/7/8)" be_state_is 5 4

check "hot-attach to an xpci guest (libxl writes 7)" xl attach 5 0000:00:02.0
check "... which a NetBSD guest cannot take (panic, §7.2)" \
    wait_until 5 grep -q '^result=panic' "$T/n.out"
guest_wait n 5

check "no probe, sizing or dword command write went wrong" \
    test "$(gval n errors)" = 0
check "BAR sizes with 4-byte ops (e1000e BAR0, nvme 64-bit BAR0)" \
    test "$(gval n dev.00:00.0.bar0) $(gval n dev.00:01.0.bar0)" = \
    "0x20000 0x4000"
check "no op ever timed out" test "$(gval n timeouts)" = 0
check "no read in the loop answered wrongly" test "$(gval n loop_wrong)" = 0
check "the panic was on backend state 7" test "$(gval n panic)" = 7
r=$(lspci -F "$T/n.dump" -vv 2>/dev/null)
check "lspci renders the xpci guest's view" \
    test "$(echo "$r" | grep -c '^00:0[01].0 ')" = 2
check "xpci read 256 bytes per function" \
    test "$(grep -c '^[0-9a-f][0-9a-f]: ' "$T/n.dump")" = 32
check "daemon still running" daemon_alive
t_done
