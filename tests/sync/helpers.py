"""Building sync messages for tests: demo ids, visits, pushes and pulls."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import uuid
from typing import Any

import httpx
import obstore

from server.db import county_today
from server.demo import demo_id
from server.media.configured import configured_storage
from server.media.s3 import S3Storage
from server.media.storage import LocalDiskStorage, MediaStorage
from server.settings import get_settings
from sync.protocol import PROTOCOL_VERSION

CAMPAIGN = str(demo_id("campaign/sssw"))
UNIT_CAMPAIGN = str(demo_id("campaign/slsc"))
TEMPLATE = str(demo_id("template/centre"))
#: A field worker's user id (partial uploads are kept per user).
ZHANGSAN = demo_id("user/zhangsan")
#: Demo talents are spread over the townships in this order (talent i is in TOWNSHIPS[i % 4]).
_TOWNSHIP_OF = {"zhangsan": 0, "lisi": 1, "wangwu": 2}


def talent_of(username: str, n: int = 0) -> str:
    """A demo talent on ``username``'s roster."""
    return str(demo_id(f"talent/{_TOWNSHIP_OF[username] + 4 * n}"))


def centre_of(username: str) -> str:
    township = {"zhangsan": "城关镇", "wangwu": "南山镇"}[username]
    return str(demo_id(f"centre/{township}"))


def item(n: int) -> str:
    return str(demo_id(f"item/{n}"))


def visit(talent: str, **fields: Any) -> dict[str, Any]:
    """A valid visit body (a new id unless given), dated today: always inside the demo
    campaign, whatever the calendar says."""
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "campaign_id": CAMPAIGN,
        "talent_id": talent,
        "visited_on": county_today().isoformat(),
        "mode": "in_person",
        "visitors": ["张三"],
        "sends": ["policy"],
        "asks": {"needs": "需要人才公寓"},
        "notes": "初次走访",
        "place": "城关镇",
    }
    body.update(fields)
    return body


def demand(**fields: Any) -> dict[str, Any]:
    body = {"id": str(uuid.uuid4()), "category": "housing", "description": "申请人才公寓"}
    body.update(fields)
    return body


class Device:
    """One user on one device: numbers its mutations and talks the protocol over HTTP."""

    def __init__(self, client: httpx.AsyncClient, headers: dict[str, str], device_id: str):
        self.client = client
        self.headers = headers
        self.device_id = device_id
        self._seq = itertools.count(1)
        self.cursor: str | None = None

    def mutation(self, op: str, **fields: Any) -> dict[str, Any]:
        return {"op": op, "mutation_id": str(uuid.uuid4()), "seq": next(self._seq), **fields}

    def put(self, body: dict[str, Any], base_version: int = 0) -> dict[str, Any]:
        return self.mutation("visit.put", base_version=base_version, visit=body)

    async def push_raw(self, mutations: list[dict[str, Any]], **extra: Any) -> httpx.Response:
        body = {
            "protocol_version": PROTOCOL_VERSION,
            "device_id": self.device_id,
            "mutations": mutations,
            **extra,
        }
        return await self.client.post("/api/sync/push", json=body, headers=self.headers)

    async def push(self, *mutations: dict[str, Any]) -> dict[str, Any]:
        response = await self.push_raw(list(mutations))
        assert response.status_code == 200, response.text
        return response.json()

    async def pull(
        self, cursor: str | None = None, limit: int = 500, **extra: Any
    ) -> dict[str, Any]:
        body = {"protocol_version": PROTOCOL_VERSION, "cursor": cursor, "limit": limit, **extra}
        response = await self.client.post("/api/sync/pull", json=body, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    async def pull_all(
        self, cursor: str | None = None, limit: int = 500
    ) -> tuple[list[dict[str, Any]], str]:
        """Every change after ``cursor``, page by page; returns the changes and the last cursor."""
        changes: list[dict[str, Any]] = []
        while True:
            page = await self.pull(cursor, limit)
            assert not page["reset_required"]
            changes += page["changes"]
            cursor = page["cursor"]
            if not page["has_more"]:
                assert cursor is not None
                return changes, cursor


def media_storage() -> MediaStorage:
    """The server's photo storage (the data folder, or the bucket), to look at it directly."""
    return configured_storage()


def partial_uploads() -> LocalDiskStorage:
    """Where uploads in progress are kept, whichever storage holds the complete photos."""
    return LocalDiskStorage(get_settings().media_dir)


async def stored_version(sha256: str) -> object:
    """What changes when a complete photo is written again (its file's or object's time)."""
    storage = media_storage()
    path = storage.path(sha256)
    if path is not None:
        return path.stat().st_mtime_ns
    assert isinstance(storage, S3Storage)
    return (await obstore.head_async(storage.store, storage.key(sha256)))["last_modified"]


async def stored_photo(sha256: str) -> bytes | None:
    """The bytes of a complete photo as stored (None: not stored)."""
    storage = media_storage()
    if not await storage.has_complete(sha256):
        return None
    return b"".join([chunk async for chunk in storage.read(sha256)])


def jpeg(payload: bytes = b"") -> bytes:
    """Bytes that start like a JPEG (the server checks the signature, not the pixels)."""
    return b"\xff\xd8\xff\xe0" + payload


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def today() -> dt.date:
    return dt.date.today()
