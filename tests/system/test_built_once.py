"""A page is built once per change, whichever process serves it: processes of one machine share the cache in CACHE_DIR.

Each step runs in a Python process of its own, as gunicorn's workers are, against one database and one cache folder:
after a change the first reader's process builds the page (its queries), and another process's reader gets it with
no query at all; an edit made by a third process is in the next page either of them serves.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers import ROOT, USES_POSTGRES, copy_of_the_site, run_psql, scratch_database

READ = """
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
with CaptureQueriesContext(connection) as captured:
    response = Client().get("/programmes/ngss-2012/")
print(response.status_code, len(captured), "EDITED-NAME" in response.content.decode())
"""

EDIT = """
from programmes.models import Programme
programme = Programme.objects.get(slug="ngss-2012")
programme.name = "EDITED-NAME"
programme._change_reason = "test edit"
programme.save()
"""


# The marker has pytest-django make the test database, whose template copy_of_the_site copies (see test_shared_cache.py).
@pytest.mark.django_db
class BuiltOnceTests:
    @pytest.fixture
    def env(self, tmp_path):
        env = {key: value for key, value in os.environ.items() if key != "REDIS_URL"}
        env |= {"CACHE_DIR": str(tmp_path / "cache"), "ALLOWED_HOSTS": "testserver", "PAGES_WARM": "0"}
        if USES_POSTGRES:
            admin_url, database = scratch_database("built_once")
            copy_of_the_site("built_once", tmp_path)
            env["DATABASE_URL"] = admin_url.rsplit("/", 1)[0] + f"/{database}"
            yield env
            run_psql(admin_url, database, "DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        else:
            env["DATABASE_URL"] = f"sqlite:///{copy_of_the_site('built-once', tmp_path)}"
            yield env

    def test_a_page_is_built_by_one_process_and_served_by_another_without_a_query_until_an_edit(self, env):
        def run(script: str) -> str:
            done = subprocess.run(
                [sys.executable, "manage.py", "shell", "-v0", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
            )
            assert done.returncode == 0, done.stderr  # a failure shows the other process's traceback
            return done.stdout.strip()

        def read() -> tuple[int, bool]:
            status, queries, edited = run(READ).split()
            assert status == "200"
            return int(queries), edited == "True"

        first, edited = read()
        assert first > 0 and not edited  # the first reader's process builds the page
        assert read() == (0, False)  # another process serves it from the shared cache: no query, not even the stamp
        run(EDIT)  # an edit, with its history row, committed by a third process
        rebuilt, edited = read()
        assert rebuilt > 0 and edited  # the next reader, in yet another process, builds the edited page once
        assert read() == (0, True)  # and the one after gets that build
