"""A TCP server that accepts every connection and never answers: what a
dependency looks like when it hangs (a stuck process, a half-open firewall)."""
from __future__ import annotations

import socket
import threading


class SilentServer:
    def __init__(self):
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.1)  # so that close() is seen promptly
        self.port = self._sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="silent-server", daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return  # closed
            self.accepted.append(conn)  # held open, never read, never answered

    def close(self) -> None:
        """Close everything: whoever still waits on it gets an end of file."""
        self._closed.set()
        self._thread.join(5)
        self._sock.close()
        for conn in self.accepted:
            try:
                conn.close()
            except OSError:
                pass

    def __enter__(self) -> "SilentServer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
