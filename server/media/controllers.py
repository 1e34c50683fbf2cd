"""Photo upload (idempotent by content hash, resumable) and download (only to those allowed).

``HEAD /api/media/{sha256}`` says what the server holds; ``PUT`` sends bytes from an offset
(``Content-Range: bytes <first>-<last>/<total>``, or the whole photo without it); ``GET``
returns a complete photo. See sync/PROTOCOL.md.

Each user's upload is their own (``server.media.access``): ``HEAD`` and ``/status`` show a
complete photo only to those who may ``GET`` it, and otherwise only the asker's own upload in
progress; ``PUT`` answers "complete" without reading the body only to those who may see the
photo, and takes everyone else's bytes (verified against the hash) as their own upload.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, head, put
from litestar.di import NamedDependency, Provide
from litestar.exceptions import InternalServerException
from litestar.params import FromPath, Parameter
from litestar.response import File, Stream

from server.accounts.schemas import CurrentUser
from server.audit.access import access_log
from server.db import utcnow
from server.errors import ApiError
from server.media import access, repository
from server.media.configured import configured_storage
from server.media.storage import MediaStorage, OffsetMismatch, UploadBusy
from server.settings import get_settings
from sync.protocol import MediaStatus

#: What a phone sends after compressing a photo, with the bytes each format starts with.
ALLOWED_TYPES = {"image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",)}

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
#: The path parameter naming a photo; the schema says what ``_checked`` accepts.
Sha256 = FromPath[Annotated[str, Parameter(schema_extra={"pattern": _SHA256.pattern})]]
_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")


def provide_storage() -> MediaStorage:
    """The configured photo storage (server.media.configured)."""
    return configured_storage()


def _checked(sha256: str) -> str:
    if not _SHA256.match(sha256):
        raise ApiError(400, "media.invalid_hash", "name a photo by the SHA-256 of its bytes (hex)")
    return sha256


async def _visible_status(
    user: CurrentUser, storage: MediaStorage, sha256: str
) -> MediaStatus | None:
    """What the server holds of the photo, as far as this user may know (None: nothing)."""
    media = await repository.get(_checked(sha256))
    if media is not None and await access.may_see(user, sha256):
        return MediaStatus(sha256=sha256, size=media["size"], received=media["size"], complete=True)
    upload = await repository.upload_of(sha256, user.id)
    if upload is None or upload["complete"]:
        return None
    received = await storage.stored(sha256, user.id)
    return MediaStatus(sha256=sha256, size=upload["size"], received=received, complete=False)


def _headers(status: MediaStatus) -> dict[str, str]:
    return {
        "Upload-Offset": str(status.received),
        "Upload-Length": str(status.size),
        "Upload-Complete": "1" if status.complete else "0",
        "Cache-Control": "no-store",
    }


def _span(request: Request[Any, Any, Any]) -> tuple[int, int]:
    """(offset, total) from Content-Range, or the whole photo from Content-Length."""
    header = request.headers.get("content-range")
    if header:
        match = _RANGE.match(header.strip())
        if not match:
            raise ApiError(
                400, "media.invalid_range", "Content-Range must be bytes first-last/total"
            )
        first, last, total = (int(g) for g in match.groups())
        if first > last or last >= total:
            raise ApiError(400, "media.invalid_range", "Content-Range is out of order")
        return first, total
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise ApiError(400, "media.length_required", "send Content-Length or Content-Range")
    return 0, int(length)


async def _sniffed(chunks: AsyncIterator[bytes], mime: str, offset: int) -> AsyncIterator[bytes]:
    """The body, after checking that a photo's first bytes match its declared type."""
    head_bytes = b""
    checked = offset > 0
    async for chunk in chunks:
        if not checked:
            head_bytes += chunk
            if len(head_bytes) < 8 and chunk:
                continue
            if not head_bytes.startswith(ALLOWED_TYPES[mime]):
                raise ApiError(415, "media.unsupported_type", f"the bytes are not {mime}")
            checked, chunk = True, head_bytes
        if chunk:
            yield chunk
    if not checked and head_bytes:
        if not head_bytes.startswith(ALLOWED_TYPES[mime]):
            raise ApiError(415, "media.unsupported_type", f"the bytes are not {mime}")
        yield head_bytes


class MediaController(Controller):
    path = "/api/media"
    tags = ["media"]
    dependencies = {"storage": Provide(provide_storage, sync_to_thread=False)}

    @head("/{sha256:str}", summary="What the server holds of a photo (Upload-Offset header)")
    async def probe(
        self,
        current_user: NamedDependency[CurrentUser],
        storage: NamedDependency[MediaStorage],
        sha256: Sha256,
    ) -> Response[None]:
        status = await _visible_status(current_user, storage, sha256)
        if status is None:
            return Response(None, status_code=404, headers={"Cache-Control": "no-store"})
        return Response(None, headers=_headers(status))

    @get("/{sha256:str}/status", summary="What the server holds of a photo, as JSON")
    async def status(
        self,
        current_user: NamedDependency[CurrentUser],
        storage: NamedDependency[MediaStorage],
        sha256: Sha256,
    ) -> MediaStatus:
        status = await _visible_status(current_user, storage, sha256)
        if status is None:
            raise ApiError(404, "not_found", "the server has no byte of this photo")
        return status

    @put("/{sha256:str}", status_code=200, summary="Upload a photo, or the rest of one")
    async def upload(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        storage: NamedDependency[MediaStorage],
        sha256: Sha256,
    ) -> Response[MediaStatus]:
        _checked(sha256)
        mime = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if mime not in ALLOWED_TYPES:
            raise ApiError(
                415,
                "media.unsupported_type",
                f"photos must be one of {', '.join(ALLOWED_TYPES)}",
                {"allowed": list(ALLOWED_TYPES)},
            )
        offset, total = _span(request)
        max_bytes = get_settings().photo_max_bytes
        if total > max_bytes:
            raise ApiError(
                413,
                "payload.too_large",
                f"a photo may be at most {max_bytes} bytes",
                {"max_bytes": max_bytes, "size": total},
            )
        if total == 0:
            raise ApiError(415, "media.unsupported_type", f"an empty body is not {mime}")
        now = utcnow()
        user_id = current_user.id
        # Rows are read only when the disk holds something of the photo (a new photo, the
        # common case, costs no read).
        if await storage.has_complete(sha256):
            media = await repository.get(sha256)
            if media is not None and await access.may_see(current_user, sha256):
                # Idempotent: the body is not read, nothing is stored again.
                status = MediaStatus(
                    sha256=sha256, size=media["size"], received=media["size"], complete=True
                )
                return Response(status, headers=_headers(status))
            # Anyone else learns nothing of it (not even its size): their bytes are checked.
        known = None
        if await storage.stored(sha256, user_id):
            known = await repository.upload_of(sha256, user_id)
        if known is not None and known["size"] != total:
            raise ApiError(
                409,
                "media.length_mismatch",
                f"this photo was announced as {known['size']} bytes",
                {"size": known["size"]},
            )
        try:
            appended = await storage.append(
                sha256, user_id, offset, _sniffed(request.stream(), mime, offset), total
            )
        except OffsetMismatch as exc:
            raise ApiError(
                409,
                "media.offset_mismatch",
                f"continue the upload at byte {exc.stored}",
                {"expected_offset": exc.stored},
            ) from None
        except UploadBusy:
            raise ApiError(
                409, "media.upload_in_progress", "this photo is being uploaded right now"
            ) from None
        except InternalServerException:
            # The connection broke mid-body: what arrived is stored; the client resumes.
            if await storage.stored(sha256, user_id):
                await repository.progress(sha256, user_id, mime, total, now)
            raise
        except ApiError:
            # Not a photo of the declared type: forget an upload that never stored a byte
            # (the storage already removed its empty partial file).
            if await storage.stored(sha256, user_id) == 0:
                await repository.forget(sha256, user_id)
            raise
        if appended.mismatch:
            await repository.forget(sha256, user_id)
            raise ApiError(
                422,
                "media.hash_mismatch",
                "the bytes do not match their SHA-256; nothing was kept, upload again",
            )
        if not appended.complete:
            # Only a partial upload has a row before its photo is complete.
            await repository.progress(sha256, user_id, mime, total, now)
            status = MediaStatus(
                sha256=sha256, size=total, received=appended.stored, complete=False
            )
            return Response(status, headers=_headers(status))
        # The bytes are verified and durable. Published and recorded under the name's lock, so
        # retention, deleting the photo meanwhile, sees either neither or both.
        async with storage.locked(sha256):
            await storage.publish(sha256, user_id)
            await repository.completed(sha256, user_id, mime, total, now)
        status = MediaStatus(sha256=sha256, size=total, received=total, complete=True)
        return Response(status, headers=_headers(status))

    @get("/{sha256:str}", summary="A complete photo, to those who may see a record listing it")
    async def download(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        storage: NamedDependency[MediaStorage],
        sha256: Sha256,
    ) -> File | Stream:
        media = await repository.get(_checked(sha256))
        # Not allowed looks the same as absent: no probing for other people's photos.
        if media is None or not await access.may_see(current_user, sha256):
            raise ApiError(404, "not_found", "no such photo")
        access_log(request).read(request, current_user, "photo", sha256)
        headers = {"Cache-Control": "private, max-age=31536000, immutable", "ETag": f'"{sha256}"'}
        path = storage.path(sha256)
        if path is None:
            # In a bucket: streamed through the app (server.media.s3 says why, not redirected).
            headers["Content-Length"] = str(media["size"])
            return Stream(storage.read(sha256), media_type=media["mime"], headers=headers)
        return File(
            path=path,
            media_type=media["mime"],
            content_disposition_type="inline",
            etag=None,
            headers=headers,
        )
