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
 * Emulated devices as a provider: the "emulate" sources, loaded once at
 * start-up, of which the daemon holds those a "device" block names.  Each
 * source stands for a machine of its own: its functions are the ones an
 * emulated device may share an INTx line or a BAR page with.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "emul.h"
#include "pcibackd.h"
#include "provider.h"

#define PROVEMUL_INTERRUPT_PIN	0x3d
#define PROVEMUL_COMMAND	0x04
#define PROVEMUL_INTX_DISABLE_HI 0x04	/* Command bit 10, in its high byte */

struct provemul_src {
	struct emul_set		 pes_set;
	struct provider_fn	*pes_fns;	/* one per device of the set */
};

struct provemul {
	struct provemul_src	*pe_srcs;
	size_t			 pe_nsrcs;
};

static const struct pciop_irq_ops provemul_irq = {
	.pio_enable_msi = emul_enable_msi,
	.pio_disable_msi = emul_disable_msi,
	.pio_enable_msix = emul_enable_msix,
	.pio_disable_msix = emul_disable_msix,
};

static int	provemul_assign(struct heldev *, unsigned int, char **);
static int	provemul_giveback(struct heldev *, char **);
static const char *provemul_reset_method(const struct heldev *);
static int	provemul_owner(const struct heldev *);
static int	provemul_functions(const struct heldev *,
		    const struct provider_fn **, size_t *);
static void	provemul_free(struct heldev *);

static const struct provider_ops provemul_ops = {
	.po_name = "emulated",
	.po_toolstack = 0,
	.po_cfg = &emul_cfgdev_ops,
	.po_irq = &provemul_irq,
	.po_assign = provemul_assign,
	.po_giveback = provemul_giveback,
	.po_reset = NULL,		/* nothing to reset between guests */
	.po_reset_method = provemul_reset_method,
	.po_owner = provemul_owner,
	.po_functions = provemul_functions,
	.po_free = provemul_free,
};

static int
provemul_assign(struct heldev *hd, unsigned int domid, char **cause)
{
	(void)hd;
	(void)domid;
	*cause = NULL;
	return 0;
}

static int
provemul_giveback(struct heldev *hd, char **cause)
{
	(void)hd;
	*cause = NULL;
	return PROVIDER_DONE;
}

static const char *
provemul_reset_method(const struct heldev *hd)
{
	(void)hd;
	return "none";
}

static int
provemul_owner(const struct heldev *hd)
{
	(void)hd;
	return -1;
}

static void
provemul_free(struct heldev *hd)
{
	(void)hd;	/* the sources live as long as the daemon */
}

static struct provemul_src *
provemul_src_of(struct provemul *pe, const struct emul_dev *ed)
{
	struct emul_set	*es;
	size_t		 i;

	for (i = 0; pe != NULL && i < pe->pe_nsrcs; i++) {
		es = &pe->pe_srcs[i].pes_set;
		if (ed >= es->es_devs && ed < es->es_devs + es->es_ndevs)
			return &pe->pe_srcs[i];
	}
	return NULL;
}

static int
provemul_functions(const struct heldev *hd, const struct provider_fn **fns,
    size_t *n)
{
	struct provemul_src	*pes;

	*fns = NULL;
	*n = 0;
	if ((pes = provemul_src_of(hd->hd_env->pb_emul, hd->hd_arg)) != NULL) {
		*fns = pes->pes_fns;
		*n = pes->pes_set.es_ndevs;
	}
	return 0;
}

/* The sharing view of a source's devices, as they were loaded. */
static void
provemul_src_fns(struct provemul_src *pes)
{
	struct emul_set		*es = &pes->pes_set;
	struct emul_dev		*ed;
	struct provider_fn	*pf;
	size_t			 i;

	if ((pes->pes_fns = calloc(es->es_ndevs + 1,
	    sizeof(*pes->pes_fns))) == NULL)
		fatal("calloc");
	for (i = 0; i < es->es_ndevs; i++) {
		ed = &es->es_devs[i];
		pf = &pes->pes_fns[i];
		pf->pf_bdf = ed->ed_bdf;
		pf->pf_irq = ed->ed_info.ci_irq;
		pf->pf_pin = ed->ed_cfg[PROVEMUL_INTERRUPT_PIN];
		pf->pf_intx_off = (ed->ed_cfg[PROVEMUL_COMMAND + 1] &
		    PROVEMUL_INTX_DISABLE_HI) != 0;
		memcpy(pf->pf_bar, ed->ed_info.ci_bar, sizeof(pf->pf_bar));
	}
}

static int
provemul_hold_dev(struct pcibackd *env, struct emul_dev *ed,
    const struct conf_device *cd)
{
	struct provider_dev	pd;

	memset(&pd, 0, sizeof(pd));
	pd.pd_ops = &provemul_ops;
	pd.pd_arg = ed;
	pd.pd_bdf = ed->ed_bdf;
	pd.pd_vendor = ed->ed_vendor;
	pd.pd_device = ed->ed_device;
	pd.pd_info = ed->ed_info;
	pd.pd_legacy_pirq = ed->ed_info.ci_irq;
	return device_hold(env, &pd, cd) != NULL ? 0 : -1;
}

static int
provemul_load(struct pcibackd *env, const struct conf_source *cs,
    struct provemul_src *pes)
{
	const struct conf_device	*cd;
	struct emul_set			*es = &pes->pes_set;
	char				*cause = NULL;
	size_t				 i;

	if (emul_load(es, cs->cs_source, &cause) != 0 ||
	    (cs->cs_bars != NULL &&
	    emul_load_bar_sizes(es, cs->cs_bars, &cause) != 0)) {
		log_warnx("emulate %s: %s", cs->cs_source,
		    cause != NULL ? cause : strerror(errno));
		free(cause);
		emul_free(es);
		return -1;
	}
	provemul_src_fns(pes);
	for (i = 0; i < es->es_ndevs; i++)
		if ((cd = conf_find_device(env->pb_conf,
		    &es->es_devs[i].ed_bdf)) != NULL)
			(void)provemul_hold_dev(env, &es->es_devs[i], cd);
	return 0;
}

/* Emulated device sets live as long as the daemon. */
int
provemul_init(struct pcibackd *env)
{
	const struct conf_source	*cs;
	struct provemul			*pe;
	size_t				 n = 0;

	TAILQ_FOREACH(cs, &env->pb_conf->c_sources, cs_entry)
		n++;
	if ((pe = calloc(1, sizeof(*pe))) == NULL ||
	    (pe->pe_srcs = calloc(n, sizeof(*pe->pe_srcs))) == NULL)
		fatal("calloc");
	env->pb_emul = pe;
	TAILQ_FOREACH(cs, &env->pb_conf->c_sources, cs_entry)
		if (provemul_load(env, cs, &pe->pe_srcs[pe->pe_nsrcs]) == 0)
			pe->pe_nsrcs++;
	return 0;
}

void
provemul_shutdown(struct pcibackd *env)
{
	struct provemul	*pe = env->pb_emul;
	size_t		 i;

	if (pe == NULL)
		return;
	for (i = 0; i < pe->pe_nsrcs; i++) {
		emul_free(&pe->pe_srcs[i].pes_set);
		free(pe->pe_srcs[i].pes_fns);
	}
	free(pe->pe_srcs);
	free(pe);
	env->pb_emul = NULL;
}

size_t
provemul_nsources(struct pcibackd *env)
{
	return env->pb_emul != NULL ? env->pb_emul->pe_nsrcs : 0;
}

static struct emul_dev *
provemul_find(struct pcibackd *env, const struct bdf *b)
{
	struct emul_dev	*ed;
	size_t		 i;

	for (i = 0; i < provemul_nsources(env); i++)
		if ((ed = emul_find(&env->pb_emul->pe_srcs[i].pes_set,
		    b)) != NULL)
			return ed;
	return NULL;
}

int
provemul_has(struct pcibackd *env, const struct bdf *b)
{
	return provemul_find(env, b) != NULL;
}

int
provemul_hold(struct pcibackd *env, const struct bdf *b,
    const struct conf_device *cd)
{
	struct emul_dev	*ed;

	if ((ed = provemul_find(env, b)) == NULL)
		return -1;
	return provemul_hold_dev(env, ed, cd) == 0 ? 0 : -2;
}

void
provemul_foreach(struct pcibackd *env, void (*fn)(void *, const struct bdf *),
    void *arg)
{
	struct emul_set	*es;
	size_t		 i, j;

	for (i = 0; i < provemul_nsources(env); i++) {
		es = &env->pb_emul->pe_srcs[i].pes_set;
		for (j = 0; j < es->es_ndevs; j++)
			fn(arg, &es->es_devs[j].ed_bdf);
	}
}
