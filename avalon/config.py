"""Configuration read from the environment (PROTOCOL sections 1 and 13).

Every setting is parsed when the app is built; a bad value stops the start with one
line naming the variable, the value and what is allowed (wsgi.py prints it).
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from avalon.bots import LEVELS as BOT_LEVELS

log = logging.getLogger(__name__)

# Each entry: variable name, config key, type, default.
SETTINGS: list[tuple[str, str, type, Any]] = [
    ("DATABASE_URL", "DATABASE_URL", str, "sqlite:///avalon.db"),
    ("REDIS_URL", "REDIS_URL", str, None),
    ("AVALON_DB_POOL", "DB_POOL", int, 10),
    ("AVALON_PING_INTERVAL", "PING_INTERVAL", float, 25.0),
    ("AVALON_IDLE_TIMEOUT", "IDLE_TIMEOUT", float, 60.0),
    ("AVALON_SEND_QUEUE", "SEND_QUEUE", int, 256),
    ("AVALON_WRITE_TIMEOUT", "WRITE_TIMEOUT", float, 10.0),
    ("AVALON_MAX_MESSAGE_BYTES", "MAX_MESSAGE_BYTES", int, 16384),
    ("AVALON_CHAT_MAX_LENGTH", "CHAT_MAX_LENGTH", int, 500),
    ("AVALON_CHAT_BURST", "CHAT_BURST", float, 10.0),
    ("AVALON_CHAT_RATE", "CHAT_RATE", float, 2.0),
    ("AVALON_TOKEN_MAX_AGE", "TOKEN_MAX_AGE", int, 604800),
    ("AVALON_ALLOWED_ORIGINS", "ALLOWED_ORIGINS", str, ""),
    ("AVALON_MAX_SPECTATORS", "MAX_SPECTATORS", int, 40),
    ("AVALON_HOST_GRACE", "HOST_GRACE", float, 30.0),
    ("AVALON_TURN_TIMER_MIN", "TURN_TIMER_MIN", int, 10),
    ("AVALON_ROOM_REQUEST_BURST", "ROOM_REQUEST_BURST", float, 30.0),
    ("AVALON_ROOM_REQUEST_RATE", "ROOM_REQUEST_RATE", float, 1.0),
    ("AVALON_MAX_BODY_BYTES", "MAX_BODY_BYTES", int, 16384),
    ("AVALON_BODY_TIMEOUT", "BODY_TIMEOUT", float, 10.0),
    ("AVALON_NAMESPACE", "NAMESPACE", str, None),
    ("AVALON_ROOM_RETENTION_DAYS", "ROOM_RETENTION_DAYS", float, 30.0),
    ("AVALON_MOVE_BURST", "MOVE_BURST", float, 20.0),
    ("AVALON_MOVE_RATE", "MOVE_RATE", float, 2.0),
    ("AVALON_BOT_DELAY", "BOT_DELAY", float, 2.0),
    ("AVALON_STAND_IN_LEVEL", "STAND_IN_LEVEL", str, "strong"),  # how stand-ins reason
    ("AVALON_PROXY_HOPS", "PROXY_HOPS", int, 0),
    ("AVALON_METRICS_TOKEN", "METRICS_TOKEN", str, None),
    ("AVALON_ABSENT_GRACE", "ABSENT_GRACE", float, 90.0),
    ("AVALON_MAX_PAUSE", "MAX_PAUSE", float, 600.0),
    ("AVALON_ENV", "ENV", str, "development"),
    ("AVALON_PUBLIC_URL", "PUBLIC_URL", str, None),  # the passkeys' relying party, if set
]


ENVIRONMENTS = ("development", "production")
SECRET_KEY_MIN_LENGTH = 32  # in production: a key short enough to guess forges every seat


class ConfigError(RuntimeError):
    """A configuration variable is missing or malformed."""


def from_environment(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Read every setting from the environment, with defaults, as config keys."""
    environ = dict(os.environ if environ is None else environ)
    config: dict[str, Any] = {}
    for variable, key, kind, default in SETTINGS:
        raw = environ.get(variable)
        if raw is None or raw == "":
            config[key] = default
            continue
        config[key] = parse(variable, raw, kind, allow_zero=key == "PROXY_HOPS")
    check_together(config)
    config["ALLOWED_ORIGINS"] = [
        origin.strip().rstrip("/")
        for origin in config["ALLOWED_ORIGINS"].split(",")
        if origin.strip()
    ]
    config["SECRET_KEY"] = environ.get("SECRET_KEY") or None
    config["NAMESPACE"] = config["NAMESPACE"] or namespace_of(config["DATABASE_URL"])
    # Werkzeug refuses larger bodies with 413 before reading them.
    config["MAX_CONTENT_LENGTH"] = config["MAX_BODY_BYTES"]
    return config


KINDS = {int: "a whole number", float: "a number", str: "text"}


def parse(variable: str, raw: str, kind: type, allow_zero: bool = False) -> Any:
    """One setting's value, or a ConfigError naming the variable and what it allows."""
    least = "0 or more" if allow_zero else "above 0"
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{variable}={raw!r}: expected {KINDS[kind]} {least}") from None
    if kind in (int, float) and (value < 0 or (value == 0 and not allow_zero)):
        raise ConfigError(f"{variable}={raw!r}: expected {KINDS[kind]} {least}")
    return value


def check_together(config: dict[str, Any]) -> None:
    """The checks that involve a value's meaning or another setting."""
    if config["ENV"] not in ENVIRONMENTS:
        allowed = " or ".join(ENVIRONMENTS)
        raise ConfigError(f"AVALON_ENV={config['ENV']!r}: expected {allowed} (lower case)")
    idle, ping = config["IDLE_TIMEOUT"], config["PING_INTERVAL"]
    if idle < 2 * ping:
        # A quiet client is pinged only after PING_INTERVAL; it needs time to answer.
        raise ConfigError(
            f"AVALON_IDLE_TIMEOUT={idle:g}: expected at least twice AVALON_PING_INTERVAL"
            f" ({ping:g}), or every quiet client is cut before it can answer a ping"
        )
    if config["STAND_IN_LEVEL"] not in BOT_LEVELS:
        allowed = ", ".join(BOT_LEVELS)
        raise ConfigError(f"AVALON_STAND_IN_LEVEL={config['STAND_IN_LEVEL']!r}: expected {allowed}")
    check_public_url(config["PUBLIC_URL"])


def check_public_url(url: str | None) -> None:
    """The public address is an origin: http(s), a host name, maybe a port, nothing else."""
    if url is None:
        return
    parts = urlsplit(url)
    port_ok = True
    try:
        parts.port  # noqa: B018 - a port out of range raises here
    except ValueError:
        port_ok = False
    extra = parts.query or parts.fragment or parts.username or parts.path not in ("", "/")
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok or extra:
        raise ConfigError(
            f"AVALON_PUBLIC_URL={url!r}: expected the site's origin, such as https://avalon.example"
        )


def namespace_of(database_url: str) -> str:
    """A Redis prefix derived from the database, so two deployments never share keys."""
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:12]
    return f"avalon:{digest}"


def ensure_secret_key(config: dict[str, Any], instance_path: str) -> None:
    """Require SECRET_KEY in production; in development keep a random one on disk."""
    production = config["ENV"] == "production"
    if production and len(config.get("SECRET_KEY") or "") < SECRET_KEY_MIN_LENGTH:
        least = SECRET_KEY_MIN_LENGTH
        raise ConfigError(f"SECRET_KEY: expected at least {least} characters in production")
    if config.get("SECRET_KEY"):
        return
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f"secret_key.{os.getpid()}")
        temporary.write_text(secrets.token_urlsafe(48))
        try:
            # link() fails if another worker won the race: everyone then reads its key.
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
        log.warning("SECRET_KEY is not set: using a development key kept in %s", path)
    config["SECRET_KEY"] = path.read_text().strip()
