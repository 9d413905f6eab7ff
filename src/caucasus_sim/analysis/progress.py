"""Progress bars: on a terminal and in a Jupyter notebook by default (`progress=auto`), or
forced on or off."""

from __future__ import annotations

import sys

from tqdm.auto import tqdm


def in_notebook_kernel() -> bool:
    """Whether stderr is a Jupyter kernel's output stream, which a notebook shows (with
    ipywidgets, tqdm draws the bar as a widget there)."""
    return type(sys.stderr).__module__.split(".")[0] == "ipykernel"


def progress_disabled(cfg, progress: str | None = None) -> bool:
    """Whether to hide the progress bar: `progress` on/off, or auto (shown on a terminal
    and in a notebook; not when stderr goes to a file or a pipe)."""
    mode = progress or cfg.progress
    return {"on": False, "off": True}.get(mode, not (sys.stderr.isatty() or in_notebook_kernel()))


def progress_bar(cfg, total: int, unit: str, desc: str, initial: int = 0, progress: str | None = None,
                 leave: bool = True) -> tqdm:
    return tqdm(total=total, initial=initial, unit=unit, desc=desc, leave=leave,
                disable=progress_disabled(cfg, progress))
