"""docs/quickstart.ipynb runs top to bottom in a real Jupyter kernel: a run of the three
paths, a paired comparison of two, a parameter change, the xarray view and the Mesa
model, with a progress bar and no warning."""

from __future__ import annotations

from pathlib import Path

import nbclient
import nbformat

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "quickstart.ipynb"


def test_the_quickstart_runs_top_to_bottom(tmp_path):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert 10 <= len(nb.cells) <= 14  # about a dozen cells
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()  # raises on any error
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs for c in code)
    text = "\n".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for c in code for o in c.outputs)
    assert "RunResult('alignment_paths')" in text and "20 replicates" in text
    assert "Turkish path minus status quo" in text and "balance_AZE_q95" in text
    kinds = {k for c in code for o in c.outputs for k in o.get("data", {})}
    assert {"image/png", "text/html", "application/vnd.jupyter.widget-view+json"} <= kinds  # a figure, tables, a bar
    errors = [o["text"] for c in code for o in c.outputs if o.get("name") == "stderr"]
    assert not any("Warning" in e for e in errors), errors
    assert list(tmp_path.iterdir()) == []  # nothing written
