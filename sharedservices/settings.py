"""Settings for the Shared Services Savings Tracker.

Everything that differs between machines comes from environment variables, read through the small helpers
below so that a bad value stops start-up with a message instead of surfacing later as odd behaviour.
The README lists every variable.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def envbool(name: str, default: bool) -> bool:
    """Read a yes/no variable; anything but a recognised word is an error."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}.")


def envlist(name: str, default: list[str]) -> list[str]:
    """Read a comma-separated list, ignoring blanks."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def envint(name: str, default: int) -> int:
    """Read a whole number of zero or more."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    if not raw.strip().isdigit():
        raise ImproperlyConfigured(f"{name} must be a whole number of zero or more; got {raw!r}.")
    return int(raw)


def envchoice(name: str, default: str, choices: list[str]) -> str:
    """Read one of a fixed set of words."""
    raw = os.environ.get(name, default).strip().upper()
    if raw not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; got {raw!r}.")
    return raw


def envdatabase(name: str, default: str) -> dict:
    """Read a database URL such as postgres://user@host:5432/db or sqlite:///path."""
    raw = os.environ.get(name) or default
    try:
        config = dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not a database URL Django understands ({exc}); got {raw!r}.") from exc
    if not config.get("ENGINE"):
        raise ImproperlyConfigured(f"{name} names no database engine; got {raw!r}.")
    options = config.setdefault("OPTIONS", {})
    if config["ENGINE"].endswith("sqlite3"):
        # Opening an SQLite file costs next to nothing, and a held-open file would keep serving a database
        # that has been replaced or removed underneath it.
        config["CONN_MAX_AGE"] = 0
        # Concurrent saves queue for the one writer instead of failing with "database is locked": a write
        # transaction takes the lock when it begins (IMMEDIATE; a deferred one can fail when it upgrades
        # from reading), and waits up to the timeout for it. In WAL mode a long export never blocks a save.
        # The wait is the page's database budget (DATABASE_TIMEOUT, below); PostgreSQL gets its bounds from
        # bound_database_waits.
        options.setdefault("transaction_mode", "IMMEDIATE")
        options.setdefault("timeout", envint("DATABASE_TIMEOUT", default=5))
        options.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL")
    return config


DEBUG = envbool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off (set DEBUG=1 for local development).")
    SECRET_KEY = "dev-only-secret-key-not-for-production"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", default=[])
# The site's public address, written into each data package as its homepage: a dataset release is built without a
# request (the first one by load_dataset) and keeps the address it was built with, so it cannot be read from the host.
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").strip().rstrip("/")

INSTALLED_APPS = [
    # First, so that its createsuperuser (which applies the password validators) replaces Django's.
    "programmes",
    "sharedservices",
    # The search index (search/): after programmes, whose writes it follows.
    "programmes.search",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # For the search index's SearchVectorField (search/models.py); on SQLite it adds lookups nothing uses.
    "django.contrib.postgres",
    "simple_history",
    "concurrency",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "dashboard",
]

MIDDLEWARE = [
    # Outermost, so HEAD gets exactly GET's headers (compressed length included) and no body.
    "sharedservices.middleware.HeadWithoutBodyMiddleware",
    # Pages carry their chart data inline, so they compress well; Django masks the CSRF token per response.
    "django.middleware.gzip.GZipMiddleware",
    # The security headers wrap everything below, so static files, 405s and 503s carry them as pages do.
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "sharedservices.middleware.PermissionsPolicyMiddleware",
    # Before anything that could read a request body.
    "sharedservices.middleware.RequestLimitsMiddleware",
    # Before anything that could put the address into a query.
    "dashboard.middleware.NulCharacterMiddleware",
    "sharedservices.middleware.LockedOutShortcutMiddleware",
    # Outside the database budget: a download refused for want of a slot never starts its stream.
    "sharedservices.middleware.DownloadSlotsMiddleware",
    # Everything below, sessions included, shares the request's time budget for the database.
    "sharedservices.middleware.DatabaseBudgetMiddleware",
    "sharedservices.middleware.ReplicaReadsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A cached page for a reader without a session, answered from the shared cache before sessions, CSRF,
    # authentication, two-factor and lockout run (dashboard/early_pages.py).
    "dashboard.early_pages.EarlyPagesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # ?as_at= on any public page or download: request.as_at is the date the record is shown at (dashboard/as_at.py).
    "dashboard.as_at.AsAtMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "dashboard.middleware.DatabaseUnavailableMiddleware",
    # Last, as django-axes asks: it turns a lockout raised during login into its 429 response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sharedservices.urls"
WSGI_APPLICATION = "sharedservices.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

DATABASES = {"default": envdatabase("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}

# The longest a page waits on the database, in total, before it gives up with a 503; downloads stream for longer.
DATABASE_TIMEOUT = envint("DATABASE_TIMEOUT", default=5)
DATABASE_EXPORT_TIMEOUT = envint("DATABASE_EXPORT_TIMEOUT", default=60)
# gunicorn runs WEB_THREADS threads per process (gunicorn.conf.py; its worker sets WEB_THREADS to the number it runs,
# sharedservices/serving.py). All but one of them may wait on the database at once, one more being refused (503)
# rather than queued (sharedservices/database.py, "seats"); at most half of them stream a download at once, the next
# download being refused (sharedservices/middleware.py, DownloadSlotsMiddleware): either way a thread is left for pages.
WEB_THREADS = envint("WEB_THREADS", default=4)

# The pictures of the charts that link previews show (dashboard/share_images.py): where they are kept, and whether this
# process renders them after load_dataset and after an editor's change, in the Chromium at CHROMIUM_PATH. Without
# Chromium, or with SHARE_IMAGES_RENDER=0, previews still have a title and a description, and no picture.
SHARE_IMAGES_DIR = Path(os.environ.get("SHARE_IMAGES_DIR") or BASE_DIR / "media" / "share")
SHARE_IMAGES_RENDER = envbool("SHARE_IMAGES_RENDER", default=True)
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

# Four eyes: a figure or source added, changed or deleted in the admin is a draft until a second editor approves it
# (programmes/admin_review.py). A site with one editor turns it off and publishes each save at once, unchecked.
REVIEW_REQUIRED = envbool("REVIEW_REQUIRED", default=True)
DATABASE_WAITERS = envint("DATABASE_WAITERS", default=max(WEB_THREADS - 1, 1))
DOWNLOADS_AT_ONCE = envint("DOWNLOADS_AT_ONCE", default=max(WEB_THREADS // 2, 1))


def bound_database_waits(databases: dict, seconds: int) -> None:
    """Add libpq's own limits to every PostgreSQL connection (sharedservices/database.py has the rest of the story)."""
    from sharedservices.database import postgres_options

    for config in databases.values():
        if config["ENGINE"].endswith("postgresql"):
            config.setdefault("OPTIONS", {}).update(postgres_options(seconds))


# Read replicas (docs/deploy.md): the public site reads from them, the admin and the change stamp from the primary.
for number, url in enumerate(envlist("DATABASE_REPLICA_URLS", default=[]), start=1):
    DATABASES[f"replica{number}"] = {**envdatabase(f"DATABASE_REPLICA_URLS (entry {number})", default=url), "TEST": {"MIRROR": "default"}}
DATABASE_ROUTERS = ["sharedservices.routers.PrimaryReplicaRouter"]

bound_database_waits(DATABASES, DATABASE_TIMEOUT)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Built pages and charts are cached under the change stamp (dashboard/page_cache.py), in a cache every process of the
# machine shares, so that a page is built once per change whichever gunicorn worker serves it: files in CACHE_DIR.
# Several app servers behind a load balancer share Redis instead, so a page built by one is served by all. Redis is
# given short socket timeouts: a stalled cache must not hold a page longer than a stalled database would.
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_DIR = Path(os.environ.get("CACHE_DIR") or BASE_DIR / "cache")
# Pages are kept per query (a search, a filtered table), so the folder is bounded: past MAX_ENTRIES a third of the
# entries go. Warm pages of the record and their charts are a few hundred entries; the rest is room for queries.
CACHE_MAX_ENTRIES = envint("CACHE_MAX_ENTRIES", default=5000)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "sst"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(CACHE_DIR),
            "OPTIONS": {"MAX_ENTRIES": CACHE_MAX_ENTRIES},
        }
    }

# After a committed change, after load_dataset and when the server starts (gunicorn.conf.py), the main pages are built
# into the shared cache by one thread (dashboard/warming.py), so that the first reader after an edit finds them warm.
PAGES_WARM = envbool("PAGES_WARM", default=True)

# Login throttling (django-axes): the axes backend refuses a locked-out client before the password is hashed, so a
# guesser costs the workers almost nothing once locked out. A username alone is never locked: a stranger who knows an
# editor's name cannot shut the editor out. Locked are a username tried from one address, and an address trying many
# usernames, each after LOGIN_FAILURE_LIMIT failures, for LOGIN_COOLOFF_MINUTES; a successful login clears the count.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=envint("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "sharedservices.accounts.client_ip"
# How many proxies you run in front of gunicorn (each adds itself to X-Forwarded-For); 0 = clients connect directly.
PROXY_COUNT = envint("PROXY_COUNT", default=0)
# Staff sign in to the admin with a password and a TOTP code (django-otp; `make totp ACCOUNT=USER` makes the
# device). On unless DEBUG; sharedservices/accounts.py reads it per request.
ADMIN_TWO_FACTOR = envbool("ADMIN_TWO_FACTOR", default=not DEBUG)
OTP_TOTP_ISSUER = "Shared Services Savings Tracker"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# The public site loads nothing from another origin; the policy makes that a promise the browser keeps.
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind a TLS-terminating proxy, set BEHIND_HTTPS_PROXY so Django knows the request was HTTPS, and turn on
# HSTS once the site is served only over HTTPS.
if envbool("BEHIND_HTTPS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
# Preloading is a promise to browsers that is slow to undo (see the README), so it is never on by default.
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", default=False)
# Features no page uses, denied to the page and anything it might embed (sharedservices.middleware).
PERMISSIONS_POLICY_DENY = [
    "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media", "fullscreen", "geolocation", "gyroscope",
    "magnetometer", "microphone", "midi", "payment", "picture-in-picture", "publickey-credentials-get", "screen-wake-lock",
    "serial", "usb", "xr-spatial-tracking", "browsing-topics",
]  # fmt: skip
CSRF_FAILURE_VIEW = "sharedservices.views.csrf_failure"
# The public site takes no request bodies at all (405); the admin's forms and CSV upload are limited here.
MAX_REQUEST_BODY_BYTES = envint("MAX_REQUEST_BODY_BYTES", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"one_line": {"()": "sharedservices.logs.OneLineFormatter", "format": "%(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "one_line": {"class": "logging.StreamHandler", "formatter": "one_line"},
    },
    "loggers": {
        # A request naming a host we do not serve is the client's mistake (or a scanner): one line, no traceback.
        "django.security.DisallowedHost": {"handlers": ["one_line"], "level": "WARNING", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": envchoice("LOG_LEVEL", "WARNING", ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"])},
}
