"""The steps of a rectification's loop (整改), each an event with actor, time, note and photos."""

from piccolo.columns import JSON, UUID, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from server.accounts.tables import User
from server.inspections.tables import Rectification


class RectificationEvent(Table, tablename="rectification_event"):
    """One step of a rectification: started, reported (with photos), accepted or sent back."""

    id = UUID(primary_key=True)
    rectification = ForeignKey(Rectification, on_delete=OnDelete.restrict, index=True)
    #: One of ``server.rectifications.steps.STEPS``.
    kind = Varchar(length=30)
    actor = ForeignKey(User, on_delete=OnDelete.restrict)
    note = Text(default="")
    #: SHA-256 of the photos sent through the resumable photo path (``PUT /api/media/{sha256}``).
    photos = JSON(default=[])
    created_at = Timestamptz()
