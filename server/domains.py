"""The API's domain controllers, registered in one list so the app factory stays short."""

from typing import Any

from server.campaigns.controllers import CampaignController
from server.media.controllers import MediaController
from server.rosters.controllers import RosterController
from server.sync.controllers import SyncController
from server.visits.controllers import VisitController

CONTROLLERS: list[Any] = [
    CampaignController,
    RosterController,
    VisitController,
    SyncController,
    MediaController,
]
