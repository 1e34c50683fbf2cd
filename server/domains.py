"""The domains: their API controllers and scheduled jobs in lists, so the app factory stays short,
and what each registers with the sync engine (importing this module registers every synced entity)."""

from typing import Any

import server.campaigns.entity
import server.inspections.entity
import server.rosters.entity
import server.visits.entity  # noqa: F401  (the imports above and this one register entities)
from server.accounts.controllers import AuthController, MeController
from server.audit.controllers import AuditController
from server.calendar.controllers import CalendarController
from server.campaigns.admin_controllers import CampaignAdminController, TemplateAdminController
from server.campaigns.controllers import CampaignController
from server.demands.controllers import DemandController
from server.demands.reminders import reminders_job
from server.desk.controllers import DeskController
from server.imports.controllers import ImportController
from server.inspections.controllers import InspectionController
from server.jobs import Job
from server.jobs.controllers import JobController
from server.media.controllers import MediaController, provide_storage
from server.orgunits.controllers import OrgUnitAdminController
from server.rectifications.controllers import RectificationController
from server.reports.controllers import ReportController
from server.reports.history import weekly_job
from server.retention.purge import purge_job
from server.reviews.controllers import ReviewController
from server.rosters.admin_controllers import RosterAdminController
from server.rosters.controllers import RosterController
from server.settings import Settings
from server.sync.controllers import SyncController
from server.users.controllers import UserAdminController
from server.visits.controllers import VisitController

CONTROLLERS: list[Any] = [
    AuthController,
    MeController,
    CalendarController,
    CampaignController,
    CampaignAdminController,
    TemplateAdminController,
    DemandController,
    ImportController,
    DeskController,
    InspectionController,
    JobController,
    RectificationController,
    ReportController,
    ReviewController,
    RosterController,
    RosterAdminController,
    VisitController,
    SyncController,
    MediaController,
    OrgUnitAdminController,
    UserAdminController,
    AuditController,
]


def scheduled_jobs(settings: Settings) -> list[Job]:
    """Every scheduled job this deployment runs (each server process runs the same list)."""
    jobs = [reminders_job()]
    if settings.purge_every_hours:
        jobs.append(purge_job(settings.purge_every_hours, provide_storage))
    if settings.weekly_report_at:
        jobs.append(weekly_job(*settings.weekly_report_at))
    return jobs
