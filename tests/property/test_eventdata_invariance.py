"""What an export's volume must not change (hypothesis): reporting every record twice, or
doubling the volume of a period while keeping its mix, leaves the model's input — the
imported events (date, dyad, CAMEO code), their magnitudes and attention ratios — exactly
as it was (only their descriptions, which count records and sources, say more)."""

from __future__ import annotations

import datetime as dt
import io

from helpers import SHORT_HISTORY, compose
from hypothesis import given, settings
from hypothesis import strategies as st

from caucasus_sim.config import actor_names
from caucasus_sim.eventdata import Periods, import_rows, load_actor_map
from caucasus_sim.eventdata.readers import gdelt_rows

ACTORS = load_actor_map("package:actor_map_south_caucasus.yaml", actor_names(compose(SHORT_HISTORY)))
PERIODS = Periods(dt.date(2024, 12, 1), 7)
# actor codes with their country columns, as GDELT writes them: states, roles, a bloc member,
# a partner the model does not have, a non-state actor and an empty actor
CODES = [("AZE", "AZE"), ("ARMGOV", "ARM"), ("RUS", "RUS"), ("RUSMIL", "RUS"), ("TURGOV", "TUR"),
         ("USA", "USA"), ("DEU", "DEU"), ("GEO", "GEO"), ("IRN", "IRN"), ("MIL", ""), ("", "")]
EVENT_CODES = ["040", "036", "057", "111", "173", "190", "0841", "1823"]

record = st.tuples(
    st.integers(0, 27),  # day after 1 Dec 2024: four weeks
    st.sampled_from(CODES), st.sampled_from(CODES), st.sampled_from(EVENT_CODES),
    st.integers(1, 4),  # NumSources
    st.booleans(),  # IsRootEvent
)


def line(i: int, rec, sources: int | None = None) -> str:
    day, (a1, c1), (a2, c2), code, n, root = rec
    f = [""] * 61
    f[0], f[1] = str(i), (dt.date(2024, 12, 1) + dt.timedelta(days=day + 1)).strftime("%Y%m%d")
    f[5], f[7], f[15], f[17] = a1, c1, a2, c2
    f[25], f[26], f[32], f[60] = "1" if root else "0", code, str(n if sources is None else sources), f"u{i}"
    return "\t".join(f)


def events(lines: list[str]) -> list[tuple]:
    """The model's input from an export's lines."""
    rows = gdelt_rows(io.StringIO("\n".join(lines) + "\n"), "export", ACTORS, root_only=True)
    return [(e.id, e.date, e.source, e.target, e.cameo, e.magnitude, e.attention_ratio)
            for e in import_rows(rows, "gdelt2", ACTORS, PERIODS).events]


def week(rec) -> int:
    return PERIODS.of(dt.date(2024, 12, 1) + dt.timedelta(days=rec[0] + 1))


@settings(max_examples=60, deadline=None)
@given(records=st.lists(record, min_size=1, max_size=40), doubled=st.integers(1, 4))
def test_volume_changes_nothing_once_normalised(records, doubled):
    base = events([line(i, r) for i, r in enumerate(records)])
    # every record reported twice: the same record twice (same id), or a second report of it
    same_id = [line(i, r) for i, r in enumerate(records) for _ in range(2)]
    reported_twice = [line(i + k * len(records), r) for i, r in enumerate(records) for k in range(2)]
    assert events(same_id) == base
    assert events(reported_twice) == base
    # one week's volume doubled with its mix kept: each of its records has twice the sources,
    # or comes twice from other articles
    more_sources = [line(i, r, 2 * r[4] if week(r) == doubled else None) for i, r in enumerate(records)]
    more_articles = [line(i, r) for i, r in enumerate(records)] + [
        line(len(records) + i, r) for i, r in enumerate(records) if week(r) == doubled]
    assert events(more_sources) == base
    assert events(more_articles) == base
