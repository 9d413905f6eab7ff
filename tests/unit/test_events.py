"""Events and the CAMEO catalog: every code works; timelines in the shared CSV format load."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import compose

from caucasus_sim.config import CHANNELS, ConfigError, cameo_table
from caucasus_sim.model import Catalog, path_events, read_timeline

ACTORS = ["RUS", "TUR", "WEST", "AZE", "ARM", "GEO", "AZE_diaspora_RUS"]


def test_cameo_table_is_complete_and_keeps_leading_zeros():
    table = cameo_table()
    assert len(table) == 311
    assert table["055"] == ("Apologize", 7.0)
    assert table["0841"][1] == 7.0
    assert table["190"][1] == -10.0


def test_every_cameo_code_resolves_with_the_default_catalog():
    catalog = Catalog(compose().catalog)
    for code, (_, g) in cameo_table().items():
        kind = catalog.resolve(code)
        assert kind.channels and set(kind.channels) <= set(CHANNELS), code
        assert -10 <= kind.goldstein <= 10
        assert kind.goldstein == g  # the default catalog overrides no weight


def test_precedence_catalog_over_event_weight_event_channels_over_catalog():
    cfg = compose("catalog.16.goldstein=-3.0")
    catalog = Catalog(cfg.catalog)
    assert catalog.resolve("166", goldstein=-7.0).goldstein == -3.0
    assert catalog.resolve("1661", goldstein=-8.0).goldstein == -3.0  # longest prefix
    assert catalog.resolve("1723").goldstein == cameo_table()["1723"][1]
    assert catalog.resolve("120", goldstein=-4.5).goldstein == -4.5  # event's own weight
    assert catalog.resolve("160").channels == ("diplomatic",)
    assert catalog.resolve("160", channels=["cultural"]).channels == ("cultural",)
    assert catalog.resolve("1823").grievance == 1.0
    assert catalog.resolve("055").resolves == 0.3


def test_packaged_timeline_has_the_recorded_events():
    events = read_timeline("package:timeline_2024_2025.csv", ACTORS, Catalog(compose().catalog))
    assert len(events) == 15
    first = events[0]
    assert (first.id, first.date, first.source, first.target) == (
        "azal_shootdown", dt.date(2024, 12, 25), "RUS", "AZE")
    assert first.kind.goldstein == -10.0 and first.citation.startswith("https://")
    ban = next(e for e in events if e.id == "cultural_events_cancelled")
    assert ban.kind.channels == ("cultural",)
    assert next(e for e in events if e.id == "putin_apology").kind.cameo == "055"


SHARED_FORMAT = """date,date_precision,source,target,cameo,goldstein,description,citation
2025-03-03,day,RUS,AZE,0841,7.0,"release",https://example.org/a
2025-03-03,day,RUS,AZE,0841,7.0,"release again",https://example.org/b
2025-04-01,month,TUR,AZE,062,7.4,"exercise",https://example.org/c
"""


def test_event_data_export_in_shared_format_drives_the_model(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(SHARED_FORMAT)
    events = read_timeline(str(path), ACTORS, Catalog(compose().catalog))
    assert [e.kind.cameo for e in events] == ["0841", "0841", "062"]
    assert events[0].id != events[1].id  # generated ids are unique
    assert events[2].kind.channels == ("security",)


def test_paths_remove_move_and_add_events():
    cfg = compose("experiment=yekaterinburg_counterfactual")
    full = path_events(cfg, "history")
    cut = path_events(cfg, "no_raid")
    assert {e.id for e in full} - {e.id for e in cut} == {"yekaterinburg_raid", "yekaterinburg_killings"}


def test_unknown_event_id_in_a_path_is_an_error():
    cfg = compose("experiment=yekaterinburg_counterfactual", "paths.no_raid.remove=[yekaterinburg_rade]")
    with pytest.raises(ConfigError, match="yekaterinburg_rade"):
        path_events(cfg, "no_raid")


def test_a_month_precision_event_acts_over_its_month_whatever_day_it_names():
    from caucasus_sim.model.calendar import Calendar
    from caucasus_sim.config.schema import ScenarioConfig
    from helpers import typed

    cal = Calendar.from_config(typed(ScenarioConfig, {"start": "2025-01-05", "end": "2025-12-31", "dt_days": 7}))
    first, tenth = cal.event_steps(dt.date(2025, 10, 1), True), cal.event_steps(dt.date(2025, 10, 10), True)
    assert tenth == first
    steps = [t for t, _ in first]
    assert cal.dates[steps[0] - 1] < dt.date(2025, 10, 1) <= cal.dates[steps[0]]  # the step holding 1 Oct
    assert cal.dates[steps[-1] - 1] < dt.date(2025, 10, 31) <= cal.dates[steps[-1]]  # ... and 31 Oct
    assert sum(share for _, share in first) == pytest.approx(1.0)
