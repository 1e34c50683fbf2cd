"""Least privilege: who may read which records and rosters."""

from __future__ import annotations

import datetime as dt

import httpx

from server.accounts import repository as accounts
from server.db import county_today
from server.demands.tables import Demand
from server.demo import DEMO_PASSWORD, demo_id
from tests.support.client import login
from tests.support.factories import make_inspection, make_visit
from tests.sync.helpers import Device

Client = httpx.AsyncClient


async def test_field_staff_reads_own_visit_with_demands(client: Client) -> None:
    visit_id = await make_visit("zhangsan", talent=0, photos=["a" * 64])
    headers = await login(client, "zhangsan")
    response = await client.get(f"/api/visits/{visit_id}", headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body["visitor_name"] == "张三"
    assert [d["category"] for d in body["demands"]] == ["housing"]
    assert body["missing_photos"] == ["a" * 64]


async def test_field_staff_cannot_read_another_persons_visit(client: Client) -> None:
    # lisi is in another township; wangwu another one again.
    other = await make_visit("lisi", talent=1)
    headers = await login(client, "zhangsan")
    response = await client.get(f"/api/visits/{other}", headers=headers)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    listing = (await client.get("/api/visits", headers=headers)).json()
    assert str(other) not in {v["id"] for v in listing["items"]}


async def test_field_staff_list_has_only_own_records(client: Client) -> None:
    mine = {str(await make_visit("zhangsan", talent=i)) for i in (0, 4)}
    await make_visit("lisi", talent=1)
    await make_visit("wangwu", talent=2)
    headers = await login(client, "zhangsan")
    listing = (await client.get("/api/visits", headers=headers)).json()
    assert listing["total"] == 2
    assert {v["id"] for v in listing["items"]} == mine


async def test_supervisor_sees_subtree(client: Client) -> None:
    ids = {str(await make_visit(u, talent=i)) for i, u in enumerate(["zhangsan", "lisi", "wangwu"])}
    headers = await login(client, "zhaoli")
    listing = (await client.get("/api/visits?limit=10", headers=headers)).json()
    assert {v["id"] for v in listing["items"]} == ids


async def test_handler_sees_no_visits(client: Client) -> None:
    visit_id = await make_visit("zhangsan")
    headers = await login(client, "sunqiang")
    assert (await client.get(f"/api/visits/{visit_id}", headers=headers)).status_code == 404
    assert (await client.get("/api/visits", headers=headers)).json()["total"] == 0
    # Holding no demand, a handler is shown no talent (see the test below).
    response = await client.get("/api/talents", headers=headers)
    assert response.json() == {"total": 0, "items": []}


async def test_a_handler_reads_the_talents_of_the_demands_they_hold(client: Client) -> None:
    """One rule for the roster list and for pull: only the talents the held demands are about,
    and no service centre."""
    held = await make_visit("zhangsan", talent=0)
    await make_visit("zhangsan", talent=4)  # a demand nobody assigned to the handler
    await Demand.update({Demand.handler_unit: demo_id("县人力资源和社会保障局")}).where(
        Demand.visit == held
    )
    headers = await login(client, "sunqiang")
    listing = (await client.get("/api/talents?limit=200", headers=headers)).json()
    assert [t["id"] for t in listing["items"]] == [str(demo_id("talent/0"))]
    assert (await client.get("/api/service-centers", headers=headers)).status_code == 403
    phone = Device(client, headers, "handler-phone")
    changes, _ = await phone.pull_all()
    pulled = {c["record"]["entity"] for c in changes if "record" in c}
    talents = [c["record"]["id"] for c in changes if c.get("record", {}).get("entity") == "talent"]
    assert talents == [str(demo_id("talent/0"))]
    assert "service_center" not in pulled


async def test_field_staff_roster_is_their_township_only(client: Client) -> None:
    headers = await login(client, "zhangsan")
    body = (await client.get("/api/talents?limit=200", headers=headers)).json()
    assert body["total"] == 50
    assert {t["org_unit_name"] for t in body["items"]} == {"城关镇"}
    # Phones are masked in lists.
    assert all("****" in t["phone_masked"] for t in body["items"])
    supervisor = await login(client, "zhaoli")
    assert (await client.get("/api/talents", headers=supervisor)).json()["total"] == 200


async def test_roster_search_by_pinyin_initials(client: Client) -> None:
    headers = await login(client, "zhaoli")
    first = (await client.get("/api/talents?limit=1", headers=headers)).json()["items"][0]
    initials = first["name_initials"]
    found = (await client.get(f"/api/talents?q={initials}&limit=200", headers=headers)).json()
    assert first["id"] in {t["id"] for t in found["items"]}
    assert all(
        t["name_initials"].startswith(initials) or initials in t["name"] for t in found["items"]
    )
    by_name = (await client.get(f"/api/talents?q={first['name']}", headers=headers)).json()
    assert first["id"] in {t["id"] for t in by_name["items"]}


async def test_roster_shows_last_visit(client: Client) -> None:
    day = county_today() - dt.timedelta(days=3)
    await make_visit("zhangsan", talent=0, visited_on=day)
    headers = await login(client, "zhangsan")
    items = (await client.get("/api/talents?limit=200", headers=headers)).json()["items"]
    visited = {t["id"]: t["last_visited_on"] for t in items}
    assert visited[str(demo_id("talent/0"))] == day.isoformat()
    assert visited[str(demo_id("talent/4"))] is None


async def test_the_roster_shows_only_the_last_visits_the_caller_may_read(client: Client) -> None:
    """Issue 19, finding 12: a field worker sees the date of their own last visit or inspection,
    never a colleague's; a reviewer sees the last one in their subtree (as their phone does)."""
    await accounts.create_user("chenming", DEMO_PASSWORD, "陈明", "field_staff", demo_id("城关镇"))
    await make_visit("zhangsan", talent=0, visited_on=county_today() - dt.timedelta(days=6))
    await make_visit("chenming", talent=0, visited_on=county_today() - dt.timedelta(days=1))
    await make_visit("chenming", talent=4, visited_on=county_today())
    await make_inspection("chenming")
    centre = str(demo_id("centre/城关镇/东门社区"))

    async def last(username: str) -> tuple[dict[str, str | None], str | None]:
        headers = await login(client, username)
        talents = (await client.get("/api/talents?limit=200", headers=headers)).json()["items"]
        centres = (await client.get("/api/service-centers?limit=200", headers=headers)).json()
        inspected = {c["id"]: c["last_inspected_on"] for c in centres["items"]}
        return {t["id"]: t["last_visited_on"] for t in talents}, inspected[centre]

    visited, inspected = await last("zhangsan")
    assert visited[str(demo_id("talent/0"))] == (county_today() - dt.timedelta(days=6)).isoformat()
    assert visited[str(demo_id("talent/4"))] is None
    assert inspected is None
    visited, inspected = await last("zhaoli")
    assert visited[str(demo_id("talent/0"))] == (county_today() - dt.timedelta(days=1)).isoformat()
    assert visited[str(demo_id("talent/4"))] == county_today().isoformat()
    assert inspected == "2026-11-21"


async def test_service_centers_in_scope(client: Client) -> None:
    headers = await login(client, "wangwu")
    body = (await client.get("/api/service-centers?limit=200", headers=headers)).json()
    assert body["total"] == 8  # 7 villages and communities of 南山镇 + the township centre
    assert all(c["latitude"] is not None for c in body["items"])


async def test_bad_query_values_are_validation_errors(client: Client) -> None:
    headers = await login(client, "zhaoli")
    response = await client.get("/api/visits?limit=100000", headers=headers)
    assert response.status_code == 400
    assert response.json()["code"] == "request.validation"
    response = await client.get("/api/visits/not-a-uuid", headers=headers)
    assert response.status_code in (400, 404)
    assert response.headers["content-type"].startswith("application/json")
