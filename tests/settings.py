"""Settings for the test suite: the project's own settings, with defaults that let `pytest` run on its own.

A deployment must set SECRET_KEY; a test run needs only some key, and plain-HTTP cookies for the test client.
Variables already set (by `make test`, CI or the caller) win. Subprocesses the tests start (gunicorn, manage.py)
inherit these, so they see the same configuration.
"""

import os
import tempfile

for name, value in {
    "SECRET_KEY": "test-only-secret-key",
    "DEBUG": "0",
    "SECURE_COOKIES": "0",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    # Tests that are not about two-factor login sign in with a password; tests/sharedservices/test_accounts.py turns it on.
    "ADMIN_TWO_FACTOR": "0",
    # The page's database budget in the test process is far wider than a server's: the test workers share a CI
    # machine's cores with other work (CI runs at a load of 10 and more), and some tests build 100,000 rows in one
    # statement. A budget only ends a wait that would otherwise hang, so a wide one costs a passing run nothing. The
    # tests of the budget itself set their own (tests/system/test_outage.py, tests/sharedservices/test_database_waits.py).
    "DATABASE_TIMEOUT": "120",
    # Rendering the link previews' pictures starts Chromium; the tests of them turn it on (tests/dashboard/test_share.py).
    "SHARE_IMAGES_RENDER": "0",
    # The admin's tests save and delete as one editor publishing at once; the tests of the second editor's review
    # turn it on (tests/programmes/test_review.py, tests/browser/test_admin_review.py).
    "REVIEW_REQUIRED": "0",
    # Building the main pages after each committed change is a thread's work a test would wait for; the tests of it
    # turn it on (tests/dashboard/test_warming.py).
    "PAGES_WARM": "0",
}.items():
    os.environ.setdefault(name, value)

# Each test process keeps the pictures it renders apart from the site's own (and the servers it starts use the same).
os.environ.setdefault("SHARE_IMAGES_DIR", tempfile.mkdtemp(prefix="share-images-"))
# And a shared cache of its own, which the servers and commands it starts share with it, as a machine's processes share
# the site's. The xdist workers inherit the environment of the process that starts them, so each sets its own folder
# (one worker's cleared cache must not empty another's in the middle of a test); what a worker starts keeps it.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
if os.environ.get("TEST_CACHE_WORKER") != _worker:
    os.environ["CACHE_DIR"] = tempfile.mkdtemp(prefix=f"cache-{_worker}-")
    os.environ["TEST_CACHE_WORKER"] = _worker

from sharedservices.settings import *  # noqa: E402, F403

# Hashing a password the way a deployment does (PBKDF2, deliberately slow) is most of the time of a test that signs
# in; the tests are about who may sign in, not about the hash, so they use the fastest hasher Django has.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
