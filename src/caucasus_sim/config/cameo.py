"""The CAMEO event typology, its Goldstein weights (package data) and its quad classes."""

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


# CAMEO's quad classes, by root code (01-05, 06-09, 10-14, 15-20), as the GDELT event
# codebook defines its QuadClass field
QUAD_CLASSES: tuple[str, ...] = ("verbal cooperation", "material cooperation", "verbal conflict", "material conflict")
_QUAD_OF_ROOT = {f"{r:02d}": (0 if r <= 5 else 1 if r <= 9 else 2 if r <= 14 else 3) for r in range(1, 21)}


def quad_class(code: str) -> str:
    """The quad class of a CAMEO code (one of QUAD_CLASSES), from its two-digit root."""
    return QUAD_CLASSES[_QUAD_OF_ROOT[str(code)[:2]]]
