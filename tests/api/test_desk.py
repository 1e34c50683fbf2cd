"""The supervisor's desk (issue 12): the records table's filters and search on both engines,
subtree scope in every list, count, map and export, flags, history and batch review."""

from __future__ import annotations

import datetime as dt
import uuid

import httpx

from server.accounts import repository as accounts
from server.accounts.schemas import CurrentUser
from server.accounts.tables import User
from server.audit.tables import AuditLog
from server.db import json_load
from server.demo import DEMO_PASSWORD, demo_id
from server.inspections.tables import Inspection
from server.rosters.tables import ServiceCenter, Talent
from server.sync.write import server_write
from server.visits.entity import VISIT
from server.visits.tables import Visit
from tests.support.client import login
from tests.support.factories import make_inspection, make_visit

RECORDS = "/api/desk/records"


async def _visitor_edits_and_resends(visit_id: uuid.UUID) -> None:
    """The visitor's edit and resubmission, written as the sync engine writes one."""
    user = await User.select().where(User.username == "zhangsan").first()
    assert user is not None
    visitor = CurrentUser(
        id=user["id"],
        username="zhangsan",
        display_name=user["display_name"],
        role="field_staff",
        org_unit_id=user["org_unit"],
        org_unit_name="城关镇",
        org_unit_path="",
        token_id=uuid.uuid4(),
        device_id="phone",
    )
    async with server_write(visitor, f"{user['id']}:phone") as write:
        row = (await write.uow.load(VISIT, Visit.id == visit_id))[0]
        write.uow.begin(None)
        write.uow.set(row, "notes", "补充了照片")
        write.uow.set(row, "status", "submitted")
        write.uow.commit()


async def _ids(client: httpx.AsyncClient, headers: dict[str, str], **params: object) -> set[str]:
    response = await client.get(RECORDS, params=params, headers=headers)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(body["items"])
    return {item["id"] for item in body["items"]}


async def _township_supervisor(client: httpx.AsyncClient) -> dict[str, str]:
    await accounts.create_user("chenjun", DEMO_PASSWORD, "陈军", "supervisor", demo_id("城关镇"))
    return await login(client, "chenjun")


async def test_subtree_scope_in_list_count_map_and_export(client: httpx.AsyncClient) -> None:
    mine = await make_visit("zhangsan")  # 城关镇
    other = await make_visit("lisi")  # 东湖街道
    inspection = await make_inspection("wangwu", "南山镇/茶园村")
    for visit_id in (mine, other):
        await Visit.update({Visit.latitude: 28.2, Visit.longitude: 117.5}).where(
            Visit.id == visit_id
        )
    county = await login(client, "zhaoli")
    assert await _ids(client, county) == {str(mine), str(other), str(inspection)}
    township = await _township_supervisor(client)
    assert await _ids(client, township) == {str(mine)}
    # Asking for a unit outside the subtree is refused, not widened.
    outside = await client.get(
        RECORDS, params={"unit_id": str(demo_id("东湖街道"))}, headers=township
    )
    assert outside.status_code == 400 and outside.json()["code"] == "desk.unknown_unit"
    assert await _ids(client, county, unit_id=str(demo_id("东湖街道"))) == {str(other)}
    points = (await client.get("/api/desk/map", headers=township)).json()
    assert [p["id"] for p in points["points"]] == [str(mine)] and points["total"] == 1
    centre_units = {c["id"] for c in points["centres"]}
    assert str(demo_id("centre/南山镇/茶园村")) not in centre_units
    export = await client.get("/api/desk/records.xlsx", headers=township)
    assert export.status_code == 200 and export.content.startswith(b"PK")
    entry = await AuditLog.select().where(AuditLog.action == "desk.export").first()
    assert entry is not None and json_load(entry["details"])["rows"] == 1
    staff = await login(client, "zhangsan")
    assert (await client.get(RECORDS, headers=staff)).status_code == 403
    assert (await client.get("/api/desk/map", headers=staff)).status_code == 403


async def test_filters_combine(client: httpx.AsyncClient) -> None:
    today = dt.date.today()
    old = await make_visit("zhangsan", visited_on=today - dt.timedelta(days=20))
    new = await make_visit("zhangsan", photos=["a" * 64])
    draft = await make_visit("zhangsan", status="draft")
    inspection = await make_inspection("wangwu", "南山镇/茶园村")
    # Yesterday, whatever the calendar says: the oldest record stays the old visit.
    await Inspection.update({Inspection.inspected_on: today - dt.timedelta(days=1)}).where(
        Inspection.id == inspection
    )
    county = await login(client, "zhaoli")
    assert str(draft) not in await _ids(client, county)
    assert await _ids(client, county, status="draft") == {str(draft)}
    assert await _ids(client, county, kind="inspection") == {str(inspection)}
    assert await _ids(client, county, has_photos="true") == {str(new)}
    assert await _ids(client, county, kind="visit", has_photos="false") == {str(old)}
    since = (today - dt.timedelta(days=5)).isoformat()
    assert await _ids(client, county, kind="visit", date_from=since) == {str(new)}
    iso = (today - dt.timedelta(days=20)).isocalendar()
    week = f"{iso.year}-W{iso.week:02d}"
    assert str(old) in await _ids(client, county, week=week, kind="visit")
    person = str(demo_id("user/zhangsan"))
    assert await _ids(client, county, person_id=person, has_photos="true") == {str(new)}
    # The demand each visit raised is open; a campaign filter leaves inspections out.
    both = {str(old), str(new)}
    assert await _ids(client, county, demands="open") == both
    assert await _ids(client, county, campaign_id=str(demo_id("campaign/sssw"))) == both
    page = (await client.get(RECORDS, params={"sort": "day", "limit": 1}, headers=county)).json()
    assert page["total"] == 3 and page["items"][0]["id"] == str(old)


async def test_bad_input_is_a_clear_400(client: httpx.AsyncClient) -> None:
    county = await login(client, "zhaoli")
    for params in (
        {"status": "bogus"},
        {"flag": "bogus"},
        {"kind": "talent"},
        {"sort": "id; DROP TABLE visit"},
        {"limit": 100000},
        {"offset": -1},
        {"q": "a" * 10_000},
        {"week": "2026-W99"},
        {"date_from": "2026-11-30", "date_to": "2026-11-01"},
        {"unit_id": str(uuid.uuid4())},
    ):
        response = await client.get(RECORDS, params=params, headers=county)  # type: ignore[arg-type]
        assert response.status_code == 400, (params, response.text)
        assert response.json()["code"], params
    detail = await client.get(f"{RECORDS}/talent/{uuid.uuid4()}", headers=county)
    assert detail.status_code == 400


async def test_search_long_and_short_text(client: httpx.AsyncClient) -> None:
    a = await make_visit("zhangsan", talent=1)
    b = await make_visit("lisi", talent=2)
    await Visit.update({Visit.notes: "谈到企业用工紧张问题"}).where(Visit.id == a)
    inspection = await make_inspection("wangwu", "南山镇/茶园村")
    county = await login(client, "zhaoli")
    assert await _ids(client, county, q="用工紧张") == {str(a)}
    assert await _ids(client, county, q="用工") == {str(a)}  # two characters: no trigram
    talent = await Talent.select(Talent.name).where(Talent.id == demo_id("talent/2")).first()
    assert talent is not None
    assert str(b) in await _ids(client, county, q=talent["name"])
    assert await _ids(client, county, q="人才公寓") == {str(a), str(b)}  # the demand's text
    centre = (
        await ServiceCenter.select(ServiceCenter.name)
        .where(ServiceCenter.id == demo_id("centre/南山镇/茶园村"))
        .first()
    )
    assert centre is not None
    assert str(inspection) in await _ids(client, county, q=centre["name"])
    assert await _ids(client, county, q="100%_") == set()
    # The index follows edits.
    await Visit.update({Visit.notes: "已解决"}).where(Visit.id == a)
    assert await _ids(client, county, q="用工紧张") == set()


async def test_flags_filter_and_explain(client: httpx.AsyncClient) -> None:
    today = dt.date.today()
    visit_id = await make_visit("zhangsan", visited_on=today - dt.timedelta(days=12))
    await Visit.update(
        {
            Visit.accuracy: 350.0,
            Visit.latitude: 28.2,
            Visit.longitude: 117.5,
            Visit.submitted_at: dt.datetime.now(dt.UTC),
        }
    ).where(Visit.id == visit_id)
    inspection_id = await make_inspection("wangwu", "南山镇/茶园村")
    centre = demo_id("centre/南山镇/茶园村")
    spot = await ServiceCenter.select().where(ServiceCenter.id == centre).first()
    assert spot is not None
    await Inspection.update(
        {Inspection.latitude: spot["latitude"] + 0.01, Inspection.longitude: spot["longitude"]}
    ).where(Inspection.id == inspection_id)
    county = await login(client, "zhaoli")
    assert await _ids(client, county, flag="low_accuracy") == {str(visit_id)}
    assert await _ids(client, county, flag="late_submission") == {str(visit_id)}
    assert await _ids(client, county, flag="far_from_centre") == {str(inspection_id)}
    both = await _ids(client, county, flag=["low_accuracy", "far_from_centre"])
    assert both == set()
    detail = (await client.get(f"{RECORDS}/visit/{visit_id}", headers=county)).json()
    names = {f["name"]: f["explanation"] for f in detail["flags"]}
    assert set(names) == {"low_accuracy", "late_submission"} and "350" in names["low_accuracy"]
    far = (await client.get(f"{RECORDS}/inspection/{inspection_id}", headers=county)).json()
    assert 1000 < far["distance_to_centre_m"] < 1200
    assert [f["name"] for f in far["flags"]] == ["far_from_centre"]


async def test_history_reviews_and_edited_after_return(client: httpx.AsyncClient) -> None:
    visit_id = await make_visit("zhangsan")
    county = await login(client, "zhaoli")
    path = f"/api/visits/{visit_id}/review"
    body = {"decision": "return", "comment": "请补充照片", "version": 1}
    assert (await client.post(path, json=body, headers=county)).status_code == 200
    await _visitor_edits_and_resends(visit_id)
    assert await _ids(client, county, flag="edited_after_return") == {str(visit_id)}
    batch = {"decision": "approve", "items": [{"kind": "visit", "id": str(visit_id), "version": 3}]}
    answer = await client.post("/api/desk/reviews", json=batch, headers=county)
    assert answer.status_code == 200 and answer.json()["approved"] == 1
    detail = (await client.get(f"{RECORDS}/visit/{visit_id}", headers=county)).json()
    reviews = [(r["decision"], r["comment"], r["reviewed_version"]) for r in detail["reviews"]]
    assert reviews == [("return", "请补充照片", 1), ("approve", "", 3)]
    versions = [v["version"] for v in detail["history"]]
    assert versions == sorted(versions) and versions[-1] == 4
    assert versions == [1, 2, 3, 4]
    by_version = {v["version"]: v for v in detail["history"]}
    returned = {c["field"]: (c["before"], c["after"]) for c in by_version[2]["changes"]}
    assert returned["status"] == ("submitted", "returned")
    assert by_version[2]["actor_name"] == "赵丽"
    edited = {c["field"]: c["after"] for c in by_version[3]["changes"]}
    assert edited == {"notes": "补充了照片", "status": "submitted"}
    assert by_version[3]["actor_name"] == "张三"
    assert detail["record"]["demands"] and detail["row"]["status"] == "approved"


async def test_batch_review_each_named_version_and_audited(client: httpx.AsyncClient) -> None:
    a, b = await make_visit("zhangsan"), await make_visit("lisi")
    inspection = await make_inspection("wangwu", "南山镇/茶园村")
    county = await login(client, "zhaoli")
    items = [
        {"kind": "visit", "id": str(a), "version": 1},
        {"kind": "visit", "id": str(b), "version": 5},  # stale: refused, the rest go on
        {"kind": "inspection", "id": str(inspection), "version": 1},
    ]
    answer = await client.post(
        "/api/desk/reviews", json={"decision": "approve", "items": items}, headers=county
    )
    body = answer.json()
    assert answer.status_code == 200 and (body["approved"], body["failed"]) == (2, 1)
    assert body["results"][1]["code"] == "review.stale_version"
    audited = await AuditLog.count().where(AuditLog.action.like("%.review"))
    assert audited == 2
    returned = await client.post(
        "/api/desk/reviews", json={"decision": "return", "items": items}, headers=county
    )
    assert returned.status_code == 400 and returned.json()["code"] == "review.comment_required"
    township = await _township_supervisor(client)
    outside = await client.post(
        "/api/desk/reviews",
        json={"decision": "approve", "items": [items[1] | {"version": 1}]},
        headers=township,
    )
    assert outside.json()["results"][0]["code"] == "not_found"
    staff = await login(client, "zhangsan")
    forbidden = await client.post(
        "/api/desk/reviews", json={"decision": "approve", "items": items}, headers=staff
    )
    assert forbidden.status_code == 403
