"""Fuzzed timeline files: hypothesis writes CSVs that a user could hand the model -- random
bytes, UTF-8 with or without a byte-order mark, Latin-1 and UTF-16 text, missing, extra and
reordered columns, ragged rows, empty cells, NaN, infinities, huge and negative magnitudes,
unknown actors and codes, quotes and line breaks in descriptions -- and runs them as
`scenario.timeline`. Every outcome is a run or exit status 2 with one line; never a
traceback, never an empty or partial results folder (docs/odd.md, section 6).

Most examples run with `--check` (which reads the whole timeline, as a run does); a few
run for real, shrunk; and one timeline of 50,000 random events runs to its end."""

from __future__ import annotations

import csv
import io
import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from fuzzing import check_examples
from helpers import fuzz_outcome

SHRUNK = ["scenario=history_2024_2025", "replicates=2", "scenario.end=2025-08-31", "progress=off",
          "figure_formats=[svg]", "store.trajectory_stride=0"]
COLUMNS = ["id", "date", "date_precision", "source", "target", "cameo", "goldstein", "magnitude", "channels",
           "description", "citation"]
ACTORS = ["RUS", "TUR", "WEST", "AZE", "ARM", "GEO", "AZE_diaspora_RUS"]
NUMBERS = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr),
                    st.sampled_from(["", "1", "0", "-1", "100", "100.5", "1e308", "nan", "inf", "-11", "abc", " 2 "]))
CELLS = {
    "id": st.one_of(st.sampled_from(["a", "a", "b", ""]), st.text(max_size=6)),
    "date": st.one_of(st.sampled_from(["2025-01-10", "2025-03-01", "2025-08-30", "2024-11-30", "2031-01-01",
                                       "2025-02-30", "10/01/2025", "", "nan"]), st.text(max_size=10)),
    "date_precision": st.sampled_from(["day", "month", "", "week", "MONTH"]),
    "source": st.one_of(st.sampled_from(ACTORS + ["", "XXX", "aze"]), st.text(max_size=4)),
    "target": st.one_of(st.sampled_from(ACTORS + ["", "XXX"]), st.text(max_size=4)),
    "cameo": st.sampled_from(["173", "055", "190", "0234", "1224", "057", "999", "", "17", "01", "2", "12345"]),
    "goldstein": NUMBERS,
    "magnitude": NUMBERS,
    "channels": st.sampled_from(["", "security", "cultural;information", "bogus", "security;", ";"]),
    "description": st.text(max_size=30),
    "citation": st.text(max_size=12),
}


@st.composite
def timelines(draw) -> bytes:
    """The bytes of a timeline file."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=200))
    header = draw(st.permutations(COLUMNS).flatmap(lambda cols: st.lists(st.sampled_from(cols + ["extra"]),
                                                                         min_size=0, max_size=12, unique=True)))
    rows = []
    for _ in range(draw(st.integers(0, 5))):
        row = [draw(CELLS[c]) if c in CELLS else draw(st.text(max_size=5)) for c in header]
        ragged = draw(st.integers(-2, 2))
        rows.append(row[:len(row) + ragged] if ragged < 0 else row + ["x"] * ragged)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow(header)
    writer.writerows(rows)
    text = ("# a comment line\n" if draw(st.booleans()) else "") + out.getvalue()
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "latin-1", "utf-16"]))
    return text.encode(encoding, errors="replace")


def run_timeline(data: bytes, capsys, *args: str) -> None:
    with tempfile.TemporaryDirectory(prefix="timeline-") as tmp:
        path = Path(tmp) / "timeline.csv"
        path.write_bytes(data)
        fuzz_outcome([*args, *SHRUNK, f"scenario.timeline={path}"], capsys)


CHECKED_EXAMPLES, SHARDS = 120, 2  # shards with seeds of their own, so that test workers share them


@pytest.mark.parametrize("shard", range(SHARDS))
def test_fuzzed_timelines_are_checked_or_refused_in_one_line(shard, capsys):
    check_examples(timelines(), lambda data: run_timeline(data, capsys, "--check"),
                   seed_value=20251204 + shard, examples=CHECKED_EXAMPLES // SHARDS)


@pytest.mark.slow
@seed(20251205)
@settings(max_examples=8, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=timelines())
def test_fuzzed_timelines_run_or_are_refused_in_one_line(data, capsys):
    run_timeline(data, capsys)


@pytest.mark.slow
def test_fifty_thousand_random_events_run_to_a_complete_folder(capsys):
    """The case that once lost a run to a figure: 50,000 random events, under which some
    client's patron shares reach 0 (NaN axis limits in the simplex)."""
    rng = random.Random(20250627)
    codes = ["173", "190", "1823", "055", "057", "062", "111", "160", "0234", "1224"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", "source", "target", "cameo", "magnitude"])
    for _ in range(50_000):
        s, t = rng.sample(ACTORS, 2)
        writer.writerow([f"2025-{rng.randint(1, 8):02d}-{rng.randint(1, 28):02d}", s, t, rng.choice(codes),
                         f"{rng.uniform(0, 3):.3f}"])
    run_timeline(out.getvalue().encode(), capsys)
