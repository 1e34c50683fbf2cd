"""A row of a synced table as the unit of work holds it, and a mutation the server refuses."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import msgspec

from server.sync.entities import EntitySpec


class Rejection(Exception):
    """A mutation the server refuses: nothing of it is applied."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


def validation(message: str, field_name: str | None = None) -> Rejection:
    return Rejection("sync.validation", message, **({"field": field_name} if field_name else {}))


@dataclass(slots=True)
class Row:
    spec: EntitySpec
    #: Column name → typed value, every column of the table.
    values: dict[str, Any]
    new: bool
    #: Columns changed since loaded (written by an UPDATE at flush).
    changed: set[str] = field(default_factory=set)
    #: Extra facts loaded with the row (e.g. the owner unit's path).
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> uuid.UUID:
        return self.values["id"]

    @property
    def version(self) -> int:
        return int(self.values["version"])

    @property
    def deleted(self) -> bool:
        return self.values.get("deleted_at") is not None

    def get(self, wire: str) -> Any:
        return self.values[self.spec.column(wire)]


def json_text(value: Any) -> str:
    """A value for a JSON column that may hold a bare string (piccolo would store it as is)."""
    return msgspec.json.encode(value).decode()


def norm_json(value: Any) -> Any:
    if isinstance(value, str | bytes):
        return msgspec.json.decode(value) if value else None
    return value
