"""Progress bars: on a terminal by default (`progress=auto`), or forced on or off."""

from __future__ import annotations

import sys

from tqdm.auto import tqdm


def progress_disabled(cfg, progress: str | None = None) -> bool:
    """Whether to hide the progress bar: `progress` on/off, or auto (shown on a terminal)."""
    mode = progress or cfg.progress
    return {"on": False, "off": True}.get(mode, not sys.stderr.isatty())


def progress_bar(cfg, total: int, unit: str, desc: str, initial: int = 0, progress: str | None = None,
                 leave: bool = True) -> tqdm:
    return tqdm(total=total, initial=initial, unit=unit, desc=desc, leave=leave,
                disable=progress_disabled(cfg, progress))
