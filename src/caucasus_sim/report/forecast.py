"""The report of a forecast experiment (rolling-origin hindcasts, the synthetic-truth check
and the registered forecast), from its saved tables (and config.yaml) only."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..analysis.hindcast import FILES, synthetic_summary
from .document import Document, Figures, Section, table, text
from .scores import KIND_NAMES, comparison_section, coverage_section, kinds_of, pit_section, scale_of


def _read(folder: Path) -> dict:
    return {name: pd.read_parquet(folder / file) if file.endswith(".parquet")
            else pd.read_csv(folder / file, dtype={"origin": str, "horizon": str}) for name, file in FILES.items()}


def _skill_section(skill: pd.DataFrame) -> Section:
    rows = []
    for _, r in skill.iterrows():
        scale, unit = scale_of(r["kind"])
        rows.append([text(KIND_NAMES[r["kind"]]), str(r["origin"]), text(r["baseline"]), str(int(r["n"])),
                     f"{r['crps_model'] * scale:.3f}{unit}", f"{r['crps_baseline'] * scale:.3f}{unit}",
                     f"{r['crps_skill']:+.2f}", f"{r['mae_model'] * scale:.3f}{unit}",
                     f"{r['mae_baseline'] * scale:.3f}{unit}"])
    reading = ("Skill = 1 − score / baseline's score (positive: the model is better); origin \"all\" pools the "
               "origins. Where a series has fewer than 3 (trend) or 4 (AR(1)) observations up to the origin, that "
               "baseline is persistence's.\n\n"
               + table(["targets", "origin", "baseline", "n", "CRPS model", "CRPS baseline", "CRPS skill",
                        "MAE model", "MAE baseline"], rows))
    return Section("Skill against probabilistic baselines, per origin", None, "", reading)


def _se(se: float) -> str:
    return "" if pd.isna(se) else f" (SE {se:.3f})"


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
        srows = [[str(o_), text(KIND_NAMES[k]), str(int(r["sets"])), str(int(r["targets"])), f"{r['c90']:.2f}",
                  f"{r['c50']:.2f}"]
                 for (o_, k), r in g.iterrows()]
        per = synthetic_summary(syn)
        reading += ("\n\n**Synthetic truth** (data simulated from a design point left out of the fit, with a "
                    "random-walk discrepancy and sampling error, then fitted, assimilated and forecast):\n\n"
                    + table(["origin", "targets", "data sets", "values", "90% coverage", "50% coverage"], srows)
                    + "\n\n90% coverage of each origin's synthetic values (Monte Carlo standard error over the "
                    "data sets): " + ", ".join(f"{o_} {r['coverage_90']:.3f}" + _se(r["se_90"])
                                               for o_, r in per.iterrows()) + ".")
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
    kinds = kinds_of(t["target_scores"])
    sections = [comparison_section(t["scores"], t["skill"], kinds), _skill_section(t["skill"]),
                figs.drawn("Calibration: PIT histograms", pit_section, t["target_scores"], kinds, figs),
                figs.drawn("Coverage by horizon", coverage_section, t["scores"], kinds, figs),
                _origins_section(t), _registered_section(folder, t)]
    return Document(f"{cfg.experiment} (forecast)", str(cfg.description or "").strip(), header, sections)
