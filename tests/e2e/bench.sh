#!/bin/sh
# The real-Xen figures of `make bench`: pcibackd against the stock
# xen-pciback within ONE boot of Xen under QEMU (the scenario "bench",
# scenarios/bench.sh): BENCH_ROUNDS rounds, each xen-pciback then shim +
# pcibackd, each half a new guest timed through create, config reads,
# attach, a restart window, detach, destroy.  benchstat.awk turns the
# rounds into one table: each backend's median and spread, the median of
# the per-round ratios pcibackd / xen-pciback (below 1 is better for
# pcibackd) with a rank-based confidence interval, and a verdict ("no
# difference shown" when the interval holds 1.0).  The host's load
# average is recorded at the start, every 30 s and at the end.  Numbers
# only, never a pass/fail threshold; `make e2e` is not run.
#
# usage: tests/e2e/bench.sh                (root)
#        E2E_REUSE=1 tests/e2e/bench.sh    (the last run's table again)
# env:   BENCH_ROUNDS (12: 15-35 min on a shared 2-core host), E2E_CACHE,
#        E2E_RESULTS (build/e2e/results; this run in bench/ there),
#        E2E_WORK, as for run.sh.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
here=$top/tests/e2e
cache=${E2E_CACHE:-$top/build/e2e/cache}
res=${E2E_RESULTS:-$top/build/e2e/results}
out=$res/bench
rounds=${BENCH_ROUNDS:-12}

die() {
	echo "e2e bench: $*"
	exit 1
}

# LOAD: the host's 1, 5, 15 min load averages.
load() {
	read -r l1 l5 l15 _ </proc/loadavg
	LOAD="$l1 $l5 $l15"
}

# The same images and builds as make e2e (all.sh).
build() {
	sh "$here/prepare.sh" || die "prepare.sh failed"
	. "$cache/current.env"
	kdir=/usr/src/linux-headers-$E2E_KABI
	if [ ! -d "$kdir" ] && [ "$(id -u)" -eq 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		    "linux-headers-$E2E_KABI" >/dev/null ||
		    die "cannot install linux-headers-$E2E_KABI"
	fi
	make -s -C "$top" shim KHDR="$kdir" >/dev/null ||
	    die "the shim does not build against $kdir"
	make -s -C "$top" deb >/dev/null || die "make deb failed"
}

# Boot and install ~2 min; a round ~2.5 min on an idle host: twice
# that before QEMU is killed.
run_bench() {
	E2E_DEBS="$top/build/deb" BENCH_ROUNDS=$rounds \
	    E2E_TIMEOUT=$((300 + rounds * 300)) \
	    sh "$here/run.sh" bench >"$res/bench.log" 2>&1
}

measure() {
	case $rounds in
	'' | *[!0-9]* | 0) die "BENCH_ROUNDS must be a positive number" ;;
	esac
	build
	mkdir -p "$res"
	host=$res/bench-host.txt
	load
	t0=$(date +%s)
	echo "start $(date -u +%FT%TZ) loadavg $LOAD" >"$host"
	# Sampled while QEMU runs; killed by pid below.
	(while sleep 30; do
		read -r l _ </proc/loadavg
		echo "sample $(($(date +%s) - t0)) $l"
	done) >>"$host" &
	sampler=$!
	run_bench
	rc=$?
	# QEMU's own crash (TCG) judged neither backend: the whole run once
	# more, said aloud, the crashed one kept.
	if [ -f "$out/.qemu-crashed" ]; then
		echo "e2e bench: WARNING: QEMU crashed (signal" \
		    "$(($(cat "$out/.qemu-crashed") - 128))) during the run," \
		    "which says nothing of either backend; running it once" \
		    "more (the crashed run: ${res#"$top"/}/bench.first-try)"
		rm -rf "$res/bench.first-try"
		mv "$out" "$res/bench.first-try"
		mv "$res/bench.log" "$res/bench.first-try/bench.log"
		run_bench
		rc=$?
	fi
	kill "$sampler" 2>/dev/null
	load
	echo "end $(date -u +%FT%TZ) loadavg $LOAD" >>"$host"
	echo "took $(($(date +%s) - t0)) s" >>"$host"
	[ "$rc" -eq 0 ] ||
	    echo "# the bench scenario had failures (see ${res#"$top"/}/bench.log):"
	grep '^not ok' "$res/bench.log" | sed 's/^/#   /'
}

[ "${E2E_REUSE:-0}" = 1 ] || measure
[ -f "$out/metrics.txt" ] ||
    die "no $out/metrics.txt (run make bench as root)"
: >"$out/rounds.txt"
awk -v rounds="$out/rounds.txt" -f "$here/benchstat.awk" "$out/metrics.txt"
host=$res/bench-host.txt
if [ -f "$host" ]; then
	awk '$1 == "start" || $1 == "end" {
		printf "host load average at %s (%s): %s %s %s\n", $1, $2,
		    $4, $5, $6 }
	$1 == "sample" { n++; s += $3; if ($3 > mx) mx = $3 }
	$1 == "took" { took = $2 }
	END {
		if (n) printf "host 1-min load average during the run:" \
		    " mean %.2f, max %.2f (%d samples, 2 cores)\n", s / n,
		    mx, n
		if (took) printf "the real-Xen part took %d min %d s\n",
		    took / 60, took % 60
	}' "$host"
fi
echo "per-round values: ${out#"$top"/}/rounds.txt (metric round" \
    "xen-pciback pcibackd ratio)"
# A broken round is a broken set-up, not a slow backend: say so by rc.
exit "${rc:-0}"
