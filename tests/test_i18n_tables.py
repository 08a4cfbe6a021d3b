"""The message tables, read as JSON (no browser): the page offers the same languages
everywhere, every language has every key of English with the same placeholders and the
plural forms its rules ask for, no English is left in a translation, every key the client
names exists, and a name carrying any language's badge word is refused."""

from __future__ import annotations

import re

import pytest

from avalon.game import options
from avalon.game import roles
from avalon.game import variants
from avalon.protocol import codes
from avalon.protocol.names import reserved_name
from avalon.web.api import SETUP_PRESETS
from avalon.web.pages import LANGUAGES
from tests.i18n_support import ENGLISH
from tests.i18n_support import I18N
from tests.i18n_support import PLACEHOLDER
from tests.i18n_support import PLURAL_FORMS
from tests.i18n_support import SAME_IN
from tests.i18n_support import SAME_WORDS
from tests.i18n_support import STATIC
from tests.i18n_support import TABLES
from tests.i18n_support import TRANSLATIONS
from tests.i18n_support import forms
from tests.i18n_support import placeholders
from tests.i18n_support import words_of
from tests.support import ROOT

pytestmark = pytest.mark.timeout(30)

KEY = r"[a-zA-Z]+\.[\w.]*\w"  # a message key: "replay.title", "seats.leaveAsk.inGame"
# The English names of the languages, as the README lists them.
LANGUAGE_NAMES = {
    "en": "English",
    "es": "Spanish",
    "de": "German",
    "fr": "French",
    "pt": "Portuguese",
    "ru": "Russian",
    "zh": "Simplified Chinese",
}
# Messages shown as a badge beside a name, or in brackets after one: a player may not
# carry them in their own name ("Ann (host)").
BADGE_KEYS = (
    "lobby.host",
    "chat.host",
    "lobby.you",
    "home.you",
    "badge.bot",
    "badge.offline",
    "badge.standIn",
    "badge.leader",
)


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


def test_the_page_offers_the_same_languages_everywhere() -> None:
    offered = set(LANGUAGES)  # the server's list: what <html lang> and ?lang= may say
    assert {path.stem for path in I18N.glob("*.json")} == offered
    client = (STATIC / "js" / "i18n.js").read_text()
    listed = re.search(r"export const LANGUAGES = \{([^}]*)\}", client)
    assert listed is not None
    assert set(re.findall(r"^\s*(\w+):", listed.group(1), re.MULTILINE)) == offered
    page = (STATIC / "index.html").read_text()
    picker = re.search(r"<select id=\"lang-select\"[^>]*>(.*?)</select>", page, re.DOTALL)
    assert picker is not None
    assert set(re.findall(r"<option value=\"(\w+)\"", picker.group(1))) == offered
    assert set(PLURAL_FORMS) == offered
    assert set(SAME_IN) == set(TRANSLATIONS)
    readme = (ROOT / "README.md").read_text()
    languages = re.search(r"^- \*\*Languages:\*\*(.*?)(?=^- \*\*|^#)", readme, re.S | re.M)
    assert languages is not None
    assert [name for name in LANGUAGE_NAMES.values() if name not in languages.group(1)] == []
    assert set(LANGUAGE_NAMES) == offered


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_table_has_every_key_with_its_placeholders_and_plural_forms(lang: str) -> None:
    table = TABLES[lang]
    assert sorted(set(ENGLISH) - set(table)) == [], f"{lang}: keys missing"
    assert sorted(set(table) - set(ENGLISH)) == [], f"{lang}: keys English does not have"
    wrong = []
    for key, english in ENGLISH.items():
        message = table[key]
        if not isinstance(message, type(english)):
            wrong.append(f"{key}: a plural message in one table, a string in the other")
            continue
        if isinstance(english, dict):
            if set(message) != PLURAL_FORMS[lang]:
                wrong.append(f"{key}: forms {sorted(message)}, not {sorted(PLURAL_FORMS[lang])}")
            # A form may spell its number out ("une carte"), so {count} may go unsaid.
            needed = placeholders(english) - {"count"}
            for form in forms(message):
                if not needed <= set(PLACEHOLDER.findall(form)) <= needed | {"count"}:
                    wrong.append(f"{key}: {form!r} has not the placeholders {sorted(needed)}")
        elif set(PLACEHOLDER.findall(message)) != placeholders(english):
            wrong.append(f"{key}: {message!r} has not the placeholders of {english!r}")
        for form in forms(message):
            if not form.strip():
                wrong.append(f"{key}: empty")
            if "{" in PLACEHOLDER.sub("", form) or "}" in PLACEHOLDER.sub("", form):
                wrong.append(f"{key}: {form!r} has a brace of no placeholder")
    assert wrong == [], lang


@pytest.mark.parametrize("lang", TRANSLATIONS)
def test_no_english_is_left_in_a_translation(lang: str) -> None:
    allowed = SAME_WORDS | SAME_IN[lang]
    left = {}
    for key, english in ENGLISH.items():
        english_words = set().union(*(words_of(form) for form in forms(english)))
        words = set().union(*(words_of(form) for form in forms(TABLES[lang].get(key, ""))))
        if words & english_words - allowed:
            left[key] = sorted(words & english_words - allowed)
    assert left == {}, lang


def keys_built_by_the_client() -> set[str]:
    """The keys the client builds from the rules' names ("preset." + name, …)."""
    keys = {f"preset.{name}" for name in SETUP_PRESETS}
    for variant in options.LANCELOT_VARIANTS:
        keys |= {f"lancelot.variant.{variant}", f"lancelot.hint.{variant}"}
    keys |= {"lancelot.card.no_change", "lancelot.card.switch"}
    modes = ("merlin", "lovers", "guinevere", "cleric")
    keys |= {f"assassin.mode.{mode}" for mode in modes}
    for kind in ("picker", "action"):
        keys |= {f"{kind}.assassin.{mode}" for mode in (*modes, "cleric_role")}
    tags = ("evil", "merlinOrMorgana", "evilLancelot", "lancelot", "lover")
    keys |= {f"tag.{tag}" for tag in tags}
    keys |= {"result.cleric", "result.check"}
    return keys


def test_every_key_the_client_and_the_server_name_has_a_message() -> None:
    named = keys_in_client() | keys_built_by_the_client()
    named |= {f"role.{role}" for role in options.ROLE_ORDER}
    named |= {f"roleYou.{role}" for role in options.ROLE_ORDER}
    # Every role's texts as the rules API names them: its name, "you are", hint, knowledge.
    named |= {key for role in roles.rules_table() for key in role["texts"].values()}  # type: ignore[union-attr]
    # Every card's and table option's texts as the rules API names them, and their choices.
    table = variants.rules_table()
    named |= {key for card in table["cards"] for key in card["texts"].values()}
    named |= {key for option in table["table_options"] for key in option["texts"].values()}
    named |= {key for keys in table["option_choice_texts"].values() for key in keys.values()}
    named |= {f"reason.{reason}" for reason in options.REASONS}
    named |= {f"close.{name}" for name in codes.close_codes()}
    errors = [
        value for name, value in vars(codes).items() if name.isupper() and isinstance(value, str)
    ]
    named |= {f"socketError.{code}" for code in errors}
    assert sorted(named - set(ENGLISH)) == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_name_carrying_a_badge_of_any_language_is_refused(lang: str) -> None:
    table = TABLES[lang]
    words = {table[key] for key in BADGE_KEYS}
    words.add(re.sub(r"^\{name\}\s*[(（](.*)[)）]$", r"\1", table["name.you"]))
    assert "{name}" not in "".join(words), "name.you is no name with a bracketed word"
    assert sorted(word for word in words if not reserved_name(f"Ann ({word})")) == [], lang
    assert reserved_name(table["badge.bot"] + " 3"), lang
