"""`make admin` in a script (no terminal): it names what it reads, and the command it prints next works as printed."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

from django.conf import settings

ADMIN_VARIABLES = ("DJANGO_SUPERUSER_USERNAME", "DJANGO_SUPERUSER_EMAIL", "DJANGO_SUPERUSER_PASSWORD")
# The tests run from the project's virtualenv wherever it is, not from this checkout's .venv; `-o install` keeps make
# from building one.
OVERRIDES = ["-o", "install", f"BIN={os.path.dirname(sys.executable)}", f"PYTHON={sys.executable}"]


def make(*arguments: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "-s", *OVERRIDES, *arguments], cwd=settings.BASE_DIR, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True
    )


def script_environment(tmp_path, **variables: str) -> dict[str, str]:
    """The caller's environment as a script has it: no SECRET_KEY or DEBUG (make supplies them), a database of its own."""
    env = {name: value for name, value in os.environ.items() if name not in ("SECRET_KEY", "DEBUG", *ADMIN_VARIABLES)}
    return env | {"DATABASE_URL": f"sqlite:///{tmp_path}/site.sqlite3"} | variables


def test_it_names_the_three_variables_it_reads_when_one_is_missing(tmp_path):
    result = make("-o", "migrate", "admin", env=script_environment(tmp_path, DJANGO_SUPERUSER_USERNAME="editor"))
    assert result.returncode != 0
    assert "DJANGO_SUPERUSER_USERNAME, DJANGO_SUPERUSER_EMAIL and DJANGO_SUPERUSER_PASSWORD" in result.stderr
    assert "Not set: DJANGO_SUPERUSER_EMAIL DJANGO_SUPERUSER_PASSWORD\n" in result.stderr
    assert "--username" not in result.stderr


def test_the_code_generator_command_it_prints_works_as_printed(tmp_path):
    env = script_environment(
        tmp_path,
        DJANGO_SUPERUSER_USERNAME="editor",
        DJANGO_SUPERUSER_EMAIL="editor@example.org",
        DJANGO_SUPERUSER_PASSWORD="a long and unlikely passphrase 7",
    )
    created = make("admin", env=env)
    assert created.returncode == 0, created.stderr
    printed = created.stdout.strip().splitlines()[-1].split(": ", 1)[1]
    assert printed == "make totp ACCOUNT=editor"
    command = shlex.split(printed)
    device = make(*command[1:], env=env)
    assert device.returncode == 0, device.stderr
    assert "otpauth://totp/" in device.stdout
