"""The per-test transaction (tests.support.db.rolled_back): what a test writes is gone for the
next one, and the app's own transactions keep their meaning inside it (a failed one undoes its
writes, a successful one keeps them), on both engines."""

from __future__ import annotations

import pytest

from server.accounts import repository as accounts
from server.accounts.tables import DeviceToken
from server.db import transaction
from server.demo import demo_id
from server.security import new_token
from tests.support.db import Snapshot

DEVICE = "rolled-back-test"


async def _tokens() -> int:
    return await DeviceToken.count().where(DeviceToken.device_id == DEVICE)


async def _issue() -> None:
    await accounts.issue_token(demo_id("user/zhangsan"), new_token(), DEVICE, "test", 1)


async def test_a_write_is_seen_within_the_test(db: Snapshot) -> None:
    await _issue()
    assert await _tokens() == 1


async def test_and_gone_in_the_next(db: Snapshot) -> None:
    assert await _tokens() == 0


async def test_a_failed_app_transaction_undoes_only_its_own_writes(db: Snapshot) -> None:
    await _issue()
    with pytest.raises(RuntimeError):
        async with transaction():
            await _issue()
            assert await _tokens() == 2
            raise RuntimeError("the app gives up")
    assert await _tokens() == 1
    async with transaction():
        await _issue()
    assert await _tokens() == 2
