"""Stale edits: applied field by field, conflicting fields kept for a person to resolve."""

from __future__ import annotations

import uuid

import httpx

from server.accounts.tables import User
from server.audit.tables import AuditLog
from server.db import json_load
from server.demands.tables import Demand
from server.rosters.tables import Talent
from server.sync.tables import Revision, SyncConflict
from server.visits.tables import Visit
from tests.support.client import login
from tests.sync.helpers import Device, demand, talent_of, visit

Client = httpx.AsyncClient


async def device(client: Client, username: str, device_id: str = "phone-1") -> Device:
    return Device(client, await login(client, username, device_id), device_id)


async def _visit_edited_by_supervisor(client: Client) -> tuple[Device, Device, dict]:
    """zhangsan's draft (v1), then the supervisor changes its notes (v2)."""
    phone = await device(client, "zhangsan")
    body = visit(talent_of("zhangsan"), notes="原始记录", place="城关镇")
    await phone.push(phone.put(body))
    boss = await device(client, "zhaoli")
    edited = await boss.push(boss.put({**body, "notes": "审核人改的"}, base_version=1))
    assert edited["results"][0]["version"] == 2
    return phone, boss, body


async def test_stale_edit_applies_other_fields_and_keeps_the_conflict(client: Client) -> None:
    phone, _, body = await _visit_edited_by_supervisor(client)
    # Offline since v1, the visitor changes the notes (conflict) and the place (no conflict).
    response = await phone.push(
        phone.put({**body, "notes": "走访人改的", "place": "人才公寓"}, base_version=1)
    )
    result = response["results"][0]
    assert result["status"] == "conflict"
    assert result["version"] == 3
    [conflict] = result["conflicts"]
    assert conflict["field"] == "notes"
    assert conflict["base_value"] == "原始记录"
    assert conflict["server_value"] == "审核人改的"
    assert conflict["client_value"] == "走访人改的"
    row = await Visit.select(Visit.notes, Visit.place).first()
    assert row == {"notes": "审核人改的", "place": "人才公寓"}
    stored = await SyncConflict.select().first()
    assert stored is not None
    assert json_load(stored["client_value"]) == "走访人改的"
    assert stored["resolved_at"] is None
    # The replay of that push answers the same conflict and stores nothing more.
    again = await phone.push(
        phone.put({**body, "notes": "走访人改的"}, base_version=1)
        | {"mutation_id": response["results"][0]["mutation_id"], "seq": 2}
    )
    assert again["results"][0]["status"] == "duplicate"
    assert again["results"][0]["original"] == result
    assert await SyncConflict.count() == 1


async def test_conflicts_are_listed_to_who_may_see_them_and_resolved(client: Client) -> None:
    phone, boss, body = await _visit_edited_by_supervisor(client)
    response = await phone.push(phone.put({**body, "notes": "走访人改的"}, base_version=1))
    conflict_id = response["results"][0]["conflicts"][0]["conflict_id"]
    for who in (phone, boss):
        listed = (await client.get("/api/sync/conflicts", headers=who.headers)).json()
        assert [c["id"] for c in listed] == [conflict_id]
        assert listed[0]["current_value"] == "审核人改的"
        assert listed[0]["author_name"] == "张三"
        assert listed[0]["device_id"] == "phone-1"
        # Named as a person would (the talent visited and the day); a draft: both may write.
        talent = await Talent.select(Talent.name).where(Talent.id == body["talent_id"]).first()
        assert listed[0]["record_label"] == f"{talent['name']} · {body['visited_on']}"
        assert listed[0]["writable"] is True
    other = await device(client, "lisi")
    assert (await client.get("/api/sync/conflicts", headers=other.headers)).json() == []
    response = await client.post(
        f"/api/sync/conflicts/{conflict_id}/resolve",
        json={"resolution": "client"},
        headers=other.headers,
    )
    assert response.status_code == 404
    # The visitor takes their own value: a new version, a revision, a change for pull.
    _, cursor = await phone.pull_all()
    response = await client.post(
        f"/api/sync/conflicts/{conflict_id}/resolve",
        json={"resolution": "client"},
        headers=phone.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json()["resolved"] is True
    assert response.json()["current_value"] == "走访人改的"
    # Audited like a review: who settled which field of which record, and how.
    [entry] = await AuditLog.select().where(AuditLog.action == "sync.conflict_resolve")
    assert (
        entry["actor"]
        == (await User.select(User.id).where(User.username == "zhangsan").first())["id"]
    )
    assert (entry["entity"], entry["entity_id"]) == ("visit", body["id"])
    assert json_load(entry["details"]) == {
        "conflict_id": conflict_id,
        "entity": "visit",
        "field": "notes",
        "resolution": "client",
    }
    assert await Visit.select(Visit.notes, Visit.version).first() == {
        "notes": "走访人改的",
        "version": 3,
    }
    # Versions 1 and 2 are kept as revisions; version 3 is the row.
    assert await Revision.count().where(Revision.entity_id == uuid.UUID(body["id"])) == 2
    changes, _ = await phone.pull_all(cursor)
    assert [c["record"]["notes"] for c in changes] == ["走访人改的"]
    response = await client.post(
        f"/api/sync/conflicts/{conflict_id}/resolve",
        json={"resolution": "server"},
        headers=boss.headers,
    )
    assert response.status_code == 409
    assert response.json()["code"] == "sync.already_resolved"
    assert (await client.get("/api/sync/conflicts", headers=phone.headers)).json() == []
    resolved = (
        await client.get("/api/sync/conflicts?status=resolved", headers=phone.headers)
    ).json()
    assert [c["resolution"] for c in resolved] == ["client"]


async def test_resolving_with_a_value_is_validated(client: Client) -> None:
    phone, boss, body = await _visit_edited_by_supervisor(client)
    response = await phone.push(
        phone.put({**body, "notes": "走访人改的", "mode": "phone"}, base_version=1)
    )
    [conflict] = response["results"][0]["conflicts"]
    url = f"/api/sync/conflicts/{conflict['conflict_id']}/resolve"
    response = await client.post(
        url, json={"resolution": "value", "value": "x" * 20000}, headers=boss.headers
    )
    assert response.status_code == 400
    assert response.json()["code"] == "sync.validation"
    response = await client.post(
        url, json={"resolution": "value", "value": "合并后的记录"}, headers=boss.headers
    )
    assert response.status_code == 200
    assert await Visit.select(Visit.notes, Visit.mode).first() == {
        "notes": "合并后的记录",
        "mode": "phone",
    }


async def test_demand_edits_conflict_field_by_field(client: Client) -> None:
    phone = await device(client, "zhangsan")
    d = demand()
    body = visit(talent_of("zhangsan"), demands=[d])
    await phone.push(phone.put(body))
    boss = await device(client, "zhaoli")
    await boss.push(
        boss.put(
            {**body, "demands": [{**d, "description": "审核人补充", "base_version": 1}]},
            base_version=1,
        )
    )
    response = await phone.push(
        phone.put(
            {
                **body,
                "demands": [
                    {**d, "description": "走访人补充", "category": "medical", "base_version": 1}
                ],
            },
            base_version=1,
        )
    )
    result = response["results"][0]
    assert result["status"] == "conflict"
    assert [(c["entity"], c["field"]) for c in result["conflicts"]] == [("demand", "description")]
    row = await Demand.select(Demand.description, Demand.category).first()
    assert row == {"description": "审核人补充", "category": "medical"}


async def test_stale_delete_is_a_conflict_not_a_silent_loss(client: Client) -> None:
    phone, _, body = await _visit_edited_by_supervisor(client)
    response = await phone.push(phone.mutation("visit.delete", id=body["id"], base_version=1))
    result = response["results"][0]
    assert result["status"] == "conflict"
    assert result["conflicts"][0]["field"] == "_deleted"
    assert await Visit.count().where(Visit.deleted_at.is_null()) == 1
    conflict_id = result["conflicts"][0]["conflict_id"]
    response = await client.post(
        f"/api/sync/conflicts/{conflict_id}/resolve",
        json={"resolution": "client"},
        headers=phone.headers,
    )
    assert response.status_code == 200
    assert await Visit.count().where(Visit.deleted_at.is_null()) == 0


async def test_field_staff_cannot_resolve_into_a_submitted_record(client: Client) -> None:
    phone, _boss, body = await _visit_edited_by_supervisor(client)
    response = await phone.push(
        phone.put({**body, "notes": "走访人改的"}, base_version=1),
        phone.mutation("visit.submit", id=body["id"]),
    )
    conflict_id = response["results"][0]["conflicts"][0]["conflict_id"]
    # The list says so before anyone tries: the visitor may no longer write, the supervisor may.
    for who, writable in ((phone, False), (_boss, True)):
        listed = (await client.get("/api/sync/conflicts", headers=who.headers)).json()
        assert [(c["id"], c["writable"]) for c in listed] == [(conflict_id, writable)]
    url = f"/api/sync/conflicts/{conflict_id}/resolve"
    response = await client.post(url, json={"resolution": "client"}, headers=phone.headers)
    assert response.status_code == 409
    assert response.json()["code"] == "sync.locked"
    # Keeping the server's value writes nothing, so it is always allowed.
    response = await client.post(url, json={"resolution": "server"}, headers=phone.headers)
    assert response.status_code == 200


async def _resolve(client: Client, who: Device, conflict_id: str, **body: object) -> httpx.Response:
    return await client.post(
        f"/api/sync/conflicts/{conflict_id}/resolve", json=body, headers=who.headers
    )


async def test_resolving_cannot_withdraw_a_demand_someone_acted_on(client: Client) -> None:
    phone = await device(client, "zhangsan")
    d = demand()
    body = visit(talent_of("zhangsan"), demands=[d])
    await phone.push(phone.put(body))
    # A supervisor assigned it meanwhile (the 交办 step): its visitor may no longer withdraw it.
    await Demand.update({Demand.status: "assigned", Demand.version: 2}).where(Demand.id == d["id"])
    withdrawn = {**body, "demands": [{**d, "deleted": True, "base_version": 1}]}
    response = await phone.push(phone.put(withdrawn, base_version=1))
    [conflict] = response["results"][0]["conflicts"]
    assert (conflict["entity"], conflict["field"]) == ("demand", "_deleted")
    response = await _resolve(client, phone, conflict["conflict_id"], resolution="client")
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "sync.invalid_state"
    row = await Demand.select(Demand.status, Demand.deleted_at).where(Demand.id == d["id"]).first()
    assert row == {"status": "assigned", "deleted_at": None}
    listed = (await client.get("/api/sync/conflicts", headers=phone.headers)).json()
    assert [c["id"] for c in listed] == [conflict["conflict_id"]]


async def test_an_old_deletion_conflict_cannot_delete_a_submitted_record(client: Client) -> None:
    phone, boss, body = await _visit_edited_by_supervisor(client)
    response = await phone.push(phone.mutation("visit.delete", id=body["id"], base_version=1))
    conflict_id = response["results"][0]["conflicts"][0]["conflict_id"]
    submitted = await phone.push(phone.mutation("visit.submit", id=body["id"]))
    assert submitted["results"][0]["status"] == "applied"
    # Deleting is the owner's alone, and only of a draft: as a push of the same delete.
    response = await _resolve(client, boss, conflict_id, resolution="client")
    assert (response.status_code, response.json()["code"]) == (403, "sync.forbidden")
    response = await _resolve(client, phone, conflict_id, resolution="client")
    assert (response.status_code, response.json()["code"]) == (409, "sync.invalid_state")
    assert await Visit.count().where(Visit.deleted_at.is_null()) == 1


async def test_resolving_passes_the_checks_of_a_push(client: Client) -> None:
    phone = await device(client, "zhangsan")
    body = visit(talent_of("zhangsan"))
    await phone.push(phone.put(body))
    boss = await device(client, "zhaoli")
    await boss.push(boss.put({**body, "talent_id": talent_of("zhangsan", 1)}, base_version=1))
    response = await phone.push(
        phone.put({**body, "talent_id": talent_of("zhangsan", 2)}, base_version=1)
    )
    [conflict] = response["results"][0]["conflicts"]
    assert conflict["field"] == "talent_id"
    # A value of one's own is for a paragraph only, never an id (here another township's talent).
    response = await _resolve(
        client, boss, conflict["conflict_id"], resolution="value", value=talent_of("lisi")
    )
    assert (response.status_code, response.json()["code"]) == (400, "sync.validation")
    # The talent the phone sent has left the visitor's roster since: taking it is refused as a
    # push of it would be.
    elsewhere = await Talent.select(Talent.org_unit).where(Talent.id == talent_of("lisi")).first()
    assert elsewhere is not None
    await Talent.update({Talent.org_unit: elsewhere["org_unit"]}).where(
        Talent.id == talent_of("zhangsan", 2)
    )
    response = await _resolve(client, phone, conflict["conflict_id"], resolution="client")
    assert (response.status_code, response.json()["code"]) == (403, "sync.forbidden")
    row = await Visit.select(Visit.talent).first()
    assert row is not None and str(row["talent"]) == talent_of("zhangsan", 1)
