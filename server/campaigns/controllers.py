"""The configuration a field form is built from: campaigns and checklist templates."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency

from server.accounts.schemas import CurrentUser
from server.campaigns import repository
from server.campaigns.schemas import CampaignOut, ChecklistTemplateOut


class CampaignController(Controller):
    path = "/api"
    tags = ["campaigns"]

    @get("/campaigns", summary="Active campaigns that apply to the caller's unit")
    async def campaigns(self, current_user: NamedDependency[CurrentUser]) -> list[CampaignOut]:
        return await repository.active_campaigns(current_user)

    @get("/checklist-templates", summary="Active checklist templates with their items")
    async def templates(
        self, current_user: NamedDependency[CurrentUser]
    ) -> list[ChecklistTemplateOut]:
        return await repository.active_templates(current_user)
