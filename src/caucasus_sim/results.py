"""Writing and reading results.

A run writes one folder `results/<experiment>/<run id>/`:

    config.yaml          the resolved configuration
    manifest.json        seed, replicate keys, versions, git commit, command, wall time,
                         and a SHA-256 of every file (written last)
    summary.csv          per step, path, client, metric and patron: mean, q05, q50, q95
    trajectories.parquet per replicate, step, path, client and patron
    events.parquet       the event log (scheduled events once, decided events per replicate)
    event_counts.csv     events per path and type, mean count per replicate
    outcomes.csv         per replicate, path, client and outcome date
    figures/*.png|svg|pdf figures, report.md that embeds them and report.html that carries them

The folder is assembled as a hidden `.<run id>.partial` sibling and renamed into place
only when complete, so an interrupted run never leaves a folder that looks complete.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

QUANTILES = {"q05": 0.05, "q50": 0.5, "q95": 0.95}
LIBRARIES = ("mesa", "numpy", "scipy", "hydra-core", "omegaconf", "pandas", "pyarrow", "matplotlib",
             "tqdm", "SALib", "ema_workbench")


def balance_name(cfg) -> str | None:
    if cfg.balance is None:
        return None
    return f"balance_{cfg.balance.plus.lower()}_{cfg.balance.minus.lower()}"


# ------------------------------------------------------------------------ tables


def trajectory_table(models) -> pd.DataFrame:
    """One row per (path, replicate, step, client, patron)."""
    first = next(iter(models.values()))
    S, R, C, P = first.alignment_record.shape
    n = S * R * C * P
    steps = np.repeat(np.arange(S), R * C * P)
    cat = pd.Categorical.from_codes
    return pd.DataFrame(
        {
            "path": cat(np.repeat(np.arange(len(models), dtype=np.int16), n), list(models)),
            "replicate": np.tile(np.tile(np.repeat(first.replicate_ids, C * P), S), len(models)),
            "step": np.tile(steps, len(models)),
            "date": np.tile(np.array(first.dates, dtype="datetime64[D]")[steps], len(models)),
            "client": cat(np.tile(np.repeat(np.arange(C), P), S * R * len(models)), first.clients),
            "patron": cat(np.tile(np.arange(P), S * R * C * len(models)), first.patrons),
            **{
                name: np.concatenate([getattr(m, f"{name}_record").reshape(-1) for m in models.values()])
                for name in ("alignment", "attitude", "influence", "grievance")
            },
        }
    ).rename(columns={"alignment": "alignment_share"})


def _stats(values: np.ndarray) -> dict[str, np.ndarray]:
    """Mean and quantiles over the replicate axis (axis 1)."""
    out = {"mean": values.mean(axis=1)}
    qs = np.quantile(values, list(QUANTILES.values()), axis=1)
    for i, key in enumerate(QUANTILES):
        out[key] = qs[i]
    return out


def summary_table(models, cfg) -> pd.DataFrame:
    """Per step, path, client, metric (and patron): mean and 5/50/95% quantiles."""
    bname = balance_name(cfg)
    rows = []
    for name, m in models.items():
        S = m.n_steps + 1
        dates = pd.to_datetime(np.array(m.dates, dtype="datetime64[D]"))
        metrics = {
            "alignment_share": m.alignment_record,
            "attitude": m.attitude_record,
            "grievance": m.grievance_record,
        }
        for metric, arr in metrics.items():
            st = _stats(arr)  # each (S, C, P)
            for ci, client in enumerate(m.clients):
                for pi, patron in enumerate(m.patrons):
                    rows.append(pd.DataFrame({
                        "path": name, "step": np.arange(S), "date": dates, "client": client,
                        "metric": metric, "patron": patron,
                        **{k: v[:, ci, pi] for k, v in st.items()},
                    }))
        if bname:
            st = _stats(m.balance(cfg.balance.plus, cfg.balance.minus))  # (S, C)
            for ci, client in enumerate(m.clients):
                rows.append(pd.DataFrame({
                    "path": name, "step": np.arange(S), "date": dates, "client": client,
                    "metric": bname, "patron": "",
                    **{k: v[:, ci] for k, v in st.items()},
                }))
    return pd.concat(rows, ignore_index=True)


def outcome_dates(model) -> list[tuple[str, int]]:
    """(label, step) of each outcome date of the scenario, and of its end."""
    out = [(str(d), model.step_at(dt.date.fromisoformat(str(d))))
           for d in model.cfg.scenario.outcome_dates]
    out.append(("end", model.n_steps))
    return out


def model_outcomes(model, cfg, path: str) -> pd.DataFrame:
    """One model's rows per (replicate, client, outcome date): balance and alignment shares."""
    bname = balance_name(cfg)
    C = len(model.clients)
    frames = []
    for label, t in outcome_dates(model):
        A = model.alignment_record[t]  # (R, C, P)
        cols = {
            "path": path,
            "replicate": np.repeat(model.replicate_ids, C),
            "client": np.tile(model.clients, model.R),
            "outcome": label,
            "date": pd.Timestamp(model.dates[t]),
        }
        if bname:
            cols[bname] = model.balance(cfg.balance.plus, cfg.balance.minus)[t].reshape(-1)
        for pi, patron in enumerate(model.patrons):
            cols[f"alignment_share_{patron}"] = A[:, :, pi].reshape(-1)
        frames.append(pd.DataFrame(cols))
    return pd.concat(frames, ignore_index=True)


def outcome_table(models, cfg) -> pd.DataFrame:
    """Per replicate, path, client and outcome date: balance and alignment shares."""
    return pd.concat([model_outcomes(m, cfg, name) for name, m in models.items()], ignore_index=True)


EVENT_COLUMNS = ["path", "replicate", "step", "date", "id", "origin", "source", "target",
                 "cameo", "goldstein", "description"]


def event_table(models) -> pd.DataFrame:
    """The event log: scheduled events once (replicate empty), decided events per replicate."""
    cols: dict[str, list] = {c: [] for c in EVENT_COLUMNS}
    counts, replicates = [], []
    for name, m in models.items():
        for t, b, reps in m.event_log:
            n = 1 if reps is None else len(reps)
            counts.append(n)
            replicates.append(np.array([-1]) if reps is None else m.replicate_ids[reps])
            date = b.date if b.date is not None else m.dates[t]
            for c, v in zip(EVENT_COLUMNS[2:], (t, date, b.id, b.origin, m.actors[b.source],
                                                m.actors[b.target], b.kind.cameo, b.kind.goldstein,
                                                b.description)):
                cols[c].append(v)
            cols["path"].append(name)
    if not counts:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in EVENT_COLUMNS})
    reps = np.concatenate(replicates)
    out = pd.DataFrame({c: np.repeat(np.array(v, dtype=object), counts) for c, v in cols.items() if c != "replicate"})
    out["replicate"] = pd.array(np.where(reps < 0, 0, reps), dtype="Int64")
    out.loc[reps < 0, "replicate"] = pd.NA
    out["step"] = out["step"].astype(np.int64)
    out["goldstein"] = out["goldstein"].astype(float)
    out["date"] = pd.to_datetime(out["date"])
    return out[EVENT_COLUMNS]


def event_counts(events: pd.DataFrame, replicates: int) -> pd.DataFrame:
    """Events per path and type; decided events as mean count per replicate."""
    if events.empty:
        return pd.DataFrame(columns=["path", "origin", "id", "source", "target", "cameo",
                                     "goldstein", "first_date", "count", "per_replicate"])
    g = events.groupby(["path", "origin", "id", "source", "target", "cameo", "goldstein"],
                       observed=True, sort=False)
    out = g.agg(first_date=("date", "min"), count=("step", "size")).reset_index()
    scheduled = ~out["origin"].isin(["strategy", "reaction"])
    out["per_replicate"] = np.where(scheduled, 1.0, out["count"] / replicates)
    return out.sort_values(["path", "first_date", "id"], ignore_index=True)


def build_tables(models, cfg) -> dict[str, pd.DataFrame]:
    return {
        "summary": summary_table(models, cfg),
        "trajectories": trajectory_table(models),
        "events": event_table(models),
        "outcomes": outcome_table(models, cfg),
    }


# ------------------------------------------------------------------------ folders and files


def new_run_folder(root: Path, experiment: str) -> tuple[Path, Path]:
    """Reserve a unique run id: returns (staging folder, final folder)."""
    base = Path(root) / experiment
    base.mkdir(parents=True, exist_ok=True)
    while True:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        run_id = f"{stamp}-{secrets.token_hex(3)}"
        staging = base / f".{run_id}.partial"
        final = base / run_id
        if final.exists():
            continue
        try:
            staging.mkdir()
        except FileExistsError:
            continue
        return staging, final


def write_atomic(path: Path, write) -> None:
    """Write a file through `write(temporary path)` and rename it into place."""
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)


def git_commit() -> str:
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return commit + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for lib in ("caucasus-sim",) + LIBRARIES:
        try:
            out[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            out[lib] = "not installed"
    return out


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_run(cfg, models, tables, started: float) -> Path:
    """Write every file of a run into a staging folder and rename it into place."""
    from . import report

    staging, final = new_run_folder(Path(cfg.output_root), cfg.experiment)
    try:
        (staging / "config.yaml").write_text(OmegaConf.to_yaml(cfg, resolve=True), encoding="utf-8")
        tables["summary"].to_csv(staging / "summary.csv", index=False, float_format="%.6g")
        tables["trajectories"].to_parquet(staging / "trajectories.parquet", index=False)
        tables["events"].to_parquet(staging / "events.parquet", index=False)
        first = next(iter(models.values()))
        event_counts(tables["events"], first.R).to_csv(staging / "event_counts.csv", index=False)
        tables["outcomes"].to_csv(staging / "outcomes.csv", index=False, float_format="%.6g")
        report.write_report(staging, cfg)
        files = sorted(p for p in staging.rglob("*") if p.is_file())
        manifest = {
            "analysis": "run",
            "experiment": cfg.experiment,
            "run_id": final.name,
            "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "seed": int(cfg.seed),
            "replicates": int(first.R),
            "replicate_ids": [int(k) for k in first.replicate_ids],
            "replicate_keys": [int(k) for k in first.keys],
            "paths": list(models),
            "steps": int(first.n_steps),
            "dates": [str(first.dates[0]), str(first.dates[-1])],
            "events_after_end": {
                name: sum(1 for e in m.events if m.step_of(e.date) > m.n_steps)
                for name, m in models.items()
            },
            "versions": versions(),
            "git_commit": git_commit(),
            "command": [Path(sys.argv[0]).name] + sys.argv[1:],
            "cwd": os.getcwd(),
            "wall_time_s": round(time.perf_counter() - started, 3),
            "files": {str(p.relative_to(staging)): sha256(p) for p in files},
        }
        tmp = staging / "manifest.json.tmp"
        tmp.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        os.replace(tmp, staging / "manifest.json")
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return final


def read_manifest(folder: Path) -> dict:
    return json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))


def load_tables(folder: Path, require_complete: bool = True) -> dict[str, pd.DataFrame]:
    """Read the saved tables of a run (for reports and analysis; never re-runs the model)."""
    folder = Path(folder)
    if require_complete and not (folder / "manifest.json").is_file():
        raise FileNotFoundError(f"{folder} is not a complete results folder (no manifest.json)")
    return {
        "summary": pd.read_csv(folder / "summary.csv", parse_dates=["date"],
                               keep_default_na=False, na_values=[""]).assign(
                                   patron=lambda d: d["patron"].fillna("")),
        "outcomes": pd.read_csv(folder / "outcomes.csv", parse_dates=["date"]),
        "events": pd.read_parquet(folder / "events.parquet"),
    }
