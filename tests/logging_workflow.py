"""A test-only workflow that logs from workflow code through
`workflow.logger`, as the real workflow may (it does not today)."""
from temporalio import workflow

MESSAGE = "hello from workflow code"


@workflow.defn(name="LoggingWorkflow")
class LoggingWorkflow:
    @workflow.run
    async def run(self, note: str) -> str:
        workflow.logger.info(MESSAGE, extra={"note": note})
        workflow.logger.warning("a warning from workflow code, with a newline\nin it")
        return note
