"""Wire formats of roster imports."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Literal

import msgspec

RowAction = Literal["create", "update", "unchanged", "error"]


class RowOut(msgspec.Struct, kw_only=True):
    """One file row in the dry run: what committing would do, and why not when it cannot."""

    row: int
    action: RowAction
    name: str
    #: Chinese, for the admin: what is wrong with the row.
    messages: list[str]
    #: Fields an update changes.
    changed: list[str]


class PreviewOut(msgspec.Struct, kw_only=True):
    kind: str
    headers: list[str]
    #: Field key → file header.
    mapping: dict[str, str]
    fields: list[dict[str, Any]]
    created: int
    updated: int
    unchanged: int
    errors: int
    rows: list[RowOut]


class BatchOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    kind: str
    filename: str
    actor: uuid.UUID
    created: int
    updated: int
    unchanged: int
    created_at: dt.datetime
    undone_at: dt.datetime | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> BatchOut:
        return cls(**{k: row[k] for k in cls.__struct_fields__})
