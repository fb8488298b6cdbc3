#!/bin/sh
# pcibackctl on the shim provider: show devices names the provider, the
# state and the reset method; explain; hold of a device the toolstack did
# not make assignable is refused with what to do, and explain says so;
# release stops holding a free one and hold takes it back (with its
# line's name and permissive); a reload keeps the shim's devices (the
# toolstack decides what the shim holds) and applies names and
# permissive.
. "$(dirname "$0")/lib.sh"

E=0000:00:03.0
N=0000:00:05.0

has() {
	grep -Eq -- "$2" "$T/$1" ||
	    { note "$1 lacks '$2':"; sed 's/^/#   /' "$T/$1" >&2; return 1; }
}

t_setup
shim_setup
assignable $E $N
daemon_start
check "show devices" ctl show devices
check "... lists both with their reset methods" has ctl.out "^$E .* 8086:10d3 .* ready +pm$"
check "JSON: the e1000e comes from the shim" dev_is $E provider "'shim'"
check "JSON: ready" dev_is $E state "'ready'"
check "JSON: its reset method is the kernel's first (pm)" \
    dev_is $E reset "'pm'"
check "JSON: the nvme resets by FLR" dev_is $N reset "'flr'"
check "explain the nvme" ctl explain $N
check "... it can be given" has ctl.out 'can be given to a guest$'
check "hold a device the toolstack did not make assignable: refused" \
    eval '! ctl hold 0000:00:02.0'
check "... saying what to do" has ctl.err 'make it assignable first'

# A reload: the file names, the toolstack holds.
cat >>"$T/pcibackd.conf" <<EOC
device $E { name "nic" permissive yes reset "pm" }
device 0000:00:02.0 { name "edu" }
EOC
check "reload" ctl reload
check "the name is applied" dev_is $E name "'nic'"
check "permissive is applied" dev_is $E permissive True
check "explain names the configured reset methods and their line" \
    ctl explain $E
check "... with the method in use" has ctl.out 'info: reset: pm$'
check "... and the line" has ctl.out 'reset methods to try, from .*pcibackd.conf:[0-9]+: pm$'
check "a shim device no line names stays held" dev_is $N state "'ready'"
check "explain a listed device the toolstack did not make assignable" \
    ctl explain 0000:00:02.0
check "... says to make it assignable, not that no source is loaded" \
    has ctl.out 'blocks: not held: listed at .*pcibackd.conf:[0-9]+, but not bound to pciback: make it assignable first'

guest_start g 5 --run-ms 30000
wait_domain 5
xl attach 5 $E
check "a guest has the e1000e" wait_event g connected
check "release of an owned device: refused" eval '! ctl release $E'
check "... saying who owns it" has ctl.err 'owned by dom5'
check "JSON: assigned to dom5" dev_is $E domid 5
guest_stop g
xl -w 500 destroy 5
check "released after its guest" \
    wait_until 5 log_has "$E: reset \(pm\), ready for the next guest"
check "release of a free shim device" ctl release $N
check "... no longer held by the daemon" \
    wait_until 5 log_has "$N: no longer held"
check "explain the released nvme" ctl explain $N
check "... the shim has it, hold takes it" \
    has ctl.out 'info: the shim has it: pcibackctl hold takes it'
check "hold undoes the release" ctl hold $N
check "... held again, ready" dev_is $N state "'ready'"
check "... from the shim" dev_is $N provider "'shim'"
check "... logged" log_has "$N: held, asked by"
check "hold of a device held already: refused" eval '! ctl hold $N'
check "... saying so" has ctl.err 'already held'
check "show stats" ctl show stats
check "permissive of the free e1000e turned off by pcibackctl" \
    ctl permissive $E off
check "... and on again" ctl permissive $E on
check "... logged as a warning for the next guest" \
    log_has "$E: permissive turned ON by .*: the next guest may"
check "a permissive value that is neither on nor off: refused" \
    eval '! ctl permissive $E maybe'
check "... saying what it wants" has ctl.err 'want on or off'

# A listed device released and held again keeps its line's name.
check "release of the free e1000e" ctl release $E
check "explain: listed, in the shim, released" ctl explain $E
check "... says so" has ctl.out 'listed at .*pcibackd.conf:[0-9]+ and found in the shim, but released with pcibackctl'
check "hold takes it back" ctl hold $E
check "... with its line's name" dev_is $E name "'nic'"
check "... and its line's permissive" dev_is $E permissive True

# A device the daemon let go, then taken from pciback: explain no longer
# offers it, and it was no guest's to warn about.
check "release of the nvme again" ctl release $N
check "the toolstack unbinds it from pciback" shim unbind $N
check "explain no longer says the shim has it" wait_until 5 sh -c \
    '"$1" -s "$2" explain "$3" >"$4" && ! grep -q "the shim has it" "$4"' \
    x "$PCIBACKCTL" "$T/pcibackd.sock" $N "$T/ctl.out"
check "... nor that it was taken from a guest" \
    sh -c '! grep -q "$1: taken from pciback" "$2"' x $N "$T/daemon.log"
t_done
