"""Settings: every value comes from the environment, with a local default
that runs the whole product on one machine (SQLite, a local Temporal dev
server, a filesystem Celery broker, console e-mail)."""
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
LOCAL_DIR = BASE_DIR / ".local"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)
# The local default key is only good for a laptop; production mode refuses it.
SECRET_KEY = env.str("SECRET_KEY", default="insecure-local-development-key-change-me")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "cycles",
    "scoping",
    "reviews",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Oversized bodies get a 413 with a message before any view (DRF's JSON
    # parser does not enforce DATA_UPLOAD_MAX_MEMORY_SIZE by itself).
    "cycles.request_limits.RequestBodyLimitMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "cycles.context_processors.user_roles",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The worker's activity threads and the web server write concurrently:
    # WAL, a busy timeout and IMMEDIATE transactions make SQLite wait its turn
    # instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
    LOCAL_DIR.mkdir(exist_ok=True)
    # A file, not shared-cache memory: threads of the test worker need real locking.
    DATABASES["default"]["TEST"] = {"NAME": str(LOCAL_DIR / "test-db.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "reviews:inbox"
LOGOUT_REDIRECT_URL = "login"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous API call then gets 401 with a
        # WWW-Authenticate header rather than a bare 403.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "cycles.api_errors.exception_handler",
    # JSON that nests too deeply is a 400, not a RecursionError (a 500).
    "DEFAULT_PARSER_CLASSES": [
        "cycles.request_limits.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}

# Largest request body Django accepts. A review of a few thousand attributes
# fits easily; anything bigger is refused before it nears Temporal's 2 MB
# payload limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=20000)

# --- Temporal -------------------------------------------------------------
TEMPORAL_ADDRESS = env.str("TEMPORAL_ADDRESS", default="localhost:7233")
TEMPORAL_NAMESPACE = env.str("TEMPORAL_NAMESPACE", default="default")
TEMPORAL_TASK_QUEUE = env.str("TEMPORAL_TASK_QUEUE", default="test-cycles")
# Seconds a web request waits for the workflow to accept a message.
TEMPORAL_RPC_TIMEOUT = env.float("TEMPORAL_RPC_TIMEOUT", default=15.0)
# Custom search attributes (AwaitingAction, AwaitingAssignee, AwaitingSince)
# must be registered on the cluster before workflows may set them.
TEMPORAL_SEARCH_ATTRIBUTES = env.bool("TEMPORAL_SEARCH_ATTRIBUTES", default=True)
TEMPORAL_WORKER_ACTIVITY_THREADS = env.int("TEMPORAL_WORKER_ACTIVITY_THREADS", default=16)

# --- Human tasks ------------------------------------------------------------
# Seconds. A whole number of days counts business days (weekends and
# HUMAN_TASK_HOLIDAYS skipped).
HUMAN_TASK_DUE_AFTER = env.int("HUMAN_TASK_DUE_AFTER", default=3 * 86400)
HUMAN_TASK_REMIND_EVERY = env.int("HUMAN_TASK_REMIND_EVERY", default=86400)
HUMAN_TASK_HOLIDAYS = env.list("HUMAN_TASK_HOLIDAYS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# Where seed_demo keeps the demo users' random passwords (outside the repo's history).
DEMO_LOGINS_FILE = env.str("DEMO_LOGINS_FILE", default=str(LOCAL_DIR / "demo-logins.json"))

# --- Celery ------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ACKS_LATE = True
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(LOCAL_DIR / "celery"),
        "data_folder_out": str(LOCAL_DIR / "celery"),
        "processed_folder": str(LOCAL_DIR / "celery-processed"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {}
)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Redeliver submissions stored while Temporal was unreachable.
CELERY_BEAT_SCHEDULE = {
    "redeliver-pending-submissions": {
        "task": "reviews.tasks.redeliver_pending_submissions",
        "schedule": env.float("REDELIVERY_SWEEP_EVERY", default=60.0),
    },
}

# --- E-mail -----------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(LOCAL_DIR / "mail"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="regtest@localhost")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
    },
}

# --- Scoping ----------------------------------------------------------------
# Dotted path of the recommender class (scoping.recommenders.Recommender): the
# recommender used with LLM_PROVIDER=rules, and the fallback when a language
# model's answer is unusable or its endpoint unreachable.
SCOPING_RECOMMENDER = env.str("SCOPING_RECOMMENDER", default="scoping.recommenders.RuleBasedRecommender")


def _env_number(name, cast, default):
    """A number from the environment; a value that is not one is kept as
    given so that the system check (scoping.checks) names the variable and
    the value instead of a bare ValueError at import."""
    raw = env.str(name, default="")
    if raw == "":
        return default
    try:
        return cast(raw)
    except ValueError:
        return raw


# Recommendations from a language model behind an OpenAI-compatible endpoint
# (scoping/llm/). `rules` (the default) needs none of the others.
LLM_PROVIDER = env.str("LLM_PROVIDER", default="rules")
LLM_BASE_URL = env.str("LLM_BASE_URL", default="")
LLM_API_KEY = env.str("LLM_API_KEY", default="")
LLM_MODEL = env.str("LLM_MODEL", default="")
LLM_OUTPUT_MODE = env.str("LLM_OUTPUT_MODE", default="json_schema")
LLM_TIMEOUT = _env_number("LLM_TIMEOUT", float, 60.0)
LLM_MAX_ATTEMPTS = _env_number("LLM_MAX_ATTEMPTS", int, 3)
LLM_BATCH_SIZE = _env_number("LLM_BATCH_SIZE", int, 25)
LLM_MAX_CONCURRENCY = _env_number("LLM_MAX_CONCURRENCY", int, 4)

# Temporal over TLS (paths to PEM files) or Temporal Cloud (API key).
TEMPORAL_TLS = env.bool("TEMPORAL_TLS", default=False)
TEMPORAL_TLS_CLIENT_CERT = env.str("TEMPORAL_TLS_CLIENT_CERT", default="")
TEMPORAL_TLS_CLIENT_KEY = env.str("TEMPORAL_TLS_CLIENT_KEY", default="")
TEMPORAL_TLS_SERVER_CA = env.str("TEMPORAL_TLS_SERVER_CA", default="")
TEMPORAL_API_KEY = env.str("TEMPORAL_API_KEY", default="")

# --- Production stack (issue 6; config/settings_production.py tightens these) ---
# Static files are served by the app server itself (whitenoise): placed right
# after SecurityMiddleware, as its documentation requires.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
# Binds the workflow id named by a request's URL to its log lines.
MIDDLEWARE.append("config.log_context.WorkflowIdMiddleware")
# Hashed, compressed file names (collectstatic writes a manifest); off while
# developing so that edits to static/ show without collectstatic.
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
from .logging_config import build as _build_logging  # noqa: E402

LOGGING = _build_logging(LOG_FORMAT, LOG_LEVEL)

# /readyz: which dependencies must be reachable for "ready" (all are reported),
# and how long each check may take.
READYZ_REQUIRED = env.list("READYZ_REQUIRED", default=["database", "temporal", "broker"])
READYZ_TIMEOUT = env.float("READYZ_TIMEOUT", default=3.0)

# OpenAPI schema of the REST API (drf-spectacular), Swagger UI from local files.
INSTALLED_APPS += ["drf_spectacular", "drf_spectacular_sidecar"]
REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "drf_spectacular.openapi.AutoSchema"
SPECTACULAR_SETTINGS = {
    "TITLE": "RegTest cycles API",
    "DESCRIPTION": "Regulatory test cycles with people in the loop: start a report's workflow, "
    "read its status and attributes, submit the tester's review and the report owner's approval.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema describes internal endpoints: readable by logged-in users only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}
# Without the manifest (development), whitenoise serves straight from the
# apps' and static/ folders, so gunicorn works locally without collectstatic.
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
# The Celery queue tasks go to and workers consume (deployments sharing a broker).
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
