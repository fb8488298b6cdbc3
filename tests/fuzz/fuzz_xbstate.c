#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xenbus.h>
#include "xbstate.h"

static struct xbstate_in in;
static struct xbstate_out out;

static int
pick(const uint8_t **p, size_t *n, int mod, int base)
{
	int v = 0;
	if (*n > 0) { v = **p; (*p)++; (*n)--; }
	return (v % mod) + base;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	uint32_t r, p;
	const char *e;
	char buf[64];
	size_t i;
	int v;

	memcpy(s, data, size);
	s[size] = '\0';
	v = xbstate_parse_state(s);
	if (v != XBSTATE_INVALID && (v < 0 || v > 8)) abort();
	v = xbstate_parse_num_devs(s);
	if (v > XBSTATE_MAX_DEVS || v < -3) abort();
	(void)xbstate_parse_connect(s, s, s, &r, &p, &e);
	free(s);

	xbstate_in_init(&in);
	in.xi_be_exists = pick(&data, &size, 2, 0);
	in.xi_dying = pick(&data, &size, 4, 0) == 0;
	in.xi_online = pick(&data, &size, 2, 0);
	in.xi_restarted = pick(&data, &size, 2, 0);
	in.xi_connected = pick(&data, &size, 2, 0);
	in.xi_held = pick(&data, &size, 4, 0);
	in.xi_be_state = pick(&data, &size, 12, -2);
	in.xi_fe_state = pick(&data, &size, 12, -2);
	in.xi_num_devs = pick(&data, &size, 256, -8) * (pick(&data, &size, 3, 0) == 2 ? 97 : 1);
	for (i = 0; i < XBSTATE_MAX_DEVS; i++) {
		in.xi_dev[i].xd_state = pick(&data, &size, 11, -1);
		in.xi_dev[i].xd_dev_ok = pick(&data, &size, 5, 0) != 0;
		in.xi_dev[i].xd_exported = pick(&data, &size, 2, 0);
	}
	if (xbstate_step(&in, &out) != 0) abort();
	if (out.xo_n > XBSTATE_MAX_ACTIONS) abort();
	for (i = 0; i < out.xo_n; i++) {
		const struct xbstate_action *a = &out.xo_act[i];
		int last = i + 1 == out.xo_n;
		if ((a->xa_type == XBSTATE_A_FATAL || a->xa_type == XBSTATE_A_TEARDOWN) && !last) abort();
		if (a->xa_type == XBSTATE_A_SWITCH) {
			if (!last && out.xo_act[i + 1].xa_type != XBSTATE_A_TEARDOWN) abort();
			if (a->xa_from != in.xi_be_state || a->xa_state == a->xa_from) abort();
			if (a->xa_from == XenbusStateClosed) abort();
			if (a->xa_from == XenbusStateClosing && a->xa_state != XenbusStateClosed) abort();
		}
		if ((a->xa_type == XBSTATE_A_EXPORT || a->xa_type == XBSTATE_A_RELEASE ||
		    a->xa_type == XBSTATE_A_ADOPT_DEV) &&
		    (a->xa_dev < 0 || a->xa_dev >= in.xi_num_devs)) abort();
		if ((a->xa_type == XBSTATE_A_CONNECT || a->xa_type == XBSTATE_A_ADOPT) && in.xi_connected) abort();
		if (a->xa_type == XBSTATE_A_DISCONNECT && !in.xi_connected) abort();
	}
	if (xbstate_format(&out, buf, sizeof(buf)) < 0) abort();
	if (strlen(buf) >= sizeof(buf)) abort();
	return 0;
}
