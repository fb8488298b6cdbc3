#!/bin/sh
# XSA-461 on the shim provider: the daemon's scan of the host (libpci)
# sees the double's machine (the preload points libpci at its sysfs
# tree), so a held device sharing its INTx line or a 4 KiB BAR page with
# a function dom0 keeps cannot be given to a guest; one guest may have
# both functions of a page; "allow shared-irq" accepts the line.  The
# dump share-intx-page.txt: 00:06.0 and 00:07.0 in the page 0xfea00000,
# 00:08.0 alone; 00:04.0 and 00:05.0 are put on one IRQ here.
. "$(dirname "$0")/lib.sh"

explain_has() {
	"$PCIBACKCTL" -s "$T/pcibackd.sock" explain "$1" >"$T/ctl.out" 2>&1 &&
	    grep -Eq -- "$2" "$T/ctl.out" ||
	    { note "explain $1 lacks '$2':"; sed 's/^/#   /' "$T/ctl.out" >&2;
	    return 1; }
}

t_setup
shim_setup share-intx-page
check "00:04.0 and 00:05.0 on one line (IRQ 40)" \
    sh -c '"$1" irq 0000:00:04.0 40 && "$1" irq 0000:00:05.0 40' x "$SHIMCTL"
assignable 0000:00:04.0 0000:00:06.0 0000:00:08.0
daemon_start
check "three held" test "$(grep -c ': held \[' "$T/daemon.log")" -eq 3
check "00:04.0 shares INTx line 40 with 00:05.0, which dom0 has" \
    explain_has 00:04.0 'blocks: INTx line 40 shared with 0000:00:05.0 \(dom0\) \(XSA-461\)'
check "00:06.0 shares the page 0xfea00000 with 00:07.0 (dom0)" \
    explain_has 00:06.0 'blocks: BAR page 0xfea00000 shared with 0000:00:07.0 \(dom0\)'
check "00:08.0 shares nothing (nor with the real host's functions)" \
    explain_has 00:08.0 'can be given to a guest$'

guest_start g 5 --run-ms 20000
wait_domain 5
xl attach 5 0000:00:04.0
check "a guest asking for 00:04.0 is refused" \
    wait_until 10 error_like 5 '*INTx line 40*'
check "the shim never assigned it" shim_is 0000:00:04.0 domid none
guest_stop g
xl -w 500 destroy 5

check "00:08.0 serves a guest" serves 6 0000:00:08.0 h

# Both functions of the page in one guest: nothing shared with another.
check "00:07.0 made assignable too" assignable 0000:00:07.0
check "... and held" wait_until 5 log_has '0000:00:07.0: held'
guest_start p 7 --paused --loop-ms 2000 --run-ms 20000
wait_domain 7
xl attach 7 0000:00:06.0 --starting
xl attach 7 0000:00:07.0 --starting
guest_unpause p
check "one guest gets both functions of the page" wait_event p connected
check "the shim assigned both to dom7" \
    sh -c '"$1" show 0000:00:06.0 | grep -qx domid=7 &&
    "$1" show 0000:00:07.0 | grep -qx domid=7' x "$SHIMCTL"
guest_stop p

# The shared line, allowed by a reload.
cat >>"$T/pcibackd.conf" <<EOC
device 0000:00:04.0 { allow shared-irq }
EOC
check "reload" "$PCIBACKCTL" -s "$T/pcibackd.sock" reload
check "00:04.0: the shared line is allowed now" \
    explain_has 00:04.0 'warning: INTx line 40 shared with 0000:00:05.0 \(dom0\) \(allowed: allow shared-irq\)'
check "00:04.0 serves a guest now" serves 8 0000:00:04.0 q
t_done
