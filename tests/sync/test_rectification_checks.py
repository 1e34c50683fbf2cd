"""What a phone may say about a rectification: a responsible unit of the centre's county, and a
status no further than the inspector's own (a reviewer accepts, not the phone)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from server.accounts import repository as accounts
from server.demo import demo_id
from tests.sync.helpers import centre_of, item
from tests.sync.test_pull import device


def _inspection(**rect: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "service_center_id": centre_of("zhangsan"),
        "template_id": str(demo_id("template/centre")),
        "inspected_on": "2026-11-20",
        "rectifications": [
            {
                "id": str(uuid.uuid4()),
                "item_id": item(1),
                "issue": "标识缺失",
                "deadline": "2026-12-31",
                **rect,
            }
        ],
    }


async def test_responsible_unit_lies_in_the_centres_county(client: httpx.AsyncClient) -> None:
    other_county = await accounts.create_org_unit("邻县", "county", None, uuid.uuid4())
    phone = await device(client, "zhangsan")
    home, away = (
        _inspection(responsible_unit_id=str(demo_id("城关镇"))),
        _inspection(responsible_unit_id=str(other_county.id)),
    )
    response = await phone.push(
        phone.mutation("inspection.put", inspection=home),
        phone.mutation("inspection.put", inspection=away),
    )
    assert [r["status"] for r in response["results"]] == ["applied", "rejected"], response
    assert response["results"][1]["code"] == "sync.forbidden"
    assert response["results"][1]["details"]["field"] == "responsible_unit_id"


async def test_a_phone_opens_as_pending_and_never_accepts(client: httpx.AsyncClient) -> None:
    phone = await device(client, "zhangsan")
    opened = _inspection()
    accepted_at_once = _inspection(status="accepted")
    reported_at_once = _inspection(status="reported")
    response = await phone.push(
        *(
            phone.mutation("inspection.put", inspection=b)
            for b in (opened, accepted_at_once, reported_at_once)
        )
    )
    assert [r.get("code") for r in response["results"]] == [
        None,
        "sync.forbidden",
        "sync.forbidden",
    ], response
    # Following it up to 已报整改 is the inspector's; 已验收销号 is not.
    rect = opened["rectifications"][0]
    reported = {**opened, "rectifications": [{**rect, "status": "reported", "base_version": 1}]}
    accepted = {**opened, "rectifications": [{**rect, "status": "accepted", "base_version": 2}]}
    response = await phone.push(
        phone.mutation("inspection.put", base_version=1, inspection=reported),
        phone.mutation("inspection.put", base_version=2, inspection=accepted),
    )
    assert [r["status"] for r in response["results"]] == ["applied", "rejected"], response
    assert response["results"][1]["details"]["field"] == "status"
