"""Migration 0006 on data written before it: each row's current revision becomes the row's
own writer columns, and the revisions left are the superseded versions, with their data."""

from __future__ import annotations

import importlib
import uuid

import httpx

from server.db import engine, json_load
from server.demo import demo_id
from server.sync.tables import Revision
from server.visits.tables import Visit
from tests.api.conftest import client
from tests.support.client import login
from tests.sync.helpers import Device, talent_of, visit

__all__ = ["client"]

_0006 = importlib.import_module("server.piccolo_migrations.zoufang_0006_revisions_keep_superseded")


async def _run(statements: tuple[str, ...]) -> None:
    for sql in statements:
        await engine().run_ddl(sql)


async def test_current_revisions_become_the_rows_writer(client: httpx.AsyncClient) -> None:
    phone = Device(client, await login(client, "zhangsan", "phone-1"), "phone-1")
    body = visit(talent_of("zhangsan"))
    first_notes = body["notes"]
    await phone.push(phone.put(body))
    body["notes"] = "第二版"
    edit = phone.put(body, base_version=1)
    await phone.push(edit)
    visit_id = uuid.UUID(body["id"])
    stream = f"{demo_id('user/zhangsan')}:phone-1"
    writer = {
        "written_by": demo_id("user/zhangsan"),
        "written_stream": stream,
        "written_mutation": uuid.UUID(edit["mutation_id"]),
    }
    columns = (Visit.written_by, Visit.written_stream, Visit.written_mutation)
    assert await Visit.select(*columns).first() == writer

    # As the code before 0006 left it: the current version has a revision holding JSON null,
    # and the row does not say who wrote it.
    await _run(_0006._BACKWARDS)
    await Visit.update(
        {Visit.written_by: None, Visit.written_stream: "", Visit.written_mutation: None}
    ).where(Visit.id == visit_id)
    current = await Revision.select(Revision.data, Revision.stream, Revision.mutation_id).where(
        (Revision.entity_id == visit_id) & (Revision.version == 2)
    )
    assert [(json_load(r["data"]), r["stream"]) for r in current] == [(None, stream)]

    await _run(_0006._FORWARDS)
    assert await Visit.select(*columns).first() == writer
    kept = await Revision.select(Revision.version, Revision.data).where(
        Revision.entity_id == visit_id
    )
    assert [r["version"] for r in kept] == [1]
    assert json_load(kept[0]["data"])["notes"] == first_notes
