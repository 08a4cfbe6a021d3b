"""Random games with random cards, table options and role mixes, checked at every step.

Every card and option of ROLES.md section 3 is on in some games and off in others (each
game is built around one in turn, `CARD_FOCUS`), over random roles for 5-10 players: each
legal move the oracle (cards_oracle.py, roles_oracle.py) lists may be played, forbidden
ones are refused and change nothing, the state survives storage, every private result
reaches its holder alone (views and events) and the record shows them all at the end.
`AVALON_CARD_GAMES` sets how many games (`make long`: thousands).
"""

from __future__ import annotations

import json
import os
import random
import time
from collections import Counter

import pytest

from avalon.game.rules import Game
from tests.cards_oracle import CARD_FOCUS
from tests.cards_oracle import TIMING
from tests.cards_oracle import CardsOracle
from tests.cards_oracle import random_table
from tests.roles_checks import check_step
from tests.roles_checks import deal_knowledge
from tests.roles_checks import new_oracle
from tests.roles_oracle import FOCUS
from tests.roles_oracle import random_setup
from tests.test_roles_random import apply_checked
from tests.test_roles_random import check_end
from tests.test_roles_random import choose
from tests.test_roles_random import moves_for
from tests.test_roles_random import refused

GAMES = int(os.environ.get("AVALON_CARD_GAMES", "16"))  # `make long`: 3,000
pytestmark = pytest.mark.timeout(max(120, GAMES // 3))
KINDS = {
    "excalibur": "use_excalibur",
    "lady_announce": "announce_loyalty",
    "sire": "sire_of_the_sea",
    "ref": "ref_of_the_rain",
}
CARDS_KINDS = {"excalibur", "lady", "sea", "sire", "ref", "ambush", "shown"}


def card_moves(game: Game, cards: CardsOracle, player: int, deal_sees: dict, rng):
    """Legal and forbidden moves of an awaited player, the cards' phases included."""
    phase, players = game.phase, game.players
    team = list(game.team or [])
    if phase == "team_building":
        size = game.team_sizes()[game.quest - 1]
        others = [p for p in players if p != game.leader]
        picked = [game.leader, *rng.sample(others, size - 1)]
        if not game.option("excalibur"):
            legal = [("propose_team", {"players": picked})]
            bad = [("propose_team", {"players": picked, "excalibur": picked[1]}, "invalid_payload")]
            return legal, bad
        legal = [("propose_team", {"players": picked, "excalibur": rng.choice(picked[1:])})]
        bad = [
            ("propose_team", {"players": picked}, "invalid_payload"),
            ("propose_team", {"players": picked, "excalibur": game.leader}, "invalid_payload"),
        ]
        return legal, bad
    if phase == "voting" and game.plot is not None:
        waiting = [p for p in players if str(p) not in game.ballots]
        makers = [p for p in cards.makers() if p in waiting]
        assert game.awaited() == (makers or waiting)
        late = [p for p in waiting if p not in makers]
        bad = [("vote", {"approve": True}, "not_allowed")] if makers and late else []
        return [("vote", {"approve": rng.random() < 0.7})], bad, late
    if phase == "lady":
        eligible = [p for p in players if p not in cards.lady_past]
        bad = [("lady_of_the_lake", {"target": cards.lady_past[0]}, "not_allowed")]
        return [("lady_of_the_lake", {"target": rng.choice(eligible)})], bad
    if phase == "excalibur":
        holder = game.excalibur["holder"]
        assert holder in team and player == holder
        legal = [("use_excalibur", {"target": t}) for t in [None, *team] if t != holder]
        bad = [("use_excalibur", {"target": holder}, "not_allowed")]
        bad += [("use_excalibur", {"target": p}, "not_allowed") for p in players if p not in team][
            :1
        ]
        return legal, bad
    if phase == "lady_announce":
        legal = [("announce_loyalty", {"claim": c}) for c in ("good", "evil")]
        return legal, [("announce_loyalty", {"claim": "maybe"}, "invalid_payload")]
    if phase in ("sire", "ref"):
        chain = cards.sire if phase == "sire" else cards.ref
        assert player == chain[-1]
        eligible = [p for p in players if p not in chain]
        kind = KINDS[phase]
        return [(kind, {"target": rng.choice(eligible)})], [
            (kind, {"target": chain[0]}, "not_allowed")
        ]
    if phase == "plot":
        return plot_moves(game, cards, player, rng)
    return moves_for(game, cards.o, player, deal_sees, rng)


def plot_moves(game: Game, cards: CardsOracle, player: int, rng):
    """The plot step at hand: what may be done with its card, and what may not."""
    step = game.plot["queue"][0]  # public: the view's plot.queue
    card_id, card = step["card_id"], step["card"]
    assert step["player"] == player
    wrong = [("skip_plot_card", {"card_id": card_id + 100}, "not_allowed")]
    if step["step"] == "give":
        others = [p for p in game.players if p != player]
        legal = [("give_plot_card", {"card_id": card_id, "player": rng.choice(others)})]
        bad = [("give_plot_card", {"card_id": card_id, "player": player}, "not_allowed")]
        # A drawn card is given, never used by the leader (a check card neither).
        bad.append(("loyalty_check", {"target": rng.choice(others)}, "not_allowed"))
        return legal, bad + wrong
    assert (card_id, card) in cards.hands.get(player, []), (step, cards.hands)
    targets = cards.targets(card, player, list(game.team or []))
    outside = [p for p in game.players if p not in targets and card != "take_responsibility"]
    if step["step"] == "use":
        kind = "loyalty_check" if card != "take_responsibility" else "play_plot_card"
        if kind == "loyalty_check":
            legal = [(kind, {"target": t}) for t in targets]
            bad = [(kind, {"target": p}, "not_allowed") for p in outside[:2]]
        else:
            legal = [(kind, {"card_id": card_id, "target": t}) for t in targets]
            bad = []
        return legal, bad + wrong + [("skip_plot_card", {"card_id": card_id}, "not_allowed")]
    assert TIMING[card] == step["step"]
    legal = [("skip_plot_card", {"card_id": card_id})]
    if card in ("strong_leader", "no_confidence"):
        legal.append(("play_plot_card", {"card_id": card_id}))
        bad = [("play_plot_card", {"card_id": card_id, "target": player}, "invalid_payload")]
    else:
        legal += [("play_plot_card", {"card_id": card_id, "target": t}) for t in targets]
        bad = [
            ("play_plot_card", {"card_id": card_id, "target": p}, "not_allowed")
            for p in outside[:1]
        ]
        bad.append(("play_plot_card", {"card_id": card_id}, "invalid_payload"))
    return legal, bad + wrong


def check_cards(game: Game, cards: CardsOracle) -> None:
    """The cards' state and every private result as the oracle has them."""
    mine = [
        r
        for r in game.results
        if r["kind"] in CARDS_KINDS or (r["kind"] == "check" and "card" in r)
    ]
    assert len(mine) == len(cards.results), (mine, cards.results)
    for got, expected in zip(mine, cards.results, strict=True):
        assert {k: got.get(k) for k in expected} == expected, (got, expected)
    if game.sire is not None:
        assert game.sire["ineligible"] == cards.sire
    if game.ref is not None:
        assert game.ref["ineligible"] == cards.ref
    if game.lady_of_the_lake:
        assert game.lady_ineligible == cards.lady_past
    if game.plot is not None:
        held = {int(p): sorted(c["card_id"] for c in hand) for p, hand in game.plot["held"].items()}
        ours = {p: sorted(c for c, _ in hand) for p, hand in cards.hands.items() if hand}
        assert held == ours
        assert len(game.plot["deck"]) == cards.deck_left
    if game.phase == "game_over":
        return
    for viewer in [*game.players, None]:
        view = game.view(viewer)
        if game.option("anonymous_votes"):
            assert view["votes"] is None and all(p["votes"] is None for p in view["history"])
        if game.option("hidden_history"):
            assert view["history"] == []


def play_cards_game(seed: int, tally: Counter) -> Game:
    """One random game with random cards and options, every step checked."""
    rng = random.Random(seed)
    n = 5 + seed % 6
    focus = CARD_FOCUS[seed % len(CARD_FOCUS)]
    roles = random_setup(rng, n, FOCUS[seed % len(FOCUS)][0])
    table = random_table(rng, focus)
    tally.update(f"on:{key}" for key, on in table.items() if on and key != "lady")
    tally[f"lady:{table['lady']}"] += 1
    variant = rng.choice(["deck", "schedule", "deck_forced"]) if "good_lancelot" in roles else None
    players = [200 + 7 * seat for seat in range(n)]
    cleric = "cleric" in roles and rng.random() < 0.5
    game, events = Game.new(players, roles, None, rng, variant, cleric, table)
    assert game.lady_kind() == table["lady"]
    oracle = new_oracle(game)
    cards = CardsOracle(oracle, table, game.leader, table["lady"])
    for event in events:
        cards.follow_event(event, {})
    deal_sees = deal_knowledge(game)
    check_step(game, oracle, events, deal_sees, views=True)
    for step in range(1500):
        if game.phase == "game_over":
            check_end(game, oracle)
            check_cards(game, cards)
            record = game.record()
            assert record["results"] == game.results  # every private result, at the end
            if game.plot is not None:
                assert record["plot"]["deck"] == game.plot["deck"]
            return game
        player = rng.choice(game.awaited())
        found = card_moves(game, cards, player, deal_sees, rng)
        legal, bad = found[0], found[1]
        late = found[2] if len(found) > 2 else []
        for kind, payload, code in bad:
            refused(game, rng.choice(late) if kind == "vote" else player, kind, payload, code)
        tally["refusals"] += len(bad)
        others = [p for p in game.players if p not in game.awaited()] + [9999]
        if game.phase in ("excalibur", "lady_announce", "sire", "ref", "plot"):
            kind, payload = legal[0]
            refused(game, rng.choice(others), kind, payload, "not_allowed")
            tally["refusals"] += 1
        kind, payload = choose(legal, rng)
        if kind == "use_excalibur" and payload["target"] is not None:
            flipped = dict(cards.played)
            flipped[payload["target"]] = not flipped[payload["target"]]
            oracle.fails = sum(not c and oracle.roles[p] != "moregano" for p, c in flipped.items())
        events = apply_checked(game, oracle, player, kind, payload)
        cards.follow(player, kind, payload, events)
        tally["moves"] += 1
        tally[f"phase:{game.phase}"] += 1
        check_step(game, oracle, events, deal_sees, views=step % 4 == 0)
        check_cards(game, cards)
        assert Game.from_dict(json.loads(json.dumps(game.to_dict()))) == game
    raise AssertionError("the game did not end")


@pytest.mark.parametrize("chunk", range(2))
def test_random_games_with_cards_follow_the_oracle(chunk):
    tally: Counter = Counter()
    started = time.monotonic()
    seeds = range(chunk, GAMES, 2)
    for seed in seeds:
        play_cards_game(seed, tally)
    per_option = {k: v for k, v in sorted(tally.items()) if k.startswith(("on:", "lady:"))}
    print(
        f"\ncards chunk {chunk}: {len(seeds)} games, {tally['moves']} moves, "
        f"{tally['refusals']} refusals checked, {time.monotonic() - started:.0f} s, "
        f"games per option {per_option}"
    )
    assert all(tally[f"on:{flag}"] for flag in CARD_FOCUS if flag != "sea")
