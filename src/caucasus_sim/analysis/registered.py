"""Registered forecasts: read one, check later data against it, and score it.

A *registered forecast folder* is written once, before the data it forecasts exist:

- `forecast.csv`: method (model and the baselines), series, client, kind, patron, sign,
  year, horizon and the quantiles q01 ... q99; one row per method, series and year after
  the cut-off;
- `forecast.json`: cutoff (data up to and including this year were used), model_version,
  path, events_after_cutoff and levels (0.01 ... 0.99);
- `manifest.json`, as the results bundle writes it: it records the SHA-256 of both files,
  and its own SHA-256 identifies the registration (what a user publishes).

`read_forecast` checks the folder and `check_targets` the later data (a targets file as
`read_targets` reads it); each refuses with one line naming the first bad value.
`score_registered` scores every method on every target the data hold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import ConfigError
from ..model.observation import read_targets
from ..outputs.bundle import MANIFEST, sha256
from .scores import LEVELS, quantile_columns, skill_table, summarise, target_scores

FORECAST_CSV, FORECAST_JSON = "forecast.csv", "forecast.json"
ID_COLUMNS = ("method", "series", "client", "kind", "patron", "sign", "year", "horizon")
META_KEYS = ("cutoff", "model_version", "path", "events_after_cutoff", "levels")
MODEL = "model"


@dataclass(frozen=True)
class RegisteredForecast:
    folder: Path
    table: pd.DataFrame  # forecast.csv
    meta: dict           # forecast.json

    @property
    def cutoff(self) -> int:
        return int(self.meta["cutoff"])

    @property
    def last_year(self) -> int:
        return int(self.table["year"].max())

    @property
    def methods(self) -> list[str]:
        return [MODEL] + sorted(set(self.table["method"]) - {MODEL})


def _read_meta(folder: Path) -> dict:
    where = folder / FORECAST_JSON
    try:
        meta = json.loads(where.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ConfigError(f"{where}: not JSON ({str(exc).splitlines()[0]})") from None
    missing = [k for k in META_KEYS if not isinstance(meta, dict) or k not in meta]
    if missing:
        raise ConfigError(f"{where}: no key {missing[0]!r}; a registered forecast records {', '.join(META_KEYS)}")
    if isinstance(meta["cutoff"], bool) or not isinstance(meta["cutoff"], int):
        raise ConfigError(f"{where}: cutoff {meta['cutoff']!r} is not a year")
    levels = meta["levels"]
    if not isinstance(levels, list) or len(levels) != len(LEVELS) or not np.allclose(levels, LEVELS):
        raise ConfigError(f"{where}: levels are not 0.01, 0.02, ..., 0.99 (99 levels)")
    return meta | {"manifest_sha256": _registration(folder)}


def _registration(folder: Path) -> str:
    """The manifest's SHA-256, once the forecast's files are the ones it recorded."""
    try:
        files = json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("files", {})
    except (ValueError, AttributeError):
        raise ConfigError(f"{folder / MANIFEST}: not a results manifest") from None
    for name in (FORECAST_CSV, FORECAST_JSON):
        if not isinstance(files, dict) or files.get(name) != sha256(folder / name):
            raise ConfigError(f"{folder / name}: its SHA-256 is not the one {MANIFEST} recorded; "
                              "the folder was changed after it was registered")
    return sha256(folder / MANIFEST)


def _read_table(folder: Path, cutoff: int) -> pd.DataFrame:
    where = folder / FORECAST_CSV
    try:
        table = pd.read_csv(where, dtype={c: str for c in ("method", "series", "client", "kind", "patron")})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{where}: not a forecast table ({str(exc).splitlines()[0]})") from None
    missing = [c for c in (*ID_COLUMNS, *quantile_columns()) if c not in table.columns]
    if missing:
        raise ConfigError(f"{where}: missing column {missing[0]!r}; a forecast has {', '.join(ID_COLUMNS)}, q01 ... q99")
    if MODEL not in set(table["method"]):
        raise ConfigError(f"{where}: no rows of method {MODEL!r}; methods: {', '.join(sorted(set(table['method'])))}")
    for c in ("sign", "year", "horizon"):
        values = pd.to_numeric(table[c], errors="coerce")
        if values.isna().any() or (values != values.round()).any():
            i = int(np.flatnonzero(values.isna() | (values != values.round()))[0])
            raise ConfigError(f"{where} line {i + 2}: {c} {table[c].iloc[i]!r} is not a whole number")
        table[c] = values.astype(int)
    q = table[quantile_columns()].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    checks = [(~np.isfinite(q).all(axis=1), "quantiles that are not all numbers"),
              (np.diff(q, axis=1).min(axis=1) < 0, "quantiles that decrease from one level to the next"),
              (table["year"] <= cutoff, f"a year at or before the cut-off {cutoff}"),
              (table["horizon"] != table["year"] - cutoff, f"a horizon that is not year - {cutoff}"),
              (table.duplicated(["method", "series", "year"]), "a second row for the same method, series and year")]
    for bad, what in checks:
        if np.any(bad):
            i = int(np.flatnonzero(bad)[0])
            raise ConfigError(f"{where} line {i + 2}: {table['method'].iloc[i]} {table['series'].iloc[i]!r} "
                              f"{table['year'].iloc[i]} has {what}")
    return table


def read_forecast(folder: Path) -> RegisteredForecast:
    """A registered forecast folder, checked (see the module); a ConfigError of one line if not."""
    folder = Path(folder)
    for name in (FORECAST_CSV, FORECAST_JSON, MANIFEST):
        if not (folder / name).is_file():
            raise ConfigError(f"{folder}: no {name}; a registered forecast folder holds {FORECAST_CSV}, "
                              f"{FORECAST_JSON} and {MANIFEST}")
    meta = _read_meta(folder)
    return RegisteredForecast(folder, _read_table(folder, int(meta["cutoff"])), meta)


def check_targets(forecast: RegisteredForecast, path: Path) -> pd.DataFrame:
    """The later data (a targets file, checked by `read_targets` against the forecast's
    clients and patrons), each row a series and year the forecast holds."""
    f = forecast.table
    if not Path(path).is_file():
        raise ConfigError(f"targets: no file {str(path)!r}; give the later data as a targets CSV")
    targets = read_targets(Path(path), sorted(set(f["client"])), sorted(set(f["patron"])))
    known = f[f["method"] == MODEL].drop_duplicates("series").set_index("series")
    years = set(zip(f.loc[f["method"] == MODEL, "series"], f.loc[f["method"] == MODEL, "year"]))
    for i, r in targets.iterrows():
        where = f"{path}: series {r['series']!r}, {r['year']}"
        if r["series"] not in known.index:
            some = ", ".join(list(known.index[:3]))
            raise ConfigError(f"{path}: series {r['series']!r} is not in the forecast; it forecasts "
                              f"{len(known)} series, e.g. {some}")
        if r["year"] <= forecast.cutoff:
            raise ConfigError(f"{where}: at or before the forecast's cut-off {forecast.cutoff}; only later years "
                              "can be scored")
        if r["year"] > forecast.last_year:
            raise ConfigError(f"{where}: after the forecast's last year {forecast.last_year}")
        if (r["series"], r["year"]) not in years:
            raise ConfigError(f"{where}: the forecast has no {MODEL} row for this year")
        k = known.loc[r["series"]]
        clash = [c for c in ("client", "kind", "patron", "sign") if str(k[c]) != str(r[c])]
        if clash:
            raise ConfigError(f"{where}: {clash[0]} {r[clash[0]]!r}, but the forecast's series has {k[clash[0]]!r}")
    return targets


@dataclass
class ScoredForecast:
    scores: pd.DataFrame   # per target and method
    summary: pd.DataFrame  # score_table
    skill: pd.DataFrame    # skill_table
    missing: list[str] = field(default_factory=list)  # methods with no forecast of some target


def score_registered(forecast: RegisteredForecast, targets: pd.DataFrame) -> ScoredForecast:
    """Every method's forecast of every target scored: per target, summarised and as the
    model's skill against each baseline."""
    frame = targets.assign(origin=forecast.cutoff, horizon=targets["year"] - forecast.cutoff,
                           observed=targets["value"])[["series", "client", "kind", "patron", "origin", "year",
                                                       "horizon", "observed"]]
    quantiles, missing = {}, []
    for method in forecast.methods:
        rows = forecast.table[forecast.table["method"] == method].set_index(["series", "year"])
        keys = pd.MultiIndex.from_frame(frame[["series", "year"]])
        if not keys.isin(rows.index).all():
            missing.append(method)
            continue
        quantiles[method] = rows.loc[keys, quantile_columns()].to_numpy(dtype=float)
    if MODEL in missing:
        raise ConfigError(f"{forecast.folder / FORECAST_CSV}: the model has no forecast of some targets")
    scores = target_scores(frame, quantiles)
    summary = summarise(scores)
    return ScoredForecast(scores, summary, skill_table(summary, MODEL), missing)
