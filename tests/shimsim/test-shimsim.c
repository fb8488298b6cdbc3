/*
 * Copyright (c) 2026 The pcibackd authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

/*
 * Self-test of the shim double, run under its preload by test-shimsim.sh:
 * the module's argument rules and answers, events and their overflow,
 * the fault switches, state that outlives an open, a file RESTRICTed
 * to one domain (what a per-guest worker may and may not do with it),
 * and AER callbacks played by shimsim-ctl aer, answered by AER_REPLY.
 *
 * usage: test-shimsim CTL      (CTL: the shimsim-ctl to run)
 */

#include <sys/ioctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pcishim_io.h"

#define E1000E	PCISHIM_BDF(0, 0, 3, 0)	/* held */
#define NVME	PCISHIM_BDF(0, 0, 5, 0)	/* held, MSI-X */
#define EDU	PCISHIM_BDF(0, 0, 2, 0)	/* present, not held */
#define BUS0	PCISHIM_BDF(0, 2, 0, 0)	/* behind 00:1d.0 with BUS1 */
#define BUS1	PCISHIM_BDF(0, 2, 0, 1)
#define NVME_BAR0	0xfebf4004U	/* 64-bit memory BAR, as dumped */
#define NVME_MSIX	0x40		/* MSI-X capability */
#define NVME_PMCSR	0x64
#define CMD_MEM		0x0002
#define SHIMSIM_EVQ_LEN	256		/* the module's PCISHIM_EVQ_LEN */

static int		 pass, fail;
static const char	*ctl;

static void
check(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "PASS" : "FAIL", what);
	if (ok)
		pass++;
	else
		fail++;
}

/* -errno of the ioctl, 0 on success. */
static int
ioc(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) == -1 ? -errno : 0;
}

static int
run(const char *args)
{
	char	cmd[512];
	int	st;

	snprintf(cmd, sizeof(cmd), "%s %s 2>/dev/null", ctl, args);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int
devop(int fd, unsigned long req, uint32_t bdf, uint32_t flags,
    uint32_t *result)
{
	struct pcishim_devop	op;
	int			error;

	memset(&op, 0, sizeof(op));
	op.pd_argsz = sizeof(op);
	op.pd_flags = flags;
	op.pd_bdf = bdf;
	error = ioc(fd, req, &op);
	if (result != NULL)
		*result = op.pd_result;
	return error;
}

static int
cfg(int fd, int write, uint32_t bdf, uint32_t off, uint32_t size,
    uint32_t *val)
{
	struct pcishim_cfg	pc;
	int			error;

	memset(&pc, 0, sizeof(pc));
	pc.pc_argsz = sizeof(pc);
	pc.pc_bdf = bdf;
	pc.pc_offset = off;
	pc.pc_size = size;
	pc.pc_value = write ? *val : 0;
	error = ioc(fd, write ? PCISHIM_IOC_CFG_WRITE : PCISHIM_IOC_CFG_READ,
	    &pc);
	if (!write)
		*val = pc.pc_value;
	return error;
}

static int
assign(int fd, uint32_t bdf, uint32_t domid)
{
	struct pcishim_assign	pa;

	memset(&pa, 0, sizeof(pa));
	pa.pa_argsz = sizeof(pa);
	pa.pa_bdf = bdf;
	pa.pa_domid = domid;
	return ioc(fd, PCISHIM_IOC_ASSIGN, &pa);
}

static int
info(int fd, uint32_t bdf, struct pcishim_info *pi)
{
	memset(pi, 0, sizeof(*pi));
	pi->pi_argsz = sizeof(*pi);
	pi->pi_bdf = bdf;
	return ioc(fd, PCISHIM_IOC_INFO, pi);
}

/* Every record now queued; the type of the last in *last. */
static int
drain(int fd, uint32_t *last, uint32_t *bdf)
{
	struct pcishim_event	evs[8];
	ssize_t			n;
	int			total = 0;

	usleep(50 * 1000);
	while ((n = read(fd, evs, sizeof(evs))) > 0) {
		total += (int)(n / (ssize_t)sizeof(evs[0]));
		*last = evs[n / sizeof(evs[0]) - 1].pe_type;
		if (bdf != NULL)
			*bdf = evs[n / sizeof(evs[0]) - 1].pe_bdf;
	}
	return total;
}

static int
restrict_to(int fd, uint32_t domid, uint32_t flags)
{
	struct pcishim_restrict	pr;

	memset(&pr, 0, sizeof(pr));
	pr.pr_argsz = sizeof(pr);
	pr.pr_flags = flags;
	pr.pr_domid = domid;
	return ioc(fd, PCISHIM_IOC_RESTRICT, &pr);
}

static int
list_one(int fd, uint32_t *bdf)
{
	struct pcishim_list	l;
	uint32_t		bdfs[8];

	memset(&l, 0, sizeof(l));
	l.pl_argsz = sizeof(l);
	l.pl_count = 8;
	l.pl_bdfs = (uint64_t)(uintptr_t)bdfs;
	if (ioc(fd, PCISHIM_IOC_LIST, &l) != 0)
		return -1;
	*bdf = l.pl_count > 0 ? bdfs[0] : 0;
	return (int)l.pl_count;
}

static int
wr(int fd, uint32_t bdf, uint32_t off, uint32_t size, uint32_t val)
{
	return cfg(fd, 1, bdf, off, size, &val);
}

static uint32_t
rd(int fd, uint32_t bdf, uint32_t off, uint32_t size)
{
	uint32_t	val = 0xdeadbeef;

	(void)cfg(fd, 0, bdf, off, size, &val);
	return val;
}

static uint32_t
denied(int fd, uint32_t bdf)
{
	struct pcishim_info	pi;

	return info(fd, bdf, &pi) == 0 ? pi.pi_denied : 0xffffffffU;
}

static void
test_abi(int fd, int rofd)
{
	struct pcishim_version	v;
	struct pcishim_list	l;
	struct pcishim_info	pi;
	uint32_t		bdfs[8], val;
	char			small[8];

	memset(&v, 0, sizeof(v));
	check(ioc(fd, PCISHIM_IOC_VERSION, &v) == 0 &&
	    v.pv_abi == PCISHIM_ABI_VERSION && v.pv_evsize == 32, "version");
	memset(&l, 0, sizeof(l));
	l.pl_argsz = sizeof(l);
	l.pl_count = 8;
	l.pl_bdfs = (uint64_t)(uintptr_t)bdfs;
	check(ioc(fd, PCISHIM_IOC_LIST, &l) == 0 && l.pl_count == 2 &&
	    bdfs[0] == E1000E && bdfs[1] == NVME, "list in bind order");
	l.pl_count = 1;
	bdfs[1] = 0;
	check(ioc(fd, PCISHIM_IOC_LIST, &l) == 0 && l.pl_count == 2 &&
	    bdfs[1] == 0, "list: only the room given is filled");
	l.pl_argsz = 8;
	check(ioc(fd, PCISHIM_IOC_LIST, &l) == -EINVAL, "argsz too small");
	l.pl_argsz = sizeof(l);
	l.pl_flags = 1;
	check(ioc(fd, PCISHIM_IOC_LIST, &l) == -EINVAL, "unknown flags");
	l.pl_flags = 0;
	check(run("fault list-fail") == 0 &&
	    ioc(fd, PCISHIM_IOC_LIST, &l) == -EIO &&
	    run("fault list-fail off") == 0 &&
	    ioc(fd, PCISHIM_IOC_LIST, &l) == 0, "switch list-fail: EIO");
	check(ioc(fd, _IO(PCISHIM_IOC_MAGIC, 99), &l) == -ENOTTY,
	    "unknown ioctl");
	check(info(fd, NVME, &pi) == 0 && pi.pi_vendor == 0x1b36 &&
	    pi.pi_cfgsize == 4096 && pi.pi_msixcap != 0 &&
	    pi.pi_msixsize > 0 && pi.pi_domid == PCISHIM_DOMID_NONE &&
	    pi.pi_bar[0].pb_size != 0 && pi.pi_reset == PCISHIM_RESET_FLR,
	    "info of the nvme");
	check(info(fd, EDU, &pi) == -ENODEV, "info: not held is ENODEV");
	check(cfg(fd, 0, E1000E, 0, 4, &val) == 0 && val == 0x10d38086,
	    "config read");
	check(cfg(fd, 0, E1000E, 1, 2, &val) == -EINVAL, "misaligned read");
	check(cfg(fd, 0, E1000E, 0, 3, &val) == -EINVAL, "size 3");
	check(cfg(fd, 0, E1000E, 4096, 4, &val) == -ERANGE,
	    "past config space");
	val = 0x12345678;
	check(cfg(rofd, 1, E1000E, 0x40, 4, &val) == -EBADF,
	    "write on a read-only fd");
	check(cfg(fd, 1, E1000E, 0x40, 4, &val) == 0 &&
	    cfg(fd, 0, E1000E, 0x40, 4, &val) == 0 && val == 0x12345678,
	    "config write reads back");
	check(read(fd, small, sizeof(small)) == -1 && errno == EINVAL,
	    "read smaller than a record");
}

static void
test_owner(int fd)
{
	struct pcishim_msix		pm;
	struct pcishim_msix_entry	me[3];
	struct pcishim_info		pi;
	uint32_t			pirq;

	check(assign(fd, NVME, 0) == -EINVAL, "assign to dom0 refused");
	check(assign(fd, NVME, 0x7ff0) == -EINVAL, "reserved domid refused");
	check(devop(fd, PCISHIM_IOC_MSI_ENABLE, NVME, 0, &pirq) == -EPERM,
	    "MSI before ASSIGN: EPERM");
	check(assign(fd, NVME, 5) == 0, "assign to dom5");
	check(assign(fd, NVME, 6) == -EBUSY, "assign twice: EBUSY");
	check(devop(fd, PCISHIM_IOC_ENABLE, NVME, 4, NULL) == -EINVAL,
	    "enable: unknown flag");
	check(devop(fd, PCISHIM_IOC_ENABLE, NVME, PCISHIM_EN_DEVICE, NULL) ==
	    0 && info(fd, NVME, &pi) == 0 &&
	    (pi.pi_state & PCISHIM_ST_ENABLED), "enable");
	memset(&pm, 0, sizeof(pm));
	pm.pm_argsz = sizeof(pm);
	pm.pm_bdf = NVME;
	pm.pm_nvec = 0;
	pm.pm_entries = (uint64_t)(uintptr_t)me;
	check(ioc(fd, PCISHIM_IOC_MSIX_ENABLE, &pm) == -EINVAL,
	    "MSI-X of 0 vectors");
	me[0].me_entry = 0;
	me[1].me_entry = 0;
	pm.pm_nvec = 2;
	check(ioc(fd, PCISHIM_IOC_MSIX_ENABLE, &pm) == -EINVAL,
	    "MSI-X: repeated index");
	me[1].me_entry = 0x10000;
	check(ioc(fd, PCISHIM_IOC_MSIX_ENABLE, &pm) == -EINVAL,
	    "MSI-X: index past 16 bits");
	me[1].me_entry = 1;
	check(ioc(fd, PCISHIM_IOC_MSIX_ENABLE, &pm) == 0 &&
	    me[0].me_pirq != 0 && me[1].me_pirq != me[0].me_pirq,
	    "MSI-X of two vectors");
	check(devop(fd, PCISHIM_IOC_MSI_ENABLE, NVME, 0, &pirq) == -EBUSY,
	    "MSI while MSI-X is on: EBUSY");
	check(info(fd, NVME, &pi) == 0 && (pi.pi_state & PCISHIM_ST_MSIX) &&
	    pi.pi_domid == 5, "info: assigned, MSI-X on");
}

static int	hang_fd;
static int	hang_result = 1;

static void *
hang_thread(void *arg)
{
	uint32_t	method;

	(void)arg;
	hang_result = devop(hang_fd, PCISHIM_IOC_RELEASE, NVME, 0, &method);
	return NULL;
}

static void
test_reset(int fd)
{
	struct pcishim_info	pi;
	pthread_t		t;
	uint32_t		method = 99, val;
	FILE			*f;
	int			started;

	check(devop(fd, PCISHIM_IOC_RESET, NVME, 0, &method) == -EBUSY,
	    "reset of an assigned device: EBUSY");
	check(devop(fd, PCISHIM_IOC_RELEASE, NVME, 0, &method) == 0 &&
	    method == PCISHIM_RESET_FLR, "release: reset by FLR");
	check(info(fd, NVME, &pi) == 0 && pi.pi_domid == PCISHIM_DOMID_NONE &&
	    !(pi.pi_state & (PCISHIM_ST_MSIX | PCISHIM_ST_ENABLED)),
	    "release: owner, MSI-X and enable gone");
	check(devop(fd, PCISHIM_IOC_RELEASE, E1000E, 0, &method) == 0 &&
	    cfg(fd, 0, E1000E, 0x40, 4, &val) == 0 && val != 0x12345678,
	    "release restores the config state of the seize");
	check(run("fault reset-fail") == 0 &&
	    devop(fd, PCISHIM_IOC_RESET, NVME, 0, &method) == -EIO &&
	    run("fault reset-fail off") == 0, "switch reset-fail: EIO");
	check(run("fault info-fail 0000:00:05.0") == 0 &&
	    info(fd, NVME, &pi) == -EIO && info(fd, E1000E, &pi) == 0 &&
	    run("fault info-fail off") == 0 && info(fd, NVME, &pi) == 0,
	    "switch info-fail BDF: EIO for that device only");
	hang_fd = fd;
	started = run("fault reset-hang 0000:00:05.0") == 0 &&
	    pthread_create(&t, NULL, hang_thread, NULL) == 0;
	check(started, "switch reset-hang");
	if (!started)
		return;
	usleep(200 * 1000);
	check(info(fd, NVME, &pi) == -EAGAIN && hang_result == 1,
	    "a hung reset keeps the device busy: EAGAIN");
	check(info(fd, E1000E, &pi) == 0, "... and no other device");
	run("fault reset-hang off");
	pthread_join(t, NULL);
	check(hang_result == 0 && info(fd, NVME, &pi) == 0,
	    "it ends when the switch is off");
	check((f = fopen("/sys/bus/pci/devices/0000:00:05.0/reset_method",
	    "w")) != NULL && fputs("bus", f) != EOF && fclose(f) == EOF &&
	    errno == EINVAL, "reset_method: an unsupported method is EINVAL");
	check((f = fopen("/sys/bus/pci/devices/0000:00:05.0/reset_method",
	    "w")) != NULL && fputs("\n", f) != EOF && fclose(f) == 0 &&
	    devop(fd, PCISHIM_IOC_RESET, NVME, 0, &method) == 0 &&
	    method == PCISHIM_RESET_NONE, "reset_method empty: no reset");
	check((f = fopen("/sys/bus/pci/devices/0000:00:05.0/reset_method",
	    "w")) != NULL && fputs("default\n", f) != EOF && fclose(f) == 0 &&
	    info(fd, NVME, &pi) == 0 && pi.pi_reset == PCISHIM_RESET_FLR,
	    "reset_method default");
}

static void
test_events(int fd)
{
	struct pcishim_event	ev;
	uint32_t		last = 0, bdf = 0;
	int			n;

	check(read(fd, &ev, sizeof(ev)) == -1 && errno == EAGAIN,
	    "no event: EAGAIN");
	check(run("bind 0000:00:02.0") != 0, "bind outside the slots refused");
	check(run("assignable-add 0000:00:02.0") == 0 &&
	    drain(fd, &last, &bdf) == 2 && last == PCISHIM_EV_BOUND &&
	    bdf == EDU, "new_slot and bind: two events");
	check(run("permissive 0000:00:02.0") == 0 &&
	    drain(fd, &last, NULL) == 1 && last == PCISHIM_EV_PERMISSIVE,
	    "permissive event");
	check(run("allow_interrupt_control 0000:00:02.0") == 0 &&
	    drain(fd, &last, NULL) == 1 && last == PCISHIM_EV_INTCTL,
	    "allow_interrupt_control event");
	check(run("permissive 0000:00:07.0") != 0, "permissive: not held");
	check(run("fault overflow") == 0 && run("unbind 0000:00:02.0") == 0 &&
	    run("bind 0000:00:02.0") == 0 &&
	    (n = drain(fd, &last, NULL)) == 1 && last == PCISHIM_EV_OVERFLOW &&
	    run("fault overflow off") == 0, "switch overflow");
	check(run("gone 0000:00:02.0") == 0 && drain(fd, &last, NULL) == 1 &&
	    last == PCISHIM_EV_UNBOUND, "a device that disappears: UNBOUND");
	check(run("bind 0000:00:02.0") != 0, "... and cannot come back");
}

/* Everything but the floor, with nvme dom7's and e1000e dom8's. */
static void
test_restrict_calls(int fd, int w)
{
	struct pcishim_msix		pm;
	struct pcishim_msix_entry	me[1];
	struct pcishim_info		pi;
	struct pcishim_version		v;
	struct pcishim_event		ev;
	struct pollfd			pfd;
	uint32_t			bdf, pirq, val = 0;

	check(restrict_to(w, 0, 0) == -EINVAL &&
	    restrict_to(w, 0x7ff0, 0) == -EINVAL &&
	    restrict_to(w, 7, 1) == -EINVAL, "restrict: dom0, a reserved id, "
	    "unknown flags: EINVAL");
	check(run("fault restrict-fail") == 0 && restrict_to(w, 7, 0) == -EIO &&
	    run("fault restrict-fail off") == 0, "switch restrict-fail: EIO");
	check(restrict_to(w, 7, 0) == 0, "restrict to dom7");
	check(restrict_to(w, 7, 0) == -EPERM && restrict_to(w, 8, 0) == -EPERM,
	    "one way: a second RESTRICT is EPERM, same domain or not");
	memset(&v, 0, sizeof(v));
	check(ioc(w, PCISHIM_IOC_VERSION, &v) == 0 &&
	    v.pv_abi == PCISHIM_ABI_VERSION, "restricted: VERSION");
	check(list_one(w, &bdf) == 1 && bdf == NVME,
	    "restricted: LIST shows only dom7's device");
	check(info(w, NVME, &pi) == 0 && pi.pi_domid == 7,
	    "restricted: INFO of its own device");
	check(info(w, E1000E, &pi) == -EPERM, "restricted: INFO of another "
	    "domain's device is EPERM");
	check(info(w, EDU, &pi) == -EPERM && info(w, 0xffffff, &pi) == -EPERM,
	    "restricted: a device not held is EPERM, not ENODEV");
	check(rd(w, NVME, 0, 4) == 0x00101b36, "restricted: config read");
	check(cfg(w, 0, E1000E, 0, 4, &val) == -EPERM &&
	    wr(w, E1000E, 0x40, 4, 0) == -EPERM,
	    "restricted: another domain's config space is EPERM");
	check(devop(w, PCISHIM_IOC_RESET, NVME, 0, NULL) == -EPERM &&
	    devop(w, PCISHIM_IOC_RELEASE, NVME, 0, NULL) == -EPERM &&
	    devop(w, PCISHIM_IOC_ENABLE, NVME, PCISHIM_EN_DEVICE, NULL) ==
	    -EPERM && devop(w, PCISHIM_IOC_DISABLE, NVME, PCISHIM_EN_MASTER,
	    NULL) == -EPERM && assign(w, EDU, 7) == -EPERM,
	    "restricted: RESET, RELEASE, ENABLE, DISABLE, ASSIGN are EPERM");
	check(info(fd, NVME, &pi) == 0 && pi.pi_domid == 7,
	    "... and the device is still dom7's");
	check(ioc(w, _IO(PCISHIM_IOC_MAGIC, 99), &v) == -ENOTTY,
	    "restricted: unknown ioctl still ENOTTY");
	check(run("permissive 0000:00:05.0") == 0 &&
	    read(w, &ev, sizeof(ev)) == -1 && errno == EPERM,
	    "restricted: read() is EPERM");
	pfd.fd = w;
	pfd.events = POLLIN;
	check(poll(&pfd, 1, 100) == 0, "restricted: poll() never ready");
	memset(&pm, 0, sizeof(pm));
	pm.pm_argsz = sizeof(pm);
	pm.pm_bdf = NVME;
	pm.pm_nvec = 1;
	pm.pm_entries = (uint64_t)(uintptr_t)me;
	me[0].me_entry = 0;
	check(ioc(w, PCISHIM_IOC_MSIX_ENABLE, &pm) == 0 && me[0].me_pirq != 0 &&
	    devop(w, PCISHIM_IOC_MSIX_DISABLE, NVME, 0, NULL) == 0,
	    "restricted: MSI-X enable and disable of its own device");
	pm.pm_bdf = E1000E;
	check(ioc(w, PCISHIM_IOC_MSIX_ENABLE, &pm) == -EPERM &&
	    devop(w, PCISHIM_IOC_MSI_ENABLE, E1000E, 0, &pirq) == -EPERM &&
	    devop(w, PCISHIM_IOC_MSI_DISABLE, E1000E, 0, NULL) == -EPERM,
	    "restricted: another domain's interrupts are EPERM");
}

/* The floor, on dom7's nvme (64-bit BAR0, MSI-X at 0x40, PM at 0x60). */
static void
test_restrict_floor(int fd, int w)
{
	struct pcishim_info	pi;
	uint32_t		cmd, mctl;

	check(wr(w, NVME, 0x10, 4, 0x12345004) == -EPERM &&
	    rd(fd, NVME, 0x10, 4) == NVME_BAR0 && denied(fd, NVME) == 1,
	    "floor: moving a BAR is EPERM, nothing written, counted");
	check(wr(w, NVME, 0x10, 4, 0xffffffff) == 0 &&
	    wr(w, NVME, 0x14, 4, 0xffffffff) == 0 &&
	    wr(w, NVME, 0x10, 4, NVME_BAR0) == 0 &&
	    wr(w, NVME, 0x14, 4, 0) == 0, "floor: BAR sizing and restoring");
	check(wr(w, NVME, 0x14, 4, 1) == -EPERM &&
	    wr(w, NVME, 0x10, 2, 0xffff) == -EPERM &&
	    wr(w, NVME, 0x18, 4, 0xfe000000) == -EPERM,
	    "floor: a 64-bit BAR's upper half, a partial write, an absent "
	    "BAR: EPERM");
	cmd = rd(fd, NVME, 0x04, 2);
	check(wr(w, NVME, 0x04, 2, cmd | CMD_MEM) == 0 &&
	    info(fd, NVME, &pi) == 0 && (pi.pi_state & PCISHIM_ST_ENABLED),
	    "floor: turning decoding on enables the device in dom0");
	cmd = rd(fd, NVME, 0x04, 2);
	check(wr(w, NVME, 0x04, 2, cmd & ~CMD_MEM) == -EPERM &&
	    wr(w, NVME, 0x04, 1, 0) == -EPERM &&
	    (rd(fd, NVME, 0x04, 2) & CMD_MEM),
	    "floor: turning memory decoding off is EPERM");
	check(wr(w, NVME, 0x04, 2, cmd | 0x0400) == 0,
	    "floor: other command bits pass");
	mctl = rd(fd, NVME, NVME_MSIX + 2, 2);
	check(wr(w, NVME, NVME_MSIX + 4, 4, 0) == -EPERM &&
	    wr(w, NVME, NVME_MSIX + 8, 4, 0) == -EPERM &&
	    wr(w, NVME, NVME_MSIX, 4, mctl << 16 | 0x8011) == -EPERM,
	    "floor: MSI-X table and PBA offsets are never written");
	check(wr(w, NVME, NVME_MSIX + 2, 2, mctl | 0x8000) == -EPERM &&
	    wr(w, NVME, NVME_MSIX + 2, 2, mctl) == 0,
	    "floor: MSI-X enable bit only through the ioctl");
	check(run("allow_interrupt_control 0000:00:05.0") == 0 &&
	    wr(w, NVME, NVME_MSIX + 2, 2, mctl | 0x4000) == 0 &&
	    wr(w, NVME, NVME_MSIX + 2, 2, mctl | 0x0001) == -EPERM,
	    "floor: with allow_interrupt_control, the mask bit but not the "
	    "table size");
	check(wr(w, NVME, NVME_PMCSR, 2, 0) == 0 &&
	    wr(w, NVME, 0x0c, 1, 0x10) == 0, "floor: PMCSR, cache line pass");
	check(denied(fd, NVME) == 11 && denied(w, NVME) == 11,
	    "floor: INFO counts every refusal");
}

/* Ownership is looked up at each call; an inherited file stays confined. */
static void
test_restrict_owner(int fd, int w)
{
	struct pcishim_info	pi;
	uint32_t		bdf, method;
	pid_t			pid;
	int			st, ro;

	check(devop(fd, PCISHIM_IOC_RELEASE, NVME, 0, &method) == 0 &&
	    info(w, NVME, &pi) == -EPERM && list_one(w, &bdf) == 0,
	    "restricted: a device released is out of reach at once");
	check(devop(fd, PCISHIM_IOC_RELEASE, E1000E, 0, &method) == 0 &&
	    assign(fd, E1000E, 7) == 0 && list_one(w, &bdf) == 1 &&
	    bdf == E1000E && rd(w, E1000E, 0, 4) == 0x10d38086,
	    "restricted: a device assigned later is in reach, same file");
	pid = fork();
	if (pid == 0)
		_exit(restrict_to(w, 8, 0) == -EPERM &&
		    devop(w, PCISHIM_IOC_RESET, E1000E, 0, NULL) == -EPERM &&
		    rd(w, E1000E, 0, 4) == 0x10d38086 ? 0 : 1);
	check(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "restricted: a forked child's copy stays "
	    "restricted to dom7");
	ro = open("/dev/" PCISHIM_DEVNAME, O_RDONLY | O_NONBLOCK);
	check(ro != -1 && restrict_to(ro, 7, 0) == 0 &&
	    rd(ro, E1000E, 0, 4) == 0x10d38086 &&
	    wr(ro, E1000E, 0x04, 2, 0) == -EBADF,
	    "restricted read-only file: reads, no writes");
	if (ro != -1)
		close(ro);
	check(devop(fd, PCISHIM_IOC_RELEASE, E1000E, 0, &method) == 0,
	    "the unrestricted file still releases");
}

static void
test_restrict(int fd)
{
	int	w;

	check(assign(fd, NVME, 7) == 0 && assign(fd, E1000E, 8) == 0,
	    "nvme to dom7, e1000e to dom8");
	w = open("/dev/" PCISHIM_DEVNAME, O_RDWR | O_NONBLOCK);
	check(w != -1, "open the worker's file");
	if (w == -1)
		return;
	test_restrict_calls(fd, w);
	test_restrict_floor(fd, w);
	test_restrict_owner(fd, w);
	close(w);
}

/* RESET_BUS: only when every function behind the bridge may be reset. */
static void
test_reset_bus(int fd, int rofd)
{
	uint32_t	method = 0;

	check(devop(fd, PCISHIM_IOC_RESET_BUS, NVME, 0, &method) == -ENOTTY,
	    "reset_bus: ENOTTY on a root bus");
	check(devop(fd, PCISHIM_IOC_RESET_BUS, BUS0, 0, &method) == -ENODEV,
	    "reset_bus: ENODEV for a function not held");
	check(run("assignable-add 0000:02:00.0") == 0 &&
	    devop(fd, PCISHIM_IOC_RESET_BUS, BUS0, 0, &method) == -EBUSY,
	    "reset_bus: EBUSY while the other function is not held");
	check(run("assignable-add 0000:02:00.1") == 0 &&
	    devop(rofd, PCISHIM_IOC_RESET_BUS, BUS0, 0, &method) == -EBADF,
	    "reset_bus: EBADF on a read-only file");
	check(devop(fd, PCISHIM_IOC_RESET_BUS, BUS0, 1, &method) == -EINVAL,
	    "reset_bus: unknown flags are EINVAL");
	check(assign(fd, BUS1, 9) == 0 &&
	    devop(fd, PCISHIM_IOC_RESET_BUS, BUS0, 0, &method) == -EBUSY,
	    "reset_bus: EBUSY while the other function is a guest's");
	check(devop(fd, PCISHIM_IOC_RELEASE, BUS1, 0, &method) == 0 &&
	    method == PCISHIM_RESET_NONE,
	    "reset_bus: the function's own release resets nothing");
	method = 0;
	check(devop(fd, PCISHIM_IOC_RESET_BUS, BUS1, 0, &method) == 0 &&
	    method == PCISHIM_RESET_BUS,
	    "reset_bus: both held and free: reset by the bus");
	check(run("fault reset-fail 0000:02:00.0") == 0 &&
	    devop(fd, PCISHIM_IOC_RESET_BUS, BUS1, 0, &method) == -EIO &&
	    run("fault reset-fail off") == 0,
	    "reset_bus: reset-fail of the other function fails it");
}

/* ---- AER ------------------------------------------------------------- */

static long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* shimsim-ctl aer ARGS in the background, as the kernel's callback. */
static FILE *
aer_start(const char *args)
{
	char	cmd[512];

	snprintf(cmd, sizeof(cmd), "%s aer %s 2>/dev/null", ctl, args);
	return popen(cmd, "r");
}

/* The callback's end: its one line of output and its exit status. */
static int
aer_end(FILE *p, char *line, size_t len)
{
	int	st;

	line[0] = '\0';
	if (p == NULL)
		return -1;
	if (fgets(line, (int)len, p) != NULL)
		line[strcspn(line, "\n")] = '\0';
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The next AER record on fd, waited for up to 5 s; others are skipped. */
static int
aer_event(int fd, struct pcishim_event *ev)
{
	int	i;

	for (i = 0; i < 250; i++) {
		while (read(fd, ev, sizeof(*ev)) == (ssize_t)sizeof(*ev))
			if (ev->pe_type == PCISHIM_EV_AER)
				return 0;
		usleep(20 * 1000);
	}
	return -1;
}

static int
aer_reply(int fd, uint32_t bdf, uint64_t seq, uint32_t result,
    uint32_t flags)
{
	struct pcishim_aer_reply	par;

	memset(&par, 0, sizeof(par));
	par.par_argsz = sizeof(par);
	par.par_flags = flags;
	par.par_bdf = bdf;
	par.par_result = result;
	par.par_seq = seq;
	return ioc(fd, PCISHIM_IOC_AER_REPLY, &par);
}

/* Every way AER_REPLY says no, while nvme's callback waits for seq. */
static void
test_aer_refusals(int fd, int rofd, uint64_t seq)
{
	struct pcishim_aer_reply	par;
	int				w;

	check(aer_reply(fd, NVME, seq, 0, 0) == -EINVAL &&
	    aer_reply(fd, NVME, seq, 7, 0) == -EINVAL &&
	    aer_reply(fd, NVME, seq, PCISHIM_AER_RESULT_RECOVERED, 1) ==
	    -EINVAL, "aer_reply: result 0 or 7, unknown flags: EINVAL");
	memset(&par, 0, sizeof(par));
	par.par_argsz = 16;
	par.par_bdf = NVME;
	par.par_result = PCISHIM_AER_RESULT_RECOVERED;
	check(ioc(fd, PCISHIM_IOC_AER_REPLY, &par) == -EINVAL,
	    "aer_reply: argsz too small: EINVAL");
	check(aer_reply(fd, NVME, seq + 1, 3, 0) == -ESRCH &&
	    aer_reply(fd, NVME, seq - 1, 3, 0) == -ESRCH &&
	    aer_reply(fd, E1000E, seq, 3, 0) == -ESRCH,
	    "aer_reply: another record or device: ESRCH");
	check(aer_reply(fd, EDU, seq, 3, 0) == -ENODEV,
	    "aer_reply: a device not held: ENODEV");
	check(aer_reply(rofd, NVME, seq, 3, 0) == -EBADF,
	    "aer_reply: a read-only file: EBADF");
	w = open("/dev/" PCISHIM_DEVNAME, O_RDWR | O_NONBLOCK);
	check(w != -1 && restrict_to(w, 9, 0) == 0 &&
	    aer_reply(w, NVME, seq, 3, 0) == -EPERM,
	    "aer_reply: a file restricted to the owner: EPERM");
	if (w != -1)
		close(w);
}

/* nvme is dom9's: the callback waits, and only the first answer counts. */
static void
test_aer_answer(int fd, int rofd)
{
	struct pcishim_event	ev;
	uint32_t		method;
	char			line[64];
	FILE			*p;

	p = aer_start("0000:00:05.0 detected perm-failure 30");
	check(aer_event(fd, &ev) == 0 && ev.pe_bdf == NVME &&
	    ev.pe_op == PCISHIM_AER_DETECTED &&
	    ev.pe_error == PCISHIM_AER_STATE_PERM_FAILURE &&
	    ev.pe_flags == PCISHIM_EVF_REPLY,
	    "aer: a guest's device: the record asks for an answer");
	check(devop(fd, PCISHIM_IOC_RESET, NVME, 0, &method) == -EAGAIN &&
	    devop(fd, PCISHIM_IOC_RELEASE, NVME, 0, &method) == -EAGAIN,
	    "aer: RESET and RELEASE are EAGAIN while the callback waits");
	check(rd(fd, NVME, 0, 4) == 0x00101b36,
	    "aer: config reads go on meanwhile");
	test_aer_refusals(fd, rofd, ev.pe_seq);
	check(aer_reply(fd, NVME, ev.pe_seq, PCISHIM_AER_RESULT_NEED_RESET,
	    0) == 0, "aer_reply: the answer is taken");
	check(aer_reply(fd, NVME, ev.pe_seq, PCISHIM_AER_RESULT_NEED_RESET,
	    0) == -ESRCH, "aer_reply: a second answer: ESRCH");
	check(aer_end(p, line, sizeof(line)) == 0 &&
	    strcmp(line, "result=3") == 0,
	    "aer: the callback returns the answer");
	check(devop(fd, PCISHIM_IOC_RESET, NVME, 0, &method) == -EBUSY,
	    "aer: once it returned, RESET is the guest's EBUSY again");
	p = aer_start("0000:00:05.0 resume 30");
	check(aer_event(fd, &ev) == 0 && ev.pe_op == PCISHIM_AER_RESUME &&
	    ev.pe_error == 0 && ev.pe_flags == PCISHIM_EVF_REPLY &&
	    aer_reply(fd, NVME, ev.pe_seq, PCISHIM_AER_RESULT_RECOVERED,
	    0) == 0 && aer_end(p, line, sizeof(line)) == 0 &&
	    strcmp(line, "result=5") == 0, "aer: resume waits for its answer too");
}

/* The ways a callback ends with the default. */
static void
test_aer_default(int fd)
{
	struct pcishim_event	ev;
	uint32_t		last = 0;
	char			line[64];
	FILE			*p;
	long			t0;

	p = aer_start("0000:00:05.0 mmio 1");
	t0 = now_ms();
	check(aer_event(fd, &ev) == 0 && ev.pe_op == PCISHIM_AER_MMIO &&
	    ev.pe_flags == PCISHIM_EVF_REPLY, "aer: mmio asks for an answer");
	check(aer_end(p, line, sizeof(line)) == 0 &&
	    strcmp(line, "result=default") == 0 && now_ms() - t0 >= 900,
	    "aer: no answer in TIMEOUT_SECS: the default");
	check(aer_reply(fd, NVME, ev.pe_seq, PCISHIM_AER_RESULT_RECOVERED,
	    0) == -ESRCH, "aer_reply: after the time is up: ESRCH");
	check(run("fault overflow") == 0, "switch overflow on");
	t0 = now_ms();
	p = aer_start("0000:00:05.0 slot-reset 30");
	check(aer_end(p, line, sizeof(line)) == 0 &&
	    strcmp(line, "result=default") == 0 && now_ms() - t0 < 5000,
	    "aer: a record no queue took asks for nothing: the default");
	check(drain(fd, &last, NULL) == 1 && last == PCISHIM_EV_OVERFLOW &&
	    run("fault overflow off") == 0, "... and the reader sees OVERFLOW");
	p = aer_start("0000:00:05.0 detected 30");
	check(aer_event(fd, &ev) == 0 && ev.pe_flags == PCISHIM_EVF_REPLY &&
	    ev.pe_error == PCISHIM_AER_STATE_NORMAL,
	    "aer: detected, normal by default");
	t0 = now_ms();
	check(run("unbind 0000:00:05.0") == 0 &&
	    aer_end(p, line, sizeof(line)) == 0 &&
	    strcmp(line, "result=default") == 0 && now_ms() - t0 < 5000,
	    "aer: the device unbound meanwhile: the default");
	check(run("bind 0000:00:05.0") == 0 && assign(fd, NVME, 9) == 0,
	    "nvme back, to dom9");
}

static void
test_aer(int fd, int rofd)
{
	struct pcishim_event	ev;
	uint32_t		method, last;
	char			line[64];
	FILE			*p;
	long			t0;

	(void)drain(fd, &last, NULL);
	t0 = now_ms();
	p = aer_start("0000:00:05.0 detected frozen 30");
	check(aer_event(fd, &ev) == 0 && ev.pe_bdf == NVME &&
	    ev.pe_op == PCISHIM_AER_DETECTED &&
	    ev.pe_error == PCISHIM_AER_STATE_FROZEN && ev.pe_flags == 0,
	    "aer: a device no guest has: told, not asked");
	check(aer_end(p, line, sizeof(line)) == 0 &&
	    strcmp(line, "result=default") == 0 && now_ms() - t0 < 5000,
	    "... and the default at once");
	check(run("aer 0000:00:05.0 bogus") == 2 &&
	    run("aer 0000:00:05.0 mmio frozen") == 2 &&
	    run("aer 0000:00:05.0 detected frozen x") == 2 &&
	    run("aer 0000:00:05.0 detected frozen 1 2") == 2 &&
	    run("aer 0000:00:05.0") == 2 && run("aer 5.0 mmio") == 2,
	    "shimsim-ctl aer: bad arguments exit 2");
	check(run("aer 0000:00:02.0 mmio 1") == 1,
	    "shimsim-ctl aer: a device not held fails");
	check(assign(fd, NVME, 9) == 0, "nvme to dom9");
	test_aer_answer(fd, rofd);
	test_aer_default(fd);
	check(assign(fd, BUS1, 9) == 0, "02:00.1 to dom9");
	p = aer_start("0000:02:00.1 detected frozen 30");
	check(aer_event(fd, &ev) == 0 && ev.pe_bdf == BUS1 &&
	    devop(fd, PCISHIM_IOC_RESET_BUS, BUS0, 0, &method) == -EBUSY,
	    "aer: RESET_BUS over a waiting guest's function: EBUSY at once");
	check(aer_reply(fd, BUS1, ev.pe_seq, PCISHIM_AER_RESULT_CAN_RECOVER,
	    0) == 0 && aer_end(p, line, sizeof(line)) == 0 &&
	    strcmp(line, "result=2") == 0 &&
	    devop(fd, PCISHIM_IOC_RELEASE, BUS1, 0, &method) == 0,
	    "aer: answered, then released");
}

/* n events, the cheapest kind: AER on a device no guest has. */
static int
many_events(int n)
{
	char	cmd[512];
	int	st;

	snprintf(cmd, sizeof(cmd), "i=0; while [ $i -lt %d ]; do "
	    "%s aer 0000:00:03.0 mmio >/dev/null || exit 1; i=$((i + 1)); "
	    "done", n, ctl);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * Last: the record asks for an answer only if a queue took it, and
 * closing every unrestricted file ends the wait at once.
 */
static void
test_aer_close(int fd, int rofd)
{
	struct pcishim_event	ev;
	struct pollfd		pfd;
	uint32_t		last = 0;
	char			line[64];
	FILE			*p;
	long			t0;

	check(many_events(SHIMSIM_EVQ_LEN) == 0, "fill both files' queues");
	t0 = now_ms();
	p = aer_start("0000:00:05.0 mmio 30");
	check(aer_end(p, line, sizeof(line)) == 0 &&
	    strcmp(line, "result=default") == 0 && now_ms() - t0 < 5000,
	    "aer: every queue full: the record asks for nothing");
	check(drain(fd, &last, NULL) == SHIMSIM_EVQ_LEN &&
	    last == PCISHIM_EV_OVERFLOW, "... and was dropped");
	p = aer_start("0000:00:05.0 slot-reset 30");
	check(aer_event(fd, &ev) == 0 && ev.pe_op == PCISHIM_AER_SLOT_RESET &&
	    ev.pe_flags == PCISHIM_EVF_REPLY,
	    "aer: one queue has room again (the other is full): it asks");
	close(rofd);
	usleep(300 * 1000);
	pfd.fd = p != NULL ? fileno(p) : -1;
	pfd.events = POLLIN;
	check(p != NULL && poll(&pfd, 1, 0) == 0,
	    "aer: one of two unrestricted files closed: still waiting");
	t0 = now_ms();
	close(fd);
	check(aer_end(p, line, sizeof(line)) == 0 &&
	    strcmp(line, "result=default") == 0 && now_ms() - t0 < 5000,
	    "aer: the last one closed: the default at once");
}

int
main(int argc, char **argv)
{
	struct pcishim_info	pi;
	int			fd, rofd;

	if (argc != 2) {
		fprintf(stderr, "usage: test-shimsim CTL\n");
		return 2;
	}
	ctl = argv[1];
	fd = open("/dev/" PCISHIM_DEVNAME, O_RDWR | O_NONBLOCK);
	rofd = open("/dev/" PCISHIM_DEVNAME, O_RDONLY | O_NONBLOCK);
	check(fd != -1 && rofd != -1, "open /dev/pcishim under the preload");
	if (fd == -1 || rofd == -1)
		return 1;
	test_abi(fd, rofd);
	test_owner(fd);
	close(fd);
	fd = open("/dev/" PCISHIM_DEVNAME, O_RDWR | O_NONBLOCK);
	check(info(fd, NVME, &pi) == 0 && pi.pi_domid == 5 &&
	    (pi.pi_state & PCISHIM_ST_MSIX), "state outlives the open");
	test_reset(fd);
	test_events(fd);
	test_reset_bus(fd, rofd);
	test_restrict(fd);
	test_aer(fd, rofd);
	test_aer_close(fd, rofd);
	printf("%d passed, %d failed\n", pass, fail);
	return fail != 0;
}
