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


#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pci/pci.h>

#include "util.h"
#include "hostpci.h"

static jmp_buf	hostpci_jmp;
static char	hostpci_errbuf[256];

static void __attribute__((noreturn, format(printf, 1, 2)))
hostpci_error(char *msg, ...)
{
	va_list	ap;

	va_start(ap, msg);
	vsnprintf(hostpci_errbuf, sizeof(hostpci_errbuf), msg, ap);
	va_end(ap);
	longjmp(hostpci_jmp, 1);
}

static void
hostpci_quiet(char *msg, ...)
{
	(void)msg;
}

/* A libpci handle whose errors come back through hostpci_jmp, quietly. */
static struct pci_access *
hostpci_alloc(void)
{
	struct pci_access	*pa;

	if ((pa = pci_alloc()) == NULL)
		return NULL;
	pa->error = hostpci_error;
	pa->warning = hostpci_quiet;
	pa->debug = hostpci_quiet;
	return pa;
}

static int
hostpci_method(struct pci_access *pa, char *src, char **cause)
{
	/* libpci takes non-const strings; it copies the value. */
	char	dumpname[] = "dump.name", sysfspath[] = "sysfs.path";

	if (src == NULL)
		return 0;
	if (strncmp(src, "dump:", 5) == 0) {
		pa->method = PCI_ACCESS_DUMP;
		pci_set_param(pa, dumpname, src + 5);
		return 0;
	}
	if (strncmp(src, "sysfs:", 6) == 0) {
		pa->method = PCI_ACCESS_SYS_BUS_PCI;
		pci_set_param(pa, sysfspath, src + 6);
		return 0;
	}
	return util_cause(cause, "%s: unknown device source (want dump:FILE "
	    "or sysfs:DIR)", src);
}

/* The scan itself; -1 if libpci gave up (hostpci_errbuf says why). */
static int
hostpci_run(struct pci_access *pa, size_t max,
    void (*fn)(void *, struct pci_dev *), void *arg)
{
	struct pci_dev		*pd;
	volatile size_t		 n = 0;

	if (setjmp(hostpci_jmp) != 0)
		return -1;
	pci_init(pa);
	pci_scan_bus(pa);
	for (pd = pa->devices; pd != NULL && n < max; pd = pd->next, n++)
		fn(arg, pd);
	return 0;
}

int
hostpci_scan(const char *src, size_t max,
    void (*fn)(void *, struct pci_dev *), void *arg, char **cause)
{
	struct pci_access	*pa;
	char			*copy = NULL;
	int			 rc = -1;

	*cause = NULL;
	if (src != NULL && (copy = strdup(src)) == NULL)
		return util_cause(cause, "%s", strerror(errno));
	if ((pa = hostpci_alloc()) == NULL) {
		free(copy);
		return util_cause(cause, "libpci: out of memory");
	}
	if (hostpci_method(pa, copy, cause) != 0)
		goto done;
	if (hostpci_run(pa, max, fn, arg) != 0) {
		(void)util_cause(cause, "%s: %s", src != NULL ? src : "libpci",
		    hostpci_errbuf);
		goto done;
	}
	rc = 0;
done:
	pci_cleanup(pa);
	free(copy);
	return rc;
}

/*
 * What a verdict resting on one function's register reads again: the
 * host's own access method, that function alone.  A scan of the host
 * reads every function's sysfs files; under a PV dom0 each read is a
 * few system calls through Xen, tens of milliseconds in all.
 */
int
hostpci_read_word(unsigned int seg, unsigned int bus, unsigned int dev,
    unsigned int fn, int off, uint16_t *val, char **cause)
{
	struct pci_access	*pa;
	struct pci_dev		*volatile pd = NULL;
	volatile int		 rc = -1;

	*cause = NULL;
	if ((pa = hostpci_alloc()) == NULL)
		return util_cause(cause, "libpci: out of memory");
	if (setjmp(hostpci_jmp) != 0) {
		(void)util_cause(cause, "libpci: %s", hostpci_errbuf);
		goto done;
	}
	pci_init(pa);
	if ((pd = pci_get_dev(pa, (int)seg, (int)bus, (int)dev, (int)fn)) ==
	    NULL) {
		(void)util_cause(cause, "libpci: out of memory");
		goto done;
	}
	*val = pci_read_word(pd, off);
	rc = 0;
done:
	if (pd != NULL)
		pci_free_dev(pd);
	pci_cleanup(pa);
	return rc;
}
