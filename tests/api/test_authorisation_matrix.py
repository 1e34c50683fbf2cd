"""The authorisation matrix: every endpoint × role × scope, from the app's own route table.

``ACCESS`` has one entry per route: the roles that may call it at all, and, when its path names
a record, what kind (``target``) and in which scopes each role may reach it. A route missing
from ``ACCESS`` fails ``test_every_route_has_an_entry`` with the line to add.

Callers are one user of each role in 城关镇. Scopes are where the record's author sits: the
caller themselves (own), a colleague in 城关镇 (same unit), 东湖街道 (other unit), and the
county level above the caller (above). Allowed: neither 401, 403 nor (for a record) 404, and
never a 5xx. Refused: 403, or 404 where a record's existence is not told.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from litestar.routes import HTTPRoute

from server.accounts import repository as accounts
from server.app import create_app
from server.demands.tables import Demand
from server.demo import DEMO_PASSWORD, demo_id
from tests.support.client import login
from tests.support.factories import make_inspection, make_visit

ROLES = ("field_staff", "supervisor", "handler", "admin")
SCOPES = ("own", "same_unit", "other_unit", "above")
ALL = frozenset(ROLES)
PUBLIC = frozenset({"anyone"})
#: Reading a record (server.accounts.scope): a visitor their own, a reviewer their subtree, a
#: handler only demands assigned to their unit (none here).
READ = {
    "field_staff": frozenset({"own"}),
    "supervisor": frozenset({"own", "same_unit"}),
    "admin": frozenset({"own", "same_unit"}),
    "handler": frozenset(),
}
#: Reviewing: a reviewer in their subtree, never their own record.
REVIEW = {
    "supervisor": frozenset({"same_unit"}),
    "admin": frozenset({"same_unit"}),
}
SHA = "a" * 64
REVIEWERS = frozenset({"supervisor", "admin"})
#: Other path parameters: a value of the right shape (ids that name nothing).
PARAMS = {
    ":uuid}": str(demo_id("nothing")),
    "{kind:str}": "talent",
    "{fmt:str}": "xlsx",
    "{year:int}": "2026",
}
WEEK = {"week": "2026-W47"}


@dataclass(frozen=True)
class Rule:
    """Who may call a route: ``roles`` (PUBLIC: no sign-in needed); when the path names a record,
    its kind and the scopes each role may reach it in (default READ)."""

    roles: frozenset[str]
    target: str | None = None
    scopes: dict[str, frozenset[str]] = field(default_factory=lambda: READ)
    body: Any = None
    query: dict[str, str] | None = None


ACCESS: dict[str, Rule] = {
    "GET /api/health": Rule(PUBLIC),
    "POST /api/auth/login": Rule(PUBLIC, body={"username": "nobody", "password": ""}),
    "POST /api/auth/logout": Rule(ALL),
    "GET /api/me": Rule(ALL),
    "GET /api/org-units": Rule(ALL),
    "GET /api/campaigns": Rule(ALL),
    "GET /api/checklist-templates": Rule(ALL),
    "GET /api/demands": Rule(ALL),
    "GET /api/demands/handler-units": Rule(ALL),
    "GET /api/demands/{demand_id:uuid}": Rule(ALL, "demand"),
    "POST /api/demands/{demand_id:uuid}/actions": Rule(
        ALL, "demand", body={"action": "escalate", "version": 1, "note": "催办"}
    ),
    "GET /api/inspections": Rule(ALL),
    "GET /api/inspections/{inspection_id:uuid}": Rule(ALL, "inspection"),
    "POST /api/inspections/{record_id:uuid}/review": Rule(
        frozenset({"supervisor", "admin"}),
        "inspection",
        REVIEW,
        body={"decision": "approve", "version": 1},
    ),
    "GET /api/visits": Rule(ALL),
    "GET /api/visits/{visit_id:uuid}": Rule(ALL, "visit"),
    "POST /api/visits/{record_id:uuid}/review": Rule(
        frozenset({"supervisor", "admin"}),
        "visit",
        REVIEW,
        body={"decision": "approve", "version": 1},
    ),
    # Admins of the whole deployment only (the root unit): none of the callers here.
    "GET /api/jobs/runs": Rule(frozenset()),
    "GET /api/reports/weekly": Rule(frozenset({"supervisor", "admin"}), query=WEEK),
    "GET /api/reports/weekly/export": Rule(frozenset({"supervisor", "admin"}), query=WEEK),
    "GET /api/talents": Rule(ALL),
    "GET /api/service-centers": Rule(frozenset({"field_staff", "supervisor", "admin"})),
    "POST /api/sync/pull": Rule(ALL, body={"protocol_version": 1, "cursor": None}),
    "POST /api/sync/push": Rule(
        ALL, body={"protocol_version": 1, "device_id": "matrix", "mutations": []}
    ),
    "GET /api/sync/status": Rule(ALL),
    "GET /api/sync/conflicts": Rule(ALL),
    "POST /api/sync/conflicts/{conflict_id:uuid}/resolve": Rule(ALL, body={"choice": "keep"}),
    "GET /api/media/{sha256:str}": Rule(ALL),
    "HEAD /api/media/{sha256:str}": Rule(ALL),
    "PUT /api/media/{sha256:str}": Rule(ALL),
    "GET /api/media/{sha256:str}/status": Rule(ALL),
    # Admin console (issue 18): admins only, in their own subtree.
    "GET /api/admin/audit": Rule(frozenset({"admin"})),
    "GET /api/admin/audit/export": Rule(frozenset({"admin"})),
    "GET /api/admin/campaigns": Rule(frozenset({"admin"})),
    "GET /api/admin/campaigns/{campaign_id:uuid}": Rule(frozenset({"admin"})),
    "GET /api/admin/checklist-templates": Rule(frozenset({"admin"})),
    "GET /api/admin/checklist-templates/{template_id:uuid}": Rule(frozenset({"admin"})),
    "GET /api/admin/org-units": Rule(frozenset({"admin"})),
    "GET /api/admin/service-centers/{centre_id:uuid}": Rule(frozenset({"admin"})),
    "GET /api/admin/talents/{talent_id:uuid}": Rule(frozenset({"admin"})),
    "GET /api/admin/users": Rule(frozenset({"admin"})),
    "GET /api/admin/users/{user_id:uuid}": Rule(frozenset({"admin"})),
    "PATCH /api/admin/org-units/{unit_id:uuid}": Rule(frozenset({"admin"})),
    "PATCH /api/admin/users/{user_id:uuid}": Rule(frozenset({"admin"})),
    "POST /api/admin/campaigns": Rule(frozenset({"admin"})),
    "POST /api/admin/campaigns/{campaign_id:uuid}/deactivate": Rule(frozenset({"admin"})),
    "POST /api/admin/checklist-templates": Rule(frozenset({"admin"})),
    "POST /api/admin/checklist-templates/{template_id:uuid}/deactivate": Rule(frozenset({"admin"})),
    "POST /api/admin/org-units": Rule(frozenset({"admin"})),
    "POST /api/admin/service-centers": Rule(frozenset({"admin"})),
    "POST /api/admin/service-centers/{centre_id:uuid}/deactivate": Rule(frozenset({"admin"})),
    "POST /api/admin/talents": Rule(frozenset({"admin"})),
    "POST /api/admin/talents/{talent_id:uuid}/deactivate": Rule(frozenset({"admin"})),
    "POST /api/admin/users": Rule(frozenset({"admin"})),
    "POST /api/admin/users/{user_id:uuid}/devices/{token_id:uuid}/sign-out": Rule(
        frozenset({"admin"})
    ),
    "POST /api/admin/users/{user_id:uuid}/reset-password": Rule(frozenset({"admin"})),
    "PUT /api/admin/campaigns/{campaign_id:uuid}": Rule(frozenset({"admin"})),
    "PUT /api/admin/checklist-templates/{template_id:uuid}": Rule(frozenset({"admin"})),
    "PUT /api/admin/service-centers/{centre_id:uuid}": Rule(frozenset({"admin"})),
    "PUT /api/admin/talents/{talent_id:uuid}": Rule(frozenset({"admin"})),
    "GET /api/calendar/{year:int}": Rule(ALL),
    "PUT /api/calendar/{year:int}": Rule(frozenset({"admin"})),
    "GET /api/desk/map": Rule(REVIEWERS),
    "GET /api/desk/records": Rule(REVIEWERS),
    "GET /api/desk/records.xlsx": Rule(REVIEWERS),
    "GET /api/desk/records/{kind:str}/{record_id:uuid}": Rule(REVIEWERS),
    "POST /api/desk/reviews": Rule(REVIEWERS),
    "GET /api/imports/batches": Rule(frozenset({"admin"})),
    "GET /api/imports/{kind:str}/template": Rule(frozenset({"admin"})),
    "POST /api/imports/batches/{batch_id:uuid}/undo": Rule(frozenset({"admin"})),
    "POST /api/imports/unsent": Rule(frozenset({"admin"})),
    "POST /api/imports/{kind:str}/commit": Rule(frozenset({"admin"})),
    "POST /api/imports/{kind:str}/preview": Rule(frozenset({"admin"})),
    "GET /api/rectifications": Rule(ALL),
    "GET /api/rectifications/{rectification_id:uuid}": Rule(ALL),
    "POST /api/rectifications/{rectification_id:uuid}/actions": Rule(ALL),
    "GET /api/reports/history": Rule(REVIEWERS),
    "GET /api/reports/history/{report_id:uuid}/{fmt:str}": Rule(REVIEWERS),
    "POST /api/reports/history": Rule(REVIEWERS),
    "POST /api/me/password": Rule(ALL),
    "GET /api/schema": Rule(PUBLIC),
    "GET /api/schema/swagger": Rule(PUBLIC),
    "GET /api/schema/{path:str}": Rule(PUBLIC),
    "GET /api/schema/openapi.json": Rule(PUBLIC),
    "GET /api/schema/oauth2-redirect.html": Rule(PUBLIC),
    "GET /": Rule(PUBLIC),
    "GET /{path:path}": Rule(PUBLIC),
}


def route_keys() -> set[str]:
    """Every method and path the app serves (OPTIONS is Litestar's own, for CORS)."""
    return {
        f"{method} {route.path}"
        for route in create_app().routes
        if isinstance(route, HTTPRoute)
        for method in route.methods
        if method != "OPTIONS"
    }


def test_every_route_has_an_entry() -> None:
    missing = sorted(route_keys() - ACCESS.keys())
    stale = sorted(ACCESS.keys() - route_keys())
    hint = "\n".join(
        f'    "{key}": Rule(frozenset({{...roles}}), target=None or "visit"/"inspection"/"demand"),'
        for key in missing
    )
    assert not missing, (
        f"routes with no entry in ACCESS (tests/api/test_authorisation_matrix.py); add who may "
        f"call each and, if its path names a record, which kind:\n{hint}"
    )
    assert not stale, f"entries in ACCESS for routes that no longer exist: {stale}"


def _path(key: str, ids: dict[str, str]) -> str:
    path = key.split(" ", 1)[1]
    for name in ("demand_id", "inspection_id", "visit_id", "record_id", "conflict_id"):
        path = path.replace(f"{{{name}:uuid}}", ids.get("record", str(demo_id("nothing"))))
    path = (
        path.replace("{sha256:str}", SHA)
        .replace("{path:str}", "openapi.json")
        .replace("{path:path}", "visits")
    )
    for name in ("kind:str", "fmt:str", "year:int"):
        path = path.replace("{" + name + "}", PARAMS["{" + name + "}"])
    return re.sub(r"\{[a-z_]+:uuid\}", PARAMS[":uuid}"], path)


async def _targets(callers: dict[str, str]) -> dict[tuple[str, str, str], str]:
    """(role, scope, kind) → the id of a submitted record of that kind in that scope."""
    authors = {"same_unit": "m_peer", "other_unit": "lisi", "above": "m_top"}
    found: dict[tuple[str, str, str], str] = {}
    for role, username in callers.items():
        for scope in SCOPES:
            author = username if scope == "own" else authors[scope]
            visit_id = await make_visit(author)
            demand = await Demand.select(Demand.id).where(Demand.visit == visit_id).first()
            assert demand is not None
            found[role, scope, "visit"] = str(visit_id)
            found[role, scope, "demand"] = str(demand["id"])
            found[role, scope, "inspection"] = str(await make_inspection(author))
    return found


async def test_every_route_by_role_and_scope(client: httpx.AsyncClient) -> None:
    town, county = demo_id("城关镇"), demo_id("清源县")
    callers = {role: f"m_{role}" for role in ROLES} | {"field_staff": "zhangsan"}
    for role in ("supervisor", "handler", "admin"):
        await accounts.create_user(callers[role], DEMO_PASSWORD, role, role, town)
    await accounts.create_user("m_peer", DEMO_PASSWORD, "同事", "field_staff", town)
    await accounts.create_user("m_top", DEMO_PASSWORD, "县里", "field_staff", county)
    targets = await _targets(callers)
    headers = {role: await login(client, name, f"matrix-{role}") for role, name in callers.items()}
    wrong: list[str] = []
    calls = 0
    for key, rule in sorted(ACCESS.items()):
        method = key.split(" ", 1)[0]
        for role in ROLES:
            for scope in SCOPES if rule.target else ("any",):
                if key == "POST /api/auth/logout":
                    # Its own token: signing out must not end the rest of the run.
                    auth = await login(client, callers[role], f"matrix-out-{role}")
                else:
                    auth = headers[role]
                ids = {"record": targets[role, scope, rule.target]} if rule.target else {}
                response = await client.request(
                    method, _path(key, ids), headers=auth, json=rule.body, params=rule.query
                )
                calls += 1
                allowed = (rule.roles >= PUBLIC or role in rule.roles) and (
                    rule.target is None or scope in rule.scopes.get(role, frozenset())
                )
                refused = {403, 404} if rule.target or "{" in key else {403}
                status = response.status_code
                if status >= 500:
                    wrong.append(f"{key} as {role}/{scope}: {status}")
                elif allowed and (status in {401, 403} or (rule.target and status == 404)):
                    wrong.append(f"{key} as {role}/{scope}: refused ({status}) but allowed")
                elif not allowed and status not in refused:
                    wrong.append(f"{key} as {role}/{scope}: {status} but should be refused")
    print(f"authorisation matrix: {len(ACCESS)} routes, {calls} calls")
    assert not wrong, "\n".join(wrong)
