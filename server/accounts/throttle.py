"""Sign-in throttling: per username and per client address, counted before the password check.

An attempt is *admitted* to the (slow) password check by one atomic statement that checks and
counts it at once: it is refused while the key is locked, and while the failures and the
attempts still being checked fill the quota. So a burst of parallel guesses gets no more checks
than the quota, on either engine. A failure that fills the quota locks the key for the window;
nothing ever clears or extends a live lock. A window (the lock time) after its first attempt a
key counts from zero again, and rows past their window are deleted, so the table holds only
keys seen within the last window (unknown usernames included). An attempt that is never
answered (the client went away mid-check) keeps its place until the window ends.
"""

from __future__ import annotations

import datetime as dt
import re

from server.accounts.tables import LoginThrottle
from server.db import utcnow

_ENSURE = (
    "INSERT INTO login_throttle (key, failures, pending, locked_until, counting_since, updated_at)"
    " VALUES ({key}, 0, 0, NULL, {now}, {now}) ON CONFLICT (key) DO NOTHING"
)
# Columns on the right of SET are the row's old values on both engines; PostgreSQL re-checks the
# WHERE on the newest row version, so two parallel attempts can never both take the last place.
_ADMIT = (
    "UPDATE login_throttle SET"
    " failures = CASE WHEN counting_since <= {stale} THEN 0 ELSE failures END,"
    " pending = CASE WHEN counting_since <= {stale} THEN 1 ELSE pending + 1 END,"
    " counting_since = CASE WHEN counting_since <= {stale} THEN {now} ELSE counting_since END,"
    " locked_until = NULL, updated_at = {now}"
    " WHERE key = {key} AND (locked_until IS NULL OR locked_until <= {now})"
    " AND (counting_since <= {stale} OR failures + pending < {quota})"
    " RETURNING key"
)
_FAILED = (
    "UPDATE login_throttle SET"
    " pending = CASE WHEN pending > 0 THEN pending - 1 ELSE 0 END,"
    " failures = failures + 1,"
    " locked_until = CASE WHEN locked_until > {now} THEN locked_until"
    " WHEN failures + 1 >= {quota} THEN {lock_end} ELSE NULL END,"
    " updated_at = {now}"
    " WHERE key = {key}"
)
_RELEASE = (
    "UPDATE login_throttle SET pending = CASE WHEN pending > 0 THEN pending - 1 ELSE 0 END,"
    " failures = CASE WHEN {reset} THEN 0 ELSE failures END, updated_at = {now}"
    " WHERE key = {key}"
)
_FORGET = (
    "DELETE FROM login_throttle WHERE counting_since <= {stale}"
    " AND (locked_until IS NULL OR locked_until <= {now})"
)


def _placeholders(template: str, values: dict[str, object]) -> tuple[str, list[object]]:
    """Named ``{name}`` placeholders to piccolo's positional ``{}`` and their arguments."""
    args: list[object] = []

    def take(match: re.Match[str]) -> str:
        args.append(values[match.group(1)])
        return "{}"

    return re.sub(r"\{(\w+)\}", take, template), args


async def _run(template: str, **values: object) -> list[dict[str, object]]:
    sql, args = _placeholders(template, values)
    return await LoginThrottle.raw(sql, *args)


async def _live_lock(key: str, now: dt.datetime) -> dt.datetime | None:
    row = (
        await LoginThrottle.select(LoginThrottle.locked_until)
        .where(LoginThrottle.key == key)
        .first()
    )
    locked_until = row["locked_until"] if row else None
    return locked_until if locked_until is not None and locked_until > now else None


async def admit(key: str, quota: int, window_seconds: int) -> dt.datetime | None:
    """Count an attempt on ``key`` before its password check. None: admitted; otherwise the
    time to come back (the lock's end, or in a second while other attempts fill the quota)."""
    now = utcnow()
    stale = now - dt.timedelta(seconds=window_seconds)
    await _run(_ENSURE, key=key, now=now)
    if await _run(_ADMIT, key=key, now=now, stale=stale, quota=quota):
        return None
    return await _live_lock(key, now) or now + dt.timedelta(seconds=1)


async def failed(key: str, quota: int, lock_seconds: int) -> dt.datetime | None:
    """Count an admitted attempt as failed; returns the lock's end when the key is locked."""
    now = utcnow()
    lock_end = now + dt.timedelta(seconds=lock_seconds)
    await _run(_FAILED, key=key, now=now, quota=quota, lock_end=lock_end)
    # Keys past their window go here, so the table stays as small as the window's traffic.
    await _run(_FORGET, stale=now - dt.timedelta(seconds=lock_seconds), now=now)
    return await _live_lock(key, now)


async def release(key: str, *, reset: bool) -> None:
    """An admitted attempt ends without a failure (it signed in, or another key refused it);
    ``reset`` also forgets the key's failures (a username after its right password)."""
    await _run(_RELEASE, key=key, now=utcnow(), reset=reset)
