"""Push: exactly-once application, sequence numbers, validation and permissions."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid
from typing import Any

import asyncpg
import httpx
import pytest

from server.campaigns.tables import Campaign
from server.db import is_postgres, json_load
from server.demands.tables import Demand, DemandEvent
from server.demo import demo_id
from server.sync import apply as sync_apply
from server.sync.tables import Revision, SyncMutation, SyncStream
from server.visits.tables import Visit
from tests.support.client import login
from tests.sync.helpers import (
    UNIT_CAMPAIGN,
    Device,
    demand,
    talent_of,
    visit,
)

Client = httpx.AsyncClient


async def device(client: Client, username: str, device_id: str = "phone-1") -> Device:
    return Device(client, await login(client, username, device_id), device_id)


def result(body: dict[str, Any], i: int = 0) -> dict[str, Any]:
    return body["results"][i]


async def test_create_then_replay_is_a_duplicate_with_the_same_result(client: Client) -> None:
    phone = await device(client, "zhangsan")
    put = phone.put(visit(talent_of("zhangsan"), demands=[demand()]))
    first = await phone.push(put)
    assert result(first)["status"] == "applied"
    assert result(first)["version"] == 1
    assert first["last_seq"] == 1
    # The response was lost; the device sends the same mutation again.
    again = await phone.push(put)
    assert result(again)["status"] == "duplicate"
    assert result(again)["original"] == result(first)
    assert again["last_seq"] == 1
    assert await Visit.count() == 1
    assert await Demand.count() == 1
    assert await SyncMutation.count() == 1
    # Written once: the row is the only copy, and it says who wrote it and how.
    assert await Revision.count() == 0
    written = await Visit.select(
        Visit.written_by, Visit.written_stream, Visit.written_mutation
    ).first()
    assert written == {
        "written_by": demo_id("user/zhangsan"),
        "written_stream": f"{demo_id('user/zhangsan')}:{phone.device_id}",
        "written_mutation": uuid.UUID(put["mutation_id"]),
    }
    assert await DemandEvent.count().where(DemandEvent.kind == "received") == 1


async def test_edit_bumps_version_and_keeps_every_revision(client: Client) -> None:
    phone = await device(client, "zhangsan")
    body = visit(talent_of("zhangsan"))
    body_notes_v1 = body["notes"]
    created = phone.put(body)
    first_mutation = uuid.UUID(created["mutation_id"])
    await phone.push(created)
    body["notes"] = "第二次修改"
    edited = await phone.push(phone.put(body, base_version=1))
    assert result(edited)["status"] == "applied"
    assert result(edited)["version"] == 2
    row = await Visit.select(Visit.notes, Visit.version).first()
    assert row == {"notes": "第二次修改", "version": 2}
    revisions = await Revision.select(
        Revision.version, Revision.data, Revision.stream, Revision.mutation_id
    ).where(Revision.entity_id == uuid.UUID(body["id"]))
    # The superseded version is kept with its data and its writer; the newest is the row.
    assert [r["version"] for r in revisions] == [1]
    assert json_load(revisions[0]["data"])["notes"] == body_notes_v1
    assert revisions[0]["stream"] == f"{demo_id('user/zhangsan')}:{phone.device_id}"
    assert revisions[0]["mutation_id"] == first_mutation
    # Nothing changed: applied, no new version.
    same = await phone.push(phone.put(body, base_version=2))
    assert result(same) | {"mutation_id": None, "seq": None} == result(edited) | {
        "mutation_id": None,
        "seq": None,
    }


async def test_queued_edits_build_on_each_other_without_conflict(client: Client) -> None:
    # Offline, the device saves a visit three times before it learns any server version.
    phone = await device(client, "zhangsan")
    body = visit(talent_of("zhangsan"))
    first = phone.put(dict(body))
    body["notes"] = "改一"
    second = phone.put(dict(body))
    body["place"] = "改二"
    third = phone.put(dict(body))
    response = await phone.push(first, second, third)
    assert [r["status"] for r in response["results"]] == ["applied"] * 3
    assert [r["version"] for r in response["results"]] == [1, 2, 3]
    row = await Visit.select(Visit.notes, Visit.place).first()
    assert row == {"notes": "改一", "place": "改二"}


async def test_gap_is_refused_and_nothing_after_it_applied(client: Client) -> None:
    phone = await device(client, "zhangsan")
    one, two, three = (phone.put(visit(talent_of("zhangsan", n))) for n in range(3))
    await phone.push(one)
    refused = await phone.push(three)
    assert refused["gap"] == {"expected_seq": 2, "received_seq": 3}
    assert refused["results"] == []
    assert refused["last_seq"] == 1
    assert await Visit.count() == 1
    # Sent in the wrong order within a batch: the server orders by seq.
    both = await phone.push(three, two)
    assert [r["seq"] for r in both["results"]] == [2, 3]
    assert both["gap"] is None
    assert await Visit.count() == 3


async def test_one_bad_mutation_does_not_block_the_rest(client: Client) -> None:
    phone = await device(client, "zhangsan")
    good = phone.put(visit(talent_of("zhangsan")))
    not_mine = phone.put(visit(talent_of("lisi")))  # a talent of another township
    malformed = phone.mutation("visit.put", visit={**visit(talent_of("zhangsan")), "colour": 1})
    unknown = phone.mutation("visit.frobnicate", id=str(uuid.uuid4()))
    bad_enum = phone.put(visit(talent_of("zhangsan"), mode="carrier pigeon"))
    last = phone.put(visit(talent_of("zhangsan", 1)))
    response = await phone.push(good, not_mine, malformed, unknown, bad_enum, last)
    statuses = [(r["status"], r.get("code")) for r in response["results"]]
    assert statuses == [
        ("applied", None),
        ("rejected", "sync.forbidden"),
        ("rejected", "sync.malformed"),
        ("rejected", "sync.unknown_op"),
        ("rejected", "sync.malformed"),
        ("applied", None),
    ]
    assert response["last_seq"] == 6
    assert await Visit.count() == 2
    # A rejection is final: its replay answers the same rejection.
    replay = await phone.push(not_mine)
    assert result(replay)["status"] == "duplicate"
    assert result(replay)["original"]["code"] == "sync.forbidden"
    stored = await SyncMutation.select(SyncMutation.payload).where(SyncMutation.seq == 2).first()
    assert stored is not None and stored["payload"]  # kept so nothing the user typed is lost


async def test_validation_codes(client: Client) -> None:
    phone = await device(client, "zhangsan")
    talent = talent_of("zhangsan")
    cases = {
        "sync.not_found": visit(talent, campaign_id=str(uuid.uuid4())),
        "sync.outside_campaign": visit(talent, visited_on="2025-06-01"),  # before the campaign
    }
    future = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    mutations = [phone.put(body) for body in cases.values()]
    mutations.append(phone.put(visit(talent, visited_on=future)))
    mutations.append(phone.put(visit(talent, sends=["gold"])))
    mutations.append(phone.put(visit(talent, asks={"weather": "晴"})))
    mutations.append(phone.put(visit(None)))  # a talent campaign needs a talent
    mutations.append(phone.put(visit(talent, latitude=28.2)))  # without longitude
    mutations.append(phone.put(visit(talent, demands=[demand(ask_key="weather")])))
    mutations.append(phone.put(visit(talent), base_version=3))  # edit of an unknown visit
    response = await phone.push(*mutations)
    codes = [r.get("code") for r in response["results"]]
    assert codes == [
        "sync.not_found",
        "sync.outside_campaign",
        "sync.validation",
        "sync.validation",
        "sync.validation",
        "sync.validation",
        "sync.validation",
        "sync.validation",
        "sync.not_found",
    ]
    campaign = await Campaign.select().where(Campaign.id == demo_id("campaign/sssw")).first()
    assert campaign is not None
    starts, ends = campaign["starts_on"].isoformat(), campaign["ends_on"].isoformat()
    # A stable code, and a message the phone shows as it is (Chinese, naming who can help).
    assert response["results"][1]["details"] == {
        "field": "visited_on",
        "campaign_name": campaign["name"],
        "starts_on": starts,
        "ends_on": ends,
    }
    assert response["results"][1]["message"] == (
        f"走访日期 2025-06-01 不在所选走访活动（{campaign['name']}，{starts} 至 {ends}）"
        "的起止日期内，服务器未接收。请改选走访当天进行中的走访活动；如没有，请联系管理员。"
    )
    assert await Visit.count() == 0


async def test_unit_campaign_needs_a_unit_name(client: Client) -> None:
    phone = await device(client, "zhangsan")
    no_name = visit(None, campaign_id=UNIT_CAMPAIGN, sends=[], asks={})
    named = visit(None, campaign_id=UNIT_CAMPAIGN, sends=[], asks={}, target_unit_name="湖滨电子")
    response = await phone.push(phone.put(no_name), phone.put(named))
    assert [r["status"] for r in response["results"]] == ["rejected", "applied"]


async def test_inactive_campaign_is_refused_for_new_visits(client: Client) -> None:
    await Campaign.update({Campaign.active: False}).where(Campaign.id == demo_id("campaign/sssw"))
    phone = await device(client, "zhangsan")
    response = await phone.push(phone.put(visit(talent_of("zhangsan"))))
    assert result(response)["code"] == "sync.validation"
    assert result(response)["details"] == {"field": "campaign_id"}


async def test_envelope_errors(client: Client) -> None:
    phone = await device(client, "zhangsan")
    response = await phone.push_raw([], protocol_version="2.0")
    assert response.status_code == 400
    assert response.json()["code"] == "sync.unsupported_version"
    response = await client.post(
        "/api/sync/push",
        json={"protocol_version": "1.0", "device_id": "someone-else", "mutations": []},
        headers=phone.headers,
    )
    assert response.status_code == 400
    assert response.json()["code"] == "sync.device_mismatch"
    response = await client.post(
        "/api/sync/push", content=b'{"protocol_version": "1.0", ', headers=phone.headers
    )
    assert response.status_code == 400
    assert response.json()["code"] == "request.invalid_json"
    response = await phone.push_raw([{"op": "visit.put"}])  # no mutation_id or seq at all
    assert response.status_code == 400
    assert response.json()["code"] == "request.validation"
    response = await client.post("/api/sync/push", json={"protocol_version": "1.0"})
    assert response.status_code == 401
    # A minor version this server does not know is still understood.
    response = await phone.push_raw([], protocol_version="1.7")
    assert response.status_code == 200
    assert response.json()["protocol_version"] == "1.0"


async def test_clock_skew_is_reported(client: Client) -> None:
    phone = await device(client, "zhangsan")
    ahead = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)).isoformat()
    body = (await phone.push_raw([], device_time=ahead)).json()
    assert 590 < body["clock_skew_seconds"] < 610
    assert body["clock_skew_warning"] is True
    close = dt.datetime.now(dt.UTC).isoformat()
    body = (await phone.push_raw([], device_time=close)).json()
    assert body["clock_skew_warning"] is False


async def test_sequence_reuse_and_mutation_id_reuse(client: Client) -> None:
    phone = await device(client, "zhangsan")
    first = phone.put(visit(talent_of("zhangsan")))
    await phone.push(first)
    # The device lost its outbox and numbers from 1 again: refused loudly, never dropped.
    reused = {**phone.put(visit(talent_of("zhangsan", 1))), "seq": 1}
    response = await phone.push(reused)
    assert result(response)["code"] == "sync.sequence_reused"
    assert result(response)["details"] == {"last_seq": 1}
    # Another device (or user) replaying this device's mutation id gets nothing applied.
    tablet = await device(client, "zhangsan", "tablet")
    stolen = {**first, "seq": 1}
    response = await tablet.push(stolen)
    assert result(response)["code"] == "sync.mutation_id_reused"
    assert await Visit.count() == 1


async def test_skip_uses_up_a_sequence_number(client: Client) -> None:
    phone = await device(client, "zhangsan")
    skip = phone.mutation("skip", reason="rejected as a whole request")
    after = phone.put(visit(talent_of("zhangsan")))
    response = await phone.push(skip, after)
    assert [(r["status"], r.get("code")) for r in response["results"]] == [
        ("rejected", "sync.skipped"),
        ("applied", None),
    ]


async def test_streams_are_per_user_and_device(client: Client) -> None:
    phone = await device(client, "zhangsan", "phone-1")
    tablet = await device(client, "zhangsan", "tablet-1")
    await phone.push(phone.put(visit(talent_of("zhangsan"))))
    await tablet.push(tablet.put(visit(talent_of("zhangsan", 1))))
    streams = await SyncStream.select(SyncStream.device_id, SyncStream.last_seq).order_by(
        SyncStream.device_id
    )
    assert streams == [
        {"device_id": "phone-1", "last_seq": 1},
        {"device_id": "tablet-1", "last_seq": 1},
    ]
    status = (await client.get("/api/sync/status", headers=phone.headers)).json()
    assert status["last_seq"] == 1
    assert status["device_id"] == "phone-1"


async def test_field_staff_write_only_their_own_records(client: Client) -> None:
    zhang = await device(client, "zhangsan")
    body = visit(talent_of("zhangsan"))
    await zhang.push(zhang.put(body))
    li = await device(client, "lisi")
    response = await li.push(
        li.put({**body, "notes": "不是我的"}, base_version=1),
        li.mutation("visit.submit", id=body["id"]),
        li.mutation("visit.delete", id=body["id"]),
    )
    assert [r["code"] for r in response["results"]] == ["sync.forbidden"] * 3
    handler = await device(client, "sunqiang")
    response = await handler.push(handler.put(visit(talent_of("zhangsan"))))
    assert result(response)["code"] == "sync.forbidden"


async def test_submitted_is_locked_until_returned(client: Client) -> None:
    phone = await device(client, "zhangsan")
    body = visit(talent_of("zhangsan"))
    response = await phone.push(phone.put(body), phone.mutation("visit.submit", id=body["id"]))
    assert response["results"][1]["status"] == "applied"
    row = await Visit.select(Visit.status, Visit.submitted_at, Visit.version).first()
    assert row is not None
    assert row["status"] == "submitted" and row["submitted_at"] is not None
    assert row["version"] == 2
    locked = await phone.push(phone.put({**body, "notes": "提交后修改"}, base_version=2))
    assert result(locked)["code"] == "sync.locked"
    # Submitting again is harmless.
    again = await phone.push(phone.mutation("visit.submit", id=body["id"]))
    assert result(again)["status"] == "applied" and result(again)["version"] == 2
    # Returned for changes: editable again, and resubmitted.
    await Visit.update({Visit.status: "returned"}).where(Visit.id == uuid.UUID(body["id"]))
    edited = await phone.push(
        phone.put({**body, "notes": "按意见修改"}, base_version=2),
        phone.mutation("visit.submit", id=body["id"]),
    )
    assert [r["status"] for r in edited["results"]] == ["applied", "applied"]
    assert await Visit.select(Visit.notes, Visit.status).first() == {
        "notes": "按意见修改",
        "status": "submitted",
    }
    # Approved is final, for supervisors too.
    await Visit.update({Visit.status: "approved"}).where(Visit.id == uuid.UUID(body["id"]))
    boss = await device(client, "zhaoli")
    response = await boss.push(boss.put({**body, "notes": "审核后修改"}, base_version=4))
    assert result(response)["code"] == "sync.locked"
    response = await phone.push(phone.mutation("visit.delete", id=body["id"]))
    assert result(response)["code"] == "sync.invalid_state"


async def test_campaign_can_require_photos_at_submit(client: Client) -> None:
    await Campaign.update({Campaign.photo_required: True}).where(
        Campaign.id == demo_id("campaign/sssw")
    )
    phone = await device(client, "zhangsan")
    body = visit(talent_of("zhangsan"))
    response = await phone.push(phone.put(body), phone.mutation("visit.submit", id=body["id"]))
    assert response["results"][1]["code"] == "sync.validation"
    assert response["results"][1]["details"] == {"field": "photos"}


async def test_supervisor_edits_in_subtree(client: Client) -> None:
    phone = await device(client, "zhangsan")
    body = visit(talent_of("zhangsan"))
    await phone.push(phone.put(body), phone.mutation("visit.submit", id=body["id"]))
    boss = await device(client, "zhaoli")
    response = await boss.push(boss.put({**body, "notes": "审核人补充"}, base_version=2))
    assert result(response)["status"] == "applied"
    assert await Visit.select(Visit.notes, Visit.visitor).first() == {
        "notes": "审核人补充",
        "visitor": demo_id("user/zhangsan"),
    }


async def test_demands_are_created_edited_and_withdrawn(client: Client) -> None:
    phone = await device(client, "zhangsan")
    keep, drop, on_site = demand(), demand(category="medical"), demand(resolved_on_site=True)
    body = visit(talent_of("zhangsan"), demands=[keep, drop, on_site])
    created = await phone.push(phone.put(body))
    assert set(result(created)["versions"]) == {keep["id"], drop["id"], on_site["id"]}
    statuses = {str(r["id"]): r["status"] for r in await Demand.select(Demand.id, Demand.status)}
    assert statuses[on_site["id"]] == "resolved_on_site"
    assert statuses[keep["id"]] == "received"
    # Edit one, withdraw one, leave one out (unchanged).
    body["demands"] = [
        {**keep, "description": "申请人才公寓两套", "base_version": 1},
        {**drop, "deleted": True, "base_version": 1},
    ]
    edited = await phone.push(phone.put(body, base_version=1))
    assert result(edited)["status"] == "applied"
    assert result(edited)["versions"] == {keep["id"]: 2, drop["id"]: 2}
    rows = {
        str(r["id"]): r
        for r in await Demand.select(Demand.id, Demand.description, Demand.deleted_at)
    }
    assert rows[keep["id"]]["description"] == "申请人才公寓两套"
    assert rows[drop["id"]]["deleted_at"] is not None
    assert rows[on_site["id"]]["deleted_at"] is None
    # A demand someone has acted on cannot be withdrawn silently: it becomes a conflict.
    await Demand.update({Demand.status: "assigned"}).where(Demand.id == uuid.UUID(keep["id"]))
    body["demands"] = [{**keep, "deleted": True, "base_version": 2}]
    response = await phone.push(phone.put(body, base_version=1))
    assert result(response)["status"] == "conflict"
    assert result(response)["conflicts"][0]["field"] == "_deleted"
    assert (
        await Demand.select(Demand.deleted_at).where(Demand.id == uuid.UUID(keep["id"])).first()
    ) == {"deleted_at": None}


async def test_delete_a_draft_and_its_demands(client: Client) -> None:
    phone = await device(client, "zhangsan")
    body = visit(talent_of("zhangsan"), demands=[demand()])
    response = await phone.push(
        phone.put(body),
        phone.mutation("visit.delete", id=body["id"], base_version=1),
        phone.mutation("visit.delete", id=body["id"], base_version=2),
    )
    assert [r["status"] for r in response["results"]] == ["applied", "applied", "applied"]
    assert response["results"][1]["version"] == 2
    assert response["results"][2]["version"] == 2  # deleting twice changes nothing
    assert await Visit.count().where(Visit.deleted_at.is_not_null()) == 1
    assert await Demand.count().where(Demand.deleted_at.is_not_null()) == 1
    response = await phone.push(phone.mutation("visit.delete", id=str(uuid.uuid4())))
    assert result(response)["code"] == "sync.not_found"


async def test_base_version_from_the_future_is_refused(client: Client) -> None:
    phone = await device(client, "zhangsan")
    body = visit(talent_of("zhangsan"))
    await phone.push(phone.put(body))
    tablet = await device(client, "zhangsan", "tablet")
    response = await tablet.push(tablet.put(body, base_version=9))
    assert result(response)["code"] == "sync.validation"
    assert result(response)["details"] == {"field": "base_version"}


async def test_a_mutation_the_database_refuses_is_rejected_alone(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_put = sync_apply.APPLY["put"]

    async def put(uow: Any, spec: Any, m: Any) -> Any:
        if m.visit.notes == "数据库拒绝":
            error = asyncpg.UniqueViolationError if is_postgres() else sqlite3.IntegrityError
            raise error("duplicate key value violates unique constraint")
        return await real_put(uow, spec, m)

    monkeypatch.setitem(sync_apply.APPLY, "put", put)
    phone = await device(client, "zhangsan")
    response = await phone.push(
        phone.put(visit(talent_of("zhangsan"))),
        phone.put(visit(talent_of("zhangsan", 1), notes="数据库拒绝")),
        phone.put(visit(talent_of("zhangsan", 2))),
    )
    assert [(r["status"], r.get("code")) for r in response["results"]] == [
        ("applied", None),
        ("rejected", "sync.refused"),
        ("applied", None),
    ]
    assert response["last_seq"] == 3
    assert await Visit.count() == 2


async def test_a_mutation_that_fails_unexpectedly_is_rejected_alone(client: Client) -> None:
    phone = await device(client, "zhangsan")
    # Valid on the wire, but past year 9999 once in UTC: no check foresaw it.
    far = visit(
        talent_of("zhangsan", 1),
        latitude=30.0,
        longitude=120.0,
        located_at="9999-12-31T23:00:00-05:00",
    )
    response = await phone.push(
        phone.put(visit(talent_of("zhangsan"))),
        phone.put(far),
        phone.put(visit(talent_of("zhangsan", 2))),
    )
    assert [(r["status"], r.get("code")) for r in response["results"]] == [
        ("applied", None),
        ("rejected", "sync.unprocessable"),
        ("applied", None),
    ]
    assert response["last_seq"] == 3
    assert await Visit.count() == 2
    assert not await Visit.exists().where(Visit.id == far["id"])


async def test_a_push_nested_too_deeply_is_refused_with_a_code(client: Client) -> None:
    phone = await device(client, "zhangsan")
    mutation = json.dumps(phone.put(visit(talent_of("zhangsan"))))
    deep = mutation[:-1] + ', "extra": ' + "[" * 100_000 + "]" * 100_000 + "}"
    body = f'{{"protocol_version": "1.0", "device_id": "phone-1", "mutations": [{deep}]}}'
    response = await client.post(
        "/api/sync/push",
        content=body,
        headers=phone.headers | {"Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "request.validation"
    assert await Visit.count() == 0
