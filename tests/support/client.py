"""API test client helpers: sign in as a demo account and call with its token."""

from __future__ import annotations

import httpx

from server.demo import DEMO_PASSWORD


async def login(
    client: httpx.AsyncClient, username: str, device_id: str = "test-device"
) -> dict[str, str]:
    """Sign in; returns the Authorization header for the new token."""
    response = await client.post(
        "/api/auth/login",
        json={"username": username, "password": DEMO_PASSWORD, "device_id": device_id},
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}
