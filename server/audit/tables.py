"""The access and export audit log (PIPL, 等保)."""

from piccolo.columns import JSON, UUID, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from server.accounts.tables import User


class AuditLog(Table, tablename="audit_log"):
    """Who did what to which record, when, from where. Append-only."""

    id = UUID(primary_key=True)
    actor = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    #: e.g. auth.login, auth.logout, visit.review, report.export.
    action = Varchar(length=50, index=True)
    entity = Varchar(length=40, default="")
    entity_id = Varchar(length=64, default="")
    details = JSON(default={})
    ip = Varchar(length=64, default="")
    created_at = Timestamptz(index=True)
