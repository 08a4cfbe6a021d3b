"""What a review of the newer roles against ROLES.md and PROTOCOL section 8 found: each test
states one rule that a first version broke (a leak, a deviation, or a bot's misreading)."""

from __future__ import annotations

import json
import random
from types import SimpleNamespace

import pytest

from avalon.bots import normal as bot
from avalon.game.options import setup_warnings
from avalon.game.options import validate_setup
from avalon.game.roles import SETUP_RULES
from avalon.game.rules import Game
from avalon.services import table_state
from tests.roles_oracle import options
from tests.roles_oracle import random_setup
from tests.roles_support import deal
from tests.roles_support import of
from tests.roles_support import quest
from tests.roles_support import team_of

pytestmark = pytest.mark.timeout(60)

WITCH_SEVEN = ["merlin", "loyal_servant", "loyal_servant", "loyal_servant"]
WITCH_SEVEN += ["assassin", "witch", "minion"]


def hidden_by(auto: bool) -> tuple[Game, list]:
    """A game whose first quest the Witch hid, herself or by a stand-in (`auto`)."""
    game = deal(WITCH_SEVEN, checker=2)
    events = quest(game, team_of(game, [1]))
    events += game.apply(of(game, "witch"), "witch_hide", {"hide": True}, auto=auto)
    return game, events


def test_a_hide_by_a_stand_in_marks_nothing_public_before_the_end():
    # A stand-in plays a seat the table knows: marking its hide would name the Witch.
    by_person, person_events = hidden_by(False)
    by_stand_in, stand_in_events = hidden_by(True)
    assert [(e.name, e.payload, e.to) for e in stand_in_events] == [
        (e.name, e.payload, e.to) for e in person_events
    ]
    for viewer in [*by_person.players, None]:
        assert by_stand_in.view(viewer) == by_person.view(viewer)
    assert stand_in_events[-3].payload == {"quest": 1}  # quest_hidden: the quest, no more
    by_stand_in.abandon()
    by_person.abandon()
    assert by_stand_in.record()["hidden_auto"] is True  # the record still says it
    assert by_person.record()["hidden_auto"] is False


def test_a_stored_witch_without_the_hides_mark_loads():
    game, _ = hidden_by(True)
    stored = json.loads(json.dumps(game.to_dict()))
    del stored["witch"]["auto"]  # stored before the mark was kept apart
    loaded = Game.from_dict(stored)
    loaded.abandon()
    assert loaded.record()["hidden_auto"] is False


@pytest.mark.parametrize(
    ("roles", "words"),
    [
        (["merlin_pure", "melron", "assassin"], "melron"),
        (["merlin", "percival", "moregano", "assassin"], "moregano reads morgana"),
        (["merlin", "moregano", "assassin", "morgana", "oberon"], "oberon"),
        (["merlin", "moregano", "assassin", "morgana", "wraith"], "wraith"),
        (
            ["merlin", "moregano", "good_lancelot", "assassin", "morgana", "evil_lancelot"],
            "evil_lancelot",
        ),
    ],
)
def test_a_house_role_that_could_tell_the_truth_is_warned(roles, words):
    # Its view reads `merlin` or `morgana`; the public setup and its own sight must not
    # contradict that, or it knows what it is (PROTOCOL section 8).
    warnings = validate_setup(10, roles).warnings
    assert any(words in warning for warning in warnings), warnings


def test_house_roles_that_cannot_tell_are_not_warned():
    assert setup_warnings(["merlin", "melron", "percival", "assassin", "morgana"]) == []
    assert setup_warnings(["merlin", "moregano", "percival", "assassin", "morgana"]) == []
    assert SETUP_RULES["warn"]["moregano"] == "morgana"
    assert SETUP_RULES["warn_with"] == {
        "melron": ["merlin_pure"],
        "moregano": ["oberon", "wraith", "evil_lancelot"],
    }


def sight_shape(game: Game, player: int) -> list[str]:
    """The tags a seat saw at night, without the seats: what a look at its view compares."""
    return sorted(entry["as"] for entry in game.sees(player))


def test_without_a_warning_a_house_role_sees_what_the_role_it_reads_as_sees():
    # Melron's and Moregano's night looks like Merlin's and Morgana's: same count, same tags.
    checked = 0
    for seed in range(400):
        rng = random.Random(seed)
        n = 5 + seed % 6
        roles = random_setup(rng, n)
        if not {"melron", "moregano"} & set(roles):
            continue
        if any("can tell" in warning for warning in setup_warnings(roles)):
            continue
        chosen = options(rng, roles)
        game, _ = Game.new(
            list(range(1, n + 1)), roles, None, rng, chosen.get("lancelot_variant"), False
        )
        for house, real in (("melron", "merlin"), ("moregano", "morgana")):
            if game.has_role(house) and game.has_role(real):
                assert sight_shape(game, game.holder(house)) == sight_shape(
                    game, game.holder(real)
                ), roles
                checked += 1
    assert checked >= 20


def test_bots_read_a_hidden_quest_as_unknown_not_as_a_failure():
    game, _ = hidden_by(False)
    game.loyalty_check(2, 1)
    view = game.view(1)
    assert view["quest_results"][0]["success"] is None
    assert bot.failed_quests(view) == 0
    quest(game, team_of(game, [of(game, "minion")]), {of(game, "minion"): False})
    assert bot.failed_quests(game.view(1)) == 1


def test_while_the_witch_decides_the_table_is_told_the_game_waits_on_every_seat():
    # A stand-in handed to the one absent seat the game waits on would name the Witch.
    game = deal(WITCH_SEVEN, checker=2)
    witch = of(game, "witch")
    assert game.waiting_on() == [game.leader]
    quest(game, team_of(game, [1]))
    assert game.awaited() == [witch]  # only she may move
    assert game.waiting_on() == game.players
    absent = {"absent": {str(witch): 100.0, "3": 50.0}, "playing": []}
    record = SimpleNamespace(stand_ins=json.dumps(absent))
    assert table_state.absent_due(game, record, 90.0) == 140.0  # seat 3's grace: not hers
    game.witch_hide(witch, True)
    assert game.awaited() == game.waiting_on() == [2]  # the checker is public
