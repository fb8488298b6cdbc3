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
 * Restart records.  Whenever the parent forks a guest's worker it
 * writes down what that worker serves: the connection (frontend path,
 * grant, port) and the devices with their guest addresses, one file per
 * instance in a directory only root can read, beside the control socket
 * (tmpfs: /run).  A restarted daemon serves each recorded guest again
 * from its record before anything else (frontend_resume), after the few
 * xenstore reads that prove the record still describes the domain's
 * connection, then checks the rest against xenstore (frontend_verify)
 * and undoes it if anything differs.  The record saves round trips; it
 * never decides anything the guest or the toolstack controls.
 */

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "pcibackd.h"
#include "proc.h"
#include "util.h"

#define RECORD_DIR	"restart"	/* beside the control socket */
#define RECORD_MAGIC	"pcibackd restart record 1"
#define RECORD_MAX	(64 + 64 * (TOPO_MAX_DEVS + 8))	/* bytes */
#define RECORD_RETIRE_MS 1000	/* for a worker to quit; then SIGKILL */

/* The directory: ours alone, or no records at all. */
void
record_init(struct pcibackd *env)
{
	char		 dir[CONTROL_PATH_MAX], *p;
	struct stat	 st;

	snprintf(dir, sizeof(dir), "%s", env->pb_conf->c_socket);
	if ((p = strrchr(dir, '/')) == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (p == dir)
		p[1] = '\0';
	else
		*p = '\0';
	snprintf(env->pb_recdir, sizeof(env->pb_recdir), "%s%s%s", dir,
	    dir[strlen(dir) - 1] == '/' ? "" : "/", RECORD_DIR);
	if (mkdir(env->pb_recdir, 0700) == -1 && errno != EEXIST)
		log_warn("%s", env->pb_recdir);
	if (lstat(env->pb_recdir, &st) == -1 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		log_warnx("%s: not a directory of ours only: no restart "
		    "records (a restart adopts guests from xenstore alone)",
		    env->pb_recdir);
		env->pb_recdir[0] = '\0';
	}
}

static int
record_path(struct frontend *fe, char *buf, size_t len, const char *suffix)
{
	int	n;

	n = snprintf(buf, len, "%s/%u.%u%s", fe->fe_env->pb_recdir,
	    fe->fe_domid, fe->fe_devid, suffix);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/*
 * What the worker just forked serves; written whole, then renamed.  0 if
 * the record now names the worker, which may then outlive us.
 */
int
record_write(struct frontend *fe)
{
	struct topo_entry	*te;
	struct heldev		*hd;
	char			 path[PATH_MAX], tmp[PATH_MAX];
	char			 host[BDF_XL_MAX], guest[BDF_XL_MAX];
	FILE			*f;
	size_t			 i;
	int			 fd;

	if (fe->fe_env->pb_recdir[0] == '\0' || !fe->fe_connected ||
	    record_path(fe, path, sizeof(path), "") != 0 ||
	    record_path(fe, tmp, sizeof(tmp), ".new") != 0)
		return -1;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1 || (f = fdopen(fd, "w")) == NULL) {
		log_limited(&fe->fe_lr, LOG_WARNING, "%s: %s: %s", fe->fe_name,
		    tmp, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	fprintf(f, "%s\ndomid %u\ndevid %u\nfrontend %s\ngrant %u\n"
	    "port %u\n", RECORD_MAGIC, fe->fe_domid, fe->fe_devid,
	    fe->fe_fepath, fe->fe_gref, fe->fe_remote_port);
	/* Who serves it, if it may outlive us (worker_leave). */
	if (fe->fe_wpid != 0 && fe->fe_wstart != 0)
		fprintf(f, "worker %ld %llu\n", (long)fe->fe_wpid,
		    (unsigned long long)fe->fe_wstart);
	for (i = 0; i < topo_count(&fe->fe_topo); i++) {
		te = topo_entry(&fe->fe_topo, i);
		bdf_format_dev(&te->te_host, host, sizeof(host));
		bdf_format_vdev(&te->te_guest, guest, sizeof(guest));
		fprintf(f, "dev %s %s", host, guest);
		/* The guest's Command value, for its view after a restart. */
		if ((hd = device_find(fe->fe_env, &te->te_host)) != NULL &&
		    hd->hd_pciop.pd_cs != NULL)
			fprintf(f, " command 0x%x",
			    cfgspace_guest_command(hd->hd_pciop.pd_cs));
		fputc('\n', f);
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		log_limited(&fe->fe_lr, LOG_WARNING, "%s: %s: %s", fe->fe_name,
		    path, strerror(errno));
		(void)unlink(tmp);
		return -1;
	}
	return fe->fe_wpid != 0 && fe->fe_wstart != 0 ? 0 : -1;
}

/* The guest's connection went: nothing to serve again. */
void
record_remove(struct frontend *fe)
{
	char	path[PATH_MAX];

	if (fe->fe_env->pb_recdir[0] == '\0' ||
	    record_path(fe, path, sizeof(path), "") != 0)
		return;
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("%s", path);
}

static int
record_number(const char *s, unsigned int limit, unsigned int *v)
{
	uint64_t	n;

	if (util_number(s, 10 | UTIL_CANON, (uint64_t)limit - 1, &n) != 0)
		return -1;
	*v = (unsigned int)n;
	return 0;
}

/* "PID START": the worker a previous daemon left serving. */
static int
record_worker(char *val, struct record *rec)
{
	char		*start;
	unsigned int	 pid;
	uint64_t	 t;

	if ((start = strchr(val, ' ')) == NULL)
		return -1;
	*start++ = '\0';
	if (record_number(val, INT32_MAX, &pid) != 0 || pid < 2 ||
	    util_number(start, 10 | UTIL_CANON, UINT64_MAX - 1, &t) != 0 ||
	    t == 0)
		return -1;
	rec->rc_wpid = (pid_t)pid;
	rec->rc_wstart = t;
	return 0;
}

/* One line "key value..." into rec; -1 if it is not one we write. */
static int
record_line(char *line, struct record *rec)
{
	char		*key, *val, *guest, *cmd;
	uint64_t	 c;
	unsigned int	 v;

	key = line;
	if ((val = strchr(line, ' ')) == NULL)
		return -1;
	*val++ = '\0';
	if (strcmp(key, "domid") == 0)
		return record_number(val, FRONTEND_DOMID_LIMIT, &rec->rc_domid);
	if (strcmp(key, "devid") == 0)
		return record_number(val, FRONTEND_DEVID_LIMIT, &rec->rc_devid);
	if (strcmp(key, "grant") == 0) {
		if (record_number(val, UINT32_MAX, &v) != 0)
			return -1;
		rec->rc_gref = v;
		return 0;
	}
	if (strcmp(key, "port") == 0) {
		if (record_number(val, UINT32_MAX, &v) != 0 || v == 0)
			return -1;
		rec->rc_port = v;
		return 0;
	}
	if (strcmp(key, "worker") == 0)
		return record_worker(val, rec);
	if (strcmp(key, "frontend") == 0) {
		if (strlen(val) >= sizeof(rec->rc_fepath))
			return -1;
		memcpy(rec->rc_fepath, val, strlen(val) + 1);
		return 0;
	}
	if (strcmp(key, "dev") != 0 || rec->rc_ndev == TOPO_MAX_DEVS ||
	    (guest = strchr(val, ' ')) == NULL)
		return -1;
	*guest++ = '\0';
	/* "command 0xN" after the addresses; older records lack it. */
	rec->rc_command[rec->rc_ndev] = -1;
	if ((cmd = strchr(guest, ' ')) != NULL) {
		*cmd++ = '\0';
		if (strncmp(cmd, "command ", 8) != 0 ||
		    util_number(cmd + 8, 16, UINT16_MAX, &c) != 0)
			return -1;
		rec->rc_command[rec->rc_ndev] = (int32_t)c;
	}
	if (bdf_parse_dev(val, &rec->rc_host[rec->rc_ndev], NULL) != 0 ||
	    bdf_parse_vdev(guest, &rec->rc_guest[rec->rc_ndev], NULL) != 0)
		return -1;
	rec->rc_ndev++;
	return 0;
}

/*
 * A record file of ours (a regular file, our uid, nobody else may
 * read or write it) named <domid>.<devid> as its content says.
 */
static int
record_load(int dfd, const char *name, struct record *rec)
{
	struct stat	 st;
	char		*buf = NULL, *line, *next, want[32];
	ssize_t		 n;
	int		 fd, rc = -1;

	memset(rec, 0, sizeof(*rec));
	rec->rc_domid = rec->rc_devid = (unsigned int)-1;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 || fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077) != 0 ||
	    st.st_size <= 0 || st.st_size >= RECORD_MAX ||
	    (buf = calloc(1, (size_t)st.st_size + 1)) == NULL)
		goto done;
	if ((n = read(fd, buf, (size_t)st.st_size)) != st.st_size)
		goto done;
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) == NULL)
			goto done;	/* cut short */
		*next++ = '\0';
		if (line == buf) {
			if (strcmp(line, RECORD_MAGIC) != 0)
				goto done;
		} else if (record_line(line, rec) != 0)
			goto done;
	}
	snprintf(want, sizeof(want), "%u.%u", rec->rc_domid, rec->rc_devid);
	if (strcmp(want, name) == 0 && rec->rc_fepath[0] != '\0' &&
	    rec->rc_port != 0)
		rc = 0;
done:
	free(buf);
	if (fd != -1)
		close(fd);
	return rc;
}

/*
 * The worker a previous daemon left serving the guest (worker_leave)
 * quits between two ops, before ours binds the guest's port, which its
 * handle holds.  Only the process the record names goes: the pid with
 * the start time recorded, never one that reused the pid.
 */
void
record_retire(struct record *rec)
{
	struct timespec	t0, t1;
	pid_t		pid = rec->rc_wpid;
	int		rc;

	if (pid == 0)
		return;
	rec->rc_wpid = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = proc_stop(pid, rec->rc_wstart, RECORD_RETIRE_MS);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc == -1)
		log_warn("dom%u: worker %ld of the previous daemon: cannot "
		    "stop it", rec->rc_domid, (long)pid);
	else
		log_info("dom%u: worker %ld of the previous daemon %s in "
		    "%lld ms", rec->rc_domid, (long)pid, rc == 0 ? "quit" :
		    "killed (it did not quit)",
		    (long long)(metric_ns_since(&t0, &t1) / 1000000));
}

/*
 * Start-up: serve every recorded guest again.  A record is read once:
 * the worker forked for it writes it anew, and one that is no longer
 * right goes, leaving its guest to the adoption from xenstore.
 */
void
record_resume(struct pcibackd *env)
{
	struct record	*rec;
	struct dirent	*de;
	DIR		*d;
	int		 dfd, rc;

	if (env->pb_recdir[0] == '\0' ||
	    (d = opendir(env->pb_recdir)) == NULL)
		return;
	if ((rec = malloc(sizeof(*rec))) == NULL)
		fatal("malloc");
	dfd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		rc = record_load(dfd, de->d_name, rec);
		/* Said as it is: a directory or a busy name stays. */
		if (unlinkat(dfd, de->d_name, 0) == -1) {
			log_warn("%s/%s: not used as a restart record; cannot "
			    "remove it", env->pb_recdir, de->d_name);
			continue;
		}
		if (rc != 0)
			log_warnx("%s/%s: not a restart record of ours; "
			    "removed", env->pb_recdir, de->d_name);
		else {
			(void)frontend_resume(env, rec);
			/* Stale or not, the worker it names goes. */
			record_retire(rec);
		}
	}
	closedir(d);
	free(rec);
}
