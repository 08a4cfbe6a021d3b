"""Memory benchmark --breakdown: the worker counts its objects, the script prints the growth.

The gunicorn config below runs the project's own settings and adds a SIGUSR2 handler:
on each signal the worker writes a JSON report of its gc-tracked objects by type (and
its Python allocations with --tracemalloc) for describe() to read.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

from memory_sockets import Server

# A gunicorn config written to the temporary directory for --breakdown: the project's
# settings plus a SIGUSR2 handler that makes the worker describe its memory.
BREAKDOWN_CONFIG = """
import os
import runpy
import signal

for _name, _value in runpy.run_path({project_config!r}).items():
    if not _name.startswith("__"):
        globals()[_name] = _value

_project_post_worker_init = globals()["post_worker_init"]
_state = {{}}


def _describe():
    import collections
    import gc
    import json
    import sys
    import tracemalloc

    import greenlet

    gc.collect()
    counts = collections.Counter()
    sizes = collections.Counter()
    stacks = 0
    greenlets = 0
    for obj in gc.get_objects():
        kind = type(obj)
        name = f"{{kind.__module__}}.{{kind.__qualname__}}"
        counts[name] += 1
        sizes[name] += sys.getsizeof(obj)
        if isinstance(obj, greenlet.greenlet):
            greenlets += 1
            stacks += getattr(obj, "_stack_saved", 0)
    report = {{
        "counts": counts,
        "sizes": sizes,
        "greenlets": greenlets,
        "greenlet_stacks": stacks,
        "owners": _owners(counts),
    }}
    if tracemalloc.is_tracing():
        snapshot = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__)]
        )
        if "snapshot" in _state:
            report["lines"] = [
                [str(stat.traceback[0]), stat.size_diff, stat.count_diff]
                for stat in snapshot.compare_to(_state["snapshot"], "lineno")[:40]
            ]
            report["files"] = [
                [str(stat.traceback[0].filename), stat.size_diff, stat.count_diff]
                for stat in snapshot.compare_to(_state["snapshot"], "filename")[:25]
            ]
        _state["snapshot"] = snapshot
    number = _state.get("number", 0)
    _state["number"] = number + 1
    path = os.environ["AVALON_BENCH_MEMORY_REPORT"] + f".{{number}}"
    with open(path + ".tmp", "w") as out:
        json.dump(report, out)
    os.replace(path + ".tmp", path)


def _owners(counts):
    # For the types that grew most: what refers to a sample of their instances.
    import collections
    import gc
    import types

    previous = _state.get("counts", {{}})
    _state["counts"] = counts
    grown = sorted(counts, key=lambda name: previous.get(name, 0) - counts[name])[:12]
    wanted = set(grown)
    samples = {{}}  # id -> type name, at most 100 of each type
    taken = collections.Counter()
    everything = gc.get_objects()
    for obj in reversed(everything):  # the newest objects come last
        kind = type(obj)
        name = f"{{kind.__module__}}.{{kind.__qualname__}}"
        if name in wanted and taken[name] < 100:
            taken[name] += 1
            samples[id(obj)] = name
    holders = collections.defaultdict(collections.Counter)  # type name -> holder labels
    dicts = {{}}  # id of a holding dict -> the type names it holds
    for obj in everything:
        if isinstance(obj, types.FrameType) or obj is everything:
            continue
        for ref in gc.get_referents(obj):
            name = samples.get(id(ref))
            if name is None:
                continue
            if type(obj) is dict:
                dicts.setdefault(id(obj), []).append(name)
            else:
                holders[name][type(obj).__module__ + "." + type(obj).__qualname__] += 1
    for obj in everything:
        for ref in gc.get_referents(obj):
            if type(ref) is dict and id(ref) in dicts and getattr(obj, "__dict__", None) is ref:
                for name in dicts.pop(id(ref)):
                    holders[name]["__dict__ of " + type(obj).__qualname__] += 1
    for names in dicts.values():
        for name in names:
            holders[name]["dict"] += 1
    del everything
    return {{name: holders[name].most_common(4) for name in grown}}


def post_worker_init(worker):
    _project_post_worker_init(worker)
    import gevent

    gevent.signal_handler(signal.SIGUSR2, lambda: gevent.spawn(_describe))
"""


def describe(server: Server, pid: int, report: Path, number: int) -> dict:
    """Have the worker describe its objects (and allocations); return the report."""
    path = Path(f"{report}.{number}")
    os.kill(pid, signal.SIGUSR2)
    deadline = time.monotonic() + 120
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit("the worker wrote no memory report")
        time.sleep(0.2)
    return json.loads(path.read_text())


def print_breakdown(before: dict, after: dict, sockets: int) -> None:
    """Print what one socket adds, by object type and by allocation site."""
    print(f"\nwhat one socket adds in the worker (gc-tracked objects, {sockets} sockets):")
    rows = []
    for name, count in after["counts"].items():
        extra = count - before["counts"].get(name, 0)
        if extra >= sockets // 2:
            size = after["sizes"][name] - before["sizes"].get(name, 0)
            rows.append((size / sockets, extra / sockets, name))
    rows.sort(reverse=True)
    print(f"  {'bytes':>8} {'objects':>8}  type (shallow sizes: sys.getsizeof)")
    for size, count, name in rows[:40]:
        print(f"  {size:8.0f} {count:8.2f}  {name}")
    print(f"  {sum(row[0] for row in rows):8.0f}           total of these types")
    print("\nwho holds the most numerous ones (referrers of 100 samples):")
    for name, owners in after["owners"].items():
        extra = after["counts"].get(name, 0) - before["counts"].get(name, 0)
        if extra >= sockets // 2:
            held = ", ".join(f"{label} {n}" for label, n in owners)
            print(f"  {name} ({extra / sockets:.1f}/socket): {held}")
    greenlets = (after["greenlets"] - before["greenlets"]) / sockets
    stacks = (after["greenlet_stacks"] - before["greenlet_stacks"]) / sockets
    print(f"  greenlets per socket: {greenlets:.2f}; their saved C stacks: {stacks:.0f} bytes")
    if "lines" in after:
        print("\nPython allocations per socket, by file (tracemalloc):")
        for where, size, count in after["files"]:
            if size > 0:
                print(f"  {size / sockets:8.0f} B {count / sockets:7.2f} blocks  {short(where)}")
        print("\nby line:")
        for where, size, count in after["lines"]:
            if size > 0:
                print(f"  {size / sockets:8.0f} B {count / sockets:7.2f} blocks  {short(where)}")


def short(path: str) -> str:
    """A source path from its package on, for the allocation table."""
    for marker in ("/site-packages/", "/avalon/", "/lib/python3"):
        if marker in path:
            return path[path.index(marker) + 1 :]
    return path
