"""Display names and chat text that cannot impersonate, hide or reorder what others see.

Names are compared by a key: NFKC, case folding, combining marks removed, then the
UTS #39 confusable skeleton (`disarm.skeleton_key`), so `Аlice` (Cyrillic А), `Ａlice`,
`Alicé` and `Alice` with an invisible character all collide with `Alice`. Characters
that draw nothing or change the direction of the text around them are refused outright.
"""

from __future__ import annotations

import unicodedata

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
    return name_key(name) != ""


def name_key(name: str) -> str:
    """The key under which names must be unique in a room (look-alikes share one)."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    bare = "".join(
        char
        for char in unicodedata.normalize("NFD", folded)
        if unicodedata.category(char) not in MARKS
    )
    return disarm.skeleton_key(unicodedata.normalize("NFC", bare))[:NAME_KEY_LENGTH]


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
