# Scenario "baseline": the stock in-kernel xen-pciback (bash; sourced by
# the dom0 /init).  A scenario defines only how the PCI backend comes up
# and goes down; dom0/checks.sh runs the same checks for every backend.

# BACKEND_MODE=passthrough: guests see the host's addresses.
backend_up() {
	local opt=
	[ "${BACKEND_MODE:-}" = passthrough ] && opt=passthrough=1
	modprobe xen-pciback $opt &&
	    [ -d /sys/bus/pci/drivers/pciback ]
}

backend_down() {
	modprobe -r xen-pciback &&
	    [ ! -d /sys/bus/pci/drivers/pciback ]
}
