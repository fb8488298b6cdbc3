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
 * End-to-end check of the simulator against the real xenstored: a guest
 * (domid 5) built with guest.c, dom0 through libxenstore, and test-dom0
 * run under the preload as a backend. Prints "PASS: name" or
 * "FAIL: name" per check; test-xensim.sh counts them.
 *
 * usage: test-guest path/to/test-dom0 path/to/libxensim.so
 */

#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "guest.h"
#include "model.h"

#define XENSIM_TG_DOMID	5

struct xensim_tg {
	struct xensim_guest	*tg_guest;
	struct xs_handle	*tg_xs;
	const char		*tg_helper;
	const char		*tg_preload;
	char			*tg_page;
	uint32_t		 tg_ref;
	int			 tg_port;
	int			 tg_failed;
};

static void
xensim_tg_check(struct xensim_tg *tg, int ok, const char *name)
{
	printf("%s: %s\n", ok ? "PASS" : "FAIL", name);
	fflush(stdout);
	if (!ok)
		tg->tg_failed++;
}

static int
xensim_tg_streq_free(char *s, const char *want)
{
	int	ok = s != NULL && strcmp(s, want) == 0;

	free(s);
	return ok;
}

static void
xensim_tg_paths(struct xensim_tg *tg)
{
	char	*s = NULL, *v;
	int	 rc;

	rc = xensim_guest_get_domain_path(tg->tg_guest, &s);
	xensim_tg_check(tg, rc == 0 && xensim_tg_streq_free(s,
	    "/local/domain/5"), "guest get-domain-path");
	s = NULL;
	rc = xensim_guest_write(tg->tg_guest, 0, "data/x", "1");
	if (rc == 0)
		rc = xensim_guest_read(tg->tg_guest, 0, "data/x", &s);
	xensim_tg_check(tg, rc == 0 && xensim_tg_streq_free(s, "1"),
	    "guest writes and reads a relative path");
	v = xs_read(tg->tg_xs, XBT_NULL, "/local/domain/5/data/x", NULL);
	xensim_tg_check(tg, xensim_tg_streq_free(v, "1"),
	    "dom0 sees the guest's write");
	rc = xensim_guest_mkdir(tg->tg_guest, 0, "data/d");
	if (rc == 0)
		rc = xensim_guest_rm(tg->tg_guest, 0, "data/d");
	if (rc == 0)
		rc = xensim_guest_read(tg->tg_guest, 0, "data/d", &s);
	xensim_tg_check(tg, rc == -ENOENT, "guest mkdir then rm");
}

static void
xensim_tg_perms(struct xensim_tg *tg)
{
	char	*s = NULL;
	int	 rc;

	xs_write(tg->tg_xs, XBT_NULL, "/xensim-secret", "s", 1);
	rc = xensim_guest_read(tg->tg_guest, 0, "/xensim-secret", &s);
	free(s);
	xensim_tg_check(tg, rc == -EACCES, "guest refused a dom0-only node");
	rc = xensim_guest_write(tg->tg_guest, 0, "/local/domain/0/x", "1");
	xensim_tg_check(tg, rc == -EACCES, "guest refused writing dom0's path");
	rc = xensim_guest_read(tg->tg_guest, 0, "/local/domain/5", &s);
	free(s);
	xensim_tg_check(tg, rc == 0, "guest reads its own read-only dir");
}

static int
xensim_tg_event(struct xensim_tg *tg, const char *wpath, const char *wtok)
{
	char	*path, *token;
	int	 ok;

	if (xensim_guest_read_watch(tg->tg_guest, &path, &token, 5000) < 0)
		return 0;
	ok = strcmp(path, wpath) == 0 && strcmp(token, wtok) == 0;
	free(path);
	free(token);
	return ok;
}

static void
xensim_tg_watch(struct xensim_tg *tg)
{
	char		**list = NULL, *path, *token;
	unsigned int	  n = 0, i, seen = 0;
	int		  rc;

	rc = xensim_guest_watch(tg->tg_guest, "data/w", "tok");
	xensim_tg_check(tg, rc == 0 && xensim_tg_event(tg, "data/w", "tok"),
	    "guest watch fires once on registration");
	xs_write(tg->tg_xs, XBT_NULL, "/local/domain/5/data/w", "2", 1);
	xensim_tg_check(tg, xensim_tg_event(tg, "data/w", "tok"),
	    "guest gets the event for dom0's write");
	rc = xensim_guest_unwatch(tg->tg_guest, "data/w", "tok");
	xs_write(tg->tg_xs, XBT_NULL, "/local/domain/5/data/w", "3", 1);
	xensim_tg_check(tg, rc == 0 && xensim_guest_read_watch(tg->tg_guest,
	    &path, &token, 300) == -ETIMEDOUT, "no event after unwatch");
	rc = xensim_guest_directory(tg->tg_guest, 0, "data", &list, &n);
	for (i = 0; rc == 0 && i < n; i++)
		seen += strcmp(list[i], "x") == 0 || strcmp(list[i], "w") == 0;
	free(list);
	xensim_tg_check(tg, rc == 0 && n == 2 && seen == 2,
	    "guest lists a directory");
}

static void
xensim_tg_transaction(struct xensim_tg *tg)
{
	uint32_t	 tx;
	char		*s = NULL;
	int		 rc;

	rc = xensim_guest_transaction_start(tg->tg_guest, &tx);
	if (rc == 0)
		xensim_guest_read(tg->tg_guest, tx, "data/t", &s);
	free(s);
	xs_write(tg->tg_xs, XBT_NULL, "/local/domain/5/data/t", "dom0", 4);
	if (rc == 0)
		rc = xensim_guest_write(tg->tg_guest, tx, "data/t", "guest");
	if (rc == 0)
		rc = xensim_guest_transaction_end(tg->tg_guest, tx, 1);
	xensim_tg_check(tg, rc == -EAGAIN, "conflicting transaction: EAGAIN");
	rc = xensim_guest_transaction_start(tg->tg_guest, &tx);
	if (rc == 0)
		rc = xensim_guest_write(tg->tg_guest, tx, "data/t", "guest");
	if (rc == 0)
		rc = xensim_guest_transaction_end(tg->tg_guest, tx, 1);
	s = NULL;
	if (rc == 0)
		rc = xensim_guest_read(tg->tg_guest, 0, "data/t", &s);
	xensim_tg_check(tg, rc == 0 && xensim_tg_streq_free(s, "guest"),
	    "clean transaction commits");
}

static pid_t
xensim_tg_spawn(struct xensim_tg *tg, const char *mode)
{
	char	dom[16], ref[16], port[16];
	pid_t	pid;

	snprintf(dom, sizeof dom, "%d", XENSIM_TG_DOMID);
	snprintf(ref, sizeof ref, "%u", tg->tg_ref);
	snprintf(port, sizeof port, "%d", tg->tg_port);
	memset(tg->tg_page + 64, 0, 256);
	if ((pid = fork()) != 0)
		return pid;
	setenv("LD_PRELOAD", tg->tg_preload, 1);
	execl(tg->tg_helper, tg->tg_helper, dom, ref, port, mode, (char *)NULL);
	_exit(127);
}

/* Wait for events until the page shows want at off. */
static int
xensim_tg_await(struct xensim_tg *tg, size_t off, const char *want)
{
	int	i, port;

	for (i = 0; i < 50; i++) {
		if (strcmp(tg->tg_page + off, want) == 0)
			return 1;
		port = xensim_guest_wait(tg->tg_guest, 100);
		if (port >= 0 && port != tg->tg_port)
			return 0;
	}
	return 0;
}

/* One hello/ping/pong round with a freshly started backend. */
static int
xensim_tg_exchange(struct xensim_tg *tg, pid_t pid)
{
	if (pid == -1 || !xensim_tg_await(tg, 64, "dom0-hello"))
		return 0;
	strcpy(tg->tg_page + 128, "guest-ping");
	if (xensim_guest_notify(tg->tg_guest, (unsigned int)tg->tg_port) < 0)
		return 0;
	return xensim_tg_await(tg, 192, "dom0-pong");
}

/* A closed binding leaves the guest's port bindable (doc/protocol.md §2.8). */
static int
xensim_tg_unbound(struct xensim_tg *tg)
{
	struct xensim_port	xp;
	char			dir[PATH_MAX];

	if (xensim_dir(dir, sizeof dir) == -1 || xensim_port_get(dir,
	    XENSIM_TG_DOMID, (unsigned int)tg->tg_port, &xp) == -1)
		return 0;
	return xp.xp_state == XENSIM_UNBOUND && xp.xp_rdom == 0;
}

static void
xensim_tg_backend(struct xensim_tg *tg)
{
	pid_t	pid;
	int	status = -1;

	tg->tg_page = xensim_guest_grant(tg->tg_guest, &tg->tg_ref);
	tg->tg_port = xensim_guest_alloc_unbound(tg->tg_guest, 0);
	xensim_tg_check(tg, tg->tg_page != NULL && tg->tg_port > 0,
	    "guest grants a page and allocates an unbound port");
	if (tg->tg_page == NULL || tg->tg_port <= 0)
		return;
	strcpy(tg->tg_page, "guest-hello");
	pid = xensim_tg_spawn(tg, "hang");
	xensim_tg_check(tg, xensim_tg_exchange(tg, pid),
	    "dom0 maps the grant, binds, events flow both ways");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	xensim_tg_check(tg, xensim_tg_unbound(tg),
	    "killed backend's binding is gone: port unbound, remote dom0");
	pid = xensim_tg_spawn(tg, "exit");
	xensim_tg_check(tg, xensim_tg_exchange(tg, pid),
	    "after SIGKILL a second backend binds again");
	waitpid(pid, &status, 0);
	xensim_tg_check(tg, WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "second backend unbinds and unmaps cleanly");
	xensim_tg_check(tg, xensim_tg_unbound(tg),
	    "after unbind the port is unbound, remote dom0");
}

/* A dom0 watch event within the timeout, with the given path. */
static int
xensim_tg_dom0_event(struct xensim_tg *tg, const char *want, int ms)
{
	struct pollfd	  pfd;
	char		**ev;
	unsigned int	  n;
	int		  ok;

	pfd.fd = xs_fileno(tg->tg_xs);
	pfd.events = POLLIN;
	if (poll(&pfd, 1, ms) != 1)
		return 0;
	if ((ev = xs_read_watch(tg->tg_xs, &n)) == NULL)
		return 0;
	ok = strcmp(ev[XS_WATCH_PATH], want) == 0;
	free(ev);
	return ok;
}

static void
xensim_tg_release(struct xensim_tg *tg)
{
	int	i, gone = 0;

	xs_watch(tg->tg_xs, "@releaseDomain", "rel");
	xensim_tg_dom0_event(tg, "@releaseDomain", 2000);
	xensim_guest_destroy(tg->tg_guest);
	tg->tg_guest = NULL;
	xensim_tg_check(tg, xensim_tg_dom0_event(tg, "@releaseDomain", 5000),
	    "destroying the guest fires @releaseDomain");
	for (i = 0; i < 50 && !gone; i++) {
		gone = !xs_is_domain_introduced(tg->tg_xs, XENSIM_TG_DOMID);
		if (!gone)
			usleep(20000);
	}
	xensim_tg_check(tg, gone, "xenstored forgets the dead domain");
}

int
main(int argc, char **argv)
{
	struct xensim_tg	tg;

	if (argc != 3) {
		fprintf(stderr, "usage: test-guest test-dom0 libxensim.so\n");
		return 2;
	}
	memset(&tg, 0, sizeof tg);
	tg.tg_helper = argv[1];
	tg.tg_preload = argv[2];
	if ((tg.tg_xs = xs_open(0)) == NULL) {
		xensim_tg_check(&tg, 0, "dom0 connects to xenstored");
		return 1;
	}
	tg.tg_guest = xensim_guest_create(XENSIM_TG_DOMID);
	xensim_tg_check(&tg, tg.tg_guest != NULL, "guest 5 is introduced");
	if (tg.tg_guest == NULL) {
		fprintf(stderr, "test-guest: create: %s\n", strerror(errno));
		return 1;
	}
	xensim_tg_check(&tg, xs_is_domain_introduced(tg.tg_xs,
	    XENSIM_TG_DOMID), "xenstored knows domain 5");
	xensim_tg_paths(&tg);
	xensim_tg_perms(&tg);
	xensim_tg_watch(&tg);
	xensim_tg_transaction(&tg);
	xensim_tg_backend(&tg);
	xensim_tg_release(&tg);
	xs_close(tg.tg_xs);
	return tg.tg_failed ? 1 : 0;
}
