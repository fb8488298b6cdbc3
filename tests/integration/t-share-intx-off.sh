#!/bin/sh
# XSA-461, a line dom0 does not use: a device with INTx only shares its
# line with one dom0 function, whose INTx disable bit is set (a Linux
# driver sets it when it takes MSI or MSI-X, as the port driver of a PCIe
# root port does, whose line every device behind it shares).  Dom0 takes
# no interrupt there, so the device is given, with INTx.  The bit is read
# again when the device is given: dom0 turning INTx back on before that
# is a refusal, as before.  The dump share-intx-off.txt: 00:04.0 INTx
# only, 00:05.0 dom0's with Command 0x0503; both put on IRQ 40.
. "$(dirname "$0")/lib.sh"

t_setup
SHIM_CONF='device 0000:00:04.0 {
	name "nic"
}'
shim_setup share-intx-off
for f in 04.0 05.0; do
	shim irq 0000:00:$f 40 || t_fatal "irq $f"
done
check "xl pci-assignable-add 00:04.0" assignable 0000:00:04.0
daemon_start
check "held" wait_until 5 log_has '0000:00:04.0: held'

# --- before any guest: check and explain ----------------------------------
check "pcibackctl check answers" ctl check
check "check: nothing would be refused" \
    out_has '^1 devices held, 0 would be refused to a guest$'
check "check: no line for 00:04.0 (nothing to act on)" \
    out_lacks '^0000:00:04.0'
check "explain 00:04.0 answers" ctl explain 00:04.0
check "... can be given to a guest" out_has 'can be given to a guest$'
check "... info: the line is shared with 00:05.0, whose INTx is off" \
    out_has '^  info: INTx line 40 shared with 0000:00:05.0 \(dom0\), whose INTx is off \(MSI or MSI-X\): the line is this device.s alone'
check "... blocks nothing" out_lacks 'blocks'

# --- a guest gets it, with INTx -------------------------------------------
# The claim reads 00:05.0's Command again, that function alone: a scan of
# every host function costs tens of milliseconds in a PV dom0, on the
# event loop, in each attach.
scans=$(grep -c 'host PCI functions listed' "$T/daemon.log")
reads=$(grep -c '^0000:00:05.0: Command read again: INTx off$' "$T/daemon.log")
guest_boot g 5 "--run-ms 20000" 0000:00:04.0
check "the guest connects" wait_event g connected
check "... with 00:04.0" test "$(gval g devices)" = 00:00.0
check "the shim gave 00:04.0 to dom5" shim_is 0000:00:04.0 domid 5
check "log: given with INTx, naming the sharer and its line" \
    log_has 'dom5 0000:00:04.0: its INTx line is shared only with dom0 functions whose INTx is off \(MSI or MSI-X\): 0000:00:05.0 \(line 40\); given with INTx \(XSA-461\)$'
check "log: not held off" \
    eval '! log_has "dom5 0000:00:04.0: its INTx line 40 is shared with"'
check "the claim read 00:05.0's Command again" test "$(grep -c \
    '^0000:00:05.0: Command read again: INTx off$' "$T/daemon.log")" -gt "$reads"
check "... alone: the host's functions were not listed again" \
    test "$(grep -c 'host PCI functions listed' "$T/daemon.log")" -eq "$scans"
check "INTx disable not set on 00:04.0 by pcibackd" \
    sh -c 'c=$("$1" show 0000:00:04.0 | sed -n "s/^command=//p");
    [ $((c & 0x400)) -eq 0 ]' x "$SHIMCTL"
guest_stop g
xl -w 500 destroy 5
check "released and reset" \
    wait_until 10 log_has '0000:00:04.0: reset .*ready for the next guest'

# --- a sharer reading all ones is not trusted alone: the host is listed --
# (a function gone or unreadable; libpci says all ones, not an error)
check "00:05.0's Command reads all ones" shim command 0000:00:05.0 0xffff
scans=$(grep -c 'host PCI functions listed' "$T/daemon.log")
resets=$(grep -c '0000:00:04.0: reset .*ready for the next guest' "$T/daemon.log")
guest_boot k 7 "--run-ms 20000" 0000:00:04.0
check "the guest connects" wait_event k connected
check "... after the claim listed the host's functions again" \
    test "$(grep -c 'host PCI functions listed' "$T/daemon.log")" -gt "$scans"
guest_stop k
xl -w 500 destroy 7
check "released and reset" wait_until 10 sh -c '[ "$(grep -c \
    "0000:00:04.0: reset .*ready for the next guest" "$1")" -gt "$2" ]' \
    x "$T/daemon.log" "$resets"

# --- dom0 turns 00:05.0's INTx back on: read again at the next claim ------
check "dom0's 00:05.0 takes INTx again" shim command 0000:00:05.0 0x0103
guest_boot h 6 "--run-ms 20000" 0000:00:04.0
check "the next guest is refused 00:04.0" \
    wait_until 10 log_has 'dom6: 0000:00:04.0: INTx line 40 shared with 0000:00:05.0 \(dom0\) \(XSA-461\); to give it anyway'
check "... as the Command read again said" \
    log_has '^0000:00:05.0: Command read again: INTx on$'
check "... the shim did not give it" shim_is 0000:00:04.0 domid none
guest_stop h
xl -w 500 destroy 6
check "explain now blocks" ctl explain 00:04.0
check "... on the line with 00:05.0" \
    out_has '^  blocks: INTx line 40 shared with 0000:00:05.0 \(dom0\) \(XSA-461\)$'

t_done
