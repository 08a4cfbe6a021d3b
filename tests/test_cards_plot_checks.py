"""The plot cards that check (ROLES.md section 3): Overheard Conversation sees a
neighbour's shown loyalty, Open Up and Establish Confidence show the holder's own, Keeping
a Close Eye on You sees a team member's card. Each on known seatings, then over real
sockets: every frame of whole games, read seat by seat, carries a check's result to its
holder alone."""

from __future__ import annotations

import random

import pytest

from avalon.game.rules import Game
from tests.roles_support import refused
from tests.support import ServerProcess
from tests.support import WsClient
from tests.test_cards_rules import plot_game
from tests.test_cards_rules import vote_all

pytestmark = pytest.mark.timeout(120)

# Seven seats: the Troublemaker (good, shows evil) at 2, the Trickster (evil, shows good) at 5.
SEVEN = ["merlin", "troublemaker", "loyal_servant", "assassin", "trickster", "loyal_servant"]
SEVEN += ["minion"]
# The private result of each check card's event, by event name.
PRIVATE = {"check_result": "check", "shown_result": "shown", "ambush_result": "ambush"}


def results_of(game: Game, player: int | None) -> list[dict]:
    """The private results a player's view carries."""
    mine = game.view(player)["you"]
    return mine["results"] if mine else []


def test_overheard_conversation_sees_a_neighbour_and_tells_no_one_else():
    game = plot_game(7, ["overheard_conversation"] * 2, leader_seat=3, seating=SEVEN)
    assert game.awaited() == [4] and game.plot["queue"][0]["step"] == "give"
    # The leader gives a drawn check card; using it instead is not theirs to do.
    refused("not_allowed", game.apply, 4, "loyalty_check", {"target": 3})
    game.apply(4, "give_plot_card", {"card_id": 100, "player": 1})
    assert game.awaited() == [1]
    assert game.plot_targets(game.plot["queue"][0]) == [2, 7]  # around the table's end
    refused("not_allowed", game.apply, 1, "loyalty_check", {"target": 3})
    refused("not_allowed", game.apply, 1, "loyalty_check", {"target": 1})
    refused("invalid_payload", game.apply, 1, "loyalty_check", {"target": 99})
    refused("not_allowed", game.apply, 4, "loyalty_check", {"target": 5})
    refused("not_allowed", game.apply, 1, "skip_plot_card", {"card_id": 100})
    refused("not_allowed", game.apply, 1, "play_plot_card", {"card_id": 100, "target": 2})
    events = game.apply(1, "loyalty_check", {"target": 2})
    played, seen = events[0], events[1]
    assert played.name == "plot_card_played" and played.to is None
    assert played.payload["target"] == 2 and played.payload["player"] == 1
    assert seen.name == "check_result" and seen.to == 1
    assert seen.payload == {"target": 2, "loyalty": "evil"}  # the Troublemaker shows evil
    game.apply(4, "give_plot_card", {"card_id": 101, "player": 6})
    assert game.plot_targets(game.plot["queue"][0]) == [5, 7]
    events = game.apply(6, "loyalty_check", {"target": 5})
    assert events[1].to == 6 and events[1].payload == {"target": 5, "loyalty": "good"}
    assert game.phase == "team_building" and game.plot["held"] == {}
    result = {"kind": "check", "target": 2, "loyalty": "evil", "card": "overheard_conversation"}
    assert results_of(game, 1) == [{**result, "auto": False}]
    assert [r["target"] for r in results_of(game, 6)] == [5]
    for other in (2, 3, 4, 5, 7, None):
        assert results_of(game, other) == []
    used = game.view(None)["plot"]["used"]
    assert [(u["player"], u["target"]) for u in used] == [(1, 2), (6, 5)]  # who on whom: public


def test_establish_confidence_and_open_up_show_the_holders_loyalty_to_one_player():
    game = plot_game(7, ["open_up", "establish_confidence"], leader_seat=4, seating=SEVEN)
    queue = game.plot["queue"]
    assert [(s["step"], s["card"]) for s in queue] == [
        ("use", "establish_confidence"),  # the leader keeps it and uses it first
        ("give", "open_up"),
    ]
    assert game.view(None)["plot"]["held"] == {
        "5": [{"card_id": 101, "card": "establish_confidence"}]
    }
    refused("not_allowed", game.apply, 5, "give_plot_card", {"card_id": 101, "player": 2})
    refused("not_allowed", game.apply, 5, "skip_plot_card", {"card_id": 101})
    refused("not_allowed", game.apply, 5, "loyalty_check", {"target": 5})
    events = game.apply(5, "loyalty_check", {"target": 3})
    assert events[1].name == "shown_result" and events[1].to == 3
    assert events[1].payload == {"from": 5, "loyalty": "good"}  # the Trickster shows good
    assert game.view(None)["plot"]["held"] == {}
    game.apply(5, "give_plot_card", {"card_id": 100, "player": 2})
    assert game.plot_targets(game.plot["queue"][0]) == [1, 3, 4, 5, 6, 7]
    events = game.apply(2, "loyalty_check", {"target": 7})
    assert events[1].to == 7 and events[1].payload == {"from": 2, "loyalty": "evil"}
    assert results_of(game, 3) == [
        {
            "kind": "shown",
            "from": 5,
            "loyalty": "good",
            "card": "establish_confidence",
            "auto": False,
        }
    ]
    assert [r["from"] for r in results_of(game, 7)] == [2]
    for other in (1, 2, 4, 5, 6, None):  # the holders themselves learn nothing
        assert results_of(game, other) == []


def quest(game: Game, team: list[int], cards: dict[int, bool], sword: int) -> None:
    """The leader proposes `team` with Excalibur to `sword`, all approve, cards as given."""
    game.apply(game.leader, "propose_team", {"players": team, "excalibur": sword})
    vote_all(game)
    for pid in team:
        game.play_quest(pid, cards.get(pid, True))


def test_keeping_a_close_eye_sees_a_card_as_played_once_per_member():
    game = plot_game(5, ["keeping_close_eye"] * 2, excalibur=True)
    game.apply(1, "give_plot_card", {"card_id": 100, "player": 3})
    quest(game, [2, 4], {4: False}, sword=2)
    assert game.phase == "plot" and game.awaited() == [3]
    assert game.plot_targets(game.plot["queue"][0]) == [2, 4]
    events = game.apply(3, "play_plot_card", {"card_id": 100, "target": 4})
    ambush = next(e for e in events if e.name == "ambush_result")
    assert ambush.to == 3 and ambush.payload == {"target": 4, "success": False}
    assert game.phase == "excalibur"  # the look comes first: it sees the card as played
    game.apply(2, "use_excalibur", {"target": 4})
    assert game.quest_results[-1]["success"] and game.quest_results[-1]["fails"] == 0
    assert results_of(game, 3) == [
        {
            "kind": "ambush",
            "target": 4,
            "success": False,
            "card": "keeping_close_eye",
            "auto": False,
        }
    ]
    assert all(r["kind"] != "ambush" for p in (1, 2, 4, 5) for r in results_of(game, p))
    # Quest 2: two holders, one look per member; a holder never looks at their own card.
    game.apply(2, "give_plot_card", {"card_id": 101, "player": 5})
    game.plot["held"]["3"] = [{"card_id": 102, "card": "keeping_close_eye"}]
    quest(game, [1, 2, 3], {}, sword=1)
    assert game.awaited() == [3]
    refused("not_allowed", game.apply, 3, "play_plot_card", {"card_id": 102, "target": 3})
    game.apply(3, "play_plot_card", {"card_id": 102, "target": 1})
    assert game.awaited() == [5] and game.plot["looked"] == [1]
    refused("not_allowed", game.apply, 5, "play_plot_card", {"card_id": 101, "target": 1})
    game.apply(5, "play_plot_card", {"card_id": 101, "target": 2})
    assert game.phase == "excalibur" and game.plot["looked"] == [1, 2]
    game.apply(1, "use_excalibur", {"target": None})
    assert game.plot["looked"] == []  # looks are counted per quest


def test_a_close_eye_with_nobody_left_to_look_at_is_kept_for_later():
    game = plot_game(5, ["keeping_close_eye"], leader_seat=3, excalibur=True)
    game.apply(4, "give_plot_card", {"card_id": 100, "player": 3})
    game.plot["held"]["5"] = [{"card_id": 101, "card": "keeping_close_eye"}]
    quest(game, [3, 4], {4: False}, sword=3)
    assert game.awaited() == [5]  # seat order from the leader (4): 5 before 3
    game.apply(5, "play_plot_card", {"card_id": 101, "target": 4})
    # 3's only other member was looked at: 3 is not asked and keeps the card.
    assert game.phase == "excalibur" and game.awaited() == [3]
    assert game.plot["held"] == {"3": [{"card_id": 100, "card": "keeping_close_eye"}]}


def test_the_timer_gives_to_the_next_seat_checks_a_legal_target_and_never_looks():
    for seed in range(20):
        rng = random.Random(seed)
        game = plot_game(7, ["overheard_conversation", "open_up"], leader_seat=6)
        kind, payload = game.timeout_move(7, rng)
        assert (kind, payload) == ("give_plot_card", {"card_id": 100, "player": 1})
        game.apply(7, kind, payload, auto=True)
        kind, payload = game.timeout_move(1, rng)
        assert kind == "loyalty_check" and payload["target"] in (2, 7)
        game.apply(1, kind, payload, auto=True)
        assert results_of(game, 1)[-1]["auto"] is True
        game.apply(7, *game.timeout_move(7, rng), auto=True)
        kind, payload = game.timeout_move(1, rng)
        assert kind == "loyalty_check" and payload["target"] in range(2, 8)
    game = plot_game(5, ["keeping_close_eye"], excalibur=True)
    game.apply(1, "give_plot_card", {"card_id": 100, "player": 3})
    quest(game, [2, 4], {}, sword=2)
    assert game.timeout_move(3, random.Random(1)) == ("skip_plot_card", {"card_id": 100})


def test_the_record_shows_every_check_at_the_end():
    game = plot_game(7, ["overheard_conversation", "establish_confidence"], seating=SEVEN)
    game.apply(1, "loyalty_check", {"target": 4})
    game.apply(1, "give_plot_card", {"card_id": 100, "player": 3})
    game.apply(3, "loyalty_check", {"target": 2})
    game.abandon()
    record = game.record()
    assert [(r["to"], r["kind"], r["card"]) for r in record["results"]] == [
        (4, "shown", "establish_confidence"),
        (3, "check", "overheard_conversation"),
    ]
    assert [u["card"] for u in record["plot"]["used"]] == [
        "establish_confidence",
        "overheard_conversation",
    ]


# -- over real sockets --------------------------------------------------------------------


def plot_move(view: dict, me: int) -> tuple[str, dict]:
    """A holder's move at a plot step: check cards and looks always used, the rest kept,
    drawn cards given to the seat before."""
    step = view["plot"]["queue"][0]
    players, card, card_id = view["players"], step["card"], step["card_id"]
    seat = players.index(me)
    if step["step"] == "give":
        return "give_plot_card", {"card_id": card_id, "player": players[seat - 1]}
    if card in ("overheard_conversation", "open_up", "establish_confidence"):
        return "loyalty_check", {"target": players[(seat + 1) % len(players)]}
    if card == "keeping_close_eye":
        looked = view["plot"]["looked"]
        targets = [p for p in view["team"] if p != me and p not in looked]
        return "play_plot_card", {"card_id": card_id, "target": targets[0]}
    if card == "take_responsibility":
        held = view["plot"]["held"]
        taken = [c["card_id"] for pid, cs in held.items() if int(pid) != me for c in cs]
        return "play_plot_card", {"card_id": card_id, "target": taken[0]}
    return "skip_plot_card", {"card_id": card_id}


def next_move(views: dict[int, dict], sides: dict[int, str]) -> tuple[int, str, dict]:
    """The move the game waits for: teams of good players on odd quests and with evil
    players, who fail, on even ones (all five quests are played: the whole deck is drawn),
    every team approved, usable cards kept, check cards and looks used."""
    view = next(iter(views.values()))
    phase, players, quest = view["phase"], view["players"], view["quest"]
    if phase == "plot":
        holder = view["plot"]["queue"][0]["player"]
        return (holder, *plot_move(views[holder], holder))
    if phase == "team_building":
        size = view["team_sizes"][quest - 1]
        good = [p for p in players if sides[p] == "good"]
        evil = [p for p in players if sides[p] == "evil"]
        bad = evil[: view["fails_required"][quest - 1]]  # enough to fail it
        team = good[:size] if quest % 2 else bad + good[: size - len(bad)]
        return view["leader"], "propose_team", {"players": team}
    if phase == "voting":
        held = view["plot"]["held"]
        makers = [
            p for p in players if any(c["card"] == "opinion_maker" for c in held.get(str(p), []))
        ]
        waiting = [p for p in players if p not in view["voted"]]
        voter = next(p for p in [*makers, *waiting] if p in waiting)  # Opinion Makers first
        return voter, "vote", {"approve": True}
    if phase == "questing":
        member = next(p for p in view["team"] if p not in view["played"])
        fails = sides[member] == "evil" and quest % 2 == 0
        return member, "play_quest", {"success": not fails}
    assassin = next(p for p, v in views.items() if v["you"]["role"] == "assassin")
    seen = {entry["player_id"] for entry in views[assassin]["you"]["sees"]}
    target = next(p for p in players if p != assassin and p not in seen)
    return assassin, "assassinate", {"target": target}


def play_game(server: ServerProcess, seats: list[dict], watcher: dict) -> tuple[dict, dict]:
    """A game of ten with the plot cards played to its end over sockets; return the record
    and each member's socket (every frame it received is in `received`)."""
    clients: dict[int, WsClient] = {}
    for seat in [*seats, watcher]:
        clients[seat["player_id"]], _ = server.join_socket(seat)
    views: dict[int, dict] = {}
    start = {"action": "start_game", "plot_cards": True, "lady": None}
    clients[seats[0]["player_id"]].send({"type": "action", "correlation_id": "s", "payload": start})
    version = 0
    for _ in range(600):
        for pid, client in clients.items():
            while pid not in views or views[pid]["version"] < version:
                message = client.recv(20)
                assert message["type"] != "error", message
                if message["type"] == "state" and message["event"] == "game":
                    views[pid] = message["payload"]
        seated = {pid: view for pid, view in views.items() if view["you"] is not None}
        if views[watcher["player_id"]]["phase"] == "game_over":
            break
        sides = {pid: view["you"]["alignment"] for pid, view in seated.items()}
        pid, kind, payload = next_move(seated, sides)
        version = views[pid]["version"] + 1
        envelope = {"type": "vote", "payload": payload}
        if kind != "vote":
            envelope = {"type": "action", "payload": {"action": kind, **payload}}
        clients[pid].send({**envelope, "correlation_id": "m"})
    code = seats[0]["code"]
    status, record = server.request("GET", f"/api/rooms/{code}/games/1")
    assert status == 200, record
    return record, clients


def same(result: dict, shown: dict) -> bool:
    """Whether a private result shown to a player is this result of the record."""
    return all(result.get(key) == value for key, value in shown.items() if key != "auto")


def check_frames(frames: list[dict], me: int, record: dict) -> int:
    """Every frame before game over carries no check result but this seat's own, and this
    seat received each of its own once; return how many it received."""
    mine = [r for r in record["results"] if r["to"] == me and r["kind"] in PRIVATE.values()]
    delivered = []
    for message in frames:
        game = message.get("payload") if message.get("event") == "game" else None
        if message.get("event") == "game_over" or (game and game["phase"] == "game_over"):
            break
        if message.get("type") == "event" and message.get("event") in PRIVATE:
            shown = {"kind": PRIVATE[message["event"]], **message["payload"]}
            assert any(same(r, shown) for r in mine), (me, message)
            delivered.append(shown)
        for shown in ((game or {}).get("you") or {}).get("results", []):
            assert any(same(r, shown) for r in mine), (me, shown)
    assert len(delivered) == len(mine), (me, delivered, mine)
    return len(delivered)


def test_a_checks_result_reaches_its_holder_alone_frame_by_frame(make_server):
    # One database is enough: what a frame carries is built the same on both.
    server: ServerProcess = make_server()
    seats = server.room_with_players(10)
    watcher = server.join(seats[0]["code"], "Watcher", spectator=True)
    record, clients = play_game(server, seats, watcher)
    try:
        assert record["winner"] is not None and len(record["quest_results"]) == 5
        assert record["plot"]["deck"] == []  # five quests of three draws: every card drawn
        kinds = {r["kind"] for r in record["results"] if r["kind"] in PRIVATE.values()}
        assert kinds == set(PRIVATE.values()), record["results"]
        counts = {pid: check_frames(c.received, pid, record) for pid, c in clients.items()}
        assert counts[watcher["player_id"]] == 0
        assert sum(counts.values()) == len([r for r in record["results"] if r["kind"] in kinds])
    finally:
        for client in clients.values():
            client.close()
