"""Pieces of the gunicorn set-up that gunicorn.conf.py names (kept here so they are importable and tested).

GuardedThreadWorker is gunicorn's threaded worker with three changes, so that no client can tie up its threads
(docs/deploy.md, "Staying up under pressure", says why this design rather than an asynchronous worker):

- A request's headers are read by the worker's event loop, not by a thread: a client that sends them a byte at a time
  (slowloris) costs a socket, never a thread, and is dropped if they are not all there within HEADER_TIMEOUT.
- Every send and receive a thread makes on a client's socket must move within CLIENT_TIMEOUT: a reader who stops
  reading a download is dropped then, and closing the response ends its COPY or cursor, so no database backend waits on it.
- /healthz and static files are served by threads of their own (QUICK_THREADS), so they answer however many threads
  the pages and downloads hold; static files take all but one of them at most, so /healthz always finds one. (A page
  that would wait on the database when every other thread already does gets its 503 at once: sharedservices.database,
  "seats".)
"""

from __future__ import annotations

import errno
import os
import selectors
import time
from concurrent import futures
from functools import partial

from gunicorn.glogging import Logger
from gunicorn.http import wsgi
from gunicorn.workers.gthread import TConn, ThreadWorker

PROBE_PATHS = frozenset({"/healthz", "/readyz"})
# What never waits on the database, and so must never wait behind what does: the liveness probe and static files. A
# static file's reader can stall (a probe's answer is too small to), so static files take all but one quick thread at
# most, and go to the page threads beyond that: one is always left for /healthz.
QUICK_PATHS = ("/healthz", "/static/")
QUICK_THREADS = 2

HEADER_TIMEOUT = float(os.environ.get("WEB_HEADER_TIMEOUT", "10"))
CLIENT_TIMEOUT = float(os.environ.get("WEB_CLIENT_TIMEOUT", "30"))
# More header than gunicorn's own limits allow (limit_request_line + limit_request_fields × limit_request_field_size is
# far more, but no browser sends a tenth of this): past it the request goes to gunicorn's parser, which refuses it.
HEADER_BYTES = 64 * 1024


class QuietProbesLogger(Logger):
    """gunicorn's logger, minus access-log lines for the load balancer's health probes."""

    def access(self, resp, req, environ, request_time) -> None:
        if environ.get("PATH_INFO") in PROBE_PATHS:
            return
        super().access(resp, req, environ, request_time)


class UnbrandedResponse(wsgi.Response):
    """gunicorn's response without its `Server: gunicorn` header, which tells a scanner what to try and a reader nothing."""

    def default_headers(self) -> list[str]:
        return [line for line in super().default_headers() if not line.startswith("Server:")]


def quick_path(head: bytes) -> str | None:
    """The quick path a request (its bytes up to the end of the headers) asks for, if it is one: served without the database."""
    method, _, rest = head.partition(b" ")
    target = rest.split(b" ", 1)[0].decode("latin-1")
    if method in (b"GET", b"HEAD") and target.startswith(QUICK_PATHS) and ".." not in target:
        return target
    return None


class GuardedThreadWorker(ThreadWorker):
    """gunicorn's gthread worker whose threads only ever wait on a client that keeps moving (see the module's docstring)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.reading: dict[int, tuple] = {}  # socket fd -> (connection, bytes so far, deadline)
        self.quick_pool: futures.ThreadPoolExecutor | None = None
        self.static_on_quick = 0  # static files being served by quick threads (counted on the event loop's thread)

    def init_process(self) -> None:
        # The application sizes its database seats and download slots from the threads it runs on (settings.py), and
        # loads after this: it is told the real number, whether it came from WEB_THREADS or from `--threads`.
        os.environ["WEB_THREADS"] = str(self.cfg.threads)
        # gunicorn builds each response from this module-level name (gunicorn.http.wsgi.create); set in the worker only.
        wsgi.Response = UnbrandedResponse
        self.quick_pool = futures.ThreadPoolExecutor(max_workers=QUICK_THREADS, thread_name_prefix="quick")
        super().init_process()

    def accept(self, listener) -> None:
        try:
            client, address = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        self.read_headers(TConn(self.cfg, client, address, listener.getsockname()))

    def on_client_socket_readable(self, conn, client) -> None:
        """A kept-alive connection's next request: its headers too are read here, not by a thread."""
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self.read_headers(conn)

    def read_headers(self, conn) -> None:
        if self.cfg.is_ssl:  # TLS is the proxy's job in this set-up; gunicorn's own handshake needs a thread
            self.enqueue_req(conn)
            return
        conn.sock.setblocking(False)
        self.reading[conn.sock.fileno()] = (conn, b"", time.monotonic() + HEADER_TIMEOUT)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_header_bytes, conn))

    def on_header_bytes(self, conn, client) -> None:
        fd = client.fileno()
        _, head, deadline = self.reading[fd]
        try:
            data = client.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self.stop_reading(conn)
            self.nr_conns -= 1
            conn.close()
            return
        head += data
        if b"\r\n\r\n" not in head and len(head) < HEADER_BYTES:
            self.reading[fd] = (conn, head, deadline)
            return
        self.stop_reading(conn)
        conn.quick = quick_path(head)
        conn.data_ready = True  # gunicorn's thread would otherwise wait for bytes that are already here
        if conn.parser is None:
            conn.init()
        conn.parser.unreader.unread(head)
        self.enqueue_req(conn)

    def stop_reading(self, conn) -> None:
        self.reading.pop(conn.sock.fileno(), None)
        self.poller.unregister(conn.sock)

    def murder_pending(self) -> None:
        """Also drop connections whose headers did not all arrive within HEADER_TIMEOUT."""
        super().murder_pending()
        now = time.monotonic()
        for conn, _, deadline in list(self.reading.values()):
            if deadline < now:
                self.stop_reading(conn)
                self.nr_conns -= 1
                conn.close()

    def enqueue_req(self, conn) -> None:
        path, conn.quick = getattr(conn, "quick", None), None  # a read-ahead next request on this connection is judged afresh
        static = path is not None and path != "/healthz"
        if path is None or (static and self.static_on_quick >= QUICK_THREADS - 1):
            done = self.tpool.submit(self.handle, conn)
            done.add_done_callback(lambda finished: self.method_queue.defer(self.finish_request, conn, finished))
            return
        self.static_on_quick += static
        done = self.quick_pool.submit(self.handle, conn)
        done.add_done_callback(lambda finished: self.method_queue.defer(self.finish_quick, conn, finished, static))

    def finish_quick(self, conn, finished, static: bool) -> None:
        self.static_on_quick -= static
        self.finish_request(conn, finished)

    def handle_request(self, req, conn):
        # From here the thread blocks on the client's socket only for as long as the client keeps up.
        conn.sock.settimeout(CLIENT_TIMEOUT)
        try:
            return super().handle_request(req, conn)
        except TimeoutError:
            # The response is closed on the way out (its cursor or COPY with it); the connection is closed below.
            self.log.info("Dropped %s:%s, which stopped reading or sending for %s s", *conn.client[:2], CLIENT_TIMEOUT)
            return False

    def run(self) -> None:
        try:
            super().run()
        finally:
            self.quick_pool.shutdown(wait=False)
