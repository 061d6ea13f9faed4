"""The workflow's custom search attributes on the Temporal namespace.

A workflow that upserts an attribute its namespace lacks fails its workflow
task on every retry and never moves again, while the pages quietly show the
database's status. So the worker refuses to start without them (or registers
them where the server allows it), and `run_worker --check` and `/readyz`
report them missing. With TEMPORAL_SEARCH_ATTRIBUTES=false the workflow sets
none and nothing here is needed."""
from __future__ import annotations

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from . import workflow_types as t

KEYWORD = IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
DATETIME = IndexedValueType.INDEXED_VALUE_TYPE_DATETIME

REQUIRED: dict[str, int] = {
    t.SA_AWAITING_ACTION: KEYWORD,
    t.SA_AWAITING_ASSIGNEE: KEYWORD,
    t.SA_AWAITING_SINCE: DATETIME,
}
# The names the `temporal` CLI uses for the types.
CLI_TYPE = {KEYWORD: "Keyword", DATETIME: "Datetime"}

# Answers meaning "this namespace does not let you do that here" (Temporal
# Cloud's operator API, a restricted role), as opposed to "unreachable".
NOT_ALLOWED = {RPCStatusCode.PERMISSION_DENIED, RPCStatusCode.UNIMPLEMENTED, RPCStatusCode.UNAUTHENTICATED}


def _type_name(kind: int) -> str:
    return CLI_TYPE.get(kind) or IndexedValueType.Name(kind).removeprefix("INDEXED_VALUE_TYPE_").title()


def how_to_register(namespace: str) -> str:
    lines = "\n".join(
        f"  temporal operator search-attribute create --namespace {namespace} --name {name} --type {CLI_TYPE[kind]}"
        for name, kind in REQUIRED.items()
    )
    return (
        f"Register them once on the namespace:\n{lines}\n"
        "(on Temporal Cloud: tcld namespace search-attributes add, or the Cloud UI), "
        "or let `python manage.py run_worker --register-search-attributes` add them where the server allows it "
        "(a dev server, your own cluster), or set TEMPORAL_SEARCH_ATTRIBUTES=false to run without them."
    )


class MissingSearchAttributes(Exception):
    """The namespace lacks (or mistypes) the workflow's search attributes."""

    def __init__(self, namespace: str, problems: list[str]):
        self.namespace = namespace
        self.problems = problems
        super().__init__(
            f"Temporal namespace {namespace!r} lacks the workflow's search attributes ({'; '.join(problems)}): "
            "every workflow would fail at its first step and stay stuck. " + how_to_register(namespace)
        )


async def problems(client: Client, namespace: str) -> list[str]:
    """What is wrong with the namespace's custom search attributes; empty when nothing is."""
    answer = await client.operator_service.list_search_attributes(ListSearchAttributesRequest(namespace=namespace))
    have = dict(answer.custom_attributes)
    found = []
    for name, kind in REQUIRED.items():
        if name not in have:
            found.append(f"{name} ({CLI_TYPE[kind]}) is missing")
        elif have[name] != kind:
            found.append(f"{name} is {_type_name(have[name])}, not {CLI_TYPE[kind]}")
    return found


async def require(client: Client, namespace: str) -> None:
    """Raise MissingSearchAttributes unless the namespace has them all."""
    found = await problems(client, namespace)
    if found:
        raise MissingSearchAttributes(namespace, found)


async def register_missing(client: Client, namespace: str) -> list[str]:
    """Add the missing attributes (a mistyped one cannot be fixed this way);
    returns the names added. Raises RPCError where the server refuses."""
    answer = await client.operator_service.list_search_attributes(ListSearchAttributesRequest(namespace=namespace))
    missing = {name: kind for name, kind in REQUIRED.items() if name not in answer.custom_attributes}
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )
    return list(missing)


def not_allowed(exc: BaseException) -> bool:
    return isinstance(exc, RPCError) and exc.status in NOT_ALLOWED
