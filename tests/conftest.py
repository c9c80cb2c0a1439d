from __future__ import annotations

import pytest
from django.core.management import call_command


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the real cited dataset, as `make run` serves it."""
    with django_db_blocker.unblock():
        call_command("load_dataset", verbosity=0)
