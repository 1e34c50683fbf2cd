from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from server.app import create_app
from tests.support.db import Snapshot


@pytest.fixture
async def client(db: Snapshot) -> AsyncIterator[httpx.AsyncClient]:
    """The real app in-process on the test's event loop, on a database reset to the demo county.

    httpx's ASGI transport (not Litestar's threaded test client) keeps the app on the same loop
    as the database pool the session fixture opened; the app's lifespan (which would open that
    pool) is exercised by the end-to-end tests' real server instead.
    """
    transport = httpx.ASGITransport(app=create_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
