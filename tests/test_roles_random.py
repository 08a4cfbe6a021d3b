"""Random games with random role mixes, checked against the oracle at every step.

5-10 players, every Lancelot variant, the Cleric's assassination on and off: at each step
every legal move the oracle lists may be played, the forbidden ones (wrong cards, wrong
assassination shapes, out of turn or phase) are refused and change nothing, and the state
survives storage. `AVALON_ROLE_GAMES` sets how many games (`make long`: thousands); each
is dealt around one new role or variant in turn (`covering_setup`), so each has its share.
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter

import pytest

from avalon.game.options import RuleError
from avalon.game.rules import Game
from tests.roles_checks import check_step
from tests.roles_checks import deal_knowledge
from tests.roles_checks import new_oracle
from tests.roles_oracle import COVERED
from tests.roles_oracle import FOCUS
from tests.roles_oracle import Oracle
from tests.roles_oracle import check_draws
from tests.roles_oracle import covering_setup
from tests.roles_oracle import in_play

GAMES = int(os.environ.get("AVALON_ROLE_GAMES", "20"))  # `make long`: 3,000
# A checked game takes about a tenth of a second; the long run's chunks need their time.
pytestmark = pytest.mark.timeout(max(120, GAMES // 4))
OUT_OF_TURN = [
    ("propose_team", {"players": []}),
    ("vote", {"approve": True}),
    ("play_quest", {"success": True}),
    ("witch_hide", {"hide": False}),
    ("loyalty_check", {"target": 0}),
    ("lady_of_the_lake", {"target": 0}),
    ("assassinate", {"target": 0}),
]
PHASE_MOVES = {
    "team_building": {"propose_team"},
    "voting": {"vote"},
    "questing": {"play_quest"},
    "witch": {"witch_hide", "loyalty_check"},
    "lady": {"lady_of_the_lake"},
    "assassination": {"assassinate"},
}


def assassination_moves(game: Game, oracle: Oracle, deal_sees: dict, rng: random.Random):
    """Legal and illegal assassinations, by the oracle's statement."""
    legal_targets = sorted(oracle.assassin_targets(deal_sees[oracle.assassin()]))
    known = sorted(set(game.players) - set(legal_targets) - {oracle.assassin()})
    pick = rng.choice(legal_targets)
    pending = bool(game.assassination_named) and game.assassination_named["as"] == "cleric"
    bad = [
        ({"targets": [pick]}, "invalid_payload"),
        ({"target": pick, "as": "x"}, "invalid_payload"),
    ]
    bad += [({"target": pick, "as": "cleric_role"}, "invalid_payload")]
    if pending:
        roles = oracle.cleric_roles()
        legal = [
            {"target": rng.choice(legal_targets), "as": "cleric_role", "role": r} for r in roles
        ]
        bad += [
            ({"target": pick}, "not_allowed"),
            ({"target": pick, "as": "cleric"}, "not_allowed"),
        ]
        bad += [({"target": pick, "as": "cleric_role", "role": "cleric"}, "not_allowed")]
        return legal, bad
    legal = [{"target": pick}]
    pair = rng.sample(legal_targets, 2)
    if "tristan" in oracle.roles.values():
        legal.append({"targets": pair})
    else:
        bad.append(({"targets": pair}, "not_allowed"))
    if "guinevere" in oracle.roles.values():
        legal.append({"target": pick, "as": "guinevere"})
    else:
        bad.append(({"target": pick, "as": "guinevere"}, "not_allowed"))
    cleric = game.cleric_assassination
    cleric_target = oracle.holder("cleric") if rng.random() < 0.5 else pick
    if cleric and cleric_target in legal_targets:
        legal.append({"target": cleric_target, "as": "cleric"})
    elif not cleric:
        bad.append(({"target": pick, "as": "cleric"}, "not_allowed"))
    bad.append(({"target": pick, "as": "cleric_role", "role": "merlin"}, "not_allowed"))
    if known:
        bad.append(({"target": rng.choice(known)}, "not_allowed"))
    return legal, bad


def moves_for(game: Game, oracle: Oracle, player: int, deal_sees: dict, rng: random.Random):
    """The legal moves of an awaited player, and forbidden ones with their error codes."""
    phase = game.phase
    players = game.players
    if phase == "team_building":
        size = game.team_sizes()[game.quest - 1]
        legal = [("propose_team", {"players": rng.sample(players, size)})]
        bad = [("propose_team", {"players": rng.sample(players, size - 1)}, "invalid_payload")]
        return legal, bad
    if phase == "voting":
        return [("vote", {"approve": rng.random() < 0.7})], []
    if phase == "questing":
        allowed = oracle.cards(player, game.quest)
        legal = [("play_quest", {"success": card}) for card in sorted(allowed)]
        bad = [
            ("play_quest", {"success": c}, "not_allowed") for c in (True, False) if c not in allowed
        ]
        return legal, bad
    if phase == "witch":
        if game.witch["checker"] == player:
            others = [p for p in players if p != player]
            legal = [("loyalty_check", {"target": rng.choice(others)})]
            bad = [("loyalty_check", {"target": player}, "not_allowed")]
            return legal, bad + [("witch_hide", {"hide": True}, "not_allowed")]
        legal = [("witch_hide", {"hide": True}), ("witch_hide", {"hide": False})]
        return legal, [("loyalty_check", {"target": players[0]}, "not_allowed")]
    if phase == "lady":
        eligible = [p for p in players if p not in game.lady_ineligible]
        bad = [("lady_of_the_lake", {"target": p}, "not_allowed") for p in game.lady_ineligible[:1]]
        return [("lady_of_the_lake", {"target": rng.choice(eligible)})], bad
    legal, bad = assassination_moves(game, oracle, deal_sees, rng)
    return [("assassinate", p) for p in legal], [("assassinate", p, code) for p, code in bad]


def refused(game: Game, player: int, kind: str, payload: dict, code: str) -> None:
    """A forbidden move raises its error and changes nothing."""
    before = game.to_dict()
    with pytest.raises(RuleError) as info:
        game.apply(player, kind, payload)
    assert info.value.code == code, (kind, payload, info.value.message)
    assert game.to_dict() == before


def apply_checked(game: Game, oracle: Oracle, player: int, kind: str, payload: dict) -> list:
    """Apply a legal move and follow it in the oracle; check the quest's fail count."""
    if kind == "play_quest":
        oracle.fails += oracle.counts_as_fail(player, payload["success"])
    version = game.version
    events = game.apply(player, kind, payload)
    assert game.version == version + 1
    if kind == "witch_hide" and payload["hide"]:
        oracle.hidden.append(game.quest_results[-1]["quest"])
    for event in events:
        if event.name == "quest_result":
            stored = game.quest_results[-1]
            assert stored["fails"] == oracle.fails, (stored, oracle.fails)
            oracle.fails = 0
    if kind == "assassinate" and game.phase == "game_over":
        check_assassination(game, oracle, payload)
    return events


def check_assassination(game: Game, oracle: Oracle, payload: dict) -> None:
    """The winner and reason are those the oracle gives for what was named."""
    if "targets" in payload:
        expected = oracle.outcome("lovers", payload["targets"], None)
    elif payload.get("as") == "cleric_role":
        assert oracle.roles[game.assassination_named["targets"][0]] == "cleric"
        expected = oracle.outcome("cleric", [payload["target"]], payload["role"])
    elif payload.get("as") == "cleric":
        expected = ("good", "cleric_survived")  # a hit goes on to the second step
    else:
        expected = oracle.outcome(payload.get("as", "merlin"), [payload["target"]], None)
    assert (game.winner, game.reason) == expected


def check_end(game: Game, oracle: Oracle) -> None:
    """A finished game ended for a reason its history supports; its record shows all."""
    successes = sum(r["success"] for r in game.quest_results)
    failures = len(game.quest_results) - successes
    if game.reason == "three_fails":
        assert failures == 3 and game.winner == "evil"
    elif game.reason == "five_rejections":
        assert [p["approved"] for p in game.proposals if p["quest"] == game.quest] == [False] * 5
    else:
        assert successes == 3 and failures < 3
    record = game.record()
    assert record["night"] == {str(p): game.sees(p) for p in game.players}
    assert [r for r in record["results"]] == game.results
    for result in game.quest_results:
        for player in result["team"]:
            assert player in game.players
    view = game.view(game.players[0])
    assert view["you"]["role"] == game.roles[0]  # the truth, house roles included
    if game.lancelot is not None:
        assert "deck" in view["lancelot"]


def choose(legal: list, rng: random.Random) -> tuple[str, dict]:
    """A legal move; Success and hiding are favoured so that games reach every ending."""
    kinds = {kind for kind, _ in legal}
    if kinds == {"play_quest"} and len(legal) == 2:
        return legal[1] if rng.random() < 0.75 else legal[0]  # sorted: Fail, then Success
    if kinds == {"witch_hide"}:
        return legal[0] if rng.random() < 0.6 else legal[1]  # hide, or not
    return rng.choice(legal)


def play_checked_game(seed: int, tally: Counter | None = None) -> Game:
    """One random game, every step checked; views only every few steps (they are costly).

    `tally` counts the moves played and the forbidden ones checked as refused.
    """
    tally = Counter() if tally is None else tally
    rng = random.Random(seed)
    n = 5 + seed % 6
    roles, chosen = covering_setup(rng, n, seed)
    tally.update(in_play(roles, chosen) & COVERED)
    players = [100 + 3 * seat for seat in range(n)][::-1]
    game, events = Game.new(
        players,
        roles,
        chosen["lady_of_the_lake"],
        rng,
        chosen.get("lancelot_variant"),
        chosen.get("cleric_assassination", False),
    )
    oracle = new_oracle(game)
    check_draws(oracle.roles, game.draws)
    deal_sees = deal_knowledge(game)
    check_step(game, oracle, events, deal_sees, views=True)
    for step in range(800):
        if game.phase == "game_over":
            check_end(game, oracle)
            return game
        player = rng.choice(game.awaited())
        legal, bad = moves_for(game, oracle, player, deal_sees, rng)
        for kind, payload, code in bad:
            refused(game, player, kind, payload, code)
        tally["refusals"] += len(bad)
        others = [p for p in game.players if p not in game.awaited()] + [9999]
        kind, payload = rng.choice(OUT_OF_TURN)
        if kind in PHASE_MOVES[game.phase] and others:
            refused(game, rng.choice(others), kind, payload, "not_allowed")
            tally["refusals"] += 1
        elif kind not in PHASE_MOVES[game.phase] and kind != "propose_team":
            refused(game, player, kind, payload, "not_allowed")
            tally["refusals"] += 1
        kind, payload = choose(legal, rng)
        events = apply_checked(game, oracle, player, kind, payload)
        tally["moves"] += 1
        check_step(game, oracle, events, deal_sees, views=step % 3 == 0 or bool(events))
    raise AssertionError("the game did not end")


@pytest.mark.parametrize("chunk", range(4))
def test_random_role_games_follow_the_oracle(chunk):
    tally: Counter = Counter()
    started = time.monotonic()
    seeds = range(chunk, GAMES, 4)
    for seed in seeds:
        play_checked_game(seed, tally)
    per_role = {key: tally[key] for key in sorted(COVERED)}
    # Shown with `-s`: what the run covered (the long run's numbers are read from here).
    print(
        f"\noracle chunk {chunk}: {len(seeds)} games, {tally['moves']} moves, "
        f"{tally['refusals']} refusals checked, {time.monotonic() - started:.0f} s, "
        f"games per role and variant {per_role}"
    )


def test_every_role_and_variant_is_drawn():
    # The sample covers what it claims to: every new role and every variant, each in at
    # least every len(FOCUS)-th game.
    counts: Counter = Counter()
    for seed in range(GAMES):
        roles, chosen = covering_setup(random.Random(seed), 5 + seed % 6, seed)
        counts.update(in_play(roles, chosen) & COVERED)
    assert set(counts) == COVERED
    assert min(counts.values()) >= GAMES // len(FOCUS) >= 1
