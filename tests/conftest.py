"""Fixtures shared by the tests (helpers are in helpers.py)."""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest

import helpers

# The suite starts Python a hundred times (the commands, Hydra's launchers, a kernel, a
# server). Where PYTHONDONTWRITEBYTECODE is set, as on the machines CI runs on, none of them
# keeps the bytecode it compiles, so each compiles every module it imports again: 7 more
# minutes of CPU. The suite's processes (the test workers, which start after this file is
# read, and every process they start) keep their bytecode in __pycache__ (git ignores it).
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
sys.dont_write_bytecode = False


def pytest_collection_modifyitems(config, items):
    """The longest file runs first (tests/e2e/test_elfi_env.py: it installs an environment
    and runs the elfi tests there, two minutes on CI's two cores), then the files with a test
    marked `slow`, then the others, each group with its larger files first (xdist's own order,
    which `--no-loadscope-reorder` in addopts hands to this hook): xdist gives each core one
    file at a time, so a long file started last would leave the other core idle at the end.

    Tests marked `elfi` need ELFI, which caps matplotlib below 3.9: the suite's environment
    does not have it (its figures are drawn with the matplotlib users get), and
    tests/e2e/test_elfi_env.py runs these tests in an environment of their own that has it."""
    per_file: dict[str, list] = {}
    for item in items:
        per_file.setdefault(item.nodeid.split("::")[0], []).append(item)
    files = sorted(per_file.items(), key=lambda kv: (kv[0] != "tests/e2e/test_elfi_env.py",
                                                      not any("slow" in i.keywords for i in kv[1]), -len(kv[1])))
    items[:] = [item for _, f in files for item in f]
    if importlib.util.find_spec("elfi") is not None:
        return
    skip = pytest.mark.skip(reason="needs ELFI: run with it by tests/e2e/test_elfi_env.py")
    for item in items:
        if "elfi" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def tmp_results(tmp_path, monkeypatch):
    """Runs composed with `helpers.compose` write under tmp_path/results (through
    `output_root`; the working directory is not changed)."""
    monkeypatch.setattr(helpers, "OUTPUT_ROOT", tmp_path / "results")
    return tmp_path


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium driven by selenium (Debian's chromium and chromium-driver, which
    .ci/run installs); the test is skipped, saying why, where they are not installed."""
    import shutil

    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if binary is None or driver is None:
        pytest.skip("headless Chromium is not installed (apt-get install chromium chromium-driver; .ci/run does)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")
    options = webdriver.ChromeOptions()
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                "--window-size=1280,900"):
        options.add_argument(arg)
    options.binary_location = binary
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # the console, for failed loads
    chrome = webdriver.Chrome(service=webdriver.ChromeService(driver), options=options)
    yield chrome
    chrome.quit()
