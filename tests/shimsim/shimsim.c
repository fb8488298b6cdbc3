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
 * LD_PRELOAD library: /dev/pcishim for the simulated Xen.  open(2) of
 * the node gives an inotify descriptor on the event log (readable when
 * a record is appended, so the daemon's event loop sees it as it sees
 * the module's poll); ioctl(2) and read(2) on it do what the module's
 * ioctls and read do, over the files of model.c; fopen(3) of a device's
 * reset_method goes to the model too, and libpci (the daemon's scan of
 * the host for XSA-461) reads the double's machine, not this one.  The
 * argument rules are the module's, from shim-driver/pcishim_check.c,
 * compiled in.
 */

#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pci/pci.h>

#include "model.h"
#include "pcishim_check.h"

#define SHIMSIM_EXPORT		__attribute__((visibility("default")))
#define SHIMSIM_MAXFD		4096
#define SHIMSIM_HANG_MAX_MS	120000
#define SHIMSIM_CMD		0x04
#define SHIMSIM_CMD_IO		0x0001
#define SHIMSIM_CMD_MEM		0x0002
#define SHIMSIM_CMD_MASTER	0x0004
#define SHIMSIM_CMD_INTXDIS	0x0400
#define SHIMSIM_PIN		0x3d
#define SHIMSIM_CAP_MSI		0x05
#define SHIMSIM_CAP_MSIX	0x11
#define SHIMSIM_BUSY_RESET	1
#define SHIMSIM_BUSY_RELEASE	2
#define SHIMSIM_PAGE		4096

/*
 * One open of /dev/pcishim: its own event queue, as the module's, and
 * the domain RESTRICT confined it to (PCISHIM_DOMID_NONE: none).
 */
struct shimsim_file {
	uint32_t		sf_pid;		/* opener: its files/ entry */
	int			sf_write;	/* opened for writing */
	int			sf_nonblock;
	int			sf_wd;		/* inotify watch, -1 once gone */
	uint32_t		sf_domid;
	off_t			sf_cursor;	/* next record of the log */
	struct pcishim_ring	sf_ring;
	struct pcishim_event	sf_buf[SHIMSIM_EVQ_LEN];
};

static void	shimsim_reader_sync(int, const struct shimsim_file *);
static void	shimsim_reader_leave(int, const struct shimsim_file *);

static struct shimsim_file	*shimsim_files[SHIMSIM_MAXFD];
static pthread_mutex_t		 shimsim_mtx = PTHREAD_MUTEX_INITIALIZER;

static void *
shimsim_real(const char *name)
{
	void	*f;

	if ((f = dlsym(RTLD_NEXT, name)) == NULL) {
		fprintf(stderr, "shimsim: no %s\n", name);
		abort();
	}
	return f;
}

/*
 * The next mmap, resolved at load: resolving it in the call could
 * recurse through malloc.  Before that, the system call itself.
 */
static void	*(*shimsim_next_mmap)(void *, size_t, int, int, int, off_t);

__attribute__((constructor)) static void
shimsim_mmap_init(void)
{
	*(void **)&shimsim_next_mmap = dlsym(RTLD_NEXT, "mmap");
}

static void *
shimsim_real_mmap(void *addr, size_t len, int prot, int flags, int fd,
    off_t off)
{
	if (shimsim_next_mmap != NULL)
		return shimsim_next_mmap(addr, len, prot, flags, fd, off);
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

static struct shimsim_file *
shimsim_file(int fd)
{
	if (fd < 0 || fd >= SHIMSIM_MAXFD)
		return NULL;
	return __atomic_load_n(&shimsim_files[fd], __ATOMIC_ACQUIRE);
}

/* The node the preload answers for: /dev/pcishim or $SHIMSIM_DEV. */
static int
shimsim_is_node(const char *path)
{
	const char	*node = getenv("SHIMSIM_DEV");
	char		 dir[PATH_MAX];

	if (node == NULL || node[0] == '\0')
		node = "/dev/" PCISHIM_DEVNAME;
	if (path == NULL || strcmp(path, node) != 0)
		return 0;
	return shimsim_dir(dir, sizeof(dir)) == 0;
}

static int
shimsim_open_node(int flags)
{
	struct shimsim_file	*sf;
	struct stat		 st;
	char			 path[PATH_MAX];
	int			 fd, lk, ifl = 0;

	/* No model: as if the module were not loaded. */
	if (shimsim_path(path, sizeof(path), "events") != 0 ||
	    stat(path, &st) == -1) {
		errno = ENOENT;
		return -1;
	}
	if (flags & O_NONBLOCK)
		ifl |= IN_NONBLOCK;
	if (flags & O_CLOEXEC)
		ifl |= IN_CLOEXEC;
	if ((fd = inotify_init1(ifl)) == -1)
		return -1;
	if (fd >= SHIMSIM_MAXFD || (sf = calloc(1, sizeof(*sf))) == NULL) {
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	if ((sf->sf_wd = inotify_add_watch(fd, path, IN_MODIFY)) == -1) {
		free(sf);
		close(fd);
		errno = ENOMEM;
		return -1;
	}
	sf->sf_pid = (uint32_t)getpid();
	sf->sf_domid = PCISHIM_DOMID_NONE;
	sf->sf_write = (flags & O_ACCMODE) != O_RDONLY;
	sf->sf_nonblock = (flags & O_NONBLOCK) != 0;
	pcishim_ring_init(&sf->sf_ring, sf->sf_buf, SHIMSIM_EVQ_LEN);
	/* Each open starts with an empty queue, from the log's end. */
	lk = shimsim_lock();
	if (stat(path, &st) == 0)
		sf->sf_cursor = st.st_size -
		    st.st_size % sizeof(struct pcishim_event);
	shimsim_reader_sync(fd, sf);
	shimsim_unlock(lk);
	__atomic_store_n(&shimsim_files[fd], sf, __ATOMIC_RELEASE);
	return fd;
}

static int
shimsim_open_common(const char *name, const char *path, int flags,
    mode_t mode)
{
	int	(*real_open)(const char *, int, ...);

	if (shimsim_is_node(path))
		return shimsim_open_node(flags);
	*(void **)&real_open = shimsim_real(name);
	return real_open(path, flags, mode);
}

SHIMSIM_EXPORT int open(const char *, int, ...);
SHIMSIM_EXPORT int open64(const char *, int, ...);
SHIMSIM_EXPORT int close(int);
SHIMSIM_EXPORT ssize_t read(int, void *, size_t);
SHIMSIM_EXPORT int ioctl(int, unsigned long, ...);
SHIMSIM_EXPORT FILE *fopen(const char *, const char *);
SHIMSIM_EXPORT FILE *fopen64(const char *, const char *);
SHIMSIM_EXPORT struct pci_access *pci_alloc(void);
SHIMSIM_EXPORT void *mmap(void *, size_t, int, int, int, off_t);
SHIMSIM_EXPORT void *mmap64(void *, size_t, int, int, int, off_t);

int
open(const char *path, int flags, ...)
{
	va_list	ap;
	mode_t	mode = 0;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	return shimsim_open_common("open", path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
	va_list	ap;
	mode_t	mode = 0;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	return shimsim_open_common("open64", path, flags, mode);
}

int
close(int fd)
{
	static int		(*real_close)(int);
	struct shimsim_file	*sf;

	if (real_close == NULL)
		*(void **)&real_close = shimsim_real("close");
	if ((sf = shimsim_file(fd)) != NULL) {
		pthread_mutex_lock(&shimsim_mtx);
		__atomic_store_n(&shimsim_files[fd], NULL, __ATOMIC_RELEASE);
		shimsim_reader_leave(fd, sf);
		pthread_mutex_unlock(&shimsim_mtx);
		free(sf);
	}
	return real_close(fd);
}

/* ---- events ---------------------------------------------------------- */

/*
 * Lock held: tell shimsim-ctl (an AER callback) what this open's queue
 * holds, as the module's file list would show it.  Only the opener's
 * unrestricted files count; a forked child's copy is not another file.
 */
static void
shimsim_reader_sync(int fd, const struct shimsim_file *sf)
{
	struct shimsim_reader	sr;

	if (sf->sf_domid != PCISHIM_DOMID_NONE ||
	    sf->sf_pid != (uint32_t)getpid())
		return;
	memset(&sr, 0, sizeof(sr));
	sr.sr_magic = SHIMSIM_MAGIC;
	sr.sr_pid = sf->sf_pid;
	sr.sr_cursor = (uint64_t)sf->sf_cursor;
	sr.sr_count = sf->sf_ring.rg_count;
	sr.sr_overflow = sf->sf_ring.rg_overflow;
	(void)shimsim_reader_save(fd, &sr);
}

/* The open is closed or restricted: it can answer no AER callback. */
static void
shimsim_reader_leave(int fd, const struct shimsim_file *sf)
{
	int	lk;

	if (sf->sf_pid != (uint32_t)getpid())
		return;
	lk = shimsim_lock();
	shimsim_reader_drop(fd, sf->sf_pid);
	shimsim_unlock(lk);
}

/* The switch "overflow": the queue counts as full for every record. */
static void
shimsim_ring_add(struct pcishim_ring *rg, const struct pcishim_event *ev,
    int full)
{
	struct pcishim_event	ov;

	if (!full) {
		(void)pcishim_ring_push(rg, ev);
		return;
	}
	if (rg->rg_overflow || rg->rg_count >= rg->rg_size)
		return;
	memset(&ov, 0, sizeof(ov));
	ov.pe_type = PCISHIM_EV_OVERFLOW;
	ov.pe_seq = ev->pe_seq;
	rg->rg_buf[(rg->rg_head + rg->rg_count) % rg->rg_size] = ov;
	rg->rg_count++;
	rg->rg_overflow = 1;
}

/* Lock held: move the records appended since the last look in. */
static void
shimsim_ingest(struct shimsim_file *sf)
{
	struct pcishim_event	ev;
	char			path[PATH_MAX], arg[16];
	int			fd, full;

	if (shimsim_path(path, sizeof(path), "events") != 0)
		return;
	full = shimsim_fault("overflow", arg, sizeof(arg));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) != -1) {
		while (pread(fd, &ev, sizeof(ev), sf->sf_cursor) ==
		    (ssize_t)sizeof(ev)) {
			sf->sf_cursor += sizeof(ev);
			shimsim_ring_add(&sf->sf_ring, &ev, full);
		}
		close(fd);
	}
}

static void
shimsim_drain_inotify(int fd)
{
	static ssize_t		(*real_read)(int, void *, size_t);
	char			buf[4096];
	struct pollfd		pfd;

	if (real_read == NULL)
		*(void **)&real_read = shimsim_real("read");
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (poll(&pfd, 1, 0) == 1 && real_read(fd, buf, sizeof(buf)) > 0)
		;
}

static ssize_t
shimsim_read(int fd, struct shimsim_file *sf, void *buf, size_t count)
{
	struct pcishim_event	*out = buf;
	struct pollfd		 pfd;
	size_t			 want = count / sizeof(*out), got = 0;
	int			 lk;

	if (sf->sf_domid != PCISHIM_DOMID_NONE) {
		errno = EPERM;
		return -1;
	}
	if (want == 0) {
		errno = EINVAL;
		return -1;
	}
	for (;;) {
		pthread_mutex_lock(&shimsim_mtx);
		shimsim_drain_inotify(fd);
		lk = shimsim_lock();
		shimsim_ingest(sf);
		while (got < want && pcishim_ring_pop(&sf->sf_ring,
		    &out[got]) == 0)
			got++;
		shimsim_reader_sync(fd, sf);
		shimsim_unlock(lk);
		pthread_mutex_unlock(&shimsim_mtx);
		if (got > 0)
			return (ssize_t)(got * sizeof(*out));
		if (sf->sf_nonblock) {
			errno = EAGAIN;
			return -1;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, -1) == -1 && errno == EINTR)
			return -1;
	}
}

ssize_t
read(int fd, void *buf, size_t count)
{
	static ssize_t		(*real_read)(int, void *, size_t);
	struct shimsim_file	*sf;

	if ((sf = shimsim_file(fd)) != NULL)
		return shimsim_read(fd, sf, buf, count);
	if (real_read == NULL)
		*(void **)&real_read = shimsim_real("read");
	return real_read(fd, buf, count);
}

/* ---- ioctls ---------------------------------------------------------- */

static int
shimsim_copyin(void *karg, size_t minsz, const void *uarg)
{
	uint32_t	argsz;

	if (uarg == NULL)
		return -EFAULT;
	memcpy(&argsz, uarg, sizeof(argsz));
	if (pcishim_check_argsz(argsz, minsz))
		return -EINVAL;
	memcpy(karg, uarg, minsz);
	return 0;
}

static void
shimsim_copyout(void *uarg, const void *karg, uint32_t argsz, size_t ksz)
{
	memcpy(uarg, karg, pcishim_copyout_len(argsz, ksz));
}

/*
 * Lock held.  The device as the module finds it: ENODEV unless held,
 * EAGAIN while a reset runs; for a file restricted to domid, EPERM
 * unless that domain's.  A reset whose caller died is finished here: in
 * the kernel it would have run to its end.
 */
static int
shimsim_lookup(uint32_t bdf, uint32_t domid, struct shimsim_dev *sd)
{
	uint32_t	method;
	int		error;

	if (shimsim_dev_load(bdf, sd) != 0 || !sd->sd_held)
		return domid == PCISHIM_DOMID_NONE ? -ENODEV : -EPERM;
	if ((error = pcishim_check_owner(domid, sd->sd_domid)) != 0)
		return error;
	if (sd->sd_busy_pid == 0)
		return 0;
	if (shimsim_alive(sd->sd_busy_pid))
		return -EAGAIN;
	if (sd->sd_pad == SHIMSIM_BUSY_RELEASE)
		(void)shimsim_giveback(sd, &method);
	else
		(void)shimsim_reset(sd, 0, &method);
	sd->sd_busy_pid = 0;
	sd->sd_pad = 0;
	(void)shimsim_dev_save(sd);
	return 0;
}

static long
shimsim_ioc_version(void *uarg)
{
	struct pcishim_version	v;
	char			arg[16];

	if (uarg == NULL)
		return -EFAULT;
	v.pv_abi = PCISHIM_ABI_VERSION;
	v.pv_evsize = sizeof(struct pcishim_event);
	/* The switch abi: a module of another version. */
	if (shimsim_fault("abi", arg, sizeof(arg)))
		v.pv_abi = (uint32_t)strtoul(arg, NULL, 10);
	memcpy(uarg, &v, sizeof(v));
	return 0;
}

/* Lock held: keep only domid's devices (a restricted file's LIST). */
static int
shimsim_list_owned(uint32_t *bdfs, int n, uint32_t domid)
{
	struct shimsim_dev	sd;
	int			i, k = 0;

	if (domid == PCISHIM_DOMID_NONE)
		return n;
	for (i = 0; i < n; i++)
		if (shimsim_dev_load(bdfs[i], &sd) == 0 &&
		    pcishim_check_owner(domid, sd.sd_domid) == 0)
			bdfs[k++] = bdfs[i];
	return k;
}

static long
shimsim_ioc_list(void *uarg, uint32_t domid)
{
	struct pcishim_list	 l;
	uint32_t		*held, *ubdfs;
	int			 n, lk, error;

	if ((error = shimsim_copyin(&l, sizeof(l), uarg)) != 0)
		return error;
	if (pcishim_check_flags(l.pl_flags, 0))
		return -EINVAL;
	if ((held = calloc(SHIMSIM_MAXDEVS, sizeof(*held))) == NULL)
		return -ENOMEM;
	lk = shimsim_lock();
	n = shimsim_dev_held(held, SHIMSIM_MAXDEVS);
	if (n < 0)
		n = 0;
	n = shimsim_list_owned(held, n, domid);
	shimsim_unlock(lk);
	ubdfs = (uint32_t *)(uintptr_t)l.pl_bdfs;
	if (l.pl_count > 0 && n > 0 && ubdfs == NULL) {
		free(held);
		return -EFAULT;
	}
	memcpy(ubdfs, held, sizeof(*held) *
	    ((uint32_t)n < l.pl_count ? (uint32_t)n : l.pl_count));
	free(held);
	l.pl_count = (uint32_t)n;
	shimsim_copyout(uarg, &l, l.pl_argsz, sizeof(l));
	return 0;
}

static void
shimsim_fill_info(struct pcishim_info *pi, const struct shimsim_dev *sd)
{
	const uint8_t	*c = sd->sd_cfg;
	unsigned int	 msix;

	pi->pi_state = (sd->sd_domid != PCISHIM_DOMID_NONE ?
	    PCISHIM_ST_ASSIGNED : 0) |
	    (sd->sd_permissive ? PCISHIM_ST_PERMISSIVE : 0) |
	    (sd->sd_intctl ? PCISHIM_ST_INTCTL : 0) |
	    (sd->sd_enabled ? PCISHIM_ST_ENABLED : 0) |
	    (sd->sd_msi ? PCISHIM_ST_MSI : 0) |
	    (sd->sd_msix ? PCISHIM_ST_MSIX : 0);
	pi->pi_vendor = (uint16_t)shimsim_cfg_get(c, 0x00, 2);
	pi->pi_device = (uint16_t)shimsim_cfg_get(c, 0x02, 2);
	pi->pi_subvendor = (uint16_t)shimsim_cfg_get(c, 0x2c, 2);
	pi->pi_subdevice = (uint16_t)shimsim_cfg_get(c, 0x2e, 2);
	pi->pi_class = shimsim_cfg_get(c, 0x08, 4) >> 8;
	pi->pi_revision = c[0x08];
	pi->pi_hdrtype = c[0x0e] & 0x7f;
	pi->pi_pin = c[0x3d];
	pi->pi_cfgsize = sd->sd_cfgsize;
	pi->pi_irq = sd->sd_irq;
	pi->pi_domid = sd->sd_domid;
	pi->pi_msicap = (uint16_t)shimsim_cap(c, SHIMSIM_CAP_MSI);
	msix = shimsim_cap(c, SHIMSIM_CAP_MSIX);
	pi->pi_msixcap = (uint16_t)msix;
	pi->pi_msixsize = msix == 0 ? 0 :
	    (uint16_t)((shimsim_cfg_get(c, msix + 2, 2) & 0x7ff) + 1);
	pi->pi_reset = shimsim_method_first(sd);
	pi->pi_nbars = PCISHIM_NBARS;
	pi->pi_denied = sd->sd_denied;
	memcpy(pi->pi_bar, sd->sd_bar, sizeof(pi->pi_bar));
}

static long
shimsim_ioc_info(void *uarg, uint32_t domid)
{
	struct pcishim_info	pi;
	struct shimsim_dev	sd;
	uint32_t		argsz, bdf;
	int			error, lk;

	if ((error = shimsim_copyin(&pi, sizeof(pi), uarg)) != 0)
		return error;
	if (pcishim_check_flags(pi.pi_flags, 0))
		return -EINVAL;
	argsz = pi.pi_argsz;
	bdf = pi.pi_bdf;
	memset(&pi, 0, sizeof(pi));
	pi.pi_argsz = argsz;
	pi.pi_bdf = bdf;
	lk = shimsim_lock();
	if ((error = shimsim_lookup(bdf, domid, &sd)) == 0)
		shimsim_fill_info(&pi, &sd);
	shimsim_unlock(lk);
	if (error)
		return error;
	shimsim_copyout(uarg, &pi, argsz, sizeof(pi));
	return 0;
}

/* The switch cfg-sleep: "MS" or "BDF MS", for reads. */
static void
shimsim_cfg_sleep(uint32_t bdf)
{
	char		arg[64];
	long		ms;
	struct timespec	ts;

	if (!shimsim_fault_dev("cfg-sleep", bdf, arg, sizeof(arg)))
		return;
	if ((ms = strtol(arg, NULL, 10)) <= 0)
		ms = 100;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * pci_enable_device turns decoding on for the BARs it has, and INTx
 * disable off for a function with a pin and neither MSI nor MSI-X on.
 */
static void
shimsim_enable(struct shimsim_dev *sd)
{
	uint32_t	cmd = shimsim_cfg_get(sd->sd_cfg, SHIMSIM_CMD, 2);
	int		i;

	for (i = 0; i < PCISHIM_NBARS - 1; i++) {
		if (sd->sd_bar[i].pb_size == 0)
			continue;
		cmd |= sd->sd_bar[i].pb_flags & PCISHIM_BAR_IO ?
		    SHIMSIM_CMD_IO : SHIMSIM_CMD_MEM;
	}
	if (shimsim_cfg_get(sd->sd_cfg, SHIMSIM_PIN, 1) != 0 &&
	    !sd->sd_msi && !sd->sd_msix)
		cmd &= ~SHIMSIM_CMD_INTXDIS;
	shimsim_cfg_put(sd->sd_cfg, SHIMSIM_CMD, 2, cmd);
	sd->sd_enabled = 1;
}

/*
 * A write through a restricted file, lock held: the module's floor,
 * counted when it refuses, then dom0's enable if decoding goes on.
 */
static int
shimsim_restricted_write(struct shimsim_dev *sd, const struct pcishim_cfg *pc)
{
	uint32_t	cur;

	cur = shimsim_cfg_get(sd->sd_cfg, pc->pc_offset, pc->pc_size);
	if (pcishim_floor_check(&sd->sd_floor, pc->pc_offset, pc->pc_size,
	    pc->pc_value, cur, sd->sd_intctl != 0) != 0) {
		sd->sd_denied++;
		(void)shimsim_dev_save(sd);
		return -EPERM;
	}
	if (pcishim_cmd_enables(pc->pc_offset, pc->pc_value) &&
	    !sd->sd_enabled)
		shimsim_enable(sd);
	return 0;
}

static long
shimsim_ioc_cfg(void *uarg, int write, uint32_t domid)
{
	struct pcishim_cfg	pc;
	struct shimsim_dev	sd;
	int			error, lk;

	if ((error = shimsim_copyin(&pc, sizeof(pc), uarg)) != 0)
		return error;
	if (pcishim_check_flags(pc.pc_flags, 0))
		return -EINVAL;
	if (!write)
		shimsim_cfg_sleep(pc.pc_bdf);
	lk = shimsim_lock();
	error = shimsim_lookup(pc.pc_bdf, domid, &sd);
	if (!error)
		error = pcishim_check_cfg(pc.pc_offset, pc.pc_size,
		    sd.sd_cfgsize);
	if (!error && write && domid != PCISHIM_DOMID_NONE)
		error = shimsim_restricted_write(&sd, &pc);
	if (!error && write) {
		shimsim_cfg_put(sd.sd_cfg, pc.pc_offset, pc.pc_size,
		    pc.pc_value);
		if (shimsim_dev_save(&sd) != 0)
			error = -EIO;
	} else if (!error)
		pc.pc_value = shimsim_cfg_get(sd.sd_cfg, pc.pc_offset,
		    pc.pc_size);
	shimsim_unlock(lk);
	if (error || write)
		return error;
	shimsim_copyout(uarg, &pc, pc.pc_argsz, sizeof(pc));
	return 0;
}

/*
 * CFG_MAP, offered only while the switch cfg-map is on: a page can
 * neither sleep (cfg-sleep) nor count reads, which other tests rely on.
 * The offset names the device: (packed BDF + 1) pages.
 */
static long
shimsim_ioc_cfg_map(void *uarg, uint32_t domid)
{
	struct pcishim_cfgmap	pcm;
	struct shimsim_dev	sd;
	char			arg[8];
	int			error, lk;

	if ((error = shimsim_copyin(&pcm, sizeof(pcm), uarg)) != 0)
		return error;
	if (pcishim_check_flags(pcm.pcm_flags, 0))
		return -EINVAL;
	lk = shimsim_lock();
	error = shimsim_lookup(pcm.pcm_bdf, domid, &sd);
	if (!error && !shimsim_fault("cfg-map", arg, sizeof(arg)))
		error = -EOPNOTSUPP;
	if (!error && shimsim_map_write(&sd, domid) != 0)
		error = -EIO;
	shimsim_unlock(lk);
	if (error)
		return error;
	pcm.pcm_span = sd.sd_cfgsize;
	pcm.pcm_offset = ((uint64_t)pcm.pcm_bdf + 1) * SHIMSIM_PAGE;
	pcm.pcm_size = SHIMSIM_PAGE;
	shimsim_copyout(uarg, &pcm, pcm.pcm_argsz, sizeof(pcm));
	return 0;
}

/*
 * mmap of a descriptor of ours: the device's map file for the domain the
 * descriptor is restricted to, read only, not inherited by a child.
 */
static void *
shimsim_mmap(struct shimsim_file *sf, size_t len, int prot, int flags,
    off_t off)
{
	struct shimsim_dev	sd;
	char			path[PATH_MAX];
	uint64_t		page = (uint64_t)off / SHIMSIM_PAGE;
	void			*p = MAP_FAILED;
	int			error, fd = -1, lk;

	if (len != SHIMSIM_PAGE || (prot & (PROT_WRITE | PROT_EXEC)) ||
	    !(flags & MAP_SHARED) || off % SHIMSIM_PAGE != 0 || page == 0 ||
	    page - 1 > UINT32_MAX) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	lk = shimsim_lock();
	error = shimsim_lookup((uint32_t)(page - 1), sf->sf_domid, &sd);
	if (!error && (shimsim_map_path(sd.sd_bdf, sf->sf_domid, path,
	    sizeof(path)) != 0 || (fd = open(path, O_RDONLY | O_CLOEXEC)) ==
	    -1))
		error = -ENODEV;
	if (!error)
		p = shimsim_real_mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	shimsim_unlock(lk);
	if (fd != -1)
		close(fd);
	if (error) {
		errno = -error;
		return MAP_FAILED;
	}
	if (p != MAP_FAILED)
		(void)madvise(p, len, MADV_DONTFORK);
	return p;
}

void *
mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct shimsim_file	*sf;

	if ((sf = shimsim_file(fd)) == NULL)
		return shimsim_real_mmap(addr, len, prot, flags, fd, off);
	return shimsim_mmap(sf, len, prot, flags, off);
}

void *
mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap(addr, len, prot, flags, fd, off);
}

/*
 * Lock held: a callback (shimsim-ctl aer) of bdf is running, answered
 * or not: the kernel's device lock is held until it returns.
 */
static int
shimsim_aer_pending(uint32_t bdf)
{
	struct shimsim_aer	sa;

	return shimsim_aer_load(bdf, &sa) == 0;
}

/* Copy in a devop, check flags; lock taken and device found on 0. */
static int
shimsim_devop_begin(void *uarg, struct pcishim_devop *op, uint32_t allowed,
    uint32_t domid, struct shimsim_dev *sd, int *lk)
{
	int	error;

	if ((error = shimsim_copyin(op, sizeof(*op), uarg)) != 0)
		return error;
	if (pcishim_check_flags(op->pd_flags, allowed))
		return -EINVAL;
	*lk = shimsim_lock();
	if ((error = shimsim_lookup(op->pd_bdf, domid, sd)) != 0)
		shimsim_unlock(*lk);
	return error;
}

/* The switch reset-hang: the reset takes until it is turned off. */
static void
shimsim_reset_hang(uint32_t bdf)
{
	char	arg[64];
	int	ms;

	for (ms = 0; ms < SHIMSIM_HANG_MAX_MS; ms += 20) {
		if (!shimsim_fault_dev("reset-hang", bdf, arg, sizeof(arg)))
			return;
		usleep(20 * 1000);
	}
}

/*
 * RESET and RELEASE: the device is busy (EAGAIN to everyone else) and
 * the lock free while the reset runs, as the module drops its mutex.
 */
static long
shimsim_ioc_reset(void *uarg, int giveback)
{
	struct pcishim_devop	op;
	struct shimsim_dev	sd;
	uint32_t		method = 0;
	int			error, lk;

	if ((error = shimsim_devop_begin(uarg, &op, 0, PCISHIM_DOMID_NONE, &sd,
	    &lk)) != 0)
		return error;
	/*
	 * An AER callback waiting for the daemon holds the kernel's device
	 * lock, which these need: busy, at once.  Then, as the module,
	 * never reset a device under its guest.
	 */
	if (shimsim_aer_pending(op.pd_bdf))
		error = -EAGAIN;
	else if (!giveback)
		error = pcishim_check_reset(sd.sd_domid);
	if (error) {
		shimsim_unlock(lk);
		return error;
	}
	sd.sd_busy_pid = (uint32_t)getpid();
	sd.sd_pad = giveback ? SHIMSIM_BUSY_RELEASE : SHIMSIM_BUSY_RESET;
	/* The next guest's flags, written during the reset, stay. */
	if (giveback)
		sd.sd_permissive = sd.sd_intctl = 0;
	(void)shimsim_dev_save(&sd);
	shimsim_sysfs_sync();
	shimsim_unlock(lk);
	shimsim_reset_hang(op.pd_bdf);
	lk = shimsim_lock();
	/* Only a surprise removal takes it meanwhile. */
	if (shimsim_dev_load(op.pd_bdf, &sd) != 0 || !sd.sd_held) {
		shimsim_unlock(lk);
		return -ENODEV;
	}
	if (giveback)
		error = shimsim_giveback(&sd, &method);
	else
		error = shimsim_reset(&sd, 0, &method);
	sd.sd_busy_pid = 0;
	sd.sd_pad = 0;
	(void)shimsim_dev_save(&sd);
	shimsim_unlock(lk);
	if (error)
		return error;
	op.pd_result = method;
	shimsim_copyout(uarg, &op, op.pd_argsz, sizeof(op));
	return 0;
}

/* RESET_BUS: each function it reaches may be, or the whole is refused. */
static int
shimsim_bus_claim(const uint32_t *bdfs, int n)
{
	struct shimsim_dev	sd;
	uint32_t		busfn;
	int			i, error;

	for (i = 0; i < n; i++) {
		busfn = 0;
		if (shimsim_dev_load(bdfs[i], &sd) == 0 && sd.sd_held) {
			busfn |= PCISHIM_BUSFN_HELD;
			if (sd.sd_domid != PCISHIM_DOMID_NONE)
				busfn |= PCISHIM_BUSFN_ASSIGNED;
			if (sd.sd_busy_pid != 0 &&
			    shimsim_alive(sd.sd_busy_pid))
				busfn |= PCISHIM_BUSFN_BUSY;
		}
		if (shimsim_dev_load(bdfs[i], &sd) == 0 &&
		    shimsim_is_bridge(&sd))
			busfn |= PCISHIM_BUSFN_BRIDGE;
		if ((error = pcishim_check_busfn(busfn)) != 0)
			return error;
	}
	for (i = 0; i < n; i++) {
		if (shimsim_dev_load(bdfs[i], &sd) != 0)
			continue;
		sd.sd_busy_pid = (uint32_t)getpid();
		sd.sd_pad = SHIMSIM_BUSY_RESET;
		(void)shimsim_dev_save(&sd);
	}
	return 0;
}

/*
 * RESET_BUS: every function behind the bridge held and free, all busy
 * while the reset runs, each back to its seize state after.  The switches
 * reset-fail and reset-hang of any of them fail it (states restored all
 * the same) and stall it.
 */
static long
shimsim_ioc_reset_bus(void *uarg)
{
	struct pcishim_devop	op;
	struct shimsim_dev	sd;
	uint32_t		bdfs[32];
	char			arg[64];
	int			n, i, error, lk;

	if ((error = shimsim_devop_begin(uarg, &op, 0, PCISHIM_DOMID_NONE, &sd,
	    &lk)) != 0)
		return error;
	if ((n = shimsim_bus_members(op.pd_bdf, bdfs, 32)) < 0)
		error = n;
	else if (n == 32)
		error = -EBUSY;
	else
		error = shimsim_bus_claim(bdfs, n);
	if (error == 0)
		shimsim_sysfs_sync();
	shimsim_unlock(lk);
	if (error)
		return error;
	for (i = 0; i < n; i++)
		shimsim_reset_hang(bdfs[i]);
	lk = shimsim_lock();
	for (i = 0; i < n; i++)
		if (shimsim_fault_dev("reset-fail", bdfs[i], arg, sizeof(arg)))
			error = -EIO;
	for (i = 0; i < n; i++) {
		if (shimsim_dev_load(bdfs[i], &sd) != 0 || !sd.sd_held)
			continue;
		shimsim_bus_reset(&sd, error);
		sd.sd_busy_pid = 0;
		sd.sd_pad = 0;
		(void)shimsim_dev_save(&sd);
	}
	shimsim_unlock(lk);
	if (error)
		return error;
	op.pd_result = PCISHIM_RESET_BUS;
	shimsim_copyout(uarg, &op, op.pd_argsz, sizeof(op));
	return 0;
}

/* The floor's walk reads the model's config space. */
static int
shimsim_floor_read(void *arg, uint32_t off, uint32_t size, uint32_t *val)
{
	const struct shimsim_dev	*sd = arg;

	if (pcishim_check_cfg(off, size, sd->sd_cfgsize) != 0)
		return -EIO;
	*val = shimsim_cfg_get(sd->sd_cfg, off, size);
	return 0;
}

/* As the module: the BARs as they are now and the capabilities. */
static int
shimsim_floor_build(struct shimsim_dev *sd)
{
	uint64_t	res[PCISHIM_NBARS];
	int		i;

	for (i = 0; i < PCISHIM_NBARS; i++)
		res[i] = sd->sd_bar[i].pb_start;
	return pcishim_floor_build(&sd->sd_floor, sd->sd_cfgsize, res,
	    shimsim_floor_read, sd);
}

static long
shimsim_ioc_assign(void *uarg)
{
	struct pcishim_assign	pa;
	struct shimsim_dev	sd;
	int			error, lk;

	if ((error = shimsim_copyin(&pa, sizeof(pa), uarg)) != 0)
		return error;
	if (pcishim_check_flags(pa.pa_flags, 0) ||
	    pcishim_check_domid(pa.pa_domid))
		return -EINVAL;
	lk = shimsim_lock();
	error = shimsim_lookup(pa.pa_bdf, PCISHIM_DOMID_NONE, &sd);
	if (!error && sd.sd_domid != PCISHIM_DOMID_NONE)
		error = -EBUSY;
	if (!error)
		error = shimsim_floor_build(&sd);
	if (!error) {
		sd.sd_domid = pa.pa_domid;
		(void)shimsim_dev_save(&sd);
	}
	shimsim_unlock(lk);
	return error;
}

static long
shimsim_ioc_enable(void *uarg, int enable)
{
	struct pcishim_devop	op;
	struct shimsim_dev	sd;
	uint32_t		cmd;
	int			error, lk;

	if ((error = shimsim_devop_begin(uarg, &op,
	    PCISHIM_EN_DEVICE | PCISHIM_EN_MASTER, PCISHIM_DOMID_NONE, &sd,
	    &lk)) != 0)
		return error;
	if (enable && (op.pd_flags & PCISHIM_EN_DEVICE) && !sd.sd_enabled)
		shimsim_enable(&sd);
	cmd = shimsim_cfg_get(sd.sd_cfg, SHIMSIM_CMD, 2);
	if (enable && (op.pd_flags & PCISHIM_EN_MASTER))
		cmd |= SHIMSIM_CMD_MASTER;
	if (!enable && (op.pd_flags & (PCISHIM_EN_MASTER | PCISHIM_EN_DEVICE)))
		cmd &= ~SHIMSIM_CMD_MASTER;
	shimsim_cfg_put(sd.sd_cfg, SHIMSIM_CMD, 2, cmd);
	if (!enable && (op.pd_flags & PCISHIM_EN_DEVICE))
		sd.sd_enabled = 0;
	(void)shimsim_dev_save(&sd);
	shimsim_unlock(lk);
	return 0;
}

static int
shimsim_msi_ready(const struct shimsim_dev *sd)
{
	if (sd->sd_domid == PCISHIM_DOMID_NONE)
		return -EPERM;
	if (sd->sd_msi || sd->sd_msix)
		return -EBUSY;
	return 0;
}

/* Enable bits set as Linux's MSI code sets them, INTx off meanwhile. */
static void
shimsim_msi_bits(struct shimsim_dev *sd, unsigned int cap, uint32_t bit,
    int on)
{
	uint32_t	ctl = shimsim_cfg_get(sd->sd_cfg, cap + 2, 2);
	uint32_t	cmd = shimsim_cfg_get(sd->sd_cfg, SHIMSIM_CMD, 2);

	ctl = on ? ctl | bit : ctl & ~bit;
	cmd = on ? cmd | SHIMSIM_CMD_INTXDIS : cmd & ~SHIMSIM_CMD_INTXDIS;
	shimsim_cfg_put(sd->sd_cfg, cap + 2, 2, ctl);
	shimsim_cfg_put(sd->sd_cfg, SHIMSIM_CMD, 2, cmd);
}

/* The switch irq-fail: the kernel has no vector left (pci_enable_msi). */
static int
shimsim_irq_fail(uint32_t bdf)
{
	char	arg[64];

	return shimsim_fault_dev("irq-fail", bdf, arg, sizeof(arg));
}

static long
shimsim_ioc_msi_enable(void *uarg, uint32_t domid)
{
	struct pcishim_devop	op;
	struct shimsim_dev	sd;
	unsigned int		cap;
	int			error, lk;

	if ((error = shimsim_devop_begin(uarg, &op, 0, domid, &sd, &lk)) != 0)
		return error;
	error = shimsim_msi_ready(&sd);
	if (!error && (cap = shimsim_cap(sd.sd_cfg, SHIMSIM_CAP_MSI)) == 0)
		error = -EINVAL;
	if (!error && shimsim_irq_fail(sd.sd_bdf))
		error = -ENOSPC;
	if (!error) {
		shimsim_msi_bits(&sd, cap, 0x0001, 1);
		sd.sd_msi = 1;
		op.pd_result = sd.sd_next_pirq++;
		(void)shimsim_dev_save(&sd);
	}
	shimsim_unlock(lk);
	if (error)
		return error;
	shimsim_copyout(uarg, &op, op.pd_argsz, sizeof(op));
	return 0;
}

static long
shimsim_ioc_msi_disable(void *uarg, int msix, uint32_t domid)
{
	struct pcishim_devop	op;
	struct shimsim_dev	sd;
	unsigned int		cap;
	int			error, lk;

	if ((error = shimsim_devop_begin(uarg, &op, 0, domid, &sd, &lk)) != 0)
		return error;
	if (msix && sd.sd_msix &&
	    (cap = shimsim_cap(sd.sd_cfg, SHIMSIM_CAP_MSIX)) != 0) {
		shimsim_msi_bits(&sd, cap, 0x8000, 0);
		sd.sd_msix = 0;
	}
	if (!msix && sd.sd_msi &&
	    (cap = shimsim_cap(sd.sd_cfg, SHIMSIM_CAP_MSI)) != 0) {
		shimsim_msi_bits(&sd, cap, 0x0001, 0);
		sd.sd_msi = 0;
	}
	(void)shimsim_dev_save(&sd);
	shimsim_unlock(lk);
	return 0;
}

/* Lock held: what pci_enable_msix_range would say about the entries. */
static int
shimsim_msix_check(const struct shimsim_dev *sd,
    const struct pcishim_msix_entry *ue, uint32_t nvec)
{
	unsigned int	cap, size;
	uint32_t	i, j;

	for (i = 0; i < nvec; i++)
		if (pcishim_check_msix_entry(ue[i].me_entry))
			return -EINVAL;
	if ((cap = shimsim_cap(sd->sd_cfg, SHIMSIM_CAP_MSIX)) == 0)
		return -EINVAL;
	size = (shimsim_cfg_get(sd->sd_cfg, cap + 2, 2) & 0x7ff) + 1;
	if (nvec > size)
		return -ENOSPC;
	for (i = 0; i < nvec; i++) {
		if (ue[i].me_entry >= size)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (ue[j].me_entry == ue[i].me_entry)
				return -EINVAL;
	}
	return 0;
}

static long
shimsim_ioc_msix_enable(void *uarg, uint32_t domid)
{
	struct pcishim_msix		 pm;
	struct pcishim_msix_entry	*ue;
	struct shimsim_dev		 sd;
	uint32_t			 i;
	int				 error, lk;

	if ((error = shimsim_copyin(&pm, sizeof(pm), uarg)) != 0)
		return error;
	if (pcishim_check_flags(pm.pm_flags, 0) ||
	    pcishim_check_msix_nvec(pm.pm_nvec))
		return -EINVAL;
	if ((ue = (struct pcishim_msix_entry *)(uintptr_t)pm.pm_entries) ==
	    NULL)
		return -EFAULT;
	lk = shimsim_lock();
	error = shimsim_lookup(pm.pm_bdf, domid, &sd);
	if (!error)
		error = shimsim_msi_ready(&sd);
	if (!error)
		error = shimsim_msix_check(&sd, ue, pm.pm_nvec);
	if (!error && shimsim_irq_fail(sd.sd_bdf))
		error = -ENOSPC;
	if (!error) {
		for (i = 0; i < pm.pm_nvec; i++)
			ue[i].me_pirq = sd.sd_next_pirq++;
		shimsim_msi_bits(&sd, shimsim_cap(sd.sd_cfg,
		    SHIMSIM_CAP_MSIX), 0x8000, 1);
		sd.sd_msix = pm.pm_nvec;
		(void)shimsim_dev_save(&sd);
	}
	shimsim_unlock(lk);
	return error;
}

/*
 * One way, as the module: the file stops watching the event log and
 * forgets what it queued, since events name every held device.
 */
static long
shimsim_ioc_restrict(int fd, struct shimsim_file *sf, void *uarg)
{
	struct pcishim_restrict	pr;
	int			error;

	if ((error = shimsim_copyin(&pr, sizeof(pr), uarg)) != 0)
		return error;
	if (pcishim_check_flags(pr.pr_flags, 0))
		return -EINVAL;
	pthread_mutex_lock(&shimsim_mtx);
	error = pcishim_check_restrict(sf->sf_domid, pr.pr_domid);
	if (!error) {
		sf->sf_domid = pr.pr_domid;
		shimsim_reader_leave(fd, sf);
		if (sf->sf_wd != -1)
			(void)inotify_rm_watch(fd, sf->sf_wd);
		sf->sf_wd = -1;
		shimsim_drain_inotify(fd);
		pcishim_ring_init(&sf->sf_ring, sf->sf_buf, SHIMSIM_EVQ_LEN);
	}
	pthread_mutex_unlock(&shimsim_mtx);
	return error;
}

/*
 * AER_REPLY: the module's checks; the first answer to a waiting
 * callback is written where shimsim-ctl aer looks for it.
 */
static long
shimsim_ioc_aer_reply(void *uarg)
{
	struct pcishim_aer_reply	par;
	struct shimsim_aer		sa;
	struct shimsim_dev		sd;
	int				error, lk;

	if ((error = shimsim_copyin(&par, sizeof(par), uarg)) != 0)
		return error;
	if (pcishim_check_flags(par.par_flags, 0) ||
	    pcishim_check_aer_result(par.par_result))
		return -EINVAL;
	lk = shimsim_lock();
	if (shimsim_dev_load(par.par_bdf, &sd) != 0 || !sd.sd_held)
		error = -ENODEV;
	else if (shimsim_aer_load(par.par_bdf, &sa) != 0 ||
	    sa.sa_seq != par.par_seq || sa.sa_result != 0)
		error = -ESRCH;
	else {
		sa.sa_result = par.par_result;
		if (shimsim_aer_save(&sa) != 0)
			error = -EIO;
	}
	shimsim_unlock(lk);
	return error;
}

struct shimsim_ioc {
	unsigned long	si_cmd;
	int		si_write;
};

static const struct shimsim_ioc shimsim_iocs[] = {
	{ PCISHIM_IOC_VERSION,		0 },
	{ PCISHIM_IOC_LIST,		0 },
	{ PCISHIM_IOC_INFO,		0 },
	{ PCISHIM_IOC_CFG_READ,		0 },
	{ PCISHIM_IOC_CFG_WRITE,	1 },
	{ PCISHIM_IOC_RESET,		1 },
	{ PCISHIM_IOC_ASSIGN,		1 },
	{ PCISHIM_IOC_RELEASE,		1 },
	{ PCISHIM_IOC_ENABLE,		1 },
	{ PCISHIM_IOC_DISABLE,		1 },
	{ PCISHIM_IOC_MSI_ENABLE,	1 },
	{ PCISHIM_IOC_MSI_DISABLE,	1 },
	{ PCISHIM_IOC_MSIX_ENABLE,	1 },
	{ PCISHIM_IOC_MSIX_DISABLE,	1 },
	{ PCISHIM_IOC_RESTRICT,		0 },
	{ PCISHIM_IOC_RESET_BUS,	1 },
	{ PCISHIM_IOC_CFG_MAP,		0 },
	{ PCISHIM_IOC_AER_REPLY,	1 },
};

#define SHIMSIM_NOSIZE(cmd)	((cmd) & ~((unsigned long)_IOC_SIZEMASK << \
				    _IOC_SIZESHIFT))

/* The module's matching: without the size, which must cover version 1. */
static unsigned long
shimsim_ioc_check(const struct shimsim_file *sf, unsigned long cmd,
    int *error)
{
	size_t	i;

	for (i = 0; i < sizeof(shimsim_iocs) / sizeof(shimsim_iocs[0]); i++) {
		if (SHIMSIM_NOSIZE(cmd) != SHIMSIM_NOSIZE(shimsim_iocs[i].si_cmd))
			continue;
		if (_IOC_SIZE(cmd) < _IOC_SIZE(shimsim_iocs[i].si_cmd))
			break;
		if (shimsim_iocs[i].si_write && !sf->sf_write) {
			*error = -EBADF;
			return 0;
		}
		return shimsim_iocs[i].si_cmd;
	}
	*error = -ENOTTY;
	return 0;
}

/*
 * The switches list-fail and restrict-fail (any argument), info-fail
 * and assign-fail (all devices, or the one the argument names): that
 * ioctl fails with EIO while on, as a module in trouble would answer.
 */
static int
shimsim_ioc_fault(unsigned long cmd, const void *uarg)
{
	struct pcishim_info	pi;
	struct pcishim_assign	pa;
	char			arg[64];

	switch (cmd) {
	case PCISHIM_IOC_LIST:
		return shimsim_fault("list-fail", arg, sizeof(arg));
	case PCISHIM_IOC_RESTRICT:
		return shimsim_fault("restrict-fail", arg, sizeof(arg));
	case PCISHIM_IOC_INFO:
		if (shimsim_copyin(&pi, sizeof(pi), uarg) != 0)
			return 0;
		return shimsim_fault_dev("info-fail", pi.pi_bdf, arg,
		    sizeof(arg));
	case PCISHIM_IOC_ASSIGN:
		if (shimsim_copyin(&pa, sizeof(pa), uarg) != 0)
			return 0;
		return shimsim_fault_dev("assign-fail", pa.pa_bdf, arg,
		    sizeof(arg));
	}
	return 0;
}

static long
shimsim_ioctl(int fd, struct shimsim_file *sf, unsigned long cmd, void *uarg)
{
	uint32_t	domid = sf->sf_domid;
	int		error = 0;

	cmd = shimsim_ioc_check(sf, cmd, &error);
	if (cmd != 0 && domid != PCISHIM_DOMID_NONE &&
	    pcishim_check_restricted_ioc((uint32_t)cmd) != 0)
		return -EPERM;
	if (cmd != 0 && shimsim_ioc_fault(cmd, uarg))
		return -EIO;
	switch (cmd) {
	case PCISHIM_IOC_VERSION:
		return shimsim_ioc_version(uarg);
	case PCISHIM_IOC_LIST:
		return shimsim_ioc_list(uarg, domid);
	case PCISHIM_IOC_INFO:
		return shimsim_ioc_info(uarg, domid);
	case PCISHIM_IOC_CFG_READ:
		return shimsim_ioc_cfg(uarg, 0, domid);
	case PCISHIM_IOC_CFG_WRITE:
		return shimsim_ioc_cfg(uarg, 1, domid);
	case PCISHIM_IOC_RESET:
		return shimsim_ioc_reset(uarg, 0);
	case PCISHIM_IOC_ASSIGN:
		return shimsim_ioc_assign(uarg);
	case PCISHIM_IOC_RELEASE:
		return shimsim_ioc_reset(uarg, 1);
	case PCISHIM_IOC_ENABLE:
		return shimsim_ioc_enable(uarg, 1);
	case PCISHIM_IOC_DISABLE:
		return shimsim_ioc_enable(uarg, 0);
	case PCISHIM_IOC_MSI_ENABLE:
		return shimsim_ioc_msi_enable(uarg, domid);
	case PCISHIM_IOC_MSI_DISABLE:
		return shimsim_ioc_msi_disable(uarg, 0, domid);
	case PCISHIM_IOC_MSIX_ENABLE:
		return shimsim_ioc_msix_enable(uarg, domid);
	case PCISHIM_IOC_MSIX_DISABLE:
		return shimsim_ioc_msi_disable(uarg, 1, domid);
	case PCISHIM_IOC_RESTRICT:
		return shimsim_ioc_restrict(fd, sf, uarg);
	case PCISHIM_IOC_RESET_BUS:
		return shimsim_ioc_reset_bus(uarg);
	case PCISHIM_IOC_CFG_MAP:
		return shimsim_ioc_cfg_map(uarg, domid);
	case PCISHIM_IOC_AER_REPLY:
		return shimsim_ioc_aer_reply(uarg);
	default:
		return error;
	}
}

int
ioctl(int fd, unsigned long req, ...)
{
	static int		(*real_ioctl)(int, unsigned long, ...);
	struct shimsim_file	*sf;
	va_list			 ap;
	void			*arg;
	long			 rc;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if ((sf = shimsim_file(fd)) == NULL) {
		if (real_ioctl == NULL)
			*(void **)&real_ioctl = shimsim_real("ioctl");
		return real_ioctl(fd, req, arg);
	}
	if ((rc = shimsim_ioctl(fd, sf, req, arg)) < 0) {
		errno = (int)-rc;
		return -1;
	}
	return 0;
}

/* ---- sysfs: a device's reset_method ---------------------------------- */

struct shimsim_sysfile {
	uint32_t	ss_bdf;
	char		ss_text[SHIMSIM_METHODS_MAX + 2];
	size_t		ss_len;
	size_t		ss_pos;
};

static ssize_t
shimsim_sys_read(void *cookie, char *buf, size_t size)
{
	struct shimsim_sysfile	*ss = cookie;
	size_t			 n = ss->ss_len - ss->ss_pos;

	if (n > size)
		n = size;
	memcpy(buf, ss->ss_text + ss->ss_pos, n);
	ss->ss_pos += n;
	return (ssize_t)n;
}

/* Each write(2) is one store, as sysfs does it. */
static ssize_t
shimsim_sys_write(void *cookie, const char *buf, size_t size)
{
	struct shimsim_sysfile	*ss = cookie;
	struct shimsim_dev	 sd;
	char			 text[SHIMSIM_METHODS_MAX];
	int			 lk, error = 0;

	if (size >= sizeof(text)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(text, buf, size);
	text[size] = '\0';
	lk = shimsim_lock();
	if (shimsim_dev_load(ss->ss_bdf, &sd) != 0)
		error = -ENODEV;
	if (!error)
		error = shimsim_methods_set(&sd, text);
	if (!error)
		(void)shimsim_dev_save(&sd);
	shimsim_sysfs_sync();
	shimsim_unlock(lk);
	if (error) {
		errno = -error;
		return -1;
	}
	return (ssize_t)size;
}

static int
shimsim_sys_close(void *cookie)
{
	free(cookie);
	return 0;
}

/* "/sys/bus/pci/devices/SSSS:BB:DD.F/reset_method" of a present device. */
static int
shimsim_sys_match(const char *path, uint32_t *bdf)
{
	struct pcishim_slot	slot;
	const char		*pre = "/sys/bus/pci/devices/";
	const char		*suf = "/reset_method";
	char			dir[PATH_MAX];
	size_t			plen = strlen(pre), len;

	if (path == NULL || strncmp(path, pre, plen) != 0 ||
	    shimsim_dir(dir, sizeof(dir)) != 0)
		return 0;
	len = strlen(path);
	if (len < plen + strlen(suf) ||
	    strcmp(path + len - strlen(suf), suf) != 0)
		return 0;
	if (pcishim_parse_slot(path + plen, len - plen - strlen(suf), 0,
	    &slot) != 0)
		return 0;
	*bdf = pcishim_slot_bdf(&slot);
	return 1;
}

static FILE *
shimsim_sys_open(uint32_t bdf, const char *mode)
{
	cookie_io_functions_t	 io = {
		.read = shimsim_sys_read,
		.write = shimsim_sys_write,
		.close = shimsim_sys_close,
	};
	struct shimsim_sysfile	*ss;
	struct shimsim_dev	 sd;
	FILE			*f;
	int			 lk, error;

	lk = shimsim_lock();
	error = shimsim_dev_load(bdf, &sd);
	shimsim_unlock(lk);
	if (error != 0) {
		errno = ENOENT;
		return NULL;
	}
	if ((ss = calloc(1, sizeof(*ss))) == NULL)
		return NULL;
	ss->ss_bdf = bdf;
	snprintf(ss->ss_text, sizeof(ss->ss_text), "%s\n", sd.sd_methods);
	ss->ss_len = strlen(ss->ss_text);
	if ((f = fopencookie(ss, mode, io)) == NULL)
		free(ss);
	return f;
}

static FILE *
shimsim_fopen_common(const char *name, const char *path, const char *mode)
{
	FILE		*(*real_fopen)(const char *, const char *);
	uint32_t	 bdf;

	if (shimsim_sys_match(path, &bdf))
		return shimsim_sys_open(bdf, mode);
	*(void **)&real_fopen = shimsim_real(name);
	return real_fopen(path, mode);
}

FILE *
fopen(const char *path, const char *mode)
{
	return shimsim_fopen_common("fopen", path, mode);
}

FILE *
fopen64(const char *path, const char *mode)
{
	return shimsim_fopen_common("fopen64", path, mode);
}

/* ---- libpci: the host is the double's machine ------------------------ */

/*
 * Every pci_access starts on the sysfs tree of the model (model.c
 * writes each function's config, resource and irq there).  A caller
 * that picks its own method and path afterwards (the emulated
 * provider's dump: and sysfs: sources) still gets what it asked for.
 */
struct pci_access *
pci_alloc(void)
{
	struct pci_access	*(*real_alloc)(void);
	int			 (*set_param)(struct pci_access *, char *,
				    char *);
	struct pci_access	*pa;
	struct stat		 st;
	char			 events[PATH_MAX], path[PATH_MAX];
	char			 name[] = "sysfs.path";

	*(void **)&real_alloc = shimsim_real("pci_alloc");
	if ((pa = real_alloc()) == NULL)
		return NULL;
	if (shimsim_path(events, sizeof(events), "events") != 0 ||
	    stat(events, &st) == -1 ||
	    shimsim_path(path, sizeof(path), "sys/bus/pci") != 0)
		return pa;
	*(void **)&set_param = shimsim_real("pci_set_param");
	pa->method = PCI_ACCESS_SYS_BUS_PCI;
	(void)set_param(pa, name, path);
	return pa;
}
