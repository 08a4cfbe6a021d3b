"""The gunicorn master's side of multiprocess metrics: the shared directory, dead workers.

Runs in the master, which must not import prometheus-client before the directory is
in the environment (the library reads it once, at import), nor the app (see the
README: the app loads after gevent's monkey-patching, in each worker).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

_created: list[Path] = []  # directories this master made, removed when it exits


def prepare(environ: os._Environ[str] | dict[str, str] = os.environ) -> Path:
    """Choose the directory the workers write metrics to, empty it, export it.

    PROMETHEUS_MULTIPROC_DIR wins, then AVALON_METRICS_DIR; without either a fresh
    directory of this master's own is made. Files left by an earlier run are removed,
    as prometheus-client asks: one directory serves one master at a time.
    """
    chosen = environ.get("PROMETHEUS_MULTIPROC_DIR") or environ.get("AVALON_METRICS_DIR")
    if chosen:
        directory = Path(chosen)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink(missing_ok=True)
    else:
        directory = Path(tempfile.mkdtemp(prefix=f"avalon-metrics-{os.getpid()}-"))
        _created.append(directory)
    environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    return directory


def worker_exited(pid: int) -> None:
    """Drop a dead worker's gauges; its counters stay so that sums never go backwards."""
    from prometheus_client import multiprocess

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)


def cleanup() -> None:
    """Remove the directory this master made for itself."""
    while _created:
        shutil.rmtree(_created.pop(), ignore_errors=True)
