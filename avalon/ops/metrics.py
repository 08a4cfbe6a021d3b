"""Prometheus metrics through prometheus-client, summed over a host's gunicorn workers.

Under gunicorn every worker writes its numbers to memory-mapped files in the
multiprocess directory (`PROMETHEUS_MULTIPROC_DIR`, chosen by `gunicorn.conf.py`
through `avalon.ops.multiprocess`), and whichever worker answers a scrape reads them
all. A worker that dies leaves its counters behind, so their sums never go backwards;
its gauges leave with it (`mark_process_dead` in gunicorn's `child_exit`). Outside
gunicorn (the CLI, an app in a test) the numbers are this process's own.
"""

from __future__ import annotations

import os
import weakref
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import gevent
import prometheus_client
from prometheus_client import CollectorRegistry
from prometheus_client import Counter
from prometheus_client import Gauge
from prometheus_client import Histogram
from prometheus_client.core import Metric
from prometheus_client.multiprocess import MultiProcessCollector

from avalon.ops import beat

prometheus_client.disable_created_metrics()  # no `_created` series: counters only

GAUGE_SECONDS = 1.0  # how stale another worker's gauges may be in a scrape
CONTENT_TYPE = prometheus_client.CONTENT_TYPE_LATEST

# name: (help, label names). Counters of the same names as before this module used
# prometheus-client, so dashboards keep working.
COUNTERS: dict[str, tuple[str, tuple[str, ...]]] = {
    "avalon_messages_in_total": ("messages received from clients", ()),
    "avalon_messages_out_total": ("frames written to clients", ()),
    "avalon_slow_clients_dropped_total": ("clients closed because their send queue filled", ()),
    "avalon_closes_total": ("sockets closed by the server, by close code", ("code",)),
    "avalon_errors_total": ("error envelopes sent, by error code", ("code",)),
    "avalon_redis_errors_total": ("failed Redis operations", ("operation",)),
    "avalon_database_errors_total": ("failed database operations", ()),
    "avalon_http_rate_limited_total": ("HTTP requests refused by the per-address limit", ()),
    "avalon_unexpected_errors_total": ("failures other than the database's (bugs)", ()),
    "avalon_http_requests_total": (
        "HTTP requests answered, by route and status",
        ("route", "status"),
    ),
    "avalon_socket_opens_total": ("WebSocket connections authenticated and registered", ()),
    "avalon_moves_total": ("game moves made, by who made them (person or auto)", ("by",)),
    "avalon_games_started_total": ("games started", ()),
    "avalon_games_finished_total": ("games ended, by reason (abandoned included)", ("reason",)),
    "avalon_chat_messages_total": ("chat messages stored", ()),
    "avalon_writer_greenlets_started_total": (
        "writer greenlets started (a writer parked for reuse serves most sockets)",
        (),
    ),
}
GAUGES: dict[str, str] = {
    "avalon_workers": "gunicorn workers whose numbers are summed here",
    "avalon_open_sockets": "WebSocket connections registered (summed over workers)",
    "avalon_rooms": "rooms with at least one socket in this worker (summed over workers)",
    "avalon_rooms_deployment": "rooms with at least one socket anywhere (the same on every host)",
    "avalon_db_connections_in_use": "pooled database connections held (summed over workers)",
    "avalon_db_connections_waiting": "units of work waiting for a pooled connection",
    "avalon_redis_outbox": "messages waiting to be published to Redis",
    "avalon_greenlets": "gevent greenlets started and not yet freed (summed over workers)",
}

# Seconds, from a millisecond to ten: a chat message, a move, a room's fan-out.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
HISTOGRAMS: dict[str, str] = {
    "avalon_message_seconds": "handling one client message, from its arrival to its answer",
    "avalon_move_seconds": "one game move: its transaction, views and events",
    "avalon_fanout_seconds": "handing one room message to every local socket's queue",
}
# Gauges whose value is the deployment's, not the worker's: the latest write wins.
SHARED_GAUGES = frozenset({"avalon_rooms_deployment"})

registry = CollectorRegistry()  # this process's metrics (what a scrape shows without gunicorn)
_counters: dict[str, Counter] = {}
_gauges: dict[str, Gauge] = {}
_histograms: dict[str, Histogram] = {
    name: Histogram(name, help_text, buckets=LATENCY_BUCKETS, registry=registry)
    for name, help_text in HISTOGRAMS.items()
}
_readers: dict[str, Callable[[], float]] = {}
# Increments wait here until the next flush (every GAUGE_SECONDS, and before a scrape):
# a dict add costs a fifth of prometheus-client's locked write to its mapped file.
_pending: defaultdict[Any, float] = defaultdict(float)  # name or (name, values...) -> sum
_label_sets: dict[tuple[str, ...], dict[str, str]] = {}  # (name, values...) -> labels
_durations: defaultdict[str, list[float]] = defaultdict(list)  # histogram -> observations
_greenlets: weakref.WeakSet[gevent.Greenlet] = weakref.WeakSet()
_kept: list[Callable[[], int]] = []  # how many greenlets are parked for reuse, per pool


def multiprocess_dir() -> str | None:
    """The directory the workers of this gunicorn master share, if there is one."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def _counter(name: str, label_names: tuple[str, ...]) -> Counter:
    """The counter family of this name, made on first use."""
    family = _counters.get(name)
    if family is None:
        help_text = COUNTERS.get(name, (name, ()))[0]
        family = _counters[name] = Counter(name, help_text, label_names, registry=registry)
    return family


def inc(name: str, amount: float = 1.0, **labels: str) -> None:
    """Add to a counter; the sum reaches prometheus-client at the next flush."""
    if labels:
        key = (name, *labels.values())
        if key not in _label_sets:
            _label_sets[key] = labels
        _pending[key] += amount
    else:
        _pending[name] += amount


def flush() -> None:
    """Hand the increments and durations gathered since the last flush to prometheus-client."""
    global _pending, _durations
    pending, _pending = _pending, defaultdict(float)
    durations, _durations = _durations, defaultdict(list)
    for name, seconds in durations.items():
        for value in seconds:
            _histograms[name].observe(value)
    for key, amount in pending.items():
        if isinstance(key, str):
            _counter(key, ()).inc(amount)
        else:
            labels = _label_sets[key]
            _counter(key[0], tuple(labels)).labels(**labels).inc(amount)


def observe(name: str, seconds: float) -> None:
    """Record one duration in a latency histogram at the next flush (as `inc` does)."""
    _durations[name].append(seconds)


def count_failure(error: BaseException) -> None:
    """Count an unexpected failure, database failures under their own name."""
    from peewee import PeeweeException

    if isinstance(error, PeeweeException):
        inc("avalon_database_errors_total")
    else:
        inc("avalon_unexpected_errors_total")


def gauge(name: str, read: Callable[[], float]) -> None:
    """Register a gauge whose value `read()` gives; summed over live workers."""
    if name not in _gauges:
        help_text = GAUGES.get(name, name)
        if name in SHARED_GAUGES:  # the deployment's number: the latest write wins
            family = Gauge(name, help_text, registry=registry, multiprocess_mode="livemostrecent")
        else:
            family = Gauge(name, help_text, registry=registry, multiprocess_mode="livesum")
        _gauges[name] = family
    _readers[name] = read


def count_greenlets() -> float:
    """Greenlets this process started that are still in memory, parked ones left out."""
    return float(len(_greenlets) - sum(count() for count in _kept))


def discount_greenlets(count: Callable[[], int]) -> None:
    """Leave greenlets kept alive on purpose (a bounded number, for reuse) out of the count."""
    _kept.append(count)


gevent.Greenlet.add_spawn_callback(_greenlets.add)
for _name, (_help, _labels) in COUNTERS.items():
    _counter(_name, _labels)  # every family is listed from the start, unlabelled ones at 0
gauge("avalon_workers", lambda: 1.0)
gauge("avalon_greenlets", count_greenlets)


def refresh() -> None:
    """Flush the counters and write every gauge where the other workers' scrapes read it."""
    flush()
    for name, read in _readers.items():
        _gauges[name].set(read())


def refresh_forever() -> None:
    """Keep this worker's numbers fresh for scrapes answered by other workers.

    A worker killed outright loses at most this period's increments; what it had
    flushed stays in its file, so the host's sums still never go backwards.
    """
    while True:
        try:
            refresh()
        except OSError:
            pass  # a full disk must not stop the worker
        beat.sleep_to_next(GAUGE_SECONDS)


def live_pids(directory: str) -> list[str]:
    """The workers whose gauges are in the directory (a dead worker's are removed)."""
    return sorted(path.stem.rsplit("_", 1)[1] for path in Path(directory).glob("gauge_live*.db"))


class WorkerProcessCollector:
    """The standard `process_*` metrics of every live worker, labelled by pid."""

    def __init__(self, directory: str) -> None:
        self.directory = directory

    def collect(self) -> Iterator[Metric]:
        """Read each worker's /proc entry now (the same files prometheus-client reads)."""
        families: dict[str, Metric] = {}
        for pid in live_pids(self.directory):
            source = prometheus_client.ProcessCollector(pid=partial(str, pid), registry=None)
            for family in source.collect():
                merged = families.setdefault(
                    family.name, Metric(family.name, family.documentation, family.type)
                )
                for sample in family.samples:
                    merged.add_sample(sample.name, {**sample.labels, "pid": pid}, sample.value)
        yield from families.values()


def render() -> bytes:
    """Every metric in the Prometheus text format, summed over the host's workers."""
    refresh()
    directory = multiprocess_dir()
    if directory is None:
        return prometheus_client.generate_latest(registry)
    scrape = CollectorRegistry()
    MultiProcessCollector(scrape, path=directory)
    scrape.register(WorkerProcessCollector(directory))
    prometheus_client.PlatformCollector(registry=scrape)  # python_info
    return prometheus_client.generate_latest(scrape)


def _standard_collectors() -> None:
    """Process, platform and garbage-collector metrics of this process (single process)."""
    prometheus_client.ProcessCollector(registry=registry)
    prometheus_client.PlatformCollector(registry=registry)
    prometheus_client.GCCollector(registry=registry)


_standard_collectors()
