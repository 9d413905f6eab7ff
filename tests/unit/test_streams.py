"""Counter-based random streams: fixed, batch-independent, and well distributed."""

from __future__ import annotations

import numpy as np

from caucasus_sim.model.streams import normals, replicate_keys, stream_id, uniforms


def test_replicate_key_does_not_depend_on_batch():
    batch = replicate_keys(42, range(1000))
    alone = replicate_keys(42, [537])
    assert batch[537] == alone[0]
    assert len(np.unique(batch)) == 1000
    assert replicate_keys(0, [0])[0] != replicate_keys(1, [0])[0]  # seed 0 is a seed


def test_replicate_keys_are_spawned_children_of_the_root_seed():
    child = np.random.SeedSequence(7).spawn(3)[2]
    assert replicate_keys(7, [2])[0] == child.generate_state(1, dtype=np.uint64)[0]


def test_draws_are_a_fixed_function_of_key_step_stream_slot():
    keys = replicate_keys(1, range(10))
    s = stream_id("action:RUS:raid_diaspora")
    a = uniforms(keys, 5, s, 3)
    assert np.array_equal(a, uniforms(keys, 5, s, 3))
    assert np.array_equal(a[:, 4], uniforms(keys[4:5], 5, s, 3)[:, 0])
    assert not np.array_equal(a, uniforms(keys, 6, s, 3))
    assert not np.array_equal(a, uniforms(keys, 5, stream_id("other"), 3))
    assert stream_id("action:RUS:raid_diaspora") == s


def test_uniforms_and_normals_are_well_distributed():
    keys = replicate_keys(2024, range(20000))
    u = uniforms(keys, 3, stream_id("test"), 5)
    assert u.min() > 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.005
    assert abs(u.var() - 1 / 12) < 0.002
    assert abs(np.corrcoef(u[0], u[1])[0, 1]) < 0.03
    hist, _ = np.histogram(u, bins=10, range=(0, 1))
    assert hist.min() > 0.95 * u.size / 10
    z = normals(keys, 3, stream_id("test"), 2)
    assert abs(z.mean()) < 0.02 and abs(z.std() - 1) < 0.02
    assert abs(np.mean(np.abs(z) < 1.96) - 0.95) < 0.005
