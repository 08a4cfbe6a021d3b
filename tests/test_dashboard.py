"""The operator's metrics: what a game evening shows, and a dashboard that reads them.

deploy/grafana-dashboard.json is checked against the metric names a real server
exports after a little play, so a renamed metric cannot leave a panel empty.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from avalon.ops import metrics
from tests.game_driver import Table
from tests.services import REDIS_URL
from tests.services import require_service
from tests.support import wait_for
from tests.test_ops import scrape

pytestmark = pytest.mark.timeout(120)
DASHBOARD = Path(__file__).resolve().parent.parent / "deploy" / "grafana-dashboard.json"
SUFFIXES = ("_bucket", "_sum", "_count")
# The exact counts this evening makes. Each worker writes its own numbers to the shared
# files once a second (ops/metrics.py), so the test waits until all of them are there.
COUNTS = {
    "avalon_games_started_total": 1,
    'avalon_games_finished_total{reason="abandoned"}': 1,
    "avalon_chat_messages_total": 1,
    "avalon_socket_opens_total": 5,
    'avalon_http_requests_total{route="/api/rooms",status="201"}': 1,
    'avalon_http_requests_total{route="/api/rooms/<code>/join",status="201"}': 4,
}


def dashboard_metrics() -> set[str]:
    """Every metric name the dashboard's queries use, histogram suffixes taken off."""
    panels = json.loads(DASHBOARD.read_text())["panels"]
    names = set()
    for panel in panels:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            for name in re.findall(r"\bavalon_[a-z_]+", target["expr"]):
                for suffix in SUFFIXES:
                    name = name.removesuffix(suffix)
                names.add(name)
    return names


def exported(text: str) -> set[str]:
    """The metric families of one /metrics answer."""
    return {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")}


def test_an_evening_shows_on_every_panel_of_the_dashboard(make_server, postgres):
    require_service("Redis", "127.0.0.1", 6379)
    server = make_server(workers=2, DATABASE_URL=postgres, REDIS_URL=REDIS_URL)
    seats = server.room_with_players(5)
    table = Table(server, seats)
    try:
        table.start(roles=["merlin", "assassin"], lady_of_the_lake=False)
        table.clients[table.host].chat("good luck")
        table.clients[table.host].recv_event("chat")
        view = table.view
        team = view["players"][: view["team_sizes"][0]]
        table.send(view["leader"], "action", {"action": "propose_team", "players": team})
        table.sync(view["version"] + 1)
        table.action(table.host, "propose_end", "end")
        table.clients[table.host].recv_event("end_proposed")
        for player in [p for p in view["players"] if p != table.host][:2]:
            table.action(player, "vote_end", end=True)
        table.clients[table.host].recv_event("game_over", 20)

        def all_counted() -> bool:
            now = scrape(server)
            return all(now.get(name) == value for name, value in COUNTS.items())

        wait_for(all_counted, timeout=10, interval=0.3)
        status, text = server.request("GET", "/metrics")
        samples = scrape(server)
    finally:
        table.close()
    # A labelled family shows once a label set has a sample (no 1011 close, no Redis
    # error tonight): those are checked against the app's declarations instead.
    labelled = {name for name, (_, labels) in metrics.COUNTERS.items() if labels}
    missing = dashboard_metrics() - exported(text)
    assert missing <= labelled and missing <= set(metrics.COUNTERS)
    assert {name: samples.get(name) for name in COUNTS} == COUNTS
    assert samples['avalon_moves_total{by="person"}'] >= 1
    assert samples["avalon_move_seconds_count"] >= 1
    assert samples["avalon_message_seconds_count"] >= 1
    assert samples["avalon_db_connections_in_use"] >= 0  # the pool's gauges are there
    assert samples["avalon_db_connections_waiting"] >= 0
