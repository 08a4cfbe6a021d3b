"""A person at a browser in the tests: their own context and page, and the clicks of a move."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

try:
    from playwright.sync_api import Browser
    from playwright.sync_api import BrowserContext
    from playwright.sync_api import Locator
    from playwright.sync_api import Page
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import WebSocket
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - require_browser() skips or fails first
    pass

EXPECT_TIMEOUT = 10_000  # milliseconds Playwright's expect() waits for a condition
RECONNECT_TIMEOUT = 30_000  # after a restart: the backoff may be waiting up to 10 s
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 860}
# Text a page must never show: an empty value rendered, or a message left unfilled.
BROKEN_TEXT = re.compile(r"\b(null|undefined|NaN)\b|\{[a-zA-Z]+\}|\[object ")
# The controls of a move the page offers its player: a team, a vote, a quest card, a target.
MOVES = "#team-form, #vote-approve, #quest-success, #target-form"
# Axe impacts a page may not have (minor and moderate ones are reported, not failed).
AXE_BLOCKING = ("serious", "critical")


def exact(text: str) -> re.Pattern[str]:
    """A pattern matching exactly this text (Playwright's has_text matches substrings)."""
    return re.compile("^" + re.escape(text) + "$")


def click_unless_gone(control: Locator, timeout: float = 5_000) -> None:
    """Click a control the page showed a moment ago, unless the game moved on meanwhile.

    A vote's buttons can go between seeing them and clicking (the vote ended, or the
    panel was drawn anew for the next proposal); waiting for them then waits for ever.
    """
    try:
        control.click(timeout=timeout)
    except PlaywrightTimeout:
        if control.count():
            raise  # still there, yet never clickable: that is a fault


class Player:
    """One person at one browser: their own context (their own localStorage) and page."""

    def __init__(
        self,
        browser: Browser,
        base_url: str,
        name: str,
        viewport: dict | None = None,
        locale: str | None = None,
    ):
        self.name = name
        self.base_url = base_url
        # The locale is the browser's language: its Accept-Language header, among others.
        self.context: BrowserContext = browser.new_context(
            base_url=base_url, viewport=viewport or DESKTOP, locale=locale
        )
        self.errors: list[str] = []
        self.sent: list[dict] = []  # every envelope this player's pages sent on a socket
        self.sockets: list[str] = []  # the URL of every socket this player's pages opened
        self.requests: list[str] = []  # "METHOD /path" of every API request of the pages
        self.page = self.new_page()
        self.code: str | None = None

    def new_page(self) -> Page:
        """Open a tab in this player's browser and watch it for errors and socket frames."""
        page = self.context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"{self.name}: {error}"))
        page.on("console", self._console)
        page.on("websocket", self._watch)
        page.on("request", self._request)
        return page

    def _request(self, request: Any) -> None:
        path = urlsplit(request.url).path
        if path.startswith("/api/"):
            self.requests.append(f"{request.method} {path}")

    def _console(self, message: Any) -> None:
        text = message.text
        # A refused inline script or style, or any script error, is a bug of the client.
        if "Content Security Policy" in text or "Uncaught" in text:
            self.errors.append(f"{self.name}: {text}")

    def _watch(self, socket: WebSocket) -> None:
        self.sockets.append(socket.url)

        def sent(payload: str | bytes) -> None:
            if isinstance(payload, str):
                self.sent.append(json.loads(payload))

        socket.on("framesent", sent)

    def joins(self) -> int:
        """How many times this player's pages joined a room over HTTP."""
        return sum(1 for request in self.requests if request.endswith("/join"))

    def close(self) -> None:
        """Close the browser context (every tab of this player)."""
        self.context.close()

    # -- home, joining, the seat -----------------------------------------------------

    def create_room(self) -> str:
        """Create a room from the home page; return its code."""
        self.page.goto("/")
        self.page.get_by_label("Your name").first.fill(self.name)
        self.page.get_by_role("button", name="Create room").click()
        expect(self.page).to_have_url(re.compile(r"/r/[A-Z2-9]{5}$"))
        self.code = self.page.url.rsplit("/", 1)[1]
        self.expect_online()
        return self.code

    def join(self, code: str, spectator: bool = False) -> None:
        """Open the room's shared link, enter a name and join (to watch, if `spectator`)."""
        self.page.goto(f"/r/{code}")
        self.wait_for_room_details()
        self.page.locator("#join-name").fill(self.name)
        if spectator:
            self.page.locator("#join-spectator").check()
        self.page.get_by_role("button", name="Join", exact=True).click()
        self.code = code
        expect(self.page).to_have_url(re.compile(f"/r/{code}$"))
        self.expect_online()

    def wait_for_room_details(self) -> None:
        """Wait until the join form has the room's details, which tick or clear its
        spectator box: a box chosen before they arrive could be flipped back."""
        info = self.page.locator("#join-room-info")
        expect(info).not_to_have_text(re.compile(r"^(|Checking the room…)$"))

    def take_seat(self, seat: dict) -> None:
        """Open the room with a seat made over HTTP, as if this browser had joined itself."""
        self.page.goto("/")
        kept = {key: seat[key] for key in ("code", "player_id", "token", "display_name")}
        self.page.evaluate(
            "([key, seat]) => localStorage.setItem(key, JSON.stringify(seat))",
            [f"avalon.seat.{seat['code']}", kept],
        )
        self.page.goto(f"/r/{seat['code']}")
        self.code = seat["code"]
        self.expect_online()

    def panel_shot(self) -> bytes:
        """The action panel's pixels, with no hover or focus on it."""
        self.page.mouse.move(0, 0)
        self.page.evaluate("() => document.activeElement && document.activeElement.blur()")
        return self.page.locator("#action-panel").screenshot(animations="disabled")

    def seat(self) -> dict | None:
        """The seat this browser keeps for the room (localStorage)."""
        return self.page.evaluate(
            "key => JSON.parse(localStorage.getItem(key))", f"avalon.seat.{self.code}"
        )

    @property
    def player_id(self) -> int:
        """This player's id, from the stored seat."""
        seat = self.seat()
        assert seat is not None, f"{self.name} has no seat"
        return seat["player_id"]

    def expect_online(self, timeout: float = EXPECT_TIMEOUT) -> None:
        """Wait until the page's socket is connected and has its snapshot."""
        expect(self.page.locator("#conn-status")).to_have_attribute(
            "data-state", "online", timeout=timeout
        )

    def expect_notice(self, text: str, timeout: float = EXPECT_TIMEOUT) -> None:
        """Wait until the notice banner says this."""
        notice = self.page.locator("#notice")
        expect(notice).to_be_visible(timeout=timeout)
        expect(notice.locator("#notice-text")).to_contain_text(text, timeout=timeout)

    # -- lobby and chat ----------------------------------------------------------------

    def player_row(self, name: str) -> Locator:
        """The lobby's row of a player, by exact display name."""
        return self.page.locator("#players li").filter(
            has=self.page.locator(".name", has_text=exact(name))
        )

    def expect_presence(self, name: str, status: str) -> None:
        """Wait until the lobby shows a player as "online" or "offline"."""
        expect(self.player_row(name).locator(".status-text")).to_have_text(status)

    def chat(self, text: str) -> None:
        """Type a chat message and press Enter."""
        box = self.page.locator("#chat-input")
        box.fill(text)
        box.press("Enter")
        expect(box).to_have_value("")

    def chat_log(self) -> Locator:
        """The chat messages' texts."""
        return self.page.locator("#chat-log .chat-text")

    def expect_chat(self, texts: list[str]) -> None:
        """Wait until the chat shows exactly these messages, in order."""
        expect(self.chat_log()).to_have_text(texts)

    # -- the game ------------------------------------------------------------------------

    def role(self) -> str:
        """The role the page shows this player (the role card's data-role)."""
        card = self.page.locator("#role-card")
        expect(card).to_have_attribute("data-role", re.compile(r"^[a-z_]+$"))
        return card.get_attribute("data-role") or ""

    def turn(self) -> tuple[str, bool]:
        """The phase the board shows and whether it offers this player a move, read at
        once (two reads could see two different views)."""
        phase, move = self.page.evaluate(
            """moves => {
                const panel = document.querySelector("#action-panel");
                return [(panel && panel.dataset.phase) || "", !!document.querySelector(moves)];
            }""",
            MOVES,
        )
        return str(phase), bool(move)

    def phase(self) -> Locator:
        """The sentence saying what the game is waiting for."""
        return self.page.locator("#phase-text")

    def seat_row(self, player_id: int) -> Locator:
        """The table's row of a seated player."""
        return self.page.locator(f"#seats li[data-player-id='{player_id}']")

    def leader_id(self) -> int:
        """The current leader's id, as the table shows it."""
        row = self.page.locator("#seats li").filter(has=self.page.locator(".badge.leader"))
        expect(row).to_have_count(1)
        return int(row.get_attribute("data-player-id") or 0)

    def propose(self, team: list[int]) -> None:
        """As leader, tick the team's boxes and propose it."""
        form = self.page.locator("#team-form")
        expect(form).to_be_visible()
        propose = self.page.locator("#propose-team")
        for player_id in team:
            expect(propose).to_be_disabled()
            self.page.locator(f"#pick-{player_id}").check()
        expect(propose).to_be_enabled()
        propose.click()

    def vote(self, approve: bool) -> None:
        """Click Approve or Reject."""
        self.page.locator("#vote-approve" if approve else "#vote-reject").click()

    def play(self, success: bool) -> None:
        """Play a quest card."""
        self.page.locator("#quest-success" if success else "#quest-fail").click()

    def pick_target(self, player_id: int, button: str) -> None:
        """Choose a player in the target form and confirm with the button's id."""
        self.page.locator(f"#target-{player_id}").check()
        self.page.locator(f"#{button}").click()

    def take_turn(
        self, approve: bool = True, team: list[int] | None = None, keyboard: bool = False
    ) -> bool:
        """Make the move the page offers now, if any: a team (this one, or this player and
        the first others), a vote, a Success card, the first target; with `keyboard`, by Tab,
        Space and Enter alone. Return whether it moved."""
        page = self.page

        def press(selector: str, key: str = "Enter") -> None:
            if keyboard:
                self.press_by_keyboard(selector, key)
            elif key == "Space":
                page.locator(selector).check()
            else:
                page.locator(selector).click()

        if page.locator("#team-form").count():
            size = int(page.locator("#team-form").get_attribute("data-size") or 0)
            if team is None:
                boxes = page.locator("#team-form input[type=checkbox]").all()
                others = [int(box.get_attribute("value") or 0) for box in boxes]
                team = [self.player_id] + [p for p in others if p != self.player_id][: size - 1]
            for player_id in team:
                press(f"#pick-{player_id}", "Space")
                expect(page.locator(f"#pick-{player_id}")).to_be_checked()
            press("#propose-team")
            expect(page.locator("#team-form")).to_have_count(0)
        elif page.locator("#vote-approve").count():
            proposal = page.locator("#action-panel").inner_text()
            press("#vote-approve" if approve else "#vote-reject")
            # Taken once the buttons go; after the last vote of a rejected team the next
            # leader's proposal (new words, buttons again) can come before they do.
            page.wait_for_function(
                """before => !document.querySelector("#vote-approve")
                    || document.querySelector("#action-panel").innerText !== before""",
                arg=proposal,
                timeout=10_000,
            )
        elif page.locator("#quest-success").count():
            press("#quest-success")
            expect(page.locator("#quest-success")).to_have_count(0)
        elif page.locator("#target-form").count():
            first = page.locator("#target-form input[type=radio]").first.get_attribute("id")
            press(f"#{first}", "Space")
            expect(page.locator(f"#{first}")).to_be_checked()
            press("#target-form button[type=submit]")
            expect(page.locator("#target-form")).to_have_count(0)
        else:
            return False
        return True

    def expect_clean_text(self) -> None:
        """Fail if the page shows "null", "undefined", "NaN" or an unfilled {placeholder}."""
        text = self.page.locator("body").inner_text()
        found = BROKEN_TEXT.findall(text)
        assert not found, f"{self.name}'s page shows {found}: {text[:2000]}"

    def press_by_keyboard(self, selector: str, key: str = "Enter", max_tabs: int = 120) -> None:
        """Reach a control with Tab alone, then press a key on it (no mouse)."""
        target = self.page.locator(selector)
        expect(target).to_be_enabled()
        for _ in range(max_tabs):
            self.page.keyboard.press("Tab")
            if target.evaluate("node => node === document.activeElement"):
                self.page.keyboard.press(key)
                return
        raise AssertionError(f"{selector} cannot be reached with Tab on {self.name}'s page")

    def axe_problems(self) -> list[str]:
        """Serious and critical axe-core violations of the page as it is now."""
        from axe_playwright_python.sync_playwright import Axe

        results = Axe().run(self.page)
        return [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}"
            for v in results.response["violations"]
            if v["impact"] in AXE_BLOCKING
        ]


# The table options the setup sends when the host leaves them as they are (all off).
CARDS_OFF = {
    "lady": None,
    "lady_announce": False,
    "sire_of_the_sea": False,
    "ref_of_the_rain": False,
    "excalibur": False,
    "plot_cards": False,
    "anonymous_votes": False,
    "hidden_history": False,
}


def seat_on_phone(new_player: Callable[..., Player], seat: dict) -> Player:
    """A phone given a seat made over HTTP (a bot's, say), as if it had joined itself."""
    player = new_player(seat["display_name"], viewport=PHONE)
    player.take_seat(seat)
    return player
