"""What production talks to outside the server, stood in for on 127.0.0.1 by one small HTTP server:

- the lead and spend sheets, as CSV export addresses;
- the CRM's two dumps, which want `Authorization: Bearer <CRM_API_TOKEN>` and can be told to refuse it
  (a revoked token: HTTP 401);
- the alert webhook (Slack / Google Chat style: JSON `{"text": ...}` posted to a secret path).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


@dataclass
class StandIns:
    sheets: dict[str, Path]  # path -> CSV file served as is
    crm: dict[str, Path]  # path -> CSV file served to the right token
    crm_token: str
    webhook_path: str
    crm_refuses: bool = False
    crm_requests: list[tuple[str, int]] = field(default_factory=list)  # (path, status answered)
    alerts: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def refuse_crm(self) -> None:
        with self.lock:
            self.crm_refuses = True

    def alert_texts(self) -> list[str]:
        with self.lock:
            return list(self.alerts)


def _handler(stand_ins: StandIns) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet: the check prints what it proved
            pass

        def _answer(self, status: int, body: bytes = b"", content_type: str = "text/plain") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path in stand_ins.sheets:
                self._answer(200, stand_ins.sheets[path].read_bytes(), "text/csv; charset=utf-8")
            elif path in stand_ins.crm:
                with stand_ins.lock:
                    refuses = stand_ins.crm_refuses
                authorised = self.headers.get("Authorization") == f"Bearer {stand_ins.crm_token}"
                status = 401 if refuses or not authorised else 200
                with stand_ins.lock:
                    stand_ins.crm_requests.append((path, status))
                if status == 200:
                    self._answer(200, stand_ins.crm[path].read_bytes(), "text/csv; charset=utf-8")
                else:
                    self._answer(401, b'{"error": "invalid or revoked token"}', "application/json")
            else:
                self._answer(404, b"not found")

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path != stand_ins.webhook_path:
                self._answer(404, b"not found")
                return
            try:
                text = str(json.loads(body)["text"])
            except (ValueError, KeyError, TypeError):
                self._answer(400, b'expected JSON {"text": ...}')
                return
            with stand_ins.lock:
                stand_ins.alerts.append(text)
            self._answer(200, b"ok")

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up early (a run process ending) is no failure of the stand-in."""


class StandInServer:
    def __init__(self, stand_ins: StandIns, port: int):
        self.stand_ins = stand_ins
        self.server = _QuietServer(("127.0.0.1", port), _handler(stand_ins))
        self.port = port
        self.thread = threading.Thread(target=self.server.serve_forever, name="stand-ins", daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
