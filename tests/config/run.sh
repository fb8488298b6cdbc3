#!/bin/sh
# Config tests: pass-*.conf must print their .ok with -nv; fail-*.conf
# must fail with exactly the messages in their .ok.  Also parses the
# example configuration we install.
prog=$1
passed=0
failed=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for f in tests/config/pass-*.conf tests/config/fail-*.conf; do
	ok=${f%.conf}.ok
	case $f in
	*/pass-*) want=0; "$prog" -nv -f "$f" >"$out" 2>&1 ;;
	*)	  want=1; "$prog" -n -f "$f" >"$out" 2>&1 ;;
	esac
	rc=$?
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
