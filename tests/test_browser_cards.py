"""The cards and table options in Chromium (issue 28): every option in the setup with its
explanation, seen by a spectator as it takes shape; then a game of five with Excalibur,
the Lady of the Sea, the plot cards and anonymous votes, played by socket bots and, on
phones, by the Lady's first holder and a player of the other side: Excalibur handed with
the team and used after the cards, a plot card in hand and played, the Lady's check and
its result on the holder's screen only, the tallies instead of who voted how, the same
panels for good and evil, and the replay stepping through the cards' effects."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import pytest

from tests.browser_player import Player
from tests.browser_player import click_unless_gone
from tests.browser_player import seat_on_phone
from tests.i18n_support import ENGLISH
from tests.socket_bots import Bots
from tests.support import ServerProcess

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - chromium() skips or fails first
    pass

pytestmark = pytest.mark.timeout(150)

FLAGS = (
    "lady-announce",
    "sire-of-the-sea",
    "ref-of-the-rain",
    "excalibur",
    "plot-cards",
    "anonymous-votes",
    "hidden-history",
)
ON = {"excalibur": True, "plot_cards": True, "anonymous_votes": True, "lady": "sea"}


class CardBots(Bots):
    """Socket seats that play the cards: Excalibur to the phone on the team (named
    nobody), plot cards given to the Lady's holder's phone and kept, the Lady of the Sea
    on the first phone she may examine; the phones' seats are left to the browsers."""

    phones: list[int] = []

    def move_for(self, pid: int, view: dict) -> tuple[str, dict] | None:
        phase = view["phase"]
        act = lambda name, **fields: ("action", {"action": name, **fields})  # noqa: E731
        if phase == "team_building" and view["leader"] == pid:
            size = view["team_sizes"][view["quest"] - 1]
            team = self.team(view, size) if self.team else view["players"][:size]
            sword = next(p for p in [*self.phones, *team] if p in team and p != pid)
            return act("propose_team", players=team, excalibur=sword)
        if phase == "excalibur" and view["excalibur"]["holder"] == pid:
            return act("use_excalibur", target=None)
        if phase == "lady" and view["lady"]["holder"] == pid:
            free = [p for p in view["players"] if p not in view["lady"]["ineligible"]]
            return act(
                "lady_of_the_lake", target=next((p for p in self.phones if p in free), free[0])
            )
        if phase == "plot":
            step = view["plot"]["queue"][0]
            if step["player"] != pid:
                return None
            if step["step"] == "give":
                to = next(p for p in [*self.phones, *view["players"]] if p != pid)
                return act("give_plot_card", card_id=step["card_id"], player=to)
            if step["step"] == "use":
                held = [
                    c["card_id"]
                    for o, cs in view["plot"]["held"].items()
                    for c in cs
                    if int(o) != pid
                ]
                return act("play_plot_card", card_id=step["card_id"], target=held[0])
            return act("skip_plot_card", card_id=step["card_id"])
        if phase == "assassination" and view["you"]["role"] != "assassin":
            return None
        return super().move_for(pid, view)


def test_the_cards_from_setup_to_replay(
    site: ServerProcess, new_player: Callable[..., Player]
) -> None:
    host = new_player("Ann")
    code = host.create_room()
    page = host.page
    seats = [site.join(code, f"P{i}") for i in range(2, 6)]
    friend = new_player("Zoe")
    friend.join(code, spectator=True)
    expect(page.locator("#player-count")).to_have_text("5")

    # Every option with its explanation from the catalogue; what depends on the Lady.
    for flag in FLAGS:
        hint = page.locator(f"#opt-{flag}-hint")
        expect(hint).not_to_be_empty()
        assert "optionHint" not in hint.inner_text()
    expect(page.locator("#opt-excalibur-hint")).to_contain_text("turn over another member")
    expect(page.locator("#opt-lady-kind-hint")).to_contain_text("exact role")
    page.locator("#opt-lady").uncheck()
    expect(page.locator("#lady-kind-row")).to_be_hidden()
    expect(page.locator("#opt-lady-announce")).to_be_disabled()
    page.locator("#opt-lady").check()
    page.locator("#opt-lady-kind").select_option("sea")
    page.locator("#opt-turn-timers").check()
    expect(page.locator("#opt-tt-excalibur")).to_be_visible()
    page.locator("#opt-tt-vote").fill("2")
    expect(page.locator("#options-error")).to_contain_text("seconds")
    page.locator("#opt-tt-vote").fill("")
    page.locator("#opt-turn-timers").uncheck()
    for flag in ("excalibur", "plot-cards", "anonymous-votes"):
        page.locator(f"#opt-{flag}").check()
    setup = friend.page.locator("#lobby-setup")
    expect(setup).to_contain_text("Lady of the Sea: on.")  # the Lady in play, by her name
    expect(setup).to_contain_text("Also: Excalibur, Plot cards and Anonymous votes.")
    expect(page.locator("label[for=opt-lady]")).to_have_text("Lady of the Sea")
    page.locator("#start-game").click()
    start = [e for e in host.sent if e.get("payload", {}).get("action") == "start_game"][-1]
    assert {key: start["payload"].get(key) for key in ON} == ON
    expect(page.locator("#game")).to_be_visible()

    table = [host.seat() or {}] + seats
    host.page.goto("about:blank")
    by_id = {seat["player_id"]: seat for seat in table}
    names = {pid: seat["display_name"] for pid, seat in by_id.items()}
    phones: dict[int, Player] = {}
    bots = CardBots(site, table, wait=lambda view: not phones, seed=random.randrange(1000))
    bots.team = lambda view, size: (
        CardBots.phones + [p for p in view["players"] if p not in CardBots.phones]
    )[:size]
    try:
        bots.play_until(lambda: all(bots.views.values()), timeout=10)
        view = bots.view()
        sides = {pid: v["you"]["alignment"] for pid, v in bots.views.items()}
        lady = view["lady"]["holder"]
        other = next(p for p in view["players"] if sides[p] != sides[lady])
        CardBots.phones = [lady, other]
        for pid in CardBots.phones:
            bots.clients.pop(pid).close()
            bots.views.pop(pid)
            phones[pid] = seat_on_phone(new_player, by_id[pid])
        holder, rival = phones[lady], phones[other]
        played: dict[str, bool | int] = {"plot": False, "sword": False}
        pid_of = {player.page: pid for pid, player in phones.items()}

        def move(pid: int, player: Player) -> None:
            p = player.page
            if p.locator("#team-form").count():
                current = bots.view()
                size = current["team_sizes"][current["quest"] - 1]
                for mate in bots.team(current, size):
                    p.locator(f"#pick-{mate}").check()
                p.locator("#excalibur-pick input").first.check()
                p.locator("#propose-team").click()
                expect(p.locator("#team-form")).to_have_count(0)
            elif p.locator("#vote-approve").count():
                click_unless_gone(p.locator("#vote-approve"))
            elif p.locator("#quest-success").count() and compared["done"]:
                p.locator("#quest-success").click()
                expect(p.locator("#quest-success")).to_have_count(0)
            elif p.locator("#excalibur-use-form").count():
                p.locator(f"#excalibur-use-{other if pid == lady else lady}").check()
                p.locator("#excalibur-use-send").click()
                played["sword"] = pid
                expect(p.locator("#excalibur-use-form")).to_have_count(0)
            elif p.locator("#plot-intro").count():
                choose(p)
            elif p.locator("#target-form").count():
                p.locator("#target-form input").first.check()
                p.locator("#target-form button[type=submit]").click()
                expect(p.locator("#target-form")).to_have_count(0)

        def choose(p) -> None:
            version = bots.version()
            giving = p.locator("#plot-give-form").count() > 0
            if not giving:  # a card in this player's hand
                expect(p.locator("#plot-held")).to_contain_text(f"{names[pid_of[p]]} holds")
            if p.locator("#plot-skip").count() and played["plot"]:
                p.locator("#plot-skip").click()
            elif p.locator("#plot-play").count():
                p.locator("#plot-play").click()
            elif giving:
                # Every drawn card reaches a phone, which plays the first it is asked about
                # (only Opinion Maker is never asked): some card is played in every game.
                mate = next(other for other in phones if other != pid_of[p])
                p.locator(f"#plot-give-{mate}").check()
                p.locator("#plot-give-send").click()
            else:
                form = p.locator("form.picker")
                form.locator("input").first.check()
                form.locator("button[type=submit]").click()
            # Told from the step, not from the panel after the click (it may still be there).
            played["plot"] = played["plot"] or not giving
            # The same player may owe the next plot step too: wait for the move, not the panel.
            bots.wait_past(version)

        compared = {"done": False}

        def play(done: Callable[[], bool], timeout: float = 30) -> None:
            deadline = time.monotonic() + timeout
            while not done():
                assert time.monotonic() < deadline, "the game did not get there in time"
                bots.pump()
                bots.act()
                for pid, player in phones.items():
                    move(pid, player)

        # Quest 1: the plot card drawn went to a phone (public: who holds it), the team
        # was approved by a tally alone, and both phones, good and evil, see the same.
        both = lambda: all(p.page.locator("#quest-success").count() for p in phones.values())  # noqa: E731
        play(both)
        expect(friend.page.locator("#card-board")).to_contain_text(names[lady])
        expect(friend.page.locator("#vote-tally")).to_contain_text("approve")
        expect(friend.page.locator("#excalibur-holder")).to_contain_text("Excalibur is with")
        # An Opinion Maker's vote, cast first and openly, is the one shown ("open").
        assert friend.page.locator("#vote-grid .vote-cell.approve:not(.open)").count() == 0
        cells = friend.page.locator("#vote-grid .vote-cell:not(.open)")
        expect(cells.first).to_contain_text("secret vote")  # not "no vote": it was cast
        assert cells.count() == friend.page.locator("#vote-grid .vote-cell.secret").count()
        assert holder.panel_shot() == rival.panel_shot()
        # The cards' board: the same words in a box of the same size, at the same place
        # below the Lady's line (the seats above carry what each player saw at night).
        texts = [p.page.locator("#card-board").inner_text() for p in (holder, rival)]
        assert texts[0] == texts[1], texts
        place = "(() => { const r = document.querySelector('#card-board').getBoundingClientRect();"
        place += " const l = document.querySelector('#lady-info').getBoundingClientRect();"
        place += " return [r.left, r.top - l.top, r.width, r.height]; })()"
        boxes = [p.page.evaluate(place) for p in (holder, rival)]
        assert boxes[0] == boxes[1], boxes
        compared["done"] = True

        # Excalibur used by its phone holder; its result on that screen alone.
        play(lambda: played["sword"])
        sword = phones[int(played["sword"])]
        quiet = rival if sword is holder else holder
        expect(sword.page.locator(".private-result[data-kind='excalibur']")).to_contain_text(
            "Excalibur turned over"
        )
        expect(quiet.page.locator(".private-result[data-kind='excalibur']")).to_have_count(0)
        expect(friend.page.locator("#card-events")).to_contain_text("with Excalibur")

        # The Lady of the Sea after quest 2: her holder's phone checks, the result is theirs.
        result = holder.page.locator(".private-result[data-kind='sea']")
        play(lambda: result.count() > 0, timeout=40)
        expect(result).to_contain_text("The Lady of the Sea showed you that")
        expect(rival.page.locator(".private-result[data-kind='sea']")).to_have_count(0)
        for player in phones.values():
            assert player.page.evaluate("document.documentElement.scrollWidth <= innerWidth")
            player.expect_clean_text()
        play(
            lambda: (
                friend.page.locator("#over-reason").count() > 0
                and friend.page.locator("#over-reason").is_visible()
            ),
            timeout=60,
        )
    finally:
        bots.close()

    # The replay: the cards' public effects as steps, the private results at the end. A
    # card is played in every game (see choose()): once a give could count as a play (the
    # panel read after the click), the phones kept every card and the replay had none.
    status, record = site.request("GET", f"/api/rooms/{code}/games/1")
    assert status == 200 and record["plot"]["used"], record
    friend.page.goto(f"/r/{code}/games/1")
    steps = friend.page.locator("#replay-steps")
    expect(steps.locator("li").first).to_contain_text("holds the Lady of the Sea.")
    expect(friend.page.locator("#replay-setup")).to_contain_text("Lady of the Sea: on.")
    expect(steps).to_contain_text("with Excalibur")
    effects = len(record["excalibur_uses"]) + len(record["plot"]["used"])
    expect(steps.locator("li[data-kind='card']")).to_have_count(effects)  # one step each
    for used in record["plot"]["used"]:
        expect(steps).to_contain_text(
            f"{names[used['player']]} played {ENGLISH['card.' + used['card']]}"
        )
    expect(friend.page.locator("#replay-results")).to_contain_text("The Lady of the Sea showed you")
    friend.expect_clean_text()
