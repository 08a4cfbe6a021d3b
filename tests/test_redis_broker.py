"""The Redis broker in process, against a redis-server of its own, killed and stalled.

Each check runs in a process of its own (tests/broker_checks.py): redis-py is
cooperative only after gevent patched the standard library, first thing in a process.
"""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from tests.support import ROOT

# The checks' names, read from the source: importing the module would patch this process.
SOURCE = ROOT / "tests" / "broker_checks.py"
CHECKS = sorted(
    node.name.removeprefix("check_")
    for node in ast.parse(SOURCE.read_text()).body
    if isinstance(node, ast.FunctionDef) and node.name.startswith("check_")
)

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("name", CHECKS)
def test_broker(name, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "tests.broker_checks", name, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=50,
    )
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stdout + done.stderr
