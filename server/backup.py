"""Backups taken while the app runs: the database, the photos it lists, and the secret.

A backup is a folder ``zoufang-<UTC time>`` under the destination:

- ``zoufang.sqlite`` (SQLite's online backup API: one consistent snapshot, WAL and all) or
  ``zoufang.pgdump`` (``pg_dump --format=custom``, restored with ``pg_restore``);
- ``media/``: every photo the snapshot calls complete, laid out as in the data folder (fetched
  from the bucket when photos live in one). A photo never changes (its name is its SHA-256), so
  one already in the previous backup is hard-linked from there instead of copied: daily backups
  cost only the new photos;
- ``secret_key`` when the data folder holds the generated one: phone numbers are encrypted with
  a key derived from it, so a database without it cannot show them;
- ``manifest.json``: when, what, and how many.

With ``keep``, only that many whole backups stay once the new one is written: older folders go,
and so do folders a backup that died (killed, power cut) left without a manifest a day ago or
earlier. Photos hard-linked into a kept backup stay with it.

The database comes first: a photo's file is durable before its row says complete, so every
photo the snapshot lists is on disk when the copying starts.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from server import __version__
from server.db import utcnow
from server.media.configured import configured_storage
from server.media.storage import LocalDiskStorage, MediaStorage
from server.media.tables import Media
from server.settings import get_settings


class BackupError(Exception):
    """The backup could not be made (the message says why)."""


@dataclass
class Backup:
    path: Path
    database: Path
    created_at: dt.datetime
    photos: int = 0
    #: Photos hard-linked from the previous backup instead of copied.
    linked: int = 0
    bytes_copied: int = 0
    #: Photos the snapshot lists as complete whose file is not on disk (removed since).
    missing: list[str] = field(default_factory=list)
    secret_key: bool = False
    #: Older backup folders removed to keep only the newest ``keep``.
    removed: list[Path] = field(default_factory=list)
    #: Why removing older backups failed (this backup is whole all the same).
    prune_error: str = ""


#: A folder without a manifest this old is a backup that died, not one still being written.
_ABANDONED_AFTER = dt.timedelta(days=1)


async def backup(destination: Path, now: dt.datetime | None = None, keep: int = 0) -> Backup:
    """Write a new backup folder; a backup that fails leaves no folder behind. With ``keep``
    (> 0), then remove all but the newest ``keep`` whole backups, this one included."""
    if keep < 0:
        raise BackupError("keep must be 0 (keep every backup) or more")
    settings = get_settings()
    now = now or utcnow()
    target, previous = await asyncio.to_thread(_new_folder, destination, now)
    try:
        if settings.engine == "sqlite":
            database = target / "zoufang.sqlite"
            await asyncio.to_thread(_sqlite_snapshot, settings.sqlite_path, database)
            complete = await asyncio.to_thread(_complete_in_sqlite, database)
        else:
            database = target / "zoufang.pgdump"
            await asyncio.to_thread(_pg_dump, settings.database_url, database)
            # The dump is a snapshot from before this query: what it lists complete is here too.
            rows = await Media.select(Media.sha256).where(Media.complete.eq(True))
            complete = [r["sha256"] for r in rows]
        done = Backup(path=target, database=database, created_at=now)
        storage = configured_storage()
        if isinstance(storage, LocalDiskStorage):
            await asyncio.to_thread(_copy_photos, complete, previous, done)
        else:
            await _fetch_photos(storage, complete, previous, done)
        await asyncio.to_thread(_finish, done)
    except BaseException:
        await asyncio.to_thread(shutil.rmtree, target, True)
        raise
    if keep:
        try:
            done.removed = await asyncio.to_thread(_prune, destination, keep, now)
        except OSError as exc:
            done.prune_error = f"{exc.strerror or exc}: {exc.filename or destination}"
    return done


def _prune(destination: Path, keep: int, now: dt.datetime) -> list[Path]:
    """Remove whole backups older than the newest ``keep``, and abandoned partial ones."""
    folders = sorted(p for p in destination.glob("zoufang-*") if p.is_dir())
    whole = [p for p in folders if (p / "manifest.json").is_file()]
    old = set(whole[:-keep])
    cutoff = (now - _ABANDONED_AFTER).timestamp()
    for p in folders:
        if p not in whole and p.stat().st_mtime < cutoff:
            old.add(p)
    for p in sorted(old):
        shutil.rmtree(p)
    return sorted(old)


def _new_folder(destination: Path, now: dt.datetime) -> tuple[Path, Path | None]:
    """The new backup's folder, and the latest earlier complete one (to link photos from)."""
    try:
        destination.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(f"cannot write to {destination}: {exc.strerror}") from None
    earlier = sorted(p.parent for p in destination.glob("zoufang-*/manifest.json"))
    name = f"zoufang-{now:%Y%m%d-%H%M%S}"
    for n in range(100):  # two backups in one second get -1, -2, … (they sort after)
        target = destination / (f"{name}-{n}" if n else name)
        try:
            target.mkdir(mode=0o700)  # personal data: only the server's user reads it
        except FileExistsError:
            continue
        return target, earlier[-1] if earlier else None
    raise BackupError(f"too many backups named {name} in {destination}")


def _finish(done: Backup) -> None:
    """The secret and the manifest; then everything to the disk."""
    settings = get_settings()
    secret = settings.data_dir / "secret_key"
    if secret.is_file():
        shutil.copy2(secret, done.path / "secret_key")
        os.chmod(done.path / "secret_key", 0o600)
        done.secret_key = True
    manifest = {
        "created_at": done.created_at.isoformat(),
        "app_version": __version__,
        "engine": settings.engine,
        "database": done.database.name,
        "photos": done.photos,
        "photos_linked_from_previous": done.linked,
        "bytes_copied": done.bytes_copied,
        "missing_photos": done.missing,
        "secret_key": done.secret_key,
    }
    # Written last: a folder with a manifest is a whole backup.
    (done.path / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    os.sync()  # a backup is only one once it is on the disk


def _sqlite_snapshot(source: Path, target: Path) -> None:
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)  # every page in one step: one read transaction, one snapshot
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file (the app sets WAL)
    finally:
        dst.close()
        src.close()


def _complete_in_sqlite(database: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return [r[0] for r in conn.execute("SELECT sha256 FROM media WHERE complete")]
    finally:
        conn.close()


def _pg_dump(database_url: str, target: Path) -> None:
    if shutil.which("pg_dump") is None:
        raise BackupError("pg_dump not found: install PostgreSQL's client programs")
    result = subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", f"--file={target}", database_url],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {result.stderr.strip()}")


def _copy_photos(complete: list[str], previous: Path | None, done: Backup) -> None:
    media = LocalDiskStorage(get_settings().media_dir)
    into = LocalDiskStorage(done.path / "media")
    before = LocalDiskStorage(previous / "media") if previous else None
    for sha256 in complete:
        source, target = media.path(sha256), into.path(sha256)
        if not source.is_file():
            done.missing.append(sha256)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        old = before.path(sha256) if before else None
        if old is not None and old.is_file() and old.stat().st_size == source.stat().st_size:
            try:
                os.link(old, target)
                done.linked += 1
                done.photos += 1
                continue
            except OSError:  # another file system: copy instead
                pass
        shutil.copy2(source, target)
        done.bytes_copied += source.stat().st_size
        done.photos += 1


async def _fetch_photos(
    storage: MediaStorage, complete: list[str], previous: Path | None, done: Backup
) -> None:
    """As :func:`_copy_photos`, from a bucket: each photo not in the previous backup is fetched
    and checked against its name (a damaged object counts as missing)."""
    into = LocalDiskStorage(done.path / "media")
    before = LocalDiskStorage(previous / "media") if previous else None
    for sha256 in complete:
        if not await storage.has_complete(sha256):
            done.missing.append(sha256)
            continue
        target = into.path(sha256)
        old = before.path(sha256) if before else None
        if old is not None and await asyncio.to_thread(_link, old, target):
            done.linked += 1
            done.photos += 1
            continue
        data = b"".join([chunk async for chunk in storage.read(sha256)])
        if hashlib.sha256(data).hexdigest() != sha256:
            done.missing.append(sha256)
            continue
        await asyncio.to_thread(_write, target, data)
        done.bytes_copied += len(data)
        done.photos += 1


def _link(old: Path, target: Path) -> bool:
    """Hard-link a photo of the previous backup (False: not there, or another file system)."""
    if not old.is_file():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(old, target)
    except OSError:
        return False
    return True


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
