"""The observation model: how the model's state produces each observed quantity.

A *target* is one observed value (docs/odd.md, section 8): a survey share (kind `survey`:
the share of respondents who give one option, standing for a patron, in answer to one
question in one fieldwork year) or a UN General Assembly ideal-point distance (kind
`ideal_point`) between a client and a patron in one year. Targets form *series*: one
question and option, or one dyad, over the years. The state drives each target through

    survey:       logit p[s, t] = alpha[s] + beta  * sign[s] * x[c, p](t)
    ideal point:       d[s, t] = alpha[s] + kappa * sign[s] * A[c, p](t)

with x the client's attitude toward the patron, A its alignment share, and sign -1 for a
question about enemies or threats (and for a distance: the more aligned, the closer).
Each series has its own level alpha (wording, the options offered and the agenda of a
year shift the level of an answer, not its change); the slopes beta and kappa are shared
by every series of their kind. Levels and slopes are fitted by weighted least squares to
the fit window's observations for each simulated trajectory (profiled out, not sampled),
with the slopes kept in [0, slope_max]: the calibration compares the changes the model
makes with the changes the data show.

Error: a survey share's sampling variance is deff p (1 - p) / n; an ideal point's is
ideal_point_sd^2; a model-discrepancy variance (discrepancy_sd^2 of its kind) adds to each.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import ConfigError

KINDS = ("survey", "ideal_point")
TARGET_COLUMNS = ("series", "client", "kind", "patron", "sign", "year", "value")
OPTIONAL_COLUMNS = ("n", "question", "option", "source", "citation")


@dataclass(frozen=True)
class ObservationSettings:
    """The error model and the bounds of the profiled slopes."""

    design_effect: float = 2.0
    default_n: int = 1500
    ideal_point_sd: float = 0.1
    discrepancy_sd: tuple[float, float] = (0.05, 0.1)  # survey (share), ideal point (distance)
    slope_max: float = 10.0


def read_targets(path: Path, clients: list[str], patrons: list[str]) -> pd.DataFrame:
    """A targets CSV, checked row by row: one line naming the first bad value."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"calibration.targets: no file {str(path)!r}")
    try:
        df = pd.read_csv(path, dtype={"series": str, "client": str, "kind": str, "patron": str},
                         encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not a targets CSV ({str(exc).splitlines()[0]})") from None
    missing = [c for c in TARGET_COLUMNS if c not in df.columns]
    if missing:
        raise ConfigError(f"{path}: missing column {missing[0]!r}; a targets file has {', '.join(TARGET_COLUMNS)}")
    if df.empty:
        raise ConfigError(f"{path}: no targets")
    for name, allowed in (("client", clients), ("patron", patrons), ("kind", KINDS)):
        bad = ~df[name].isin(allowed)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ConfigError(f"{path} line {i + 2}: {name} {df[name].iloc[i]!r} is unknown; "
                              f"expected one of {', '.join(allowed)}")
    _check_numbers(df, path)
    if "n" not in df.columns:
        df["n"] = np.nan
    df["n"] = pd.to_numeric(df["n"], errors="coerce")
    for c in OPTIONAL_COLUMNS[1:]:
        if c not in df.columns:
            df[c] = ""
    return df.sort_values(["series", "year"], kind="stable", ignore_index=True)


def _check_numbers(df: pd.DataFrame, path: Path) -> None:
    for name in ("sign", "year", "value"):
        values = pd.to_numeric(df[name], errors="coerce")
        bad = values.isna()
        if name == "sign":
            bad |= ~values.isin([-1, 1])
        if name == "value":
            bad |= (df["kind"] == "survey") & ~((values > 0) & (values < 1))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            allowed = {"sign": "1 or -1", "year": "a year", "value": "a number (a survey share strictly between 0 and 1)"}
            shown = df[name].iloc[i]
            shown = repr(shown.item() if isinstance(shown, np.generic) else shown)  # 1.3, not np.float64(1.3)
            raise ConfigError(f"{path} line {i + 2}: {name} {shown} is not {allowed[name]}")
        df[name] = values.astype(float if name == "value" else int)
    dup = df.duplicated(["series", "year"])
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        raise ConfigError(f"{path} line {i + 2}: series {df['series'].iloc[i]!r} has two values for {df['year'].iloc[i]}")
    clash = df.groupby("series")[["client", "kind", "patron", "sign"]].nunique().max(axis=1) > 1
    if clash.any():
        raise ConfigError(f"{path}: series {clash.index[clash][0]!r} mixes clients, kinds, patrons or signs")


# ------------------------------------------------------------------------ validation data


def ideal_points() -> pd.DataFrame:
    """The Bailey-Strezhnev-Voeten UN ideal points shipped for validation (package data
    calibration/unga_ideal_points.csv: ARM, AZE, GEO, RUS, TUR and USA 2013-2023, every
    member 2021 and 2023; all votes and final passage). No calibration or forecast reads them: their targets are
    targets.csv, which stops in 2021."""
    path = resources.files("caucasus_sim") / "data" / "calibration" / "unga_ideal_points.csv"
    return pd.read_csv(str(path))


def distance_change(points: pd.DataFrame, client: str, patron: str, first: int, last: int,
                    measure: str = "ideal_point") -> dict[str, float]:
    """The change `first` -> `last` of the ideal-point distance |x_client - x_patron| and
    what each side's own move makes of it: `client` + `patron` = `change` while the two stay
    on the same sides of each other. Countries are ISO3 codes (`un_country`); the
    measure is `ideal_point` (all votes, as the targets) or `ideal_point_fp` (final passage)."""
    x = points.set_index(["country", "year"])[measure]
    c0, c1, p0, p1 = x[client, first], x[client, last], x[patron, first], x[patron, last]
    side = np.sign(c0 - p0)
    return {"change": float(abs(c1 - p1) - abs(c0 - p0)), "client": float(side * (c1 - c0)),
            "patron": float(-side * (p1 - p0))}


def un_country(patron: str) -> str:
    """The UN member whose ideal point stands for a patron: the USA for WEST, else itself."""
    return "USA" if patron == "WEST" else patron


def patron_held(targets: pd.DataFrame, points: pd.DataFrame, until: int) -> pd.DataFrame:
    """The targets with each ideal-point distance recomputed with the patron held still at
    its mean position over the years up to `until`: |x_client(t) - mean x_patron|. What is
    left of a distance's changes is then the client's own moves, on whichever side of the
    patron it sits."""
    x = points.set_index(["country", "year"])["ideal_point"]
    years = range(int(points["year"].min()), until + 1)
    out = targets.copy()
    ip = np.flatnonzero(out["kind"].to_numpy() == "ideal_point")
    held = {p: np.mean([x[un_country(p), y] for y in years]) for p in out["patron"].iloc[ip].unique()}
    for i in ip:
        out.at[i, "value"] = abs(x[out.at[i, "client"], int(out.at[i, "year"])] - held[out.at[i, "patron"]])
    return out


# ------------------------------------------------------------------------ the links


def observation_variance(targets: pd.DataFrame, settings: ObservationSettings) -> np.ndarray:
    """The sampling variance of each observed value (in its own units)."""
    p = targets["value"].to_numpy()
    n = targets["n"].fillna(settings.default_n).to_numpy(dtype=float)
    survey = targets["kind"].to_numpy() == "survey"
    return np.where(survey, settings.design_effect * p * (1.0 - p) / n, settings.ideal_point_sd ** 2)


def discrepancy_variance(targets: pd.DataFrame, settings: ObservationSettings) -> np.ndarray:
    survey = targets["kind"].to_numpy() == "survey"
    return np.where(survey, settings.discrepancy_sd[0] ** 2, settings.discrepancy_sd[1] ** 2)


def logit(p):
    return np.log(p) - np.log1p(-p)


def expit(z):
    return 1.0 / (1.0 + np.exp(-z))


@dataclass(frozen=True)
class Links:
    """Fitted levels (alpha, per target through its series) and slopes (per target through
    its kind), for P parameter points: arrays of shape (P, targets)."""

    alpha: np.ndarray
    slope: np.ndarray
    survey: np.ndarray  # (targets,) bool

    def predict(self, z: np.ndarray) -> np.ndarray:
        """Observed values from drivers z = sign * x or sign * A, shape (P, ..., targets)."""
        shape = (self.alpha.shape[0],) + (1,) * (z.ndim - 2) + (self.alpha.shape[1],)
        linear = self.alpha.reshape(shape) + self.slope.reshape(shape) * z
        return np.where(self.survey, expit(linear), linear)


@dataclass(frozen=True)
class LinkFit:
    """What the links are fitted from: the observations in link units, their weights (0
    outside the fit window), each target's series indicator and each series' total weight.
    Built once per fit window (`LinkFit.of`); its methods fit the links for any drivers."""

    survey: np.ndarray
    y_link: np.ndarray
    w: np.ndarray
    S: np.ndarray  # (targets, series) indicator
    w_s: np.ndarray  # (series,) total weight (1 for a series with none)
    has: np.ndarray  # (series,) any weight
    slope_max: float

    @classmethod
    def of(cls, targets: pd.DataFrame, fit: np.ndarray, settings: ObservationSettings) -> LinkFit:
        survey = targets["kind"].to_numpy() == "survey"
        y = targets["value"].to_numpy()
        var = observation_variance(targets, settings) + discrepancy_variance(targets, settings)
        y_link = np.where(survey, logit(np.clip(y, 1e-6, 1 - 1e-6)), y)
        var_link = np.where(survey, var / (y * (1.0 - y)) ** 2, var)
        w = np.where(fit, 1.0 / var_link, 0.0)
        series = pd.factorize(targets["series"])[0]
        S = np.zeros((len(targets), series.max() + 1))
        S[np.arange(len(targets)), series] = 1.0
        w_s = w @ S
        return cls(survey, y_link, w, S, np.where(w_s > 0, w_s, 1.0), w_s > 0, settings.slope_max)

    def series_mean(self, v: np.ndarray) -> np.ndarray:
        """The weighted mean of each series (over the fit window), broadcast back to its targets."""
        return ((v * self.w) @ self.S / self.w_s) @ self.S.T

    def centred(self, z_mean: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return z_mean - self.series_mean(z_mean), self.y_link - self.series_mean(self.y_link[None, :])

    def links(self, z_mean: np.ndarray, slope: np.ndarray) -> Links:
        """The links with the given slopes (P, targets) and the levels that best carry them
        onto the fit window's observations."""
        alpha = self.series_mean(self.y_link[None, :] - slope * z_mean) * (self.has @ self.S.T > 0)
        return Links(alpha=alpha, slope=slope, survey=self.survey)

    def fitted(self, z_mean: np.ndarray) -> Links:
        """Levels and slopes that best carry the mean drivers `z_mean` (P, targets) onto the
        fit window's observations, weighted by the inverse of each observation's variance in
        link units (observation plus discrepancy). A series with no observation in the fit
        window keeps level 0; a slope with no change to fit is 0."""
        zc, yc = self.centred(z_mean)
        slope = np.zeros_like(z_mean)
        for kind in (True, False):
            sel = self.survey == kind
            num = (self.w * zc * yc)[:, sel].sum(axis=1)
            den = (self.w * zc * zc)[:, sel].sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                b = np.where(den > 0, num / den, 0.0)
            slope[:, sel] = np.clip(b, 0.0, self.slope_max)[:, None]
        return self.links(z_mean, slope)

    def slope_sd(self, z_mean: np.ndarray, links: Links) -> np.ndarray:
        """The sampling sd of each fitted slope (P, targets, through its kind): the
        cluster-robust (sandwich) variance with the series as clusters (Liang and Zeger 1986;
        CR1's G / (G - 1) for G series), since a series' residuals about its level are
        correlated (a discrepancy that wanders) and its waves are not independent information
        on the slope. 0 for a kind with fewer than two series in the fit window."""
        zc, yc = self.centred(z_mean)
        score = self.w * zc * (yc - links.slope * zc)  # each target's share of the slope's estimating equation
        out = np.zeros_like(z_mean)
        for kind in (True, False):
            sel = self.survey == kind
            clusters = self.has & (self.S[sel].sum(axis=0) > 0)
            g = int(clusters.sum())
            den = (self.w * zc * zc)[:, sel].sum(axis=1)
            if g < 2:
                continue
            meat = ((score[:, sel] @ self.S[sel]) ** 2).sum(axis=1) * g / (g - 1)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[:, sel] = np.where(den > 0, np.sqrt(meat) / den, 0.0)[:, None]
        return out


def fit_links(z_mean: np.ndarray, targets: pd.DataFrame, fit: np.ndarray,
              settings: ObservationSettings) -> Links:
    """The links fitted to the observations of the fit window (`fit`, a bool per target):
    `LinkFit.fitted`, for a caller that fits once."""
    return LinkFit.of(targets, fit, settings).fitted(z_mean)


def implausibility(observed: np.ndarray, sim_mean: np.ndarray, sim_var: np.ndarray,
                   obs_var: np.ndarray, disc_var: np.ndarray) -> np.ndarray:
    """|observed - E[simulated]| / sqrt(obs var + discrepancy var + simulation var), per
    point and target (History Matching: Craig et al. 1997; Vernon et al. 2010)."""
    return np.abs(observed - sim_mean) / np.sqrt(obs_var + disc_var + sim_var)


def drivers(attitude: np.ndarray, alignment: np.ndarray, rows: np.ndarray, targets: pd.DataFrame,
            clients: list[str], patrons: list[str]) -> np.ndarray:
    """z = sign * x[c, p] (surveys) or sign * A[c, p] (ideal points) for every target, from
    records of shape (recorded steps, R, C, P) and each target's record row: (R, targets)."""
    c = targets["client"].map({k: i for i, k in enumerate(clients)}).to_numpy()
    p = targets["patron"].map({k: i for i, k in enumerate(patrons)}).to_numpy()
    survey = (targets["kind"].to_numpy() == "survey")
    sign = targets["sign"].to_numpy(dtype=float)
    x = attitude[rows, :, c, p]  # (targets, R)
    a = alignment[rows, :, c, p]
    return (sign[:, None] * np.where(survey[:, None], x, a)).T
