"""gunicorn's set-up for this site (gunicorn.conf.py, sharedservices/serving.py); tests/system/test_pressure.py runs it."""

from __future__ import annotations

import runpy

from gunicorn.config import Config

from sharedservices.serving import GuardedThreadWorker, quick_path
from tests.helpers import ROOT


class QuickLaneTests:
    def test_it_sends_probes_and_static_files_to_the_quick_threads(self):
        assert quick_path(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") == "/healthz"
        assert quick_path(b"HEAD /static/css/site.css HTTP/1.1\r\n\r\n") == "/static/css/site.css"

    def test_it_sends_everything_else_to_the_page_threads(self):
        for head in (b"GET /about/ HTTP/1.1\r\n\r\n", b"GET /readyz HTTP/1.1\r\n\r\n", b"POST /healthz HTTP/1.1\r\n\r\n"):
            assert quick_path(head) is None, head
        assert quick_path(b"GET /static/../admin/ HTTP/1.1\r\n\r\n") is None
        assert quick_path(b"\x16\x03\x01garbage") is None


class ConfigTests:
    def config(self) -> Config:
        config = Config()
        for name, value in runpy.run_path(str(ROOT / "gunicorn.conf.py")).items():
            if name in config.settings:
                config.set(name, value)
        return config

    def test_it_runs_the_guarded_worker(self):
        assert self.config().worker_class is GuardedThreadWorker

    def test_it_trusts_no_forwarded_header(self):
        config = self.config()
        assert config.forwarded_allow_ips == []
        assert config.secure_scheme_headers == {}
        assert config.forwarder_headers == []
