"""Complete photos in an S3-compatible bucket (SeaweedFS, MinIO, a cloud's object store).

Only verified photos reach the bucket. An upload in progress is the local disk's partial file
(``LocalDiskStorage``: per user, resumable, hashed as it arrives); when its last byte matches
the name, one PUT sends it whole and the partial goes. Photos are 1–3 MB, under S3 multipart's
5 MB minimum part, so multipart would not make resuming any finer, and the bucket never holds
bytes nobody verified.

Photos are streamed to phones through the app, never redirected to the bucket: the PWA keeps
one origin (its CSP and service worker cache photos as they are), the bucket may sit on a
private network phones cannot reach (no second public name or certificate to run), and every
read passes the same permission check as on local disk.

Publishing and deleting take the local disk's lock (:meth:`LocalDiskStorage.locked`): exclusive
across the processes of one host. Hosts do not share it: a purge on one host could delete a
photo that another host re-published in the same moment (a lock in PostgreSQL would close that;
the README names the limitation).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import obstore
from obstore.store import S3Store

from server.media.storage import Appended, LocalDiskStorage, MediaStorage

#: Bytes handed on per piece when a photo is streamed from the bucket.
_STREAM_CHUNK = 256 * 1024


class S3Storage(MediaStorage):
    """Complete objects at ``<prefix>/ab/cd/<sha>`` in the bucket; partial uploads and locks
    on the local disk under ``local``."""

    def __init__(self, store: S3Store, local: LocalDiskStorage) -> None:
        self.store = store
        self.local = local

    @classmethod
    def from_url(
        cls,
        url: str,
        local: Path,
        *,
        endpoint: str,
        region: str,
        access_key_id: str,
        secret_access_key: str,
    ) -> S3Storage:
        """The store named by ``s3://bucket/prefix`` (checked by the settings)."""
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        config = {
            "region": region,
            "access_key_id": access_key_id,
            "secret_access_key": secret_access_key,
        }
        if endpoint:
            config["endpoint"] = endpoint
        store = S3Store(
            bucket,
            prefix=prefix.strip("/") or None,
            config=config,  # type: ignore[arg-type]
            client_options={"allow_http": endpoint.startswith("http://")},
        )
        return cls(store, LocalDiskStorage(local))

    @staticmethod
    def key(sha256: str) -> str:
        """Where a complete photo lives in the bucket (as on local disk)."""
        return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"

    async def has_complete(self, sha256: str) -> bool:
        try:
            await obstore.head_async(self.store, self.key(sha256))
        except FileNotFoundError:
            return False
        return True

    async def stored(self, sha256: str, uploader: uuid.UUID) -> int:
        return await self.local.stored(sha256, uploader)

    async def append(
        self,
        sha256: str,
        uploader: uuid.UUID,
        offset: int,
        chunks: AsyncIterator[bytes],
        total: int,
    ) -> Appended:
        return await self.local.append(sha256, uploader, offset, chunks, total)

    def locked(self, sha256: str) -> contextlib.AbstractAsyncContextManager[None]:
        return self.local.locked(sha256)

    async def publish(self, sha256: str, uploader: uuid.UUID) -> None:
        partial = self.local.partial(sha256, uploader)
        if not await self.has_complete(sha256):
            # A PUT is whole or nothing: the object never exists half written.
            await obstore.put_async(self.store, self.key(sha256), partial)
        partial.unlink(missing_ok=True)

    async def discard(self, sha256: str, uploader: uuid.UUID) -> bool:
        return await self.local.discard(sha256, uploader)

    async def delete(self, sha256: str) -> None:
        # S3 deletes are idempotent: an object already gone is no error.
        await obstore.delete_async(self.store, self.key(sha256))

    def path(self, sha256: str) -> None:
        return None

    async def read(self, sha256: str) -> AsyncIterator[bytes]:
        result = await obstore.get_async(self.store, self.key(sha256))
        async for chunk in result.stream(min_chunk_size=_STREAM_CHUNK):
            yield bytes(chunk)
