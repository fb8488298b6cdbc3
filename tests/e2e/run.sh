#!/bin/sh
# Boot Xen + a Debian dom0 under QEMU (TCG) and run one end-to-end
# scenario: a PV guest gets edu (MSI), e1000e (MSI-X), e1000 (INTx) and,
# hot-plugged, an nvme disk, through the scenario's PCI backend; a second
# one also both functions of a two-function NIC and an e1000e alone
# behind a root port into which QEMU injects a PCIe error; then, the
# backend in passthrough mode, a third the e1000 behind its bridge and
# that NIC.
#
# usage: tests/e2e/run.sh SCENARIO          (tests/e2e/scenarios/NAME.sh)
# env:   E2E_CACHE (build/e2e/cache, from prepare.sh; run first if empty),
#        E2E_WORK (build/e2e/work), E2E_RESULTS (build/e2e/results),
#        E2E_TIMEOUT (QEMU wall-clock limit, s; default 540),
#        E2E_DEBS (a make deb output dir: its pcibackd_*.deb goes to
#        /e2e/debs/ and dom0 installs it with dpkg; without it, make
#        install of E2E_PCIBACKD, default build/gcc/pcibackd, in /usr/local),
#        E2E_SHIM_DIR (default shim-driver; its *.ko to /e2e/shim/) and
#        scenarios/SCENARIO.d/ (to /e2e/scenario.d/): copied into dom0
#        when present; every scenario goes to /e2e/scenarios/ (bench uses
#        pcibackd's); BENCH_ROUNDS (the scenario bench's rounds).
# Prints "ok N - ..." / "not ok N - ..." and "N passed, N failed"; exits
# non-zero on any failure.  Results (config-space dumps of every device as
# the guest and dom0 see them, metrics, logs) go to $E2E_RESULTS/SCENARIO.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
cache=${E2E_CACHE:-$top/build/e2e/cache}
limit=${E2E_TIMEOUT:-540}
pcibackd=${E2E_PCIBACKD:-$top/build/gcc/pcibackd}
shimdir=${E2E_SHIM_DIR:-$top/shim-driver}

# Host view of the passed-through devices (QEMU addr= below).
BDF_EDU=0000:00:03.0
BDF_E1000E=0000:00:04.0
BDF_E1000=0000:01:00.0
BDF_NVME=0000:00:06.0
# Two functions in one slot: an e1000e each, a dual-port NIC.
BDF_MF0=0000:00:08.0
BDF_MF1=0000:00:08.1
# Issue 12 §1: an e1000e alone behind a PCIe root port, for the second
# guest, and that port (QEMU id rp2), where QEMU injects an error that
# is uncorrectable and, by its default severity, non-fatal (QEMU's name).
# Slot 10: q35 gives it the nvme's INTx line, not the INTx-only e1000's
# (slot 5), which pcibackd would then refuse (XSA-461) once the NIC is
# back in dom0 with INTx on.
BDF_AER=0000:02:00.0
BDF_AER_PORT=0000:00:0a.0
AER_ERROR=COMP_TIME
DOM0_MAC=52:54:00:e2:e0:01
NVME_MB=4
# A host part may add CPU features (hvm: nested paging).
qemu_cpu=qemu64,+svm

die() {
	echo "run: $*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

secs() {
	printf '%d.%d' $(($1 / 1000)) $(($1 % 1000 / 100))
}

# pack DIR OUT: a newc cpio of DIR, owned by root.
pack() {
	(cd "$1" && find . | cpio -o -H newc -R 0:0 --quiet) >"$2"
}

e2etool() {
	cc=${CC:-gcc}
	"$cc" -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wformat=2 -Wwrite-strings \
	    -Wshadow -Wmissing-prototypes -Wstrict-prototypes -Wpointer-arith \
	    -Wcast-qual -Wundef -Werror -O2 -static -I"$top/shim-driver" \
	    -o "$work/e2etool" "$here/e2etool.c" ||
	    die "cannot build e2etool (static libc: libc6-dev)"
	# xsstamp (the bench's state stamps): against dom0's libxenstore,
	# the same Debian package as the host's.
	"$cc" -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wformat=2 \
	    -Wwrite-strings -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
	    -Werror -O2 -o "$work/xsstamp" "$here/xsstamp.c" -lxenstore ||
	    die "cannot build xsstamp (libxen-dev)"
}

# Every 512-byte sector names itself, so a misplaced block shows in md5.
nvme_image() {
	awk -v n=$((NVME_MB * 2048)) 'BEGIN {
	    for (i = 0; i < n; i++)
	        printf "%-511s\n", "pcibackd e2e nvme sector " i }' \
	    >"$work/nvme.img"
	NVME_MD5=$(md5sum <"$work/nvme.img" | cut -d' ' -f1)
}

guest_initrd() {
	g=$work/guest-overlay
	rm -rf "$g"
	mkdir -p "$g/e2e" "$g/sbin"
	install -m 755 "$here/guest/init" "$g/init"
	install -m 755 "$here/guest/guest.sh" "$g/e2e/guest.sh"
	install -m 755 "$here/guest/poweroff" "$g/sbin/poweroff"
	install -m 755 "$work/e2etool" "$g/e2e/e2etool"
	[ -z "$host_part" ] || scenario_guest "$g"
	pack "$g" "$work/guest-overlay.cpio"
	# Linux unpacks concatenated archives; later files win.
	cat "$E2E_GUEST_CPIO" "$work/guest-overlay.cpio" >"$work/guest.cpio"
}

# Project binaries go in when they exist; a scenario that needs them
# checks for them in dom0.
project_files() {
	o=$1
	# Installed as an administrator would: the Debian package (the
	# scenario runs dpkg -i in dom0), else make install.
	deb=$(ls "${E2E_DEBS:-/nonexistent}"/pcibackd_*.deb 2>/dev/null |
	    tail -n 1)
	if [ -n "$deb" ]; then
		install -D -m 644 "$deb" "$o/e2e/debs/${deb##*/}"
	elif [ -x "$pcibackd" ]; then
		make -s -C "$top" install B="${pcibackd%/*}" DESTDIR="$o" \
		    PREFIX=/usr/local >/dev/null || return 1
	fi
	for k in "$shimdir"/*.ko; do
		[ -f "$k" ] || continue
		install -D -m 644 "$k" "$o/e2e/shim/${k##*/}"
		v=$(modinfo -F vermagic "$k" 2>/dev/null | cut -d' ' -f1)
		[ "$v" = "$E2E_KABI" ] ||
		    echo "# ${k##*/} is built for '$v', dom0 runs $E2E_KABI"
	done
	# Anything else a scenario needs (configuration files, ...).
	if [ -d "$here/scenarios/$scenario.d" ]; then
		cp -R "$here/scenarios/$scenario.d" "$o/e2e/scenario.d"
	fi
	return 0
}

dom0_initrd() {
	o=$work/dom0-overlay
	rm -rf "$o"
	mkdir -p "$o/e2e"
	install -m 755 "$here/dom0/init" "$o/init"
	install -m 644 "$here/dom0/lib.sh" "$here/dom0/checks.sh" "$o/e2e/"
	install -m 644 "$here/scenarios/$scenario.sh" "$o/e2e/scenario.sh"
	# Every scenario too, for one that uses another's (bench).
	cp -R "$here/scenarios" "$o/e2e/scenarios"
	install -m 644 "$work/guest.cpio" "$o/e2e/guest.cpio"
	install -m 755 "$work/e2etool" "$work/xsstamp" "$o/e2e/"
	cat >"$o/e2e/params.sh" <<-EOF
	SCENARIO=$scenario
	BDF_EDU=$BDF_EDU
	BDF_E1000E=$BDF_E1000E
	BDF_E1000=$BDF_E1000
	BDF_NVME=$BDF_NVME
	BDF_MF0=$BDF_MF0
	BDF_MF1=$BDF_MF1
	BDF_AER=$BDF_AER
	BDF_AER_PORT=$BDF_AER_PORT
	AER_ERROR=$AER_ERROR
	DOM0_MAC=$DOM0_MAC
	NVME_MD5=$NVME_MD5
	BENCH_ROUNDS=${BENCH_ROUNDS:-0}
	E2E_TIMED=${E2E_TIMED:-}
	EOF
	project_files "$o"
	[ -z "$host_part" ] || scenario_dom0 "$o"
	pack "$o" "$work/dom0-overlay.cpio"
	# A host part's scenario_cpio names more cached archives for dom0
	# (hvm: the device model), between the base and the overlay.
	extra=
	command -v scenario_cpio >/dev/null && extra=$(scenario_cpio)
	# shellcheck disable=SC2086 # archive paths, no spaces (the cache's)
	cat "$E2E_DOM0_CPIO" $extra "$work/dom0-overlay.cpio" >"$work/dom0.cpio"
}

# All NICs, dom0's included, sit on one QEMU hub with no host backend:
# nothing reaches the host network.  The monitor socket is how the host
# answers dom0's requests (host_requests).
qemu_start() {
	case $work in *,*) die "work dir must not contain a comma: $work" ;; esac
	: >"$work/console.log"
	: >"$work/results.log"
	qemu-system-x86_64 -accel tcg,thread=multi -cpu "$qemu_cpu" \
	    -machine q35 -device intel-iommu,intremap=on,caching-mode=on \
	    -smp 2 -m 3G -nodefaults -display none -vga none -no-reboot \
	    -serial "file:$work/console.log" -serial "file:$work/results.log" \
	    -monitor "unix:$work/monitor.sock,server=on,wait=off" \
	    -device edu,addr=03.0 \
	    -netdev hubport,id=n1,hubid=0 \
	    -device e1000e,netdev=n1,mac=52:54:00:e2:e0:02,addr=04.0 \
	    -netdev hubport,id=n2,hubid=0 \
	    -device pcie-root-port,id=rp1,chassis=1,slot=1,addr=05.0 \
	    -device e1000,netdev=n2,mac=52:54:00:e2:e0:03,bus=rp1,addr=00.0 \
	    -drive "if=none,id=nvd,format=raw,file=$work/nvme.img" \
	    -device nvme,drive=nvd,serial=e2e0001,addr=06.0 \
	    -netdev hubport,id=n0,hubid=0 \
	    -device e1000,netdev=n0,mac=$DOM0_MAC,addr=07.0 \
	    -netdev hubport,id=n3,hubid=0 \
	    -device e1000e,netdev=n3,mac=52:54:00:e2:e0:08,addr=08.0,multifunction=on \
	    -netdev hubport,id=n4,hubid=0 \
	    -device e1000e,netdev=n4,mac=52:54:00:e2:e0:09,addr=08.1 \
	    -device pcie-root-port,id=rp2,chassis=2,slot=2,addr=0a.0 \
	    -netdev hubport,id=n5,hubid=0 \
	    -device e1000e,netdev=n5,mac=52:54:00:e2:e0:0a,bus=rp2,addr=00.0 \
	    -kernel "$E2E_XEN" \
	    -append "console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all console_timestamps=boot dom0_mem=1024M,max:1024M dom0_max_vcpus=2" \
	    -initrd "$E2E_VMLINUZ console=hvc0 earlyprintk=xen loglevel=6,$work/dom0.cpio" \
	    >"$work/qemu.log" 2>&1 &
	qpid=$!
}

# Never leave a QEMU behind (interrupt, error, timeout): it is ours by pid.
stop_qemu() {
	[ -n "$qpid" ] && kill "$qpid" 2>/dev/null
	qpid=
	return 0
}

# ---- results ------------------------------------------------------------

# Number the checks of new result lines; file dumps and logs.  A dump
# file is a header line (BDF as its viewer sees it, name) and lspci
# -xxxx's layout, so "lspci -F FILE -vvv" renders it.
digest() {
	sed -n "$1,$2p" "$work/results.log" | tr -d '\r' | awk -v n="$passed_failed" \
	    -v res="$res" -v req="$work/requests" "$awk_hex"'
	function out(s) { print s; print s >> (res "/results.txt") }
	/^host / { print substr($0, 6) >> req; next }
	/^ok - / { n++; out("ok " n " - " substr($0, 6)); next }
	/^not ok - / { n++; out("not ok " n " - " substr($0, 10)); next }
	/^# / { out($0); next }
	/^metric / { print substr($0, 8) >> (res "/metrics.txt"); next }
	/^dump / {
		f = res "/" $2 ".cfg"
		if (!(f in known)) {
			known[f] = 1
			if ((getline junk < f) < 0)
				print $3 " " $2 >> f
			close(f)
		}
		off = hex($4)
		line = sprintf(off < 256 ? "%02x:" : "%03x:", off)
		for (i = 5; i <= NF; i++) line = line " " $i
		print line >> f
		next
	}
	/^blob / { print $3 >> (res "/logs/" $2 ".b64"); next }
	/^end$/ { print "end" >> (res "/.end"); next }'
	passed_failed=$(grep -c -E '^(ok|not ok) [0-9]' "$res/results.txt" || true)
}

# Feed complete new lines of the results port to digest.
stream() {
	total=$(wc -l <"$work/results.log")
	[ "$total" -gt "$seen_lines" ] || return 0
	digest $((seen_lines + 1)) "$total"
	seen_lines=$total
}

# ---- what dom0 asks of the host ----------------------------------------
#
# dom0 cannot reach QEMU; a "host REQUEST" line on the results port asks
# the host, which answers each once, in order, through QEMU's monitor.
# dom0 sees the answer's effect, never the answer.

host_requests() {
	[ -f "$work/requests" ] || return 0
	n=$(wc -l <"$work/requests")
	while [ "$requests_done" -lt "$n" ]; do
		requests_done=$((requests_done + 1))
		r=$(sed -n "${requests_done}p" "$work/requests")
		case $r in
		aer-inject) aer_inject ;;
		*) host_check fail "dom0 asked the host for '$r', unknown" ;;
		esac
	done
}

# monitor COMMAND: one HMP command on QEMU's monitor socket; prints the
# answer without the prompts, the echo and the terminal's escapes.
monitor() {
	local py=python3
	[ -x /usr/bin/python3 ] && py=/usr/bin/python3
	"$py" - "$work/monitor.sock" "$1" <<-'EOF'
	import re, socket, sys
	s = socket.socket(socket.AF_UNIX)
	s.settimeout(10)
	s.connect(sys.argv[1])
	def prompt():
	    b = b''
	    while not b.endswith(b'(qemu) '):
	        d = s.recv(4096)
	        if not d:
	            break
	        b += d
	    return re.sub(r'\x1b\[[0-9;]*[A-Za-z]', '', b.decode('ascii', 'replace'))
	prompt()
	s.sendall(sys.argv[2].encode() + b'\n')
	# The echo redraws the line at each character; the answer follows.
	out = prompt().replace('\r', '\n').split('\n')
	echo = [i for i, l in enumerate(out) if sys.argv[2] in l]
	for l in out[echo[-1] + 1 if echo else 0:]:
	    l = l.strip()
	    if l and not l.startswith('(qemu)'):
	        print(l)
	EOF
}

# Issue 12 §1: an uncorrectable error in the AER NIC's root port, which
# raises the AER interrupt in dom0, whose recovery then goes to every
# device below the port: the NIC.  Not in the NIC itself: QEMU's e1000e
# never sends an error message (its Device Control reporting enables are
# read-only zero), so its errors stay in its own status registers.
aer_inject() {
	local c="pcie_aer_inject_error rp2 $AER_ERROR" out
	out=$(monitor "$c" 2>&1 | tee -a "$res/logs/host-monitor.log" |
	    tr '\n' ' ')
	case $out in
	*"OK id: rp2"*) host_check ok "QEMU monitor: $c (${out% })" ;;
	*) host_check fail "QEMU monitor: $c (${out:-no answer})" ;;
	esac
}

host_check() {
	passed_failed=$((passed_failed + 1))
	if [ "$1" = ok ]; then
		s="ok $passed_failed - host: $2"
	else
		s="not ok $passed_failed - host: $2"
	fi
	echo "$s"
	echo "$s" >>"$res/results.txt"
}

# Plain awk has no hex input or bit operations (the host's is mawk).
awk_hex='
function hex(s,   i, v) {
	v = 0
	s = tolower(s)
	for (i = 1; i <= length(s); i++)
		v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return v
}'

# cfg_caps FILE: the capability IDs (hex) found by walking the list.
cfg_caps() {
	awk "$awk_hex"'
	NR > 1 { off = hex(substr($1, 1, length($1) - 1))
	  for (i = 2; i <= NF; i++) b[off + i - 2] = hex($i) }
	END {
		if (int(b[6] / 16) % 2 == 0) exit
		p = b[52] - b[52] % 4
		for (k = 0; p && k < 48; k++) {
			printf "%02x ", b[p]
			p = b[p + 1] - b[p + 1] % 4
		}
	}' "$1"
}

# cfg_byte FILE OFFSET: one config byte (hex) from a dump file.
cfg_byte() {
	awk -v want="$2" "$awk_hex"'
	NR > 1 { off = hex(substr($1, 1, length($1) - 1))
	  for (i = 2; i <= NF; i++) if (off + i - 2 == want) print $i }' "$1"
}

# dev_checks NAME cap ID | NAME pin: the guest's view against dom0's,
# then a capability the guest must find (its driver's interrupt mode
# hangs on it), or for a device without capabilities its INTx pin.
dev_checks() {
	g=$res/$1.cfg
	d=$res/dom0-$1.cfg
	if [ ! -s "$g" ] || [ ! -s "$d" ]; then
		host_check fail "$1: guest and dom0 config dumps exist"
		return
	fi
	gs=$((($(wc -l <"$g") - 1) * 16))
	ds=$((($(wc -l <"$d") - 1) * 16))
	[ "$gs" -eq "$ds" ] && r=ok || r=fail
	host_check "$r" "$1: guest reads $gs config bytes, dom0 $ds"
	[ "$(sed -n 2p "$g" | cut -c1-15)" = "$(sed -n 2p "$d" | cut -c1-15)" ] &&
	    r=ok || r=fail
	host_check "$r" "$1: vendor/device match dom0's view"
	if [ "$2" = pin ]; then
		p=$(cfg_byte "$g" 61)
		[ "$p" = 01 ] && r=ok || r=fail
		host_check "$r" "$1: interrupt pin INTA (got ${p:-?})"
		return
	fi
	caps=$(cfg_caps "$g")
	case " $caps" in *" $3 "*) r=ok ;; *) r=fail ;; esac
	host_check "$r" "$1: capability $3 in the guest's list (${caps% })"
}

# Issue 14 §4: dom0's "pcibackctl show metrics", taken while the guest
# had its devices and at the end, through a Prometheus text parser.
metrics_checks() {
	local py=python3 stage f
	# The system's, which has python3-prometheus-client (build-aux/deps.sh).
	[ -x /usr/bin/python3 ] && py=/usr/bin/python3
	for stage in assigned end; do
		f=$res/logs/metrics-$stage.log
		if [ ! -s "$f" ]; then
			host_check fail "metrics $stage: dom0 sent metrics-$stage.log"
			continue
		fi
		"$py" "$here/metrics-check.py" "$stage" "$f" \
		    "$BDF_E1000" "$BDF_NVME" 2>&1 |
		    while read -r r what; do
			case $r in
			ok) host_check ok "$what" ;;
			*) host_check fail "$what" ;;
			esac
		done
		passed_failed=$(grep -c -E '^(ok|not ok) [0-9]' "$res/results.txt" || true)
	done
}

# dom0 sends its logs as one base64 tar.gz: serial output costs ~15 KB/s.
unpack_logs() {
	b=$res/logs/dom0-logs.b64
	[ -f "$b" ] || return 0
	base64 -d "$b" | tar -xzf - -C "$res/logs" 2>/dev/null &&
	    rm -f "$b" ||
	    echo "# dom0 logs arrived damaged; kept as ${b#"$top"/}"
}

report() {
	[ -n "$dom0_ready_ms" ] && echo "qemu_to_dom0_ready $(secs "$dom0_ready_ms") s" \
	    >>"$res/metrics.txt"
	echo "qemu_total $(secs "$qemu_ms") s" >>"$res/metrics.txt"
	echo "# ---- $scenario: measurements"
	[ -f "$res/metrics.txt" ] && sed 's/^/# /' "$res/metrics.txt"
	echo "# results in ${res#"$top"/}"
}

finish() {
	if [ -n "$timed_out" ]; then
		host_check fail "QEMU finished within $limit s (killed)"
	elif [ "$qemu_rc" -gt 128 ]; then
		# QEMU itself crashed: the machine under test vanished, which
		# says nothing of the backend; all.sh runs the scenario again.
		host_check fail "QEMU did not crash (it died of signal $((qemu_rc - 128)) after $(secs "$qemu_ms") s)"
		echo "$qemu_rc" >"$res/.qemu-crashed"
		dmesg 2>/dev/null | grep 'qemu-system.*segfault' | tail -n 1 |
		    sed 's/^/# host kernel: /'
	else
		host_check ok "QEMU finished within $limit s ($(secs "$qemu_ms") s)"
	fi
	[ -f "$res/.end" ] && r=ok || r=fail
	host_check "$r" "dom0 ran the scenario to the end"
	# The bench scenario measures; it dumps no config spaces.  A
	# scenario with a host part checks its own.
	if [ -n "$host_part" ]; then
		scenario_checks
	elif [ "$scenario" != bench ]; then
		dev_checks edu cap 05
		dev_checks e1000e cap 11
		dev_checks e1000 pin
		dev_checks nvme cap 11
		dev_checks mf0 cap 11
		dev_checks mf1 cap 11
		dev_checks e1000-pt pin
		dev_checks mf0-pt cap 11
		dev_checks mf1-pt cap 11
		dev_checks aernic cap 11
	fi
	unpack_logs
	[ "$scenario" != pcibackd ] || metrics_checks
	cp "$work/console.log" "$res/logs/xen-dom0-console.log"
	report
	n_fail=$(grep -c '^not ok' "$res/results.txt" || true)
	n_pass=$(grep -c '^ok' "$res/results.txt" || true)
	if [ "$n_fail" -gt 0 ]; then
		echo "# failed:"
		grep '^not ok' "$res/results.txt" | sed 's/^/#   /'
		if [ -s "$work/qemu.log" ]; then
			echo "# QEMU said:"
			tail -n 5 "$work/qemu.log" | sed 's/^/#   /'
		fi
		echo "# last lines of the Xen/dom0 console:"
		tail -n 25 "$work/console.log" | tr -d '\r' | sed 's/^/#   /'
	fi
	echo "$n_pass passed, $n_fail failed"
	[ "$n_fail" -eq 0 ]
}

main() {
	[ $# -eq 1 ] || { echo "usage: run.sh SCENARIO" >&2; exit 2; }
	scenario=$1
	[ -f "$here/scenarios/$scenario.sh" ] || die "no scenario $scenario"
	# A scenario's own host part, host-NAME.sh, may replace qemu_start
	# and define scenario_guest DIR, scenario_dom0 DIR (more files for
	# the overlays), scenario_checks (the host's checks) and
	# scenario_cpio (more cached archives for dom0).
	host_part=
	if [ -f "$here/host-$scenario.sh" ]; then
		host_part=$here/host-$scenario.sh
		# shellcheck disable=SC1090
		. "$host_part"
	fi
	work=${E2E_WORK:-$top/build/e2e/work}/$scenario
	res=${E2E_RESULTS:-$top/build/e2e/results}/$scenario
	[ -f "$cache/current.env" ] || sh "$here/prepare.sh"
	# shellcheck disable=SC1091 # written by prepare.sh
	. "$cache/current.env"
	rm -rf "$work" "$res"
	mkdir -p "$work" "$res/logs"
	: >"$res/results.txt"
	t=$(now_ms)
	e2etool
	nvme_image
	guest_initrd
	dom0_initrd
	echo "# $scenario: images ready in $(secs $(($(now_ms) - t))) s;" \
	    "Xen $E2E_XVER, Linux $E2E_KVER"

	passed_failed=0
	seen_lines=0
	requests_done=0
	dom0_ready_ms=
	timed_out=
	start=$(now_ms)
	qpid=
	trap 'stop_qemu' EXIT
	trap 'exit 130' INT TERM
	qemu_start
	while kill -0 "$qpid" 2>/dev/null; do
		stream
		host_requests
		el=$(($(now_ms) - start))
		if [ -z "$dom0_ready_ms" ] &&
		    grep -q '^mark dom0-ready' "$work/results.log"; then
			dom0_ready_ms=$el
		fi
		if [ "$el" -ge $((limit * 1000)) ]; then
			timed_out=1
			kill "$qpid" 2>/dev/null || true
			break
		fi
		sleep 0.5
	done
	qemu_rc=0
	wait "$qpid" 2>/dev/null || qemu_rc=$?
	qpid=
	qemu_ms=$(($(now_ms) - start))
	stream
	finish
}

# One line, so editing this file during a run cannot derail the shell.
main "$@"; exit
