"""The synced records as the sync engine sees them: table, wire fields, and the two mappings
between a database row and the wire (``sync.protocol``).

Wire names follow the glossary; a foreign key is ``<column>_id`` on the wire (``campaign_id``)
and ``<column>`` in the table (``campaign``). Row values are kept typed (UUID, date, aware
datetime, lists); :func:`norm` turns them into JSON values for comparison and revisions.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec
import msgspec.inspect
from piccolo.columns import JSON, Column
from piccolo.table import Table

from server.inspections.tables import Inspection, InspectionItemResult, Rectification
from server.visits.tables import Demand, Visit
from sync import protocol


def norm(value: Any) -> Any:
    """A JSON value for comparing field values from any source (row, wire, revision).

    Times are in UTC (as every value this module hands out is), written as msgspec writes them.
    """
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return msgspec.to_builtins(utc(value), enc_hook=str)


def utc(value: Any) -> Any:
    """Aware datetimes to UTC, so the same instant is one value however a device wrote it."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC)
    return value


def _holds_time(t: msgspec.inspect.Type) -> bool:
    """A datetime field, or an optional one."""
    if isinstance(t, msgspec.inspect.UnionType):
        return any(_holds_time(member) for member in t.types)
    return isinstance(t, msgspec.inspect.DateTimeType)


@dataclass(frozen=True, eq=False)
class EntitySpec:
    """One synced table."""

    name: str
    table: type[Table]
    #: The ``*Fields`` struct: the fields a device edits (plus ``id``).
    fields: type[msgspec.Struct]
    #: The ``*Record`` struct pull sends.
    record: type[msgspec.Struct]
    #: The root record deciding who may see this one (``visit`` or ``inspection``).
    root: str
    #: Column pointing to the root record, for nested rows.
    parent_column: str | None = None
    editable: tuple[str, ...] = field(init=False)
    #: (wire field, column) of each editable field, and of those holding a time.
    editable_columns: tuple[tuple[str, str], ...] = field(init=False)
    time_columns: tuple[str, ...] = field(init=False)
    json_columns: frozenset[str] = field(init=False)
    column_names: frozenset[str] = field(init=False)
    has_photos: bool = field(init=False)
    #: The columns of :attr:`editable`, in order, and a reader of those fields from a struct.
    editable_column_names: tuple[str, ...] = field(init=False)
    read_editable: Callable[[Any], tuple[Any, ...]] = field(init=False)
    _columns: dict[str, str] = field(init=False, default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        columns = self.table._meta.columns
        object.__setattr__(self, "column_names", frozenset(c._meta.name for c in columns))
        object.__setattr__(self, "has_photos", "photos" in self.column_names)
        object.__setattr__(
            self,
            "json_columns",
            frozenset(c._meta.name for c in columns if isinstance(c, JSON)),
        )
        editable = tuple(f for f in self.fields.__struct_fields__ if f != "id")
        object.__setattr__(self, "editable", editable)
        object.__setattr__(self, "editable_columns", tuple((w, self.column(w)) for w in editable))
        object.__setattr__(
            self, "editable_column_names", tuple(c for _, c in self.editable_columns)
        )
        getter = operator.attrgetter(*editable)
        object.__setattr__(
            self, "read_editable", getter if len(editable) > 1 else lambda s: (getter(s),)
        )
        times = {
            f.name
            for f in msgspec.inspect.type_info(self.fields).fields  # type: ignore[attr-defined]
            if _holds_time(f.type)
        }
        object.__setattr__(
            self, "time_columns", tuple(self.column(w) for w in editable if w in times)
        )

    def column(self, wire: str) -> str:
        """The column a wire field is stored in."""
        column = self._columns.get(wire)
        if column is None:
            column = wire[:-3] if wire.endswith("_id") and wire[:-3] in self.column_names else wire
            self._columns[wire] = column
        return column

    def table_column(self, name: str) -> Column:
        return self.table._meta.get_column_by_name(name)

    def from_db(self, row: dict[str, Any]) -> dict[str, Any]:
        """A selected row with JSON columns decoded and times in UTC."""
        out = {}
        for key, value in row.items():
            if key in self.json_columns and isinstance(value, str | bytes):
                value = msgspec.json.decode(value) if value else None
            out[key] = utc(value)
        return out

    def to_record(self, values: dict[str, Any], missing_photos: list[str] | None = None) -> Any:
        """The pull record of a row."""
        kwargs = {}
        for wire in self.record.__struct_fields__:
            column = self.column(wire)
            if column in values:
                kwargs[wire] = values[column]
        if missing_photos is not None and "missing_photos" in self.record.__struct_fields__:
            kwargs["missing_photos"] = missing_photos
        return self.record(**kwargs)

    def snapshot(self, values: dict[str, Any]) -> dict[str, Any]:
        """Revision data: every wire field of the record at this version."""
        data = norm(self.to_record(values))
        data.pop("missing_photos", None)
        data.pop("updated_at", None)
        data["deleted"] = values.get("deleted_at") is not None
        return data


VISIT = EntitySpec("visit", Visit, protocol.VisitFields, protocol.VisitRecord, root="visit")
DEMAND = EntitySpec(
    "demand",
    Demand,
    protocol.DemandFields,
    protocol.DemandRecord,
    root="visit",
    parent_column="visit",
)
INSPECTION = EntitySpec(
    "inspection",
    Inspection,
    protocol.InspectionFields,
    protocol.InspectionRecord,
    root="inspection",
)
ITEM_RESULT = EntitySpec(
    "inspection_item_result",
    InspectionItemResult,
    protocol.ItemResultFields,
    protocol.ItemResultRecord,
    root="inspection",
    parent_column="inspection",
)
RECTIFICATION = EntitySpec(
    "rectification",
    Rectification,
    protocol.RectificationFields,
    protocol.RectificationRecord,
    root="inspection",
    parent_column="inspection",
)

#: Parents before children: the order rows are inserted in.
SPECS: dict[str, EntitySpec] = {
    s.name: s for s in (VISIT, DEMAND, INSPECTION, ITEM_RESULT, RECTIFICATION)
}
