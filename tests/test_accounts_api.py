"""Accounts over HTTP (PROTOCOL section 12): passkeys, the session, claims, export, delete,
and what an attacker would try: forged or replayed WebAuthn answers, another account's
session, and requests another site makes."""

from __future__ import annotations

import os
import uuid

import pytest

from tests.account_support import COOKIE
from tests.account_support import Authenticator
from tests.account_support import Browser
from tests.account_support import b64
from tests.account_support import signed_up

pytestmark = pytest.mark.timeout(60)


def unique(prefix: str = "P") -> str:
    """A name no other test uses."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def test_register_sign_out_sign_in_on_a_second_device_and_add_a_passkey(server):
    browser = Browser(server)
    phone = Authenticator(server.url, "127.0.0.1")
    name = unique("Ann")
    created = browser.register(name, phone)
    assert created["name"] == name
    cookie = browser.set_cookies[-1]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # served over http here
    me = browser.me()
    assert me["account_id"] == created["account_id"] and me["public"] is False
    assert len(me["passkeys"]) == 1 and me["ratings"]["overall"]["games"] == 0

    assert browser.request("POST", "/api/accounts/logout")[0] == 204
    assert browser.cookie is None
    assert browser.request("GET", "/api/accounts/me")[0] == 401

    laptop = Browser(server)  # the same passkey, synced to a second device
    status, body = laptop.login(phone.copy())
    assert status == 200 and body["account_id"] == created["account_id"]
    second_key = Authenticator(server.url, "127.0.0.1")
    status, options = laptop.request("POST", "/api/accounts/me/passkeys/options", {})
    assert status == 200 and [c["id"] for c in options["excludeCredentials"]] == [
        b64(phone.credential_id)
    ]
    status, keys = laptop.request("POST", "/api/accounts/me/passkeys", second_key.create(options))
    assert status == 201 and len(keys) == 2
    third = Browser(server)
    status, body = third.login(second_key)
    assert status == 200 and body["account_id"] == created["account_id"]


def test_names_are_unique_and_checked(server):
    name = unique("Bea")
    signed_up(server, name)
    other = Browser(server)
    for taken in (name, name.upper(), f" {name} "):
        status, body = other.request("POST", "/api/accounts/register/options", {"name": taken})
        assert (status, body["error"]["code"]) == (409, "name_taken")
    for bad in ("", "x" * 25, "a\u202eb", 5, "a former player"):
        status, body = other.request("POST", "/api/accounts/register/options", {"name": bad})
        assert status in (400, 409), body


def test_forged_and_replayed_answers_are_refused(server):
    browser, key = signed_up(server)
    stranger = Browser(server)
    # A bad signature.
    status, body = stranger.login(key, tamper=True)
    assert (status, body["error"]["code"]) == (401, "invalid_credential")
    # A challenge the server never handed out.
    made_up = {"challenge": b64(os.urandom(32))}
    status, _ = stranger.request("POST", "/api/accounts/login", key.get(made_up))
    assert status == 401
    # Another origin: a phishing page relaying the ceremony.
    status, _ = stranger.login(key, origin="http://evil.example")
    assert status == 401
    # A replayed assertion: the same answer twice.
    status, options = stranger.request("POST", "/api/accounts/login/options", {})
    answer = key.get(options)
    assert stranger.request("POST", "/api/accounts/login", answer)[0] == 200
    assert stranger.request("POST", "/api/accounts/login", answer)[0] == 401
    # A fresh challenge answered with an old counter (a cloned authenticator).
    status, _ = Browser(server).login(key, counter_step=0)
    assert status == 401
    # A registration answered from another origin, then one replayed.
    newcomer = Browser(server)
    new_key = Authenticator(server.url, "127.0.0.1")
    _, options = newcomer.request("POST", "/api/accounts/register/options", {"name": unique()})
    status, _ = newcomer.request(
        "POST", "/api/accounts/register", new_key.create(options, origin="http://evil.example")
    )
    assert status == 400
    _, options = newcomer.request("POST", "/api/accounts/register/options", {"name": unique()})
    answer = new_key.create(options)
    assert newcomer.request("POST", "/api/accounts/register", answer)[0] == 201
    assert Browser(server).request("POST", "/api/accounts/register", answer)[0] == 400
    # Malformed answers.
    for junk in ({}, {"id": "x", "response": {}}, {"id": "x", "response": {"clientDataJSON": "!"}}):
        assert stranger.request("POST", "/api/accounts/login", junk)[0] in (400, 401)


def test_another_accounts_session_gets_nothing_of_it(server):
    ann, ann_key = signed_up(server)
    bob, bob_key = signed_up(server)
    ann_id, bob_id = ann.me()["account_id"], bob.me()["account_id"]
    # Ann's passkey answering with Bob's user handle signs nobody in.
    status, _ = Browser(server).login(ann_key, user_handle=bob_key.user_handle)
    assert status == 401
    # Options to add a passkey to Ann's account cannot be completed by Bob's session.
    _, options = ann.request("POST", "/api/accounts/me/passkeys/options", {})
    intruder = Authenticator(server.url, "127.0.0.1")
    status, _ = bob.request("POST", "/api/accounts/me/passkeys", intruder.create(options))
    assert status == 400
    assert len(ann.me()["passkeys"]) == 1
    # A private profile is nobody else's to read; its own player sees it.
    assert bob.request("GET", f"/api/players/{ann_id}")[0] == 404
    assert ann.request("GET", f"/api/players/{ann_id}")[0] == 200
    # A made-up or ended session is no session.
    forged = Browser(server)
    forged.cookie = "x" * 43
    assert forged.request("GET", "/api/accounts/me")[0] == 401
    old_cookie = bob.cookie
    bob.request("POST", "/api/accounts/logout")
    bob.cookie = old_cookie
    assert bob.request("GET", "/api/accounts/me")[0] == 401
    assert bob.request("DELETE", "/api/accounts/me")[0] == 401
    assert ann.me()["account_id"] == ann_id and bob_id != ann_id


def test_requests_from_another_site_are_refused(server):
    browser, _ = signed_up(server)
    foreign = {"Origin": "http://evil.example"}
    attempts = [
        ("PATCH", "/api/accounts/me", {"public": True}),
        ("DELETE", "/api/accounts/me", None),
        ("POST", "/api/accounts/logout", None),
        ("POST", "/api/accounts/me/claim", {"device": browser.device}),
        ("POST", "/api/accounts/register/options", {"name": unique()}),
    ]
    for method, path, body in attempts:
        status, answer = browser.request(method, path, body, page=False)
        assert (status, answer["error"]["code"]) == (403, "cross_site"), path
        status, answer = browser.request(method, path, body, headers=foreign)
        assert (status, answer["error"]["code"]) == (403, "cross_site"), path
        status, _ = browser.request(method, path, body, headers={"Sec-Fetch-Site": "cross-site"})
        assert status == 403, path
    me = browser.me()
    assert me["public"] is False  # nothing changed, the session still stands
    seat = browser.create_room("Hana")
    status, answer = browser.request(
        "POST", f"/api/rooms/{seat['code']}/group", {"name": "x"}, page=False
    )
    assert (status, answer["error"]["code"]) == (403, "cross_site")
    # A join another site makes with the cookie stays a guest's seat.
    joined = browser.request(
        "POST",
        f"/api/rooms/{seat['code']}/join",
        {"display_name": "Twin", "device": "d" * 12},
        page=False,
    )
    assert joined[0] == 201
    status, export = browser.request("GET", "/api/accounts/me/export")
    assert [s["player_id"] for s in export["seats"]] == [seat["player_id"]]


def test_a_browser_claims_its_past_seats_once(server):
    guest = Browser(server)  # played as a guest first
    seat = guest.create_room("Cleo")
    guest.join(server.create_room("Other")["code"], "Cleo")
    account, _ = signed_up(server)
    account.device = guest.device
    status, body = account.request("POST", "/api/accounts/me/claim", {"device": guest.device})
    assert (status, body) == (200, {"claimed": 2})
    status, body = account.request("POST", "/api/accounts/me/claim", {"device": guest.device})
    assert (status, body["error"]["code"]) == (409, "device_claimed")
    other, _ = signed_up(server)
    status, _ = other.request("POST", "/api/accounts/me/claim", {"device": guest.device})
    assert status == 409
    status, export = account.request("GET", "/api/accounts/me/export")
    assert seat["player_id"] in [s["player_id"] for s in export["seats"]]
    assert all(s["claimed"] for s in export["seats"])
    assert account.request("POST", "/api/accounts/me/claim", {"device": "short"})[0] == 400
    assert Browser(server).request("POST", "/api/accounts/me/claim", {"device": "d" * 20})[0] == 401


def test_export_then_delete_keeps_the_games_under_a_former_players_name(server):
    browser, key = signed_up(server)
    seat = browser.create_room("Dora")
    status, export = browser.request("GET", "/api/accounts/me/export")
    assert status == 200
    assert set(export) >= {"account", "passkeys", "sessions", "seats", "games", "ratings", "groups"}
    assert export["seats"][0]["display_name"] == "Dora"
    assert len(export["passkeys"]) == 1 and len(export["sessions"]) == 1
    assert "token" not in str(export["sessions"])
    account_id = export["account"]["account_id"]
    assert browser.request("DELETE", "/api/accounts/me")[0] == 204
    assert browser.cookie is None
    status, room = server.request("GET", f"/api/rooms/{seat['code']}")
    assert [p["display_name"] for p in room["players"]] == ["a former player"]
    assert Browser(server).login(key)[0] == 401  # its passkey is gone too
    assert Browser(server).request("GET", f"/api/players/{account_id}")[0] == 404


def test_profiles_and_the_leaderboard_answer_as_documented(server):
    browser, _ = signed_up(server)
    status, me = browser.request("PATCH", "/api/accounts/me", {"public": True})
    assert status == 200 and me["public"] is True
    status, profile = Browser(server).request("GET", f"/api/players/{me['account_id']}")
    assert status == 200 and profile["name"] == me["name"] and profile["last_games"] == []
    assert set(profile["ratings"]) == {"overall", "good", "evil"}
    status, board = Browser(server).request("GET", "/api/leaderboard?page=1")
    assert status == 200 and board["page"] == 1
    assert me["account_id"] not in [p["account_id"] for p in board["players"]]  # no rated game
    for bad in ("0", "-1", "x", "999999999"):
        assert Browser(server).request("GET", f"/api/leaderboard?page={bad}")[0] == 400
    assert Browser(server).request("GET", "/api/groups/nosuchgroup")[0] == 404
    assert Browser(server).request("GET", "/api/players/99999999")[0] == 404
    assert browser.request("PATCH", "/api/accounts/me", {"public": "yes"})[0] == 400


def test_the_relying_party_is_the_public_url_and_its_cookie_is_secure(make_server):
    site = make_server(AVALON_PUBLIC_URL="https://avalon.example")
    browser = Browser(site, origin="https://avalon.example")
    _, options = browser.request("POST", "/api/accounts/register/options", {"name": "Eve"})
    assert options["rp"]["id"] == "avalon.example"
    key = Authenticator("https://avalon.example", "avalon.example")
    status, _ = browser.request(
        "POST",
        "/api/accounts/register",
        key.create(options),
        headers={"Origin": "https://avalon.example"},
    )
    assert status == 201
    assert "Secure" in browser.set_cookies[-1]
    # The request's own origin is not the relying party's: its answers are refused.
    _, options = browser.request("POST", "/api/accounts/login/options", {})
    status, _ = browser.request("POST", "/api/accounts/login", key.get(options, origin=site.url))
    assert status == 401
    assert COOKIE in browser.set_cookies[-1]
