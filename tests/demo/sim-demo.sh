#!/bin/sh
# The README's main command: pcibackd on the built-in simulated Xen.
#
# The real xenstored (Debian's, under a preload that stands in for the
# hypervisor), the pcibackd binary we ship with four emulated devices, a
# toolstack stand-in that writes what libxl writes, and a guest that
# behaves like Linux xen-pcifront.  Cleans up after itself.
. "$(dirname "$0")/../integration/lib.sh"

say() {
	printf '\n== %s\n' "$*"
}

# The last daemon log lines matching REGEX, indented.
show_log() {
	grep -E -- "$1" "$T/daemon.log" | tail -n "${2:-8}" | sed 's/^/   pcibackd: /'
}

guest_devices() {
	gval g devices
}

t_setup
start=$(date +%s)

say "pcibackd starts on the simulated Xen (real xenstored, emulated devices)"
daemon_start
show_log 'held|started'

say "xl create: a guest with two devices (what libxl writes, device by device)"
guest_start g 7 --paused --dump "$T/guest.txt" --msix 4 --loop-ms 6000 \
    --run-ms 60000
wait_domain 7
xl attach 7 0000:00:03.0 --starting
xl attach 7 0000:00:05.0 --starting
guest_unpause g
wait_event g connected || t_fatal "the guest did not connect"
show_log 'dom7( 0000|: connected)' 4
echo "   guest: sees $(guest_devices) on its virtual bus, after probing all 256 devfn"

say "what the guest's lspci shows (the real lspci -F on the guest's view)"
lspci -F "$T/guest.txt" -vv 2>/dev/null | sed 's/^/   /' |
    grep -E '^   [0-9a-f]{2}:|Region|Capabilities|MSI|Control:' | head -n 40

say "the guest keeps reading config space; pcibackd restarts under it"
sleep 1
daemon_stop TERM
echo "   pcibackd stopped (SIGTERM): the backend stays Connected: state=$(xsr "$(be 7)/state")"
daemon_start
wait_until 5 log_has 'dom7: adopted a connected guest'
show_log 'adopted' 3
sleep 1
daemon_stop KILL
echo "   pcibackd killed (SIGKILL): state=$(xsr "$(be 7)/state")"
daemon_start
wait_until 5 sh -c 'test "$(grep -c "dom7: adopted" "$1")" -ge 2' x \
    "$T/daemon.log"
wait_event g loop-done 1 20 || true
echo "   guest: kept reading through both restarts ($(gval g loop_ops) reads)"

say "xl pci-attach: a third device while the guest runs"
xl attach 7 0000:00:02.0
wait_event g reconfigured 1
echo "   guest: now sees $(guest_devices)"

say "xl pci-detach: the NVMe goes (libxl renumbers the slots)"
xl detach 7 0000:00:05.0
wait_event g reconfigured 2
echo "   guest: now sees $(guest_devices)"
show_log 'released' 2

say "the guest shuts down, the toolstack destroys it"
guest_stop g
xl -w 2000 destroy 7 || true
wait_until 5 log_has 'dom7: gone' || true
show_log 'gone|released' 4

say "summary"
kill -USR1 "$DAEMON_PID" 2>/dev/null
sleep 0.3
echo "   guest: $(gval g ops) ops, $(gval g timeouts) timed out," \
    "$(gval g errors) unexpected replies"
echo "   guest reads during the two restarts: $(gval g loop_ops)," \
    "$(gval g loop_wrong) answered wrongly, $(gval g loop_timeouts) timed out"
echo "   devices back in the pool: $(tail -n 8 "$T/daemon.log" |
    grep -cE '^0000:00:0[2-5].0: free$') of 4"
echo "   finished in $(( $(date +%s) - start )) s"
t_done
