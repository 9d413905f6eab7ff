"""Benchmark: the footprint of every shipped experiment at its default settings.

For each file in experiments/, runs `caucasus-sim experiment=<name>` in a fresh process
(in a temporary folder, progress off) and prints its wall time, its peak resident memory
(the child's own maximum RSS, from os.wait4) next to the preflight estimate, and the size
of its results folder next to the estimate of what it writes. The estimates are what
`caucasus-sim --check` reports and what a run is refused on (outputs/preflight.py).

Run:  .venv/bin/python benchmarks/footprint.py                  (every experiment, several minutes)
      .venv/bin/python benchmarks/footprint.py alignment_paths  (some of them)

Targets printed at the end: every peak RSS under 2 GB; the default experiment's folder
under 50 MB. Nothing printed is hard-coded: every number is measured in the run that prints it.
"""

from __future__ import annotations

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
MEMORY_TARGET, FOLDER_TARGET = 2e9, 50e6


def measure(name: str, workdir: Path) -> dict:
    """Run one experiment in a child process; its wall time, peak RSS and folder size."""
    out = workdir / name
    out.mkdir()
    t0 = time.perf_counter()
    with open(out / "stdout.txt", "wb") as so, open(out / "stderr.txt", "wb") as se:  # files: no pipe to fill
        proc = subprocess.Popen([EXE, f"experiment={name}", "progress=off"], cwd=out, stdout=so, stderr=se)
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
    with tempfile.TemporaryDirectory(prefix="footprint-") as tmp:
        for name in names:
            cost = runner.check(load_config([f"experiment={name}", f"output_root={tmp}/x"])).cost
            m = measure(name, Path(tmp))
            rows[name] = m
            print(f"{name:<30} {m['wall']:7.1f} {m['rss'] / 1e9:8.2f} GB {cost.memory / 1e9:8.2f} GB "
                  f"{m['size'] / 1e6:7.1f} MB {cost.disk / 1e6:7.1f} MB", flush=True)
    worst = max(rows, key=lambda n: rows[n]["rss"])
    print(f"\nTargets\n  peak RSS of every experiment < {MEMORY_TARGET / 1e9:.0f} GB: largest {worst} "
          f"{rows[worst]['rss'] / 1e9:.2f} GB -> {'PASS' if rows[worst]['rss'] < MEMORY_TARGET else 'FAIL'}")
    if "alignment_paths" in rows:
        size = rows["alignment_paths"]["size"]
        print(f"  default experiment's folder < {FOLDER_TARGET / 1e6:.0f} MB: {size / 1e6:.1f} MB -> "
              f"{'PASS' if size < FOLDER_TARGET else 'FAIL'}")


if __name__ == "__main__":
    main(sys.argv[1:] or sorted(p.stem for p in (ROOT / "experiments").glob("*.yaml")))
