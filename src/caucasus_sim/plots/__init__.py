"""Figures. Every `plot_*` function takes `ax=None`, draws on it and returns the Axes; none
saves a figure or changes matplotlib's backend (the report draws on `Figure` objects of
its own, so a notebook's or an application's figures are left alone)."""

from .calibration import plot_marginal, plot_pair, plot_series
from .events import plot_effect_by_dyad, plot_weekly_by_dyad, plot_weekly_by_quad_class, signed_effects, weekly_events
from .forecast import METHOD_COLORS, coverage_legend_handles, plot_coverage_by_horizon, plot_pit_histogram
from .paths import (plot_band_by_path, plot_decided_events, plot_effects, plot_outcome_by_client,
                    plot_scheduled_events, plot_share_by_patron)
from .sensitivity import plot_morris, plot_prim_box, plot_prim_tradeoff, plot_sobol_indices
from .simplex import SQRT3_2, plot_alignment_simplex, plot_simplex_frame, plot_simplex_overview, simplex_xy
from .style import (ACTOR_COLORS, OKABE_ITO, PATH_COLORS, PATRON_COLORS, SINGLE_COLUMN, STYLE, actor_color, axis_label,
                    color_of, date_axis, day, metric_label, param_label, publication_style)
from .sweep import plot_outcome_against, plot_sweep_heatmap
from .ties import TIE_CMAP, TIE_MAX_WIDTH, plot_tie_network, tie_width_handles

__all__ = [
    "ACTOR_COLORS", "METHOD_COLORS", "OKABE_ITO", "PATH_COLORS", "PATRON_COLORS", "SINGLE_COLUMN", "SQRT3_2", "STYLE",
    "TIE_CMAP", "TIE_MAX_WIDTH", "actor_color", "axis_label", "color_of", "coverage_legend_handles", "date_axis", "day",
    "metric_label", "param_label", "plot_alignment_simplex", "plot_band_by_path", "plot_coverage_by_horizon",
    "plot_effect_by_dyad", "plot_decided_events", "plot_effects", "plot_marginal", "plot_morris", "plot_pair",
    "plot_series", "plot_outcome_against", "plot_outcome_by_client", "plot_pit_histogram", "plot_prim_box",
    "plot_prim_tradeoff", "plot_scheduled_events", "plot_share_by_patron", "plot_simplex_frame", "plot_simplex_overview",
    "plot_sobol_indices", "plot_sweep_heatmap", "plot_tie_network", "plot_weekly_by_dyad",
    "plot_weekly_by_quad_class", "publication_style", "signed_effects", "simplex_xy", "tie_width_handles", "weekly_events",
]
