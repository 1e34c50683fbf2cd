"""What an admin sends to create, edit and deactivate roster rows, and what they read back."""

from __future__ import annotations

from uuid import UUID

import msgspec


class TalentIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A talent as an admin writes it. On an edit, ``version`` is the one the admin opened."""

    name: str
    employer: str = ""
    org_unit_id: UUID
    category: str
    level: str = ""
    field: str = ""
    title: str = ""
    #: The full number; None keeps the stored one on an edit, "" removes it.
    phone: str | None = None
    contact_leader: str = ""
    liaison_staff: str = ""
    roster_year: int
    version: int = 0


class ServiceCenterIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A service centre as an admin writes it; its registered location in WGS-84 degrees."""

    name: str
    org_unit_id: UUID
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    version: int = 0


class DeactivateIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The version the admin saw when they confirmed."""

    version: int


class Written(msgspec.Struct, kw_only=True):
    """A roster row after an admin write."""

    id: UUID
    version: int
    active: bool


class TalentDetail(msgspec.Struct, kw_only=True):
    """One talent for the edit form (phone masked: an admin retypes it to change it)."""

    id: UUID
    name: str
    employer: str
    org_unit_id: UUID
    category: str
    level: str
    field: str
    title: str
    phone_masked: str
    contact_leader: str
    liaison_staff: str
    roster_year: int
    version: int
    active: bool


class ServiceCenterDetail(msgspec.Struct, kw_only=True):
    id: UUID
    name: str
    org_unit_id: UUID
    address: str
    latitude: float | None
    longitude: float | None
    version: int
    active: bool
