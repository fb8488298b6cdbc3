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
 * The shim double's state in files (see model.h).  Every change happens
 * under flock(lock) on a fresh open of the lock file, so the threads of
 * one process exclude each other as separate processes do.
 */

#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model.h"

static int	shimsim_mkdirs(const char *);

#define SHIMSIM_CMD		0x04
#define SHIMSIM_HDRTYPE		0x0e
#define SHIMSIM_SECBUS		0x19	/* then the subordinate bus */
#define SHIMSIM_CMD_IO		0x0001
#define SHIMSIM_CMD_MEM		0x0002
#define SHIMSIM_CMD_MASTER	0x0004
#define SHIMSIM_CMD_INTXDIS	0x0400

static const char *const shimsim_names[] = {
	[PCISHIM_RESET_NONE] = "",
	[PCISHIM_RESET_FLR] = "flr",
	[PCISHIM_RESET_PM] = "pm",
	[PCISHIM_RESET_BUS] = "bus",
	[PCISHIM_RESET_AF_FLR] = "af_flr",
	[PCISHIM_RESET_ACPI] = "acpi",
	[PCISHIM_RESET_DEVSPEC] = "device_specific",
};
#define SHIMSIM_NMETHODS	(sizeof(shimsim_names) / sizeof(shimsim_names[0]))

/* Linux's default order, which "default" in reset_method restores. */
static const uint32_t shimsim_order[] = {
	PCISHIM_RESET_DEVSPEC, PCISHIM_RESET_ACPI, PCISHIM_RESET_FLR,
	PCISHIM_RESET_AF_FLR, PCISHIM_RESET_PM, PCISHIM_RESET_BUS,
};

int
shimsim_dir(char *buf, size_t len)
{
	const char	*d;
	int		 n;

	if ((d = getenv("SHIMSIM_DIR")) != NULL && d[0] != '\0')
		n = snprintf(buf, len, "%s", d);
	else if ((d = getenv("XENSIM_DIR")) != NULL && d[0] != '\0')
		n = snprintf(buf, len, "%s/shim", d);
	else
		return -1;
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
shimsim_path(char *buf, size_t len, const char *name)
{
	char	dir[PATH_MAX];
	int	n;

	if (shimsim_dir(dir, sizeof(dir)) != 0)
		return -1;
	n = snprintf(buf, len, "%s/%s", dir, name);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int
shimsim_lock(void)
{
	char	path[PATH_MAX];
	int	fd;

	if (shimsim_path(path, sizeof(path), "lock") != 0)
		return -1;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1)
		return -1;
	while (flock(fd, LOCK_EX) == -1)
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	return fd;
}

void
shimsim_unlock(int fd)
{
	int	saved = errno;

	if (fd != -1)
		close(fd);
	errno = saved;
}

void
shimsim_bdf_str(uint32_t bdf, char *buf, size_t len)
{
	snprintf(buf, len, "%04x:%02x:%02x.%u", PCISHIM_BDF_SEG(bdf),
	    PCISHIM_BDF_BUS(bdf), PCISHIM_BDF_DEV(bdf), PCISHIM_BDF_FN(bdf));
}

static int
shimsim_dev_path(uint32_t bdf, char *buf, size_t len)
{
	char	name[32], addr[16];

	shimsim_bdf_str(bdf, addr, sizeof(addr));
	snprintf(name, sizeof(name), "dev-%s", addr);
	return shimsim_path(buf, len, name);
}

static int
shimsim_dev_read(const char *path, struct shimsim_dev *sd)
{
	ssize_t	n;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = pread(fd, sd, sizeof(*sd), 0);
	close(fd);
	if (n != (ssize_t)sizeof(*sd) || sd->sd_magic != SHIMSIM_MAGIC) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/* -1 with ENODEV when the machine has no such function. */
int
shimsim_dev_load(uint32_t bdf, struct shimsim_dev *sd)
{
	char	path[PATH_MAX];

	if (shimsim_dev_path(bdf, path, sizeof(path)) != 0)
		return -1;
	if (shimsim_dev_read(path, sd) != 0) {
		if (errno == ENOENT)
			errno = ENODEV;
		return -1;
	}
	if (!sd->sd_present) {
		errno = ENODEV;
		return -1;
	}
	return 0;
}

/*
 * CFG_MAP's pages: maps/BBBBBBBB-D, one file of a page per device (packed
 * BDF in hex) and domain a descriptor was restricted to (D, or "any"),
 * created at CFG_MAP and mapped by the preload's mmap.  Each shows the
 * device's config space while that descriptor may reach it, all ones
 * otherwise, as the module's revocation does; rewritten at every save.
 * Switch map-wrong: the vendor ID shown is not the device's.
 */
static void
shimsim_map_fill(const struct shimsim_dev *sd, uint32_t domid, uint8_t *page)
{
	char	arg[8];

	if (!sd->sd_present || !sd->sd_held ||
	    pcishim_check_owner(domid, sd->sd_domid) != 0) {
		memset(page, 0xff, PCISHIM_CFG_SIZE_EXP);
		return;
	}
	memcpy(page, sd->sd_cfg, PCISHIM_CFG_SIZE_EXP);
	if (shimsim_fault("map-wrong", arg, sizeof(arg)))
		page[0] ^= 0x5a;
}

int
shimsim_map_path(uint32_t bdf, uint32_t domid, char *buf, size_t len)
{
	char	rel[64];

	if (domid == PCISHIM_DOMID_NONE)
		snprintf(rel, sizeof(rel), "maps/%08x-any", bdf);
	else
		snprintf(rel, sizeof(rel), "maps/%08x-%u", bdf, domid);
	return shimsim_path(buf, len, rel);
}

/* Write one map file from the device's state; creates it. */
int
shimsim_map_write(const struct shimsim_dev *sd, uint32_t domid)
{
	uint8_t	page[PCISHIM_CFG_SIZE_EXP];
	char	path[PATH_MAX], dir[PATH_MAX];
	ssize_t	n;
	int	fd;

	if (shimsim_path(dir, sizeof(dir), "maps") != 0 ||
	    shimsim_mkdirs(dir) != 0 ||
	    shimsim_map_path(sd->sd_bdf, domid, path, sizeof(path)) != 0)
		return -1;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1)
		return -1;
	shimsim_map_fill(sd, domid, page);
	n = pwrite(fd, page, sizeof(page), 0);
	close(fd);
	return n == (ssize_t)sizeof(page) ? 0 : -1;
}

/* Every map file of the device, after a change of its state. */
static void
shimsim_map_sync(const struct shimsim_dev *sd)
{
	char		 dir[PATH_MAX], prefix[16];
	struct dirent	*de;
	unsigned long	 domid;
	DIR		*d;
	char		*end;

	if (shimsim_path(dir, sizeof(dir), "maps") != 0 ||
	    (d = opendir(dir)) == NULL)
		return;
	snprintf(prefix, sizeof(prefix), "%08x-", sd->sd_bdf);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0)
			continue;
		end = de->d_name + strlen(prefix);
		if (strcmp(end, "any") == 0)
			domid = PCISHIM_DOMID_NONE;
		else if ((domid = strtoul(end, &end, 10)) > UINT32_MAX ||
		    *end != '\0')
			continue;
		(void)shimsim_map_write(sd, (uint32_t)domid);
	}
	closedir(d);
}

/* Written in place: the lock keeps readers out, and a crash mid-write
 * is the test's failure anyway. */
int
shimsim_dev_save(const struct shimsim_dev *sd)
{
	char	path[PATH_MAX];
	ssize_t	n;
	int	fd;

	if (shimsim_dev_path(sd->sd_bdf, path, sizeof(path)) != 0)
		return -1;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)) == -1)
		return -1;
	n = pwrite(fd, sd, sizeof(*sd), 0);
	close(fd);
	if (n != (ssize_t)sizeof(*sd))
		return -1;
	shimsim_map_sync(sd);
	return 0;
}

int
shimsim_dev_all(struct shimsim_dev *out, int max)
{
	char		 dir[PATH_MAX], path[PATH_MAX + 300];
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	if (shimsim_dir(dir, sizeof(dir)) != 0 || (d = opendir(dir)) == NULL)
		return -1;
	while (n < max && (de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "dev-", 4) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (shimsim_dev_read(path, &out[n]) == 0 && out[n].sd_present)
			n++;
	}
	closedir(d);
	return n;
}

int
shimsim_dev_held(uint32_t *bdfs, int max)
{
	struct shimsim_dev	*all;
	uint64_t		*order;
	int			 n, i, j, k = 0;

	if ((all = calloc(SHIMSIM_MAXDEVS, sizeof(*all))) == NULL)
		return -1;
	if ((order = calloc(SHIMSIM_MAXDEVS, sizeof(*order))) == NULL) {
		free(all);
		return -1;
	}
	n = shimsim_dev_all(all, SHIMSIM_MAXDEVS);
	for (i = 0; i < n && k < max; i++) {
		if (!all[i].sd_held)
			continue;
		/* Insertion by bind order: the module's list is in it. */
		for (j = k; j > 0 && order[j - 1] > all[i].sd_order; j--) {
			order[j] = order[j - 1];
			bdfs[j] = bdfs[j - 1];
		}
		order[j] = all[i].sd_order;
		bdfs[j] = all[i].sd_bdf;
		k++;
	}
	free(order);
	free(all);
	return n < 0 ? -1 : k;
}

uint64_t
shimsim_event(uint32_t type, uint32_t flags, uint32_t bdf, uint32_t op,
    int error)
{
	struct pcishim_event	ev;
	struct stat		st;
	char			path[PATH_MAX];
	int			fd;

	if (shimsim_path(path, sizeof(path), "events") != 0)
		return 0;
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0644)) == -1)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.pe_type = type;
	ev.pe_flags = flags;
	ev.pe_bdf = bdf;
	ev.pe_op = op;
	ev.pe_error = error;
	if (fstat(fd, &st) == 0)
		ev.pe_seq = (uint64_t)st.st_size / sizeof(ev) + 1;
	if (write(fd, &ev, sizeof(ev)) != (ssize_t)sizeof(ev)) {
		fprintf(stderr, "shimsim: event lost: %s\n", strerror(errno));
		ev.pe_seq = 0;
	}
	close(fd);
	return ev.pe_seq;
}

int
shimsim_alive(uint32_t pid)
{
	return pid != 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/* A small state file of ours, written whole under the lock. */
static int
shimsim_blob_save(const char *rel, const void *data, size_t len)
{
	char	path[PATH_MAX], dir[PATH_MAX], *slash;
	ssize_t	n;
	int	fd;

	if (shimsim_path(path, sizeof(path), rel) != 0)
		return -1;
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		if (shimsim_mkdirs(dir) != 0)
			return -1;
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1)
		return -1;
	n = write(fd, data, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

static int
shimsim_blob_load(const char *path, void *data, size_t len)
{
	ssize_t	n;
	int	fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	n = pread(fd, data, len, 0);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

int
shimsim_reader_save(int fd, const struct shimsim_reader *sr)
{
	char	rel[64];

	snprintf(rel, sizeof(rel), "files/%u-%d", sr->sr_pid, fd);
	return shimsim_blob_save(rel, sr, sizeof(*sr));
}

void
shimsim_reader_drop(int fd, uint32_t pid)
{
	char	path[PATH_MAX], rel[64];

	snprintf(rel, sizeof(rel), "files/%u-%d", pid, fd);
	if (shimsim_path(path, sizeof(path), rel) == 0)
		(void)unlink(path);
}

/*
 * Would the reader's ring take one more record after those appended
 * since it last looked?  Its queue is filled by the module's rule
 * (pcishim_ring_push), so replay the records on a ring of its counts;
 * only how many there are matters.
 */
static int
shimsim_reader_room(const struct shimsim_reader *sr, uint64_t logsize)
{
	static struct pcishim_event	buf[SHIMSIM_EVQ_LEN];
	struct pcishim_event		ev;
	struct pcishim_ring		rg;
	uint64_t			off;

	memset(&ev, 0, sizeof(ev));
	pcishim_ring_init(&rg, buf, SHIMSIM_EVQ_LEN);
	rg.rg_count = sr->sr_count < SHIMSIM_EVQ_LEN ? sr->sr_count :
	    SHIMSIM_EVQ_LEN;
	rg.rg_overflow = sr->sr_overflow != 0;
	for (off = sr->sr_cursor; off + sizeof(ev) <= logsize;
	    off += sizeof(ev))
		(void)pcishim_ring_push(&rg, &ev);
	return pcishim_ring_room(&rg);
}

int
shimsim_readers_room(void)
{
	struct shimsim_reader	 sr;
	struct dirent		*de;
	struct stat		 st;
	char			 dir[PATH_MAX], path[PATH_MAX + 300];
	char			 arg[16];
	DIR			*d;
	int			 room = -1;

	if (shimsim_path(path, sizeof(path), "events") != 0 ||
	    stat(path, &st) == -1 ||
	    shimsim_path(dir, sizeof(dir), "files") != 0 ||
	    (d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (shimsim_blob_load(path, &sr, sizeof(sr)) != 0 ||
		    sr.sr_magic != SHIMSIM_MAGIC || !shimsim_alive(sr.sr_pid))
			continue;
		if (room < 0)
			room = 0;
		if (shimsim_reader_room(&sr, (uint64_t)st.st_size))
			room = 1;
	}
	closedir(d);
	/* The switch overflow: every queue counts as full. */
	if (room > 0 && shimsim_fault("overflow", arg, sizeof(arg)))
		room = 0;
	return room;
}

static void
shimsim_aer_rel(uint32_t bdf, char *rel, size_t len)
{
	snprintf(rel, len, "aer-%08x", bdf);
}

int
shimsim_aer_load(uint32_t bdf, struct shimsim_aer *sa)
{
	char	path[PATH_MAX], rel[32];

	shimsim_aer_rel(bdf, rel, sizeof(rel));
	if (shimsim_path(path, sizeof(path), rel) != 0 ||
	    shimsim_blob_load(path, sa, sizeof(*sa)) != 0)
		return -1;
	/* A callback whose shimsim-ctl died waits no more. */
	if (sa->sa_magic != SHIMSIM_MAGIC || sa->sa_bdf != bdf ||
	    !shimsim_alive(sa->sa_pid))
		return -1;
	return 0;
}

int
shimsim_aer_save(const struct shimsim_aer *sa)
{
	char	rel[32];

	shimsim_aer_rel(sa->sa_bdf, rel, sizeof(rel));
	return shimsim_blob_save(rel, sa, sizeof(*sa));
}

void
shimsim_aer_drop(uint32_t bdf)
{
	char	path[PATH_MAX], rel[32];

	shimsim_aer_rel(bdf, rel, sizeof(rel));
	if (shimsim_path(path, sizeof(path), rel) == 0)
		(void)unlink(path);
}

int
shimsim_fault(const char *name, char *arg, size_t len)
{
	char	path[PATH_MAX], rel[64];
	ssize_t	n;
	int	fd;

	snprintf(rel, sizeof(rel), "fault/%s", name);
	if (shimsim_path(path, sizeof(path), rel) != 0)
		return 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, arg, len - 1);
	close(fd);
	arg[n > 0 ? n : 0] = '\0';
	arg[strcspn(arg, "\n")] = '\0';
	return 1;
}

/* "ARG" names a device when it holds a BDF: then only that one. */
int
shimsim_fault_dev(const char *name, uint32_t bdf, char *arg, size_t len)
{
	char	addr[16], *p;

	if (!shimsim_fault(name, arg, len))
		return 0;
	shimsim_bdf_str(bdf, addr, sizeof(addr));
	if ((p = strchr(arg, ':')) == NULL)
		return 1;
	if (strncmp(arg, addr, strlen(addr)) != 0)
		return 0;
	/* What follows the BDF is the rest of the argument. */
	p = arg + strlen(addr);
	p += strspn(p, " ");
	memmove(arg, p, strlen(p) + 1);
	return 1;
}

uint32_t
shimsim_cfg_get(const uint8_t *cfg, unsigned int off, unsigned int size)
{
	uint32_t	v = 0;
	unsigned int	i;

	for (i = 0; i < size && off + i < PCISHIM_CFG_SIZE_EXP; i++)
		v |= (uint32_t)cfg[off + i] << (8 * i);
	return v;
}

void
shimsim_cfg_put(uint8_t *cfg, unsigned int off, unsigned int size,
    uint32_t v)
{
	unsigned int	i;

	for (i = 0; i < size && off + i < PCISHIM_CFG_SIZE_EXP; i++)
		cfg[off + i] = (uint8_t)(v >> (8 * i));
}

/* A bounded walk of the standard capability list. */
unsigned int
shimsim_cap(const uint8_t *cfg, uint8_t id)
{
	unsigned int	pos, n;

	if ((shimsim_cfg_get(cfg, 0x06, 2) & 0x10) == 0)
		return 0;
	pos = cfg[0x34] & ~3u;
	for (n = 0; n < 48 && pos >= 0x40 && pos < 0xff; n++) {
		if (cfg[pos] == id)
			return pos;
		pos = cfg[pos + 1] & ~3u;
	}
	return 0;
}

const char *
shimsim_method_name(uint32_t m)
{
	return m < SHIMSIM_NMETHODS ? shimsim_names[m] : "other";
}

static uint32_t
shimsim_method_lookup(const char *word)
{
	uint32_t	m;

	for (m = 1; m < SHIMSIM_NMETHODS; m++)
		if (strcmp(word, shimsim_names[m]) == 0)
			return m;
	return PCISHIM_RESET_NONE;
}

uint32_t
shimsim_method_first(const struct shimsim_dev *sd)
{
	char	word[SHIMSIM_METHODS_MAX];
	size_t	n;

	n = strcspn(sd->sd_methods, " ");
	memcpy(word, sd->sd_methods, n);
	word[n] = '\0';
	return shimsim_method_lookup(word);
}

void
shimsim_methods_default(struct shimsim_dev *sd)
{
	size_t	i;

	sd->sd_methods[0] = '\0';
	for (i = 0; i < sizeof(shimsim_order) / sizeof(shimsim_order[0]); i++) {
		if (!(sd->sd_supported & 1u << shimsim_order[i]))
			continue;
		if (sd->sd_methods[0] != '\0')
			strcat(sd->sd_methods, " ");
		strcat(sd->sd_methods, shimsim_names[shimsim_order[i]]);
	}
}

/*
 * What Linux's reset_method store does: "default" brings back every
 * supported method, white space alone disables reset, otherwise each
 * name must be known and supported by the function (EINVAL).
 */
int
shimsim_methods_set(struct shimsim_dev *sd, const char *s)
{
	char		buf[SHIMSIM_METHODS_MAX], out[SHIMSIM_METHODS_MAX];
	char		*w, *save = NULL;
	uint32_t	m;
	size_t		n;

	n = strlen(s);
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		n--;
	while (n > 0 && *s == ' ') {
		s++;
		n--;
	}
	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (strcmp(buf, "default") == 0) {
		shimsim_methods_default(sd);
		return 0;
	}
	out[0] = '\0';
	for (w = strtok_r(buf, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save)) {
		if ((m = shimsim_method_lookup(w)) == PCISHIM_RESET_NONE ||
		    !(sd->sd_supported & 1u << m))
			return -EINVAL;
		if (out[0] != '\0')
			strcat(out, " ");
		strcat(out, w);
	}
	memcpy(sd->sd_methods, out, sizeof(out));
	return 0;
}

/*
 * The module's reset: decoding off, reset, then the state from just
 * before (or, initial, from the seize) back.  No method is no error.
 * The switch reset-fail makes it fail with EIO, the state restored
 * all the same, as __pci_reset_function_locked failing would.
 */
int
shimsim_reset(struct shimsim_dev *sd, int initial, uint32_t *method)
{
	char	arg[64];
	int	error = 0;

	*method = shimsim_method_first(sd);
	if (shimsim_fault_dev("reset-fail", sd->sd_bdf, arg, sizeof(arg)))
		error = -EIO;
	if (initial)
		memcpy(sd->sd_cfg, sd->sd_initcfg, sizeof(sd->sd_cfg));
	sd->sd_resets++;
	sd->sd_last_method = *method;
	sd->sd_last_error = -error;
	return error;
}

int
shimsim_giveback(struct shimsim_dev *sd, uint32_t *method)
{
	uint32_t	cmd;
	int		error;

	sd->sd_msi = 0;
	sd->sd_msix = 0;
	sd->sd_domid = PCISHIM_DOMID_NONE;
	error = shimsim_reset(sd, 1, method);
	sd->sd_enabled = 0;
	cmd = shimsim_cfg_get(sd->sd_cfg, SHIMSIM_CMD, 2);
	shimsim_cfg_put(sd->sd_cfg, SHIMSIM_CMD, 2, cmd & ~SHIMSIM_CMD_MASTER);
	return error;
}

int
shimsim_is_bridge(const struct shimsim_dev *sd)
{
	return (sd->sd_cfg[SHIMSIM_HDRTYPE] & 0x7f) == 1;
}

int
shimsim_bus_members(uint32_t bdf, uint32_t *out, int max)
{
	struct shimsim_dev	*all;
	uint32_t		 seg = PCISHIM_BDF_SEG(bdf);
	uint32_t		 bus = PCISHIM_BDF_BUS(bdf), sec = bus, sub = bus;
	uint32_t		 b;
	int			 n, i, k = 0;

	if (bus == 0)
		return -ENOTTY;
	if ((all = calloc(SHIMSIM_MAXDEVS, sizeof(*all))) == NULL)
		return -ENOMEM;
	if ((n = shimsim_dev_all(all, SHIMSIM_MAXDEVS)) < 0)
		n = 0;
	for (i = 0; i < n; i++) {
		if (PCISHIM_BDF_SEG(all[i].sd_bdf) == seg &&
		    shimsim_is_bridge(&all[i]) &&
		    all[i].sd_cfg[SHIMSIM_SECBUS] == bus) {
			sec = all[i].sd_cfg[SHIMSIM_SECBUS];
			sub = all[i].sd_cfg[SHIMSIM_SECBUS + 1];
			break;
		}
	}
	for (i = 0; i < n && k < max; i++) {
		b = PCISHIM_BDF_BUS(all[i].sd_bdf);
		if (PCISHIM_BDF_SEG(all[i].sd_bdf) == seg && b >= sec &&
		    b <= sub)
			out[k++] = all[i].sd_bdf;
	}
	free(all);
	return k;
}

void
shimsim_bus_reset(struct shimsim_dev *sd, int error)
{
	uint32_t	cmd;

	memcpy(sd->sd_cfg, sd->sd_initcfg, sizeof(sd->sd_cfg));
	sd->sd_resets++;
	sd->sd_last_method = PCISHIM_RESET_BUS;
	sd->sd_last_error = -error;
	sd->sd_enabled = 0;
	cmd = shimsim_cfg_get(sd->sd_cfg, SHIMSIM_CMD, 2);
	shimsim_cfg_put(sd->sd_cfg, SHIMSIM_CMD, 2, cmd & ~SHIMSIM_CMD_MASTER);
}

static int
shimsim_mkdirs(const char *path)
{
	char	buf[PATH_MAX], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) == -1 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0755) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

static void
shimsim_mirror(const char *rel, const char *text)
{
	char	path[PATH_MAX], dir[PATH_MAX], *slash;
	FILE	*f;

	if (shimsim_path(path, sizeof(path), rel) != 0)
		return;
	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		(void)shimsim_mkdirs(dir);
	}
	if ((f = fopen(path, "w")) == NULL)
		return;
	fputs(text, f);
	fclose(f);
}

static void
shimsim_mirror_list(const char *rel, const struct shimsim_dev *all, int n,
    size_t field)
{
	char	text[SHIMSIM_MAXDEVS * 16], addr[16];
	int	i;

	text[0] = '\0';
	for (i = 0; i < n; i++) {
		if (!all[i].sd_held ||
		    !*(const uint32_t *)(const void *)((const char *)&all[i] +
		    field))
			continue;
		shimsim_bdf_str(all[i].sd_bdf, addr, sizeof(addr));
		strcat(text, addr);
		strcat(text, "\n");
	}
	shimsim_mirror(rel, text);
}

static void
shimsim_mirror_bin(const char *rel, const void *data, size_t len)
{
	char	path[PATH_MAX];
	FILE	*f;

	if (shimsim_path(path, sizeof(path), rel) != 0 ||
	    (f = fopen(path, "w")) == NULL)
		return;
	fwrite(data, 1, len, f);
	fclose(f);
}

/*
 * The function's directory as libpci's sysfs method reads it (config,
 * resource, irq and the IDs), so that a scan of "the host" by the
 * daemon (the XSA-461 check) sees the double's machine, not the real one.
 */
static void
shimsim_sysfs_dev(const struct shimsim_dev *sd, const char *addr)
{
	const struct pcishim_bar	*pb;
	char				 rel[96], text[1024], *p = text;
	unsigned long long		 end, fl;
	int				 i;

	for (i = 0; i < 13; i++) {
		pb = i < PCISHIM_NBARS ? &sd->sd_bar[i] : NULL;
		end = fl = 0;
		if (pb != NULL && pb->pb_size != 0) {
			end = pb->pb_start + pb->pb_size - 1;
			fl = pb->pb_flags & PCISHIM_BAR_IO ? 0x100 : 0x200;
			if (pb->pb_flags & PCISHIM_BAR_PREFETCH)
				fl |= 0x2000;
			if (pb->pb_flags & PCISHIM_BAR_MEM64)
				fl |= 0x100000;
		}
		p += snprintf(p, sizeof(text) - (size_t)(p - text),
		    "0x%016llx 0x%016llx 0x%016llx\n", end != 0 ?
		    (unsigned long long)pb->pb_start : 0ULL, end, fl);
	}
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/resource", addr);
	shimsim_mirror(rel, text);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/config", addr);
	shimsim_mirror_bin(rel, sd->sd_cfg, sd->sd_cfgsize);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/irq", addr);
	snprintf(text, sizeof(text), "%u\n", sd->sd_irq);
	shimsim_mirror(rel, text);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/vendor", addr);
	snprintf(text, sizeof(text), "0x%04x\n",
	    shimsim_cfg_get(sd->sd_cfg, 0x00, 2));
	shimsim_mirror(rel, text);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/device", addr);
	snprintf(text, sizeof(text), "0x%04x\n",
	    shimsim_cfg_get(sd->sd_cfg, 0x02, 2));
	shimsim_mirror(rel, text);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/class", addr);
	snprintf(text, sizeof(text), "0x%06x\n",
	    shimsim_cfg_get(sd->sd_cfg, 0x08, 4) >> 8);
	shimsim_mirror(rel, text);
}

/* Mirrors of what sysfs would show; the slots file is the tool's. */
void
shimsim_sysfs_sync(void)
{
	struct shimsim_dev	*all;
	char			 rel[96], text[SHIMSIM_METHODS_MAX + 2];
	char			 addr[16];
	int			 n, i;

	if ((all = calloc(SHIMSIM_MAXDEVS, sizeof(*all))) == NULL)
		return;
	if ((n = shimsim_dev_all(all, SHIMSIM_MAXDEVS)) < 0)
		n = 0;
	shimsim_mirror_list("sys/bus/pci/drivers/pciback/permissive", all, n,
	    offsetof(struct shimsim_dev, sd_permissive));
	shimsim_mirror_list("sys/bus/pci/drivers/pciback/"
	    "allow_interrupt_control", all, n,
	    offsetof(struct shimsim_dev, sd_intctl));
	for (i = 0; i < n; i++) {
		shimsim_bdf_str(all[i].sd_bdf, addr, sizeof(addr));
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/"
		    "reset_method", addr);
		snprintf(text, sizeof(text), "%s\n", all[i].sd_methods);
		shimsim_mirror(rel, text);
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/driver",
		    addr);
		shimsim_mirror(rel, all[i].sd_held ? "pciback\n" : "\n");
		shimsim_sysfs_dev(&all[i], addr);
	}
	free(all);
}
