# pcibackd - top-level build.
#
#   make            build the library, tests and tools (gcc, warnings are errors)
#   make check      every test: gcc, then clang, then under ASan/UBSan
#   make fuzz       each libFuzzer target for FUZZ_SECONDS (clang)
#   make fuzz-long  a fuzzing campaign (FUZZ_SECONDS per target, FUZZ_JOBS)
#   make coverage   line and branch coverage of lib/, daemon/, pcibackctl/
#   make deps       install the Debian packages the build needs (root)
#   make install    DESTDIR=... PREFIX=...
#   make deb        the Debian packages, into build/deb (make deb-check tests them)
#
# Objects go to $(B) (default build/gcc), so variants never mix.

CC		?= cc
B		?= build/gcc
PREFIX		?= /usr/local
DESTDIR		?=
SBINDIR		?= $(PREFIX)/sbin
MANDIR		?= $(PREFIX)/share/man
EXAMPLESDIR	?= $(PREFIX)/share/examples/pcibackd
SYSTEMDDIR	?= $(PREFIX)/lib/systemd/system
# The workers' chroot: empty, root's (pcibackd(8)).
EMPTYDIR	?= /var/lib/pcibackd/empty
FUZZ_SECONDS	?= 30

WARNINGS	 = -Wall -Wextra -Wformat=2 -Wwrite-strings -Wshadow \
		   -Wmissing-prototypes -Wstrict-prototypes -Wpointer-arith \
		   -Wcast-qual -Wundef -Werror
CFLAGS		?= -O2 -g
ALL_CFLAGS	 = -std=c11 -D_GNU_SOURCE $(WARNINGS) $(CPPFLAGS) $(CFLAGS) $(EXTRA_CFLAGS) -Ilib
ALL_LDFLAGS	 = $(LDFLAGS) $(EXTRA_LDFLAGS)

CMOCKA_LIBS	:= $(shell pkg-config --libs cmocka 2>/dev/null || echo -lcmocka)
PCI_CFLAGS	:= $(shell pkg-config --cflags libpci 2>/dev/null)
PCI_LIBS	:= $(shell pkg-config --libs libpci 2>/dev/null || echo -lpci)
XEN_PKGS	:= xenstore xenevtchn xengnttab xencontrol libevent
XEN_CFLAGS	:= $(shell pkg-config --cflags $(XEN_PKGS) 2>/dev/null)
XEN_LIBS	:= $(shell pkg-config --libs $(XEN_PKGS) 2>/dev/null || \
		    echo -lxenstore -lxenevtchn -lxengnttab -lxenctrl -levent)
YACC		?= yacc

LIB_SRCS	:= $(sort $(wildcard lib/*.c))
LIB_OBJS	:= $(LIB_SRCS:%.c=$(B)/%.o)
LIB		:= $(B)/libpcibackd.a

SUPPORT_SRCS	:= $(sort $(wildcard tests/support/*.c))
SUPPORT_OBJS	:= $(SUPPORT_SRCS:%.c=$(B)/%.o)

UNIT_SRCS	:= $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS	:= $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)

FUZZ_SRCS	:= $(sort $(wildcard tests/fuzz/fuzz_*.c))

DAEMON_SRCS	:= $(sort $(wildcard daemon/*.c compat/*.c))
DAEMON_OBJS	:= $(DAEMON_SRCS:%.c=$(B)/%.o) $(B)/daemon/parse.o
PCIBACKD	:= $(B)/pcibackd
PCIBACKCTL	:= $(B)/pcibackctl
DEMO_CORE	:= $(B)/demo-core

# Keep the test support objects make would otherwise delete.
.SECONDARY:

.PHONY: all check check-gcc check-clang check-asan unit config integration demo-core manlint systemd-check shim shim-clean xensim-check e2e-prepare e2e-baseline e2e-pcibackd e2e-hvm e2e bench fuzz fuzz-long fuzz-replay coverage \
	deps install clean demo deb deb-check

all: $(LIB) $(UNIT_BINS) $(PCIBACKD) $(PCIBACKCTL) $(DEMO_CORE)

$(B)/%.o: %.c $(wildcard lib/*.h tests/support/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/support -c -o $@ $<

$(B)/daemon/%.o: daemon/%.c $(wildcard lib/*.h daemon/*.h compat/*.h \
    shim-driver/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Idaemon -Icompat -Ishim-driver $(PCI_CFLAGS) $(XEN_CFLAGS) \
	    -pthread -c -o $@ $<

# <xenctrl.h> pulls in Xen headers that need GNU C.
$(B)/daemon/guestdom.o: ALL_CFLAGS += -std=gnu11

$(PCIBACKD): $(DAEMON_OBJS) $(LIB)
	$(CC) $(ALL_CFLAGS) -pthread -o $@ $(DAEMON_OBJS) $(LIB) \
	    $(ALL_LDFLAGS) $(XEN_LIBS) $(PCI_LIBS)

# Not under $(B)/pcibackctl/: that path is the binary.
$(B)/ctl/pcibackctl.o: pcibackctl/pcibackctl.c daemon/control_proto.h \
    $(wildcard lib/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Idaemon -c -o $@ $<

# The command table is the daemon's and pcibackctl's (control_proto.c).
$(PCIBACKCTL): $(B)/ctl/pcibackctl.o $(B)/daemon/control_proto.o $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $(B)/ctl/pcibackctl.o \
	    $(B)/daemon/control_proto.o $(LIB) $(ALL_LDFLAGS)

$(B)/daemon/parse.c: daemon/parse.y
	@mkdir -p $(@D)
	$(YACC) -o $@ $<

# yacc's %destructor code ignores one of its parameters.
$(B)/daemon/parse.o: $(B)/daemon/parse.c $(wildcard lib/*.h daemon/*.h)
	$(CC) $(ALL_CFLAGS) -Wno-unused-parameter -Idaemon -c -o $@ $<

$(DEMO_CORE): tests/demo/demo-core.c $(B)/daemon/emul.o $(B)/daemon/hostpci.o \
    $(LIB)
	$(CC) $(ALL_CFLAGS) -Idaemon $(PCI_CFLAGS) -o $@ $< $(B)/daemon/emul.o \
	    $(B)/daemon/hostpci.o $(LIB) $(ALL_LDFLAGS) $(PCI_LIBS)

$(LIB): $(LIB_OBJS)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(B)/tests/test_%: tests/unit/test_%.c $(SUPPORT_OBJS) $(LIB) $(wildcard lib/*.h tests/support/*.h) \
    $(wildcard shim-driver/*.h shim-driver/pcishim_check.c)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/support -o $@ $< $(SUPPORT_OBJS) $(LIB) \
	    $(ALL_LDFLAGS) $(CMOCKA_LIBS)

# The control process on its own (its parent played by the test), with
# the daemon objects it needs; what else they name is stubbed in the test.
CTLPROC_TEST_OBJS = $(B)/daemon/ctlproc.o $(B)/daemon/ctlparse.o \
		    $(B)/daemon/control_proto.o $(B)/daemon/conf.o \
		    $(B)/daemon/log.o
$(B)/tests/test_ctlproc: tests/unit/test_ctlproc.c $(CTLPROC_TEST_OBJS) \
    $(LIB) $(wildcard lib/*.h daemon/*.h compat/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Idaemon -Icompat -Ishim-driver $(PCI_CFLAGS) \
	    $(XEN_CFLAGS) -o $@ $< \
	    $(CTLPROC_TEST_OBJS) $(LIB) $(ALL_LDFLAGS) $(CMOCKA_LIBS) \
	    $(XEN_LIBS)

# Run every unit test binary; tests/run-unit prints one summary line.
unit: $(LIB) $(UNIT_BINS)
	@sh tests/run-unit $(UNIT_BINS)

MANPAGES	:= daemon/pcibackd.8 daemon/pcibackd.conf.5 pcibackctl/pcibackctl.8

# Manual pages must be mandoc -Tlint clean.
manlint:
	mandoc -Tlint -W warning $(MANPAGES)

# The systemd unit: valid, and its sandbox's exposure score
# (systemd-analyze security) no worse than tests/systemd/check.sh allows.
systemd-check: $(PCIBACKD) $(PCIBACKCTL)
	@sh tests/systemd/check.sh $(B)

# The Linux shim, against the newest Debian kernel headers installed.
KHDR		?= $(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | \
		    sort -V | tail -n 1)
shim:
	@test -n "$(KHDR)" || { echo "shim: no linux-headers-*-amd64" \
	    "(make deps)"; exit 1; }
	$(MAKE) -C $(KHDR) M=$(CURDIR)/shim-driver modules W=1 ccflags-y=-Werror

shim-clean:
	@test -z "$(KHDR)" || $(MAKE) -C $(KHDR) M=$(CURDIR)/shim-driver clean

# The benchmark on the simulated Xen: a table, then key=value lines
# (also in build/bench/results.txt).  About 2.5 minutes; numbers, never
# pass/fail thresholds.  Then the real-Xen ratios against xen-pciback
# (tests/e2e/bench.sh, root): ONE boot of Xen under QEMU, BENCH_ROUNDS
# (12) rounds of xen-pciback then shim + pcibackd, each a new guest;
# per row each backend's median and spread, the median of the per-round
# ratios with a rank-based (sign test) interval, "no difference shown"
# when it holds 1.0, and the host's load.  15-35 minutes here, by the
# host's load (8 rounds: 10 min at load 3); not make e2e.
# The two parts are independent: a failed one does not hide the other.
BENCH_ROUNDS ?= 12
bench: $(PCIBACKD)
	rc=0; PCIBACKD=$(CURDIR)/$(PCIBACKD) sh tests/bench/bench.sh || rc=1; \
	BENCH_ROUNDS=$(BENCH_ROUNDS) sh tests/e2e/bench.sh || rc=1; exit $$rc

# End-to-end on a real Xen under QEMU (TCG); root; about 3 minutes with
# a warm cache (build/e2e/cache), under a minute more when cold.
e2e-prepare:
	sh tests/e2e/prepare.sh

e2e-baseline: e2e-prepare
	sh tests/e2e/run.sh baseline

# The shim for the dom0 kernel (KHDR) is all.sh's job; here the newest.
# dom0 installs pcibackd from the package make deb just built.
e2e-pcibackd: e2e-prepare $(PCIBACKD) $(PCIBACKCTL) shim deb
	E2E_DEBS=build/deb sh tests/e2e/run.sh pcibackd

# An HVM guest given a device under xen-pciback, then under the shim and
# pcibackd, in one boot (issue 12 §4; scenario hvm).
e2e-hvm: e2e-prepare $(PCIBACKD) $(PCIBACKCTL) shim deb
	E2E_DEBS=build/deb sh tests/e2e/run.sh hvm

# Both backends, then the comparison of the guest's views (tests/e2e/all.sh).
e2e:
	sh tests/e2e/all.sh

# The simulated Xen (the real xenstored under a preload) checks itself.
xensim-check:
	sh tests/xensim/build.sh
	sh tests/xensim/test-xensim.sh

# pcibackd -n/-nv on pass and fail configurations.
config: $(PCIBACKD)
	@sh tests/config/run.sh $(PCIBACKD)

# The README's main command: pcibackd on the simulated Xen.
demo: deps
	$(MAKE) CC=gcc B=build/gcc all
	sh tests/integration/build.sh build/sim
	PCIBACKD=build/gcc/pcibackd SIM_BUILD=build/sim sh tests/demo/sim-demo.sh

# The core alone, on two emulated devices, no Xen at all.
demo-core:
	$(MAKE) CC=gcc B=build/gcc build/gcc/demo-core
	@sh tests/demo/demo.sh build/gcc/demo-core

# End-to-end on the simulated Xen: the real xenstored, the pcibackd of
# this variant, a toolstack stand-in and Linux-like guests, and the shim
# double (tests/shimsim) for the shim provider, after its self-test.  The
# simulators are built without sanitizers (the preloads run inside
# xenstored and any daemon); the daemon is the variant's own.
integration: $(PCIBACKD) $(PCIBACKCTL)
	sh tests/integration/build.sh $(B)/sim
	SHIMSIM_BUILD=$(B)/sim/shimsim sh tests/shimsim/test-shimsim.sh
	ASAN_OPTIONS="$${ASAN_OPTIONS:+$$ASAN_OPTIONS:}verify_asan_link_order=0" \
	PCIBACKD=$(PCIBACKD) SIM_BUILD=$(B)/sim sh tests/integration/run.sh

# The README's test command.  Each variant is a separate object tree.
check: deps
	$(MAKE) check-gcc
	$(MAKE) check-clang
	$(MAKE) check-asan
	$(MAKE) manlint
	$(MAKE) shim
	$(MAKE) xensim-check
	@echo "make check: all variants passed"

check-gcc:
	$(MAKE) all unit config integration fuzz-replay systemd-check CC=gcc B=build/gcc

check-clang:
	$(MAKE) all unit config fuzz-replay CC=clang B=build/clang

check-asan:
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	$(MAKE) all unit config integration fuzz-replay CC=clang B=build/asan CFLAGS="-O1 -g -fno-omit-frame-pointer" \
	    EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all" \
	    EXTRA_LDFLAGS="-fsanitize=address,undefined"

# libFuzzer targets (clang): the library, the test support and, for the
# targets that need them, daemon sources are built once, instrumented,
# under build/fuzz/obj.  tests/fuzz/stub_*.c stand in for Xen and
# libevent.  tests/fuzz/run.sh runs each target and prints its
# executions and the total.
FUZZ_CC		?= clang
FUZZ_SAN	 = -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS	 = -std=c11 -D_GNU_SOURCE -g -O1 -Ilib -Itests/support \
		   -Idaemon -Icompat -Ishim-driver -Ibuild/fuzz/obj/daemon \
		   $(PCI_CFLAGS) $(XEN_CFLAGS) $(FUZZ_SAN) -pthread
FUZZ_BINS	:= $(FUZZ_SRCS:tests/fuzz/%.c=build/fuzz/%)
FUZZ_BASE	:= $(LIB_SRCS) $(SUPPORT_SRCS)
# Per target: the daemon sources (and libraries) it links besides FUZZ_BASE.
FUZZ_DAEMON_fuzz_conf	 = build/fuzz/obj/daemon/parse.c daemon/conf.c \
			   daemon/printconf.c tests/fuzz/stub_log.c
FUZZ_LIBS_fuzz_conf	 = -Wl,--wrap=fopen
FUZZ_DAEMON_fuzz_emul	 = daemon/emul.c daemon/hostpci.c
FUZZ_LIBS_fuzz_emul	 = $(PCI_LIBS)
FUZZ_DAEMON_fuzz_opserve = daemon/opserve.c daemon/metric.c tests/fuzz/stub_log.c \
			   tests/fuzz/stub_xen.c
FUZZ_DAEMON_fuzz_aer	 = daemon/aer.c daemon/metric.c tests/fuzz/stub_log.c \
			   tests/fuzz/stub_xen.c
FUZZ_DAEMON_fuzz_control = $(filter-out daemon/pcibackd.c daemon/log.c daemon/guestdom.c,$(DAEMON_SRCS)) \
			   build/fuzz/obj/daemon/parse.c tests/fuzz/stub_log.c \
			   tests/fuzz/stub_xen.c
FUZZ_LIBS_fuzz_control	 = $(PCI_LIBS)
FUZZ_OBJS	 = $(patsubst %.c,build/fuzz/obj/%.o,$(patsubst \
		   build/fuzz/obj/%,%,$(FUZZ_BASE) $(FUZZ_DAEMON_$(1))))
FUZZ_SECONDS_LONG := $(if $(filter file,$(origin FUZZ_SECONDS)),600,$(FUZZ_SECONDS))
FUZZ_JOBS	?= 1

build/fuzz/obj/daemon/parse.c: daemon/parse.y
	@mkdir -p $(@D)
	$(YACC) -o $@ $<

build/fuzz/obj/daemon/parse.o: build/fuzz/obj/daemon/parse.c \
    $(wildcard lib/*.h daemon/*.h)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/obj/%.o: %.c $(wildcard lib/*.h daemon/*.h shim-driver/*.h \
    tests/support/*.h tests/fuzz/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

.SECONDEXPANSION:
build/fuzz/%: tests/fuzz/%.c $$(call FUZZ_OBJS,$$*) \
    $(wildcard shim-driver/pcishim_check.c tests/fuzz/*.h)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
	    $(call FUZZ_OBJS,$*) $(FUZZ_LIBS_$*)

# The same targets without libFuzzer, built like everything else: each
# runs once over its seeds (tests/fuzz/replay.c), so that the regress-*
# seeds are tests of every variant.
REPLAY_BINS	:= $(FUZZ_SRCS:tests/fuzz/%.c=$(B)/fuzz/%)
REPLAY_OBJS	 = $(patsubst %.c,$(B)/%.o,$(patsubst build/fuzz/obj/%,%,\
		   $(FUZZ_DAEMON_$(1))))

$(B)/tests/fuzz/%.o: tests/fuzz/%.c $(wildcard lib/*.h daemon/*.h \
    tests/fuzz/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Idaemon $(XEN_CFLAGS) -c -o $@ $<

$(B)/fuzz/%: tests/fuzz/%.c tests/fuzz/replay.c $$(call REPLAY_OBJS,$$*) \
    $(SUPPORT_OBJS) $(LIB) $(wildcard tests/fuzz/*.h shim-driver/*.h \
    shim-driver/pcishim_check.c)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/support -Idaemon -Ishim-driver \
	    $(PCI_CFLAGS) $(XEN_CFLAGS) -pthread -o $@ $< tests/fuzz/replay.c \
	    $(call REPLAY_OBJS,$*) $(SUPPORT_OBJS) $(LIB) $(ALL_LDFLAGS) \
	    $(FUZZ_LIBS_$*)

fuzz-replay: $(REPLAY_BINS)
	@sh tests/fuzz/replay.sh $(REPLAY_BINS)

fuzz: $(FUZZ_BINS)
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) 1 $(FUZZ_BINS)

# A campaign: every target for FUZZ_SECONDS (600 unless given) with
# FUZZ_JOBS processes each; executions per target and the total.
fuzz-long: $(FUZZ_BINS)
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS_LONG) $(FUZZ_JOBS) $(FUZZ_BINS)

# Coverage (gcovr), each tree on its own: lib/, daemon/, pcibackctl/, from
# the unit tests, the config tests and the simulated Xen (integration,
# with the shim double for the shim provider), everything of the variant
# built with --coverage at -O0.  The simulators and the shim double get
# no --coverage (build.sh drops EXTRA_CFLAGS for them), so shimsim-ctl's
# copy of daemon/emul.c and lib/ does not count.  The daemon writes its
# counts four times a second (pcibackd.c), so one the tests kill with
# SIGKILL counts too, but for its last quarter second; a worker killed
# so does not.
# Lines only the real Xen and kernel reach: none in daemon/ (the
# simulated Xen and the shim double run every flow; their fault switches
# make fork, socketpair, the Xen device opens, xenstore writes, watches
# and commits, transaction starts, seccomp and the shim's INFO, LIST,
# RESTRICT and ASSIGN fail).  What stays unreached is error handling no
# test provokes yet: calloc, pipe2, pthread_create and event_new
# failing; a LIST of more than 256 functions, the EAGAIN retry of a
# give-back (shim.c, provshim.c); the workers' chroot and user checks
# other than the test machine's case (worker.c); the control process's
# own system calls failing (accept, getsockopt, libevent: ctlproc.c,
# under its seccomp filter and chroot where the preload's switches
# cannot reach); the parent's side of a control process that breaks the
# protocol and replies past 1 MiB (control.c); a restart record
# directory at the file system's root (record.c); the fuzzer's
# in-process control socket (control_listen_inproc).  Nothing is
# excluded.
# PCIBACKD_COVERAGE: workers exit through exit(), so gcov writes their
# counts, and their system call filter lets it (doc/design.md).
COV_MAKE	= CC=gcc B=build/cov CFLAGS="-O0 -g" \
		  EXTRA_CFLAGS="--coverage -DPCIBACKD_COVERAGE" \
		  EXTRA_LDFLAGS="--coverage"
GCOVR		= gcovr -r . --exclude-unreachable-branches
# The floor daemon/ keeps: make coverage fails below it.  Issue 15 asks
# 90 % of lines and 80 % of branches.  Lines: 93.2 % (6299 of 6759).
# Branches: 80.9 % (3323 of 4107, CI of 2026-12-08; the integration
# tests' timing moves about 13 either way, 37 above the floor); the
# single-function re-read of share.c/provshim.c/hostpci.c brought 40
# branches (t-share-intx-off takes its all-ones fallback since); most
# of what is left is the error
# handling named above and the rarer outcomes of the control process
# (ctlproc.c 73 %), its parent's side (control.c 67 %) and worker.c.
COV_DAEMON_LINES	= 90
COV_DAEMON_BRANCHES	= 80
coverage:
	rm -rf build/cov
	$(MAKE) all unit config integration $(COV_MAKE)
	@echo "coverage: lib/"
	$(GCOVR) --filter 'lib/' --print-summary build/cov/lib
	@echo "coverage: pcibackctl/"
	$(GCOVR) --filter 'pcibackctl/' --print-summary build/cov/ctl
	@echo "coverage: compat/ (the workers' sandbox)"
	$(GCOVR) --filter 'compat/' --print-summary build/cov/compat
	@echo "coverage: daemon/, lines"
	$(GCOVR) --filter 'daemon/' build/cov/daemon
	@echo "coverage: daemon/, branches; at least" \
	    "$(COV_DAEMON_LINES) % of lines and $(COV_DAEMON_BRANCHES) % of branches"
	$(GCOVR) --filter 'daemon/' --branches --print-summary \
	    --fail-under-line $(COV_DAEMON_LINES) \
	    --fail-under-branch $(COV_DAEMON_BRANCHES) build/cov/daemon

deps:
	@sh build-aux/deps.sh

# Debian packages pcibackd and pcishim-dkms (debian/) into build/deb, and
# their test: lintian, then what each package holds.  Not part of make
# check: it needs the packaging tools (deps.sh deb) and builds the tree
# once more (about 2 minutes); .ci/run runs it.
deb:
	@sh build-aux/deps.sh deb
	sh build-aux/deb.sh build/deb

deb-check: deb
	sh tests/deb/check.sh build/deb

# The unit and the rc.d script name the daemon where it is installed.
install: $(PCIBACKD) $(PCIBACKCTL)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(EXAMPLESDIR)
	install -m 755 $(PCIBACKD) $(DESTDIR)$(SBINDIR)/pcibackd
	install -m 755 $(PCIBACKCTL) $(DESTDIR)$(SBINDIR)/pcibackctl
	install -m 644 etc/pcibackd.conf $(DESTDIR)$(EXAMPLESDIR)/
	install -d $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 644 daemon/pcibackd.8 pcibackctl/pcibackctl.8 \
	    $(DESTDIR)$(MANDIR)/man8/
	install -m 644 daemon/pcibackd.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -d -m 755 $(DESTDIR)$(EMPTYDIR)
	install -d $(DESTDIR)$(SYSTEMDDIR)
	sed 's,/usr/local/sbin/,$(SBINDIR)/,g' etc/systemd/pcibackd.service \
	    >$(DESTDIR)$(SYSTEMDDIR)/pcibackd.service
	sed 's,/usr/local/sbin/,$(SBINDIR)/,g' etc/rc.d/pcibackd \
	    >$(DESTDIR)$(EXAMPLESDIR)/rc.d-pcibackd
	chmod 644 $(DESTDIR)$(SYSTEMDDIR)/pcibackd.service
	chmod 755 $(DESTDIR)$(EXAMPLESDIR)/rc.d-pcibackd

clean: shim-clean
	rm -rf build
