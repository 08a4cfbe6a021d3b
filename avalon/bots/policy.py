"""The strong level's rules of thumb that more than one module reads: when a loyal
servant approves a team, and how far Merlin's bot departs from that (the Assassin's
reading replays the first and looks for the second)."""

from __future__ import annotations

from typing import Any

# A team is approved if its chance of success is this share of the voter's own best
# team's, by proposal number: pickier early, anything on the fifth (rejecting it loses).
THETA = (0.85, 0.8, 0.7, 0.5, 0.0)
MERLIN_TILT = 0.15  # on quests 1-2 Merlin's team leans on what it knows this often
MERLIN_BALK = 0.15  # Merlin rejects a team it knows to be dirty that a servant approves
MERLIN_BACK = 0.1  # Merlin approves a clean team that a servant rejects
PLAUSIBLE = 0.8  # from quest 3 Merlin picks the cleanest team this close to the best-looking


def servant_approves(chance: float, best: float, proposal: int, evil_wins: int) -> bool:
    """Tell whether a loyal servant approves a team with this chance of success, given
    the chance of the best team it could name itself."""
    if proposal >= len(THETA):
        return True
    theta = THETA[proposal - 1]
    if evil_wins == 2:
        theta = min(1.0, theta + 0.1)  # the next failure loses the game
    return chance >= theta * best - 1e-9


def hammer_leader(view: dict[str, Any]) -> int:
    """Who leads the fifth proposal of this quest, if every proposal until then fails."""
    players = view["players"]
    seat = players.index(view["leader"]) + 5 - view["proposal"]
    return int(players[seat % len(players)])
