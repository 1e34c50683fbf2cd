"""Sign-in throttling counts attempts before the password check (``pending``) and within a
window (``counting_since``); keys become keyed digests, so a typed name (perhaps a password)
is never stored. Old rows (plain names) are dropped: throttle state is transient. Failed
sign-ins in the audit log lose the typed name for the same reason. Plain SQL that runs on
SQLite and PostgreSQL alike."""

from server.db import sql_migration

ID = "2026-12-01T23:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Sign-in throttle: atomic admission, windows, digests as keys"

_FORWARDS = (
    "DELETE FROM login_throttle",
    "ALTER TABLE login_throttle ADD COLUMN pending INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE login_throttle ADD COLUMN counting_since TIMESTAMPTZ",
    "CREATE INDEX login_throttle_counting_since ON login_throttle (counting_since)",
    'UPDATE audit_log SET details = \'{"username": "(removed)"}\''
    " WHERE action = 'auth.login_failed'",
)
_BACKWARDS = (
    "DROP INDEX login_throttle_counting_since",
    "ALTER TABLE login_throttle DROP COLUMN counting_since",
    "ALTER TABLE login_throttle DROP COLUMN pending",
)


async def forwards():
    return sql_migration(ID, DESCRIPTION, _FORWARDS, _BACKWARDS)
