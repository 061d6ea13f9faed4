import asyncio
import os
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cycles.temporal_connection import connect
from cycles.worker import build_worker


class Command(BaseCommand):
    help = "Run the Temporal worker (workflows and activities). Stops cleanly on SIGTERM/SIGINT."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only check that Temporal is reachable; exit non-zero if not.",
        )
        parser.add_argument("--connect-timeout", type=float, default=10.0)

    def handle(self, *args, **options):
        if options["check"]:
            try:
                asyncio.run(self._check(options["connect_timeout"]))
            except Exception as exc:  # any failure to reach Temporal
                raise CommandError(f"Temporal at {settings.TEMPORAL_ADDRESS} is not reachable: {exc}") from exc
            self.stdout.write(f"Temporal at {settings.TEMPORAL_ADDRESS} is reachable")
            self.stdout.flush()
            # Exit now: under load, interpreter shutdown can race the SDK's
            # native client threads and abort (SIGABRT, exit 134), which a
            # container healthcheck would read as "unhealthy". Nothing is
            # left to clean up after a check.
            os._exit(0)
        asyncio.run(self._run())

    async def _check(self, timeout: float):
        client = await asyncio.wait_for(connect(), timeout)
        await asyncio.wait_for(client.service_client.check_health(), timeout)

    async def _run(self):
        client = await connect()
        worker = build_worker(client)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        self.stdout.write(
            f"Worker polling task queue {settings.TEMPORAL_TASK_QUEUE!r} at {settings.TEMPORAL_ADDRESS}",
        )
        async with worker:
            await stop.wait()
            self.stdout.write("Shutting down: finishing running activities")
        self.stdout.write("Worker stopped")
