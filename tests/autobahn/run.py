"""Run the Autobahn|Testsuite fuzzing client against the test-only echo app.

Usage (from the repository root, with the project's virtualenv):

    .venv/bin/python tests/autobahn/run.py [--groups 1,2,3,4,5,6,7,9,10] [--reports DIR]

Steps:
1. Build the Python 2 virtualenv the suite needs, unless it is there already: pyenv's
   Python 2.7.18, `virtualenv<20.22` (in a small bootstrap venv of its own), the pins
   of tests/autobahn/requirements.txt plus the suite itself. Both live in
   .autobahn-venv/ at the repository root.
2. Start gunicorn's gevent worker on a free loopback port serving
   tests.autobahn.echo_app (the product's SerialSocket, Connection and frames).
3. Run `wstest -m fuzzingclient` once per case group (1-7, 9, 10; the compression
   groups 12 and 13 are left out: the product declines permessage-deflate) under a
   watchdog. The suite waits forever for an echo that never comes, so a small shim
   around wstest aborts any case still open after --case-timeout seconds and reports
   it as hung, and the run goes on with the next case. If wstest itself stalls or
   overruns the group's deadline it is killed and every case of the group without a
   verdict counts as hung.
4. Read the reports (index.json), print a table, exit 1 if any case FAILED or hung.

Exit codes: 0 every case passed; 1 some case failed or hung; 2 the suite could not be
set up (no Python 2.7 interpreter, or the virtualenv could not be built).
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("AUTOBAHN_VENV", ROOT / ".autobahn-venv"))
# The suite's Python 2 pins, kept in the repository so that a fresh clone runs it.
REQUIREMENTS = Path(
    os.environ.get("AUTOBAHN_REQUIREMENTS", Path(__file__).with_name("requirements.txt"))
)
PYTHON2_VERSION = "2.7.18"
VIRTUALENV_PIN = "virtualenv<20.22"  # the last releases that still create Python 2 venvs
TESTSUITE_PIN = "autobahntestsuite==0.8.2"  # the last Python 2 release; needs autobahn 0.10.9
APP = "tests.autobahn.echo_app:app"

GROUPS = ["1", "2", "3", "4", "5", "6", "7", "9", "10"]
GROUP_DEADLINE = {"9": 120.0}  # seconds a group may take, plus CASE_TIMEOUT per hung case
DEFAULT_GROUP_DEADLINE = 60.0
CASE_TIMEOUT = 10.0  # seconds a case may stay open before it counts as hung (~1 s at most)
STALL_GRACE = 15.0  # wstest printing nothing for CASE_TIMEOUT + this long is killed

PASSING = ("OK", "NON-STRICT", "INFORMATIONAL", "NO CLOSE")
COLUMNS = ("OK", "NON-STRICT", "INFORMATIONAL", "NO CLOSE", "UNIMPLEMENTED", "FAILED", "HUNG")
HEADINGS = ("ok", "non-strict", "info", "no-close", "unimpl", "failed", "hung")

RUNNING_CASE = re.compile(r"^Running test case ID (\S+) for agent")
HUNG_CASE = re.compile(r"^Case hung: (\S+)")
CASE_LIST = re.compile(r"^Cases = (\[.*\])\s*$")


class SetupError(Exception):
    """The suite cannot run on this machine."""


# 1. The Python 2 virtualenv


def find_python2() -> Path:
    """Locate pyenv's Python 2.7.18 (or the interpreter named by AUTOBAHN_PYTHON2)."""
    candidates: list[Path] = []
    if os.environ.get("AUTOBAHN_PYTHON2"):
        candidates.append(Path(os.environ["AUTOBAHN_PYTHON2"]))
    pyenv = shutil.which("pyenv")
    if pyenv:
        result = subprocess.run(
            [pyenv, "prefix", PYTHON2_VERSION], capture_output=True, text=True, check=False
        )
        if result.returncode == 0 and result.stdout.strip():
            candidates.append(Path(result.stdout.strip().splitlines()[0]) / "bin" / "python")
    roots = [os.environ.get("PYENV_ROOT"), Path.home() / ".pyenv"]
    candidates += [Path(r) / "versions" / PYTHON2_VERSION / "bin" / "python" for r in roots if r]
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise SetupError(
        f"Python {PYTHON2_VERSION} not found (install it with pyenv, or set AUTOBAHN_PYTHON2)"
    )


def run_setup_step(command: list[str], what: str) -> None:
    """Run one build step; turn a failure into a SetupError carrying its output."""
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()
        raise SetupError(f"{what} failed:\n" + "\n".join(output[-30:]))


def ensure_venv() -> Path:
    """Build the suite's virtualenv if it is missing or stale; return its interpreter."""
    if not REQUIREMENTS.is_file():
        raise SetupError(f"{REQUIREMENTS} not found (set AUTOBAHN_REQUIREMENTS)")
    py2 = VENV / "py2"
    wstest = py2 / "bin" / "wstest"
    stamp = py2 / "avalon-requirements.txt"
    wanted = REQUIREMENTS.read_text() + TESTSUITE_PIN + "\n"
    if wstest.is_file() and stamp.is_file() and stamp.read_text() == wanted:
        return py2 / "bin" / "python"
    python2 = find_python2()
    print(f"building the Autobahn virtualenv in {VENV} (once)", flush=True)
    bootstrap = VENV / "bootstrap"
    virtualenv = bootstrap / "bin" / "virtualenv"
    if not virtualenv.is_file():
        run_setup_step([sys.executable, "-m", "venv", str(bootstrap)], "python3 -m venv")
        pip = str(bootstrap / "bin" / "pip")
        run_setup_step([pip, "install", "--quiet", VIRTUALENV_PIN], f"installing {VIRTUALENV_PIN}")
    shutil.rmtree(py2, ignore_errors=True)
    run_setup_step([str(virtualenv), "--quiet", "-p", str(python2), str(py2)], "virtualenv")
    pip2 = [str(py2 / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    install = [*pip2, "install", "--quiet", "-r", str(REQUIREMENTS), TESTSUITE_PIN]
    run_setup_step(install, "installing the Autobahn requirements")
    if not wstest.is_file():
        raise SetupError(f"{wstest} missing after the install")
    stamp.write_text(wanted)
    return py2 / "bin" / "python"


# 2. The echo server


def free_port() -> int:
    """Ask the kernel for a free loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EchoServer:
    """gunicorn's gevent worker serving the echo app on a loopback port."""

    def __init__(self, log_path: Path, stock_writes: bool = False) -> None:
        self.port = free_port()
        self.log_path = log_path
        self.stock_writes = stock_writes
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 20) -> EchoServer:
        """Start gunicorn and wait until /healthz answers."""
        gunicorn = Path(sys.executable).with_name("gunicorn")
        config = Path(__file__).with_name("gunicorn.conf.py").relative_to(ROOT)
        bind = f"127.0.0.1:{self.port}"
        command = [str(gunicorn), "--config", str(config), "--bind", bind, APP]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env["AUTOBAHN_STOCK_WRITES"] = "1" if self.stock_writes else "0"
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log_path.read_text()}")
            try:
                url = f"http://127.0.0.1:{self.port}/healthz"
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"gunicorn did not start:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        """Stop gunicorn (SIGTERM, then SIGKILL)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


# 3. The fuzzing client under a watchdog

# Runs wstest with a per-case watchdog: a case still open after CASE_TIMEOUT seconds is
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


# 4. The summary


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", default=",".join(GROUPS), help="comma-separated case groups")
    parser.add_argument("--reports", type=Path, help="keep the reports in this directory")
    parser.add_argument("--case-timeout", type=float, default=CASE_TIMEOUT)
    parser.add_argument("--setup-only", action="store_true", help="only build the virtualenv")
    parser.add_argument(
        "--stock-writes",
        action="store_true",
        help="self-check: make the echo app write like stock simple-websocket (single, "
        "unserialised send() calls); group 9 must then fail or hang",
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=600.0,
        help="stop after this long; groups not finished by then count as hung",
    )
    args = parser.parse_args(argv)
    try:
        python2 = ensure_venv()
    except SetupError as err:
        print(f"autobahn: cannot set up the suite: {err}", file=sys.stderr)
        return 2
    if args.setup_only:
        return 0
    # Let SIGTERM unwind through the finally blocks that stop gunicorn and wstest.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    groups = [g.strip() for g in args.groups.split(",") if g.strip()]
    if args.reports:
        workdir = args.reports.resolve()
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="autobahn-"))
    started = time.monotonic()
    stop_at = started + args.max_seconds
    server = EchoServer(workdir / "gunicorn.log", args.stock_writes).start()
    results: list[GroupResult] = []
    try:
        for group in groups:
            if time.monotonic() >= stop_at:
                results.append(GroupResult(group, hung=[f"{group}.*"], stalled=True))
                continue
            result = run_group(python2, server.port, group, workdir, args.case_timeout, stop_at)
            results.append(result)
    finally:
        server.stop()
    print_summary(results)
    bad = sum(len(result.failed()) for result in results)
    where = f"reports in {workdir}"
    if not args.reports and bad == 0:
        shutil.rmtree(workdir, ignore_errors=True)
        where = "reports removed (keep them with --reports DIR)"
    print(f"autobahn: {time.monotonic() - started:.1f} s, {bad} failed or hung; {where}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
