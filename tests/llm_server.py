"""A real chat-completions server for the tests: a threaded http.server on
127.0.0.1 (a free port) that speaks the protocol the openai SDK speaks, and
answers as each test scripts it: good answers, malformed JSON, partial and
truncated answers, invented and duplicate ids, slow answers, 429 with
Retry-After, 500s and 401s. It records every request it received."""
from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

import pytest

SERVED_MODEL = "acme-risk-7b-q4"  # what the endpoint names itself; LLM_MODEL may differ


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Received:
    path: str
    headers: dict
    body: dict
    ids: list[int]


Behaviour = Callable[[list, dict], Answer]


def _ids(body: dict) -> list[int]:
    text = body.get("messages", [{}])[-1].get("content", "") if body.get("messages") else ""
    return [int(x) for x in re.findall(r'"attribute_id": (\d+)', text)]


def completion(content: str | None, finish_reason: str = "stop", model: str = SERVED_MODEL, status: int = 200) -> Answer:
    body = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": 321, "completion_tokens": 123, "total_tokens": 444},
    }
    return Answer(status, json.dumps(body).encode(), {"Content-Type": "application/json"})


def entry(attribute_id: int, include: bool = True, risk_score: int = 70, rationale: str = "") -> dict:
    return {
        "attribute_id": attribute_id,
        "include": include,
        "risk_score": risk_score,
        "rationale": rationale or f"Model: attribute {attribute_id} carries reporting risk.",
        "factors": ["model"],  # more fields are allowed
    }


def model_entries(ids, include=lambda i: True) -> list[dict]:
    return [entry(i, include=include(i), risk_score=80 if include(i) else 10) for i in ids]


# --- behaviours ---------------------------------------------------------------

def good(include=lambda i: True, model: str = SERVED_MODEL) -> Behaviour:
    return lambda ids, body: completion(json.dumps({"recommendations": model_entries(ids, include)}), model=model)


def malformed() -> Behaviour:
    return lambda ids, body: completion("Sure! Attribute one looks risky, the others {not json")


def partial(keep: int = 1) -> Behaviour:
    """Answers only the first `keep` attributes of the batch."""
    return lambda ids, body: completion(json.dumps({"recommendations": model_entries(ids[:keep])}))


def truncated() -> Behaviour:
    """A valid answer cut off in its second entry, as at the token limit."""

    def answer(ids, body):
        text = json.dumps({"recommendations": model_entries(ids)})
        second = text.find('{"attribute_id"', text.find('{"attribute_id"') + 1)
        return completion(text[: second + 25], finish_reason="length")

    return answer


def invented() -> Behaviour:
    """Every real id answered, plus one the batch never had."""
    return lambda ids, body: completion(
        json.dumps({"recommendations": model_entries(ids) + [entry(987654321)]})
    )


def duplicated() -> Behaviour:
    """The first attribute answered twice, disagreeing with itself."""
    return lambda ids, body: completion(
        json.dumps({"recommendations": model_entries(ids) + [entry(ids[0], include=False, risk_score=5)]})
    )


def out_of_range() -> Behaviour:
    """The first attribute's score out of range, the second's include a string."""

    def answer(ids, body):
        entries = model_entries(ids)
        entries[0]["risk_score"] = 150
        if len(entries) > 1:
            entries[1]["include"] = "yes"
        return completion(json.dumps({"recommendations": entries}))

    return answer


def slow(seconds: float, then: Behaviour | None = None) -> Behaviour:
    inner = then or good()

    def answer(ids, body):
        a = inner(ids, body)
        a.delay = seconds
        return a

    return answer


def status(code: int, retry_after: str | None = None, echo_key: bool = False) -> Behaviour:
    def answer(ids, body):
        error = {"error": {"message": f"test server says {code}", "type": "test", "code": code}}
        h = {"Content-Type": "application/json"}
        if retry_after is not None:
            h["Retry-After"] = retry_after
        return Answer(code, json.dumps(error).encode(), h)

    answer.echo_key = echo_key
    return answer


def not_json_body() -> Behaviour:
    return lambda ids, body: Answer(200, b"<html>gateway says hello</html>", {"Content-Type": "text/html"})


# --- the server -----------------------------------------------------------------

class ChatServer:
    def __init__(self):
        self._lock = threading.Lock()
        self._script: list[Behaviour] = []
        self.default: Behaviour = good()
        self.requests: list[Received] = []
        self.in_flight = 0
        self.max_in_flight = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                ids = _ids(body)
                with server._lock:
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    server.requests.append(Received(self.path, headers, body, ids))
                    behaviour = server._script.pop(0) if server._script else server.default
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                try:
                    self._answer(behaviour, ids, body)
                finally:
                    with server._lock:
                        server.in_flight -= 1

            def _answer(self, behaviour, ids, body):
                if not self.path.endswith("/chat/completions"):
                    answer = Answer(404, b'{"error": {"message": "no such path"}}', {"Content-Type": "application/json"})
                else:
                    answer = behaviour(ids, body)
                if getattr(behaviour, "echo_key", False):
                    # A careless gateway quoting the credential it refused.
                    echoed = {"error": {"message": f"bad credentials: {self.headers.get('Authorization')}"}}
                    answer.body = json.dumps(echoed).encode()
                if answer.delay:
                    time.sleep(answer.delay)
                try:
                    self.send_response(answer.status)
                    for k, v in answer.headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(answer.body)))
                    self.end_headers()
                    self.wfile.write(answer.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="llm-test-server", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def then(self, *behaviours: Behaviour) -> "ChatServer":
        """Answer the next requests with these, in order, then the default."""
        with self._lock:
            self._script.extend(behaviours)
        return self

    def always(self, behaviour: Behaviour) -> "ChatServer":
        self.default = behaviour
        return self

    def asked_ids(self) -> list[int]:
        with self._lock:
            return [i for r in self.requests for i in r.ids]

    def count(self) -> int:
        with self._lock:
            return len(self.requests)

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)


KEY = "sk-test-5f2b9c1e7d4a4e0bbd8c2f1a9e6d3c7b"


@pytest.fixture
def llm(settings):
    """LLM_PROVIDER=openai pointed at a fresh ChatServer (which answers well
    unless a test scripts otherwise). Small batches, one at a time, so that
    scripted answers meet batches in a known order."""
    server = ChatServer()
    settings.LLM_PROVIDER = "openai"
    settings.LLM_BASE_URL = server.url
    settings.LLM_API_KEY = KEY
    settings.LLM_MODEL = "acme-risk"  # what we ask for; the source is what the endpoint answers
    settings.LLM_OUTPUT_MODE = "json_schema"
    settings.LLM_TIMEOUT = 2.0
    settings.LLM_MAX_ATTEMPTS = 2
    settings.LLM_BATCH_SIZE = 3
    settings.LLM_MAX_CONCURRENCY = 1
    yield server
    server.close()
