"""Supervisors review: approve, or return with a comment the visitor sees; audited, versioned."""

from __future__ import annotations

import httpx

from server.accounts import repository as accounts
from server.audit.tables import AuditLog
from server.db import json_load
from server.demo import DEMO_PASSWORD, demo_id
from tests.support.client import login
from tests.support.factories import make_inspection, make_visit


async def _review(
    client: httpx.AsyncClient, headers: dict[str, str], path: str, **body: object
) -> httpx.Response:
    return await client.post(f"{path}/review", json=body, headers=headers)


async def test_return_with_comment_reaches_the_visitor(client: httpx.AsyncClient) -> None:
    visit_id = await make_visit("zhangsan")
    supervisor = await login(client, "zhaoli")
    response = await _review(
        client,
        supervisor,
        f"/api/visits/{visit_id}",
        decision="return",
        comment="请补充照片",
        version=1,
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "returned" and response.json()["version"] == 2
    visitor = await login(client, "zhangsan")
    body = (await client.get(f"/api/visits/{visit_id}", headers=visitor)).json()
    assert body["status"] == "returned"
    assert body["review_comment"] == "请补充照片"
    entry = await AuditLog.select().where(AuditLog.action == "visit.review").first()
    assert entry is not None and entry["entity_id"] == str(visit_id)
    details = json_load(entry["details"])
    assert (details["decision"], details["comment"]) == ("return", "请补充照片")
    assert (details["reviewed_version"], details["version"]) == (1, 2)


async def test_approve_inspection(client: httpx.AsyncClient) -> None:
    inspection_id = await make_inspection("wangwu", "南山镇/茶园村")
    supervisor = await login(client, "zhaoli")
    response = await _review(
        client, supervisor, f"/api/inspections/{inspection_id}", decision="approve", version=1
    )
    assert response.status_code == 200
    listing = (await client.get("/api/inspections?status=approved", headers=supervisor)).json()
    assert [i["id"] for i in listing["items"]] == [str(inspection_id)]


async def test_return_needs_a_comment(client: httpx.AsyncClient) -> None:
    visit_id = await make_visit("zhangsan")
    supervisor = await login(client, "zhaoli")
    response = await _review(
        client, supervisor, f"/api/visits/{visit_id}", decision="return", version=1
    )
    assert response.status_code == 400
    assert response.json()["code"] == "review.comment_required"


async def test_stale_version_and_double_review_refused(client: httpx.AsyncClient) -> None:
    visit_id = await make_visit("zhangsan")
    supervisor = await login(client, "zhaoli")
    path = f"/api/visits/{visit_id}"
    stale = await _review(client, supervisor, path, decision="approve", version=7)
    assert stale.status_code == 409 and stale.json()["code"] == "review.stale_version"
    assert (
        await _review(client, supervisor, path, decision="approve", version=1)
    ).status_code == 200
    again = await _review(client, supervisor, path, decision="approve", version=2)
    assert again.status_code == 409 and again.json()["code"] == "review.not_submitted"


async def test_drafts_cannot_be_reviewed(client: httpx.AsyncClient) -> None:
    visit_id = await make_visit("zhangsan", status="draft")
    supervisor = await login(client, "zhaoli")
    response = await _review(
        client, supervisor, f"/api/visits/{visit_id}", decision="approve", version=1
    )
    assert response.status_code == 409


async def test_field_staff_and_other_subtrees_cannot_review(client: httpx.AsyncClient) -> None:
    visit_id = await make_visit("lisi")
    staff = await login(client, "zhangsan")
    response = await _review(
        client, staff, f"/api/visits/{visit_id}", decision="approve", version=1
    )
    assert response.status_code == 403
    # A supervisor of 城关镇 does not reach 东湖街道's records.
    await accounts.create_user("chenjun", DEMO_PASSWORD, "陈军", "supervisor", demo_id("城关镇"))
    township_supervisor = await login(client, "chenjun")
    response = await _review(
        client, township_supervisor, f"/api/visits/{visit_id}", decision="approve", version=1
    )
    assert response.status_code == 404


async def test_nobody_reviews_their_own_record(client: httpx.AsyncClient) -> None:
    """Security review (issue 19, finding 5): the reviewer is never the visitor or inspector."""
    supervisor = await login(client, "zhaoli")
    visit_id = await make_visit("zhaoli")
    inspection_id = await make_inspection("zhaoli")
    for path in (f"/api/visits/{visit_id}", f"/api/inspections/{inspection_id}"):
        for decision in ("approve", "return"):
            response = await _review(
                client, supervisor, path, decision=decision, comment="好", version=1
            )
            assert response.status_code == 403, response.text
            assert response.json()["code"] == "review.own_record"
    admin = await login(client, "admin")
    response = await _review(
        client, admin, f"/api/visits/{visit_id}", decision="approve", version=1
    )
    assert response.status_code == 200
