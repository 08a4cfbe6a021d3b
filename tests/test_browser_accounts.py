"""Accounts in Chromium with a virtual authenticator (DevTools' WebAuthn domain): create
an account in one step, claim the browser's past seat, add a passkey, sign in on a second
device, play a rated game, see the rating move, export, delete (axe-core finding nothing
serious on the account panel, the profile and the leaderboard); and the page's word about
bare IP addresses."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest

from tests.account_support import signed_up
from tests.browser_player import Player
from tests.browser_support import players
from tests.game_driver import Table

pytestmark = pytest.mark.timeout(90)

try:
    from playwright.sync_api import expect
except ImportError:  # pragma: no cover - the browser fixture skips or fails first
    pass


def authenticator(player: Player) -> tuple[Any, str]:
    """Give a player's browser a platform authenticator that says yes by itself."""
    cdp = player.context.new_cdp_session(player.page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "internal",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})
    return cdp, added["authenticatorId"]


def test_an_account_from_sign_up_to_a_rated_game_to_deletion(browser, make_server):
    site = make_server()
    base = f"http://localhost:{site.port}"  # browsers refuse passkeys on a bare IP address
    with players(browser, base) as open_player:
        ann = open_player("Ann")
        cdp, device = authenticator(ann)
        code = ann.create_room()  # a guest's seat first
        page = ann.page
        page.goto("/")
        page.locator("#account-create-name").fill("Ann")
        page.get_by_role("button", name="Create an account with a passkey").click()
        expect(page.locator("#account-name")).to_have_text("Signed in as Ann.")
        page.get_by_role("button", name="Claim this browser's past seat (1)").click()
        expect(page.locator("#account-status")).to_have_text("1 past seat is now yours.")
        expect(page.locator("#account-claim")).to_be_hidden()
        # Her first passkey goes to a second device; this one then makes a second passkey
        # (an authenticator refuses to make two passkeys of one account).
        (first, *_) = cdp.send("WebAuthn.getCredentials", {"authenticatorId": device})[
            "credentials"
        ]
        moved = {"authenticatorId": device, "credentialId": first["credentialId"]}
        cdp.send("WebAuthn.removeCredential", moved)
        page.get_by_role("button", name="Add a passkey (another device)").click()
        expect(page.locator("#account-facts")).to_contain_text("2 passkeys")
        assert ann.axe_problems() == []  # the home page's account panel, signed in

        # The second device signs in as Ann with the first passkey.
        laptop = open_player("Ann on a laptop")
        laptop_cdp, laptop_device = authenticator(laptop)
        laptop_cdp.send(
            "WebAuthn.addCredential", {"authenticatorId": laptop_device, "credential": first}
        )
        laptop.page.goto("/")
        laptop.page.get_by_role("button", name="Sign in with a passkey").click()
        expect(laptop.page.locator("#account-name")).to_have_text("Signed in as Ann.")
        with laptop.page.expect_response(lambda r: r.request.method == "PATCH") as changed:
            laptop.page.locator("#account-public").check()
        assert changed.value.ok

        # A rated game: Ann (signed in: her seat is her account's) and four more accounts.
        room = laptop.create_room()
        others = [signed_up(site)[0] for _ in range(4)]
        seats = [b.join(room, f"Friend{i}") for i, b in enumerate(others, 1)]
        script = "code => JSON.parse(localStorage.getItem('avalon.seat.' + code))"
        host_seat = laptop.page.evaluate(script, room)
        laptop.page.goto("/")  # the page's socket closes: the table below plays her seat
        table = Table(site, [host_seat, *seats])
        table.start()
        table.play_to_end(random.Random(11))
        table.close()
        me = json.loads(laptop.page.evaluate("() => fetch('/api/accounts/me').then(r => r.text())"))
        assert me["ratings"]["overall"]["games"] == 1 and me["stats"]["games"] == 1
        laptop.page.get_by_role("link", name="Your profile").click()
        expect(laptop.page.locator("#profile-title")).to_have_text("Ann")
        expect(laptop.page.locator("#profile-body")).to_contain_text("rated")
        rating = f"{me['ratings']['overall']['ordinal']:.1f}"
        expect(laptop.page.locator("#profile-body table").first).to_contain_text(rating)
        assert rating != "0.0"  # a new player's ordinal is 0: it moved
        replay = laptop.page.get_by_role("link", name="Watch the replay").first
        expect(replay).to_have_attribute("href", re.compile(f"/r/({room}|{code})/games/1"))
        assert laptop.axe_problems() == []  # the profile page
        laptop.page.goto("/leaderboard")
        expect(laptop.page.locator("#leaderboard-body")).to_contain_text("Ann")
        assert laptop.axe_problems() == []

        # Export, then delete: the games stay under "a former player".
        page.goto("/")
        with page.expect_download() as download:
            page.get_by_role("link", name="Download my data").click()
        exported = json.loads(Path(download.value.path()).read_text())
        assert exported["account"]["name"] == "Ann" and len(exported["passkeys"]) == 2
        assert len(exported["games"]) == 1 and len(exported["seats"]) == 2
        page.get_by_role("button", name="Delete my account…").click()
        page.locator("#account-delete-confirm").click()
        expect(page.locator("#account-status")).to_have_text("Your account is deleted.")
        expect(page.locator("#account-out")).to_be_visible()
        status, record = site.request("GET", f"/api/rooms/{room}/games/1")
        assert status == 200 and "a former player" in record["names"].values()


def test_the_page_says_passkeys_need_a_host_name_on_a_bare_ip(browser, make_server):
    site = make_server()
    with players(browser, site.url) as open_player:
        guest = open_player("Guest")
        guest.page.goto("/")
        note = guest.page.locator("#account-note")
        expect(note).to_contain_text("not a bare IP address like 127.0.0.1")
        expect(guest.page.get_by_role("button", name="Sign in with a passkey")).to_be_disabled()
        # A guest's page asks nothing of the account routes.
        assert [r for r in guest.requests if "/api/accounts" in r] == []
