#!/bin/sh
# Run pcibackd's end-to-end tests on the simulated Xen.
#
# usage: tests/integration/run.sh [t-NAME ...]     (default: all t-*.sh)
# env:   PCIBACKD (default build/gcc/pcibackd), SIM_BUILD (default
#        build/sim; built here if missing), T_TIMEOUT (seconds per test
#        file, default 120); see lib.sh for the rest.
# Each test file runs in its own session and temp dir; whatever it leaves
# behind (processes of its process group, files) goes when it ends.
# Prints every ok/not ok line and "N passed, N failed"; exits non-zero if
# anything failed, including a test file that died or timed out.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
sim=${SIM_BUILD:-$top/build/sim}
limit=${T_TIMEOUT:-120}
pass=0
fail=0

# Alive and not a zombie.
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# run_one FILE OUT: 0 or the test's status; 124 on timeout.
run_one() {
	tmproot=$(mktemp -d "${TMPDIR:-/tmp}/pbdrun.XXXXXX") || return 1
	PBD_TMP=$tmproot setsid sh "$1" >"$2" 2>&1 </dev/null &
	pid=$!
	i=0
	while alive "$pid" && [ $i -lt $((limit * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
	timedout=0
	if alive "$pid"; then
		timedout=1
		kill -TERM "-$pid" 2>/dev/null
		sleep 3
	fi
	# setsid made the test its own group leader: its leftovers.
	kill -KILL "-$pid" 2>/dev/null
	wait "$pid"
	st=$?
	if [ "${PCIBACKD_KEEP:-0}" = 1 ]; then
		echo "# kept $tmproot" >>"$2"
	else
		rm -rf "$tmproot"
	fi
	[ $timedout -eq 1 ] && return 124
	return $st
}

if [ ! -x "$sim/pcifront-sim" ] || [ ! -x "$sim/xl-sim" ] ||
    [ ! -f "$sim/libxensim.so" ] || [ ! -f "$sim/libshimsim.so" ] ||
    [ ! -x "$sim/shimsim-ctl" ]; then
	"$here/build.sh" "$sim" || { echo "0 passed, 1 failed"; exit 1; }
fi
SIM_BUILD=$sim
export SIM_BUILD

if [ $# -eq 0 ]; then
	set -- "$here"/t-*.sh
fi
for t in "$@"; do
	case $t in */*) ;; *) t=$here/${t%.sh}.sh ;; esac
	name=$(basename "$t" .sh)
	out=$(mktemp "${TMPDIR:-/tmp}/pbd-run.XXXXXX")
	start=$(date +%s)
	run_one "$t" "$out"
	rc=$?
	secs=$(($(date +%s) - start))
	cat "$out"
	n_ok=$(grep -c '^ok ' "$out")
	n_bad=$(grep -c '^not ok ' "$out")
	pass=$((pass + n_ok))
	fail=$((fail + n_bad))
	if [ $rc -ne 0 ] && [ "$n_bad" -eq 0 ]; then
		echo "not ok - $name: exited $rc (timeout or crash)"
		fail=$((fail + 1))
	fi
	echo "# $name: ${secs}s"
	rm -f "$out"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
