"""Benchmark: the footprint of every shipped experiment at its default settings.

For each file in experiments/, runs `caucasus-sim experiment=<name>` in a fresh process
(in a temporary folder, progress off) and prints its wall time, its peak resident memory
(the child's own maximum RSS, from os.wait4) next to the preflight estimate, and the size
of its results folder next to the estimate of what it writes. The estimates are what
`caucasus-sim --check` reports and what a run is refused on (outputs/preflight.py).

Run:  .venv/bin/python benchmarks/footprint.py                  (every experiment, several minutes)
      .venv/bin/python benchmarks/footprint.py alignment_paths  (some of them)

The default experiment runs twice: as shipped (Model v2) and with `model=v3`.
Targets printed at the end: each memory estimate within 1.5x of its peak; every peak RSS under
2 GB; the default experiment's folder under 50 MB; Model v3's default experiment within 1.3x
the time of Model v2's. Nothing printed is hard-coded: every number is measured in the run
that prints it.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from caucasus_sim import load_config, runner

ROOT = Path(__file__).resolve().parents[1]
EXE = str(Path(sys.executable).with_name("caucasus-sim"))
MEMORY_TARGET, FOLDER_TARGET, V3_TIME_TARGET = 2e9, 50e6, 1.3
V3 = "alignment_paths model=v3"  # the default experiment on Model v3


def overrides(name: str) -> list[str]:
    """`experiment=<name>` and any further overrides after a space (`alignment_paths model=v3`)."""
    first, *rest = name.split()
    return [f"experiment={first}", *rest]


def measure(name: str, workdir: Path) -> dict:
    """Run one experiment in a child process; its wall time, peak RSS and folder size."""
    out = workdir / name.replace(" ", "_").replace("=", "-")
    out.mkdir()
    t0 = time.perf_counter()
    with open(out / "stdout.txt", "wb") as so, open(out / "stderr.txt", "wb") as se:  # files: no pipe to fill
        proc = subprocess.Popen([EXE, *overrides(name), "progress=off"], cwd=out, stdout=so, stderr=se)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    stdout, stderr = (out / "stdout.txt").read_text(), (out / "stderr.txt").read_text()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{name} failed:\n{stderr[-2000:]}")
    folders = [p.parent for p in (out / "results").rglob("manifest.json") if "points" not in p.parts]
    size = sum(f.stat().st_size for f in folders[0].rglob("*") if f.is_file())
    return {"wall": wall, "rss": usage.ru_maxrss * 1024, "size": size, "folder": folders[0], "line": stdout.strip()}


def main(names: list[str]) -> None:
    print(f"python {platform.python_version()} on {platform.platform()}, {os.cpu_count()} cores")
    print(f"{'experiment':<30} {'wall s':>7} {'peak RSS':>10} {'estimate':>10} {'folder':>10} {'estimate':>10}")
    rows = {}
    if "alignment_paths" in names and V3 not in names:
        names = [*names, V3]
    with tempfile.TemporaryDirectory(prefix="footprint-") as tmp:
        for name in names:
            cost = runner.check(load_config([*overrides(name), f"output_root={tmp}/x"])).cost
            m = measure(name, Path(tmp))
            rows[name] = dict(m, estimate=cost.memory)
            print(f"{name:<30} {m['wall']:7.1f} {m['rss'] / 1e9:8.2f} GB {cost.memory / 1e9:8.2f} GB "
                  f"{m['size'] / 1e6:7.1f} MB {cost.disk / 1e6:7.1f} MB", flush=True)
    worst = max(rows, key=lambda n: rows[n]["rss"])
    ratio = {n: r["estimate"] / r["rss"] for n, r in rows.items()}
    far = max(ratio, key=lambda n: max(ratio[n], 1 / ratio[n]))
    print(f"\nTargets\n  memory estimate within 1.5x of the peak: farthest {far} {ratio[far]:.2f}x -> "
          f"{'PASS' if 1 / 1.5 <= ratio[far] <= 1.5 else 'FAIL'}", end="")
    print(f"\n  peak RSS of every experiment < {MEMORY_TARGET / 1e9:.0f} GB: largest {worst} "
          f"{rows[worst]['rss'] / 1e9:.2f} GB -> {'PASS' if rows[worst]['rss'] < MEMORY_TARGET else 'FAIL'}")
    if "alignment_paths" in rows:
        size = rows["alignment_paths"]["size"]
        print(f"  default experiment's folder < {FOLDER_TARGET / 1e6:.0f} MB: {size / 1e6:.1f} MB -> "
              f"{'PASS' if size < FOLDER_TARGET else 'FAIL'}")
        ratio = rows[V3]["wall"] / rows["alignment_paths"]["wall"]
        print(f"  Model v3's default experiment <= {V3_TIME_TARGET}x Model v2's time: {rows[V3]['wall']:.1f} s / "
              f"{rows['alignment_paths']['wall']:.1f} s = {ratio:.2f}x -> {'PASS' if ratio <= V3_TIME_TARGET else 'FAIL'}")


def parse_names() -> list[str]:
    """The experiments named on the command line (each with further overrides after a space), or all of them."""
    shipped = sorted(p.stem for p in (ROOT / "experiments").glob("*.yaml"))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", nargs="*", metavar="EXPERIMENT",
                    help="an experiment, with further overrides after a space ('alignment_paths model=v3'); "
                         "default: all of them")
    names = ap.parse_args().names
    for name in names:
        if not name.split() or name.split()[0] not in shipped:
            ap.error(f"unknown experiment {name!r}; expected one of {', '.join(shipped)}")
    return names or shipped


if __name__ == "__main__":
    main(parse_names())
