"""Fan-out benchmark report: the client processes' results combined, and printed."""

from __future__ import annotations

import argparse
import os
from array import array
from collections import Counter
from typing import Any

from fanout_client import ProcResult


def percentile(ordered: list[float] | array, fraction: float) -> float | None:
    """Nearest-rank percentile of an already sorted sequence (None when empty)."""
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def summarize(
    args: argparse.Namespace,
    results: list[ProcResult],
    ready: list[Any],
    closed: list[Any],
    setup_time: float,
    connect_time: float,
    server_cpu: float | None,
    wall: float,
) -> dict[str, Any]:
    """Combine the processes' results into one report."""
    connect_times = sorted(t for answer in ready for t in answer[0])
    connect_errors = sum((answer[1] for answer in ready), Counter())
    latencies: array = array("d")
    for result in results:
        latencies.frombytes(result.latencies)
    ordered = sorted(latencies)
    sent = sum(r.sent for r in results)
    received = sum(r.received for r in results)
    expected = sum(r.expected for r in results)
    senders = args.rooms * (1 if args.senders == "one" else args.clients)
    target_sent = senders * args.rate * args.duration
    survivors = sum(r.senders - r.senders_stopped for r in results)
    survivor_plan = survivors * args.rate * args.duration
    survivor_share = (
        sum(r.sent_by_survivors for r in results) / survivor_plan if survivors else None
    )
    client_cpu = sum(r.send_cpu for r in results)
    ms = 1000.0
    summary: dict[str, Any] = {
        "scenario": {
            "rooms": args.rooms,
            "clients_per_room": args.clients,
            "spectators_per_room": max(0, args.clients - args.players),
            "senders": args.senders,
            "rate_per_sender": args.rate,
            "duration_s": args.duration,
            "client_procs": len(results),
            "server_workers": args.workers if args.spawn_server else None,
            "cpu_count": os.cpu_count(),
        },
        "setup_http_s": round(setup_time, 3),
        "connect": {
            "sockets": sum(r.sockets for r in results),
            "connected": len(connect_times),
            "total_s": round(connect_time, 3),
            "p50_ms": round_or_none(percentile(connect_times, 0.50), ms),
            "p99_ms": round_or_none(percentile(connect_times, 0.99), ms),
            "errors": dict(connect_errors),
        },
        "sent": sent,
        "target_sent": round(target_sent),
        "achieved_send_rate": round(sent / args.duration, 1),
        "target_send_rate": round(senders * args.rate, 1),
        "refused": sum(r.refused for r in results),
        "senders_stopped_by_close": sum(r.senders_stopped for r in results),
        "survivors_send_share": round_or_none(survivor_share, digits=3),
        "deliveries_expected": expected,
        "deliveries_received": received,
        "deliveries_per_s": round(received / args.duration, 1),
        "lost": expected - received,
        "latency_ms": {
            "p50": round_or_none(percentile(ordered, 0.50), ms),
            "p99": round_or_none(percentile(ordered, 0.99), ms),
            "max": round_or_none(ordered[-1] if ordered else None, ms),
        },
        "drain_s": round(max(r.drain_time for r in results), 3),
        "errors": dict(sum((r.errors for r in results), Counter())),
        "closes_during_run": dict(sum((r.closes_during_run for r in results), Counter())),
        "closes_at_end": dict(sum((answer[0] for answer in closed), Counter())),
        "client": {
            "max_send_lag_ms": round(max(r.max_send_lag for r in results) * ms, 1),
            "cpu_s": round(client_cpu, 2),
            "busiest_proc_cpu_share": round(max(r.send_cpu for r in results) / args.duration, 2),
        },
        "server_cpu": server_cpu_summary(server_cpu, received, sent, wall),
    }
    summary["client"]["bottleneck"] = client_bottleneck(summary)
    return summary


def round_or_none(value: float | None, scale: float = 1.0, digits: int = 2) -> float | None:
    """Scale and round a measurement that may be missing."""
    return None if value is None else round(value * scale, digits)


def server_cpu_summary(cpu: float | None, received: int, sent: int, wall: float) -> dict | None:
    """Server CPU over the send phase and drain, per delivery and per chat message."""
    if cpu is None:
        return None
    return {
        "cpu_s": round(cpu, 3),
        "cores_used": round(cpu / wall, 2) if wall > 0 else None,
        "us_per_delivery": round(cpu / received * 1e6, 1) if received else None,
        "us_per_message": round(cpu / sent * 1e6, 1) if sent else None,
    }


def client_bottleneck(summary: dict) -> str:
    """Judge whether the client side limited the run (closed senders do not count)."""
    reasons = []
    share = summary["survivors_send_share"]
    if share is not None and share < 0.95:
        reasons.append("senders sent under 95% of their schedule")
    if summary["client"]["max_send_lag_ms"] > 100:
        reasons.append("send schedule lagged over 100 ms")
    if summary["client"]["busiest_proc_cpu_share"] > 0.9:
        reasons.append("a client process used over 90% of a core")
    return "likely: " + "; ".join(reasons) if reasons else "no"


# Output


def print_summary(summary: dict[str, Any], log_info: dict[str, Any] | None) -> None:
    """Print the report for humans."""
    s, c, lat = summary["scenario"], summary["connect"], summary["latency_ms"]
    print(
        f"scenario: {s['rooms']} rooms x {s['clients_per_room']} clients"
        f" ({s['spectators_per_room']} of them spectators), senders={s['senders']},"
        f" {s['rate_per_sender']:g} msg/s each, {s['duration_s']:g} s,"
        f" {s['client_procs']} client procs, {s['cpu_count']} cores"
    )
    load = summary["load_average_1min"]
    print(
        f"machine load average (1 min): {load['before']:.2f} before, {load['after']:.2f} after"
        " (other busy processes distort every number below)"
    )
    print(f"setup: rooms and players over HTTP in {summary['setup_http_s']:.2f} s")
    print(
        f"connect: {c['connected']}/{c['sockets']} sockets in {c['total_s']:.2f} s,"
        f" per socket p50 {c['p50_ms']} ms p99 {c['p99_ms']} ms, errors {c['errors'] or 'none'}"
    )
    print(
        f"sent: {summary['sent']} of {summary['target_sent']} planned"
        f" ({summary['achieved_send_rate']:g}/s of {summary['target_send_rate']:g}/s),"
        f" refused by the server: {summary['refused']},"
        f" senders stopped by a server close: {summary['senders_stopped_by_close']}"
    )
    print(
        f"deliveries: {summary['deliveries_received']} received"
        f" of {summary['deliveries_expected']} expected,"
        f" {summary['deliveries_per_s']:g}/s, lost {summary['lost']}"
        f" (drain {summary['drain_s']:.2f} s)"
    )
    print(f"latency: p50 {lat['p50']} ms, p99 {lat['p99']} ms, max {lat['max']} ms")
    print(f"errors: {summary['errors'] or 'none'}")
    if summary["errors"].get("rate_limited"):
        print("  rate_limited: raise AVALON_CHAT_RATE and AVALON_CHAT_BURST on the server")
    print(
        f"closes: during run {summary['closes_during_run'] or 'none'},"
        f" at end {summary['closes_at_end'] or 'none'}"
    )
    if summary["closes_during_run"].get("4429"):
        print("  4429: server send queues filled (an overloaded server or a client not reading)")
    client = summary["client"]
    print(
        f"client: {client['cpu_s']} CPU s, busiest process {client['busiest_proc_cpu_share']:.0%}"
        f" of a core, max send lag {client['max_send_lag_ms']} ms,"
        f" client bottleneck: {client['bottleneck']}"
    )
    cpu = summary["server_cpu"]
    if cpu is None:
        print("server CPU: not measured (external server: pass --server-pid to measure)")
    else:
        print(
            f"server CPU: {cpu['cpu_s']} s ({cpu['cores_used']} cores),"
            f" {cpu['us_per_delivery']} us per delivery, {cpu['us_per_message']} us per message,"
            f" {cpu.get('system_share')} of it in the kernel"
        )
    if log_info is not None:
        print(
            f"server log: {log_info['tracebacks']} tracebacks,"
            f" {log_info['error_lines']} error lines"
        )
        for line in log_info["first_problem"]:
            print("  | " + line)
