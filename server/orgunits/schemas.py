"""Wire formats of org-unit administration."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

import msgspec

OrgUnitKind = Literal["county", "department", "township", "subdistrict", "village", "community"]
UnitName = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
UnitCode = Annotated[str, msgspec.Meta(max_length=30)]


class OrgUnitIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: UnitName
    kind: OrgUnitKind
    parent_id: UUID
    code: UnitCode | None = None


class OrgUnitPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Only the fields sent change: rename, recode, move (``parent_id``) or (de)activate."""

    name: UnitName | msgspec.UnsetType = msgspec.UNSET
    code: UnitCode | msgspec.UnsetType | None = msgspec.UNSET
    parent_id: UUID | msgspec.UnsetType = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET


class AdminOrgUnitOut(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    kind: OrgUnitKind
    parent_id: UUID | None
    path: str
    code: str | None
    active: bool
    #: Active users whose unit this is.
    user_count: int
