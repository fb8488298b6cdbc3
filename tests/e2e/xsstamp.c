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
 * xsstamp: dom0's clock on every xenbus state change of PCI devices, for
 * the bench (scenarios/bench.sh).  xenstored's own trace has whole
 * seconds; a shell loop over xenstore-watch forks per event, which under
 * TCG costs more than the steps it would time.  One watch on
 * /local/domain sees the backend's and the frontend's "state" nodes
 * whoever writes them; each is read at once and printed as
 *
 *	<ms since the epoch> be|fe <domid> <state>
 *
 * (be: /local/domain/0/backend/pci/<domid>/0/state, fe:
 * /local/domain/<domid>/device/pci/0/state), flushed per line.  A value
 * written and overwritten before the read shows as the later one.  Runs
 * until killed; linked with the dom0's libxenstore.
 *
 * usage: xsstamp
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xenstore.h>

#define XSSTAMP_BE	"/local/domain/0/backend/pci/"

static long long
xsstamp_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "be"/"fe" and the guest's domid for a PCI state node; -1 for others. */
static int
xsstamp_classify(const char *path, const char **side, unsigned int *domid)
{
	char	tail[32];
	int	n = 0;

	if (strncmp(path, XSSTAMP_BE, strlen(XSSTAMP_BE)) == 0) {
		if (sscanf(path + strlen(XSSTAMP_BE), "%u/0/state%n", domid,
		    &n) != 1 || path[strlen(XSSTAMP_BE) + n] != '\0')
			return -1;
		*side = "be";
		return 0;
	}
	if (sscanf(path, "/local/domain/%u/device/pci/0/%31s", domid,
	    tail) != 2 || strcmp(tail, "state") != 0 || *domid == 0)
		return -1;
	*side = "fe";
	return 0;
}

int
main(int argc, char **argv)
{
	struct xs_handle	*xs;
	char			**ev, *val;
	const char		*side;
	unsigned int		 n, len, domid;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: xsstamp\n");
		return 2;
	}
	if ((xs = xs_open(0)) == NULL) {
		perror("xsstamp: xs_open");
		return 1;
	}
	if (!xs_watch(xs, "/local/domain", "s")) {
		perror("xsstamp: xs_watch");
		return 1;
	}
	printf("%lld ready\n", xsstamp_ms());
	fflush(stdout);
	while ((ev = xs_read_watch(xs, &n)) != NULL) {
		if (xsstamp_classify(ev[XS_WATCH_PATH], &side, &domid) == 0) {
			val = xs_read(xs, XBT_NULL, ev[XS_WATCH_PATH], &len);
			printf("%lld %s %u %s\n", xsstamp_ms(), side, domid,
			    val != NULL ? val : "gone");
			fflush(stdout);
			free(val);
		}
		free(ev);
	}
	perror("xsstamp: xs_read_watch");
	return 1;
}
