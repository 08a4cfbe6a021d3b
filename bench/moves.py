"""Server CPU per game move in a 10-player room: the move, its transaction, the views, events.

Ten players sit at one table over real sockets (the test suite's game driver, bots that
make legal moves); the host starts a game and the bots play it to its end, each move
waiting until all ten sockets saw its new views. The worker's CPU time (/proc) over the
games, divided by the moves made, is the cost of one move with everything it sends.
With --baseline the same games (same seeds) also run against another checkout, servers
alternating, so two commits can be compared in one run.

    python bench/moves.py
    python bench/moves.py --games 6 --baseline /path/to/older/checkout
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fanout import cpu_seconds  # noqa: E402
from spawn import child_pids  # noqa: E402

from tests.game_driver import Table  # noqa: E402
from tests.support import ServerProcess  # noqa: E402


def play(root: Path, seeds: list[int], database_url: str | None = None) -> list[float]:
    """Play one game per seed on a fresh server of `root`; return us of CPU per move."""
    figures = []
    with tempfile.TemporaryDirectory(prefix="avalon-moves-") as temp:
        env = {
            "DATABASE_URL": database_url or f"sqlite:///{Path(temp) / 'moves.db'}",
            "AVALON_MOVE_RATE": "1000000",
        }
        server = ServerProcess(Path(temp), env, root=root).start()
        try:
            assert server.process is not None
            workers = child_pids(server.process.pid)
            for seed in seeds:
                table = Table(server, server.room_with_players(10))
                try:
                    rng = random.Random(seed)
                    table.start()
                    before = cpu_seconds(workers)
                    moves = 0
                    while table.play_move(rng):
                        moves += 1
                    figures.append((cpu_seconds(workers) - before) / moves * 1e6)
                finally:
                    table.close()
        finally:
            server.stop()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--games", type=int, default=4, help="games per server and round")
    parser.add_argument("--rounds", type=int, default=2, help="rounds (servers alternate)")
    parser.add_argument("--baseline", type=Path, help="another checkout to compare with")
    parser.add_argument("--database-url", help="default: a fresh SQLite file per server")
    args = parser.parse_args(argv)
    roots = {"avalon": ROOT}
    if args.baseline:
        roots["avalon-before"] = args.baseline.resolve()
    results: dict[str, list[float]] = {name: [] for name in roots}
    began = time.monotonic()
    for round_index in range(args.rounds):
        seeds = [1000 * round_index + game for game in range(args.games)]
        names = list(roots)
        if round_index % 2:
            names.reverse()
        for name in names:
            figures = play(roots[name], seeds, args.database_url)
            results[name] += figures
            shown = ", ".join(f"{f:.0f}" for f in figures)
            print(f"round {round_index + 1} | {name}: us per move {shown}", flush=True)
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(f"\n{time.monotonic() - began:.0f} s; 10 players, {database}, one worker")
    for name, figures in results.items():
        low, high = min(figures), max(figures)
        print(
            f"  {name}: median {statistics.median(figures):.0f} us of server CPU per move"
            f" [{low:.0f}-{high:.0f}] over {len(figures)} games"
        )
    if args.baseline:
        ratio = statistics.median(results["avalon"]) / statistics.median(results["avalon-before"])
        print(f"  avalon / avalon-before: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
