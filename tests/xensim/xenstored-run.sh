#!/bin/sh
# Start or stop a real xenstored on the simulated Xen of one test.
#
# usage: eval "$(tests/xensim/xenstored-run.sh start DIR)"
#        tests/xensim/xenstored-run.sh stop DIR
#
# DIR becomes the test's XENSIM_DIR (the model's files); xenstored runs in
# DIR/xenstored (socket, pid, log, trace of every request). Keep DIR short:
# the socket path must fit in 107 bytes. "start" prints shell assignments
# for XENSIM_DIR, XENSTORED_RUNDIR, XENSTORED_PATH and XENSIM_XENSTORED_PID.
# env: XENSIM_LIB (default build/xensim/libxensim.so),
#      XENSIM_XENSTORED (default: what get-xenstored.sh prints),
#      XENSIM_XENSTORED_ARGS (extra xenstored options).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

die() {
	echo "xenstored-run: $*" >&2
	exit 1
}

alive() {
	[ -n "$1" ] && kill -0 "$1" 2>/dev/null
}

start() {
	mkdir -p "$1/xenstored"
	dir=$(cd "$1" && pwd)
	run=$dir/xenstored
	lib=${XENSIM_LIB:-$top/build/xensim/libxensim.so}
	[ -f "$lib" ] || die "no $lib: run tests/xensim/build.sh"
	xsd=${XENSIM_XENSTORED:-$("$here/get-xenstored.sh")}
	PATH=$("$here/get-xenstored.sh" --utils):$PATH
	if [ -f "$run/pid" ] && alive "$(cat "$run/pid")"; then
		die "already running in $dir"
	fi
	# -N: stay in the foreground, so $! is the daemon; -T: trace file.
	# shellcheck disable=SC2086
	XENSIM_DIR=$dir XENSTORED_RUNDIR=$run LD_PRELOAD=$lib \
	    "$xsd" -N -T "$run/trace" ${XENSIM_XENSTORED_ARGS:-} \
	    </dev/null >"$run/log" 2>&1 &
	pid=$!
	echo "$pid" >"$run/pid"
	wait_ready "$run" "$pid"
	echo "XENSIM_DIR='$dir'; export XENSIM_DIR"
	echo "XENSTORED_RUNDIR='$run'; export XENSTORED_RUNDIR"
	echo "XENSTORED_PATH='$run/socket'; export XENSTORED_PATH"
	echo "XENSIM_XENSTORED_PID=$pid; export XENSIM_XENSTORED_PID"
}

# Ready once dom0 is set up: the store exists and the socket answers.
wait_ready() {
	i=0
	while [ $i -lt 100 ]; do
		alive "$2" || { cat "$1/log" >&2; die "xenstored died"; }
		if [ -S "$1/socket" ] && XENSTORED_PATH=$1/socket \
		    xenstore-exists /tool/xenstored 2>/dev/null; then
			return 0
		fi
		sleep 0.05
		i=$((i + 1))
	done
	kill "$2" 2>/dev/null || true
	die "xenstored did not answer within 5 s"
}

stop() {
	run=$1/xenstored
	[ -f "$run/pid" ] || return 0
	pid=$(cat "$run/pid")
	rm -f "$run/pid"
	alive "$pid" || return 0
	kill "$pid" 2>/dev/null || true
	i=0
	while alive "$pid" && [ $i -lt 40 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	if alive "$pid"; then
		kill -9 "$pid" 2>/dev/null || true
	fi
}

case "${1:-}:${2:-}" in
start:?*)	start "$2" ;;
stop:?*)	stop "$2" ;;
*)		die "usage: xenstored-run.sh start|stop DIR" ;;
esac
