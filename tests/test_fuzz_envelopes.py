"""Fuzzing a lobby's socket with random JSON and random and mutated envelopes."""

from __future__ import annotations

import pytest

from tests import fuzz_lobby
from tests import fuzz_support
from tests.fuzz_lobby import FuzzRoom
from tests.fuzz_lobby import assert_room_consistent
from tests.fuzz_lobby import run_examples
from tests.fuzz_support import envelopes
from tests.fuzz_support import json_values
from tests.fuzz_support import mutated_envelopes

pytestmark = pytest.mark.timeout(180)

# Bound here so that this module gets its own server, observer and leak checks
# (pytest looks fixtures up by name in the test module).
fuzz_server = fuzz_support.fuzz_server
observer = fuzz_support.observer
nothing_leaked = fuzz_support.nothing_leaked
room = fuzz_lobby.room


# Tests


def test_random_envelopes(room: FuzzRoom) -> None:
    run_examples("envelopes", envelopes(room.ids) | json_values(), room.send_json)
    assert_room_consistent(room)


def test_mutated_envelopes(room: FuzzRoom) -> None:
    run_examples("mutated", mutated_envelopes(room.ids), room.send_json)
    assert_room_consistent(room)
