"""Where a calibration's work runs: in this process, in processes of this machine, or on a
Dask cluster (`calibration.client`, `calibration.workers`, `calibration.scheduler`).

A task is a picklable function and its arguments; its result depends on nothing but them
(the engine's random numbers are counted from each replicate's key, docs/odd.md 7.11), so
where a task runs changes no number. `submit` returns a future, `finished` yields futures
as they finish, and `map` returns the results in the order of its items.
"""

from __future__ import annotations

import concurrent.futures as cf
import importlib.util
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator

import numpy as np

from ..config import ConfigError

CLIENTS = ("local", "dask")
MIN_SLICE = 1000  # particles: a batch is split over workers in slices of at least this many


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def slices(n: int, workers: int) -> list[slice]:
    """A batch of n particles in contiguous slices, one per worker, none under MIN_SLICE
    (an engine batch costs a fixed start-up, about as much as 850 particles, on top of
    its particles: benchmarks/calibration.py)."""
    k = max(1, min(workers, n // MIN_SLICE))
    edges = np.linspace(0, n, k + 1).round().astype(int)
    return [slice(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:])]


def local_workers(c) -> int:
    """The processes of this machine a calibration block runs (0 with a remote scheduler)."""
    if c.client == "dask" and c.scheduler:
        return 0
    return int(c.workers) or cores()


class Deferred:
    """A task of the in-process pool: run when its result is first asked for, so that a
    caller that saves each result as it comes holds one at a time."""

    def __init__(self, fn: Callable, args: tuple) -> None:
        self.fn, self.args, self._done, self._result = fn, args, False, None

    def result(self):
        if not self._done:
            self._result, self._done, self.args = self.fn(*self.args), True, ()
        return self._result


class Pool:
    """Tasks run here, one after another, each when its result is asked for (one worker)."""

    workers = 1
    where = "this process"

    def submit(self, fn: Callable, *args) -> Deferred | cf.Future:
        return Deferred(fn, args)

    def finished(self, futures: list) -> Iterator:
        return iter(futures)

    def map(self, fn: Callable, items: Iterable[tuple]) -> list:
        return [f.result() for f in [self.submit(fn, *args) for args in items]]

    def close(self) -> None:
        pass

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class ProcessPool(Pool):
    """Tasks run in `workers` fresh processes of this machine (spawned: a worker inherits
    no thread or open file of the parent)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.where = f"{workers} processes"
        self._executor = cf.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))

    def submit(self, fn: Callable, *args) -> cf.Future:
        return self._executor.submit(fn, *args)

    def finished(self, futures: list) -> Iterator:
        return cf.as_completed(futures)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


class DaskPool(Pool):
    """Tasks run on a Dask cluster: the scheduler at `address`, or a local cluster of
    `workers` single-threaded processes (the optional extra `cluster`)."""

    def __init__(self, address: str, workers: int) -> None:
        from dask.distributed import Client, LocalCluster  # the optional extra, imported only when asked for

        self._cluster = None if address else LocalCluster(n_workers=workers, threads_per_worker=1,
                                                          dashboard_address=None)
        self.client = Client(address or self._cluster)
        self.workers = max(1, sum(self.client.nthreads().values()))
        self.where = f"the Dask cluster at {self.client.scheduler.address} ({self.workers} workers)"

    def submit(self, fn: Callable, *args):
        return self.client.submit(fn, *args, pure=False)

    def finished(self, futures: list) -> Iterator:
        from dask.distributed import as_completed  # the optional extra, as above

        return iter(as_completed(futures))

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def require_dask() -> None:
    if importlib.util.find_spec("distributed") is None:
        raise ConfigError("calibration.client: dask needs dask.distributed; pip install -e '.[cluster]' "
                          "(or set calibration.client=local)")


def open_pool(c) -> Pool:
    """The pool a calibration block asks for: `client` local with `workers` processes (0: one
    per core; 1: this process), or dask at `scheduler` ("": a local cluster of `workers`)."""
    workers = int(c.workers) or cores()
    if c.client == "dask":
        require_dask()
        return DaskPool(str(c.scheduler), workers)
    return ProcessPool(workers) if workers > 1 else Pool()
