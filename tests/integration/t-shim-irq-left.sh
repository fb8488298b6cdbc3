#!/bin/sh
# Guests that go with their interrupts still on (pcifront-sim
# --keep-irq), on the shim double: while they run, pcibackctl shows each
# device's mode (MSI, MSI-X); once each guest is destroyed the daemon
# turns MSI or MSI-X off in the shim before the give-back's reset, and
# the device serves the next guest, which starts with them off.
. "$(dirname "$0")/lib.sh"

shim_two_devices

guest_start a 5 --msi --keep-irq --run-ms 30000
wait_domain 5
xl attach 5 $E --starting
guest_start b 6 --msix 2 --keep-irq --run-ms 30000
wait_domain 6
xl attach 6 $N --starting
check "guest 5 did its work" wait_event a work-done 1 20
check "guest 6 did its work" wait_event b work-done 1 20
check "MSI left on in the shim" shim_is $E msi 1
check "MSI-X left on in the shim (2 vectors)" shim_is $N msix 2
check "show devices: the e1000e in MSI mode" dev_is $E interrupts "'MSI'"
check "show devices: the nvme in MSI-X mode" dev_is $N interrupts "'MSI-X'"

destroy 5 a
destroy 6 b
check "the e1000e given back and reset" wait_until 10 \
    log_has "$E: reset \\([a-z]+\\), ready for the next guest"
check "the nvme given back and reset" wait_until 10 \
    log_has "$N: reset \\([a-z]+\\), ready for the next guest"
check "MSI off in the shim" shim_is $E msi 0
check "MSI-X off in the shim" shim_is $N msix 0
check "show devices: the e1000e back to INTx" dev_is $E interrupts "'INTx'"
check "the next guest is served the e1000e" serves 7 $E c
check "... and the nvme" serves 8 $N d
t_done
