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


/* Print the parsed configuration back, for -nv and the tests. */

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "pcibackd.h"

static const char *
printconf_yesno(int v)
{
	return v ? "yes" : "no";
}

/*
 * A string as the grammar reads it back: quoted, with the quote and the
 * backslash escaped (a source or name may hold either).
 */
static void
printconf_string(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

void
print_config(const struct pcibackd_conf *c)
{
	const struct conf_source	*cs;
	const struct conf_device	*cd;
	char				 addr[BDF_XL_MAX];
	size_t				 i;

	printf("mode %s\n", c->c_mode == CONF_MODE_PASSTHROUGH ?
	    "passthrough" : "virtual");
	printf("permissive %s\n", printconf_yesno(c->c_permissive));
	/* The socket only when it is not the default, as it rarely is. */
	if (strcmp(c->c_socket, CONTROL_SOCKET) != 0) {
		printf("socket ");
		printconf_string(c->c_socket);
		printf("\n");
	}
	if (c->c_sockgroup[0] != '\0') {
		printf("socket group ");
		printconf_string(c->c_sockgroup);
		printf("\n");
	}
	/* Like the socket: only what differs from the default. */
	if (c->c_loglevel != LOG_INFO)
		printf("log level %s\n", conf_loglevel_name(c->c_loglevel));
	if (c->c_shimdev[0] != '\0') {
		printf("shim ");
		printconf_string(c->c_shimdev);
		printf("\n");
	}
	if (c->c_evrate != CONF_EVENTS_RATE)
		printf("ratelimit events %u per-second\n", c->c_evrate);
	if (c->c_oprate != CONF_OPS_RATE)
		printf("ratelimit ops %u per-second\n", c->c_oprate);
	if (c->c_aer_timeout != CONF_AER_TIMEOUT)
		printf("aer-timeout %u\n", c->c_aer_timeout);
	if (c->c_reset_timeout != CONF_RESET_TIMEOUT)
		printf("reset-timeout %u\n", c->c_reset_timeout);
	if (c->c_restart_grace != CONF_RESTART_GRACE)
		printf("restart-grace %u\n", c->c_restart_grace);
	if (c->c_lograte != CONF_LOG_RATE || c->c_logburst != CONF_LOG_BURST)
		printf("ratelimit log %u per-second burst %u\n", c->c_lograte,
		    c->c_logburst);
	TAILQ_FOREACH(cs, &c->c_sources, cs_entry) {
		printf("emulate ");
		printconf_string(cs->cs_source);
		if (cs->cs_bars != NULL) {
			printf(" bars ");
			printconf_string(cs->cs_bars);
		}
		printf("\n");
	}
	TAILQ_FOREACH(cd, &c->c_devices, cd_entry) {
		bdf_format_pattern(&cd->cd_addr, addr, sizeof(addr));
		printf("device %s {\n", addr);
		printf("\tpermissive %s\n", printconf_yesno(cd->cd_permissive));
		if (cd->cd_name[0] != '\0') {
			printf("\tname ");
			printconf_string(cd->cd_name);
			printf("\n");
		}
		for (i = 0; i < cd->cd_nquirks; i++)
			printf("\tquirk 0x%03x %u 0x%x\n",
			    cd->cd_quirks[i].cq_offset,
			    cd->cd_quirks[i].cq_size, cd->cd_quirks[i].cq_mask);
		if (cd->cd_reset[0] != '\0') {
			printf("\treset ");
			printconf_string(cd->cd_reset);
			printf("\n");
		}
		if (cd->cd_shared_irq)
			printf("\tallow shared-irq\n");
		if (cd->cd_shared_page)
			printf("\tallow shared-bar-page\n");
		if (cd->cd_bridge)
			printf("\tallow bridge\n");
		printf("}\n");
	}
}
