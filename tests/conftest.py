"""Test set-up shared by every layer.

Settings are read once, so the environment is set here, before anything imports the app:
a throwaway data directory, and a database chosen by ``ZOUFANG_TEST_DB``: ``sqlite`` (default)
or ``postgresql`` (a fresh database on ``ZOUFANG_TEST_PG``, created now and dropped at the end,
so nothing an earlier run left in the server matters).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

_DATA_DIR = Path(tempfile.mkdtemp(prefix="zoufang-test-"))
_ENGINE = os.environ.get("ZOUFANG_TEST_DB", "sqlite")
_PG_ADMIN = os.environ.get("ZOUFANG_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
_PG_NAME = f"zoufang_test_{uuid.uuid4().hex[:12]}"
_MEDIA = os.environ.get("ZOUFANG_TEST_MEDIA", "disk")


async def _pg_admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(_PG_ADMIN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


os.environ["ZOUFANG_DATA_DIR"] = str(_DATA_DIR)
os.environ["SECRET_KEY"] = "test-secret-key-that-is-long-enough-1234567890"
os.environ["LOGIN_LOCK_SECONDS"] = "300"
# Tests run the retention purge themselves (tests/sync/test_retention.py), never behind a test.
os.environ["PURGE_EVERY_HOURS"] = "0"
# Likewise the weekly summaries (tests/api/test_report_history.py runs the job itself).
os.environ["WEEKLY_REPORT_AT"] = "off"
os.environ["PICCOLO_CONF"] = "server.piccolo_conf"
if _ENGINE == "postgresql":
    asyncio.run(_pg_admin(f'CREATE DATABASE "{_PG_NAME}"'))
    base = _PG_ADMIN.rsplit("/", 1)[0]
    os.environ["DATABASE_URL"] = f"{base}/{_PG_NAME}"
else:
    os.environ["DATABASE_URL"] = f"sqlite:///{_DATA_DIR / 'test.sqlite'}"
if _MEDIA == "s3":
    from tests.support import seaweed

    _SEAWEED: seaweed.Seaweed | None = seaweed.start(_DATA_DIR / "seaweed", "zoufang")
    os.environ.update(seaweed.environment(_SEAWEED, "zoufang"))
else:
    _SEAWEED = None

from tests.support import db as support_db  # noqa: E402  (after the environment is set)


def pytest_report_header() -> str:
    media = os.environ.get("ZOUFANG_MEDIA_URL", "the data folder")
    return f"zoufang database: {_ENGINE} ({os.environ['DATABASE_URL']}); photos: {media}"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _SEAWEED is not None:
        _SEAWEED.stop()
    shutil.rmtree(_DATA_DIR, ignore_errors=True)
    if _ENGINE == "postgresql":
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{_PG_NAME}" WITH (FORCE)'))


@pytest.fixture(scope="session")
async def database() -> AsyncIterator[support_db.Snapshot]:
    """Migrated schema with the demo county, seeded once; returns the snapshot to reset to."""
    snapshot = await support_db.prepare()
    yield snapshot
    await support_db.close()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "commits: the test needs real commits (other connections or processes, concurrent "
        "requests), so it runs outside the rolled-back transaction and the demo county is "
        "restored after it",
    )


@pytest.fixture
async def db(
    request: pytest.FixtureRequest, database: support_db.Snapshot
) -> AsyncIterator[support_db.Snapshot]:
    """Each test starts from the demo county and nothing else: it runs inside one transaction
    that is rolled back, unless marked ``commits``."""
    if request.node.get_closest_marker("commits") is not None:
        yield database
        await support_db.restore(database)
        return
    async with support_db.rolled_back():
        yield database


@pytest.fixture(scope="session")
def data_dir() -> Iterator[Path]:
    yield _DATA_DIR
