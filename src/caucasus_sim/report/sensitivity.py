"""The report of a sensitivity analysis, from samples.parquet, indices.csv and
prim_boxes.csv (and the folder's config.yaml) only: it never runs the model."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import plots
from ..analysis.discovery import MIN_COVERAGE, QUASI_P
from ..analysis.sensitivity import BOXES_FILE, INDICES_FILE, NUM_RESAMPLES, SAMPLES_FILE
from ..outputs import BALANCE, axis_names
from .document import Document, Figures, Section, subplots


def _num(v: float) -> str:
    """3 significant digits, but every digit before the decimal point (1460, not 1.46e+03)."""
    digits = max(3, int(math.log10(abs(v))) + 1) if v else 3
    return f"{v:.{digits}g}"


def _range(lo: float, hi: float) -> str:
    return f"[{_num(lo)}, {_num(hi)}]"


def _interval(v: float, conf: float, digits: int = 2) -> str:
    return f"{v:.{digits}f} (95% interval {v - conf:.{digits}f} to {v + conf:.{digits}f})"


def _restricted(row) -> list[str]:
    value = row["restricted"]
    return [k for k in str(value).split(";") if k] if isinstance(value, str) else []


@dataclass
class _Saved:
    """What the report reads: the saved tables and the few settings that describe them."""

    cfg: object
    samples: pd.DataFrame
    indices: pd.DataFrame
    boxes: pd.DataFrame
    figs: Figures

    def __post_init__(self) -> None:
        s = self.cfg.sensitivity
        self.method = str(s.method)
        self.keys = list(self.indices["param"])
        self.bounds = {p.key: (float(p.low), float(p.high)) for p in s.params}
        self.short = {k: plots.param_label(k) for k in self.keys}
        self.n_points = len(self.samples)
        self.R = int(self.samples["replicates"].iloc[0])
        self.bname = BALANCE
        self.client = str(s.client)
        self.path = (str(s.path) or next(iter(self.cfg.paths))).replace("_", " ")
        self.Y = self.samples["Y"].to_numpy()
        self.cases = self.samples["case_of_interest"].to_numpy(bool)
        label = plots.metric_label(self.bname, axis_names(self.cfg)[str(s.client)])
        date = pd.Timestamp(self.samples["date"].iloc[0]).date()
        self.when = f"on {date}" + (" (end of the scenario)" if str(s.outcome) == "end" else "")
        if s.statistic == "mean":
            self.ylabel = f"mean {label}"
            self.y_text = f"the mean over the {self.R} replicates of {self.client}'s {label} {self.when}"
        else:
            self.ylabel = f"P({label} > 0)"
            self.y_text = (f"the share of the {self.R} replicates in which {self.client}'s {label} is "
                           f"above 0 {self.when}")
        self.design = f"{self.n_points} points x {self.R} replicates"

    def noise_text(self) -> str:
        """Spread of Y, and the share of its variance that is noise from finite replicates."""
        Y, R = self.Y, self.R
        var_y = float(Y.var(ddof=1)) if self.n_points > 1 else 0.0
        if var_y == 0:
            return (f"Y is {Y[0]:.3f} at every point: within these ranges no parameter changes it, "
                    "and every index is 0.")
        if self.cfg.sensitivity.statistic == "mean":
            noise = float((self.samples[f"{self.bname}_sd"] ** 2).mean() / R)
        else:
            noise = float((Y * (1 - Y)).mean() / R)
        return (f"Y ranges from {Y.min():.3f} to {Y.max():.3f} over the points (standard deviation "
                f"{math.sqrt(var_y):.3f}); noise from the finite number of replicates accounts for "
                f"about {100 * noise / var_y:.1f}% of its variance.")


def _names(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _index_figure(d: _Saved, height: float, plot, what: str, name: str, by: str):
    """The figure of the indices (a Sobol' or Morris plot); the indices sorted by `by`."""
    fig, ax = subplots(6.4, height, layout=None)
    plot(d.indices, ax=ax)
    ax.set_title(f"{d.client}: {what} of Y = {d.ylabel}\n{d.when}, {d.path} path; {d.design}", fontsize=9)
    return d.figs.save(fig, name), d.indices.sort_values(by, ascending=False, kind="stable").reset_index(drop=True)


def _sobol_section(d: _Saved):
    s = d.cfg.sensitivity
    img, order = _index_figure(d, 0.42 * len(d.keys) + 1.4, plots.plot_sobol_indices, "Sobol' indices",
                               "sobol_index_by_param", "ST")
    top = order.iloc[0]
    reading = [f"The largest total index is that of {d.short[top['param']]}: ST = "
               f"{_interval(top['ST'], top['ST_conf'])}, first-order S1 = "
               f"{_interval(top['S1'], top['S1_conf'])}."]
    nxt = order.iloc[1:3]
    if len(nxt):
        reading.append(f"Next come {_names([d.short[k] for k in nxt['param']])}, with ST "
                       + _names([f"{v:.2f} ± {c:.2f}" for v, c in zip(nxt['ST'], nxt['ST_conf'])])
                       + " (± half the 95% interval).")
    small = [d.short[r["param"]] for _, r in order.iterrows() if r["ST"] + r["ST_conf"] < 0.01]
    if small:
        reading.append(f"The total index is below 0.01, interval included, for {_names(small)}: within the "
                       f"ranges studied {'it hardly matters' if len(small) == 1 else 'they hardly matter'}.")
    s1_sum = float(d.indices["S1"].sum())
    reading.append(f"The first-order indices sum to {s1_sum:.2f}, so interactions between parameters "
                   f"account for about {max(0.0, 1 - s1_sum):.0%} of the variance of Y.")
    return Section("Sobol' indices", img,
                   f"First-order (S1) and total (ST) Sobol' indices of Y, {d.y_text}, for each uncertain "
                   f"parameter, with 95% bootstrap intervals ({NUM_RESAMPLES} resamples); Saltelli sampling "
                   f"(SALib) with N = {int(s.base_samples)} base samples, N (D + 2) = {d.n_points} points, "
                   f"{d.R} replicates each. Parameters sorted by ST; intervals beyond the axis are cut.",
                   " ".join([*reading, d.noise_text()]))


def _morris_section(d: _Saved):
    s = d.cfg.sensitivity
    img, order = _index_figure(d, 4.6, plots.plot_morris, "Morris screening", "morris_mu_star_by_param", "mu_star")
    top = order.iloc[0]
    reading = [f"The largest mean absolute elementary effect is that of {d.short[top['param']]}: mu* = "
               f"{_interval(top['mu_star'], top['mu_star_conf'], 3)}, sigma = {top['sigma']:.3f}."]
    if top["mu_star"] > 0:
        ratio = top["sigma"] / top["mu_star"]
        kind = "non-linear or interacting" if ratio > 0.5 else "close to linear and additive"
        reading.append(f"Its sigma/mu* = {ratio:.2f}: its effect is {kind}.")
    nxt = order.iloc[1:3]
    if len(nxt):
        reading.append(f"Next come {_names([d.short[k] for k in nxt['param']])}, with mu* "
                       + _names([f"{v:.3f}" for v in nxt["mu_star"]]) + ".")
    caption = (f"Mean absolute elementary effect mu* (with its 95% bootstrap interval) against the "
               f"standard deviation sigma of the elementary effects of each uncertain parameter on Y, "
               f"{d.y_text}; {int(s.base_samples)} Morris trajectories over {int(s.morris_levels)} levels, "
               f"{d.n_points} points, {d.R} replicates each. The dashed line is sigma = mu*.")
    return Section("Morris screening", img, caption, " ".join([*reading, d.noise_text()]))


def _discovery_sections(d: _Saved) -> list:
    q = float(d.cfg.sensitivity.discovery_quantile)
    if q <= 0:
        return []
    selected = d.boxes[d.boxes["selected"].astype(bool)] if len(d.boxes) else d.boxes
    if not len(selected):
        return [Section("Scenario discovery (PRIM)", None, "",
                 "No box was searched: Y does not separate the points (every point, or none, is a case "
                 "of interest).")]
    Y, cases = d.Y, d.cases
    threshold = float(Y[cases].max())
    nb = int(selected["box"].nunique())
    fig, axs = subplots(4.6 * nb, 3.6, 1, nb, layout=None, squeeze=False)
    for ax, (b, traj) in zip(axs[0], d.boxes.groupby("box", sort=True)):
        plots.plot_prim_tradeoff(traj, ax=ax)
        ax.set_title(f"box {b}", fontsize=9)
    for ax in axs[0][1:]:
        ax.set_ylabel("")
    fig.suptitle(f"{d.client}: PRIM peeling trajectories; cases of interest are the {cases.sum()} of "
                 f"{d.n_points} points with Y ≤ {threshold:.3f}", fontsize=9)
    fig.tight_layout()
    img = d.figs.save(fig, "prim_density_by_coverage")
    parts = []
    for _, r in selected.iterrows():
        lims = "; ".join(f"{d.short[k]} to {_range(r[f'{k}_low'], r[f'{k}_high'])} (of {_range(*d.bounds[k])})"
                         for k in _restricted(r)) or "nothing"
        parts.append(f"Box {r['box']} restricts {lims}: it holds {r['coverage']:.0%} of the cases "
                     f"(coverage), {r['density']:.0%} of its {r['n']} points are cases (density), and "
                     f"it spans {r['mass']:.0%} of all points (mass).")
    reading = (f"The question: which combinations of the uncertain parameters bring {d.client} back toward "
               f"{axis_names(d.cfg)[d.client].split('-')[1]}? Cases of interest are the {cases.sum()} points ({cases.mean():.0%}) "
               f"whose Y is at or below its {q:.0%} quantile, {threshold:.3f}. " + " ".join(parts))
    sections = [Section(
        "Scenario discovery (PRIM)", img,
        f"Density (share of the box's points that are cases of interest) against coverage (share of the "
        f"cases inside the box) of every box on each PRIM peeling trajectory (EMA Workbench), coloured by "
        f"the number of restricted parameters. On each trajectory the box with the best harmonic mean of "
        f"coverage and density is picked, then its restrictions with a quasi-p-value above {QUASI_P} are "
        f"dropped (crosses); the ringed box is the one selected. Boxes are found one after another, each "
        f"among the points the earlier ones left, while they hold at least {MIN_COVERAGE:.0%} of the cases; "
        f"{d.n_points} points, {d.R} replicates each.", reading)]
    box = _box_section(d, selected.iloc[0], threshold)
    return sections + ([box] if box is not None else [])


def _box_section(d: _Saved, first, threshold: float) -> Section | None:
    """The points by the two parameters box 1 narrows most, with its limits drawn."""
    q = float(d.cfg.sensitivity.discovery_quantile)
    Y, cases = d.Y, d.cases
    restricted = _restricted(first)
    if not restricted:
        return None
    width = {k: (first[f"{k}_high"] - first[f"{k}_low"]) / (d.bounds[k][1] - d.bounds[k][0])
             for k in restricted}
    dims = sorted(restricted, key=lambda k: width[k])[:2]
    xk, yk = dims[0], (dims[1] if len(dims) > 1 else "Y")
    limits = {k: (float(first[f"{k}_low"]), float(first[f"{k}_high"])) for k in dims}
    fig, ax = subplots(6.2, 4.0, layout=None)
    plots.plot_prim_box(d.samples, xk, yk, cases, limits, ax=ax)
    ax.set_xlabel(d.short[xk])
    ax.set_ylabel(d.short[yk] if yk != "Y" else f"Y ({d.ylabel})")
    ax.set_title(f"{d.client}: box 1 and the cases of interest (Y ≤ {threshold:.3f})\n{d.design}", fontsize=9)
    img = d.figs.save(fig, "prim_box_by_param")
    inside = np.ones(d.n_points, dtype=bool)
    for k in restricted:
        inside &= d.samples[k].between(first[f"{k}_low"], first[f"{k}_high"]).to_numpy()
    reading = (f"Inside box 1, Y averages {Y[inside].mean():.3f}, against {Y[~inside].mean():.3f} outside it."
               if inside.any() and (~inside).any() else "")
    shown = (f"its values of {d.short[xk]} and {d.short[yk]}" if yk != "Y"
             else f"its value of {d.short[xk]} and its Y")
    more = (f" (box 1 restricts {len(restricted)} parameters; the two it narrows most are shown)"
            if len(restricted) > 2 else "")
    return Section(
        "The first box", img,
        f"Every point by {shown}; cases of interest (Y at or below its {q:.0%} quantile) in vermillion, "
        f"other points in grey; the rectangle is box 1's restriction{more}. {d.design}.", reading)


def document(folder: Path, cfg, figs: Figures) -> Document:
    """Draw the figures and return the report of a sensitivity analysis folder."""
    d = _Saved(cfg=cfg, samples=pd.read_parquet(folder / SAMPLES_FILE),
               indices=pd.read_csv(folder / INDICES_FILE), boxes=pd.read_csv(folder / BOXES_FILE),
               figs=figs)
    s = cfg.sensitivity
    sections = [_sobol_section(d) if d.method == "sobol" else _morris_section(d), *_discovery_sections(d)]
    if d.method == "sobol":
        design = "Sobol' (Saltelli sampling; first-order and total indices"
    else:
        design = f"Morris ({int(s.base_samples)} trajectories over {int(s.morris_levels)} levels"
    header = [
        f"- Question: which uncertain parameters drive Y, {d.y_text}, on the {d.path} path, and which "
        "combinations of them give the lowest Y?",
        f"- Uncertain parameters (D = {len(d.keys)}): "
        + ", ".join(f"`{k}` {_range(*d.bounds[k])}" for k in d.keys) + ".",
        f"- Design: {design}; SALib), {d.design} (common random numbers across points); seed {cfg.seed}.",
        f"- Tables: `{SAMPLES_FILE}` (one row per point: parameter values, replicates, mean, standard "
        f"deviation and P(> 0) of {d.client}'s balance, Y, `case_of_interest`), `{INDICES_FILE}` "
        f"(the indices), `{BOXES_FILE}` (every box on each PRIM peeling trajectory; `selected` marks the "
        "box chosen)."]
    return Document(f"{cfg.experiment} (sensitivity analysis)", str(cfg.description or "").strip(), header,
                    sections)
