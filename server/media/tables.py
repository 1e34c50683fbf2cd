"""Photos, stored by content: the SHA-256 of the compressed bytes is their name."""

from piccolo.columns import (
    UUID,
    BigInt,
    Boolean,
    ForeignKey,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from server.accounts.tables import User


class Media(Table, tablename="media"):
    """A photo upload, complete once every byte arrived and the hash matched."""

    id = UUID(primary_key=True)
    sha256 = Varchar(length=64, unique=True)
    mime = Varchar(length=50)
    #: Declared total size in bytes.
    size = BigInt()
    #: Bytes stored so far; an interrupted upload resumes here.
    received = BigInt(default=0)
    complete = Boolean(default=False)
    uploaded_by = ForeignKey(User, on_delete=OnDelete.restrict)
    created_at = Timestamptz()
    completed_at = Timestamptz(null=True, default=None)


class MediaLink(Table, tablename="media_link"):
    """A record that expects a photo: who may see the photo follows who may see the record."""

    id = UUID(primary_key=True)
    sha256 = Varchar(length=64, index=True)
    #: visit, inspection, inspection_item_result, ...
    entity = Varchar(length=40)
    entity_id = UUID(index=True)
    created_at = Timestamptz()
