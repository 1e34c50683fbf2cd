"""Where photo bytes live, behind a small interface: local disk (here, the embedded default)
or an S3-compatible bucket (``server.media.s3``), chosen by ``ZOUFANG_MEDIA_URL``.

Each user's upload is written to a partial object of its own that only grows; the bytes stored
so far are what an interrupted upload resumes from. When the last byte arrives the content is
checked against its SHA-256 name and only a match may become the complete object (one per
name, whoever sent it); a mismatch discards everything. Publishing a photo and deleting it take
the name's lock (:meth:`MediaStorage.locked`), so retention never removes a file that a
re-upload has just published.

On local disk each piece of the body is hashed and written as it arrives, and the kernel is
asked to start writing it out at once, so when the last byte comes only a short fsync is left:
the file is durable 0.4–0.6 ms after the body ends. (Handing pieces to a thread pool instead
left a queue of hashing and a full-file fsync behind the last byte: 1.5–2.9 ms per 1.3 MB
photo on the reference machine.)
"""

from __future__ import annotations

import abc
import asyncio
import concurrent.futures
import contextlib
import ctypes
import fcntl
import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

_T = TypeVar("_T")

_READ_CHUNK = 1024 * 1024
#: Bytes written between two requests to the kernel to start writing the file out.
_WRITEBACK_EVERY = 256 * 1024


class UploadBusy(Exception):
    """Another request is writing the same photo right now."""


class OffsetMismatch(Exception):
    """The chunk starts after the bytes stored: there would be a hole."""

    def __init__(self, stored: int) -> None:
        super().__init__(f"upload must continue at byte {stored}")
        self.stored = stored


@dataclass
class Appended:
    #: Bytes of the upload stored now (all of them once complete; 0 after a mismatch).
    stored: int
    #: Every byte arrived and matched the name (durably): ready to :meth:`MediaStorage.publish`.
    complete: bool = False
    #: Every byte arrived but they do not hash to the name: nothing was kept.
    mismatch: bool = False


class MediaStorage(abc.ABC):
    """Content-addressed photo storage. ``sha256`` names are checked by the caller; partial
    uploads are kept per ``uploader``."""

    @abc.abstractmethod
    async def has_complete(self, sha256: str) -> bool:
        """Whether a complete object is stored under this name (the database row, not this,
        says whether the photo is complete)."""

    @abc.abstractmethod
    async def stored(self, sha256: str, uploader: uuid.UUID) -> int:
        """Bytes of this user's partial upload stored so far (0 when there is none)."""

    @abc.abstractmethod
    async def append(
        self,
        sha256: str,
        uploader: uuid.UUID,
        offset: int,
        chunks: AsyncIterator[bytes],
        total: int,
    ) -> Appended:
        """Add the bytes of ``chunks`` (which start at ``offset``) to this user's partial upload.

        Bytes already stored are skipped, never written twice; nothing past ``total`` is kept.
        What arrived before a broken connection stays stored (the exception propagates).
        Bytes reported as stored are durable; a partial upload left with no byte is removed.
        Once all ``total`` bytes are stored they are checked against ``sha256``: kept durably
        for :meth:`publish` (``complete``), or on mismatch all discarded.
        """

    @abc.abstractmethod
    async def publish(self, sha256: str, uploader: uuid.UUID) -> None:
        """Make a verified upload the complete object (durably); hold :meth:`locked`. When the
        object is there already (the same bytes, by their name) the upload is just dropped."""

    @abc.abstractmethod
    def locked(self, sha256: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Exclusive, across processes, for publishing or deleting the complete object."""

    @abc.abstractmethod
    async def discard(self, sha256: str, uploader: uuid.UUID) -> bool:
        """Forget a partial upload, unless an upload is writing it right now (then False)."""

    @abc.abstractmethod
    async def delete(self, sha256: str) -> None:
        """Remove a complete object (retention: no record lists it any more)."""

    @abc.abstractmethod
    def path(self, sha256: str) -> Path | None:
        """Where a complete object can be read on local disk (None: :meth:`read` it)."""

    @abc.abstractmethod
    def read(self, sha256: str) -> AsyncIterator[bytes]:
        """The bytes of a complete object, piece by piece."""


#: The disk threads: what blocks on the disk (fsync) runs here, never on the event loop.
_io: concurrent.futures.ThreadPoolExecutor | None = None


def _submit(fn: Callable[..., _T], *args: Any) -> concurrent.futures.Future[_T]:
    global _io
    if _io is None:
        _io = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="media-io")
    return _io.submit(fn, *args)


async def _done(job: concurrent.futures.Future[_T]) -> _T:
    """A disk job's result. Shielded: a cancelled request never drops a queued job, so an
    upload's file is always made durable (or removed) and closed."""
    return await asyncio.shield(asyncio.wrap_future(job))


def _writeback_starter() -> Callable[[int, int, int], Any] | None:
    """Linux's ``sync_file_range``: start writing a file range out without waiting for it, so a
    later fsync has little left to do. None where the C library lacks it (fsync alone then)."""
    try:
        function = ctypes.CDLL(None).sync_file_range
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return None
    function.argtypes = (ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong, ctypes.c_uint)
    return lambda fd, offset, length: function(fd, offset, length, 2)  # SYNC_FILE_RANGE_WRITE


_start_writeback = _writeback_starter()


class _Writer:
    """One upload's open, locked partial file: pieces are hashed and written as they arrive
    (:meth:`write`, on the event loop: writes to the page cache and a request to start writing
    them out, which wait on the disk only when the kernel's queue for it is full), and
    :meth:`finish` makes them durable (fsync) on a disk thread."""

    def __init__(self, partial: Path, sha256: str, f: BinaryIO, total: int, hashing: bool) -> None:
        self.partial = partial
        self.sha256 = sha256
        self.f = f
        self.total = total
        self.hasher = hashlib.sha256() if hashing else None
        #: File size so far, and where the bytes not yet handed to writeback begin.
        self._written = self._unstarted = f.tell()

    def write(self, block: bytes | memoryview) -> None:
        self.f.write(block)
        if self.hasher is not None:
            self.hasher.update(block)
        self._written += len(block)
        if _start_writeback is not None and self._written - self._unstarted >= _WRITEBACK_EVERY:
            self.f.flush()
            _start_writeback(self.f.fileno(), self._unstarted, self._written - self._unstarted)
            self._unstarted = self._written

    def finish(self, settle: bool) -> Appended:
        """Make a partial upload durable, or (``settle``) verify a whole one.
        Runs on a disk thread, still holding the lock."""
        partial = self.partial
        try:
            self.f.flush()
            size = self.f.tell()
            if size == 0:
                # Nothing arrived (or not a photo): leave no empty partial behind.
                partial.unlink(missing_ok=True)
                return Appended(stored=0)
            if size < self.total or not settle:
                # Bytes reported as stored must survive a crash: the client skips them.
                os.fsync(self.f.fileno())
                return Appended(stored=size)
            # From the open file, not its name: a second upload of the same user may have just
            # published (renamed) it after this one took the lock.
            digest = self.hasher.hexdigest() if self.hasher else _open_file_sha256(self.f)
            if digest != self.sha256:
                partial.unlink()
                return Appended(stored=0, mismatch=True)
            # Verified and durable; publish() renames it under the name's lock.
            os.fsync(self.f.fileno())
            return Appended(stored=size, complete=True)
        finally:
            self.f.close()  # also releases the lock


class LocalDiskStorage(MediaStorage):
    """Files under ``root``: ``partial/<sha>.<uploader>`` while uploading, ``ab/cd/<sha>`` when
    complete; ``locks/ab`` are the lock files (one per first byte of the name: a few hundred
    files however many photos, and a lock held only for a rename or a delete)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def partial(self, sha256: str, uploader: uuid.UUID) -> Path:
        return self.root / "partial" / f"{sha256}.{uploader.hex}"

    async def has_complete(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    async def stored(self, sha256: str, uploader: uuid.UUID) -> int:
        try:
            return self.partial(sha256, uploader).stat().st_size
        except FileNotFoundError:
            return 0

    @contextlib.asynccontextmanager
    async def locked(self, sha256: str) -> AsyncIterator[None]:
        path = self.root / "locks" / sha256[:2]
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            # Polled, not a blocking wait: a disk thread stuck waiting could be the one the
            # holder needs to finish (the lock is held only for a rename or a delete).
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    await asyncio.sleep(0.002)
            yield
        finally:
            os.close(fd)  # also releases the lock

    async def publish(self, sha256: str, uploader: uuid.UUID) -> None:
        await _done(_submit(self._publish, sha256, uploader))

    def _publish(self, sha256: str, uploader: uuid.UUID) -> None:
        partial, final = self.partial(sha256, uploader), self.path(sha256)
        if final.is_file():
            partial.unlink(missing_ok=True)  # the same bytes are there already
            return
        try:
            os.replace(partial, final)
        except FileNotFoundError:
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(partial, final)
        # The bytes were made durable before; this makes the new name so.
        _fsync_dir(final.parent)

    def _open_locked(self, sha256: str, uploader: uuid.UUID) -> tuple[Path, BinaryIO]:
        """The partial file, opened for appending and locked (UploadBusy when it is not free)."""
        path = self.partial(sha256, uploader)
        for _ in range(3):
            try:
                f = open(path, "a+b")  # noqa: SIM115 - closed by _Writer.finish
            except FileNotFoundError:
                path.parent.mkdir(parents=True, exist_ok=True)
                f = open(path, "a+b")  # noqa: SIM115
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                f.close()
                raise UploadBusy(sha256) from None
            # The holder before us may have removed the file (empty upload): lock the live one.
            try:
                if os.fstat(f.fileno()).st_ino == path.stat().st_ino:
                    return path, f
            except FileNotFoundError:
                pass
            f.close()
        raise UploadBusy(sha256)

    async def append(
        self,
        sha256: str,
        uploader: uuid.UUID,
        offset: int,
        chunks: AsyncIterator[bytes],
        total: int,
    ) -> Appended:
        path, f = self._open_locked(sha256, uploader)  # path: the partial file
        stored = f.seek(0, os.SEEK_END)
        if offset > stored:
            if stored == 0:
                path.unlink(missing_ok=True)  # still locked: leave no empty partial behind
            f.close()
            raise OffsetMismatch(stored)
        # Hash as we go when this request writes the whole object.
        writer = _Writer(path, sha256, f, total, hashing=stored == 0)
        position = offset  # where the next incoming byte belongs
        try:
            async for chunk in chunks:
                start, position = position, position + len(chunk)
                if position <= stored:
                    continue  # already stored: skipped, never stored twice
                if start >= stored and position <= total:
                    keep: bytes | memoryview = chunk  # the common case: no copy, no view
                else:
                    keep = memoryview(chunk)[max(0, stored - start) : max(0, total - start)]
                if not keep:
                    continue
                writer.write(keep)
                stored += len(keep)
        except BaseException:
            # What arrived stays stored; then the error goes on.
            await _done(_submit(writer.finish, False))
            raise
        return await _done(_submit(writer.finish, True))

    async def discard(self, sha256: str, uploader: uuid.UUID) -> bool:
        try:
            path, f = self._open_locked(sha256, uploader)
        except UploadBusy:
            return False
        try:
            path.unlink(missing_ok=True)  # still locked: no writer in between
        finally:
            f.close()
        return True

    async def delete(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)

    async def read(self, sha256: str) -> AsyncIterator[bytes]:
        # Rarely used (downloads send the file by its path): a plain read is enough.
        with self.path(sha256).open("rb") as f:
            while block := f.read(_READ_CHUNK):
                yield block


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _open_file_sha256(f: BinaryIO) -> str:
    hasher = hashlib.sha256()
    f.seek(0)
    while block := f.read(_READ_CHUNK):
        hasher.update(block)
    return hasher.hexdigest()
