"""The package's shape: no import cycles, the dependency rule, modules of readable size."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "avalon"
MAX_LINES = 400  # a module longer than this wants splitting by concern
# Lower layers never import upper ones: web -> services -> {realtime, store, game, protocol}.
LOWER = ("realtime", "store", "game", "protocol", "ops")
# What starts the app: the factory, gunicorn's settings and hooks, the WSGI module.
ENTRY_POINTS = frozenset({"avalon", "avalon.serving", "avalon.wsgi", "avalon.cli"})

pytestmark = pytest.mark.timeout(30)


def module_name(path: Path) -> str:
    """The dotted module name of a file of the package."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """The avalon modules a file imports (a from-import of a submodule counts as it)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("avalon"):
            found.add(node.module)
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                if (PACKAGE.parent / (candidate.replace(".", "/") + ".py")).exists():
                    found.add(candidate)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("avalon")}
    return found


def graph() -> dict[str, set[str]]:
    """Every module of the package and the package modules it imports."""
    return {
        module_name(path): imports_of(path) - {module_name(path)} for path in PACKAGE.rglob("*.py")
    }


def layer(module: str) -> str:
    """The package (layer) of a module: web, services, realtime, ..."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_no_import_cycles():
    edges = graph()
    edges["avalon"] = set()  # the factory imports everything inside create_app, by design
    cycles = []

    def visit(module: str, path: list[str]) -> None:
        for target in edges.get(module, ()):
            if target in path:
                cycles.append(path[path.index(target) :] + [target])
            elif target not in done:
                done.add(target)
                visit(target, [*path, target])

    for start in edges:
        done: set[str] = {start}
        visit(start, [start])
    assert cycles == []


def test_dependency_rule():
    wrong = []
    for module, targets in graph().items():
        for target in targets:
            if layer(target) == "web" and layer(module) != "web" and module not in ENTRY_POINTS:
                wrong.append((module, target))  # nothing imports web but what starts the app
            if layer(module) in LOWER and layer(target) in ("services", "web"):
                wrong.append((module, target))
            if module == "avalon.realtime.broker" and target.endswith("redis_broker"):
                wrong.append((module, target))
    assert wrong == []


def test_modules_stay_short():
    # The tests and benchmarks are read as often as the package: the same limit.
    root = PACKAGE.parent
    paths = [
        *PACKAGE.rglob("*.py"),
        *(root / "tests").rglob("*.py"),
        *(root / "bench").rglob("*.py"),
    ]
    long = {str(path.relative_to(root)): len(path.read_text().splitlines()) for path in paths}
    assert {name: lines for name, lines in long.items() if lines > MAX_LINES} == {}


def test_a_worker_starts_without_the_passkey_library(tmp_path: Path):
    # py_webauthn and its cryptography were a fifth of a worker's imports at its start
    # (and of every release step's): the account routes import the ceremonies at first use.
    script = "import sys, avalon.wsgi; print(sorted(m for m in sys.modules if 'webauthn' in m))"
    env = {
        **os.environ,
        "SECRET_KEY": "layout-test-only",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "FLASK_SKIP_DOTENV": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PACKAGE.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=25,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[]"]
