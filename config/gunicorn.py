"""gunicorn settings (`gunicorn config.wsgi --config python:config.gunicorn`),
from the environment like everything else.

gthread workers: Django views are synchronous and each waits on Temporal for
up to TEMPORAL_RPC_TIMEOUT seconds, so threads keep a slow answer from
blocking a whole process. No preload: the Temporal client must not cross a
fork (cycles/temporal_client.py creates it lazily in each worker process)."""
import os

from config.logging_config import build as _build_logging

bind = f"{os.environ.get('BIND_HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
# Keep in step with the database pool (config/settings_production.py sizes it from WEB_THREADS).
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5
preload_app = False
# Peer addresses trusted for X-Forwarded-* (the proxy in front); '*' only
# when nothing but the proxy can reach the port.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# No control socket: it would be written to $HOME and is not needed here.
control_socket_disable = True
# gunicorn's own lines (start, stop, access) in the same format as the app's.
logconfig_dict = _build_logging(
    os.environ.get("LOG_FORMAT", "json" if os.environ.get("DJANGO_SETTINGS_MODULE", "").endswith("production") else "text"),
    os.environ.get("LOG_LEVEL", "INFO"),
)
accesslog = "-"


def post_worker_init(worker):
    # Each gunicorn worker loads the app itself (no preload): freeze after.
    from config.long_lived import freeze_loaded_objects

    freeze_loaded_objects()
