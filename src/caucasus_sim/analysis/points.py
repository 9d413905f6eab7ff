"""Parameter points: checking a point's values, and evaluating many points in chunks that
survive an interruption (the one resume loop of sweeps and sensitivity analyses)."""

from __future__ import annotations

import copy
import gc
from collections.abc import Callable

import pandas as pd
from omegaconf import OmegaConf

from ..config import ConfigError, describe_config_exception, validate
from ..outputs import Bundle
from .pool import Pool
from .progress import progress_bar, progress_disabled

_NOT_SET = object()


def numeric_value(cfg, key: str, where: str) -> int | float:
    """The current value of a numeric configuration key, or a ConfigError naming it."""
    current = OmegaConf.select(cfg, key, default=_NOT_SET)
    if current is _NOT_SET:
        raise ConfigError(f"{where}: unknown key {key!r}; name an existing numeric configuration key")
    if isinstance(current, bool) or not isinstance(current, (int, float)):
        raise ConfigError(f"{where}: {key!r} holds {current!r}, not a number; only numeric keys can vary")
    return current


def point_config(cfg, point: dict, where: str = "sweep"):
    """A copy of the configuration with one point's values set (typed and validated)."""
    out = copy.deepcopy(cfg)
    for key, value in point.items():
        try:
            OmegaConf.update(out, key, value, merge=False)
        except Exception as exc:
            raise ConfigError(f"{where} axis {key}: value {value!r}: {describe_config_exception(exc)}") from None
    try:
        validate(out)
    except ConfigError as exc:
        raise ConfigError(f"{where} point {point}: {exc}") from None
    return out


def chunked(n: int, per_chunk: int) -> list[list[int]]:
    """Point numbers 0 .. n-1 in chunks of `per_chunk` (0: one chunk)."""
    per_chunk = per_chunk or n
    return [list(range(i, min(i + per_chunk, n))) for i in range(0, n, per_chunk)]


def run_chunks(cfg, bundle: Bundle, chunks: list[list[int]], evaluate: Callable[[int, list[int]], pd.DataFrame],
               desc: str, pool: Pool | None = None) -> pd.DataFrame:
    """Evaluate every chunk of points not already saved in the bundle, saving each as it
    finishes; return the rows of all chunks, in chunk order. Re-running the same analysis
    after an interruption evaluates only what is missing. With a `pool` (`analysis.pool`;
    `evaluate` then picklable) the chunks run on its workers at once, and are saved here
    in the order they finish; the rows are the same."""
    store = bundle.chunks()
    total = sum(len(ids) for ids in chunks)
    todo = [(i, ids) for i, ids in enumerate(chunks) if not store.done(i)]
    done = total - sum(len(ids) for _, ids in todo)
    pool = pool or Pool()
    with progress_bar(cfg, total, "point", desc, initial=done) as bar:
        futures = {pool.submit(evaluate, i, ids): (i, ids) for i, ids in todo}
        for future in pool.finished(list(futures)):
            i, ids = futures[future]
            store.save(i, future.result())
            # a Mesa model and its agents refer to each other, so a finished chunk's models
            # (and their records) are freed only by the cycle collector: run it now, or the
            # memory of every chunk adds up
            gc.collect()
            bar.update(len(ids))
    if progress_disabled(cfg) and todo:
        print(f"caucasus-sim: {bundle.id}: {total} points ({done} already done, {total - done} run"
              f"{'' if pool.workers == 1 else ' on ' + pool.where})")
    return store.load(len(chunks))
