"""The domains: their API controllers in one list, so the app factory stays short, and what each
registers with the sync engine (importing this module registers every synced entity)."""

from typing import Any

import server.campaigns.entity
import server.inspections.entity
import server.rosters.entity
import server.visits.entity  # noqa: F401  (the imports above and this one register entities)
from server.accounts.controllers import AuthController, MeController
from server.campaigns.controllers import CampaignController
from server.demands.controllers import DemandController
from server.inspections.controllers import InspectionController
from server.media.controllers import MediaController
from server.reports.controllers import ReportController
from server.reviews.controllers import ReviewController
from server.rosters.controllers import RosterController
from server.sync.controllers import SyncController
from server.visits.controllers import VisitController

CONTROLLERS: list[Any] = [
    AuthController,
    MeController,
    CampaignController,
    DemandController,
    InspectionController,
    ReportController,
    ReviewController,
    RosterController,
    VisitController,
    SyncController,
    MediaController,
]
