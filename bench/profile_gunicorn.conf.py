"""gunicorn settings for profiling: the project's own settings plus a sampling profiler.

Every worker samples its Python stack on each millisecond of CPU time it uses (ITIMER_PROF,
so idle time is never sampled) and, when it exits, writes two files next to the path in
AVALON_BENCH_PROFILE: `<path>.<pid>.folded` (one `frame;frame;frame count` line per stack,
the input of flamegraph.pl or speedscope) and `<path>.<pid>.txt` (top functions by self
and by inclusive samples). Time spent in C (sqlite, json, send()) is charged to the Python
line that called it. bench/fanout.py uses this with --server-profile.
"""

from __future__ import annotations

import os
import runpy
import signal
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_INTERVAL = 0.001  # seconds of CPU time between samples
TOP = 40  # functions listed in the text summary

for _name, _value in runpy.run_path(str(ROOT / "gunicorn.conf.py")).items():
    if not _name.startswith("__"):
        globals()[_name] = _value

_project_post_worker_init = globals()["post_worker_init"]
_stacks: Counter = Counter()


def _label(frame: FrameType) -> str:
    """Name a frame as file:function, with the path shortened to the project or package."""
    path = frame.f_code.co_filename
    for marker in ("/site-packages/", "/avalon/", "/lib/python"):
        if marker in path:
            path = path[path.index(marker) + 1 :]
            break
    return f"{path}:{frame.f_code.co_name}"


def _sample(signum: int, frame: FrameType | None) -> None:
    """Record the interrupted stack, outermost frame first."""
    stack = []
    while frame is not None:
        stack.append(_label(frame))
        frame = frame.f_back
    _stacks[tuple(reversed(stack))] += 1


def _write(prefix: str) -> None:
    """Write the folded stacks and the top-functions summary."""
    total = sum(_stacks.values())
    self_counts: Counter = Counter()
    inclusive: Counter = Counter()
    with open(f"{prefix}.folded", "w") as folded:
        for stack, count in _stacks.most_common():
            folded.write(";".join(stack) + f" {count}\n")
            self_counts[stack[-1]] += count
            for name in set(stack):
                inclusive[name] += count
    lines = [f"{total} samples (share of the worker's CPU time)", "", "self:"]
    lines += [f"{n / total:6.1%} {name}" for name, n in self_counts.most_common(TOP)]
    lines += ["", "inclusive:"]
    lines += [f"{n / total:6.1%} {name}" for name, n in inclusive.most_common(TOP)]
    Path(f"{prefix}.txt").write_text("\n".join(lines) + "\n")


def post_worker_init(worker: Any) -> None:
    """Run the project's hook, then start sampling this worker."""
    _project_post_worker_init(worker)
    signal.signal(signal.SIGPROF, _sample)
    signal.setitimer(signal.ITIMER_PROF, SAMPLE_INTERVAL, SAMPLE_INTERVAL)


def worker_exit(server: Any, worker: Any) -> None:
    """Stop sampling and write this worker's profile."""
    signal.setitimer(signal.ITIMER_PROF, 0, 0)
    prefix = os.environ.get("AVALON_BENCH_PROFILE")
    if prefix and _stacks:
        _write(f"{prefix}.{worker.pid}")
