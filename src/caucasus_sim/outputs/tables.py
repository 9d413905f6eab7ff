"""Tidy tables from finished models: what a run's folder holds, computed in memory.

- summary: per path, step, client, metric (`alignment_share`, `attitude`, `grievance`,
  the balance) and patron: mean and 5/50/95% quantiles over the replicates;
- trajectories: per path, replicate, step, client and patron;
- events: the event log (scheduled events once, decided events per replicate), with each
  event's magnitude before its effect noise;
- outcomes: per path, replicate, client and outcome date: balance and alignment shares.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from ..config import balance_axes

QUANTILES = {"q05": 0.05, "q50": 0.5, "q95": 0.95}


BALANCE = "balance"  # the metric and column of each client's balance A[c, plus] - A[c, minus]
NONE = "none"  # the outside option's "patron" in alignment shares (non-alignment)


def axis_names(cfg) -> dict[str, str] | None:
    """Each client's balance axis as a label "PLUS-MINUS" (the `axis` column), or None."""
    axes = balance_axes(cfg)
    return None if axes is None else {c: f"{plus}-{minus}" for c, (plus, minus) in axes.items()}


# ------------------------------------------------------------------------ tables


RECORD_COLUMNS = {"alignment": "alignment_share", "attitude": "attitude", "influence": "influence",
                  "grievance": "grievance", "tie": "tie_strength"}


def stored_steps(model, stride: int) -> np.ndarray:
    """The recorded steps the trajectories keep: every `stride`-th step, and the last."""
    steps = model.recorded_steps
    return steps[(steps % stride == 0) | (steps == steps[-1])]


def trajectory_table(models, stride: int = 1, dtype=np.float64, paths: list[str] | None = None) -> pd.DataFrame:
    """One row per (path, replicate, stored step, client, patron); values in `dtype`; the
    path column's categories are `paths` (default: the models' own)."""
    first = next(iter(models.values()))
    paths = list(models) if paths is None else paths
    codes = [paths.index(name) for name in models]
    steps = stored_steps(first, stride)
    rows = np.array([first.row_of(int(t)) for t in steps])
    S, R, C, P = len(steps), first.R, len(first.clients), len(first.patrons)
    n = S * R * C * P
    per_row = np.repeat(np.arange(S), R * C * P)
    cat = pd.Categorical.from_codes
    return pd.DataFrame(
        {
            "path": cat(np.repeat(np.array(codes, dtype=np.int16), n), paths),
            "replicate": np.tile(np.tile(np.repeat(first.replicate_ids, C * P), S), len(models)),
            "step": np.tile(steps[per_row], len(models)),
            "date": np.tile(np.array(first.dates, dtype="datetime64[D]")[steps[per_row]], len(models)),
            "client": cat(np.tile(np.repeat(np.arange(C), P), S * R * len(models)), first.clients),
            "patron": cat(np.tile(np.arange(P), S * R * C * len(models)), first.patrons),
            **{
                column: np.concatenate([getattr(m, f"{name}_record")[rows].astype(dtype, copy=False).reshape(-1)
                                        for m in models.values()])
                for name, column in RECORD_COLUMNS.items()
            },
        }
    )


def _stats(values: np.ndarray) -> dict[str, np.ndarray]:
    """Mean and quantiles over the replicate axis (axis 1)."""
    out = {"mean": values.mean(axis=1)}
    ordered = np.sort(values, axis=1)
    for key, q in QUANTILES.items():
        out[key] = sorted_quantile(ordered, q)
    return out


def sorted_quantile(ordered: np.ndarray, q: float) -> np.ndarray:
    """np.quantile(values, q, axis=1) (its default, linear method), bit for bit, of values
    already sorted along axis 1 (finite, as every recorded value is): sorting once and
    reading each quantile costs a quarter of np.quantile's selection per quantile."""
    n = ordered.shape[1]
    index = (n - 1) * q  # numpy's virtual index of the linear method
    low = n - 1 if index >= n - 1 else int(np.floor(index))
    gamma = index - low if index < n - 1 else 0.0
    a, b = ordered[:, low], ordered[:, min(low + 1, n - 1)]
    diff = b - a
    return b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma  # numpy's _lerp


def summary_table(models, cfg) -> pd.DataFrame:
    """Per step, path, client, metric (and patron): mean and 5/50/95% quantiles; the balance
    rows name their axis."""
    axes = axis_names(cfg)
    rows = []
    for name, m in models.items():
        steps = m.recorded_steps
        dates = pd.to_datetime(np.array(m.dates, dtype="datetime64[D]")[steps])
        metrics = {
            "alignment_share": m.alignment_record,
            "attitude": m.attitude_record,
            "grievance": m.grievance_record,
            "tie_strength": m.tie_record,
        }
        for metric, arr in metrics.items():
            st = _stats(arr)  # each (S, C, P)
            for ci, client in enumerate(m.clients):
                for pi, patron in enumerate(m.patrons):
                    rows.append(pd.DataFrame({
                        "path": name, "step": steps, "date": dates, "client": client,
                        "metric": metric, "patron": patron, "axis": "",
                        **{k: v[:, ci, pi] for k, v in st.items()},
                    }))
        if "nonalignment" in m.records:  # the outside option, as the "patron" none
            st = _stats(m.nonalignment_record)  # (S, C)
            for ci, client in enumerate(m.clients):
                rows.append(pd.DataFrame({
                    "path": name, "step": steps, "date": dates, "client": client,
                    "metric": "alignment_share", "patron": NONE, "axis": "",
                    **{k: v[:, ci] for k, v in st.items()},
                }))
        if axes:
            st = _stats(m.balance())  # (S, C)
            for ci, client in enumerate(m.clients):
                rows.append(pd.DataFrame({
                    "path": name, "step": steps, "date": dates, "client": client,
                    "metric": BALANCE, "patron": "", "axis": axes[client],
                    **{k: v[:, ci] for k, v in st.items()},
                }))
    return pd.concat(rows, ignore_index=True)


def model_outcomes(model, cfg, path: str) -> pd.DataFrame:
    """One model's rows per (replicate, client, outcome date): balance (on the client's axis)
    and alignment shares."""
    axes = axis_names(cfg)
    C = len(model.clients)
    frames = []
    for label, t in model.outcome_steps:
        row = model.row_of(t)
        A = model.alignment_record[row]  # (R, C, P)
        cols = {
            "path": path,
            "replicate": np.repeat(model.replicate_ids, C),
            "client": np.tile(model.clients, model.R),
            "outcome": label,
            "date": pd.Timestamp(model.dates[t]),
        }
        if axes:
            cols[BALANCE] = model.balance()[row].reshape(-1)
            cols["axis"] = np.tile([axes[c] for c in model.clients], model.R)
        for pi, patron in enumerate(model.patrons):
            cols[f"alignment_share_{patron}"] = A[:, :, pi].reshape(-1)
        if "nonalignment" in model.records:
            cols[f"alignment_share_{NONE}"] = model.nonalignment_record[row].reshape(-1)
        frames.append(pd.DataFrame(cols))
    return pd.concat(frames, ignore_index=True)


def outcome_table(models, cfg) -> pd.DataFrame:
    """Per replicate, path, client and outcome date: balance and alignment shares."""
    return pd.concat([model_outcomes(m, cfg, name) for name, m in models.items()], ignore_index=True)


EVENT_COLUMNS = ["path", "replicate", "step", "date", "id", "origin", "source", "target",
                 "cameo", "goldstein", "magnitude", "description", "count"]
_EVENT_TEXT = ("id", "origin", "source", "target", "cameo", "description")  # stored as categories


def event_table(models) -> pd.DataFrame:
    """The event log: scheduled events once (replicate empty), decided events per replicate,
    with `count` the events of that row (more than one where a Poisson count fired several
    events of one action in one step). Text columns are categories, sorted."""
    return _categorised([_path_events(name, m) for name, m in models.items() if m.event_log])


def _categorised(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Paths' event rows in one table, with the categories of every path together, sorted."""
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in EVENT_COLUMNS})
    text = {c: union_categoricals([f[c] for f in frames], sort_categories=True) for c in ("path", *_EVENT_TEXT)}
    out = pd.concat([f.drop(columns=list(text)) for f in frames], ignore_index=True)
    return out.assign(**text)[EVENT_COLUMNS]


def _path_events(name: str, m) -> pd.DataFrame:
    """One path's event log as rows: each batch repeated once per replicate it reached."""
    log = m.event_log
    n = np.array([1 if reps is None else len(reps) for _, _, reps in log])
    reps = np.concatenate([np.array([-1]) if reps is None else m.replicate_ids[reps] for _, _, reps in log])
    counts = np.concatenate([np.ones(k, dtype=np.int64) if b.count is None else np.asarray(b.count, dtype=np.int64)
                             for k, (_, b, _) in zip(n, log)])
    text = {"id": [b.id for _, b, _ in log], "origin": [b.origin for _, b, _ in log],
            "source": [m.actors[b.source] for _, b, _ in log], "target": [m.actors[b.target] for _, b, _ in log],
            "cameo": [b.kind.cameo for _, b, _ in log], "description": [b.description for _, b, _ in log]}
    cols = {}
    for c, values in text.items():  # coded per batch, then repeated: no Python object per row
        cats, codes = np.unique(np.array(values, dtype=object).astype(str), return_inverse=True)
        cols[c] = pd.Categorical.from_codes(np.repeat(codes, n), cats)
    dates = np.array([b.date if b.date is not None else m.dates[t] for t, b, _ in log], dtype="datetime64[D]")
    replicate = pd.array(np.where(reps < 0, 0, reps), dtype="Int64")
    replicate[reps < 0] = pd.NA
    return pd.DataFrame({
        "path": pd.Categorical.from_codes(np.zeros(len(reps), dtype=np.int8), [name]), "replicate": replicate, "step": np.repeat([t for t, _, _ in log], n).astype(np.int64),
        "date": pd.to_datetime(np.repeat(dates, n)), **cols,
        "goldstein": np.repeat([b.kind.goldstein for _, b, _ in log], n).astype(float),
        "magnitude": np.concatenate([_magnitudes(b.magnitude, k) for k, (_, b, _) in zip(n, log)]), "count": counts})


def _magnitudes(magnitude, n: int) -> np.ndarray:
    """A batch's magnitude on each of its n rows: one per listed replicate, or one number
    (the mean, where the points of a batch give a scheduled event one magnitude per row)."""
    m = np.asarray(magnitude, dtype=float)
    if m.ndim and len(m) == n:
        return m
    return np.full(n, m.mean() if m.ndim else float(m))


def event_counts(events: pd.DataFrame, replicates: int) -> pd.DataFrame:
    """Events per path and type; decided events as mean count per replicate."""
    if events.empty:
        return pd.DataFrame(columns=["path", "origin", "id", "source", "target", "cameo",
                                     "goldstein", "first_date", "count", "per_replicate"])
    g = events.groupby(["path", "origin", "id", "source", "target", "cameo", "goldstein"],
                       observed=True, sort=False)
    out = g.agg(first_date=("date", "min"), count=("count", "sum")).reset_index()
    scheduled = ~out["origin"].isin(["strategy", "reaction"])
    out["per_replicate"] = np.where(scheduled, 1.0, out["count"] / replicates)
    return out.sort_values(["path", "first_date", "id"], ignore_index=True)


def build_tables(models, cfg) -> dict[str, pd.DataFrame]:
    """Every table of a run, keyed by the stem of its file (RUN_FILES); the trajectories at
    the stride and precision of `cfg.store` (empty if the stride is 0)."""
    return combine_tables([path_tables(name, m, cfg) for name, m in models.items()])


def path_tables(name: str, model, cfg) -> dict[str, pd.DataFrame]:
    """The rows of one path's model in every table (a run builds them a path at a time, so
    that one model's records are in memory at once)."""
    stride, dtype = int(cfg.store.trajectory_stride), np.dtype(cfg.store.trajectory_precision)
    one = {name: model}
    return {
        "summary": summary_table(one, cfg),
        "trajectories": trajectory_table(one, stride, dtype, list(cfg.paths)) if stride > 0 else pd.DataFrame(),
        "events": event_table(one),
        "outcomes": outcome_table(one, cfg),
        "replicates": model.R,
    }


def combine_tables(parts: list[dict]) -> dict[str, pd.DataFrame]:
    """The tables of a run from its paths' rows (`path_tables`), in path order, with one
    dtype per key column in every table (`categorical_keys`)."""
    tables = {name: pd.concat([p[name] for p in parts], ignore_index=True)
              for name in ("summary", "trajectories", "outcomes")}
    tables["events"] = _categorised([p["events"] for p in parts])
    tables = categorical_keys(tables)
    tables["event_counts"] = event_counts(tables["events"], parts[0]["replicates"])
    return tables


KEY_COLUMNS = ("path", "client", "patron", "metric", "axis", "outcome")


def in_order(column: pd.Series) -> list:
    """The distinct values of a column in the order they first appear (vectorised: a run's
    key columns hold a million Arrow strings, which are slow to walk one by one)."""
    return list(column.unique())


def categorical_keys(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Every key column of a run's tables (path, client, patron, metric, axis, outcome) as a
    categorical whose categories are in the run's order: paths as configured, clients and
    patrons as the actors list them (then the outside option `none`, and "" where a row has
    no patron), metrics and outcome dates as the model records them. Written to CSV, the
    text is the same; in memory, tables sort, group and join alike."""
    summary = tables["summary"]
    order = {c: in_order(summary[c]) for c in ("path", "client", "metric", "axis")}
    order["patron"] = in_order(summary.loc[summary["metric"] == "alignment_share", "patron"])
    order["patron"] += [p for p in in_order(summary["patron"]) if p not in order["patron"]]
    order["outcome"] = in_order(tables["outcomes"]["outcome"])
    return {name: table.assign(**{c: _categorical(table[c], order[c], c in ("patron", "axis"))
                                  for c in KEY_COLUMNS if c in table.columns})
            for name, table in tables.items()}


def _categorical(column: pd.Series, order: list[str], present_only: bool) -> pd.Series:
    """`column` as a categorical in `order` (only the values it holds, if `present_only`)."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype(str).astype("category")
    held = list(column.cat.remove_unused_categories().cat.categories)
    categories = [k for k in order if k in held] if present_only else list(order)
    return column.cat.set_categories(categories + [k for k in held if k not in categories])


RUN_FILES = {"summary": "summary.csv", "trajectories": "trajectories.parquet", "events": "events.parquet",
             "event_counts": "event_counts.csv", "outcomes": "outcomes.csv"}
IMPORTS_FILE = "imports.csv"  # a run whose paths read event-data exports: what each import kept


def load_tables(folder: Path) -> dict[str, pd.DataFrame]:
    """The saved summary, outcome and event tables of a run folder (for reports; the
    trajectories are read where needed, a few columns and steps at a time)."""
    folder = Path(folder)
    return {
        "summary": pd.read_csv(folder / RUN_FILES["summary"], parse_dates=["date"], keep_default_na=False,
                               dtype={"path": str, "client": str, "metric": str, "patron": str, "axis": str}),
        "outcomes": pd.read_csv(folder / RUN_FILES["outcomes"], parse_dates=["date"]),
        "events": pd.read_parquet(folder / RUN_FILES["events"]),
        "imports": pd.read_csv(folder / IMPORTS_FILE) if (folder / IMPORTS_FILE).is_file() else pd.DataFrame(),
    }
