"""Reading inspections, within scope."""

from __future__ import annotations

import httpx

from tests.support.client import login
from tests.support.factories import make_inspection


async def test_inspector_reads_own_inspection_with_children(client: httpx.AsyncClient) -> None:
    inspection_id = await make_inspection("zhangsan")
    headers = await login(client, "zhangsan")
    body = (await client.get(f"/api/inspections/{inspection_id}", headers=headers)).json()
    assert body["service_center_name"] == "东门社区党群服务中心"
    assert [r["result"] for r in body["item_results"]] == ["met", "not_met"]
    assert body["item_results"][1]["max_score"] == 5
    assert [r["issue"] for r in body["rectifications"]] == ["增设无障碍通道"]


async def test_other_field_staff_cannot_read_it(client: httpx.AsyncClient) -> None:
    inspection_id = await make_inspection("zhangsan")
    headers = await login(client, "lisi")
    response = await client.get(f"/api/inspections/{inspection_id}", headers=headers)
    assert response.status_code == 404
    assert (await client.get("/api/inspections", headers=headers)).json()["total"] == 0


async def test_supervisor_lists_subtree_inspections(client: httpx.AsyncClient) -> None:
    ids = {str(await make_inspection(u)) for u in ("zhangsan", "wangwu")}
    headers = await login(client, "zhaoli")
    listing = (await client.get("/api/inspections", headers=headers)).json()
    assert {i["id"] for i in listing["items"]} == ids
    assert (await client.get("/api/inspections?status=approved", headers=headers)).json()[
        "total"
    ] == 0
