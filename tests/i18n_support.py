"""The client's message tables as the tests read them: one JSON file per language the page
offers, its messages' strings and placeholders, and the words a translation may share with
English."""

from __future__ import annotations

import json
import re

from avalon.web.pages import LANGUAGES
from tests.support import ROOT

STATIC = ROOT / "avalon" / "static"
I18N = STATIC / "i18n"
TABLES = {lang: json.loads((I18N / f"{lang}.json").read_text()) for lang in LANGUAGES}
ENGLISH = TABLES["en"]
TRANSLATIONS = tuple(lang for lang in LANGUAGES if lang != "en")
PLACEHOLDER = re.compile(r"\{(\w+)\}")
WORD = re.compile(r"[^\W\d_]{3,}")  # a word of three letters or more (shorter ones prove little)
# The plural forms a counted message has in each language: the categories of
# Intl.PluralRules (CLDR) that whole numbers below a million fall in.
PLURAL_FORMS = {
    "en": {"one", "other"},
    "es": {"one", "other"},
    "de": {"one", "other"},
    "fr": {"one", "other"},  # "one" is 0 and 1: "0 carte Échec"
    "pt": {"one", "other"},
    "ru": {"one", "few", "many", "other"},  # 1 карта, 2 карты, 5 карт; "other": fractions
    "zh": {"other"},
}
# Words an English page and a translated one both use, rightly: the game's and its roles'
# names (and the letters of the example room code K7QPZ), words these languages borrowed
# from English, and their own words that English happens to have too. Any other English
# word on a translated page is a miss.
SAME_WORDS = {"avalon", "merlin", "percival", "morgana", "mordred", "oberon", "arthur", "qpz"}
SAME_WORDS |= {"bot", "bots", "chat"}
# The newer roles' names that these languages keep (ProAvalon's house roles everywhere).
SAME_WORDS |= {"lancelot", "lancelots", "tristan", "isolde", "guinevere", "proavalon"}
SAME_WORDS |= {"melron", "moregano", "hitberon", "mordredassassin"}
SAME_WORDS |= {"excalibur"}  # the sword keeps its name (but in Russian and Chinese)
SAME_IN = {
    # "caracteres de control", "un error", "has votado", "los roles", "el juego base"
    "es": {"control", "error", "has", "roles", "base", "normal"},
    "de": {"browser", "code", "name", "pause", "per", "see", "server", "system", "tab"}
    | {"team", "teams", "was", "will", "box", "normal"},
    "fr": {"assassin", "chose", "code", "long", "loyal", "message", "messages", "moment"}
    | {"notification", "notifications", "options", "page", "pause", "place", "propose"}
    | {"secret", "sections", "site", "table", "vote", "votes", "exact", "face", "base", "brute"}
    | {"opinion", "conversation", "phase", "normal"},
    # "home" and "end": the keys Home and End
    "pt": {"decide", "link", "site", "vote", "home", "end", "base", "normal"},
    "ru": {"home", "end"},
    "zh": {"home", "end"},
}


def forms(message: str | dict) -> list[str]:
    """A message's strings: itself, or each of its plural forms."""
    return list(message.values()) if isinstance(message, dict) else [message]


def placeholders(message: str | dict) -> set[str]:
    """The {names} of all of a message's strings."""
    return set().union(*(PLACEHOLDER.findall(form) for form in forms(message)))


def words_of(text: str) -> set[str]:
    """The words of a text, lower-cased, placeholders left out."""
    return {word.lower() for word in WORD.findall(PLACEHOLDER.sub(" ", text))}


ENGLISH_WORDS = set().union(*(words_of(text) for m in ENGLISH.values() for text in forms(m)))
