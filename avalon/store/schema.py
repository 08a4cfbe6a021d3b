"""The database schema: creating it, and the `init-db` command."""

from __future__ import annotations

import click
from flask import Flask

from avalon.store import db
from avalon.store import models


def create_tables() -> None:
    """Create every table that does not exist yet."""
    with db.unit():
        db.database.create_tables(models.ALL_MODELS, safe=True)


@click.command("init-db")
def init_db_command() -> None:
    """Create the database schema (safe to run on every release)."""
    create_tables()
    click.echo("Database ready.")


def init_app(app: Flask) -> None:
    """Configure the database from the app config and register the CLI command."""
    db.configure(app.config["DATABASE_URL"], app.config["DB_POOL"])
    app.cli.add_command(init_db_command)
