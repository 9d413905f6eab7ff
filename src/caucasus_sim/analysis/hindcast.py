"""The forecast experiment (docs/odd.md, 7.30): rolling-origin hindcasts
scored against probabilistic baselines, the synthetic-truth check, and a registered
forecast, into one results folder:

- `hindcast.parquet`: every predicted target of every origin and method (model,
  persistence, trend, ar1) with its observed value and quantiles q01 ... q99;
- `scores.csv`: proper scores (CRPS, interval scores) and coverage per kind x origin x
  horizon x method, pooled rows "all"; `skill.csv`: skill = 1 - score / baseline score;
  `target_scores.parquet`: the same per target (the PIT values of the figure);
- `origins.csv`: per origin, what the fit accepted, the random walk's sd per kind, the
  resamplings and the smallest effective sample size of the assimilation;
- `synthetic.csv`: per origin and synthetic data set, the coverage of data simulated from
  a known design point (not in the fit) by the 90% and 50% intervals;
- `forecast.csv`, `forecast.json`: the registered forecast (see `register`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..model.observation import fit_links
from ..outputs import Bundle
from ..outputs.bundle import MANIFEST, sha256
from . import assimilation as pf
from . import scores
from .forecast import STEP_SD_GRID, ForecastPlan, design_drivers, events_after, origin_forecast
from .pool import Pool, open_pool
from .result import TablesResult

FILES = {"hindcast": "hindcast.parquet", "scores": "scores.csv", "skill": "skill.csv",
         "target_scores": "target_scores.parquet", "origins": "origins.csv", "synthetic": "synthetic.csv",
         "forecast": "forecast.csv"}
SERIES_COLUMNS = ["series", "client", "kind", "patron", "sign"]
SYNTHETIC_COLUMNS = ["origin", "dataset", "point", "kind", "targets", "coverage_90", "coverage_50"]


@dataclass(repr=False)
class ForecastResult(TablesResult):
    """The tables of a forecast experiment (see the module's docstring)."""

    kind = "forecast"

    def facts(self) -> list[str]:
        out = [f"hindcasts from origins {', '.join(map(str, self.how['origins']))}; registered forecast cut at "
               f"{self.how['cutoff']} to {self.how['until']}"]
        skill = self.tables["skill"]
        pooled = skill[(skill["origin"] == "all") & (skill["baseline"] == "persistence")]
        for _, r in pooled.iterrows():
            out.append(f"{r['kind']}: CRPS skill vs persistence {r['crps_skill']:+.2f}, 90% coverage "
                       f"{r['coverage_90_model']:.2f}")
        return out

    def line(self) -> str:
        """The command's line, and the SHA-256 of the manifest that registers the forecast."""
        manifest = self.folder / MANIFEST if self.folder is not None else None
        if manifest is None or not manifest.is_file():
            return super().line()
        return f"{super().line()}\ncaucasus-sim: registered forecast: manifest.json SHA-256 {sha256(manifest)}"


def later_targets(t: pd.DataFrame, origin: int) -> pd.DataFrame:
    """The targets after `origin` of the series observed up to it."""
    seen = set(t.loc[t["year"] <= origin, "series"])
    return t[(t["year"] > origin) & t["series"].isin(seen)]


def _frame(predict: pd.DataFrame, origin: int) -> pd.DataFrame:
    out = predict[SERIES_COLUMNS + ["year"]].reset_index(drop=True)
    return out.assign(origin=origin, horizon=out["year"] - origin, observed=predict["value"].to_numpy())


def hindcast(plan: ForecastPlan, Z: np.ndarray, f, seed: int, pool: Pool | None = None
             ) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """Every origin's forecasts of the later targets, and the baselines': the frame of
    predicted targets, {method: quantiles} over it, and the per-origin diagnostics. The
    origins run on `pool` (default: this process); where they run changes no number."""
    t = plan.targets
    frames, quantiles, origins = [], {}, []
    y = t["value"].to_numpy()
    later = {o: later_targets(t, o) for o in plan.origins}
    runs = (pool or Pool()).map(origin_forecast, [(plan, Z, y, o, later[o], f, seed) for o in plan.origins])
    for o, fc in zip(plan.origins, runs):
        predict = later[o]
        frames.append(_frame(predict, o))
        qs = {"model": scores.quantiles_from_samples(fc.draws.T)} | dict(scores.baselines(t[t["year"] <= o], predict, o))
        for method, q in qs.items():
            quantiles.setdefault(method, []).append(q)
        origins.append({"origin": o, "targets": len(predict), "accepted_draws": fc.accepted,
                        "survey_step_sd": fc.step_sd.get("survey", np.nan),
                        "ideal_point_step_sd": fc.step_sd.get("ideal_point", np.nan),
                        "resamplings": fc.resamplings, "smallest_ess": float(min(fc.ess)),
                        "particles": int(f.particles)})
    return (pd.concat(frames, ignore_index=True), {m: np.concatenate(q) for m, q in quantiles.items()},
            pd.DataFrame(origins))


def synthetic_data(plan: ForecastPlan, Z: np.ndarray, point: int, rng: np.random.Generator) -> np.ndarray:
    """Targets simulated from a known design point and state: replicate 0 of `point`, its
    observation-model links fitted to the real data (as the fit fits each draw's), plus a
    random-walk discrepancy per series (sd per year of each kind estimated from the real
    data) and sampling error."""
    t = plan.targets
    y = t["value"].to_numpy()
    every = np.ones(len(t), bool)
    links = fit_links(Z[point, :1], t, every, plan.calib.settings)
    predicted = links.predict(Z[point, :1][:, None, :])[0, 0]
    codes, names = pd.factorize(t["series"])
    kinds, years = t["kind"].to_numpy(), t["year"].to_numpy()
    start = np.zeros(len(names))
    start[codes] = plan.calib.disc_var
    step = pf.estimate_step_var(predicted, y, codes, years, kinds,
                                t["obs_var"].to_numpy(), start, len(names), STEP_SD_GRID ** 2)
    walk = np.zeros(len(t))
    for s in range(len(names)):
        rows = np.flatnonzero(codes == s)  # in year order (the targets are sorted)
        gaps = np.diff(years[rows], prepend=years[rows][0])
        sd = np.sqrt(np.r_[start[s], step[kinds[rows[0]]] * gaps[1:]])
        walk[rows] = np.cumsum(rng.standard_normal(len(rows)) * sd)
    out = predicted + walk + rng.standard_normal(len(t)) * np.sqrt(t["obs_var"].to_numpy())
    return np.where(kinds == "survey", np.clip(out, 1e-3, 1 - 1e-3), out)


def synthetic_check(plan: ForecastPlan, Z: np.ndarray, f, seed: int, pool: Pool | None = None) -> pd.DataFrame:
    """Per origin, `synthetic_datasets` data sets simulated from known design points (left
    out of the fit), fitted, assimilated and forecast: the coverage of the later targets."""
    rng = np.random.default_rng([seed, 7])
    t, rows = plan.targets, []
    sets = []
    for k in range(int(f.synthetic_datasets)):
        point = int(rng.integers(len(Z)))
        sets.append((k, point, synthetic_data(plan, Z, point, rng)))
    later = {o: later_targets(t, o) for o in plan.origins}
    items = [(plan, Z, y, o, later[o], f, seed + 1 + k, point) for k, point, y in sets for o in plan.origins]
    runs = iter((pool or Pool()).map(origin_forecast, items))
    for k, point, y in sets:
        for o in plan.origins:
            predict = later[o]
            fc = next(runs)
            q = scores.quantiles_from_samples(fc.draws.T)
            truth = y[predict.index.to_numpy()]
            for kind in sorted(predict["kind"].unique()):
                sel = (predict["kind"] == kind).to_numpy()
                rows.append({"origin": o, "dataset": k, "point": point, "kind": kind, "targets": int(sel.sum()),
                             "coverage_90": float(scores.covered(q[sel], truth[sel], 0.9).mean()),
                             "coverage_50": float(scores.covered(q[sel], truth[sel], 0.5).mean())})
    return pd.DataFrame(rows, columns=SYNTHETIC_COLUMNS)


def synthetic_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per origin of a synthetic check's table: targets per data set, the 90% and 50%
    coverage of all its values, and the Monte Carlo standard error of each (the sd of the
    data sets' coverages over the square root of their number: every data set has the
    same targets; NaN with one data set)."""
    hits = table.assign(h90=table["coverage_90"] * table["targets"], h50=table["coverage_50"] * table["targets"])
    per = hits.groupby(["origin", "dataset"])[["h90", "h50", "targets"]].sum()
    per["c90"], per["c50"] = per["h90"] / per["targets"], per["h50"] / per["targets"]
    g = per.groupby("origin")
    n = g.size()
    return pd.DataFrame({"targets": g["targets"].first(), "datasets": n,
                         "coverage_90": g["c90"].mean(), "se_90": g["c90"].std() / np.sqrt(n),
                         "coverage_50": g["c50"].mean(), "se_50": g["c50"].std() / np.sqrt(n)})


def register(plan: ForecastPlan, Z: np.ndarray, f, seed: int) -> tuple[pd.DataFrame, dict]:
    """The registered forecast: every series observed up to the cut-off, every year after it
    to `until`; quantiles of the model and of the baselines (forecast.csv), with the cut-off
    and the events assumed after it (forecast.json)."""
    t = plan.targets[plan.targets["year"] <= plan.cutoff]
    last = t.sort_values("year").groupby("series").tail(1)
    years = np.arange(plan.cutoff + 1, plan.until + 1)
    predict = last.loc[last.index.repeat(len(years))].assign(year=np.tile(years, len(last)))
    predict = predict.assign(obs_var=np.repeat(last["obs_var"].to_numpy(), len(years))).reset_index(drop=True)
    fc = origin_forecast(plan, Z, plan.targets["value"].to_numpy(), plan.cutoff, predict, f, seed)
    baselines = scores.baselines(t, predict, plan.cutoff)
    qs = {"model": scores.quantiles_from_samples(fc.draws.T)} | dict(baselines)
    base = predict[SERIES_COLUMNS + ["year"]].assign(horizon=predict["year"] - plan.cutoff)
    table = pd.concat([pd.concat([base.assign(method=m).reset_index(drop=True),
                                  pd.DataFrame(q, columns=scores.quantile_columns())], axis=1)
                       for m, q in qs.items()], ignore_index=True)
    table = table[["method"] + [c for c in table.columns if c != "method"]]
    info = {"cutoff": plan.cutoff, "until": plan.until, "model_version": str(plan.base.model_version),
            "path": plan.calib.path, "events_after_cutoff": events_after(plan.base, plan.calib.path, plan.cutoff),
            "levels": [float(x) for x in scores.LEVELS], "accepted_draws": fc.accepted,
            "step_sd": fc.step_sd, "particles": int(f.particles),
            "baseline_fallback": baselines.fallback}  # the series whose trend or AR(1) is persistence's
    return table, info


def run_forecast(cfg, plan: ForecastPlan, bundle: Bundle) -> ForecastResult:
    """The design, the hindcasts and their scores, the synthetic check, the registered forecast."""
    f, seed = cfg.forecast, int(cfg.seed)
    Z = design_drivers(plan, int(cfg.replicates))
    with open_pool(cfg.calibration) as pool:  # the origins and synthetic data sets on every core
        frame, quantiles, origins = hindcast(plan, Z, f, seed, pool)
        synthetic = synthetic_check(plan, Z, f, seed, pool)
    per_target = scores.target_scores(frame, quantiles)
    tables = {"hindcast": pd.concat([pd.concat([frame.assign(method=m), pd.DataFrame(q, columns=scores.quantile_columns())],
                                               axis=1) for m, q in quantiles.items()], ignore_index=True),
              "target_scores": per_target, "origins": origins}
    tables["scores"] = scores.summarise(per_target)
    tables["skill"] = scores.skill_table(tables["scores"])
    tables["synthetic"] = synthetic
    tables["forecast"], info = register(plan, Z, f, seed)
    for name, table in tables.items():
        bundle.write_table(FILES[name], table)
    bundle.write_json("forecast.json", info)
    how = {"origins": plan.origins, "cutoff": plan.cutoff, "until": plan.until, "keys": plan.calib.keys,
           "bounds": plan.calib.bounds, "design_points": int(f.design_points), "replicates": int(cfg.replicates),
           "particles": int(f.particles), "accept_quantile": float(f.accept_quantile),
           "ess_threshold": float(f.ess_threshold), "model_version": str(cfg.model_version)}
    return ForecastResult(experiment=str(cfg.experiment), tables=tables, how=how)
