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
 * LD_PRELOAD library: the libxenctrl, libxenevtchn and libxengnttab calls
 * that xenstored and a backend daemon make, over the file model of
 * model.c. Every process using it is dom0. The handles are opaque in
 * Xen's headers, so the structs below are ours.
 */

#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/filter.h>
#include <linux/seccomp.h>

#include <dlfcn.h>
#include <grp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xen/sched.h>
#include <xenevtchn.h>
#include <xengnttab.h>

#include "model.h"

static int	xensim_fail_once(const char *);
#include "pcishim_io.h"

#define XENSIM_SELF	0	/* the domain of every preloaded process */

struct xc_interface_core {
	char	xh_dir[PATH_MAX];
};

struct xenevtchn_handle {
	char	eh_dir[PATH_MAX];
	char	eh_fifo[PATH_MAX];
	int	eh_fd;
};

/* One mapping made through a gnttab handle, for close and unmap. */
struct xensim_map {
	void			*mp_addr;
	uint32_t		 mp_count;
	struct xensim_map	*mp_next;
};

struct xengntdev_handle {
	char			 gh_dir[PATH_MAX];
	struct xensim_map	*gh_maps;
};

/*
 * The event log (XENSIM_EVLOG=FILE in a process's environment): one line
 * per pending, notify and unmask that process makes, "pending P active=A"
 * saying whether the page it mapped from the port's remote domain had an
 * op posted (XEN_PCIF_active, bit 0 of the first word) when the event was
 * taken.  Tests check the backend's ordering with it (XSA-332).
 */
#define XENSIM_EVLOG_PORTS	4096

static struct {
	uint32_t	 el_dom[XENSIM_EVLOG_PORTS];	/* local port -> domid+1 */
	void		*el_page[XENSIM_EVLOG_PORTS];	/* domid -> last page */
} xensim_evlog_map;

static void	xensim_evlog(const char *, ...)
		    __attribute__((__format__(__printf__, 1, 2)));

static void
xensim_evlog(const char *fmt, ...)
{
	static int	 fd = -2;
	static pid_t	 pid;
	const char	*path;
	char		 line[128];
	va_list		 ap;
	int		 n;

	/* A forked worker closed what its parent opened: open again. */
	if (fd >= 0 && pid != getpid())
		fd = -2;
	if (fd == -2) {
		pid = getpid();
		path = getenv("XENSIM_EVLOG");
		fd = path == NULL ? -1 : open(path,
		    O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC, 0644);
	}
	if (fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof line)
		(void)write(fd, line, (size_t)n);
}

static int
xensim_evlog_active(uint32_t port)
{
	uint32_t		 dom;
	volatile uint32_t	*flags;

	if (port >= XENSIM_EVLOG_PORTS ||
	    (dom = xensim_evlog_map.el_dom[port]) == 0 ||
	    dom - 1 >= XENSIM_EVLOG_PORTS ||
	    (flags = xensim_evlog_map.el_page[dom - 1]) == NULL)
		return 0;
	return (int)(__atomic_load_n(flags, __ATOMIC_ACQUIRE) & 1);
}

/* Pages about to be unmapped: never read them again. */
static void
xensim_evlog_forget(void *addr, uint32_t count)
{
	uint8_t	*p;
	size_t	 i;

	for (i = 0; i < XENSIM_EVLOG_PORTS; i++) {
		p = xensim_evlog_map.el_page[i];
		if (p >= (uint8_t *)addr &&
		    p < (uint8_t *)addr + (size_t)count * XENSIM_PAGE_SIZE)
			xensim_evlog_map.el_page[i] = NULL;
	}
}

xc_interface *
xc_interface_open(xentoollog_logger *logger, xentoollog_logger *dlogger,
    unsigned open_flags)
{
	xc_interface	*xch;

	(void)logger;
	(void)dlogger;
	(void)open_flags;
	if ((xch = calloc(1, sizeof *xch)) == NULL)
		return NULL;
	if (xensim_dir(xch->xh_dir, sizeof xch->xh_dir) == -1) {
		free(xch);
		return NULL;
	}
	return xch;
}

int
xc_interface_close(xc_interface *xch)
{
	free(xch);
	return 0;
}

/* Only the fields xenstored reads are filled in. */
int
xc_domain_getinfo(xc_interface *xch, uint32_t first_domid,
    unsigned int max_doms, xc_dominfo_t *info)
{
	char		state[32];
	unsigned int	n, dom;

	for (n = 0; n < max_doms; n++) {
		if (xensim_dom_find(xch->xh_dir, first_domid, &dom, state,
		    sizeof state) == -1)
			break;
		memset(&info[n], 0, sizeof info[n]);
		info[n].domid = dom;
		info[n].dying = strcmp(state, "dying") == 0;
		info[n].shutdown = strcmp(state, "shutdown") == 0 ||
		    strcmp(state, "suspended") == 0;
		info[n].crashed = strcmp(state, "crashed") == 0;
		info[n].running = strcmp(state, "running") == 0;
		info[n].nr_online_vcpus = 1;
		first_domid = dom + 1;
	}
	return (int)n;
}

/*
 * The backend's question (daemon/guestdom.c): the flags, with the
 * shutdown reason; "suspended" is a shutdown a resume undoes.
 */
int
xc_domain_getinfolist(xc_interface *xch, uint32_t first_domain,
    unsigned int max_domains, xc_domaininfo_t *info)
{
	char		state[32];
	unsigned int	n, dom, why;

	for (n = 0; n < max_domains; n++) {
		if (xensim_dom_find(xch->xh_dir, first_domain, &dom, state,
		    sizeof state) == -1)
			break;
		memset(&info[n], 0, sizeof info[n]);
		info[n].domain = (domid_t)dom;
		why = SHUTDOWN_poweroff;
		if (strcmp(state, "dying") == 0)
			info[n].flags |= XEN_DOMINF_dying;
		else if (strcmp(state, "crashed") == 0)
			why = SHUTDOWN_crash;
		else if (strcmp(state, "suspended") == 0)
			why = SHUTDOWN_suspend;
		else if (strcmp(state, "shutdown") != 0)
			why = ~0U;
		if (why != ~0U)
			info[n].flags |= XEN_DOMINF_shutdown |
			    (why << XEN_DOMINF_shutdownshift);
		first_domain = dom + 1;
	}
	return (int)n;
}

static xenevtchn_handle *
xensim_evtchn_new(void)
{
	xenevtchn_handle	*xce;

	if ((xce = calloc(1, sizeof *xce)) == NULL)
		return NULL;
	if (xensim_dir(xce->eh_dir, sizeof xce->eh_dir) == -1) {
		free(xce);
		return NULL;
	}
	return xce;
}

xenevtchn_handle *
xenevtchn_open(struct xentoollog_logger *logger, unsigned int flags)
{
	xenevtchn_handle	*xce;

	(void)logger;
	if (xensim_fail_once("xenevtchn_open")) {
		errno = EMFILE;
		return NULL;
	}
	if ((xce = xensim_evtchn_new()) == NULL)
		return NULL;
	xce->eh_fd = xensim_fifo_open(xce->eh_dir, xce->eh_fifo,
	    sizeof xce->eh_fifo, !(flags & XENEVTCHN_NO_CLOEXEC));
	if (xce->eh_fd == -1) {
		free(xce);
		return NULL;
	}
	return xce;
}

/* Re-adopt an inherited handle FIFO (xenstored's live update). */
xenevtchn_handle *
xenevtchn_fdopen(struct xentoollog_logger *logger, int fd,
    unsigned open_flags)
{
	xenevtchn_handle	*xce;
	char			 link[64];
	ssize_t			 n;

	(void)logger;
	(void)open_flags;
	if ((xce = xensim_evtchn_new()) == NULL)
		return NULL;
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	n = readlink(link, xce->eh_fifo, sizeof xce->eh_fifo - 1);
	if (n <= 0) {
		free(xce);
		return NULL;
	}
	xce->eh_fifo[n] = '\0';
	xce->eh_fd = fd;
	return xce;
}

int
xenevtchn_close(xenevtchn_handle *xce)
{
	if (xce == NULL)
		return 0;
	xensim_fifo_close(xce->eh_dir, xce->eh_fifo, xce->eh_fd);
	free(xce);
	return 0;
}

int
xenevtchn_fd(xenevtchn_handle *xce)
{
	return xce->eh_fd;
}

int
xenevtchn_notify(xenevtchn_handle *xce, evtchn_port_t port)
{
	xensim_evlog("notify %u\n", port);
	return xensim_notify(xce->eh_dir, XENSIM_SELF, port, xce->eh_fifo);
}

xenevtchn_port_or_error_t
xenevtchn_bind_unbound_port(xenevtchn_handle *xce, uint32_t domid)
{
	return xensim_bind_unbound(xce->eh_dir, XENSIM_SELF, xce->eh_fifo,
	    domid);
}

xenevtchn_port_or_error_t
xenevtchn_bind_interdomain(xenevtchn_handle *xce, uint32_t domid,
    evtchn_port_t remote_port)
{
	xenevtchn_port_or_error_t	port;

	port = xensim_bind_interdomain(xce->eh_dir, XENSIM_SELF, xce->eh_fifo,
	    domid, remote_port);
	if (port >= 0 && (uint32_t)port < XENSIM_EVLOG_PORTS)
		xensim_evlog_map.el_dom[port] = domid + 1;
	return port;
}

xenevtchn_port_or_error_t
xenevtchn_bind_virq(xenevtchn_handle *xce, unsigned int virq)
{
	return xensim_bind_virq(xce->eh_dir, XENSIM_SELF, xce->eh_fifo, virq);
}

int
xenevtchn_unbind(xenevtchn_handle *xce, evtchn_port_t port)
{
	return xensim_unbind(xce->eh_dir, XENSIM_SELF, port, xce->eh_fifo);
}

/*
 * One queued event per call; blocks if none, as the Linux driver does.
 */
/*
 * A process under a seccomp filter (pcibackd's workers) still runs this
 * preload, which keeps the model in files: prctl() puts, before the
 * caller's filter, an allowance for the calls the preloads make
 * (xensim's and shimsim's).  Everything else stays the caller's filter.
 */
static const int xensim_sim_calls[] = {
	SYS_openat, SYS_close, SYS_read, SYS_write, SYS_pread64, SYS_pwrite64,
	SYS_lseek, SYS_fstat,
	SYS_newfstatat, SYS_statx, SYS_flock, SYS_fcntl, SYS_renameat,
	SYS_renameat2, SYS_unlinkat, SYS_getdents64, SYS_mkdirat, SYS_kill,
	SYS_getpid, SYS_nanosleep, SYS_clock_nanosleep, SYS_faccessat,
	SYS_readlinkat, SYS_getrandom, SYS_umask, SYS_fsync, SYS_ftruncate,
	SYS_linkat, SYS_mknodat, SYS_fchmod, SYS_utimensat, SYS_getcwd,
#ifdef SYS_open
	SYS_open, SYS_stat, SYS_lstat, SYS_rename, SYS_unlink, SYS_mkdir,
	SYS_access, SYS_readlink, SYS_link, SYS_mknod,
#endif
#ifdef SYS_faccessat2
	SYS_faccessat2,
#endif
};
#define XENSIM_SIM_NCALLS \
	(sizeof(xensim_sim_calls) / sizeof(xensim_sim_calls[0]))

static int	xensim_filtered;	/* a filter is on: a worker */
static int	xensim_sigsys;		/* XENSIM_SIGSYS: tests may trigger */

static int
xensim_seccomp(int (*real)(int, ...), const struct sock_fprog *orig)
{
	struct sock_filter	*f;
	struct sock_fprog	 prog;
	size_t			 i, m = XENSIM_SIM_NCALLS, n = 0;
	int			 rc;

	if ((f = calloc(m + 5 + orig->len, sizeof(*f))) == NULL)
		return -1;
	/* 0: ld nr; 1..m: jeq -> allow; m+1: ja over; m+2: allow. */
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, nr));
	for (i = 0; i < m; i++, n++)
		f[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
		    (uint32_t)xensim_sim_calls[i], (uint8_t)(m - i), 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, 1);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
	    SECCOMP_RET_ALLOW);
	memcpy(f + n, orig->filter, orig->len * sizeof(*f));
	n += orig->len;
	prog.len = (unsigned short)n;
	prog.filter = f;
	rc = real(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0UL, 0UL);
	free(f);
	if (rc == 0) {
		xensim_filtered = 1;
		xensim_sigsys = getenv("XENSIM_SIGSYS") != NULL;
	}
	return rc;
}

/*
 * With XENSIM_SIGSYS set, the next process to install a system call
 * filter while $XENSIM_DIR/seccomp-fail exists (removed: once) fails to:
 * a sandbox that cannot be entered must never serve.
 */
static int
xensim_seccomp_fail(void)
{
	char	dir[256], path[300];

	if (getenv("XENSIM_SIGSYS") == NULL ||
	    xensim_dir(dir, sizeof dir) == -1)
		return 0;
	snprintf(path, sizeof path, "%s/seccomp-fail", dir);
	return unlink(path) == 0;
}

int
prctl(int option, ...)
{
	static int	(*real)(int, ...);
	unsigned long	 a[4];
	va_list		 ap;
	int		 i;

	va_start(ap, option);
	for (i = 0; i < 4; i++)
		a[i] = va_arg(ap, unsigned long);
	va_end(ap);
	if (real == NULL &&
	    (real = (int (*)(int, ...))dlsym(RTLD_NEXT, "prctl")) == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (option == PR_SET_SECCOMP && a[0] == SECCOMP_MODE_FILTER &&
	    a[1] != 0 && xensim_seccomp_fail()) {
		errno = EINVAL;
		return -1;
	}
	if (option == PR_SET_SECCOMP && a[0] == SECCOMP_MODE_FILTER &&
	    a[1] != 0)
		return xensim_seccomp(real,
		    (const struct sock_fprog *)(uintptr_t)a[1]);
	return real(option, a[0], a[1], a[2], a[3]);
}

/*
 * A process that gives up root (pcibackd's workers) would lose the
 * model's files: with XENSIM_DIR set, chroot and the user and group
 * changes only append what was asked to $XENSIM_DIR/privdrop.log
 * ("PID chroot DIR", "PID setresuid UID" ...) and succeed.  The real
 * change is the real Xen's tests' to check.
 */
static int
xensim_privdrop(const char *what, const char *arg)
{
	char	dir[256], path[300];
	int	fd;

	if (xensim_dir(dir, sizeof dir) == -1)
		return -1;
	snprintf(path, sizeof path, "%s/privdrop.log", dir);
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0644)) == -1)
		return -1;
	dprintf(fd, "%ld %s %s\n", (long)getpid(), what, arg);
	close(fd);
	return 0;
}

int
chroot(const char *path)
{
	return xensim_privdrop("chroot", path);
}

int
setgroups(size_t n, const gid_t *groups)
{
	(void)groups;
	return n == 0 ? xensim_privdrop("setgroups", "none") :
	    xensim_privdrop("setgroups", "some");
}

int
setresgid(gid_t r, gid_t e, gid_t s)
{
	char	buf[64];

	snprintf(buf, sizeof buf, "%ld %ld %ld", (long)r, (long)e, (long)s);
	return xensim_privdrop("setresgid", buf);
}

int
setresuid(uid_t r, uid_t e, uid_t s)
{
	char	buf[64];

	snprintf(buf, sizeof buf, "%ld %ld %ld", (long)r, (long)e, (long)s);
	return xensim_privdrop("setresuid", buf);
}

/*
 * With XENSIM_SIGSYS set, a filtered process that takes an event while
 * $XENSIM_DIR/sigsys exists (removed: once) or sigsys-always exists makes
 * a call no filter allows: the test of what its parent does then.
 */
static void
xensim_sigsys_trigger(void)
{
	char	dir[256], path[300];

	if (!xensim_filtered || !xensim_sigsys ||
	    xensim_dir(dir, sizeof dir) == -1)
		return;
	snprintf(path, sizeof path, "%s/sigsys", dir);
	if (unlink(path) != 0) {
		snprintf(path, sizeof path, "%s/sigsys-always", dir);
		if (access(path, F_OK) != 0)
			return;
	}
	(void)syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
}

/*
 * With XENSIM_SIGSYS set, a filtered process that accepts a connection
 * (pcibackd's control process) while $XENSIM_DIR/sigsys-accept exists
 * (removed: once) or sigsys-accept-always exists makes a call no filter
 * allows, before it accepts.
 */
int
accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	static int	(*real)(int, struct sockaddr *, socklen_t *, int);
	char		 dir[256], path[300];
	int		 once;

	if (real == NULL && (real = (int (*)(int, struct sockaddr *,
	    socklen_t *, int))dlsym(RTLD_NEXT, "accept4")) == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (xensim_filtered && xensim_sigsys &&
	    xensim_dir(dir, sizeof dir) == 0) {
		snprintf(path, sizeof path, "%s/sigsys-accept", dir);
		once = unlink(path) == 0;
		snprintf(path, sizeof path, "%s/sigsys-accept-always", dir);
		if (once || access(path, F_OK) == 0)
			(void)syscall(SYS_socket, AF_INET, SOCK_STREAM, 0);
	}
	return real(fd, addr, len, flags);
}

/*
 * With XENSIM_SIGSYS set, a filtered process that takes an event from
 * domain D while $XENSIM_DIR/shimprobe-D exists (a BDF packed as
 * PCISHIM_BDF does, in hex) tries on each shim descriptor it has (the
 * shim double's are inotify descriptors) a config read, a config write
 * of the same value and a reset of that BDF, and writes what they
 * returned to shimprobe-D.out: what a compromised worker could do.
 */
static void
xensim_shimprobe(uint32_t port)
{
	struct pcishim_cfg	pc;
	struct pcishim_devop	op;
	char			dir[256], path[300], tmp[300], link[64], buf[64];
	unsigned int		dom;
	unsigned long		bdf;
	ssize_t			n;
	int			fd, in, out, rc[3], er[3];

	if (!xensim_filtered || !xensim_sigsys || port >= XENSIM_EVLOG_PORTS ||
	    (dom = xensim_evlog_map.el_dom[port]) == 0 ||
	    xensim_dir(dir, sizeof dir) == -1)
		return;
	snprintf(path, sizeof path, "%s/shimprobe-%u", dir, dom - 1);
	if ((in = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	n = read(in, buf, sizeof buf - 1);
	close(in);
	if (n <= 0)
		return;		/* being written: next time */
	(void)unlink(path);
	buf[n] = '\0';
	bdf = strtoul(buf, NULL, 16);
	snprintf(tmp, sizeof tmp, "%s/shimprobe-%u.tmp", dir, dom - 1);
	if ((out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1)
		return;
	for (fd = 0; fd < 256; fd++) {
		snprintf(buf, sizeof buf, "/proc/self/fd/%d", fd);
		if ((n = readlink(buf, link, sizeof link - 1)) <= 0)
			continue;
		link[n] = '\0';
		if (strstr(link, "inotify") == NULL)
			continue;
		memset(&pc, 0, sizeof pc);
		pc.pc_argsz = sizeof pc;
		pc.pc_bdf = (uint32_t)bdf;
		pc.pc_size = 4;
		rc[0] = ioctl(fd, PCISHIM_IOC_CFG_READ, &pc);
		er[0] = rc[0] == -1 ? errno : 0;
		rc[1] = ioctl(fd, PCISHIM_IOC_CFG_WRITE, &pc);
		er[1] = rc[1] == -1 ? errno : 0;
		memset(&op, 0, sizeof op);
		op.pd_argsz = sizeof op;
		op.pd_bdf = (uint32_t)bdf;
		rc[2] = ioctl(fd, PCISHIM_IOC_RESET, &op);
		er[2] = rc[2] == -1 ? errno : 0;
		dprintf(out, "fd=%d cfg_read=%d cfg_write=%d reset=%d\n", fd,
		    er[0], er[1], er[2]);
	}
	close(out);
	snprintf(path, sizeof path, "%s/shimprobe-%u.out", dir, dom - 1);
	(void)rename(tmp, path);
}

#define XENSIM_FOLD_MAX	1024	/* events looked at behind one taken */

/*
 * Xen's pending bit: notifies of a port whose event is not taken yet
 * fold into that event.  Senders queue one event per notify, so the
 * taker folds: the events queued behind the one it takes go, but one
 * per other port, put back for the next calls (so poll still says
 * so).  A receiver never finds a backlog a real one could not have.
 * Nothing is lost: it looks at the shared state after taking the event.
 * Only the taker reads the FIFO, so the reads here do not block.
 */
static void
xensim_fold(xenevtchn_handle *xce, uint32_t taken)
{
	uint32_t	ev[XENSIM_FOLD_MAX], keep[XENSIM_FOLD_MAX];
	size_t		i, j, n, nkeep = 0;
	ssize_t		r;
	int		avail;

	if (ioctl(xce->eh_fd, FIONREAD, &avail) == -1 ||
	    avail < (int)sizeof(ev[0]))
		return;
	n = (size_t)avail / sizeof(ev[0]);
	if (n > XENSIM_FOLD_MAX)
		n = XENSIM_FOLD_MAX;
	if ((r = read(xce->eh_fd, ev, n * sizeof(ev[0]))) <= 0)
		return;
	n = (size_t)r / sizeof(ev[0]);
	for (i = 0; i < n; i++) {
		if (ev[i] == taken)
			continue;
		for (j = 0; j < nkeep && keep[j] != ev[i]; j++)
			;
		if (j == nkeep)
			keep[nkeep++] = ev[i];
	}
	if (nkeep > 0 &&
	    write(xce->eh_fd, keep, nkeep * sizeof(keep[0])) == -1)
		xensim_evlog("fold: %s\n", strerror(errno));
}

xenevtchn_port_or_error_t
xenevtchn_pending(xenevtchn_handle *xce)
{
	uint32_t	port;
	ssize_t		n;

	do {
		n = read(xce->eh_fd, &port, sizeof port);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return -1;
	if (n != (ssize_t)sizeof port) {
		errno = EIO;
		return -1;
	}
	xensim_fold(xce, port);
	xensim_evlog("pending %u active=%d\n", port, xensim_evlog_active(port));
	xensim_sigsys_trigger();
	xensim_shimprobe(port);
	return (xenevtchn_port_or_error_t)port;
}

/* Nothing is ever masked in the model. */
int
xenevtchn_unmask(xenevtchn_handle *xce, evtchn_port_t port)
{
	(void)xce;
	xensim_evlog("unmask %u\n", port);
	return 0;
}

int
xenevtchn_restrict(xenevtchn_handle *xce, domid_t domid)
{
	(void)xce;
	(void)domid;
	return 0;
}

xengnttab_handle *
xengnttab_open(struct xentoollog_logger *logger, unsigned open_flags)
{
	xengnttab_handle	*xgt;

	(void)logger;
	(void)open_flags;
	if (xensim_fail_once("xengnttab_open")) {
		errno = EMFILE;
		return NULL;
	}
	if ((xgt = calloc(1, sizeof *xgt)) == NULL)
		return NULL;
	if (xensim_dir(xgt->gh_dir, sizeof xgt->gh_dir) == -1) {
		free(xgt);
		return NULL;
	}
	return xgt;
}

/* Closing the handle unmaps everything still mapped, as in Xen. */
int
xengnttab_close(xengnttab_handle *xgt)
{
	struct xensim_map	*mp;

	if (xgt == NULL)
		return 0;
	while ((mp = xgt->gh_maps) != NULL) {
		xgt->gh_maps = mp->mp_next;
		xensim_evlog_forget(mp->mp_addr, mp->mp_count);
		munmap(mp->mp_addr, (size_t)mp->mp_count * XENSIM_PAGE_SIZE);
		free(mp);
	}
	free(xgt);
	return 0;
}

/* There is no device behind the handle. */
int
xengnttab_fd(xengnttab_handle *xgt)
{
	(void)xgt;
	errno = ENOSYS;
	return -1;
}

int
xengnttab_set_max_grants(xengnttab_handle *xgt, uint32_t nr_grants)
{
	(void)xgt;
	(void)nr_grants;
	return 0;
}

static void *
xensim_remember(xengnttab_handle *xgt, void *addr, uint32_t count)
{
	struct xensim_map	*mp;

	if ((mp = malloc(sizeof *mp)) == NULL) {
		munmap(addr, (size_t)count * XENSIM_PAGE_SIZE);
		return NULL;
	}
	mp->mp_addr = addr;
	mp->mp_count = count;
	mp->mp_next = xgt->gh_maps;
	xgt->gh_maps = mp;
	return addr;
}

void *
xengnttab_map_grant_refs(xengnttab_handle *xgt, uint32_t count,
    uint32_t *domids, uint32_t *refs, int prot)
{
	uint8_t		*base;
	uint32_t	 i;

	if (count == 0) {
		errno = EINVAL;
		return NULL;
	}
	/* Reserve a contiguous range, then put each page in its slot. */
	base = mmap(NULL, (size_t)count * XENSIM_PAGE_SIZE, PROT_NONE,
	    MAP_PRIVATE|MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	for (i = 0; i < count; i++) {
		if (xensim_grant_map(xgt->gh_dir, domids[i], refs[i], prot,
		    base + (size_t)i * XENSIM_PAGE_SIZE) == NULL) {
			munmap(base, (size_t)count * XENSIM_PAGE_SIZE);
			errno = EINVAL;
			return NULL;
		}
		if (domids[i] < XENSIM_EVLOG_PORTS)
			xensim_evlog_map.el_page[domids[i]] =
			    base + (size_t)i * XENSIM_PAGE_SIZE;
	}
	return xensim_remember(xgt, base, count);
}

void *
xengnttab_map_domain_grant_refs(xengnttab_handle *xgt, uint32_t count,
    uint32_t domid, uint32_t *refs, int prot)
{
	uint32_t	*domids;
	void		*p;
	uint32_t	 i;

	if ((domids = calloc(count ? count : 1, sizeof *domids)) == NULL)
		return NULL;
	for (i = 0; i < count; i++)
		domids[i] = domid;
	p = xengnttab_map_grant_refs(xgt, count, domids, refs, prot);
	free(domids);
	return p;
}

void *
xengnttab_map_grant_ref(xengnttab_handle *xgt, uint32_t domid, uint32_t ref,
    int prot)
{
	return xengnttab_map_grant_refs(xgt, 1, &domid, &ref, prot);
}

/* Unmap notifications are not modelled: refuse rather than ignore them. */
void *
xengnttab_map_grant_ref_notify(xengnttab_handle *xgt, uint32_t domid,
    uint32_t ref, int prot, uint32_t notify_offset, evtchn_port_t notify_port)
{
	if (notify_offset != (uint32_t)-1 || notify_port != (evtchn_port_t)-1) {
		errno = ENOSYS;
		return NULL;
	}
	return xengnttab_map_grant_ref(xgt, domid, ref, prot);
}

int
xengnttab_unmap(xengnttab_handle *xgt, void *start_address, uint32_t count)
{
	struct xensim_map	**mpp, *mp;

	for (mpp = &xgt->gh_maps; (mp = *mpp) != NULL; mpp = &mp->mp_next) {
		if (mp->mp_addr != start_address || mp->mp_count != count)
			continue;
		*mpp = mp->mp_next;
		xensim_evlog_forget(mp->mp_addr, count);
		munmap(mp->mp_addr, (size_t)count * XENSIM_PAGE_SIZE);
		free(mp);
		return 0;
	}
	errno = EINVAL;
	return -1;
}

static int
xensim_open_xsd_port(const char *dir)
{
	char	path[PATH_MAX];
	int	n;

	if (xensim_xsd_port(dir) == -1)
		return -1;
	n = snprintf(path, sizeof path, "%s/xsd_port", dir);
	if (n < 0 || (size_t)n >= sizeof path) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return open(path, O_RDONLY|O_CLOEXEC);
}

static int
xensim_open_xsd_kva(const char *dir, int flags)
{
	char	path[PATH_MAX];

	if (xensim_xsd_kva(dir, path, sizeof path) == -1)
		return -1;
	return open(path, flags);
}

/* xenstored reads its own port and ring from /proc/xen; all else passes. */
int
open(const char *path, int flags, ...)
{
	int		(*real_open)(const char *, int, ...);
	char		dir[PATH_MAX];
	unsigned int	mode = 0;
	va_list		ap;

	if (flags & (O_CREAT|O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, unsigned int);
		va_end(ap);
	}
	if (strcmp(path, "/proc/xen/xsd_port") == 0) {
		if (xensim_dir(dir, sizeof dir) == -1)
			return -1;
		return xensim_open_xsd_port(dir);
	}
	if (strcmp(path, "/proc/xen/xsd_kva") == 0) {
		if (xensim_dir(dir, sizeof dir) == -1)
			return -1;
		return xensim_open_xsd_kva(dir, flags);
	}
	*(void **)&real_open = dlsym(RTLD_NEXT, "open");
	if (real_open == NULL) {
		errno = ENOSYS;
		return -1;
	}
	return real_open(path, flags, mode);
}

/*
 * Xenstore failing under pcibackd (with XENSIM_SIGSYS set, in the
 * process named pcibackd only): the next write of a path ending with
 * what $XENSIM_DIR/xs-write-fail says (removed: once) fails with EACCES;
 * the next commit of a transaction while $XENSIM_DIR/xs-commit-eagain
 * exists fails with EAGAIN, as a conflict does (once, or as many times
 * as the file says), while xs-commit-fail exists with EIO (once).  The
 * real libxenstore does everything else.
 */
struct xs_handle;

typedef uint32_t	xs_transaction_t;

bool	xs_write(struct xs_handle *, uint32_t, const char *, const void *,
	    unsigned int);
bool	xs_transaction_end(struct xs_handle *, uint32_t, bool);
xs_transaction_t	xs_transaction_start(struct xs_handle *);
bool	xs_watch(struct xs_handle *, const char *, const char *);

static int
xensim_xs_fault(const char *name, char *arg, size_t len)
{
	char	dir[256], path[300];
	ssize_t	n;
	int	fd;

	if (getenv("XENSIM_SIGSYS") == NULL ||
	    strcmp(program_invocation_short_name, "pcibackd") != 0 ||
	    xensim_dir(dir, sizeof dir) == -1)
		return 0;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (arg == NULL)
		return unlink(path) == 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, arg, len - 1);
	close(fd);
	if (n <= 0)
		return 0;
	arg[n] = '\0';
	arg[strcspn(arg, "\n")] = '\0';
	return 1;
}

/*
 * A fault that fires N times: the file holds N (empty: once); each time
 * it fires it holds one less, and goes at the last.
 */
static int
xensim_xs_count(const char *name)
{
	char	dir[256], path[300], num[32];
	long	n;
	FILE	*f;

	if (!xensim_xs_fault(name, num, sizeof num))
		return xensim_xs_fault(name, NULL, 0);
	n = strtol(num, NULL, 10);
	if (n <= 1 || xensim_dir(dir, sizeof dir) == -1)
		return xensim_xs_fault(name, NULL, 0);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return 0;
	fprintf(f, "%ld\n", n - 1);
	fclose(f);
	return 1;
}

/*
 * Does the switch NAME (removed: once) fire for path?  Its file holds a
 * suffix; the first path that ends with it takes the switch, and the
 * call that tried it fails.
 */
static int
xensim_xs_path_fault(const char *name, const char *path)
{
	char	dir[256], fpath[300], suffix[128];
	size_t	pl, sl;

	if (!xensim_xs_fault(name, suffix, sizeof suffix))
		return 0;
	pl = strlen(path);
	sl = strlen(suffix);
	if (sl == 0 || pl < sl || strcmp(path + pl - sl, suffix) != 0 ||
	    xensim_dir(dir, sizeof dir) == -1)
		return 0;
	snprintf(fpath, sizeof fpath, "%s/%s", dir, name);
	return unlink(fpath) == 0;
}

bool
xs_write(struct xs_handle *h, uint32_t t, const char *path,
    const void *data, unsigned int len)
{
	static bool	(*real)(struct xs_handle *, uint32_t, const char *,
			    const void *, unsigned int);

	if (real == NULL && (real = (bool (*)(struct xs_handle *, uint32_t,
	    const char *, const void *, unsigned int))dlsym(RTLD_NEXT,
	    "xs_write")) == NULL) {
		errno = ENOSYS;
		return false;
	}
	if (xensim_xs_path_fault("xs-write-fail", path)) {
		errno = EACCES;
		return false;
	}
	return real(h, t, path, data, len);
}

/*
 * The next watch of a path ending with what $XENSIM_DIR/xs-watch-fail
 * says (removed: once) fails with EACCES, as xenstored refuses a watch
 * past its quota.
 */
bool
xs_watch(struct xs_handle *h, const char *path, const char *token)
{
	static bool	(*real)(struct xs_handle *, const char *,
			    const char *);

	if (real == NULL && (real = (bool (*)(struct xs_handle *,
	    const char *, const char *))dlsym(RTLD_NEXT, "xs_watch")) ==
	    NULL) {
		errno = ENOSYS;
		return false;
	}
	if (xensim_xs_path_fault("xs-watch-fail", path)) {
		errno = EACCES;
		return false;
	}
	return real(h, path, token);
}

bool
xs_transaction_end(struct xs_handle *h, uint32_t t, bool abort)
{
	static bool	(*real)(struct xs_handle *, uint32_t, bool);

	if (real == NULL && (real = (bool (*)(struct xs_handle *, uint32_t,
	    bool))dlsym(RTLD_NEXT, "xs_transaction_end")) == NULL) {
		errno = ENOSYS;
		return false;
	}
	if (!abort && xensim_xs_count("xs-commit-eagain")) {
		(void)real(h, t, true);
		errno = EAGAIN;
		return false;
	}
	if (!abort && xensim_xs_fault("xs-commit-fail", NULL, 0)) {
		(void)real(h, t, true);
		errno = EIO;
		return false;
	}
	return real(h, t, abort);
}

/*
 * The next transaction start while $XENSIM_DIR/xs-start-fail exists
 * (removed: once) fails with EBUSY, as xenstored refuses one past its
 * quota of open transactions.
 */
xs_transaction_t
xs_transaction_start(struct xs_handle *h)
{
	static xs_transaction_t	(*real)(struct xs_handle *);

	if (real == NULL && (real = (xs_transaction_t (*)(struct xs_handle *))
	    dlsym(RTLD_NEXT, "xs_transaction_start")) == NULL) {
		errno = ENOSYS;
		return 0;
	}
	if (xensim_xs_fault("xs-start-fail", NULL, 0)) {
		errno = EBUSY;
		return 0;
	}
	return real(h);
}

/*
 * Resources running out in pcibackd (the process named so only): the
 * next call of NAME while $XENSIM_DIR/fail-NAME exists fails (the file
 * removed: once).  NAME: fork, socketpair (EAGAIN, EMFILE as the kernel
 * says when out of processes or descriptors), xengnttab_open,
 * xenevtchn_open (EMFILE).
 */
static int
xensim_fail_once(const char *name)
{
	char	dir[256], path[300];

	if (strcmp(program_invocation_short_name, "pcibackd") != 0 ||
	    xensim_dir(dir, sizeof dir) == -1)
		return 0;
	snprintf(path, sizeof path, "%s/fail-%s", dir, name);
	return unlink(path) == 0;
}

pid_t
fork(void)
{
	static pid_t	(*real)(void);

	if (real == NULL &&
	    (real = (pid_t (*)(void))dlsym(RTLD_NEXT, "fork")) == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (xensim_fail_once("fork")) {
		errno = EAGAIN;
		return -1;
	}
	return real();
}

int
socketpair(int domain, int type, int protocol, int sv[2])
{
	static int	(*real)(int, int, int, int *);

	if (real == NULL && (real = (int (*)(int, int, int, int *))dlsym(
	    RTLD_NEXT, "socketpair")) == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (xensim_fail_once("socketpair")) {
		errno = EMFILE;
		return -1;
	}
	return real(domain, type, protocol, sv);
}
