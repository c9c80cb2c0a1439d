"""Pieces of the gunicorn set-up that gunicorn.conf.py names (kept here so they are importable and tested)."""

from __future__ import annotations

from gunicorn.glogging import Logger

PROBE_PATHS = frozenset({"/healthz", "/readyz"})


class QuietProbesLogger(Logger):
    """gunicorn's logger, minus access-log lines for the load balancer's health probes."""

    def access(self, resp, req, environ, request_time) -> None:
        if environ.get("PATH_INFO") in PROBE_PATHS:
            return
        super().access(resp, req, environ, request_time)
