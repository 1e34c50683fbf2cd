"""Photos: idempotent, resumable upload verified by SHA-256; served only to who may see them."""

from __future__ import annotations

import asyncio
import os

import httpx
import pytest

from server.media.tables import Media, MediaLink
from server.settings import get_settings
from tests.support.client import login
from tests.sync.helpers import (
    ZHANGSAN,
    Device,
    jpeg,
    media_storage,
    sha,
    stored_photo,
    stored_version,
    talent_of,
    visit,
)

Client = httpx.AsyncClient

PHOTO = jpeg(os.urandom(300_000))
PHOTO_SHA = sha(PHOTO)


async def put(
    client: Client,
    headers: dict[str, str],
    data: bytes,
    digest: str = PHOTO_SHA,
    *,
    start: int | None = None,
    total: int | None = None,
    mime: str = "image/jpeg",
) -> httpx.Response:
    extra = {"Content-Type": mime}
    if start is not None:
        end = start + len(data) - 1
        extra["Content-Range"] = f"bytes {start}-{end}/{total}"
    return await client.put(f"/api/media/{digest}", content=data, headers=headers | extra)


async def test_whole_upload_then_head_then_idempotent_again(client: Client) -> None:
    headers = await login(client, "zhangsan")
    response = await client.head(f"/api/media/{PHOTO_SHA}", headers=headers)
    assert response.status_code == 404
    response = await put(client, headers, PHOTO)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "sha256": PHOTO_SHA,
        "size": len(PHOTO),
        "received": len(PHOTO),
        "complete": True,
    }
    response = await client.head(f"/api/media/{PHOTO_SHA}", headers=headers)
    assert response.headers["Upload-Complete"] == "1"
    assert response.headers["Upload-Offset"] == str(len(PHOTO))
    assert await stored_photo(PHOTO_SHA) == PHOTO
    version = await stored_version(PHOTO_SHA)
    again = await put(client, headers, PHOTO)
    assert again.status_code == 200 and again.json()["complete"] is True
    assert await stored_version(PHOTO_SHA) == version  # not stored again
    response = await client.get(f"/api/media/{PHOTO_SHA}", headers=headers)
    assert response.status_code == 200
    assert response.content == PHOTO
    assert response.headers["content-type"] == "image/jpeg"


async def test_resumes_from_the_last_stored_byte(client: Client) -> None:
    headers = await login(client, "zhangsan")
    half = len(PHOTO) // 2
    response = await put(client, headers, PHOTO[:half], start=0, total=len(PHOTO))
    assert response.json() == {
        "sha256": PHOTO_SHA,
        "size": len(PHOTO),
        "received": half,
        "complete": False,
    }
    status = (await client.get(f"/api/media/{PHOTO_SHA}/status", headers=headers)).json()
    assert status["received"] == half and status["complete"] is False
    # A chunk that starts past the stored bytes would leave a hole.
    response = await put(client, headers, PHOTO[half + 10 :], start=half + 10, total=len(PHOTO))
    assert response.status_code == 409
    assert response.json()["code"] == "media.offset_mismatch"
    assert response.json()["details"] == {"expected_offset": half}
    # Resending from an earlier offset: the bytes already stored are skipped, not stored twice.
    response = await put(client, headers, PHOTO[half - 1000 :], start=half - 1000, total=len(PHOTO))
    assert response.json()["complete"] is True
    assert await stored_photo(PHOTO_SHA) == PHOTO


async def test_hash_mismatch_keeps_nothing(client: Client) -> None:
    headers = await login(client, "zhangsan")
    wrong = jpeg(b"not the photo it claims to be")
    response = await put(client, headers, wrong, digest=sha(b"something else"))
    assert response.status_code == 422
    assert response.json()["code"] == "media.hash_mismatch"
    response = await client.head(f"/api/media/{sha(b'something else')}", headers=headers)
    assert response.status_code == 404
    assert await media_storage().stored(sha(b"something else"), ZHANGSAN) == 0
    assert await stored_photo(sha(b"something else")) is None  # never published
    assert not await Media.exists().where(Media.sha256 == sha(b"something else"))


async def test_limits_and_types(client: Client) -> None:
    headers = await login(client, "zhangsan")
    too_big = get_settings().photo_max_bytes + 1
    response = await put(client, headers, PHOTO[:1000], start=0, total=too_big)
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["code"] == "payload.too_large"
    assert response.json()["details"]["max_bytes"] == get_settings().photo_max_bytes
    response = await put(client, headers, PHOTO, mime="image/webp")
    assert response.status_code == 415
    assert response.json()["code"] == "media.unsupported_type"
    pdf = b"%PDF-1.4 not a photo" * 10
    response = await put(client, headers, pdf, digest=sha(pdf))
    assert response.status_code == 415
    assert not await Media.exists().where(Media.sha256 == sha(pdf))
    response = await put(client, headers, PHOTO, digest="NOT-A-HASH")
    assert response.status_code == 400
    assert response.json()["code"] == "media.invalid_hash"
    response = await client.put(f"/api/media/{PHOTO_SHA}", content=PHOTO)
    assert response.status_code == 401


@pytest.mark.parametrize("viewer", ["zhaoli", "lisi"])
async def test_photos_follow_the_records_that_list_them(client: Client, viewer: str) -> None:
    owner = await login(client, "zhangsan", "phone-1")
    phone = Device(client, owner, "phone-1")
    body = visit(talent_of("zhangsan"), photos=[PHOTO_SHA])
    pushed = await phone.push(phone.put(body))
    # The record arrived before its photo: the server says what it still needs.
    assert pushed["results"][0]["missing_photos"] == [PHOTO_SHA]
    await put(client, owner, PHOTO)
    changes, _ = await phone.pull_all()
    [record] = [c["record"] for c in changes if c["record"]["entity"] == "visit"]
    assert record["missing_photos"] == []
    assert await MediaLink.count().where(MediaLink.sha256 == PHOTO_SHA) == 1
    viewer_headers = await login(client, viewer)
    response = await client.get(f"/api/media/{PHOTO_SHA}", headers=viewer_headers)
    # The supervisor sees the county's records; another field staff member sees only their own.
    assert response.status_code == (200 if viewer == "zhaoli" else 404)
    # Removing the photo from the record takes the link away.
    body["photos"] = []
    await phone.push(phone.put(body, base_version=1))
    assert await MediaLink.count().where(MediaLink.sha256 == PHOTO_SHA) == 0
    response = await client.get(f"/api/media/{PHOTO_SHA}", headers=await login(client, "zhaoli"))
    assert response.status_code == 404
    # The uploader always sees what they uploaded.
    assert (await client.get(f"/api/media/{PHOTO_SHA}", headers=owner)).status_code == 200


@pytest.mark.commits  # two uploads at once, each in its own transaction
async def test_the_same_photo_sent_by_two_devices_at_once_is_stored_once(client: Client) -> None:
    # Two phones of one user (or a retry racing the first attempt) send the same photo together.
    first = await login(client, "zhangsan", device_id="phone-a")
    second = await login(client, "zhangsan", device_id="phone-b")
    photo = jpeg(os.urandom(2_000_000))  # several disk buffers: the uploads overlap
    digest = sha(photo)
    answers = await asyncio.gather(
        *(put(client, headers, photo, digest) for headers in (first, second, first, second))
    )
    for answer in answers:
        # Each either completes the photo (or finds it complete) or is told to come back.
        assert answer.status_code in (200, 409), answer.text
        if answer.status_code == 409:
            assert answer.json()["code"] == "media.upload_in_progress"
    assert any(a.status_code == 200 and a.json()["complete"] for a in answers)
    # Whatever the interleaving: one verified copy, one row, nothing half-written left.
    assert await stored_photo(digest) == photo
    assert await media_storage().stored(digest, ZHANGSAN) == 0
    rows = await Media.select(Media.complete, Media.size).where(Media.sha256 == digest)
    assert rows == [{"complete": True, "size": len(photo)}]
    retry = await put(client, second, photo, digest)
    assert retry.status_code == 200 and retry.json()["complete"] is True
