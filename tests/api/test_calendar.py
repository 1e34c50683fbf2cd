"""The working-day calendar: the shipped national years, admins' corrections, and the guard."""

from __future__ import annotations

import datetime as dt

import httpx

from server.audit.tables import AuditLog
from server.calendar.service import add_working_days, is_working_day
from server.calendar.tables import CalendarDay, CalendarYear
from tests.support.client import login

#: 春节 2027 as an admin might enter it (test data, not the State Council's notice).
FESTIVAL = {
    "provisional": False,
    "days": [
        *({"day": f"2027-02-{d:02d}", "name": "春节"} for d in range(5, 12)),
        {"day": "2027-02-13", "working": True, "name": "春节"},
    ],
}


async def test_anyone_signed_in_reads_a_year_and_2026_is_the_national_notice(
    client: httpx.AsyncClient,
) -> None:
    visitor = await login(client, "zhangsan")
    year = (await client.get("/api/calendar/2026", headers=visitor)).json()
    assert (year["source"], year["provisional"]) == ("national", False)
    working = [d["day"] for d in year["days"] if d["working"]]
    assert working == [
        "2026-01-04",
        "2026-02-14",
        "2026-02-28",
        "2026-05-09",
        "2026-09-20",
        "2026-10-10",
    ]
    assert sum(not d["working"] for d in year["days"]) == 3 + 9 + 3 + 5 + 3 + 3 + 7
    later = (await client.get("/api/calendar/2027", headers=visitor)).json()
    assert (later["source"], later["provisional"]) == ("national", True)
    none = (await client.get("/api/calendar/2031", headers=visitor)).json()
    assert (none["source"], none["days"]) == ("none", [])
    assert (await client.get("/api/calendar/2026")).status_code == 401
    too_early = await client.get("/api/calendar/1999", headers=visitor)
    assert (too_early.status_code, too_early.json()["code"]) == (400, "calendar.year_invalid")


async def test_an_admin_corrects_a_year_and_working_days_follow(client: httpx.AsyncClient) -> None:
    admin = await login(client, "admin")
    # Before: 2027-02-05 is a plain Friday.
    assert await is_working_day(dt.date(2027, 2, 5))
    saved = await client.put("/api/calendar/2027", json=FESTIVAL, headers=admin)
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert (body["source"], body["provisional"], len(body["days"])) == ("admin", False, 8)
    assert not await is_working_day(dt.date(2027, 2, 5))
    assert await is_working_day(dt.date(2027, 2, 13))  # a Saturday worked
    # Thursday 2/4 + 3 working days: 2/12 (Fri), 2/13 (Sat, worked), 2/15 (Mon).
    assert await add_working_days(dt.date(2027, 2, 4), 3) == dt.date(2027, 2, 15)
    entry = await AuditLog.select().where(AuditLog.action == "calendar.save").first()
    assert entry is not None and entry["entity_id"] == "2027"
    # Saving again replaces the year; the shipped 2026 is untouched.
    again = await client.put("/api/calendar/2027", json={"days": []}, headers=admin)
    assert again.json()["days"] == [] and await is_working_day(dt.date(2027, 2, 5))
    assert not await is_working_day(dt.date(2026, 2, 16))


async def test_only_admins_edit_and_bad_years_write_nothing(client: httpx.AsyncClient) -> None:
    admin = await login(client, "admin")
    for who in ("zhaoli", "sunqiang", "zhangsan"):
        response = await client.put(
            "/api/calendar/2027", json=FESTIVAL, headers=await login(client, who)
        )
        assert (response.status_code, response.json()["code"]) == (403, "auth.forbidden")

    async def refused(code: str, days: list[dict[str, object]], year: int = 2027) -> None:
        response = await client.put(f"/api/calendar/{year}", json={"days": days}, headers=admin)
        assert (response.status_code, response.json()["code"]) == (400, code), response.text

    await refused("calendar.wrong_year", [{"day": "2026-12-31", "name": "元旦"}])
    await refused(
        "calendar.duplicate_day",
        [{"day": "2027-01-01", "name": "元旦"}, {"day": "2027-01-01", "name": "元旦"}],
    )
    # 2027-02-10 is a Wednesday: a swapped working day is always a weekend day.
    await refused(
        "calendar.workday_not_weekend", [{"day": "2027-02-10", "working": True, "name": "春节"}]
    )
    await refused("request.validation", [{"day": "2027-01-01", "name": ""}])
    await refused("request.validation", [{"day": "2027-01-01", "name": "x", "extra": 1}])
    await refused("calendar.year_invalid", [], year=2200)
    assert await CalendarYear.count() == 0 and await CalendarDay.count() == 0
    assert await AuditLog.count().where(AuditLog.action == "calendar.save") == 0
