"""Settings: every value comes from the environment, with a local default
that runs the whole product on one machine (SQLite, a local Temporal dev
server, a filesystem Celery broker, console e-mail)."""
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# Local state of `make run` (dev server, filesystem broker, demo logins, the
# SQLite test database); never in the repository.
LOCAL_DIR = Path(env.str("LOCAL_DIR", default=str(BASE_DIR / ".local")))

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
    "axes",
    "knox",
    "csp",
    "cycles",
    "scoping",
    "sampling",
    "evidence",
    "reviews",
    # Setting cycles up (issue 12): pages, API and dashboard for test managers.
    "cycle_setup",
    # After axes and knox: its admin replaces theirs.
    "accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Both only touch the answer's headers (config/no_store.py; the policy
    # is CONTENT_SECURITY_POLICY below).
    "config.no_store.NoStoreMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Oversized bodies get a 413 with a message before any view reads them
    # (DRF's JSON parser does not enforce DATA_UPLOAD_MAX_MEMORY_SIZE by
    # itself), and before the CSRF check reads a form's body; an upload
    # view declares its own limit (cycles.request_limits.accepts_uploads).
    "cycles.request_limits.RequestBodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Turns a sign-in refused for a lock-out into the lock-out answer
    # (accounts/lockout.py); last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
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
            # One way to write dates (with the time zone) and people on every page.
            "builtins": ["cycles.templatetags.plain_words"],
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
    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
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
        "accounts.authentication.ExpiringTokenAuthentication",
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
# The Temporal Web UI, linked from a report's page for test managers (the
# dev server's UI locally; empty: no link).
TEMPORAL_UI_URL = env.str("TEMPORAL_UI_URL", default="http://127.0.0.1:8233").rstrip("/")
# Seconds a web request waits for the workflow to accept a message.
TEMPORAL_RPC_TIMEOUT = env.float("TEMPORAL_RPC_TIMEOUT", default=15.0)
# A submission that arrives while its task is open in the database but the
# workflow does not await it yet (the moment after the task opened) is
# re-sent for up to this many seconds (reviews/delivery.py).
TASK_OPENING_GRACE = env.float("TASK_OPENING_GRACE", default=5.0)
# Seconds the web and Celery processes give an unreachable Temporal (TCP
# connect plus the SDK's retries) before they answer without it; the circuit
# breaker (cycles/temporal_client.py) then answers at once and probes its
# health every TEMPORAL_PROBE_EVERY seconds until it is back.
TEMPORAL_CONNECT_TIMEOUT = env.float("TEMPORAL_CONNECT_TIMEOUT", default=0.5)
TEMPORAL_PROBE_EVERY = env.float("TEMPORAL_PROBE_EVERY", default=1.0)
# Custom search attributes (AwaitingAction, AwaitingAssignee, AwaitingSince)
# must be registered on the cluster before workflows may set them.
TEMPORAL_SEARCH_ATTRIBUTES = env.bool("TEMPORAL_SEARCH_ATTRIBUTES", default=True)
TEMPORAL_WORKER_ACTIVITY_THREADS = env.int("TEMPORAL_WORKER_ACTIVITY_THREADS", default=16)
# Workflows a worker keeps in memory; the others are rebuilt from their
# history when they next have work (cycles/worker.py).
TEMPORAL_WORKER_MAX_CACHED_WORKFLOWS = env.int("TEMPORAL_WORKER_MAX_CACHED_WORKFLOWS", default=200)
# Seconds a stopping worker lets running activities finish before it cancels them.
TEMPORAL_WORKER_SHUTDOWN_GRACE = env.float("TEMPORAL_WORKER_SHUTDOWN_GRACE", default=30.0)

# --- Human tasks ------------------------------------------------------------
# Seconds. A whole number of days counts business days (weekends and
# HUMAN_TASK_HOLIDAYS skipped).
HUMAN_TASK_DUE_AFTER = env.int("HUMAN_TASK_DUE_AFTER", default=3 * 86400)
HUMAN_TASK_REMIND_EVERY = env.int("HUMAN_TASK_REMIND_EVERY", default=86400)
HUMAN_TASK_HOLIDAYS = env.list("HUMAN_TASK_HOLIDAYS", default=[])
# Business days skip this financial market's closing days (the `holidays`
# package's codes: XFED the US Federal Reserve, XNYS the New York Stock
# Exchange, ...; empty for weekends and HUMAN_TASK_HOLIDAYS only).
HUMAN_TASK_HOLIDAY_CALENDAR = env.str("HUMAN_TASK_HOLIDAY_CALENDAR", default="XFED")
# Shortest durations a cycle may set (seconds): production raises them (an
# hour), so that "3" meant as days cannot send a reminder every 3 seconds.
HUMAN_TASK_MIN_DUE_AFTER = env.int("HUMAN_TASK_MIN_DUE_AFTER", default=1)
HUMAN_TASK_MIN_REMIND_EVERY = env.int("HUMAN_TASK_MIN_REMIND_EVERY", default=1)
# Reminders of one task before only the escalation continues (0: no limit).
HUMAN_TASK_MAX_REMINDERS = env.int("HUMAN_TASK_MAX_REMINDERS", default=5)
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# Where seed_demo keeps the demo users' random passwords (outside the repo's history).
DEMO_LOGINS_FILE = env.str("DEMO_LOGINS_FILE", default=str(LOCAL_DIR / "demo-logins.json"))

# --- Celery ------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_ACKS_LATE = True
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem"):
    # Any process may be the first to send (`manage.py run_worker` started on
    # its own, not only `make run`): the folders must exist, or kombu drops
    # every message with a traceback.
    CELERY_FILESYSTEM_BROKER_DIR = Path(env.str("CELERY_FILESYSTEM_BROKER_DIR", default=str(LOCAL_DIR / "celery")))
    _processed = CELERY_FILESYSTEM_BROKER_DIR.with_name(CELERY_FILESYSTEM_BROKER_DIR.name + "-processed")
    # Else kombu writes a "control" folder into whatever folder the worker runs in.
    _control = CELERY_FILESYSTEM_BROKER_DIR.with_name(CELERY_FILESYSTEM_BROKER_DIR.name + "-control")
    for _folder in (CELERY_FILESYSTEM_BROKER_DIR, _processed, _control):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FILESYSTEM_BROKER_DIR),
        "data_folder_out": str(CELERY_FILESYSTEM_BROKER_DIR),
        "processed_folder": str(_processed),
        "control_folder": str(_control),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Redeliver submissions stored while Temporal was unreachable.
CELERY_BEAT_SCHEDULE = {
    "redeliver-pending-submissions": {
        "task": "reviews.tasks.redeliver_pending_submissions",
        "schedule": env.float("REDELIVERY_SWEEP_EVERY", default=60.0),
    },
    # Send e-mails the broker or the mail server lost (the outbox).
    "send-pending-notifications": {
        "task": "reviews.tasks.send_pending_notifications",
        "schedule": env.float("NOTIFICATION_SWEEP_EVERY", default=60.0),
    },
}
# Seconds the sweep leaves a new notification to the task enqueued for it.
NOTIFICATION_SWEEP_GRACE = env.float("NOTIFICATION_SWEEP_GRACE", default=30.0)

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

# --- Sample selection -------------------------------------------------------
# Records in a report's sample unless the cycle or the tester says otherwise.
SAMPLE_SIZE_DEFAULT = env.int("SAMPLE_SIZE_DEFAULT", default=25)

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

# --- Sign-in throttling (django-axes; accounts/sign_in_limits.py) -----------
# Only failed sign-ins count, on the login pages and POST /api/auth/token/.
SIGN_IN_FAILURE_LIMIT = env.int("SIGN_IN_FAILURE_LIMIT", default=5)  # per user name, from anywhere
SIGN_IN_ADDRESS_FAILURE_LIMIT = env.int("SIGN_IN_ADDRESS_FAILURE_LIMIT", default=20)  # per address, across user names
SIGN_IN_LOCKOUT = env.int("SIGN_IN_LOCKOUT", default=900)  # seconds locked after the failure that locks
# Reverse proxies in front of the app that append the client's address to
# X-Forwarded-For (0: the client connects directly; REMOTE_ADDR is used).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
for _name in ("SIGN_IN_FAILURE_LIMIT", "SIGN_IN_ADDRESS_FAILURE_LIMIT", "SIGN_IN_LOCKOUT"):
    if globals()[_name] < 1:
        raise ImproperlyConfigured(f"{_name} must be at least 1")
AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out sign-in before the password is even checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "accounts.sign_in_limits.SignInLimits"
AXES_FAILURE_LIMIT = SIGN_IN_FAILURE_LIMIT
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_COOLOFF_TIME = timedelta(seconds=SIGN_IN_LOCKOUT)
AXES_RESET_ON_SUCCESS = True
# Tries while locked do not push the end of the lock further away.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.sign_in_limits.client_address"
AXES_ENABLE_ADMIN = False  # accounts/admin.py: unlocking leaves a SecurityEvent
# No row (and no session) per successful sign-in: last_login is kept anyway.
AXES_DISABLE_ACCESS_LOG = True

# --- API tokens (django-rest-knox; accounts/tokens.py) ----------------------
API_TOKEN_TTL = env.int("API_TOKEN_TTL", default=9 * 3600)  # seconds; a working day
REST_KNOX = {"TOKEN_TTL": timedelta(seconds=API_TOKEN_TTL), "AUTH_HEADER_PREFIX": "Token"}

# --- Sessions: end after a working day without activity ---------------------
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=9 * 3600)  # seconds
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT
SESSION_SAVE_EVERY_REQUEST = True  # every request moves the end forward

# --- Content-Security-Policy (django-csp): no inline script or style --------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # Swagger UI's and the admin's icons are data: URIs in their CSS.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- Sample selection: populations and draws ----------------------------------
# Limits of an uploaded population file (bytes, records, columns).
POPULATION_MAX_BYTES = env.int("POPULATION_MAX_BYTES", default=2 * 1024**3)
POPULATION_MAX_ROWS = env.int("POPULATION_MAX_ROWS", default=5_000_000)
POPULATION_MAX_COLUMNS = env.int("POPULATION_MAX_COLUMNS", default=500)
# Most distinct values a stratified draw may group by (one counter each).
SAMPLING_MAX_STRATA = env.int("SAMPLING_MAX_STRATA", default=10_000)
# Where population files are kept: local files under a folder no URL serves,
# or any Django storage backend with its options as JSON, e.g. django-storages'
# S3 backend (README, "Population files").
POPULATION_STORAGE_BACKEND = env.str(
    "POPULATION_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage"
)
POPULATION_STORAGE_OPTIONS = env.json("POPULATION_STORAGE_OPTIONS", default={})
if POPULATION_STORAGE_BACKEND == "django.core.files.storage.FileSystemStorage":
    POPULATION_STORAGE_OPTIONS = {
        "location": env.str("POPULATION_STORAGE_DIR", default=str(LOCAL_DIR / "populations")),
        # Evidence: readable by the app's user and group only.
        "file_permissions_mode": 0o640,
        "directory_permissions_mode": 0o750,
        **POPULATION_STORAGE_OPTIONS,
    }
STORAGES["populations"] = {"BACKEND": POPULATION_STORAGE_BACKEND, "OPTIONS": POPULATION_STORAGE_OPTIONS}

# --- Setting up a cycle (issue 12): catalogues and starting a whole cycle ----
# Largest attribute catalogue file accepted (bytes) and its most attribute rows.
CATALOGUE_MAX_BYTES = env.int("CATALOGUE_MAX_BYTES", default=20 * 1024**2)
CATALOGUE_MAX_ROWS = env.int("CATALOGUE_MAX_ROWS", default=20_000)
# Workflow starts in flight at once when a whole cycle starts.
CYCLE_START_CONCURRENCY = env.int("CYCLE_START_CONCURRENCY", default=32)
# --- Evidence: the data provider's files and the test results (issue 14) ------
# Largest evidence file accepted (bytes): larger answers 413.
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=100 * 1024**2)
# Types accepted, as detected from the content (evidence/file_types.py).
EVIDENCE_ALLOWED_TYPES = env.list(
    "EVIDENCE_ALLOWED_TYPES", default=["pdf", "png", "jpg", "tif", "gif", "xlsx", "docx", "csv", "txt"]
)
# Dotted path of a callable(file, info) that may refuse a file by raising
# evidence.scanning.FileRefused (an antivirus, a DLP check); no-op by default.
EVIDENCE_SCANNER = env.str("EVIDENCE_SCANNER", default="evidence.scanning.accept_every_file")
# Amounts (decimal attributes) match when they differ by at most this much.
EVIDENCE_AMOUNT_TOLERANCE = env.str("EVIDENCE_AMOUNT_TOLERANCE", default="0.01")
# Date formats a date is read in before comparing (strptime formats).
EVIDENCE_DATE_FORMATS = env.list(
    "EVIDENCE_DATE_FORMATS", default=["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%d %b %Y", "%d-%b-%Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y"]
)
# Where evidence files are kept: under a folder no URL serves (downloads go
# through a view that checks access), or any Django storage backend.
EVIDENCE_STORAGE_BACKEND = env.str("EVIDENCE_STORAGE_BACKEND", default="django.core.files.storage.FileSystemStorage")
EVIDENCE_STORAGE_OPTIONS = env.json("EVIDENCE_STORAGE_OPTIONS", default={})
if EVIDENCE_STORAGE_BACKEND == "django.core.files.storage.FileSystemStorage":
    EVIDENCE_STORAGE_OPTIONS = {
        "location": env.str("EVIDENCE_STORAGE_DIR", default=str(LOCAL_DIR / "evidence")),
        "file_permissions_mode": 0o640,
        "directory_permissions_mode": 0o750,
        **EVIDENCE_STORAGE_OPTIONS,
    }
STORAGES["evidence"] = {"BACKEND": EVIDENCE_STORAGE_BACKEND, "OPTIONS": EVIDENCE_STORAGE_OPTIONS}
