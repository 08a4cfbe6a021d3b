"""Look-alike names and text that hides or reorders itself (PROTOCOL section 6)."""

from __future__ import annotations

import pytest

from avalon.protocol.errors import ProtocolError
from avalon.protocol.names import name_key
from avalon.protocol.names import same_name
from avalon.protocol.validation import clean_chat_message
from avalon.protocol.validation import clean_display_name

pytestmark = pytest.mark.timeout(10)

LOOK_ALIKES = [
    "alice",
    "ALICE",
    "\u0410lice",  # Cyrillic capital A
    "Al\u0456ce",  # Cyrillic small i
    "\uff21lice",  # fullwidth A
    "Alic\u00e9",  # a combining accent, composed
    "Alice\u0301",  # a combining accent, decomposed
    "Ａｌｉｃｅ",  # fullwidth throughout
    "𝐀𝐥𝐢𝐜𝐞",  # mathematical bold
]
REFUSED_NAMES = [
    "Alice\ufe0f",  # a variation selector after a letter: invisible
    "Alice\u2800",  # braille blank
    "\u3164",  # Hangul filler: a name that looks empty
    "\u3164\u3164\u3164",
    "\u2800\u2800",
    "A\u200bl\u200bice",  # zero-width spaces
    "evil\u202eecilA",  # right-to-left override
    "Al\u2066ice",  # a bidi isolate
    "Z\u0301\u0302\u0303algo",  # stacked marks
    "a\tb",
]
WELCOME = ["Zoë 🎲", "José", "李雷", "Владимир", "Mary Ann", "Bob ❤\ufe0f", "O'Brien"]


@pytest.mark.parametrize("name", LOOK_ALIKES)
def test_look_alikes_share_the_key_of_alice(name):
    assert clean_display_name(name) is not None
    assert name_key(name) == name_key("Alice")


@pytest.mark.parametrize("name", REFUSED_NAMES)
def test_invisible_blank_and_reordering_names_are_refused(name):
    assert clean_display_name(name) is None


@pytest.mark.parametrize("name", WELCOME)
def test_names_from_many_languages_are_welcome(name):
    assert clean_display_name(name) == name
    assert name_key(name) != name_key("Alice")


def test_inner_white_space_is_one_space():
    assert clean_display_name("  Mary   Ann  ") == "Mary Ann"


@pytest.mark.parametrize(
    "text",
    ["hello \u202eevil", "\u2066isolated\u2069", "\u3164\u3164", "\u2800", "Z" + "\u0301" * 3],
)
def test_chat_refuses_reordering_blank_and_stacked_text(text):
    with pytest.raises(ProtocolError) as error:
        clean_chat_message(text, 500)
    assert error.value.code == "invalid_payload"


def test_chat_keeps_emoji_sequences_and_accents():
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert clean_chat_message(f"gg {family} Zoë", 500) == f"gg {family} Zoë"


@pytest.mark.parametrize(
    ("name", "other"),
    [
        ("\u0397ana", "Hana"),  # Greek capital Eta, which looks like H (folded: eta, like n)
        ("\u13bbANA", "hana"),  # Cherokee letter MI, which looks like H
        ("\u0391LICE", "alice"),  # Greek capital Alpha
        ("\u0392ob", "Bob"),  # Greek capital Beta
        ("\u0397\u039b\u0399\u0391\u03a3", "\u03b7\u03bb\u03b9\u03b1\u03c2"),  # Greek, any case
    ],
)
def test_capitals_of_other_scripts_are_compared_by_their_shape(name, other):
    assert same_name(name, other)


@pytest.mark.parametrize(
    "name",
    ["System", "SERVER", "Host", "h\u043est", "Alice (host)", "Ann [bot]", "Bob <you>",
     "Bot 3", "bot", "B\u043et 12", "Eve (Gastgeberin)", "Moi (hôte)", "Ana (líder)",
     "Rui (você)", "Бот 3", "Ведущий", "Зоя [зритель]", "Ann (не в сети)", "系统",
     "Lea（房主）", "机器人7", "Paul (hors ligne)", "Bot-3"],
)  # fmt: skip
def test_names_a_badge_or_a_system_line_could_be_mistaken_for_are_refused(name):
    assert clean_display_name(name) is None


def test_brackets_that_are_no_badge_are_welcome():
    assert clean_display_name("Ann (Mum)") == "Ann (Mum)"
    assert clean_display_name("Robot") == "Robot"
    assert not same_name("Hana", "Nana")
