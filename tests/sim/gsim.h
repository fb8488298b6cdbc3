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
 * pcifront-sim: a guest's PV PCI frontend on the simulated Xen of
 * tests/xensim, behaving like Linux xen-pcifront (doc/protocol.md §7.1) or,
 * with --netbsd, like NetBSD xpci (§7.2).  gsim-xs.c is its xenbus side,
 * gsim-op.c the shared page, gsim-scan.c what the guest's PCI core does
 * with the devices it finds, pcifront-sim.c the life of the guest.
 */

#ifndef GSIM_H
#define GSIM_H

#include <stddef.h>
#include <stdint.h>

#include <xen/io/pciif.h>

#define GSIM_MAX_ROOTS		8
#define GSIM_MAX_DEVS		64	/* functions the guest keeps track of */
#define GSIM_WRITES_MAX		24	/* --write options */
#define GSIM_CONV_SIZE		256
#define GSIM_EXT_SIZE		4096
#define GSIM_NBARS		6
#define GSIM_ROM		6	/* index of the ROM in gd_barsize */
#define GSIM_OP_DEADLINE_MS	2000	/* Linux: give up on an op after 2 s */
#define GSIM_OP_POLL_MS		3000	/* Linux: one poll of the channel */
#define GSIM_NB_OP_MS		10000	/* xpci spins forever; we stop here */

/* How a run ended (summary "result="). */
enum gsim_result {
	GSIM_RUNNING = 0,
	GSIM_DONE,		/* --once: did its work */
	GSIM_STOPPED,		/* signal or --run-ms */
	GSIM_CLOSED,		/* backend closed the connection */
	GSIM_REMOVED,		/* toolstack removed the frontend dir */
	GSIM_SHUTDOWN,		/* orderly shutdown completed */
	GSIM_PANIC,		/* what would panic a NetBSD guest */
	GSIM_ERROR		/* the simulator itself failed */
};

/* One function on the guest's bus. */
struct gsim_dev {
	uint16_t	gd_seg;
	uint8_t		gd_bus;
	uint8_t		gd_devfn;
	unsigned int	gd_cfgsize;
	uint8_t		gd_cfg[GSIM_EXT_SIZE];	/* as read at scan time */
	uint64_t	gd_barsize[GSIM_NBARS + 1];
	int		gd_msi_pirq;		/* last enable_msi result */
	int		gd_msi_err;
	int		gd_msix_err;
	unsigned int	gd_msix_n;
	int		gd_master;	/* --master: 1 set, -1 did not stick */
	int		gd_msi_bit;		/* MSI enable read back as 1 */
	int		gd_xsa157;		/* MSI-X refused while MSI on */
};

struct gsim_root {
	uint16_t	gr_seg;
	uint8_t		gr_bus;
};

struct xensim_guest;

#define GSIM_AER_ANSWERS	8

struct gsim {
	struct xensim_guest	*gs_guest;
	unsigned int		 gs_domid;
	/* Options. */
	int			 gs_netbsd;
	int			 gs_msi;
	unsigned int		 gs_msix;	/* vectors to ask for, 0: none */
	int			 gs_master;	/* decode and bus master on */
	int			 gs_keep_irq;	/* MSI, MSI-X left on after */
	const char		*gs_usr2_state;	/* what SIGUSR2 makes it */
	const char		*gs_hostile;
	const char		*gs_dump;
	const char		*gs_writes[GSIM_WRITES_MAX]; /* --write V:D:OFF:SIZE:VAL */
	int			 gs_nwrites;
	int			 gs_write_again;	/* --write again after the loop */
	unsigned long		 gs_loop_reads;
	long			 gs_loop_ms;
	long			 gs_loop_gap_us;	/* pause between reads */
	int			 gs_shutdown;
	int			 gs_once;
	int			 gs_hvm;	/* no pcifront: an HVM guest */
	int			 gs_paused;
	int			 gs_linger;
	int			 gs_close_on_reconf; /* close instead of answering 7 */
	long			 gs_run_ms;
	long			 gs_wait_ms;	/* for the frontend dir */
	long			 gs_delay_ms;	/* before publishing */
	long			 gs_flood_ms;
	unsigned long		 gs_xsa155_ops;
	/* The connection. */
	char			 gs_be[128];	/* backend path */
	unsigned int		 gs_beid;
	struct xen_pci_sharedinfo *gs_sh;
	uint32_t		 gs_gref;
	int			 gs_port;
	int			 gs_state;	/* own state as last written */
	int			 gs_connected;	/* scanned at least once */
	/* What the guest sees. */
	size_t			 gs_nroots;
	struct gsim_root	 gs_roots[GSIM_MAX_ROOTS];
	size_t			 gs_ndevs;
	struct gsim_dev		*gs_devs[GSIM_MAX_DEVS];
	/* Counters for the summary. */
	uint64_t		 gs_ops;
	uint64_t		 gs_timeouts;
	uint64_t		 gs_errors;	/* replies the guest did not expect */
	uint64_t		 gs_aer;
	/*
	 * AER requests: what to answer, in turn, the last one again once
	 * the list is used up (none: recovered); or never; no flag.
	 */
	long			 gs_aer_answer[GSIM_AER_ANSWERS];
	size_t			 gs_aer_nanswer;
	int			 gs_aer_never;
	int			 gs_aer_noflag;
	struct xen_pcie_aer_op	 gs_aer_last;	/* the last one posted */
	int			 gs_aer_seen;	/* it is still unanswered */
	uint64_t		 gs_scans;
	uint64_t		 gs_reconfigs;
	uint64_t		 gs_removed_devs;
	uint64_t		 gs_loop_ops;
	uint64_t		 gs_loop_timeouts;
	uint64_t		 gs_loop_wrong;
	uint64_t		 gs_loop_be_not4;	/* backend left Connected */
	long			 gs_loop_maxlat;	/* ms */
	uint64_t		 gs_flood_notifies;
	uint64_t		 gs_hammer_ops;
	/* Loop read latencies in microseconds, for the percentiles. */
	uint32_t		*gs_lat_us;
	size_t			 gs_nlat;
	uint64_t		 gs_xsa155_bad;
	uint64_t		 gs_badops;
	uint64_t		 gs_badops_wrong;
	int			 gs_be_seen_max;	/* highest BE state seen */
	int			 gs_panic;
	volatile int		*gs_stop;
};

/* gsim-xs.c: xenstore through the guest's ring. */
long	 gsim_now_ms(void);
int64_t	 gsim_now_us(void);
char	*gsim_read(struct gsim *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 gsim_write(struct gsim *, const char *, const char *);
int	 gsim_state_of(const char *);
int	 gsim_own_state(struct gsim *);
int	 gsim_be_state(struct gsim *);
int	 gsim_switch(struct gsim *, int);
int	 gsim_watch_event(struct gsim *, int, char **);
int	 gsim_wait_fe_dir(struct gsim *, long);
int	 gsim_wait_be(struct gsim *, int, long);
int	 gsim_write_keys(struct gsim *, const char *, const char *,
	    const char *, int);

/* gsim-op.c: the shared page. */
int	 gsim_page_alloc(struct gsim *);
void	 gsim_page_free(struct gsim *);
int	 gsim_op(struct gsim *, struct xen_pci_op *);
void	 gsim_op_post(struct gsim *, const struct xen_pci_op *);
int	 gsim_op_wait(struct gsim *, struct xen_pci_op *, long);
int	 gsim_conf_read(struct gsim *, const struct gsim_dev *, int, int,
	    uint32_t *);
int	 gsim_conf_write(struct gsim *, const struct gsim_dev *, int, int,
	    uint32_t);
void	 gsim_op_conf(struct xen_pci_op *, uint32_t, uint16_t, uint8_t,
	    unsigned int, int, int, uint32_t);
/* 1 if it answered a request the backend posted. */
int	 gsim_aer_poll(struct gsim *);

/* gsim-scan.c: the guest's PCI core. */
int	 gsim_scan(struct gsim *);
void	 gsim_remove_vdev(struct gsim *, unsigned int, unsigned int,
	    unsigned int, unsigned int);
void	 gsim_remove_all(struct gsim *);
void	 gsim_irq_tests(struct gsim *);
void	 gsim_master(struct gsim *);
int	 gsim_dump(struct gsim *, const char *);
void	 gsim_print_devs(struct gsim *, int);
unsigned int gsim_find_cap(const struct gsim_dev *, uint8_t);
int	 gsim_name(const struct gsim_dev *, char *, size_t);

#endif /* GSIM_H */
