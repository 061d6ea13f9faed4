import asyncio
import logging
import os
import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from temporalio.service import RPCError, RPCStatusCode

from config.long_lived import freeze_loaded_objects
from cycles import search_attributes
from cycles.temporal_connection import connect
from cycles.worker import build_worker

log = logging.getLogger("cycles.worker")

# Exit status when Temporal cannot be reached: a supervisor (run_local) may
# start the worker again once Temporal is back; any other failure is a
# configuration to fix, which restarting would not.
EXIT_UNREACHABLE = 3


class Command(BaseCommand):
    help = (
        "Run the Temporal worker (workflows and activities). Refuses to start when the namespace lacks the "
        "workflow's search attributes (unless TEMPORAL_SEARCH_ATTRIBUTES=false). Stops cleanly on SIGTERM/SIGINT."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only check that Temporal is reachable and the namespace has the search attributes; "
            "exit non-zero if not.",
        )
        parser.add_argument(
            "--register-search-attributes",
            action="store_true",
            help="Register the workflow's search attributes on the namespace if they are missing "
            "(a dev server or your own cluster allow it; Temporal Cloud does not).",
        )
        parser.add_argument("--connect-timeout", type=float, default=10.0)

    def handle(self, *args, **options):
        try:
            if options["check"]:
                self._check(options["connect_timeout"])
            else:
                asyncio.run(self._run(options["register_search_attributes"], options["connect_timeout"]))
        except CommandError as exc:
            if not getattr(self, "_called_from_command_line", False):
                raise
            if settings.LOG_FORMAT == "json":
                log.error("%s", exc)  # one JSON object per line, this one too
            else:
                self.stderr.write(f"CommandError: {exc}")
            self._exit(exc.returncode)
        if getattr(self, "_called_from_command_line", False):
            self._exit(0)

    def _exit(self, code: int) -> None:
        # Exit now, everything said and done: interpreter shutdown can race
        # the SDK's native threads (and the core's log forwarding) and abort
        # (SIGABRT, exit 134), which a supervisor or a container healthcheck
        # would misread.
        self.stdout.flush()
        self.stderr.flush()
        logging.shutdown()
        os._exit(code)

    def _say(self, message: str) -> None:
        if settings.LOG_FORMAT == "json":
            log.info("%s", message)
        else:
            self.stdout.write(message)
            self.stdout.flush()

    def _check(self, timeout: float) -> None:
        try:
            asyncio.run(self._probe(timeout))
        except search_attributes.MissingSearchAttributes as exc:
            raise CommandError(str(exc)) from exc
        except Exception as exc:  # any failure to reach Temporal
            raise CommandError(
                f"Temporal at {settings.TEMPORAL_ADDRESS} is not reachable: {exc}", returncode=EXIT_UNREACHABLE
            ) from exc
        # The probe's answer, for the healthcheck's record (not a log line).
        self.stdout.write(f"Temporal at {settings.TEMPORAL_ADDRESS} is reachable")

    async def _probe(self, timeout: float):
        client = await asyncio.wait_for(connect(), timeout)
        await asyncio.wait_for(client.service_client.check_health(), timeout)
        await asyncio.wait_for(self._search_attributes(client, register=False), timeout)

    async def _search_attributes(self, client, register: bool) -> None:
        if not settings.TEMPORAL_SEARCH_ATTRIBUTES:
            return
        namespace = settings.TEMPORAL_NAMESPACE
        try:
            if register:
                added = await search_attributes.register_missing(client, namespace)
                if added:
                    self._say(f"Registered the search attributes {', '.join(added)} on namespace {namespace!r}")
            await search_attributes.require(client, namespace)
        except search_attributes.MissingSearchAttributes:
            raise
        except RPCError as exc:
            if not search_attributes.not_allowed(exc):
                raise
            if register:
                raise CommandError(
                    f"Temporal refused to register the search attributes on namespace {namespace!r} ({exc}). "
                    + search_attributes.how_to_register(namespace)
                ) from exc
            # Some namespaces (Temporal Cloud, restricted roles) do not let a
            # worker list them: say so, and trust the operator.
            log.warning("Cannot check the search attributes of namespace %r here (%s); make sure they exist", namespace, exc)

    async def _run(self, register: bool, timeout: float):
        try:
            client = await asyncio.wait_for(connect(), timeout)
        except Exception as exc:
            raise CommandError(
                f"Temporal at {settings.TEMPORAL_ADDRESS} is not reachable: {exc or type(exc).__name__}",
                returncode=EXIT_UNREACHABLE,
            ) from exc
        try:
            await self._search_attributes(client, register)
        except search_attributes.MissingSearchAttributes as exc:
            raise CommandError(f"{exc}\nThe worker does not start without them.") from exc
        except RPCError as exc:
            unreachable = exc.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED)
            raise CommandError(
                f"Temporal at {settings.TEMPORAL_ADDRESS} did not answer the search attributes check: {exc}",
                returncode=EXIT_UNREACHABLE if unreachable else 1,
            ) from exc
        worker = build_worker(client)
        freeze_loaded_objects()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        self._say(f"Worker polling task queue {settings.TEMPORAL_TASK_QUEUE!r} at {settings.TEMPORAL_ADDRESS}")
        async with worker:
            await stop.wait()
            self._say("Shutting down: finishing running activities")
        self._say("Worker stopped")
