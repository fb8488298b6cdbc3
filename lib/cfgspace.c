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
 * The config-space engine.  doc/config-space.md explains, register by
 * register, what a guest sees and may do; the tables below are that
 * document in code.  Each row names one register and the two rules that
 * apply to it: how a guest read is answered and what a guest write may do.
 *
 * Read rules:  HW (the hardware value) or a cfgspace_rd_* function.
 * Write rules: NEVER (dropped, even when permissive), FLOOR (the same,
 *              for the registers isolation rests on: see below), PASS
 *              (routed like bytes no row covers: hardware only when the
 *              device is permissive or a quirk names the register) or a
 *              cfgspace_wr_* function, the only code that writes hardware.
 *
 * The hard floor.  Some registers decide what a device decodes, forwards
 * or may reach beyond itself: a bridge's bus numbers, windows and bridge
 * control, SR-IOV's VF enable, NumVFs, page size and VF BARs, Resizable
 * BAR control, ACS and ATS control.  A guest that owns the device still
 * must not change them, so their rows are FLOOR: dropped even when the
 * device is permissive, and no quirk may name them (cfgspace_check_quirk
 * refuses any quirk over a row that is not PASS).  grep FLOOR lists the
 * floor; doc/config-space.md has the same list.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgspace.h"
#include "util.h"

/* Header registers and bits (PCI Local Bus 3.0, PCIe Base 6.0). */
#define HDR_VENDOR		0x00
#define HDR_COMMAND		0x04
#define HDR_STATUS		0x06
#define HDR_TYPE		0x0e
#define HDR_CAPPTR		0x34

#define CMD_IO			0x0001
#define CMD_MEM			0x0002
#define CMD_MASTER		0x0004
#define CMD_MWI			0x0010
#define CMD_INTX_DISABLE	0x0400
#define CMD_DECODE		(CMD_IO | CMD_MEM)
/* Bits a permissive guest may set in hardware (Linux PCI_COMMAND_GUEST). */
#define CMD_GUEST		0x02bc

#define STATUS_CAPLIST		0x0010

#define BIST_START		0x40

#define PMC_PME_SUPPORT		0xf800
#define PMCSR_STATE		0x0003
#define PMCSR_PME_STATUS	0x8000
/* PMCSR bits the guest may change directly: PME_Status, Data_Select. */
#define PMCSR_GUEST		0x9e00

#define VPD_ADDR_WRITE		0x8000

#define MSI_CTL_ENABLE		0x0001
#define MSI_CTL_64BIT		0x0080
#define MSI_CTL_MASKABLE	0x0100
#define MSIX_CTL_QSIZE		0x07ff
#define MSIX_CTL_MASKALL	0x4000
#define MSIX_CTL_ENABLE		0x8000

#define CAP_PM			0x01
#define CAP_VPD			0x03
#define CAP_MSI			0x05
#define CAP_VENDOR		0x09
#define CAP_PCIE		0x10
#define CAP_MSIX		0x11
#define ECAP_AER		0x0001
#define ECAP_ACS		0x000d
#define ECAP_ATS		0x000f
#define ECAP_SRIOV		0x0010
#define ECAP_REBAR		0x0015

#define ACS_CAP_EGRESS		0x0020	/* egress control vector present */
#define REBAR_CTL_NBARS(v)	(((v) >> 5) & 0x7)
#define REBAR_MAX		6

#define CAP_MAX			48
#define ECAP_MAX		((CFGSPACE_EXT_SIZE - CFGSPACE_CONV_SIZE) / 8)
#define QUIRK_MAX		CFGSPACE_MAX_QUIRKS

#define BAR_IO_MASK		0x3u
#define BAR_MEM_MASK		0xfu
#define BAR_IO			0x1u
#define BAR_MEM_TYPE_64		0x4u
#define BAR_MEM_PREFETCH	0x8u
#define ROM_MASK		0x7ffu
#define ROM_ENABLE		0x1u

/* Row conditions: rows of the MSI table that depend on its layout. */
#define WHEN_MSI32		0x01
#define WHEN_MSI64		0x02

struct cfgspace;
struct cfgspace_field;

struct cfgspace_row {
	uint16_t	 cr_off;	/* from the header or capability */
	uint8_t		 cr_size;	/* 1, 2 or 4 */
	uint8_t		 cr_when;	/* WHEN_* or 0: always */
	uint8_t		 cr_arg;	/* BAR index of BAR and ROM rows */
	int		(*cr_init)(struct cfgspace *, struct cfgspace_field *);
	int		(*cr_read)(struct cfgspace *,
			    const struct cfgspace_field *, uint32_t *);
	int		(*cr_write)(struct cfgspace *, struct cfgspace_field *,
			    uint32_t);
	const char	*cr_name;
};

/* One row placed on one device. */
struct cfgspace_field {
	const struct cfgspace_row *cf_row;
	uint16_t	cf_off;		/* absolute */
	uint16_t	cf_cap;		/* capability start; 0 in the header */
	/* BAR and ROM state. */
	uint32_t	cf_val;		/* what the guest reads */
	uint32_t	cf_len_val;	/* what it reads while sizing */
	uint32_t	cf_szmask;	/* low bits the sizing test ignores */
	uint32_t	cf_keep;	/* bits a restore leaves as they are */
	int		cf_present;	/* assigned and visible */
	int		cf_latch;	/* sizing latch */
	/* Constant registers (cfgspace_const_rows): the value once read. */
	uint8_t		cf_const;	/* answered from cf_hw once known */
	uint8_t		cf_known;	/* cf_hw holds the hardware value */
	uint32_t	cf_hw;
};

struct cfgspace_capent {
	uint16_t	ce_off;
	uint16_t	ce_id;
};

/* Rows for one capability ID, and how long its structure is. */
struct cfgspace_capdesc {
	uint16_t	 cd_id;
	uint8_t		 cd_ext;	/* extended capability */
	uint8_t		 cd_every;	/* every instance, not only the first */
	const struct cfgspace_row *cd_rows;
	size_t		 cd_nrows;
	/* Length and WHEN_* bits of the instance at an offset. */
	int		(*cd_probe)(struct cfgspace *, unsigned int,
			    unsigned int *, unsigned int *);
};

struct cfgspace {
	const struct cfgdev_ops	*cs_ops;
	void			*cs_dev;
	struct cfgdev_info	 cs_info;
	struct cfgspace_policy	 cs_policy;	/* cp_quirks is cs_quirks */
	struct cfgspace_quirk	*cs_quirks;

	uint8_t			 cs_hdrtype;
	uint16_t		 cs_vendor;
	uint16_t		 cs_device;
	uint16_t		 cs_cmd;	/* the guest's command value */
	int			 cs_enabled;	/* decoding enabled via command */
	int			 cs_intx_held;	/* cfgspace_set_intx_held */

	struct cfgspace_capent	 cs_caps[CAP_MAX];
	size_t			 cs_ncaps;
	struct cfgspace_capent	 cs_ecaps[ECAP_MAX];
	size_t			 cs_necaps;

	struct cfgspace_field	*cs_fields;	/* sorted, disjoint */
	size_t			 cs_nfields;
	size_t			 cs_afields;

	struct cfgspace_stats	 cs_stats;
	int			 cs_ignored;	/* the last write: NEVER rows only */
	/*
	 * The last hardware read succeeded: memory may answer.  A failed
	 * read (device gone, reset running, no longer the guest's) forgets
	 * every constant and sends reads to the device until it answers.
	 */
	int			 cs_live;
};

static int	cfgspace_rd_vendor(struct cfgspace *,
		    const struct cfgspace_field *, uint32_t *);
static int	cfgspace_rd_device(struct cfgspace *,
		    const struct cfgspace_field *, uint32_t *);
static int	cfgspace_rd_command(struct cfgspace *,
		    const struct cfgspace_field *, uint32_t *);
static int	cfgspace_rd_bar(struct cfgspace *,
		    const struct cfgspace_field *, uint32_t *);
static int	cfgspace_rd_irqline(struct cfgspace *,
		    const struct cfgspace_field *, uint32_t *);
static int	cfgspace_rd_pmc(struct cfgspace *,
		    const struct cfgspace_field *, uint32_t *);

static int	cfgspace_wr_pass(struct cfgspace *, struct cfgspace_field *,
		    uint32_t);
static int	cfgspace_wr_floor(struct cfgspace *, struct cfgspace_field *,
		    uint32_t);
static int	cfgspace_wr_through(struct cfgspace *,
		    struct cfgspace_field *, uint32_t);
static int	cfgspace_wr_command(struct cfgspace *,
		    struct cfgspace_field *, uint32_t);
static int	cfgspace_wr_bist(struct cfgspace *, struct cfgspace_field *,
		    uint32_t);
static int	cfgspace_wr_bar(struct cfgspace *, struct cfgspace_field *,
		    uint32_t);
static int	cfgspace_wr_pmcsr(struct cfgspace *, struct cfgspace_field *,
		    uint32_t);
static int	cfgspace_wr_vpd_addr(struct cfgspace *,
		    struct cfgspace_field *, uint32_t);
static int	cfgspace_wr_msi_ctl(struct cfgspace *,
		    struct cfgspace_field *, uint32_t);
static int	cfgspace_wr_msix_ctl(struct cfgspace *,
		    struct cfgspace_field *, uint32_t);

static int	cfgspace_init_bar(struct cfgspace *, struct cfgspace_field *);

static int	cfgspace_probe_fixed(struct cfgspace *, unsigned int,
		    unsigned int *, unsigned int *);
static int	cfgspace_probe_msi(struct cfgspace *, unsigned int,
		    unsigned int *, unsigned int *);
static int	cfgspace_probe_pcie(struct cfgspace *, unsigned int,
		    unsigned int *, unsigned int *);
static int	cfgspace_probe_vendor(struct cfgspace *, unsigned int,
		    unsigned int *, unsigned int *);
static int	cfgspace_probe_acs(struct cfgspace *, unsigned int,
		    unsigned int *, unsigned int *);
static int	cfgspace_probe_rebar(struct cfgspace *, unsigned int,
		    unsigned int *, unsigned int *);

#define HW	NULL			/* read: the hardware value */
#define NEVER	NULL			/* write: dropped, even permissive */
#define PASS	cfgspace_wr_pass	/* write: permissive or quirk only */
#define FLOOR	cfgspace_wr_floor	/* write: dropped, the hard floor */

#define ROW(off, size, rd, wr, name) \
	{ off, size, 0, 0, NULL, rd, wr, name }
#define ROWIF(when, off, size, rd, wr, name) \
	{ off, size, when, 0, NULL, rd, wr, name }
#define BAR(off, idx, name) \
	{ off, 4, 0, idx, cfgspace_init_bar, cfgspace_rd_bar, \
	  cfgspace_wr_bar, name }
#define NROWS(t)	(sizeof(t) / sizeof((t)[0]))

/* Both header types. */
static const struct cfgspace_row cfgspace_rows_common[] = {
	ROW(0x00, 2, cfgspace_rd_vendor,  NEVER,		"vendor"),
	ROW(0x02, 2, cfgspace_rd_device,  NEVER,		"device"),
	ROW(0x04, 2, cfgspace_rd_command, cfgspace_wr_command,	"command"),
	ROW(0x06, 2, HW,		  PASS,			"status"),
	ROW(0x08, 4, HW,		  PASS,			"class"),
	ROW(0x0c, 1, HW,		  cfgspace_wr_through,	"cache_line"),
	ROW(0x0d, 1, HW,		  NEVER,		"latency"),
	ROW(0x0e, 1, HW,		  PASS,			"header_type"),
	ROW(0x0f, 1, HW,		  cfgspace_wr_bist,	"bist"),
	ROW(0x34, 1, HW,		  PASS,			"cap_pointer"),
	ROW(0x3c, 1, cfgspace_rd_irqline, NEVER,		"int_line"),
	ROW(0x3d, 1, HW,		  NEVER,		"int_pin"),
};

/* Type 0: a normal device. */
static const struct cfgspace_row cfgspace_rows_type0[] = {
	BAR(0x10, 0,						"bar0"),
	BAR(0x14, 1,						"bar1"),
	BAR(0x18, 2,						"bar2"),
	BAR(0x1c, 3,						"bar3"),
	BAR(0x20, 4,						"bar4"),
	BAR(0x24, 5,						"bar5"),
	ROW(0x28, 4, HW,		  PASS,			"cardbus_cis"),
	ROW(0x2c, 4, HW,		  PASS,			"subsystem"),
	BAR(0x30, CFGDEV_ROM,					"rom"),
	ROW(0x3e, 1, HW,		  PASS,			"min_gnt"),
	ROW(0x3f, 1, HW,		  PASS,			"max_lat"),
};

/*
 * Type 1: a bridge.  Bus numbers, windows and bridge control decide what
 * reaches the devices behind it, which are not the guest's: the floor.
 */
static const struct cfgspace_row cfgspace_rows_type1[] = {
	BAR(0x10, 0,						"bar0"),
	BAR(0x14, 1,						"bar1"),
	ROW(0x18, 4, HW,		  FLOOR,		"bus_numbers"),
	ROW(0x1c, 2, HW,		  FLOOR,		"io_window"),
	ROW(0x1e, 2, HW,		  PASS,			"sec_status"),
	ROW(0x20, 4, HW,		  FLOOR,		"mem_window"),
	ROW(0x24, 4, HW,		  FLOOR,		"pref_window"),
	ROW(0x28, 4, HW,		  FLOOR,		"pref_base_upper"),
	ROW(0x2c, 4, HW,		  FLOOR,		"pref_limit_upper"),
	ROW(0x30, 4, HW,		  FLOOR,		"io_window_upper"),
	BAR(0x38, CFGDEV_ROM,					"rom"),
	ROW(0x3e, 2, HW,		  FLOOR,		"bridge_control"),
};

/* Power management (0x01). */
static const struct cfgspace_row cfgspace_rows_pm[] = {
	ROW(0x00, 2, HW,		  NEVER,		"pm.header"),
	ROW(0x02, 2, cfgspace_rd_pmc,	  NEVER,		"pm.pmc"),
	ROW(0x04, 2, HW,		  cfgspace_wr_pmcsr,	"pm.pmcsr"),
	ROW(0x06, 1, HW,		  NEVER,		"pm.bridge_ext"),
	ROW(0x07, 1, HW,		  NEVER,		"pm.data"),
};

/* Vital product data (0x03): reads only. */
static const struct cfgspace_row cfgspace_rows_vpd[] = {
	ROW(0x00, 2, HW,		  NEVER,		"vpd.header"),
	ROW(0x02, 2, HW,		  cfgspace_wr_vpd_addr,	"vpd.address"),
	ROW(0x04, 4, HW,		  NEVER,		"vpd.data"),
};

/*
 * MSI (0x05).  Address, data and mask belong to Xen, which programs them
 * for the enable_msi op (XSA-128, XSA-129): never written by a guest.
 */
static const struct cfgspace_row cfgspace_rows_msi[] = {
	ROW(0x00, 2, HW,		  NEVER,		"msi.header"),
	ROW(0x02, 2, HW,		  cfgspace_wr_msi_ctl,	"msi.control"),
	ROW(0x04, 4, HW,		  NEVER,		"msi.address"),
	ROWIF(WHEN_MSI32, 0x08, 2, HW,	  NEVER,		"msi.data"),
	ROWIF(WHEN_MSI32, 0x0a, 2, HW,	  NEVER,		"msi.ext_data"),
	ROWIF(WHEN_MSI32, 0x0c, 4, HW,	  NEVER,		"msi.mask"),
	ROWIF(WHEN_MSI32, 0x10, 4, HW,	  NEVER,		"msi.pending"),
	ROWIF(WHEN_MSI64, 0x08, 4, HW,	  NEVER,		"msi.address_hi"),
	ROWIF(WHEN_MSI64, 0x0c, 2, HW,	  NEVER,		"msi.data"),
	ROWIF(WHEN_MSI64, 0x0e, 2, HW,	  NEVER,		"msi.ext_data"),
	ROWIF(WHEN_MSI64, 0x10, 4, HW,	  NEVER,		"msi.mask"),
	ROWIF(WHEN_MSI64, 0x14, 4, HW,	  NEVER,		"msi.pending"),
};

/* MSI-X (0x11).  The table and PBA live in BAR memory, not here. */
static const struct cfgspace_row cfgspace_rows_msix[] = {
	ROW(0x00, 2, HW,		  NEVER,		"msix.header"),
	ROW(0x02, 2, HW,		  cfgspace_wr_msix_ctl,	"msix.control"),
	ROW(0x04, 4, HW,		  NEVER,		"msix.table"),
	ROW(0x08, 4, HW,		  NEVER,		"msix.pba"),
};

/* Vendor specific (0x09): the body is the device's own business. */
static const struct cfgspace_row cfgspace_rows_vendor[] = {
	ROW(0x00, 2, HW,		  NEVER,		"vendor.header"),
	ROW(0x02, 1, HW,		  PASS,			"vendor.length"),
};

/* PCI Express (0x10): Linux leaves it alone, and so do we. */
static const struct cfgspace_row cfgspace_rows_pcie[] = {
	ROW(0x00, 2, HW,		  NEVER,		"pcie.header"),
	ROW(0x02, 2, HW,		  PASS,			"pcie.flags"),
	ROW(0x04, 4, HW,		  PASS,			"pcie.devcap"),
	ROW(0x08, 2, HW,		  PASS,			"pcie.devctl"),
	ROW(0x0a, 2, HW,		  PASS,			"pcie.devsta"),
	ROW(0x0c, 4, HW,		  PASS,			"pcie.linkcap"),
	ROW(0x10, 2, HW,		  PASS,			"pcie.linkctl"),
	ROW(0x12, 2, HW,		  PASS,			"pcie.linksta"),
	ROW(0x14, 4, HW,		  PASS,			"pcie.slotcap"),
	ROW(0x18, 2, HW,		  PASS,			"pcie.slotctl"),
	ROW(0x1a, 2, HW,		  PASS,			"pcie.slotsta"),
	ROW(0x1c, 2, HW,		  PASS,			"pcie.rootctl"),
	ROW(0x1e, 2, HW,		  PASS,			"pcie.rootcap"),
	ROW(0x20, 4, HW,		  PASS,			"pcie.rootsta"),
	ROW(0x24, 4, HW,		  PASS,			"pcie.devcap2"),
	ROW(0x28, 2, HW,		  PASS,			"pcie.devctl2"),
	ROW(0x2a, 2, HW,		  PASS,			"pcie.devsta2"),
	ROW(0x2c, 4, HW,		  PASS,			"pcie.linkcap2"),
	ROW(0x30, 2, HW,		  PASS,			"pcie.linkctl2"),
	ROW(0x32, 2, HW,		  PASS,			"pcie.linksta2"),
	ROW(0x34, 4, HW,		  PASS,			"pcie.slotcap2"),
	ROW(0x38, 2, HW,		  PASS,			"pcie.slotctl2"),
	ROW(0x3a, 2, HW,		  PASS,			"pcie.slotsta2"),
};

/* Advanced error reporting (extended 0x0001): Linux leaves it alone. */
static const struct cfgspace_row cfgspace_rows_aer[] = {
	ROW(0x00, 4, HW,		  NEVER,		"aer.header"),
	ROW(0x04, 4, HW,		  PASS,			"aer.uncor_status"),
	ROW(0x08, 4, HW,		  PASS,			"aer.uncor_mask"),
	ROW(0x0c, 4, HW,		  PASS,			"aer.uncor_severity"),
	ROW(0x10, 4, HW,		  PASS,			"aer.cor_status"),
	ROW(0x14, 4, HW,		  PASS,			"aer.cor_mask"),
	ROW(0x18, 4, HW,		  PASS,			"aer.cap_control"),
	ROW(0x1c, 4, HW,		  PASS,			"aer.header_log0"),
	ROW(0x20, 4, HW,		  PASS,			"aer.header_log1"),
	ROW(0x24, 4, HW,		  PASS,			"aer.header_log2"),
	ROW(0x28, 4, HW,		  PASS,			"aer.header_log3"),
	ROW(0x2c, 4, HW,		  PASS,			"aer.root_command"),
	ROW(0x30, 4, HW,		  PASS,			"aer.root_status"),
	ROW(0x34, 2, HW,		  PASS,			"aer.source_cor"),
	ROW(0x36, 2, HW,		  PASS,			"aer.source_uncor"),
};

/*
 * ACS (extended 0x000d): which requests of the function are redirected
 * or blocked; turning it off lets it reach peers directly.  The floor.
 */
static const struct cfgspace_row cfgspace_rows_acs[] = {
	ROW(0x00, 4, HW,		  NEVER,		"acs.header"),
	ROW(0x04, 2, HW,		  PASS,			"acs.cap"),
	ROW(0x06, 2, HW,		  FLOOR,		"acs.control"),
	ROW(0x08, 4, HW,		  FLOOR,		"acs.egress0"),
	ROW(0x0c, 4, HW,		  FLOOR,		"acs.egress1"),
	ROW(0x10, 4, HW,		  FLOOR,		"acs.egress2"),
	ROW(0x14, 4, HW,		  FLOOR,		"acs.egress3"),
	ROW(0x18, 4, HW,		  FLOOR,		"acs.egress4"),
	ROW(0x1c, 4, HW,		  FLOOR,		"acs.egress5"),
	ROW(0x20, 4, HW,		  FLOOR,		"acs.egress6"),
	ROW(0x24, 4, HW,		  FLOOR,		"acs.egress7"),
};

/*
 * ATS (extended 0x000f): translated requests bypass the IOMMU's check
 * once the device caches translations; dom0 decides.  The floor.
 */
static const struct cfgspace_row cfgspace_rows_ats[] = {
	ROW(0x00, 4, HW,		  NEVER,		"ats.header"),
	ROW(0x04, 2, HW,		  PASS,			"ats.cap"),
	ROW(0x06, 2, HW,		  FLOOR,		"ats.control"),
};

/*
 * SR-IOV (extended 0x0010): enabling VFs, their number, page size and
 * BARs creates functions and decodes memory nobody gave the guest.
 */
static const struct cfgspace_row cfgspace_rows_sriov[] = {
	ROW(0x00, 4, HW,		  NEVER,		"sriov.header"),
	ROW(0x04, 4, HW,		  PASS,			"sriov.cap"),
	ROW(0x08, 2, HW,		  FLOOR,		"sriov.control"),
	ROW(0x0a, 2, HW,		  PASS,			"sriov.status"),
	ROW(0x0c, 2, HW,		  PASS,			"sriov.initial_vfs"),
	ROW(0x0e, 2, HW,		  PASS,			"sriov.total_vfs"),
	ROW(0x10, 2, HW,		  FLOOR,		"sriov.num_vfs"),
	ROW(0x12, 2, HW,		  PASS,			"sriov.fn_link"),
	ROW(0x14, 2, HW,		  PASS,			"sriov.vf_offset"),
	ROW(0x16, 2, HW,		  PASS,			"sriov.vf_stride"),
	ROW(0x18, 4, HW,		  PASS,			"sriov.vf_device"),
	ROW(0x1c, 4, HW,		  PASS,			"sriov.page_sizes"),
	ROW(0x20, 4, HW,		  FLOOR,		"sriov.page_size"),
	ROW(0x24, 4, HW,		  FLOOR,		"sriov.vf_bar0"),
	ROW(0x28, 4, HW,		  FLOOR,		"sriov.vf_bar1"),
	ROW(0x2c, 4, HW,		  FLOOR,		"sriov.vf_bar2"),
	ROW(0x30, 4, HW,		  FLOOR,		"sriov.vf_bar3"),
	ROW(0x34, 4, HW,		  FLOOR,		"sriov.vf_bar4"),
	ROW(0x38, 4, HW,		  FLOOR,		"sriov.vf_bar5"),
	ROW(0x3c, 4, HW,		  PASS,			"sriov.migration"),
};

/*
 * Resizable BAR (extended 0x0015): a BAR's size is where dom0 placed it;
 * growing it overlaps whatever lies next.  One pair per resizable BAR.
 */
static const struct cfgspace_row cfgspace_rows_rebar[] = {
	ROW(0x00, 4, HW,		  NEVER,		"rebar.header"),
	ROW(0x04, 4, HW,		  PASS,			"rebar.cap0"),
	ROW(0x08, 4, HW,		  FLOOR,		"rebar.control0"),
	ROW(0x0c, 4, HW,		  PASS,			"rebar.cap1"),
	ROW(0x10, 4, HW,		  FLOOR,		"rebar.control1"),
	ROW(0x14, 4, HW,		  PASS,			"rebar.cap2"),
	ROW(0x18, 4, HW,		  FLOOR,		"rebar.control2"),
	ROW(0x1c, 4, HW,		  PASS,			"rebar.cap3"),
	ROW(0x20, 4, HW,		  FLOOR,		"rebar.control3"),
	ROW(0x24, 4, HW,		  PASS,			"rebar.cap4"),
	ROW(0x28, 4, HW,		  FLOOR,		"rebar.control4"),
	ROW(0x2c, 4, HW,		  PASS,			"rebar.cap5"),
	ROW(0x30, 4, HW,		  FLOOR,		"rebar.control5"),
};

#define CAPDESC(id, ext, every, rows, probe) \
	{ id, ext, every, rows, NROWS(rows), probe }

/* In this order; the first row placed at a byte keeps it. */
static const struct cfgspace_capdesc cfgspace_capdescs[] = {
	CAPDESC(CAP_PM,	    0, 0, cfgspace_rows_pm,	cfgspace_probe_fixed),
	CAPDESC(CAP_VPD,    0, 0, cfgspace_rows_vpd,	cfgspace_probe_fixed),
	CAPDESC(CAP_MSI,    0, 0, cfgspace_rows_msi,	cfgspace_probe_msi),
	CAPDESC(CAP_MSIX,   0, 0, cfgspace_rows_msix,	cfgspace_probe_fixed),
	CAPDESC(CAP_PCIE,   0, 0, cfgspace_rows_pcie,	cfgspace_probe_pcie),
	CAPDESC(CAP_VENDOR, 0, 1, cfgspace_rows_vendor,	cfgspace_probe_vendor),
	CAPDESC(ECAP_AER,   1, 0, cfgspace_rows_aer,	cfgspace_probe_fixed),
	CAPDESC(ECAP_ACS,   1, 0, cfgspace_rows_acs,	cfgspace_probe_acs),
	CAPDESC(ECAP_ATS,   1, 0, cfgspace_rows_ats,	cfgspace_probe_fixed),
	CAPDESC(ECAP_SRIOV, 1, 0, cfgspace_rows_sriov,	cfgspace_probe_fixed),
	CAPDESC(ECAP_REBAR, 1, 0, cfgspace_rows_rebar,	cfgspace_probe_rebar),
};

/*
 * Registers read-only in hardware that nothing changes while a device is
 * held: identity, layout, capability headers and capability words.  The
 * engine reads each from the device once and answers from memory after,
 * which spares the system call an op costs.  Anything writable or live
 * is not here and is read every time: command, status, BIST, latency
 * timer, cache line, PM control, MSI and MSI-X control, address, data
 * and mask, PCIe control and status, SR-IOV offsets (they follow NumVFs)
 * and every byte no row names.  Vendor and device ID, BARs, ROM and the
 * interrupt line need no entry: the engine answers them itself.  None of
 * these rows may have a write rule of its own (test_cfgspace checks).
 * Off for a permissive device or one with quirks, whose guest may write
 * registers that change others; forgotten at every reset and policy
 * change.
 */
static const char *const cfgspace_const_rows[] = {
	"class", "header_type", "cap_pointer", "int_pin", "cardbus_cis",
	"subsystem", "min_gnt", "max_lat",
	"pm.header", "pm.pmc",
	"vpd.header",
	"msi.header",
	"msix.header", "msix.table", "msix.pba",
	"vendor.header",
	"pcie.header", "pcie.flags", "pcie.devcap", "pcie.linkcap",
	"pcie.devcap2", "pcie.linkcap2",
	"aer.header",
	"acs.header", "acs.cap",
	"ats.header", "ats.cap",
	"sriov.header", "sriov.cap", "sriov.total_vfs", "sriov.vf_device",
	"sriov.page_sizes",
	"rebar.header",
};

/* Hardware access. */

static uint32_t
cfgspace_sizemask(unsigned int size)
{
	return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static int
cfgspace_errno(int error)
{
	if (error > 0)
		return -EIO;
	return error;
}

static void
cfgspace_forget(struct cfgspace *cs)
{
	size_t	i;

	for (i = 0; i < cs->cs_nfields; i++)
		cs->cs_fields[i].cf_known = 0;
}

static int
cfgspace_hwread(struct cfgspace *cs, unsigned int off, unsigned int size,
    uint32_t *val)
{
	int	error;

	*val = 0;
	error = cs->cs_ops->cdo_read(cs->cs_dev, off, size, val);
	if (error != 0) {
		*val = 0;
		if (cs->cs_live)
			cfgspace_forget(cs);
		cs->cs_live = 0;
		return cfgspace_errno(error);
	}
	cs->cs_live = 1;
	*val &= cfgspace_sizemask(size);
	return 0;
}

/* The hardware value of a HW-read field, from memory if constant. */
static int
cfgspace_field_hw(struct cfgspace *cs, const struct cfgspace_field *cf,
    uint32_t *val)
{
	struct cfgspace_field	*f = &cs->cs_fields[cf - cs->cs_fields];
	int			 error;

	if (f->cf_const && f->cf_known && cs->cs_live) {
		*val = f->cf_hw;
		return 0;
	}
	if ((error = cfgspace_hwread(cs, f->cf_off, f->cf_row->cr_size,
	    val)) != 0)
		return error;
	if (f->cf_const) {
		f->cf_hw = *val;
		f->cf_known = 1;
	}
	return 0;
}

static int
cfgspace_is_const(const struct cfgspace_row *r)
{
	size_t	i;

	for (i = 0; i < NROWS(cfgspace_const_rows); i++)
		if (strcmp(r->cr_name, cfgspace_const_rows[i]) == 0)
			return r->cr_write == NEVER || r->cr_write == PASS;
	return 0;
}

/* Which fields memory may answer, under the policy now in force. */
static void
cfgspace_mark_const(struct cfgspace *cs)
{
	struct cfgspace_field	*f;
	size_t			 i;
	int			 any = !cs->cs_policy.cp_permissive &&
				    cs->cs_policy.cp_nquirks == 0;

	for (i = 0; i < cs->cs_nfields; i++) {
		f = &cs->cs_fields[i];
		f->cf_const = any && cfgspace_is_const(f->cf_row);
		f->cf_known = 0;
	}
}

static int
cfgspace_hwwrite(struct cfgspace *cs, unsigned int off, unsigned int size,
    uint32_t val)
{
	return cfgspace_errno(cs->cs_ops->cdo_write(cs->cs_dev, off, size,
	    val));
}

/*
 * Copy the bytes of [soff, soff+ssize) that fall inside [doff,
 * doff+dsize) from sval into dval.  Both values are little-endian.
 */
static uint32_t
cfgspace_merge(uint32_t dval, unsigned int doff, unsigned int dsize,
    uint32_t sval, unsigned int soff, unsigned int ssize)
{
	unsigned int	b;
	uint32_t	byte;

	for (b = doff; b < doff + dsize; b++) {
		if (b < soff || b >= soff + ssize)
			continue;
		byte = (sval >> (8 * (b - soff))) & 0xff;
		dval &= ~(0xffu << (8 * (b - doff)));
		dval |= byte << (8 * (b - doff));
	}
	return dval;
}

static int
cfgspace_overlaps(unsigned int a, unsigned int alen, unsigned int b,
    unsigned int blen)
{
	return a < b + blen && b < a + alen;
}

/* Read rules. */

static int
cfgspace_rd_vendor(struct cfgspace *cs, const struct cfgspace_field *f,
    uint32_t *val)
{
	(void)f;
	*val = cs->cs_vendor;
	return 0;
}

static int
cfgspace_rd_device(struct cfgspace *cs, const struct cfgspace_field *f,
    uint32_t *val)
{
	(void)f;
	*val = cs->cs_device;
	return 0;
}

/* Bits the guest may own in hardware come from it; the rest are its own. */
static int
cfgspace_rd_command(struct cfgspace *cs, const struct cfgspace_field *f,
    uint32_t *val)
{
	uint32_t	hw;
	int		error;

	if ((error = cfgspace_hwread(cs, f->cf_off, 2, &hw)) != 0)
		return error;
	*val = (hw & CMD_GUEST) | (cs->cs_cmd & ~CMD_GUEST & 0xffffu);
	return 0;
}

static int
cfgspace_rd_bar(struct cfgspace *cs, const struct cfgspace_field *f,
    uint32_t *val)
{
	(void)cs;
	*val = f->cf_latch ? f->cf_len_val : f->cf_val;
	return 0;
}

/* The guest binds the dom0 IRQ number as its pirq; only 8 bits fit. */
static int
cfgspace_rd_irqline(struct cfgspace *cs, const struct cfgspace_field *f,
    uint32_t *val)
{
	(void)f;
	*val = cs->cs_info.ci_irq & 0xff;
	return 0;
}

/* PME is dom0's business: hide the PME_Support bits. */
static int
cfgspace_rd_pmc(struct cfgspace *cs, const struct cfgspace_field *f,
    uint32_t *val)
{
	int	error;

	if ((error = cfgspace_field_hw(cs, f, val)) != 0)
		return error;
	*val &= ~(uint32_t)PMC_PME_SUPPORT;
	return 0;
}

/* Write rules. */

/* Never called: the router treats PASS rows as bytes no row covers. */
static int
cfgspace_wr_pass(struct cfgspace *cs, struct cfgspace_field *f, uint32_t val)
{
	(void)cs;
	(void)f;
	(void)val;
	return CFGSPACE_DROPPED;
}

/* Never called either: the router drops FLOOR rows as it drops NEVER. */
static int
cfgspace_wr_floor(struct cfgspace *cs, struct cfgspace_field *f, uint32_t val)
{
	(void)cs;
	(void)f;
	(void)val;
	return CFGSPACE_DROPPED;
}

static int
cfgspace_wr_through(struct cfgspace *cs, struct cfgspace_field *f,
    uint32_t val)
{
	return cfgspace_hwwrite(cs, f->cf_off, f->cf_row->cr_size, val);
}

/* Decode bits "enable device" turns on: one per BAR type the device has. */
static uint16_t
cfgspace_decode_bits(const struct cfgspace *cs)
{
	const struct cfgdev_bar	*b;
	unsigned int		 i, nbars;
	uint16_t		 bits = 0;

	nbars = cs->cs_hdrtype == 1 ? 2 : CFGDEV_NBARS;
	for (i = 0; i <= CFGDEV_NBARS; i++) {
		if (i >= nbars && i != CFGDEV_ROM)
			continue;
		b = &cs->cs_info.ci_bar[i];
		if (b->cb_size == 0 || (b->cb_flags & CFGDEV_BAR_HIDDEN))
			continue;
		if (i != CFGDEV_ROM && (b->cb_flags & CFGDEV_BAR_IO))
			bits |= CMD_IO;
		else
			bits |= CMD_MEM;
	}
	return bits;
}

/*
 * The guest asks; the engine decides what reaches hardware.  Decode bits
 * are only ever set, never cleared (XSA-120): a device that stops
 * decoding while dom0 or Xen still touch it turns accesses into fatal
 * errors.
 */
static int
cfgspace_wr_command(struct cfgspace *cs, struct cfgspace_field *f,
    uint32_t val)
{
	uint32_t	hw;
	uint16_t	new = (uint16_t)val, want;
	int		error, enabled = cs->cs_enabled;

	if ((error = cfgspace_hwread(cs, f->cf_off, 2, &hw)) != 0)
		return error;
	want = (uint16_t)hw;
	if ((new & CMD_DECODE) && !enabled) {
		want |= cfgspace_decode_bits(cs);
		enabled = 1;
	} else if (!(new & CMD_DECODE))
		enabled = 0;	/* "disable" only turns bus master off */
	/* Bus master follows the guest, after an enable or a disable. */
	want = (want & ~CMD_MASTER) | (new & CMD_MASTER);
	if ((new ^ cs->cs_cmd) & CMD_MWI)
		want = (want & ~CMD_MWI) | (new & CMD_MWI);
	if (cs->cs_policy.cp_intx_control &&
	    ((new ^ cs->cs_cmd) & CMD_INTX_DISABLE))
		want = (want & ~CMD_INTX_DISABLE) | (new & CMD_INTX_DISABLE);
	if (cs->cs_policy.cp_permissive)
		want = (new & CMD_GUEST) | (want & ~CMD_GUEST);
	/* Also after dom0's enable, which clears it for a pin (XSA-461). */
	if (cs->cs_intx_held)
		want |= CMD_INTX_DISABLE;
	if (want != (uint16_t)hw &&
	    (error = cfgspace_hwwrite(cs, f->cf_off, 2, want)) != 0)
		return error;
	cs->cs_cmd = new;
	cs->cs_enabled = enabled;
	return 0;
}

/* Starting a self test is fine; nothing else in the register is. */
static int
cfgspace_wr_bist(struct cfgspace *cs, struct cfgspace_field *f, uint32_t val)
{
	uint32_t	hw;
	int		error;

	if ((error = cfgspace_hwread(cs, f->cf_off, 1, &hw)) != 0)
		return error;
	if ((hw & ~BIST_START) == (val & ~BIST_START) || val == BIST_START)
		return cfgspace_hwwrite(cs, f->cf_off, 1, val);
	return 0;
}

/*
 * BARs stay where dom0 put them: a guest may size them, or write back the
 * value it reads to undo a change from elsewhere, and nothing more.
 */
static int
cfgspace_wr_bar(struct cfgspace *cs, struct cfgspace_field *f, uint32_t val)
{
	uint32_t	hw;
	int		error;

	if ((val | f->cf_szmask) == 0xffffffffu) {
		f->cf_latch = 1;
		return 0;
	}
	f->cf_latch = 0;
	if (!f->cf_present || val != f->cf_val)
		return 0;
	if ((error = cfgspace_hwread(cs, f->cf_off, 4, &hw)) != 0)
		return error;
	if (((hw ^ f->cf_val) & ~f->cf_keep) != 0)
		return cfgspace_hwwrite(cs, f->cf_off, 4,
		    (f->cf_val & ~f->cf_keep) | (hw & f->cf_keep));
	return 0;
}

static int
cfgspace_set_dstate(struct cfgspace *cs, unsigned int off, uint32_t state)
{
	uint32_t	hw;
	int		error;

	if ((error = cfgspace_hwread(cs, off, 2, &hw)) != 0)
		return error;
	if ((hw & PMCSR_STATE) == state)
		return 0;
	if (cs->cs_ops->cdo_set_power != NULL)
		return cs->cs_ops->cdo_set_power(cs->cs_dev, state);
	/* Writing PME_Status back as 1 would clear it. */
	hw &= ~(uint32_t)(PMCSR_STATE | PMCSR_PME_STATUS);
	return cfgspace_hwwrite(cs, off, 2, hw | state);
}

/* PME_Enable is never the guest's: PME is shared with dom0. */
static int
cfgspace_wr_pmcsr(struct cfgspace *cs, struct cfgspace_field *f,
    uint32_t val)
{
	uint32_t	hw;
	int		error;

	if ((error = cfgspace_hwread(cs, f->cf_off, 2, &hw)) != 0)
		return error;
	if ((hw & PMCSR_GUEST) != (val & PMCSR_GUEST)) {
		hw = (hw & ~(uint32_t)PMCSR_GUEST) | (val & PMCSR_GUEST);
		if ((error = cfgspace_hwwrite(cs, f->cf_off, 2, hw)) != 0)
			return error;
	}
	if (cfgspace_set_dstate(cs, f->cf_off, val & PMCSR_STATE) != 0)
		return -EPERM;
	return 0;
}

/* Reading VPD is fine; writing it would outlive the guest. */
static int
cfgspace_wr_vpd_addr(struct cfgspace *cs, struct cfgspace_field *f,
    uint32_t val)
{
	if (val & VPD_ADDR_WRITE)
		return -EPERM;
	return cfgspace_hwwrite(cs, f->cf_off, 2, val);
}

/*
 * MSI and MSI-X are set up through the op channel.  The guest may write
 * back what it read; with interrupt control (a device model in a stub
 * domain) it may also flip the enable and mask bits.
 */
static int
cfgspace_msi_common(struct cfgspace *cs, struct cfgspace_field *f,
    uint32_t val, uint16_t enable, uint16_t allowed, int other_on)
{
	uint32_t	hw;
	int		error;

	if ((error = cfgspace_hwread(cs, f->cf_off, 2, &hw)) != 0)
		return error;
	if (val == hw)
		return 0;
	if (!cs->cs_policy.cp_intx_control || ((val ^ hw) & ~allowed) != 0)
		return -EPERM;
	if ((val & enable) && other_on != 0)
		return -EPERM;
	return cfgspace_hwwrite(cs, f->cf_off, 2, val);
}

static int
cfgspace_wr_msi_ctl(struct cfgspace *cs, struct cfgspace_field *f,
    uint32_t val)
{
	int	other;

	other = (val & MSI_CTL_ENABLE) ? cfgspace_msix_enabled(cs) : 0;
	if (other < 0)
		return other;
	return cfgspace_msi_common(cs, f, val, MSI_CTL_ENABLE,
	    MSI_CTL_ENABLE, other);
}

static int
cfgspace_wr_msix_ctl(struct cfgspace *cs, struct cfgspace_field *f,
    uint32_t val)
{
	int	other;

	other = (val & MSIX_CTL_ENABLE) ? cfgspace_msi_enabled(cs) : 0;
	if (other < 0)
		return other;
	return cfgspace_msi_common(cs, f, val, MSIX_CTL_ENABLE,
	    MSIX_CTL_ENABLE | MSIX_CTL_MASKALL, other);
}

/* Field setup. */

/* Is BAR slot idx the upper half of a 64-bit BAR in the slot below? */
static int
cfgspace_bar_upper(const struct cfgdev_info *ci, unsigned int idx)
{
	unsigned int	i;
	int		upper = 0;
	uint32_t	fl;

	for (i = 0; i < idx && i < CFGDEV_NBARS; i++) {
		fl = ci->ci_bar[i].cb_flags;
		upper = !upper && (fl & CFGDEV_BAR_MEM64) &&
		    !(fl & CFGDEV_BAR_IO);
	}
	return upper;
}

static int
cfgspace_bar_visible(const struct cfgdev_bar *b)
{
	return b->cb_size != 0 && !(b->cb_flags & CFGDEV_BAR_HIDDEN);
}

/* The low bits of a BAR register that decodes like b. */
static uint32_t
cfgspace_bar_type(const struct cfgdev_bar *b)
{
	uint32_t	low = 0;

	if (b->cb_flags & CFGDEV_BAR_IO)
		return BAR_IO;
	if (b->cb_flags & CFGDEV_BAR_MEM64)
		low |= BAR_MEM_TYPE_64;
	if (b->cb_flags & CFGDEV_BAR_PREFETCH)
		low |= BAR_MEM_PREFETCH;
	return low;
}

static int
cfgspace_init_bar(struct cfgspace *cs, struct cfgspace_field *f)
{
	const struct cfgdev_bar	*b;
	unsigned int		 idx = f->cf_row->cr_arg;
	uint32_t		 hw, low;
	int			 error;

	f->cf_szmask = idx == CFGDEV_ROM ? ROM_MASK : BAR_MEM_MASK;
	if (idx != CFGDEV_ROM && cfgspace_bar_upper(&cs->cs_info, idx)) {
		b = &cs->cs_info.ci_bar[idx - 1];
		f->cf_szmask = 0;
		if (!(f->cf_present = cfgspace_bar_visible(b)))
			return 0;
		f->cf_val = (uint32_t)(b->cb_start >> 32);
		f->cf_len_val = (uint32_t)((0 - b->cb_size) >> 32);
		return 0;
	}
	b = &cs->cs_info.ci_bar[idx];
	if (!(f->cf_present = cfgspace_bar_visible(b)))
		return 0;
	if ((error = cfgspace_hwread(cs, f->cf_off, 4, &hw)) != 0)
		return error;
	/*
	 * A BAR the OS assigned that reads 0 is decoded elsewhere: an SR-IOV
	 * VF's BARs are its PF's VF BARs and read 0 (the SR-IOV spec).  Its
	 * type bits then come from what the OS found there, or a 64-bit BAR
	 * would read as a 32-bit one with its upper half a BAR of its own.
	 */
	if (hw == 0 && idx != CFGDEV_ROM)
		hw = cfgspace_bar_type(b);
	if (idx == CFGDEV_ROM) {
		f->cf_keep = ROM_ENABLE;	/* never applied for the guest */
		low = hw & ROM_ENABLE;
	}
	else if (b->cb_flags & CFGDEV_BAR_IO) {
		f->cf_szmask = BAR_IO_MASK;
		low = hw & BAR_IO_MASK;
	} else
		low = hw & BAR_MEM_MASK;
	f->cf_val = ((uint32_t)b->cb_start & ~f->cf_szmask) | low;
	f->cf_len_val = ((uint32_t)(0 - b->cb_size) & ~f->cf_szmask) | low;
	return 0;
}

/* Place one row at an absolute offset, unless a field is there already. */
static int
cfgspace_add_field(struct cfgspace *cs, const struct cfgspace_row *r,
    unsigned int off, unsigned int cap)
{
	struct cfgspace_field	*f, *nf;
	size_t			 i, n;

	if (off + r->cr_size > cs->cs_info.ci_size)
		return 0;
	for (i = 0; i < cs->cs_nfields; i++) {
		f = &cs->cs_fields[i];
		if (cfgspace_overlaps(f->cf_off, f->cf_row->cr_size, off,
		    r->cr_size))
			return 0;	/* first wins */
		if (f->cf_off > off)
			break;
	}
	if (cs->cs_nfields == cs->cs_afields) {
		n = cs->cs_afields == 0 ? 64 : cs->cs_afields * 2;
		if ((nf = reallocarray(cs->cs_fields, n, sizeof(*nf))) == NULL)
			return -ENOMEM;
		cs->cs_fields = nf;
		cs->cs_afields = n;
	}
	f = &cs->cs_fields[i];
	memmove(f + 1, f, (cs->cs_nfields - i) * sizeof(*f));
	cs->cs_nfields++;
	memset(f, 0, sizeof(*f));
	f->cf_row = r;
	f->cf_off = (uint16_t)off;
	f->cf_cap = (uint16_t)cap;
	if (r->cr_init != NULL)
		return r->cr_init(cs, f);
	return 0;
}

/* Rows of one table at base, those that fit in len bytes and apply. */
static int
cfgspace_add_rows(struct cfgspace *cs, const struct cfgspace_row *rows,
    size_t n, unsigned int base, unsigned int len, unsigned int when)
{
	size_t	i;
	int	error;

	for (i = 0; i < n; i++) {
		if (rows[i].cr_when != 0 && (rows[i].cr_when & when) == 0)
			continue;
		if (rows[i].cr_off + rows[i].cr_size > len)
			continue;
		error = cfgspace_add_field(cs, &rows[i], base + rows[i].cr_off,
		    base);
		if (error != 0)
			return error;
	}
	return 0;
}

/* Capability lengths. */

static int
cfgspace_probe_fixed(struct cfgspace *cs, unsigned int off,
    unsigned int *len, unsigned int *when)
{
	(void)cs;
	(void)off;
	*len = 0xffff;	/* the rows say how long it is */
	*when = 0;
	return 0;
}

static int
cfgspace_probe_msi(struct cfgspace *cs, unsigned int off, unsigned int *len,
    unsigned int *when)
{
	uint32_t	ctl;
	int		error;

	if ((error = cfgspace_hwread(cs, off + 2, 2, &ctl)) != 0)
		return error;
	*when = (ctl & MSI_CTL_64BIT) ? WHEN_MSI64 : WHEN_MSI32;
	*len = (ctl & MSI_CTL_64BIT) ? 0x10 : 0x0c;
	if (ctl & MSI_CTL_MASKABLE)
		*len += 8;
	return 0;
}

/* Version 1 structures end after the root registers (PCIe 1.1). */
static int
cfgspace_probe_pcie(struct cfgspace *cs, unsigned int off,
    unsigned int *len, unsigned int *when)
{
	uint32_t	flags;
	int		error;

	if ((error = cfgspace_hwread(cs, off + 2, 2, &flags)) != 0)
		return error;
	*when = 0;
	*len = (flags & 0xf) >= 2 ? 0x3c : 0x24;
	return 0;
}

static int
cfgspace_probe_vendor(struct cfgspace *cs, unsigned int off,
    unsigned int *len, unsigned int *when)
{
	uint32_t	n;
	int		error;

	if ((error = cfgspace_hwread(cs, off + 2, 1, &n)) != 0)
		return error;
	*len = n < 2 ? 2 : n;
	*when = 0;
	return 0;
}

/* The egress control vector follows the control word when present. */
static int
cfgspace_probe_acs(struct cfgspace *cs, unsigned int off, unsigned int *len,
    unsigned int *when)
{
	uint32_t	cap, bits;
	int		error;

	if ((error = cfgspace_hwread(cs, off + 4, 2, &cap)) != 0)
		return error;
	*when = 0;
	*len = 8;
	if (cap & ACS_CAP_EGRESS) {
		bits = (cap >> 8) & 0xff;
		if (bits == 0)
			bits = 256;
		*len += (bits + 31) / 32 * 4;
	}
	return 0;
}

/* The first control register says how many BARs are resizable. */
static int
cfgspace_probe_rebar(struct cfgspace *cs, unsigned int off,
    unsigned int *len, unsigned int *when)
{
	uint32_t	ctl;
	unsigned int	n;
	int		error;

	if ((error = cfgspace_hwread(cs, off + 8, 4, &ctl)) != 0)
		return error;
	n = REBAR_CTL_NBARS(ctl);
	if (n < 1)
		n = 1;
	if (n > REBAR_MAX)
		n = REBAR_MAX;
	*when = 0;
	*len = 4 + 8 * n;
	return 0;
}

/* Capability walks. */

static int
cfgspace_walk_std(struct cfgspace *cs)
{
	uint8_t		seen[CFGSPACE_CONV_SIZE / 4];
	uint32_t	v;
	unsigned int	ptr;
	int		error;

	memset(seen, 0, sizeof(seen));
	if ((error = cfgspace_hwread(cs, HDR_STATUS, 2, &v)) != 0)
		return error;
	if (!(v & STATUS_CAPLIST))
		return 0;
	if ((error = cfgspace_hwread(cs, HDR_CAPPTR, 1, &v)) != 0)
		return error;
	ptr = v & ~3u;
	while (ptr >= 0x40 && ptr < CFGSPACE_CONV_SIZE &&
	    !seen[ptr / 4] && cs->cs_ncaps < CAP_MAX) {
		seen[ptr / 4] = 1;
		if ((error = cfgspace_hwread(cs, ptr, 2, &v)) != 0)
			return error;
		if ((v & 0xff) == 0xff)
			break;
		cs->cs_caps[cs->cs_ncaps].ce_off = (uint16_t)ptr;
		cs->cs_caps[cs->cs_ncaps++].ce_id = (uint16_t)(v & 0xff);
		ptr = (v >> 8) & ~3u;
	}
	return 0;
}

static int
cfgspace_walk_ext(struct cfgspace *cs)
{
	uint8_t		seen[CFGSPACE_EXT_SIZE / 4];
	uint32_t	v;
	unsigned int	ptr = CFGSPACE_CONV_SIZE;
	int		error;

	if (cs->cs_info.ci_size != CFGSPACE_EXT_SIZE)
		return 0;
	memset(seen, 0, sizeof(seen));
	while (ptr >= CFGSPACE_CONV_SIZE && ptr < CFGSPACE_EXT_SIZE &&
	    !seen[ptr / 4] && cs->cs_necaps < ECAP_MAX) {
		seen[ptr / 4] = 1;
		if ((error = cfgspace_hwread(cs, ptr, 4, &v)) != 0)
			return error;
		if (v == 0 || v == 0xffffffffu)
			break;
		cs->cs_ecaps[cs->cs_necaps].ce_off = (uint16_t)ptr;
		cs->cs_ecaps[cs->cs_necaps++].ce_id = (uint16_t)(v & 0xffff);
		ptr = (v >> 20) & ~3u;
	}
	return 0;
}

/* Where the capability at off must end: the next one, or the space's end. */
static unsigned int
cfgspace_cap_limit(const struct cfgspace *cs, unsigned int off, int ext)
{
	const struct cfgspace_capent	*list = ext ? cs->cs_ecaps :
					    cs->cs_caps;
	size_t				 i, n = ext ? cs->cs_necaps :
					    cs->cs_ncaps;
	unsigned int			 end;

	end = ext ? cs->cs_info.ci_size : CFGSPACE_CONV_SIZE;
	for (i = 0; i < n; i++) {
		if (list[i].ce_off > off && list[i].ce_off < end)
			end = list[i].ce_off;
	}
	return end;
}

static int
cfgspace_add_cap(struct cfgspace *cs, const struct cfgspace_capdesc *cd,
    unsigned int off)
{
	unsigned int	len, when, limit;
	int		error;

	if ((error = cd->cd_probe(cs, off, &len, &when)) != 0)
		return error;
	limit = cfgspace_cap_limit(cs, off, cd->cd_ext) - off;
	if (len > limit)
		len = limit;
	return cfgspace_add_rows(cs, cd->cd_rows, cd->cd_nrows, off, len,
	    when);
}

static int
cfgspace_add_caps(struct cfgspace *cs, const struct cfgspace_capdesc *cd)
{
	const struct cfgspace_capent	*list = cd->cd_ext ? cs->cs_ecaps :
					    cs->cs_caps;
	size_t				 i, n = cd->cd_ext ? cs->cs_necaps :
					    cs->cs_ncaps;
	int				 error;

	for (i = 0; i < n; i++) {
		if (list[i].ce_id != cd->cd_id)
			continue;
		if ((error = cfgspace_add_cap(cs, cd, list[i].ce_off)) != 0)
			return error;
		if (!cd->cd_every)
			break;
	}
	return 0;
}

static int
cfgspace_build(struct cfgspace *cs)
{
	size_t	i;
	int	error;

	error = cfgspace_add_rows(cs, cfgspace_rows_common,
	    NROWS(cfgspace_rows_common), 0, CFGSPACE_CONV_SIZE, 0);
	if (error != 0)
		return error;
	if (cs->cs_hdrtype == 0)
		error = cfgspace_add_rows(cs, cfgspace_rows_type0,
		    NROWS(cfgspace_rows_type0), 0, CFGSPACE_CONV_SIZE, 0);
	else
		error = cfgspace_add_rows(cs, cfgspace_rows_type1,
		    NROWS(cfgspace_rows_type1), 0, CFGSPACE_CONV_SIZE, 0);
	if (error != 0)
		return error;
	for (i = 0; i < NROWS(cfgspace_capdescs); i++) {
		if ((error = cfgspace_add_caps(cs, &cfgspace_capdescs[i])) != 0)
			return error;
	}
	return 0;
}

/* Policy. */

/* A field whose rules a quirk would override. */
static const struct cfgspace_field *
cfgspace_hard_field(const struct cfgspace *cs, unsigned int off,
    unsigned int size)
{
	const struct cfgspace_field	*f;
	size_t				 i;

	for (i = 0; i < cs->cs_nfields; i++) {
		f = &cs->cs_fields[i];
		if (f->cf_row->cr_write == PASS)
			continue;
		if (cfgspace_overlaps(f->cf_off, f->cf_row->cr_size, off,
		    size))
			return f;
	}
	return NULL;
}

static int
cfgspace_check_quirk(const struct cfgspace *cs,
    const struct cfgspace_quirk *q, const struct cfgspace_quirk *prev,
    size_t nprev, char **cause)
{
	const struct cfgspace_field	*f;
	size_t				 i;
	unsigned int			 off = q->cq_offset, size = q->cq_size;

	if (size != 1 && size != 2 && size != 4) {
		(void)util_cause(cause, "quirk at 0x%x: size %u is not 1, 2 or 4",
		    off, size);
		return -1;
	}
	if (cfgdev_check(off, size, cs->cs_info.ci_size) != 0) {
		(void)util_cause(cause, "quirk at 0x%x: misaligned or outside "
		    "config space", off);
		return -1;
	}
	if ((q->cq_mask & ~cfgspace_sizemask(size)) != 0) {
		(void)util_cause(cause, "quirk at 0x%x: mask 0x%x wider than the "
		    "register", off, q->cq_mask);
		return -1;
	}
	if ((f = cfgspace_hard_field(cs, off, size)) != NULL) {
		(void)util_cause(cause, "quirk at 0x%x: overlaps %s", off,
		    f->cf_row->cr_name);
		return -1;
	}
	for (i = 0; i < nprev; i++) {
		if (cfgspace_overlaps(prev[i].cq_offset, prev[i].cq_size, off,
		    size)) {
			(void)util_cause(cause, "quirk at 0x%x: overlaps the "
			    "quirk at 0x%x", off, prev[i].cq_offset);
			return -1;
		}
	}
	return 0;
}

static int
cfgspace_apply_policy(struct cfgspace *cs, const struct cfgspace_policy *p,
    char **cause)
{
	struct cfgspace_quirk	*q = NULL;
	size_t			 i, n = p != NULL ? p->cp_nquirks : 0;

	if (n > QUIRK_MAX || (n != 0 && p->cp_quirks == NULL)) {
		(void)util_cause(cause, "%zu quirks: too many or missing", n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (cfgspace_check_quirk(cs, &p->cp_quirks[i], p->cp_quirks, i,
		    cause) != 0)
			return -1;
	}
	if (n != 0) {
		if ((q = calloc(n, sizeof(*q))) == NULL) {
			(void)util_cause(cause, "quirks: %s", strerror(ENOMEM));
			return -1;
		}
		memcpy(q, p->cp_quirks, n * sizeof(*q));
	}
	free(cs->cs_quirks);
	cs->cs_quirks = q;
	memset(&cs->cs_policy, 0, sizeof(cs->cs_policy));
	if (p != NULL)
		cs->cs_policy = *p;
	cs->cs_policy.cp_quirks = q;
	cs->cs_policy.cp_nquirks = n;
	cfgspace_mark_const(cs);
	return 0;
}

int
cfgspace_set_policy(struct cfgspace *cs, const struct cfgspace_policy *p,
    char **cause)
{
	return cfgspace_apply_policy(cs, p, cause) == 0 ? 0 : -EINVAL;
}

int
cfgspace_set_intx_held(struct cfgspace *cs, int on)
{
	int	error;

	cs->cs_intx_held = on != 0;
	return (error = cfgspace_intx_hold(cs)) < 0 ? error : 0;
}

int
cfgspace_intx_hold(struct cfgspace *cs)
{
	uint32_t	hw;
	int		error;

	if (!cs->cs_intx_held)
		return 0;
	if ((error = cfgspace_hwread(cs, HDR_COMMAND, 2, &hw)) != 0)
		return error;
	if (!(hw & CMD_INTX_DISABLE) && (error = cfgspace_hwwrite(cs,
	    HDR_COMMAND, 2, hw | CMD_INTX_DISABLE)) != 0)
		return error;
	return 1;
}

/* Creation. */

static int
cfgspace_read_ids(struct cfgspace *cs, char **cause)
{
	uint32_t	v;
	int		error;

	if ((error = cfgspace_hwread(cs, HDR_VENDOR, 4, &v)) != 0)
		goto fail;
	cs->cs_vendor = (uint16_t)v;
	cs->cs_device = (uint16_t)(v >> 16);
	/* A VF's IDs read all ones; the guest's driver needs its PF's. */
	if (cs->cs_vendor == 0xffff && cs->cs_info.ci_vendor != 0) {
		cs->cs_vendor = cs->cs_info.ci_vendor;
		cs->cs_device = cs->cs_info.ci_device;
	}
	if ((error = cfgspace_hwread(cs, HDR_TYPE, 1, &v)) != 0)
		goto fail;
	cs->cs_hdrtype = (uint8_t)(v & 0x7f);
	if (cs->cs_hdrtype > 1) {
		(void)util_cause(cause, "header type 0x%02x not supported",
		    cs->cs_hdrtype);
		return -1;
	}
	if ((error = cfgspace_hwread(cs, HDR_COMMAND, 2, &v)) != 0)
		goto fail;
	cs->cs_cmd = (uint16_t)v;
	cs->cs_enabled = (v & CMD_DECODE) != 0;
	return 0;
fail:
	(void)util_cause(cause, "config header read: %s", strerror(-error));
	return -1;
}

struct cfgspace *
cfgspace_new(const struct cfgdev_ops *ops, void *dev,
    const struct cfgdev_info *info, const struct cfgspace_policy *p,
    char **cause)
{
	struct cfgspace	*cs;
	int		 error;

	if (cause != NULL)
		*cause = NULL;
	if (info->ci_size != CFGSPACE_CONV_SIZE &&
	    info->ci_size != CFGSPACE_EXT_SIZE) {
		(void)util_cause(cause, "config space size %u not supported",
		    info->ci_size);
		return NULL;
	}
	if ((cs = calloc(1, sizeof(*cs))) == NULL) {
		(void)util_cause(cause, "%s", strerror(ENOMEM));
		return NULL;
	}
	cs->cs_ops = ops;
	cs->cs_dev = dev;
	cs->cs_info = *info;
	if (cfgspace_read_ids(cs, cause) != 0)
		goto fail;
	if ((error = cfgspace_walk_std(cs)) != 0 ||
	    (error = cfgspace_walk_ext(cs)) != 0 ||
	    (error = cfgspace_build(cs)) != 0) {
		(void)util_cause(cause, "config space setup: %s",
		    strerror(-error));
		goto fail;
	}
	if (cfgspace_apply_policy(cs, p, cause) != 0)
		goto fail;
	return cs;
fail:
	cfgspace_free(cs);
	return NULL;
}

void
cfgspace_free(struct cfgspace *cs)
{
	if (cs == NULL)
		return;
	free(cs->cs_fields);
	free(cs->cs_quirks);
	free(cs);
}

/* Guest accesses. */

static int
cfgspace_check_access(const struct cfgspace *cs, unsigned int off,
    unsigned int size)
{
	return cfgdev_check(off, size, cs->cs_info.ci_size);
}

static int
cfgspace_field_value(struct cfgspace *cs, const struct cfgspace_field *f,
    uint32_t *val)
{
	if (f->cf_row->cr_read == HW)
		return cfgspace_field_hw(cs, f, val);
	return f->cf_row->cr_read(cs, f, val);
}

/* Bits 0-3: the bytes of [off, off+size) inside field f. */
static unsigned int
cfgspace_bytes(const struct cfgspace_field *f, unsigned int off,
    unsigned int size)
{
	unsigned int	b, m = 0;

	for (b = 0; b < size; b++)
		if (off + b >= f->cf_off &&
		    off + b < f->cf_off + f->cf_row->cr_size)
			m |= 1u << b;
	return m;
}

/*
 * Bytes the engine answers itself (read rules) or knows (constants): a
 * read made of nothing else never reaches the device, as long as the
 * device answered the last read.
 */
static int
cfgspace_from_memory(struct cfgspace *cs, unsigned int off,
    unsigned int size)
{
	const struct cfgspace_field	*f;
	unsigned int			 m = 0;
	size_t				 i;

	if (!cs->cs_live)
		return 0;
	for (i = 0; i < cs->cs_nfields; i++) {
		f = &cs->cs_fields[i];
		if (f->cf_off >= off + size)
			break;
		if (f->cf_row->cr_read != HW || (f->cf_const && f->cf_known))
			m |= cfgspace_bytes(f, off, size);
	}
	return m == (1u << size) - 1;
}

/* Constants the access read whole, kept. */
static void
cfgspace_learn(struct cfgspace *cs, unsigned int off, unsigned int size,
    uint32_t v)
{
	struct cfgspace_field	*f;
	size_t			 i;

	for (i = 0; i < cs->cs_nfields; i++) {
		f = &cs->cs_fields[i];
		if (f->cf_off >= off + size)
			break;
		if (!f->cf_const || f->cf_off < off ||
		    f->cf_off + f->cf_row->cr_size > off + size)
			continue;
		f->cf_hw = (v >> (8 * (f->cf_off - off))) &
		    cfgspace_sizemask(f->cf_row->cr_size);
		f->cf_known = 1;
	}
}

static int
cfgspace_do_read(struct cfgspace *cs, unsigned int off, unsigned int size,
    uint32_t *val)
{
	const struct cfgspace_field	*f;
	uint32_t			 v = 0, fv;
	size_t				 i;
	int				 error;

	if ((error = cfgspace_check_access(cs, off, size)) != 0)
		return error;
	if (!cfgspace_from_memory(cs, off, size)) {
		if ((error = cfgspace_hwread(cs, off, size, &v)) != 0)
			return error;
		cfgspace_learn(cs, off, size, v);
	}
	for (i = 0; i < cs->cs_nfields; i++) {
		f = &cs->cs_fields[i];
		if (f->cf_off >= off + size)
			break;
		if (!cfgspace_overlaps(f->cf_off, f->cf_row->cr_size, off,
		    size))
			continue;
		if (f->cf_row->cr_read == HW) {
			if (!f->cf_const || !f->cf_known)
				continue;	/* v has it */
			fv = f->cf_hw;
		} else if ((error = f->cf_row->cr_read(cs, f, &fv)) != 0)
			return error;
		v = cfgspace_merge(v, off, size, fv, f->cf_off,
		    f->cf_row->cr_size);
	}
	*val = v;
	return 0;
}

int
cfgspace_read(struct cfgspace *cs, unsigned int off, unsigned int size,
    uint32_t *val)
{
	int	error;

	cs->cs_stats.css_reads++;
	*val = 0;
	if ((error = cfgspace_do_read(cs, off, size, val)) != 0)
		*val = 0;
	return error;
}

/* Fields that own bytes of the access: merge and apply their rules. */
static int
cfgspace_write_fields(struct cfgspace *cs, unsigned int off,
    unsigned int size, uint32_t val, int *handled, int *floor)
{
	struct cfgspace_field	*f;
	uint32_t		 cur;
	size_t			 i;
	int			 error;

	for (i = 0; i < cs->cs_nfields; i++) {
		f = &cs->cs_fields[i];
		if (f->cf_off >= off + size)
			break;
		if (f->cf_row->cr_write == PASS ||
		    !cfgspace_overlaps(f->cf_off, f->cf_row->cr_size, off,
		    size))
			continue;
		*handled = 1;
		if (f->cf_row->cr_write == FLOOR)
			*floor = 1;
		if (f->cf_row->cr_write == NEVER ||
		    f->cf_row->cr_write == FLOOR)
			continue;
		if ((error = cfgspace_field_value(cs, f, &cur)) != 0)
			return error;
		cur = cfgspace_merge(cur, f->cf_off, f->cf_row->cr_size, val,
		    off, size);
		if ((error = f->cf_row->cr_write(cs, f, cur)) != 0)
			return error;
	}
	return 0;
}

/* Every row the access touches is FLOOR or NEVER: nothing was written. */
static int
cfgspace_only_floor(const struct cfgspace *cs, unsigned int off,
    unsigned int size)
{
	const struct cfgspace_field	*f;
	size_t				 i;

	for (i = 0; i < cs->cs_nfields; i++) {
		f = &cs->cs_fields[i];
		if (f->cf_off >= off + size)
			break;
		if (!cfgspace_overlaps(f->cf_off, f->cf_row->cr_size, off,
		    size))
			continue;
		if (f->cf_row->cr_write != FLOOR &&
		    f->cf_row->cr_write != NEVER)
			return 0;
	}
	return 1;
}

/* Quirks: only the mask bits come from the guest. */
static int
cfgspace_write_quirks(struct cfgspace *cs, unsigned int off,
    unsigned int size, uint32_t val, int *handled)
{
	const struct cfgspace_quirk	*q;
	uint32_t			 hw, v;
	size_t				 i;
	int				 error;

	for (i = 0; i < cs->cs_policy.cp_nquirks; i++) {
		q = &cs->cs_quirks[i];
		if (!cfgspace_overlaps(q->cq_offset, q->cq_size, off, size))
			continue;
		*handled = 1;
		error = cfgspace_hwread(cs, q->cq_offset, q->cq_size, &hw);
		if (error != 0)
			return error;
		v = cfgspace_merge(hw, q->cq_offset, q->cq_size, val, off,
		    size);
		v = (hw & ~q->cq_mask) | (v & q->cq_mask);
		error = cfgspace_hwwrite(cs, q->cq_offset, q->cq_size, v);
		if (error != 0)
			return error;
	}
	return 0;
}

static int
cfgspace_do_write(struct cfgspace *cs, unsigned int off, unsigned int size,
    uint32_t val)
{
	int	error, handled = 0, floor = 0, quirked = 0;

	if ((error = cfgspace_check_access(cs, off, size)) != 0)
		return error;
	val &= cfgspace_sizemask(size);
	error = cfgspace_write_fields(cs, off, size, val, &handled, &floor);
	if (error != 0)
		return error;
	if (floor)
		cs->cs_stats.css_floor++;
	if ((error = cfgspace_write_quirks(cs, off, size, val, &quirked)) != 0)
		return error;
	/* Only the floor was hit: say it was dropped, as for no row. */
	if (floor && !quirked && cfgspace_only_floor(cs, off, size))
		return CFGSPACE_DROPPED;
	/* Only NEVER rows: answered as written, but nothing was (audit). */
	if (handled && !quirked && cfgspace_only_floor(cs, off, size))
		cs->cs_ignored = 1;
	handled |= quirked;
	if (handled)
		return 0;
	if (cs->cs_policy.cp_permissive)
		return cfgspace_hwwrite(cs, off, size, val);
	return CFGSPACE_DROPPED;
}

int
cfgspace_write(struct cfgspace *cs, unsigned int off, unsigned int size,
    uint32_t val)
{
	int	error;

	cs->cs_stats.css_writes++;
	cs->cs_ignored = 0;
	error = cfgspace_do_write(cs, off, size, val);
	if (error == CFGSPACE_DROPPED)
		cs->cs_stats.css_dropped++;
	else if (error < 0)
		cs->cs_stats.css_refused++;
	return error;
}

void
cfgspace_reset_state(struct cfgspace *cs)
{
	uint32_t	v;
	size_t		i;

	for (i = 0; i < cs->cs_nfields; i++)
		cs->cs_fields[i].cf_latch = 0;
	cfgspace_forget(cs);
	if (cfgspace_hwread(cs, HDR_COMMAND, 2, &v) != 0)
		return;
	cs->cs_cmd = (uint16_t)v;
	cs->cs_enabled = (v & CMD_DECODE) != 0;
}

/* Queries. */

uint32_t
cfgspace_size(const struct cfgspace *cs)
{
	return cs->cs_info.ci_size;
}

uint8_t
cfgspace_header_type(const struct cfgspace *cs)
{
	return cs->cs_hdrtype;
}

unsigned int
cfgspace_cap(const struct cfgspace *cs, uint8_t id)
{
	size_t	i;

	for (i = 0; i < cs->cs_ncaps; i++) {
		if (cs->cs_caps[i].ce_id == id)
			return cs->cs_caps[i].ce_off;
	}
	return 0;
}

unsigned int
cfgspace_ecap(const struct cfgspace *cs, uint16_t id)
{
	size_t	i;

	for (i = 0; i < cs->cs_necaps; i++) {
		if (cs->cs_ecaps[i].ce_id == id)
			return cs->cs_ecaps[i].ce_off;
	}
	return 0;
}

/* 1 if a bit of mask is set in a hardware word, 0, or a negative errno. */
static int
cfgspace_hwbit(struct cfgspace *cs, unsigned int off, uint32_t mask)
{
	uint32_t	v;
	int		error;

	if ((error = cfgspace_hwread(cs, off, 2, &v)) != 0)
		return error;
	return (v & mask) != 0;
}

/* The same for the control word of a capability; 0 if it is absent. */
static int
cfgspace_capbit(struct cfgspace *cs, uint8_t id, uint32_t mask)
{
	unsigned int	off = cfgspace_cap(cs, id);

	if (off == 0)
		return 0;
	return cfgspace_hwbit(cs, off + 2, mask);
}

int
cfgspace_mem_decoding(struct cfgspace *cs)
{
	return cfgspace_hwbit(cs, HDR_COMMAND, CMD_MEM);
}

int
cfgspace_msi_enabled(struct cfgspace *cs)
{
	return cfgspace_capbit(cs, CAP_MSI, MSI_CTL_ENABLE);
}

int
cfgspace_msix_enabled(struct cfgspace *cs)
{
	return cfgspace_capbit(cs, CAP_MSIX, MSIX_CTL_ENABLE);
}

unsigned int
cfgspace_msix_table_size(struct cfgspace *cs)
{
	unsigned int	off = cfgspace_cap(cs, CAP_MSIX);
	uint32_t	v;

	if (off == 0 || cfgspace_hwread(cs, off + 2, 2, &v) != 0)
		return 0;
	return (v & MSIX_CTL_QSIZE) + 1;
}

int
cfgspace_enabled(const struct cfgspace *cs)
{
	return cs->cs_enabled;
}

uint16_t
cfgspace_guest_command(const struct cfgspace *cs)
{
	return cs->cs_cmd;
}

/* cs_enabled follows the decode bits, as after any guest write. */
void
cfgspace_set_guest_command(struct cfgspace *cs, uint16_t cmd)
{
	cs->cs_cmd = cmd;
	cs->cs_enabled = (cmd & CMD_DECODE) != 0;
}

int
cfgspace_field(const struct cfgspace *cs, size_t i, unsigned int *off,
    unsigned int *size, const char **name)
{
	const struct cfgspace_field	*f;

	if (i >= cs->cs_nfields)
		return -1;
	f = &cs->cs_fields[i];
	*off = f->cf_off;
	*size = f->cf_row->cr_size;
	*name = f->cf_row->cr_name;
	return 0;
}

static int
cfgspace_reg_kind(const struct cfgspace_row *r)
{
	if (r->cr_write == PASS)
		return CFGSPACE_REG_PASS;
	if (r->cr_write == FLOOR)
		return CFGSPACE_REG_FLOOR;
	if (r->cr_write == NEVER)
		return CFGSPACE_REG_NEVER;
	if (r->cr_write == cfgspace_wr_bar)
		return CFGSPACE_REG_BAR;
	return CFGSPACE_REG_EMUL;
}

/* The capability starting nearest below off, in off's space. */
static void
cfgspace_reg_cap(const struct cfgspace *cs, unsigned int off,
    struct cfgspace_reg *rg)
{
	const struct cfgspace_capent	*list = cs->cs_caps;
	size_t				 i, n = cs->cs_ncaps;

	rg->rg_ext = off >= CFGSPACE_CONV_SIZE;
	if (rg->rg_ext) {
		list = cs->cs_ecaps;
		n = cs->cs_necaps;
	}
	for (i = 0; i < n; i++) {
		if (list[i].ce_off > off || list[i].ce_off < rg->rg_cap)
			continue;
		rg->rg_cap = list[i].ce_off;
		rg->rg_capid = list[i].ce_id;
	}
}

void
cfgspace_describe(const struct cfgspace *cs, unsigned int off,
    unsigned int size, struct cfgspace_reg *rg)
{
	const struct cfgspace_field	*f, *pass = NULL, *hard = NULL;
	size_t				 i;

	memset(rg, 0, sizeof(*rg));
	rg->rg_bridge = (cs->cs_hdrtype & 0x7f) == 1;
	for (i = 0; i < cs->cs_nfields && hard == NULL; i++) {
		f = &cs->cs_fields[i];
		if (!cfgspace_overlaps(f->cf_off, f->cf_row->cr_size, off,
		    size))
			continue;
		if (f->cf_row->cr_write != PASS)
			hard = f;
		else if (pass == NULL)
			pass = f;
	}
	if ((f = hard != NULL ? hard : pass) == NULL) {
		rg->rg_kind = CFGSPACE_REG_NONE;
		if (off >= 0x40)
			cfgspace_reg_cap(cs, off, rg);
		return;
	}
	rg->rg_kind = cfgspace_reg_kind(f->cf_row);
	rg->rg_name = f->cf_row->cr_name;
	rg->rg_offset = f->cf_off;
	rg->rg_size = f->cf_row->cr_size;
	if (f->cf_cap != 0)
		cfgspace_reg_cap(cs, f->cf_cap, rg);
}

int
cfgspace_write_ignored(const struct cfgspace *cs)
{
	return cs->cs_ignored;
}

const struct cfgspace_stats *
cfgspace_stats(const struct cfgspace *cs)
{
	return &cs->cs_stats;
}

void
cfgspace_stats_set(struct cfgspace *cs, const struct cfgspace_stats *st)
{
	cs->cs_stats = *st;
}

static uint32_t
cfgspace_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

void
cfgspace_decode_bars(const uint8_t *cfg, struct cfgdev_info *ci)
{
	struct cfgdev_bar	*bar;
	unsigned int		 i, nbars, rom;
	uint32_t		 lo;

	nbars = (cfg[HDR_TYPE] & 0x7f) == 1 ? 2 : CFGDEV_NBARS;
	rom = (cfg[HDR_TYPE] & 0x7f) == 1 ? 0x38 : 0x30;
	for (i = 0; i <= CFGDEV_NBARS; i++) {
		ci->ci_bar[i].cb_start = 0;
		ci->ci_bar[i].cb_flags = 0;
	}
	for (i = 0; i < nbars; i++) {
		bar = &ci->ci_bar[i];
		lo = cfgspace_le32(cfg + 0x10 + 4 * i);
		if (lo & 0x1) {
			bar->cb_flags = CFGDEV_BAR_IO;
			bar->cb_start = lo & ~BAR_IO_MASK;
			continue;
		}
		bar->cb_start = lo & ~BAR_MEM_MASK;
		if (lo & 0x8)
			bar->cb_flags |= CFGDEV_BAR_PREFETCH;
		if ((lo & 0x6) == 0x4 && i + 1 < nbars) {
			bar->cb_flags |= CFGDEV_BAR_MEM64;
			bar->cb_start |=
			    (uint64_t)cfgspace_le32(cfg + 0x14 + 4 * i) << 32;
			i++;
		}
	}
	ci->ci_bar[CFGDEV_ROM].cb_start = cfgspace_le32(cfg + rom) & ~ROM_MASK;
}
