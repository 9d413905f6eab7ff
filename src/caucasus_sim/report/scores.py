"""The report of a scored registered forecast, from its saved tables (and config.yaml) only;
the forecast experiment's report (`report.forecast`) shares its sections."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import plots
from .document import Document, Figures, Section, subplots, table, text

FILES = {"scores": "scores.csv", "summary": "summary.csv", "skill": "skill.csv"}
KIND_NAMES = {"survey": "survey shares", "ideal_point": "UN ideal-point distances"}


def scale_of(kind: str) -> tuple[float, str]:
    """Survey scores are saved as shares and shown in percentage points."""
    return (100.0, " pp") if kind == "survey" else (1.0, "")


def kinds_of(scores: pd.DataFrame) -> list[str]:
    return [k for k in ("survey", "ideal_point") if k in set(scores["kind"])] + \
        sorted(set(scores["kind"]) - {"survey", "ideal_point"})


def verdict(skill: pd.DataFrame, kind: str) -> str:
    """Whether the model beats persistence on `kind`, pooled over origins, by CRPS."""
    row = skill[(skill["kind"] == kind) & (skill["origin"].astype(str) == "all") & (skill["baseline"] == "persistence")]
    if row.empty:
        return "no persistence forecast to compare with"
    r = row.iloc[0]
    scale, unit = scale_of(kind)
    beats = r["crps_model"] < r["crps_baseline"]
    return (f"the model's CRPS is {r['crps_model'] * scale:.3g}{unit} against {r['crps_baseline'] * scale:.3g}{unit} "
            f"for persistence (skill {r['crps_skill']:+.2f}): **it {'beats' if beats else 'does not beat'} persistence**")


def _first_upper(s: str) -> str:
    return s[:1].upper() + s[1:]


def comparison_section(summary: pd.DataFrame, skill: pd.DataFrame, kinds: list[str]) -> Section:
    pooled = summary[(summary["origin"].astype(str) == "all") & (summary["horizon"].astype(str) == "all")]
    rows = []
    for kind in kinds:
        scale, unit = scale_of(kind)
        for _, r in pooled[pooled["kind"] == kind].iterrows():
            rows.append([text(KIND_NAMES.get(kind, kind)), text(r["method"]), str(int(r["n"])),
                         f"{r['crps'] * scale:.3g}{unit}", f"{r['mae'] * scale:.3g}{unit}",
                         f"{r['coverage_50']:.2f}", f"{r['coverage_90']:.2f}"])
    lines = [f"- {_first_upper(text(KIND_NAMES.get(k, k)))}: {verdict(skill, k)}." for k in kinds]
    reading = ("\n".join(lines) + "\n\n"
               + table(["kind", "method", "targets", "CRPS", "MAE of the median", "50% coverage", "90% coverage"], rows)
               + "\n\nCRPS and MAE are means over the targets, in percentage points for survey shares and in "
               "ideal-point units for distances; lower is better. Coverage is the share of observations inside "
               "the central 50% and 90% intervals (nominal 0.50 and 0.90).")
    return Section("The model against the baselines", None, "", reading)


def pit_section(scores: pd.DataFrame, kinds: list[str], figs: Figures) -> Section:
    fig, axes = subplots(plots.SINGLE_COLUMN * 2, 2.2, 1, len(kinds), squeeze=False, sharey=True)
    model = scores[scores["method"] == "model"]
    for ax, kind in zip(axes[0], kinds):
        plots.plot_pit_histogram(model.loc[model["kind"] == kind, "pit"].to_numpy(), ax=ax)
        ax.set_title(f"{KIND_NAMES.get(kind, kind)} (n = {int((model['kind'] == kind).sum())})")
    for ax in axes[0][1:]:
        ax.set_ylabel("")
    image = figs.save(fig, "pit_by_kind")
    caption = ("Where each observation fell in the model's forecast (its PIT), per kind, in ten bins; the dashed "
               "line is what a calibrated forecast gives. Piles at the ends: intervals too narrow.")
    ends = float(((model["pit"] < 0.1) | (model["pit"] > 0.9)).mean()) if len(model) else float("nan")
    reading = (f"{ends:.0%} of the observations fall in the outer tenths of the model's forecasts, against 20% "
               "for a calibrated forecast.")
    return Section("Calibration: PIT histograms", image, caption, reading)


def coverage_section(summary: pd.DataFrame, kinds: list[str], figs: Figures) -> Section:
    fig, axes = subplots(plots.SINGLE_COLUMN * 2, 2.5, 1, len(kinds), squeeze=False, sharey=True)
    methods = ["model"] + sorted(set(summary["method"]) - {"model"})
    for ax, kind in zip(axes[0], kinds):
        plots.plot_coverage_by_horizon(summary[summary["kind"] == kind], ax=ax, methods=methods)
        ax.set_title(KIND_NAMES.get(kind, kind))
    for ax in axes[0][1:]:
        ax.set_ylabel("")
    fig.legend(handles=plots.coverage_legend_handles(methods), loc="outside right center", frameon=False)
    image = figs.save(fig, "coverage_by_horizon")
    caption = ("Share of observations inside each method's central 90% (solid) and 50% (dashed) intervals, by "
               "years after the cut-off; grey dotted lines: the nominal 0.9 and 0.5.")
    return Section("Coverage by horizon", image, caption,
                   "Each point pools every series observed at that horizon; few targets per horizon make each "
                   "share coarse.")


def document(folder: Path, cfg, figs: Figures) -> Document:
    t = {name: pd.read_csv(Path(folder) / file, dtype={"origin": str, "horizon": str}) for name, file in FILES.items()}
    s = cfg.score
    kinds = kinds_of(t["scores"])
    counts = ", ".join(f"{int((t['scores']['kind'] == k).sum() / t['scores']['method'].nunique())} "
                       f"{KIND_NAMES.get(k, k)}" for k in kinds)
    header = [f"- Cut-off: {s.cutoff} (the forecast used data up to and including {s.cutoff})",
              f"- Targets scored: {counts}",
              f"- Forecast: `{text(s.forecast)}` (model {text(s.model_version)}, path {text(s.path)})",
              f"- Later data: `{text(s.targets)}` (SHA-256 {s.targets_sha256[:12]}...)",
              f"- Figures: {figs.describe()}"]
    sections = [comparison_section(t["summary"], t["skill"], kinds),
                figs.drawn("Calibration: PIT histograms", pit_section, t["scores"], kinds, figs),
                figs.drawn("Coverage by horizon", coverage_section, t["summary"], kinds, figs)]
    return Document("Scores of a registered forecast",
                    "Proper scores of a forecast registered before the data it forecasts, against persistence, "
                    "a linear trend and an AR(1) that saw the same data.", header, sections)
