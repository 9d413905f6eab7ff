"""What an analysis returns: its own tables, the folder they were saved in, and a short
summary for the console and for notebooks (`repr`, `_repr_html_`)."""

from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar


@dataclass(repr=False)
class Result:
    """The base of every analysis result; `facts()` gives its headline lines."""

    kind: ClassVar[str] = "analysis"
    experiment: str
    folder: Path | None = field(default=None, kw_only=True)
    manifest: dict = field(default_factory=dict, kw_only=True)

    def facts(self) -> list[str]:
        return []

    def provenance(self) -> dict:
        """The analysis' own keys of its manifest (with `replicate_ids`)."""
        return {}

    def line(self) -> str:
        """The one line the command prints when the analysis is done."""
        where = os.path.relpath(self.folder) if self.folder is not None else "(not written)"
        took = f" in {self.manifest['wall_time_s']:.1f} s" if "wall_time_s" in self.manifest else ""
        return f"caucasus-sim: {self.experiment}: {self.facts()[0]}{took} -> {where}"

    def _folder_text(self) -> str:
        return str(self.folder) if self.folder is not None else "not written"

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__}({self.experiment!r})", *(f"  {f}" for f in self.facts()),
                 f"  folder: {self._folder_text()}"]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{html.escape(f)}</li>" for f in [*self.facts(), f"folder: {self._folder_text()}"])
        return (f"<div><strong>{html.escape(type(self).__name__)}</strong> "
                f"<code>{html.escape(self.experiment)}</code><ul>{items}</ul></div>")


@dataclass(repr=False)
class TablesResult(Result):
    """A result that is named tables (`tables`) and how they were made (`how`: the keys it
    adds to its manifest), as a calibration's and a forecast's are."""

    tables: dict
    how: dict

    def provenance(self) -> dict:
        return self.how
