#!/bin/sh
# Bug 4 and XSA-461 enforcement: a device that shares its INTx line or a
# 4 KiB page of its BARs or its ROM with a function outside the guest is
# refused at attach, not only named by "explain": at a normal attach, for
# a fresh export the start-up scan finds, and for a page shared with a ROM
# (libxl grants iomem for the ROM too).  Only adopting a guest that
# already had the device after a restart skips the check.
. "$(dirname "$0")/lib.sh"

# share_conf [options for 00:04.0]
share_conf() {
	cat >"$T/pcibackd.conf" <<EOC
socket "$T/pcibackd.sock"
emulate "dump:$DATA/share-intx-page.txt" bars "$DATA/share-intx-page.bars"
emulate "dump:$DATA/share-rom-page.txt" bars "$DATA/share-rom-page.bars"
emulate "dump:$DATA/qemu-edu.txt" bars "$DATA/qemu-edu.bars"
device 0000:00:04.0 { name "nic-a" ${1:-} }
device 0000:00:09.0 { name "rom-a" }
device 0000:00:02.0 { name "edu" }
EOC
}

t_setup
share_conf

# --- XSA-461 at a normal attach -----------------------------------------
daemon_start
guest_start a 5 --run-ms 20000
wait_domain 5
xl -w 1000 attach 5 0000:00:04.0 --starting
check "XSA-461: attach of a device sharing its INTx line refused" \
    wait_until 5 state_written 5 5
check "XSA-461: the error node names the line and the other function" \
    error_like 5 '*0000:00:04.0: INTx line 10 shared with 0000:00:05.0 (dom0)*'
check "XSA-461: not exported" \
    sh -c '! grep -q "dom5 0000:00:04.0: exported" "$1"' x "$T/daemon.log"
xl -w 300 destroy 5
guest_stop a

# --- the ROM counts (bug 4) ----------------------------------------------
ctl explain 00:09.0
check "ROM: explain names the page the ROM shares" \
    out_has '^  blocks: BAR page 0xfeb00000 shared with 0000:00:0a.0 \(dom0\) \(XSA-461\)$'
guest_start r 6 --run-ms 20000
wait_domain 6
xl -w 1000 attach 6 0000:00:09.0 --starting
check "ROM: attach refused" wait_until 5 state_written 6 5
check "ROM: error node" \
    error_like 6 '*0000:00:09.0: BAR page 0xfeb00000 shared with 0000:00:0a.0 (dom0)*'
xl -w 300 destroy 6
guest_stop r

# --- a fresh export the start-up scan finds (bug 4) ----------------------
daemon_stop TERM
guest_start b 7 --run-ms 20000
wait_domain 7
xl -w 300 attach 7 0000:00:04.0 --starting
daemon_start
check "scan: the fresh export is refused too" wait_until 5 state_written 7 5
check "scan: error node" \
    error_like 7 '*0000:00:04.0: INTx line 10 shared with 0000:00:05.0 (dom0)*'
check "scan: not exported" \
    sh -c '! grep -q "dom7 0000:00:04.0: exported" "$1"' x "$T/daemon.log"
xl -w 300 destroy 7
guest_stop b

# --- adoption after a restart is not refused -----------------------------
share_conf "allow shared-irq"
ctl reload
guest_start c 8 --loop-ms 60000 --run-ms 90000
wait_domain 8
xl attach 8 0000:00:04.0 --starting
check "adopt: allowed, the guest connects" wait_event c connected
check "adopt: it reads" wait_until 10 sh -c 'grep -q "^loop_ops=" "$1"' x "$T/c.out"
daemon_stop KILL
share_conf
daemon_start
check "adopt: adopted without the allow line" \
    wait_until 5 log_has 'dom8 0000:00:04.0: adopted'
check "adopt: the backend stays Connected" be_state_is 8 4
guest_stop c
check "adopt: every read right, none timed out" \
    test "$(gval c loop_wrong)" = 0 -a "$(gval c loop_timeouts)" = 0
xl -w 300 destroy 8

# --- every sharer named, in one refusal (tests/data/share-mixed.txt) ----
# 00:04.0 shares a page of each of its BARs with 03.0, 05.0 and 06.0, and
# its INTx line with 05.0: the error node lists each, as the host's
# listing has them, and one fix for both.
daemon_stop TERM
cat >"$T/pcibackd.conf" <<EOC
socket "$T/pcibackd.sock"
emulate "dump:$DATA/share-mixed.txt" bars "$DATA/share-mixed.bars"
device 0000:00:04.0 { name "mixed" }
EOC
daemon_start
guest_start d 9 --run-ms 20000
wait_domain 9
xl -w 1000 attach 9 0000:00:04.0 --starting
check "mixed: attach refused" wait_until 5 state_written 9 5
check "mixed: the error node names every page and the line, with whose" \
    error_like 9 '*0000:00:04.0: BAR page 0xfec00000 shared with 0000:00:06.0 (dom0); INTx line 10 shared with 0000:00:05.0 (dom0); BAR page 0xfeb00000 shared with 0000:00:05.0 (dom0); BAR page 0xfea00000 shared with 0000:00:03.0 (dom0) (XSA-461)*'
check "mixed: ... and the one fix for both kinds" \
    error_like 9 '*to give it anyway, add "allow shared-irq allow shared-bar-page" to the device block at *'
xl -w 300 destroy 9
guest_stop d
t_done
