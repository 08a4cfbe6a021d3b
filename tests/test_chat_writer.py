"""The chat writer without a server: batches, a locked database, the timeout sweep.

Each check runs in a process of its own (tests/store_checks.py): peewee keeps a
connection per greenlet only after gevent patched the standard library.
"""

from __future__ import annotations

import pytest

from tests.own_process import checks_in
from tests.own_process import run_check_in_own_process
from tests.support import ROOT

CHECKS = checks_in(ROOT / "tests" / "store_checks.py")
pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("name", CHECKS)
def test_chat_writer(name, tmp_path):
    run_check_in_own_process("tests.store_checks", name, tmp_path)
