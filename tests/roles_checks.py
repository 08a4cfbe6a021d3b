"""Checks over whole games with every role: the rules against the oracle, and no leak.

Used by the random-game tests (test_roles_random.py) and the all-bot games.
"""

from __future__ import annotations

import copy
import json
import random
from collections import Counter

from avalon.bots import decide
from avalon.game.rules import Game
from tests.roles_oracle import BELIEVED
from tests.roles_oracle import EVIL
from tests.roles_oracle import GOOD
from tests.roles_oracle import SIGHT_TAGS
from tests.roles_oracle import Oracle
from tests.roles_oracle import expected_sees

ROLE_NAMES = sorted(GOOD | EVIL)
PRIVATE_EVENTS = {
    "lady_result",
    "check_result",
    "cleric_result",
    # The cards' (issue #28): each to its holder alone.
    "sire_result",
    "ref_result",
    "shown_result",
    "excalibur_result",
    "ambush_result",
}
RESULT_KINDS = {"lady", "sea", "sire", "ref", "cleric", "excalibur", "ambush", "check", "shown"}
DECIDED = ("assassination", "game_over")


def new_oracle(game: Game) -> Oracle:
    """An oracle for a freshly dealt game; checks the deal's night knowledge."""
    variant = game.lancelot["variant"] if game.lancelot else None
    oracle = Oracle(game.players, game.roles, variant)
    sync_lancelot(game, oracle)
    return oracle


def sync_lancelot(game: Game, oracle: Oracle) -> None:
    """Read the Lancelot cards turned face up and check how many took effect."""
    if game.lancelot is None:
        assert oracle.variant is None
        return
    between = ("lady", "lady_announce", "sire", "ref")  # checks before the next quest starts
    started = game.quest - 1 if game.phase in between else game.quest
    expected = oracle.expected_applied(started, "team_building")
    assert game.lancelot["applied"] == expected, (game.lancelot, game.quest, game.phase)
    applied = game.lancelot["revealed"][:expected]
    oracle.switches = applied.count("switch")
    assert game.lancelot["switches"] == oracle.switches
    cards = game.lancelot["revealed"] + game.lancelot["deck"]
    total = {"deck": 5, "deck_forced": 5, "schedule": 7}.get(oracle.variant or "", 0)
    assert len(cards) == total and cards.count("switch") == (2 if total else 0)
    if oracle.variant == "schedule":
        assert len(game.lancelot["revealed"]) == 5  # all face up from the start


def check_awaited(game: Game, oracle: Oracle) -> None:
    """The players the game waits for, stated by phase."""
    phase = game.phase
    if phase == "team_building":
        expected = [game.leader]
    elif phase == "voting" and game.plot is not None:
        return  # an Opinion Maker votes first: checked by the cards' tests
    elif phase == "voting":
        expected = [p for p in game.players if str(p) not in game.ballots]
    elif phase == "questing":
        expected = [p for p in game.players if p in (game.team or []) and p not in game.played]
    elif phase == "witch":
        assert game.witch is not None
        witch = oracle.holder("witch")
        checker = game.witch["checker"]
        assert checker != witch
        expected = [checker if checker is not None else witch]
    elif phase == "lady":
        expected = [game.lady_holder]
    elif phase == "assassination":
        expected = [oracle.assassin()]
    elif phase != "game_over":
        return  # the cards' phases: checked by the cards' tests (test_cards_random.py)
    else:
        expected = []
    assert game.awaited() == expected, (phase, expected)


def check_event(game: Game, oracle: Oracle, event) -> None:
    """Private events go to their owner only; public ones name no role before the end."""
    json.dumps(event.payload)
    if event.name in PRIVATE_EVENTS:
        assert event.to is not None
        shown = event.payload.get("alignment", event.payload.get("loyalty"))
        about = event.payload.get("target", event.payload.get("from"))
        assert shown is None or shown == oracle.shown(about), event
        if event.name == "cleric_result":
            assert oracle.roles[event.to] == "cleric"
        return
    assert event.to is None, event
    if event.name in ("game_over", "quest_shown"):
        return
    payload = copy.deepcopy(event.payload)
    payload.pop("roles_in_play", None)
    if event.name == "role_revealed":
        assert oracle.roles[payload["player_id"]] == payload.pop("role") == "revealer"
    text = json.dumps(payload)
    assert '"alignment"' not in text and '"roles"' not in text, event
    assert '"deck":' not in text, event  # the unturned cards
    for role in ROLE_NAMES:
        assert f'"{role}"' not in text, event


def check_view(game: Game, oracle: Oracle, viewer: int | None, deal_sees: dict) -> None:
    """A view before game over: only what the viewer may know (PROTOCOL section 8)."""
    view = game.view(viewer)
    assert json.loads(json.dumps(view)) == view
    assert "roles" not in view and "assassination" not in view
    shown = copy.deepcopy(view)
    del shown["roles_in_play"], shown["phase"]
    if shown.get("lancelot") is not None:
        assert "deck" not in shown["lancelot"]  # the unturned cards are in no view
    if "revealed" in shown:
        for pid, role in shown.pop("revealed").items():
            assert oracle.roles[int(pid)] == role == "revealer"
    for result in shown["quest_results"]:
        if result["quest"] in oracle.hidden and game.phase not in DECIDED:
            assert result["fails"] is None and result["success"] is None
    if viewer is None:
        assert shown["you"] is None and shown["lady_results"] == []
    else:
        you = shown["you"]
        role = oracle.roles[viewer]
        assert you.pop("role") == BELIEVED.get(role, role)
        expected_alignment = "evil" if role == "moregano" else oracle.alignment(viewer)
        assert you.pop("alignment") == expected_alignment
        sees = you.pop("sees")
        assert sees == deal_sees[viewer]  # frozen at the deal
        for entry in sees:
            assert entry["as"] in SIGHT_TAGS or (role == "merlin_pure" and entry["as"] in EVIL)
        # Every private result reaches its holder, and nobody else.
        mine = [
            {k: v for k, v in r.items() if k != "to"} for r in game.results if r["to"] == viewer
        ]
        assert you["results"] == mine
        for result in you["results"]:
            assert result["kind"] in RESULT_KINDS
            assert result.get("loyalty", "good") in ("good", "evil")
            if result["kind"] == "cleric":
                assert role == "cleric"
                result.pop("kind")
            if result.get("kind") == "sea":
                # The Sea's exact role (a switched Good Lancelot's too), to its holder only.
                sea_role = result.pop("role")
                assert (sea_role is None) == (result["loyalty"] == "good")
                assert sea_role is None or sea_role in ROLE_NAMES
    text = json.dumps(shown)
    for name in ROLE_NAMES:
        assert f'"{name}"' not in text, (viewer, name)


def check_step(game: Game, oracle: Oracle, events: list, deal_sees: dict, views: bool) -> None:
    """Everything that must hold after a move."""
    for event in events:
        check_event(game, oracle, event)
    stored = json.loads(json.dumps(game.to_dict()))
    assert Game.from_dict(stored) == game
    sync_lancelot(game, oracle)
    check_awaited(game, oracle)
    assert game.hidden_quests == oracle.hidden
    decided = game.phase in DECIDED
    visible_fails = sum(
        not r["success"] and (decided or r["quest"] not in oracle.hidden)
        for r in game.quest_results
    )
    revealer = oracle.holder("revealer")
    expected = {str(revealer): "revealer"} if revealer and visible_fails >= 2 else {}
    if game.phase != "game_over":
        assert game.revealed == expected, (game.revealed, game.quest_results)
    for pid in game.players:
        assert game.sees(pid) == deal_sees[pid]
    if views and game.phase != "game_over":
        for viewer in [*game.players, None]:
            check_view(game, oracle, viewer, deal_sees)


def deal_knowledge(game: Game) -> dict:
    """Every seat's night knowledge at the deal, checked against the oracle's statement."""
    variant = game.lancelot["variant"] if game.lancelot else None
    roles = dict(zip(game.players, game.roles, strict=True))
    sees = {pid: game.sees(pid) for pid in game.players}
    for pid in game.players:
        assert sees[pid] == expected_sees(roles, game.draws, variant, pid), roles[pid]
    return sees


def play_bots(
    game: Game,
    seed: int,
    timer_share: float = 0.0,
    leaks: bool = False,
    tally: Counter | None = None,
    limit: int = 600,
    level: str = "normal",
) -> Game:
    """Bots at a level (or, for a share of moves, the turn timer) play to the end; every
    move legal (an illegal one raises). `tally["moves"]` counts the moves."""
    tally = Counter() if tally is None else tally
    rng = random.Random(seed)
    oracle = new_oracle(game)
    deal_sees = deal_knowledge(game)
    for _ in range(limit):
        if game.phase == "game_over":
            return game
        player = game.awaited()[0]
        if rng.random() < timer_share:
            move = game.timeout_move(player, rng)
        else:
            move = decide(json.loads(json.dumps(game.view(player))), rng, level)
        assert move is not None, (game.phase, player, game.role_of(player))
        events = game.apply(player, *move)
        tally["moves"] += 1
        tally[f"phase:{game.phase}"] += 1
        if leaks:
            for event in events:
                check_event(game, oracle, event)
            sync_lancelot(game, oracle)
            if game.phase != "game_over":
                for viewer in [*game.players, None]:
                    check_view(game, oracle, viewer, deal_sees)
    raise AssertionError(f"the game stalled in {game.phase}")
