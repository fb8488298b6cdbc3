#!/bin/sh
# The toolstack stand-in against the real thing: run the recorded
# scenario (create with 00:02.0, hot-attach 00:03.0, detach both, attach
# 00:02.0 again, detach it) and compare every xenstore change xl-sim
# made, in order, with what libxl made in the recorded trace
# (tests/data/xenstore-traces).  Then check which changes shared a
# transaction (doc/protocol.md §1.1, §2.5, §2.6).
. "$(dirname "$0")/lib.sh"

traces=${XENSTORE_TRACES:-$t_top/tests/data/xenstore-traces}
gt=$traces/groundtruth-coldplug.txt

# The changes under the PCI dirs, domid replaced by D; "{"/"}" bracket
# a transaction when $2 is "tx".  $1: the daemon's connection, skipped.
changes() {
	awk -v skip="$1" -v tx="$2" '
	$1 != "IN" || $2 == skip { next }
	{ op = $5; conn = $2 }
	op == "TRANSACTION_START" { intx[conn] = 1; buf[conn] = ""; next }
	op == "TRANSACTION_END" {
		if (buf[conn] != "")
			printf "%s%s%s", (tx == "tx" ? "{\n" : ""), buf[conn],
			    (tx == "tx" ? "}\n" : "")
		intx[conn] = 0; next
	}
	op !~ /^(WRITE|RM|MKDIR|SET_PERMS)$/ { next }
	$6 !~ /^\(\/local\/domain\/(0\/backend\/pci|[0-9]+\/device\/pci)/ {
		next
	}
	{
		line = $0
		sub(/^IN [^ ]+ ([0-9]+ )?[0-9:]+ /, "", line)
		if (intx[conn]) buf[conn] = buf[conn] line "\n"
		else print line
	}' | norm
}

norm() {
	sed -E 's,/local/domain/[1-9][0-9]*/,/local/domain/D/,g;
	    s,pci/[1-9][0-9]*/0,pci/D/0,g; s,pci/[1-9][0-9]* \),pci/D ),g;
	    s,n0 r[1-9][0-9]*,n0 rD,; s,n[1-9][0-9]* r0,nD r0,;
	    s,(frontend-id) [0-9]+\),\1 D),'
}

t_setup
[ -f "$gt" ] || t_fatal "no $gt"
# Other devices of a real guest keep the parent dirs from going away.
xenstore-write /local/domain/0/backend/vbd/5/51712/state 4
daemon_start
guest_start g 5 --run-ms 30000
wait_domain 5
xenstore-write /local/domain/5/device/vbd/51712/state 4

check "create with 00:02.0" xl attach 5 0000:00:02.0 --starting --name domU
check "guest connects" wait_event g connected
check "hot-attach 00:03.0" xl attach 5 0000:00:03.0 --name domU
check "guest sees it" wait_event g reconfigured 1
check "detach 00:03.0" xl detach 5 0000:00:03.0
check "detach 00:02.0, the last" xl detach 5 0000:00:02.0
check "guest loses its frontend" wait_event g removed
check "attach 00:02.0 again" xl attach 5 0000:00:02.0 --name domU
check "guest connects again" wait_event g connected 2
check "detach it again" xl detach 5 0000:00:02.0
guest_stop g

trace=$XENSIM_DIR/xenstored/trace
dconn=$(awk '$5 == "WATCH" && $6 == "(/local/domain/0/backend/pci" \
    { print $2; exit }' "$trace")
grep -E '^IN .* (WRITE|RM|MKDIR|SET_PERMS) \(/local/' "$gt" |
    sed -E 's/^IN 0x[0-9a-f]+ [0-9:]+ //' | norm >"$T/want"
changes "$dconn" flat <"$trace" >"$T/got"
n=$(wc -l <"$T/want")
head -n "$n" "$T/got" >"$T/got.head"
check "every change libxl made, in libxl's order ($n)" \
    cmp -s "$T/want" "$T/got.head"
[ -s "$T/got.head" ] && ! cmp -s "$T/want" "$T/got.head" &&
    diff "$T/want" "$T/got.head" | head -n 20 | sed 's/^/# /' >&2

# Transactions: how many changes each one carried, in order.
changes "$dconn" tx <"$trace" | awk '
	$0 == "{" { n = 0; next }
	$0 == "}" { printf "%d ", n; next }
	{ n++ }' >"$T/tx"
# create 19; hot-attach 6; detach: 2 + 8; last detach: 2 + 8 + the two
# dir cleanups (5); create 19; detach 2 + 8 + 5.
check "changes grouped in libxl's transactions ($(cat "$T/tx"))" \
    test "$(cat "$T/tx")" = "19 6 2 8 2 8 5 19 2 8 5 "
check "daemon still running" daemon_alive
t_done
