"""The sync protocol's wire format: every message a device and the server exchange.

Plain msgspec structs, shared by the server (``server.sync``) and the Python client; the
browser client mirrors them in TypeScript and decodes the same examples (``sync/examples``).
See ``sync/PROTOCOL.md`` for the rules that go with the shapes.

Conventions: inbound messages (device → server) are ``kw_only`` and forbid unknown fields, so
a typo is an error, not silently ignored data; outbound messages ignore unknown fields when a
client decodes them, so the server may add fields in a minor version. Operations and results
are tagged unions (``op``, ``status``, ``entity``): adding one is one class and one match arm.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Annotated, Any, Literal, get_args

import msgspec

#: The version this code speaks. A different minor version is understood; a different major
#: version is refused with ``sync.unsupported_version``.
PROTOCOL_VERSION = "1.0"
PROTOCOL_MAJOR = 1

#: Most mutations in one push, and most changes in one pull page.
MAX_BATCH = 500
MAX_PULL_LIMIT = 1000

#: Device clock further than this from the server's is reported to the user.
CLOCK_SKEW_WARNING_SECONDS = 300

ProtocolVersion = Annotated[str, msgspec.Meta(pattern=r"^\d{1,3}\.\d{1,3}$")]
Sha256 = Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}$")]
DeviceId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Seq = Annotated[int, msgspec.Meta(ge=1)]
Version = Annotated[int, msgspec.Meta(ge=0)]
AwareDatetime = Annotated[dt.datetime, msgspec.Meta(tz=True)]
Latitude = Annotated[float, msgspec.Meta(ge=-90, le=90)]
Longitude = Annotated[float, msgspec.Meta(ge=-180, le=180)]
Accuracy = Annotated[float, msgspec.Meta(ge=0, le=1_000_000)]
Photos = Annotated[list[Sha256], msgspec.Meta(max_length=30)]


Text50 = Annotated[str, msgspec.Meta(max_length=50)]
Text100 = Annotated[str, msgspec.Meta(max_length=100)]
Text200 = Annotated[str, msgspec.Meta(max_length=200)]
Text500 = Annotated[str, msgspec.Meta(max_length=500)]
Text2000 = Annotated[str, msgspec.Meta(max_length=2000)]
Text5000 = Annotated[str, msgspec.Meta(max_length=5000)]
Text10000 = Annotated[str, msgspec.Meta(max_length=10000)]
#: A campaign item key, e.g. "policy" or "needs".
Key = Annotated[str, msgspec.Meta(min_length=1, max_length=30)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=50)]
Description = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


VisitMode = Literal["in_person", "symposium", "phone", "video"]
DemandCategory = Literal[
    "policy_delivery",
    "housing",
    "school_enrolment",
    "medical",
    "household_registration",
    "spouse_employment",
    "project_application",
    "funding",
    "recruitment",
    "intellectual_property",
    "title_evaluation",
    "other",
]
ItemResultValue = Literal["met", "partly_met", "not_met", "not_applicable"]
#: "returned" (退回重整) came with the rectification steps: older phones show the raw value.
RectificationStatus = Literal["pending", "in_progress", "reported", "accepted", "returned"]
RecordStatus = Literal["draft", "submitted", "approved", "returned"]
#: A reviewer's decision on a submitted record.
ReviewDecision = Literal["approve", "return"]
DemandStatus = Literal[
    "received",
    "resolved_on_site",
    "assigned",
    "in_progress",
    "replied",
    "revisited",
    "closed",
    # Added with the work-order steps (签收, 退单): older phones show them as the raw value.
    "acknowledged",
    "sent_back",
]
#: What the talent said of a demand's outcome at the revisit (回访).
Satisfaction = Literal["satisfied", "basically_satisfied", "unsatisfied"]

# The lists of allowed values above, as tuples: the one definition the server derives from.
VISIT_MODES: tuple[str, ...] = get_args(VisitMode)
DEMAND_CATEGORIES: tuple[str, ...] = get_args(DemandCategory)
DEMAND_STATUSES: tuple[str, ...] = get_args(DemandStatus)
ITEM_RESULTS: tuple[str, ...] = get_args(ItemResultValue)
RECTIFICATION_STATUSES: tuple[str, ...] = get_args(RectificationStatus)
RECORD_STATUSES: tuple[str, ...] = get_args(RecordStatus)
REVIEW_DECISIONS: tuple[str, ...] = get_args(ReviewDecision)
SATISFACTIONS: tuple[str, ...] = get_args(Satisfaction)


class _Inbound(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Device → server: unknown fields are errors."""


class _Outbound(msgspec.Struct, kw_only=True):
    """Server → device."""


# ---------------------------------------------------------------------------------------------
# Record fields a device edits. ``*Fields`` are shared by the inbound ``*In`` (what a device
# sends, nested children included) and the outbound ``*Record`` (what pull returns, flat).
# ---------------------------------------------------------------------------------------------


class VisitFields(msgspec.Struct, kw_only=True):
    """A talent visit as the visitor records it."""

    id: uuid.UUID
    campaign_id: uuid.UUID
    #: Null when the campaign targets a unit (三联三促); then target_unit_name is required.
    talent_id: uuid.UUID | None = None
    target_unit_name: Text200 = ""
    visited_on: dt.date
    mode: VisitMode
    #: Names of everyone on the visit.
    visitors: Annotated[list[Name], msgspec.Meta(max_length=30)] = []
    lead_official: Text50 = ""
    place: Text200 = ""
    #: WGS-84, only when the visitor chose to record a position.
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    accuracy: Accuracy | None = None
    located_at: AwareDatetime | None = None
    #: Keys of the campaign's send items delivered (送政策 → "policy").
    sends: Annotated[list[Key], msgspec.Meta(max_length=20)] = []
    policies: Text5000 = ""
    #: Campaign ask key → what was said.
    asks: Annotated[dict[Key, Text5000], msgspec.Meta(max_length=20)] = {}
    notes: Text10000 = ""
    #: SHA-256 of the photos this record expects; they are uploaded separately.
    photos: Photos = []
    #: The device's clock when the record was made: shown, never ordered by.
    device_created_at: AwareDatetime | None = None


class DemandFields(msgspec.Struct, kw_only=True):
    """A demand (诉求) raised during a visit."""

    id: uuid.UUID
    #: The campaign ask item it came from (needs, difficulties, ...).
    ask_key: Key = "needs"
    category: DemandCategory
    description: Description
    resolved_on_site: bool = False


class InspectionFields(msgspec.Struct, kw_only=True):
    """An inspection of a service centre against a checklist template."""

    id: uuid.UUID
    service_center_id: uuid.UUID
    template_id: uuid.UUID
    inspected_on: dt.date
    notes: Text10000 = ""
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    accuracy: Accuracy | None = None
    located_at: AwareDatetime | None = None
    photos: Photos = []
    device_created_at: AwareDatetime | None = None


class ItemResultFields(msgspec.Struct, kw_only=True):
    """The finding for one checklist item."""

    id: uuid.UUID
    item_id: uuid.UUID
    result: ItemResultValue
    score: Annotated[float, msgspec.Meta(ge=0, le=1000)] = 0
    note: Text2000 = ""
    photos: Photos = []


class RectificationFields(msgspec.Struct, kw_only=True):
    """A shortfall to fix (整改)."""

    id: uuid.UUID
    item_id: uuid.UUID | None = None
    issue: Description
    responsible_unit_id: uuid.UUID | None = None
    responsible_unit_name: Text100 = ""
    deadline: dt.date
    status: RectificationStatus = "pending"


class DemandIn(DemandFields, _Inbound, kw_only=True):
    #: The demand's server version the device started from; 0 for a new demand.
    base_version: Version = 0
    #: Withdraw this row (soft delete). A row left out of the list is left unchanged.
    deleted: bool = False


class VisitIn(VisitFields, _Inbound, kw_only=True):
    #: The visit's demands; one left out is unchanged, one with ``deleted`` is withdrawn.
    demands: Annotated[list[DemandIn], msgspec.Meta(max_length=50)] = []


class ItemResultIn(ItemResultFields, _Inbound, kw_only=True):
    base_version: Version = 0
    #: Withdraw this row (soft delete). A row left out of the list is left unchanged.
    deleted: bool = False


class RectificationIn(RectificationFields, _Inbound, kw_only=True):
    base_version: Version = 0
    #: Withdraw this row (soft delete). A row left out of the list is left unchanged.
    deleted: bool = False


class InspectionIn(InspectionFields, _Inbound, kw_only=True):
    item_results: Annotated[list[ItemResultIn], msgspec.Meta(max_length=200)] = []
    rectifications: Annotated[list[RectificationIn], msgspec.Meta(max_length=200)] = []


# ---------------------------------------------------------------------------------------------
# Push: mutations (tagged by "op")
# ---------------------------------------------------------------------------------------------


class _Mutation(_Inbound, tag_field="op", kw_only=True):
    #: Made on the device once per mutation; a replay carries the same id.
    mutation_id: uuid.UUID
    #: Per (user, device) sequence, from 1, assigned when the mutation is queued.
    seq: Seq


class VisitPut(_Mutation, tag="visit.put", kw_only=True):
    """Create or edit a visit and its demands (the whole record)."""

    #: The visit's server version the edit started from; 0 for a new visit.
    base_version: Version = 0
    visit: VisitIn


class VisitSubmit(_Mutation, tag="visit.submit", kw_only=True):
    """Draft or returned → submitted for review."""

    id: uuid.UUID
    base_version: Version = 0


class VisitDelete(_Mutation, tag="visit.delete", kw_only=True):
    """Withdraw a draft (soft delete; travels to other devices as a tombstone)."""

    id: uuid.UUID
    base_version: Version = 0


class InspectionPut(_Mutation, tag="inspection.put", kw_only=True):
    """Create or edit an inspection with its item results and rectifications."""

    base_version: Version = 0
    inspection: InspectionIn


class InspectionSubmit(_Mutation, tag="inspection.submit", kw_only=True):
    id: uuid.UUID
    base_version: Version = 0


class InspectionDelete(_Mutation, tag="inspection.delete", kw_only=True):
    id: uuid.UUID
    base_version: Version = 0


class Skip(_Mutation, tag="skip", kw_only=True):
    """Give up a sequence number whose mutation the server can never accept.

    A client sends this in place of a mutation that keeps failing as a whole request (a 4xx
    that names no mutation), so the queue behind it moves on; the server answers ``rejected``
    with ``sync.skipped`` and applies nothing.
    """

    reason: Text500 = ""


Mutation = (
    VisitPut
    | VisitSubmit
    | VisitDelete
    | InspectionPut
    | InspectionSubmit
    | InspectionDelete
    | Skip
)


class PushRequest(_Inbound, kw_only=True):
    protocol_version: ProtocolVersion = PROTOCOL_VERSION
    #: Must be the device id the token was issued to.
    device_id: DeviceId
    #: The device's clock now; only to report skew.
    device_time: AwareDatetime | None = None
    #: In sequence order; the server sorts them by ``seq`` anyway.
    mutations: Annotated[list[Mutation], msgspec.Meta(max_length=MAX_BATCH)]


# ---------------------------------------------------------------------------------------------
# Push: results (tagged by "status")
# ---------------------------------------------------------------------------------------------


class FieldConflict(_Outbound, kw_only=True):
    """A field the device changed that someone else changed since its base version.

    The server kept its own value and stored this conflict for a person to resolve
    (``GET /api/sync/conflicts``). ``field`` is ``_deleted`` when the edit was a deletion.
    """

    conflict_id: uuid.UUID
    entity: str
    id: uuid.UUID
    field: str
    base_value: Any = None
    server_value: Any = None
    client_value: Any = None


class _Result(_Outbound, tag_field="status", kw_only=True):
    mutation_id: uuid.UUID
    seq: int


class Applied(_Result, tag="applied", kw_only=True):
    """Every field was applied (or nothing needed changing)."""

    entity: str
    id: uuid.UUID
    #: The record's version now; the next edit names it as ``base_version``.
    version: int
    #: Versions of nested rows (demands, item results, rectifications) by id.
    versions: dict[str, int] = {}
    #: Photos the record expects that the server does not have yet: upload them.
    missing_photos: list[str] = []


class Conflicted(_Result, tag="conflict", kw_only=True):
    """Applied except for the listed fields, which are kept as conflicts."""

    entity: str
    id: uuid.UUID
    version: int
    versions: dict[str, int] = {}
    missing_photos: list[str] = []
    conflicts: list[FieldConflict] = []


class Rejected(_Result, tag="rejected", kw_only=True):
    """Nothing applied; the sequence number is used up and the queue moves on."""

    code: str
    message: str
    details: dict[str, Any] = {}


class Duplicate(_Result, tag="duplicate", kw_only=True):
    """Already applied earlier; ``original`` is the result it got then. Nothing was written."""

    original: Applied | Conflicted | Rejected


Result = Applied | Conflicted | Rejected | Duplicate


class Gap(_Outbound, kw_only=True):
    """The batch skipped a sequence number: nothing from ``received_seq`` on was applied."""

    expected_seq: int
    received_seq: int


class PushResponse(_Outbound, kw_only=True):
    protocol_version: str = PROTOCOL_VERSION
    server_time: dt.datetime
    #: device_time − server_time, when the device sent its time.
    clock_skew_seconds: float | None = None
    clock_skew_warning: bool = False
    #: The last sequence number the server has applied for this user on this device.
    last_seq: int
    #: One per mutation processed, in sequence order.
    results: list[Result] = []
    gap: Gap | None = None


# ---------------------------------------------------------------------------------------------
# Pull: records (tagged by "entity") and changes (tagged by "op")
# ---------------------------------------------------------------------------------------------


class VisitRecord(VisitFields, tag_field="entity", tag="visit", kw_only=True):
    visitor_id: uuid.UUID
    org_unit_id: uuid.UUID
    status: RecordStatus
    review_comment: str = ""
    submitted_at: dt.datetime | None = None
    reviewed_at: dt.datetime | None = None
    version: int
    #: Photos listed in ``photos`` that the server has not received yet.
    missing_photos: list[str] = []
    updated_at: dt.datetime | None = None


class DemandRecord(DemandFields, tag_field="entity", tag="demand", kw_only=True):
    visit_id: uuid.UUID
    status: str
    handler_unit_id: uuid.UUID | None = None
    due_date: dt.date | None = None
    assigned_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    satisfaction: str | None = None
    version: int


class InspectionRecord(InspectionFields, tag_field="entity", tag="inspection", kw_only=True):
    inspector_id: uuid.UUID
    org_unit_id: uuid.UUID
    total_score: float
    status: RecordStatus
    review_comment: str = ""
    submitted_at: dt.datetime | None = None
    reviewed_at: dt.datetime | None = None
    version: int
    missing_photos: list[str] = []
    updated_at: dt.datetime | None = None


class ItemResultRecord(
    ItemResultFields, tag_field="entity", tag="inspection_item_result", kw_only=True
):
    inspection_id: uuid.UUID
    version: int
    missing_photos: list[str] = []


class RectificationRecord(
    RectificationFields, tag_field="entity", tag="rectification", kw_only=True
):
    inspection_id: uuid.UUID
    version: int


class TalentRecord(_Outbound, tag_field="entity", tag="talent", kw_only=True):
    id: uuid.UUID
    name: str
    #: Pinyin initials for search on the phone ("zs" for 张三).
    name_initials: str = ""
    employer: str = ""
    org_unit_id: uuid.UUID
    category: str
    level: str = ""
    field: str = ""
    title: str = ""
    #: Masked (138****5678): the full number never leaves the server in a sync.
    phone_masked: str = ""
    contact_leader: str = ""
    liaison_staff: str = ""
    roster_year: int


class ServiceCenterRecord(_Outbound, tag_field="entity", tag="service_center", kw_only=True):
    id: uuid.UUID
    name: str
    name_initials: str = ""
    org_unit_id: uuid.UUID
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None


class CampaignItem(_Outbound, kw_only=True):
    key: str
    label: str


class CampaignRecord(_Outbound, tag_field="entity", tag="campaign", kw_only=True):
    id: uuid.UUID
    code: str
    name: str
    org_unit_id: uuid.UUID
    send_items: list[CampaignItem] = []
    ask_items: list[CampaignItem] = []
    target_kind: Literal["talent", "unit"] = "talent"
    starts_on: dt.date
    ends_on: dt.date
    photo_required: bool = False
    location_required: bool = False
    album_allowed: bool = True
    watermark: bool = False


class ChecklistItemRecord(_Outbound, kw_only=True):
    id: uuid.UUID
    dimension: str
    title: str
    standard: str = ""
    max_score: float = 0
    method: str = "site_check"
    position: int = 0


class ChecklistTemplateRecord(
    _Outbound, tag_field="entity", tag="checklist_template", kw_only=True
):
    id: uuid.UUID
    name: str
    description: str = ""
    org_unit_id: uuid.UUID
    items: list[ChecklistItemRecord] = []


Record = (
    CampaignRecord
    | ChecklistTemplateRecord
    | TalentRecord
    | ServiceCenterRecord
    | VisitRecord
    | DemandRecord
    | InspectionRecord
    | ItemResultRecord
    | RectificationRecord
)

#: Entities in the order pull delivers changes that share a change sequence number.
ENTITIES: tuple[str, ...] = (
    "campaign",
    "checklist_template",
    "talent",
    "service_center",
    "visit",
    "demand",
    "inspection",
    "inspection_item_result",
    "rectification",
)


class _Change(_Outbound, tag_field="op", kw_only=True):
    #: The server-wide change counter value of the write.
    change_seq: int


class Upsert(_Change, tag="upsert", kw_only=True):
    record: Record


class Tombstone(_Change, tag="delete", kw_only=True):
    """The record was deleted, or left what this user may see (an inactive campaign)."""

    entity: str
    id: uuid.UUID
    version: int | None = None


Change = Upsert | Tombstone


class PullRequest(_Inbound, kw_only=True):
    protocol_version: ProtocolVersion = PROTOCOL_VERSION
    #: From the last pull response; null (or absent) for a full sync.
    cursor: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    limit: Annotated[int, msgspec.Meta(ge=1, le=MAX_PULL_LIMIT)] = 500
    device_time: AwareDatetime | None = None


class PullResponse(_Outbound, kw_only=True):
    protocol_version: str = PROTOCOL_VERSION
    server_time: dt.datetime
    clock_skew_seconds: float | None = None
    clock_skew_warning: bool = False
    #: Pass back in the next pull. Opaque.
    cursor: str | None
    #: More changes are waiting: pull again at once.
    has_more: bool = False
    #: The cursor is too old (or unknown): drop it and pull from null, then delete local
    #: records (other than unsynced ones) that the full sync did not return.
    reset_required: bool = False
    changes: list[Change] = []


# ---------------------------------------------------------------------------------------------
# Conflicts a person resolves
# ---------------------------------------------------------------------------------------------


class ConflictRecord(_Outbound, kw_only=True):
    """A stored field conflict (``GET /api/sync/conflicts``)."""

    id: uuid.UUID
    entity: str
    entity_id: uuid.UUID
    #: The visit or inspection it belongs to, and how a person would name it (the talent or
    #: unit visited, or the centre inspected, and the date).
    record_entity: str
    record_id: uuid.UUID
    record_label: str = ""
    field: str
    base_value: Any = None
    server_value: Any = None
    client_value: Any = None
    #: The field's value on the server now.
    current_value: Any = None
    author_id: uuid.UUID
    author_name: str = ""
    device_id: str = ""
    mutation_id: uuid.UUID | None = None
    created_at: dt.datetime
    resolved: bool = False
    resolution: Literal["server", "client", "value"] | None = None
    resolved_value: Any = None
    resolved_by_id: uuid.UUID | None = None
    resolved_at: dt.datetime | None = None
    #: Whether the caller may write a value into the record now (``client`` or ``value``);
    #: keeping the server's value (``server``) needs no write and is open to whoever sees it.
    writable: bool = False


class ResolveRequest(_Inbound, kw_only=True):
    """Keep the server's value, take the device's, or set another value."""

    resolution: Literal["server", "client", "value"]
    #: With ``value``: the field's new value, in its wire form.
    value: Any = None


# ---------------------------------------------------------------------------------------------
# Photos and errors
# ---------------------------------------------------------------------------------------------


class MediaStatus(_Outbound, kw_only=True):
    """What the server holds of one photo (also sent as headers on ``HEAD``)."""

    sha256: str
    size: int
    #: Bytes stored so far: an interrupted upload continues from here.
    received: int
    complete: bool


class ErrorBody(_Outbound, kw_only=True):
    """Every non-2xx answer of the API."""

    code: str
    message: str
    details: dict[str, Any] = {}


# ---------------------------------------------------------------------------------------------
# Decoding helpers
# ---------------------------------------------------------------------------------------------


class ProtocolError(ValueError):
    """A message that cannot be understood as a whole; ``code`` is the API error code."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}


class _Envelope(msgspec.Struct):
    protocol_version: Any = None


class _PushEnvelope(_Inbound, kw_only=True):
    protocol_version: ProtocolVersion
    device_id: DeviceId
    device_time: AwareDatetime | None = None
    mutations: Annotated[list[msgspec.Raw], msgspec.Meta(max_length=MAX_BATCH)]


class _PushBatch(PushRequest, kw_only=True):
    """A push whose every mutation is valid (the common case, decoded in one pass); unlike
    what a client builds, the version must be in the body."""

    protocol_version: ProtocolVersion


_decode_batch = msgspec.json.Decoder(_PushBatch).decode


class _MutationHead(msgspec.Struct, kw_only=True):
    mutation_id: uuid.UUID
    seq: Seq
    op: Any = None


class MalformedMutation(msgspec.Struct, kw_only=True):
    """A mutation whose id and sequence could be read but whose body is invalid."""

    mutation_id: uuid.UUID
    seq: int
    code: str
    message: str
    #: The mutation as sent, kept with the rejection.
    payload: Any = None


class DecodedPush(msgspec.Struct, kw_only=True):
    device_id: str
    device_time: dt.datetime | None
    #: In ``seq`` order.
    mutations: list[Mutation | MalformedMutation]


def check_version(version: Any) -> None:
    """Raise ``sync.unsupported_version`` unless ``version`` has our major number."""
    if not isinstance(version, str) or version.split(".", 1)[0] != str(PROTOCOL_MAJOR):
        raise ProtocolError(
            "sync.unsupported_version",
            f"protocol version {version!r} is not supported; this server speaks {PROTOCOL_VERSION}",
            {"supported": PROTOCOL_VERSION},
        )


def _checked(data: bytes) -> None:
    try:
        envelope = msgspec.json.decode(data, type=_Envelope)
    except msgspec.DecodeError as exc:
        raise ProtocolError(
            "request.invalid_json", f"request body is not valid JSON: {exc}"
        ) from None
    except RecursionError:
        raise ProtocolError("request.validation", "the request is nested too deeply") from None
    check_version(envelope.protocol_version)


_KNOWN_OPS = {cls.__struct_config__.tag for cls in Mutation.__args__}

#: A ``\u0000`` escape, with the backslashes before it (an even number escape each other).
_NUL_ESCAPE = re.compile(rb"(\\+)u0000")


def contains_nul(data: bytes) -> bool:
    """Whether JSON text holds a NUL character anywhere: no text may (PostgreSQL cannot store
    one), so every engine refuses it alike."""
    if b"u0000" not in data:
        return False
    return any(len(m.group(1)) % 2 for m in _NUL_ESCAPE.finditer(data))


def decode_push(data: bytes) -> DecodedPush:
    """Decode a push body, each mutation on its own so one bad mutation cannot sink the batch.

    A mutation whose ``mutation_id`` and ``seq`` can be read but whose body is invalid comes
    back as a :class:`MalformedMutation` (the server rejects just that one); anything worse is a
    :class:`ProtocolError` for the whole request.
    """
    nul = contains_nul(data)
    try:
        batch = None if nul else _decode_batch(data)
    except msgspec.DecodeError:
        batch = None  # something is wrong: the careful path below finds what, one by one
    if batch is not None:
        check_version(batch.protocol_version)
        return DecodedPush(
            device_id=batch.device_id,
            device_time=batch.device_time,
            mutations=sorted(batch.mutations, key=lambda m: m.seq),
        )
    _checked(data)
    try:
        envelope = msgspec.json.decode(data, type=_PushEnvelope)
    except msgspec.ValidationError as exc:
        raise ProtocolError("request.validation", str(exc)) from None
    except RecursionError:
        raise ProtocolError("request.validation", "the request is nested too deeply") from None
    mutations: list[Mutation | MalformedMutation] = []
    for raw in envelope.mutations:
        if nul and contains_nul(bytes(raw)):
            # Refused, not stripped: the device shows it, and the queue moves on.
            mutations.append(_malformed(raw, "text may not contain the NUL character"))
            continue
        try:
            mutations.append(msgspec.json.decode(raw, type=Mutation))
        except (msgspec.ValidationError, RecursionError) as exc:
            mutations.append(_malformed(raw, str(exc)))
    mutations.sort(key=lambda m: m.seq)
    return DecodedPush(
        device_id=envelope.device_id, device_time=envelope.device_time, mutations=mutations
    )


def _malformed(raw: msgspec.Raw, error: str) -> MalformedMutation:
    try:
        head = msgspec.json.decode(raw, type=_MutationHead)
    except (msgspec.ValidationError, RecursionError) as exc:
        raise ProtocolError(
            "request.validation", f"a mutation lacks a valid mutation_id or seq: {exc}"
        ) from None
    unknown = head.op not in _KNOWN_OPS
    return MalformedMutation(
        mutation_id=head.mutation_id,
        seq=head.seq,
        code="sync.unknown_op" if unknown else "sync.malformed",
        message=f"unknown operation {head.op!r}" if unknown else error,
        payload=_kept(raw),
    )


def _kept(raw: msgspec.Raw) -> Any:
    """A malformed mutation as sent, kept with its rejection (None: nested too deeply to keep)."""
    try:
        return msgspec.json.decode(raw)
    except RecursionError:
        return None


def decode_pull(data: bytes) -> PullRequest:
    """Decode a pull body (version checked first, so a v2 body gets the version error)."""
    _checked(data)
    try:
        return msgspec.json.decode(data, type=PullRequest)
    except msgspec.ValidationError as exc:
        raise ProtocolError("request.validation", str(exc)) from None


def clock_skew(
    device_time: dt.datetime | None, server_time: dt.datetime
) -> tuple[float | None, bool]:
    """Seconds the device is ahead of the server (negative: behind), and whether to warn."""
    if device_time is None:
        return None, False
    skew = round((device_time - server_time).total_seconds(), 3)
    return skew, abs(skew) > CLOCK_SKEW_WARNING_SECONDS
