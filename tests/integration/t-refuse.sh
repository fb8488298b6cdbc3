#!/bin/sh
# Issue 14 §6: a refusal the administrator sees, understands and can fix
# in one step, on the shim double.  The new user's configuration (mode
# virtual, a device block per device), three devices on one INTx line
# with two functions dom0 keeps (XSA-461): 00:04.0 has INTx only, 00:08.0
# has MSI; 00:06.0 shares a BAR page with 00:07.0 (dom0).  The dump
# share-intx-page.txt; 04.0, 05.0, 07.0 and 08.0 are put on IRQ 40.
# - pcibackctl check lists each refusal, why, and the line that allows it;
# - the guest gets 00:08.0, with INTx held off in hardware (also after
#   dom0's enable and MSI teardown turn it back on), and is not refused;
# - the two refusals name the advisory, every sharer and the fix, in the
#   log and the error node; the guest keeps 00:08.0 (no Closing);
# - explain says "blocks" only for what would block: not for a free pair;
# - the fix, applied as check says, gives the next guest the device.
. "$(dirname "$0")/lib.sh"

# cmd_has BDF BIT: the double's command register has BIT set.
cmd_has() {
	c=$(shim_val "$1" command)
	[ $((c & $2)) -ne 0 ] && return 0
	note "$1 command $c lacks $2"
	return 1
}

t_setup
SHIM_CONF='device 0000:00:04.0 {
	name "nic"
}
device 0000:00:06.0 {
	name "small"
}
device 0000:00:08.0 {
	name "msi"
}'
shim_setup share-intx-page
for f in 04.0 05.0 07.0 08.0; do
	shim irq 0000:00:$f 40 || t_fatal "irq $f"
done
check "xl pci-assignable-add of the three" \
    assignable 0000:00:04.0 0000:00:06.0 0000:00:08.0
daemon_start
check "three held" test "$(grep -c ': held \[' "$T/daemon.log")" -eq 3

# --- before any guest: pcibackctl check ---------------------------------
check "pcibackctl check answers" ctl check
check "check: 00:04.0 refused, INTx line shared with 00:05.0 (dom0)" \
    out_has '^0000:00:04.0 "nic": refused: INTx line 40 shared with 0000:00:05.0 \(dom0\) \(XSA-461\)$'
check "check: ... and with 00:07.0 (dom0)" \
    out_has '^0000:00:04.0 "nic": refused: INTx line 40 shared with 0000:00:07.0 \(dom0\) \(XSA-461\)$'
check "check: ... the free 00:08.0 only a warning" \
    out_has '^0000:00:04.0 "nic": warning: INTx line 40 shared with 0000:00:08.0 \(held by pcibackd, free\): only a guest given both'
check "check: ... the line that allows it, with its file and line" \
    out_has '^  to give it anyway: add "allow shared-irq" to the device block at .*/pcibackd.conf:[0-9]+$'
check "check: 00:06.0 refused, BAR page shared with 00:07.0 (dom0)" \
    out_has '^0000:00:06.0 "small": refused: BAR page 0xfea00000 shared with 0000:00:07.0 \(dom0\) \(XSA-461\)$'
check "check: ... and allow shared-bar-page" \
    out_has '^  to give it anyway: add "allow shared-bar-page" to the device block at '
check "check: 00:08.0 (MSI) not refused: INTx held off" \
    out_has '^0000:00:08.0 "msi": warning: INTx line 40 shared with 0000:00:05.0 \(dom0\): given with INTx held off in hardware, the guest must use MSI or MSI-X'
check "check: 00:08.0 has no refusal" out_lacks '^0000:00:08.0 "msi": refused'
check "check: the summary" \
    out_has '^3 devices held, 2 would be refused to a guest$'
check "check -j parses" \
    sh -c '"$1" -s "$2" -j check | python3 -m json.tool >/dev/null' \
    x "$PCIBACKCTL" "$T/pcibackd.sock"
check "explain 00:08.0: can be given" ctl explain 00:08.0
check "... can be given to a guest" out_has 'can be given to a guest$'
check "... blocks nothing" out_lacks 'blocks'
check "explain 00:04.0: blocks, with the fix" ctl explain 00:04.0
check "... blocks: the line with dom0's 00:05.0" \
    out_has '^  blocks: INTx line 40 shared with 0000:00:05.0 \(dom0\) \(XSA-461\)$'
check "... info: the fix" \
    out_has '^  info: to give it anyway: add "allow shared-irq" to the device block at '

# --- one guest asks for all three ------------------------------------
guest_start g 5 --paused --msi --write 1234:11e8:4:2:0x0006 \
    --loop-ms 2000 --run-ms 30000
wait_domain 5
xl attach 5 0000:00:04.0 --starting
xl attach 5 0000:00:06.0 --starting
xl attach 5 0000:00:08.0 --starting
guest_unpause g
check "the guest connects (not Closing)" wait_event g connected
check "... with 00:08.0 alone" test "$(gval g devices)" = 00:00.0
check "the backend never went Closing" eval '! state_written 5 5'
check "log: 00:04.0 refused, advisory, both sharers and the fix" \
    log_has 'dom5: 0000:00:04.0: INTx line 40 shared with 0000:00:05.0 \(dom0\), 0000:00:07.0 \(dom0\) \(XSA-461\); to give it anyway, add "allow shared-irq" to the device block at .*pcibackd.conf:[0-9]+$'
check "log: the guest connects with what was not refused" \
    log_has 'dom5: 2 of its devices refused \(see above\), the guest gets the other 1$'
check "log: 00:06.0 refused, the page and the fix" \
    log_has 'dom5: 0000:00:06.0: BAR page 0xfea00000 shared with 0000:00:07.0 \(dom0\) \(XSA-461\); to give it anyway, add "allow shared-bar-page"'
check "log: 00:08.0 given with INTx held off, naming the sharers" \
    log_has 'dom5 0000:00:08.0: its INTx line 40 is shared with 0000:00:05.0 \(dom0\), 0000:00:07.0 \(dom0\) \(XSA-461\): given with INTx held off in hardware'
check "error node: the last refusal, with the fix" \
    error_like 5 '16 0000:00:06.0: BAR page 0xfea00000 shared with 0000:00:07.0 (dom0) (XSA-461); to give it anyway, add "allow shared-bar-page"*'
check "slots: the two refused marked Closed, 00:08.0 Initialised" \
    sh -c 'test "$(xenstore-read "$1/state-0")$(xenstore-read "$1/state-1")$(xenstore-read "$1/state-2")" = 663' \
    x "$(be 5)"
check "the shim gave 00:08.0 to dom5" shim_is 0000:00:08.0 domid 5
check "... and neither refused device" \
    sh -c '"$1" show 0000:00:04.0 | grep -qx domid=none &&
    "$1" show 0000:00:06.0 | grep -qx domid=none' x "$SHIMCTL"
check "the guest turned decoding on" wait_until 10 cmd_has 0000:00:08.0 2
check "INTx disable still set in hardware (after MSI off and the enable)" \
    cmd_has 0000:00:08.0 0x400
check "explain 00:08.0, owned: the hold is said" ctl explain 00:08.0
check "... owned by dom5, no other block" \
    sh -c '! grep "blocks" "$1" | grep -v "owned by dom5"' x "$T/ctl.out"
guest_stop g
check "the guest's MSI worked" test "$(gval g dev.00:00.0.msi)" -gt 0
xl -w 500 destroy 5
check "00:08.0 released and reset" \
    wait_until 10 log_has '0000:00:08.0: reset .*ready for the next guest'

# --- explain: a free held pair blocks nothing -----------------------------
check "00:07.0 made assignable too" assignable 0000:00:07.0
check "... and held" wait_until 5 log_has '0000:00:07.0: held'
check "explain 00:06.0 with its page partner free" ctl explain 00:06.0
check "... can be given to a guest" out_has 'can be given to a guest$'
check "... the free partner is a warning, not blocks" \
    out_has '^  warning: BAR page 0xfea00000 shared with 0000:00:07.0 \(held by pcibackd, free\): only a guest given both may have it'
check "... no blocks at all" out_lacks 'blocks'
guest_start p 6 --paused --run-ms 20000
wait_domain 6
xl attach 6 0000:00:06.0 --starting
xl attach 6 0000:00:07.0 --starting
guest_unpause p
check "and the pair does go through, to one guest" wait_event p connected
check "... both functions" test "$(gval p devices)" = 00:00.0,00:01.0
guest_stop p
xl -w 500 destroy 6

# --- the fix, in one step, as check said ----------------------------------
sed -i 's/name "nic"/name "nic"\n\tallow shared-irq/' "$T/pcibackd.conf"
check "reload" ctl reload
check "check: 00:04.0 no longer refused" ctl check
check "... an allowed warning only" \
    out_has '^0000:00:04.0 "nic": .*\(allowed: allow shared-irq\)|^[0-9]+ devices held, 0 would be refused'
check "... nothing refused" out_has ' 0 would be refused to a guest$'
check "the next guest gets 00:04.0" \
    wait_until 15 sh -c 'true' && serves 7 0000:00:04.0 q
t_done
