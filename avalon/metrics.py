"""Process-local counters, rendered in the Prometheus text format."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

_counters: dict[tuple[str, tuple[tuple[str, str], ...]], float] = defaultdict(float)
_gauges: dict[str, Callable[[], float]] = {}

HELP = {
    "avalon_open_sockets": "WebSocket connections registered in this process",
    "avalon_rooms": "rooms with at least one socket in this process",
    "avalon_messages_in_total": "messages received from clients",
    "avalon_messages_out_total": "frames written to clients",
    "avalon_slow_clients_dropped_total": "clients closed because their send queue filled",
    "avalon_closes_total": "sockets closed by the server, by close code",
    "avalon_errors_total": "error envelopes sent, by error code",
    "avalon_redis_errors_total": "failed Redis operations",
    "avalon_database_errors_total": "failed database operations",
}


def inc(name: str, amount: float = 1.0, **labels: str) -> None:
    """Add to a counter."""
    _counters[(name, tuple(sorted(labels.items())))] += amount


def gauge(name: str, read: Callable[[], float]) -> None:
    """Register a gauge read when metrics are rendered."""
    _gauges[name] = read


def value(name: str, **labels: str) -> float:
    """Read a counter (for tests and health checks)."""
    return _counters.get((name, tuple(sorted(labels.items()))), 0.0)


def render() -> str:
    """Render every metric in the Prometheus text exposition format."""
    lines: list[str] = []
    for name, read in sorted(_gauges.items()):
        lines += [f"# HELP {name} {HELP.get(name, name)}", f"# TYPE {name} gauge"]
        lines.append(f"{name} {read():g}")
    by_name: dict[str, list[str]] = defaultdict(list)
    for (name, labels), amount in sorted(_counters.items()):
        label_text = ",".join(f'{key}="{val}"' for key, val in labels)
        by_name[name].append(
            f"{name}{{{label_text}}} {amount:g}" if labels else f"{name} {amount:g}"
        )
    for name, samples in by_name.items():
        lines += [f"# HELP {name} {HELP.get(name, name)}", f"# TYPE {name} counter", *samples]
    return "\n".join(lines) + "\n"
