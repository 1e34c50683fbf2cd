"""Checklist template administration: an edit of a template inspections used makes a new
version; those inspections keep theirs; phones pull the change; admins only, in their subtree."""

from __future__ import annotations

from typing import Any

import httpx

from server.accounts import repository as accounts
from server.campaigns.tables import ChecklistItem, ChecklistTemplate
from server.demo import DEMO_PASSWORD, demo_id
from server.inspections.tables import Inspection
from tests.support.client import login
from tests.support.factories import make_inspection
from tests.sync.helpers import TEMPLATE, Device

Client = httpx.AsyncClient
COUNTY = str(demo_id("清源县"))


def template_body(**fields: Any) -> dict[str, Any]:
    body = {
        "name": "党群服务中心规范化",
        "org_unit_id": COUNTY,
        "items": [
            {"dimension": "阵地建设", "title": "场所面积", "max_score": 10, "method": "site_check"},
            {
                "dimension": "制度上墙",
                "title": "制度公开",
                "max_score": 5,
                "method": "document_review",
            },
        ],
    }
    return {**body, **fields}


async def test_an_unused_template_is_edited_in_place(client: Client) -> None:
    headers = await login(client, "admin")
    created = await client.post(
        "/api/admin/checklist-templates", json=template_body(), headers=headers
    )
    assert created.status_code == 201, created.text
    template = created.json()
    assert [i["position"] for i in template["items"]] == [1, 2]
    items = list(reversed(template_body()["items"]))
    edited = await client.put(
        f"/api/admin/checklist-templates/{template['id']}",
        json=template_body(items=items, version=1),
        headers=headers,
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["id"] == template["id"] and edited.json()["version"] == 2
    assert [i["title"] for i in edited.json()["items"]] == ["制度公开", "场所面积"]


async def test_editing_a_used_template_makes_a_new_version(client: Client) -> None:
    inspection = await make_inspection("wangwu")
    phone = Device(client, await login(client, "wangwu", "p1"), "p1")
    _, cursor = await phone.pull_all()
    headers = await login(client, "admin")
    old_items = await ChecklistItem.count().where(
        ChecklistItem.template == demo_id("template/centre")
    )
    response = await client.put(
        f"/api/admin/checklist-templates/{TEMPLATE}", json=template_body(version=1), headers=headers
    )
    assert response.status_code == 200, response.text
    new = response.json()
    assert new["id"] != TEMPLATE and new["version"] == 2 and new["supersedes"] == TEMPLATE
    # The inspection keeps the template and items it was scored against.
    row = await Inspection.select(Inspection.template).where(Inspection.id == inspection).first()
    assert str(row["template"]) == TEMPLATE
    assert (
        await ChecklistItem.count().where(ChecklistItem.template == demo_id("template/centre"))
        == old_items
    )
    old = (
        await ChecklistTemplate.select()
        .where(ChecklistTemplate.id == demo_id("template/centre"))
        .first()
    )
    assert old["active"] is False
    changes, _ = await phone.pull_all(cursor)
    assert sorted((c["op"], c.get("id") or c["record"]["id"]) for c in changes) == sorted(
        [("delete", TEMPLATE), ("upsert", new["id"])]
    )
    stale = await client.put(
        f"/api/admin/checklist-templates/{TEMPLATE}", json=template_body(version=1), headers=headers
    )
    assert stale.status_code == 409 and stale.json()["code"] == "template.inactive"


async def test_template_bad_input_and_scope(client: Client) -> None:
    headers = await login(client, "admin")
    before = await ChecklistTemplate.count()
    bad_items = [{"dimension": "", "title": "x", "max_score": 0, "method": "guess"}]
    bad = await client.post(
        "/api/admin/checklist-templates",
        json=template_body(name="", items=bad_items),
        headers=headers,
    )
    assert bad.status_code == 400 and bad.json()["code"] == "template.invalid"
    assert set(bad.json()["details"]["fields"]) == {
        "name",
        "items.0.dimension",
        "items.0.max_score",
        "items.0.method",
    }
    assert await ChecklistTemplate.count() == before
    for username in ("zhangsan", "zhaoli", "sunqiang"):
        other = await login(client, username)
        for response in (
            await client.get("/api/admin/checklist-templates", headers=other),
            await client.get(f"/api/admin/checklist-templates/{TEMPLATE}", headers=other),
            await client.post(
                "/api/admin/checklist-templates", json=template_body(), headers=other
            ),
            await client.put(
                f"/api/admin/checklist-templates/{TEMPLATE}",
                json=template_body(version=1),
                headers=other,
            ),
            await client.post(
                f"/api/admin/checklist-templates/{TEMPLATE}/deactivate",
                json={"version": 1},
                headers=other,
            ),
        ):
            assert response.status_code == 403, (username, response.text)
    await accounts.create_user(
        "nanshan_admin", DEMO_PASSWORD, "南山管理员", "admin", demo_id("南山镇")
    )
    township = await login(client, "nanshan_admin")
    response = await client.post(
        f"/api/admin/checklist-templates/{TEMPLATE}/deactivate",
        json={"version": 1},
        headers=township,
    )
    assert response.status_code == 404
    assert (await client.get("/api/admin/checklist-templates", headers=township)).json() == []
    retired = await client.post(
        f"/api/admin/checklist-templates/{TEMPLATE}/deactivate",
        json={"version": 1},
        headers=headers,
    )
    assert retired.json()["active"] is False
