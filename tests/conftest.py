import asyncio
import uuid

import pytest
from django.conf import settings

from cycles import temporal_client
from cycles.worker import activities_in_flight, build_worker

from .temporal_harness import BackgroundLoop, start_environment, wait_until


@pytest.fixture(scope="session")
def temporal_env(django_db_setup):
    """One real Temporal dev server and one worker for the whole session."""
    bg = BackgroundLoop()
    env = bg.run(start_environment())
    settings.TEMPORAL_ADDRESS = env.client.service_client.config.target_host
    settings.TEMPORAL_NAMESPACE = env.client.namespace
    settings.TEMPORAL_TASK_QUEUE = f"test-{uuid.uuid4().hex[:8]}"
    temporal_client.reset()

    async def start_worker():
        worker = build_worker(env.client, settings.TEMPORAL_TASK_QUEUE, threads=8)
        task = asyncio.ensure_future(worker.run())
        return worker, task

    worker, task = bg.run(start_worker())
    bg.env = env
    bg.task_queue = settings.TEMPORAL_TASK_QUEUE
    yield bg
    bg.run(worker.shutdown(), timeout=60)
    bg.run(env.shutdown(), timeout=60)
    bg.stop()


@pytest.fixture
def temporal(temporal_env, transactional_db):
    """Temporal for one test; workflows it leaves running are terminated so
    their timers cannot touch the next test's database."""
    yield temporal_env
    env = temporal_env.env

    async def terminate_running():
        async for wf in env.client.list_workflows(
            f'TaskQueue="{temporal_env.task_queue}" AND ExecutionStatus="Running"'
        ):
            try:
                await env.client.get_workflow_handle(wf.id, run_id=wf.run_id).terminate("test over")
            except Exception:
                pass

    temporal_env.run(terminate_running(), timeout=60)
    # An activity already running finishes its write even after the
    # termination; resetting the database under it could deadlock.
    wait_until(lambda: activities_in_flight() == 0, timeout=30, message="running activities to finish")


@pytest.fixture(autouse=True)
def _evidence_storage(settings, tmp_path_factory):
    """Evidence files of each test in a folder of its own, never .local/."""
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path_factory.mktemp("evidence"))},
        },
    }


@pytest.fixture(autouse=True)
def _fast_local_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from config.celery import app

    app.conf.task_always_eager = True
    yield


from .ci_no_skips import pytest_make_collect_report, pytest_runtest_makereport  # noqa: E402,F401  (hooks)
from .celery_harness import celery_redis_worker  # noqa: E402,F401  (fixture)
from .browser_harness import browser_page  # noqa: E402,F401  (fixture)
