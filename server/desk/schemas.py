"""What the desk's API reads and answers."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Literal

import msgspec

from sync import protocol

RecordKind = Literal["visit", "inspection"]
FlagName = Literal[
    "low_accuracy", "far_from_centre", "late_submission", "no_photo", "edited_after_return"
]
DemandFilter = Literal["any", "open"]
Sort = Literal["-day", "day", "-submitted_at", "submitted_at"]
#: Longest text search: what a person types, not a document.
SEARCH_MAX = 100


class Filters(msgspec.Struct, kw_only=True, frozen=True):
    """The records table's filters; every one is optional and they combine (AND)."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    unit_path: str | None = None
    person_id: uuid.UUID | None = None
    campaign_id: uuid.UUID | None = None
    kind: RecordKind | None = None
    status: protocol.RecordStatus | None = None
    demands: DemandFilter | None = None
    has_photos: bool | None = None
    has_location: bool | None = None
    flags: tuple[FlagName, ...] = ()
    q: str = ""


class RecordRow(msgspec.Struct, kw_only=True):
    """One line of the records table (also a map point's and an export row's data)."""

    kind: RecordKind
    id: uuid.UUID
    version: int
    status: str
    day: dt.date
    #: The talent (or unit) visited, or the centre inspected.
    subject: str
    owner_id: uuid.UUID
    owner_name: str
    unit_name: str
    #: The campaign of a visit, the checklist of an inspection.
    campaign_name: str
    place: str
    latitude: float | None
    longitude: float | None
    accuracy: float | None
    photo_count: int
    demand_count: int
    open_demand_count: int
    submitted_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    review_comment: str
    flags: list[str]


class FlagOut(msgspec.Struct, kw_only=True):
    name: str
    label: str
    #: Why this record has it, with the figures.
    explanation: str


class FieldChange(msgspec.Struct, kw_only=True):
    field: str
    before: Any
    after: Any


class VersionOut(msgspec.Struct, kw_only=True):
    """One version of the record: who wrote it, when, and what it changed from the one before."""

    version: int
    actor_id: uuid.UUID | None
    actor_name: str
    stream: str
    at: dt.datetime
    changes: list[FieldChange]


class DecisionOut(msgspec.Struct, kw_only=True):
    decision: str
    comment: str
    reviewer_id: uuid.UUID
    reviewer_name: str
    reviewed_version: int
    version: int
    at: dt.datetime


class RecordDetail(msgspec.Struct, kw_only=True):
    row: RecordRow
    #: Every field, as the visits or inspections API gives it (with demands, or items).
    record: dict[str, Any]
    flags: list[FlagOut]
    #: Inspections: metres from the centre's registered point, when both are known.
    distance_to_centre_m: float | None
    history: list[VersionOut]
    reviews: list[DecisionOut]


class BatchItem(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    kind: RecordKind
    id: uuid.UUID
    #: The version the reviewer read.
    version: Annotated[int, msgspec.Meta(ge=1)]


class BatchReviewIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    decision: protocol.ReviewDecision
    comment: Annotated[str, msgspec.Meta(max_length=1000)] = ""
    items: Annotated[list[BatchItem], msgspec.Meta(min_length=1, max_length=200)]


class BatchResult(msgspec.Struct, kw_only=True):
    kind: RecordKind
    id: uuid.UUID
    ok: bool
    status: str = ""
    version: int = 0
    #: The error's stable code and message when not ok.
    code: str = ""
    message: str = ""


class BatchReviewOut(msgspec.Struct, kw_only=True):
    approved: int
    returned: int
    failed: int
    results: list[BatchResult]


class MapPoint(msgspec.Struct, kw_only=True):
    kind: RecordKind
    id: uuid.UUID
    latitude: float
    longitude: float
    status: str


class CentrePoint(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    latitude: float
    longitude: float


class MapOut(msgspec.Struct, kw_only=True):
    #: Points of the filtered records (newest first, at most ``limit``), and how many match.
    total: int
    points: list[MapPoint]
    centres: list[CentrePoint]
