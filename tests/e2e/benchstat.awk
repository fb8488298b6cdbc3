# The table of `make bench` (real Xen) from the metrics of one run of the
# scenario "bench" (tests/e2e/scenarios/bench.sh): a "round N BACKEND"
# line, then that half-round's "NAME VALUE UNIT" lines.  Plain awk (the
# host's is mawk: no asort, no gensub).
#
# Per row and round with both backends measured, the ratio r = pcibackd /
# xen-pciback: the two halves of a round ran a minute apart on the same
# boot, so a slow drift of the host's load cancels in r.  The table gives
# each backend's median (and its spread: the interquartile range as a
# share of the median), the median of the per-round ratios, and a
# distribution-free confidence interval of that median: the k-th smallest
# and the k-th largest ratio, k the largest for which the sign test's
# binomial coverage 1 - 2 P(Bin(n, 1/2) <= k - 1) is still >= 95 % (with
# fewer than 6 rounds no k reaches it: the interval is then min..max,
# its coverage is printed and no verdict given).  An interval holding 1.0
# is "no difference shown".

# Insertion sort of a[1..n] (n is small: one value per round).
function sort(a, n,    i, j, t) {
	for (i = 2; i <= n; i++) {
		t = a[i]
		for (j = i - 1; j >= 1 && a[j] > t; j--)
			a[j + 1] = a[j]
		a[j + 1] = t
	}
}

# Quantile q of sorted a[1..n], linear between order statistics.
function quant(a, n, q,    h, l) {
	if (n == 1)
		return a[1]
	h = (n - 1) * q + 1
	l = int(h)
	return l >= n ? a[n] : a[l] + (h - l) * (a[l + 1] - a[l])
}

# P(Bin(n, 1/2) <= k)
function binom_cdf(n, k,    i, c, s) {
	c = 1
	s = 0
	for (i = 0; i <= k; i++) {
		s += c
		c = c * (n - i) / (i + 1)
	}
	return s / 2 ^ n
}

# K and COVER for n ratios.
function rank_k(n,    k) {
	K = 1
	COVER = 1 - 2 * binom_cdf(n, 0)
	for (k = 2; 2 * k <= n; k++) {
		if (1 - 2 * binom_cdf(n, k - 1) < 0.95)
			break
		K = k
		COVER = 1 - 2 * binom_cdf(n, k - 1)
	}
}

function fmt(v) {
	return v >= 100 ? sprintf("%.0f", v) : v >= 10 ? sprintf("%.1f", v) : \
	    sprintf("%.2f", v)
}

# row METRIC SCALE LABEL
function row(m, scale, label,    r, n, na, nb, a, b, ra, i, ma, mb, mr,
    lo, hi, sa, sb, verdict) {
	n = 0
	for (r = 1; r <= maxround; r++) {
		if (!((m, "pciback", r) in v) || !((m, "pcibackd", r) in v))
			continue
		n++
		a[n] = v[m, "pciback", r] * scale
		b[n] = v[m, "pcibackd", r] * scale
		ra[n] = a[n] > 0 ? b[n] / a[n] : 0
		printf "%s %d %s %s %.3f\n", m, r, a[n], b[n], ra[n] >> rounds
	}
	if (n == 0) {
		printf "%-40s %16s %16s %6s %13s  %s\n", label, "-", "-", "-",
		    "-", "not measured"
		return
	}
	sort(a, n)
	sort(b, n)
	sort(ra, n)
	ma = quant(a, n, 0.5)
	mb = quant(b, n, 0.5)
	mr = quant(ra, n, 0.5)
	sa = ma > 0 ? (quant(a, n, 0.75) - quant(a, n, 0.25)) / ma * 100 : 0
	sb = mb > 0 ? (quant(b, n, 0.75) - quant(b, n, 0.25)) / mb * 100 : 0
	rank_k(n)
	lo = ra[K]
	hi = ra[n + 1 - K]
	if (hi < 1)
		verdict = "pcibackd faster"
	else if (lo > 1)
		verdict = "pcibackd slower"
	else
		verdict = "no difference shown"
	if (n < 2)
		verdict = "one round: no interval"
	else if (n < 6)
		verdict = sprintf("too few rounds (coverage %.0f%%)",
		    COVER * 100)
	nrows[n] = 1
	printf "%-40s %10s ±%2.0f%% %10s ±%2.0f%% %6s %13s  %s\n",
	    label, fmt(ma), sa, fmt(mb), sb, fmt(mr), fmt(lo) "-" fmt(hi),
	    verdict
}

# info METRIC BACKEND SCALE: "median (min-max, n)" of one backend.
function info(m, be, scale,    r, n, x) {
	n = 0
	for (r = 1; r <= maxround; r++)
		if ((m, be, r) in v)
			x[++n] = v[m, be, r] * scale
	if (n == 0)
		return "-"
	sort(x, n)
	return sprintf("%s (%s-%s, n=%d)", fmt(quant(x, n, 0.5)), fmt(x[1]),
	    fmt(x[n]), n)
}

$1 == "round" && NF >= 3 {
	round = $2 + 0
	be = $3
	if (round > maxround)
		maxround = round
	next
}

round && NF >= 2 && $2 ~ /^[0-9.]+$/ {
	v[$1, be, round] = $2 + 0
}

END {
	if (!maxround) {
		print "e2e bench: no round in the metrics"
		exit 1
	}
	printf "%-40s %16s %16s %6s %13s  %s\n", "real Xen under QEMU/TCG",
	    "xen-pciback", "pcibackd", "ratio", "interval", "verdict"
	row("cfgread256_e1000e", 1, "config read 256 B, e1000e (us/4 B)")
	row("cfgread4_e1000e", 1, "config read 4 B, e1000e (us/4 B)")
	row("cfgread256_edu", 1, "config read 256 B, edu (us/4 B)")
	row("cfgread4_edu", 1, "config read 4 B, edu (us/4 B)")
	row("create_to_visible", 0.001, "xl create -> 3 devices visible (s)")
	row("xl_create_returns", 0.001, "  of which: xl create returns (s)")
	row("guest_kernel_to_init", 0.001, "  guest kernel start -> /init (s)")
	row("pcifront_probe_to_bus", 1, "  guest pcifront probe -> bus (ms)")
	row("pcifront_bus_to_visible", 1, "  guest bus -> 3 devices visible (ms)")
	row("create_backend", 1, "  the backend's turns (ms) [3]")
	row("attach_to_visible", 0.001, "xl pci-attach -> nvme visible (s)")
	row("attach_backend", 1, "  the backend's turns (ms) [3]")
	row("xl_pci_detach_returns", 0.001, "xl pci-detach returns (s)")
	row("detach_backend", 1, "  the backend's turns (ms) [3]")
	row("xl_destroy", 0.001, "xl destroy (s)")
	row("destroy_backend", 1, "  the backend's turns (ms) [3]")
	row("window_cfg_max", 0.001, "slowest config read, window (ms) [1]")
	row("backend_up", 0.001, "backend up (s) [2]")
	print ""
	for (n in nrows) {
		n += 0
		rank_k(n)
		printf "n=%d rounds: ratio = median of the per-round ratios" \
		    " pcibackd / xen-pciback; interval = ratios %d and %d of" \
		    " %d sorted (sign test, coverage %.1f%%)\n", n, K,
		    n + 1 - K, n, COVER * 100
	}
	print "medians ±interquartile range as a share of the median"
	print "[1] a 6 s watch of e1000e config reads; pcibackd is SIGKILLed" \
	    " and restarted in it (pcifront gives up at 2000 ms)"
	print "    pcibackd SIGKILL -> ready (ms): " \
	    info("restart_to_ready", "pcibackd", 1)
	print "[2] modprobe xen-pciback; insmod pcishim.ko + pcibackd's" \
	    " READY=1 (sd_notify, as systemd sees it)"
	print "[3] the sum of the gaps between xenbus state changes (stamped" \
	    " in dom0) that end with the backend's own state write: the" \
	    " rest of the row is libxl's and the guest's"
	print "dom0 per call (ns): clock_gettime " info("syscost_clock", \
	    "pcibackd", 1) ", getppid " info("syscost_syscall", "pcibackd", \
	    1) ", a shim config read " info("syscost_shimread", "pcibackd", \
	    1) ", a read of the mapped config page " info("syscost_mapread", \
	    "pcibackd", 1)
	print "pcibackd's worker, from reading an op to notifying the guest," \
	    " during the config reads (us/op): " info("op_service_mean", \
	    "pcibackd", 1)
	print "dom0 steal time (per mille of dom0's CPU time): xen-pciback " \
	    info("dom0_steal", "pciback", 1) ", pcibackd " \
	    info("dom0_steal", "pcibackd", 1)
}
