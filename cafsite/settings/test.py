"""Test overrides. Everything else is the same settings the application runs with."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-used-anywhere-else-0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")

from .base import *  # noqa: E402, F403
from .base import BASE_DIR, DATABASES  # noqa: E402

# The Celery worker test opens the test database from another process, so SQLite's test
# database is a file rather than memory; one per test run, so runs side by side do not clash.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {
        "NAME": str(BASE_DIR / "var" / f"test-db-{os.getpid()}.sqlite3")
    }

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Django empties tables between transactional tests with TRUNCATE, which the audit tables
# refuse (audit migration 0005) unless the connection says it is a test database's.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Not waiting for each commit to reach the disk: a crashed test database is thrown away.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        "-c ecaf.allow_audit_truncate=on -c synchronous_commit=off"
    )
