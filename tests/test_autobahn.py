"""WebSocket conformance: the Autobahn|Testsuite fuzzing client against the product's stack.

tests/autobahn/run.py serves tests/autobahn/echo_app.py (the product's SerialSocket,
Connection and frames) on gunicorn's gevent worker and runs every non-compression case
group (1-7, 9, 10). The suite is Python 2 code: without pyenv's Python 2.7.18, or when
its virtualenv cannot be built, the test is skipped on a laptop and fails in CI.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tests.support import IN_CI
from tests.support import ROOT

RUNNER = ROOT / "tests" / "autobahn" / "run.py"
PINS = ROOT / "tests" / "autobahn" / "requirements.txt"  # the suite's Python 2 pins
SETUP_UNAVAILABLE = 2  # run.py's exit code when the suite cannot be set up
# The suite runs groups 1-7 and 10 (framing, pings, reserved bits, opcodes, fragments,
# UTF-8, closing, misc.); group 9 (megabyte messages and thousands of frames: limits and
# speed) takes most of the time and runs with the rest in `make long`.
GROUPS = os.environ.get("AVALON_AUTOBAHN_GROUPS", "1,2,3,4,5,6,7,10")
GROUP_9_CASES = 54
CASES = 301 - (0 if "9" in GROUPS.split(",") else GROUP_9_CASES)  # autobahntestsuite 0.8.2


def run(*args: str, timeout: float) -> subprocess.CompletedProcess:
    """Run the runner with the project's interpreter (gunicorn sits beside it).

    On timeout it gets SIGTERM, so that it stops its gunicorn and wstest itself.
    """
    command = [sys.executable, str(RUNNER), *args]
    with subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.terminate()
            stdout, stderr = process.communicate(timeout=30)
            pytest.fail(f"{RUNNER.name} {' '.join(args)} overran {timeout} s:\n{stdout}{stderr}")
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


@pytest.mark.timeout(30)
def test_the_suite_pins_live_in_the_repository() -> None:
    from tests.autobahn import run as runner

    assert runner.REQUIREMENTS == PINS or "AUTOBAHN_REQUIREMENTS" in os.environ
    pins = PINS.read_text().split()
    assert "autobahn[twisted,accelerate]==0.10.9" in pins
    assert all("==" in pin for pin in pins)


@pytest.mark.timeout(900)
def test_fuzzing_client_passes_every_case_group() -> None:
    setup = run("--setup-only", timeout=150)
    if setup.returncode == SETUP_UNAVAILABLE:
        reason = setup.stderr.strip() or setup.stdout.strip()
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: the conformance suite must run)")
        pytest.skip(reason)
    assert setup.returncode == 0, setup.stdout + setup.stderr

    most = 100 if CASES < 301 else 600  # every group: group 9 alone takes minutes
    result = run("--groups", GROUPS, "--max-seconds", str(most), timeout=most + 30)
    output = result.stdout + result.stderr
    print(output)
    assert result.returncode == 0, f"Autobahn cases failed or hung:\n{output}"
    total = re.search(r"\((\d+) cases\)", result.stdout)
    assert total is not None, output
    assert int(total.group(1)) == CASES, f"expected {CASES} cases:\n{output}"
