"""The rectification loop's endpoints: lists and one rectification for those who follow it, and
the steps."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from server.accounts.deps import client_ip
from server.accounts.schemas import CurrentUser
from server.errors import not_found
from server.records import Limit, Offset, Page
from server.rectifications import service
from server.rectifications.schemas import (
    RectificationActionIn,
    RectificationDetailOut,
    RectificationOut,
    View,
)


class RectificationController(Controller):
    path = "/api/rectifications"
    tags = ["rectifications"]

    @get(
        "/",
        summary="Rectifications the caller follows (reviewers: their area; units: theirs to fix)",
    )
    async def list_rectifications(
        self,
        current_user: NamedDependency[CurrentUser],
        view: FromQuery[View] = "open",
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> Page[RectificationOut]:
        total, items = await service.list_rectifications(current_user, view, limit, offset)
        return Page(total=total, items=items)

    @get("/{rectification_id:uuid}", summary="One rectification with its steps so far")
    async def get_rectification(
        self, current_user: NamedDependency[CurrentUser], rectification_id: FromPath[UUID]
    ) -> RectificationDetailOut:
        found = await service.get_rectification(current_user, rectification_id)
        if found is None:
            raise not_found("rectification")
        return found

    @post(
        "/{rectification_id:uuid}/actions",
        status_code=200,
        summary="Take one step on a rectification",
    )
    async def act(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        rectification_id: FromPath[UUID],
        data: JSONBody[RectificationActionIn],
    ) -> RectificationDetailOut:
        return await service.act(rectification_id, data, current_user, client_ip(request))
