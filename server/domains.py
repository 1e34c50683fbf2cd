"""The API's domain controllers, registered in one list so the app factory stays short."""

from typing import Any

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
