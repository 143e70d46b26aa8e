"""Settings come from the environment, and production settings pass Django's deploy check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from cafsite.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parent.parent


def test_env_helpers_parse_and_refuse_nonsense(monkeypatch, tmp_path):
    monkeypatch.setenv("ECAF_FLAG", "yes")
    monkeypatch.setenv("ECAF_NUMBER", "42")
    monkeypatch.setenv("ECAF_HOSTS", "a.example, b.example,")
    assert env_bool("ECAF_FLAG", False) is True
    assert env_int("ECAF_NUMBER", 1) == 42
    assert env_list("ECAF_HOSTS", []) == ["a.example", "b.example"]
    assert env_bool("ECAF_UNSET", True) is True

    monkeypatch.setenv("ECAF_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="ECAF_FLAG"):
        env_bool("ECAF_FLAG", False)
    monkeypatch.setenv("ECAF_NUMBER", "lots")
    with pytest.raises(ImproperlyConfigured, match="ECAF_NUMBER"):
        env_int("ECAF_NUMBER", 1)


def test_secret_can_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-secret-file\n")
    monkeypatch.setenv("ECAF_SECRET_FILE", str(secret))
    assert env_str("ECAF_SECRET") == "from-a-secret-file"
    monkeypatch.setenv("ECAF_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        env_str("ECAF_SECRET")


def _manage(*args, **env):
    # A process with only the production variables given, none of the test run's own.
    inherited = {"PATH", "HOME", "LANG", "VIRTUAL_ENV", "PYTHONPATH"}
    clean = {k: v for k, v in os.environ.items() if k in inherited}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
    "ALLOWED_HOSTS": "ecaf.example.gov.uk",
    "DATABASE_URL": "postgres://ecaf@db.example:5432/ecaf",
}


def test_production_settings_pass_the_deploy_check():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_models_and_migrations_agree():
    result = _manage("makemigrations", "--check", "--dry-run", DEBUG="true")
    assert result.returncode == 0, result.stdout + result.stderr


LOG_PROBE = """
import logging
from weasyprint import HTML
HTML(string="<h1>Consent</h1><p>Printed by O'Brien-Smith</p>").write_pdf()
logging.getLogger("django.request").warning("probe: a warning from Django")
"""


def test_each_log_line_is_printed_once_and_pdfs_do_not_narrate_their_steps():
    result = _manage("shell", "-c", LOG_PROBE, DEBUG="true")

    assert result.returncode == 0, result.stderr
    log = result.stderr
    assert log.count("probe: a warning from Django") == 1, log
    assert "Step 1" not in log and "Step 6" not in log, log
    assert "fontTools" not in log and "pruned" not in log, log


def test_cookies_take_the_host_prefix_over_https():
    show = "from django.conf import settings as s; print(s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME)"

    production = _manage("shell", "--no-imports", "-c", show, **PRODUCTION)
    development = _manage("shell", "--no-imports", "-c", show, DEBUG="true")

    assert production.stdout.split() == ["__Host-sessionid", "__Host-csrftoken"], production.stderr
    # Browsers refuse __Host- cookies over plain HTTP, which development uses.
    assert development.stdout.split() == ["sessionid", "csrftoken"], development.stderr


def test_absolute_session_lifetime_comes_from_the_environment():
    show = "from django.conf import settings as s; print(s.SESSION_ABSOLUTE_SECONDS)"

    assert _manage("shell", "--no-imports", "-c", show, **PRODUCTION).stdout.strip() == str(
        10 * 60 * 60
    )
    configured = _manage(
        "shell", "--no-imports", "-c", show, SESSION_ABSOLUTE_SECONDS="28800", **PRODUCTION
    )
    assert configured.stdout.strip() == "28800"
    refused = _manage(
        "shell", "--no-imports", "-c", show, SESSION_ABSOLUTE_SECONDS="ten hours", **PRODUCTION
    )
    assert refused.returncode != 0 and "SESSION_ABSOLUTE_SECONDS" in refused.stderr
