"""The command line: compose configuration with Hydra and call `run(cfg)`.

`main()` first composes the overrides itself, so that a typo, a wrong type or a bad value
gets one line naming it (and exit status 2) before Hydra starts — for a multirun, every
value of every swept key is checked before any job runs. Then Hydra's own `@hydra.main`
entry point composes again and calls `app(cfg)`, which only calls `run` (or, as a job
of a multirun, `run_point`). A multirun is collected into one table when it ends;
`caucasus-sim-collect <folder>` does the same for a folder by hand.
`caucasus-sim-events import` turns an event-data export into a timeline CSV,
`caucasus-sim-report <folder>` rebuilds a folder's report, and `caucasus-sim-score`
scores a registered forecast against later data.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import re
import shlex
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import hydra
from omegaconf import open_dict
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.types import RunMode

from . import report, runner
from .analysis.sweep import multirun_folder, start_multirun
from .config import ConfigError, actor_names, config_dir, load_config, parse_date, validate
from .eventdata import FORMATS, Periods, check_output, export_files, import_export, load_actor_map, write_timeline
from .config.schema import register_configs
from .outputs import Bundle, versions
from .outputs.preflight import gigabytes

PROG = "caucasus-sim"
FORBIDDEN_FLAGS = ("--experimental-rerun",)  # unpickles a file: not data
INFO_FLAGS = {"--help", "-h", "--hydra-help", "--info", "-i", "--cfg", "-c",
              "--shell-completion", "-sc", "--version"}
TAKES_VALUE = {"--config-path", "-cp", "--config-name", "-cn", "--config-dir", "-cd",
               "--cfg", "-c", "--package", "-p", "--info", "-i"}


def fail(message: str, status: int = 2, prog: str = PROG) -> None:
    print(f"{prog}: error: {message}", file=sys.stderr)
    sys.exit(status)


@dataclass
class CommandLine:
    """What argv asks for: plain overrides, the swept keys and their values."""

    info: bool = False
    check: bool = False  # --check: run every check, report the estimated cost, run nothing
    multirun: bool = False
    config_dirs: list[str] = field(default_factory=list)  # --config-dir: the user's own config folders
    plain: list[str] = field(default_factory=list)  # every override, sweeps at their first value
    typed: list[str] = field(default_factory=list)  # every override as the user typed it
    sweeps: dict[str, list[str]] = field(default_factory=dict)


def parse_command_line(argv: list[str]) -> CommandLine:
    cl, words, skip = CommandLine(), [], None
    for arg in argv:
        if skip:
            if skip in ("--config-dir", "-cd"):
                cl.config_dirs.append(arg)
            skip = None
            continue
        if arg.split("=")[0] in FORBIDDEN_FLAGS:
            raise ConfigError(f"option {arg.split('=')[0]!r} is not supported: it would load code, not data")
        if arg == "--check":
            cl.check = True
            continue
        if arg in INFO_FLAGS:
            cl.info = True
        if arg in ("-m", "--multirun"):
            cl.multirun = True
        if arg.startswith("-"):
            if arg.split("=")[0] in ("--config-dir", "-cd") and "=" in arg:
                cl.config_dirs.append(arg.split("=", 1)[1])
            skip = arg if arg in TAKES_VALUE else None
            continue
        words.append(arg)
    try:
        parsed = OverridesParser.create().parse_overrides(words)
    except Exception as exc:
        raise ConfigError(str(exc).splitlines()[0]) from None
    for ov in parsed:
        cl.typed.append(ov.input_line)
        if ov.is_sweep_override():
            key = ov.get_key_element()
            values = list(ov.sweep_string_iterator())
            if not values:
                raise ConfigError(f"{key}: the sweep has no values")
            cl.sweeps[key] = values
            cl.plain.append(f"{key}={values[0]}")
        else:
            cl.plain.append(ov.input_line)
    if cl.sweeps and not cl.multirun:
        raise ConfigError(f"{next(iter(cl.sweeps))}: several values need --multirun (-m)")
    return cl


def check_command_line(cl: CommandLine):
    """Compose and check every configuration the command will run, as `runner.check` does
    before a run; return the first configuration and what each check found."""
    dirs = cl.config_dirs
    cfg = load_config(cl.plain, config_dirs=dirs, return_hydra_config=True)  # refuses code in Hydra's settings too
    with open_dict(cfg):
        cfg.pop("hydra")
    if cl.multirun and runner.analysis_of(cfg) != "run":
        raise ConfigError(f"this experiment runs its own {runner.analysis_of(cfg)}; run it without --multirun")
    checked = [runner.check(cfg)]
    for key, values in cl.sweeps.items():
        if key.startswith("hydra"):
            continue
        for value in values[1:]:
            others = [o for o in cl.plain if not o.startswith(f"{key}=")]
            checked.append(runner.check(load_config([*others, f"{key}={value}"], config_dirs=dirs)))
    return cfg, checked


def checked_line(cfg, checked: list) -> str:
    """What --check prints: the run it checked, its estimated cost, and where it writes."""
    first = checked[0]
    text = (f"{PROG}: checked {cfg.experiment}: {first.cost.what}; about "
            f"{gigabytes(first.cost.memory)} of memory and {gigabytes(first.cost.disk)} on disk, under "
            f"{Path(cfg.output_root) / str(cfg.experiment)}")
    if len(checked) > 1:
        text += f" ({len(checked)} configurations checked, the first shown)"
    return text


@hydra.main(version_base=None, config_path=str(config_dir()), config_name="config")
def app(cfg) -> None:
    try:
        hc = HydraConfig.get()
        if hc.mode == RunMode.MULTIRUN:
            folder = Path(hc.sweep.dir)
            overrides = [o for o in hc.overrides.task if not o.lstrip("+~").startswith("hydra")]
            runner.run_point(cfg, folder, overrides, runner.multirun_axes(folder))
        else:
            runner.run(cfg)
    except ConfigError as exc:
        fail(str(exc))


def main() -> None:
    if "--version" in sys.argv[1:]:  # the package's version (Hydra's own flag names Hydra's)
        print(f"{PROG} {versions()['caucasus-sim']}")
        return
    register_configs()
    folder = None
    try:
        cl = parse_command_line(sys.argv[1:])
        if not cl.info:
            cfg, checked = check_command_line(cl)
            if cl.check:
                print(checked_line(cfg, checked))
                return
            if cl.multirun:
                folder = multirun_folder(cfg, cl.typed)
                sys.argv += [f"hydra.sweep.dir={folder}", "hydra.sweep.subdir=points"]
            else:  # a plain run: the configuration is composed and checked already
                runner.run(cfg, checked=checked[0])
                return
    except ConfigError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail("interrupted; no results folder was completed", 130)
    if folder is None:  # --help, --cfg and Hydra's other information flags
        app()
        return
    axes = [k for k in cl.sweeps if not k.startswith("hydra")]
    total = math.prod(len(v) for k, v in cl.sweeps.items() if not k.startswith("hydra"))
    try:
        with Bundle.resumable(folder, "sweep") as bundle:
            launched = time.perf_counter()
            runner.warn(runner.notices(cfg))
            start_multirun(bundle, axes, total)
            app()
            runner.collect(folder, bundle, started=launched)
    except ConfigError as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail(f"interrupted; finished points are kept in {folder}; run the same command to resume", 130)


COLLECT_HELP = """\
Merge the finished points of a multirun (caucasus-sim -m ...) into one table
with its figures and report, as the multirun does when its jobs end: for a
sweep whose jobs ran elsewhere (on a cluster) or were interrupted. The points
stay in points/.

example: caucasus-sim-collect results/strategy_sweep/multirun-<id>"""

REPORT_HELP = """\
Draw the figures and write report.md and report.html of a saved results folder
(a run, a sweep-<id> or multirun-<id> folder, an attribution or a sensitivity
analysis) again from its config.yaml and tables, without running the model.
manifest.json is not changed; the line printed says whether every file still
matches the SHA-256 it records.

example: caucasus-sim-report results/alignment_paths/<run id>"""


def folder_argument(prog: str, usage: str, about: str) -> Path:
    """The one folder a command takes; -h/--help and --version answer and exit 0."""
    args = sys.argv[1:]
    if args and args[0] in ("-h", "--help"):
        print(f"usage: {usage}\n\n{about}")
        sys.exit(0)
    if args and args[0] == "--version":
        print(f"{prog} {versions()['caucasus-sim']}")
        sys.exit(0)
    if len(args) != 1 or args[0].startswith("-"):
        fail(f"usage: {usage}", prog=prog)
    return Path(args[0])


def collect_main() -> None:
    """`caucasus-sim-collect <sweep folder>`: merge a multirun's finished points."""
    prog = "caucasus-sim-collect"
    folder = folder_argument(prog, f"{prog} <sweep folder>", COLLECT_HELP)
    try:
        runner.collect(folder)
    except ConfigError as exc:
        fail(str(exc), prog=prog)


def report_main() -> None:
    """`caucasus-sim-report <results folder>`: draw the figures and write report.md and
    report.html of a saved run, sweep (or other analysis) folder again from its
    config.yaml and tables, without running the model; manifest.json is not changed."""
    prog = "caucasus-sim-report"
    folder = folder_argument(prog, f"{prog} <results folder>", REPORT_HELP)
    try:
        r = report.rebuild(folder)
    except ConfigError as exc:
        fail(str(exc), prog=prog)
    except OSError as exc:  # e.g. a folder that cannot be written
        fail(f"{folder}: {exc}", prog=prog)
    except KeyboardInterrupt:
        fail("interrupted; the folder is as it was", 130, prog=prog)
    figures = len({Path(n).stem for n in r["built"] if n.startswith("figures/")})
    text = f"{prog}: {folder}: report.md, report.html and {figures} figures rebuilt"
    if r["changed"]:
        then = r["recorded_versions"].get("matplotlib", "?")
        now = versions().get("matplotlib", "?")
        text += (f"; {len(r['changed'])} differ from the hashes in manifest.json (e.g. {r['changed'][0]}"
                 + (f"; drawn with matplotlib {then} then, {now} now" if then != now else "") + ")")
    else:
        text += "; every file recorded in manifest.json matches its hash"
    if r["new"]:
        text += f"; {len(r['new'])} not recorded there (e.g. {r['new'][0]})"
    if r["not_built"]:
        text += f"; {len(r['not_built'])} recorded but not rebuilt (e.g. {r['not_built'][0]})"
    print(text)


EVENTS_PROG = "caucasus-sim-events"
OVERRIDE = re.compile(r"^[A-Za-z_][\w.]*=")  # a configuration override, key=value


class _OneLineParser(argparse.ArgumentParser):
    """argparse, with its errors in one line (no usage block) and exit status 2."""

    def error(self, message: str):
        fail(message, prog=EVENTS_PROG)


def events_parser() -> argparse.ArgumentParser:
    parser = _OneLineParser(prog=EVENTS_PROG, description="Turn event-data exports into model timelines.")
    parser.add_argument("--version", action="version", version=f"{EVENTS_PROG} {versions()['caucasus-sim']}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_OneLineParser)
    imp = sub.add_parser("import", help="import a GDELT 2.0, ICEWS or PLOVER export as a timeline CSV",
                         description="Read an export (files and folders, zipped or not), clean it and write the "
                                     "project's timeline CSV with a provenance header. Words key=value are "
                                     "configuration overrides (the calendar, actors and eventdata settings).")
    imp.add_argument("--format", required=True, choices=FORMATS, help="the export's format")
    imp.add_argument("inputs", nargs="+", metavar="FILES", help="files or folders of the export; key=value overrides")
    imp.add_argument("--actors", metavar="MAP", help="actor map YAML (default: eventdata.actor_map)")
    imp.add_argument("--out", required=True, metavar="timeline.csv", help="the timeline CSV to write")
    imp.add_argument("--force", action="store_true", help="replace --out if it exists")
    imp.add_argument("--config-dir", action="append", default=[], metavar="DIR", help="a folder of config groups")
    return parser


def import_events(argv: list[str]) -> str:
    """`caucasus-sim-events import ...`: the line it prints once the timeline is written."""
    args, extra = events_parser().parse_known_args(argv)
    words = [*args.inputs, *extra]  # files, folders and overrides, before or after the options
    if any(w.startswith("-") for w in extra):
        raise ConfigError(f"import: unknown option {next(w for w in extra if w.startswith('-'))!r}; see "
                          f"{EVENTS_PROG} import --help")
    overrides = [w for w in words if OVERRIDE.match(w)]
    inputs = [w for w in words if not OVERRIDE.match(w)]
    if not inputs:
        raise ConfigError("import: no files or folders to import; name the export's files or folders")
    out = Path(args.out).expanduser()
    check_output(out, args.force, export_files(inputs, args.format))  # before the work
    cfg = load_config(overrides, config_dirs=args.config_dir)
    validate(cfg)
    actors = load_actor_map(args.actors or str(cfg.eventdata.actor_map), actor_names(cfg))
    periods = Periods(parse_date(cfg.scenario.start, "scenario.start"), int(cfg.scenario.dt_days))
    imported = import_export(inputs, args.format, actors, periods, root_only=bool(cfg.eventdata.root_only),
                             min_sources=int(cfg.eventdata.min_sources))
    write_timeline(imported, out, shlex.join([EVENTS_PROG, *argv]))
    p = cfg.params
    acting = imported.acting(float(p.attention_scale), float(p.attention_threshold))
    return (f"{EVENTS_PROG}: {out}: {len(imported.events)} events, {acting} with a magnitude above 0 at "
            f"params.attention_scale={p.attention_scale:g}, attention_threshold={p.attention_threshold:g}; "
            + imported.summary.cleaning())


def events_main() -> None:
    try:
        print(import_events(sys.argv[1:]))
    except ConfigError as exc:
        fail(str(exc), prog=EVENTS_PROG)
    except KeyboardInterrupt:
        fail("interrupted; no timeline was written", 130, prog=EVENTS_PROG)


SCORE_PROG = "caucasus-sim-score"
SCORE_HELP = """\
Score a registered forecast folder (forecast.csv, forecast.json, manifest.json,
written before the data existed) against a targets file of later data with the
columns of the package's calibration/targets.csv: CRPS, interval scores,
coverage and PIT of the model and of each baseline (persistence, trend, AR(1)),
the model's skill against each, figures and a report, in a new folder."""


class _ScoreParser(argparse.ArgumentParser):
    """argparse, with its errors in one line (no usage block) and exit status 2."""

    def error(self, message: str):
        fail(message, prog=SCORE_PROG)


def score_main(argv: list[str] | None = None) -> None:
    """`caucasus-sim-score <forecast folder> <targets file> [--out FOLDER]`."""
    parser = _ScoreParser(prog=SCORE_PROG, description=SCORE_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"{SCORE_PROG} {versions()['caucasus-sim']}")
    parser.add_argument("forecast", metavar="FORECAST_FOLDER", help="a registered forecast folder")
    parser.add_argument("targets", metavar="TARGETS_FILE", help="later data: a targets CSV")
    parser.add_argument("--out", metavar="FOLDER", help="the folder to write (default: <forecast folder>/"
                                                        "scores-<first 8 hex of the targets file's SHA-256>)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        _, line = runner.score(Path(args.forecast), Path(args.targets), Path(args.out) if args.out else None)
    except ConfigError as exc:
        fail(str(exc), prog=SCORE_PROG)
    except KeyboardInterrupt:
        fail("interrupted; no scores folder was completed", 130, prog=SCORE_PROG)
    print(f"{SCORE_PROG}: {line}")


EXPLORE_HELP = """\
Serve the browser explorer, a Mesa SolaraViz page of the model on the short
2024-2025 history: choose the path, the replicates, the patrons' strategy
intensities and key parameters of Model v2, remove or move recorded events, then
Reset; Step runs a batch of steps and Play keeps stepping, drawing each client's
balance (median, 5-95% band), the alignment paths on the simplex and the ties.
Needs the viz extra: pip install -e '.[viz]'.

options: --port N (default 8765), --host H (default localhost)
example: caucasus-sim-explore --port 8765, then open http://localhost:8765"""


def explore_main() -> None:
    """`caucasus-sim-explore [--port N] [--host H]`: serve `caucasus_sim.app` with solara."""
    prog = "caucasus-sim-explore"
    args, options = sys.argv[1:], {"--port": "8765", "--host": "localhost"}
    if args[:1] in (["-h"], ["--help"]):
        print(f"usage: {prog} [--port N] [--host H]\n\n{EXPLORE_HELP}")
        sys.exit(0)
    if args[:1] == ["--version"]:
        print(f"{prog} {versions()['caucasus-sim']}")
        sys.exit(0)
    while args:
        flag, _, value = args.pop(0).partition("=")
        if flag not in options or not (value or args):
            fail(f"unknown option {flag!r}; expected --port N or --host H (see --help)", prog=prog)
        options[flag] = value or args.pop(0)
    if not options["--port"].isdigit():
        fail(f"--port: {options['--port']!r} is not a port number", prog=prog)
    if importlib.util.find_spec("solara") is None:
        fail("the explorer needs the viz extra: pip install -e '.[viz]' (solara and Mesa's visualization)", prog=prog)
    os.execv(sys.executable, [sys.executable, "-m", "solara", "run", "caucasus_sim.app", "--production", "--no-open",
                              "--port", options["--port"], "--host", options["--host"]])


if __name__ == "__main__":
    main()
