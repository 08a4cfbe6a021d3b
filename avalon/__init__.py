"""Avalon: play The Resistance: Avalon online with friends."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration, database, broker, HTTP API and room socket."""
    from avalon import api
    from avalon import broker
    from avalon import config
    from avalon import db
    from avalon import logs
    from avalon import pages
    from avalon import ws

    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(config.from_environment())
    if test_config is not None:
        app.config.from_mapping(test_config)
    config.ensure_secret_key(app.config, app.instance_path)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep protocol order
    logs.configure_logging()

    db.init_app(app)
    broker.init_app(app)
    api.init_app(app)
    ws.init_app(app)
    pages.init_app(app)
    return app
