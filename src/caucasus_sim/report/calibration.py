"""The report of a calibration, from its saved tables (and config.yaml) only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import plots
from ..analysis.calibration import FILES, SHORT_NAMES, choice_statement, preference, probability_value
from ..analysis.matching import IMPLAUSIBILITY_MEASURES
from ..outputs import in_order
from .document import Document, Figures, Section, subplots, table, text

IDENTIFIED = 0.7  # posterior sd / prior sd below this: the data pin the parameter down
MEASURE_WORDS = {"max": "largest", "second": "second-largest", "third": "third-largest"}


def _read(folder: Path) -> dict:
    return {name: (pd.read_parquet if file.endswith(".parquet") else pd.read_csv)(folder / file)
            for name, file in FILES.items()}


def _choice_section(t: dict, measure: str, cutoff: float, fitted: str = "v2") -> Section:
    c = t["choice"]
    said = preference(c)
    rows = [[text(r["description"]), f"{r['design_points']}", f"{r['non_implausible_points']}",
             f"{r['accepted']} of {r['draws']}", probability_value(r), f"{r['median_distance']:.3f}"]
            for _, r in c.iterrows()]
    reading = (table(["structure", "design points", f"non-implausible ({MEASURE_WORDS[measure]} < {cutoff:g})",
                      "accepted draws", "P(structure)",
                      "median distance"], rows) + "\n\n"
               + f"ABC model choice by rejection (equal prior probabilities; a draw is accepted if its distance is "
               f"at most {c['threshold'].iloc[0]:.3f}, the lowest share of all draws): {choice_statement(c)}. "
               + ("The ± is the Monte Carlo standard error: the sd over bootstrap resamples of the design points. "
                  if c["lower_95"].isna().all() else "")
               + f"{said[0].upper()}{said[1:]}. Median distances: "
               + ", ".join(f"{SHORT_NAMES[r['structure']]} {r['median_distance']:.3f}"
                           for _, r in c.iterrows())
               + ": the probabilities come from the tails of the designs, where the extra mechanisms of a "
               "structure reach closer fits (or do not).")
    return Section(_choice_title(list(c["structure"]), fitted), None, "", reading)


def _choice_title(structures: list[str], fitted: str = "v2") -> str:
    """"Model choice: v2 against the v1 structure and v3" (the fitted structure against the
    others compared)."""
    others = [("the " if s == "v1" else "") + SHORT_NAMES[s] for s in structures if s != fitted]
    said = ", ".join(others[:-1]) + f" and {others[-1]}" if len(others) > 1 else "".join(others)
    return f"Model choice: {fitted} against {said}"


def _unmatched_section(t: dict, cutoff: float, measure: str, fitted: str = "v2") -> Section:
    imp = t["implausibility"]
    own = imp[imp["structure"] == fitted].sort_values("smallest", ascending=False).head(8)
    rows = [[text(r["series"]), str(r["year"]), f"{r['value']:.3f}", f"{r['smallest']:.2f}", f"{r['median']:.2f}",
             f"{r['share_below_cutoff']:.2f}"] for _, r in own.iterrows()]
    n_bad = int((imp[imp["structure"] == fitted]["smallest"] >= cutoff).sum())
    said = (f"{n_bad} observation of the fit window has" if n_bad == 1 else f"{n_bad} observations of the fit window have")
    screen = (f"; a point is non-implausible if its {MEASURE_WORDS[measure]} implausibility over the fit window is "
              f"below {cutoff:g}, so " + ("these alone rule out every point" if n_bad >= IMPLAUSIBILITY_MEASURES[measure]
                                         else f"{'it' if n_bad == 1 else 'they'} cannot rule out a point alone")
              if n_bad else "")
    reading = (f"{said} an implausibility of {cutoff:g} or more at every design point of {fitted}: no parameter set "
               f"within the priors matches it{screen}. The eight hardest:\n\n"
               + table(["series", "year", "observed", "smallest implausibility", "median", f"share < {cutoff:g}"],
                       rows))
    return Section("What no design point matches", None, "", reading)


def _marginals_section(t: dict, figs: Figures, fitted: str = "v2") -> Section:
    par, post = t["parameters"], t["posterior"]
    n = len(par)
    ncols = 3
    nrows = -(-n // ncols)
    # a fixed grid (no constrained layout: it costs seconds per figure on grids this size)
    fig, axes = subplots(7.0, 1.0 + 1.05 * nrows, nrows, ncols, squeeze=False, layout=None)
    fig.subplots_adjust(left=0.03, right=0.98, bottom=0.6 / (1.0 + 1.05 * nrows), top=0.93, hspace=0.8, wspace=0.12)
    for ax, (_, r) in zip(axes.flat, par.iterrows()):
        plots.plot_marginal(post[r["param"]].to_numpy(), r["prior_low"], r["prior_high"],
                            plots.param_label(r["param"]), ax=ax)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    image = figs.save(fig, "posterior_marginal_by_param")
    rows = [[text(plots.param_label(r["param"])), f"[{r['prior_low']:g}, {r['prior_high']:g}]",
             f"{r['posterior_mean']:.3f}", f"{r['q05']:.3f} to {r['q95']:.3f}", f"{r['sd_ratio']:.2f}"]
            for _, r in par.iterrows()]
    ident = par[par["sd_ratio"] < IDENTIFIED]
    said = (", ".join(f"{plots.param_label(k)} ({v:.2f})" for k, v in zip(ident["param"], ident["sd_ratio"]))
            if len(ident) else "none")
    reading = (f"Parameters the data pin down (posterior sd below {IDENTIFIED} of the prior's): {said}.\n\n"
               + table(["parameter", "prior", "posterior mean", "90% interval", "posterior sd / prior sd"], rows))
    caption = (f"Posterior of each calibrated parameter of Model {fitted} ({len(post)} draws; histogram) over its "
               "uniform prior (dashed).")
    return Section("Prior and posterior of each parameter", image, caption, reading)


def _pairs_section(t: dict, figs: Figures) -> Section:
    par, post = t["parameters"], t["posterior"]
    best = par.sort_values("sd_ratio").head(3)
    keys = list(best["param"])
    k = len(keys)
    fig, axes = subplots(3.5, 3.5, k - 1, k - 1, squeeze=False)
    for i in range(1, k):
        for j in range(k - 1):
            ax = axes[i - 1, j]
            if j >= i:
                ax.set_visible(False)
                continue
            ri, rj = best.iloc[i], best.iloc[j]
            plots.plot_pair(post[rj["param"]], post[ri["param"]], (rj["prior_low"], rj["prior_high"]),
                            (ri["prior_low"], ri["prior_high"]), ax=ax)
            if i == k - 1:
                ax.set_xlabel(plots.param_label(rj["param"]))
            if j == 0:
                ax.set_ylabel(plots.param_label(ri["param"]))
    image = figs.save(fig, "posterior_pairs")
    corr = np.corrcoef(post[keys].to_numpy().T) if len(post) > 2 else np.eye(k)
    pairs = [f"{plots.param_label(keys[a])} and {plots.param_label(keys[b])} {corr[a, b]:+.2f}"
             for a in range(k) for b in range(a + 1, k)]
    return Section("Pairs of the best-identified parameters", image,
                   "Posterior draws of the three parameters with the smallest posterior sd / prior sd, over their "
                   "prior ranges.", "Posterior correlations: " + "; ".join(pairs) + ".")


def _series_section(t: dict, figs: Figures, fit_until: int) -> Section:
    pred = t["predictive"]
    series = in_order(pred["series"])
    ncols = 4
    nrows = -(-len(series) // ncols)
    height = 0.6 + 1.1 * nrows
    fig, axes = subplots(7.0, height, nrows, ncols, squeeze=False, layout=None)
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.35 / height, top=1 - 0.25 / height, hspace=0.75, wspace=0.3)
    for ax, s in zip(axes.flat, series):
        plots.plot_series(pred[pred["series"] == s], fit_until, ax=ax)
        ax.set_title(s.replace("_", " "), fontsize=6)
        ax.tick_params(labelsize=6)
    for ax in list(axes.flat)[len(series):]:
        ax.set_visible(False)
    image = figs.save(fig, "predictive_by_series")
    fit = pred[pred["window"] == "fit"]
    reading = (f"In the fit window {fit['covered'].mean():.0%} of the {len(fit)} observations lie inside their 90% "
               "posterior-predictive interval.")
    caption = ("Each observed series (survey shares 0–1, UN ideal-point distances) with the posterior-predictive "
               f"mean (line) and 90% band; filled: fitted (to {fit_until}), open: held out; colour: the patron.")
    return Section("Observed series and the posterior-predictive band", image, caption, reading)


def _validation_section(t: dict) -> Section:
    s, cov, loco = t["skill"], t["coverage"], t["loco"]
    rows = [[text(r["kind"]), str(r["targets"]), f"{r['coverage_90']:.2f}", f"{r['mae_model']:.2f}",
             f"{r['mae_persistence']:.2f}", f"{r['mae_trend']:.2f}", f"{r['skill_vs_persistence']:+.2f}",
             f"{r['skill_vs_trend']:+.2f}", text(r["unit"])] for _, r in s.iterrows()]
    beats = [r["kind"] for _, r in s.iterrows() if r["skill_vs_persistence"] > 0]
    verdict = ("It beats persistence on " + ", ".join(beats) + "." if beats else
               "It does not beat persistence (the last observed value carried forward) on any kind of target.")
    crow = [[text(plots.param_label(r["param"])), str(r["datasets"]), f"{r['coverage_90']:.2f}",
             f"{r['interval_width_share_of_prior']:.2f}"] for _, r in cov.iterrows()]
    lrow = [[r["client"], text(r["kind"]), str(r["targets"]), f"{r['mae_model']:.2f}", f"{r['mae_persistence']:.2f}",
             f"{r['skill_vs_persistence']:+.2f}", f"{r['trend_direction_right']:.2f}"] for _, r in loco.iterrows()]
    reading = ("**Hold-out** (every wave after the fit window):\n\n"
               + table(["targets", "n", "90% coverage", "error", "persistence", "trend", "skill vs persistence",
                        "skill vs trend", "unit"], rows) + f"\n\n{verdict}\n\n"
               "**Synthetic recovery** (data made by the model at design points, fitted by ABC rejection over the "
               "other points):\n\n"
               + table(["parameter", "data sets", "90% coverage", "interval width / prior width"], crow) + "\n\n"
               "**Leave one client out** (fit two clients and the first wave of each series of the third; predict "
               "the third's later waves):\n\n"
               + table(["client", "targets", "n", "error", "persistence", "skill", "direction right"], lrow))
    return Section("Validation", None, "", reading)


def document(folder: Path, cfg, figs: Figures) -> Document:
    """Draw the figures and return the report of a calibration folder."""
    t = _read(folder)
    c, fitted = cfg.calibration, str(cfg.model_version)
    sections = [_choice_section(t, str(c.implausibility), float(c.cutoff), fitted),
                _unmatched_section(t, float(c.cutoff), str(c.implausibility), fitted),
                _marginals_section(t, figs, fitted),
                _pairs_section(t, figs), _series_section(t, figs, int(c.fit_until)), _validation_section(t)]
    pops = t["populations"]
    stage2 = (f"ABC-SMC (ELFI) with {int(c.abc.particles)} particles, {len(pops)} populations, thresholds "
              + ", ".join(f"{v:.3f}" for v in pops["threshold"]) + f" ({int(pops['simulations'].sum())} simulations)"
              if len(pops) else "no ABC-SMC (calibration.abc.enabled=false): the posterior is the non-implausible "
              "points")
    header = [
        f"- Targets: {len(t['predictive'])} observations in {t['predictive']['series'].nunique()} series; fit to "
        f"{int(c.fit_until)}, hold-out {int(c.fit_until) + 1}-{int(c.holdout_until)}.",
        f"- Stage 1: history matching over {int(c.design_points)} Latin-hypercube points per structure x "
        f"{int(cfg.replicates)} replicates; a point is non-implausible if its "
        f"{MEASURE_WORDS[str(c.implausibility)]} implausibility over the fit window is below {float(c.cutoff):g}.",
        f"- Stage 2: {stage2}.",
        "- Tables: " + ", ".join(f"`{f}`" for f in FILES.values()) + ".",
    ]
    return Document(f"{cfg.experiment} (calibration)", str(cfg.description or "").strip(), header, sections)
