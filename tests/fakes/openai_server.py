"""A scripted OpenAI-compatible chat server on 127.0.0.1, for the real ``openai`` SDK.

Tests queue replies with ``server.reply(...)`` (text, error status, delay, cut streams...)
and read what the SDK sent in ``server.requests``. With an empty queue the server answers
``default_text``. It speaks POST /v1/chat/completions, plain JSON and SSE streaming in
OpenAI's chunk format, with a final usage chunk when ``stream_options.include_usage`` asks.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
import time
from collections import deque
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from aiohttp import web

DEFAULT_TEXT = "This is the fake model's default answer."


@dataclass(frozen=True, slots=True)
class ScriptedReply:
    """One queued response; see ``FakeOpenAI.reply``."""

    text: str | None = None
    json_body: Any = None
    status: int = 200
    delay: float = 0.0
    finish_reason: str | None = "stop"
    cut_stream: bool = False
    retry_after: float | None = None
    chunk_size: int = 8


class FakeOpenAI:
    """``async with FakeOpenAI() as server:`` serves on ``server.base_url`` until the block ends.

    ``stream_usage=False`` makes it behave like servers that ignore ``stream_options``.
    """

    def __init__(self, *, default_text: str = DEFAULT_TEXT, stream_usage: bool = True) -> None:
        self.default_text = default_text
        self.stream_usage = stream_usage
        self.requests: list[dict[str, Any]] = []
        # (the request's last message, time.monotonic() when its first token went out: on
        # Linux that clock is system-wide, so another process's event loop can compare it)
        self.first_tokens: list[tuple[str, float]] = []
        self._queue: deque[ScriptedReply] = deque()
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._port = 0

    @property
    def base_url(self) -> str:
        """The URL to give the SDK, like ``http://127.0.0.1:PORT/v1``."""
        if self._runner is None:
            raise RuntimeError("FakeOpenAI is not started")
        return f"http://127.0.0.1:{self._port}/v1"

    def reply(
        self,
        text: str | None = None,
        *,
        json_body: Any = None,
        status: int = 200,
        delay: float = 0.0,
        finish_reason: str | None = "stop",
        cut_stream: bool = False,
        retry_after: float | None = None,
        chunk_size: int = 8,
    ) -> None:
        """Queue one response.

        ``text`` is the assistant's reply (or an error's message when ``status`` >= 400);
        ``json_body`` replaces the whole HTTP body; ``delay`` waits before answering;
        ``finish_reason=None`` ends a stream cleanly but without a finish reason;
        ``cut_stream`` drops the connection halfway through a stream; ``retry_after`` sets
        the Retry-After header (seconds); ``chunk_size`` is characters per streamed delta.
        """
        self._queue.append(
            ScriptedReply(
                text, json_body, status, delay, finish_reason, cut_stream, retry_after, chunk_size
            )
        )

    async def start(self) -> None:
        """Listen on a free port of 127.0.0.1."""
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._chat)
        self._runner = web.AppRunner(
            app, shutdown_timeout=0.5, handler_cancellation=True, access_log=None
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        """Stop listening and close open connections."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeOpenAI:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _chat(self, request: web.Request) -> web.StreamResponse:
        body: dict[str, Any] = await request.json()
        self.requests.append(body)
        script = self._queue.popleft() if self._queue else ScriptedReply()
        if script.delay:
            await asyncio.sleep(script.delay)
        headers = {} if script.retry_after is None else {"Retry-After": str(script.retry_after)}
        if script.json_body is not None:
            return web.json_response(script.json_body, status=script.status, headers=headers)
        if script.status >= 400:
            error = {"message": script.text or f"scripted error {script.status}", "type": "fake"}
            return web.json_response({"error": error}, status=script.status, headers=headers)
        text = self.default_text if script.text is None else script.text
        if body.get("stream"):
            return await self._stream(request, body, script, text)
        return web.json_response(self._completion(body, script, text), headers=headers)

    def _completion(self, body: dict[str, Any], script: ScriptedReply, text: str) -> dict[str, Any]:
        message = {"role": "assistant", "content": text, "refusal": None}
        return {
            "id": f"chatcmpl-fake-{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "message": message, "finish_reason": script.finish_reason}],
            "usage": _usage(body, text),
        }

    async def _stream(
        self, request: web.Request, body: dict[str, Any], script: ScriptedReply, text: str
    ) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        size = max(1, script.chunk_size)
        pieces = [text[i : i + size] for i in range(0, len(text), size)]
        chunk_id = f"chatcmpl-fake-{next(self._ids)}"

        async def send(choices: list[dict[str, Any]], usage: Any = None) -> None:
            chunk = {
                "id": chunk_id,
                "object": "chat.completion.chunk",
                "created": int(time.time()),
                "model": body.get("model", "fake"),
                "choices": choices,
                "usage": usage,
            }
            await response.write(f"data: {json.dumps(chunk)}\n\n".encode())

        await send([_choice({"role": "assistant", "content": ""})])
        last = str((body.get("messages") or [{}])[-1].get("content", ""))
        for n, piece in enumerate(pieces):
            if n == 0:
                self.first_tokens.append((last, time.monotonic()))
            if script.cut_stream and n >= max(1, len(pieces) // 2):
                assert request.transport is not None
                request.transport.abort()  # no finish chunk, no [DONE], no chunked terminator
                return response
            await send([_choice({"content": piece})])
        if script.finish_reason is not None:
            await send([_choice({}, script.finish_reason)])
        options = body.get("stream_options") or {}
        if self.stream_usage and options.get("include_usage"):
            await send([], _usage(body, text))
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
        return response


def _choice(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
    return {"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}


def _usage(body: dict[str, Any], text: str) -> dict[str, int]:
    """Word counts stand in for tokens: deterministic, and distinct from any real tokenizer."""
    prompt = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
    completion = len(text.split())
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }
