#!/bin/sh
# Self-test of the Xen simulator with the real xenstored: dom0 CLI access,
# a guest with domU permissions, a preloaded backend mapping its grant and
# binding its port (also after a SIGKILL), and @releaseDomain.
# Prints "N passed, N failed"; exits non-zero on any failure.
# env: XENSIM_BUILD (default build/xensim; built by build.sh if missing)
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${XENSIM_BUILD:-$top/build/xensim}
pass=0
fail=0

check() {
	if [ "$1" -eq 0 ]; then
		echo "PASS: $2"
		pass=$((pass + 1))
	else
		echo "FAIL: $2"
		fail=$((fail + 1))
	fi
}

finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit
}

if [ ! -x "$out/test-guest" ] || [ ! -x "$out/test-dom0" ] ||
    [ ! -f "$out/libxensim.so" ]; then
	"$here/build.sh" "$out"
	check $? "simulator builds"
	[ $fail -eq 0 ] || finish
fi

xsd=$("$here/get-xenstored.sh")
check $? "real xenstored fetched"
utils=$("$here/get-xenstored.sh" --utils)
check $? "xenstore-utils available"
[ $fail -eq 0 ] || finish
PATH=$utils:$PATH

tmp=$(mktemp -d "${TMPDIR:-/tmp}/xensim.XXXXXX") || exit 1
trap '"$here/xenstored-run.sh" stop "$tmp"; rm -rf "$tmp"' EXIT
env=$(XENSIM_LIB=$out/libxensim.so XENSIM_XENSTORED=$xsd \
    "$here/xenstored-run.sh" start "$tmp")
check $? "xenstored starts under the preload"
[ $fail -eq 0 ] || finish
eval "$env"

xenstore-write /xensim/cli hello
v=$(xenstore-read /xensim/cli)
[ "$v" = hello ]
check $? "dom0 xenstore-write then xenstore-read"
xenstore-ls / | grep -q '^tool = ""'
check $? "xenstore-ls shows /tool"

"$out/test-guest" "$out/test-dom0" "$out/libxensim.so" >"$tmp/guest.out" 2>&1
rc=$?
cat "$tmp/guest.out"
pass=$((pass + $(grep -c '^PASS: ' "$tmp/guest.out")))
fail=$((fail + $(grep -c '^FAIL: ' "$tmp/guest.out")))
check $rc "test-guest exits 0"

kill -0 "$XENSIM_XENSTORED_PID" 2>/dev/null
check $? "xenstored still running afterwards"
finish
