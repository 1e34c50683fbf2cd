"""`zoufang backup`: a consistent database snapshot, its photos and the secret, restorable."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import os
import sqlite3
import subprocess
import uuid
from pathlib import Path

import httpx
import pytest

from server.backup import BackupError, backup
from server.db import is_postgres, utcnow
from server.media.storage import LocalDiskStorage
from server.settings import get_settings
from server.visits.tables import Visit
from tests.support.client import login
from tests.sync.helpers import Device, demand, jpeg, media_storage, sha, talent_of, visit

#: A backup reads the database from other connections (sqlite3, pg_dump): they see commits only.
pytestmark = pytest.mark.commits


async def test_backup_holds_the_records_their_photos_and_restores(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    headers = await login(client, "zhangsan", "phone-1")
    phone = Device(client, headers, "phone-1")
    photos = [jpeg(os.urandom(20_000)) for _ in range(2)]
    for photo in photos:
        response = await client.put(
            f"/api/media/{sha(photo)}",
            content=photo,
            headers=headers | {"Content-Type": "image/jpeg"},
        )
        assert response.json()["complete"] is True
    body = visit(talent_of("zhangsan"), demands=[demand()], photos=[sha(p) for p in photos])
    await phone.push(phone.put(body))
    secret = get_settings().data_dir / "secret_key"
    secret.write_text("s" * 64)  # as `zoufang` generates it when SECRET_KEY is not set
    try:
        first = await backup(tmp_path / "backups")
    finally:
        secret.unlink()

    assert first.photos == 2 and first.linked == 0 and first.missing == []
    assert first.bytes_copied == sum(len(p) for p in photos)
    assert (first.path / "secret_key").read_text() == "s" * 64
    assert (first.path / "secret_key").stat().st_mode & 0o077 == 0
    assert first.path.stat().st_mode & 0o077 == 0  # the whole backup is the server user's alone
    into = LocalDiskStorage(first.path / "media")
    for photo in photos:
        assert hashlib.sha256(into.path(sha(photo)).read_bytes()).hexdigest() == sha(photo)
    manifest = json.loads((first.path / "manifest.json").read_text())
    assert manifest["photos"] == 2 and manifest["engine"] == get_settings().engine

    # The snapshot restores into a working database holding the same records.
    live = await Visit.count()
    assert live >= 1
    if is_postgres():
        restored = await _restore_postgres(first.database)
    else:
        restored = _sqlite_visit_ids(first.database)
    assert len(restored) == live and body["id"] in {str(r) for r in restored}

    # The next backup links the unchanged photos instead of copying them again; a photo whose
    # file went missing meanwhile is reported, not silently skipped.
    await media_storage().delete(sha(photos[1]))
    second = await backup(tmp_path / "backups")
    assert second.path != first.path
    assert (second.photos, second.linked, second.bytes_copied) == (1, 1, 0)
    assert second.missing == [sha(photos[1])]
    same = LocalDiskStorage(second.path / "media").path(sha(photos[0]))
    assert same.stat().st_ino == into.path(sha(photos[0])).stat().st_ino


def _sqlite_visit_ids(database: Path) -> list[str]:
    """The visit ids of a SQLite snapshot, after checking it is whole and self-contained."""
    assert not Path(f"{database}-wal").exists()
    conn = sqlite3.connect(database)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return [r[0] for r in conn.execute("SELECT id FROM visit")]
    finally:
        conn.close()


async def _restore_postgres(dump: Path) -> list[str]:
    """pg_restore into a new database; the visit ids it then holds."""
    import asyncpg

    url = get_settings().database_url
    name = f"zoufang_restore_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    target = f"{url.rsplit('/', 1)[0]}/{name}"
    try:
        await asyncio.to_thread(
            subprocess.run,
            ["pg_restore", "--no-owner", f"--dbname={target}", str(dump)],
            check=True,
            capture_output=True,
        )
        conn = await asyncpg.connect(target)
        rows = [str(r["id"]) for r in await conn.fetch("SELECT id FROM visit")]
        await conn.close()
        return rows
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_a_failed_backup_leaves_nothing_that_looks_like_one(
    client: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def disk_full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("server.backup._finish", disk_full)
    with pytest.raises(OSError, match="No space left"):
        await backup(tmp_path / "backups")
    assert list((tmp_path / "backups").iterdir()) == []
    monkeypatch.undo()
    done = await backup(tmp_path / "backups")
    assert [p.name for p in (tmp_path / "backups").iterdir()] == [done.path.name]
    assert (done.path / "manifest.json").is_file()
    # A destination that cannot be a folder gets a clear error, not a traceback.
    (tmp_path / "a-file").write_text("")
    with pytest.raises(BackupError, match="cannot write to"):
        await backup(tmp_path / "a-file" / "backups")


async def test_keep_removes_older_backups_and_abandoned_ones(
    client: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = await login(client, "zhangsan", "phone-1")
    photo = jpeg(os.urandom(20_000))
    response = await client.put(
        f"/api/media/{sha(photo)}", content=photo, headers=headers | {"Content-Type": "image/jpeg"}
    )
    assert response.json()["complete"] is True
    backups = tmp_path / "backups"
    made = [await backup(backups, now=utcnow() - dt.timedelta(days=3 - i)) for i in range(3)]
    assert [b.removed for b in made] == [[], [], []]  # keep=0: every backup stays
    # A backup that died two days ago left a folder without a manifest; one started a minute
    # ago may still be writing. Both times are set from the app's clock: under a faked clock
    # (faketime) a new folder's real modification time could look a year old.
    dead = backups / "zoufang-20000101-000000"
    dead.mkdir()
    two_days_ago = (utcnow() - dt.timedelta(days=2)).timestamp()
    os.utime(dead, (two_days_ago, two_days_ago))
    running = backups / "zoufang-20000101-000001"
    running.mkdir()
    a_minute_ago = (utcnow() - dt.timedelta(minutes=1)).timestamp()
    os.utime(running, (a_minute_ago, a_minute_ago))

    newest = await backup(backups, keep=2)
    assert newest.removed == sorted([dead, made[0].path, made[1].path])
    assert sorted(p.name for p in backups.iterdir()) == sorted(
        [running.name, made[2].path.name, newest.path.name]
    )
    # The photo was hard-linked through the removed backups: it is whole in the kept ones.
    for kept in (made[2], newest):
        stored = LocalDiskStorage(kept.path / "media").path(sha(photo)).read_bytes()
        assert stored == photo
    assert newest.linked == 1
    with pytest.raises(BackupError, match="keep must be"):
        await backup(backups, keep=-1)

    # Removing an old backup fails: the new one is whole all the same, and it says why.
    def refused(path: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("server.backup.shutil.rmtree", refused)
    last = await backup(backups, keep=1)
    assert (last.path / "manifest.json").is_file()
    assert last.removed == [] and "Permission denied" in last.prune_error
