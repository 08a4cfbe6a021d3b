"""Which tests pytest's own processes trace when the suite runs under coverage (`make test`).

Loaded with `-p tests.coverage_scope`; without a running coverage it does nothing. The
gunicorn and `flask` processes the tests start measure themselves whatever this decides.
Two kinds of test are not traced here, because tracing them cost more than it found:

- a test that starts servers drives avalon from outside: its avalon code runs in the
  servers, and what runs here is the client (websocket-client checks UTF-8 byte by byte
  in Python, Playwright, the fuzzers' drivers);
- a Hypothesis search runs the same code thousands of times (the random games of
  test_rules_storage.py took three times as long traced, past their timeout).

Every other test, with its fixtures, is traced here as before.
"""

from __future__ import annotations

import coverage
import hypothesis
import pytest

from tests.support import ServerProcess

# The fixtures of tests/conftest.py that start gunicorn (the others build on these); a
# module's own server fixture is recognised by its value, once it is set up.
SERVER_FIXTURES = frozenset({"server", "make_server"})


def traced_here(item: pytest.Item) -> bool:
    """Tell whether this process should trace the test, as far as its names tell."""
    if SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
        return False
    return not hypothesis.is_hypothesis_test(getattr(item, "obj", None))


class Scope:
    """Stops and restarts this process's coverage as the kind of test changes."""

    def __init__(self, measuring: coverage.Coverage) -> None:
        self.measuring = measuring
        self.tracing = True  # process start-up (or `coverage run`) started it

    def trace(self, wanted: bool) -> None:
        """Start or stop tracing; only a change of kind switches (30 ms each)."""
        if wanted and not self.tracing:
            self.measuring.start()
        elif self.tracing and not wanted:
            self.measuring.stop()  # what it collected stays, and is saved at exit
        self.tracing = wanted

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Trace the coming test's fixtures and body, unless its names say otherwise."""
        self.trace(traced_here(item))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_call(self, item: pytest.Item) -> None:
        """Stop tracing a body that talks to a server some fixture of its module started."""
        values = getattr(item, "funcargs", {}).values()
        if any(isinstance(value, ServerProcess) for value in values):
            self.trace(False)


def pytest_configure(config: pytest.Config) -> None:
    """Take charge of the coverage running in this process, if there is one."""
    measuring = coverage.Coverage.current()
    if measuring is not None:
        config.pluginmanager.register(Scope(measuring), "coverage-scope")
