#!/bin/sh
# Run each replay binary (make fuzz-replay) over its seeds in
# tests/fuzz/corpus/<target>; one line per target, then a summary.
passed=0
failed=0
for bin in "$@"; do
	n=$(basename "$bin")
	set -- tests/fuzz/corpus/"$n"/*
	[ -e "$1" ] || continue
	k=$#
	if out=$("$bin" "$@" 2>&1); then
		passed=$((passed + k))
		printf 'fuzz-replay: %s: %d seeds\n' "$n" "$k"
	else
		failed=$((failed + 1))
		printf '%s\n' "$out" | tail -n 20
		# Which seed: one at a time.
		for f in tests/fuzz/corpus/"$n"/*; do
			"$bin" "$f" >/dev/null 2>&1 ||
			    printf 'fuzz-replay: %s: FAIL %s\n' "$n" "$f"
		done
	fi
done
echo "fuzz-replay: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
