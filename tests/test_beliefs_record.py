"""What the table could have known: a finished game's record carries public beliefs after
every step, from public facts only (the prior at the start; no vote an anonymous table
never saw, no team a hidden history hid, no hidden role), and the record's route serves
them."""

from __future__ import annotations

import json
import random

import pytest

from avalon.bots.timeline import belief_steps
from avalon.bots.timeline import steps_of
from avalon.bots.timeline import view_at
from avalon.game.rules import Game
from tests.game_driver import Table
from tests.roles_checks import play_bots
from tests.support import ServerProcess

pytestmark = pytest.mark.timeout(60)
CLASSIC = ["merlin", "assassin", "percival", "morgana"]


def finished(seed: int, players: int, roles: list[str], **table: object) -> Game:
    """An all-bot game played to its end."""
    game, _ = Game.new(list(range(1, players + 1)), roles, None, random.Random(seed), table=table)
    return play_bots(game, seed)


def final_view(game: Game) -> dict:
    """The spectator's view at the end, as the wire carries it."""
    return json.loads(json.dumps(game.view(None)))


@pytest.mark.parametrize("seed", range(6))
def test_every_step_starts_from_the_prior_and_reads_public_facts_only(seed):
    game = finished(seed, 5 + seed, CLASSIC, excalibur=seed % 2 == 0)
    final = final_view(game)
    steps = belief_steps(final)
    evil = sum(1 for pid in game.players if game.alignment_of(pid) == "evil")
    assert len(steps) == 1 + len(final["history"]) + len(final["quest_results"])
    assert steps[0]["evil"] == {str(p): round(evil / len(game.players), 3) for p in game.players}
    for step in steps:
        assert sum(step["evil"].values()) == pytest.approx(evil, abs=0.02)
        assert all(0 <= p <= 1 for p in step["evil"].values())
    # The roles the end shows change nothing: the beliefs are of the public facts alone.
    shuffled = list(final["roles"].values())
    random.Random(seed).shuffle(shuffled)
    roles = dict(zip(final["roles"], shuffled, strict=True))
    assert belief_steps({**final, "roles": roles}) == steps


def test_an_anonymous_table_and_a_hidden_history_are_read_as_the_table_saw_them():
    game = finished(3, 8, CLASSIC, anonymous_votes=True)
    final = final_view(game)
    assert any(p["votes"] for p in final["history"])  # the end shows every vote
    for step in steps_of(final):
        assert all(p["votes"] is None for p in view_at(final, step)["history"])
    hidden = final_view(finished(4, 8, CLASSIC, hidden_history=True))
    assert all(view_at(hidden, step)["history"] == [] for step in steps_of(hidden))
    # Without votes to read, the beliefs after a vote are the ones before it.
    steps = belief_steps(hidden)
    for before, after in zip(steps, steps[1:], strict=False):
        if after["results"] == before["results"]:
            assert after["evil"] == before["evil"]


def test_the_record_of_a_finished_game_carries_its_beliefs(server: ServerProcess):
    seats = server.room_with_players(5)
    table = Table(server, seats)
    try:
        table.start(roles=["merlin", "assassin"])
        final = table.play_from_views(random.Random(7))
    finally:
        table.close()
    status, record = server.request("GET", f"/api/rooms/{seats[0]['code']}/games/1")
    assert status == 200, record
    beliefs = record["beliefs"]
    assert len(beliefs) == 1 + len(record["proposals"]) + len(record["quest_results"])
    assert beliefs[0] == {
        "proposals": 0, "results": 0, "evil": {str(p): 0.4 for p in record["players"]}
    }  # fmt: skip
    assert beliefs[-1]["proposals"] == len(record["proposals"]) and final["winner"]
