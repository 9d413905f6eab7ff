"""The tests that need ELFI, in an environment of their own.

ELFI (the extra `calibration`, for ABC-SMC) caps matplotlib below 3.9, so the suite's own
environment (`pip install -e '.[test]'`) leaves it out and draws every figure with the
matplotlib a user of `pip install caucasus-sim` gets. This test makes a virtual environment
with the extra `calibration` and runs there every test marked `elfi` (which the suite's
environment skips, naming this test). Where ELFI is installed in the suite's environment,
those tests have run in it and this one has nothing to add."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def marked(path: Path) -> int:
    """How many tests of a file are marked `elfi` (decorator lines)."""
    return sum(line.strip() == "@pytest.mark.elfi" for line in path.read_text().splitlines())


def marked_files() -> list[str]:
    """The test files with a test marked `elfi`."""
    return sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").rglob("test_*.py") if marked(p))


@pytest.mark.slow
def test_the_elfi_tests_pass_in_an_environment_with_elfi(tmp_path):
    if importlib.util.find_spec("elfi") is not None:
        pytest.skip("ELFI is installed here: the tests marked elfi ran in this environment")
    files = marked_files()
    assert files, "no test is marked elfi"
    expected = sum(marked(ROOT / f) for f in files)
    venv = tmp_path / "venv-elfi"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-compile", "-e", f"{ROOT}[calibration]",
                              "pytest>=8,<10"], capture_output=True, text=True, timeout=1200)
    assert install.returncode == 0, install.stderr[-3000:]
    proc = subprocess.run([str(python), "-m", "pytest", "-m", "elfi", "-o", "addopts=-ra", "-q", "-p", "no:cacheprovider",
                           *files], cwd=ROOT, capture_output=True, text=True, timeout=1800)
    last = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert re.search(rf"\b{expected} passed\b", last) and "skipped" not in last, last
