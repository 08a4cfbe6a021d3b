"""The Redis broker in process, against a redis-server of its own, killed and stalled.

Each check runs in a process of its own (tests/broker_checks.py): redis-py is
cooperative only after gevent patched the standard library, first thing in a process.
"""

from __future__ import annotations

import pytest

from tests.own_process import checks_in
from tests.own_process import run_check_in_own_process
from tests.support import ROOT

CHECKS = checks_in(ROOT / "tests" / "broker_checks.py")
pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize("name", CHECKS)
def test_broker(name, tmp_path):
    run_check_in_own_process("tests.broker_checks", name, tmp_path)
