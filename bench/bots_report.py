"""The bots benchmark's tables: rates with 95% Wilson intervals, and the issue's goals."""

from __future__ import annotations

import math
from collections import Counter

Cell = tuple[int, str, str]
Z = 1.96  # 95%
ENDINGS = ("merlin_survived", "merlin_assassinated", "three_fails", "five_rejections")


def wilson(hits: int, trials: int) -> tuple[float, float, float]:
    """A rate and its 95% Wilson score interval."""
    if trials == 0:
        return math.nan, math.nan, math.nan
    p = hits / trials
    centre = (p + Z * Z / (2 * trials)) / (1 + Z * Z / trials)
    half = (
        Z * math.sqrt(p * (1 - p) / trials + Z * Z / (4 * trials * trials)) / (1 + Z * Z / trials)
    )
    return p, max(0.0, centre - half), min(1.0, centre + half)


def rate(hits: int, trials: int) -> str:
    """A percentage with its interval, e.g. `42 (38-46)`."""
    p, low, high = wilson(hits, trials)
    if trials == 0:
        return "-"
    return f"{100 * p:.0f} ({100 * low:.0f}-{100 * high:.0f})"


def name(table: tuple[str, str]) -> str:
    """A table's column name: good's level / evil's level."""
    return f"{table[0]}/{table[1]}"


def row(cells: list[str], widths: list[int]) -> str:
    """A Markdown table row."""
    return (
        "| "
        + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
        + " |"
    )


def table(header: list[str], rows: list[list[str]]) -> None:
    """Print a Markdown table."""
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]
    print(row(header, widths))
    print("| " + " | ".join("-" * width for width in widths) + " |")
    for line in rows:
        print(row(line, widths))


def summed(results: dict[Cell, Counter], pair: tuple[str, str]) -> Counter:
    """A table's counts over every size."""
    total: Counter = Counter()
    for (_, good, evil), tally in results.items():
        if (good, evil) == pair:
            total.update(tally)
    return total


def percentile(values: list[float], share: float) -> float:
    """The value below which this share of the values lie."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def goals(results: dict[Cell, Counter], sizes: list[int]) -> None:
    """How far strong beats normal from either side, in points of its side's win rate."""

    def good(size: int, pair: tuple[str, str]) -> float:
        tally = results.get((size, *pair), Counter())
        return 100 * tally["win_good"] / tally["games"] if tally["games"] else math.nan

    header = ["size", "good: s/n - n/n", "good: s/s - n/s", "evil: n/n - n/s", "evil: s/n - s/s"]
    rows = []
    for size in sizes:
        nn, ss = good(size, ("normal", "normal")), good(size, ("strong", "strong"))
        sn, ns = good(size, ("strong", "normal")), good(size, ("normal", "strong"))
        rows.append([str(size), *(f"{d:+.0f}" for d in (sn - nn, ss - ns, nn - ns, sn - ss))])
    if any(not math.isnan(float(cell)) for line in rows for cell in line[1:]):
        print("\nStrong over normal, in points of its side's win rate (goal: +10 or more)\n")
        table(header, rows)


def by_size(results: dict[Cell, Counter], sizes: list[int], pairs: list[tuple[str, str]]) -> None:
    """The Assassin's hit rate and the tells, by size."""
    shown = [
        ("The Assassin's hit rate", "assassin_hits", ("assassinations",)),
        (
            "P(evil | rejects a quest-1 team)",
            "q1_reject_evil",
            ("q1_reject_evil", "q1_reject_good"),
        ),
        ("Merlin's quest 1-2 teams clean", "merlin_clean", ("merlin_leads",)),
        ("Other good seats' quest 1-2 teams clean", "good_clean", ("good_leads",)),
    ]
    for title, hits, trials in shown:
        print(f"\n{title}, % (95% interval), by size\n")
        rows = []
        for size in sizes:
            cells = [results.get((size, *pair), Counter()) for pair in pairs]
            rows.append([str(size), *(rate(c[hits], sum(c[t] for t in trials)) for c in cells)])
        table(["size", *(name(pair) for pair in pairs)], rows)


def report(
    results: dict[Cell, Counter],
    sizes: list[int],
    pairs: list[tuple[str, str]],
    times: dict[str, list[float]],
) -> None:
    """Print every table of the benchmark."""
    print("\nGood's win rate, % (95% interval), by size; columns: good's level / evil's level\n")
    rows = []
    for size in sizes:
        cells = [results.get((size, *pair), Counter()) for pair in pairs]
        rows.append([str(size), *(rate(c["win_good"], c["games"]) for c in cells)])
    table(["size", *(name(pair) for pair in pairs)], rows)
    by_size(results, sizes, pairs)
    print("\nHow the games ended, % of games (all sizes)\n")
    rows = []
    for ending in ENDINGS:
        counts = [summed(results, pair) for pair in pairs]
        rows.append([ending, *(rate(c[f"how_{ending}"], c["games"]) for c in counts)])
    table(["ending", *(name(pair) for pair in pairs)], rows)
    print("\nThe Assassin and the tells (all sizes)\n")
    rows = []
    for pair in pairs:
        c = summed(results, pair)
        rejects = c["q1_reject_evil"] + c["q1_reject_good"]
        rows.append(
            [
                name(pair),
                rate(c["assassin_hits"], c["assassinations"]),
                rate(c["q1_reject_evil"], rejects),
                rate(c["merlin_clean"], c["merlin_leads"]),
                rate(c["good_clean"], c["good_leads"]),
            ]
        )
    table(
        [
            "table",
            "Assassin hits",
            "P(evil | rejects a q1 team)",
            "Merlin's q1-2 teams clean",
            "other good's q1-2 teams clean",
        ],
        rows,
    )
    if times:
        print("\nOne decision at 10 seats, by level (CPU ms)\n")
        rows = [
            [
                level,
                str(len(values)),
                f"{1e3 * sum(values) / len(values):.2f}",
                f"{1e3 * percentile(values, 0.99):.2f}",
                f"{1e3 * max(values):.1f}",
            ]
            for level, values in sorted(times.items())
        ]
        table(["level", "decisions", "mean", "p99", "max"], rows)
    goals(results, sizes)
