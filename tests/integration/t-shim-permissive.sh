#!/bin/sh
# The toolstack's permissive and allow_interrupt_control on the shim
# provider: libxl writes them to the pciback driver's files before the
# attach; the shim tells the daemon (an event), which applies them live
# and, after a restart, from the shim's state.  A device not held is
# refused (libxl then aborts the attach).  RELEASE clears both in the shim,
# and the daemon drops them with the guest (bug 2 of issue 10).
. "$(dirname "$0")/lib.sh"

E=0000:00:03.0
N=0000:00:05.0
t_setup
shim_setup
assignable $E $N
daemon_start
check "not permissive at first" dev_is $E permissive False
check "permissive of a device not held is refused (ENODEV)" \
    sh -c '! "$1" permissive 0000:00:02.0 2>/dev/null' x "$SHIMCTL"
check "libxl writes permissive" shim permissive $E
check "the daemon applies it at once" \
    wait_until 5 log_has "$E: the toolstack made it permissive"
check "pcibackctl shows it permissive" dev_is $E permissive True
check "explain warns: permissive by the toolstack, this assignment only" \
    sh -c '"$1" -s "$2" explain "$3" | grep -q "warning: permissive, by the toolstack for this assignment only: the guest may write registers pcibackd does not know (XSA-124)"' \
    x "${PCIBACKCTL:-$(dirname "$PCIBACKD")/pcibackctl}" "$T/pcibackd.sock" $E
check "pciback/permissive lists it" \
    grep -qx $E "$XENSIM_DIR/shim/sys/bus/pci/drivers/pciback/permissive"
check "libxl writes allow_interrupt_control" \
    shim allow_interrupt_control $N
check "the daemon lets the guest control INTx disable" \
    wait_until 5 log_has "$N: the guest may control INTx disable"
check "a second write changes nothing" shim permissive $E
check "... and is not logged twice" \
    test "$(grep -c "$E: the toolstack made it permissive" "$T/daemon.log")" -eq 1
check "a second allow_interrupt_control write changes nothing" \
    shim allow_interrupt_control $N
sleep 0.5
check "... and is not logged twice" \
    test "$(grep -c "$N: the guest may control INTx" "$T/daemon.log")" -eq 1

# A restart finds the flags in the shim's state.
daemon_stop TERM
daemon_start
check "restart: pcibackctl shows it permissive" dev_is $E permissive True
check "restart: the other one is not" dev_is $N permissive False

check "a guest gets the permissive device" serves 5 $E g
check "released after the guest" \
    wait_until 5 log_has "$E: reset \(pm\), ready for the next guest"
check "RELEASE cleared permissive in the shim" shim_is $E permissive 0
check "bug 2: the daemon drops the toolstack's permissive at RELEASE" \
    dev_is $E permissive False
check "pciback/permissive no longer lists it" \
    sh -c '! grep -qx "$1" "$2"' x $E \
    "$XENSIM_DIR/shim/sys/bus/pci/drivers/pciback/permissive"
check "a guest uses the INTx-control device" serves 6 $N h
check "RELEASE cleared allow_interrupt_control in the shim" \
    wait_until 5 shim_is $N intctl 0
t_done
