"""Fault injection: the connection is cut before sending, mid-body, or after the server
committed, at random, over hundreds of sync rounds from three devices → nothing lost, nothing
applied twice, every photo intact."""

from __future__ import annotations

import hashlib
import os
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from server.app import create_app
from server.demo import DEMO_PASSWORD, demo_id
from server.media.storage import LocalDiskStorage
from server.media.tables import Media
from server.settings import get_settings
from server.sync.changes import stream_key
from server.sync.tables import SyncMutation, SyncStream
from server.visits.tables import Visit
from sync import Backoff, Outbox, ServerUnavailable, SyncClient
from tests.support.db import Snapshot
from tests.sync.faults import FAULTS, FaultyTransport
from tests.sync.helpers import jpeg, talent_of, visit

#: Sync rounds (the number in the issue's closing note).
ROUNDS = 200


@dataclass
class Phone:
    username: str
    outbox: Outbox
    client: SyncClient
    transport: FaultyTransport
    #: visit id → the body last saved (what the server must end with).
    visits: dict[str, dict] = field(default_factory=dict)
    queued: int = 0


async def quiet(seconds: float) -> None:
    """Backoff without waiting: the faults are simulated, so is the time."""


async def make_phone(username: str, tmp_path: Path, app: object, rng: random.Random) -> Phone:
    outbox = Outbox(tmp_path / f"{username}.sqlite", device_id=f"faulty-{username}")
    transport = FaultyTransport(app, rng)
    client = SyncClient(
        "http://testserver",
        outbox,
        transport=transport,
        backoff=Backoff(attempts=8, sleep=quiet, rng=rng),
        batch_size=4,
        chunk_size=32 * 1024,
    )
    transport.rate = 0  # sign in on a good connection
    await client.login(username, DEMO_PASSWORD)
    return Phone(username, outbox, client, transport)


def save(phone: Phone, rng: random.Random) -> None:
    """The user saves a visit: a new one (sometimes with a photo) or an edit of one of theirs."""
    if phone.visits and rng.random() < 0.5:
        body = dict(phone.visits[rng.choice(sorted(phone.visits))])
        body["notes"] = f"第{rng.randint(1, 10**6)}次修改"
    else:
        n = len(phone.visits)
        body = visit(talent_of(phone.username, n % 40), id=str(uuid.uuid4()))
        if rng.random() < 0.3:
            photo = jpeg(os.urandom(rng.randint(20_000, 150_000)))
            body["photos"] = [phone.outbox.add_photo(photo, "image/jpeg")]
    phone.outbox.enqueue("visit.put", base_version=0, visit=body)
    phone.visits[body["id"]] = body
    phone.queued += 1


async def test_cut_connections_lose_and_duplicate_nothing(db: Snapshot, tmp_path: Path) -> None:
    rng = random.Random(20261124)
    app = create_app()
    phones = [await make_phone(u, tmp_path, app, rng) for u in ("zhangsan", "lisi", "wangwu")]
    for phone in phones:
        phone.transport.rate = 0.3
    gave_up = 0
    for _ in range(ROUNDS):
        phone = rng.choice(phones)
        for _ in range(rng.randint(1, 3)):
            save(phone, rng)
        try:
            await phone.client.sync()
        except ServerUnavailable:
            gave_up += 1  # everything stays queued for the next round
    counts: Counter[str] = Counter()
    for phone in phones:
        counts.update(phone.transport.counts)
    assert all(counts[f] >= 30 for f in FAULTS), counts

    # The network heals.
    for phone in phones:
        phone.transport.rate = 0
        await phone.client.sync()
        assert phone.outbox.count() == 0 and phone.outbox.photo_count() == 0

    storage = LocalDiskStorage(get_settings().media_dir)
    for phone in phones:
        user = demo_id(f"user/{phone.username}")
        stream = stream_key(user, phone.outbox.device_id)
        # Every queued mutation was applied exactly once.
        assert await SyncMutation.count().where(SyncMutation.stream == stream) == phone.queued
        last = await SyncStream.select(SyncStream.last_seq).where(SyncStream.key == stream).first()
        assert last == {"last_seq": phone.queued}
        rows = await Visit.select(Visit.id, Visit.notes, Visit.photos).where(Visit.visitor == user)
        assert {str(r["id"]): r["notes"] for r in rows} == {
            i: b["notes"] for i, b in phone.visits.items()
        }
        # Every photo arrived whole, named by its content.
        for body in phone.visits.values():
            for sha in body.get("photos", []):
                assert hashlib.sha256(storage.path(sha).read_bytes()).hexdigest() == sha
                assert await storage.stored(sha, user) == 0  # no partial upload left behind
                media = await Media.select(Media.complete).where(Media.sha256 == sha).first()
                assert media == {"complete": True}
        # The device's pulled copy is the server's.
        pulled = phone.outbox.records("visit")
        assert {i: r["notes"] for i, r in pulled.items()} == {
            i: b["notes"] for i, b in phone.visits.items()
        }
        await phone.client.aclose()
    print(f"fault rounds: {ROUNDS}, faults injected: {dict(counts)}, rounds given up: {gave_up}")
