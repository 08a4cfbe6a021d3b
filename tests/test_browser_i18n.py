"""Translations: every message table has every key (plural forms and placeholders too),
every phase of the page in English, Spanish and German shows no missing key and no English
left, the language follows the browser, and the picker's choice is remembered."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest

from avalon.game import options
from avalon.protocol import codes
from tests.browser_player import BROKEN_TEXT
from tests.browser_player import Player
from tests.socket_bots import Bots
from tests.support import ROOT
from tests.support import ServerProcess

try:
    from playwright.sync_api import Page
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - chromium() skips or fails first
    pass

pytestmark = pytest.mark.timeout(120)

STATIC = ROOT / "avalon" / "static"
LANGUAGES = ("en", "es", "de")
TABLES = {lang: json.loads((STATIC / "i18n" / f"{lang}.json").read_text()) for lang in LANGUAGES}
ENGLISH = TABLES["en"]
PLACEHOLDER = re.compile(r"\{(\w+)\}")
KEY = r"[a-zA-Z]+\.[\w.]*\w"  # a message key: "replay.title", "seats.leaveAsk.inGame"
WORD = re.compile(r"[^\W\d_]{3,}")  # a word of three letters or more (shorter ones prove little)
# Words an English page and a translated one both use, rightly: the game's and its roles'
# names, words these languages borrowed from English, and their own words that English
# happens to have too. Any other English word on a translated page is a miss.
SAME_WORDS = {"avalon", "merlin", "percival", "morgana", "mordred", "oberon", "bot", "chat"}
SAME_IN = {
    "es": {"control", "error"},  # "caracteres de control", "un error"
    "de": {"browser", "code", "name", "see", "server", "tab", "team", "teams", "was"},
}
LOCALES = {"en": "en-GB", "es": "es-ES", "de": "de-DE"}  # each browser's own language
PEOPLE = {"en": "Ann", "es": "Ben", "de": "Cat"}  # one person per language at one table
SOCKET_PLAYERS = ("Dan", "Eve")
PHASES = {"team_building", "voting", "questing", "lady", "assassination", "game_over"}


def forms(message: str | dict) -> list[str]:
    """A message's strings: itself, or each of its plural forms."""
    return list(message.values()) if isinstance(message, dict) else [message]


def words_of(text: str) -> set[str]:
    """The words of a text, lower-cased, placeholders left out."""
    return {word.lower() for word in WORD.findall(PLACEHOLDER.sub(" ", text))}


ENGLISH_WORDS = set().union(*(words_of(text) for m in ENGLISH.values() for text in forms(m)))


def keys_in_client() -> set[str]:
    """The message keys the client's code and page name literally."""
    keys: set[str] = set()
    for module in (STATIC / "js").glob("*.js"):
        source = module.read_text()
        keys |= set(re.findall(rf"\b(?:t|plural|has)\(\s*\"({KEY})\"", source))
        for call in re.findall(r"\b(?:t|plural)\(([^()]*\?[^()]*)[,)]", source):
            keys |= set(re.findall(rf"\"({KEY})\"", call))  # t(x ? "a.b" : "a.c")
    page = (STATIC / "index.html").read_text()
    keys |= set(re.findall(r"data-i18n=\"([\w.]+)\"", page))
    for attributes in re.findall(r"data-i18n-attr=\"([^\"]*)\"", page):
        keys |= {pair.split("=")[1] for pair in attributes.split(",")}
    return keys


def test_every_table_has_every_key_form_and_placeholder() -> None:
    for lang in ("es", "de"):
        table = TABLES[lang]
        assert set(table) == set(ENGLISH), lang
        for key, english in ENGLISH.items():
            message = table[key]
            assert isinstance(message, type(english)), (lang, key)
            if isinstance(english, dict):
                assert {"one", "other"} <= set(message), (lang, key)
                allowed = set().union(*(PLACEHOLDER.findall(f) for f in forms(english))) | {"count"}
                for form in forms(message):
                    assert set(PLACEHOLDER.findall(form)) <= allowed, (lang, key, form)
            else:
                assert set(PLACEHOLDER.findall(message)) == set(PLACEHOLDER.findall(english)), (
                    lang,
                    key,
                )
            assert all(form.strip() for form in forms(message)), (lang, key)
    # Every key the client names, and every name the server sends, has a message.
    named = keys_in_client()
    named |= {f"role.{role}" for role in options.ROLE_ORDER}
    named |= {f"roleYou.{role}" for role in options.ROLE_ORDER}
    named |= {f"reason.{reason}" for reason in options.REASONS}
    named |= {f"close.{name}" for name in codes.close_codes()}
    errors = [
        value for name, value in vars(codes).items() if name.isupper() and isinstance(value, str)
    ]
    named |= {f"socketError.{code}" for code in errors}
    assert sorted(named - set(ENGLISH)) == []


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


def test_every_phase_in_each_language(
    site: ServerProcess, new_player: Callable[..., Player]
) -> None:
    people = {lang: new_player(name, locale=LOCALES[lang]) for lang, name in PEOPLE.items()}
    names = [*PEOPLE.values(), *SOCKET_PLAYERS]
    problems: dict[str, list[str]] = {}

    def check(lang: str, where: str) -> None:
        found = untranslated(visible_text(people[lang].page), lang, names)
        if found:
            problems[f"{lang}: {where}"] = found

    # Home, in the browser's language; then a room of one's own with a computer player.
    rooms = {}
    for lang, person in people.items():
        person.page.goto("/")
        expect(person.page.locator("#home-view")).to_be_visible()
        expect(person.page.locator("html")).to_have_attribute("lang", lang)
        check(lang, "home")
        rooms[lang] = create_room(person)
        names.append(rooms[lang])
        person.page.locator("#lobby-add-bot").click()
        expect(person.page.locator("#players .badge.bot")).to_have_count(1)
        check(lang, "lobby as host, with a bot")
        person.page.locator("#players button[data-remove-bot]").click()
        expect(person.page.locator("#players .badge.bot")).to_have_count(0)
        check(lang, "lobby as host, bot removed")
    names.append("Bot 1")
    code = rooms["en"]
    ann = people["en"]

    # Joining the English room by its link: the form, a refused name, then a seat.
    for lang in ("es", "de"):
        page = people[lang].page
        page.goto(f"/r/{code}")
        expect(page.locator("#join-room-info")).to_contain_text("Ann")
        check(lang, "join")
        page.locator("#join-name").fill("Ann")
        page.locator("#join-form button[type=submit]").click()
        expect(page.locator("#join-error")).to_have_text(TABLES[lang]["apiError.name_taken"])
        check(lang, "join refused")
        page.locator("#join-name").fill(PEOPLE[lang])
        page.locator("#join-form button[type=submit]").click()
        people[lang].code = code
        people[lang].expect_online()

    seen: dict[str, set[str]] = {lang: set() for lang in LANGUAGES}

    def phases_seen(lang: str) -> set[str]:
        return {key.split(":")[0] for key in seen[lang]}

    def key(person: Player) -> str:
        phase, move = person.turn()
        return phase + (":move" if move else "")

    # Quest 1 goes to its fifth proposal, so that everyone leads once; evil fails quest 2.
    def approve(view: dict) -> bool:
        return view["quest"] > 1 or view["proposal"] == options.MAX_PROPOSALS

    bots = Bots(
        site,
        [site.join(code, name) for name in SOCKET_PLAYERS],
        approve=lambda view, pid: approve(view),
        succeed=lambda view, pid: view["quest"] != 2,
        # No one moves on before every language has seen the phase.
        wait=lambda view: any(view["phase"] not in phases_seen(lang) for lang in LANGUAGES),
    )
    try:
        expect(ann.page.locator("#player-count")).to_have_text("5")
        for lang in LANGUAGES:
            check(lang, "lobby")
        ann.page.locator("#opt-lady").check()
        ann.page.locator("#start-game").click()

        def step() -> bool:
            now = {lang: key(person) for lang, person in people.items()}
            for lang, where in now.items():
                if where and where not in seen[lang]:  # "": the board is not drawn yet
                    check(lang, where)
                    seen[lang].add(where)
            if all(person.page.locator("#winner").count() for person in people.values()):
                return True
            # A person moves once every page shows the same phase (so none misses it).
            if len({where.split(":")[0] for where in now.values()}) > 1:
                return False
            if not any(bots.views.values()):
                return False
            view = bots.view()
            for lang, person in people.items():
                if now[lang].endswith(":move"):  # the move stays until this person makes it
                    person.take_turn(approve=approve(view))
            return False

        bots.play_until(step, timeout=90)
        for lang, person in people.items():
            check(lang, "game over")
            seen[lang].add(key(person))  # the end may have come between two looks
            assert phases_seen(lang) == PHASES, (lang, seen[lang])

        # The replay of the game, its last step, a game that does not exist.
        for lang, person in people.items():
            page = person.page
            page.locator("#replay-link").click()
            expect(page.locator("#replay-body")).to_be_visible()
            check(lang, "replay")
            page.keyboard.press("End")
            expect(page.locator("#replay-forward")).to_be_disabled()
            check(lang, "replay, last step")
            if lang == "de":
                assert person.axe_problems() == []
            page.goto(f"/r/{code}/games/9")
            text = TABLES[lang]["replay.notFound"].format(code=code, number=9)
            expect(page.locator("#replay-status")).to_have_text(text)
            check(lang, "replay of no game")

        # A game in play has no replay yet, and says so.
        ann.page.goto(f"/r/{code}")
        ann.expect_online()
        ann.page.locator("#play-again").click()
        expect(ann.page.locator("#game-over")).to_be_hidden()
        for lang, person in people.items():
            person.page.goto(f"/r/{code}/games/2")
            text = TABLES[lang]["replay.inProgress"].format(code=code, number=2)
            expect(person.page.locator("#replay-status")).to_have_text(text)
            check(lang, "replay of a game in play")
    finally:
        bots.close()
    assert problems == {}


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

    # A Spanish browser gets Spanish without picking anything; ?lang= overrides it.
    spanish = new_player("Visitante", locale="es-ES")
    spanish.page.goto("/")
    expect(spanish.page.locator("html")).to_have_attribute("lang", "es")
    expect(spanish.page.locator("#create-form h2")).to_have_text(TABLES["es"]["page.createTitle"])
    spanish.page.goto("/?lang=de")
    expect(spanish.page.locator("#create-form h2")).to_have_text(german["page.createTitle"])
