#!/bin/sh
# (denied) issue 14 §3: the guest config writes policy drops, as the
# guest's worker records them: `pcibackctl show denied` lists them with
# their owner, count and times (text and JSON), after the guest is gone
# too; `suggest` prints the narrowest quirk lines (e1000e 0xe8/2, nvme
# 0x88/2: PCIe Device Control) and says why an MSI address write is never
# allowed; a BAR write, which pcibackd emulates, is neither listed nor
# suggested; the suggested lines added to the configuration and reloaded
# let the next guest's same writes through, with no new denial; a guest
# denied more registers than the table keeps: 16 listed, the rest
# counted.
. "$(dirname "$0")/lib.sh"

E1000E=0000:00:03.0
NVME=0000:00:05.0
# What Linux's e1000e and nvme drivers write at probe, plus two writes
# a guest may never make: an MSI address and a BAR.
WRITES="--write 8086:10d3:e8:2:000f --write 8086:10d3:e8:2:000f
    --write 1b36:0010:88:2:1010 --write 8086:10d3:d4:4:fee00000
    --write 8086:10d3:10:4:fe000000"

# json_denied BDF OFFSET KEY VALUE: in "show denied -j", the record of
# BDF at OFFSET has KEY equal to VALUE (a Python literal).
json_denied() {
	"$PCIBACKCTL" -s "$T/pcibackd.sock" -j show denied "$1" \
	    >"$T/ctl.json" && python3 - "$T/ctl.json" "$@" <<'PY'
import ast, json, sys
recs = json.load(open(sys.argv[1]))
r = [r for r in recs if r.get("record") == "denied" and
    r.get("address") == sys.argv[2] and r.get("offset") == sys.argv[3]]
sys.exit(0 if r and r[0].get(sys.argv[4]) == ast.literal_eval(sys.argv[5])
    else 1)
PY
}

# times_sane BDF OFFSET T0 T1: first <= last, both within [T0, T1].
times_sane() {
	"$PCIBACKCTL" -s "$T/pcibackd.sock" -j show denied "$1" \
	    >"$T/ctl.json" && python3 - "$T/ctl.json" "$@" <<'PY'
import json, sys
recs = json.load(open(sys.argv[1]))
r = [r for r in recs if r.get("address") == sys.argv[2] and
    r.get("offset") == sys.argv[3]][0]
t0, t1 = int(sys.argv[4]), int(sys.argv[5])
sys.exit(0 if t0 <= r["first"] <= r["last"] <= t1 else 1)
PY
}

t_setup
daemon_start

check "show denied: nothing yet" ctl show denied
check "... says so" out_has '^no denied writes recorded$'
check "suggest: nothing to suggest yet" ctl suggest $E1000E
check "... says so" out_has '^# no denied writes recorded'

# --- a guest's probe writes ---------------------------------------------
t0=$(date +%s)
# shellcheck disable=SC2086
guest_start g 5 --paused --run-ms 60000 $WRITES
wait_domain 5
xl attach 5 $E1000E --starting
xl attach 5 $NVME --starting
guest_unpause g
check "the guest made its writes" wait_event g work-done
t1=$(date +%s)
check "the guest was not told (dropped writes succeed)" \
    grep -q '^write\.00:00\.0\.0xe8=0 0x0$' "$T/g.out"

check "show denied lists e1000e's Device Control write" ctl show denied
check "... a header" \
    out_has '^ADDRESS +OWNER +OFFSET +SIZE +VALUE +COUNT +FIRST \(UTC\) +LAST \(UTC\) +REGISTER$'
check "... 0xe8/2 by dom5, twice, with the register" \
    out_has "^$E1000E +dom5 +0x0e8 +2 +0x000f +2 +[0-9-]+ [0-9:]+ +[0-9-]+ [0-9:]+ +pcie.devctl\$"
check "... nvme 0x88/2 by dom5, once" \
    out_has "^$NVME +dom5 +0x088 +2 +0x1010 +1 .* pcie.devctl\$"
check "... the MSI address write" \
    out_has "^$E1000E +dom5 +0x0d4 +4 +0xfee00000 +1 .* msi.address\$"
check "... no BAR write (pcibackd emulates BARs)" out_lacks '0x010 +4'
check "show denied BDF: only that device" ctl show denied $NVME
check "... nvme's line" out_has "^$NVME +dom5 +0x088 "
check "... not e1000e's" out_lacks "^$E1000E"
check "JSON: the owner's domid" json_denied $E1000E 0x0e8 domid 5
check "JSON: the count" json_denied $E1000E 0x0e8 count 2
check "JSON: size and last value" json_denied $E1000E 0x0e8 value "'0x000f'"
check "JSON: first and last time within the guest's run" \
    times_sane $E1000E 0x0e8 "$t0" "$t1"
ctl show denied 00:1f.0
check "show denied: an address not held is refused" test "$ctl_rc" -eq 1
ctl suggest 00:1f.0
check "suggest: an address not held is refused" test "$ctl_rc" -eq 1
check "... said so" grep -q "0000:00:1f.0" "$T/ctl.err"

# --- suggest ------------------------------------------------------------
check "suggest e1000e" ctl suggest $E1000E
cp "$T/ctl.out" "$T/suggest.e1000e"
check "... the narrowest quirk line for 0xe8/2, what it is, safe" \
    out_has '^quirk 0x0e8 2 0x000f	# PCI Express Device Control \(pcie.devctl in capability 0x10 \(PCI Express\) at 0xe0\): safe: .*; 2 writes$'
check "... never the MSI address, and why" \
    out_has '^# never 0x0d4/4, .*msi.address.*: an MSI or MSI-X body: Xen programs'
check "... no quirk line for anything but 0xe8" \
    test "$(grep -c '^quirk' "$T/ctl.out")" = 1
check "... never a BAR" out_lacks '0x010'
check "suggest nvme: 0x88/2, the bits it set" ctl suggest $NVME
cp "$T/ctl.out" "$T/suggest.nvme"
check "... quirk 0x088 2 0x1010" \
    out_has '^quirk 0x088 2 0x1010	# PCI Express Device Control .*at 0x80\): safe: '
check "JSON: suggest names the quirk line and safety" \
    sh -c '"$1" -s "$2" -j suggest "$3" | python3 -c "
import json, sys
r = [r for r in json.load(sys.stdin) if r[\"offset\"] == \"0x0e8\"][0]
sys.exit(0 if r[\"quirk\"] == \"quirk 0x0e8 2 0x000f\" and
    r[\"safety\"] == \"safe\" and r[\"verdict\"] == \"quirk\" else 1)"' \
    x "$PCIBACKCTL" "$T/pcibackd.sock" $E1000E

# --- the guest leaves: its record stays ----------------------------------
xl -w 300 destroy 5
guest_stop g
check "after the guest is gone, show denied still names dom5" \
    ctl show denied $E1000E
check "... with its count" out_has "^$E1000E +dom5 +0x0e8 +2 "

# --- the suggested lines, reloaded: the next guest's writes go through ----
e_q=$(grep '^quirk' "$T/suggest.e1000e" | cut -f1)
n_q=$(grep '^quirk' "$T/suggest.nvme" | cut -f1)
sed -i -e "s/{ name \"e1000e\" }/{ name \"e1000e\" $e_q }/" \
    -e "s/{ name \"nvme\" }/{ name \"nvme\" $n_q }/" "$T/pcibackd.conf"
check "the suggested lines are in the configuration" \
    grep -q 'name "e1000e" quirk 0x0e8 2 0x000f }' "$T/pcibackd.conf"
check "the configuration with the suggested quirks is valid" \
    "$PCIBACKD" -n -f "$T/pcibackd.conf"
check "reload" ctl reload
check "... reports e1000e's quirk" out_has "$E1000E: 1 quirk in force"
guest_start h 6 --paused --run-ms 60000 --write 8086:10d3:e8:2:000f \
    --write 1b36:0010:88:2:1010 --write 8086:10d3:d4:4:fee00000
wait_domain 6
xl attach 6 $E1000E --starting
xl attach 6 $NVME --starting
guest_unpause h
check "the next guest made its writes" wait_event h work-done
check "e1000e's 0xe8 write reached the device" \
    grep -q '^write\.00:00\.0\.0xe8=0 0xf$' "$T/h.out"
check "nvme's 0x88 write reached the device (its bits)" \
    grep -Eq '^write\.00:01\.0\.0x88=0 0x1010$' "$T/h.out"
check "show denied: dom6's MSI write, still denied" ctl show denied
check "... listed for dom6" out_has "^$E1000E +dom6 +0x0d4 +4 "
check "... no new 0xe8 denial" out_lacks "^$E1000E +dom6 +0x0e8 "
check "... nvme keeps dom5's record (dom6 had no denial there)" \
    out_has "^$NVME +dom5 +0x088 +2 +0x1010 +1 "
check "suggest e1000e now: no quirk line left" ctl suggest $E1000E
check "... only the MSI refusal" out_lacks '^quirk'
xl -w 300 destroy 6
guest_stop h

# --- more registers than the table keeps: the rest counted --------------
# edu has nothing past its MSI capability (0x40): 18 dword writes from
# 0x80 are denied, the first 16 kept, the other 2 counted.
EDU=0000:00:02.0
w=
for o in 80 84 88 8c 90 94 98 9c a0 a4 a8 ac b0 b4 b8 bc c0 c4; do
	w="$w --write 1234:11e8:$o:4:1"
done
# shellcheck disable=SC2086
guest_start k 7 --paused --run-ms 60000 $w
wait_domain 7
xl attach 7 $EDU --starting
guest_unpause k
check "a guest writes 18 registers of edu that no policy allows" \
    wait_event k work-done
check "show denied edu" ctl show denied $EDU
check "... lists 16 of them, 0x080 to 0x0bc" test \
    "$(grep -Ec "^$EDU +dom7 +0x0[89ab][048c] +4 +0x00000001 +1 " "$T/ctl.out")" -eq 16
check "... not the last two" out_lacks '0x0c[04]'
check "... and counts them" \
    out_has "^$EDU +dom7 +2 more writes to registers beyond the table's\$"
check "... in JSON as an overflow record" sh -c '"$1" -s "$2" -j show denied \
    "$3" | python3 -c "import json, sys; r = [x for x in json.load(sys.stdin)
if x[\"record\"] == \"overflow\"]; sys.exit(not (len(r) == 1 and
r[0][\"count\"] == 2 and r[0][\"owner\"] == \"dom7\"))"' x "$PCIBACKCTL" \
    "$T/pcibackd.sock" $EDU
xl -w 300 destroy 7
guest_stop k

# A write that leaves the register as the hardware holds it: kept from
# the device all the same, but suggest says no quirk is needed.
guest_start m 8 --paused --run-ms 60000 --write 1234:11e8:80:4:0
wait_domain 8
xl attach 8 $EDU --starting
guest_unpause m
check "a guest writes edu's 0x80 with what it holds (0)" wait_event m work-done
check "suggest edu" ctl suggest $EDU
check "... no need for 0x080/4, and why" \
    out_has '^# no need: 0x080/4, .*: every write left the register as the hardware holds it; no quirk needed$'
check "... no quirk line" out_lacks '^quirk'
check "JSON: verdict nothing, no quirk" sh -c '"$1" -s "$2" -j suggest "$3" |
    python3 -c "import json, sys; r = json.load(sys.stdin)
sys.exit(not (len(r) == 1 and r[0][\"verdict\"] == \"nothing\" and
\"quirk\" not in r[0]))"' x "$PCIBACKCTL" "$T/pcibackd.sock" $EDU
xl -w 300 destroy 8
guest_stop m

t_done
