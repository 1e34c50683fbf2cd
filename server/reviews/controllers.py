"""Supervisors approve submitted records or return them with a comment the visitor sees."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from server.accounts.deps import client_ip
from server.accounts.schemas import CurrentUser
from server.reviews import service
from server.reviews.schemas import ReviewIn, ReviewOut


class ReviewController(Controller):
    path = "/api"
    tags = ["review"]

    @post("/visits/{record_id:uuid}/review", status_code=200, summary="Approve or return a visit")
    async def review_visit(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        record_id: FromPath[UUID],
        data: JSONBody[ReviewIn],
    ) -> ReviewOut:
        return await service.review("visit", record_id, data, current_user, client_ip(request))

    @post(
        "/inspections/{record_id:uuid}/review",
        status_code=200,
        summary="Approve or return an inspection",
    )
    async def review_inspection(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        record_id: FromPath[UUID],
        data: JSONBody[ReviewIn],
    ) -> ReviewOut:
        return await service.review("inspection", record_id, data, current_user, client_ip(request))
