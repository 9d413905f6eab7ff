"""Benchmark: how long the command takes to answer --version and --help, and to import
the package and its command line, each in a fresh process (median of 5).

`caucasus-sim --version` and `--help` are answered by `caucasus_sim.entry` before the command
line (Hydra, the model, pandas, matplotlib) is imported; the last rows show what that spares.

Run:  .venv/bin/python benchmarks/startup.py
Nothing printed is hard-coded: every number is measured in the run that prints it.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

EXE = str(Path(sys.executable).with_name("caucasus-sim"))
CASES = {
    "caucasus-sim --version": [EXE, "--version"],
    "caucasus-sim --help": [EXE, "--help"],
    "python -c 'import caucasus_sim'": [sys.executable, "-c", "import caucasus_sim"],
    "python -c 'import caucasus_sim.cli' (the full command line)": [sys.executable, "-c", "import caucasus_sim.cli"],
}


def median_time(argv: list[str], n: int = 5) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args()
    for name, argv in CASES.items():
        print(f"{name:<62} {median_time(argv):6.2f} s", flush=True)


if __name__ == "__main__":
    main()
