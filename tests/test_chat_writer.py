"""The chat writer without a server: batches, a locked database, the timeout sweep.

Each check runs in a process of its own (tests/store_checks.py): peewee keeps a
connection per greenlet only after gevent patched the standard library.
"""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from tests.support import ROOT

SOURCE = ROOT / "tests" / "store_checks.py"
CHECKS = sorted(
    node.name.removeprefix("check_")
    for node in ast.parse(SOURCE.read_text()).body
    if isinstance(node, ast.FunctionDef) and node.name.startswith("check_")
)
pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("name", CHECKS)
def test_chat_writer(name, tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "tests.store_checks", name, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=50,
    )
    assert done.returncode == 0 and done.stdout.strip().endswith("ok"), done.stdout + done.stderr
