"""Malformed input is a 400 with a stable code, never a 500 (issue 19, finding 7): paging
values out of range, a pull cursor that is not one the server gave out, text with NUL (which
PostgreSQL cannot store)."""

from __future__ import annotations

import httpx
import pytest

from server.visits.tables import Visit
from tests.support.client import login
from tests.sync.helpers import Device, talent_of, visit

Client = httpx.AsyncClient

LISTS = (
    "/api/visits",
    "/api/inspections",
    "/api/demands",
    "/api/talents",
    "/api/service-centers",
)


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize(
    "query", ["offset=1e23", "offset=99999999999999999999999", "offset=-1", "limit=1e23"]
)
async def test_paging_out_of_range_is_refused(client: Client, path: str, query: str) -> None:
    headers = await login(client, "zhaoli")
    response = await client.get(f"{path}?{query}", headers=headers)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "request.validation"


@pytest.mark.parametrize("path", LISTS)
async def test_the_largest_offset_declared_is_served(client: Client, path: str) -> None:
    headers = await login(client, "zhaoli")
    response = await client.get(f"{path}?offset=10000000&limit=200", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []


@pytest.mark.parametrize(
    "cursor",
    [
        "-1e26",
        "-100000000000000000000000000",
        "100000000000000000000000000",
        "1.0.00000000-0000-0000-0000-00000000000000",
        " 5",
        "٣",
        "1_0",
    ],
)
async def test_a_cursor_not_given_out_asks_for_a_full_resync(client: Client, cursor: str) -> None:
    phone = Device(client, await login(client, "zhangsan", "phone-1"), "phone-1")
    page = await phone.pull(cursor)
    assert page["reset_required"] is True and page["cursor"] is None


async def test_text_with_nul_is_refused_everywhere(client: Client) -> None:
    headers = await login(client, "zhangsan", "phone-1")
    # In a query string.
    response = await client.get("/api/talents", params={"q": "张\x00"}, headers=headers)
    assert response.status_code == 400
    assert response.json()["code"] == "request.nul_character"
    # In a push: just that mutation is rejected (nothing of it applied), the queue moves on.
    phone = Device(client, headers, "phone-1")
    bad, good = visit(talent_of("zhangsan"), notes="走访\x00记录"), visit(talent_of("zhangsan"))
    answer = await phone.push(phone.put(bad), phone.put(good))
    assert [r["status"] for r in answer["results"]] == ["rejected", "applied"]
    assert answer["results"][0]["code"] == "sync.malformed"
    assert not await Visit.exists().where(Visit.id == bad["id"])
    # In any other JSON body.
    response = await client.post(
        "/api/sync/pull", json={"protocol_version": "1", "cursor": "1\x00"}, headers=headers
    )
    assert response.status_code == 400
    assert response.json()["code"] == "request.nul_character"
    # In a sign-in.
    response = await client.post(
        "/api/auth/login", json={"username": "zhang\x00san", "password": "demo1234"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "request.nul_character"
    # An escaped backslash before "u0000" is not a NUL: the text goes through.
    response = await client.get("/api/talents", params={"q": "\\u0000"}, headers=headers)
    assert response.status_code == 200
