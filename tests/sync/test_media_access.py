"""A photo's hash is no key to it (issue 19, finding 3), and retention never leaves a complete
photo without its file (finding 16)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import uuid
from typing import Any

import httpx
import pytest

from server.accounts.schemas import CurrentUser
from server.db import utcnow
from server.demo import demo_id
from server.media.access import link_uploaders
from server.media.tables import Media, MediaLink, MediaUpload
from server.retention.purge import purge
from server.visits.tables import Visit
from tests.support.client import login
from tests.sync.helpers import (
    ZHANGSAN,
    Device,
    jpeg,
    media_storage,
    sha,
    stored_photo,
    talent_of,
    visit,
)

Client = httpx.AsyncClient

PHOTO = jpeg(os.urandom(50_000))
PHOTO_SHA = sha(PHOTO)


async def put(
    client: Client, headers: dict[str, str], data: bytes, *, start: int = 0, total: int = 0
) -> httpx.Response:
    extra = {"Content-Type": "image/jpeg"}
    if total:
        extra["Content-Range"] = f"bytes {start}-{start + len(data) - 1}/{total}"
    return await client.put(f"/api/media/{PHOTO_SHA}", content=data, headers=headers | extra)


async def head(client: Client, headers: dict[str, str]) -> httpx.Response:
    return await client.head(f"/api/media/{PHOTO_SHA}", headers=headers)


async def test_knowing_a_hash_is_no_key_to_the_photo(client: Client) -> None:
    owner = await login(client, "zhangsan", "phone-1")
    phone = Device(client, owner, "phone-1")
    assert (await put(client, owner, PHOTO)).json()["complete"] is True
    await phone.push(phone.put(visit(talent_of("zhangsan"), photos=[PHOTO_SHA])))

    stranger = await login(client, "lisi", "phone-9")
    # Existence and size are not told to someone who may not see the photo.
    assert (await head(client, stranger)).status_code == 404
    status = await client.get(f"/api/media/{PHOTO_SHA}/status", headers=stranger)
    assert status.status_code == 404 and status.json()["code"] == "not_found"
    # Junk is not answered "complete" (nor told the photo's size): it is read as an upload of
    # their own, and fails its hash.
    for junk in (b"\xff\xd8\xff", PHOTO[:3] + b"\x00" * (len(PHOTO) - 3)):
        answer = await put(client, stranger, junk)
        assert answer.status_code == 422 and answer.json()["code"] == "media.hash_mismatch"
        assert "details" not in answer.json()
    # A draft of their own naming the hash does not open the photo either.
    theirs = Device(client, stranger, "phone-9")
    pushed = await theirs.push(theirs.put(visit(talent_of("lisi"), photos=[PHOTO_SHA])))
    assert pushed["results"][0]["status"] == "applied"
    assert (await client.get(f"/api/media/{PHOTO_SHA}", headers=stranger)).status_code == 404
    assert (await head(client, stranger)).status_code == 404
    # The owner's reviewer still sees it; so does the stranger once they send the real bytes.
    reviewer = await login(client, "zhaoli")
    assert (await client.get(f"/api/media/{PHOTO_SHA}", headers=reviewer)).status_code == 200
    sent = await put(client, stranger, PHOTO)
    assert sent.status_code == 200 and sent.json()["complete"] is True
    assert (await client.get(f"/api/media/{PHOTO_SHA}", headers=stranger)).content == PHOTO
    assert (await head(client, stranger)).headers["Upload-Complete"] == "1"


async def test_an_upload_in_progress_is_its_uploaders_alone(client: Client) -> None:
    first, second = await login(client, "zhangsan"), await login(client, "lisi")
    half = len(PHOTO) // 2
    assert (await put(client, first, PHOTO[:half], total=len(PHOTO))).json()["received"] == half
    assert (await head(client, first)).headers["Upload-Offset"] == str(half)
    # Another user neither sees nor continues it: their upload starts from nothing.
    assert (await head(client, second)).status_code == 404
    resumed = await put(client, second, PHOTO[half:], start=half, total=len(PHOTO))
    assert resumed.status_code == 409
    assert resumed.json()["details"] == {"expected_offset": 0}
    assert (await put(client, second, PHOTO)).json()["complete"] is True
    # The first uploader resumes where they stopped, and finishes.
    rest = await put(client, first, PHOTO[half:], start=half, total=len(PHOTO))
    assert rest.json() == {
        "sha256": PHOTO_SHA,
        "size": len(PHOTO),
        "received": len(PHOTO),
        "complete": True,
    }
    assert await stored_photo(PHOTO_SHA) == PHOTO
    assert await media_storage().stored(PHOTO_SHA, ZHANGSAN) == 0
    uploads = await MediaUpload.select(MediaUpload.complete).where(MediaUpload.sha256 == PHOTO_SHA)
    assert uploads == [{"complete": True}] * 2


def _as(username: str, role: Any, unit: str) -> CurrentUser:
    return CurrentUser(
        id=demo_id(f"user/{username}"),
        username=username,
        display_name=username,
        role=role,
        org_unit_id=uuid.uuid4(),
        org_unit_name=unit,
        org_unit_path="/",
        token_id=uuid.uuid4(),
        device_id="test",
    )


async def test_a_link_relies_on_its_writers_upload_or_on_what_they_could_see(
    client: Client,
) -> None:
    owner = await login(client, "zhangsan", "phone-1")
    phone = Device(client, owner, "phone-1")
    # The record comes first (offline): its link waits for its writer's upload.
    body = visit(talent_of("zhangsan"), photos=[PHOTO_SHA])
    await phone.push(phone.put(body))
    [link] = await MediaLink.select(MediaLink.uploader).where(MediaLink.sha256 == PHOTO_SHA)
    assert link == {"uploader": ZHANGSAN}
    reviewer = await login(client, "zhaoli")
    assert (await client.get(f"/api/media/{PHOTO_SHA}", headers=reviewer)).status_code == 404
    await put(client, owner, PHOTO)
    assert (await client.get(f"/api/media/{PHOTO_SHA}", headers=reviewer)).status_code == 200

    # Someone who may already see the photo may list it too: their link relies on that upload.
    county = (await Visit.select(Visit.org_unit.path).first())["org_unit.path"].split("/")[1]
    supervisor = _as("zhaoli", "supervisor", "清源县")
    supervisor = CurrentUser(
        **{f: getattr(supervisor, f) for f in supervisor.__struct_fields__}
        | {"org_unit_path": f"/{county}/"}
    )
    assert await link_uploaders(supervisor, [PHOTO_SHA]) == {PHOTO_SHA: ZHANGSAN}
    # Someone who may not is left to their own upload.
    stranger = _as("lisi", "field_staff", "东湖街道")
    assert await link_uploaders(stranger, [PHOTO_SHA]) == {PHOTO_SHA: stranger.id}


class _ReuploadOnDelete:
    """The server's storage, its deletion letting a re-upload of the photo in first (as far as
    it can)."""

    def __init__(self, reupload: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.storage = media_storage()
        self.delete = self.storage.delete
        self.reupload = reupload
        self.task: asyncio.Task[httpx.Response] | None = None
        monkeypatch.setattr(self.storage, "delete", self.delete_after_reupload)

    async def delete_after_reupload(self, sha256: str) -> None:
        self.task = asyncio.ensure_future(self.reupload())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self.task), 0.5)
        await self.delete(sha256)


async def test_a_reupload_during_purge_keeps_row_and_file_together(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = await login(client, "zhangsan", "phone-1")
    phone = Device(client, owner, "phone-1")
    await put(client, owner, PHOTO)
    body = visit(talent_of("zhangsan"), photos=[PHOTO_SHA])
    await phone.push(phone.put(body))
    await phone.push(phone.mutation("visit.delete", id=body["id"], base_version=1))
    long_ago = utcnow() - dt.timedelta(days=91)
    await Visit.update({Visit.updated_at: long_ago}).where(Visit.id == uuid.UUID(body["id"]))

    storage = _ReuploadOnDelete(lambda: put(client, owner, PHOTO), monkeypatch)
    done = await purge(storage.storage)
    assert storage.task is not None
    answer = await storage.task
    assert answer.status_code == 200 and answer.json()["complete"] is True
    assert done.rows == {"visit": 1}
    # The server said "complete": the row and the file are both there.
    assert await Media.exists().where(Media.sha256 == PHOTO_SHA)
    assert await stored_photo(PHOTO_SHA) == PHOTO
