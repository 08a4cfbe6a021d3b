"""The computer players' benchmark: all-bot games per table size and level, against the
pure rules (no server), with 95% confidence intervals.

Good seats play at one level and evil seats at another, so each level is measured from
either side: `strong/strong`, `normal/normal`, and the mixed tables `strong/normal` (strong
good against normal evil) and `normal/strong`. It prints good's win rate by size and
table, how the games ended, the Assassin's hit rate, the tells (P(evil | rejects a quest-1
team); how often the Merlin bot's teams as leader on quests 1-2 were clean, beside the
other good bots'), and the time of one decision at ten seats. The setup is the one the
issue measured: Merlin, Assassin, Percival, Morgana (the Lady from 7 players).

    .venv/bin/python bench/bots.py                 # 100 games a cell, a few minutes
    .venv/bin/python bench/bots.py --games 500     # the README's table
    .venv/bin/python bench/bots.py --sizes 5,10 --levels easy,normal --games 50
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bots_play import play  # noqa: E402
from bots_report import report  # noqa: E402

Cell = tuple[int, str, str]  # size, good's level, evil's level


def tables(levels: list[str]) -> list[tuple[str, str]]:
    """Each level against itself, then each pair of levels mixed both ways."""
    mixed = [(a, b) for a in levels for b in levels if a != b]
    return [(level, level) for level in levels] + mixed


def run_cell(job: tuple[Cell, int, int]) -> tuple[Cell, Counter, dict[str, list[float]]]:
    """Play a cell's share of games (seeded from the cell and the run's seed)."""
    (size, good, evil), games, seed = job
    tally: Counter = Counter()
    times: dict[str, list[float]] = {}
    for index in range(games):
        counts, spent = play(size, good, evil, seed * 1_000_003 + size * 10_007 + index)
        tally.update(counts)
        if size == 10:
            for level, values in spent.items():
                times.setdefault(level, []).extend(values)
    return (size, good, evil), tally, times


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--games", type=int, default=100, help="games per size and table")
    parser.add_argument("--sizes", default="5,6,7,8,9,10", help="table sizes, comma-separated")
    parser.add_argument("--levels", default="normal,strong", help="levels, comma-separated")
    parser.add_argument("--seed", type=int, default=1, help="the run's seed")
    parser.add_argument("--processes", type=int, default=2, help="worker processes")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Play every cell and print the tables."""
    args = parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    levels = args.levels.split(",")
    cells = [(size, good, evil) for size in sizes for good, evil in tables(levels)]
    jobs = [(cell, args.games, args.seed) for cell in cells]
    started = time.monotonic()
    results: dict[Cell, Counter] = {}
    times: dict[str, list[float]] = {}
    with multiprocessing.Pool(args.processes) as pool:
        # The ten-seat cells first: the slowest, and the decision times come from them.
        order = sorted(jobs, key=lambda job: -job[0][0])
        for cell, tally, spent in pool.imap_unordered(run_cell, order):
            results[cell] = tally
            for level, values in spent.items():
                times.setdefault(level, []).extend(values)
    report(results, sizes, tables(levels), times)
    total = sum(tally["games"] for tally in results.values())
    print(f"\n{total} games in {time.monotonic() - started:.0f} s, seed {args.seed}")
    if times:
        every = [value for values in times.values() for value in values]
        print(f"{len(every)} decisions at 10 seats, median {statistics.median(every) * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
