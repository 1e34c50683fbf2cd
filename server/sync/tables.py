"""Tables of the sync engine: the change counter and log, device streams, the mutation log,
every revision of every synced record, and field conflicts waiting for a person."""

from piccolo.columns import (
    JSON,
    UUID,
    BigInt,
    ForeignKey,
    Integer,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.table import Table

from server.accounts.tables import User


class SyncCounter(Table, tablename="sync_counter"):
    """One row (id 1): the server-wide change counter.

    Every write transaction to a synced table bumps it first (``server.sync.changes``); the
    bump row-locks it on PostgreSQL, so transactions commit in counter order and a puller that
    reads up to the committed value can never skip a change.
    """

    value = BigInt(default=0)


class SyncChange(Table, tablename="sync_change"):
    """The change log: one row per counter value, with who wrote and when (server clock)."""

    seq = BigInt(unique=True)
    created_at = Timestamptz()
    actor = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    #: ``<user id>:<device id>`` of the writer, or ``server:<what>`` for server-side writes.
    stream = Varchar(length=120, default="")


class SyncStream(Table, tablename="sync_stream"):
    """One user on one device: the last mutation sequence number applied for it."""

    #: ``<user id>:<device id>``.
    key = Varchar(length=120, unique=True)
    user = ForeignKey(User, on_delete=OnDelete.restrict)
    device_id = Varchar(length=64)
    last_seq = BigInt(default=0)
    updated_at = Timestamptz()


class SyncMutation(Table, tablename="sync_mutation"):
    """Every mutation the server has processed, with the result it answered (replays get it)."""

    id = UUID(primary_key=True)
    #: Indexed by the unique (stream, seq) key (migrations 0003, 0004).
    stream = Varchar(length=120)
    seq = BigInt()
    op = Varchar(length=40)
    entity = Varchar(length=40, default="")
    entity_id = UUID(null=True, default=None)
    #: applied, conflict or rejected.
    status = Varchar(length=20)
    #: The encoded result (sync.protocol.Applied / Conflicted / Rejected).
    result = JSON()
    #: The mutation itself when rejected, so support can recover what the device meant.
    payload = JSON(null=True, default=None)
    created_at = Timestamptz()


class Revision(Table, tablename="record_revision"):
    """Every version of a synced record that a newer one replaced ("every edit is versioned").

    ``data`` holds the record's wire fields at that version, and the rest who wrote it, when,
    through which stream and mutation. The current version is the row itself, which says who
    wrote it (``server.db.Synced``); the write that replaces it adds its revision in the same
    transaction (``server.sync.unit``). A stale edit is merged field by field against the
    version it started from, and a record written once costs no revision at all.
    """

    entity = Varchar(length=40)
    #: Indexed by the unique (entity_id, entity, version) key (migrations 0003, 0004).
    entity_id = UUID()
    version = Integer()
    data = JSON()
    actor = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    stream = Varchar(length=120, default="")
    mutation_id = UUID(null=True, default=None)
    change_seq = BigInt()
    created_at = Timestamptz()


class SyncConflict(Table, tablename="sync_conflict"):
    """A stale edit to a field someone else changed: the server kept its value, and this row
    keeps the device's, until a person resolves it."""

    id = UUID(primary_key=True)
    entity = Varchar(length=40)
    entity_id = UUID(index=True)
    #: The record that decides who may see it: a visit or an inspection.
    record_entity = Varchar(length=40)
    record_id = UUID(index=True)
    #: Wire field name, or ``_deleted`` for a deletion.
    field = Varchar(length=60)
    base_value = JSON(null=True, default=None)
    server_value = JSON(null=True, default=None)
    client_value = JSON(null=True, default=None)
    base_version = Integer(default=0)
    server_version = Integer(default=0)
    author = ForeignKey(User, on_delete=OnDelete.restrict)
    stream = Varchar(length=120, default="")
    mutation_id = UUID(null=True, default=None)
    created_at = Timestamptz()
    resolved_at = Timestamptz(null=True, default=None, index=True)
    resolved_by = ForeignKey(User, on_delete=OnDelete.restrict, null=True, default=None)
    #: server, client or value.
    resolution = Varchar(length=20, null=True, default=None)
    resolved_value = JSON(null=True, default=None)


class ScopeMove(Table, tablename="sync_scope_move"):
    """A row that moved from one org unit to another (``server.sync.moves``).

    Pull turns it into a tombstone for every user whose subtree held the old unit but does not
    hold the new one, so phones drop rows they may no longer see without a full resync. Rows
    older than the sync horizon are purged with the other tombstones.
    """

    id = UUID(primary_key=True)
    #: The synced entity that moved (``talent``, ``service_center``, ``user``, ...).
    entity = Varchar(length=40)
    entity_id = UUID()
    #: Materialised unit paths (``OrgUnit.path``) before and after the move.
    old_path = Varchar(length=1000)
    new_path = Varchar(length=1000)
    #: The change number of the write that moved it: where pull delivers the tombstone.
    change_seq = BigInt(index=True)
    created_at = Timestamptz()
