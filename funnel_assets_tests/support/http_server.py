"""A real HTTP server on 127.0.0.1 that tests script: status codes, delays, bodies cut short.

Each path answers from a queue of scripted responses (the last one repeats), so a test
says "429, then 200" and the client under test meets exactly that over a real socket.
Every request's path, query and headers are recorded for assertions.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest


@dataclass
class Scripted:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    # send the full Content-Length but only this many bytes of the body, then close
    truncate_at: int | None = None


@dataclass
class Recorded:
    path: str
    query: str
    headers: dict[str, str]
    body: bytes = b""


class ScriptedServer:
    def __init__(self) -> None:
        self._responses: dict[str, deque[Scripted]] = defaultdict(deque)
        self._requests: dict[str, list[Recorded]] = defaultdict(list)
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:
                server._answer(self)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                server._answer(self, self.rfile.read(length))

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def start(self) -> ScriptedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def url(self, path: str) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}{path}"

    def add(self, path: str, *responses: Scripted | bytes | str) -> ScriptedServer:
        """Queue responses for a path: a Scripted, or a body answered with 200."""
        with self._lock:
            for response in responses:
                if isinstance(response, str):
                    response = response.encode()
                if isinstance(response, bytes):
                    response = Scripted(body=response, headers={"Content-Type": "text/csv"})
                self._responses[path].append(response)
        return self

    def requests(self, path: str) -> list[Recorded]:
        with self._lock:
            return list(self._requests[path])

    def _answer(self, handler: BaseHTTPRequestHandler, body: bytes = b"") -> None:
        parts = urlsplit(handler.path)
        with self._lock:
            self._requests[parts.path].append(Recorded(parts.path, parts.query, dict(handler.headers.items()), body))
            queue = self._responses.get(parts.path)
            if not queue:
                response = Scripted(status=404, body=b"not found")
            elif len(queue) > 1:
                response = queue.popleft()
            else:
                response = queue[0]
        if response.delay:
            time.sleep(response.delay)
        try:
            handler.send_response(response.status)
            for name, value in response.headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(response.body)))
            if response.truncate_at is not None:
                handler.send_header("Connection", "close")
                handler.close_connection = True
            handler.end_headers()
            body = response.body if response.truncate_at is None else response.body[: response.truncate_at]
            handler.wfile.write(body)
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first (a timeout test)


@pytest.fixture
def http_server() -> Iterator[ScriptedServer]:
    server = ScriptedServer().start()
    yield server
    server.stop()
