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
 * The sandbox of the workers and of the control process on Linux:
 * PR_SET_PDEATHSIG, close_range, chroot and setresuid,
 * PR_SET_NO_NEW_PRIVS and a seccomp filter.  A worker's filter allows
 * what the op loop calls (read and write its descriptors, ioctl on the
 * event channel and the shim only, poll, the socketpair, clocks,
 * malloc's memory calls without PROT_EXEC, exit); the control process's
 * what its event loop calls (accept4 and getsockopt for the peer's
 * credentials, epoll, send and receive, the same memory calls), no
 * ioctl.  Both kill the process on anything else: no open, no socket,
 * no exec, no fork, no ptrace.
 * Coverage builds also let gcov write its counts at exit; sanitizer
 * builds let the sanitizer write its report.
 */

#ifdef __linux__

#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "sandbox.h"

#if defined(__x86_64__)
#define SANDBOX_ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SANDBOX_ARCH	AUDIT_ARCH_AARCH64
#endif

#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_SANITIZER	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_SANITIZER	1
#endif
#endif

#ifdef SANDBOX_ARCH
const int sandbox_has_filter = 1;
#else
const int sandbox_has_filter = 0;
#endif

/* gcov's counts at exit; a sanitizer's report. */
#ifdef __NR_open
#define SANDBOX_REPORT_OLD	__NR_open, __NR_mkdir, __NR_readlink, \
				__NR_access, __NR_getrlimit,
#else
#define SANDBOX_REPORT_OLD
#endif
#define SANDBOX_REPORT_CALLS	__NR_openat, __NR_fcntl, __NR_lseek, \
	__NR_newfstatat, __NR_fstat, __NR_mkdirat, __NR_readlinkat, \
	__NR_faccessat, __NR_sigaltstack, __NR_prlimit64, __NR_getppid, \
	SANDBOX_REPORT_OLD

/*
 * The system calls the op loop makes, whatever their arguments.  The
 * filter tests them in this order, so the ones every op makes (the
 * event channel's read and write, the wait) come first.
 */
static const int sandbox_calls[] = {
	__NR_read, __NR_write,
#ifdef __NR_poll
	__NR_poll,
#endif
	__NR_ppoll, __NR_readv, __NR_writev, __NR_close,
	__NR_recvfrom, __NR_recvmsg, __NR_sendto, __NR_sendmsg,
	__NR_clock_gettime, __NR_clock_nanosleep, __NR_nanosleep,
	__NR_gettimeofday, __NR_munmap, __NR_mremap, __NR_brk, __NR_madvise,
	__NR_rt_sigreturn, __NR_rt_sigprocmask, __NR_exit, __NR_exit_group,
	__NR_getpid, __NR_gettid, __NR_futex, __NR_sched_yield,
	__NR_restart_syscall,
#if defined(PCIBACKD_COVERAGE) || defined(SANDBOX_SANITIZER)
	SANDBOX_REPORT_CALLS
#endif
};

/* The control process's event loop: libevent's epoll, and the clients. */
static const int sandbox_control_calls[] = {
#ifdef __NR_epoll_wait
	__NR_epoll_wait,
#endif
	__NR_epoll_pwait, __NR_epoll_ctl, __NR_recvfrom, __NR_sendto,
	__NR_accept4, __NR_getsockopt, __NR_close, __NR_read, __NR_write,
	__NR_recvmsg, __NR_sendmsg, __NR_readv, __NR_writev,
#ifdef __NR_poll
	__NR_poll,
#endif
	__NR_ppoll, __NR_clock_gettime, __NR_gettimeofday, __NR_munmap,
	__NR_mremap, __NR_brk, __NR_madvise, __NR_rt_sigreturn,
	__NR_rt_sigprocmask, __NR_exit, __NR_exit_group, __NR_getpid,
	__NR_gettid, __NR_futex, __NR_sched_yield, __NR_nanosleep,
	__NR_clock_nanosleep, __NR_restart_syscall,
#if defined(PCIBACKD_COVERAGE) || defined(SANDBOX_SANITIZER)
	SANDBOX_REPORT_CALLS
#endif
};

#define SANDBOX_MAXINS	192
#define SANDBOX_NR	offsetof(struct seccomp_data, nr)
#define SANDBOX_ARG(n)	(offsetof(struct seccomp_data, args) + 8 * (n))

struct sandbox_prog {
	struct sock_filter	sp_ins[SANDBOX_MAXINS];
	unsigned int		sp_n;
};

static void
sandbox_ins(struct sandbox_prog *sp, uint16_t code, uint32_t k, uint8_t jt,
    uint8_t jf)
{
	struct sock_filter	f = { code, jt, jf, k };

	if (sp->sp_n < SANDBOX_MAXINS)
		sp->sp_ins[sp->sp_n] = f;
	sp->sp_n++;
}

/* "nr: allowed" as two instructions; A holds the number. */
static void
sandbox_allow(struct sandbox_prog *sp, int nr)
{
	sandbox_ins(sp, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 1);
	sandbox_ins(sp, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
}

/* nr allowed if its argument arg has none of the bits (PROT_EXEC). */
static void
sandbox_allow_without(struct sandbox_prog *sp, int nr, int arg,
    uint32_t bits)
{
	sandbox_ins(sp, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 4);
	sandbox_ins(sp, BPF_LD | BPF_W | BPF_ABS, (uint32_t)SANDBOX_ARG(arg),
	    0, 0);
	sandbox_ins(sp, BPF_JMP | BPF_JSET | BPF_K, bits, 0, 1);
	sandbox_ins(sp, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS, 0, 0);
	sandbox_ins(sp, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
	sandbox_ins(sp, BPF_LD | BPF_W | BPF_ABS, SANDBOX_NR, 0, 0);
}

/* ioctl on the descriptors given, nothing else. */
static void
sandbox_allow_ioctl(struct sandbox_prog *sp, const int *fds, int n)
{
	int	i;

	sandbox_ins(sp, BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0,
	    (uint8_t)(2 * n + 2));
	sandbox_ins(sp, BPF_LD | BPF_W | BPF_ABS, (uint32_t)SANDBOX_ARG(0),
	    0, 0);
	for (i = 0; i < n; i++) {
		sandbox_ins(sp, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)fds[i],
		    0, 1);
		sandbox_ins(sp, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
	}
	sandbox_ins(sp, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS, 0, 0);
}

static int
sandbox_filter(const int *calls, size_t ncalls, const int *fds, int n)
{
#ifdef SANDBOX_ARCH
	struct sandbox_prog	 sp;
	struct sock_fprog	 prog;
	size_t			 i;

	if (n < 0 || n > 8) {
		errno = EINVAL;
		return -1;
	}
	sp.sp_n = 0;
	sandbox_ins(&sp, BPF_LD | BPF_W | BPF_ABS,
	    offsetof(struct seccomp_data, arch), 0, 0);
	sandbox_ins(&sp, BPF_JMP | BPF_JEQ | BPF_K, SANDBOX_ARCH, 1, 0);
	sandbox_ins(&sp, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS, 0, 0);
	sandbox_ins(&sp, BPF_LD | BPF_W | BPF_ABS, SANDBOX_NR, 0, 0);
#ifdef __x86_64__
	/* No x32 numbers: the same calls under other numbers. */
	sandbox_ins(&sp, BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1);
	sandbox_ins(&sp, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS, 0, 0);
#endif
	/* ioctl first: an op makes two or three (the shim, the notify). */
	if (n > 0)
		sandbox_allow_ioctl(&sp, fds, n);
	for (i = 0; i < ncalls; i++)
		sandbox_allow(&sp, calls[i]);
	sandbox_allow_without(&sp, __NR_mmap, 2, PROT_EXEC);
	sandbox_allow_without(&sp, __NR_mprotect, 2, PROT_EXEC);
	sandbox_ins(&sp, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS, 0, 0);
	if (sp.sp_n > SANDBOX_MAXINS) {
		errno = E2BIG;
		return -1;
	}
	prog.len = (unsigned short)sp.sp_n;
	prog.filter = sp.sp_ins;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
#else
	(void)calls;
	(void)ncalls;
	(void)fds;
	(void)n;
	return 0;
#endif
}

/* chroot, user, no_new_privs: what both kinds of process give up. */
static int
sandbox_drop(const struct sandbox_id *si, pid_t parent, const char **what)
{
	if (si->sid_drop) {
		*what = "chroot";
		if (si->sid_dir[0] != '\0' && (chroot(si->sid_dir) == -1 ||
		    chdir("/") == -1))
			return -1;
		*what = "user";
		if (setgroups(0, NULL) == -1 ||
		    setresgid(si->sid_gid, si->sid_gid, si->sid_gid) == -1 ||
		    setresuid(si->sid_uid, si->sid_uid, si->sid_uid) == -1)
			return -1;
		/* A change of credentials cleared the parent-death signal. */
		*what = "parent-death signal";
		if (parent != 0 && sandbox_diewith(parent) == -1)
			return -1;
	}
	*what = "no_new_privs";
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

int
sandbox_enter(const struct sandbox_id *si, pid_t parent, const int *fds,
    int n, const char **what)
{
	if (sandbox_drop(si, parent, what) == -1)
		return -1;
	*what = "seccomp";
	return sandbox_filter(sandbox_calls, sizeof(sandbox_calls) /
	    sizeof(sandbox_calls[0]), fds, n);
}

int
sandbox_enter_control(const struct sandbox_id *si, pid_t parent,
    const char **what)
{
	if (sandbox_drop(si, parent, what) == -1)
		return -1;
	*what = "seccomp";
	return sandbox_filter(sandbox_control_calls,
	    sizeof(sandbox_control_calls) / sizeof(sandbox_control_calls[0]),
	    NULL, 0);
}

int
sandbox_diewith(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1)
		return -1;
	/* It may have died before the call: then nobody will signal us. */
	return getppid() == parent ? 0 : -1;
}

static int
sandbox_intcmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Close [lo, hi]; close_range when the kernel has it (5.9). */
static void
sandbox_close_range(unsigned int lo, unsigned int hi)
{
	long	max;

	if (lo > hi)
		return;
#ifdef SYS_close_range
	if (syscall(SYS_close_range, lo, hi, 0) == 0)
		return;
#endif
	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (; lo <= hi && lo < (unsigned int)max; lo++)
		(void)close((int)lo);
}

int
sandbox_closefds(const int *keep, int n)
{
	int		 k[8];
	unsigned int	 lo = 3;
	int		 i;

	if (n < 0 || n > 8) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < n; i++)
		k[i] = keep[i];
	qsort(k, (size_t)n, sizeof(k[0]), sandbox_intcmp);
	for (i = 0; i < n; i++) {
		if (k[i] < (int)lo)
			continue;
		sandbox_close_range(lo, (unsigned int)k[i] - 1);
		lo = (unsigned int)k[i] + 1;
	}
	sandbox_close_range(lo, ~0U);
	return 0;
}

#endif /* __linux__ */
