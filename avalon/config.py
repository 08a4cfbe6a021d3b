"""Configuration read from the environment (PROTOCOL section 1)."""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from pathlib import Path
from typing import Any

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
    ("AVALON_PROXY_HOPS", "PROXY_HOPS", int, 0),
    ("AVALON_METRICS_TOKEN", "METRICS_TOKEN", str, None),
    ("AVALON_ABSENT_GRACE", "ABSENT_GRACE", float, 90.0),
    ("AVALON_MAX_PAUSE", "MAX_PAUSE", float, 600.0),
    ("AVALON_ENV", "ENV", str, "development"),
]


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
        try:
            value = kind(raw)
        except ValueError:
            raise ConfigError(f"{variable}={raw!r} is not a valid {kind.__name__}") from None
        if kind in (int, float) and value <= 0 and key != "PROXY_HOPS":
            raise ConfigError(f"{variable} must be positive, got {raw!r}")
        config[key] = value
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


def namespace_of(database_url: str) -> str:
    """A Redis prefix derived from the database, so two deployments never share keys."""
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:12]
    return f"avalon:{digest}"


def ensure_secret_key(config: dict[str, Any], instance_path: str) -> None:
    """Require SECRET_KEY in production; in development keep a random one on disk."""
    if config.get("SECRET_KEY"):
        return
    if config["ENV"] == "production":
        raise ConfigError("SECRET_KEY must be set when AVALON_ENV=production")
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
