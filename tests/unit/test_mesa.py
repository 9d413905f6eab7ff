"""A Mesa user drives the model the Mesa way: keyword parameters, `rng` as Mesa passes it,
a DataCollector whose tables are the run's own, `mesa.batch_run`, and a step past the end
that does nothing."""

from __future__ import annotations

import multiprocessing

import mesa
import numpy as np
import pandas as pd
import pytest
from helpers import SHORT, SHORT_HISTORY, compose, set_paths
from omegaconf import OmegaConf

from caucasus_sim import CaucasusModel, ConfigError, load_config, run
from caucasus_sim.model.interface import INTERACTIVE_REPLICATES

END = "2025-09-30"  # the short scenario: 43 weekly steps
SMALL = {"scenario": "history_2024_2025", "scenario.end": END, "replicates": 3}


@pytest.fixture
def start_method():
    """batch_run sets multiprocessing's start method for the whole process: put it back."""
    before = multiprocessing.get_start_method(allow_none=True)
    yield
    multiprocessing.set_start_method(before, force=True)


def test_keyword_parameters_give_the_model_the_command_lines_overrides():
    by_keywords = CaucasusModel(scenario="history_2024_2025", replicates=4, params={"attitude_step": 0.3},
                                **{"scenario.end": END, "actors.states.AZE.susceptibility": 0.4}).run()
    cfg = load_config([SHORT_HISTORY, f"scenario.end={END}", "params.attitude_step=0.3",
                       "actors.states.AZE.susceptibility=0.4"])
    by_overrides = CaucasusModel(cfg, replicates=4).run()
    assert by_keywords.cfg.params.attitude_step == 0.3 and by_keywords.n_steps == by_overrides.n_steps == 43
    assert np.array_equal(by_keywords.alignment_record, by_overrides.alignment_record)
    assert cfg.params.attitude_step == 0.3  # the given configuration is copied, never changed
    CaucasusModel(cfg, replicates=1, params={"attitude_step": 0.1})
    assert cfg.params.attitude_step == 0.3


def test_a_model_without_a_configuration_is_small_and_says_what_it_ran():
    m = CaucasusModel(scenario="history_2024_2025")
    assert m.R == INTERACTIVE_REPLICATES == m.cfg.replicates
    assert m.seed == load_config().seed  # rng not given: the configuration's seed


@pytest.mark.parametrize(("kwargs", "needle"), [
    ({"replicatse": 3}, "'replicatse'"),
    ({"params": {"attitude_stp": 0.1}}, "'params.attitude_stp'"),
    ({"params.attitude_step": "high"}, "'high'"),
    ({"rng": -1}, "-1"),
    ({"rng": 1, "seed": 2}, "not both"),
], ids=["unknown_key", "unknown_nested_key", "wrong_type", "negative_seed", "two_seeds"])
def test_bad_keyword_parameters_name_the_value(kwargs, needle):
    with pytest.raises(ConfigError, match=needle) as info:
        CaucasusModel(scenario="history_2024_2025", replicates=1, **kwargs)
    assert "\n" not in str(info.value)


def test_a_config_group_is_chosen_only_where_the_model_composes_its_configuration():
    with pytest.raises(ConfigError, match="model=v1"):
        CaucasusModel(compose(*SHORT), replicates=1, model="v1")


def test_rng_takes_an_int_a_generator_or_none_and_records_the_seed():
    cfg = compose(*SHORT)
    fresh = [CaucasusModel(cfg, replicates=2, rng=None).run() for _ in range(2)]
    assert fresh[0].seed != fresh[1].seed
    assert not np.array_equal(fresh[0].alignment_record, fresh[1].alignment_record)
    again = CaucasusModel(cfg, replicates=2, rng=fresh[0].seed).run()  # the recorded seed reproduces it
    assert np.array_equal(again.alignment_record, fresh[0].alignment_record)
    drawn = [CaucasusModel(cfg, replicates=2, rng=np.random.default_rng(5)).seed for _ in range(2)]
    assert drawn[0] == drawn[1] and CaucasusModel(cfg, replicates=1, seed=11).seed == 11


def test_a_step_past_the_end_does_nothing():
    m = CaucasusModel(compose(*SHORT), replicates=2).run()
    assert not m.running and m.steps == m.n_steps
    before = m.alignment_record.copy(), len(m.datacollector.get_model_vars_dataframe())
    m.step()
    assert not m.running and m.steps == m.n_steps
    assert np.array_equal(m.alignment_record, before[0])
    assert len(m.datacollector.get_model_vars_dataframe()) == before[1] == m.n_steps + 1


def test_the_datacollector_holds_the_runs_own_summary_for_the_same_seed():
    cfg = compose(*SHORT, "replicates=8")
    set_paths(cfg, {"turkish": OmegaConf.to_container(cfg.paths.turkish)})  # one path: what is compared is per path
    summary = run(cfg, write=False).summary
    for path in cfg.paths:
        m = CaucasusModel(cfg, path=path).run()
        model_vars = m.datacollector.get_model_vars_dataframe()
        mine = summary[summary["path"] == path]
        assert list(model_vars["date"]) == [str(d.date()) for d in sorted(mine["date"].unique())]
        for client in m.clients:
            bal = mine[(mine["metric"] == "balance") & (mine["client"] == client)].sort_values("step")
            for stat in ("q05", "q50", "q95"):
                assert np.array_equal(model_vars[f"balance_{client}_{stat}"], bal[stat])
            assert np.array_equal(model_vars[f"balance_{client}"], bal["mean"])
            for patron in m.patrons:
                share = mine[(mine["metric"] == "alignment_share") & (mine["client"] == client)
                             & (mine["patron"] == patron)].sort_values("step")
                assert np.array_equal(model_vars[f"alignment_share_{client}_{patron}"], share["mean"])
        agents = m.datacollector.get_agent_vars_dataframe().reset_index()
        last = agents[agents["Step"] == agents["Step"].max()].set_index("actor")
        end = mine[(mine["metric"] == "attitude") & (mine["step"] == m.n_steps)]
        for r in end.itertuples():
            assert last.loc[r.client, f"attitude_{r.patron}"] == r.mean


@pytest.mark.filterwarnings("ignore:The `iterations` keyword argument is deprecated:DeprecationWarning")
def test_batch_run_iterations_are_different_runs(start_method):
    rows = pd.DataFrame(mesa.batch_run(CaucasusModel, parameters=SMALL, iterations=3, display_progress=False))
    end = rows[rows["actor"] == "AZE"]
    assert sorted(end["iteration"]) == [0, 1, 2]
    assert end["balance_AZE"].nunique() == 3 and end["Step"].eq(43).all()


def test_batch_run_with_seeds_and_parameter_lists_is_reproducible(start_method):
    rows = pd.DataFrame(mesa.batch_run(CaucasusModel, parameters={**SMALL, "params.attitude_step": [0.05, 0.3]},
                                       rng=[1, 2], display_progress=False))
    end = rows[rows["actor"] == "AZE"].set_index(["iteration", "params.attitude_step"])
    assert len(end) == 4 and end["balance_AZE"].nunique() == 4  # every seed and every value matters
    alone = CaucasusModel(rng=2, **{**SMALL, "params.attitude_step": 0.3}).run()  # the seed reproduces a run
    assert alone.reported()["balance_AZE"] == end.loc[(1, 0.3), "balance_AZE"]
    assert alone.seed == 2 and end.loc[(1, 0.3), "RunId"] == 3
