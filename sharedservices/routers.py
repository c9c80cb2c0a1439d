"""Reads from read replicas, when DATABASE_REPLICA_URLS names some; everything else from the primary ("default").

Replicas lag the primary by a little. So only the public pages and downloads read from them, and even those read the
change history from the primary: its latest timestamp keys the chart cache and the downloads' Last-Modified, so an
edit shows on the very next request. The admin and editors' requests (where the optimistic-locking version check must
see the latest row), logins and sessions, management commands and anything outside a request use the primary.
"""

from __future__ import annotations

import random
from contextvars import ContextVar

from django.conf import settings

# Set by ReplicaReadsMiddleware for the public site's requests; never set otherwise.
replica_reads_allowed: ContextVar[bool] = ContextVar("replica_reads_allowed", default=False)

PRIMARY = "default"
PRIMARY_ONLY_APPS = frozenset({"auth", "sessions", "admin", "contenttypes", "axes", "otp_totp", "django_otp"})


def replicas() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


def reads_primary(model) -> bool:
    return model._meta.app_label in PRIMARY_ONLY_APPS or model.__name__.startswith("Historical")


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        if not replica_reads_allowed.get() or reads_primary(model):
            return PRIMARY
        choices = replicas()
        return random.choice(choices) if choices else PRIMARY

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replicas hold the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY
