"""With REDIS_URL set, app server processes share one cache, and an edit still shows on the next request anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings

from tests.helpers import ROOT, copy_of_the_site

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

SHOW = """
from django.test import RequestFactory
from dashboard import views
request = RequestFactory().get("/")
request.as_at = None  # what dashboard.as_at's middleware sets for today's record
page = views.programme_detail(request, "ngss-2012")
print("EDITED-NAME" in page.content.decode())
"""

EDIT = """
from programmes.models import Programme
programme = Programme.objects.get(slug="ngss-2012")
programme.name = "EDITED-NAME"
programme._change_reason = "test edit"
programme.save()
"""


def redis_answers() -> bool:
    import redis

    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=10).ping()
    except redis.RedisError:
        return False


# The test database's session set-up keeps the template its own database is copied from (tests/conftest.py). The
# marker, not the fixture alone, has pytest-django create the test database when these are the only tests selected;
# without it the set-up would load the dataset into the database the settings name.
@pytest.mark.django_db
@pytest.mark.skipif(not redis_answers(), reason="no Redis at TEST_REDIS_URL")
@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"].endswith("postgresql"), reason="the processes share an SQLite file; the cache is what is tested"
)
class SharedCacheTests:
    def test_it_shares_built_pages_between_processes_and_shows_an_edit_on_the_next_request(self, tmp_path):
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{copy_of_the_site('shared', tmp_path)}",
            "REDIS_URL": REDIS_URL,
            "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            "ALLOWED_HOSTS": "testserver",  # the host RequestFactory's requests name
        }

        def run(*command: str) -> str:
            done = subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, capture_output=True, text=True)
            assert done.returncode == 0, done.stderr  # a failure shows the other process's traceback
            return done.stdout

        assert run("shell", "-v0", "-c", SHOW).strip() == "False"  # first server builds the page; its charts go to Redis
        keys = run(
            "shell", "-v0", "-c", "from django.core.cache import cache; print(len(cache._cache.get_client().keys(cache.make_key('*'))))"
        )
        assert int(keys) > 0
        run("shell", "-v0", "-c", EDIT)  # an edit (with its history row, as the admin leaves one) through another process
        assert run("shell", "-v0", "-c", SHOW).strip() == "True"  # the next request, in a third process, shows it
