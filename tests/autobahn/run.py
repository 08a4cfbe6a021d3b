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
Steps 3 and 4 are in fuzzing_client.py beside this file.

Exit codes: 0 every case passed; 1 some case failed or hung; 2 the suite could not be
set up (no Python 2.7 interpreter, or the virtualenv could not be built).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Run as a script, Python puts this directory on sys.path, not the repository's root.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.autobahn.fuzzing_client import GroupResult  # noqa: E402
from tests.autobahn.fuzzing_client import print_summary  # noqa: E402
from tests.autobahn.fuzzing_client import run_group  # noqa: E402
from tests.support import stop_process  # noqa: E402

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
CASE_TIMEOUT = 10.0  # seconds a case may stay open before it counts as hung (~1 s at most)


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
        stop_process(self.process, grace=10)


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
