"""The command line: compose configuration with Hydra and call `run(cfg)`.

`main()` first composes the overrides itself, so that a typo, a wrong type or a bad value
gets one line naming it (and exit status 2) before Hydra starts; then Hydra's own
`@hydra.main` entry point composes again and calls `app(cfg)`, which only calls `run`.
"""

from __future__ import annotations

import sys

import hydra

from .experiment import CONF_DIR, load_config, run
from .schema import ConfigError, register_configs, validate

PROG = "caucasus-sim"
FORBIDDEN_FLAGS = ("--experimental-rerun",)  # unpickles a file: not data


def fail(message: str, status: int = 2) -> None:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    sys.exit(status)


def _overrides_to_check(argv: list[str]) -> list[str] | None:
    """The plain overrides of argv (first value of each sweep), or None for info flags."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    info_flags = {"--help", "-h", "--hydra-help", "--info", "-i", "--cfg", "-c",
                  "--shell-completion", "-sc", "--version"}
    takes_value = {"--config-path", "-cp", "--config-name", "-cn", "--config-dir", "-cd",
                   "--cfg", "-c", "--package", "-p", "--info", "-i"}
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg.split("=")[0] in FORBIDDEN_FLAGS:
            fail(f"option {arg.split('=')[0]!r} is not supported: it would load code, not data")
        if arg in info_flags:
            return None
        if arg.startswith("-"):
            skip = arg in takes_value
            continue
        out.append(arg)
    parser = OverridesParser.create()
    try:
        parsed = parser.parse_overrides(out)
    except Exception as exc:
        raise ConfigError(str(exc).splitlines()[0]) from None
    plain = []
    for ov in parsed:
        if ov.is_sweep_override():
            first = next(iter(ov.sweep_string_iterator()))
            plain.append(f"{ov.get_key_element()}={first}")
        else:
            plain.append(ov.input_line)
    return plain


@hydra.main(version_base=None, config_path=str(CONF_DIR), config_name="config")
def app(cfg) -> None:
    try:
        run(cfg)
    except ConfigError as exc:
        fail(str(exc))


def main() -> None:
    register_configs()
    try:
        overrides = _overrides_to_check(sys.argv[1:])
        if overrides is not None:
            validate(load_config(overrides, return_hydra_config=True))
    except ConfigError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail("interrupted", 130)
    try:
        app()
    except KeyboardInterrupt:
        fail("interrupted; no results folder was completed", 130)


if __name__ == "__main__":
    main()
