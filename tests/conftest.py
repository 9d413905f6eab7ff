"""Fixtures shared by the tests (helpers are in helpers.py)."""

from __future__ import annotations

import pytest

import helpers


@pytest.fixture
def tmp_results(tmp_path, monkeypatch):
    """Runs composed with `helpers.compose` write under tmp_path/results (through
    `output_root`; the working directory is not changed)."""
    monkeypatch.setattr(helpers, "OUTPUT_ROOT", tmp_path / "results")
    return tmp_path
