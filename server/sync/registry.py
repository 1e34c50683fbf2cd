"""What the sync engine carries, registered by the domains that own it.

A domain declares its record kinds in its own folder (``server/visits/entity.py``, ...) and
registers them here: the spec (table, wire mapping, checks, nested rows, what creating one
does), the operations that write it, and what pull sends of it. Push, pull and conflict
resolution dispatch through these tables, so a new kind of record is one registration, not an
edit of the engine. ``server.domains`` imports every registration.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

from piccolo.table import Table

from server.accounts.schemas import CurrentUser
from server.accounts.scope import record_filter
from server.sync.entities import EntitySpec
from sync import protocol

Verb = Literal["put", "submit", "delete"]


@dataclass(frozen=True)
class PullSource:
    """One entity pull sends: its table, the rows a user may see, and how rows become records."""

    entity: str
    table: type[Table]
    #: WHERE clause of the rows the user may see; None: none.
    visible: Callable[[CurrentUser], Any | None]
    #: The records of a page's live rows (in order); None for a synced spec (the engine's own).
    records: Callable[[list[dict[str, Any]]], Awaitable[list[Any]]] | None = None
    #: Rows may move to another unit (``server.sync.moves``): pull sends tombstones to the
    #: users whose subtree they left.
    moves: bool = False

    @property
    def rank(self) -> int:
        """Its place among changes that share a change number (``protocol.ENTITIES``)."""
        return protocol.ENTITIES.index(self.entity)


#: Every synced spec by name, parents before children (the order rows are inserted in).
SPECS: dict[str, EntitySpec] = {}
#: Mutation type → (what it does, the record kind it does it to).
OPERATIONS: dict[type, tuple[Verb, EntitySpec]] = {}
#: What pull sends, by entity.
SOURCES: dict[str, PullSource] = {}


def register_record(spec: EntitySpec, *, put: type, submit: type, delete: type) -> EntitySpec:
    """Register a record kind, its nested kinds and its operations (``visit.put``, ...)."""
    assert spec.is_record and spec.owner_column, spec.name
    for one in (spec, *spec.children):
        if one.name in SPECS:
            raise ValueError(f"entity {one.name!r} is registered twice")
        SPECS[one.name] = one
        register_source(PullSource(one.name, one.table, _record_scope(spec, one)))
    OPERATIONS.update({put: ("put", spec), submit: ("submit", spec), delete: ("delete", spec)})
    return spec


def register_source(source: PullSource) -> None:
    """Register what pull sends of an entity that devices only read (campaigns, rosters)."""
    SOURCES[source.entity] = source


def sources() -> list[PullSource]:
    """Every pull source, in the order changes sharing a change number are delivered."""
    if not SOURCES:
        raise RuntimeError("no synced entities registered: import server.domains first")
    return sorted(SOURCES.values(), key=lambda s: s.rank)


def record_spec(name: str) -> EntitySpec:
    """The spec of a registered record kind (``visit``, ``inspection``)."""
    spec = SPECS.get(name)
    if spec is None or not spec.is_record:
        raise KeyError(f"no record kind {name!r} is registered")
    return spec


def _record_scope(root: EntitySpec, spec: EntitySpec) -> Callable[[CurrentUser], Any | None]:
    """Who may see rows of ``spec``: whoever may read the record they belong to."""
    table: Any = root.table
    if spec is not root:  # through the nested row's link to its record
        table = spec.table._meta.get_column_by_name(spec.parent_column or "")
    owner = getattr(table, root.owner_column)
    unit = table.org_unit
    return lambda user: record_filter(user, owner, unit)
