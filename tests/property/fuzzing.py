"""What the fuzz tests share: one shard of hypothesis examples (kept out of helpers.py, which
every test environment imports, the ELFI one too, where hypothesis is not installed)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, seed, settings


def check_examples(strategy, check, *, seed_value: int, examples: int) -> None:
    """`check(value)` on `examples` values of a hypothesis `strategy`, drawn from `seed_value`:
    one shard of a fuzz test (shards have seeds of their own, so that test workers share them)."""
    @seed(seed_value)
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(value=strategy)
    def checked(value):
        check(value)
    checked()
