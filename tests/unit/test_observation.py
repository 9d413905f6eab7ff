"""The observation model's known answers (docs/odd.md, section 8) and its input checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from caucasus_sim.analysis.matching import targets_file
from caucasus_sim.config import ConfigError
from caucasus_sim.model.observation import (Links, ObservationSettings, distance_change, expit, fit_links,
                                            ideal_points, implausibility, observation_variance, patron_held,
                                            read_targets, un_country)

CLIENTS, PATRONS = ["AZE", "ARM", "GEO"], ["RUS", "TUR", "WEST"]


def targets(**columns) -> pd.DataFrame:
    base = {"series": ["a", "a", "a", "b", "b", "b"], "client": "ARM", "kind": "survey", "patron": "RUS",
            "sign": 1, "year": [2013, 2015, 2017] * 2, "value": 0.5, "n": 1000.0}
    base.update(columns)
    return pd.DataFrame(base)


def test_equal_attitudes_and_levels_give_equal_shares():
    links = Links(alpha=np.zeros((1, 3)), slope=np.full((1, 3), 2.0), survey=np.ones(3, bool))
    shares = links.predict(np.array([[[0.4, 0.4, 0.4]]]))
    assert np.all(shares == shares[..., :1]) and shares[0, 0, 0] == pytest.approx(expit(0.8))
    # and the larger attitude gives the larger share
    assert np.all(np.diff(links.predict(np.array([[[-0.5, 0.0, 0.5]]]))[0, 0]) > 0)


def test_sampling_variance_of_a_survey_share_at_its_n_and_of_an_ideal_point():
    t = targets(value=[0.2, 0.5, 0.8, 0.5, 0.5, 0.5], n=[1000.0, 2000.0, np.nan, 1000.0, 1000.0, 1000.0])
    t.loc[5, "kind"] = "ideal_point"
    s = ObservationSettings(design_effect=1.5, default_n=1500, ideal_point_sd=0.2)
    v = observation_variance(t, s)
    assert v[:3] == pytest.approx([1.5 * 0.2 * 0.8 / 1000, 1.5 * 0.25 / 2000, 1.5 * 0.16 / 1500])
    assert v[5] == pytest.approx(0.04)


def test_levels_and_the_shared_slope_are_recovered_from_exact_data():
    z = np.array([[0.1, 0.3, 0.6, -0.2, 0.0, 0.4]])
    alpha, slope = np.array([0.5, 0.5, 0.5, -1.0, -1.0, -1.0]), 3.0
    t = targets(value=expit(alpha + slope * z[0]))
    links = fit_links(z, t, np.ones(6, bool), ObservationSettings())
    assert links.alpha[0] == pytest.approx(alpha) and links.slope[0] == pytest.approx(np.full(6, slope))
    assert links.predict(z[:, None, :])[0, 0] == pytest.approx(t["value"].to_numpy())


def test_a_trend_against_the_model_gets_slope_zero_and_the_series_mean_level():
    z = np.array([[0.1, 0.3, 0.6, 0.1, 0.3, 0.6]])
    t = targets(value=[0.7, 0.6, 0.5, 0.7, 0.6, 0.5])  # the data fall as the driver rises
    links = fit_links(z, t, np.ones(6, bool), ObservationSettings())
    assert np.all(links.slope == 0.0)
    assert np.all(np.diff(links.predict(z[:, None, :])[0, 0]) == 0)  # flat: the model cannot follow


def test_implausibility_known_answer():
    assert implausibility(np.array([0.5]), np.array([0.4]), np.array([0.0003]), np.array([0.0004]),
                          np.array([0.0018]))[0] == pytest.approx(0.1 / 0.05)


@pytest.mark.parametrize(("change", "needle"), [
    ({"client": "XYZ"}, "client 'XYZ' is unknown"),
    ({"patron": "CHN"}, "patron 'CHN' is unknown"),
    ({"kind": "poll"}, "kind 'poll' is unknown"),
    ({"value": 1.2}, "value"),
    ({"sign": 2}, "sign"),
    ({"year": "soon"}, "year"),
])
def test_a_bad_targets_file_is_refused_in_one_line(tmp_path, change, needle):
    t = targets()
    col, value = next(iter(change.items()))
    t[col] = t[col].astype(object)
    t.loc[2, col] = value
    path = tmp_path / "targets.csv"
    t.to_csv(path, index=False)
    with pytest.raises(ConfigError) as err:
        read_targets(path, CLIENTS, PATRONS)
    message = str(err.value)
    assert needle in message and "\n" not in message and ("line 4" in message or col in message)


def test_a_targets_file_without_a_column_or_with_a_repeated_year_is_refused(tmp_path):
    path = tmp_path / "targets.csv"
    targets().drop(columns="sign").to_csv(path, index=False)
    with pytest.raises(ConfigError, match="missing column 'sign'"):
        read_targets(path, CLIENTS, PATRONS)
    targets(year=[2013, 2013, 2017] * 2).to_csv(path, index=False)
    with pytest.raises(ConfigError, match="two values for 2013"):
        read_targets(path, CLIENTS, PATRONS)


def test_the_shipped_targets_read_and_keep_questions_apart():
    from caucasus_sim.analysis.matching import targets_file

    t = read_targets(targets_file(""), CLIENTS, PATRONS)
    assert {"survey", "ideal_point"} == set(t["kind"])
    # one question and option per series: wordings are never pooled
    assert (t.groupby("series")["question"].nunique() == 1).all()
    assert t[t["series"] == "ARM.cb_main_friend.RUS"]["value"].tolist() == [0.83, 0.74, 0.64, 0.57]


def test_a_distance_change_splits_into_each_sides_own_move():
    points = pd.DataFrame({"country": ["A", "P", "A", "P"], "year": [2021, 2021, 2023, 2023],
                           "ideal_point": [0.0, -1.0, 0.1, -1.5]})
    d = distance_change(points, "A", "P", 2021, 2023)  # 1.0 -> 1.6: A moved 0.1 away, P 0.5 away
    assert d == pytest.approx({"change": 0.6, "client": 0.1, "patron": 0.5})
    flipped = points.assign(ideal_point=-points["ideal_point"])  # the mirror image: the same split
    assert distance_change(flipped, "A", "P", 2021, 2023) == pytest.approx(d)


def test_holding_the_patron_still_leaves_the_clients_own_moves_on_either_side():
    points = pd.DataFrame({"country": ["A", "B", "P"] * 3, "year": [2013] * 3 + [2014] * 3 + [2015] * 3,
                           "ideal_point": [1.0, -1.0, 0.0, 1.0, -1.0, 0.4, 1.5, -1.5, 0.2]})
    t = pd.DataFrame({"series": ["a", "a", "a", "b", "b", "b"], "client": ["A"] * 3 + ["B"] * 3, "kind": "ideal_point",
                      "patron": "P", "sign": -1, "year": [2013, 2014, 2015] * 2, "value": 9.0})
    held = patron_held(t, points, until=2014)  # P held at 0.2, its mean over 2013-2014
    assert held["value"].tolist() == pytest.approx([0.8, 0.8, 1.3, 1.2, 1.2, 1.7])  # P's own moves are gone
    assert (held.drop(columns="value") == t.drop(columns="value")).all().all()


def test_the_shipped_ideal_points_are_the_targets_distances_and_cover_every_member_in_2021_and_2023():
    """The validation table agrees with the targets it extends (2013-2021 distances), and no
    target lies after 2021: the calibration and the forecasts never see 2022-2023."""
    points = ideal_points()
    t = read_targets(targets_file(""), CLIENTS, PATRONS)
    ip = t[t["kind"] == "ideal_point"]
    x = points.set_index(["country", "year"])["ideal_point"]
    for row in ip.itertuples():
        patron = un_country(row.patron)
        d = distance_change(points, row.client, patron, 2013, int(row.year))
        assert abs(x[row.client, 2013] - x[patron, 2013]) + d["change"] == pytest.approx(row.value, abs=2e-4)
    assert ip["year"].max() == 2021 and set(points["year"]) == set(range(2013, 2024))
    assert (points["year"] == 2023).sum() > 190 and points["citation"].str.startswith("https://").all()
