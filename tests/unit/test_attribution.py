"""Event attribution: paired by common random numbers, exact where there is no effect."""

from __future__ import annotations

import pandas as pd
import pytest
from helpers import FAST_FIGURES, compose, set_events

from caucasus_sim import ConfigError, run

BASE = ["experiment=event_attribution", "progress=off", FAST_FIGURES]


def attribute(*overrides, events=None):
    cfg = compose(*BASE, *overrides)
    if events is not None:
        set_events(cfg, events)
    return run(cfg)


def effect(results, event: str, client: str = "AZE") -> pd.Series:
    t = results.effects
    return t[(t["effect_of"] == event) & (t["client"] == client)].iloc[0]


def test_an_event_without_effect_has_exactly_zero_effect(tmp_results):
    null = {"id": "null_shootdown", "date": "2025-03-01", "source": "RUS", "target": "AZE",
            "cameo": "190", "magnitude": 0.0}
    res = attribute("replicates=50", "attribution.events=[null_shootdown,yekaterinburg_killings]",
                    events=[null])
    for client in ("AZE", "ARM", "GEO"):
        row = effect(res, "null_shootdown", client)
        assert row["effect_mean"] == 0.0 and row["ci_low"] == 0.0 and row["ci_high"] == 0.0
    out = res.outcomes.pivot_table(index=["client", "replicate"], columns="path", values="balance")
    assert (out["history"] == out["without:null_shootdown"]).all()
    assert effect(res, "yekaterinburg_killings")["ci_low"] > 0  # a real event does move it


def test_interval_shrinks_as_replicates_grow(tmp_results):
    widths = {}
    for r in (100, 800):
        row = effect(attribute(f"replicates={r}", "attribution.events=[yekaterinburg_killings]"),
                     "yekaterinburg_killings")
        widths[r] = row["ci_high"] - row["ci_low"]
    assert widths[800] < 0.6 * widths[100]  # about 1/sqrt(8) = 0.35


def test_hypothetical_acknowledgement_is_compared_with_history(tmp_results):
    res = attribute("replicates=100", "attribution.events=[azal_shootdown]")
    row = effect(res, "acknowledgement")
    assert row["kind"] == "path" and row["ci_high"] < 0  # acknowledging pulls AZE back toward Russia
    assert (res.folder / "report.md").read_text().count("*Figure") == 2


@pytest.mark.parametrize(("override", "needle"), [
    ("attribution.baseline=histroy", "histroy"),
    ("attribution.events=[yekaterinburg_rade]", "yekaterinburg_rade"),
    ("attribution.outcome=2025-08-01", "2025-08-01"),
])
def test_bad_attribution_input_fails_before_any_output(tmp_results, override, needle):
    with pytest.raises(ConfigError, match=needle):
        run(compose(*BASE, "replicates=5", override))
    assert not (tmp_results / "results").exists()
