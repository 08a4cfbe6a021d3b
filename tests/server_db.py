"""A test server's database made ready: the release step's init-db, or a copy of it."""

from __future__ import annotations

import atexit
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT_DIR = Path(__file__).resolve().parent.parent  # the checkout the tests belong to


def init_db(root: Path, env: dict[str, str]) -> None:
    """Run the release step's `flask init-db` against env's DATABASE_URL."""
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "init-db"],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
    )


_template: list[Path] = []  # this process's SQLite file as init-db made it, once made


def sqlite_template(env: dict[str, str]) -> Path:
    """A SQLite database init-db made in this test process (made at the first call)."""
    if not _template:
        folder = Path(tempfile.mkdtemp(prefix="avalon-schema-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        path = folder / "template.db"
        init_db(ROOT_DIR, {**env, "DATABASE_URL": f"sqlite:///{path}"})
        _template.append(path)
    return _template[0]


def copy_sqlite(source: Path, target: Path) -> None:
    """Copy a SQLite database no process has open: its file and its write-ahead log."""
    shutil.copyfile(source, target)
    log = source.with_name(source.name + "-wal")
    if log.exists():
        shutil.copyfile(log, target.with_name(target.name + "-wal"))


def prepare_database(root: Path, env: dict[str, str]) -> None:
    """Make env's database ready as the release step would: a new SQLite file of this
    checkout gets a copy of what init-db made once in this process (the same schema,
    without a Python process, 1.4 s of CPU, per server); any other runs init-db."""
    url = env.get("DATABASE_URL", "")
    fresh = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
    if fresh is not None and not fresh.exists() and root == ROOT_DIR:
        copy_sqlite(sqlite_template(env), fresh)
    else:
        init_db(root, env)
