#!/bin/sh
# One image, several processes: the first argument says which. The tests
# (tests/test_container_commands.py) run these same lines outside Docker.
set -eu

case "${1:-web}" in
  web)
    exec gunicorn config.wsgi --config python:config.gunicorn ;;
  temporal-worker)
    exec python manage.py run_worker ;;
  celery-worker)
    exec celery -A config worker --loglevel "${LOG_LEVEL:-INFO}" --concurrency "${CELERY_CONCURRENCY:-2}" ;;
  celery-beat)
    # Exactly one beat per deployment: it schedules the redelivery sweep.
    exec celery -A config beat --loglevel "${LOG_LEVEL:-INFO}" --schedule "${CELERY_BEAT_SCHEDULE_FILE:-/tmp/celerybeat-schedule}" ;;
  migrate)
    exec python manage.py migrate --noinput ;;
  collectstatic)
    # Runs at image build time, without the production secrets: the base
    # settings with the production storage (hashed, compressed files).
    DJANGO_SETTINGS_MODULE=config.settings STATIC_MANIFEST=true DEBUG=false \
      exec python manage.py collectstatic --noinput --verbosity 0 ;;
  healthcheck-web)
    exec python -c 'import os, sys, urllib.request
try:
    with urllib.request.urlopen("http://127.0.0.1:%s/readyz" % os.environ.get("PORT", "8000"), timeout=10) as r:
        sys.exit(0 if r.status == 200 else 1)
except Exception as exc:
    print(exc, file=sys.stderr)
    sys.exit(1)' ;;
  healthcheck-temporal-worker)
    exec python manage.py run_worker --check ;;
  healthcheck-celery)
    exec celery -A config inspect ping --timeout 5 --destination "celery@$(hostname)" ;;
  *)
    exec "$@" ;;
esac
