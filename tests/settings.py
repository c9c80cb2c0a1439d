"""Settings for the test suite: the project's own settings, with defaults that let `pytest` run on its own.

A deployment must set SECRET_KEY; a test run needs only some key, and plain-HTTP cookies for the test client.
Variables already set (by `make test`, CI or the caller) win. Subprocesses the tests start (gunicorn, manage.py)
inherit these, so they see the same configuration.
"""

import os

for name, value in {
    "SECRET_KEY": "test-only-secret-key",
    "DEBUG": "0",
    "SECURE_COOKIES": "0",
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    # Tests that are not about two-factor login sign in with a password; tests/test_accounts.py turns it on.
    "ADMIN_TWO_FACTOR": "0",
    # Two test workers share a CI machine's cores, and some tests build 100,000 rows in one statement: the page's
    # database budget is wider than a server's. The tests of the budget itself set theirs (tests/test_outage.py).
    "DATABASE_TIMEOUT": "15",
}.items():
    os.environ.setdefault(name, value)

from sharedservices.settings import *  # noqa: E402, F403
