#!/bin/sh
# (watch.c) Stray xenstore writes under the backend root, as a buggy or
# hostile toolstack makes them: names that are no instance (not a
# number, a leading zero, too long, a domid or devid out of range, no
# devid) are ignored; a write of the root itself is a rescan; 70
# instances in one transaction, more than one evaluation round holds,
# are all looked at and none is made up; a "domid" node that is no
# number, or none, leaves the daemon on dom0's root.  A witness guest is served
# throughout and nothing is logged as a new instance but its own, after
# a rescan and after a restart too (the start-up scan once took names
# the watch refused).
. "$(dirname "$0")/lib.sh"

R=/local/domain/0/backend/pci

# seen PATH: the daemon took in a watch event for PATH.
seen() {
	log_has "watch_drain: $1 \\(be\\)"
}

t_setup
xenstore-write /local/domain/0/domid garbage
daemon_start
check "a domid node that is no number: dom0's root is watched" \
    log_has "watch_init: dom0, watching $R\$"
xenstore-write /local/domain/0/domid 0
witness_start 5 0000:00:03.0

xenstore-write "$R" ""
check "a write of the root: taken in" wait_until 5 seen "$R"
check "... the witness is still served" witness_served

xenstore-write "$R/abc/0/state" 1 "$R/05/0/state" 1 \
    "$R/12345678901234567/0/state" 1 "$R/32752/0/state" 1 \
    "$R/6/1024/state" 1 "$R/6/x/state" 1 "$R/6/01/state" 1
xenstore-write "$R/7" 1
check "the stray names reach the daemon" wait_until 5 seen "$R/7"
check "... none of them is an instance" \
    test "$(grep -c 'new instance' "$T/daemon.log")" -eq 1
check "the witness is still served" witness_served

set --
i=100
while [ $i -lt 170 ]; do
	set -- "$@" "$R/$i/0/junk" x
	i=$((i + 1))
done
# The same instance twice in the batch, too.
set -- "$@" "$R/100/0/more" y
xenstore-write "$@"
check "70 instances in one transaction: all taken in" \
    wait_until 10 sh -c 'for i in 100 135 169; do
	grep -q "watch_drain: $1/$i/0/junk (be)" "$2" || exit 1; done' \
    x "$R" "$T/daemon.log"
check "... none made up (no state node)" \
    test "$(grep -c 'new instance' "$T/daemon.log")" -eq 1
check "... the witness is still served" witness_served

# The start-up scan and a rescan read the same names the watch does:
# what the watch refused, neither adopts.
rescans() {
	test "$(grep -c "watch_drain: $R (be)" "$T/daemon.log")" -ge "$1"
}
xenstore-write "$R" ""
check "a rescan with the stray names present: taken in" wait_until 5 rescans 2
check "... none of them is an instance" \
    test "$(grep -c 'new instance' "$T/daemon.log")" -eq 1
check "the witness's reads were all right" witness_end
daemon_stop KILL
# No domid node at all (a toolstack that writes none for dom0): dom0.
xenstore-rm /local/domain/0/domid
daemon_start
check "a restart with the stray names present: only the witness adopted" \
    test "$(grep -c 'new instance' "$T/daemon.log")" -eq 2
check "... no domid node: dom0's root is watched" \
    test "$(grep -c "watch_init: dom0, watching $R\$" "$T/daemon.log")" -eq 2
xenstore-rm "$R/abc"
xenstore-rm "$R/6"
t_done
