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
 * the fault switches, and state that outlives an open.
 *
 * usage: test-shimsim CTL      (CTL: the shimsim-ctl to run)
 */

#include <sys/ioctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pcishim_io.h"

#define E1000E	PCISHIM_BDF(0, 0, 3, 0)	/* held */
#define NVME	PCISHIM_BDF(0, 0, 5, 0)	/* held, MSI-X */
#define EDU	PCISHIM_BDF(0, 0, 2, 0)	/* present, not held */

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
	close(rofd);
	close(fd);
	printf("%d passed, %d failed\n", pass, fail);
	return fail != 0;
}
