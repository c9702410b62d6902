"""A Learning Record Store stand-in on 127.0.0.1: the statements resource of xAPI 1.0.3.

``POST /xapi/statements`` takes one statement or an array, ``PUT /xapi/statements?
statementId=`` one statement, as an LRS does: the version header and basic auth are
required, statements breaking the spec's rules (``xapi_rules``) get 400, a statement whose
id is stored with other content gets 409 (the whole batch is refused), the same content again
is accepted without change. It runs in its own thread, so sync tests (the CLI) can use it.
"""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.xapi_rules import problems

PATH = "/xapi/statements"


@dataclass
class LrsRequest:
    """One request the LRS received."""

    method: str
    path: str
    headers: dict[str, str]
    count: int
    status: int = 0


@dataclass
class FakeLrs:
    """``with FakeLrs() as lrs:`` serves on ``lrs.endpoint`` until the block ends."""

    username: str = "tutorbot"
    password: str = "s3cret"
    statements: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[LrsRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        """The xAPI endpoint to configure (statements are at ``<endpoint>/statements``)."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/xapi/"

    def __enter__(self) -> FakeLrs:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def store(self, items: list[Any], *, put_id: str | None = None) -> tuple[int, Any]:
        """Apply a request's statements atomically; the HTTP status and body to answer."""
        if put_id is not None and (len(items) != 1 or items[0].get("id", put_id) != put_id):
            return 400, {"error": "statementId does not match the statement"}
        for item in items:
            if broken := problems(item):
                return 400, {"error": broken}
        ids = [put_id or item.get("id") for item in items]
        if None in ids or len(set(ids)) != len(ids):
            return 400, {"error": "every statement needs a distinct id here"}
        with self._lock:
            if any(
                i in self.statements and self.statements[i] != s
                for i, s in zip(ids, items, strict=True)
            ):
                return 409, {"error": "a statement with that id exists with other content"}
            for statement_id, item in zip(ids, items, strict=True):
                self.statements.setdefault(statement_id, item)
        return (204, None) if put_id else (200, ids)


def _handler(lrs: FakeLrs) -> type[BaseHTTPRequestHandler]:
    expected = "Basic " + base64.b64encode(f"{lrs.username}:{lrs.password}".encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            self._serve(None)

        def do_PUT(self) -> None:
            given = parse_qs(urlsplit(self.path).query).get("statementId", [""])[0]
            self._serve(given or "")

        def _serve(self, put_id: str | None) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)) or 0)
            try:
                parsed = json.loads(body or b"null")
            except json.JSONDecodeError:
                parsed = None
            items = parsed if isinstance(parsed, list) else [parsed]
            record = LrsRequest(self.command, self.path, dict(self.headers), len(items))
            lrs.requests.append(record)
            if urlsplit(self.path).path != PATH:
                status, answer = 404, {"error": "no such resource"}
            elif not str(self.headers.get("X-Experience-API-Version", "")).startswith("1.0"):
                status, answer = 400, {"error": "X-Experience-API-Version is required"}
            elif self.headers.get("Authorization") != expected:
                status, answer = 401, {"error": "unauthorised"}
            elif put_id == "":
                status, answer = 400, {"error": "statementId is required"}
            else:
                status, answer = lrs.store(items, put_id=put_id)
            record.status = status
            payload = b"" if answer is None else json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler
