"""Production mode: DJANGO_SETTINGS_MODULE=config.settings_production.

Everything in config/settings.py still comes from the environment; this module
makes the secure choices the defaults, refuses to start without the settings
that have no safe default (SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL,
CELERY_BROKER_URL), and passes `manage.py check --deploy` without warnings.
The README's "Production" section lists every variable."""
import os

from django.core.exceptions import ImproperlyConfigured

from .logging_config import build as _build_logging
from .settings import *  # noqa: F401,F403
from .settings import DATABASES, STORAGES, TEMPORAL_WORKER_ACTIVITY_THREADS, env

INSECURE_SECRET_KEY = "insecure-local-development-key-change-me"


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(f"{name} must be set in production (DJANGO_SETTINGS_MODULE=config.settings_production)")
    return value


DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = _required("SECRET_KEY")
if SECRET_KEY == INSECURE_SECRET_KEY or SECRET_KEY.startswith("django-insecure-") or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured(
        "SECRET_KEY is the local default or too weak: use at least 50 random characters, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(64))'"
    )
_required("ALLOWED_HOSTS")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
_required("DATABASE_URL")
_required("CELERY_BROKER_URL")

# --- HTTPS ------------------------------------------------------------------
# Behind a TLS-terminating proxy or load balancer, name the header it sets,
# e.g. SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto (value "https" means secure).
# Only set it when the proxy always overwrites that header.
_proxy_header = env.str("SECURE_PROXY_SSL_HEADER", default="")
if _proxy_header:
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Probes call the pods over plain HTTP from inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- Passwords: Django's standard validators wherever a password is set
# through a form or command (the admin, changepassword, createsuperuser).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Static files: whitenoise serves collectstatic's hashed, compressed files.
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=True)
STORAGES = {
    **STORAGES,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Logs: one JSON object per line on stdout -------------------------------
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING = _build_logging(LOG_FORMAT, env.str("LOG_LEVEL", default="INFO"))

# --- PostgreSQL connection pool ---------------------------------------------
# A psycopg 3 pool per process rather than persistent connections
# (CONN_MAX_AGE): persistent connections are kept per thread, so a worker
# with 16 activity threads would hold 16 sessions forever, and the worker
# closes its connections after every activity (cycles/worker.py), which with
# a pool hands them back instead of tearing them down. The pool also caps the
# sessions a process may open. Size it for the busiest kind of process: web
# threads (WEB_THREADS per gunicorn worker process) or the Temporal worker's
# activity threads, plus a little headroom. Pooling and CONN_MAX_AGE exclude
# each other.
WEB_THREADS = env.int("WEB_THREADS", default=4)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool("DB_POOL", default=True):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN_SIZE", default=1),
        "max_size": env.int("DB_POOL_MAX_SIZE", default=max(WEB_THREADS, TEMPORAL_WORKER_ACTIVITY_THREADS) + 2),
        # Seconds a thread waits for a free connection before an error.
        "timeout": env.float("DB_POOL_TIMEOUT", default=10.0),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# --- Human tasks: no duration short enough to flood people ------------------
HUMAN_TASK_MIN_DUE_AFTER = env.int("HUMAN_TASK_MIN_DUE_AFTER", default=3600)
HUMAN_TASK_MIN_REMIND_EVERY = env.int("HUMAN_TASK_MIN_REMIND_EVERY", default=3600)

# Issue 13: no Temporal Web UI link unless one is configured (the local
# default points at the dev server on this machine).
TEMPORAL_UI_URL = env.str("TEMPORAL_UI_URL", default="").rstrip("/")
