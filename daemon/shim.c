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
 * The kernel shim provider.  Every call but the reset is a short ioctl
 * and runs on the event loop; a reset runs on a thread of its own, which
 * owns nothing but its job and hands it back through a pipe.
 */

#include <sys/ioctl.h>
#include <sys/mman.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "pcishim_io.h"
#include "shim.h"
#include "util.h"

#define SHIM_CMD_DECODE		0x0003	/* I/O and memory space */
#define SHIM_LIST_ROOM		256
#define SHIM_CLOSE_WAIT_MS	2000	/* per reset still running at exit */
/* ABI 4 only adds CFG_MAP, which is tried, so a shim of 3 still serves. */
#define SHIM_ABI_OLDEST		3

struct shim {
	int			 sh_fd;
	char			 sh_path[256];
	struct event		*sh_ev;		/* event records */
	int			 sh_pipe[2];	/* finished resets */
	struct event		*sh_doneev;
	struct shim_callbacks	 sh_cb;
	unsigned int		 sh_resets;	/* on threads now */
	unsigned int		 sh_abi;
	int			 sh_restricted;	/* a worker's */
};

/* One reset on its thread: copied in, copied back; no shared state. */
struct shim_job {
	int		 sj_fd;
	int		 sj_pipe;
	struct bdf	 sj_bdf;
	uint32_t	 sj_packed;
	int		 sj_error;
	unsigned int	 sj_method;
	int		 sj_bus;	/* RESET_BUS, not RELEASE */
};

static void	shim_map_drop(struct shimdev *);

static uint32_t
shim_pack(const struct bdf *b)
{
	return PCISHIM_BDF(b->b_seg, b->b_bus, b->b_dev, b->b_fn);
}

static void
shim_unpack(uint32_t v, struct bdf *b)
{
	memset(b, 0, sizeof(*b));
	b->b_seg = (uint16_t)PCISHIM_BDF_SEG(v);
	b->b_bus = (uint8_t)PCISHIM_BDF_BUS(v);
	b->b_dev = (uint8_t)PCISHIM_BDF_DEV(v);
	b->b_fn = (uint8_t)PCISHIM_BDF_FN(v);
}

const char *
shim_reset_name(unsigned int method)
{
	static const char *const names[] = {
		[PCISHIM_RESET_NONE] = "none",
		[PCISHIM_RESET_FLR] = "flr",
		[PCISHIM_RESET_PM] = "pm",
		[PCISHIM_RESET_BUS] = "bus",
		[PCISHIM_RESET_AF_FLR] = "af_flr",
		[PCISHIM_RESET_ACPI] = "acpi",
		[PCISHIM_RESET_DEVSPEC] = "device_specific",
		[PCISHIM_RESET_OTHER] = "other",
	};

	if (method >= sizeof(names) / sizeof(names[0]))
		return "other";
	return names[method];
}

static void
shim_read_events(evutil_socket_t fd, short what, void *arg)
{
	struct shim		*sh = arg;
	struct pcishim_event	 evs[16];
	struct bdf		 b;
	ssize_t			 n;
	size_t			 i;
	enum shim_event		 ev;

	(void)fd;
	(void)what;
	for (;;) {
		n = read(sh->sh_fd, evs, sizeof(evs));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (i = 0; i < (size_t)n / sizeof(evs[0]); i++) {
			shim_unpack(evs[i].pe_bdf, &b);
			switch (evs[i].pe_type) {
			case PCISHIM_EV_BOUND:
				ev = SHIM_EV_BOUND;
				break;
			case PCISHIM_EV_UNBOUND:
				ev = SHIM_EV_UNBOUND;
				break;
			case PCISHIM_EV_PERMISSIVE:
				ev = SHIM_EV_PERMISSIVE;
				break;
			case PCISHIM_EV_INTCTL:
				ev = SHIM_EV_INTCTL;
				break;
			case PCISHIM_EV_OVERFLOW:
				ev = SHIM_EV_RESCAN;
				break;
			case PCISHIM_EV_AER:
				if (sh->sh_cb.sc_aer != NULL)
					sh->sh_cb.sc_aer(sh->sh_cb.sc_arg, &b,
					    evs[i].pe_op, evs[i].pe_error,
					    evs[i].pe_seq, (evs[i].pe_flags &
					    PCISHIM_EVF_REPLY) != 0);
				continue;
			case PCISHIM_EV_ERROR:
				log_warnx("%s: shim: operation %u failed: %s",
				    sh->sh_path, evs[i].pe_op,
				    strerror(-evs[i].pe_error));
				continue;
			default:	/* slots: libxl's business */
				continue;
			}
			sh->sh_cb.sc_event(sh->sh_cb.sc_arg, ev, &b);
		}
	}
	if (n == -1 && errno != EAGAIN)
		log_warn("%s: read", sh->sh_path);
}

static void
shim_reset_finished(evutil_socket_t fd, short what, void *arg)
{
	struct shim	*sh = arg;
	struct shim_job	*job;
	ssize_t		 n;

	(void)what;
	while ((n = read(fd, &job, sizeof(job))) == (ssize_t)sizeof(job)) {
		sh->sh_resets--;
		sh->sh_cb.sc_reset_done(sh->sh_cb.sc_arg, &job->sj_bdf,
		    job->sj_error, job->sj_method, job->sj_bus);
		free(job);
	}
}

struct shim *
shim_open(struct event_base *base, const char *path,
    const struct shim_callbacks *cb, char **cause)
{
	struct shim		*sh;
	struct pcishim_version	 v;

	if ((sh = calloc(1, sizeof(*sh))) == NULL)
		fatal("calloc");
	sh->sh_pipe[0] = sh->sh_pipe[1] = -1;
	sh->sh_cb = *cb;
	snprintf(sh->sh_path, sizeof(sh->sh_path), "%s", path);
	if ((sh->sh_fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)) == -1) {
		util_cause(cause, "%s: %s%s", path, strerror(errno),
		    errno == ENOENT ? " (is the pcishim module loaded?)" : "");
		goto fail;
	}
	memset(&v, 0, sizeof(v));
	if (ioctl(sh->sh_fd, PCISHIM_IOC_VERSION, &v) == -1) {
		util_cause(cause, "%s: not the pcibackd shim: %s", path,
		    strerror(errno));
		goto fail;
	}
	if (v.pv_abi < SHIM_ABI_OLDEST || v.pv_abi > PCISHIM_ABI_VERSION ||
	    v.pv_evsize != sizeof(struct pcishim_event)) {
		util_cause(cause, "%s: shim ABI %u (event size %u), this "
		    "pcibackd speaks %u to %u: install matching versions",
		    path, v.pv_abi, v.pv_evsize, SHIM_ABI_OLDEST,
		    PCISHIM_ABI_VERSION);
		goto fail;
	}
	sh->sh_abi = v.pv_abi;
	if (pipe2(sh->sh_pipe, O_CLOEXEC | O_NONBLOCK) == -1)
		fatal("pipe2");
	sh->sh_ev = event_new(base, sh->sh_fd, EV_READ | EV_PERSIST,
	    shim_read_events, sh);
	sh->sh_doneev = event_new(base, sh->sh_pipe[0], EV_READ | EV_PERSIST,
	    shim_reset_finished, sh);
	if (sh->sh_ev == NULL || sh->sh_doneev == NULL ||
	    event_add(sh->sh_ev, NULL) == -1 ||
	    event_add(sh->sh_doneev, NULL) == -1)
		fatalx("%s: cannot watch the shim", path);
	return sh;
fail:
	shim_close(sh);
	return NULL;
}

/*
 * Resets still running finish in the kernel whatever we do; their jobs
 * are lost with the process, which is what exiting means.
 */
/*
 * In a worker, still root: a descriptor of its own, confined by the shim
 * to the devices assigned to domid, replaces the parent's in this copy.
 * -1 if there is none: the worker must not serve with the parent's.
 */
int
shim_worker_fd(struct shim *sh, unsigned int domid)
{
	struct pcishim_restrict	pr;
	int			fd;

	if ((fd = open(sh->sh_path, O_RDWR | O_CLOEXEC)) == -1) {
		log_warn("%s: worker of dom%u", sh->sh_path, domid);
		return -1;
	}
	memset(&pr, 0, sizeof(pr));
	pr.pr_argsz = sizeof(pr);
	pr.pr_domid = domid;
	if (ioctl(fd, PCISHIM_IOC_RESTRICT, &pr) == -1) {
		log_warn("%s: cannot restrict a descriptor to dom%u",
		    sh->sh_path, domid);
		close(fd);
		return -1;
	}
	sh->sh_fd = fd;
	sh->sh_restricted = 1;
	return fd;
}

/*
 * Resets still on their threads when the daemon goes: wait a little for
 * each, so that none is left using the descriptor or the pipe this
 * closes, and free its job.  The kernel finishes a reset without us; the
 * next daemon finds the device given back.
 */
static void
shim_wait_jobs(struct shim *sh)
{
	struct shim_job	*job;
	struct pollfd	 pfd;

	while (sh->sh_resets > 0 && sh->sh_pipe[0] != -1) {
		pfd.fd = sh->sh_pipe[0];
		pfd.events = POLLIN;
		if (poll(&pfd, 1, SHIM_CLOSE_WAIT_MS) != 1 ||
		    read(sh->sh_pipe[0], &job, sizeof(job)) !=
		    (ssize_t)sizeof(job))
			break;
		sh->sh_resets--;
		free(job);
	}
	if (sh->sh_resets > 0)
		log_info("%s: %u reset(s) still running", sh->sh_path,
		    sh->sh_resets);
}

void
shim_close(struct shim *sh)
{
	if (sh == NULL)
		return;
	shim_wait_jobs(sh);
	if (sh->sh_ev != NULL)
		event_free(sh->sh_ev);
	if (sh->sh_doneev != NULL)
		event_free(sh->sh_doneev);
	if (sh->sh_fd != -1)
		close(sh->sh_fd);
	if (sh->sh_pipe[0] != -1)
		close(sh->sh_pipe[0]);
	if (sh->sh_pipe[1] != -1)
		close(sh->sh_pipe[1]);
	free(sh);
}

int
shim_list(struct shim *sh, struct bdf **out, size_t *nout, char **cause)
{
	struct pcishim_list	 pl;
	uint32_t		*v = NULL;
	size_t			 room = SHIM_LIST_ROOM, i;

	for (;;) {
		free(v);
		if ((v = calloc(room, sizeof(*v))) == NULL)
			fatal("calloc");
		memset(&pl, 0, sizeof(pl));
		pl.pl_argsz = sizeof(pl);
		pl.pl_count = (uint32_t)room;
		pl.pl_bdfs = (uint64_t)(uintptr_t)v;
		if (ioctl(sh->sh_fd, PCISHIM_IOC_LIST, &pl) == -1) {
			free(v);
			return util_cause(cause, "%s: list: %s", sh->sh_path,
			    strerror(errno));
		}
		if (pl.pl_count <= room)
			break;
		room = pl.pl_count;
	}
	if ((*out = calloc(pl.pl_count + 1, sizeof(**out))) == NULL)
		fatal("calloc");
	for (i = 0; i < pl.pl_count; i++)
		shim_unpack(v[i], &(*out)[i]);
	*nout = pl.pl_count;
	free(v);
	return 0;
}

static void
shim_info_copy(struct shimdev *sd, const struct pcishim_info *pi)
{
	struct cfgdev_bar	*cb;
	unsigned int		 i;

	sd->sd_vendor = pi->pi_vendor;
	sd->sd_device = pi->pi_device;
	sd->sd_state = pi->pi_state;
	sd->sd_domid = pi->pi_domid;
	sd->sd_reset = pi->pi_reset;
	sd->sd_enabled = (pi->pi_state & PCISHIM_ST_ENABLED) != 0;
	memset(&sd->sd_info, 0, sizeof(sd->sd_info));
	sd->sd_info.ci_size = pi->pi_cfgsize;
	sd->sd_info.ci_vendor = pi->pi_vendor;
	sd->sd_info.ci_device = pi->pi_device;
	/* INTx is only worth routing when the function has a pin. */
	sd->sd_info.ci_irq = pi->pi_pin != 0 ? pi->pi_irq : 0;
	for (i = 0; i < PCISHIM_NBARS && i <= CFGDEV_ROM; i++) {
		cb = &sd->sd_info.ci_bar[i];
		cb->cb_start = pi->pi_bar[i].pb_start;
		cb->cb_size = pi->pi_bar[i].pb_size;
		if (pi->pi_bar[i].pb_flags & PCISHIM_BAR_IO)
			cb->cb_flags |= CFGDEV_BAR_IO;
		if (pi->pi_bar[i].pb_flags & PCISHIM_BAR_MEM64)
			cb->cb_flags |= CFGDEV_BAR_MEM64;
		if (pi->pi_bar[i].pb_flags & PCISHIM_BAR_PREFETCH)
			cb->cb_flags |= CFGDEV_BAR_PREFETCH;
		/* The kernel found no room for it: nothing to give out. */
		if (cb->cb_size != 0 && cb->cb_start == 0)
			cb->cb_flags |= CFGDEV_BAR_HIDDEN;
	}
}

static int
shim_info(struct shimdev *sd, char **cause)
{
	struct pcishim_info	pi;
	char			addr[BDF_XL_MAX];

	memset(&pi, 0, sizeof(pi));
	pi.pi_argsz = sizeof(pi);
	pi.pi_bdf = sd->sd_packed;
	if (ioctl(sd->sd_shim->sh_fd, PCISHIM_IOC_INFO, &pi) == -1) {
		bdf_format_dev(&sd->sd_bdf, addr, sizeof(addr));
		return util_cause(cause, "%s: shim info: %s", addr,
		    strerror(errno));
	}
	if (pi.pi_cfgsize != CFGSPACE_CONV_SIZE &&
	    pi.pi_cfgsize != CFGSPACE_EXT_SIZE) {
		bdf_format_dev(&sd->sd_bdf, addr, sizeof(addr));
		return util_cause(cause, "%s: config space of %u bytes",
		    addr, pi.pi_cfgsize);
	}
	shim_info_copy(sd, &pi);
	return 0;
}

struct shimdev *
shim_dev_new(struct shim *sh, const struct bdf *b, char **cause)
{
	struct shimdev	*sd;

	if ((sd = calloc(1, sizeof(*sd))) == NULL)
		fatal("calloc");
	sd->sd_shim = sh;
	sd->sd_bdf = *b;
	sd->sd_packed = shim_pack(b);
	if (shim_info(sd, cause) != 0) {
		free(sd);
		return NULL;
	}
	return sd;
}

void
shim_dev_free(struct shimdev *sd)
{
	shim_map_drop(sd);
	free(sd);
}

static int
shim_devop(struct shimdev *sd, unsigned long req, uint32_t flags,
    uint32_t *result)
{
	struct pcishim_devop	op;

	memset(&op, 0, sizeof(op));
	op.pd_argsz = sizeof(op);
	op.pd_flags = flags;
	op.pd_bdf = sd->sd_packed;
	if (ioctl(sd->sd_shim->sh_fd, req, &op) == -1)
		return -errno;
	if (result != NULL)
		*result = op.pd_result;
	return 0;
}

static int
shim_cfg_ioctl_read(struct shimdev *sd, unsigned int off, unsigned int size,
    uint32_t *val)
{
	struct pcishim_cfg	 pc;

	memset(&pc, 0, sizeof(pc));
	pc.pc_argsz = sizeof(pc);
	pc.pc_bdf = sd->sd_packed;
	pc.pc_offset = off;
	pc.pc_size = size;
	if (ioctl(sd->sd_shim->sh_fd, PCISHIM_IOC_CFG_READ, &pc) == -1)
		return -errno;
	*val = pc.pc_value;
	return 0;
}

/* One naturally aligned load of the size asked, as ECAM wants it. */
static uint32_t
shim_map_load(const struct shimdev *sd, unsigned int off, unsigned int size)
{
	switch (size) {
	case 1:
		return sd->sd_map[off];
	case 2:
		return *(const volatile uint16_t *)(const volatile void *)
		    (sd->sd_map + off);
	default:
		return *(const volatile uint32_t *)(const volatile void *)
		    (sd->sd_map + off);
	}
}

/*
 * A worker reads its devices' config space through a read-only mapping
 * where the shim offers one: a load instead of a system call, which in
 * a PV dom0 goes through Xen.  Tried once per device; any failure, or a
 * page whose IDs differ from what the ioctl reads, leaves the ioctl.
 * The parent never maps: its reads are few, and a mapping is not
 * inherited by the workers it forks.
 */
static void
shim_map_try(struct shimdev *sd)
{
	struct shim		*sh = sd->sd_shim;
	struct pcishim_cfgmap	 pcm;
	void			*p;
	uint32_t		 id;

	sd->sd_maptried = 1;
	if (sh->sh_abi < 4)
		return;
	memset(&pcm, 0, sizeof(pcm));
	pcm.pcm_argsz = sizeof(pcm);
	pcm.pcm_bdf = sd->sd_packed;
	if (ioctl(sh->sh_fd, PCISHIM_IOC_CFG_MAP, &pcm) == -1)
		return;
	if (pcm.pcm_span < 256 || pcm.pcm_span > pcm.pcm_size ||
	    pcm.pcm_size > 65536)
		return;
	p = mmap(NULL, pcm.pcm_size, PROT_READ, MAP_SHARED, sh->sh_fd,
	    (off_t)pcm.pcm_offset);
	if (p == MAP_FAILED)
		return;
	sd->sd_map = p;
	sd->sd_mapsize = pcm.pcm_size;
	sd->sd_mapspan = pcm.pcm_span;
	if (shim_cfg_ioctl_read(sd, 0, 4, &id) != 0 ||
	    shim_map_load(sd, 0, 4) != id)
		shim_map_drop(sd);
}

static void
shim_map_drop(struct shimdev *sd)
{
	if (sd->sd_map != NULL)
		(void)munmap((void *)(uintptr_t)sd->sd_map, sd->sd_mapsize);
	sd->sd_map = NULL;
	sd->sd_mapsize = 0;
	sd->sd_mapspan = 0;
}

static int
shim_cfg_read(void *arg, unsigned int off, unsigned int size, uint32_t *val)
{
	struct shimdev	*sd = arg;

	/* Only a worker maps; the parent's reads leave it untried. */
	if (!sd->sd_maptried && sd->sd_shim->sh_restricted)
		shim_map_try(sd);
	if (sd->sd_map == NULL || off + size > sd->sd_mapspan)
		return shim_cfg_ioctl_read(sd, off, size, val);
	*val = shim_map_load(sd, off, size);
	return 0;
}

/*
 * A write that turns decoding on is the guest enabling the device: let
 * dom0's kernel enable it first, as it would for its own driver, so the
 * legacy interrupt is routed and the bridges above forward.  A file
 * restricted to the guest (a worker's) may not ENABLE (EPERM): the shim
 * then enables the device itself as part of the write.
 */
static int
shim_cfg_write(void *arg, unsigned int off, unsigned int size, uint32_t val)
{
	struct shimdev		*sd = arg;
	struct pcishim_cfg	 pc;
	int			 error;

	if (off == 0x04 && size >= 2 && (val & SHIM_CMD_DECODE) &&
	    !sd->sd_enabled) {
		error = shim_devop(sd, PCISHIM_IOC_ENABLE, PCISHIM_EN_DEVICE,
		    NULL);
		if (error != 0 && error != -EPERM)
			return error;
		sd->sd_enabled = 1;
	}
	memset(&pc, 0, sizeof(pc));
	pc.pc_argsz = sizeof(pc);
	pc.pc_bdf = sd->sd_packed;
	pc.pc_offset = off;
	pc.pc_size = size;
	pc.pc_value = val;
	if (ioctl(sd->sd_shim->sh_fd, PCISHIM_IOC_CFG_WRITE, &pc) == -1)
		return -errno;
	return 0;
}

const struct cfgdev_ops shim_cfgdev_ops = {
	.cdo_read = shim_cfg_read,
	.cdo_write = shim_cfg_write,
};

static int
shim_enable_msi(void *arg, int *pirq)
{
	struct shimdev	*sd = arg;
	uint32_t	 v = 0;
	int		 error;

	if ((error = shim_devop(sd, PCISHIM_IOC_MSI_ENABLE, 0, &v)) != 0)
		return error;
	*pirq = (int)v;
	return 0;
}

static int
shim_disable_msi(void *arg)
{
	return shim_devop(arg, PCISHIM_IOC_MSI_DISABLE, 0, NULL);
}

static int
shim_enable_msix(void *arg, const uint16_t *entries, unsigned int n,
    int *pirqs)
{
	struct shimdev			*sd = arg;
	struct pcishim_msix		 pm;
	struct pcishim_msix_entry	*me;
	unsigned int			 i;
	int				 error = 0;

	if ((me = calloc(n, sizeof(*me))) == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		me[i].me_entry = entries[i];
	memset(&pm, 0, sizeof(pm));
	pm.pm_argsz = sizeof(pm);
	pm.pm_bdf = sd->sd_packed;
	pm.pm_nvec = n;
	pm.pm_entries = (uint64_t)(uintptr_t)me;
	if (ioctl(sd->sd_shim->sh_fd, PCISHIM_IOC_MSIX_ENABLE, &pm) == -1)
		error = -errno;
	for (i = 0; error == 0 && i < n; i++)
		pirqs[i] = (int)me[i].me_pirq;
	free(me);
	return error;
}

static int
shim_disable_msix(void *arg)
{
	return shim_devop(arg, PCISHIM_IOC_MSIX_DISABLE, 0, NULL);
}

const struct pciop_irq_ops shim_irq_ops = {
	.pio_enable_msi = shim_enable_msi,
	.pio_disable_msi = shim_disable_msi,
	.pio_enable_msix = shim_enable_msix,
	.pio_disable_msix = shim_disable_msix,
};

/* A device the shim already gives to this guest (a restart) stays so. */
int
shim_assign(struct shimdev *sd, unsigned int domid, char **cause)
{
	struct pcishim_assign	pa;

	if (sd->sd_domid == domid)
		return 0;
	memset(&pa, 0, sizeof(pa));
	pa.pa_argsz = sizeof(pa);
	pa.pa_bdf = sd->sd_packed;
	pa.pa_domid = domid;
	if (ioctl(sd->sd_shim->sh_fd, PCISHIM_IOC_ASSIGN, &pa) == -1) {
		/* The shim still has it for another guest: never steal it. */
		if (errno == EBUSY)
			return util_cause(cause, "shim cannot assign it to "
			    "dom%u: it is still assigned to another domain "
			    "(EBUSY); reset it once that one is gone", domid);
		return util_cause(cause, "shim cannot assign it to dom%u: %s",
		    domid, strerror(errno));
	}
	sd->sd_domid = domid;
	return 0;
}

int
shim_aer_reply(struct shim *sh, const struct bdf *b, uint64_t seq,
    unsigned int result, char **cause)
{
	struct pcishim_aer_reply	par;

	memset(&par, 0, sizeof(par));
	par.par_argsz = sizeof(par);
	par.par_bdf = shim_pack(b);
	par.par_result = result;
	par.par_seq = seq;
	if (ioctl(sh->sh_fd, PCISHIM_IOC_AER_REPLY, &par) == -1)
		return util_cause(cause, "shim: %s%s", strerror(errno),
		    errno == ESRCH ? " (the kernel stopped waiting)" : "");
	return 0;
}

/*
 * The thread: one ioctl, retried while the device is busy: briefly for a
 * bind or unbind, up to the shim's AER wait while the kernel's recovery
 * of the device waits for us (EAGAIN as well).  "reset-timeout" still
 * bounds the whole give-back (device.c).
 */
#define SHIM_BUSY_TRIES	((PCISHIM_AER_WAIT_SECS + 5) * 10)

static void *
shim_giveback_thread(void *arg)
{
	struct shim_job		*job = arg;
	struct pcishim_devop	 op;
	int			 tries;

	for (tries = 0; tries < SHIM_BUSY_TRIES; tries++) {
		memset(&op, 0, sizeof(op));
		op.pd_argsz = sizeof(op);
		op.pd_bdf = job->sj_packed;
		job->sj_error = 0;
		if (ioctl(job->sj_fd, job->sj_bus ? PCISHIM_IOC_RESET_BUS :
		    PCISHIM_IOC_RELEASE, &op) == 0)
			break;
		job->sj_error = errno;
		if (errno != EAGAIN)
			break;
		usleep(100 * 1000);
	}
	job->sj_method = op.pd_result;
	/* A pointer is far below PIPE_BUF: the write is whole or not at all. */
	while (write(job->sj_pipe, &job, sizeof(job)) == -1 && errno == EINTR)
		;
	return NULL;
}

static int
shim_job_start(struct shimdev *sd, int bus, char **cause)
{
	struct shim_job	*job;
	pthread_attr_t	 attr;
	pthread_t	 t;
	int		 error;

	if ((job = calloc(1, sizeof(*job))) == NULL)
		fatal("calloc");
	job->sj_fd = sd->sd_shim->sh_fd;
	job->sj_pipe = sd->sd_shim->sh_pipe[1];
	job->sj_bdf = sd->sd_bdf;
	job->sj_packed = sd->sd_packed;
	job->sj_bus = bus;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	error = pthread_create(&t, &attr, shim_giveback_thread, job);
	pthread_attr_destroy(&attr);
	if (error != 0) {
		free(job);
		return util_cause(cause, "cannot start the reset: %s",
		    strerror(error));
	}
	sd->sd_shim->sh_resets++;
	return 0;
}

int
shim_giveback_async(struct shimdev *sd, char **cause)
{
	if (shim_job_start(sd, 0, cause) != 0)
		return -1;
	sd->sd_domid = SHIM_NOBODY;
	sd->sd_enabled = 0;
	return 0;
}

int
shim_reset_bus_async(struct shimdev *sd, char **cause)
{
	return shim_job_start(sd, 1, cause);
}

/* The method the next reset tries first, as the shim now says. */
static void
shim_reset_refresh(struct shimdev *sd)
{
	struct pcishim_info	pi;

	memset(&pi, 0, sizeof(pi));
	pi.pi_argsz = sizeof(pi);
	pi.pi_bdf = sd->sd_packed;
	if (ioctl(sd->sd_shim->sh_fd, PCISHIM_IOC_INFO, &pi) == 0)
		sd->sd_reset = pi.pi_reset;
}

/*
 * The reset methods are the kernel's to choose; Linux (5.15 and later)
 * takes an ordered list in sysfs.  The shim's resets then follow it.
 */
int
shim_set_reset_methods(struct shimdev *sd, const char *methods, char **cause)
{
	char	path[128], addr[BDF_XL_MAX];
	FILE	*f;
	int	 error = 0;

	bdf_format_dev(&sd->sd_bdf, addr, sizeof(addr));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/reset_method",
	    addr);
	if ((f = fopen(path, "w")) == NULL)
		return util_cause(cause, "%s: reset \"%s\": %s: %s", addr,
		    methods, path, strerror(errno));
	if (fputs(methods, f) == EOF)
		error = errno;
	if (fclose(f) == EOF && error == 0)
		error = errno;
	if (error != 0)
		return util_cause(cause, "%s: reset \"%s\": the kernel "
		    "refused it: %s", addr, methods, strerror(error));
	log_info("%s: reset methods \"%s\"", addr, methods);
	shim_reset_refresh(sd);
	return 0;
}
