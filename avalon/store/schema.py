"""The database schema: numbered migrations, the version check, and `flask db upgrade`."""

from __future__ import annotations

import logging
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from playhouse.migrations import Runner

from avalon.accounts.models import ACCOUNT_MODELS
from avalon.store import db
from avalon.store import models

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
HISTORY_TABLE = "schema_migration"  # which migrations a database has had
# Every table the migrations build: the rooms' and the accounts' (issue #30).
ALL_MODELS = [*models.ALL_MODELS, *ACCOUNT_MODELS]


def runner() -> Runner:
    """The migration runner for the configured database."""
    return Runner(db.database, str(MIGRATIONS), table_name=HISTORY_TABLE)


def upgrade() -> list[str]:
    """Apply every pending migration in order; return the names applied."""
    with db.unit():
        applied = runner().up()
    for name in applied:
        log.info("event=migrated migration=%s", name)
    return applied


def pending() -> list[str]:
    """The migrations this database has not had yet (empty: the schema is current)."""
    with db.unit():
        return [migration.name for migration in runner().status() if not migration.applied]


def create_tables() -> None:
    """Bring the schema up to date (the name the release step has always used)."""
    upgrade()


db_cli = AppGroup("db", help="The database schema.")


@db_cli.command("upgrade")
def upgrade_command() -> None:
    """Apply pending schema migrations (safe to run on every release)."""
    applied = upgrade()
    click.echo(f"Applied {', '.join(applied)}." if applied else "Schema is current.")


@db_cli.command("status")
def status_command() -> None:
    """List the migrations and whether each one has been applied."""
    with db.unit():
        for migration in runner().status():
            click.echo(f"{migration.name}: {'applied' if migration.applied else 'pending'}")


@click.command("init-db")
def init_db_command() -> None:
    """Create or upgrade the database schema (an alias of `db upgrade`)."""
    upgrade()
    click.echo("Database ready.")


def init_app(app: Flask) -> None:
    """Configure the database from the app config and register the CLI commands."""
    db.configure(app.config["DATABASE_URL"], app.config["DB_POOL"])
    app.cli.add_command(db_cli)
    app.cli.add_command(init_db_command)
