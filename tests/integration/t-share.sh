#!/bin/sh
# (share) XSA-461: pcibackctl explain says when a device shares its INTx
# line or a 4 KiB BAR page with a function not given to the same guest,
# names that function and who has it (dom0, free, another guest), and
# says when "allow shared-irq" / "allow shared-bar-page" accept it.  The
# dump share-intx-page.txt: 00:04.0 and 00:05.0 on IRQ 10; 00:06.0 and
# 00:07.0 in the page 0xfea00000; 00:08.0 alone.  Another source's
# devices on the same IRQ do not count: each source is a machine.
. "$(dirname "$0")/lib.sh"

SOCK=

# explain_has BDF REGEX
explain_has() {
	ctl explain "$1" && out_has "$2"
}

explain_lacks() {
	ctl explain "$1" && out_lacks "$2"
}

# share_conf [options for 00:07.0] [options for 00:04.0]
share_conf() {
	cat >"$T/pcibackd.conf" <<EOC
socket "$SOCK"
emulate "dump:$DATA/share-intx-page.txt" bars "$DATA/share-intx-page.bars"
emulate "dump:$DATA/qemu-edu.txt" bars "$DATA/qemu-edu.bars"
device 0000:00:04.0 { name "nic-a" ${2:-} }
device 0000:00:06.0 { name "small-a" }
device 0000:00:07.0 { name "small-b" ${1:-} }
device 0000:00:08.0 { name "alone" }
device 0000:00:02.0 { name "edu" }
EOC
}

t_setup
SOCK=$T/pcibackd.sock
share_conf "allow shared-bar-page"
daemon_start
check "all five held" test "$(grep -c ': held \[' "$T/daemon.log")" -eq 5

# --- INTx ------------------------------------------------------------
check "00:04.0: INTx line 10 shared with 00:05.0, which dom0 has" \
    explain_has 00:04.0 '^  blocks: INTx line 10 shared with 0000:00:05.0 \(dom0\) \(XSA-461\)$'
check "... so it cannot be given to a guest" \
    out_has '^0000:00:04.0 "nic-a": cannot be given to a guest now$'
check "... and no BAR page is shared" out_lacks 'BAR page'

# --- BAR pages -------------------------------------------------------
check "00:06.0: BAR page 0xfea00000 shared with 00:07.0, held and free" \
    explain_has 00:06.0 '^  warning: BAR page 0xfea00000 shared with 0000:00:07.0 \(held by pcibackd, free\): only a guest given both may have it \(XSA-461\)$'
check "00:06.0: a free held neighbour blocks nothing (issue 14 §6)" \
    explain_lacks 00:06.0 'blocks'
check "... so it can be given (with 00:07.0, to one guest)" \
    out_has '^0000:00:06.0 "small-a": can be given to a guest$'
check "... the edu of another source, also on IRQ 11, does not count" \
    out_lacks 'INTx'
check "00:07.0: the same page, allowed by its device line" \
    explain_has 00:07.0 '^  warning: BAR page 0xfea00000 shared with 0000:00:06.0 \(held by pcibackd, free\) \(allowed: allow shared-bar-page\)$'
check "... so it can be given" \
    out_has '^0000:00:07.0 "small-b": can be given to a guest$'
check "00:08.0 shares nothing" explain_lacks 00:08.0 'shared with'
check "... and can be given" out_has 'can be given to a guest$'
check "JSON of an explain with sharing parses" \
    sh -c '"$1" -s "$2" -j explain 00:06.0 | python3 -m json.tool >/dev/null' \
    x "$PCIBACKCTL" "$SOCK"

# --- one guest with both functions of the page: nothing shared ---------
guest_start g 5 --paused --loop-ms 60000 --run-ms 90000
wait_domain 5
xl attach 5 0000:00:06.0 --starting
xl attach 5 0000:00:07.0 --starting
guest_unpause g
check "guest with 00:06.0 and 00:07.0 connects" wait_event g connected
check "00:06.0 owned by dom5: the page is shared with dom5 only" \
    explain_lacks 00:06.0 'BAR page'
check "... it says dom5 owns it" out_has '^  blocks: owned by dom5'
check "00:07.0 too: nothing shared" explain_lacks 00:07.0 'BAR page'

# --- the other function held, then another guest's ----------------------
check "hold 00:05.0" ctl hold 00:05.0
check "00:04.0: now shared with a free held device" \
    explain_has 00:04.0 'INTx line 10 shared with 0000:00:05.0 \(held by pcibackd, free\)'
guest_start h 6 --paused --loop-ms 60000 --run-ms 90000
wait_domain 6
xl attach 6 0000:00:05.0 --starting
guest_unpause h
check "guest 6 with 00:05.0 connects" wait_event h connected
check "00:04.0: shared with dom6's device" \
    explain_has 00:04.0 '^  blocks: INTx line 10 shared with 0000:00:05.0 \(dom6\) \(XSA-461\)$'
# A free held device is no conflict for its neighbour's owner: the claim
# of the free one, by another guest, is what gets refused.
check "00:05.0, owned by dom6: the free 00:04.0 blocks nothing" \
    eval '! explain_has 00:05.0 "blocks: INTx line 10"'

# --- allow shared-irq, by a reload ------------------------------------
share_conf "allow shared-bar-page" "allow shared-irq"
check "reload" ctl reload
check "00:04.0: the shared line is allowed now" \
    explain_has 00:04.0 '^  warning: INTx line 10 shared with 0000:00:05.0 \(dom6\) \(allowed: allow shared-irq\)$'
check "... and it can be given" \
    out_has '^0000:00:04.0 "nic-a": can be given to a guest$'

guest_stop g
guest_stop h
t_done
