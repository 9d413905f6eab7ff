"""The layered layout holds (docs/architecture.md): data flows one way, config -> eventdata ->
model -> outputs -> analysis -> plots -> report -> runner -> cli, with no import cycle, no hidden
(function-local) import of the package, short functions and classes, and a project that
refers to nothing outside itself."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "caucasus_sim"
# optional extras a function may import where it needs them (and says why, in a comment), and
# dependencies that take over a second to import (SALib and scipy.stats, ~1.5 s; statsmodels'
# SARIMAX, ~1.6 s), imported where an analysis draws a design or fits an AR(1) rather than by
# every command
OPTIONAL_EXTRAS = ("ema_workbench", "xarray", "elfi", "SALib", "scipy", "statsmodels", "dask")
MAX_FUNCTION_LINES, MAX_CLASS_LINES = 60, 250
OUTSIDE = ("../" + "shared", "DESIGN" + ".md")  # documents a user of the project does not have


def modules() -> dict[str, Path]:
    out = {}
    for f in SRC.rglob("*.py"):
        name = ".".join(("caucasus_sim", *f.relative_to(SRC).with_suffix("").parts)).removesuffix(".__init__")
        out[name] = f
    return out


def imported(module: str, path: Path, node: ast.AST) -> list[str]:
    """The package modules an import statement names (relative imports resolved)."""
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    if isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            parts = package.split(".")[: len(package.split(".")) - node.level + 1]
            base = ".".join(parts + ([base] if base else []))
        return [base] + [f"{base}.{a.name}" for a in node.names]
    return [a.name for a in node.names]


def function_local_imports() -> list[tuple[Path, ast.AST]]:
    found = []
    for path in modules().values():
        tree = ast.parse(path.read_text())
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                found += [(path, n) for n in ast.walk(fn) if isinstance(n, (ast.Import, ast.ImportFrom))]
    return found


def test_import_linter_layers_contract_is_kept():
    exe = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run([str(exe), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "1 kept, 0 broken" in proc.stdout


def test_no_import_cycle_between_modules():
    mods = modules()
    edges: dict[str, set[str]] = {m: set() for m in mods}
    for m, path in mods.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in imported(m, path, node):
                    while target and target not in mods:
                        target = target.rsplit(".", 1)[0] if "." in target else ""
                    if target and target != m and not m.startswith(target + "."):
                        edges[m].add(target)
    # a module reaches itself through its imports: a cycle
    for start in mods:
        seen, todo = set(), list(edges[start])
        while todo:
            m = todo.pop()
            assert m != start, f"import cycle through {start}"
            if m not in seen:
                seen.add(m)
                todo += edges[m]


# the one deferred import of the package itself: the console command's entry answers --version
# and --help before it imports the command line (and with it every layer)
DEFERRED = {("entry.py", "caucasus_sim.cli")}


def test_function_local_imports_are_only_optional_extras_with_a_reason():
    for path, node in function_local_imports():
        names = imported("caucasus_sim.x", path, node)
        where = f"{path.relative_to(ROOT)}:{node.lineno}"
        names = [n for n in names if (path.name, n) not in DEFERRED and n != "caucasus_sim"]
        assert all(n.split(".")[0] in OPTIONAL_EXTRAS for n in names), f"{where} imports {names} inside a function"
        lines = path.read_text().splitlines()
        assert "#" in lines[node.lineno - 1] or lines[node.lineno - 2].strip().startswith("#"), \
            f"{where}: say in a comment why this import is inside a function"


@pytest.mark.parametrize("kind, limit", [(ast.FunctionDef, MAX_FUNCTION_LINES), (ast.ClassDef, MAX_CLASS_LINES)])
def test_functions_and_classes_are_short(kind, limit):
    long = []
    for path in modules().values():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, kind) and node.end_lineno - node.lineno + 1 > limit:
                long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} "
                            f"({node.end_lineno - node.lineno + 1} lines)")
    assert long == []


def test_the_project_refers_to_nothing_outside_itself():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    if not files:
        pytest.skip("not a git checkout")
    outside = [f for f in files if (ROOT / f).is_file() and not (ROOT / f).is_symlink()
               and any(s in (ROOT / f).read_text(errors="ignore") for s in OUTSIDE)]
    assert outside == []


def test_every_third_party_import_is_a_declared_dependency():
    """Each distribution the package imports is named in pyproject.toml (dependencies or an
    extra), not only installed because something else needs it (PyYAML came with Hydra)."""
    import importlib.metadata as md
    import re
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = project["dependencies"] + [r for extra in project["optional-dependencies"].values() for r in extra]

    def norm(name: str) -> str:
        return re.sub(r"[-_.]+", "-", name).lower()

    declared = {norm(re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0]) for r in requirements}
    providers = md.packages_distributions()
    shipping = {norm(d) for dists in providers.values() for d in dists}
    for name in list(declared):  # a meta package (solara, which ships no module) stands for what it requires
        if name not in shipping:
            try:
                declared |= {norm(re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0]) for r in md.requires(name) or []
                             if "extra ==" not in r}
            except md.PackageNotFoundError:
                pass
    undeclared = set()
    for module, path in modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import | ast.ImportFrom) and not getattr(node, "level", 0):
                for name in imported(module, path, node):
                    top = name.split(".")[0]
                    if top in sys.stdlib_module_names or top == "caucasus_sim" or not top:
                        continue
                    dists = {norm(d) for d in providers.get(top, [top])}
                    if not dists & declared:
                        undeclared.add(f"{top} ({', '.join(sorted(dists))}) in {path.relative_to(ROOT)}")
    assert not undeclared, sorted(undeclared)
