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
 * The denied-write audit (audit.h).  The tables of notes below are what
 * pcibackctl suggest says about a register: what it is, and whether a
 * guest may be let at it.  A register with no note gets "unknown".
 */

#include <stdio.h>
#include <string.h>

#include "audit.h"

struct audit_regnote {
	const char	*rn_name;	/* the cfgspace row's */
	const char	*rn_what;
	const char	*rn_safety;	/* NULL: nothing to allow (read-only) */
	const char	*rn_why;
};

/* Rows the engine passes only to permissive guests or quirks. */
static const struct audit_regnote audit_notes[] = {
	{ "status", "Status", "safe",
	  "its writable bits clear this function's own error flags" },
	{ "pcie.devctl", "PCI Express Device Control", "safe",
	  "error reporting, relaxed ordering, extended tags, read request "
	  "size: the function's own behaviour" },
	{ "pcie.devsta", "PCI Express Device Status", "safe",
	  "write-1-to-clear error flags of this function" },
	{ "pcie.linkctl", "PCI Express Link Control", "caution",
	  "ASPM and clock power management change the link's power state, "
	  "which the port above shares" },
	{ "pcie.linksta", "PCI Express Link Status", "safe",
	  "write-1-to-clear flags" },
	{ "pcie.devctl2", "PCI Express Device Control 2", "caution",
	  "completion timeout, AtomicOps, LTR, 10-bit tags: the function's "
	  "own, but they must agree with the port above" },
	{ "pcie.devsta2", "PCI Express Device Status 2", "safe",
	  "no writable bits in use" },
	{ "pcie.linkctl2", "PCI Express Link Control 2", "caution",
	  "target link speed and compliance modes act on the shared link" },
	{ "pcie.linksta2", "PCI Express Link Status 2", "safe",
	  "write-1-to-clear flags" },
	{ "aer.uncor_status", "AER Uncorrectable Error Status", "safe",
	  "write-1-to-clear error flags of this function" },
	{ "aer.uncor_mask", "AER Uncorrectable Error Mask", "safe",
	  "which of its own errors the function reports to dom0" },
	{ "aer.uncor_severity", "AER Uncorrectable Error Severity", "safe",
	  "how its own errors are reported to dom0" },
	{ "aer.cor_status", "AER Correctable Error Status", "safe",
	  "write-1-to-clear error flags of this function" },
	{ "aer.cor_mask", "AER Correctable Error Mask", "safe",
	  "which of its own errors the function reports to dom0" },
	{ "aer.cap_control", "AER Capabilities and Control", "safe",
	  "ECRC and header logging of the function's own errors" },
	{ "sriov.status", "SR-IOV Status", "safe",
	  "write-1-to-clear migration flag" },
};

/* Read-only in hardware: a write changes nothing either way. */
static const char *const audit_readonly[] = {
	"class", "header_type", "cap_pointer", "cardbus_cis", "subsystem",
	"min_gnt", "max_lat", "vendor.length", "pcie.flags", "pcie.devcap",
	"pcie.linkcap", "pcie.devcap2", "pcie.linkcap2", "acs.cap", "ats.cap",
	"sriov.cap", "sriov.initial_vfs", "sriov.total_vfs", "sriov.fn_link",
	"sriov.vf_offset", "sriov.vf_stride", "sriov.vf_device",
	"sriov.page_sizes", "aer.header_log0", "aer.header_log1",
	"aer.header_log2", "aer.header_log3", "aer.source_cor",
	"aer.source_uncor",
};

/* A port's registers, in an endpoint's capability or a bridge's. */
static const char *const audit_port[] = {
	"pcie.slotcap", "pcie.slotctl", "pcie.slotsta", "pcie.rootctl",
	"pcie.rootcap", "pcie.rootsta", "pcie.slotcap2", "pcie.slotctl2",
	"pcie.slotsta2", "aer.root_command", "aer.root_status",
};

struct audit_capnote {
	unsigned int	 cn_id;
	int		 cn_ext;
	const char	*cn_name;
};

static const struct audit_capnote audit_caps[] = {
	{ 0x01, 0, "Power Management" },
	{ 0x03, 0, "VPD" },
	{ 0x05, 0, "MSI" },
	{ 0x09, 0, "Vendor Specific" },
	{ 0x0d, 0, "Bridge Subsystem ID" },
	{ 0x10, 0, "PCI Express" },
	{ 0x11, 0, "MSI-X" },
	{ 0x12, 0, "SATA" },
	{ 0x13, 0, "Advanced Features" },
	{ 0x0001, 1, "Advanced Error Reporting" },
	{ 0x0002, 1, "Virtual Channel" },
	{ 0x0003, 1, "Device Serial Number" },
	{ 0x0004, 1, "Power Budgeting" },
	{ 0x000b, 1, "Vendor Specific Extended" },
	{ 0x000d, 1, "ACS" },
	{ 0x000e, 1, "ARI" },
	{ 0x000f, 1, "ATS" },
	{ 0x0010, 1, "SR-IOV" },
	{ 0x0013, 1, "Page Request" },
	{ 0x0015, 1, "Resizable BAR" },
	{ 0x0017, 1, "TPH Requester" },
	{ 0x0018, 1, "Latency Tolerance Reporting" },
	{ 0x0019, 1, "Secondary PCI Express" },
	{ 0x001b, 1, "PASID" },
	{ 0x001d, 1, "Downstream Port Containment" },
	{ 0x001e, 1, "L1 PM Substates" },
	{ 0x0023, 1, "Designated Vendor-Specific" },
};

/* PCIe Device Control bits worth a word (PCIe Base 6.0 §7.5.3.4). */
#define DEVCTL_MPS	0x00e0
#define DEVCTL_PHANTOM	0x0200
#define DEVCTL_NOSNOOP	0x0800
#define DEVCTL_FLR	0x8000

static uint32_t
audit_sizemask(unsigned int size)
{
	return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

void
audit_record(struct audit_table *t, unsigned int off, unsigned int size,
    uint32_t val, int refused, int64_t now)
{
	struct audit_entry	*e;
	uint32_t		 i, n = t->at_used, sm = audit_sizemask(size);

	if (n > AUDIT_SLOTS)
		n = AUDIT_SLOTS;
	for (i = 0; i < n; i++)
		if (t->at_e[i].ae_offset == off && t->at_e[i].ae_size == size)
			break;
	if (i == AUDIT_SLOTS) {
		t->at_overflow++;
		return;
	}
	e = &t->at_e[i];
	if (i == n) {
		memset(e, 0, sizeof(*e));
		e->ae_offset = (uint16_t)off;
		e->ae_size = (uint8_t)size;
		e->ae_first = now;
		t->at_used = n + 1;
	}
	if (refused)
		e->ae_refused = 1;
	e->ae_value = val & sm;
	e->ae_ones |= val & sm;
	e->ae_zeros |= ~val & sm;
	e->ae_count++;
	e->ae_last = now;
}

int
audit_valid(const struct audit_entry *e)
{
	uint32_t	sm;

	if (e->ae_size != 1 && e->ae_size != 2 && e->ae_size != 4)
		return 0;
	if (e->ae_offset >= CFGSPACE_EXT_SIZE || e->ae_offset % e->ae_size)
		return 0;
	sm = audit_sizemask(e->ae_size);
	if ((e->ae_value | e->ae_ones | e->ae_zeros) & ~sm)
		return 0;
	return e->ae_count > 0 && e->ae_refused <= 1 &&
	    e->ae_first <= e->ae_last;
}

void
audit_copy(struct audit_table *dst, const struct audit_table *src)
{
	struct audit_entry	e;
	uint32_t		i, j, n = src->at_used;

	memset(dst, 0, sizeof(*dst));
	dst->at_overflow = src->at_overflow;
	if (n > AUDIT_SLOTS)
		n = AUDIT_SLOTS;
	for (i = 0; i < n; i++) {
		e = src->at_e[i];	/* once: it may change meanwhile */
		if (!audit_valid(&e))
			continue;
		for (j = 0; j < dst->at_used; j++)
			if (dst->at_e[j].ae_offset == e.ae_offset &&
			    dst->at_e[j].ae_size == e.ae_size)
				break;
		if (j == dst->at_used)
			dst->at_e[dst->at_used++] = e;
	}
}

const char *
audit_cap_name(unsigned int id, int ext)
{
	size_t	i;

	for (i = 0; i < sizeof(audit_caps) / sizeof(audit_caps[0]); i++)
		if (audit_caps[i].cn_id == id && audit_caps[i].cn_ext == ext)
			return audit_caps[i].cn_name;
	return NULL;
}

static int
audit_in(const char *name, const char *const *list, size_t n)
{
	size_t	i;

	for (i = 0; name != NULL && i < n; i++)
		if (strcmp(name, list[i]) == 0)
			return 1;
	return 0;
}

static const struct audit_regnote *
audit_note(const char *name)
{
	size_t	i;

	for (i = 0; name != NULL &&
	    i < sizeof(audit_notes) / sizeof(audit_notes[0]); i++)
		if (strcmp(name, audit_notes[i].rn_name) == 0)
			return &audit_notes[i];
	return NULL;
}

/* "capability 0x10 (PCI Express) at 0xe0", or "" outside any. */
static void
audit_where(const struct cfgspace_reg *rg, char *buf, size_t len)
{
	const char	*n;

	buf[0] = '\0';
	if (rg->rg_cap == 0)
		return;
	n = audit_cap_name(rg->rg_capid, rg->rg_ext);
	snprintf(buf, len, "%scapability 0x%02x (%s) at 0x%x",
	    rg->rg_ext ? "extended " : "", rg->rg_capid, n != NULL ? n :
	    "unknown", rg->rg_cap);
}

static void
audit_refuse(struct audit_advice *a, const char *why)
{
	a->aa_verdict = AUDIT_REFUSE;
	a->aa_safety = "unsafe";
	snprintf(a->aa_why, sizeof(a->aa_why), "%s", why);
}

/* Registers no quirk may name; 1 if a's verdict is made. */
static int
audit_hard(const struct cfgspace_reg *rg, struct audit_advice *a)
{
	const char	*n = rg->rg_name != NULL ? rg->rg_name : "";

	switch (rg->rg_kind) {
	case CFGSPACE_REG_BAR:
		audit_refuse(a, "a BAR decides which host addresses the device "
		    "decodes; pcibackd emulates it so that the guest can size "
		    "it, and a guest write would move the device over memory "
		    "of dom0, Xen or another device");
		return 1;
	case CFGSPACE_REG_FLOOR:
		audit_refuse(a, "the hard floor: it decides what the device "
		    "decodes or forwards beyond itself (bridge windows and "
		    "bus numbers, SR-IOV, ACS, ATS, Resizable BAR); neither "
		    "permissive mode nor a quirk reaches it");
		return 1;
	case CFGSPACE_REG_NEVER:
		if (strncmp(n, "msi.", 4) == 0 || strncmp(n, "msix.", 5) == 0)
			audit_refuse(a, "an MSI or MSI-X body: Xen programs "
			    "address and data for the frontend's enable ops "
			    "(XSA-120, XSA-128); a guest write would aim the "
			    "device's interrupt writes at any address");
		else
			audit_refuse(a, "read-only to guests even when "
			    "permissive: pcibackd answers it from the host's "
			    "view, or it shapes the capability list");
		return 1;
	case CFGSPACE_REG_EMUL:
		if (strcmp(n, "command") == 0)
			audit_refuse(a, "pcibackd emulates it: decoding and bus "
			    "mastering already follow the guest; INTx disable "
			    "follows it when the toolstack allows interrupt "
			    "control; other bits need permissive mode");
		else if (strncmp(n, "msi", 3) == 0)
			audit_refuse(a, "MSI and MSI-X are enabled through the "
			    "frontend's ops, which Xen must see (XSA-157); "
			    "a device model in a stub domain gets the enable "
			    "and mask bits with interrupt control");
		else if (strcmp(n, "pm.pmcsr") == 0)
			audit_refuse(a, "power states change through dom0, "
			    "which knows the delays and what to restore");
		else if (strcmp(n, "vpd.address") == 0)
			audit_refuse(a, "a VPD write changes what the device "
			    "stores, which outlives the guest");
		else
			audit_refuse(a, "pcibackd emulates it; what a guest "
			    "may write there already reaches the device");
		return 1;
	}
	if (rg->rg_bridge) {
		audit_refuse(a, "a bridge: its registers act on the devices "
		    "behind it, which are not the guest's");
		return 1;
	}
	if (audit_in(rg->rg_name, audit_port,
	    sizeof(audit_port) / sizeof(audit_port[0]))) {
		audit_refuse(a, "a port's register: it governs the slot, the "
		    "link or the errors of devices below, not this function "
		    "alone");
		return 1;
	}
	return 0;
}

static void
audit_append(struct audit_advice *a, const char *s)
{
	size_t	len = strlen(a->aa_why);

	snprintf(a->aa_why + len, sizeof(a->aa_why) - len, "%s", s);
}

/* Words on the Device Control bits in the mask. */
static void
audit_devctl(uint32_t mask, struct audit_advice *a)
{
	if (mask & (DEVCTL_MPS | DEVCTL_PHANTOM | DEVCTL_NOSNOOP |
	    DEVCTL_FLR))
		a->aa_safety = "caution";
	if (mask & DEVCTL_MPS)
		audit_append(a, "; Max_Payload_Size must not exceed the port's");
	if (mask & DEVCTL_PHANTOM)
		audit_append(a, "; phantom functions use requester IDs of "
		    "other functions");
	if (mask & DEVCTL_NOSNOOP)
		audit_append(a, "; No Snoop lets its DMA skip cache coherence");
	if (mask & DEVCTL_FLR)
		audit_append(a, "; Initiate FLR resets it behind pcibackd's "
		    "back");
}

void
audit_suggest(const struct audit_entry *e, const struct cfgspace_reg *rg,
    int hw_ok, uint32_t hw, struct audit_advice *a)
{
	const struct audit_regnote	*rn;
	const char			*cap;
	char				 where[96];
	uint32_t			 sm = audit_sizemask(e->ae_size), mask;

	memset(a, 0, sizeof(*a));
	a->aa_offset = e->ae_offset;
	a->aa_size = e->ae_size;
	audit_where(rg, where, sizeof(where));
	rn = audit_note(rg->rg_name);
	if (rg->rg_name != NULL)
		snprintf(a->aa_what, sizeof(a->aa_what), "%s (%s%s%s)",
		    rn != NULL ? rn->rn_what : rg->rg_name, rg->rg_name,
		    where[0] != '\0' ? " in " : "", where);
	else if (where[0] != '\0')
		snprintf(a->aa_what, sizeof(a->aa_what), "offset 0x%x in %s",
		    e->ae_offset - rg->rg_cap, where);
	else
		snprintf(a->aa_what, sizeof(a->aa_what), "a device-specific "
		    "register outside any capability");
	if (audit_hard(rg, a))
		return;
	if (audit_in(rg->rg_name, audit_readonly,
	    sizeof(audit_readonly) / sizeof(audit_readonly[0]))) {
		a->aa_verdict = AUDIT_NOTHING;
		a->aa_safety = "safe";
		snprintf(a->aa_why, sizeof(a->aa_why), "read-only in "
		    "hardware: the write would change nothing; no quirk "
		    "needed");
		return;
	}
	mask = sm;
	if (hw_ok)
		mask = ((e->ae_ones & ~hw) | (e->ae_zeros & hw)) & sm;
	if (mask == 0) {
		a->aa_verdict = AUDIT_NOTHING;
		a->aa_safety = "safe";
		snprintf(a->aa_why, sizeof(a->aa_why), "every write left the "
		    "register as the hardware holds it; no quirk needed");
		return;
	}
	a->aa_verdict = AUDIT_QUIRK;
	a->aa_mask = mask;
	if (rn != NULL) {
		a->aa_safety = rn->rn_safety;
		snprintf(a->aa_why, sizeof(a->aa_why), "%s", rn->rn_why);
		if (strcmp(rn->rn_name, "pcie.devctl") == 0 &&
		    rg->rg_offset == e->ae_offset)
			audit_devctl(mask, a);
		return;
	}
	a->aa_safety = "unknown";
	cap = rg->rg_cap != 0 ? audit_cap_name(rg->rg_capid, rg->rg_ext) :
	    NULL;
	if (rg->rg_name != NULL)
		snprintf(a->aa_why, sizeof(a->aa_why), "a standard register "
		    "pcibackd has no note on; it passes only with permissive "
		    "mode or a quirk");
	else if (cap != NULL && strstr(cap, "Vendor") == NULL)
		snprintf(a->aa_why, sizeof(a->aa_why), "a %s register "
		    "pcibackd keeps no rule for; check the specification "
		    "before allowing it", cap);
	else
		snprintf(a->aa_why, sizeof(a->aa_why), "device-specific: "
		    "pcibackd cannot tell what it does; allow it only for a "
		    "driver you trust with this device");
}

void
audit_fold(struct audit_advice *a, size_t n)
{
	size_t		i, j;
	unsigned int	shift;

	for (i = 0; i < n; i++) {
		if (a[i].aa_verdict != AUDIT_QUIRK)
			continue;
		for (j = 0; j < n; j++) {
			if (j == i || a[j].aa_verdict != AUDIT_QUIRK ||
			    a[j].aa_size >= a[i].aa_size ||
			    a[j].aa_offset < a[i].aa_offset ||
			    a[j].aa_offset >= a[i].aa_offset + a[i].aa_size)
				continue;
			/* Aligned accesses nest: j lies inside i. */
			shift = 8 * (a[j].aa_offset - a[i].aa_offset);
			a[i].aa_mask |= a[j].aa_mask << shift;
			a[j].aa_verdict = AUDIT_NOTHING;
			snprintf(a[j].aa_why, sizeof(a[j].aa_why), "covered by "
			    "the quirk at 0x%x", a[i].aa_offset);
		}
	}
}
