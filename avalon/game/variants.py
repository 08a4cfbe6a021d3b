"""The cards and table options of ROLES.md section 3: their names, numbers and setup checks.

Pure data and checks, like `options.py`: Excalibur, the Lady's variants (the Lake, the Sea,
the announce step, the Sire of the Sea, the Ref of the Rain), the plot cards, anonymous
votes and hidden history. The moves that use them are in `ladies.py`, `excalibur.py` and
`plot.py`.
"""

from __future__ import annotations

from typing import Any

from avalon.game.options import check_bool
from avalon.game.options import invalid

LADY_KINDS = ("lake", "sea")
# Boolean table options, all off by default (PROTOCOL section 8).
FLAGS = (
    "lady_announce",
    "sire_of_the_sea",
    "ref_of_the_rain",
    "excalibur",
    "plot_cards",
    "anonymous_votes",
    "hidden_history",
)
# The turn timer's phases (`turn_timers` keys); `turn_timer` sets them all.
TIMER_KEYS = ("team", "vote", "quest", "lady", "excalibur", "assassination")
# Which timer key a phase's turn uses (the plot phase: by its step, see `GameState.timer_key`).
PHASE_TIMERS = {
    "team_building": "team",
    "voting": "vote",
    "questing": "quest",
    "witch": "quest",
    "excalibur": "excalibur",
    "lady": "lady",
    "lady_announce": "lady",
    "sire": "lady",
    "ref": "lady",
    "assassination": "assassination",
}
CLAIMS = ("good", "evil")

# The plot cards ("The Plot Thickens"), in the order of the rules API.
PLOT_CARDS = (
    "strong_leader",
    "no_confidence",
    "keeping_close_eye",
    "in_the_spotlight",
    "opinion_maker",
    "take_responsibility",
    "overheard_conversation",
    "open_up",
    "establish_confidence",
)
# The decks: 5-6 players, then 7-10 players (card -> copies).
SMALL_DECK = {
    "strong_leader": 2,
    "keeping_close_eye": 2,
    "no_confidence": 1,
    "take_responsibility": 1,
    "opinion_maker": 1,
}
LARGE_DECK = {
    **SMALL_DECK,
    "no_confidence": 3,
    "opinion_maker": 2,
    "open_up": 1,
    "overheard_conversation": 2,
    "in_the_spotlight": 1,
    "establish_confidence": 1,
}
SMALL_TABLE = 6  # up to this many players play the small deck
# Cards the leader draws at the start of each quest, by player count.
PLOT_DRAWS = {5: 1, 6: 1, 7: 2, 8: 2, 9: 3, 10: 3}
# When each card is played: "at_once" on receipt, "held" works while held (Opinion
# Maker), the rest at their timing point (asked in seat order from the leader).
PLOT_TIMING = {
    "strong_leader": "before_proposal",
    "no_confidence": "after_approval",
    "in_the_spotlight": "after_approval",
    "keeping_close_eye": "after_cards",
    "opinion_maker": "held",
    "take_responsibility": "at_once",
    "overheard_conversation": "at_once",
    "open_up": "at_once",
    "establish_confidence": "at_once",
}
# At-once cards played through `loyalty_check` (the rest of the plot moves are
# `play_plot_card` / `skip_plot_card` / `give_plot_card`).
CHECK_CARDS = ("overheard_conversation", "open_up", "establish_confidence")
# The timer key of each plot step.
PLOT_STEP_TIMERS = {
    "give": "team",
    "use": "team",
    "before_proposal": "team",
    "after_approval": "vote",
    "after_cards": "quest",
}


def plot_deck(player_count: int) -> list[str]:
    """The plot deck for a table of this size, unshuffled."""
    counts = SMALL_DECK if player_count <= SMALL_TABLE else LARGE_DECK
    return [card for card in PLOT_CARDS for _ in range(counts.get(card, 0))]


def option_texts(name: str) -> dict[str, str]:
    """The keys of the client's message tables for a table option."""
    return {"name": f"option.{name}", "hint": f"optionHint.{name}"}


def card_texts(name: str) -> dict[str, str]:
    """The keys of the client's message tables for a plot card."""
    return {"name": f"card.{name}", "text": f"cardText.{name}"}


def check_lady(table: dict[str, Any], lady_of_the_lake: object, default: bool) -> str | None:
    """Return the Lady in play ("lake", "sea" or None) from `lady` and `lady_of_the_lake`."""
    if "lady" not in table:
        return "lake" if default else None
    kind = table["lady"]
    if kind is not None and kind not in LADY_KINDS:
        raise invalid('lady must be "lake", "sea" or null')
    if lady_of_the_lake is not None and bool(lady_of_the_lake) != (kind is not None):
        raise invalid(
            "lady and lady_of_the_lake disagree: send only lady "
            '("lake", "sea" or null), or make them agree'
        )
    return str(kind) if kind is not None else None


def check_variants(player_count: int, table: object, lady: str | None) -> dict[str, Any]:
    """Check the card and table options of start_game; return them with defaults applied."""
    if table is None:
        table = {}
    if not isinstance(table, dict):
        raise invalid("the table options must be an object")
    unknown = set(table) - set(FLAGS) - {"lady"}
    if unknown:
        raise invalid(f"unknown table options: {sorted(unknown)}")
    chosen: dict[str, Any] = {"lady": lady}
    for name in FLAGS:
        chosen[name] = check_bool(table.get(name, False), name)
    if chosen["lady_announce"] and lady is None:
        raise invalid(
            'lady_announce needs the Lady: set lady to "lake" or "sea", or turn lady_announce off'
        )
    if chosen["plot_cards"] and player_count not in PLOT_DRAWS:
        raise invalid("plot_cards are played with 5 to 10 players")
    return chosen


# English summaries for the rules API (the client's texts are under `texts`).
CARD_SUMMARIES = {
    "strong_leader": "Before a proposal, a holder who is not the leader leads it instead.",
    "no_confidence": "Right after a team is approved, the approval becomes a rejection.",
    "keeping_close_eye": "After the quest cards, see one team member's card.",
    "in_the_spotlight": "After approval, a team member you name plays face up.",
    "opinion_maker": "Before every later vote you vote first, openly.",
    "take_responsibility": "At once: take a plot card from another player.",
    "overheard_conversation": "At once: see the loyalty of a neighbour.",
    "open_up": "At once: show your loyalty to a player of your choice.",
    "establish_confidence": "The leader keeps it and shows their loyalty to a player at once.",
}
OPTION_SUMMARIES = {
    "lady": "The Lady of the Lake (loyalty) or of the Sea (an evil player's exact role).",
    "lady_announce": "After a Lady check the holder publicly claims good or evil.",
    "sire_of_the_sea": "After quests 2-4 the holder shows their loyalty to a player.",
    "ref_of_the_rain": "After a failed quest the holder checks a player's loyalty.",
    "excalibur": "The leader hands Excalibur with the team; its holder may turn over a card.",
    "plot_cards": "The leader draws plot cards each quest and gives them out.",
    "anonymous_votes": "Only each vote's tally is shown until the game is over.",
    "hidden_history": "No vote grid during the game, only the quest track.",
    "turn_timers": "A turn timer for each phase.",
}


OPTION_TYPES = {"lady": "choice", "turn_timers": "seconds"}


def rules_table() -> dict[str, Any]:
    """The cards and options for the rules API: names, when, decks, draws, texts."""
    counts = range(min(PLOT_DRAWS), max(PLOT_DRAWS) + 1)
    return {
        "cards": [
            {
                "name": card,
                "when": PLOT_TIMING[card],
                "summary": CARD_SUMMARIES[card],
                "copies": {str(n): plot_deck(n).count(card) for n in counts},
                "texts": card_texts(card),
            }
            for card in PLOT_CARDS
        ],
        "plot_draws": {str(n): PLOT_DRAWS[n] for n in counts},
        "table_options": [
            {
                "name": name,
                "type": OPTION_TYPES.get(name, "bool"),
                "choices": list(LADY_KINDS) if name == "lady" else None,
                "default": None if name in ("lady", "turn_timers") else False,
                "summary": OPTION_SUMMARIES[name],
                "texts": option_texts(name),
            }
            for name in ("lady", *FLAGS, "turn_timers")
        ],
        "option_choice_texts": {
            "lady": {kind: f"option.lady.{kind}" for kind in LADY_KINDS},
            "turn_timers": {key: f"option.turn_timers.{key}" for key in TIMER_KEYS},
        },
        "turn_timer_keys": list(TIMER_KEYS),
        "claims": list(CLAIMS),
    }
