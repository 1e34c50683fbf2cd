"""Retention: tombstones, their photos, abandoned uploads and dead tokens go after the horizon;
live records, their history and their photos stay."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import uuid
from typing import Any

import httpx
import msgspec
import pytest

from server.accounts.tables import DeviceToken
from server.app import create_app, jobs_lifespan
from server.audit.tables import AuditLog
from server.db import json_load, utcnow
from server.demands.tables import Demand, DemandEvent
from server.jobs.tables import JobRun
from server.media.tables import Media, MediaLink, MediaUpload
from server.retention.purge import purge
from server.settings import get_settings
from server.sync.tables import Revision, SyncMutation
from server.visits.tables import Visit
from tests.support.client import login
from tests.sync.helpers import (
    TEMPLATE,
    ZHANGSAN,
    Device,
    centre_of,
    demand,
    jpeg,
    media_storage,
    partial_uploads,
    sha,
    stored_photo,
    talent_of,
    visit,
)

Client = httpx.AsyncClient

#: Just past the default horizon of 90 days.
LATER = dt.timedelta(days=91)


async def put_photo(
    client: Client, headers: dict[str, str], photo: bytes, *, first: int | None = None
) -> None:
    """Upload a photo whole, or only its first ``first`` bytes (an interrupted upload)."""
    extra = {"Content-Type": "image/jpeg"}
    body = photo
    if first is not None:
        extra["Content-Range"] = f"bytes 0-{first - 1}/{len(photo)}"
        body = photo[:first]
    response = await client.put(f"/api/media/{sha(photo)}", content=body, headers=headers | extra)
    assert response.status_code == 200, response.text
    assert response.json()["complete"] is (first is None)


async def ids(table: Any, column: Any, value: Any) -> set[str]:
    return {
        str(r["id"])
        for r in await table.select(table._meta.primary_key.as_alias("id")).where(column == value)
    }


async def test_tombstones_go_after_the_horizon_with_what_only_they_held(client: Client) -> None:
    headers = await login(client, "zhangsan", "phone-1")
    phone = Device(client, headers, "phone-1")
    p1, p2, p3 = (jpeg(os.urandom(5_000)) for _ in range(3))
    for photo in (p1, p2, p3):
        await put_photo(client, headers, photo)

    # A draft, deleted: it alone lists p1; p2 is also on a live visit, p3 in a live visit's history.
    gone = visit(talent_of("zhangsan"), demands=[demand()], photos=[sha(p) for p in (p1, p2, p3)])
    # A live visit with one demand kept and one withdrawn.
    keep, drop = demand(), demand()
    kept = visit(talent_of("zhangsan"), demands=[keep, drop], photos=[sha(p2)])
    # A live visit whose earlier version listed p3: its history keeps the photo.
    edited = visit(talent_of("zhangsan"), photos=[sha(p3)])
    await phone.push(phone.put(gone), phone.put(kept), phone.put(edited))
    kept["demands"] = [{**keep, "base_version": 1}, {**drop, "deleted": True, "base_version": 1}]
    edited["photos"] = []
    await phone.push(
        phone.put(kept, base_version=1),
        phone.put(edited, base_version=1),
        phone.mutation("visit.delete", id=gone["id"], base_version=1),
    )
    gone_demand = gone["demands"][0]["id"]
    assert await Revision.count().where(Revision.entity_id == gone["id"]) == 1
    assert await DemandEvent.count().where(DemandEvent.demand == gone_demand) == 1

    # Within the horizon every tombstone stays: a device may not have pulled it yet.
    nothing = await purge(media_storage())
    assert nothing.total == 0 and nothing.rows == {}

    done = await purge(media_storage(), now=utcnow() + LATER)
    assert done.rows == {"visit": 1, "demand": 2}
    assert done.photos == [sha(p1)]
    assert not await Visit.exists().where(Visit.id == gone["id"])
    assert await ids(Demand, Demand.visit, kept["id"]) == {keep["id"]}
    assert not await Demand.exists().where(Demand.id.is_in([gone_demand, drop["id"]]))
    for removed in (gone_demand, drop["id"]):
        assert await DemandEvent.count().where(DemandEvent.demand == removed) == 0
    assert await DemandEvent.count().where(DemandEvent.demand == keep["id"]) == 1
    assert await Revision.count().where(Revision.entity_id == gone["id"]) == 0
    assert await Revision.count().where(Revision.entity_id == edited["id"]) == 1
    assert await MediaLink.count().where(MediaLink.entity_id == gone["id"]) == 0
    assert await MediaLink.count().where(MediaLink.sha256 == sha(p2)) == 1
    # p1's bytes and row are gone; p2 (live record) and p3 (kept revision) stay.
    assert not await Media.exists().where(Media.sha256 == sha(p1))
    assert await stored_photo(sha(p1)) is None
    for photo in (p2, p3):
        assert await stored_photo(sha(photo)) == photo
        assert await Media.exists().where((Media.sha256 == sha(photo)) & Media.complete.eq(True))

    [entry] = await AuditLog.select().where(AuditLog.action == "retention.purge")
    details = json_load(entry["details"])
    assert details["visit"] == 1 and details["demand"] == 2 and details["photos"] == 1

    # A device syncing from scratch never hears of what was purged; the live records are intact.
    changes, _ = await Device(
        client, await login(client, "zhangsan", "phone-2"), "phone-2"
    ).pull_all()
    pulled = {c["record"]["id"] if c["op"] == "upsert" else c["id"] for c in changes}
    assert gone["id"] not in pulled and gone_demand not in pulled and drop["id"] not in pulled
    assert {kept["id"], keep["id"], edited["id"]} <= pulled
    # A second run finds nothing left to remove.
    assert (await purge(media_storage(), now=utcnow() + LATER)).total == 0


async def test_abandoned_uploads_and_dead_tokens_go_live_ones_stay(client: Client) -> None:
    headers = await login(client, "zhangsan", "phone-1")
    old_device = await login(client, "zhangsan", "lost-phone")
    await DeviceToken.update({DeviceToken.expires_at: utcnow() - dt.timedelta(days=1)}).where(
        DeviceToken.device_id == "lost-phone"
    )
    abandoned, writing = jpeg(os.urandom(200_000)), jpeg(os.urandom(200_000))
    await put_photo(client, headers, abandoned, first=100_000)
    await put_photo(client, headers, writing, first=100_000)
    assert await media_storage().stored(sha(abandoned), ZHANGSAN) == 100_000
    # An upload is writing this one right now (it holds the partial file's lock).
    _, held = partial_uploads()._open_locked(sha(writing), ZHANGSAN)
    try:
        done = await purge(media_storage(), now=utcnow() + LATER)
    finally:
        held.close()
    assert done.partial_uploads == [sha(abandoned)]
    assert done.busy_uploads == 1
    assert await media_storage().stored(sha(abandoned), ZHANGSAN) == 0
    assert not await Media.exists().where(Media.sha256 == sha(abandoned))
    assert not await MediaUpload.exists().where(MediaUpload.sha256 == sha(abandoned))
    assert await media_storage().stored(sha(writing), ZHANGSAN) == 100_000  # left to the writer
    assert done.tokens == 1
    assert not await DeviceToken.exists().where(DeviceToken.device_id == "lost-phone")
    assert (await client.get("/api/me", headers=old_device)).status_code == 401
    assert (await client.get("/api/me", headers=headers)).status_code == 200


@pytest.mark.commits  # the scheduler runs beside the test's own queries
async def test_the_server_purges_by_itself(client: Client, monkeypatch: Any) -> None:
    """The app's lifespan starts the scheduled jobs, the purge among them (here the first poll
    comes within a second), and stops them on shutdown; the run is in the run log."""
    phone = Device(client, await login(client, "zhangsan", "phone-1"), "phone-1")
    body = visit(talent_of("zhangsan"))
    await phone.push(phone.put(body))
    await phone.push(phone.mutation("visit.delete", id=body["id"], base_version=1))
    long_ago = utcnow() - LATER
    await Visit.update({Visit.updated_at: long_ago}).where(Visit.id == uuid.UUID(body["id"]))
    daily = msgspec.structs.replace(get_settings(), purge_every_hours=24, jobs_poll_seconds=1)
    monkeypatch.setattr("server.app.get_settings", lambda: daily)

    def loops() -> list[asyncio.Task[Any]]:
        return [t for t in asyncio.all_tasks() if t.get_coro().__qualname__.endswith("run_forever")]

    async with jobs_lifespan(create_app()):
        assert len(loops()) == 1
        # Until the run is recorded, not just until the rows go: stopping between the two
        # would interrupt it (a busy machine made that flaky).
        for _ in range(200):
            if await JobRun.exists().where(JobRun.state == "done"):
                break
            await asyncio.sleep(0.05)
    assert not await Visit.exists().where(Visit.id == body["id"]), "the old tombstone stayed"
    assert loops() == []
    # The demand reminders run alongside: this is the purge's run.
    run = await (
        JobRun.select(JobRun.job, JobRun.state).where(JobRun.job == "retention.purge").first()
    )
    assert run == {"job": "retention.purge", "state": "done"}


async def test_a_refused_mutation_keeps_its_result_but_not_what_was_sent(client: Client) -> None:
    phone = Device(client, await login(client, "zhangsan", "phone-1"), "phone-1")
    refused = phone.put(visit(talent_of("zhangsan"), visited_on="2999-01-01"))
    answer = await phone.push(refused)
    assert answer["results"][0]["status"] == "rejected"
    row = await SyncMutation.select().where(SyncMutation.id == refused["mutation_id"]).first()
    assert json_load(row["payload"])["visit"]["visited_on"] == "2999-01-01"

    done = await purge(media_storage(), now=utcnow() + LATER)
    assert done.payloads == 1
    row = await SyncMutation.select().where(SyncMutation.id == refused["mutation_id"]).first()
    assert row["payload"] is None and row["status"] == "rejected"
    # A replay of that push is still answered from the kept result.
    again = await phone.push(refused)
    [result] = again["results"]
    assert result["status"] == "duplicate"
    assert result["original"] == answer["results"][0]


async def test_purging_a_record_spares_another_kind_with_the_same_id(client: Client) -> None:
    headers = await login(client, "zhangsan", "phone-1")
    phone = Device(client, headers, "phone-1")
    photo = jpeg(os.urandom(5_000))
    await put_photo(client, headers, photo)
    # Ids are made on the phones and unique per kind only: a live inspection and a withdrawn
    # draft visit may share one.
    shared = str(uuid.uuid4())
    inspection = {
        "id": shared,
        "service_center_id": centre_of("zhangsan"),
        "template_id": TEMPLATE,
        "inspected_on": "2026-11-20",
        "photos": [sha(photo)],
    }
    await phone.push(phone.mutation("inspection.put", inspection=inspection))
    await phone.push(
        phone.mutation("inspection.put", inspection={**inspection, "notes": "复查"}, base_version=1)
    )
    gone = visit(talent_of("zhangsan"), id=shared, photos=[sha(photo)])
    await phone.push(phone.put(gone), phone.mutation("visit.delete", id=shared, base_version=1))

    def of(table: Any, entity: str) -> Any:
        return (table.entity == entity) & (table.entity_id == shared)

    # Relisting the visit's photos left the inspection's link alone.
    assert await MediaLink.count().where(of(MediaLink, "inspection")) == 1
    done = await purge(media_storage(), now=utcnow() + LATER)
    assert done.rows == {"visit": 1}
    assert done.photos == []
    assert await Revision.count().where(of(Revision, "visit")) == 0
    assert await Revision.count().where(of(Revision, "inspection")) == 1
    assert await MediaLink.count().where(of(MediaLink, "visit")) == 0
    assert await MediaLink.count().where(of(MediaLink, "inspection")) == 1
    assert await stored_photo(sha(photo)) == photo
