"""What finished models become on disk: tidy tables and the results bundle (staging
folder, lock, digests, one manifest). No analysis and no figures here."""

from .bundle import Bundle, ChunkStore, config_digest, read_manifest, sha256, versions
from .tables import BALANCE, RUN_FILES, axis_names, build_tables, in_order, load_tables

__all__ = ["BALANCE", "RUN_FILES", "Bundle", "ChunkStore", "axis_names", "build_tables", "config_digest", "in_order",
           "load_tables", "read_manifest", "sha256", "versions"]
