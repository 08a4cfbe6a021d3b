"""Display names and chat text that cannot impersonate, hide or reorder what others see.

Names are compared by two keys built from the full Unicode confusables data (UTS #39,
as the `disarm` library ships it), after NFKC and with combining marks removed; two
names are the same when either key is. `name_key` folds case first, then takes the
skeleton (`ALICE` and `alice`, `ΗΛΙΑΣ` and `ηλιας`); `shape_key` first replaces every
capital letter of a script other than Latin by the skeleton of its own shape (Greek `Η`
and Cherokee `Ꮋ` look like `H`, though folded they become `η` and `ꮋ`, which look like
`n` and `h`). So `Аlice` (Cyrillic А), `Ηana` (Greek capital Eta), `ᎻANA` (Cherokee),
`Ａlice`, `Alicé` and `Alice` with an invisible character collide with `Alice` and `Hana`.
Characters that draw nothing or change the direction of the text around them are
refused outright, and so are names the page's own badges or system lines could be
mistaken for (`System`, `Alice (host)`, `Bot 3`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import disarm

NAME_MAX_LENGTH = 24
NAME_KEY_LENGTH = 96  # the stored key's column size
MAX_MARKS = 2  # combining marks allowed on one letter (more is "Zalgo" text)
EMOJI_SELECTOR = "\ufe0f"  # asks for the colour emoji form of the symbol before it

CONTROL = frozenset({"Cc", "Cs"})  # control characters and lone surrogates
MARKS = frozenset({"Mn", "Me"})  # combining marks
# Right-to-left and left-to-right overrides, embeddings, isolates and marks: they reorder
# the text after them, so "evil\u202eilA" reads as something else on screen.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Characters that draw as empty space or nothing: a name of them looks like no name.
BLANK_LOOKING = frozenset(
    "\u00a0\u00ad\u034f\u115f\u1160\u1680\u17b4\u17b5\u180e\u2028\u2029\u202f\u205f"
    "\u2800\u3000\u3164\uffa0"
    + "".join(chr(code) for code in range(0x2000, 0x200B))  # en quad .. hair space
)


def has_control_characters(text: str, allow_newline: bool = False) -> bool:
    """Tell whether text has control characters or lone surrogates."""
    return any(
        unicodedata.category(char) in CONTROL and not (allow_newline and char == "\n")
        for char in text
    )


def too_many_marks(text: str) -> bool:
    """Tell whether any letter carries more than MAX_MARKS combining marks."""
    run = 0
    for char in unicodedata.normalize("NFD", text):
        run = run + 1 if unicodedata.category(char) in MARKS else 0
        if run > MAX_MARKS:
            return True
    return False


# Names the page itself uses, for system lines and for computer players (Bot 1, ...), in
# every language it speaks (static/i18n/): a name may not be one of them.
RESERVED_WORDS = (
    "system", "server", "host", "admin", "moderator", "avalon", "bot",
    "sistema", "servidor", "anfitrión", "gastgeber", "système", "serveur", "hôte",
    "anfitrião", "система", "сервер", "ведущий", "бот", "авалон",
    "系统", "服务器", "房主", "机器人", "阿瓦隆",
)  # fmt: skip
BOT_WORDS = ("bot", "бот", "机器人")  # a name of one of these and a number reads as a bot's
# Words of the page's badges (every language it speaks): a name that carries one in
# brackets, as `Alice (host)` or `Ann [bot]`, reads as a badge.
BADGE_WORDS = (
    "host", "bot", "you", "me", "spectator", "watching", "offline", "away", "leader",
    "stand-in", "system", "server", "admin", "mod", "moderator",
    "anfitrión", "anfitriona", "tú", "espectador", "espectadora", "desconectado",
    "desconectada", "líder", "suplente", "sistema", "servidor",
    "gastgeber", "gastgeberin", "du", "zuschauer", "zuschauerin", "getrennt", "abwesend",
    "anführer", "anführerin", "vertretung",
    "hôte", "vous", "toi", "spectateur", "spectatrice", "hors ligne", "absent", "absente",
    "chef", "remplaçant", "remplaçante", "système", "serveur",
    "anfitrião", "anfitriã", "você", "substituto", "substituta", "ausente",
    "вы", "ты", "ведущий", "ведущая", "бот", "зритель", "зрительница", "не в сети",
    "лидер", "замена", "система", "сервер",
    "你", "房主", "机器人", "观众", "离线", "队长", "替补", "系统", "服务器",
)  # fmt: skip
BRACKETED = re.compile(r"[(\[{<（［｛〈《「【](.*?)[)\]}>）］｝〉》」】]")
TRAILING_DIGITS = re.compile(r"\d+$")


def compact_key(text: str) -> str:
    """The key of a word or name with its spaces and hyphens left out."""
    return name_key(text).replace(" ", "").replace("-", "")


@cache
def word_keys(words: tuple[str, ...]) -> frozenset[str]:
    """The compact keys of a list of words (computed once: the lists are constants)."""
    return frozenset(compact_key(word) for word in words)


def reserved_name(name: str) -> bool:
    """Tell whether a name could be taken for a badge, a system line or a bot."""
    for key in (name_key(name).replace(" ", ""), shape_key(name).replace(" ", "")):
        key = key.replace("-", "")
        if key in word_keys(RESERVED_WORDS) or TRAILING_DIGITS.sub("", key) in word_keys(BOT_WORDS):
            return True
    for inner in BRACKETED.findall(unicodedata.normalize("NFKC", name)):
        if compact_key(inner) in word_keys(BADGE_WORDS):
            return True
    return False


def acceptable_name(name: str) -> bool:
    """Tell whether a trimmed name may be shown at a table."""
    if not 1 <= len(name) <= NAME_MAX_LENGTH or too_many_marks(name):
        return False
    previous = ""
    for char in name:
        category = unicodedata.category(char)
        # Cf: format characters (zero-width space, joiners, variation tags, bidi controls).
        if category in CONTROL or category == "Cf" or char in BLANK_LOOKING:
            return False
        # Variation selectors draw nothing; the emoji one is allowed right after a symbol.
        emoji_style = char == EMOJI_SELECTOR and unicodedata.category(previous) == "So"
        if category in MARKS and unicodedata.combining(char) == 0 and not emoji_style:
            return False
        previous = char
    return name_key(name) != "" and not reserved_name(name)


def bare(name: str) -> str:
    """A name after NFKC, without combining marks (`Alicé` is `Alice`)."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", name))
    kept = "".join(char for char in decomposed if unicodedata.category(char) not in MARKS)
    return unicodedata.normalize("NFC", kept)


def name_key(name: str) -> str:
    """The stored key under which names are unique in a room: case folded, then skeleton."""
    return disarm.skeleton_key(bare(name).casefold())[:NAME_KEY_LENGTH]


def shape_key(name: str) -> str:
    """The second key: capitals of other scripts compared by the shape they are written in.

    Folded first, Greek capital Eta (which looks like H) would become eta (like n).
    """
    shaped = "".join(
        disarm.skeleton_key(char) if char.isupper() and not latin(char) else char
        for char in bare(name)
    )
    return disarm.skeleton_key(shaped.casefold())[:NAME_KEY_LENGTH]


def same_name(name: str, other: str) -> bool:
    """Tell whether two names would read as the same name at a table."""
    return name_key(name) == name_key(other) or shape_key(name) == shape_key(other)


def latin(char: str) -> bool:
    """Tell whether a letter is Latin (ASCII included)."""
    return char.isascii() or unicodedata.name(char, "").startswith("LATIN")


def chat_problem(text: str) -> str | None:
    """Why a trimmed chat message cannot be shown, or None if it can."""
    if text.isascii():  # most chat: no marks, no bidi or blank-looking characters
        if not text.replace("\n", "").isprintable():  # ASCII's unprintables are Cc
            return "chat message has control characters"
        return "chat message is blank" if text.isspace() else None
    if has_control_characters(text, allow_newline=True):
        return "chat message has control characters"
    if any(char in BIDI_CONTROLS for char in text):
        return "chat message has direction-changing characters"
    if all(char.isspace() or char in BLANK_LOOKING for char in text):
        return "chat message is blank"
    if too_many_marks(text):
        return "chat message has too many stacked accents"
    return None
