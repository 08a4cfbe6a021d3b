"""Counters and gauges in the Prometheus text format, summed over a host's workers.

Each gunicorn worker keeps its own numbers. A scrape lands on one worker, so every
worker also writes a snapshot to a directory shared by the workers of one master
(one file per worker), and the worker answering the scrape adds them all up.
"""

from __future__ import annotations

import gc
import json
import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import greenlet

Sample = tuple[str, tuple[tuple[str, str], ...]]

_counters: dict[Sample, float] = defaultdict(float)
_gauges: dict[str, Callable[[], float]] = {}
SNAPSHOT_SECONDS = 2.0  # how stale another worker's numbers may be in a scrape

HELP = {
    "avalon_open_sockets": "WebSocket connections registered",
    "avalon_rooms": "rooms with at least one socket (summed over workers)",
    "avalon_greenlets": "live greenlets (summed over workers)",
    "avalon_messages_in_total": "messages received from clients",
    "avalon_messages_out_total": "frames written to clients",
    "avalon_slow_clients_dropped_total": "clients closed because their send queue filled",
    "avalon_closes_total": "sockets closed by the server, by close code",
    "avalon_errors_total": "error envelopes sent, by error code",
    "avalon_redis_errors_total": "failed Redis operations",
    "avalon_database_errors_total": "failed database operations",
    "avalon_http_rate_limited_total": "HTTP requests refused by the per-address limit",
    "avalon_unexpected_errors_total": "failures other than the database's (bugs)",
}


def inc(name: str, amount: float = 1.0, **labels: str) -> None:
    """Add to a counter."""
    # Unlabelled counters sit on the per-message path: skip the sort for them.
    key = (name, tuple(sorted(labels.items())) if labels else ())
    _counters[key] += amount


def count_failure(error: BaseException) -> None:
    """Count an unexpected failure, database failures under their own name."""
    from peewee import PeeweeException

    if isinstance(error, PeeweeException):
        inc("avalon_database_errors_total")
    else:
        inc("avalon_unexpected_errors_total")


def gauge(name: str, read: Callable[[], float]) -> None:
    """Register a gauge read when metrics are rendered."""
    _gauges[name] = read


def count_greenlets() -> float:
    """Count live greenlets (a leak shows here first)."""
    return float(sum(1 for obj in gc.get_objects() if isinstance(obj, greenlet.greenlet)))


gauge("avalon_greenlets", count_greenlets)


def snapshot_dir() -> Path:
    """The directory the workers of this gunicorn master share (keyed by its pid)."""
    shared = os.environ.get("AVALON_METRICS_DIR")
    if shared:
        return Path(shared)
    return Path(tempfile.gettempdir()) / f"avalon-metrics-{os.getppid()}"


def snapshot() -> dict:
    """This worker's numbers, gauges read now."""
    samples = [[name, list(labels), amount] for (name, labels), amount in _counters.items()]
    gauges = {name: read() for name, read in _gauges.items()}
    return {"pid": os.getpid(), "time": time.time(), "counters": samples, "gauges": gauges}


def write_snapshot(data: dict | None = None) -> None:
    """Publish this worker's numbers for the other workers' scrapes (atomic replace)."""
    directory = snapshot_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{os.getpid()}.json"
    temporary = target.with_suffix(".tmp")
    temporary.write_text(json.dumps(data or snapshot()))
    temporary.replace(target)


def _alive(pid: int) -> bool:
    """Tell whether a worker process still exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def gather() -> list[dict]:
    """Every live worker's latest snapshot, this worker's fresh one included."""
    own = snapshot()
    write_snapshot(own)
    snapshots = [own]
    for path in snapshot_dir().glob("*.json"):
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if data["pid"] == own["pid"]:
            continue
        if not _alive(data["pid"]):
            path.unlink(missing_ok=True)  # a worker that died: its numbers go with it
            continue
        snapshots.append(data)
    return snapshots


def render() -> str:
    """Render every metric, summed over the host's workers, in the text exposition format."""
    counters: dict[Sample, float] = defaultdict(float)
    gauges: dict[str, float] = defaultdict(float)
    snapshots = gather()
    for data in snapshots:
        for name, labels, amount in data["counters"]:
            counters[(name, tuple(tuple(pair) for pair in labels))] += amount
        for name, amount in data["gauges"].items():
            gauges[name] += amount
    lines = [
        "# HELP avalon_workers gunicorn workers whose numbers are summed here",
        "# TYPE avalon_workers gauge",
        f"avalon_workers {len(snapshots)}",
    ]
    for name in sorted(gauges):
        lines += [f"# HELP {name} {HELP.get(name, name)}", f"# TYPE {name} gauge"]
        lines.append(f"{name} {gauges[name]:g}")
    by_name: dict[str, list[str]] = defaultdict(list)
    for (name, labels), amount in sorted(counters.items()):
        label_text = ",".join(f'{key}="{val}"' for key, val in labels)
        sample = f"{name}{{{label_text}}}" if labels else name
        by_name[name].append(f"{sample} {amount:g}")
    for name, samples in by_name.items():
        lines += [f"# HELP {name} {HELP.get(name, name)}", f"# TYPE {name} counter", *samples]
    return "\n".join(lines) + "\n"


def publish_forever() -> None:
    """Keep this worker's snapshot fresh for scrapes answered by other workers."""
    import gevent

    while True:
        try:
            write_snapshot()
        except OSError:
            pass  # a read-only or full disk must not stop the worker
        gevent.sleep(SNAPSHOT_SECONDS)
