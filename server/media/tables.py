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
    """A photo the server holds: a row is written once every byte arrived and the hash matched
    (since migration 0008; uploads in progress are :class:`MediaUpload` rows)."""

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


class MediaUpload(Table, tablename="media_upload"):
    """One user's upload of a photo: bytes the server received from them.

    Knowing a photo's hash is no claim to it: a user counts as its uploader only once bytes
    they sent arrived whole and matched the hash. Each user's upload has its own partial file,
    so no one resumes, sees or spoils another's. Unique on (sha256, uploaded_by) (migration 0008).
    """

    id = UUID(primary_key=True)
    sha256 = Varchar(length=64, index=True)
    uploaded_by = ForeignKey(User, on_delete=OnDelete.restrict)
    mime = Varchar(length=50)
    #: Declared total size in bytes.
    size = BigInt()
    complete = Boolean(default=False)
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
    #: Whose upload the link relies on: the record's writer, or, when the writer listed a photo
    #: they could already see, that photo's uploader. The link shows the photo to the record's
    #: readers only once this user's upload is complete (``server.media.access``).
    uploader = UUID(null=True, default=None)
