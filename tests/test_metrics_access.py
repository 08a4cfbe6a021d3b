"""Who may read /metrics (PROTOCOL section 11): a Bearer token when set, else loopback only."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from avalon.ops import metrics
from tests.support import SECRET_KEY

pytestmark = pytest.mark.timeout(60)

TOKEN = "scrape-me_7Qm=x"  # an "=" inside: no header parser may take it for parameters
PROMETHEUS = metrics.CONTENT_TYPE


@pytest.fixture
def make_client(tmp_path: Path) -> Iterator:
    """Build test clients of in-process apps with their own settings."""
    from avalon import create_app
    from avalon.store import db

    def build(remote_addr: str, **config: object) -> FlaskClient:
        settings = {
            "TESTING": True,
            "SECRET_KEY": SECRET_KEY,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'metrics.db'}",
            **config,
        }
        app: Flask = create_app(settings)
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = remote_addr  # the socket peer of every request
        return client

    yield build
    db.database.close_all()


def refusal(response: TestResponse) -> tuple[int, str]:
    """The status and error code of a refused scrape."""
    return response.status_code, response.get_json()["error"]["code"]


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "127.31.4.2", "::1", "::ffff:127.0.0.1", "::ffff:127.9.9.9"]
)
def test_without_a_token_loopback_clients_may_scrape(make_client, address):
    response = make_client(address).get("/metrics")
    assert response.status_code == 200
    assert response.content_type == PROMETHEUS
    assert b"avalon_open_sockets" in response.data


@pytest.mark.parametrize(
    "address", ["203.0.113.7", "10.0.0.1", "::ffff:10.0.0.1", "2001:db8::1", "::", ""]
)
def test_without_a_token_anyone_else_is_forbidden(make_client, address):
    response = make_client(address).get("/metrics")
    assert refusal(response) == (403, "forbidden")
    assert "AVALON_METRICS_TOKEN" in response.get_json()["error"]["message"]
    assert b"avalon_" not in response.data


def test_behind_a_proxy_the_client_is_judged_by_its_own_address(make_client):
    # nginx on this host relays: the socket peer is loopback, the client is not.
    behind = make_client("127.0.0.1", PROXY_HOPS=1)
    relayed = behind.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
    assert refusal(relayed) == (403, "forbidden")
    assert behind.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200
    assert behind.get("/metrics", headers={"X-Forwarded-For": "not an address"}).status_code == 403
    assert behind.get("/metrics").status_code == 200  # a local scrape straight to the app
    # Without AVALON_PROXY_HOPS a forged header changes nothing, either way.
    forged = make_client("203.0.113.7").get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})
    assert forged.status_code == 403
    local = make_client("127.0.0.1").get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
    assert local.status_code == 200


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer ",
        f"Basic {TOKEN}",
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
        f"Bearer{TOKEN}",
        f"Bearer \u00e9{TOKEN}",  # not ASCII: compare_digest of str would raise TypeError
    ],
)
def test_with_a_token_anything_but_the_token_is_unauthorized(make_client, authorization):
    client = make_client("127.0.0.1", METRICS_TOKEN=TOKEN)  # loopback no longer suffices
    headers = {} if authorization is None else {"Authorization": authorization}
    response = client.get("/metrics", headers=headers)
    assert refusal(response) == (401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert b"avalon_" not in response.data


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_with_a_token_the_token_opens_it_from_anywhere(make_client, scheme):
    client = make_client("203.0.113.7", METRICS_TOKEN=TOKEN)
    response = client.get("/metrics", headers={"Authorization": f"{scheme} {TOKEN}"})
    assert response.status_code == 200 and response.content_type == PROMETHEUS
    # The other endpoints stay public: load balancers probe without credentials.
    assert client.get("/readyz").status_code in (200, 503)
    assert client.get("/livez").status_code == 200


def test_a_real_server_asks_for_the_token_even_on_loopback(make_server):
    server = make_server(AVALON_METRICS_TOKEN=TOKEN)

    def scrape(authorization: str | None) -> tuple[int, str, dict[str, str]]:
        request = urllib.request.Request(server.url + "/metrics")
        if authorization is not None:
            request.add_header("Authorization", authorization)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as err:
            with err:
                return err.code, err.read().decode(), dict(err.headers)

    status, body, headers = scrape(None)
    assert (status, headers["WWW-Authenticate"]) == (401, "Bearer")
    assert '"code":"unauthorized"' in body.replace(" ", "")
    assert scrape("Bearer wrong")[0] == 401
    status, body, headers = scrape(f"Bearer {TOKEN}")
    assert status == 200 and headers["Content-Type"] == PROMETHEUS
    assert "avalon_workers 1.0" in body
    assert server.request("GET", "/readyz")[0] == 200
    assert "Traceback" not in server.log()
