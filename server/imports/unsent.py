"""The last-resort file comes home: a phone's "导出未同步数据" file (format ``zoufang.unsent``,
see ``web/src/client/sync/exportUnsent.ts``) replayed on behalf of the person and device that
made it. Photos are stored as that person's uploads (checked against their SHA-256), then the
mutations go through the normal push path under their original ids and sequence numbers, so a
second import of the same file changes nothing."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import uuid
from collections.abc import AsyncIterator
from typing import Literal

import msgspec

from server.accounts.deps import require_role
from server.accounts.schemas import CurrentUser
from server.accounts.tables import User
from server.audit import repository as audit
from server.db import new_id, utcnow
from server.errors import ApiError
from server.media import repository as media
from server.media.storage import MediaStorage
from server.sync.push import push
from sync import protocol

FORMAT = "zoufang.unsent"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
#: What a phone sends after compressing a photo, with the bytes each format starts with.
_SIGNATURES = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}


class _Person(msgspec.Struct):
    id: uuid.UUID
    username: str = ""


class _Mutation(msgspec.Struct):
    mutation: msgspec.Raw


class _Photo(msgspec.Struct):
    sha256: str
    mime: str
    size: int
    base64: str
    record_id: str = ""


class UnsentFile(msgspec.Struct):
    format: str
    version: int
    device_id: str
    user: _Person | None
    protocol_version: str = protocol.PROTOCOL_VERSION
    mutations: list[_Mutation] = []
    photos: list[_Photo] = []


Outcome = Literal["applied", "already", "conflict", "refused"]


class ReplayItem(msgspec.Struct, kw_only=True):
    kind: Literal["mutation", "photo"]
    #: The mutation id, or the photo's SHA-256.
    id: str
    outcome: Outcome
    entity: str = ""
    record_id: str = ""
    code: str = ""
    message: str = ""


class ReplayReport(msgspec.Struct, kw_only=True):
    username: str
    device_id: str
    applied: int
    already: int
    conflict: int
    refused: int
    items: list[ReplayItem]


def _bad(message: str) -> ApiError:
    return ApiError(400, "import.unsent_invalid", message, {"field": "file"})


def decode(data: bytes) -> UnsentFile:
    """The file, or a refusal saying it is not an unsent-data export."""
    if not data.strip():
        raise ApiError(400, "import.empty_file", "文件是空的", {"field": "file"})
    try:
        found = msgspec.json.decode(data, type=UnsentFile)
    except msgspec.DecodeError:
        raise _bad("这不是“导出未同步数据”生成的文件") from None
    if found.format != FORMAT or found.version != 1 or found.user is None or not found.device_id:
        raise _bad("这不是“导出未同步数据”生成的文件，或文件版本不受支持")
    return found


async def _person(file: UnsentFile, admin: CurrentUser) -> CurrentUser:
    """The person who made the file, as the push path sees a signed-in user on that device."""
    assert file.user is not None
    row = await (
        User.select(
            *User.all_columns(),
            User.org_unit.name.as_alias("unit_name"),
            User.org_unit.path.as_alias("unit_path"),
        )
        .where(User.id == file.user.id)
        .first()
    )
    if row is None or not admin.covers(row["unit_path"]):
        raise ApiError(
            404,
            "import.unsent_user_unknown",
            "文件中的人员不存在或不在您的管辖范围内",
            {"field": "file"},
        )
    return CurrentUser(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        role=row["role"],
        org_unit_id=row["org_unit"],
        org_unit_name=row["unit_name"],
        org_unit_path=row["unit_path"],
        token_id=new_id(),
        device_id=file.device_id,
    )


async def replay(data: bytes, admin: CurrentUser, storage: MediaStorage, ip: str) -> ReplayReport:
    """Apply a last-resort file exactly once; report what was applied, already there or refused."""
    require_role(admin, "admin")
    file = decode(data)
    person = await _person(file, admin)
    items = [await _photo(storage, person, p) for p in file.photos]
    mutations = [m.mutation for m in file.mutations]
    for start in range(0, len(mutations), protocol.MAX_BATCH):
        body = msgspec.json.encode(
            {
                "protocol_version": file.protocol_version,
                "device_id": file.device_id,
                "mutations": mutations[start : start + protocol.MAX_BATCH],
            }
        )
        response = await push(person, body)
        items += [_item(r) for r in response.results]
        if response.gap is not None:
            items.append(
                ReplayItem(
                    kind="mutation",
                    id=f"seq {response.gap.received_seq}",
                    outcome="refused",
                    code="sync.gap",
                    message=f"缺少第 {response.gap.expected_seq} 条修改，之后的内容未写入",
                )
            )
            break
    counts = {o: sum(1 for i in items if i.outcome == o) for o in Outcome.__args__}  # type: ignore[attr-defined]
    await audit.record(
        "import.unsent",
        actor_id=admin.id,
        entity="app_user",
        entity_id=person.id,
        details={"device_id": file.device_id, **counts},
        ip=ip,
    )
    return ReplayReport(username=person.username, device_id=file.device_id, items=items, **counts)


def _item(result: protocol.Result) -> ReplayItem:
    mutation_id = str(result.mutation_id)
    if isinstance(result, protocol.Duplicate):
        original = result.original
        entity = "" if isinstance(original, protocol.Rejected) else original.entity
        return ReplayItem(kind="mutation", id=mutation_id, outcome="already", entity=entity)
    if isinstance(result, protocol.Rejected):
        return ReplayItem(
            kind="mutation",
            id=mutation_id,
            outcome="refused",
            code=result.code,
            message=result.message,
        )
    outcome: Outcome = "conflict" if isinstance(result, protocol.Conflicted) else "applied"
    return ReplayItem(
        kind="mutation",
        id=mutation_id,
        outcome=outcome,
        entity=result.entity,
        record_id=str(result.id),
    )


async def _photo(storage: MediaStorage, person: CurrentUser, photo: _Photo) -> ReplayItem:
    """Store one photo as the person's upload, unless they uploaded it already."""

    def refused(code: str, message: str) -> ReplayItem:
        return ReplayItem(
            kind="photo", id=photo.sha256, outcome="refused", code=code, message=message
        )

    try:
        data = base64.b64decode(photo.base64, validate=True)
    except (binascii.Error, ValueError):
        return refused("media.invalid", "照片数据已损坏")
    signature = _SIGNATURES.get(photo.mime)
    if not _SHA256.match(photo.sha256) or hashlib.sha256(data).hexdigest() != photo.sha256:
        return refused("media.hash_mismatch", "照片内容与其校验值不符")
    if signature is None or not data.startswith(signature):
        return refused("media.unsupported_type", "不是 JPEG 或 PNG 照片")
    existing = await media.upload_of(photo.sha256, person.id)
    if existing is not None and existing["complete"]:
        return ReplayItem(
            kind="photo", id=photo.sha256, outcome="already", record_id=photo.record_id
        )

    async def chunks() -> AsyncIterator[bytes]:
        yield data

    if not await storage.has_complete(photo.sha256):
        appended = await storage.append(photo.sha256, person.id, 0, chunks(), len(data))
        if appended.mismatch or not appended.complete:
            return refused("media.hash_mismatch", "照片内容与其校验值不符")
        async with storage.locked(photo.sha256):
            await storage.publish(photo.sha256, person.id)
            await media.completed(photo.sha256, person.id, photo.mime, len(data), utcnow())
    else:
        await media.completed(photo.sha256, person.id, photo.mime, len(data), utcnow())
    return ReplayItem(kind="photo", id=photo.sha256, outcome="applied", record_id=photo.record_id)


__all__ = ["ReplayReport", "replay"]
