"""The LOGGING dict for Django and gunicorn alike: plain text for a terminal,
or one JSON object per line (LOG_FORMAT=json, the production default) for a
log pipeline. Every line about a workflow carries its id (config.log_context)."""
from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from pythonjsonlogger.core import RESERVED_ATTRS

FORMATS = ("text", "json")


def build(fmt: str = "text", level: str = "INFO") -> dict:
    if fmt not in FORMATS:
        raise ImproperlyConfigured(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {fmt!r}")
    formatters = {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {
            # python-json-logger: every `extra` field (workflow_id, duration_ms, ...)
            # becomes a key of its own; timestamp is ISO 8601 in UTC.
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": True,
            # The SDK core's forwarded lines carry their raw entry (not JSON);
            # its target and fields are in the message already.
            "reserved_attrs": [*RESERVED_ATTRS, "temporal_log"],
        },
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"workflow_id": {"()": "config.log_context.WorkflowIdFilter"}},
        "formatters": {fmt: formatters[fmt]},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": fmt, "filters": ["workflow_id"]},
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # django-axes logs every sign-in at INFO; failures and lock-outs are WARNINGs.
            "axes": {"level": "WARNING"},
            # gunicorn's own loggers write through the same handler (see config/gunicorn.py).
            "gunicorn.error": {"handlers": ["console"], "level": level, "propagate": False},
            "gunicorn.access": {"handlers": ["console"], "level": level, "propagate": False},
        },
    }
