"""Campaign and checklist template administration for admins, within their unit's subtree."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from server.accounts.deps import client_ip, require_role, roles_only
from server.accounts.schemas import CurrentUser
from server.campaigns import service, templates
from server.campaigns.admin_schemas import (
    CampaignAdminOut,
    CampaignIn,
    TemplateAdminOut,
    TemplateIn,
)
from server.rosters.admin_schemas import DeactivateIn
from server.sync.write import server_write

STREAM = service.STREAM


class CampaignAdminController(Controller):
    path = "/api/admin/campaigns"
    guards = [roles_only("admin")]
    tags = ["campaign administration"]

    @get("/", summary="Campaigns owned in the admin's subtree, inactive and retired items too")
    async def campaigns(self, current_user: NamedDependency[CurrentUser]) -> list[CampaignAdminOut]:
        require_role(current_user, "admin")
        return await service.subtree_campaigns(current_user)

    @get("/{campaign_id:uuid}", summary="One campaign (admin)")
    async def campaign(
        self, current_user: NamedDependency[CurrentUser], campaign_id: FromPath[UUID]
    ) -> CampaignAdminOut:
        require_role(current_user, "admin")
        return await service.campaign_out(current_user, campaign_id)

    @post("/", status_code=201, summary="Set up a campaign (admin)")
    async def create(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        data: JSONBody[CampaignIn],
    ) -> CampaignAdminOut:
        require_role(current_user, "admin")
        async with server_write(current_user, STREAM, ip=client_ip(request)) as write:
            return await service.create_campaign(write, data)

    @put("/{campaign_id:uuid}", summary="Edit a campaign (admin); left-out items are retired")
    async def update(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        campaign_id: FromPath[UUID],
        data: JSONBody[CampaignIn],
    ) -> CampaignAdminOut:
        require_role(current_user, "admin")
        async with server_write(current_user, STREAM, ip=client_ip(request)) as write:
            return await service.update_campaign(write, campaign_id, data)

    @post("/{campaign_id:uuid}/deactivate", status_code=200, summary="End a campaign (admin)")
    async def deactivate(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        campaign_id: FromPath[UUID],
        data: JSONBody[DeactivateIn],
    ) -> CampaignAdminOut:
        require_role(current_user, "admin")
        async with server_write(current_user, STREAM, ip=client_ip(request)) as write:
            return await service.deactivate_campaign(write, campaign_id, data.version)


class TemplateAdminController(Controller):
    path = "/api/admin/checklist-templates"
    guards = [roles_only("admin")]
    tags = ["checklist template administration"]

    @get("/", summary="Checklist templates owned in the admin's subtree, old versions too")
    async def list_templates(
        self, current_user: NamedDependency[CurrentUser]
    ) -> list[TemplateAdminOut]:
        require_role(current_user, "admin")
        return await templates.subtree_templates(current_user)

    @get("/{template_id:uuid}", summary="One checklist template (admin)")
    async def template(
        self, current_user: NamedDependency[CurrentUser], template_id: FromPath[UUID]
    ) -> TemplateAdminOut:
        require_role(current_user, "admin")
        return await templates.template_out(current_user, template_id)

    @post("/", status_code=201, summary="Create a checklist template (admin)")
    async def create(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        data: JSONBody[TemplateIn],
    ) -> TemplateAdminOut:
        require_role(current_user, "admin")
        async with server_write(current_user, STREAM, ip=client_ip(request)) as write:
            return await templates.create_template(write, data)

    @put("/{template_id:uuid}", summary="Edit a template (admin); a used one gets a new version")
    async def update(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        template_id: FromPath[UUID],
        data: JSONBody[TemplateIn],
    ) -> TemplateAdminOut:
        require_role(current_user, "admin")
        async with server_write(current_user, STREAM, ip=client_ip(request)) as write:
            return await templates.update_template(write, template_id, data)

    @post("/{template_id:uuid}/deactivate", status_code=200, summary="Retire a template (admin)")
    async def deactivate(
        self,
        request: Request[Any, Any, Any],
        current_user: NamedDependency[CurrentUser],
        template_id: FromPath[UUID],
        data: JSONBody[DeactivateIn],
    ) -> TemplateAdminOut:
        require_role(current_user, "admin")
        async with server_write(current_user, STREAM, ip=client_ip(request)) as write:
            return await templates.deactivate_template(write, template_id, data.version)
