"""The audit log for admins: search by person, action, record and date; CSV export, itself
audited; a township admin sees only what people of their township did."""

from __future__ import annotations

import datetime as dt

import httpx

from server.audit.tables import AuditLog
from server.db import county_today
from tests.support.client import login

Client = httpx.AsyncClient
URL = "/api/admin/audit"


async def test_search_by_person_action_record_and_day(
    client: Client, county_admin: dict[str, str]
) -> None:
    await login(client, "zhangsan")
    await login(client, "lisi")
    by_person = (await client.get(URL, params={"actor": "张"}, headers=county_admin)).json()
    assert by_person["total"] >= 1
    assert {e["actor_username"] for e in by_person["items"]} == {"zhangsan"}
    logins = (await client.get(URL, params={"action": "auth."}, headers=county_admin)).json()
    assert {e["action"] for e in logins["items"]} == {"auth.login"}
    today = county_today().isoformat()
    todays = await client.get(URL, params={"since": today, "until": today}, headers=county_admin)
    assert todays.json()["total"] == logins["total"]
    tomorrow = (county_today() + dt.timedelta(days=1)).isoformat()
    assert (await client.get(URL, params={"since": tomorrow}, headers=county_admin)).json()[
        "total"
    ] == 0
    units = (await client.get("/api/admin/org-units", headers=county_admin)).json()
    unit = units[1]["id"]
    await client.patch(f"/api/admin/org-units/{unit}", headers=county_admin, json={"code": "1"})
    record = (await client.get(URL, params={"entity_id": unit}, headers=county_admin)).json()
    assert [e["action"] for e in record["items"]] == ["org_unit.update"]
    backwards = await client.get(
        URL, params={"since": tomorrow, "until": today}, headers=county_admin
    )
    assert backwards.status_code == 400 and backwards.json()["code"] == "audit.bad_range"
    bad_day = await client.get(URL, params={"since": "yesterday"}, headers=county_admin)
    assert bad_day.status_code == 400


async def test_export_is_csv_for_excel_and_is_itself_audited(
    client: Client, county_admin: dict[str, str]
) -> None:
    await login(client, "zhangsan")
    response = await client.get(f"{URL}/export", params={"actor": "zhangsan"}, headers=county_admin)
    assert response.status_code == 200
    assert response.content.startswith("\ufeff".encode())
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("时间,操作人账号") and "zhangsan" in lines[1]
    exported = await AuditLog.select().where(AuditLog.action == "audit.export").first()
    assert exported is not None


async def test_admins_only_and_a_township_admin_sees_their_township(
    client: Client, township_admin: dict[str, str]
) -> None:
    await login(client, "zhangsan")
    await login(client, "lisi")
    for username in ("zhaoli", "zhangsan"):
        headers = await login(client, username)
        assert (await client.get(URL, headers=headers)).status_code == 403
        assert (await client.get(f"{URL}/export", headers=headers)).status_code == 403
    seen = (await client.get(URL, params={"limit": 200}, headers=township_admin)).json()
    assert {e["actor_username"] for e in seen["items"]} <= {"zhangsan", "cgadmin"}
    assert "zhangsan" in {e["actor_username"] for e in seen["items"]}
