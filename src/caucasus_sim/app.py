"""The browser explorer (`caucasus-sim-explore`): a Mesa SolaraViz page of the model.

Controls in the sidebar (set, then Reset; closed at first on a phone, every slider showing
its value): the path, the replicates, the intensities of the patrons' strategies, the key
parameters of Model v2's mechanisms, toggles that remove
recorded events and a slider that moves the Yekaterinburg raid. Step advances a batch of
steps (the "Render Interval"), Play runs in a thread, so the page never waits on the
model. The charts: each client's balance (median and 5-95% band over the replicates, from
the DataCollector), the clients' alignment paths on the simplex, and the ties between
clients and patrons now. It runs the short 2024-2025 history (`scenario.end` 2028-12-31).

Needs the `viz` extra (`pip install -e '.[viz]'`); `caucasus-sim-explore` serves it.
"""

from __future__ import annotations

import datetime as dt

import html

import ipyvue
import numpy as np
import pandas as pd
import solara
import traitlets
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from . import plots
from .config import configure
from .model import CaucasusModel, path_events
from .report.labels import Labels

SCENARIO = "history_2024_2025"
REMOVABLE = {"azal_shootdown": "the AZAL shootdown", "putin_apology": "Putin's apology",
             "russian_house_closed": "the Russian House closed", "yekaterinburg_killings": "the Yekaterinburg killings",
             "cultural_events_cancelled": "the cultural events cancelled"}
MOVED = ("yekaterinburg_raid", "yekaterinburg_killings")  # moved together, by "move.yekaterinburg" days
STEPS_PER_CLICK = 5  # a batch of steps per Step (five weeks; the "Render Interval" slider takes odd values)


def _slider(value: float, low: float, high: float, step: float, label: str) -> dict:
    return {"type": "SliderFloat", "value": value, "min": low, "max": high, "step": step, "label": label}


MODEL_PARAMS = {
    "scenario": SCENARIO,
    "path": {"type": "Select", "value": "status_quo", "values": ["status_quo", "russian", "turkish"],
             "label": "path"},
    "replicates": {"type": "SliderInt", "value": 20, "min": 5, "max": 200, "step": 5, "label": "replicates"},
    "decisions.strategies.rus_coercive.intensity": _slider(1.0, 0.0, 4.0, 0.25, "Russia coercive (× rates)"),
    "decisions.strategies.rus_accommodating.intensity": _slider(1.0, 0.0, 4.0, 0.25, "Russia accommodating"),
    "decisions.strategies.tur_engaged.intensity": _slider(1.0, 0.0, 4.0, 0.25, "Turkey engaged (× rates)"),
    "decisions.strategies.tur_restrained.intensity": _slider(1.0, 0.0, 4.0, 0.25, "Turkey restrained"),
    "params.anchor_drift_per_year": _slider(0.15, 0.0, 0.5, 0.05, "anchor drift per year"),
    "params.goodwill_lift": _slider(0.01, 0.0, 0.05, 0.005, "goodwill lift"),
    "params.capability_exponent": _slider(0.5, 0.0, 1.0, 0.1, "capability exponent"),
    **{f"remove.{e}": {"type": "Checkbox", "value": False, "label": f"remove {label}"} for e, label in REMOVABLE.items()},
    "move.yekaterinburg": {"type": "SliderInt", "value": 0, "min": -90, "max": 90, "step": 15,
                           "label": "move the Yekaterinburg raid (days)"},
}


class ExplorerModel(CaucasusModel):
    """CaucasusModel with the explorer's controls: `remove.<event id>=True` leaves a recorded
    event out of the path, `move.yekaterinburg=<days>` moves the raid and the killings. Other
    keywords are CaucasusModel's (configuration keys, `path`, `replicates`, `rng`)."""

    def __init__(self, *, path: str = "status_quo", scenario=SCENARIO, **kwargs) -> None:
        removed = [k.removeprefix("remove.") for k, on in list(kwargs.items()) if k.startswith("remove.") and on]
        days = int(kwargs.pop("move.yekaterinburg", 0))
        kwargs = {k: v for k, v in kwargs.items() if not k.startswith("remove.")}
        replicates, rng = kwargs.pop("replicates", None), kwargs.pop("rng", None)
        cfg = configure(None, {"scenario": scenario if isinstance(scenario, str) else SCENARIO, **kwargs},
                        replicates=replicates)
        moved = {e.id: (e.date + dt.timedelta(days=days)).isoformat() for e in path_events(cfg, path) if e.id in MOVED}
        edits = {"remove": removed, "move": moved if days else {}}
        cfg = configure(cfg, {f"paths.{path}.{k}": v for k, v in edits.items()})
        super().__init__(cfg, path=path, **({} if rng is None else {"rng": rng}))


def _balance_figure(model: CaucasusModel, labels: Labels) -> Figure:
    """Each client's balance so far: median and 5-95% band over the replicates."""
    df = model.datacollector.get_model_vars_dataframe()
    dates = np.array(df["date"], dtype="datetime64[D]")
    fig = Figure(figsize=(4.2, 3.6), layout="constrained")
    axes = fig.subplots(len(model.clients), 1, sharex=True, squeeze=False)[:, 0]
    for ax, client in zip(axes, model.clients):
        color = plots.actor_color(client)
        ax.fill_between(dates, df[f"balance_{client}_q05"], df[f"balance_{client}_q95"], color=color, alpha=0.25,
                        linewidth=0)
        ax.plot(dates, df[f"balance_{client}_q50"], color=color, linewidth=1.4)
        ax.axhline(0.0, color="0.5", linewidth=0.6)
        ax.set_title(labels.client(client, "-".join(model.axes[client]) if model.axes else ""), loc="left",
                     fontsize=8)
        low, high = float(df[f"balance_{client}_q05"].min()), float(df[f"balance_{client}_q95"].max())
        ax.set_ylim(low - 0.05 - 0.1 * (high - low), high + 0.05 + 0.1 * (high - low))
        ax.tick_params(labelsize=7)
    plots.date_axis(axes[-1], maxticks=4)
    fig.supylabel("balance (median, 5–95%)", fontsize=8)
    return fig


def _simplex_and_ties_figure(model: CaucasusModel, labels: Labels) -> Figure:
    """The mean alignment paths so far on the simplex, and the ties now."""
    df = model.datacollector.get_model_vars_dataframe()
    fig = Figure(figsize=(4.2, 2.2), layout="constrained")
    left, right = fig.subplots(1, 2)
    corners = list(model.patrons)
    plots.plot_simplex_frame(corners, ax=left)
    for client in model.clients:
        shares = df[[f"alignment_share_{client}_{p}" for p in corners]].to_numpy()
        x, y = plots.simplex_xy(shares)
        left.plot(x, y, color=plots.actor_color(client), linewidth=1.2, label=labels.actor(client))
        left.plot(x[-1:], y[-1:], "o", color=plots.actor_color(client), markersize=3)
    left.legend(fontsize=6, frameon=False, loc="upper left")
    row = model.row_of(model.steps)
    ties = [{"client": c, "patron": p, "tie": model.tie_record[row][:, i, j].mean(),
             "attitude": model.attitude_record[row][:, i, j].mean()}
            for i, c in enumerate(model.clients) for j, p in enumerate(model.patrons)]
    plots.plot_tie_network(pd.DataFrame(ties), model.clients, model.patrons, ax=right)
    right.set_title("ties now", fontsize=8)
    return fig


CSS = """
.caucasus-charts img { max-width: 100%; height: auto; }
.caucasus-date { font-size: 1.1rem; margin: 0.4rem 0; }
/* every slider shows its value, not only while it is dragged */
.v-slider__thumb-label-container { display: block !important; }
.v-slider__thumb-label { transform: translateY(-20%) translateY(-12px) translateX(-50%) rotate(45deg) !important; }
.v-slider { margin-top: 22px; }
"""


@solara.component
def Charts(model: CaucasusModel) -> None:
    """The date and the charts of the current model, drawn again after every batch of steps."""
    update_counter.get()
    labels = Labels(model.cfg)
    solara.Style(CSS)
    with solara.Column(classes=["caucasus-charts"]):
        now = model.reported()
        # plain HTML, not solara.Markdown: Markdown loads KaTeX, which solara-assets does not ship (404s)
        solara.HTML(tag="div", unsafe_innerHTML=html.escape(
            f"{model.path.replace('_', ' ')} path, {model.R} replicates — step {model.steps} of {model.n_steps}, "
            f"{plots.day(model.dates[model.steps])}"), style={"font-size": "1.05rem", "font-weight": "bold"})
        if model.axes:
            solara.HTML(tag="div", unsafe_innerHTML=html.escape(
                "Median balance: " + "; ".join(f"{labels.actor(c)} {now[f'balance_{c}_q50']:+.3f}"
                                               for c in model.clients)))
        with solara.ColumnsResponsive(default=12, large=6):
            solara.FigureMatplotlib(_balance_figure(model, labels), format="png", dpi=110)
            solara.FigureMatplotlib(_simplex_and_ties_figure(model, labels), format="png", dpi=110)


model = solara.reactive(None)  # this browser session's model, built on first view (SolaraViz resets it)
narrow = solara.reactive(False)  # this browser's window is a phone's (below Vuetify's 960-px break point)


class WindowWidth(ipyvue.VueTemplate):
    """Tells the server, once the page is shown, whether the window is narrower than the
    width at which the side panel overlays the page (Vuetify's mobile break point)."""

    template = traitlets.Unicode("""
        <template><span></span></template>
        <script>
        module.exports = {mounted() { this.narrow = window.innerWidth < 960; }}
        </script>""").tag(sync=True)
    narrow = traitlets.Bool(False).tag(sync=True)


@solara.component
def Layout(children=[]) -> None:  # noqa: B006 - Solara's layout signature
    """Solara's app layout, with the side panel closed on a phone: there it would cover the
    charts and the button that closes it."""
    solara.AppLayout(children=children, sidebar_open=not narrow.value)


@solara.component
def Page() -> None:
    if model.value is None:
        model.value = ExplorerModel(**{k: v["value"] if isinstance(v, dict) else v for k, v in MODEL_PARAMS.items()})
    SolaraViz(model, components=[], model_params=MODEL_PARAMS, name="caucasus-sim explorer",
              render_interval=STEPS_PER_CLICK, play_interval=50)
    WindowWidth.element(on_narrow=narrow.set)
    Charts(model.value)
