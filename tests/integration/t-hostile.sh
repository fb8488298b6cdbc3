#!/bin/sh
# (f) Hostile or broken guests and toolstack values at connect time:
# wrong or missing magic, a grant that is not granted, ports dom0 may not
# bind, num_devs garbage, a dev-N that is no PCI address, a frontend state that is not a state, a
# frontend that never connects.  Each: the daemon stays up, another guest
# (the witness) keeps being served, the log names the domain, and the
# backend shows what doc/protocol.md §1.4/§2.7 say (error node, Closing).
. "$(dirname "$0")/lib.sh"

# hostile DOMID NAME ERRGLOB LOGREGEX [pcifront-sim options] -- [xl options]
# The guest connects as told; the daemon must refuse it with ERRGLOB.
hostile() {
	h_dom=$1 h_name=$2 h_err=$3 h_log=$4
	shift 4
	h_gopts=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		h_gopts="$h_gopts $1"
		shift
	done
	[ $# -gt 0 ] && shift
	# shellcheck disable=SC2086
	guest_start "g$h_dom" "$h_dom" --run-ms 20000 $h_gopts
	wait_domain "$h_dom"
	xl attach "$h_dom" 0000:00:03.0 --starting "$@"
	check "$h_name: backend goes Closing" \
	    wait_until 5 state_written "$h_dom" 5
	check "$h_name: error node" error_like "$h_dom" "$h_err"
	check "$h_name: log names dom$h_dom" log_has "dom$h_dom: $h_log"
	check "$h_name: the guest closes, the backend follows" \
	    wait_until 5 be_state_is "$h_dom" 6
	check "$h_name: daemon alive" daemon_alive
	check "$h_name: the witness is still served" witness_served
	xl -w 300 destroy "$h_dom"
	guest_stop "g$h_dom"
}

t_setup
daemon_start
witness_start 100 0000:00:04.0

hostile 5 "wrong magic" '22 magic: version mismatch*' 'magic' \
    --hostile magic-wrong
hostile 6 "missing magic" '22 magic: missing' 'magic: missing' \
    --hostile magic-missing
hostile 7 "bad grant ref" '22 cannot map grant * of dom7:*' \
    'cannot map grant' --hostile bad-gref
hostile 8 "unallocated port" '22 cannot bind event channel * of dom8:*' \
    'cannot bind event channel' --hostile bad-port
hostile 9 "port offered to another domain" \
    '22 cannot bind event channel * of dom9:*' \
    'cannot bind event channel' --hostile port-wrong-remote
hostile 10 'num_devs "-1"' '22 num_devs: out of range*' 'num_devs' \
    -- --num-devs -1
hostile 11 'num_devs "999999"' '22 num_devs: out of range*' 'num_devs' \
    -- --num-devs 999999
hostile 12 'num_devs "abc"' '22 num_devs: not a number' 'num_devs' \
    -- --num-devs abc
hostile 17 'dev-0 "zz:banana"' '22 dev-0: missing or unparseable' \
    'dev-0: missing or unparseable' -- --dev zz:banana
check "the refused guests' device is free again after their destroy" \
    dump_has 0000:00:03.0 free

# A frontend state that is not a state, after a good connect.
guest_start g13 13 --run-ms 20000 --hostile state-banana
wait_domain 13
xl attach 13 0000:00:03.0 --starting
check "banana: guest connected first" wait_event g13 work-done
check "banana: backend goes Closing" wait_until 5 state_written 13 5
check "banana: error node" error_like 13 '71 frontend state: invalid value'
check "banana: log names dom13" log_has 'dom13: frontend state: invalid'
check "banana: daemon alive, witness served" witness_served
xl -w 300 destroy 13
guest_stop g13

# A guest that writes "0" (Unknown) as its state is not destroyed: that is
# an invalid value, not a reason to release its devices behind libxl.
guest_start g16 16 --run-ms 20000
wait_domain 16
xl attach 16 0000:00:03.0 --starting
check "state 0: guest connected first" wait_event g16 connected
xenstore-write /local/domain/16/device/pci/0/state 0
check "state 0: backend goes Closing" wait_until 5 state_written 16 5
check "state 0: error node" error_like 16 '71 frontend state: invalid value'
check "state 0: device still owned by dom16" \
    dump_has 0000:00:03.0 'owned by dom16'
xl -w 300 destroy 16
guest_stop g16
check "state 0: released once the guest is destroyed" \
    wait_until 5 dump_has 0000:00:03.0 free

# A frontend that never connects: the backend waits in Initialised.
guest_start g14 14 --run-ms 20000 --hostile never-connect
wait_domain 14
xl attach 14 0000:00:03.0 --starting
check "never connects: backend waits in Initialised" \
    wait_until 5 be_state_is 14 3
sleep 1
check "never connects: still Initialised, no error node" \
    test "$(xsr "$(be 14)/state")" = 3 -a -z "$(error_node 14)"
check "never connects: witness served" witness_served
xl -w 300 destroy 14
guest_stop g14
check "never connects: device released at destroy" \
    wait_until 5 log_has '0000:00:03.0: released by dom14'

# Roots the toolstack (or anyone writing dom0's backend directory) left
# there, read when a hot-attach publishes the roots again: a root_num
# that is no number counts as none; a root-N that is no root, or another
# root, is kept and the guest's root appended after it; the guest's root
# listed already is not listed twice.
guest_start g18 18 --run-ms 30000
wait_domain 18
xl attach 18 0000:00:03.0 --starting
check "roots: the guest connects" wait_event g18 connected
# roots_then BDF ROOT_NUM [ROOT-0 ROOT-1]: written, then BDF hot-attached.
roots_then() {
	r_bdf=$1
	xenstore-write "$(be 18)/root_num" "$2"
	if [ $# -ge 4 ]; then
		xenstore-write "$(be 18)/root-0" "$3" "$(be 18)/root-1" "$4"
	fi
	r_n=$(grep -c "dom18: Reconfiguring -> Reconfigured" "$T/daemon.log")
	xl -w 2000 attach 18 "$r_bdf"
	# The roots are published before the switch to Reconfigured.
	wait_until 5 sh -c 'test "$(grep -c "$1" "$2")" -gt "$3"' \
	    x "dom18: Reconfiguring -> Reconfigured" "$T/daemon.log" "$r_n" &&
	    log_has "dom18 $r_bdf: exported"
}
check 'root_num "abc": the hot-attach is exported' \
    roots_then 0000:00:05.0 abc
check "... root_num 1, the guest's root root-0" \
    eval 'xs_is "$(be 18)/root_num" 1 && xs_is "$(be 18)/root-0" 0000:00'
check 'root-0 "bogus", root-1 another root: exported' \
    roots_then 0000:00:02.0 2 bogus 0001:00
check "... both kept" \
    eval 'xs_is "$(be 18)/root-0" bogus && xs_is "$(be 18)/root-1" 0001:00'
check "... the guest's root appended as root-2, root_num 3" \
    eval 'xs_is "$(be 18)/root-2" 0000:00 && xs_is "$(be 18)/root_num" 3'
xl -w 2000 detach 18 0000:00:02.0
wait_until 5 log_has '0000:00:02.0: released by dom18'
xenstore-rm "$(be 18)/root-2"
check "the guest's root listed already, after one that is no root: exported" \
    roots_then 0000:00:02.0 2 bogus 0000:00
check "... not listed again, root_num stays 2" \
    eval '! xenstore-exists "$(be 18)/root-2" && xs_is "$(be 18)/root_num" 2'
check "roots: the daemon is alive, the witness served" witness_served
xl -w 300 destroy 18
guest_stop g18

check "daemon still running" daemon_alive
check "witness: every read right, none timed out" witness_end
check "a fresh guest is served" serves 15 0000:00:03.0 p
t_done
