"""The newer roles in Chromium (issue 27): the setup's presets, every role with its
explanation and the house roles apart, why a setup cannot start, a spectator seeing the
setup being chosen; then a game of ten with the Lancelots (secret deck), Tristan and
Isolde, a Cleric, the Witch and the Revealer, played by socket bots and, on phones, by the
Assassin and Tristan: their role cards, the same quest and Witch panels for good and evil,
the Lancelot track and the revealed Revealer on the board, the Assassin naming the lovers,
and the replay with every seat's night knowledge and the new roles' events."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import pytest

from tests.browser_player import Player
from tests.browser_player import seat_on_phone
from tests.socket_bots import Bots
from tests.support import ServerProcess

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - chromium() skips or fails first
    pass

pytestmark = pytest.mark.timeout(150)

ROLES = [
    "merlin",
    "good_lancelot",
    "tristan",
    "isolde",
    "cleric",
    "assassin",
    "evil_lancelot",
    "revealer",
    "witch",
]
HIDDEN_QUEST = 3  # the Witch (a bot) hides this quest's result


class RoleBots(Bots):
    """Socket seats for this game: every card a Success, the Witch hides quest 3, the
    player her hide draws checks someone; the browsers' seats are left to the browsers."""

    def move_for(self, pid: int, view: dict) -> tuple[str, dict] | None:
        phase, you = view["phase"], view["you"]
        if phase == "witch":
            checker = view["witch_checker"]
            if checker is None and you["role"] == "witch":
                return "action", {"action": "witch_hide", "hide": view["quest"] == HIDDEN_QUEST}
            if checker == pid:
                target = self.rng.choice([p for p in view["players"] if p != pid])
                return "action", {"action": "loyalty_check", "target": target}
            return None
        if phase == "questing" and pid in (view["team"] or []) and pid not in view["played"]:
            return "action", {"action": "play_quest", "success": True}
        if phase == "assassination":
            return None
        return super().move_for(pid, view)


def test_the_new_roles_from_setup_to_replay(
    site: ServerProcess, new_player: Callable[..., Player]
) -> None:
    host = new_player("Ann")
    code = host.create_room()
    page = host.page
    seats = [site.join(code, f"P{i}") for i in range(2, 11)]
    friend = new_player("Zoe")
    friend.join(code, spectator=True)
    expect(page.locator("#player-count")).to_have_text("10")

    # Every role with its explanation; ProAvalon's house roles under their own heading.
    expect(page.locator("#roles-house summary")).to_have_text("House roles (ProAvalon)")
    house = page.locator("#roles-house input[name=role]")
    expect(house).to_have_count(4)
    assert {box.get_attribute("value") for box in house.all()} == {
        "mordred_assassin",
        "hitberon",
        "melron",
        "moregano",
    }
    hints = page.locator("#role-options .role-option .hint").all_text_contents()
    assert len(hints) == 24 and not [h for h in hints if "page.hint" in h or not h], hints

    # A preset, then why a setup cannot start; the spectator sees the setup take shape.
    page.locator("#preset-lancelot").click()
    for role in ("merlin", "percival", "assassin", "morgana", "good_lancelot", "evil_lancelot"):
        expect(page.locator(f"#opt-{role}")).to_be_checked()
    expect(page.locator("#lancelot-row")).to_be_visible()
    expect(friend.page.locator("#lobby-setup")).to_contain_text(
        "Good Lancelot, Assassin, Morgana, Evil Lancelot. Lady of the Lake: on."
    )
    expect(friend.page.locator("#lobby-setup")).to_contain_text("Lancelots: secret deck.")
    page.locator("#opt-merlin").uncheck()
    expect(page.locator("#options-error")).to_have_text("Choose Merlin or Merlin Pure.")
    expect(page.locator("#start-game")).to_be_disabled()
    page.locator("#opt-merlin_pure").check()
    expect(page.locator("#options-error")).to_be_hidden()
    page.locator("#opt-merlin").check()  # Merlin replaces Merlin Pure: one of them only
    expect(page.locator("#opt-merlin_pure")).not_to_be_checked()
    page.locator("#opt-guinevere").check()
    page.locator("#opt-good_lancelot").uncheck()  # the pair goes together
    expect(page.locator("#opt-evil_lancelot")).not_to_be_checked()
    expect(page.locator("#options-error")).to_have_text(
        "Guinevere needs Good Lancelot and Evil Lancelot: add it or remove Guinevere."
    )

    # This game's setup: Tristan brings Isolde; the Lady off.
    for role in ("percival", "morgana", "guinevere"):
        page.locator(f"#opt-{role}").uncheck()
    for role in ("good_lancelot", "tristan", "cleric", "witch", "revealer"):
        page.locator(f"#opt-{role}").check()
    expect(page.locator("#opt-isolde")).to_be_checked()
    expect(page.locator("#opt-lunatic")).to_be_disabled()  # four evil roles fill 4 seats
    page.locator("#opt-lady").uncheck()
    expect(page.locator("#options-error")).to_be_hidden()
    page.locator("#start-game").click()
    start = [e for e in host.sent if e.get("payload", {}).get("action") == "start_game"][-1]
    assert start["payload"]["roles"] == ROLES
    assert start["payload"]["lancelot_variant"] == "deck"
    assert start["payload"]["cleric_assassination"] is False
    expect(page.locator("#game")).to_be_visible()

    # From here the host's seat is played over a socket like the others; after the deal
    # the Assassin and Tristan take theirs on phones.
    table = [host.seat() or {}] + seats
    host.page.goto("about:blank")
    names = {seat["player_id"]: seat["display_name"] for seat in table}
    phones: dict[str, Player] = {}
    hold = {"witch": True, "compared": False}  # the Witch's bot and quest 1 wait for checks
    roles: dict[int, str] = {}

    def team(view: dict, size: int) -> list[int]:
        assassin, tristan = of("assassin"), of("tristan")
        first = [assassin, tristan] if view["quest"] == 1 else [assassin]
        if view["quest"] > 2:
            first = [tristan]
        rest = [p for p in view["players"] if p not in first and p != assassin]
        return (first + rest)[:size]

    def of(role: str) -> int:
        return next(pid for pid, held in roles.items() if held == role)

    def waits(view: dict) -> bool:
        return not phones or (hold["witch"] and view["phase"] == "witch")

    bots = RoleBots(site, table, team=team, wait=waits, seed=random.randrange(1000))
    try:
        bots.play_until(lambda: all(bots.views.values()), timeout=10)
        roles.update({pid: view["you"]["role"] for pid, view in bots.views.items()})
        by_id = {seat["player_id"]: seat for seat in table}
        for role in ("assassin", "tristan"):
            bots.clients.pop(of(role)).close()
            bots.views.pop(of(role))
            phones[role] = seat_on_phone(new_player, by_id[of(role)])
        assassin, tristan = phones["assassin"], phones["tristan"]
        isolde = names[of("isolde")]

        # The role cards: name, side, what they saw and why, what they may do.
        expect(assassin.page.locator("#my-role")).to_have_text("You are the Assassin.")
        expect(tristan.page.locator("#my-role")).to_have_text("You are Tristan.")
        expect(tristan.page.locator("#night-knowledge")).to_contain_text(
            f"{isolde} is your lover. Tristan and Isolde are lovers"
        )
        expect(tristan.page.locator("#role-does")).to_contain_text("name the two lovers")
        expect(assassin.page.locator("#night-knowledge")).to_contain_text(
            names[of("evil_lancelot")] + ": Evil Lancelot, evil with you."
        )
        every_card_reads_well(friend)

        def move(player: Player, role: str) -> None:
            view = bots.view()
            p = player.page
            if p.locator("#team-form").count():
                deadline = time.monotonic() + 10  # the bots' view may lag the page's
                while view["phase"] != "team_building" or view["leader"] != player.player_id:
                    assert time.monotonic() < deadline, "the bots never saw this proposal"
                    bots.pump()
                    view = bots.view()
                size = view["team_sizes"][view["quest"] - 1]
                player.propose(team(view, size))
                expect(p.locator("#team-form")).to_have_count(0)
            elif p.locator("#vote-approve").count():
                player.take_turn(approve=True)
            elif p.locator("#quest-success").count() and (view["quest"] > 1 or not held()):
                fail = role == "assassin" and view["quest"] <= 2
                player.play(not fail)
                expect(p.locator("#quest-success")).to_have_count(0)
            elif p.locator("#target-form").count() and view["phase"] == "witch":
                player.take_turn()

        def both_on_quest() -> bool:
            return all(p.page.locator("#quest-fail").count() for p in phones.values())

        def held() -> bool:  # quest 1's cards wait until both panels were compared
            return not hold["compared"]

        def play(done: Callable[[], bool], timeout: float = 40) -> None:
            deadline = time.monotonic() + timeout
            while not done():
                assert time.monotonic() < deadline, "the game did not get there in time"
                bots.pump()
                bots.act()
                for role, player in phones.items():
                    move(player, role)

        # Quest 1: good and evil see the very same quest panel.
        play(both_on_quest)
        shots = [p.panel_shot() for p in phones.values()]
        boxes = [p.page.locator("#action-panel").bounding_box() for p in phones.values()]
        assert shots[0] == shots[1] and boxes[0] == boxes[1]
        hold["compared"] = True
        tristan.play(True)
        assassin.play(False)

        # The Witch's choice: the same panel for everyone, refused for anyone but her.
        play(lambda: all(p.page.locator("#witch-hide").count() for p in phones.values()))
        assert tristan.panel_shot() == assassin.panel_shot()
        tristan.page.locator("#witch-hide").click()
        expect(tristan.page.locator(".toast.error")).to_contain_text("Only the Witch chooses")
        hold["witch"] = False

        # Quest 2 fails too: the Revealer is public, on every board alike.
        revealer = names[of("revealer")]
        row = friend.page.locator(f"#seats li[data-player-id='{of('revealer')}'] .badge.revealed")
        play(lambda: friend.page.locator("#seats .badge.revealed").count() > 0)
        expect(row).to_have_text("Revealed: Revealer")
        expect(friend.page.locator("#revealed")).to_have_text(
            f"{revealer} is revealed as Revealer."
        )
        # Quest 3 starts with a Lancelot card turned on the track; the Witch hides it.
        cards = friend.page.locator("#lancelot-track .lancelot-card[data-applied='true']")
        play(lambda: cards.count() == 1)
        expect(friend.page.locator("#lancelot-track .lancelot-card")).to_have_count(3)
        hidden = friend.page.locator("#quests li[data-state='hidden']")
        play(lambda: hidden.count() == 1)
        expect(hidden.locator(".q-result")).to_have_text("Hidden")
        assert tristan.page.evaluate("document.documentElement.scrollWidth <= innerWidth")

        # The Assassin names the two lovers.
        lovers = assassin.page.locator("#mode-lovers")
        play(lambda: lovers.count() > 0, timeout=60)
        lovers.check()
        for role in ("tristan", "isolde"):
            assassin.page.locator(f"#target-{of(role)}").check()
        expect(assassin.page.locator(f"#target-{of('merlin')}")).to_be_disabled()  # two only
        assassin.page.locator("#assassinate").click()
        for player in (*phones.values(), friend):
            expect(player.page.locator("#over-reason")).to_have_text(
                "The Assassin found the two lovers."
            )
        expect(friend.page.locator("#assassination")).to_contain_text("as the lovers")
        for player in phones.values():
            player.expect_clean_text()
    finally:
        bots.close()

    # The replay: every seat's night knowledge, and the new roles' events as steps.
    friend.page.goto(f"/r/{code}/games/1")
    night = friend.page.locator("#replay-night li")
    expect(night).to_have_count(10)
    expect(night.filter(has_text=f"as Tristan, saw {isolde} as lover.")).to_have_count(1)
    steps = friend.page.locator("#replay-steps")
    expect(steps).to_contain_text("a Lancelot card was turned")
    expect(steps).to_contain_text(f"Quest {HIDDEN_QUEST}'s result was hidden by the Witch")
    expect(steps).to_contain_text(f"{revealer} is revealed as Revealer.")
    expect(steps).to_contain_text("named")
    friend.page.locator("#replay-last").click()
    expect(friend.page.locator("#replay-seats .badge.target")).to_have_count(2)
    friend.expect_clean_text()


def every_card_reads_well(player: Player) -> None:
    """Every role's card text, drawn by the page's own module: no key, no gap."""
    texts = player.page.evaluate(
        """async () => {
            const base = document.querySelector("script[type=module]").src;
            const card = await import(new URL("rolecard.js", base));
            const { rules } = await import(new URL("rules.js", base));
            return rules.role_table.map((spec) => card.knowledgeText({
                you: { role: spec.name, alignment: spec.side, sees: [] },
                roles_in_play: rules.role_table.map((r) => r.name),
            }));
        }"""
    )
    assert len(texts) == 26
    assert [text for text in texts if "knows." in text or "{" in text or not text] == []
