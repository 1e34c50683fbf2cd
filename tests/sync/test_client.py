"""The Python client: outbox, push, pull, photos, and how it behaves when things go wrong."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import msgspec
import pytest

from server.accounts.tables import DeviceToken
from server.app import create_app
from server.db import county_today, json_load
from server.demo import DEMO_PASSWORD
from server.media.controllers import provide_storage
from server.media.tables import Media
from server.retention.purge import purge
from server.sync.tables import SyncChange, SyncMutation
from server.visits.tables import Visit
from sync import AuthRequired, Backoff, Outbox, ServerUnavailable, SyncClient
from sync.cli import enqueue_visits, prepare, read_visits
from sync.outbox import new_id
from tests.support.client import login
from tests.sync.helpers import CAMPAIGN, Device, jpeg, talent_of, visit

Handler = Callable[[httpx.Request], httpx.Response | None]


class Wrapped(httpx.AsyncBaseTransport):
    """The real app, with a hook that may answer a request in its place."""

    def __init__(self, app: object, hook: Handler | None = None) -> None:
        self.inner = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        self.hook = hook
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.hook is not None:
            answer = self.hook(request)
            if answer is not None:
                return answer
        return await self.inner.handle_async_request(request)


def no_sleep() -> Backoff:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    backoff = Backoff(attempts=4, sleep=sleep)
    backoff.slept = slept  # type: ignore[attr-defined]
    return backoff


@pytest.fixture
async def transport(db: object) -> AsyncIterator[Wrapped]:
    yield Wrapped(create_app())


async def client_for(
    transport: httpx.AsyncBaseTransport,
    outbox: Outbox,
    username: str = "zhangsan",
    **kwargs: object,
) -> SyncClient:
    client = SyncClient(
        "http://testserver", outbox, transport=transport, backoff=no_sleep(), **kwargs
    )
    await client.login(username, DEMO_PASSWORD)
    return client


async def test_push_then_pull_round_trip(transport: Wrapped, tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite")
    client = await client_for(transport, outbox, batch_size=3)
    bodies = [visit(talent_of("zhangsan", n)) for n in range(7)]
    for body in bodies:
        outbox.enqueue("visit.put", visit=body)
    outbox.enqueue("visit.put", visit=visit(talent_of("lisi")))  # not on this roster
    progress: list[int] = []
    report = await client.push(progress=progress.append)
    assert report.applied == 7
    assert [r.code for r in report.rejected] == ["sync.forbidden"]
    assert sum(progress) == 8 and len(progress) == 3  # batches of 3
    assert outbox.count("pending") == 0 and outbox.count("rejected") == 1
    assert await Visit.count() == 7
    pulled = await client.pull(limit=20)
    assert pulled.pages >= 3
    assert set(outbox.records("visit")) == {b["id"] for b in bodies}
    assert len(outbox.records("talent")) == 50
    # Nothing new: one empty page.
    again = await client.pull()
    assert again.changes == 0 and again.pages == 1
    await client.aclose()


async def test_a_lost_answer_is_retried_and_applied_once(tmp_path: Path, db: object) -> None:
    app = create_app()
    inner = httpx.ASGITransport(app=app)
    lost = {"count": 0}

    class LoseFirstAnswer(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            response = await inner.handle_async_request(request)
            if request.url.path == "/api/sync/push" and lost["count"] < 2:
                lost["count"] += 1
                await response.aread()
                raise httpx.ReadError("connection reset after the server committed")
            return response

    outbox = Outbox(tmp_path / "outbox.sqlite")
    client = await client_for(LoseFirstAnswer(), outbox)
    outbox.enqueue("visit.put", visit=visit(talent_of("zhangsan")))
    report = await client.push()
    assert report.duplicates == 1  # the third try was told it had been applied already
    assert outbox.count() == 0
    assert await Visit.count() == 1
    assert len(client.backoff.slept) == 2  # type: ignore[attr-defined]


async def test_expired_token_pauses_and_keeps_everything(
    transport: Wrapped, tmp_path: Path
) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite")
    client = await client_for(transport, outbox)
    outbox.enqueue("visit.put", visit=visit(talent_of("zhangsan")))
    outbox.add_photo(jpeg(b"x" * 100), "image/jpeg")
    await DeviceToken.delete(force=True)
    with pytest.raises(AuthRequired):
        await client.push()
    with pytest.raises(AuthRequired):
        await client.upload_photos()
    assert outbox.count() == 1 and outbox.photo_count() == 1
    await client.login("zhangsan", DEMO_PASSWORD)
    await client.sync()
    assert outbox.count() == 0 and outbox.photo_count() == 0


async def test_captive_portal_answers_are_not_acknowledgements(
    transport: Wrapped, tmp_path: Path
) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite")
    client = await client_for(transport, outbox)
    outbox.enqueue("visit.put", visit=visit(talent_of("zhangsan")))
    portal = httpx.Response(200, html="<html>请登录 Wi-Fi</html>")
    transport.hook = lambda request: portal
    with pytest.raises(ServerUnavailable):
        await client.push()
    transport.hook = lambda request: httpx.Response(502, text="Bad Gateway")
    with pytest.raises(ServerUnavailable):
        await client.push()
    assert outbox.count() == 1
    assert await Visit.count() == 0
    transport.hook = None
    await client.push()
    assert outbox.count() == 0


async def test_a_request_the_server_refuses_whole_is_skipped(
    transport: Wrapped, tmp_path: Path
) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite")
    client = await client_for(transport, outbox)
    too_big = json.dumps({"code": "payload.too_large", "message": "too large"})

    def proxy_limit(request: httpx.Request) -> httpx.Response | None:
        if b"TOO-BIG" in request.content:
            return httpx.Response(
                413, content=too_big, headers={"content-type": "application/json"}
            )
        return None

    transport.hook = proxy_limit
    for n in range(4):
        notes = "TOO-BIG" if n == 1 else "fine"
        outbox.enqueue("visit.put", visit=visit(talent_of("zhangsan", n), notes=notes))
    report = await client.push()
    assert report.applied == 3
    assert [r.code for r in report.rejected] == ["payload.too_large"]
    assert outbox.count() == 0 and outbox.count("rejected") == 1
    skipped = await SyncMutation.select(SyncMutation.seq, SyncMutation.result).where(
        SyncMutation.op == "skip"
    )
    assert [r["seq"] for r in skipped] == [2]


async def test_a_lost_outbox_renumbers_instead_of_losing_data(
    transport: Wrapped, tmp_path: Path
) -> None:
    first = Outbox(tmp_path / "first.sqlite", device_id="laptop")
    client = await client_for(transport, first)
    for n in range(3):
        first.enqueue("visit.put", visit=visit(talent_of("zhangsan", n)))
    await client.push()
    # The outbox file is gone; a new one for the same device numbers from 1 again.
    second = Outbox(tmp_path / "second.sqlite", device_id="laptop")
    client = await client_for(transport, second)
    second.enqueue("visit.put", visit=visit(talent_of("zhangsan", 5)))
    await client.push()
    assert second.count() == 0
    assert await Visit.count() == 4


async def test_photo_upload_in_chunks_and_idempotent(transport: Wrapped, tmp_path: Path) -> None:
    outbox = Outbox(tmp_path / "outbox.sqlite")
    client = await client_for(transport, outbox, chunk_size=64 * 1024)
    data = jpeg(os.urandom(200_000))
    sha = outbox.add_photo(data, "image/jpeg")
    report = await client.upload_photos()
    assert report.uploaded == 1 and report.bytes_sent == len(data)
    puts = [r for r in transport.requests if r.method == "PUT"]
    assert len(puts) == 4
    assert await Media.select(Media.complete).where(Media.sha256 == sha).first() == {
        "complete": True
    }
    # The same photo again (another record, another device): HEAD says it is there.
    outbox.add_photo(data, "image/jpeg")
    report = await client.upload_photos()
    assert report.already_there == 1 and report.bytes_sent == 0


async def test_push_file_reads_json_and_csv_and_is_idempotent(
    transport: Wrapped, tmp_path: Path
) -> None:
    photo = tmp_path / "photo.jpg"
    # Segments that parse (push-file strips metadata segments), then the image data.
    jfif = b"\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    photo.write_bytes(jpeg(jfif + b"\xff\xda" + b"p" * 1000))
    visits = [
        {**visit(talent_of("zhangsan")), "photo_files": ["photo.jpg"]},
        {k: v for k, v in visit(talent_of("zhangsan", 1)).items() if k != "id"},
    ]
    (tmp_path / "visits.json").write_text(json.dumps({"visits": visits}, ensure_ascii=False))
    (tmp_path / "visits.csv").write_text(
        "\ufeffcampaign_id,talent_id,visited_on,mode,visitors,sends,ask.needs,"
        "demand.category,demand.description,notes\n"
        f"{CAMPAIGN},{talent_of('zhangsan', 2)},{county_today() - dt.timedelta(days=1)},phone,张三;李四,policy;care,"
        "需要实验室,funding,申请科研经费,电话回访\n",
        encoding="utf-8",
    )
    outbox = Outbox(tmp_path / "outbox.sqlite")
    client = await client_for(transport, outbox)
    for name in ("visits.json", "visits.csv", "visits.json"):  # the JSON file twice
        path = tmp_path / name
        read = [prepare(v, path.parent, outbox, i) for i, v in enumerate(read_visits(path))]
        enqueue_visits(outbox, read)
        await client.upload_photos()
        report = await client.push()
        assert not report.rejected, report.rejected
    assert await Visit.count() == 3  # the file pushed twice is still two visits
    row = await Visit.select(Visit.visitors, Visit.sends).where(Visit.mode == "phone").first()
    assert row is not None
    assert json_load(row["visitors"]) == ["张三", "李四"]
    assert json_load(row["sends"]) == ["policy", "care"]
    assert await Media.count().where(Media.complete.eq(True)) == 1


def test_outbox_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite"
    outbox = Outbox(path)
    device = outbox.device_id
    queued = outbox.enqueue("visit.put", visit=visit(talent_of("zhangsan")))
    outbox.close()
    again = Outbox(path)
    assert again.device_id == device
    [pending] = again.pending(10)
    assert pending.seq == 1 and pending.mutation_id == str(queued.mutation_id)
    assert again.enqueue("visit.submit", id=str(uuid.uuid4())).seq == 2
    assert again.oldest_pending_age() is not None
    with pytest.raises(msgspec.ValidationError):
        again.enqueue("visit.put", visit={"id": "not-a-uuid"})
    assert again.count() == 2


async def test_a_client_back_after_the_horizon_resyncs_and_keeps_its_unsent_work(
    transport: Wrapped, tmp_path: Path
) -> None:
    """Away longer than the sync horizon, a laptop missed a deletion that has since been purged:
    the server asks for a full resync, which drops the stale copy, never the unsent work."""
    outbox = Outbox(tmp_path / "outbox.sqlite")
    laptop = await client_for(transport, outbox)
    async with httpx.AsyncClient(transport=transport.inner, base_url="http://testserver") as http:
        phone = Device(http, await login(http, "zhangsan", "phone-1"), "phone-1")
        gone = visit(talent_of("zhangsan"))
        await phone.push(phone.put(gone))
        await laptop.pull()
        assert gone["id"] in outbox.records("visit")
        await phone.push(phone.mutation("visit.delete", id=gone["id"], base_version=1))
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=91)
    assert (await purge(provide_storage(), now=later)).rows == {"visit": 1}
    # The laptop's cursor dates from before the horizon.
    assert outbox.cursor is not None
    seq = int(outbox.cursor.split(".")[0])
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=91)
    await SyncChange.update({SyncChange.created_at: long_ago}).where(SyncChange.seq <= seq)
    unsent = visit(talent_of("zhangsan", 1))
    outbox.enqueue("visit.put", visit=unsent)

    report = await laptop.pull()
    assert report.resets == 1
    assert gone["id"] not in outbox.records("visit")  # the stale copy is dropped
    assert outbox.count("pending") == 1  # the unsent visit is still queued
    await laptop.sync()
    assert outbox.count("pending") == 0
    assert unsent["id"] in outbox.records("visit")
    assert await Visit.count().where(Visit.id == unsent["id"]) == 1


def test_ids_are_version_7_and_begin_with_the_time() -> None:
    """The client's mutation ids are UUIDv7 like the PWA's and the server's."""
    before = time.time_ns() // 1_000_000
    ids = []
    for _ in range(3):
        ids.append(new_id())
        time.sleep(0.002)
    after = time.time_ns() // 1_000_000
    assert {(i.version, i.variant) for i in ids} == {(7, uuid.RFC_4122)}
    stamps = [i.int >> 80 for i in ids]
    assert before <= stamps[0] < stamps[1] < stamps[2] <= after
    assert ids == sorted(ids)  # later ids sort later, so they land at the end of an index
    assert len({new_id() for _ in range(1000)}) == 1000
