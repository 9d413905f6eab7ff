"""Counter-based random streams.

The draw for (replicate key, step, stream, slot) is a fixed hash of those numbers, so
a replicate's random numbers do not depend on which other replicates share its batch,
on the process it runs in, or on which other streams a scenario uses. Replicate keys
are spawned from the root seed with `numpy.random.SeedSequence` (child k of the root
has spawn key (k,)). Streams are named (e.g. "action:RUS:raid_diaspora"), and the name
is hashed with BLAKE2b, so adding or removing one stream leaves the others unchanged:
two scenarios run with the same seed share their random numbers.

The mixing function is the SplitMix64 finaliser (Steele, Lea & Flood 2014), applied to
the replicate key XOR a mixed (stream, step, slot) counter.
"""

from __future__ import annotations

import functools
import hashlib

import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31, _S11 = (np.uint64(s) for s in (30, 27, 31, 11))
_TO_UNIT = 2.0**-53
_GOLDEN_INT, _MASK = 0x9E3779B97F4A7C15, 2**64 - 1


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser on a uint64 array (in place on a fresh array)."""
    z ^= z >> _S30
    z *= _M1
    z ^= z >> _S27
    z *= _M2
    z ^= z >> _S31
    return z


def replicate_keys(seed: int, replicate_ids) -> np.ndarray:
    """64-bit keys of the given replicates, spawned from the root seed."""
    ids = np.asarray(replicate_ids, dtype=np.int64)
    keys = np.empty(ids.shape, dtype=np.uint64)
    for i, k in enumerate(ids.tolist()):
        ss = np.random.SeedSequence(seed, spawn_key=(k,))
        keys[i] = ss.generate_state(1, dtype=np.uint64)[0]
    return keys


def derived_keys(ancestor_keys: np.ndarray, generation: int, copies: np.ndarray) -> np.ndarray:
    """Fresh keys for resampled replicates (`analysis.assimilation`): copy c of a replicate
    with key k, made at resampling `generation`, gets the key mix(k XOR mix(counter(g, c))).
    It depends on the ancestor's key, the generation and the copy number only, not on the
    batch, so copies of one ancestor diverge and a lineage is the same in any batch."""
    c = np.asarray(copies, dtype=np.uint64) * _GOLDEN
    c += np.uint64((stream_id("resample") + generation * _GOLDEN_INT) & _MASK)
    return _mix(_mix(c) ^ np.asarray(ancestor_keys, dtype=np.uint64))


@functools.lru_cache(maxsize=4096)
def stream_id(name: str) -> int:
    """A stable 64-bit id for a named stream."""
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest(), "little")


_STREAM_SLOTS: dict[tuple[int, int], np.ndarray] = {}  # the (stream, slot) half of the counters


def _counters(stream: int, step: int, n_slots: int) -> np.ndarray:
    base = _STREAM_SLOTS.get((stream, n_slots))
    if base is None:
        base = np.arange(n_slots, dtype=np.uint64)
        base *= _GOLDEN
        base += np.uint64(stream)
        base = _STREAM_SLOTS[(stream, n_slots)] = _mix(base)
    return _mix(base ^ np.uint64((step * _GOLDEN_INT) & _MASK))  # Python ints: no overflow warning


def uniforms(keys: np.ndarray, step: int, stream: int, n_slots: int = 1) -> np.ndarray:
    """Uniform draws in (0, 1), shape (n_slots, R): slot j of stream at step for each key."""
    return _to_unit(_counters(stream, step, n_slots)[:, None] ^ keys[None, :])


def first_uniforms(keys: np.ndarray, step: int, streams: np.ndarray) -> np.ndarray:
    """Slot 0 of each of several streams at step, shape (len(streams), R): row i equals
    `uniforms(keys, step, streams[i])[0]`, bit for bit, in one pass."""
    c = _mix(np.array(streams, dtype=np.uint64))  # slot 0: 0 * golden + stream
    c ^= np.full(1, step, dtype=np.uint64) * _GOLDEN
    return _to_unit(_mix(c)[:, None] ^ keys[None, :])


def _to_unit(h: np.ndarray) -> np.ndarray:
    h = _mix(h)
    h >>= _S11
    u = h.astype(np.float64)
    u += 0.5
    u *= _TO_UNIT
    return u


def normals(keys: np.ndarray, step: int, stream: int, n: int = 1) -> np.ndarray:
    """Standard normal draws, shape (n, R), by Box-Muller: with m = ceil(n/2), uniform
    slots j and m + j give normals j (cosine) and m + j (sine)."""
    m = (n + 1) // 2
    u = uniforms(keys, step, stream, 2 * m)
    r = np.log(u[:m])
    r *= -2.0
    np.sqrt(r, out=r)
    theta = u[m:]
    theta *= 2.0 * np.pi
    if n == 1:
        return r * np.cos(theta)
    return np.concatenate([r * np.cos(theta), r[:n - m] * np.sin(theta[:n - m])])


_MANY_SLOTS: dict[tuple, np.ndarray] = {}  # the (stream, slot) halves of several streams' counters


def gathered_normals(keys: np.ndarray, step: int, streams: np.ndarray, which: np.ndarray) -> np.ndarray:
    """One standard normal per item i, from stream `streams[which[i]]` and key `keys[i]`:
    z[i] equals `normals(keys[i:i + 1], step, streams[which[i]], 1)[0, 0]`, bit for bit, in
    one pass (the effect noise of every event a strategy fires in a step)."""
    ident = tuple(int(s) for s in streams)
    base = _MANY_SLOTS.get(ident)
    if base is None:  # as in _counters: slot j of stream s is mix(j * golden + s)
        base = np.array(ident, dtype=np.uint64)[:, None] + np.arange(2, dtype=np.uint64) * _GOLDEN
        base = _MANY_SLOTS[ident] = _mix(base)
    c = _mix(base ^ np.uint64((step * _GOLDEN_INT) & _MASK))[which]  # (items, 2)
    r = np.log(_to_unit(c[:, 0] ^ keys))
    r *= -2.0
    np.sqrt(r, out=r)
    theta = _to_unit(c[:, 1] ^ keys)
    theta *= 2.0 * np.pi
    return r * np.cos(theta)


_SQRT3 = 3.0**0.5


def centred_uniforms(keys: np.ndarray, step: int, stream: int, n: int = 1) -> np.ndarray:
    """Uniform draws on (-sqrt 3, sqrt 3): mean 0 and variance 1, shape (n, R)."""
    u = uniforms(keys, step, stream, n)
    u -= 0.5
    u *= 2.0 * _SQRT3
    return u
