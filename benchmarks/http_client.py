"""A small keep-alive JSON client over http.client (one per thread), as a
user's script would call the API with a token."""
from __future__ import annotations

import http.client
import json
import time
import uuid
from urllib.parse import urlsplit


class ApiClient:
    def __init__(self, base_url: str, token: str = ""):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.token = token
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)

    def request(self, method: str, path: str, body=None, headers=None) -> tuple[int, object, float]:
        """(status, decoded JSON or text, seconds)."""
        data = json.dumps(body).encode() if body is not None else None
        return self.request_raw(method, path, data, {"Content-Type": "application/json", **(headers or {})})

    def request_raw(self, method: str, path: str, data: bytes | None, headers: dict) -> tuple[int, object, float]:
        h = {"Accept": "application/json", "Host": "127.0.0.1"}
        if self.token:
            h["Authorization"] = f"Token {self.token}"
        h.update(headers or {})
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body=data, headers=h)
                resp = self.conn.getresponse()
                raw = resp.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # gunicorn closed an idle keep-alive connection: reconnect once.
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
                if attempt == 2:
                    raise
        elapsed = time.perf_counter() - started
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = raw.decode(errors="replace")
        return resp.status, payload, elapsed

    def post(self, path: str, body=None, headers=None):
        return self.request("POST", path, body if body is not None else {}, headers)

    def post_file(self, path: str, field: str, filename: str, content: bytes, headers=None):
        boundary = uuid.uuid4().hex
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            f"Content-Type: text/csv\r\n\r\n"
        ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
        return self.request_raw("POST", path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}", **(headers or {})})

    def get(self, path: str):
        return self.request("GET", path)


def token_for(base_url: str, username: str, password: str) -> str:
    status, body, _ = ApiClient(base_url).post("/api/auth/token/", {"username": username, "password": password})
    if status != 200:
        raise RuntimeError(f"token for {username}: {status} {body}")
    return body["token"]
