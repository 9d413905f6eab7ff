"""Reports name things as a reader would: actors by name, decided events by actor and
action or CAMEO description (ids stay in tables), one date format, a fixed colour per
actor, and descriptions that state the run's own values."""

from __future__ import annotations

import pandas as pd
from helpers import compose

from caucasus_sim import plots
from caucasus_sim.report.labels import Labels


def test_actors_axes_and_decided_events_get_names():
    labels = Labels(compose())
    assert labels.actor("AZE") == "Azerbaijan" and labels.actor("AZE_diaspora_RUS") == "Azerbaijan diaspora"
    assert labels.client("ARM", "WEST-RUS") == "Armenia (EU and US–Russia)"
    assert labels.event("WEST:armenia_visit", "strategy") == "EU and US: Armenia visit"
    assert labels.event("AZE:reaction:160", "reaction") == "Azerbaijan replies: reduce relations"
    assert labels.event("ARM:cooperative-reaction:042", "reaction") == "Armenia replies to cooperation: make a visit"
    assert labels.event("azal_shootdown", "timeline") == "azal shootdown"


def test_one_date_format_and_a_fixed_colour_per_actor():
    assert plots.day("2025-07-07") == plots.day(pd.Timestamp("2025-07-07 00:00")) == "2025-07-07"
    assert plots.actor_color("AZE") == plots.ACTOR_COLORS["AZE"] != plots.actor_color("ARM")
    assert plots.actor_color("IRN") == plots.actor_color("IRN") in plots.OKABE_ITO  # not by its place in a run


def test_descriptions_state_the_runs_own_values():
    cfg = compose("experiment=strategy_sweep", "replicates=30", "scenario.end=2027-06-30")
    assert "30 replicates per grid point" in cfg.description and "to 2027-06-30" in cfg.description


def test_state_names_inside_an_action_read_as_names():
    labels = Labels(compose())
    assert labels.event("AZE:turkey_visit", "strategy") == "Azerbaijan: Turkey visit"  # was "turkey visit"
    assert labels.event("RUS:raid_diaspora", "strategy") == "Russia: raid diaspora"


def test_the_scheduled_events_table_is_compact_enough_for_a_phone():
    import pandas as pd

    from caucasus_sim.report.events import scheduled_table

    events = pd.DataFrame({"origin": ["timeline"], "id": ["azal_shootdown"], "date": pd.to_datetime(["2024-12-25"]),
                           "source": ["RUS"], "target": ["AZE"], "cameo": ["190"], "goldstein": [-10.0],
                           "description": ["a long description " * 10]})
    md = scheduled_table(events)
    assert md.splitlines()[0] == "| date | event | dyad | CAMEO | g |"
    assert "a long description" not in md and "events.parquet" in md
