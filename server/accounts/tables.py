"""Org units, users and their device tokens."""

from typing import Any

from piccolo.columns import (
    UUID,
    BigInt,
    Boolean,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from server.db import Timestamped

ORG_UNIT_KINDS = ("county", "department", "township", "subdistrict", "village", "community")
ROLES = ("field_staff", "supervisor", "handler", "admin")


class OrgUnit(Timestamped, Table, tablename="org_unit"):
    """A node of the county's org tree; a supervisor's scope is their unit's subtree."""

    id = UUID(primary_key=True)
    name = Varchar(length=100)
    #: county, department, township, subdistrict, village or community.
    kind = Varchar(length=20)
    parent: ForeignKey[Any] = ForeignKey(
        "self", on_delete=OnDelete.restrict, null=True, default=None
    )
    #: Materialised path of ids, "/<root>/<child>/.../<self>/", for subtree queries with LIKE.
    path = Varchar(length=1000, index=True)
    #: Administrative division code when known.
    code = Varchar(length=30, null=True, default=None)
    #: A unit is deactivated, never deleted: records keep pointing at it.
    active = Boolean(default=True)


class User(Timestamped, Table, tablename="app_user"):
    """A person who signs in. Passwords are Argon2id hashes; phone is encrypted at rest."""

    id = UUID(primary_key=True)
    username = Varchar(length=50, unique=True)
    display_name = Varchar(length=50)
    password_hash = Varchar(length=200, secret=True)
    #: field_staff, supervisor, handler or admin.
    role = Varchar(length=20)
    org_unit = ForeignKey(OrgUnit, on_delete=OnDelete.restrict)
    #: Fernet token of the phone number (see server.security).
    phone_encrypted = Text(null=True, default=None, secret=True)
    active = Boolean(default=True)
    #: Set by an admin's password reset: the one-time password must be changed at sign-in.
    must_change_password = Boolean(default=False)
    #: Change number of the user's last scope change (unit, role, deactivation): a pull from an
    #: older cursor resyncs from scratch, dropping rows no longer visible (server.sync.pull).
    scope_seq = BigInt(default=0)


class DeviceToken(Table, tablename="device_token"):
    """A long-lived sign-in on one device. Only the SHA-256 of the token is stored."""

    id = UUID(primary_key=True)
    user = ForeignKey(User, on_delete=OnDelete.restrict)
    token_hash = Varchar(length=64, unique=True)
    device_id = Varchar(length=64)
    device_name = Varchar(length=100, default="")
    created_at = Timestamptz()
    expires_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class LoginThrottle(Table, tablename="login_throttle"):
    """Sign-in attempts per username or client address (server.accounts.throttle); a key is a
    keyed digest, never the typed name. A row is forgotten once its window has passed."""

    key = Varchar(length=100, unique=True)
    #: Failed attempts counted in the current window.
    failures = Integer(default=0)
    #: Attempts admitted to the password check and not yet answered.
    pending = Integer(default=0)
    locked_until = Timestamptz(null=True, default=None)
    #: When the current window began (the first attempt counted in it).
    counting_since = Timestamptz(null=True, default=None, index=True)
    updated_at = Timestamptz()


__all__ = ["ORG_UNIT_KINDS", "ROLES", "DeviceToken", "LoginThrottle", "OrgUnit", "User"]
