"""Configuration mistakes stop start-up with a message that says what to fix."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from sharedservices.settings import envbool, envdatabase, envlist


class EnvBoolTests:
    @pytest.mark.parametrize("raw, expected", [("1", True), ("yes", True), ("ON", True), ("0", False), ("false", False), ("", False)])
    def test_it_reads_yes_and_no_words(self, monkeypatch, raw, expected):
        monkeypatch.setenv("FLAG", raw)
        assert envbool("FLAG", default=not expected) is expected

    def test_it_uses_the_default_when_unset(self, monkeypatch):
        monkeypatch.delenv("FLAG", raising=False)
        assert envbool("FLAG", default=True) is True

    def test_it_rejects_anything_else_by_name(self, monkeypatch):
        monkeypatch.setenv("DEBUG", "maybe")
        with pytest.raises(ImproperlyConfigured, match="DEBUG must be one of"):
            envbool("DEBUG", default=False)


class EnvListTests:
    def test_it_splits_on_commas_and_drops_blanks(self, monkeypatch):
        monkeypatch.setenv("ALLOWED_HOSTS", "example.org, www.example.org,,")
        assert envlist("ALLOWED_HOSTS", default=[]) == ["example.org", "www.example.org"]


class EnvDatabaseTests:
    def test_it_reads_a_postgres_url(self, monkeypatch):
        monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
        config = envdatabase("DATABASE_URL", default="sqlite:///x.sqlite3")
        assert config["ENGINE"] == "django.db.backends.postgresql"
        assert config["NAME"] == "test"

    def test_it_defaults_to_sqlite(self, monkeypatch):
        monkeypatch.delenv("DATABASE_URL", raising=False)
        assert envdatabase("DATABASE_URL", default="sqlite:///x.sqlite3")["ENGINE"] == "django.db.backends.sqlite3"

    def test_it_makes_sqlite_saves_wait_for_each_other_instead_of_failing(self, monkeypatch):
        monkeypatch.delenv("DATABASE_URL", raising=False)
        monkeypatch.delenv("DATABASE_TIMEOUT", raising=False)
        options = envdatabase("DATABASE_URL", default="sqlite:///x.sqlite3")["OPTIONS"]
        assert options["transaction_mode"] == "IMMEDIATE"
        assert options["timeout"] == 5
        assert "PRAGMA journal_mode=WAL" in options["init_command"]

    def test_it_rejects_a_timeout_that_is_not_a_number_by_name(self, monkeypatch):
        monkeypatch.delenv("DATABASE_URL", raising=False)
        monkeypatch.setenv("DATABASE_TIMEOUT", "20s")
        with pytest.raises(ImproperlyConfigured, match="DATABASE_TIMEOUT must be a whole number"):
            envdatabase("DATABASE_URL", default="sqlite:///x.sqlite3")

    def test_it_rejects_an_unknown_scheme_by_name(self, monkeypatch):
        monkeypatch.setenv("DATABASE_URL", "mongodb://localhost/x")
        with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
            envdatabase("DATABASE_URL", default="sqlite:///x.sqlite3")


class SecretKeyTests:
    def run_settings(self, **env):
        import os
        import subprocess
        import sys

        clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
        return subprocess.run(
            [sys.executable, "-c", "import sharedservices.settings as s; print(s.SECRET_KEY)"],
            env={**clean, **env},
            capture_output=True,
            text=True,
        )

    def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off(self):
        result = self.run_settings(DEBUG="0")
        assert result.returncode != 0
        assert "SECRET_KEY must be set" in result.stderr

    def test_it_uses_a_development_key_only_in_debug(self):
        result = self.run_settings(DEBUG="1")
        assert result.returncode == 0
        assert "dev-only" in result.stdout


class EnvNumberAndChoiceTests:
    def test_it_reads_a_whole_number(self, monkeypatch):
        from sharedservices.settings import envint

        monkeypatch.setenv("SECURE_HSTS_SECONDS", "3600")
        assert envint("SECURE_HSTS_SECONDS", default=0) == 3600
        monkeypatch.setenv("SECURE_HSTS_SECONDS", "an hour")
        with pytest.raises(ImproperlyConfigured, match="SECURE_HSTS_SECONDS must be a whole number"):
            envint("SECURE_HSTS_SECONDS", default=0)

    def test_it_rejects_an_unknown_log_level_by_name(self, monkeypatch):
        from sharedservices.settings import envchoice

        monkeypatch.setenv("LOG_LEVEL", "loud")
        with pytest.raises(ImproperlyConfigured, match="LOG_LEVEL must be one of"):
            envchoice("LOG_LEVEL", "WARNING", ["DEBUG", "WARNING"])


class DatabaseConnectionTests:
    @pytest.mark.django_db
    def test_it_opens_sqlite_files_in_wal_mode(self, tmp_path):
        from django.conf import settings
        from django.db.backends.sqlite3.base import DatabaseWrapper

        if not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
            pytest.skip("an SQLite setting")
        wrapper = DatabaseWrapper({**settings.DATABASES["default"], "NAME": str(tmp_path / "wal.sqlite3")}, alias="wal")
        try:
            with wrapper.cursor() as cursor:
                cursor.execute("PRAGMA journal_mode")
                assert cursor.fetchone()[0] == "wal"
        finally:
            wrapper.close()


class CacheSettingTests:
    """Every process of a machine shares one cache: files in CACHE_DIR, or Redis when REDIS_URL is set."""

    def cache_of(self, **env: str) -> dict:
        import json
        import os
        import subprocess
        import sys

        from tests.helpers import ROOT

        environment = {key: value for key, value in os.environ.items() if key not in ("REDIS_URL", "CACHE_DIR")} | env
        script = "import json; from sharedservices import settings; print(json.dumps(settings.CACHES['default']))"
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, check=True)
        return json.loads(done.stdout)

    def test_without_redis_it_is_a_folder_of_files_with_a_bound(self, tmp_path):
        cache = self.cache_of(CACHE_DIR=str(tmp_path))
        assert cache["BACKEND"] == "django.core.cache.backends.filebased.FileBasedCache"
        assert cache["LOCATION"] == str(tmp_path)
        assert cache["OPTIONS"]["MAX_ENTRIES"] == 5000

    def test_by_default_the_folder_is_in_the_project(self):
        from tests.helpers import ROOT

        assert self.cache_of()["LOCATION"] == str(ROOT / "cache")

    def test_with_redis_url_it_is_redis(self):
        cache = self.cache_of(REDIS_URL="redis://127.0.0.1:6379/9")
        assert cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
        assert cache["LOCATION"] == "redis://127.0.0.1:6379/9"
