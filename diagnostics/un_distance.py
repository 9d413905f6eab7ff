"""Diagnostic: whose move is the rise of the clients' UN ideal-point distances to Russia?

Issue "Model v3" asks the change 2021 -> 2023 of Armenia's UN ideal-point distance to
Russia that the observation model maps from the state (docs/odd.md, 7.22) to reach a third
of the observed +0.5. A distance |x_client - x_patron| moves when either side moves. This
script splits each observed change into the client's own move and the patron's own move
(Bailey-Strezhnev-Voeten ideal points, package data calibration/unga_ideal_points.csv),
compares the clients with every UN member, shows the same split for 2014 (the window's one
earlier war of Russia's, Crimea, and its first sanctions: would a patron's war elsewhere
predict its own move?), and shows what the model maps from its state:

- with the observation model's link (a level per series, the slope fitted to the
  ideal-point targets up to 2019, or up to 2021);
- with the same link fitted to the distances with each patron held still at its mean
  position over the fit window, so that only the clients' own moves are left in them (on
  whichever side of the patron a client sits).

Run:  .venv/bin/python diagnostics/un_distance.py [--replicates 300]
Nothing printed is hard-coded: every number is read from the package data or measured in
the run that prints it.
"""

from __future__ import annotations

import argparse
import datetime as dt

import numpy as np

from caucasus_sim import CaucasusModel, load_config
from caucasus_sim.analysis.matching import observation_settings, targets_file
from caucasus_sim.analysis.validation import mapped_distance_change
from caucasus_sim.model.observation import distance_change, ideal_points, patron_held, read_targets, un_country

CLIENTS = ("ARM", "AZE", "GEO")
PATRONS = {p: un_country(p) for p in ("RUS", "WEST", "TUR")}  # the model's patrons and the country standing for each


def split(d: dict[str, float]) -> str:
    adds = np.isclose(d["change"], d["client"] + d["patron"])
    return (f"{d['change']:+.3f} {'=' if adds else '~'} client {d['client']:+.3f} + patron {d['patron']:+.3f}"
            + ("" if adds else " (the two passed each other: the parts do not add up)"))


def observed(points, first: int, last: int) -> None:
    print(f"Observed ideal-point distances, {first} -> {last}: the change and each side's own move")
    for client in CLIENTS:
        for patron, country in PATRONS.items():
            print(f"  {client}-{patron:4s} " + split(distance_change(points, client, country, first, last)))
    for client in CLIENTS:
        d = distance_change(points, client, "RUS", first, last, measure="ideal_point_fp")
        print(f"  final-passage votes only, {client}-RUS " + split(d))
    x = points[points["year"].isin([first, last])].pivot(index="country", columns="year", values="ideal_point").dropna()
    for country in ("RUS", "USA"):
        others = x.drop(index=country)
        if len(others) < 100:  # the package holds every member's point for 2021 and 2023 only
            continue
        change = (others[last] - x.loc[country, last]).abs() - (others[first] - x.loc[country, first]).abs()
        print(f"  every UN member's distance to {country} ({len(others)} members): median change "
              f"{change.median():+.3f}, farther for {np.mean(change > 0):.0%}")


def noise(points, first: int, last: int) -> None:
    x = points[points["year"].between(first, last)].pivot(index="year", columns="country", values="ideal_point")
    sd = x[[*CLIENTS, *PATRONS.values()]].diff().std()
    print(f"\nA country's own point, sd of its yearly change {first}-{last}: "
          + ", ".join(f"{k} {v:.2f}" for k, v in sd.items()))


def in_window(targets, held, fit_until: int) -> None:
    """How much of the distances' changes within their series, over the fit window, is the
    patrons' own moves: their variance about each series' mean, with and without them."""
    ip = targets["kind"] == "ideal_point"
    t = targets[ip & (targets["year"] <= fit_until)]
    held = held[ip & (targets["year"] <= fit_until)]
    within = [float((v - v.groupby(t["series"]).transform("mean")).var()) for v in (t["value"], held["value"])]
    print(f"\nIdeal-point targets up to {fit_until} ({len(t)}): variance of the distances about their series' means "
          f"{within[0]:.4f}; with each patron held still {within[1]:.4f}")


def mapped(m, targets, held: dict) -> None:
    settings = observation_settings(load_config(["experiment=calibration", "model=v3"]))
    print(f"\nModel v3 at its defaults ({m.alignment_record.shape[1]} replicates, status quo): the change "
          "2021 -> 2023 the observation model maps from the state (median over replicates)")
    for client in CLIENTS:
        c = m.clients.index(client)
        share = [np.median(m.alignment_record[m.step_at(dt.date(y, 7, 1)), :, c, m.patrons.index("RUS")])
                 for y in (2021, 2023)]
        parts = []
        for fit_until in (2019, 2021):
            for label, fitted in (("distances", targets), ("each patron held still", held[fit_until])):
                change, kappa = mapped_distance_change(m, fitted, settings, client, "RUS", fit_until=fit_until)
                parts.append(f"fit to <= {fit_until}, {label}: slope {kappa:.2f}, change {np.median(change):+.3f}")
        print(f"  {client}-RUS (share with Russia {share[0]:.2f} -> {share[1]:.2f}):\n    " + "\n    ".join(parts))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=300)
    a = ap.parse_args()
    points = ideal_points()
    observed(points, 2021, 2023)
    observed(points, 2020, 2021)
    observed(points, 2016, 2017)  # the year of the calibration's one outlier, Azerbaijan-Russia 2017 (docs/odd.md 7.22)
    observed(points, 2013, 2014)  # Russia's earlier war in the window: Crimea annexed, first sanctions (March 2014)
    noise(points, 2013, 2021)
    cfg = load_config(["model=v3", f"replicates={a.replicates}", "progress=off", "scenario.end=2025-08-31"])
    m = CaucasusModel(cfg, path="status_quo").run()
    targets = read_targets(targets_file(""), m.clients, m.patrons)
    held = {fit_until: patron_held(targets, points, fit_until) for fit_until in (2019, 2021)}  # each patron held still
    for fit_until, h in held.items():
        in_window(targets, h, fit_until)
    mapped(m, targets, held)


if __name__ == "__main__":
    main()
