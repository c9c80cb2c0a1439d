"""The production proxy (deploy/nginx/), in front of a real server: it buffers downloads and sets the forwarded headers.

Runs only where nginx is installed (.ci/run installs it; `apt-get install nginx-light` on Debian), since it is nginx
that is tested, with the configuration as committed.
"""

from __future__ import annotations

import shutil
import subprocess
import urllib.request

import pytest

from tests.helpers import PATIENCE, ROOT, free_port, get, wait_until
from tests.system.test_pressure import GROWN_BY, PressureServer, download_status, stalled_reader, status_of, timed

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if shutil.which("/usr/sbin/nginx") else None)
pytestmark = pytest.mark.skipif(NGINX is None, reason="nginx is not installed")
STALLED = 8  # gunicorn has 2 download slots in each of its 2 workers


class ProxyTests(PressureServer):
    environment = {**PressureServer.environment, "BEHIND_HTTPS_PROXY": "1", "PROXY_COUNT": "1", "WEB_CLIENT_TIMEOUT": str(2 * PATIENCE)}

    def setup_method(self) -> None:
        super().setup_method()
        self.nginx_port = free_port()
        (self.tmp / "conf.d").mkdir()
        shutil.copy(ROOT / "deploy" / "nginx" / "proxy.conf", self.tmp / "conf.d" / "sharedservices-proxy.conf")
        (self.tmp / "nginx.conf").write_text(
            f"""
            pid {self.tmp}/nginx.pid;
            error_log {self.tmp}/error.log;
            events {{}}
            http {{
                access_log off;
                client_body_temp_path {self.tmp}/body;
                proxy_temp_path {self.tmp}/proxy;
                include conf.d/sharedservices-proxy.conf;
                server {{
                    listen 127.0.0.1:{self.nginx_port};
                    location / {{ proxy_pass http://127.0.0.1:{self.port}; }}
                }}
            }}
            """
        )
        self.nginx = subprocess.Popen([NGINX, "-p", str(self.tmp), "-c", str(self.tmp / "nginx.conf"), "-g", "daemon off;"])
        wait_until(lambda: get(self.via_proxy("/healthz"))[0] == 200, "nginx did not start")

    def teardown_method(self) -> None:
        self.nginx.terminate()
        self.nginx.wait(timeout=PATIENCE)
        super().teardown_method()

    def via_proxy(self, path: str) -> str:
        return f"http://127.0.0.1:{self.nginx_port}{path}"

    def test_it_takes_whole_downloads_from_gunicorn_while_readers_stall(self):
        self.grow(GROWN_BY)
        readers: list = []

        def started() -> bool:
            reader = stalled_reader(self.nginx_port)
            if status_of(reader) == 200:
                readers.append(reader)
                return True
            reader.close()  # a 503: every slot is busy sending a download into nginx; they free in a second or two
            return False

        # Twice as many stalled readers as gunicorn has download slots, each of which would hold its slot for
        # WEB_CLIENT_TIMEOUT (set longer than the test's patience here) without nginx: gunicorn sends each download
        # whole into nginx's buffers, so its slot is free again while the reader stalls.
        for _ in range(STALLED):
            wait_until(started, "gunicorn's download slots stayed held behind nginx")
        wait_until(lambda: download_status(self.port) == 200, "gunicorn's download slots stayed held behind nginx")
        for path in ("/healthz", "/about/"):
            status, seconds = timed(self.via_proxy(path))
            assert status == 200 and seconds < PATIENCE, path
        for reader in readers:
            reader.close()

    def test_it_sets_the_forwarded_scheme_itself_and_names_no_version(self):
        request = urllib.request.Request(self.via_proxy("/changes/feed/"), headers={"X-Forwarded-Proto": "https"})
        with urllib.request.urlopen(request, timeout=PATIENCE) as response:
            feed = response.read().decode()
            server = response.headers["Server"]
        # The client said https over plain HTTP; nginx says http, and Django (BEHIND_HTTPS_PROXY) believes nginx.
        assert "http://127.0.0.1" in feed and "https://127.0.0.1" not in feed
        assert server == "nginx", server


class ProductionConfigTests:
    def test_nginx_accepts_the_site_as_committed(self, tmp_path):
        """`nginx -t` on deploy/nginx/ as a server would hold it, with a throwaway certificate at the paths it names."""
        (tmp_path / "conf.d").mkdir()
        shutil.copy(ROOT / "deploy" / "nginx" / "proxy.conf", tmp_path / "conf.d" / "sharedservices-proxy.conf")
        site = (ROOT / "deploy" / "nginx" / "sharedservices.conf").read_text()
        certificate, key = tmp_path / "site.pem", tmp_path / "site.key"
        site = site.replace("/etc/ssl/certs/tracker.example.org.pem", str(certificate))
        site = site.replace("/etc/ssl/private/tracker.example.org.key", str(key))
        (tmp_path / "conf.d" / "sharedservices.conf").write_text(site)
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=tracker.example.org"]
            + ["-keyout", str(key), "-out", str(certificate)],
            check=True,
            capture_output=True,
        )
        (tmp_path / "nginx.conf").write_text(
            f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log; events {{}} "
            f"http {{ access_log off; include conf.d/sharedservices.conf; }}"
        )
        checked = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
