from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from server.app import create_app
from tests.support.db import Snapshot


@pytest.fixture
async def client(db: Snapshot) -> AsyncIterator[AsyncTestClient[Any]]:
    """The real app in-process, on a database reset to the demo county."""
    async with AsyncTestClient(app=create_app()) as client:
        yield client
