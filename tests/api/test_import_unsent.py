"""The last-resort file ("导出未同步数据") replayed by an admin: on behalf of the person and
device that made it, exactly once, photos included, with a report."""

from __future__ import annotations

import argparse
import base64
import json
from typing import Any

import httpx
import pytest

from server.accounts import repository as accounts
from server.app import create_app
from server.demo import DEMO_PASSWORD, demo_id
from server.media.tables import Media, MediaUpload
from server.visits.tables import Visit
from sync.cli import replay_unsent
from sync.protocol import PROTOCOL_VERSION
from tests.support.client import login
from tests.sync.helpers import ZHANGSAN, Device, jpeg, sha, talent_of, visit

PHOTO = jpeg(b"last-resort photo")


def unsent_file(device: Device) -> tuple[bytes, list[dict[str, Any]]]:
    """What the phone's export holds: two visits (one with a photo) and the photo."""
    bodies = [visit(talent_of("zhangsan"), photos=[sha(PHOTO)]), visit(talent_of("zhangsan", 1))]
    mutations = [device.put(b) for b in bodies]
    return json.dumps(
        {
            "format": "zoufang.unsent",
            "version": 1,
            "protocol_version": PROTOCOL_VERSION,
            "exported_at": "2026-12-01T08:00:00.000Z",
            "device_id": "lost-phone",
            "user": {"id": str(ZHANGSAN), "username": "zhangsan", "display_name": "张三"},
            "mutations": [
                {
                    "mutation": m,
                    "status": "failed",
                    "queued_at": "2026-12-01T07:00:00.000Z",
                    "error": None,
                }
                for m in mutations
            ],
            "photos": [
                {
                    "sha256": sha(PHOTO),
                    "mime": "image/jpeg",
                    "size": len(PHOTO),
                    "record_id": bodies[0]["id"],
                    "status": "pending",
                    "taken_at": "2026-12-01T07:00:00.000Z",
                    "base64": base64.b64encode(PHOTO).decode(),
                }
            ],
        }
    ).encode(), bodies


async def replay(client: httpx.AsyncClient, headers: dict[str, str], data: bytes) -> httpx.Response:
    return await client.post(
        "/api/imports/unsent",
        files={"file": ("未同步数据.json", data, "application/json")},
        headers=headers,
    )


#: Photos are stored in transactions of their own before the push replays the records.
pytestmark = pytest.mark.commits


async def test_replayed_exactly_once_with_photos(client: httpx.AsyncClient) -> None:
    admin = await login(client, "admin")
    data, bodies = unsent_file(Device(client, {}, "lost-phone"))

    first = await replay(client, admin, data)
    assert first.status_code == 200, first.text
    report = first.json()
    assert report["username"] == "zhangsan" and report["device_id"] == "lost-phone"
    assert (report["applied"], report["already"], report["refused"]) == (3, 0, 0)
    visits = await Visit.select(Visit.id, Visit.visitor, Visit.photos).order_by(Visit.id)
    assert {str(v["id"]) for v in visits} == {b["id"] for b in bodies}
    assert all(v["visitor"] == ZHANGSAN for v in visits)

    second = (await replay(client, admin, data)).json()
    assert (second["applied"], second["already"], second["refused"]) == (0, 3, 0)
    assert await Visit.count() == 2
    assert await Media.count().where(Media.sha256 == sha(PHOTO)) == 1
    assert await MediaUpload.count().where(MediaUpload.sha256 == sha(PHOTO)) == 1

    # The person sees the photo on their record, as if their phone had sent it.
    phone = await login(client, "zhangsan")
    record = (await client.get(f"/api/visits/{bodies[0]['id']}", headers=phone)).json()
    assert record["missing_photos"] == []
    assert (await client.get(f"/api/media/{sha(PHOTO)}", headers=phone)).content == PHOTO


async def test_refusals(client: httpx.AsyncClient) -> None:
    admin = await login(client, "admin")
    data, _ = unsent_file(Device(client, {}, "lost-phone"))
    assert (await replay(client, admin, b"{}")).json()["code"] == "import.unsent_invalid"
    assert (await replay(client, admin, b"")).json()["code"] == "import.empty_file"
    assert (await replay(client, admin, b"\x89PNG")).json()["code"] == "import.unsent_invalid"
    supervisor = await login(client, "zhaoli")
    assert (await replay(client, supervisor, data)).status_code == 403
    await accounts.create_user("nsadmin", DEMO_PASSWORD, "南山管理员", "admin", demo_id("南山镇"))
    other = await replay(client, await login(client, "nsadmin"), data)
    assert other.status_code == 404 and other.json()["code"] == "import.unsent_user_unknown"
    assert await Visit.count() == 0
    tampered = json.loads(data)
    tampered["photos"][0]["base64"] = base64.b64encode(jpeg(b"other bytes")).decode()
    report = (await replay(client, admin, json.dumps(tampered).encode())).json()
    assert report["refused"] == 1 and report["items"][0]["code"] == "media.hash_mismatch"


async def test_zoufang_sync_replays_the_file(client: httpx.AsyncClient, capsys: Any) -> None:
    data, _ = unsent_file(Device(client, {}, "lost-phone"))
    args = argparse.Namespace(file="未同步数据.json", server="http://testserver", username="admin")
    transport = httpx.ASGITransport(app=create_app())
    assert await replay_unsent(args, DEMO_PASSWORD, data, transport) == 0
    assert "applied 3, already there 0" in capsys.readouterr().out
    assert await replay_unsent(args, DEMO_PASSWORD, data, transport) == 0
    assert "applied 0, already there 3" in capsys.readouterr().out
