"""The event figure keeps its size however many events a run has: above
`report.max_event_rows` scheduled events it shows weekly counts by dyad and by CAMEO quad
class instead of one row per event."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from PIL import Image

from caucasus_sim.config import QUAD_CLASSES, load_config, quad_class
from caucasus_sim.outputs.tables import event_counts
from caucasus_sim.plots import publication_style, weekly_events
from caucasus_sim.report import Figures
from caucasus_sim.report.events import event_section
from caucasus_sim.report.labels import Labels

ACTORS = ["RUS", "TUR", "WEST", "AZE", "ARM", "GEO"]
CODES = ["040", "036", "057", "111", "173", "190", "0841", "160"]


def scheduled(n: int, seed: int = 7) -> pd.DataFrame:
    """n scheduled events of one path, as the events table holds them, spread over 2025."""
    rng = np.random.default_rng(seed)
    pairs = [(a, b) for a in ACTORS for b in ACTORS if a != b]
    dyads = rng.integers(0, len(pairs), n)
    return pd.DataFrame({
        "path": "imported", "replicate": pd.array([pd.NA] * n, dtype="Int64"), "step": 1,
        "date": pd.to_datetime([dt.date(2025, 1, 6) + dt.timedelta(days=int(d)) for d in rng.integers(0, 180, n)]),
        "id": [f"e{i}" for i in range(n)], "origin": "timeline",
        "source": [pairs[d][0] for d in dyads], "target": [pairs[d][1] for d in dyads],
        "cameo": rng.choice(CODES, n), "goldstein": -1.0, "magnitude": 0.1, "description": "", "count": 1})


def height_inches(folder, name="event_timeline") -> float:
    with Image.open(folder / f"{name}.png") as png:
        return png.height / 300  # saved at 300 dpi


def test_many_events_are_drawn_as_weekly_counts_of_a_fixed_size(tmp_path):
    heights = {}
    for n in (30, 500):
        events = scheduled(n)
        figs = Figures(tmp_path / str(n), ("png",))
        with publication_style():
            section = event_section(event_counts(events, 1), events, ["imported"], figs, 1, Labels(load_config()), max_rows=40)
        heights[n] = height_inches(figs.folder)
        weekly = "per week and dyad" in section.caption
        assert weekly == (n > 40)
        assert section.reading.startswith(f"{n} scheduled events")
    assert heights[30] > 4.0  # one row per event: grows with the events
    assert heights[500] < 5.0  # 500 events as weekly counts: a column figure, not 78 inches


def test_weekly_counts_count_each_scheduled_event_once():
    events = scheduled(200)
    twice = pd.concat([events, events.assign(path="curated")])  # the same events on two paths
    w = weekly_events(twice)
    assert len(w) == 200 and (w["week"].dt.day_of_week == 0).all()
    assert w.groupby("quad_class").size().sum() == 200 and set(w["quad_class"]) <= set(QUAD_CLASSES)
    assert quad_class("0841") == "material cooperation" and quad_class("173") == "material conflict"
    assert quad_class("111") == "verbal conflict" and quad_class("057") == "verbal cooperation"
