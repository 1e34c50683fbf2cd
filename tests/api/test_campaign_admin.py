"""Campaign administration: admins set up campaigns in their subtree; items are retired, never
deleted; phones pull every change; every write is audited."""

from __future__ import annotations

from typing import Any

import httpx

from server.accounts import repository as accounts
from server.audit import repository as audit
from server.campaigns.tables import Campaign
from server.db import json_load
from server.demo import DEMO_PASSWORD, demo_id
from tests.support.client import login
from tests.sync.helpers import CAMPAIGN, Device

Client = httpx.AsyncClient
COUNTY = str(demo_id("清源县"))


def campaign_body(**fields: Any) -> dict[str, Any]:
    body = {
        "name": "2027 年三联三促",
        "org_unit_id": COUNTY,
        "starts_on": "2027-01-01",
        "ends_on": "2027-12-31",
        "send_items": [{"key": "policy", "label": "送政策"}],
        "ask_items": [
            {"key": "greet", "label": "问候"},
            {"key": "feelings", "label": "问情"},
            {"key": "needs", "label": "问需"},
            {"key": "advice", "label": "问策"},
        ],
        "photo_required": True,
    }
    return {**body, **fields}


async def test_campaign_set_up_edited_and_pulled(client: Client) -> None:
    phone = Device(client, await login(client, "zhangsan", "p1"), "p1")
    _, cursor = await phone.pull_all()
    headers = await login(client, "admin")
    created = await client.post("/api/admin/campaigns", json=campaign_body(), headers=headers)
    assert created.status_code == 201, created.text
    campaign = created.json()
    assert [i["label"] for i in campaign["ask_items"]] == ["问候", "问情", "问需", "问策"]
    changes, cursor = await phone.pull_all(cursor)
    [record] = [c["record"] for c in changes if c["op"] == "upsert"]
    assert record["photo_required"] is True and record["id"] == campaign["id"]

    # The admin drops 问候 and reorders: 问候 is retired, not deleted; phones no longer offer it.
    edit = campaign_body(
        ask_items=[{"key": "needs", "label": "问需"}, {"key": "feelings", "label": "问情"}],
        version=1,
    )
    edited = await client.put(f"/api/admin/campaigns/{campaign['id']}", json=edit, headers=headers)
    assert edited.status_code == 200, edited.text
    assert edited.json()["version"] == 2
    assert [(i["key"], i["retired"]) for i in edited.json()["ask_items"]] == [
        ("needs", False),
        ("feelings", False),
        ("greet", True),
        ("advice", True),
    ]
    changes, cursor = await phone.pull_all(cursor)
    [record] = [c["record"] for c in changes if c["op"] == "upsert"]
    assert [i["key"] for i in record["ask_items"]] == ["needs", "feelings"]
    [entry] = await audit.entries("campaign.update")
    assert [i["key"] for i in json_load(entry["details"])["before"]["ask_items"]] == [
        "greet",
        "feelings",
        "needs",
        "advice",
    ]

    ended = await client.post(
        f"/api/admin/campaigns/{campaign['id']}/deactivate", json={"version": 2}, headers=headers
    )
    assert ended.json()["active"] is False
    changes, _ = await phone.pull_all(cursor)
    assert [(c["op"], c["id"]) for c in changes] == [("delete", campaign["id"])]
    listed = (await client.get("/api/admin/campaigns", headers=headers)).json()
    assert campaign["id"] in [c["id"] for c in listed]


async def test_campaign_bad_input_and_stale_edits(client: Client) -> None:
    headers = await login(client, "admin")
    before = await Campaign.count()
    bad = await client.post(
        "/api/admin/campaigns",
        json=campaign_body(
            name="",
            ends_on="2026-01-01",
            send_items=[],
            ask_items=[{"key": "a", "label": "x"}, {"key": "a", "label": "y"}],
        ),
        headers=headers,
    )
    assert bad.status_code == 400 and bad.json()["code"] == "campaign.invalid"
    fields = bad.json()["details"]["fields"]
    assert set(fields) == {"name", "ends_on", "send_items", "ask_items"}
    assert fields["ask_items"] == "代码不能重复"
    assert await Campaign.count() == before
    stale = await client.put(
        f"/api/admin/campaigns/{CAMPAIGN}", json=campaign_body(version=7), headers=headers
    )
    assert stale.status_code == 409 and stale.json()["code"] == "campaign.stale_version"


async def test_only_admins_within_their_subtree(client: Client) -> None:
    for username in ("zhangsan", "zhaoli", "sunqiang"):
        headers = await login(client, username)
        for response in (
            await client.get("/api/admin/campaigns", headers=headers),
            await client.get(f"/api/admin/campaigns/{CAMPAIGN}", headers=headers),
            await client.post("/api/admin/campaigns", json=campaign_body(), headers=headers),
            await client.put(
                f"/api/admin/campaigns/{CAMPAIGN}", json=campaign_body(version=1), headers=headers
            ),
            await client.post(
                f"/api/admin/campaigns/{CAMPAIGN}/deactivate", json={"version": 1}, headers=headers
            ),
        ):
            assert response.status_code == 403, (username, response.text)
    await accounts.create_user(
        "nanshan_admin", DEMO_PASSWORD, "南山管理员", "admin", demo_id("南山镇")
    )
    headers = await login(client, "nanshan_admin")
    # The county's campaign is above a township admin: not theirs to see or change.
    assert (
        await client.get(f"/api/admin/campaigns/{CAMPAIGN}", headers=headers)
    ).status_code == 404
    response = await client.post(
        f"/api/admin/campaigns/{CAMPAIGN}/deactivate", json={"version": 1}, headers=headers
    )
    assert response.status_code == 404
    outside = await client.post("/api/admin/campaigns", json=campaign_body(), headers=headers)
    assert set(outside.json()["details"]["fields"]) == {"org_unit_id"}
    own = campaign_body(org_unit_id=str(demo_id("南山镇")))
    assert (await client.post("/api/admin/campaigns", json=own, headers=headers)).status_code == 201
    assert [
        c["org_unit_id"] for c in (await client.get("/api/admin/campaigns", headers=headers)).json()
    ] == [str(demo_id("南山镇"))]
