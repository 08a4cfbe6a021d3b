"""Packaging and configuration files: pyproject, the wheel, .python-version, .env."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import tomllib
import urllib.request
import zipfile
from pathlib import Path

import pytest

from avalon import config
from tests.support import IN_CI
from tests.support import ROOT
from tests.support import free_port
from tests.support import port_open
from tests.support import stop_process
from tests.support import wait_for

pytestmark = pytest.mark.timeout(120)

# Variables the app and gunicorn.conf.py read, beside config.SETTINGS.
OTHER_VARIABLES = {"SECRET_KEY", "PROMETHEUS_MULTIPROC_DIR", "AVALON_METRICS_DIR"}
INTERNAL = {"FLASK_SKIP_DOTENV", "GEVENT_TRACK_GREENLET_TREE"}  # not settings of the app
OUR_ENVIRONMENT = {"DATABASE_URL", "SECRET_KEY", "PORT", "WEB_CONCURRENCY", "REDIS_URL"}


def requirement_pins() -> list[str]:
    """The pins of requirements.txt, in order."""
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def every_variable() -> set[str]:
    """Every environment variable an operator may set."""
    names = {variable for variable, *_ in config.SETTINGS} | OTHER_VARIABLES
    gunicorn_conf = (ROOT / "avalon" / "serving.py").read_text()
    names |= set(re.findall(r"environ(?:\.get)?\(\s*\"([A-Z_]+)\"", gunicorn_conf))
    names |= set(re.findall(r"setdefault\(\"([A-Z_]+)\"", gunicorn_conf))
    names |= set(re.findall(r"whole_number\(\s*[\"']([A-Z_]+)[\"']", gunicorn_conf))
    return names - INTERNAL


def test_pyproject_declares_the_pins_and_a_build_system():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert project["project"]["dependencies"] == requirement_pins()
    assert project["build-system"]["build-backend"] == "setuptools.build_meta"
    assert (ROOT / ".python-version").read_text().strip() == "3.11"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package built as a wheel from a copy of the checkout."""
    tmp_path = tmp_path_factory.mktemp("wheel")
    source = tmp_path / "source"  # a copy, so the build leaves nothing in the checkout
    venvs = (".venv", ".bench-venv", ".autobahn-venv")
    # The suite's other processes write (and remove, when they measured nothing) coverage
    # data files and caches here while the copy runs: a file listed and then gone failed it.
    volatile = (".coverage*", ".hypothesis", ".pytest_cache", ".mypy_cache", ".ruff_cache")
    ignore = shutil.ignore_patterns(
        *venvs, *volatile, ".git", "__pycache__", "instance", "*.db*", "build"
    )
    shutil.copytree(ROOT, source, ignore=ignore)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), "."],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=110,
    )
    if built.returncode != 0 and not IN_CI and "setuptools" in built.stderr:
        pytest.skip(f"the build backend could not be installed: {built.stderr[-300:]}")
    assert built.returncode == 0, built.stderr
    return next(tmp_path.glob("avalon-*.whl"))


def test_the_wheel_holds_one_package_with_its_client_and_migrations(wheel):
    wheel = zipfile.ZipFile(wheel)
    names = wheel.namelist()
    assert {name.split("/")[0] for name in names} == {"avalon", "avalon-0.1.0.dist-info"}
    for expected in [
        "avalon/static/index.html",
        "avalon/static/style.css",
        "avalon/static/js/main.js",
        "avalon/static/i18n/en.json",
        "avalon/static/i18n/de.json",
        "avalon/store/migrations/0001_initial.py",
        "avalon/store/migrations/0004_bots.py",
        "avalon/store/migrations/0002_table_between_games.py",
    ]:
        assert expected in names
    metadata = wheel.read("avalon-0.1.0.dist-info/METADATA").decode()
    requires = [line.split(": ", 1)[1] for line in metadata.splitlines() if "Requires-Dist" in line]
    assert requires == requirement_pins()


def test_every_variable_is_in_env_example_and_the_readme():
    example = (ROOT / ".env.example").read_text()
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("## Configuration") :]
    table = table[: table.index("\n## ", 1)]
    missing_example = [name for name in every_variable() if f"{name}=" not in example]
    missing_readme = [name for name in every_variable() if f"`{name}`" not in table]
    assert (missing_example, missing_readme) == ([], [])


def clean_environment(workdir: Path) -> dict[str, str]:
    """This process's environment without the settings the .env file must provide."""
    env = {key: value for key, value in os.environ.items() if key not in OUR_ENVIRONMENT}
    env["PYTHONPATH"] = str(ROOT)
    return env


def test_the_flask_cli_reads_dot_env(tmp_path):
    database = tmp_path / "from-dot-env.db"
    (tmp_path / ".env").write_text(f"DATABASE_URL=sqlite:///{database}\nSECRET_KEY=dotenv-key\n")
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=tmp_path,
        env=clean_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Applied" in done.stdout and database.exists()


def test_gunicorn_reads_dot_env(tmp_path):
    port, database = free_port(), tmp_path / "gunicorn.db"
    (tmp_path / ".env").write_text(
        f"PORT={port}\nWEB_CONCURRENCY=2\nDATABASE_URL=sqlite:///{database}\nSECRET_KEY=k\n"
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with open(tmp_path / "gunicorn.log", "wb") as log:
        process = subprocess.Popen(
            [str(gunicorn), "--config", str(ROOT / "gunicorn.conf.py"), "wsgi:app"],
            cwd=tmp_path,
            env=clean_environment(tmp_path),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: port_open("127.0.0.1", port) or process.poll() is not None, timeout=20)
        assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()

        def workers() -> float:
            try:  # workers still booting (migrating the file one at a time) may not answer
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as got:
                    text = got.read().decode()
            except OSError:
                return 0.0
            return float(re.search(r"^avalon_workers (\S+)", text, re.MULTILINE).group(1))

        wait_for(lambda: workers() == 2, timeout=20)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as answer:
            assert answer.status == 200
        assert database.exists()  # the embedded database of .env, migrated at start
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(20)


def test_an_installed_package_serves_and_upgrades_with_its_own_command(wheel, tmp_path):
    # A fresh virtualenv holding the wheel; its dependencies are this environment's (a
    # .pth file), so the test needs no package index. Run from an empty directory: no
    # gunicorn.conf.py nor wsgi.py of a checkout to lean on.
    env = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    python = env / "bin" / "python"
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q"]
    subprocess.run([*install, "--no-deps", str(wheel)], check=True, timeout=60)
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    work = tmp_path / "empty"
    work.mkdir()
    environ = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'avalon.db'}",
        "SECRET_KEY": "k" * 40,
        "FLASK_SKIP_DOTENV": "1",
    }
    command = str(env / "bin" / "avalon")
    upgrade = subprocess.run(
        [command, "db", "upgrade"],
        cwd=work,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert upgrade.returncode == 0, upgrade.stderr
    assert "0007_absent_players_and_moderation" in upgrade.stdout + upgrade.stderr
    port = free_port()
    server = subprocess.Popen(
        [command, "serve", "--bind", f"127.0.0.1:{port}"],
        cwd=work,
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: ready(f"http://127.0.0.1:{port}/readyz"), timeout=30, interval=0.3)
    finally:
        stop_process(server, 10)


def ready(url: str) -> bool:
    """Tell whether the readiness probe answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False
