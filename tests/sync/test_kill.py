"""A real server process killed with SIGKILL in the middle of pushes and uploads, and started
again on the same database, round after round → nothing lost, nothing applied twice."""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import signal
import uuid
from pathlib import Path

import pytest

from server.demo import DEMO_PASSWORD, demo_id
from server.media.storage import LocalDiskStorage
from server.settings import get_settings
from server.sync.changes import stream_key
from server.sync.tables import SyncMutation
from server.visits.tables import Visit
from sync import Backoff, Outbox, SyncClient, SyncError
from tests.support.db import Snapshot
from tests.support.live import LiveServer, free_port
from tests.sync.helpers import jpeg, talent_of, visit

#: Kill-and-restart rounds (the number in the issue's closing note).
ROUNDS = 20


@pytest.mark.slow  # about a minute: twenty server start-ups of two seconds each
@pytest.mark.commits  # a real server process reads the database
async def test_sigkill_mid_push_loses_and_duplicates_nothing(
    db: Snapshot, data_dir: Path, tmp_path: Path
) -> None:
    rng = random.Random(7)
    server = LiveServer(data_dir, free_port())
    # The same database and key as this test session.
    server.env.update(DATABASE_URL=os.environ["DATABASE_URL"], SECRET_KEY=os.environ["SECRET_KEY"])
    await asyncio.to_thread(server.start)
    phones: list[tuple[str, SyncClient, dict[str, dict]]] = []
    try:
        for username in ("zhangsan", "lisi"):
            outbox = Outbox(tmp_path / f"{username}.sqlite", device_id=f"killed-{username}")
            backoff = Backoff(base=0.02, cap=0.1, attempts=3)
            client = SyncClient(server.url, outbox, backoff=backoff, batch_size=5, chunk_size=32768)
            await client.login(username, DEMO_PASSWORD)
            phones.append((username, client, {}))
        interrupted = 0
        for _ in range(ROUNDS):
            for username, client, saved in phones:
                # Enough for several requests a round, so the kill lands mid-sync.
                for _ in range(rng.randint(8, 20)):
                    body = visit(talent_of(username, len(saved) % 40), id=str(uuid.uuid4()))
                    if rng.random() < 0.15:
                        photo = jpeg(os.urandom(rng.randint(100_000, 300_000)))
                        body["photos"] = [client.outbox.add_photo(photo, "image/jpeg")]
                    client.outbox.enqueue("visit.put", visit=body)
                    saved[body["id"]] = body
            syncing = [asyncio.create_task(client.sync()) for _, client, _ in phones]
            await asyncio.sleep(rng.uniform(0.005, 0.1))
            interrupted += not all(task.done() for task in syncing)
            await asyncio.to_thread(server.stop, signal.SIGKILL)
            for outcome in await asyncio.gather(*syncing, return_exceptions=True):
                if isinstance(outcome, BaseException) and not isinstance(outcome, SyncError):
                    raise outcome
            await asyncio.to_thread(server.start)
        # Most kills must land while requests are in flight, or the test proves little.
        assert interrupted >= ROUNDS * 3 // 4, interrupted

        storage = LocalDiskStorage(get_settings().media_dir)
        for username, client, saved in phones:
            await client.sync()
            assert client.outbox.count() == 0 and client.outbox.photo_count() == 0
            user = demo_id(f"user/{username}")
            stream = stream_key(user, client.outbox.device_id)
            queued = len(saved)
            assert await SyncMutation.count().where(SyncMutation.stream == stream) == queued
            rows = await Visit.select(Visit.id).where(Visit.visitor == user)
            assert sorted(str(r["id"]) for r in rows) == sorted(saved)
            for body in saved.values():
                for sha in body.get("photos", []):
                    assert hashlib.sha256(storage.path(sha).read_bytes()).hexdigest() == sha
        print(f"kill rounds: {ROUNDS}, killed mid-sync: {interrupted}")
    finally:
        await asyncio.to_thread(server.stop, signal.SIGKILL)
        for _, client, _ in phones:
            await client.aclose()
