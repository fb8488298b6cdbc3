#!/bin/sh
# The real-Xen figures of `make bench`: pcibackd against the stock
# xen-pciback, measured in one `make e2e` run on the same images and the
# same machine, as ratios (pcibackd / xen-pciback; below 1 is better for
# every row).  Numbers only, never a pass/fail threshold.
#
# usage: tests/e2e/bench.sh        (runs make e2e first; root)
#        E2E_REUSE=1 tests/e2e/bench.sh   (the last run's results)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
res=${E2E_RESULTS:-$top/build/e2e/results}
a=$res/baseline/metrics.txt
b=$res/pcibackd/metrics.txt

if [ "${E2E_REUSE:-0}" != 1 ]; then
	sh "$top/tests/e2e/all.sh" >"$res.bench.log" 2>&1 ||
	    echo "# e2e run had failures (see $res.bench.log)"
fi
for f in "$a" "$b"; do
	[ -f "$f" ] || { echo "e2e bench: no $f (run make e2e as root)"; exit 1; }
done

# value FILE METRIC [FIELD]: the number, or the FIELD-th of a/b/c.
value() {
	awk -v m="$2" -v k="${3:-1}" '$1 == m { split($2, v, "/"); print v[k] }' "$1"
}

row() {
	va=$(value "$a" "$2" "${3:-1}")
	vb=$(value "$b" "$2" "${3:-1}")
	if [ -z "$va" ] || [ -z "$vb" ]; then
		printf '%-44s %12s %12s %8s\n' "$1" "${va:--}" "${vb:--}" -
		return
	fi
	awk -v n="$1" -v x="$va" -v y="$vb" 'BEGIN {
		printf "%-44s %12s %12s %8.2f\n", n, x, y, (x > 0 ? y / x : 0) }'
}

printf '%-44s %12s %12s %8s\n' "real Xen under QEMU/TCG" xen-pciback \
    pcibackd ratio
row "xl create -> 3 devices visible (s)" create_to_visible
row "config read, 256 B reads, e1000e (us/4 B)" cfgread256_e1000e
row "config read, 4 B reads, e1000e (us/4 B)" cfgread4_e1000e
row "config read, 256 B reads, edu (us/4 B)" cfgread256_edu
row "config read, 4 B reads, edu (us/4 B)" cfgread4_edu
row "ping e1000e MSI-X, avg RTT (ms)" ping_rtt_e1000e 2
row "ping e1000e MSI-X, min RTT (ms)" ping_rtt_e1000e 1
row "ping e1000 INTx, avg RTT (ms)" ping_rtt_e1000 2
row "xl pci-attach -> nvme visible (s)" attach_to_visible
row "xl pci-detach returns (s)" xl_pci_detach_returns
row "xl shutdown -w (s)" xl_shutdown
row "xl destroy (s)" xl_destroy
echo
echo "nvme interrupts: xen-pciback $(value "$a" nvme_irq_mode)," \
    "pcibackd $(value "$b" nvme_irq_mode)"
for m in restart_sigterm_to_ready restart_sigterm_daemon_start \
    restart_sigkill_to_ready restart_sigkill_daemon_start \
    restart_window_cfg_max; do
	echo "pcibackd $m: $(value "$b" "$m") $(awk -v m="$m" \
	    '$1 == m { print $3 }' "$b")"
done
