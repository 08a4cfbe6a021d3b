"""Settings are checked at start (PROTOCOL section 13): a bad value stops the start with
one line naming the variable, the value and what is allowed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from avalon import config
from tests.support import free_port

pytestmark = pytest.mark.timeout(60)
ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "environ, named",
    [
        ({"AVALON_ENV": "Production"}, "AVALON_ENV='Production'"),
        ({"AVALON_ENV": "prod"}, "AVALON_ENV='prod'"),
        ({"AVALON_IDLE_TIMEOUT": "30"}, "AVALON_IDLE_TIMEOUT=30"),
        ({"AVALON_PING_INTERVAL": "40"}, "AVALON_IDLE_TIMEOUT=60"),
        ({"AVALON_SEND_QUEUE": "lots"}, "AVALON_SEND_QUEUE='lots'"),
        ({"AVALON_SEND_QUEUE": "-3"}, "AVALON_SEND_QUEUE='-3'"),
        ({"AVALON_PROXY_HOPS": "-1"}, "AVALON_PROXY_HOPS='-1'"),
        ({"AVALON_STAND_IN_LEVEL": "hard"}, "AVALON_STAND_IN_LEVEL='hard'"),
    ],
)
def test_a_bad_setting_is_named_with_what_it_allows(environ, named):
    with pytest.raises(config.ConfigError) as raised:
        config.from_environment(environ)
    assert str(raised.value).startswith(named) and "expected" in str(raised.value)


def test_good_settings_pass_and_zero_proxy_hops_is_allowed():
    settings = config.from_environment(
        {"AVALON_ENV": "production", "AVALON_PROXY_HOPS": "0", "AVALON_IDLE_TIMEOUT": "50"}
    )
    assert (settings["ENV"], settings["PROXY_HOPS"], settings["IDLE_TIMEOUT"]) == (
        "production",
        0,
        50.0,
    )


def test_production_refuses_a_short_secret_key(tmp_path):
    settings = config.from_environment({"AVALON_ENV": "production"})
    settings["SECRET_KEY"] = "x"
    with pytest.raises(config.ConfigError, match="SECRET_KEY: expected at least 32"):
        config.ensure_secret_key(settings, str(tmp_path))
    settings["SECRET_KEY"] = "k" * 32
    config.ensure_secret_key(settings, str(tmp_path))


def run(command: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Run one of the documented commands from the checkout with these settings."""
    environ = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'avalon.db'}",
        "PORT": str(free_port()),
        "FLASK_SKIP_DOTENV": "1",
        **env,
    }
    return subprocess.run(
        command, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=45, check=False
    )


@pytest.mark.parametrize(
    "command",
    [
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
    ],
    ids=["gunicorn", "release-step"],
)
def test_the_server_and_the_release_step_stop_with_one_line(command, tmp_path):
    done = run(command, tmp_path, AVALON_ENV="Production", SECRET_KEY="s" * 40)
    assert done.returncode != 0
    output = done.stdout + done.stderr
    said = [line for line in output.splitlines() if "AVALON_ENV='Production'" in line]
    assert said == [
        "Avalon cannot start: AVALON_ENV='Production': expected development or"
        " production (lower case)"
    ]
    assert "Traceback" not in output


def test_gunicorns_own_settings_are_named(tmp_path):
    command = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"]
    done = run(command, tmp_path, AVALON_WORKER_CONNECTIONS="many")
    assert done.returncode != 0
    assert "AVALON_WORKER_CONNECTIONS='many': expected a whole number" in done.stderr


def test_the_procfiles_server_names_a_bad_worker_count(tmp_path):
    # gunicorn's own module fails on it with a traceback before reading our settings.
    web = (ROOT / "Procfile").read_text().split("web:")[1].splitlines()[0].split()
    assert web[:3] == ["python", "-m", "avalon"]
    done = run([sys.executable, *web[1:]], tmp_path, WEB_CONCURRENCY="abc")
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert "Avalon cannot start: WEB_CONCURRENCY='abc': expected a whole number" in output
    assert "Traceback" not in output
