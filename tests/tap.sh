# Sourced by the small check scripts (tests/deb, tests/systemd): TAP-ish
# "ok - " / "not ok - " lines and a closing "NAME: N passed, N failed",
# which .ci/run sums.  Set TAP_NAME before sourcing; $T is a scratch
# directory removed at exit.
pass=0
fail=0
T=$(mktemp -d "${TMPDIR:-/tmp}/pcibackd-$TAP_NAME.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; }

# check DESCRIPTION COMMAND...: ok when COMMAND succeeds; else its output.
check() {
	d=$1
	shift
	if "$@" >"$T/out" 2>&1; then ok "$d"; else
		not_ok "$d"
		sed 's/^/# /' "$T/out" | head -n 20
	fi
}

done_() {
	echo "$TAP_NAME: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit $?
}
