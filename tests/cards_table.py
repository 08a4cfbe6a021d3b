"""A table of socket bots and browsers for the cards' browser tests: the bots move at once
(teams, votes and quest cards as the test plans them, the Lady, the Sire and the Ref on the
seat it names, the truth announced), each browser makes the move its own page offers, and
every wait is on the game's version, never on time."""

from __future__ import annotations

import time
from collections.abc import Callable

from tests.browser_player import Player
from tests.socket_bots import Bots

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - chromium() skips or fails first
    pass

GOOD_ROLES = {"merlin", "percival", "loyal_servant"}
Plan = Callable[[dict, int], int]  # (view, the seat that chooses) -> the seat chosen


def awaited(view: dict) -> list[int]:
    """The seats a public view waits for (the phases of these tests)."""
    phase = view["phase"]
    if phase == "team_building":
        return [view["leader"]]
    if phase == "voting":
        return [p for p in view["players"] if p not in view["voted"]]
    if phase == "questing":
        return [p for p in view["team"] if p not in view["played"]]
    if phase == "lady":
        return [view["lady"]["holder"]]
    if phase == "lady_announce":
        return [view["lady"]["checks"][-1]["holder"]]
    if phase in ("sire", "ref"):
        return [view[phase]["holder"]]
    return []


class CardTable(Bots):
    """Every seat of a room over sockets until browsers take some of them (`seat`).

    `aim(view, pid)` names the target of a check or chain; `claims[pid]` is what a
    browser announces after the Lady (bots tell the truth); `plays` lists the phases the
    browsers play themselves (the turn timer plays the rest for them).
    """

    def __init__(self, site, seats: list[dict], **policies) -> None:
        self.held = True  # no bot moves until the test has chosen its browsers
        super().__init__(site, seats, wait=lambda view: self.held, **policies)
        self.site = site
        self.seats = {seat["player_id"]: seat for seat in seats}
        self.names = {pid: seat["display_name"] for pid, seat in self.seats.items()}
        self.browsers: dict[int, Player] = {}
        self.aim: Plan = lambda view, pid: next(p for p in view["players"] if p != pid)
        self.claims: dict[int, str] = {}
        self.plays = {"team_building", "voting", "questing", "lady", "lady_announce"}
        self.plays |= {"sire", "ref"}

    def start(self, **options: object) -> dict:
        """The host (the first seat) starts a game; return its view once every seat has it."""
        before = {pid: (view or {}).get("game_id") for pid, view in self.views.items()}
        self.send(next(iter(self.seats)), "start_game", **options)
        fresh = lambda: all(  # noqa: E731
            view and view["game_id"] != before[pid] for pid, view in self.views.items()
        )
        self.play_until(fresh, timeout=10)
        return self.view()

    def deal(self, fits: Callable[[dict, dict[int, str]], bool], **options: object) -> dict:
        """Start games until one's deal `fits(view, sides)`; the table votes the others to
        an end at once (three of five say yes)."""
        for _ in range(10):
            view = self.start(**options)
            if fits(view, self.sides()):
                return view
            self.end_game()
        raise AssertionError("no deal fitted in ten")

    def end_game(self) -> None:
        """Three bots vote the game to an end (three of five say yes)."""
        first, second, third = list(self.clients)[:3]
        self.send(first, "propose_end")
        self.clients[second].recv_until(lambda m: m.get("event") == "end_proposed")
        for pid in (second, third):
            self.send(pid, "vote_end", end=True)
        self.play_until(lambda: self.view()["phase"] == "game_over", timeout=10)

    def send(self, pid: int, action: str, **fields: object) -> None:
        """Send an action from a bot's seat."""
        payload = {"action": action, **fields}
        self.clients[pid].send({"type": "action", "correlation_id": action, "payload": payload})

    def sides(self) -> dict[int, str]:
        """Every seat's side, from the views the bots' sockets had before browsers took over."""
        return {pid: view["you"]["alignment"] for pid, view in self.views.items() if view}

    def seat(self, new_player: Callable[..., Player], pid: int, **kwargs) -> Player:
        """A browser takes this seat over from its bot (one socket per seat)."""
        self.clients.pop(pid).close()
        self.views.pop(pid)
        player = new_player(self.names[pid], **kwargs)
        player.take_seat(self.seats[pid])
        self.browsers[pid] = player
        return player

    def unseat(self, pid: int) -> None:
        """Its bot takes this seat back from the browser (whose page closes first)."""
        self.browsers.pop(pid).page.close()
        self.clients[pid], first = self.site.join_socket(self.seats[pid])
        self.views[pid] = first["payload"]["game"]

    def move_for(self, pid: int, view: dict) -> tuple[str, dict] | None:
        phase = view["phase"]
        act = lambda name, **fields: ("action", {"action": name, **fields})  # noqa: E731
        if pid in awaited(view) and phase == "lady":
            return act("lady_of_the_lake", target=self.aim(view, pid))
        if pid in awaited(view) and phase == "lady_announce":
            truth = view["lady_results"][-1]["alignment"]
            return act("announce_loyalty", claim=truth)
        if pid in awaited(view) and phase in ("sire", "ref"):
            kind = "sire_of_the_sea" if phase == "sire" else "ref_of_the_rain"
            return act(kind, target=self.aim(view, pid))
        return super().move_for(pid, view)

    def play(self, done: Callable[[dict], bool], timeout: float = 30) -> dict:
        """Play until `done(view)`: the bots move, and each browser the game waits on makes
        the move its page offers once the page shows the view the bots have."""
        self.held = False
        deadline = time.monotonic() + timeout
        while True:
            self.pump()
            view = self.view()
            if done(view):
                return view
            assert time.monotonic() < deadline, f"the game stopped at {view['phase']}"
            self.act()
            for pid in awaited(view):
                player = self.browsers.get(pid)
                if player and view["phase"] in self.plays and shows(player, view):
                    self.browser_move(pid, player, view)
                    self.wait_past(view["version"])
                    break

    def browser_move(self, pid: int, player: Player, view: dict) -> None:
        """Click the move a browser's page offers for this view."""
        page, phase = player.page, view["phase"]
        if phase == "team_building":
            size = view["team_sizes"][view["quest"] - 1]
            player.propose(self.team(view, size) if self.team else view["players"][:size])
        elif phase == "voting":
            page.locator("#vote-approve").click()
        elif phase == "questing":
            page.locator("#quest-success").click()
        elif phase == "lady":
            player.pick_target(self.aim(view, pid), "use-lady")
        elif phase == "lady_announce":
            page.locator(f"#claim-{self.claims[pid]}").click()
        else:  # the Sire's or the Ref's holder
            page.locator(f"#{phase}-use-{self.aim(view, pid)}").check()
            page.locator(f"#{phase}-use-send").click()


def shows(player: Player, view: dict) -> bool:
    """Whether a browser's page is drawn from this view (a page a frame behind waits)."""
    panel = player.page.locator("#action-panel")
    return panel.get_attribute("data-version") == str(view["version"])


def same_box(players: list[Player], selector: str, under: str, words: bool = True) -> None:
    """An element has the same words (unless not `words`), size and place (below `under`)
    on every page."""
    texts = [p.page.locator(selector).inner_text() for p in players]
    assert not words or len(set(texts)) == 1, texts
    place = """([selector, under]) => {
        const r = document.querySelector(selector).getBoundingClientRect();
        const u = document.querySelector(under).getBoundingClientRect();
        return [r.left, r.top - u.top, r.width, r.height];
    }"""
    boxes = [p.page.evaluate(place, [selector, under]) for p in players]
    assert all(box == boxes[0] for box in boxes), boxes


def private_result(player: Player, kind: str):
    """A private result of this kind on a player's board."""
    return player.page.locator(f".private-result[data-kind='{kind}']")


def no_result(players: list[Player], kind: str) -> None:
    """None of these pages shows a private result of this kind."""
    for player in players:
        expect(private_result(player, kind)).to_have_count(0)
