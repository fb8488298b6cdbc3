#!/bin/sh
# Config tests: pass-*.conf must print their .ok with -nv; fail-*.conf
# must fail with exactly the messages in their .ok, and what -nv prints
# must read back as the same configuration.  Also parses the example
# configuration we install.
prog=$1
passed=0
failed=0
out=$(mktemp)
again=$(mktemp)
trap 'rm -f "$out" "$again"' EXIT
for f in tests/config/pass-*.conf tests/config/fail-*.conf; do
	ok=${f%.conf}.ok
	case $f in
	*/pass-*) want=0; "$prog" -nv -f "$f" >"$out" 2>&1 ;;
	*)	  want=1; "$prog" -n -f "$f" >"$out" 2>&1 ;;
	esac
	rc=$?
	if [ $want -eq 0 ] && [ $rc -eq 0 ] &&
	    { ! "$prog" -nv -f "$out" >"$again" 2>&1 ||
	    ! diff -u "$out" "$again"; }; then
		echo "FAIL: $f: what -nv prints does not read back"
		rc=2
	fi
	if [ $rc -eq $want ] && diff -u "$ok" "$out"; then
		passed=$((passed + 1))
	else
		echo "FAIL: $f (exit $rc, want $want)"
		failed=$((failed + 1))
	fi
done
if "$prog" -n -f etc/pcibackd.conf >"$out" 2>&1 &&
    grep -qx 'configuration OK' "$out"; then
	passed=$((passed + 1))
else
	echo "FAIL: etc/pcibackd.conf"; cat "$out"
	failed=$((failed + 1))
fi
echo "config: $passed passed, $failed failed"
[ $failed -eq 0 ]
