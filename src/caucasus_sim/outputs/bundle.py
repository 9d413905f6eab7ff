"""The results bundle: one folder per run or analysis, written as one unit.

Every analysis writes into a `Bundle`, and every bundle ends the same way: `seal()` writes
`config.yaml`, then `manifest.json` with one set of keys (below) and the SHA-256 of every
file. A folder without `manifest.json` is not complete. Three kinds of folder:

- fresh (runs, attributions): `<root>/<experiment>/<run id>/`, a new id each time,
  assembled in a hidden `.<run id>.partial` sibling and renamed into place when sealed,
  so an interrupted run leaves no folder that looks complete;
- resumable (sweeps, sensitivity analyses, multiruns): `<root>/<experiment>/<kind>-<digest>/`,
  named by a digest of the configuration so that the same command finds its earlier work;
  finished chunks of work are kept in `chunks/` (`ChunkStore`); a lock refuses a second
  writer; every file is replaced atomically;
- staged at a given place (one job of a multirun): assembled beside it and renamed.

Manifest keys: analysis, experiment, id (the folder's name), created_utc, seed,
replicates, replicate_ids, replicate_keys, then the analysis' own keys, then versions,
git_commit, command, cwd, wall_time_s and files.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import pandas as pd
from omegaconf import OmegaConf

from ..config import ConfigError
from ..model import replicate_keys

MANIFEST = "manifest.json"
CONFIG = "config.yaml"
PLAN = "plan.json"
CHUNKS = "chunks"
NOT_RESULTS = ("progress", "output_root", "figure_formats", "store", "limits")  # keys that do not change what a run computes
LIBRARIES = ("mesa", "numpy", "scipy", "hydra-core", "omegaconf", "pandas", "pyarrow", "matplotlib",
             "markdown-it-py", "tqdm", "SALib", "ema_workbench")


def config_digest(cfg) -> str:
    """A short hash of everything that determines the results of a configuration."""
    plain = OmegaConf.to_container(cfg, resolve=True)
    for key in (*NOT_RESULTS, "hydra"):
        plain.pop(key, None)
    text = json.dumps(plain, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def write_atomic(path: Path, write) -> None:
    """Write a file through `write(temporary path)` and rename it into place."""
    tmp = path.with_name(f".{path.name}.tmp")
    write(tmp)
    os.replace(tmp, path)


def write_table(path: Path, table: pd.DataFrame) -> None:
    """A table as Parquet (zstd) or CSV (numbers in full precision: each reads back as the
    same float), by the file's suffix, atomically."""
    if path.suffix == ".parquet":
        write_atomic(path, lambda f: table.to_parquet(f, index=False, compression="zstd"))
    else:
        write_atomic(path, lambda f: table.to_csv(f, index=False))


def write_json(path: Path, data) -> None:
    write_atomic(path, lambda f: f.write_text(json.dumps(data, indent=2, default=str), encoding="utf-8"))


def read_json(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def read_manifest(folder: Path) -> dict:
    return read_json(Path(folder) / MANIFEST)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def git_commit() -> str:
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return commit + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for lib in ("caucasus-sim",) + LIBRARIES:
        try:
            out[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            out[lib] = "not installed"
    return out


def _new_run_id(base: Path) -> tuple[Path, Path]:
    """Reserve a unique run id under `base`: returns (staging folder, final folder)."""
    base.mkdir(parents=True, exist_ok=True)
    while True:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        run_id = f"{stamp}-{secrets.token_hex(3)}"
        staging, final = base / f".{run_id}.partial", base / run_id
        if final.exists():
            continue
        try:
            staging.mkdir()
        except FileExistsError:
            continue
        return staging, final


class ChunkStore:
    """Finished chunks of a long analysis, one Parquet file each, kept across runs."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(exist_ok=True)

    def file(self, i: int) -> Path:
        return self.folder / f"chunk-{i:04d}.parquet"

    def done(self, i: int) -> bool:
        return self.file(i).exists()

    def save(self, i: int, rows: pd.DataFrame) -> None:
        write_table(self.file(i), rows)

    def load(self, n: int) -> pd.DataFrame:
        return pd.concat([pd.read_parquet(self.file(i)) for i in range(n)], ignore_index=True)


class Bundle:
    """One results folder being written; use as a context manager (see the module)."""

    def __init__(self, analysis: str, final: Path, mode: str) -> None:
        self.analysis, self.final, self.mode = analysis, Path(final), mode
        self._staging: Path | None = None
        self._lock = None
        self.sealed = False

    @classmethod
    def fresh(cls, root, experiment: str, analysis: str) -> Bundle:
        """A new run folder `<root>/<experiment>/<run id>` (the id is drawn when first written)."""
        return cls(analysis, Path(root) / experiment / "<run id>", "fresh")

    @classmethod
    def resumable(cls, folder: Path, analysis: str) -> Bundle:
        return cls(analysis, Path(folder), "resumable")

    @classmethod
    def staged(cls, final: Path, analysis: str) -> Bundle:
        return cls(analysis, Path(final), "staged")

    @property
    def path(self) -> Path:
        """Where files are written now: the staging folder (made on first use), or the folder."""
        if self.mode == "resumable":
            return self.final
        if self._staging is None:
            if self.mode == "fresh":
                self._staging, self.final = _new_run_id(self.final.parent)
            else:
                self._staging = self.final.parent / f".{self.final.name}.{os.getpid()}.partial"
                shutil.rmtree(self._staging, ignore_errors=True)
                self._staging.mkdir(parents=True)
        return self._staging

    @property
    def id(self) -> str:
        return self.final.name

    def __enter__(self) -> Bundle:
        if self.mode == "resumable":
            self.final.mkdir(parents=True, exist_ok=True)
            self._lock = open(self.final / ".lock", "w")
            try:
                fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self._lock.close()
                raise ConfigError(f"{self.final} is in use by another run of the same analysis; "
                                  "wait for it to finish") from None
        return self

    def __exit__(self, *exc) -> None:
        if self._staging is not None and not self.sealed:
            shutil.rmtree(self._staging, ignore_errors=True)
        if self._lock is not None:
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()

    def write_table(self, name: str, table: pd.DataFrame) -> None:
        write_table(self.path / name, table)

    def write_json(self, name: str, data) -> None:
        write_json(self.path / name, data)

    def chunks(self) -> ChunkStore:
        return ChunkStore(self.path / CHUNKS)

    def seal(self, cfg, started: float, **extra) -> dict:
        """Write config.yaml and the manifest (last), then move the folder into place. Every
        analysis runs replicates 0 .. cfg.replicates - 1 (of each path and point)."""
        folder = self.path
        write_atomic(folder / CONFIG, lambda f: f.write_text(OmegaConf.to_yaml(cfg, resolve=True),
                                                             encoding="utf-8"))
        ids = list(range(int(cfg.replicates)))
        files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")
                       and p.name != MANIFEST and not {CHUNKS, "points"} & set(p.relative_to(folder).parts))
        manifest = {
            "analysis": self.analysis, "experiment": str(cfg.experiment), "id": self.id,
            "created_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "seed": int(cfg.seed), "replicates": len(ids), "replicate_ids": ids,
            "replicate_keys": [int(k) for k in replicate_keys(int(cfg.seed), ids)],
            **extra,
            "versions": versions(), "git_commit": git_commit(),
            "command": [Path(sys.argv[0]).name] + sys.argv[1:], "cwd": os.getcwd(),
            "wall_time_s": round(time.perf_counter() - started, 3),
            "files": {str(p.relative_to(folder)): sha256(p) for p in files},
        }
        write_json(folder / MANIFEST, manifest)
        if self.mode != "resumable":
            if self.mode == "staged" and self.final.exists():  # a concurrent job finished it
                shutil.rmtree(folder)
            else:
                os.rename(folder, self.final)
        self.sealed = True
        return manifest
