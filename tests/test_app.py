"""The app built in-process: the factory, per-app state, the CLI and the HTTP API."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask.testing import FlaskCliRunner

from avalon import create_app
from avalon.game import options
from avalon.protocol.codes import CloseCode
from avalon.services import context
from tests.support import SECRET_KEY

pytestmark = pytest.mark.timeout(30)


ALICE = {"display_name": "Alice", "device": "device-alice"}  # as a browser sends it
BOB = {"display_name": "Bob", "device": "device-bob"}


def test_init_db_command_creates_the_schema(runner: FlaskCliRunner, client: FlaskClient):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0 and "Database ready." in result.output
    response = client.post("/api/rooms", json=ALICE)
    assert response.status_code == 201


def test_create_join_and_describe_a_room(client: FlaskClient):
    host = client.post("/api/rooms", json=ALICE).get_json()
    assert host["is_host"] is True and len(host["code"]) == 5
    guest = client.post(f"/api/rooms/{host['code'].lower()}/join", json=BOB)
    assert guest.status_code == 201 and guest.get_json()["is_host"] is False
    room = client.get(f"/api/rooms/{host['code']}").get_json()
    assert [p["display_name"] for p in room["players"]] == ["Alice", "Bob"]
    assert room["status"] == "lobby"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        ("POST", "/api/rooms", None, 400, "bad_json"),
        ("POST", "/api/rooms", {"display_name": ""}, 400, "invalid_display_name"),
        ("POST", "/api/rooms/ZZZZZ/join", BOB, 404, "room_not_found"),
        ("POST", "/api/rooms", {"display_name": "Ann"}, 400, "invalid_device"),
        ("POST", "/api/rooms", {"display_name": "Host"}, 400, "invalid_display_name"),
        ("GET", "/api/rooms/0", None, 404, "room_not_found"),
        ("GET", "/nowhere", None, 404, "not_found"),
        ("DELETE", "/api/rooms", None, 405, "method_not_allowed"),
        ("GET", "/ws/rooms/ABCDE", None, 400, "websocket_required"),
    ],
)
def test_errors_are_json(client: FlaskClient, method, path, body, status, code):
    response = client.open(path, method=method, json=body)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code


def test_rules_endpoint_serves_the_rule_tables_and_close_codes(client: FlaskClient):
    served = client.get("/api/rules").get_json()
    for count in range(options.MIN_PLAYERS, options.MAX_PLAYERS + 1):
        assert served["team_sizes"][str(count)] == options.TEAM_SIZES[count]
        assert served["evil_count"][str(count)] == options.EVIL_COUNT[count]
        assert served["fails_required"][str(count)] == options.fails_required(count)
    assert served["roles"] == options.ROLE_ORDER
    assert set(served["evil_roles"]) == options.EVIL_ROLES
    assert served["optional_roles"] == ["percival", "morgana", "mordred", "oberon"]
    assert served["close_codes"]["replaced"] == CloseCode.REPLACED == 4409
    assert served["close_codes"] == {code.name.lower(): int(code) for code in CloseCode}


def test_two_apps_in_one_process_keep_their_own_state(app: Flask):
    # The database is one per process (peewee binds the models to one proxy): share it.
    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": SECRET_KEY,
            "DATABASE_URL": app.config["DATABASE_URL"],
            "ROOM_REQUEST_BURST": 1.0,
            "ROOM_REQUEST_RATE": 0.001,
        }
    )
    assert context.state(app) is not context.state(other)
    assert context.state(app).broker is not context.state(other).broker
    limited = other.test_client()
    assert limited.get("/api/rooms/ZZZZZ").status_code == 404
    assert limited.get("/api/rooms/ZZZZZ").status_code == 429  # the other app's burst of 1
    assert all(app.test_client().get("/api/rooms/ZZZZZ").status_code == 404 for _ in range(5))


@pytest.mark.parametrize(
    ("query", "header", "expected"),
    [
        ("", None, "en"),
        ("?lang=es", None, "es"),
        ("?lang=DE", "es", "de"),
        ("", "de-CH,de;q=0.9,en;q=0.5", "de"),
        ("", "it-IT,it;q=0.9", "en"),
        ("", "pt-BR,pt;q=0.9", "pt"),
        ("", "zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("", "en-GB,ru;q=0.5", "en"),
        ("", "it,ru-RU;q=0.7,fr;q=0.5", "ru"),
        ("?lang=xx", "es;q=0.8", "es"),
    ],
)
def test_the_page_speaks_the_readers_language(client: FlaskClient, query, header, expected):
    headers = {"Accept-Language": header} if header else {}
    response = client.get(f"/{query}", headers=headers)
    assert response.status_code == 200
    assert f'<html lang="{expected}">' in response.get_data(as_text=True)
    assert response.headers["Content-Language"] == expected


def test_a_replay_page_of_an_unknown_game_is_a_404(client: FlaskClient):
    code = client.post("/api/rooms", json=ALICE).get_json()["code"]
    for path in (f"/r/{code}/games/1", "/r/ZZZZZ/games/1", f"/r/{code}/games/99999999999"):
        response = client.get(path)
        assert response.status_code == 404
        assert "<html" in response.get_data(as_text=True)  # the page explains it
