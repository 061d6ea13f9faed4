# One image for every process: the web server, the Temporal worker and the
# Celery worker (and beat, migrations), chosen by the command:
#   docker run IMAGE web | temporal-worker | celery-worker | celery-beat | migrate
# See docker/entrypoint.sh; the tests run the same command lines.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings_production \
    PORT=8000

WORKDIR /app

# Dependencies only (no dev extra), in their own layer so that a source
# change does not reinstall them.
COPY pyproject.toml docker/requirements.py /tmp/build/
RUN python /tmp/build/requirements.py /tmp/build/pyproject.toml > /tmp/build/requirements.txt \
    && pip install --no-cache-dir -r /tmp/build/requirements.txt \
    && rm -rf /tmp/build

# The source runs from /app (BASE_DIR): every app, templates/ and static/
# beside them. .dockerignore keeps tests, docs and local state out, so a new
# app needs no line here.
COPY . ./

# Bytecode compiled once here: the app cannot write it at run time (the
# source is root's, and PYTHONDONTWRITEBYTECODE), and the Temporal worker's
# sandbox imports the workflow's module afresh for every run it builds,
# compiling its source each time without it (issue 15).
# Hashed, compressed static files, served by whitenoise from /app/staticfiles.
RUN python -m compileall -q /app \
    && ./docker/entrypoint.sh collectstatic \
    && rm -rf /app/.local \
    && useradd --create-home --uid 10001 --user-group app

# The source stays owned by root: the app cannot rewrite itself.
USER 10001:10001
EXPOSE 8000
ENTRYPOINT ["/app/docker/entrypoint.sh"]
CMD ["web"]
