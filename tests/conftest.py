from __future__ import annotations

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, settings

# Examples are sampled, never timed: a busy CI machine takes longer over each, and that is no failure.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Every test database starts with the real cited dataset, as `make run` serves it."""
    with django_db_blocker.unblock():
        call_command("load_dataset", verbosity=0)
        from tests.helpers import keep_site_template

        keep_site_template()


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: pages are cached whole under the change stamp, which a test's rolled-back
    writes can return to, and a page served from the cache has no template context for a test to read."""
    from django.core.cache import cache

    cache.clear()
