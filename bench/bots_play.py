"""One all-bot game against the pure rules, and what the bots benchmark counts in it.

Each seat's bot decides from that seat's own view, as on the server; good seats play at
one level and evil seats at another (a mixed table), so a level can be measured from
either side. Used by bots.py.
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from avalon.bots import decide  # noqa: E402
from avalon.game.roles import MERLIN_ROLES  # noqa: E402
from avalon.game.roles import ROLES as ROLES_BY_NAME  # noqa: E402
from avalon.game.rules import Game  # noqa: E402

# The setup the issue measured: Merlin, Assassin, Percival, Morgana; the Lady at 7+.
ROLES = ["merlin", "assassin", "percival", "morgana"]
MOVE_LIMIT = 1500


def level_of(game: Game, player: int, good: str, evil: str) -> str:
    """The level a seat plays at: its side's at the deal."""
    return evil if ROLES_BY_NAME[game.role_of(player)].side == "evil" else good


def tells(game: Game, tally: Counter) -> None:
    """Count the tells of a finished game: who rejected quest-1 teams, and how clean the
    teams of Merlin and of the other good seats were as leaders on quests 1-2."""
    evil = {p for p in game.players if game.alignment_of(p) == "evil"}
    for proposal in game.proposals:
        if proposal["quest"] == 1:
            for voter, yes in proposal["votes"].items():
                if int(voter) != proposal["leader"] and not yes:
                    tally["q1_reject_evil" if int(voter) in evil else "q1_reject_good"] += 1
        leader = proposal["leader"]
        if proposal["quest"] <= 2 and leader not in evil:
            who = "merlin" if game.role_of(leader) in MERLIN_ROLES else "good"
            tally[f"{who}_leads"] += 1
            tally[f"{who}_clean"] += not set(proposal["team"]) & evil


def play(size: int, good: str, evil: str, seed: int) -> tuple[Counter, dict[str, list[float]]]:
    """Play one game; return its counts and each level's decision times (CPU seconds)."""
    rng = random.Random(seed)
    game, _ = Game.new(list(range(1, size + 1)), ROLES, None, rng)
    times: dict[str, list[float]] = {good: [], evil: []}
    for _ in range(MOVE_LIMIT):
        if game.phase == "game_over":
            break
        player = game.awaited()[0]
        level = level_of(game, player, good, evil)
        view = game.view(player)
        # CPU time: on a shared machine the wall clock also counts other processes' turns.
        started = time.process_time()
        move = decide(view, random.Random(rng.getrandbits(64)), level)
        times[level].append(time.process_time() - started)
        if move is None:
            raise AssertionError(f"a {level} bot stalled in {game.phase}")
        game.apply(player, *move)
    else:
        raise AssertionError("the game never ended")
    tally: Counter = Counter({"games": 1, f"win_{game.winner}": 1, f"how_{game.reason}": 1})
    if game.assassin_target is not None:
        tally["assassinations"] += 1
        tally["assassin_hits"] += game.winner == "evil"
    tells(game, tally)
    return tally, times
