"""Checks of what the schema's types cannot say.

`validate(cfg)` checks a composed configuration — actor codes exist, dates are ISO dates,
rates are not negative, ... — and raises `ConfigError` with one sentence naming the value
and what is allowed. Each block of the configuration has its own `check_*`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from omegaconf import DictConfig, ListConfig, OmegaConf

from .cameo import check_cameo
from .errors import ConfigError, unknown_key
from .schema import CHANNELS, EVENT_COUNTS, FIGURE_FORMATS, PRECISIONS, PROGRESS_MODES, ROLES, TIMELINE_FORMATS

# an event's magnitude multiplies its effect (1: one typical event); past this, attitudes sit
# at their bounds and grievance overflows: a typo (1e5 for 1.5), not an event
MAX_MAGNITUDE = 100.0
PARAMS_AT_LEAST_0 = ("attitude_step", "tie_step", "grievance_gain", "grievance_drag",
                     "effect_noise_sd", "attitude_noise_sd", "anchor_drift_per_year", "goodwill_gain",
                     "goodwill_lift", "capability_exponent", "diaspora_size_exponent")


def parse_date(value: object, where: str) -> dt.date:
    """Parse an ISO date (YYYY-MM-DD) or raise a one-line ConfigError naming `where`."""
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(
            f"{where}: {value!r} is not a date; expected an ISO date YYYY-MM-DD"
        ) from None


def check_range(value: float, lo: float, hi: float | None, where: str) -> None:
    """Refuse what is not a number, NaN, and values outside [lo, hi] (hi None: no upper bound)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{where}: {value!r} is not a number")
    if value != value or value < lo or (hi is not None and value > hi):
        allowed = f"[{lo}, {hi}]" if hi is not None else f">= {lo}"
        raise ConfigError(f"{where}: {value!r} is out of range; allowed {allowed}")


def check_one_of(value: str, allowed: tuple[str, ...] | list[str], where: str) -> None:
    if value not in allowed:
        raise ConfigError(f"{where}: unknown value {value!r}; expected one of {', '.join(allowed)}")


def check_channels(channels, where: str) -> None:
    if channels is None:
        return
    for c in channels:
        check_one_of(c, CHANNELS, where)


def actor_names(cfg) -> list[str]:
    """Every actor of the configuration: the states, then the diaspora groups."""
    return list(cfg.actors.states) + list(cfg.actors.diasporas)


def validate(cfg) -> None:
    """Check a composed configuration; raise ConfigError with a one-line message."""
    check_known_keys(cfg)
    check_run(cfg)
    check_actors(cfg.actors)
    check_scenario(cfg.scenario)
    check_params(cfg.params)
    check_catalog(cfg.catalog)
    check_eventdata(cfg.eventdata)
    check_decisions(cfg)
    check_paths(cfg)
    check_balance(cfg)
    check_v3(cfg)


def check_known_keys(node, where: str = "") -> None:
    """Every key is one of the schema's, however it was added (Hydra's `+key=value` adds keys
    that the typed nodes would otherwise take silently), and none of the schema's is missing
    (Hydra's `~key` deletes one)."""
    if isinstance(node, DictConfig):
        kind = OmegaConf.get_type(node)
        fields = {f.name for f in dataclasses.fields(kind)} if dataclasses.is_dataclass(kind) else None
        missing = sorted((fields or set()) - {str(k) for k in node.keys()})
        if missing:
            full = f"{where}.{missing[0]}" if where else missing[0]
            raise ConfigError(f"{full}: missing; every key of the schema needs a value (a key cannot be deleted "
                              "with ~, only set)")
        for key in node.keys():
            full = f"{where}.{key}" if where else str(key)
            if full == "hydra":
                continue
            if fields is not None and key not in fields:
                raise ConfigError(unknown_key(full, fields))
            check_known_keys(node._get_node(key), full)
    elif isinstance(node, ListConfig):
        for i in range(len(node)):
            check_known_keys(node._get_node(i), f"{where}[{i}]")


def notices(cfg) -> list[str]:
    """What the configuration asks that the model does differently from the letter, one
    line each (the runner prints each once and records it in the manifest)."""
    out = []
    for a, row in cfg.actors.listening.items():
        total = sum(row.values())
        if abs(total - 1.0) > 1e-9:
            out.append(f"actors.listening.{a}: the weights sum to {total:g}; each is divided by {total:g} "
                       "so that they sum to 1")
    return out


def check_run(cfg) -> None:
    if cfg.replicates < 1:
        raise ConfigError(f"replicates: {cfg.replicates!r} must be a positive integer")
    if cfg.seed < 0:
        raise ConfigError(f"seed: {cfg.seed!r} must be a non-negative integer")
    check_one_of(cfg.progress, PROGRESS_MODES, "progress")
    if not cfg.figure_formats or len(set(cfg.figure_formats)) != len(cfg.figure_formats):
        raise ConfigError(f"figure_formats: {list(cfg.figure_formats)} must name each format once, at least one "
                          f"of {', '.join(FIGURE_FORMATS)}")
    for fmt in cfg.figure_formats:
        check_one_of(fmt, FIGURE_FORMATS, "figure_formats")
    if cfg.store.trajectory_stride < 0:
        raise ConfigError(f"store.trajectory_stride: {cfg.store.trajectory_stride!r} must be 0 (no trajectories) "
                          "or a positive number of steps")
    check_one_of(cfg.store.trajectory_precision, PRECISIONS, "store.trajectory_precision")
    for name in ("memory_gb", "disk_gb"):
        value = cfg.limits[name]
        if value is not None and not value > 0:
            raise ConfigError(f"limits.{name}: {value!r} must be a positive number of GB, or null (what the "
                              "machine has)")
    if cfg.report.max_event_rows < 1:
        raise ConfigError(f"report.max_event_rows: {cfg.report.max_event_rows!r} must be a positive number of events")
    if not cfg.experiment or "/" in cfg.experiment or cfg.experiment.startswith("."):
        raise ConfigError(f"experiment: {cfg.experiment!r} is not a valid folder name")


def check_actors(actors) -> None:
    if not actors.states:
        raise ConfigError("actors.states: no states defined; define at least one state")
    names = list(actors.states) + list(actors.diasporas)
    dupes = set(actors.states) & set(actors.diasporas)
    if dupes:
        raise ConfigError(f"actors: {sorted(dupes)[0]!r} is both a state and a diaspora")
    for code, s in actors.states.items():
        check_one_of(s.role, ROLES, f"actors.states.{code}.role")
        check_range(s.susceptibility, 0.0, 1.0, f"actors.states.{code}.susceptibility")
        check_range(s.capability, 0.0, None, f"actors.states.{code}.capability")
        check_range(s.nonalignment, 0.0, None, f"actors.states.{code}.nonalignment")
    for code, d in actors.diasporas.items():
        check_one_of(d.origin, list(actors.states), f"actors.diasporas.{code}.origin")
        check_one_of(d.host, list(actors.states), f"actors.diasporas.{code}.host")
        check_range(d.salience, 0.0, 1.0, f"actors.diasporas.{code}.salience")
        check_range(d.susceptibility, 0.0, 1.0, f"actors.diasporas.{code}.susceptibility")
        check_range(d.size, 0.0, None, f"actors.diasporas.{code}.size")
    for a, row in actors.listening.items():
        check_one_of(a, names, "actors.listening")
        for b, w in row.items():
            check_one_of(b, names, f"actors.listening.{a}")
            check_range(w, 0.0, None, f"actors.listening.{a}.{b}")
        if sum(row.values()) <= 0:
            raise ConfigError(f"actors.listening.{a}: weights sum to 0; give at least one positive weight")
    for a, row in actors.attitude.items():
        check_one_of(a, names, "actors.attitude")
        for b, v in row.items():
            check_one_of(b, names, f"actors.attitude.{a}")
            check_range(v, -1.0, 1.0, f"actors.attitude.{a}.{b}")
    check_ties(actors, names)


def check_ties(actors, names: list[str]) -> None:
    roles = {c: s.role for c, s in actors.states.items()}
    for a, row in actors.ties.items():
        check_one_of(a, names, "actors.ties")
        for b, chans in row.items():
            check_one_of(b, names, f"actors.ties.{a}")
            if {roles.get(a), roles.get(b)} != {"client", "patron"}:
                raise ConfigError(
                    f"actors.ties.{a}.{b}: ties are tracked only between a client and a patron; "
                    "remove this entry or change the actors' roles"
                )
            if b in actors.ties and a in actors.ties[b]:
                raise ConfigError(f"actors.ties.{a}.{b}: the tie is also given as actors.ties.{b}.{a}; give it once")
            for k, v in chans.items():
                check_one_of(k, CHANNELS, f"actors.ties.{a}.{b}")
                check_range(v, 0.0, 1.0, f"actors.ties.{a}.{b}.{k}")


def check_scenario(sc) -> None:
    start = parse_date(sc.start, "scenario.start")
    end = parse_date(sc.end, "scenario.end")
    if end <= start:
        raise ConfigError(f"scenario.end: {sc.end} is not after scenario.start {sc.start}")
    if sc.dt_days < 1:
        raise ConfigError(f"scenario.dt_days: {sc.dt_days!r} must be a positive number of days")
    if sc.dt_days > (end - start).days:
        raise ConfigError(f"scenario.dt_days: {sc.dt_days} days is longer than the scenario ({(end - start).days} "
                          "days from start to end), so it has no step; shorten the step or move the end")
    parse_date(sc.decisions_from, "scenario.decisions_from")
    check_one_of(sc.timeline_format, TIMELINE_FORMATS, "scenario.timeline_format")
    for i, d in enumerate(sc.outcome_dates):
        od = parse_date(d, f"scenario.outcome_dates[{i}]")
        if not start <= od <= end:
            raise ConfigError(
                f"scenario.outcome_dates[{i}]: {d} is outside the scenario {sc.start} .. {sc.end}"
            )


def check_params(p) -> None:
    for k in p.channel_weight:
        check_one_of(k, CHANNELS, "params.channel_weight")
    for k in p.tie_half_life_days:
        check_one_of(k, CHANNELS, "params.tie_half_life_days")
    for k in CHANNELS:
        if k not in p.channel_weight or k not in p.tie_half_life_days:
            raise ConfigError(f"params: channel {k!r} needs a channel_weight and a tie_half_life_days")
        check_range(p.channel_weight[k], 0.0, None, f"params.channel_weight.{k}")
        check_range(p.tie_half_life_days[k], 1e-9, None, f"params.tie_half_life_days.{k}")
    for name in PARAMS_AT_LEAST_0:
        check_range(getattr(p, name), 0.0, None, f"params.{name}")
    check_range(p.source_share, 0.0, 1.0, "params.source_share")
    check_range(p.grievance_half_life_days, 1e-9, None, "params.grievance_half_life_days")
    check_range(p.goodwill_half_life_days, 1e-9, None, "params.goodwill_half_life_days")
    check_range(p.diaspora_size_reference, 1e-9, None, "params.diaspora_size_reference")
    check_one_of(p.event_counts, EVENT_COUNTS, "params.event_counts")
    check_range(p.attention_scale, 0.0, None, "params.attention_scale")
    check_range(p.attention_threshold, 1e-9, None, "params.attention_threshold")


def check_eventdata(ed) -> None:
    if not ed.actor_map:
        raise ConfigError("eventdata.actor_map: empty; name an actor map file or package:<file>")
    if ed.min_sources < 1:
        raise ConfigError(f"eventdata.min_sources: {ed.min_sources!r} must be a positive number of sources")


def check_catalog(catalog) -> None:
    for code, entry in catalog.items():
        check_cameo(code, "catalog")
        if entry.goldstein is not None:
            check_range(entry.goldstein, -10.0, 10.0, f"catalog.{code}.goldstein")
        check_channels(entry.channels, f"catalog.{code}.channels")
        if entry.grievance is not None:
            check_range(entry.grievance, 0.0, None, f"catalog.{code}.grievance")
        if entry.resolves is not None:
            check_range(entry.resolves, 0.0, 1.0, f"catalog.{code}.resolves")
        for fld in ("lasting", "lasting_anchor"):
            if entry[fld] is not None:
                check_range(entry[fld], 0.0, None, f"catalog.{code}.{fld}")


def check_decisions(cfg) -> None:
    dec, names, states = cfg.decisions, actor_names(cfg), list(cfg.actors.states)
    for sname, strat in dec.strategies.items():
        check_one_of(strat.actor, states, f"decisions.strategies.{sname}.actor")
        check_range(strat.intensity, 0.0, None, f"decisions.strategies.{sname}.intensity")
        for aname, act in strat.actions.items():
            where = f"decisions.strategies.{sname}.actions.{aname}"
            check_cameo(act.cameo, f"{where}.cameo")
            check_one_of(act.target, names, f"{where}.target")
            for fld in ("rate_per_year", "tension_gain", "grievance_gain", "magnitude", "own_grievance_gain",
                        "goodwill_gain", "threat_gain"):
                check_range(getattr(act, fld), 0.0, None, f"{where}.{fld}")
            check_channels(act.channels, f"{where}.channels")
            if act.threat_source is not None:
                check_one_of(act.threat_source, states, f"{where}.threat_source")
    for actor, rule in dec.reactions.items():
        where = f"decisions.reactions.{actor}"
        check_one_of(actor, states, "decisions.reactions")
        check_range(rule.trigger_goldstein, -10.0, 10.0, f"{where}.trigger_goldstein")
        check_range(rule.response_probability, 0.0, 1.0, f"{where}.response_probability")
        for fld in ("severity_weight", "hostility_weight", "noise_sd"):
            check_range(getattr(rule, fld), 0.0, None, f"{where}.{fld}")
        if not rule.ladder:
            raise ConfigError(f"{where}.ladder: empty; give at least one rung")
        check_ladder(rule.ladder, f"{where}.ladder")
        check_ladder(rule.cooperative_ladder, f"{where}.cooperative_ladder")
        check_range(rule.cooperative_probability, 0.0, 1.0, f"{where}.cooperative_probability")
        if rule.cooperative_trigger is not None:
            check_range(rule.cooperative_trigger, -10.0, 10.0, f"{where}.cooperative_trigger")
    for group in ("always", "history"):
        for s in dec[group]:
            check_one_of(s, list(dec.strategies), f"decisions.{group}")


def check_ladder(ladder, where: str) -> None:
    thresholds = [r.threshold for r in ladder]
    if thresholds != sorted(thresholds):
        raise ConfigError(f"{where}: thresholds {thresholds} must increase up the ladder")
    for i, rung in enumerate(ladder):
        check_cameo(rung.cameo, f"{where}[{i}].cameo")
        check_channels(rung.channels, f"{where}[{i}].channels")


def check_paths(cfg) -> None:
    dec, names = cfg.decisions, actor_names(cfg)
    if not cfg.paths:
        raise ConfigError("paths: no paths defined; define at least one path to run")
    always = [dec.strategies[s].actor for s in dec.always if s in dec.strategies]
    history = [dec.strategies[s].actor for s in dec.history if s in dec.strategies]
    _one_strategy_each(always + history, "decisions.always and decisions.history")
    for pname, path in cfg.paths.items():
        for s in path.strategies:
            check_one_of(s, list(dec.strategies), f"paths.{pname}.strategies")
        _one_strategy_each(always + [dec.strategies[s].actor for s in path.strategies],
                           f"paths.{pname}.strategies (with decisions.always)")
        for i, ev in enumerate(path.add):
            check_event_config(ev, names, f"paths.{pname}.add[{i}]")
        for eid, when in path.move.items():
            parse_date(when, f"paths.{pname}.move.{eid}")
        if path.timeline_format is not None:
            check_one_of(path.timeline_format, TIMELINE_FORMATS, f"paths.{pname}.timeline_format")
    for i, ev in enumerate(cfg.scenario.events):
        check_event_config(ev, names, f"scenario.events[{i}]")


def _one_strategy_each(actors: list[str], where: str) -> None:
    twice = {a for a in actors if actors.count(a) > 1}
    if twice:
        raise ConfigError(f"{where}: actor {sorted(twice)[0]!r} has more than one strategy")


def check_balance(cfg) -> None:
    if cfg.balance is not None:
        patrons = [c for c, s in cfg.actors.states.items() if s.role == "patron"]
        clients = [c for c, s in cfg.actors.states.items() if s.role == "client"]
        check_one_of(cfg.balance.plus, patrons, "balance.plus")
        check_one_of(cfg.balance.minus, patrons, "balance.minus")
        for client, pair in cfg.balance.clients.items():
            check_one_of(client, clients, "balance.clients")
            check_one_of(pair.plus, patrons, f"balance.clients.{client}.plus")
            check_one_of(pair.minus, patrons, f"balance.clients.{client}.minus")


def balance_axes(cfg) -> dict[str, tuple[str, str]] | None:
    """Each client's balance axis (plus, minus), or None if the configuration has no balance."""
    if cfg.balance is None:
        return None
    clients = [c for c, s in cfg.actors.states.items() if s.role == "client"]
    own = cfg.balance.clients
    return {c: (str(own[c].plus), str(own[c].minus)) if c in own else (str(cfg.balance.plus),
                                                                        str(cfg.balance.minus))
            for c in clients}


def check_event_config(ev, names: list[str], where: str) -> None:
    parse_date(ev.date, f"{where}.date")
    check_one_of(ev.source, names, f"{where}.source")
    check_one_of(ev.target, names, f"{where}.target")
    check_cameo(ev.cameo, f"{where}.cameo")
    check_range(ev.magnitude, 0.0, MAX_MAGNITUDE, f"{where}.magnitude")
    if ev.goldstein is not None:
        check_range(ev.goldstein, -10.0, 10.0, f"{where}.goldstein")
    check_channels(ev.channels, f"{where}.channels")


def check_v3(cfg) -> None:
    """The v3 blocks: adversary and friend pairs, the credibility and triad parameters, the
    event classes' magnitudes and the patrons' capability over time."""
    states = list(cfg.actors.states)
    for name in ("adversaries", "friends"):
        for i, pair in enumerate(cfg.actors[name]):
            where = f"actors.{name}[{i}]"
            if len(pair) != 2 or pair[0] == pair[1]:
                raise ConfigError(f"{where}: {list(pair)} must name two different states")
            for code in pair:
                check_one_of(code, states, where)
    cred, tri = cfg.params.credibility, cfg.params.triads
    for name in ("refusal_drop", "unanswered_drop", "support_gain"):
        check_range(cred[name], 0.0, 1.0, f"params.credibility.{name}")
    check_range(cred.anchor_shift, 0.0, None, "params.credibility.anchor_shift")
    for name in ("appeal_window_days", "answer_window_days"):
        check_range(cred[name], 1e-9, None, f"params.credibility.{name}")
    check_range(cred.coercion_goldstein, -10.0, 0.0, "params.credibility.coercion_goldstein")
    for name in ("appeal_cameo", "refusal_cameo", "support_cameo", "attack_cameo"):
        for code in cred[name]:
            check_cameo(str(code), f"params.credibility.{name}")
    for code in tri.cameo:
        check_cameo(str(code), "params.triads.cameo")
    check_range(tri.attitude_step, 0.0, None, "params.triads.attitude_step")
    check_range(tri.grievance_gain, 0.0, None, "params.triads.grievance_gain")
    check_range(cfg.params.institutionalisation_per_year, 0.0, None, "params.institutionalisation_per_year")
    classes = sorted({str(e.event_class) for e in cfg.catalog.values() if e.event_class is not None})
    for name, factor in cfg.params.class_magnitude.items():
        if name not in classes:
            raise ConfigError(f"params.class_magnitude: unknown event class {name!r}; the catalog's classes are "
                              f"{', '.join(classes) if classes else 'none (give a catalog entry an event_class)'}")
        check_range(factor, 0.0, None, f"params.class_magnitude.{name}")
    check_capability(cfg.scenario.capability, [c for c, s in cfg.actors.states.items() if s.role == "patron"])


def check_capability(cap, patrons: list[str]) -> None:
    """A capability series per patron: consecutive integer years, values > 0; shocks of a
    patron, on a date, with a change above -1."""
    for patron, series in cap.series.items():
        where = f"scenario.capability.series.{patron}"
        check_one_of(patron, patrons, "scenario.capability.series")
        if not series:
            raise ConfigError(f"{where}: empty; give a value per year, e.g. {{'2013': 1.0}}")
        try:
            years = sorted(int(y) for y in series)
        except ValueError:
            bad = next(y for y in series if not str(y).lstrip("-").isdigit())
            raise ConfigError(f"{where}: {bad!r} is not a year; keys are years such as '2013'") from None
        gaps = [y for y in range(years[0], years[-1] + 1) if y not in years]
        if gaps:
            raise ConfigError(f"{where}: no value for {gaps[0]}; the years from {years[0]} to {years[-1]} "
                              "must each have one")
        for year, v in series.items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
                raise ConfigError(f"{where}.{year}: {v!r} is out of range; allowed > 0")
    for i, shock in enumerate(cap.shocks):
        where = f"scenario.capability.shocks[{i}]"
        check_one_of(shock.patron, patrons, f"{where}.patron")
        parse_date(shock.date, f"{where}.date")
        if isinstance(shock.change, bool) or not shock.change > -1.0:
            raise ConfigError(f"{where}.change: {shock.change!r} is out of range; allowed > -1")
