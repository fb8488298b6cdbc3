#!/bin/sh
#
# Copyright (c) 2026 The pcibackd authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
#
# Run libFuzzer targets: run.sh SECONDS JOBS build/fuzz/fuzz_x ...
# Each target runs SECONDS with JOBS processes (libFuzzer -jobs), from
# its seeds in tests/fuzz/corpus/<target> and what earlier runs found in
# build/fuzz/corpus-<target>.  Prints the executions of each target and
# the total; a finding stops the run with the target's log tail and the
# crashing input left in build/fuzz/<target>.d.
set -eu

secs=$1
jobs=$2
shift 2
top=$(pwd)
total=0
start=$(date +%s)
for bin in "$@"; do
	n=$(basename "$bin")
	d=$top/build/fuzz/$n.d
	rm -rf "$d"
	mkdir -p "$d" "$top/build/fuzz/corpus-$n"
	seeds=
	[ -d "$top/tests/fuzz/corpus/$n" ] && seeds=$top/tests/fuzz/corpus/$n
	echo "fuzz: running $n for ${secs}s, $jobs job(s)"
	rc=0
	if [ "$jobs" -gt 1 ]; then
		(cd "$d" && "$top/$bin" -jobs="$jobs" -workers="$jobs" \
		    -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
		    "$top/build/fuzz/corpus-$n" $seeds >"$d/main.log" 2>&1) ||
		    rc=$?
	else
		(cd "$d" && "$top/$bin" -max_total_time="$secs" -timeout=10 \
		    -print_final_stats=1 "$top/build/fuzz/corpus-$n" $seeds \
		    >"$d/fuzz-0.log" 2>&1) || rc=$?
	fi
	execs=$(cat "$d"/fuzz-*.log | sed -n \
	    's/^stat::number_of_executed_units: *\([0-9]*\)/\1/p' |
	    awk '{ s += $1 } END { print s + 0 }')
	if [ "$rc" -ne 0 ] || ls "$d" | grep -Eq '^(crash|leak|timeout|oom)-'; then
		for l in "$d"/fuzz-*.log; do tail -n 40 "$l"; done
		echo "fuzz: $n: FINDING after $execs executions (see $d)"
		exit 1
	fi
	echo "fuzz: $n: $execs executions"
	total=$((total + execs))
done
el=$(($(date +%s) - start))
[ "$el" -gt 0 ] || el=1
echo "fuzz: total $total executions in ${el}s ($((total / el)) exec/s), no finding"
