"""User administration: list and filters, create with a one-time password, edit, deactivate
(devices signed out), reset password (changed at next sign-in), devices; admins only, within
their subtree; bad input is a coded error with nothing written."""

from __future__ import annotations

import httpx

from server.audit.tables import AuditLog
from server.db import json_load
from server.demo import DEMO_PASSWORD
from tests.api.admin.conftest import unit_id
from tests.support.client import login

Client = httpx.AsyncClient
URL = "/api/admin/users"


async def _id(client: Client, headers: dict[str, str], username: str) -> str:
    items = (await client.get(URL, params={"q": username}, headers=headers)).json()["items"]
    return next(u["id"] for u in items if u["username"] == username)


async def _sign_in(client: Client, username: str, password: str) -> httpx.Response:
    return await client.post(
        "/api/auth/login", json={"username": username, "password": password, "device_id": "d1"}
    )


async def test_list_search_and_filters(client: Client, county_admin: dict[str, str]) -> None:
    everyone = (await client.get(URL, headers=county_admin)).json()
    assert everyone["total"] >= 6
    assert all("****" in u["phone"] or u["phone"] == "" for u in everyone["items"])
    by_name = (await client.get(URL, params={"q": "张"}, headers=county_admin)).json()
    assert [u["username"] for u in by_name["items"]] == ["zhangsan"]
    staff = (await client.get(URL, params={"role": "field_staff"}, headers=county_admin)).json()
    assert {u["username"] for u in staff["items"]} == {"zhangsan", "lisi", "wangwu"}
    unit = await unit_id("城关镇")
    local = (await client.get(URL, params={"unit_id": unit}, headers=county_admin)).json()
    assert [u["username"] for u in local["items"]] == ["zhangsan"]
    inactive = (await client.get(URL, params={"active": "false"}, headers=county_admin)).json()
    assert inactive["total"] == 0


async def test_create_then_first_sign_in_must_change_the_password(
    client: Client, county_admin: dict[str, str]
) -> None:
    created = await client.post(
        URL,
        headers=county_admin,
        json={
            "username": "qianliu",
            "display_name": "钱六",
            "role": "field_staff",
            "org_unit_id": await unit_id("南山镇"),
            "phone": "13800001111",
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["user"]["phone"] == "13800001111" and body["user"]["must_change_password"]
    signed = await _sign_in(client, "qianliu", body["one_time_password"])
    assert signed.status_code == 200 and signed.json()["user"]["must_change_password"] is True
    headers = {"Authorization": f"Bearer {signed.json()['token']}"}
    wrong = await client.post(
        "/api/me/password",
        headers=headers,
        json={"current_password": "nope", "new_password": "a-new-password"},
    )
    assert wrong.status_code == 400 and wrong.json()["details"]["field"] == "current_password"
    changed = await client.post(
        "/api/me/password",
        headers=headers,
        json={"current_password": body["one_time_password"], "new_password": "a-new-password"},
    )
    assert changed.status_code == 204
    assert (await client.get("/api/me", headers=headers)).json()["must_change_password"] is False
    assert (await _sign_in(client, "qianliu", "a-new-password")).status_code == 200
    entry = await AuditLog.select().where(AuditLog.action == "user.create").first()
    assert json_load(entry["details"])["after"]["username"] == "qianliu"
    assert "13800001111" not in str(entry["details"])


async def test_edit_deactivate_signs_devices_out(
    client: Client, county_admin: dict[str, str]
) -> None:
    phone = await login(client, "lisi", "lisi-phone")
    lisi = await _id(client, county_admin, "lisi")
    detail = (await client.get(f"{URL}/{lisi}", headers=county_admin)).json()
    assert [d["device_id"] for d in detail["devices"]] == ["lisi-phone"]
    edited = await client.patch(
        f"{URL}/{lisi}", headers=county_admin, json={"display_name": "李四四", "phone": None}
    )
    assert edited.json()["display_name"] == "李四四" and edited.json()["phone"] == ""
    off = await client.patch(f"{URL}/{lisi}", headers=county_admin, json={"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    assert (await client.get("/api/me", headers=phone)).status_code == 401
    entry = await (
        AuditLog.select()
        .where(AuditLog.action == "user.update")
        .order_by(AuditLog.created_at, ascending=False)
        .first()
    )
    details = json_load(entry["details"])
    assert details["before"]["active"] is True and details["after"]["active"] is False
    assert details["devices_signed_out"] == 1


async def test_reset_password_and_sign_one_device_out(
    client: Client, county_admin: dict[str, str]
) -> None:
    phone = await login(client, "wangwu", "ww-phone")
    tablet = await login(client, "wangwu", "ww-tablet")
    wangwu = await _id(client, county_admin, "wangwu")
    devices = (await client.get(f"{URL}/{wangwu}", headers=county_admin)).json()["devices"]
    token = next(d["id"] for d in devices if d["device_id"] == "ww-tablet")
    out = await client.post(f"{URL}/{wangwu}/devices/{token}/sign-out", headers=county_admin)
    assert out.status_code == 204
    assert (await client.get("/api/me", headers=tablet)).status_code == 401
    assert (await client.get("/api/me", headers=phone)).status_code == 200
    again = await client.post(f"{URL}/{wangwu}/devices/{token}/sign-out", headers=county_admin)
    assert again.status_code == 404 and again.json()["code"] == "device.not_found"
    reset = await client.post(f"{URL}/{wangwu}/reset-password", headers=county_admin)
    one_time = reset.json()["one_time_password"]
    assert len(one_time) == 10
    assert (await _sign_in(client, "wangwu", DEMO_PASSWORD)).status_code == 401
    signed = await _sign_in(client, "wangwu", one_time)
    assert signed.json()["user"]["must_change_password"] is True


async def test_only_admins_and_only_within_their_subtree(
    client: Client, county_admin: dict[str, str], township_admin: dict[str, str]
) -> None:
    lisi = await _id(client, county_admin, "lisi")
    zhangsan = await _id(client, county_admin, "zhangsan")
    supervisor = await login(client, "zhaoli")
    assert (await client.get(URL, headers=supervisor)).status_code == 403
    assert (await client.get(f"{URL}/{lisi}", headers=supervisor)).status_code == 403
    mine = (await client.get(URL, headers=township_admin)).json()
    assert {u["username"] for u in mine["items"]} == {"zhangsan", "cgadmin"}
    for method, path, body in (
        ("GET", f"{URL}/{lisi}", None),
        ("PATCH", f"{URL}/{lisi}", {"display_name": "x"}),
        ("POST", f"{URL}/{lisi}/reset-password", None),
        ("GET", URL + f"?unit_id={await unit_id('东湖街道')}", None),
    ):
        response = await client.request(method, path, headers=township_admin, json=body)
        assert response.status_code == 403, (method, path)
        assert response.json()["code"] == "auth.out_of_scope"
    away = await client.patch(
        f"{URL}/{zhangsan}", headers=township_admin, json={"org_unit_id": await unit_id("南山镇")}
    )
    assert away.status_code == 403
    outside = await client.post(
        URL,
        headers=township_admin,
        json={
            "username": "waiju",
            "display_name": "外局",
            "role": "field_staff",
            "org_unit_id": await unit_id("南山镇"),
        },
    )
    assert outside.status_code == 403
    me = await _id(client, township_admin, "cgadmin")
    self_off = await client.patch(f"{URL}/{me}", headers=township_admin, json={"active": False})
    assert self_off.status_code == 403 and self_off.json()["code"] == "user.self"


async def test_bad_input_is_a_coded_error_and_writes_nothing(
    client: Client, county_admin: dict[str, str]
) -> None:
    unit = await unit_id("南山镇")
    before = await AuditLog.count()
    good = {
        "username": "newbie",
        "display_name": "新人",
        "role": "field_staff",
        "org_unit_id": unit,
    }
    for bad in (
        {**good, "username": "Has Space"},
        {**good, "role": "king"},
        {**good, "phone": "call me"},
        {**good, "org_unit_id": "x"},
        {**good, "display_name": ""},
    ):
        response = await client.post(URL, headers=county_admin, json=bad)
        assert response.status_code == 400 and response.json()["code"] == "request.validation"
    taken = await client.post(URL, headers=county_admin, json={**good, "username": "zhangsan"})
    assert taken.status_code == 409 and taken.json()["details"]["field"] == "username"
    assert "已" in taken.json()["message"]
    missing = await client.get(f"{URL}/00000000-0000-4000-8000-000000000000", headers=county_admin)
    assert missing.status_code == 404 and missing.json()["code"] == "user.not_found"
    assert await AuditLog.count() == before
