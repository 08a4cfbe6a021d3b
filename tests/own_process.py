"""Checks that need a process of their own (gevent must patch it first), run from pytest."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT


def run_check_in_own_process(module: str, name: str, tmp_path: Path) -> None:
    """Run `check_<name>` of a tests module in a fresh process (gevent patches it first)."""
    done = subprocess.run(
        [sys.executable, "-m", module, name, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=50,
    )
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stdout + done.stderr


def checks_in(path: Path) -> list[str]:
    """The names of a module's `check_*` functions, read from its source (not imported:
    importing it would patch this process)."""
    return sorted(
        node.name.removeprefix("check_")
        for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("check_")
    )
