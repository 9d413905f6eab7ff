"""The report of a forecast experiment (rolling-origin hindcasts, the synthetic-truth check
and the registered forecast), from its saved tables (and config.yaml) only."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .. import plots
from ..analysis.hindcast import FILES
from .document import Document, Figures, Section, subplots, table, text

KINDS = {"survey": "survey shares", "ideal_point": "UN ideal-point distances"}
UNITS = {"survey": (100.0, "points"), "ideal_point": (1.0, "units")}


def _read(folder: Path) -> dict:
    return {name: (pd.read_parquet if file.endswith(".parquet") else pd.read_csv)(folder / file)
            for name, file in FILES.items()}


def _skill_section(t: dict) -> Section:
    sk = t["skill"]
    rows = []
    for _, r in sk.iterrows():
        scale, unit = UNITS[r["kind"]]
        rows.append([text(KINDS[r["kind"]]), str(r["origin"]), text(r["baseline"]), str(int(r["n"])),
                     f"{r['crps_model'] * scale:.3f}", f"{r['crps_baseline'] * scale:.3f}", f"{r['crps_skill']:+.2f}",
                     f"{r['mae_model'] * scale:.3f}", f"{r['mae_baseline'] * scale:.3f}", unit])
    pooled = sk[(sk["origin"].astype(str) == "all") & (sk["baseline"] == "persistence")]
    verdict = "; ".join(f"{KINDS[r['kind']]}: CRPS skill {r['crps_skill']:+.2f} against probabilistic persistence"
                        f" ({'beats it' if r['crps_skill'] > 0 else 'does not beat it'})" for _, r in pooled.iterrows())
    reading = (f"Pooled over origins, {verdict}. Skill = 1 − score / baseline's score (positive: the model is "
               "better); survey scores in percentage points, ideal points in their units. Where a series has fewer "
               "than 3 (trend) or 4 (AR(1)) observations up to the origin, that baseline is persistence's.\n\n"
               + table(["targets", "origin", "baseline", "n", "CRPS model", "CRPS baseline", "CRPS skill",
                        "MAE model", "MAE baseline", "unit"], rows))
    return Section("Skill against probabilistic baselines", None, "", reading)


def _coverage_section(t: dict, figs: Figures) -> Section:
    s, ts = t["scores"], t["target_scores"]
    kinds = [k for k in KINDS if k in set(s["kind"])]
    fig, axes = subplots(7.0, 2.4 * len(kinds), len(kinds), 2, squeeze=False)
    methods = list(pd.unique(s["method"]))
    for row, kind in zip(axes, kinds):
        model = ts[(ts["kind"] == kind) & (ts["method"] == "model")]
        plots.plot_pit_histogram(model["pit"].to_numpy(), ax=row[0])
        row[0].set_title(f"PIT of the model's hindcasts, {KINDS[kind]}", fontsize=8)
        plots.plot_coverage_by_horizon(s[s["kind"] == kind], ax=row[1], methods=methods)
        row[1].set_title(f"coverage by horizon, {KINDS[kind]}", fontsize=8)
    fig.legend(handles=plots.coverage_legend_handles(methods), fontsize=7, loc="outside lower center", ncol=6)
    image = figs.save(fig, "pit_and_coverage")
    pooled = s[(s["origin"].astype(str) == "all") & (s["horizon"].astype(str) == "all")]
    rows = [[text(KINDS[r["kind"]]), text(r["method"]), str(int(r["n"])), f"{r['coverage_50']:.2f}",
             f"{r['coverage_90']:.2f}"] for _, r in pooled.iterrows()]
    reading = ("Share of held-out values inside the central 50% and 90% predictive intervals, pooled over "
               "origins and horizons:\n\n" + table(["targets", "method", "n", "50% coverage", "90% coverage"], rows))
    caption = ("Left: the probability integral transform of each held-out value under the model's forecast "
               "(uniform: calibrated; U-shaped: too narrow; hump: too wide). Right: coverage of the 50% and 90% "
               "intervals against the years since the origin, pooled over origins.")
    return Section("Calibration of the forecasts: PIT and coverage", image, caption, reading)


def _origins_section(t: dict) -> Section:
    o, syn = t["origins"], t["synthetic"]
    rows = [[str(int(r["origin"])), str(int(r["targets"])), str(int(r["accepted_draws"])), f"{r['survey_step_sd']:.3f}",
             f"{r['ideal_point_step_sd']:.3f}", str(int(r["resamplings"])),
             f"{r['smallest_ess']:.0f} of {int(r['particles'])}"] for _, r in o.iterrows()]
    reading = (table(["origin", "predicted targets", "accepted draws", "walk sd / year (share)",
                      "walk sd / year (ideal point)", "resamplings", "smallest ESS"], rows))
    if len(syn):
        g = syn.groupby(["origin", "kind"]).agg(sets=("dataset", "nunique"), targets=("targets", "sum"),
                                                c90=("coverage_90", "mean"), c50=("coverage_50", "mean"))
        srows = [[str(o_), text(KINDS[k]), str(int(r["sets"])), str(int(r["targets"])), f"{r['c90']:.2f}",
                  f"{r['c50']:.2f}"]
                 for (o_, k), r in g.iterrows()]
        hits = syn.assign(hit=syn["coverage_90"] * syn["targets"]).groupby("origin")[["hit", "targets"]].sum()
        worst = hits["hit"] / hits["targets"]
        reading += ("\n\n**Synthetic truth** (data simulated from a design point left out of the fit, with a "
                    "random-walk discrepancy and sampling error, then fitted, assimilated and forecast):\n\n"
                    + table(["origin", "targets", "data sets", "values", "90% coverage", "50% coverage"], srows)
                    + "\n\n90% coverage of each origin's synthetic values: "
                    + ", ".join(f"{o_} {v:.3f}" for o_, v in worst.items()) + ".")
    return Section("Each origin: fit, discrepancy and assimilation", None, "", reading)


def _registered_section(folder: Path, t: dict) -> Section:
    info = json.loads((folder / "forecast.json").read_text(encoding="utf-8"))
    fc = t["forecast"]
    model = fc[fc["method"] == "model"]
    reading = (f"`forecast.csv` holds quantiles q01–q99 of {model['series'].nunique()} series for every year "
               f"{info['cutoff'] + 1}–{info['until']}, from the model ({info['model_version']}, path "
               f"{text(info['path'])}) and from the persistence, trend and AR(1) baselines, with the data cut at "
               f"the end of {info['cutoff']}. `forecast.json` lists the {len(info['events_after_cutoff'])} events "
               "assumed after the cut-off. Score it when new data arrive, with one command: "
               "`caucasus-sim-score <this folder> <targets.csv>` (the manifest's SHA-256 identifies it).")
    return Section("The registered forecast", None, "", reading)


def document(folder: Path, cfg, figs: Figures) -> Document:
    """Draw the figures and return the report of a forecast folder."""
    t = _read(folder)
    f = cfg.forecast
    header = [
        f"- Hindcasts from the origins {', '.join(map(str, f.origins))}: each fitted (ABC rejection over "
        f"{int(f.design_points)} Latin-hypercube points x {int(cfg.replicates)} replicates, the lowest "
        f"{float(f.accept_quantile):g} of distances) and assimilated ({int(f.particles)} particles) with the data "
        "up to its end only, then run through the recorded events after it.",
        f"- Model {cfg.model_version}; scores: CRPS and interval scores of 99 predictive quantiles, against "
        "persistence with a random-walk spread, a linear trend and an AR(1), each fitted to the same window.",
        "- Tables: " + ", ".join(f"`{name}`" for name in [*FILES.values(), "forecast.json"]) + ".",
    ]
    sections = [_skill_section(t), _coverage_section(t, figs), _origins_section(t), _registered_section(folder, t)]
    return Document(f"{cfg.experiment} (forecast)", str(cfg.description or "").strip(), header, sections)
