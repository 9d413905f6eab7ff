"""The structures the calibration compares (docs/odd.md 7.22): Model v3 joins v2 and the v1
structure as configuration, its runs are those of `model=v3`, v2's and v1's designs and
distances stay those they were before v3 joined, and model choice works over any number."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import compose
from omegaconf import OmegaConf
from test_calibration import TINY, refusal

from caucasus_sim.analysis import calibration, matching
from caucasus_sim.outputs import Bundle
from caucasus_sim.report.calibration import _choice_title

# pinned from the code before v3 joined (commit 88dc120, calibration.structures did not exist):
# the first point of each design and the sum of its (point, replicate) ABC distances, TINY
BEFORE_V3 = {
    "v2": ([0.14214975241224387, 0.09214412487784755, 1.7824124227944451, 0.34137263811822494, 0.3813057645942347,
            0.9875289557417293, 2.907349652051596, 2.2481086619187023, 2.331270364226427, 2.4870479383424122],
           24.079568238524907),
    "v1": ([0.18302432832235915, 0.04129144532765525, 0.32208243896096966], 24.037644517651735),
}


@pytest.fixture(scope="module")
def three():
    """TINY with the default structures (v2, v1, v3): its plan, designs and distances."""
    cfg = compose(*TINY, "calibration.workers=1")
    plan, designs = matching.prepare(cfg)
    with Bundle.resumable(Path(tempfile.mkdtemp()) / "cal", "calibration") as bundle:
        table = matching.run_designs(cfg, plan, designs, bundle)
    Zs = {s: matching.driver_array(table, s, len(plan.targets)) for s in plan.structures}
    d = {s: matching.distances(plan, Zs[s], matching.history_match(plan, Zs[s], 3.0).links) for s in Zs}
    return plan, designs, d, table


def test_the_default_compares_v2_v1_and_v3_over_the_keys_the_plan_gives_each(three):
    plan, designs, _, table = three
    assert plan.structures == ("v2", "v1", "v3")
    v3_keys = [p.key for p in compose(*TINY).calibration.v3_params]
    assert plan.keys_of("v3") == plan.keys + v3_keys and plan.keys_of("v1") == plan.v1_keys
    assert {s: designs[s].shape for s in designs} == {"v2": (24, 10), "v1": (24, 3), "v3": (24, 10 + len(v3_keys))}
    lo, hi = np.array(plan.bounds_of("v3")).T
    assert ((designs["v3"] >= lo) & (designs["v3"] <= hi)).all()
    assert len(table) == 3 * 24 * 3 and list(pd.unique(table["structure"])) == ["v2", "v1", "v3"]


def test_v2_and_v1_are_what_they_were_before_v3_joined(three):
    """Bit-for-bit continuity: the designs (seed offsets 0 and 1) and the ABC distances of v2
    and v1 are those of the code before v3 (pinned), with or without v3 in the list."""
    _, designs, d, _ = three
    plan2, designs2 = matching.prepare(compose(*TINY, "calibration.structures=[v2,v1]"))
    assert plan2.structures == ("v2", "v1") and set(designs2) == {"v2", "v1"}
    for s, (first, total) in BEFORE_V3.items():
        assert designs[s][0].tolist() == first and np.array_equal(designs2[s], designs[s])
        assert float(d[s].sum()) == pytest.approx(total, rel=1e-12)
    assert not np.array_equal(designs["v3"][:, :10], designs["v2"])  # v3's own seed (offset 2)


def test_the_v3_structure_runs_model_v3_with_the_calibrations_window():
    """v3's configuration is `model=v3` with the calibration's end and outcome dates, key
    for key, and a design point run through it gives the drivers of model=v3 at that point."""
    plan = matching.check_calibration(compose(*TINY))
    c3 = plan.configs["v3"]
    ref = compose("model=v3", *TINY, f"scenario.end={c3.scenario.end}", "calibration.enabled=false",
                  f"scenario.outcome_dates=[{','.join(c3.scenario.outcome_dates)}]")
    assert OmegaConf.to_container(c3, resolve=True) == OmegaConf.to_container(ref, resolve=True)
    keys = plan.keys_of("v3")
    point = dict(zip(keys, [float(np.mean(b)) for b in plan.bounds_of("v3")]))
    got = matching.simulate_drivers(plan, "v3", [point], replicates=2)
    direct = matching.CalibrationPlan(**{**plan.__dict__, "configs": {"v3": ref}})
    assert np.array_equal(got, matching.simulate_drivers(direct, "v3", [point], replicates=2))
    assert not np.array_equal(got, matching.simulate_drivers(plan, "v2", [{k: point[k] for k in plan.keys}],
                                                             replicates=2))


def test_v3_keeps_the_calibrations_values_of_the_keys_it_shares_with_v2():
    plan = matching.check_calibration(compose(*TINY, "params.attitude_noise_sd=0.03"))
    c3 = plan.configs["v3"]
    assert c3.params.attitude_noise_sd == 0.03 and c3.model_version == "v3"
    assert c3.params.credibility.refusal_drop == 0.25 and list(c3.actors.adversaries[0]) == ["ARM", "AZE"]
    assert c3.scenario.timeline.endswith("timeline_2013_2025_v3.csv") and len(c3.scenario.capability.shocks) == 1
    assert c3.scenario.start == plan.configs["v2"].scenario.start and c3.scenario.end == "2015-12-31"


def _choice3(points: dict, seed: int = 1) -> pd.DataFrame:
    """Distances 0 at the first `points[s]` points of each structure and 1 elsewhere."""
    d = {s: np.ones((100, 10)) for s in points}
    for s, n in points.items():
        d[s][:n] = 0.0
    kept = {s: np.ones(100, bool) for s in d}
    return matching.choice_table(d, kept, quantile=sum(points.values()) / (100 * len(d)), seed=seed)


def test_model_choice_over_three_structures_gives_each_its_share_and_error():
    c = _choice3({"v2": 30, "v1": 10, "v3": 60}).set_index("structure")
    assert c["posterior_probability"].to_dict() == pytest.approx({"v2": 0.3, "v1": 0.1, "v3": 0.6})
    assert (c["probability_se"] > 0).all() and c["lower_95"].isna().all() and c["upper_95"].isna().all()
    said = calibration.preference(c.reset_index())
    assert said.startswith(f"the calibration prefers v3 (P(v3) = 0.60 ± {c.loc['v3', 'probability_se']:.2f})")
    close = calibration.preference(_choice3({"v2": 32, "v1": 0, "v3": 30}))
    assert "but v3 is within two standard errors of it" in close and close.startswith("the calibration prefers v2")


def test_when_every_accepted_draw_is_one_structures_each_other_gets_an_upper_bound():
    c = _choice3({"v2": 0, "v1": 0, "v3": 30}).set_index("structure")
    bound = matching.one_sided_bound(30)
    assert c.loc["v3", "lower_95"] == pytest.approx(bound) and np.isnan(c.loc["v3", "upper_95"])
    assert c.loc[["v2", "v1"], "upper_95"].tolist() == pytest.approx([1 - bound] * 2)
    said = calibration.choice_statement(c.reset_index())
    assert said.startswith("P(v2) ≤ 0.095, P(v1 structure) ≤ 0.095, P(v3) ≥ 0.905 (every accepted draw is v3's")
    assert calibration.preference(c.reset_index()) == "the calibration prefers v3 (P(v3) ≥ 0.905)"
    assert _choice_title(["v2", "v1", "v3"]) == "Model choice: v2 against the v1 structure and v3"
    assert _choice_title(["v2", "v1"]) == "Model choice: v2 against the v1 structure"


@pytest.mark.parametrize(("overrides", "needle"), [
    (["calibration.structures=[v2,v4]"], "unknown structure 'v4'; expected some of v2, v1, v3"),
    (["calibration.structures=[v1,v3]"], "list v2 (stage 2 fits it)"),
    (["calibration.structures=[v2,v1,v1]"], "'v1' is listed twice"),
    (["calibration.v3_params.0.key=params.credibility.appeal_window_days"], "cannot vary inside one batch"),
    (["calibration.v3_params.0.key=params.credibility.no_such"], "calibration.v3_params[0]: unknown key"),
    (["calibration.v3_params.1.low=0.5"], "low 0.5 >= high 0.4"),
    (["calibration.v3_params.0.key=params.attitude_step"], "'params.attitude_step' is listed twice"),
    (["calibration.v3_params.7.low=-1.0"], "low end is not a value the model takes"),
])
def test_bad_structures_and_v3_priors_are_refused_in_one_line(overrides, needle):
    assert needle in refusal(*overrides)


def test_v3_priors_are_not_checked_where_v3_is_not_compared():
    plan = matching.check_calibration(compose(*TINY, "calibration.structures=[v2,v1]",
                                              "calibration.v3_params.0.key=params.credibility.no_such"))
    assert "v3" not in plan.configs


def test_a_structure_with_no_accepted_draw_gets_an_upper_bound_not_a_zero_error():
    """As in the default calibration: v1 has no accepted draw, v2 and v3 share them."""
    c = _choice3({"v2": 20, "v1": 0, "v3": 30}).set_index("structure")
    assert c.loc["v1", "upper_95"] == pytest.approx(1 - matching.one_sided_bound(50))
    assert c["lower_95"].isna().all() and c.loc[["v2", "v3"], "upper_95"].isna().all()
    said = calibration.choice_statement(c.reset_index())
    assert "P(v1 structure) ≤ 0.058" in said and "(no accepted draw is v1 structure's: of 500 draws at 50 " in said
