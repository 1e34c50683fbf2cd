"""The campaign configuration a phone builds its forms from."""

from __future__ import annotations

import httpx

from tests.support.client import login


async def test_campaign_items_are_data(client: httpx.AsyncClient) -> None:
    headers = await login(client, "zhangsan")
    campaigns = (await client.get("/api/campaigns", headers=headers)).json()
    by_code = {c["code"]: c for c in campaigns}
    sssw = by_code["campaign.sssw"]
    assert [i["label"] for i in sssw["send_items"]] == ["送政策", "送服务", "送温暖"]
    assert [i["key"] for i in sssw["ask_items"]] == ["needs", "difficulties", "suggestions"]
    # The speech's own variant (问候/问情/问需/问策) is configuration too.
    assert [i["label"] for i in by_code["campaign.slsc"]["ask_items"]] == [
        "问候",
        "问情",
        "问需",
        "问策",
    ]
    assert sssw["photo_required"] is False and sssw["location_required"] is False


async def test_checklist_template_items_in_order(client: httpx.AsyncClient) -> None:
    headers = await login(client, "wangwu")
    templates = (await client.get("/api/checklist-templates", headers=headers)).json()
    assert len(templates) == 1
    items = templates[0]["items"]
    assert len(items) == 13
    assert [i["position"] for i in items] == sorted(i["position"] for i in items)
    assert sum(i["max_score"] for i in items) == 100


async def test_campaigns_need_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/campaigns")
    assert response.status_code == 401
