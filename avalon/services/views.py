"""Each member's game view, padded so that its size tells nothing about its role.

A player's own view holds their role, what it sees and their Lady checks; those parts
differ in length by role (Merlin sees more names than a servant), and the length of an
encrypted frame can be read off the wire. Every seated player's view of one version is
padded to the same size of those parts; the rest of the view is the same for everyone.
"""

from __future__ import annotations

import json

from avalon.game.rules import Game

SECRET_PARTS = ("you", "lady_results")  # the parts of a view that differ between players


def member_view(game: Game, parts: dict, player_id: int | None) -> dict:
    """A member's view with the table's public parts (the turn timer, stand-ins, the end
    vote, the log); spectators and members not seated get one view."""
    view = game.view(player_id if player_id in game.players else None)
    view.update(parts)
    view["pad"] = ""
    return view


def secret_size(view: dict) -> int:
    """The encoded length of the parts of a view that differ between players."""
    return sum(len(json.dumps(view[part], separators=(",", ":"))) for part in SECRET_PARTS)


def seated_views(game: Game, parts: dict) -> dict[int | None, dict]:
    """Every seated player's view, padded to one size, and the spectators' (key None)."""
    views: dict[int | None, dict] = {pid: member_view(game, parts, pid) for pid in game.players}
    sizes = {pid: secret_size(view) for pid, view in views.items()}
    largest = max(sizes.values())
    for pid, view in views.items():
        view["pad"] = " " * (largest - sizes[pid])
    views[None] = member_view(game, parts, None)
    return views
