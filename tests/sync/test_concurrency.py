"""Concurrent writers never make a puller skip a change."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from server.db import is_postgres, transaction
from server.rosters.tables import Talent
from server.sync.changes import next_change_seq
from tests.support.client import login
from tests.sync.helpers import Device, talent_of, visit

Client = httpx.AsyncClient


async def device(client: Client, username: str, device_id: str = "phone-1") -> Device:
    return Device(client, await login(client, username, device_id), device_id)


def seen(changes: list[dict]) -> set[str]:
    return {c["record"]["id"] for c in changes if c["op"] == "upsert"}


async def test_a_slow_writer_holds_back_later_writers_and_pullers(client: Client) -> None:
    """A writer that has taken a change number but not committed: a later writer waits for it,
    and a pull meanwhile stops below it, so the puller sees both changes afterwards."""
    puller = await device(client, "zhangsan", "puller")
    writer = await device(client, "zhangsan", "writer")
    _, cursor = await puller.pull_all()
    talent = uuid.UUID(talent_of("zhangsan", 3))
    holding, release = asyncio.Event(), asyncio.Event()

    async def slow_writer() -> int:
        async with transaction():
            seq = await next_change_seq(None, "server:test")
            await Talent.update({Talent.title: "研究员", Talent.change_seq: seq}).where(
                Talent.id == talent
            )
            holding.set()
            await release.wait()
        return seq

    slow = asyncio.create_task(slow_writer())
    await holding.wait()
    body = visit(talent_of("zhangsan"))
    pushing = asyncio.create_task(writer.push(writer.put(body)))
    await asyncio.sleep(0.3)
    assert not pushing.done()  # waits for the slow writer's change number to commit
    page = await puller.pull(cursor)
    release.set()
    slow_seq = await asyncio.wait_for(slow, 10)
    assert page["changes"] == []
    assert int(page["cursor"]) < slow_seq
    await asyncio.wait_for(pushing, 10)
    changes, _ = await puller.pull_all(page["cursor"])
    assert {str(talent), body["id"]} <= seen(changes)


async def test_concurrent_pushes_and_pulls_lose_nothing(client: Client) -> None:
    devices = [
        await device(client, "zhangsan", "a"),
        await device(client, "zhangsan", "b"),
        await device(client, "lisi", "c"),
        await device(client, "wangwu", "d"),
    ]
    boss = await device(client, "zhaoli", "boss")
    _, cursor = await boss.pull_all()
    rounds = 12 if is_postgres() else 6
    created: set[str] = set()
    collected: set[str] = set()
    done = asyncio.Event()

    async def writer(d: Device, n: int) -> None:
        username = {"a": "zhangsan", "b": "zhangsan", "c": "lisi", "d": "wangwu"}[d.device_id]
        for i in range(rounds):
            bodies = [visit(talent_of(username, (n * rounds + i) % 40)) for _ in range(2)]
            created.update(b["id"] for b in bodies)
            response = await d.push(*(d.put(b) for b in bodies))
            assert [r["status"] for r in response["results"]] == ["applied", "applied"]

    async def puller() -> None:
        nonlocal cursor
        while True:
            finished = done.is_set()
            changes, cursor = await boss.pull_all(cursor, limit=5)
            collected.update(c["record"]["id"] for c in changes if c["op"] == "upsert")
            if finished:
                return
            await asyncio.sleep(0)

    pulling = asyncio.create_task(puller())
    await asyncio.gather(*(writer(d, n) for n, d in enumerate(devices)))
    done.set()
    await asyncio.wait_for(pulling, 60)
    assert len(created) == 4 * rounds * 2
    assert created <= collected
