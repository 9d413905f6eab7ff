"""Where a calibration's work runs changes none of its numbers (docs/odd.md, section 7.22):
the design chunks and the ABC batches in this process, in two processes of this machine,
and on a Dask cluster give the same design table and the same posterior, bit for bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import compose
from test_calibration import TINY, refusal

from caucasus_sim.analysis import abc, matching, pool
from caucasus_sim.outputs import Bundle

SMALL_CHUNKS = [*TINY, "calibration.points_per_batch=8"]  # three chunks per structure


@pytest.fixture(scope="module")
def prepared():
    cfg = compose(*SMALL_CHUNKS)
    return cfg, matching.prepare(cfg)


@pytest.fixture(scope="module")
def in_process(prepared, tmp_path_factory):
    cfg, (plan, designs) = prepared
    with Bundle.resumable(tmp_path_factory.mktemp("one") / "cal", "calibration") as bundle:
        return matching.run_designs(cfg, plan, designs, bundle)


@pytest.fixture(scope="module")
def dask_cluster():
    distributed = pytest.importorskip("distributed", reason="needs dask.distributed (pip install -e '.[cluster]')")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster:
        yield cluster.scheduler_address


def test_a_batch_split_into_slices_gives_the_drivers_of_the_whole_batch(prepared):
    cfg, (plan, designs) = prepared
    theta, ids = designs["v2"][:10], np.arange(100, 110, dtype=np.int64)
    whole = abc.simulate_particles(plan, theta, plan.keys, ids)
    parts = [abc.simulate_particles(plan, theta[s], plan.keys, ids[s]) for s in (slice(0, 3), slice(3, 10))]
    assert np.array_equal(whole, np.concatenate(parts))
    assert [(s.start, s.stop) for s in pool.slices(2500, 2)] == [(0, 1250), (1250, 2500)]
    assert len(pool.slices(1500, 8)) == 1  # no slice below MIN_SLICE particles


def test_design_chunks_on_local_processes_give_the_table_of_one_process(prepared, in_process, tmp_path):
    cfg, (plan, designs) = prepared
    with pool.ProcessPool(2) as workers, Bundle.resumable(tmp_path / "cal", "calibration") as bundle:
        table = matching.run_designs(cfg, plan, designs, bundle, workers)
    assert len(table) == 3 * 24 * 3  # v2, v1 and v3: the chunks count through every structure
    pd.testing.assert_frame_equal(table, in_process, check_exact=True)


def test_design_chunks_on_a_dask_cluster_give_the_table_of_one_process(prepared, in_process, dask_cluster,
                                                                      tmp_path):
    cfg, (plan, designs) = prepared
    cfg.calibration.client, cfg.calibration.scheduler = "dask", dask_cluster
    with pool.open_pool(cfg.calibration) as workers, Bundle.resumable(tmp_path / "cal", "calibration") as bundle:
        assert isinstance(workers, pool.DaskPool) and workers.workers == 2
        table = matching.run_designs(cfg, plan, designs, bundle, workers)
    pd.testing.assert_frame_equal(table, in_process, check_exact=True)


@pytest.mark.elfi
def test_abc_batches_split_over_a_dask_cluster_give_the_posterior_of_one_process(prepared, dask_cluster,
                                                                                tmp_path, monkeypatch):
    cfg, (plan, _) = prepared
    cfg.calibration.abc.populations = 1
    monkeypatch.setattr(pool, "MIN_SLICE", 4)  # the batches of 16 particles split in two
    out = {}
    for name, workers in (("one", pool.Pool()), ("dask", pool.DaskPool(dask_cluster, 0))):
        with workers, Bundle.resumable(tmp_path / name, "calibration") as bundle:
            out[name] = abc.run_abc(cfg, plan, plan.bounds, bundle, workers)
    assert len(out["one"].populations) == 2
    pd.testing.assert_frame_equal(out["one"].posterior, out["dask"].posterior, check_exact=True)
    pd.testing.assert_frame_equal(out["one"].populations, out["dask"].populations, check_exact=True)


@pytest.mark.elfi
def test_the_engine_client_and_the_box_check_give_elfis_posterior_in_fewer_engine_batches(prepared, tmp_path,
                                                                                          monkeypatch):
    """ELFI's batches in flight run as one engine batch, and proposals are checked against
    the prior box with numpy: the same populations and posterior as ELFI's own SMC with its
    native client, one batch of 4 particles at a time, over three rounds, on a narrow box
    (many proposals fall outside it)."""
    cfg, (plan, _) = prepared
    cfg.calibration.abc.batch_size, cfg.calibration.abc.populations = 4, 2
    box = [(lo + 0.3 * (hi - lo), lo + 0.5 * (hi - lo)) for lo, hi in plan.bounds]
    engine_batches = []
    real = abc.simulate_drivers
    monkeypatch.setattr(abc, "simulate_drivers", lambda *a, **k: engine_batches.append(len(a[2])) or real(*a, **k))
    out, sizes = {}, {}
    for client, k in (("native", 1), ("engine", 6)):
        cfg.calibration.abc.client, cfg.calibration.abc.parallel_batches = client, k
        engine_batches.clear()
        with monkeypatch.context() as m, Bundle.resumable(tmp_path / client, "calibration") as bundle:
            if client == "native":
                m.setattr(abc, "box_smc", lambda elfi, box: elfi.SMC)  # ELFI's own check, through its graph
            out[client] = abc.run_abc(cfg, plan, box, bundle)
        sizes[client] = list(engine_batches)
    pd.testing.assert_frame_equal(out["native"].posterior, out["engine"].posterior, check_exact=True)
    pd.testing.assert_frame_equal(out["native"].populations, out["engine"].populations, check_exact=True)
    assert all(out["engine"].posterior[key].between(lo, hi).all() for key, (lo, hi) in zip(plan.keys, box))
    assert set(sizes["native"]) == {4} and max(sizes["engine"]) == 6 * 4
    assert len(sizes["engine"]) < len(sizes["native"]) / 3


@pytest.mark.parametrize(("overrides", "needle"), [
    (["calibration.client=spark"], "unknown client 'spark'"),
    (["calibration.workers=-1"], "must be at least 0"),
    (["calibration.scheduler=tcp://host:8786"], "is for calibration.client=dask"),
])
def test_bad_pool_settings_are_refused_in_one_line(overrides, needle):
    assert needle in refusal(*overrides)
