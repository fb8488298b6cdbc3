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
 * e2etool: the two things the end-to-end guest (a static busybox
 * initramfs) cannot do from the shell, linked statically so it needs no
 * libc in the guest.
 *
 *   e2etool cfgread FILE BYTES COUNT REPS
 *	time COUNT preads of BYTES at offset 0 of FILE (a sysfs config
 *	file), REPS times; print the median and the minimum cost of one
 *	4-byte access in microseconds, then each repetition's.  The kernel
 *	splits each read into BYTES/4 dword accesses, each one a frontend
 *	round trip.  The minimum is the steadiest figure on a loaded host.
 *   e2etool mmio32 FILE OFFSET [VALUE]
 *	map FILE (a sysfs resourceN), optionally write the 32-bit VALUE at
 *	OFFSET, then print the 32-bit value read there as 0x%08x.
 *   e2etool hdaverb FILE VERB
 *	send one HDA verb (codec address, node, verb, payload) through the
 *	codec's hwdep device FILE (/dev/snd/hwCxDy) and print the codec's
 *	answer as 0x%08x: a register read the controller's command ring
 *	carries, answered by an interrupt.
 *   e2etool notifywait PATH SECONDS
 *	dom0: be the NOTIFY_SOCKET of a daemon started with it set to PATH,
 *	as systemd is for a Type=notify unit: bind a datagram socket at
 *	PATH (the caller waits for it to appear), exit 0 on the first
 *	datagram with a READY=1 line, 1 after SECONDS without one.  So
 *	"pcibackd is up" is what systemd would see, not a poll's step.
 *   e2etool shimrestrict DOMID BDF OTHER
 *	dom0: what a file RESTRICTed to DOMID may do to BDF (DOMID's) and
 *	to OTHER (not held), and what one restricted to another domain may
 *	do to BDF; prints one word per step (see e2etool_shimrestrict).
 *
 * Exit status: 0 done, 1 failed, 2 usage.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pcishim_io.h"

#define E2ETOOL_MAXREPS		16
#define E2ETOOL_MAXBYTES	4096

static _Noreturn void	e2etool_usage(void);
static int	e2etool_number(const char *, unsigned long *);
static double	e2etool_now_us(void);
static int	e2etool_cmp(const void *, const void *);
static int	e2etool_cfgread(int, char **);
static int	e2etool_mmio32(int, char **);
static int	e2etool_cfgwatch(int, char **);
static int	e2etool_shimbdf(const char *, uint32_t *);
static int	e2etool_shimcfg(int, char **);
static int	e2etool_shimreset(int, char **);
static int	e2etool_shimrestrict(int, char **);
static int	e2etool_syscost(int, char **);
static int	e2etool_shimmapwatch(int, char **);
static int	e2etool_hdaverb(int, char **);
static int	e2etool_notifywait(int, char **);
static const char *e2etool_map(int, uint32_t, int, const volatile uint32_t **);

static _Noreturn void
e2etool_usage(void)
{
	fprintf(stderr, "usage: e2etool cfgread FILE BYTES COUNT REPS\n"
	    "       e2etool mmio32 FILE OFFSET [VALUE]\n"
	    "       e2etool cfgwatch FILE SECONDS\n"
	    "       e2etool shimcfg BDF SECONDS\n"
	    "       e2etool shimreset BDF\n"
	    "       e2etool shimrestrict DOMID BDF OTHER\n"
	    "       e2etool syscost BDF\n"
	    "       e2etool shimmapwatch DOMID BDF SECONDS\n"
	    "       e2etool hdaverb FILE VERB\n"
	    "       e2etool notifywait PATH SECONDS\n");
	exit(2);
}

/* Decimal or 0x-prefixed; anything else is a usage error. */
static int
e2etool_number(const char *s, unsigned long *out)
{
	char	*end;

	errno = 0;
	*out = strtoul(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0')
		return (-1);
	return (0);
}

static double
e2etool_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1e6 + ts.tv_nsec / 1e3);
}

static int
e2etool_cmp(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return ((x > y) - (x < y));
}

static int
e2etool_cfgread(int argc, char **argv)
{
	unsigned long	 bytes, count, reps, i, r;
	double		 per[E2ETOOL_MAXREPS], sorted[E2ETOOL_MAXREPS], t0;
	char		 buf[E2ETOOL_MAXBYTES];
	ssize_t		 n;
	int		 fd, rc = 1;

	if (argc != 6 || e2etool_number(argv[3], &bytes) != 0 ||
	    e2etool_number(argv[4], &count) != 0 ||
	    e2etool_number(argv[5], &reps) != 0)
		e2etool_usage();
	if (bytes < 4 || bytes > sizeof(buf) || bytes % 4 != 0 ||
	    count == 0 || reps == 0 || reps > E2ETOOL_MAXREPS)
		e2etool_usage();
	if ((fd = open(argv[2], O_RDONLY)) == -1) {
		fprintf(stderr, "e2etool: %s: %s\n", argv[2], strerror(errno));
		return (1);
	}
	for (r = 0; r < reps; r++) {
		t0 = e2etool_now_us();
		for (i = 0; i < count; i++) {
			n = pread(fd, buf, bytes, 0);
			if (n != (ssize_t)bytes) {
				fprintf(stderr, "e2etool: %s: short read %zd\n",
				    argv[2], n);
				goto out;
			}
		}
		per[r] = (e2etool_now_us() - t0) / (count * (bytes / 4));
	}
	memcpy(sorted, per, reps * sizeof(per[0]));
	qsort(sorted, reps, sizeof(sorted[0]), e2etool_cmp);
	printf("%.1f %.1f", sorted[reps / 2], sorted[0]);
	for (r = 0; r < reps; r++)
		printf(" %.1f", per[r]);
	printf("\n");
	rc = 0;
out:
	close(fd);
	return (rc);
}

static int
e2etool_mmio32(int argc, char **argv)
{
	unsigned long		 off, val = 0;
	volatile uint32_t	*reg;
	void			*map;
	long			 pg = sysconf(_SC_PAGESIZE);
	int			 fd;

	if (argc < 4 || argc > 5 || e2etool_number(argv[3], &off) != 0 ||
	    (argc == 5 && e2etool_number(argv[4], &val) != 0) ||
	    off % 4 != 0 || off + 4 > (unsigned long)pg)
		e2etool_usage();
	if ((fd = open(argv[2], O_RDWR | O_SYNC)) == -1) {
		fprintf(stderr, "e2etool: %s: %s\n", argv[2], strerror(errno));
		return (1);
	}
	map = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		fprintf(stderr, "e2etool: mmap %s: %s\n", argv[2],
		    strerror(errno));
		return (1);
	}
	reg = (volatile uint32_t *)((char *)map + off);
	if (argc == 5)
		*reg = (uint32_t)val;
	printf("0x%08x\n", (unsigned int)*reg);
	munmap(map, pg);
	return (0);
}

/*
 * The HDA hwdep device's verb call (Linux's sound/hda_hwdep.h, not in
 * the exported headers): the verb goes in, the codec's answer comes back
 * in the same struct.
 */
struct e2etool_hdaverb {
	uint32_t	hv_verb;
	uint32_t	hv_res;
};
#define E2ETOOL_HDA_VERB_WRITE	_IOWR('H', 0x11, struct e2etool_hdaverb)

static int
e2etool_hdaverb(int argc, char **argv)
{
	struct e2etool_hdaverb	hv;
	unsigned long		verb;
	int			fd, rc;

	if (argc != 4 || e2etool_number(argv[3], &verb) != 0 ||
	    verb > UINT32_MAX)
		e2etool_usage();
	if ((fd = open(argv[2], O_RDWR)) == -1) {
		fprintf(stderr, "e2etool: %s: %s\n", argv[2], strerror(errno));
		return (1);
	}
	memset(&hv, 0, sizeof(hv));
	hv.hv_verb = (uint32_t)verb;
	rc = ioctl(fd, E2ETOOL_HDA_VERB_WRITE, &hv);
	close(fd);
	if (rc == -1) {
		fprintf(stderr, "e2etool: %s: verb 0x%08lx: %s\n", argv[2],
		    verb, strerror(errno));
		return (1);
	}
	printf("0x%08x\n", (unsigned int)hv.hv_res);
	return (0);
}

/*
 * Read the first 64 bytes of config space in a loop for SECONDS and
 * compare the registers that never change (IDs, class, BAR0) with the
 * first read.  A failed config read reaches a sysfs reader as all-ones,
 * so any backend hiccup shows as a mismatch.  Prints "reads N bad M
 * maxus X", X the slowest single 64-byte read.
 */
static int
e2etool_cfgwatch(int argc, char **argv)
{
	static const unsigned int	 stable[] = { 0x00, 0x08, 0x10 };
	unsigned long			 secs, reads = 0, bad = 0;
	uint32_t			 ref[16], cur[16];
	double				 end, t0, dt, worst = 0;
	size_t				 i;
	int				 fd;

	if (argc != 4 || e2etool_number(argv[3], &secs) != 0 || secs == 0)
		e2etool_usage();
	if ((fd = open(argv[2], O_RDONLY)) == -1) {
		fprintf(stderr, "e2etool: %s: %s\n", argv[2], strerror(errno));
		return (1);
	}
	if (pread(fd, ref, sizeof(ref), 0) != (ssize_t)sizeof(ref)) {
		fprintf(stderr, "e2etool: %s: short read\n", argv[2]);
		close(fd);
		return (1);
	}
	end = e2etool_now_us() + secs * 1e6;
	while ((t0 = e2etool_now_us()) < end) {
		memset(cur, 0xff, sizeof(cur));
		if (pread(fd, cur, sizeof(cur), 0) != (ssize_t)sizeof(cur))
			bad++;
		else
			for (i = 0; i < sizeof(stable) / sizeof(stable[0]); i++)
				if (cur[stable[i] / 4] != ref[stable[i] / 4]) {
					bad++;
					break;
				}
		reads++;
		if ((dt = e2etool_now_us() - t0) > worst)
			worst = dt;
	}
	close(fd);
	printf("reads %lu bad %lu maxus %.0f\n", reads, bad, worst);
	return (0);
}

/* "DDDD:BB:DD.F" packed as the shim's ABI wants it. */
static int
e2etool_shimbdf(const char *s, uint32_t *bdf)
{
	unsigned int	seg, bus, dev, fn;
	char		end;

	if (sscanf(s, "%x:%x:%x.%x%c", &seg, &bus, &dev, &fn, &end) != 4 ||
	    seg > 0xffff || bus > 0xff || dev > 0x1f || fn > 7)
		return (-1);
	*bdf = PCISHIM_BDF(seg, bus, dev, fn);
	return (0);
}

/*
 * dom0 side: keep a held device's config space busy through the shim, as
 * a second user of /dev/pcishim would, for SECONDS.  A read waits while
 * the kernel has the device's config access blocked (a reset); with one
 * lock for every device that wait would stall the daemon's accesses too.
 */
static int
e2etool_shimcfg(int argc, char **argv)
{
	struct pcishim_cfg	pc;
	unsigned long		secs, reads = 0, errs = 0;
	double			end, t0, dt, worst = 0;
	uint32_t		bdf;
	int			fd;

	if (argc != 4 || e2etool_shimbdf(argv[2], &bdf) != 0 ||
	    e2etool_number(argv[3], &secs) != 0 || secs == 0)
		e2etool_usage();
	if ((fd = open("/dev/" PCISHIM_DEVNAME, O_RDONLY)) == -1) {
		fprintf(stderr, "e2etool: /dev/%s: %s\n", PCISHIM_DEVNAME,
		    strerror(errno));
		return (1);
	}
	end = e2etool_now_us() + secs * 1e6;
	while ((t0 = e2etool_now_us()) < end) {
		memset(&pc, 0, sizeof(pc));
		pc.pc_argsz = sizeof(pc);
		pc.pc_bdf = bdf;
		pc.pc_size = 4;
		if (ioctl(fd, PCISHIM_IOC_CFG_READ, &pc) == -1)
			errs++;
		reads++;
		if ((dt = e2etool_now_us() - t0) > worst)
			worst = dt;
		/* Waiting in the kernel is the point, not burning a vCPU. */
		usleep(1000);
	}
	close(fd);
	printf("reads %lu errors %lu maxus %.0f\n", reads, errs, worst);
	return (0);
}

/* One RESET ioctl; prints "ok METHOD" or the errno's symbolic name. */
static int
e2etool_shimreset(int argc, char **argv)
{
	static const struct {
		int		 e;
		const char	*name;
	} names[] = {
		{ EBUSY, "EBUSY" }, { EAGAIN, "EAGAIN" }, { ENODEV, "ENODEV" },
		{ EBADF, "EBADF" }, { EIO, "EIO" }, { EINVAL, "EINVAL" },
	};
	struct pcishim_devop	op;
	uint32_t		bdf;
	size_t			i;
	int			fd, e;

	if (argc != 3 || e2etool_shimbdf(argv[2], &bdf) != 0)
		e2etool_usage();
	if ((fd = open("/dev/" PCISHIM_DEVNAME, O_RDWR)) == -1) {
		fprintf(stderr, "e2etool: /dev/%s: %s\n", PCISHIM_DEVNAME,
		    strerror(errno));
		return (1);
	}
	memset(&op, 0, sizeof(op));
	op.pd_argsz = sizeof(op);
	op.pd_bdf = bdf;
	if (ioctl(fd, PCISHIM_IOC_RESET, &op) == 0) {
		printf("ok %u\n", op.pd_result);
		close(fd);
		return (0);
	}
	e = errno;
	close(fd);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e) {
			printf("%s\n", names[i].name);
			return (0);
		}
	printf("errno %d\n", e);
	return (0);
}

/* The errno of an ioctl as a word: "ok", "EPERM", ... */
static const char *
e2etool_ioc(int fd, unsigned long req, void *arg)
{
	static char	buf[32];

	if (ioctl(fd, req, arg) == 0)
		return ("ok");
	switch (errno) {
	case EPERM:
		return ("EPERM");
	case ENODEV:
		return ("ENODEV");
	case EBUSY:
		return ("EBUSY");
	case EINVAL:
		return ("EINVAL");
	case EBADF:
		return ("EBADF");
	default:
		snprintf(buf, sizeof(buf), "errno%d", errno);
		return (buf);
	}
}

static const char *
e2etool_restrict(int fd, uint32_t domid)
{
	struct pcishim_restrict	pr;

	memset(&pr, 0, sizeof(pr));
	pr.pr_argsz = sizeof(pr);
	pr.pr_domid = domid;
	return (e2etool_ioc(fd, PCISHIM_IOC_RESTRICT, &pr));
}

static const char *
e2etool_rcfg(int fd, unsigned long req, uint32_t bdf, uint32_t off,
    uint32_t size, uint32_t *val)
{
	struct pcishim_cfg	pc;
	const char		*r;

	memset(&pc, 0, sizeof(pc));
	pc.pc_argsz = sizeof(pc);
	pc.pc_bdf = bdf;
	pc.pc_offset = off;
	pc.pc_size = size;
	pc.pc_value = *val;
	r = e2etool_ioc(fd, req, &pc);
	if (req == PCISHIM_IOC_CFG_READ)
		*val = pc.pc_value;
	return (r);
}

/*
 * CFG_MAP then mmap of BDF's config page through fd: "ok" with *map set,
 * or the errno name of the step that failed.
 */
static const char *
e2etool_map(int fd, uint32_t bdf, int prot, const volatile uint32_t **map)
{
	struct pcishim_cfgmap	pcm;
	const char		*r;
	void			*p;

	*map = NULL;
	memset(&pcm, 0, sizeof(pcm));
	pcm.pcm_argsz = sizeof(pcm);
	pcm.pcm_bdf = bdf;
	if (strcmp(r = e2etool_ioc(fd, PCISHIM_IOC_CFG_MAP, &pcm), "ok") != 0)
		return (r);
	p = mmap(NULL, pcm.pcm_size, prot, MAP_SHARED, fd,
	    (off_t)pcm.pcm_offset);
	if (p == MAP_FAILED)
		return (errno == EINVAL ? "EINVAL" : errno == EPERM ? "EPERM" :
		    errno == EACCES ? "EACCES" : "mmap-failed");
	*map = p;
	return ("ok");
}

/* A child that touches the mapping: "gone" if it was not inherited. */
static const char *
e2etool_map_forked(const volatile uint32_t *map)
{
	pid_t	pid;
	int	st;

	fflush(stdout);
	if ((pid = fork()) == -1)
		return ("fork-failed");
	if (pid == 0)
		_exit(map[0] == 0xffffffffu ? 3 : 0);
	if (waitpid(pid, &st, 0) == -1)
		return ("wait-failed");
	if (WIFSIGNALED(st))
		return ("gone");
	return ("inherited");
}

/*
 * dom0 side, while the guest DOMID has BDF: a file restricted to DOMID
 * reads BDF, cannot reach OTHER, cannot move BDF's BAR0 nor turn its
 * decoding off (the floor), may write the command register unchanged,
 * and cannot RESET, ENABLE or RESTRICT again; a file restricted to
 * another domain cannot read BDF.  Prints
 *   read=ok other=EPERM bar=EPERM kept=yes decode=EPERM same=ok
 *   reset=EPERM enable=EPERM again=EPERM list=N denied=+2 foreign=EPERM
 *   map=ok same-id=yes mapother=EPERM mapwrite=EINVAL fork=gone
 *   mapforeign=EPERM
 * (CFG_MAP: the restricted file maps BDF's config page, which reads as
 * CFG_READ does, but not OTHER's; no writable mapping; a child does not
 * inherit it; the other domain's file cannot map BDF.)
 * Writes nothing a guest could notice: the refused writes change
 * nothing and the one allowed writes back what is there.
 */
static int
e2etool_shimrestrict(int argc, char **argv)
{
	struct pcishim_devop	op;
	struct pcishim_info	pi;
	struct pcishim_list	pl;
	const volatile uint32_t	*map, *mo;
	unsigned long		domid;
	uint32_t		bdf, other, v, bar, bar2, cmd, d0, bdfs[16];
	int			fd, fd2;

	if (argc != 5 || e2etool_number(argv[2], &domid) != 0 ||
	    e2etool_shimbdf(argv[3], &bdf) != 0 ||
	    e2etool_shimbdf(argv[4], &other) != 0)
		e2etool_usage();
	if ((fd = open("/dev/" PCISHIM_DEVNAME, O_RDWR)) == -1 ||
	    (fd2 = open("/dev/" PCISHIM_DEVNAME, O_RDONLY)) == -1) {
		fprintf(stderr, "e2etool: /dev/%s: %s\n", PCISHIM_DEVNAME,
		    strerror(errno));
		return (1);
	}
	if (strcmp(e2etool_restrict(fd, (uint32_t)domid), "ok") != 0 ||
	    strcmp(e2etool_restrict(fd2, (uint32_t)domid + 1), "ok") != 0) {
		printf("restrict=%s\n", e2etool_restrict(fd, (uint32_t)domid));
		return (1);
	}
	memset(&pi, 0, sizeof(pi));
	pi.pi_argsz = sizeof(pi);
	pi.pi_bdf = bdf;
	(void)ioctl(fd, PCISHIM_IOC_INFO, &pi);
	d0 = pi.pi_denied;
	v = 0;
	printf("read=%s", e2etool_rcfg(fd, PCISHIM_IOC_CFG_READ, bdf, 0, 4,
	    &v));
	v = 0;
	printf(" other=%s", e2etool_rcfg(fd, PCISHIM_IOC_CFG_READ, other, 0,
	    4, &v));
	(void)e2etool_rcfg(fd, PCISHIM_IOC_CFG_READ, bdf, 0x10, 4, &bar);
	v = bar ^ 0x10000000;
	printf(" bar=%s", e2etool_rcfg(fd, PCISHIM_IOC_CFG_WRITE, bdf, 0x10, 4,
	    &v));
	(void)e2etool_rcfg(fd, PCISHIM_IOC_CFG_READ, bdf, 0x10, 4, &bar2);
	printf(" kept=%s", bar2 == bar ? "yes" : "no");
	(void)e2etool_rcfg(fd, PCISHIM_IOC_CFG_READ, bdf, 0x04, 2, &cmd);
	v = cmd & ~3u;
	printf(" decode=%s", e2etool_rcfg(fd, PCISHIM_IOC_CFG_WRITE, bdf, 0x04,
	    2, &v));
	v = cmd;
	printf(" same=%s", e2etool_rcfg(fd, PCISHIM_IOC_CFG_WRITE, bdf, 0x04,
	    2, &v));
	memset(&op, 0, sizeof(op));
	op.pd_argsz = sizeof(op);
	op.pd_bdf = bdf;
	printf(" reset=%s", e2etool_ioc(fd, PCISHIM_IOC_RESET, &op));
	op.pd_flags = PCISHIM_EN_DEVICE;
	printf(" enable=%s", e2etool_ioc(fd, PCISHIM_IOC_ENABLE, &op));
	printf(" again=%s", e2etool_restrict(fd, (uint32_t)domid));
	memset(&pl, 0, sizeof(pl));
	pl.pl_argsz = sizeof(pl);
	pl.pl_count = 16;
	pl.pl_bdfs = (uint64_t)(uintptr_t)bdfs;
	if (ioctl(fd, PCISHIM_IOC_LIST, &pl) == 0)
		printf(" list=%u", pl.pl_count);
	else
		printf(" list=%s", strerror(errno));
	(void)ioctl(fd, PCISHIM_IOC_INFO, &pi);
	printf(" denied=+%u", pi.pi_denied - d0);
	v = 0;
	printf(" foreign=%s", e2etool_rcfg(fd2, PCISHIM_IOC_CFG_READ, bdf, 0,
	    4, &v));
	printf(" map=%s", e2etool_map(fd, bdf, PROT_READ, &map));
	v = 0;
	(void)e2etool_rcfg(fd, PCISHIM_IOC_CFG_READ, bdf, 0, 4, &v);
	printf(" same-id=%s", map != NULL && map[0] == v ? "yes" : "no");
	printf(" mapother=%s", e2etool_map(fd, other, PROT_READ, &mo));
	printf(" mapwrite=%s", e2etool_map(fd, bdf, PROT_READ | PROT_WRITE,
	    &mo));
	printf(" fork=%s", map != NULL ? e2etool_map_forked(map) : "none");
	printf(" mapforeign=%s\n", e2etool_map(fd2, bdf, PROT_READ, &mo));
	close(fd2);
	close(fd);
	return (0);
}

#define E2ETOOL_COST_N	2000

/*
 * What the calls on a worker's op path cost in this dom0, in ns each:
 * the clock, a bare system call, and a shim config read of BDF (held by
 * the shim).  A PV dom0 goes through Xen for every system call.
 */
static int
e2etool_syscost(int argc, char **argv)
{
	struct pcishim_cfg	pc;
	struct timespec		ts;
	const volatile uint32_t	*map;
	double			t0, clk, sys, cfg = -1, mapped = -1;
	uint32_t		bdf, sink = 0;
	int			fd, i;

	if (argc != 3 || e2etool_shimbdf(argv[2], &bdf) != 0)
		e2etool_usage();
	t0 = e2etool_now_us();
	for (i = 0; i < E2ETOOL_COST_N; i++)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	clk = (e2etool_now_us() - t0) * 1e3 / E2ETOOL_COST_N;
	t0 = e2etool_now_us();
	for (i = 0; i < E2ETOOL_COST_N; i++)
		(void)syscall(SYS_getppid);
	sys = (e2etool_now_us() - t0) * 1e3 / E2ETOOL_COST_N;
	if ((fd = open("/dev/" PCISHIM_DEVNAME, O_RDONLY)) != -1) {
		t0 = e2etool_now_us();
		for (i = 0; i < E2ETOOL_COST_N; i++) {
			memset(&pc, 0, sizeof(pc));
			pc.pc_argsz = sizeof(pc);
			pc.pc_bdf = bdf;
			pc.pc_size = 4;
			(void)ioctl(fd, PCISHIM_IOC_CFG_READ, &pc);
		}
		cfg = (e2etool_now_us() - t0) * 1e3 / E2ETOOL_COST_N;
		if (strcmp(e2etool_map(fd, bdf, PROT_READ, &map), "ok") == 0) {
			t0 = e2etool_now_us();
			for (i = 0; i < E2ETOOL_COST_N; i++)
				sink += map[i % 64];
			mapped = (e2etool_now_us() - t0) * 1e3 /
			    E2ETOOL_COST_N;
		}
		close(fd);
	}
	printf("clock_ns %.0f syscall_ns %.0f shimread_ns %.0f "
	    "mapread_ns %.0f\n", clk, sys, cfg, mapped);
	(void)sink;
	return (0);
}

/*
 * Map BDF's config page through a file restricted to DOMID, then watch
 * it for up to SECONDS: prints "mapped 0x%08x", then "revoked N ms" when
 * it reads all ones (the device left DOMID), or "held" at the end.
 */
static int
e2etool_shimmapwatch(int argc, char **argv)
{
	const volatile uint32_t	*map;
	unsigned long		 domid, secs;
	uint32_t		 bdf;
	double			 t0;
	const char		*r;
	int			 fd;

	if (argc != 5 || e2etool_number(argv[2], &domid) != 0 ||
	    e2etool_shimbdf(argv[3], &bdf) != 0 ||
	    e2etool_number(argv[4], &secs) != 0)
		e2etool_usage();
	if ((fd = open("/dev/" PCISHIM_DEVNAME, O_RDONLY)) == -1 ||
	    strcmp(r = e2etool_restrict(fd, (uint32_t)domid), "ok") != 0 ||
	    strcmp(r = e2etool_map(fd, bdf, PROT_READ, &map), "ok") != 0) {
		printf("failed %s\n", fd == -1 ? strerror(errno) : r);
		return (1);
	}
	printf("mapped 0x%08x\n", map[0]);
	fflush(stdout);
	t0 = e2etool_now_us();
	while (e2etool_now_us() - t0 < secs * 1e6) {
		if (map[0] == 0xffffffffu) {
			printf("revoked %.0f ms\n", (e2etool_now_us() - t0) /
			    1e3);
			return (0);
		}
		usleep(50000);
	}
	printf("held\n");
	return (1);
}

static int
e2etool_notifywait(int argc, char **argv)
{
	struct sockaddr_un	 sun;
	struct pollfd		 pfd;
	char			 buf[4096];
	unsigned long		 secs;
	double			 end;
	ssize_t			 n;
	int			 fd, rc = 1;

	if (argc != 4 || e2etool_number(argv[3], &secs) != 0 ||
	    strlen(argv[2]) >= sizeof(sun.sun_path))
		e2etool_usage();
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, argv[2]);
	(void)unlink(argv[2]);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		perror(argv[2]);
		return (1);
	}
	end = e2etool_now_us() + secs * 1e6;
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (rc != 0 && e2etool_now_us() < end) {
		if (poll(&pfd, 1, (int)((end - e2etool_now_us()) / 1000) + 1)
		    <= 0)
			continue;
		if ((n = recv(fd, buf, sizeof(buf) - 1, 0)) <= 0)
			continue;
		buf[n] = '\0';
		/* One "KEY=value" per line; READY=1 may follow others. */
		if (strncmp(buf, "READY=1\n", 8) == 0 ||
		    strcmp(buf, "READY=1") == 0 || strstr(buf, "\nREADY=1"))
			rc = 0;
	}
	close(fd);
	(void)unlink(argv[2]);
	return (rc);
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		e2etool_usage();
	if (strcmp(argv[1], "cfgread") == 0)
		return (e2etool_cfgread(argc, argv));
	if (strcmp(argv[1], "mmio32") == 0)
		return (e2etool_mmio32(argc, argv));
	if (strcmp(argv[1], "cfgwatch") == 0)
		return (e2etool_cfgwatch(argc, argv));
	if (strcmp(argv[1], "shimcfg") == 0)
		return (e2etool_shimcfg(argc, argv));
	if (strcmp(argv[1], "shimreset") == 0)
		return (e2etool_shimreset(argc, argv));
	if (strcmp(argv[1], "shimrestrict") == 0)
		return (e2etool_shimrestrict(argc, argv));
	if (strcmp(argv[1], "syscost") == 0)
		return (e2etool_syscost(argc, argv));
	if (strcmp(argv[1], "shimmapwatch") == 0)
		return (e2etool_shimmapwatch(argc, argv));
	if (strcmp(argv[1], "hdaverb") == 0)
		return (e2etool_hdaverb(argc, argv));
	if (strcmp(argv[1], "notifywait") == 0)
		return (e2etool_notifywait(argc, argv));
	e2etool_usage();
}
