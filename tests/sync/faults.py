"""A transport that breaks the connection where real networks do, for fault-injection tests.

``before``: the request never reaches the server. ``mid_body``: the server receives part of
the body, then the client disconnects (what a dropped mobile connection does to an upload).
``after``: the server handles the request completely (commits), then the answer is lost.
"""

from __future__ import annotations

import contextlib
import random
from collections import Counter
from typing import Any

import httpx

FAULTS = ("before", "mid_body", "after")


class FaultyTransport(httpx.AsyncBaseTransport):
    def __init__(self, app: Any, rng: random.Random, rate: float = 0.3) -> None:
        self.app = app
        self.inner = httpx.ASGITransport(app=app)
        self.rng = rng
        self.rate = rate
        self.counts: Counter[str] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        fault = self.rng.choice(FAULTS) if self.rng.random() < self.rate else None
        body = await request.aread()
        if fault == "mid_body" and len(body) < 2:
            fault = "before"
        if fault is not None:
            self.counts[fault] += 1
        if fault == "before":
            raise httpx.ConnectError("connection cut before sending")
        if fault == "mid_body":
            await self._partial(request, body[: self.rng.randint(1, len(body) - 1)])
            raise httpx.WriteError("connection cut while sending the body")
        response = await self.inner.handle_async_request(request)
        if fault == "after":
            await response.aread()
            raise httpx.ReadError("connection cut after the server answered")
        return response

    async def _partial(self, request: httpx.Request, body: bytes) -> None:
        """Run the app on the first part of a body, then a disconnect."""
        path, _, query = request.url.raw_path.partition(b"?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "scheme": "http",
            "path": request.url.path,
            "raw_path": path,
            "query_string": query,
            "root_path": "",
            "headers": [(k.lower(), v) for k, v in request.headers.raw],
            "server": ("testserver", 80),
            "client": ("127.0.0.1", 50000),
        }
        messages = [{"type": "http.request", "body": body, "more_body": True}]

        async def receive() -> dict[str, Any]:
            return messages.pop(0) if messages else {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            pass  # nobody is listening any more

        # The app may raise on the disconnect; the client is gone anyway.
        with contextlib.suppress(Exception):
            await self.app(scope, receive, send)
