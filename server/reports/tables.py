"""Summaries kept once made: the figures and the files, for reviewers to browse and download."""

from piccolo.columns import JSON, UUID, Bytea, Date, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.accounts.tables import OrgUnit, User


class StoredReport(Table, tablename="stored_report"):
    """One generated summary of one unit's area for one period.

    The files live in the row, not under the data folder: every server process (on any host)
    sees them as soon as the row commits, a summary and its files are written in one
    transaction, and ``zoufang backup`` already copies them with the database. They are small
    (tens of kB), so the table stays small for years of weeks.
    """

    id = UUID(primary_key=True)
    org_unit = ForeignKey(OrgUnit, on_delete=OnDelete.restrict, null=False, index=True)
    #: The campaign the cumulative figures count from (None: from 1 January).
    campaign = UUID(null=True, default=None)
    #: ``week`` (``2026-W47``), ``month`` (``2026-11``) or ``quarter`` (``2026-Q4``).
    period_kind = Varchar(length=10)
    period = Varchar(length=10)
    starts_on = Date()
    ends_on = Date()
    #: The summary as the API returns it (``server.reports.schemas.Summary``).
    figures = JSON(default={})
    xlsx = Bytea(default=b"")
    docx = Bytea(default=b"")
    csv = Bytea(default=b"")
    #: Who asked for it; None when the schedule made it.
    generated_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    generated_at = Timestamptz(default=TimestamptzNow())


__all__ = ["StoredReport"]
