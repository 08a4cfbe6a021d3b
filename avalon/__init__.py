"""Avalon: play The Resistance: Avalon online with friends."""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

if TYPE_CHECKING:  # imported inside create_app: gunicorn's master imports this package
    from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration, database, per-app state, HTTP API, socket, pages."""
    from flask import Flask
    from werkzeug.middleware.proxy_fix import ProxyFix

    from avalon import config
    from avalon.ops import logs
    from avalon.services import context
    from avalon.store import schema
    from avalon.web import accounts
    from avalon.web import api
    from avalon.web import bodies
    from avalon.web import community
    from avalon.web import errors
    from avalon.web import health
    from avalon.web import no_cookies
    from avalon.web import observe
    from avalon.web import pages
    from avalon.web import socket

    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(config.from_environment())
    if test_config is not None:
        app.config.from_mapping(test_config)
    config.ensure_secret_key(app.config, app.instance_path)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # keep protocol order
    logs.configure_logging()

    schema.init_app(app)
    context.init_app(app)
    errors.init_app(app)
    no_cookies.init_app(app)
    observe.init_app(app)
    bodies.init_app(app)
    api.init_app(app)
    accounts.init_app(app)
    community.init_app(app)
    health.init_app(app)
    socket.init_app(app)
    pages.init_app(app)
    if app.config["PROXY_HOPS"]:
        # Behind a load balancer (Heroku's router: 1) the client is in X-Forwarded-For.
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    return app
