"""Translations in the browser: every phase of the page in English, Spanish and German, and
on a phone a sample of the other languages (one per phase, in turn), shows no missing key,
no English left and nothing wider than the screen; plural forms follow the language's
rules; the language follows the browser, and the picker's choice is remembered. (The
tables themselves are checked without a browser in test_i18n_tables.py.)"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from avalon.game import options
from tests.browser_player import BROKEN_TEXT
from tests.browser_player import PHONE
from tests.browser_player import Player
from tests.i18n_support import ENGLISH
from tests.i18n_support import ENGLISH_WORDS
from tests.i18n_support import SAME_IN
from tests.i18n_support import SAME_WORDS
from tests.i18n_support import TABLES
from tests.i18n_support import words_of
from tests.socket_bots import Bots
from tests.support import ServerProcess

try:
    from playwright.sync_api import Page
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - chromium() skips or fails first
    pass

pytestmark = pytest.mark.timeout(120)

KEY = r"[a-zA-Z]+\.[\w.]*\w"  # a message key: "replay.title", "seats.leaveAsk.inGame"
LOCALES = {"en": "en-GB", "es": "es-ES", "de": "de-DE", "ru": "ru-RU"}  # each browser's own
PEOPLE = {"en": "Ann", "es": "Ben", "de": "Cat"}  # one person per language at one table
# One more person, on a phone, shows the other languages in turn: the first in the browser's
# own language, the next one from the first sight of each phase of ROTATE_AT on (the picker
# loads the page again, so not at every phase), and the next one on each later page.
ROTATING = "Fay"
ROTATION = ("ru", "zh", "fr", "pt")
ROTATE_AT = ("voting", "questing", "lady", "assassination")
SOCKET_PLAYERS = ("Dan",)
PHASES = {"team_building", "voting", "questing", "lady", "assassination", "game_over"}
# Counts and the Russian plural form of each (Intl.PluralRules): 1 and 21 "one", 2 "few".
RUSSIAN_COUNTS = ((1, "one"), (2, "few"), (5, "many"), (11, "many"), (21, "one"), (22, "few"))


def visible_text(page: Page) -> str:
    """What a reader gets of the page: its title, its rendered text, and the labels and
    placeholders of the elements shown."""
    return page.evaluate(
        """() => {
            const parts = [document.title, document.body.innerText];
            for (const node of document.querySelectorAll("[aria-label], [placeholder], [title]")) {
                if (!node.checkVisibility()) continue;
                for (const name of ["aria-label", "placeholder", "title"]) {
                    if (node.hasAttribute(name)) parts.push(node.getAttribute(name));
                }
            }
            return parts.join("\\n");
        }"""
    )


def untranslated(text: str, lang: str, names: list[str]) -> list[str]:
    """What is wrong with a page's text: an empty value or an unfilled placeholder, a
    message key shown for a missing message, and (translated pages) English words."""
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")  # names and room codes are nobody's language
    found = [f"broken: {match.group(0)}" for match in BROKEN_TEXT.finditer(text)]
    shown = set(re.findall(rf"(?<![\w.]){KEY}(?!\w)", text))
    found += [f"key: {key}" for key in sorted(shown & set(ENGLISH))]
    if lang != "en":
        found += sorted(words_of(text) & ENGLISH_WORDS - SAME_WORDS - SAME_IN[lang])
    return found


@pytest.fixture
def site(make_server: Callable[..., ServerProcess]) -> ServerProcess:
    """A server of its own for each test, whose computer players move almost at once."""
    return make_server(AVALON_BOT_DELAY="0.05")


def create_room(player: Player) -> str:
    """Create a room from the home page, whatever its language; return its code."""
    player.page.locator("#create-name").fill(player.name)
    player.page.locator("#create-form button[type=submit]").click()
    expect(player.page).to_have_url(re.compile(r"/r/[A-Z2-9]{5}$"))
    player.code = player.page.url.rsplit("/", 1)[1]
    player.expect_online()
    return player.code


def wider_than_the_screen(page: Page) -> list[str]:
    """The page scrolls sideways: say how wide it is."""
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    return [f"wider than the screen: {width[0]} > {width[1]}"] if width[0] > width[1] else []


def pick_language(person: Player, lang: str) -> None:
    """Show the page in another language with the picker (it loads the address again)."""
    person.page.locator("#lang-select").select_option(lang)
    expect(person.page.locator("html")).to_have_attribute("lang", lang)
    person.expect_online()


def russian_plurals(page: Page) -> list[str]:
    """A counted message of the Russian page, for each of RUSSIAN_COUNTS."""
    return page.evaluate(
        """async (counts) => {
            const text = await import("/static/js/text.js");
            return counts.map((n) => text.plural("quest.failCards", n));
        }""",
        [count for count, _ in RUSSIAN_COUNTS],
    )


def test_every_phase_in_each_language(
    site: ServerProcess, new_player: Callable[..., Player]
) -> None:
    people = {lang: new_player(name, locale=LOCALES[lang]) for lang, name in PEOPLE.items()}
    # The rotating person's slot is "new"; lang_of says which language it shows now.
    people["new"] = new_player(ROTATING, locale=LOCALES[ROTATION[0]], viewport=PHONE)
    lang_of = {**{lang: lang for lang in PEOPLE}, "new": ROTATION[0]}
    names = [*PEOPLE.values(), ROTATING, *SOCKET_PLAYERS]
    problems: dict[str, list[str]] = {}
    shown: set[str] = set()  # the languages the rotating person has shown

    def check(slot: str, where: str) -> None:
        page = people[slot].page
        lang = lang_of[slot]
        found = untranslated(visible_text(page), lang, names)
        if slot == "new":
            found += wider_than_the_screen(page)
            shown.add(lang)
        if found:
            problems[f"{lang}: {where}"] = found

    # Home, in the browser's language; then a room of one's own with a computer player.
    rooms = {}
    for slot, person in people.items():
        person.page.goto("/")
        expect(person.page.locator("#home-view")).to_be_visible()
        expect(person.page.locator("html")).to_have_attribute("lang", lang_of[slot])
        check(slot, "home")
        rooms[slot] = create_room(person)
        names.append(rooms[slot])
        person.page.locator("#lobby-add-bot").click()
        expect(person.page.locator("#players .badge.bot")).to_have_count(1)
        check(slot, "lobby as host, with a bot")
        person.page.locator("#players button[data-remove-bot]").click()
        expect(person.page.locator("#players .badge.bot")).to_have_count(0)
        check(slot, "lobby as host, bot removed")
    names.append("Bot 1")
    code = rooms["en"]
    ann = people["en"]
    fay = people["new"]

    # Russian counts have three forms: 1 карта, 2 карты, 5 карт.
    russian = TABLES["ru"]["quest.failCards"]
    assert russian_plurals(fay.page) == [
        russian[form].format(count=count) for count, form in RUSSIAN_COUNTS
    ]

    # Joining the English room by its link: the form, a refused name, then a seat.
    for slot in ("es", "de", "new"):
        page = people[slot].page
        page.goto(f"/r/{code}")
        expect(page.locator("#join-room-info")).to_contain_text("Ann")
        check(slot, "join")
        page.locator("#join-name").fill("Ann")
        page.locator("#join-form button[type=submit]").click()
        name_taken = TABLES[lang_of[slot]]["apiError.name_taken"]
        expect(page.locator("#join-error")).to_have_text(name_taken)
        check(slot, "join refused")
        page.locator("#join-name").fill(people[slot].name)
        page.locator("#join-form button[type=submit]").click()
        people[slot].code = code
        people[slot].expect_online()

    seen: dict[str, set[str]] = {slot: set() for slot in people}

    def phases_seen(slot: str) -> set[str]:
        return {key.split(":")[0] for key in seen[slot]}

    def key(person: Player) -> str:
        phase, move = person.turn()
        return phase + (":move" if move else "")

    rotated: set[str] = set()  # the phases the rotating person changed language for

    def rotate() -> str:
        """The rotating person's next language, from now on."""
        lang_of["new"] = ROTATION[(ROTATION.index(lang_of["new"]) + 1) % len(ROTATION)]
        return lang_of["new"]

    # Quest 1 goes to its fifth proposal, so that everyone leads once; evil fails quest 2.
    def approve(view: dict) -> bool:
        return view["quest"] > 1 or view["proposal"] == options.MAX_PROPOSALS

    bots = Bots(
        site,
        [site.join(code, name) for name in SOCKET_PLAYERS],
        approve=lambda view, pid: approve(view),
        succeed=lambda view, pid: view["quest"] != 2,
        # No one moves on before every page has seen the phase.
        wait=lambda view: any(view["phase"] not in phases_seen(slot) for slot in people),
    )
    try:
        expect(ann.page.locator("#player-count")).to_have_text("5")
        for slot in people:
            check(slot, "lobby")
        ann.page.locator("#opt-lady").check()
        ann.page.locator("#start-game").click()

        def step() -> bool:
            now = {slot: key(person) for slot, person in people.items()}
            phase = now["new"].split(":")[0]
            if phase in ROTATE_AT and phase not in rotated:
                pick_language(fay, rotate())  # shown in the next language from now on
                rotated.add(phase)
                now["new"] = key(fay)
            for slot, where in now.items():
                if where and where not in seen[slot]:  # "": the board is not drawn yet
                    check(slot, where)
                    seen[slot].add(where)
            if all(person.page.locator("#winner").count() for person in people.values()):
                return True
            # A person moves once every page shows the same phase (so none misses it).
            if len({where.split(":")[0] for where in now.values()}) > 1:
                return False
            if not any(bots.views.values()):
                return False
            view = bots.view()
            for slot, person in people.items():
                if now[slot].endswith(":move"):  # the move stays until this person makes it
                    person.take_turn(approve=approve(view))
            return False

        bots.play_until(step, timeout=90)
        for slot, person in people.items():
            check(slot, "game over")
            seen[slot].add(key(person))  # the end may have come between two looks
            assert phases_seen(slot) == PHASES, (slot, seen[slot])

        # The replay of the game, its last step, a game that does not exist.
        for slot, person in people.items():
            page = person.page
            if slot == "new":  # the address of the link, in the next language
                link = page.locator("#replay-link").get_attribute("href")
                page.goto(f"{link}?lang={rotate()}")
            else:
                page.locator("#replay-link").click()
            expect(page.locator("#replay-body")).to_be_visible()
            check(slot, "replay")
            page.keyboard.press("End")
            expect(page.locator("#replay-forward")).to_be_disabled()
            check(slot, "replay, last step")
            if slot == "de":
                assert person.axe_problems() == []
            if slot == "new":
                rotate()
            page.goto(f"/r/{code}/games/9?lang={lang_of[slot]}")
            text = TABLES[lang_of[slot]]["replay.notFound"].format(code=code, number=9)
            expect(page.locator("#replay-status")).to_have_text(text)
            check(slot, "replay of no game")

        # A game in play has no replay yet, and says so.
        ann.page.goto(f"/r/{code}")
        ann.expect_online()
        ann.page.locator("#play-again").click()
        expect(ann.page.locator("#game-over")).to_be_hidden()
        rotate()
        for slot, person in people.items():
            person.page.goto(f"/r/{code}/games/2?lang={lang_of[slot]}")
            text = TABLES[lang_of[slot]]["replay.inProgress"].format(code=code, number=2)
            expect(person.page.locator("#replay-status")).to_have_text(text)
            check(slot, "replay of a game in play")
    finally:
        bots.close()
    assert problems == {}
    assert shown == set(ROTATION)


def test_the_language_follows_the_browser_and_the_picker_is_remembered(
    new_player: Callable[..., Player],
) -> None:
    german = TABLES["de"]
    visitor = new_player("Visitor", locale="en-US")
    page = visitor.page
    page.goto("/")
    expect(page.locator("#home-view")).to_be_visible()  # the client has started
    title = page.locator("#create-form h2")
    expect(title).to_have_text(ENGLISH["page.createTitle"])
    expect(page.locator("#lang-select")).to_have_value("en")
    expect(page.locator("#lang-select option")).to_have_count(len(TABLES))

    # Picking German shows the page in German at once, with the server's word for it.
    page.locator("#lang-select").select_option("de")
    expect(page).to_have_url(re.compile(r"/\?lang=de$"))
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(title).to_have_text(german["page.createTitle"])
    expect(page.locator("#lang-select")).to_have_value("de")

    # Without ?lang= the browser still asks for English: the choice made wins, also after
    # a reload and in another tab, and on every page.
    page.goto("/")
    expect(title).to_have_text(german["page.createTitle"])
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.reload()
    expect(title).to_have_text(german["page.createTitle"])
    other = visitor.new_page()
    other.goto("/r/ZZZZZ/games/1")
    expect(other.locator("#replay-status")).to_have_text(german["apiError.room_not_found"])

    # Back to English, the same way.
    page.locator("#lang-select").select_option("en")
    expect(title).to_have_text(ENGLISH["page.createTitle"])
    page.goto("/")
    expect(title).to_have_text(ENGLISH["page.createTitle"])

    # A Brazilian browser gets Portuguese without picking anything (pt-BR is pt); ?lang=
    # overrides it.
    brazilian = new_player("Visitante", locale="pt-BR")
    brazilian.page.goto("/")
    expect(brazilian.page.locator("html")).to_have_attribute("lang", "pt")
    heading = brazilian.page.locator("#create-form h2")
    expect(heading).to_have_text(TABLES["pt"]["page.createTitle"])
    brazilian.page.goto("/?lang=zh")
    expect(heading).to_have_text(TABLES["zh"]["page.createTitle"])
