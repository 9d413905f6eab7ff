"""Scenario discovery: PRIM (Friedman and Fisher 1999, in EMA Workbench) boxes of the
parameter space where the outcome of a sensitivity analysis is in its lowest share."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

MAX_BOXES = 3  # PRIM boxes found one after another, at most
MIN_COVERAGE = 0.1  # a PRIM box must hold at least this share of the cases of interest
QUASI_P = 0.05  # a PRIM restriction is kept only if its quasi-p-value is at most this


def cases_of_interest(Y: np.ndarray, quantile: float) -> np.ndarray:
    """The points whose Y is at or below its `quantile` quantile (none if quantile is 0)."""
    if quantile <= 0:
        return np.zeros(len(Y), dtype=bool)
    return Y <= np.quantile(Y, quantile)


def _selected_step(trajectory: pd.DataFrame) -> int:
    """The box on a peeling trajectory with the best balance of coverage and density
    (their harmonic mean); the earlier box on a tie."""
    c, d = trajectory["coverage"].to_numpy(float), trajectory["density"].to_numpy(float)
    f = np.where(c + d > 0, 2 * c * d / np.where(c + d > 0, c + d, 1.0), 0.0)
    return int(np.argmax(f))


def _prune(box, i: int) -> int:
    """Drop, least significant first, each restriction of box i on the trajectory whose
    quasi-p-value (EMA Workbench; Bryant and Lempert 2010) exceeds QUASI_P on every side it
    restricts; each drop appends the wider box to the trajectory. The index of the final box."""
    while True:
        qp = {k: min(v for v in sides if v >= 0) for k, sides in box.p_values[i].items()
              if any(v >= 0 for v in sides)}
        weak = {k: v for k, v in qp.items() if v > QUASI_P}
        if not weak:
            return i
        box.drop_restriction(max(weak, key=weak.get), i=i)
        i = len(box.box_lims) - 1


def discover(samples: pd.DataFrame, bounds: dict[str, tuple[float, float]], cases: np.ndarray) -> pd.DataFrame:
    """PRIM (EMA Workbench): up to MAX_BOXES boxes, one after another, each among the
    points the earlier boxes left. On each peeling trajectory the box with the best
    balance of coverage and density (their harmonic mean) is picked, and its restrictions
    that are not significant (quasi-p > QUASI_P) are dropped; a box that then covers less
    than MIN_COVERAGE of the cases, or is no denser in cases than the points it was found
    among, is discarded and the search stops.

    One row per box on each trajectory (`stage` peel for PRIM's own peeling and pasting,
    prune for the boxes widened by dropping a restriction): its limits on every parameter
    (a side PRIM did not restrict is the parameter's own bound), coverage, density, mass,
    restricted parameters; `selected` marks the box chosen."""
    keys = list(bounds)
    columns = ["box", "step", "stage", "selected", "coverage", "density", "mass", "res_dim", "n", "restricted"]
    columns += [f"{k}_{end}" for k in keys for end in ("low", "high")]
    rows: list[dict] = []
    if cases.all() or not cases.any():
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the library's own import-time and pandas notices
        # EMA Workbench is an optional extra ([discovery]): imported only when PRIM runs
        from ema_workbench.analysis import prim

        x = samples[keys].astype(float).reset_index(drop=True)
        p = prim.Prim(x, np.asarray(cases, dtype=bool), peel_alpha=0.05, paste_alpha=0.05, mass_min=0.05)
        init = p.box_init
        for b in range(1, MAX_BOXES + 1):
            box = p.find_box()
            if box is None:
                break
            peeled = len(box.box_lims)
            pick = _selected_step(box.peeling_trajectory.reset_index(drop=True))
            box.select(pick)
            chosen = _prune(box, pick)
            traj = box.peeling_trajectory.reset_index(drop=True)
            base = float(cases[box.yi_initial].mean())  # density of cases among the points left
            if traj.at[chosen, "coverage"] < MIN_COVERAGE or traj.at[chosen, "density"] <= base:
                break
            for j, lims in enumerate(box.box_lims):
                low = {k: float(lims[k].iloc[0]) for k in keys}
                high = {k: float(lims[k].iloc[1]) for k in keys}
                low = {k: v if v > init[k].iloc[0] else bounds[k][0] for k, v in low.items()}
                high = {k: v if v < init[k].iloc[1] else bounds[k][1] for k, v in high.items()}
                restricted = [k for k in keys if (low[k], high[k]) != bounds[k]]
                row = {"box": b, "step": j, "stage": "peel" if j < peeled else "prune",
                       "selected": j == chosen, "coverage": float(traj.at[j, "coverage"]),
                       "density": float(traj.at[j, "density"]), "mass": float(traj.at[j, "mass"]),
                       "res_dim": len(restricted), "n": int(traj.at[j, "n"]),
                       "restricted": ";".join(restricted)}
                for k in keys:
                    row[f"{k}_low"] = low[k]
                    row[f"{k}_high"] = high[k]
                rows.append(row)
    return pd.DataFrame(rows, columns=columns)
