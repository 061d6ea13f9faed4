# One image for the web server, the Temporal worker and the Celery worker.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml ./
COPY config ./config
COPY cycles ./cycles
COPY scoping ./scoping
COPY reviews ./reviews
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=config.settings
RUN useradd --create-home --uid 10001 app
WORKDIR /app
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
COPY --chown=app:app manage.py ./
COPY --chown=app:app templates ./templates
COPY --chown=app:app static ./static
USER app
EXPOSE 8000
CMD ["python", "manage.py", "run_worker"]
