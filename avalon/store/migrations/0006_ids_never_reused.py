"""Ids are never handed out twice: on SQLite every table's id becomes AUTOINCREMENT.

Without AUTOINCREMENT SQLite gives a new row the largest id plus one, so deleting the
newest rows (retention) freed their ids, and a deleted room's token opened the next room
as its host. SQLite cannot change a primary key in place: each table is made again
under another name from its own CREATE statement with AUTOINCREMENT added, every row is
copied with its id, the old table is dropped, the new one takes its name, and its indexes
and triggers are made again from their own statements, so every column, default, NOT
NULL, unique and index stays exactly as it was. PostgreSQL's sequences never hand out a
value twice: there this step does nothing.
"""

from __future__ import annotations

import re
from typing import Any

from playhouse.migrate import SqliteMigrator

TABLES = ("room", "roomplayer", "chatmessage", "game")
# Columns that hold a table's ids: a row may still name an id whose own row is gone
# (a room's host_id is not a foreign key), and that id must not come back either.
REFERENCES = {
    "room": (("roomplayer", "room_id"), ("chatmessage", "room_id"), ("game", "room_id")),
    "roomplayer": (("room", "host_id"), ("chatmessage", "player_id")),
    "chatmessage": (),
    "game": (),
}
ID_COLUMN = re.compile(r'("id"\s+INTEGER\s+NOT\s+NULL\s+PRIMARY\s+KEY)\b', re.IGNORECASE)
REBUILT = "{}__rebuilt"  # the new table's name until the old one is dropped


def up(migrator: Any, db: Any) -> None:
    """Rebuild the four tables with AUTOINCREMENT ids and seed their sequences (SQLite)."""
    if not isinstance(migrator, SqliteMigrator):
        return
    # The runner turns foreign keys off around a migration (outside its transaction, the
    # only place SQLite allows it): with them on, dropping `room` would delete every row
    # that refers to it.
    if db.execute_sql("PRAGMA foreign_keys").fetchone()[0]:
        raise RuntimeError("0006 must run with foreign keys off: DROP TABLE would cascade")
    broken_before = foreign_key_violations(db)
    for table in TABLES:
        rebuild(db, table)
    for table in TABLES:
        seed_sequence(db, table)
    broken_after = foreign_key_violations(db)
    if broken_after != broken_before:
        raise RuntimeError(f"0006 broke foreign keys: {sorted(broken_after - broken_before)}")


def rebuild(db: Any, table: str) -> None:
    """Make `table` again with an AUTOINCREMENT id, keeping its rows, indexes and triggers."""
    (create,) = db.execute_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).fetchone()
    if re.search(r"\bAUTOINCREMENT\b", create, re.IGNORECASE):
        return  # made by a release that has this step's shape already
    new = REBUILT.format(table)
    header = re.compile(rf'^\s*CREATE\s+TABLE\s+"?{table}"?\s*\(', re.IGNORECASE)
    renamed, headers = header.subn(f'CREATE TABLE "{new}" (', create, count=1)
    rebuilt, ids = ID_COLUMN.subn(r"\1 AUTOINCREMENT", renamed)
    if headers != 1 or ids != 1:
        raise RuntimeError(f"0006 does not know the shape of table {table}: {create}")
    # Indexes and triggers go with the dropped table; those SQLite made itself for
    # constraints (sql IS NULL) come back with the table's own statement.
    companions = db.execute_sql(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger')"
        " AND sql IS NOT NULL ORDER BY rowid",
        (table,),
    ).fetchall()
    columns = ", ".join(f'"{row[1]}"' for row in db.execute_sql(f'PRAGMA table_info("{table}")'))
    db.execute_sql(rebuilt)
    db.execute_sql(f'INSERT INTO "{new}" ({columns}) SELECT {columns} FROM "{table}"')
    db.execute_sql(f'DROP TABLE "{table}"')
    # Renaming the new table (not the old one) leaves the other tables' foreign keys,
    # which name `table`, as they are.
    db.execute_sql(f'ALTER TABLE "{new}" RENAME TO "{table}"')
    for (statement,) in companions:
        db.execute_sql(statement)


def seed_sequence(db: Any, table: str) -> None:
    """Start the table's AUTOINCREMENT past every id the database still knows of."""
    # Ids deleted before this step that no row names any more are past knowing; a token
    # naming one is refused for having been signed before its room existed (4401).
    queries = [f'SELECT max("id") FROM "{table}"']
    queries += [f'SELECT max("{column}") FROM "{other}"' for other, column in REFERENCES[table]]
    known = [db.execute_sql(query).fetchone()[0] for query in queries]
    row = db.execute_sql("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,)).fetchone()
    known.append(row[0] if row else None)
    highest = max((int(value) for value in known if value is not None), default=0)
    db.execute_sql("DELETE FROM sqlite_sequence WHERE name = ?", (table,))
    if highest > 0:
        db.execute_sql("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, highest))


def foreign_key_violations(db: Any) -> set[tuple]:
    """Every row whose foreign key names a missing row, as PRAGMA foreign_key_check lists it."""
    return {tuple(row) for row in db.execute_sql("PRAGMA foreign_key_check").fetchall()}
