"""Paths that read different event streams (experiment event_driven): what a run records of
each import, and the report's account of where the streams and their balances differ."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from helpers import SHORT_HISTORY, compose

from caucasus_sim.model.events import import_notices, imported_timelines, path_events
from caucasus_sim.plots import publication_style, signed_effects
from caucasus_sim.report import Figures
from caucasus_sim.report.streams import has_own_streams, stream_section


def test_event_driven_paths_read_their_own_streams():
    cfg = compose("experiment=event_driven", SHORT_HISTORY)
    assert has_own_streams(cfg)
    curated, imported = path_events(cfg, "curated"), path_events(cfg, "imported")
    assert len(curated) == 15 and all(e.attention_ratio is None for e in curated)
    # each dated its records' own day (8 Aug 2025), not the end of its model step (10 Aug)
    assert [e.id for e in imported] == ["gdelt2_2025-08-08_ARM_AZE_040", "gdelt2_2025-08-08_AZE_ARM_040",
                                        "gdelt2_2025-08-08_AZE_ARM_057", "gdelt2_2025-08-08_AZE_WEST_040",
                                        "gdelt2_2025-08-08_AZE_WEST_057"]
    assert {e.date for e in imported} == {dt.date(2025, 8, 8)}
    (row,) = imported_timelines(cfg)
    assert (row["path"], row["key"], row["events"], row["acting"]) == ("imported", "paths.imported.timeline", 5, 0)
    (line,) = import_notices(cfg)
    assert line.startswith("paths.imported.timeline (imported): GDELT 2.0 export package:gdelt2_")
    assert "one period gives no baseline" in line
    assert not has_own_streams(compose(SHORT_HISTORY))


def tables():
    """Two paths' tables as a run writes them: the curated path with two AZE -> RUS events,
    the imported one with a RUS -> AZE event; balances 0.1 apart from 1 Feb 2025."""
    ev = pd.DataFrame({"path": ["curated", "curated", "imported"], "origin": "timeline",
                       "id": ["a", "b", "c"], "source": ["AZE", "AZE", "RUS"], "target": ["RUS", "RUS", "AZE"],
                       "cameo": ["111", "160", "190"], "goldstein": [-2.0, -4.0, -10.0], "magnitude": [1.0, 0.5, 0.3],
                       "date": pd.to_datetime(["2025-01-05", "2025-02-02", "2025-02-02"])})
    rng = np.random.default_rng(1)
    base = rng.normal(0.2, 0.01, 50)
    outcomes = pd.concat([pd.DataFrame({"path": p, "replicate": np.arange(50), "client": "AZE", "outcome": label,
                                        "balance": base + (0.1 if p == "imported" and label == "end" else 0.0)})
                          for p in ("curated", "imported") for label in ("2025-01-01", "end")])
    dates = pd.to_datetime([dt.date(2025, 1, 5), dt.date(2025, 2, 2)])
    summary = pd.DataFrame({"path": ["curated", "curated", "imported", "imported"], "date": list(dates) * 2,
                            "client": "AZE", "metric": "balance", "q50": [0.2, 0.2, 0.2, 0.3]})
    imports = pd.DataFrame([{"path": "imported", "export": "month/", "format": "gdelt2", "events": 4, "acting": 1,
                             "cleaning": "1500 rows read"}])
    return ev, outcomes, summary, imports


def test_report_says_where_the_streams_and_balances_differ(tmp_path):
    ev, outcomes, summary, imports = tables()
    effects = signed_effects(ev)
    assert effects.set_index(["path", "dyad"])["effect"].to_dict() == {("curated", "AZE→RUS"): -0.4,
                                                                       ("imported", "RUS→AZE"): -0.3}
    figs = Figures(tmp_path / "figures", ("png",))
    with publication_style():
        section = stream_section(ev, outcomes, summary, imports, ["curated", "imported"], {"AZE": "TUR-RUS"}, figs)
    assert (figs.folder / "signed_effect_by_dyad.png").is_file()
    r = section.reading
    assert "curated: 2 scheduled events on 1 dyads, 2025-01-05 to 2025-02-02; summed signed effect -0.40" in r
    assert "4 events, 1 with a magnitude above 0" in r
    assert "Dyads only in imported: RUS→AZE; only in curated: AZE→RUS" in r
    # the balance: equal on 1 Jan, 0.1 apart at the end; the medians part on 2 Feb 2025
    assert "| AZE (TUR–RUS) | imported | 2025-02-02 | +0.000 (+0.000 to +0.000) | +0.100 (+0.100 to +0.100) |" in r
