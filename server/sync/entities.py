"""The synced records as the sync engine sees them: table, wire fields, the two mappings
between a database row and the wire (``sync.protocol``), and the hooks through which the domain
that owns a record kind adds its own rules. Domains declare their specs in their own folder and
register them (``server.sync.registry``); the engine never names a domain.

Wire names follow the glossary; a foreign key is ``<column>_id`` on the wire (``campaign_id``)
and ``<column>`` in the table (``campaign``). Row values are kept typed (UUID, date, aware
datetime, lists); :func:`norm` turns them into JSON values for comparison and revisions.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec
import msgspec.inspect
from piccolo.columns import JSON, Column, ForeignKey
from piccolo.table import Table

if TYPE_CHECKING:
    from server.sync.rows import Row
    from server.sync.unit import UnitOfWork


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
    """One synced table: a record kind (visit, inspection) or a row nested in one (a demand).

    The hooks are the owning domain's rules; the engine calls them from ``put_record`` and its
    siblings (``server.sync.apply``), for a push and for a resolved conflict alike.
    """

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
    #: A record kind: the column naming its owner (who records it), and its nested rows.
    owner_column: str = ""
    children: tuple[EntitySpec, ...] = ()
    #: A nested kind: the list of them in the parent's ``*In`` struct (``demands``).
    items_field: str = ""
    #: Paragraph fields a person may merge by hand when resolving a conflict (``value``).
    free_text: frozenset[str] = frozenset()
    #: Record hooks. ``prefetch(uow, incoming records, loaded rows)`` loads in bulk what the
    #: checks of a batch need; ``check(uow, incoming, row or None)`` validates a put before
    #: anything is written; ``after_put(uow, row)`` derives what depends on the nested rows;
    #: ``before_submit(uow, row)`` checks a record is complete enough to send for review.
    prefetch: Callable[[UnitOfWork, list[Any], list[Row]], Awaitable[None]] | None = None
    check: Callable[[UnitOfWork, Any, Row | None], None] | None = None
    after_put: Callable[[UnitOfWork, Row], None] | None = None
    before_submit: Callable[[UnitOfWork, Row], None] | None = None
    #: How a person names records of this kind (who or what, and when), by id.
    describe: Callable[[list[Row]], Awaitable[dict[Any, str]]] | None = None
    #: Nested-row hooks: columns a new row takes from its parent, whether its author may
    #: still withdraw it, and what else creating one writes (e.g. a demand event).
    new_values: Callable[[Row, Any], dict[str, Any]] | None = None
    can_withdraw: Callable[[Row], bool] | None = None
    on_create: Callable[[UnitOfWork, Row], None] | None = None
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
    #: Column → wire name of every column whose names differ (foreign keys: ``<column>_id``).
    wire_names: dict[str, str] = field(init=False)
    _columns: dict[str, str] = field(init=False, default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        columns = self.table._meta.columns
        object.__setattr__(self, "column_names", frozenset(c._meta.name for c in columns))
        object.__setattr__(self, "has_photos", "photos" in self.column_names)
        object.__setattr__(self, "wire_names", wire_names(self.table))
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

    @property
    def is_record(self) -> bool:
        """A record kind (visit, inspection), as opposed to a row nested in one."""
        return self.parent_column is None

    def to_wire(self, values: dict[str, Any]) -> dict[str, Any]:
        """A row's values under their wire names (``campaign`` → ``campaign_id``)."""
        names = self.wire_names
        return {names.get(k, k): v for k, v in values.items()}

    def to_record(self, values: dict[str, Any], missing_photos: list[str] | None = None) -> Any:
        """The pull record of a row."""
        wire = self.to_wire(values)
        if missing_photos is not None:
            wire["missing_photos"] = missing_photos
        return msgspec.convert(wire, self.record)

    def snapshot(self, values: dict[str, Any]) -> dict[str, Any]:
        """Revision data: every wire field of the record at this version."""
        data = norm(self.to_record(values))
        data.pop("missing_photos", None)
        data.pop("updated_at", None)
        data["deleted"] = values.get("deleted_at") is not None
        return data


def wire_names(table: type[Table]) -> dict[str, str]:
    """Column → wire name where they differ: a foreign key ``campaign`` is ``campaign_id``."""
    return {
        c._meta.name: f"{c._meta.name}_id" for c in table._meta.columns if isinstance(c, ForeignKey)
    }
