"""The fuzzing client under a watchdog: one case group per wstest run, its verdicts, a table."""

from __future__ import annotations

import ast
import json
import os
import re
import signal
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

GROUP_DEADLINE = {"9": 120.0}  # seconds a group may take, plus the case timeout per hung case
DEFAULT_GROUP_DEADLINE = 60.0
STALL_GRACE = 15.0  # wstest printing nothing for the case timeout + this long is killed

PASSING = ("OK", "NON-STRICT", "INFORMATIONAL", "NO CLOSE")
COLUMNS = ("OK", "NON-STRICT", "INFORMATIONAL", "NO CLOSE", "UNIMPLEMENTED", "FAILED", "HUNG")
HEADINGS = ("ok", "non-strict", "info", "no-close", "unimpl", "failed", "hung")

RUNNING_CASE = re.compile(r"^Running test case ID (\S+) for agent")
HUNG_CASE = re.compile(r"^Case hung: (\S+)")
CASE_LIST = re.compile(r"^Cases = (\[.*\])\s*$")

# Runs wstest with a per-case watchdog: a case still open after the case timeout is
# reported as hung and its connection aborted, so the run goes on with the next case
# and still writes its report. Python 2 code, run by the suite's own interpreter.
WSTEST_SHIM = """
import sys
from twisted.internet import reactor
from autobahntestsuite import fuzzing
from autobahntestsuite.wstest import run

case_timeout = float(sys.argv.pop(1))
protocol = fuzzing.FuzzingClientProtocol
made = protocol.connectionMade
lost = protocol.connectionLost


def hung(self):
    case = self.factory.CaseSet.caseClasstoId(self.Case)
    sys.stdout.write("Case hung: %s\\n" % case)
    sys.stdout.flush()
    self.transport.abortConnection()


def connection_made(self):
    made(self)
    self.case_watchdog = reactor.callLater(case_timeout, hung, self)


def connection_lost(self, reason):
    watchdog = getattr(self, "case_watchdog", None)
    if watchdog is not None and watchdog.active():
        watchdog.cancel()
    lost(self, reason)


protocol.connectionMade = connection_made
protocol.connectionLost = connection_lost
sys.argv[0] = "wstest"
sys.exit(run())
"""


@dataclass
class GroupResult:
    """Verdicts of one case group."""

    group: str
    behaviors: dict[str, str] = field(default_factory=dict)  # case id -> behavior
    close_behaviors: dict[str, str] = field(default_factory=dict)
    hung: list[str] = field(default_factory=list)
    stalled: bool = False  # wstest itself had to be killed: no report at all
    seconds: float = 0.0

    def counts(self) -> Counter:
        """Count cases by column; a behavior outside the known ones counts as FAILED."""
        counts: Counter = Counter()
        for case, behavior in self.behaviors.items():
            if case not in self.hung:
                counts[behavior if behavior in COLUMNS else "FAILED"] += 1
        counts["HUNG"] = len(self.hung)
        return counts

    def failed(self) -> list[str]:
        """Case ids that failed or hung."""
        bad = {case for case, b in self.behaviors.items() if b not in PASSING}
        return sorted(bad | set(self.hung), key=case_key)


def case_key(case: str) -> tuple[int, ...]:
    """Sort case ids numerically (9.10.1 after 9.2.1)."""
    return tuple(int(part) for part in case.split(".") if part.isdigit())


def write_spec(path: Path, port: int, group: str) -> None:
    """Write the fuzzing client's spec for one case group."""
    spec = {
        "outdir": str(path.parent / "report"),
        "servers": [{"agent": "avalon", "url": f"ws://127.0.0.1:{port}/echo"}],
        "cases": [f"{group}.*"],
        "exclude-cases": [],
        "exclude-agent-cases": {},
    }
    path.write_text(json.dumps(spec, indent=2))


def run_group(
    python2: Path, port: int, group: str, workdir: Path, case_timeout: float, stop_at: float
) -> GroupResult:
    """Run one case group; kill the client if it stalls or overruns the group's deadline.

    The deadline grows by case_timeout for each hung case, so a run that only has hung
    cases still finishes and reports every other case; it never passes stop_at.
    """
    result = GroupResult(group)
    rundir = workdir / f"group-{group}"
    rundir.mkdir(parents=True)
    spec_path = rundir / "spec.json"
    write_spec(spec_path, port, group)
    shim = rundir / "wstest_watchdog.py"
    shim.write_text(WSTEST_SHIM)
    command = [str(python2), str(shim), str(case_timeout), "-m", "fuzzingclient"]
    command += ["-s", str(spec_path)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONWARNINGS": "ignore"}
    started_at = time.monotonic()
    budget = GROUP_DEADLINE.get(group, DEFAULT_GROUP_DEADLINE)
    progress = [started_at]
    cases: list[str] = []
    process = subprocess.Popen(
        command,
        cwd=rundir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        start_new_session=True,
    )

    def read_output() -> None:
        assert process.stdout is not None
        with open(rundir / "wstest.log", "w") as log:
            for line in process.stdout:
                log.write(line)
                if RUNNING_CASE.match(line):
                    progress[0] = time.monotonic()
                elif match := HUNG_CASE.match(line):
                    result.hung.append(match.group(1))
                    progress[0] = time.monotonic()
                elif match := CASE_LIST.match(line):
                    cases.extend(str(case) for case in ast.literal_eval(match.group(1)))

    reader = threading.Thread(target=read_output, daemon=True)
    reader.start()
    try:
        while process.poll() is None:
            now = time.monotonic()
            deadline = min(stop_at, started_at + budget + case_timeout * len(result.hung))
            if now - progress[0] > case_timeout + STALL_GRACE or now > deadline:
                result.stalled = True
                break
            time.sleep(0.1)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    reader.join(5)
    index = rundir / "report" / "index.json"
    if not result.stalled and process.returncode == 0 and index.is_file():
        for verdicts in json.loads(index.read_text()).values():
            for case, verdict in verdicts.items():
                result.behaviors[case] = verdict["behavior"]
                result.close_behaviors[case] = verdict["behaviorClose"]
    # Every case without a verdict (wstest stalled or died) counts as hung.
    result.hung += [c for c in cases if c not in result.behaviors and c not in result.hung]
    if not cases and not result.behaviors:
        result.hung.append(f"{group}.*")
    result.hung.sort(key=case_key)
    result.seconds = time.monotonic() - started_at
    return result


def print_summary(results: list[GroupResult]) -> None:
    """Print one row per group, the totals, and each failed or hung case."""
    print("group " + " ".join(f"{h:>10}" for h in HEADINGS) + f" {'seconds':>8}")
    total: Counter = Counter()
    for result in results:
        counts = result.counts()
        total.update(counts)
        cells = " ".join(f"{counts[c]:>10}" for c in COLUMNS)
        note = "  (wstest stalled: killed)" if result.stalled else ""
        print(f"{result.group:>5} {cells} {result.seconds:>8.1f}{note}")
    cells = " ".join(f"{total[c]:>10}" for c in COLUMNS)
    print(f"{'all':>5} {cells}   ({sum(total.values())} cases)")
    for result in results:
        for case in result.failed():
            if case in result.hung:
                print(f"  HUNG {case}")
            else:
                close = result.close_behaviors.get(case)
                print(f"  {result.behaviors[case]} {case} (closing behaviour: {close})")
    odd_closes = [
        f"{case}={behavior}"
        for result in results
        for case, behavior in sorted(result.close_behaviors.items(), key=lambda i: case_key(i[0]))
        if behavior not in ("OK", "INFORMATIONAL") and case not in result.failed()
    ]
    if odd_closes:
        print("closing behaviour not OK in passing cases: " + ", ".join(odd_closes))
