"""Event data in: the real GDELT 2.0 sample row by row, ICEWS and PLOVER files written here
in their documented formats, the actor map, and the attention ratio."""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from pathlib import Path

import numpy as np
import pytest
from helpers import SHORT_HISTORY, compose, set_paths

from caucasus_sim import CaucasusModel
from caucasus_sim.config import ConfigError, actor_names
from caucasus_sim.eventdata import (Cleaning, Periods, attention_magnitude, import_export, import_rows,
                                    load_actor_map, write_timeline)
from caucasus_sim.eventdata.readers import gdelt_rows, icews_rows, plover_rows
from caucasus_sim.model import Catalog, read_timeline
from caucasus_sim.model.events import timeline_events

DATA = Path(__file__).resolve().parents[2] / "src" / "caucasus_sim" / "data"
SAMPLE = DATA / "gdelt2_20250808181500_sample.export.CSV"
PERIODS = Periods(dt.date(2024, 12, 1), 7)  # the calendar of the short history (scenario history_2024_2025)


@pytest.fixture(scope="module")
def actors():
    return load_actor_map("package:actor_map_south_caucasus.yaml", actor_names(compose(SHORT_HISTORY)))


def fates(rows) -> list[str]:
    cleaning = Cleaning(PERIODS)
    return [cleaning.feed(r) for r in rows]


# ------------------------------------------------------------------ the real GDELT 2.0 sample

# what becomes of each of its 15 rows (by line): root events only (the default)
ROOT_FATES = ["not a root event"] * 5 + ["kept", "kept", "not a root event", "kept", "unmapped actor",
                                         "not a root event", "kept", "collapsed", "kept", "self-directed"]
# with every event (eventdata.root_only=false)
ALL_FATES = ["unmapped actor", "self-directed", "kept", "kept", "collapsed", "kept", "kept", "kept", "kept",
             "unmapped actor", "unmapped actor", "kept", "collapsed", "kept", "self-directed"]


def sample_rows(actors, root_only: bool):
    with open(SAMPLE, encoding="utf-8") as fh:
        return list(gdelt_rows(fh, SAMPLE.name, actors, root_only))


@pytest.mark.parametrize("root_only, expected", [(True, ROOT_FATES), (False, ALL_FATES)])
def test_real_gdelt_sample_row_by_row(actors, root_only, expected):
    rows = sample_rows(actors, root_only)
    assert len(rows) == 15 and fates(rows) == expected
    records = {r.line: r for r in rows if not isinstance(r, str)}
    # actor codes with role suffixes map to their state; the USA to WEST; partners the model
    # does not have, and non-state actors without a country (MIL), stay unmapped
    assert (records[6].source_code, records[6].source, records[6].target) == ("ARMGOV", "ARM", "AZE")
    assert (records[9].target_code, records[9].target) == ("ARMGOV", "ARM")
    assert (records[14].target_code, records[14].target) == ("USAGOV", "WEST")
    assert (records[10].target_code, records[10].target) == ("IRN", None)
    assert (records[15].source_code, records[15].source, records[15].target) == ("AZEJUD", "AZE", "AZE")
    if not root_only:
        assert (records[11].target_code, records[11].target) == ("MIL", None)
        assert (records[1].source_code, records[1].source) == ("ARE", None)
    # codes keep their leading zeros
    assert {records[n].cameo for n in (6, 7, 10)} == {"040", "057", "036"}


def test_real_gdelt_sample_imports_with_the_expected_events(actors):
    imported = import_export([str(SAMPLE)], "gdelt2", actors, PERIODS)
    s = imported.summary
    assert (s.rows, s.kept, s.collapsed, s.occurrences, s.events) == (15, 6, 1, 5, 5)
    assert s.dropped == {"not a root event": 7, "unmapped actor": 1, "self-directed": 1}
    assert s.unmapped == [("IRN", 1)] and s.active_periods == 1
    got = {(e.source, e.target, e.cameo): e.magnitude for e in imported.events}
    # each event's magnitude is its code's share of its dyad's verbal cooperation that week;
    # AZE -> WEST 057 was reported twice (two articles): one occurrence of two sources
    assert got == {("ARM", "AZE", "040"): 1.0, ("AZE", "ARM", "040"): 0.5, ("AZE", "ARM", "057"): 0.5,
                   ("AZE", "WEST", "040"): 1 / 3, ("AZE", "WEST", "057"): 2 / 3}
    assert {e.date for e in imported.events} == {dt.date(2025, 8, 8)}  # the records' own day (its step ends 10 Aug)
    # one period is its own baseline: every ratio is 1, and at the default threshold nothing acts
    assert all(e.attention_ratio == 1.0 for e in imported.events) and imported.acting(0.5, 1.0) == 0
    every = import_export([str(SAMPLE)], "gdelt2", actors, PERIODS, root_only=False).summary
    assert (every.kept, every.collapsed, every.events) == (10, 2, 8)
    assert every.dropped == {"unmapped actor": 3, "self-directed": 2}


# ------------------------------------------------------------------ ICEWS

# ICEWS Coded Event Data (Boschee et al. 2015, Harvard Dataverse doi:10.7910/DVN/28075),
# as its codebook documents the yearly files: tab-separated, a header row, these 20
# columns. Assumed from that documentation (no ICEWS file is at hand): countries are
# named ("Russian Federation"), the state itself appears under its short name ("Russia")
# and officials with sectors such as "Government"; Event ID repeats across dates, so a
# record is (Event ID, Event Date); CAMEO Code is text, but a copy read as numbers loses
# leading zeros ("55" for 055), which the reader restores when only that reading is a code.
ICEWS_HEADER = ["Event ID", "Event Date", "Source Name", "Source Sectors", "Source Country", "Event Text",
                "CAMEO Code", "Intensity", "Target Name", "Target Sectors", "Target Country", "Story ID",
                "Sentence Number", "Publisher", "City", "District", "Province", "Country", "Latitude", "Longitude"]
GOV = "Government,Executive,Executive Office"
ICEWS_ROWS = [  # (Event ID, date, source name, sectors, country, code, target name, sectors, country), fate
    (("1001", "2024-12-27", "Azerbaijan", "", "Azerbaijan", "100", "Russia", "", "Russian Federation"), "kept"),
    (("1002", "2024-12-27", "Ilham Aliyev", GOV, "Azerbaijan", "111", "Vladimir Putin", GOV, "Russian Federation"),
     "kept"),
    (("1003", "2024-12-27", "Citizen (Azerbaijan)", "", "Azerbaijan", "141", "Russia", "", "Russian Federation"),
     "unmapped actor"),  # citizens are not the state
    (("1004", "2024-12-28", "Vladimir Putin", GOV, "Russian Federation", "55", "Azerbaijan", "", "Azerbaijan"),
     "kept"),  # 055 without its leading zero
    (("1004", "2024-12-28", "Vladimir Putin", GOV, "Russian Federation", "55", "Azerbaijan", "", "Azerbaijan"),
     "duplicate id"),
    (("1004", "2024-12-29", "Russia", "", "Russian Federation", "42", "Azerbaijan", "", "Azerbaijan"),
     "kept"),  # the same Event ID on another date is another record
    (("1006", "2024-12-28", "Russia", "", "Russian Federation", "055", "Azerbaijan", "", "Azerbaijan"),
     "collapsed"),  # Putin's apology again, from another story
    (("1007", "2024-12-30", "Police (Azerbaijan)", "Police", "Azerbaijan", "173", "Azerbaijan", "", "Azerbaijan"),
     "self-directed"),
    (("1008", "2025-01-05", "Azerbaijan", "", "Azerbaijan", "036", "Iran", "", "Iran"), "unmapped actor"),
    (("1009", "2025-01-05", "Japan", "", "Japan", "040", "China", "", "China"), "no actor of the model"),
]


def icews_text(rows=ICEWS_ROWS) -> str:
    lines = ["\t".join(ICEWS_HEADER)]
    for (eid, day, sname, ssec, scty, code, tname, tsec, tcty), _ in rows:
        lines.append("\t".join([eid, day, sname, ssec, scty, "event text", code, "0", tname, tsec, tcty,
                                f"s{eid}", "1", "Publisher", "", "", "", scty, "0", "0"]))
    return "\n".join(lines) + "\n"


def test_icews_file_row_by_row(actors):
    rows = list(icews_rows(io.StringIO(icews_text()), "icews.tab", actors))
    assert fates(rows) == [fate for _, fate in ICEWS_ROWS]
    kept = [r for r in rows if not isinstance(r, str)]
    assert [(r.source, r.target, r.cameo) for r in kept[:3]] == [("AZE", "RUS", "100"), ("AZE", "RUS", "111"),
                                                               (None, "RUS", "141")]
    assert kept[1].source_code == "Ilham Aliyev" and kept[2].source is None
    assert [r.cameo for r in kept if r.line in (5, 7)] == ["055", "042"]
    imported = import_rows(rows, "icews", actors, PERIODS)
    assert {(e.source, e.target, e.cameo, e.date) for e in imported.events} == {  # each on its records' own day
        ("AZE", "RUS", "100", dt.date(2024, 12, 27)), ("AZE", "RUS", "111", dt.date(2024, 12, 27)),
        ("RUS", "AZE", "055", dt.date(2024, 12, 28)), ("RUS", "AZE", "042", dt.date(2024, 12, 29))}


# ------------------------------------------------------------------ PLOVER / POLECAT

# POLECAT (Halterman et al. 2023, "PLOVER and POLECAT: A New Political Event Ontology and
# Dataset"), coded in the PLOVER ontology (github.com/openeventdata/PLOVER): tab-separated
# release files with a header; assumed from that documentation (no POLECAT file is at
# hand): the columns below, countries as ISO 3166 alpha-3 codes, PLOVER's 16 event types
# with modes such as CONSULT/visit; an event type without a CAMEO equivalent (CRIME) is
# dropped, a mode not in the table falls back to its type's code.
PLOVER_HEADER = ["Event ID", "Event Date", "Event Type", "Event Mode", "Contexts", "Actor Name", "Actor Country",
                 "Recipient Name", "Recipient Country", "Story ID"]
PLOVER_ROWS = [  # (id, date, type, mode, actor country, recipient country), (fate, CAMEO code)
    (("p1", "2025-06-27", "ASSAULT", "beat", "RUS", "AZE"), ("kept", "182")),
    (("p2", "2025-06-29", "SANCTION", "", "AZE", "RUS"), ("kept", "160")),
    (("p3", "2025-06-29", "CONSULT", "visit", "AZE", "TUR"), ("kept", "042")),
    (("p4", "2025-06-30", "CRIME", "", "RUS", "AZE"), ("event type without a CAMEO code", None)),
    (("p5", "2025-06-30", "COERCE", "arrest", "AZE", "RUS"), ("kept", "173")),
    (("p6", "2025-06-30", "THREATEN", "unlisted-mode", "RUS", "AZE"), ("kept", "130")),
    (("p7", "2025-07-01", "AGREE", "", "ARM", "IRN"), ("unmapped actor", "030")),
    (("p1", "2025-06-27", "ASSAULT", "beat", "RUS", "AZE"), ("duplicate id", "182")),
]


def plover_text() -> str:
    lines = ["\t".join(PLOVER_HEADER)]
    for eid, day, kind, mode, src, tgt in (row for row, _ in PLOVER_ROWS):
        lines.append("\t".join([eid, day, kind, mode, "", f"actor of {src}", src, f"recipient in {tgt}", tgt,
                                f"story-{eid}"]))
    return "\n".join(lines) + "\n"


def test_plover_file_row_by_row(actors):
    rows = list(plover_rows(io.StringIO(plover_text()), "polecat.tsv", actors))
    assert fates(rows) == [fate for _, (fate, _) in PLOVER_ROWS]
    assert [r.cameo for r in rows if not isinstance(r, str)] == [c for _, (f, c) in PLOVER_ROWS if c]


# ------------------------------------------------------------------ bad input


def test_bad_files_are_refused_in_one_line(actors, tmp_path):
    line = SAMPLE.read_text(encoding="utf-8").splitlines()[0]
    short = tmp_path / "v1.export.CSV"
    short.write_text(line + "\n" + "\t".join(line.split("\t")[:58]) + "\n", encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "nothing.export.CSV").write_text("", encoding="utf-8")
    no_column = tmp_path / "icews.tab"
    no_column.write_text(icews_text().replace("CAMEO Code", "Code"), encoding="utf-8")
    cases = [
        (short, "gdelt2", "line 2: 58 tab-separated columns; a GDELT 2.0 event export has 61"),
        (empty, "gdelt2", "empty; its 1 file(s) hold no rows"),
        (tmp_path / "missing", "gdelt2", "no such file or folder"),
        (no_column, "icews", "line 1: no column 'CAMEO Code'"),
        (short, "acled", "format: unknown value 'acled'; expected one of gdelt2, icews, plover"),
    ]
    for path, fmt, message in cases:
        with pytest.raises(ConfigError, match=re.escape(message)) as err:
            import_export([str(path)], fmt, actors, PERIODS)
        assert "\n" not in str(err.value)


def test_actor_map_is_checked_against_the_model(tmp_path):
    names = actor_names(compose(SHORT_HISTORY))
    cases = {
        "countries: {USA: USA}\n": "countries.USA maps to unknown actor 'USA'; expected one of RUS, TUR, WEST",
        "countries: {AZE: AZE}\nregions: {}\n": "unknown key 'regions'; allowed keys: unmapped, countries",
        "countries:\n  AZE: AZE\n  AZE: ARM\n": "line 3: key 'AZE' is given twice",
        "unmapped: ignore\n": "unmapped: unknown value 'ignore'; expected one of drop, fail",
    }
    for text, message in cases.items():
        path = tmp_path / "map.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError, match=message):
            load_actor_map(str(path), names)
    strict = tmp_path / "strict.yaml"
    strict.write_text("unmapped: fail\ncountries: {AZE: AZE, ARM: ARM, USA: WEST}\nstate_roles: [GOV]\n")
    with pytest.raises(ConfigError, match=r"line 10: actor 'IRN' is not in the actor map .*unmapped: fail"):
        import_export([str(SAMPLE)], "gdelt2", load_actor_map(str(strict), names), PERIODS)


# ------------------------------------------------------------------ the model's input


def test_attention_magnitude_is_the_documented_formula():
    assert attention_magnitude(1.0, 0.5, 1.0) == 0.0  # a usual period does not act
    assert attention_magnitude(0.5, 0.5, 1.0) == 0.0  # nor a quiet one
    assert math.isclose(attention_magnitude(math.e ** 2, 0.5, 1.0), 1.0)
    assert math.isclose(attention_magnitude(4.0, 1.0, 2.0), math.log(2.0))


def test_imported_timeline_csv_reads_back_as_the_same_events(actors, tmp_path):
    cfg = compose(SHORT_HISTORY, "scenario.timeline=package:gdelt2_20250808181500_sample.export.CSV",
                  "scenario.timeline_format=gdelt2")
    catalog = Catalog(cfg.catalog)
    direct = timeline_events(cfg, next(iter(cfg.paths)), catalog)
    out = tmp_path / "timeline.csv"
    write_timeline(import_export([str(SAMPLE)], "gdelt2", actors, PERIODS), out, "test")
    assert out.read_text(encoding="utf-8").startswith("# caucasus-sim timeline imported by")
    assert read_timeline(str(out), actor_names(cfg), catalog) == direct
    assert [(e.magnitude, e.attention_ratio) for e in direct] == [(1.0, 1.0), (0.5, 1.0), (0.5, 1.0), (1 / 3, 1.0),
                                                            (2 / 3, 1.0)]


IMPORTED = """# an imported timeline: magnitude is the share, attention_ratio how unusual the week was
id,date,source,target,cameo,magnitude,attention_ratio
a,2025-01-05,RUS,AZE,173,1.0,6.0
b,2025-01-05,AZE,RUS,111,0.5,2.0
c,2025-01-05,AZE,RUS,160,0.5,2.0
d,2025-02-02,TUR,AZE,057,1.0,0.8
"""


def imported_run(path, *overrides):
    cfg = compose(SHORT_HISTORY, "scenario.end=2025-03-30", "scenario.outcome_dates=[]", "decisions=none",
                  f"scenario.timeline={path}", "replicates=3", "progress=off", *overrides)
    return set_paths(cfg, {"one": {}})


def test_attention_parameters_are_batchable(tmp_path):
    path = tmp_path / "imported.csv"
    path.write_text(IMPORTED, encoding="utf-8")
    points = [{"params.attention_scale": 0.5, "params.attention_threshold": 1.0},
              {"params.attention_scale": 1.5, "params.attention_threshold": 3.0}]
    batch = CaucasusModel(imported_run(path), points=points).run()
    for i, point in enumerate(points):
        alone = CaucasusModel(imported_run(path, *(f"{k}={v}" for k, v in point.items()))).run()
        assert np.array_equal(batch.alignment_record[:, 3 * i:3 * i + 3], alone.alignment_record)
    # ratio 0.8 is below both thresholds: event d is not scheduled; 2.0 acts only at threshold 1
    assert {b.id for bs in batch._schedule.values() for b in bs} == {"a", "b", "c"}
    assert {b.id for bs in alone._schedule.values() for b in bs} == {"a"}
