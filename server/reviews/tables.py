"""Review decisions as rows: the review history of a record, one row per decision."""

from piccolo.columns import UUID, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from server.accounts.tables import User


class ReviewDecision(Table, tablename="review_decision"):
    """One approve or return of a visit or inspection, written in the review's own write
    (``server.reviews.service``), so a later decision never overwrites an earlier comment."""

    id = UUID(primary_key=True)
    #: ``visit`` or ``inspection``.
    entity = Varchar(length=20)
    record_id = UUID(index=True)
    #: ``approve`` or ``return`` (``sync.protocol.ReviewDecision``).
    decision = Varchar(length=10)
    comment = Text(default="")
    reviewer = ForeignKey(User, on_delete=OnDelete.restrict, null=False)
    #: The version the reviewer read, and the one the decision made.
    reviewed_version = Integer()
    version = Integer()
    created_at = Timestamptz()
