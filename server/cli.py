"""``zoufang`` command: migrations, demo data, users and units, and the server itself."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from server.accounts.tables import ORG_UNIT_KINDS, ROLES
from server.settings import SettingsError, get_settings


async def migrate() -> None:
    """Apply every pending migration (the same on SQLite and PostgreSQL)."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    from server.db import migration_lock, use_write_ahead_log

    async with migration_lock():
        result = await run_forwards(app_name="all")
    if not result.success:
        raise SystemExit(f"migrations failed: {result.message}")
    await use_write_ahead_log()


async def _with_db(coro_fn: Callable[..., Awaitable[Any]], *args: Any) -> Any:
    from server.db import engine

    db: Any = engine()
    await db.start_connection_pool()
    try:
        return await coro_fn(*args)
    finally:
        await db.close_connection_pool()


async def create_unit(name: str, kind: str, parent: str | None) -> None:
    from server.accounts import repository

    parent_id = None
    if parent:
        row = await repository.find_org_unit(parent)
        if row is None:
            raise SystemExit(f"no org unit named {parent!r}")
        parent_id = row["id"]
    unit = await repository.create_org_unit(name, kind, parent_id)
    print(f"created org unit {unit.name} ({unit.id})")


async def create_user(args: argparse.Namespace) -> None:
    from server.accounts import repository
    from server.security import FieldCipher

    unit = await repository.find_org_unit(args.unit)
    if unit is None:
        raise SystemExit(f"no org unit named {args.unit!r}")
    if await repository.user_by_username(args.username):
        raise SystemExit(f"user {args.username!r} exists")
    password = args.password or getpass.getpass("password: ")
    if len(password) < 8:
        raise SystemExit("password must be at least 8 characters")
    cipher = FieldCipher(get_settings().secret_key)
    user = await repository.create_user(
        args.username,
        password,
        args.display_name or args.username,
        args.role,
        unit["id"],
        phone_encrypted=cipher.encrypt(args.phone),
    )
    print(f"created user {user.username} ({user.role}) in {unit['name']}")


async def init(args: argparse.Namespace) -> None:
    from server.accounts.first_run import NotEmpty, init_county

    await migrate()
    if args.password is not None and len(args.password) < 8:
        raise SystemExit("password must be at least 8 characters")
    try:
        one_time = await init_county(
            args.county, args.admin, args.display_name or args.admin, args.password
        )
    except NotEmpty as exc:
        raise SystemExit(f"init refused: {exc} (it only sets up an empty database)") from None
    print(f"created the county {args.county} and its admin {args.admin}")
    if one_time:
        print(f"one-time password for {args.admin}: {one_time} (to be changed at first sign-in)")


async def revoke(username: str) -> None:
    from server.accounts import repository

    row = await repository.user_by_username(username)
    if row is None:
        raise SystemExit(f"no user {username!r}")
    print(f"revoked {await repository.revoke_user_tokens(row['id'])} token(s) of {username}")


async def purge() -> None:
    from server.media.controllers import provide_storage
    from server.retention.purge import purge as run

    done = await run(provide_storage())
    removed = {k: v for k, v in done.summary(len(done.partial_uploads)).items() if v}
    if removed:
        print("removed: " + ", ".join(f"{v} {k}" for k, v in removed.items()))
    else:
        print("nothing past the sync horizon")
    if done.busy_uploads:
        print(f"{done.busy_uploads} partial upload(s) being written were left for the next run")


async def backup(destination: str, keep: int) -> None:
    from pathlib import Path

    from server.backup import BackupError
    from server.backup import backup as run

    try:
        done = await run(Path(destination), keep=keep)
    except (BackupError, OSError) as exc:
        raise SystemExit(f"backup failed (nothing kept): {exc}") from None
    print(f"backup written to {done.path}")
    print(f"  database: {done.database.name}")
    print(f"  photos: {done.photos} ({done.linked} linked from the previous backup)")
    if done.secret_key:
        print("  secret_key: copied (keep the backup as private as the server)")
    else:
        print("  secret_key: set by SECRET_KEY; keep that value with the backup")
    if done.missing:
        print(f"  {len(done.missing)} photo(s) listed as complete had no file (removed meanwhile)")
    for old in done.removed:
        print(f"  removed the older backup {old.name}")
    if done.prune_error:
        raise SystemExit(f"the backup is whole, but removing older ones failed: {done.prune_error}")


async def report(week: str, unit_names: list[str], campaign: str | None) -> None:
    """Store a week's summary of each unit named (every unit with a reviewer when none is)."""
    import time
    import uuid

    from server.accounts import repository
    from server.errors import ApiError
    from server.reports import history
    from server.reports.service import Area

    if not unit_names:
        stored = await history.generate_due(week)
        print(f"stored {len(stored)} summaries of {week} the schedule had not made yet")
        return
    for name in unit_names:
        unit = await repository.find_org_unit(name)
        if unit is None:
            raise SystemExit(f"no org unit named {name!r}")
        began = time.monotonic()
        try:
            report_id, summary = await history.generate(
                Area(unit["id"], unit["path"], unit["name"]),
                week,
                uuid.UUID(campaign) if campaign else None,
            )
        except (ApiError, ValueError) as exc:
            raise SystemExit(f"{unit['name']}: {exc}") from None
        o = summary.overview
        print(
            f"stored {summary.week} of {summary.unit_name} ({report_id}) in "
            f"{time.monotonic() - began:.2f} s: {o['visits']} visits, "
            f"{o['demands_collected']} demands, {o['overdue']} overdue"
        )


async def seed_demo(with_records: bool = False) -> None:
    from server.demo import seed

    created = await seed()
    print("demo data created" if created else "demo data already present")
    if with_records:
        from server.demo_records import seed_records

        added = await seed_records()
        print("demo records created" if added else "demo records already present")


def serve(host: str | None, port: int | None, migrate_first: bool, workers: int) -> None:
    """Serve HTTP from ``workers`` processes sharing one socket (uvicorn's supervisor starts
    them, replaces one that dies or hangs, and restarts them one by one on SIGHUP).

    What must happen once happens here, in the parent, before any worker starts: the settings
    are read (which generates the secret key on first start) and the migrations run.
    """
    import uvicorn

    settings = get_settings()
    if migrate_first:
        asyncio.run(_with_db(migrate))
    uvicorn.run(
        "server.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        proxy_headers=True,
        log_level="info",
    )


def _positive(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {raw!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="zoufang", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply pending database migrations")
    p = sub.add_parser("init", help="a real county: migrate, then its top unit and first admin")
    p.add_argument("--county", required=True, help="name of the county's top unit, e.g. 清源县")
    p.add_argument("--admin", required=True, help="the first admin's username")
    p.add_argument("--display-name", help="the first admin's name")
    p.add_argument("--password", help="omit to get a one-time password to change at sign-in")
    p = sub.add_parser("seed-demo", help="add the demo county, accounts, rosters (once)")
    p.add_argument(
        "--with-records",
        action="store_true",
        help="also three weeks of reviewed visits with demands at every stage (once)",
    )
    p = sub.add_parser("create-unit", help="add an org unit")
    p.add_argument("name")
    p.add_argument("--kind", choices=ORG_UNIT_KINDS, required=True)
    p.add_argument("--parent", help="parent unit name or id")
    p = sub.add_parser("create-user", help="add a user")
    p.add_argument("username")
    p.add_argument("--role", choices=ROLES, required=True)
    p.add_argument("--unit", required=True, help="org unit name or id")
    p.add_argument("--display-name")
    p.add_argument("--phone")
    p.add_argument("--password", help="omit to be asked (keeps it out of shell history)")
    p = sub.add_parser("revoke-tokens", help="sign a user out of every device")
    p.add_argument("username")
    sub.add_parser(
        "purge", help="remove deleted records, photos and tokens past the sync horizon (PIPL)"
    )
    p = sub.add_parser("backup", help="copy the database, photos and secret into a new folder")
    p.add_argument("destination", help="folder for backups (ideally on another disk)")
    p.add_argument(
        "--keep",
        type=int,
        default=0,
        metavar="N",
        help="then keep only the newest N backups (default 0: keep them all)",
    )
    p = sub.add_parser("report", help="store a week's summary (XLSX, DOCX, CSV) for browsing later")
    p.add_argument("--week", required=True, help="ISO week, e.g. 2026-W47")
    p.add_argument(
        "--unit",
        action="append",
        default=[],
        help="org unit name or id (repeatable; omit for every unit with a reviewer)",
    )
    p.add_argument("--campaign", help="campaign id (default: the talent campaign of that week)")
    p = sub.add_parser("serve", help="run the HTTP server")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--no-migrate", action="store_true", help="do not apply migrations first")
    p.add_argument(
        "--workers",
        type=_positive,
        default=1,
        metavar="N",
        help="serve from N processes (about one per CPU core; default 1)",
    )
    args = parser.parse_args(argv)

    try:
        get_settings()
    except SettingsError as exc:
        sys.exit(f"configuration error: {exc}")

    if args.command == "serve":
        serve(args.host, args.port, not args.no_migrate, args.workers)
    elif args.command == "migrate":
        asyncio.run(_with_db(migrate))
    elif args.command == "init":
        asyncio.run(_with_db(init, args))
    elif args.command == "seed-demo":
        asyncio.run(_with_db(seed_demo, args.with_records))
    elif args.command == "create-unit":
        asyncio.run(_with_db(create_unit, args.name, args.kind, args.parent))
    elif args.command == "create-user":
        asyncio.run(_with_db(create_user, args))
    elif args.command == "revoke-tokens":
        asyncio.run(_with_db(revoke, args.username))
    elif args.command == "purge":
        asyncio.run(_with_db(purge))
    elif args.command == "backup":
        asyncio.run(_with_db(backup, args.destination, args.keep))
    elif args.command == "report":
        asyncio.run(_with_db(report, args.week, args.unit, args.campaign))


if __name__ == "__main__":
    main()
