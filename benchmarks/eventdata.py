"""Benchmark: importing a month of GDELT 2.0 15-minute event files (docs/odd.md, 7.22).

No real month is at hand, so one is generated: `--files` 15-minute files (default 3,000,
31 days from 1 Jun 2025) of `--rows` rows each (default 1,500, about what GDELT 2.0 writes
per update), in GDELT 2.0's 61-column tab-separated format, zipped with `--zip`. The rows
are drawn (seeded numpy generator) to look like the global stream: actor codes from a
mix led by the United States and its roles, other states, regional codes, non-state
actors and empty actors; about 2% of rows between the South Caucasus actors and their
patrons; half of the rows root events; common CAMEO codes with leading zeros; one to
three sources; geography and a source URL of realistic length; and one in 200 rows
repeated from earlier in its file (an overlapping download).

The import is `caucasus-sim-events import --format gdelt2 <folder> --out <csv>` run in a
fresh Python process (through its `import_events`, so that the process can report its
own peak resident memory). It is measured twice: on the first tenth of the files and on
all of them; peak memory that does not grow with the files is what streaming means.
Printed: rows, wall seconds, rows per second, peak resident memory (MB) and its growth
over the interpreter with the package imported.

Run:  .venv/bin/python benchmarks/eventdata.py                    (3,000 x 1,500 rows)
      .venv/bin/python benchmarks/eventdata.py --files 300 --rows 500   (quicker)
Everything is written to a temporary folder that is removed at the end (`--keep` keeps it).
Nothing printed is hard-coded: every number is measured in the run that prints it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

# actor codes with their country columns and relative frequencies (roughly GDELT's mix)
WORLD = [("USA", "USA", 20), ("USAGOV", "USA", 8), ("GOV", "", 6), ("", "", 12), ("CHN", "CHN", 4),
         ("GBR", "GBR", 4), ("IND", "IND", 3), ("ISR", "ISR", 3), ("UKR", "UKR", 3), ("UKRMIL", "UKR", 1),
         ("RUS", "RUS", 3), ("RUSGOV", "RUS", 2), ("DEU", "DEU", 2), ("FRA", "FRA", 2), ("CAN", "CAN", 2),
         ("AUS", "AUS", 1), ("BUS", "", 4), ("COP", "", 4), ("CVL", "", 3), ("MIL", "", 2), ("EDU", "", 2),
         ("MED", "", 2), ("JUD", "", 2), ("IRN", "IRN", 1), ("TUR", "TUR", 1), ("EUR", "EUR", 1),
         ("USAOPP", "USA", 1), ("AFR", "AFR", 1)]
REGION = [("AZE", "AZE"), ("AZEGOV", "AZE"), ("ARM", "ARM"), ("ARMGOV", "ARM"), ("GEO", "GEO"),
          ("GEOGOV", "GEO"), ("RUS", "RUS"), ("RUSGOV", "RUS"), ("TUR", "TUR"), ("TURGOV", "TUR"),
          ("USA", "USA"), ("USAGOV", "USA"), ("FRA", "FRA"), ("DEU", "DEU")]
CODES = [("010", 10), ("020", 3), ("036", 4), ("040", 10), ("042", 5), ("043", 5), ("046", 3), ("051", 6),
         ("057", 2), ("071", 2), ("090", 1), ("111", 4), ("112", 5), ("120", 2), ("130", 2), ("160", 1),
         ("173", 4), ("190", 2), ("193", 2), ("1823", 1), ("0841", 1)]
GEO = ["4\tBaku, Baki*, Azerbaijan\tAJ\tAJ09\t534\t40.3953\t49.8822\t-2705195",
       "3\tWhite House, District of Columbia, United States\tUS\tUSDC\t\t38.8951\t-77.0364\t531871",
       "1\tRussia\tRS\tRS\t\t60\t100\tRS", "4\tYerevan, Yerevan*, Armenia\tAM\tAM11\t4936\t40.1811\t44.5136\t-2325645",
       "2\tNew York, United States\tUS\tUSNY\t\t42.1497\t-74.9384\tNY", "1\tChina\tCH\tCH\t\t35\t105\tCH",
       "0\t\t\t\t\t\t\t"]


def weights(table) -> np.ndarray:
    w = np.array([row[-1] for row in table], dtype=float)
    return w / w.sum()


def write_file(path: Path, rng, first_id: int, rows: int, when: dt.datetime, region_share: float,
               zipped: bool) -> int:
    """One 15-minute file of `rows` rows; returns the next free event id."""
    world_p, code_p = weights(WORLD), weights(CODES)
    regional = rng.random(rows) < region_share
    a1 = rng.choice(len(WORLD), rows, p=world_p)
    a2 = rng.choice(len(WORLD), rows, p=world_p)
    r1 = rng.integers(0, len(REGION), rows)
    r2 = rng.integers(0, len(REGION), rows)
    code = rng.choice(len(CODES), rows, p=code_p)
    root = rng.random(rows) < 0.5
    sources = rng.integers(1, 4, rows)
    lag = rng.integers(0, 3, rows)
    geo = rng.integers(0, len(GEO), (rows, 3))
    lines = []
    for i in range(rows):
        (c1, k1), (c2, k2) = (REGION[r1[i]], REGION[r2[i]]) if regional[i] else (WORLD[a1[i]][:2], WORLD[a2[i]][:2])
        day = (when - dt.timedelta(days=int(lag[i]))).strftime("%Y%m%d")
        cm = CODES[code[i]][0]
        actor1 = [c1, c1, k1, "", "", "", "", c1[3:6], "", ""]
        actor2 = [c2, c2, k2, "", "", "", "", c2[3:6], "", ""]
        fields = [str(first_id + i), day, day[:6], day[:4], f"{int(day[:4]) + 0.5:.4f}", *actor1, *actor2,
                  "1" if root[i] else "0", cm, cm[:3], cm[:2], "1", "1.0", str(3 * sources[i]), str(sources[i]),
                  str(3 * sources[i]), "-1.5", GEO[geo[i, 0]], GEO[geo[i, 1]], GEO[geo[i, 2]],
                  when.strftime("%Y%m%d%H%M%S"), f"https://news.example.org/{when:%Y/%m/%d}/story-{first_id + i}.html"]
        lines.append("\t".join(fields))
    for i in range(0, rows, 200):  # an overlapping download repeats a row
        lines[i] = lines[max(0, i - 1)]
    text = "\n".join(lines) + "\n"
    if zipped:
        with zipfile.ZipFile(path.with_name(path.name + ".zip"), "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(path.name, text)
    else:
        path.write_text(text, encoding="utf-8")
    return first_id + rows


def generate(folder: Path, files: int, rows: int, zipped: bool, seed: int = 20250601) -> list[Path]:
    rng = np.random.default_rng(seed)
    start, next_id, made = dt.datetime(2025, 6, 1), 1_260_000_000, []
    for n in range(files):
        when = start + dt.timedelta(minutes=15 * n)
        path = folder / f"{when:%Y%m%d%H%M%S}.export.CSV"
        next_id = write_file(path, rng, next_id, rows, when, 0.02, zipped)
        made.append(path.with_name(path.name + ".zip") if zipped else path)
    return made


CHILD = """
import json, resource, sys, time
from caucasus_sim.cli import import_events
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
line = import_events(json.loads(sys.argv[1]))
wall = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"wall": wall, "base_kb": base, "peak_kb": peak, "line": line}))
"""


def measure(inputs: list[str], out: Path) -> dict:
    argv = ["import", "--format", "gdelt2", *inputs, "--out", str(out), "--force", "scenario=history_2024_2025"]
    proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(argv)], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=3000)
    ap.add_argument("--rows", type=int, default=1500)
    ap.add_argument("--zip", action="store_true", help="zip each file, as GDELT distributes them")
    ap.add_argument("--keep", action="store_true", help="keep the generated folder")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="caucasus-eventdata-"))
    try:
        started = time.perf_counter()
        (tmp / "month").mkdir()
        files = generate(tmp / "month", args.files, args.rows, args.zip)
        size = sum(f.stat().st_size for f in files)
        print(f"generated {len(files):,} files x {args.rows:,} rows = {len(files) * args.rows:,} rows, "
              f"{size / 1e6:,.0f} MB{' zipped' if args.zip else ''}, in {time.perf_counter() - started:.1f} s")
        tenth = max(1, len(files) // 10)
        print(f"{'files':>6} {'rows':>11} {'wall s':>8} {'rows/s':>10} {'peak MB':>8} {'over import MB':>15}")
        for subset in (files[:tenth], files):
            inputs = [str(tmp / "month")] if subset is files else [str(f) for f in subset]
            m = measure(inputs, tmp / "timeline.csv")
            n = len(subset) * args.rows
            print(f"{len(subset):>6,} {n:>11,} {m['wall']:>8.1f} {n / m['wall']:>10,.0f} {m['peak_kb'] / 1024:>8.0f} "
                  f"{(m['peak_kb'] - m['base_kb']) / 1024:>15.0f}")
        print(m["line"])
    finally:
        if args.keep:
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
