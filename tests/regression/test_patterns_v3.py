"""Model v3 against the patterns of the 2020-2023 break at its documented defaults (300
replicates, status quo path, each in at least 80% of replicates), and each pattern's
ablation: the mechanism set neutral, the pattern it carries fails (docs/odd.md, section 1,
the table of which mechanism carries which pattern). The numbers are printed."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from helpers import compose

from caucasus_sim import CaucasusModel
from caucasus_sim.analysis.matching import observation_settings, targets_file
from caucasus_sim.analysis.patterns import (DISTANCE_GOAL, armenia_falls, armenia_mapped_distance, attitude,
                                            azerbaijan_rises, georgia_falls)
from caucasus_sim.model.observation import distance_change, ideal_points, patron_held, read_targets

R = 300
RUN = ("model=v3", f"replicates={R}", "progress=off", "scenario.end=2025-08-31")
ABLATIONS = {
    "credibility": ("params.credibility.refusal_drop=0", "params.credibility.unanswered_drop=0",
                    "params.credibility.support_gain=0"),
    "capability": ("scenario.capability.shocks=[]",),
    "timeline": ("scenario.timeline=package:timeline_2013_2025.csv",),  # v2's timeline, without the additions
    "triads": ("params.triads.attitude_step=0", "params.triads.grievance_gain=0"),
    "institutions": ("params.institutionalisation_per_year=0",),
}


@pytest.fixture(scope="module")
def runs():
    """The defaults, and each ablation, on the same seed (common random numbers)."""
    out = {"v3": CaucasusModel(compose(*RUN), path="status_quo").run()}
    for name, overrides in ABLATIONS.items():
        out[name] = CaucasusModel(compose(*RUN, *overrides), path="status_quo").run()
    return out


def report(capsys, text: str) -> None:
    with capsys.disabled():
        print(f"\n  {text}")


def armenia_share(m):
    holds, *values = armenia_falls(m)
    return np.mean(holds), *(np.median(v) for v in values)


def test_armenias_attitude_toward_russia_falls_by_a_fifth_mostly_after_2020(runs, capsys):
    share, *medians = armenia_share(runs["v3"])
    without, *_ = armenia_share(runs["credibility"])
    report(capsys, "ARM attitude toward RUS (median) 2013 {:.3f}, 2020 {:.3f}, end-2023 {:.3f}: fall >= 0.2, most "
                   "of it after 2020, in {:.0%}; without credibility {:.0%}".format(*medians, share, without))
    assert share >= 0.8
    assert without < 0.8  # the pattern comes from credibility


def test_the_triads_and_institutionalisation_carry_no_pattern_but_act_as_designed(runs, capsys):
    """Russia's arms and alliance with Azerbaijan lower Armenia's attitude toward Russia in
    every replicate (paired); institutionalisation's effect is printed (docs/odd.md, section 1)."""
    end = dt.date(2023, 12, 31)
    triads = attitude(runs["v3"], "ARM", end) - attitude(runs["triads"], "ARM", end)
    c = runs["v3"].clients.index("AZE")
    b = {k: runs[k].balance()[-1, :, c] for k in ("v3", "institutions")}
    report(capsys, f"triads: ARM attitude toward RUS at end-2023 {np.median(triads):+.3f} (median, paired); "
                   f"institutionalisation: AZE balance on 31 Aug 2025 {np.median(b['v3'] - b['institutions']):+.3f}")
    assert np.all(triads < 0)


def georgia_share(m):
    holds, start, end = georgia_falls(m)
    return np.mean(holds), np.median(start), np.median(end)


def test_georgias_attitude_toward_russia_falls_2013_to_2024(runs, capsys):
    share, start, end = georgia_share(runs["v3"])
    without, _, end_v2 = georgia_share(runs["timeline"])
    report(capsys, f"GEO attitude toward RUS {start:+.3f} -> {end:+.3f} (end-2024), lower in {share:.0%}; "
                   f"on v2's timeline {end_v2:+.3f}, lower in {without:.0%}")
    assert share >= 0.8


def test_azerbaijans_balance_rises_2020_to_2025_and_capability_adds_to_it(runs, capsys):
    """The pattern holds without capability too (the events of 2024-2025 carry it); what
    capability alone carries is the rise between the invasion and the end of 2023, when no
    recorded event between Azerbaijan and its patrons moves the balance (docs/odd.md, section 1)."""
    rise, without = azerbaijan_rises(runs["v3"]), azerbaijan_rises(runs["capability"])
    war = {k: azerbaijan_rises(runs[k], dt.date(2022, 2, 20), dt.date(2023, 12, 31)) for k in ("v3", "capability")}
    report(capsys, f"AZE TUR-RUS balance 2020 -> 31 Jul 2025: {np.median(rise):+.3f} (median), up in "
                   f"{np.mean(rise > 0):.0%}; without Russia's 2022 capability shock {np.median(without):+.3f}; "
                   f"Feb 2022 -> end-2023 {np.median(war['v3']):+.3f} (without the shock "
                   f"{np.median(war['capability']):+.3f})")
    assert np.mean(rise > 0) >= 0.8
    assert np.all(rise > without)  # paired by common random numbers: the shock moves every replicate
    assert np.all(war["v3"] > war["capability"])


@pytest.fixture(scope="module")
def mapped_change(runs):
    """The mapped change of a run (and its slope), fitted to the targets up to `fit_until`,
    or with each patron held still at its mean position up to then."""
    m = runs["v3"]
    targets = read_targets(targets_file(""), m.clients, m.patrons)
    points = ideal_points()
    settings = observation_settings(compose("experiment=calibration", "model=v3"))

    def change(m, fit_until: int = 2019, held: bool = False) -> tuple[np.ndarray, float]:
        fitted = patron_held(targets, points, fit_until) if held else targets
        return armenia_mapped_distance(m, fitted, settings, fit_until=fit_until)
    return change


def test_armenias_mapped_un_distance_to_russia_grows_but_short_of_a_third_of_the_observed(runs, mapped_change, capsys):
    """What v3 still cannot do, and why the goal asks what no client state can give
    (docs/odd.md, section 1). The issue's goal is a mapped change of at least a third of the
    observed +0.5; v3 reaches about a sixth. But the observed change is Russia's own move:
    Armenia's ideal point barely moved, and every UN member's distance to Russia grew about
    as much. Fitted to distances with each patron held still (the clients' own moves only),
    the slope is smaller, and much smaller fitted to 2021. This test holds what v3 does
    reach -- a rise in every replicate, carried by credibility -- and fails if the gap closes
    without the documentation saying so (then the goal holds: assert it)."""
    points = ideal_points()  # the package's validation table
    observed = distance_change(points, "ARM", "RUS", 2021, 2023)
    crimea = distance_change(points, "ARM", "RUS", 2013, 2014)  # Russia's earlier war in the window
    change, kappa = mapped_change(runs["v3"])
    without, _ = mapped_change(runs["credibility"])
    late, late_kappa = mapped_change(runs["v3"], fit_until=2021)  # the latest data before the change
    own, own_kappa = mapped_change(runs["v3"], held=True)
    own_late, own_late_kappa = mapped_change(runs["v3"], fit_until=2021, held=True)
    goal = DISTANCE_GOAL
    third = np.mean(change >= goal)
    report(capsys, f"ARM-RUS UN distance observed 2021 -> 2023: {observed['change']:+.3f} = Armenia's own move "
                   f"{observed['client']:+.3f} + Russia's {observed['patron']:+.3f}; 2013 -> 2014 (Crimea) "
                   f"{crimea['change']:+.3f} = {crimea['client']:+.3f} + {crimea['patron']:+.3f}")
    report(capsys, f"mapped from the state: {np.median(change):+.3f} (median, slope {kappa:.2f} fitted to <= 2019), "
                   f">= {goal:.3f} in {third:.0%}; without credibility {np.median(without):+.3f}; slope fitted to "
                   f"<= 2021 {late_kappa:.2f}: {np.median(late):+.3f}, >= {goal:.3f} in {np.mean(late >= goal):.0%}; "
                   f"each patron held still: slope {own_kappa:.2f}, {np.median(own):+.3f} (fitted to <= 2021: "
                   f"{own_late_kappa:.2f}, {np.median(own_late):+.3f})")
    assert observed["patron"] >= 0.9 * observed["change"] and observed["client"] < goal  # Russia moved, not Armenia
    assert crimea["patron"] < 0  # in its 2014 war Russia moved toward Armenia: no in-window analogue of 2022's move
    assert np.mean(change > 0) >= 0.8 and np.all(change > without)
    assert own_kappa < kappa and own_late_kappa < late_kappa  # part of the link's slope is the patrons' moves
    assert third < 0.8, "the distance pattern now holds: make it a requirement and update docs/odd.md, section 1"
