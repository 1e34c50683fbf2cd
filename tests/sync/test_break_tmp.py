import asyncio, contextvars
import server.sync.push as push_mod
import tests.sync.test_concurrency as tc
from server.sync import changes

real = changes.next_change_seq

async def _escaped(actor, stream, now=None):
    return await asyncio.create_task(real(actor, stream, now), context=contextvars.Context())

async def test_broken(client, monkeypatch):
    monkeypatch.setattr(push_mod, "next_change_seq", _escaped)
    monkeypatch.setattr(tc, "next_change_seq", _escaped)
    await tc.test_a_slow_writer_holds_back_later_writers_and_pullers(client)
