"""Event data in: GDELT 2.0, ICEWS and PLOVER exports become model events.

An export is read file by file and row by row (`readers`), its actors mapped to the
model's by an actor map (`actors`), its records cleaned with every step counted
(`cleaning`), and what is left aggregated per period, dyad and CAMEO code into events
whose magnitude is normalised by the attention the period gave the dyad (`attention`).
`importer` runs the whole pipeline; `timeline` writes the result in the project's own
timeline CSV. This layer imports only `config`; the model reads its events (docs/odd.md,
section 7.23).
"""

from .actors import ActorMap, load_actor_map
from .attention import ImportedEvent, aggregate, attention_magnitude
from .cleaning import REASONS, Cleaning, Periods
from .importer import Import, Summary, configured_import, export_path, import_export, import_rows
from .readers import FORMAT_NAMES, FORMATS, Record, export_files, rows
from .timeline import TIMELINE_COLUMNS, check_output, write_timeline

__all__ = [
    "FORMATS", "FORMAT_NAMES", "REASONS", "TIMELINE_COLUMNS", "ActorMap", "Cleaning", "Import", "ImportedEvent",
    "Periods", "Record", "Summary", "aggregate", "attention_magnitude", "check_output", "configured_import",
    "export_files", "export_path", "import_export", "import_rows", "load_actor_map", "rows", "write_timeline",
]
