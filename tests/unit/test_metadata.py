"""What a user needs to cite, license and install the package says one thing everywhere:
one version, the MIT license, the data sources to cite, and Python 3.12 or newer."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import yaml

import caucasus_sim

ROOT = Path(__file__).resolve().parents[2]


def test_one_version_in_the_package_its_metadata_the_citation_and_the_changelog():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    changelog = re.search(r"^## \[(\d+\.\d+\.\d+)\]", (ROOT / "CHANGELOG.md").read_text(), flags=re.M).group(1)
    assert caucasus_sim.__version__ == metadata.version("caucasus-sim") == str(citation["version"]) == changelog


def test_the_license_is_mit_everywhere():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert project["license"] == citation["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License\n")


def test_the_citation_names_the_data_sources_the_package_ships():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0" and citation["type"] == "software"
    titles = " | ".join(r["title"] for r in citation["references"])
    for source in ("Conflict-Cooperation Scale", "CAMEO", "Caucasus Barometer", "United Nations General Assembly",
                   "SIPRI", "Mesa"):
        assert source in titles, source


def test_an_older_python_is_told_in_one_sentence():
    code = "import sys; sys.version_info = (3, 11, 9, 'final', 0); import caucasus_sim"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith(
        "ImportError: caucasus-sim requires Python 3.12 or newer; this is Python 3.11.9")
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"] == ">=3.12"
