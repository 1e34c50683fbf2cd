"""Sign-in, tokens, throttling and the error contract."""

from __future__ import annotations

import httpx

from server.accounts.tables import DeviceToken
from server.audit.tables import AuditLog
from server.security import token_digest
from server.web import SECURITY_HEADERS
from tests.support.client import login

Client = httpx.AsyncClient


async def test_health_reports_database(client: Client) -> None:
    response = await client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] in {"sqlite", "postgresql"}


async def test_login_returns_token_and_user(client: Client) -> None:
    response = await client.post(
        "/api/auth/login",
        json={
            "username": "zhangsan",
            "password": "demo1234",
            "device_id": "phone-1",
            "device_name": "小米",
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["username"] == "zhangsan"
    assert body["user"]["role"] == "field_staff"
    assert body["user"]["org_unit_name"] == "城关镇"
    stored = (
        await DeviceToken.select()
        .where(DeviceToken.token_hash == token_digest(body["token"]))
        .first()
    )
    assert stored is not None and stored["device_id"] == "phone-1"
    # Only the hash is stored, never the token.
    assert not await DeviceToken.exists().where(DeviceToken.token_hash == body["token"])
    assert await AuditLog.exists().where(AuditLog.action == "auth.login")


async def test_me_requires_token(client: Client) -> None:
    response = await client.get("/api/me")
    assert response.status_code == 401
    assert response.json()["code"] == "auth.required"
    response = await client.get("/api/me", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert response.json()["code"] == "auth.required"


async def test_me_with_token(client: Client) -> None:
    headers = await login(client, "zhaoli")
    response = await client.get("/api/me", headers=headers)
    assert response.status_code == 200
    assert response.json()["role"] == "supervisor"


async def test_logout_revokes_token(client: Client) -> None:
    headers = await login(client, "zhangsan")
    other = await login(client, "zhangsan", device_id="tablet")
    assert (await client.post("/api/auth/logout", headers=headers)).status_code == 204
    response = await client.get("/api/me", headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "auth.required"
    # Signing out one device leaves the other signed in.
    assert (await client.get("/api/me", headers=other)).status_code == 200


async def test_wrong_password_is_401_with_code(client: Client) -> None:
    response = await client.post(
        "/api/auth/login", json={"username": "zhangsan", "password": "nope"}
    )
    assert response.status_code == 401
    assert response.json()["code"] == "auth.invalid_credentials"
    response = await client.post("/api/auth/login", json={"username": "nobody", "password": "nope"})
    assert response.status_code == 401
    assert response.json()["code"] == "auth.invalid_credentials"


async def test_five_failures_throttle_even_the_right_password(client: Client) -> None:
    for _ in range(4):
        response = await client.post(
            "/api/auth/login", json={"username": "lisi", "password": "wrong"}
        )
        assert response.status_code == 401
    response = await client.post("/api/auth/login", json={"username": "lisi", "password": "wrong"})
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "auth.throttled"
    assert 0 < body["details"]["retry_after"] <= 300
    assert int(response.headers["retry-after"]) == body["details"]["retry_after"]
    response = await client.post(
        "/api/auth/login", json={"username": "lisi", "password": "demo1234"}
    )
    assert response.status_code == 429
    # Another account is not affected.
    assert (
        await client.post("/api/auth/login", json={"username": "wangwu", "password": "demo1234"})
    ).status_code == 200


async def test_success_resets_failure_count(client: Client) -> None:
    for _ in range(4):
        await client.post("/api/auth/login", json={"username": "lisi", "password": "wrong"})
    await login(client, "lisi")
    for _ in range(4):
        response = await client.post(
            "/api/auth/login", json={"username": "lisi", "password": "wrong"}
        )
        assert response.status_code == 401


async def test_malformed_json_is_400_json(client: Client) -> None:
    response = await client.post(
        "/api/auth/login",
        content=b'{"username": "zhangsan",',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["code"] == "request.invalid_json"


async def test_missing_and_unknown_fields_are_validation_errors(client: Client) -> None:
    response = await client.post("/api/auth/login", json={"username": "zhangsan"})
    assert response.status_code == 400
    assert response.json()["code"] == "request.validation"
    response = await client.post(
        "/api/auth/login", json={"username": "zhangsan", "password": "demo1234", "admin": True}
    )
    assert response.status_code == 400
    assert response.json()["code"] == "request.validation"


async def test_unknown_api_path_is_json_404(client: Client) -> None:
    response = await client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_openapi_schema_served(client: Client) -> None:
    response = await client.get("/api/schema/openapi.json")
    assert response.status_code == 200
    assert "/api/auth/login" in response.json()["paths"]


async def test_error_responses_carry_the_security_headers(client: Client) -> None:
    answers = [
        await client.get("/api/no-such-thing"),  # 404 from a handler
        await client.delete("/api/health"),  # 405 from the router
        await client.get("/api/me"),  # 401 from a dependency
        await client.post(
            "/api/auth/login", content=b"{", headers={"Content-Type": "application/json"}
        ),
        await client.get("/api/health"),
    ]
    for answer in answers:
        for name, value in SECURITY_HEADERS.items():
            assert answer.headers.get(name) == value, (answer.status_code, name)
