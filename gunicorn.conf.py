"""gunicorn's settings for this site; gunicorn reads this file from the working directory on start.

Threaded workers, guarded (sharedservices/serving.py): a request waiting on the database holds one thread, not a whole
worker; headers are read by the worker's event loop, so a slow sender holds no thread; a client that stops reading is
dropped after WEB_CLIENT_TIMEOUT (30 s); /healthz and static files have threads of their own. The rule:
WEB_WORKERS = number of cores (one process per core, for the CPU-bound page building), WEB_THREADS = 4 (threads per
process, for the waits). On 2 cores that is 2 × 4 = 8 requests at once. Every wait on the database is bounded by
DATABASE_TIMEOUT (settings.py), well inside the worker timeout below, so gunicorn never has to kill a worker for a
slow query. docs/deploy.md, "Staying up under pressure", says why this design.
"""

import os
import subprocess
import sys
from pathlib import Path

worker_class = "sharedservices.serving.GuardedThreadWorker"
workers = int(os.environ.get("WEB_WORKERS", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
# A threaded worker tells the arbiter it is alive from its main loop, every second, whatever its threads are doing: a
# download streaming for minutes does not trip this timeout (a stalled database does, through DATABASE_EXPORT_TIMEOUT,
# long before). It catches a worker whose main loop is stuck. bench/run checks a 1M-row export completes under load.
timeout = int(os.environ.get("WEB_TIMEOUT", "120"))
graceful_timeout = 20

# gunicorn 27 puts its control socket at one fixed path per user ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl), so two
# instances on one machine delete each other's socket on exit. Each instance gets its own, named after its master's
# process id (this file is read in the master): `gunicornc -s <path>` reaches it.
_runtime = Path(os.environ.get("XDG_RUNTIME_DIR") or Path.home() / ".gunicorn")
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET") or str(_runtime / f"sharedservices-{os.getpid()}.ctl")

# Load balancer probes (/healthz, /readyz) arrive every few seconds; they stay out of the access log.
logger_class = "sharedservices.serving.QuietProbesLogger"

# gunicorn trusts X-Forwarded-Proto (and SCRIPT_NAME, PATH_INFO headers) from 127.0.0.1 by default, so any local
# process, or a proxy that passes the client's own header on, could make a plain request look like HTTPS. Django
# decides instead, from BEHIND_HTTPS_PROXY and PROXY_COUNT (settings.py): gunicorn trusts no forwarded header at all.
forwarded_allow_ips = ""
secure_scheme_headers = {}
forwarder_headers = ""


def when_ready(server) -> None:
    """Once the server is up, build the main pages into the shared cache (dashboard/warming.py) in a process of its own:
    once per server rather than once per worker, and without holding up the workers, who serve meanwhile."""
    if os.environ.get("PAGES_WARM", "1").strip().lower() in {"0", "false", "no", "off"}:
        return
    subprocess.Popen([sys.executable, "manage.py", "warm_pages", "--verbosity", "0"], cwd=Path(__file__).resolve().parent)
