"""The rosters field staff carry offline: talents and party-mass service centres."""

from piccolo.columns import (
    UUID,
    BigInt,
    DoublePrecision,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from server.accounts.tables import OrgUnit
from server.db import Timestamped

TALENT_CATEGORIES = (
    "party_gov",
    "enterprise_mgmt",
    "professional_tech",
    "high_skill",
    "rural_practical",
    "social_work",
)


class Talent(Timestamped, Table, tablename="talent"):
    """A person on the talent roster (人才名单)."""

    id = UUID(primary_key=True)
    name = Varchar(length=50)
    #: Pinyin initials computed on the server ("zs" for 张三), so the phone needs no dictionary.
    name_initials = Varchar(length=50, default="", index=True)
    employer = Varchar(length=200, default="")
    #: The township (镇/街道) the talent belongs to.
    org_unit = ForeignKey(OrgUnit, on_delete=OnDelete.restrict)
    #: One of TALENT_CATEGORIES (the six talent teams).
    category = Varchar(length=30)
    #: Configurable tiers, e.g. A/B/C/D.
    level = Varchar(length=30, default="")
    field = Varchar(length=100, default="")
    title = Varchar(length=100, default="")
    #: Fernet token; lists and exports show only the masked form.
    phone_encrypted = Text(null=True, default=None, secret=True)
    contact_leader = Varchar(length=50, default="")
    liaison_staff = Varchar(length=50, default="")
    roster_year = Integer()
    #: Bumped by every admin write, so an edit made on a stale copy is refused.
    version = Integer(default=1)
    change_seq = BigInt(default=0, index=True)
    deleted_at = Timestamptz(null=True, default=None)


class ServiceCenter(Timestamped, Table, tablename="service_center"):
    """A village or community party-mass service centre (党群服务中心)."""

    id = UUID(primary_key=True)
    name = Varchar(length=100)
    name_initials = Varchar(length=50, default="", index=True)
    #: The village or community it serves.
    org_unit = ForeignKey(OrgUnit, on_delete=OnDelete.restrict)
    address = Varchar(length=200, default="")
    #: Registered location, WGS-84.
    latitude = DoublePrecision(null=True, default=None)
    longitude = DoublePrecision(null=True, default=None)
    version = Integer(default=1)
    change_seq = BigInt(default=0, index=True)
    deleted_at = Timestamptz(null=True, default=None)
