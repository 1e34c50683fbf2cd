"""Where photo bytes live, behind a small interface: local disk now, S3-compatible later.

An upload is written to a partial object that only grows; the bytes stored so far are what an
interrupted upload resumes from. When the last byte arrives the content is checked against its
SHA-256 name and only then becomes a complete object; a mismatch discards everything.
"""

from __future__ import annotations

import abc
import contextlib
import fcntl
import hashlib
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import anyio

_READ_CHUNK = 1024 * 1024


class UploadBusy(Exception):
    """Another request is writing the same photo right now."""


class OffsetMismatch(Exception):
    """The chunk starts after the bytes stored: there would be a hole."""

    def __init__(self, stored: int) -> None:
        super().__init__(f"upload must continue at byte {stored}")
        self.stored = stored


@dataclass
class Appended:
    #: Bytes stored now.
    stored: int
    #: SHA-256 of everything stored, when this request wrote all of it (saves a re-read).
    digest: str | None


class MediaStorage(abc.ABC):
    """Content-addressed photo storage. ``sha256`` names are checked by the caller."""

    @abc.abstractmethod
    async def stored(self, sha256: str) -> int:
        """Bytes of a partial upload stored so far (0 when there is none)."""

    @abc.abstractmethod
    async def append(
        self,
        sha256: str,
        offset: int,
        chunks: AsyncIterator[bytes],
        total: int,
    ) -> Appended:
        """Add the bytes of ``chunks`` (which start at ``offset``) to the partial upload.

        Bytes already stored are skipped, never written twice; nothing past ``total`` is kept.
        What arrived before a broken connection stays stored (the exception propagates).
        """

    @abc.abstractmethod
    async def complete(self, sha256: str, digest: str | None = None) -> bool:
        """Verify the partial upload against its name and publish it; False (and nothing
        kept) on mismatch."""

    @abc.abstractmethod
    async def discard(self, sha256: str) -> None:
        """Forget a partial upload."""

    @abc.abstractmethod
    def path(self, sha256: str) -> Path:
        """Where a complete object can be read (an S3 backend would redirect instead)."""


class LocalDiskStorage(MediaStorage):
    """Files under ``root``: ``partial/<sha>`` while uploading, ``ab/cd/<sha>`` when complete."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def _partial(self, sha256: str) -> Path:
        return self.root / "partial" / sha256

    async def stored(self, sha256: str) -> int:
        try:
            return self._partial(sha256).stat().st_size
        except FileNotFoundError:
            return 0

    @contextlib.contextmanager
    def _locked(self, sha256: str) -> Iterator[BinaryIO]:
        path = self._partial(sha256)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "ab") as f:
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise UploadBusy(sha256) from None
            try:
                yield f
            finally:
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)

    async def append(
        self,
        sha256: str,
        offset: int,
        chunks: AsyncIterator[bytes],
        total: int,
    ) -> Appended:
        with self._locked(sha256) as f:
            stored = f.seek(0, os.SEEK_END)
            if offset > stored:
                raise OffsetMismatch(stored)
            # Hash as we go when this request writes the whole object.
            hasher = hashlib.sha256() if stored == 0 else None
            position = offset  # where the next incoming byte belongs
            try:
                async for chunk in chunks:
                    start, position = position, position + len(chunk)
                    if position <= stored:
                        continue  # already stored: skipped, never stored twice
                    keep = chunk[max(0, stored - start) : max(0, total - start)]
                    if keep:
                        f.write(keep)
                        if hasher is not None:
                            hasher.update(keep)
                        stored += len(keep)
            finally:
                f.flush()
                # Bytes reported as stored must survive a crash: the client skips them.
                await anyio.to_thread.run_sync(os.fsync, f.fileno())
            size = f.tell()
        return Appended(stored=size, digest=hasher.hexdigest() if hasher else None)

    async def complete(self, sha256: str, digest: str | None = None) -> bool:
        partial = self._partial(sha256)
        if digest is None:
            digest = await anyio.to_thread.run_sync(_file_sha256, partial)
        if digest != sha256:
            partial.unlink(missing_ok=True)
            return False
        final = self.path(sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(partial, final)
        return True

    async def discard(self, sha256: str) -> None:
        self._partial(sha256).unlink(missing_ok=True)


def _file_sha256(path: Path) -> str:
    hasher = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_READ_CHUNK):
            hasher.update(block)
    return hasher.hexdigest()
