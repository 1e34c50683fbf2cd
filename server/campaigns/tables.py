"""Campaigns (三送三问, 三联三促) and centre checklist templates: configuration as data."""

from piccolo.columns import (
    JSON,
    UUID,
    BigInt,
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    Text,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from server.accounts.tables import OrgUnit
from server.db import Timestamped


class Campaign(Timestamped, Table, tablename="campaign"):
    """A visiting campaign. Its send and ask items are data, not code (they vary by county)."""

    id = UUID(primary_key=True)
    #: Glossary code, e.g. ``campaign.sssw`` or ``campaign.slsc``.
    code = Varchar(length=50)
    name = Varchar(length=100)
    #: Owning unit; the campaign applies to its subtree.
    org_unit = ForeignKey(OrgUnit, on_delete=OnDelete.restrict)
    #: ``[{"key": "policy", "label": "送政策"}, ...]`` in the order forms show them; an item an
    #: admin took away stays with ``"retired": true`` (records may name it) and phones omit it.
    send_items = JSON(default=[])
    #: ``[{"key": "needs", "label": "问需"}, ...]``
    ask_items = JSON(default=[])
    #: ``talent`` (三送三问) or ``unit`` (三联三促 may target a unit).
    target_kind = Varchar(length=20, default="talent")
    starts_on = Date()
    ends_on = Date()
    #: Government app rules: photos and GPS optional unless an admin requires them.
    photo_required = Boolean(default=False)
    location_required = Boolean(default=False)
    album_allowed = Boolean(default=True)
    #: Stamp time, place and visitor name into photo pixels.
    watermark = Boolean(default=False)
    active = Boolean(default=True)
    #: Bumped by every admin write, so an edit made on a stale copy is refused.
    version = Integer(default=1)
    #: Change counter at the last write (see server.sync.changes): phones pull campaigns by it.
    change_seq = BigInt(default=0, index=True)


class ChecklistTemplate(Timestamped, Table, tablename="checklist_template"):
    """A centre inspection checklist (e.g. 五常两聚 提标升级)."""

    id = UUID(primary_key=True)
    name = Varchar(length=100)
    description = Text(default="")
    org_unit = ForeignKey(OrgUnit, on_delete=OnDelete.restrict)
    active = Boolean(default=True)
    #: Bumped by every admin edit. An edit of a template inspections already used makes a new
    #: template (the next version, ``supersedes`` naming this one) and retires this one, so
    #: those inspections keep the items they were scored against.
    version = Integer(default=1)
    supersedes = UUID(null=True, default=None)
    #: Change counter at the last write to the template or any of its items.
    change_seq = BigInt(default=0, index=True)


class ChecklistItem(Table, tablename="checklist_item"):
    """One line of a checklist: a standard, its maximum score and how it is checked."""

    id = UUID(primary_key=True)
    template = ForeignKey(ChecklistTemplate, on_delete=OnDelete.restrict)
    #: 阵地建设, 标识与制度上墙, 服务功能, ...
    dimension = Varchar(length=50)
    title = Varchar(length=200)
    standard = Text(default="")
    max_score = DoublePrecision(default=0)
    #: site_check (实地察看), document_review (查阅资料), interview (走访询问), briefing (听取汇报).
    method = Varchar(length=30, default="site_check")
    position = Integer(default=0)
