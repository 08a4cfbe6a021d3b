"""The public view of the cards and table options (PROTOCOL section 8), and their record.

Each part appears only in games that have its card or option, so a game without them
looks as it always did. Private results are in `you.results` (viewing.you), never here.
"""

from __future__ import annotations

import copy
from typing import Any

from avalon.game.state import GameState
from avalon.game.variants import FLAGS


def options_on(game: GameState) -> bool:
    """Tell whether the game plays any card or table option of ROLES.md section 3."""
    return game.variants.get("lady") == "sea" or any(game.option(flag) for flag in FLAGS)


def options_view(game: GameState) -> dict[str, Any]:
    """The cards and table options in play (public, like the roles in play)."""
    return {"lady": game.lady_kind(), **{flag: game.option(flag) for flag in FLAGS}}


def tally(votes: dict[str, bool]) -> dict[str, int]:
    """A vote's count: approvals and rejections, not who."""
    approve = sum(votes.values())
    return {"approve": approve, "reject": len(votes) - approve}


def votes_shown(game: GameState) -> tuple[dict[str, bool] | None, dict[str, int] | None]:
    """The last completed vote as the table sees it: (who voted how, the tally)."""
    if game.votes is None:
        return None, None
    if game.option("anonymous_votes") and game.phase != "game_over":
        return None, tally(game.votes)
    return dict(game.votes), (tally(game.votes) if game.option("anonymous_votes") else None)


def history_shown(game: GameState) -> list[dict[str, Any]]:
    """Every completed proposal as the table sees it: none under hidden history, the
    tallies under anonymous votes (with an Opinion Maker's vote, cast openly:
    `open_votes`), everything once the game is over."""
    over = game.phase == "game_over"
    if game.option("hidden_history") and not over:
        return []
    shown = copy.deepcopy(game.proposals)
    if game.option("anonymous_votes") and not over:
        for proposal in shown:
            proposal["tally"] = tally(proposal["votes"])
            proposal["votes"] = None
            proposal["auto"] = []  # whose votes the timer cast would say how some voted
    return shown


def chain_view(chain: dict[str, Any] | None) -> dict[str, Any] | None:
    """The Sire's or the Ref's public part: holder, past holders, who named whom."""
    if chain is None:
        return None
    return copy.deepcopy(chain)


def plot_view(game: GameState) -> dict[str, Any] | None:
    """The plot cards' public part: cards left, used, held by whom, the step at hand."""
    if game.plot is None:
        return None
    plot = game.plot
    return {
        "deck_left": len(plot["deck"]),
        "used": copy.deepcopy(plot["used"]),
        "held": copy.deepcopy(plot["held"]),
        "queue": copy.deepcopy(plot["queue"]),
        "spotlight": copy.deepcopy(plot["spotlight"]),
        "looked": list(plot["looked"]),
        "open_votes": dict(plot["open_votes"]),
    }


def card_parts(game: GameState) -> dict[str, Any]:
    """The public parts of the cards and options in play."""
    if not options_on(game):
        return {}
    parts: dict[str, Any] = {"options": options_view(game)}
    if game.option("excalibur"):
        sword = game.excalibur if game.team is not None else None
        parts["excalibur"] = None if sword is None else {k: sword[k] for k in ("holder", "target")}
        parts["excalibur_uses"] = copy.deepcopy(game.excalibur_uses)
    if game.option("lady_announce"):
        parts["announcements"] = copy.deepcopy(game.announcements)
    if game.sire is not None:
        parts["sire"] = chain_view(game.sire)
    if game.ref is not None:
        parts["ref"] = chain_view(game.ref)
    if game.plot is not None:
        parts["plot"] = plot_view(game)
    return parts


def card_record(game: GameState) -> dict[str, Any]:
    """The record's part of the cards and options: all of it, the plot deck's order too."""
    if not options_on(game):
        return {}
    full = card_parts(game)
    # The service's record carries the start options as `options`: these keep their own key.
    full["table_options"] = full.pop("options")
    if game.plot is not None:
        full["plot"] = copy.deepcopy(game.plot)
    return full
