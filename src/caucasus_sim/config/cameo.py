"""The CAMEO event typology and its Goldstein weights (package data)."""

from __future__ import annotations

import csv
import functools
from importlib import resources

from .errors import ConfigError


@functools.cache
def cameo_table() -> dict[str, tuple[str, float]]:
    """CAMEO code -> (description, Goldstein weight), from the package data."""
    data = resources.files("caucasus_sim") / "data"
    desc = {}
    with (data / "CAMEO.eventcodes.txt").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            desc[row["CAMEOEVENTCODE"].strip()] = row["EVENTDESCRIPTION"].strip()
    table = {}
    with (data / "CAMEO.goldsteinscale.txt").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            code = row["CAMEOEVENTCODE"].strip()
            table[code] = (desc.get(code, ""), float(row["GOLDSTEINSCALE"]))
    return table


def check_cameo(code: str, where: str) -> None:
    """Refuse a code that is not in the CAMEO typology, naming `where` it was given."""
    if str(code) not in cameo_table():
        raise ConfigError(
            f"{where}: {code!r} is not a CAMEO code; expected a code of the CAMEO typology "
            "such as '173' or '055' (quote codes in YAML so leading zeros stay)"
        )
