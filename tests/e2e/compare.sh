#!/bin/sh
# Compare two end-to-end runs: the config space every device showed the
# guest, then the measurements side by side.
#
# usage: tests/e2e/compare.sh [A [B]]     (default: baseline pcibackd)
# env:   E2E_RESULTS (default build/e2e/results)
# Exit status: 0 when the guest views are byte-identical or differ only
# as tests/e2e/expected-diffs documents, 1 otherwise.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/tests/e2e
res=${E2E_RESULTS:-$top/build/e2e/results}
a=$res/${1:-baseline}
b=$res/${2:-pcibackd}
same=0

for d in "$a" "$b"; do
	[ -f "$d/results.txt" ] || { echo "compare: no run in $d" >&2; exit 2; }
done

# Guest views only: the header line holds the guest BDF, which may differ.
for f in "$a"/*.cfg; do
	n=$(basename "$f" .cfg)
	case $n in dom0-*) continue ;; esac
	if [ ! -f "$b/$n.cfg" ]; then
		echo "config $n: only in ${a##*/}"
		same=1
		continue
	fi
	if [ "$(tail -n +2 "$f")" = "$(tail -n +2 "$b/$n.cfg")" ]; then
		echo "config $n: identical"
		continue
	fi
	# Byte by byte: each difference is documented or a failure.
	if python3 "$here/cfgdiff.py" "$n" "$here/expected-diffs" "$f" "$b/$n.cfg" \
	    >"$res/.cmp.$$"
	then
		echo "config $n: differs as documented (tests/e2e/expected-diffs)"
		cat "$res/.cmp.$$"
	else
		echo "config $n: differs"
		cat "$res/.cmp.$$"
		same=1
	fi
	rm -f "$res/.cmp.$$"
done

# Metrics: NAME VALUE UNIT... in each run's metrics.txt.
echo
printf '%-24s %-34s %s\n' metric "${a##*/}" "${b##*/}"
cut -d' ' -f1 "$a/metrics.txt" "$b/metrics.txt" | sort -u | while read -r m; do
	va=$(awk -v m="$m" '$1 == m { $1 = ""; print substr($0, 2) }' \
	    "$a/metrics.txt")
	vb=$(awk -v m="$m" '$1 == m { $1 = ""; print substr($0, 2) }' \
	    "$b/metrics.txt")
	printf '%-24s %-34s %s\n' "$m" "${va:--}" "${vb:--}"
done
# Issue 14 §1, side by side: what the toolstack's teardown costs.
echo
printf '%-24s %10s %10s %s\n' "teardown (s)" "${a##*/}" "${b##*/}" ratio
for m in xl_pci_detach_returns xl_shutdown xl_shutdown_after_halt \
    xl_destroy; do
	va=$(awk -v m="$m" '$1 == m { print $2 }' "$a/metrics.txt")
	vb=$(awk -v m="$m" '$1 == m { print $2 }' "$b/metrics.txt")
	r=$(awk -v x="${va:-0}" -v y="${vb:-0}" \
	    'BEGIN { if (x > 0 && y > 0) printf "%.2f", y / x; else print "-" }')
	printf '%-24s %10s %10s %s\n' "$m" "${va:--}" "${vb:--}" "$r"
done
echo
for d in "$a" "$b"; do
	echo "${d##*/}: $(grep -c '^ok' "$d/results.txt") passed," \
	    "$(grep -c '^not ok' "$d/results.txt") failed"
done
exit $same
