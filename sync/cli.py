"""``zoufang-sync``: push visits recorded on a laptop or in a spreadsheet (JSON or CSV), or
replay a phone's last-resort file (``replay-unsent``, as an administrator).

The file's visits go into a local outbox first, so an interrupted run loses nothing: run the
same command again and it carries on (a visit without an ``id`` column gets one derived from
its content, so the same row is the same visit every time).

JSON: a list of visits (or ``{"visits": [...]}``) in the protocol's ``visit`` shape, plus an
optional ``photo_files`` list of image paths (relative to the file).
CSV (UTF-8, a BOM from Excel is fine): one visit per row, columns named as the JSON fields;
lists (``visitors``, ``sends``, ``photos``, ``photo_files``) separated by ``;``; asks as
``ask.<key>`` columns; one optional demand as ``demand.category``, ``demand.description``,
``demand.ask_key`` and ``demand.resolved_on_site``.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import getpass
import json
import os
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import msgspec

from sync import protocol
from sync.client import AuthRequired, PushReport, ServerUnavailable, SyncClient, SyncError
from sync.outbox import Outbox
from sync.photos import strip_location

#: Ids for rows without one: the same content always names the same visit.
_NAMESPACE = uuid.UUID("3d7e1d5c-0b1e-4b55-8f0e-6c1f7b9a2e44")
_LISTS = ("visitors", "sends", "photos", "photo_files")
_NUMBERS = ("latitude", "longitude", "accuracy")
_MIME = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}


class InputError(ValueError):
    """The file cannot be read as visits; the message says where."""


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace("；", ";").split(";") if part.strip()]


def _from_csv_row(row: dict[str, str]) -> dict[str, Any]:
    visit: dict[str, Any] = {}
    asks: dict[str, str] = {}
    demand: dict[str, Any] = {}
    for key, raw in row.items():
        value = (raw or "").strip()
        if not key or not value:
            continue
        key = key.strip()
        if key.startswith("ask."):
            asks[key[4:]] = value
        elif key.startswith("demand."):
            demand[key[7:]] = (
                value.lower() in ("1", "true", "yes", "是")
                if key.endswith("resolved_on_site")
                else value
            )
        elif key in _LISTS:
            visit[key] = _split(value)
        elif key in _NUMBERS:
            visit[key] = float(value)
        else:
            visit[key] = value
    if asks:
        visit["asks"] = asks
    if demand:
        visit["demands"] = [demand]
    return visit


def read_visits(path: Path) -> list[dict[str, Any]]:
    """The visits in a JSON or CSV file, as protocol dicts (photo_files still as paths)."""
    if path.suffix.lower() == ".csv":
        with open(path, encoding="utf-8-sig", newline="") as f:
            return [_from_csv_row(row) for row in csv.DictReader(f)]
    data = json.loads(path.read_text(encoding="utf-8"))
    visits = data.get("visits") if isinstance(data, dict) else data
    if not isinstance(visits, list):
        raise InputError('a JSON file holds a list of visits or {"visits": [...]}')
    return visits


def prepare(raw: dict[str, Any], base: Path, outbox: Outbox, line: int) -> protocol.VisitIn:
    """One visit, checked against the protocol, with its photos put in the outbox."""
    visit = dict(raw)
    files = visit.pop("photo_files", []) or []
    if "id" not in visit:
        content = json.dumps(visit, sort_keys=True, ensure_ascii=False)
        visit["id"] = str(uuid.uuid5(_NAMESPACE, content))
    for i, demand in enumerate(visit.get("demands") or []):
        demand.setdefault("id", str(uuid.uuid5(uuid.UUID(visit["id"]), f"demand/{i}")))
    photos = list(visit.get("photos") or [])
    for name in files:
        file = (base / name).resolve()
        mime = _MIME.get(file.suffix.lower())
        if mime is None:
            raise InputError(f"visit {line}: {name} is not a JPEG or PNG")
        try:
            # Location out before the photo is named by its hash (the PWA re-encodes instead).
            photos.append(outbox.add_photo(strip_location(file.read_bytes(), mime), mime))
        except OSError as exc:
            raise InputError(f"visit {line}: cannot read {name}: {exc}") from None
        except ValueError as exc:
            raise InputError(f"visit {line}: {name}: {exc}") from None
    if photos:
        visit["photos"] = photos
    try:
        return msgspec.convert(visit, protocol.VisitIn)
    except msgspec.ValidationError as exc:
        raise InputError(f"visit {line}: {exc}") from None


def enqueue_visits(outbox: Outbox, visits: list[protocol.VisitIn]) -> int:
    """Queue a put for each visit not already queued unchanged; returns how many were new."""
    queued = outbox.pending_bodies("visit.put")
    added = 0
    for visit in visits:
        body = queued.get(str(visit.id))
        if body is not None and msgspec.json.decode(body)["visit"] == msgspec.to_builtins(visit):
            continue
        outbox.enqueue("visit.put", base_version=0, visit=visit)
        added += 1
    return added


def default_outbox(server: str, username: str) -> Path:
    host = urlsplit(server).netloc.replace(":", "_") or "server"
    return Path.home() / ".zoufang-sync" / f"{username}@{host}.sqlite"


def _summary(report: PushReport, outbox: Outbox) -> str:
    lines = [f"applied {report.applied}, already there {report.duplicates}"]
    for rejected in report.rejected:
        lines.append(f"  rejected (seq {rejected.seq}): {rejected.code} — {rejected.message}")
    for conflict in report.conflicts:
        fields = ", ".join(f"{c.entity}.{c.field}" for c in conflict.conflicts)
        lines.append(f"  conflict on {conflict.entity} {conflict.id}: {fields} (kept for review)")
    if report.missing_photos:
        lines.append(f"  photos the server still lacks: {len(report.missing_photos)}")
    if outbox.count():
        lines.append(f"still queued: {outbox.count()}")
    return "\n".join(lines)


async def push_file(args: argparse.Namespace, password: str) -> int:
    # Only the command line shows a progress bar: importing ``sync`` needs msgspec and httpx alone.
    from tqdm import tqdm

    path = Path(args.file)
    outbox = Outbox(args.outbox or default_outbox(args.server, args.username), args.device_id)
    try:
        visits = [
            prepare(raw, path.parent, outbox, i) for i, raw in enumerate(read_visits(path), start=1)
        ]
        added = enqueue_visits(outbox, visits)
        print(f"{len(visits)} visits read, {added} queued; outbox {outbox.path}")
        async with SyncClient(args.server, outbox, batch_size=args.batch_size) as client:
            await client.login(args.username, password)
            photos = await client.upload_photos()
            if photos.uploaded or photos.already_there:
                print(f"photos: {photos.uploaded} uploaded, {photos.already_there} already there")
            with tqdm(total=outbox.count(), unit="visit", desc="push") as bar:
                report = await client.push(progress=bar.update)
        print(_summary(report, outbox))
        return 1 if report.rejected or report.conflicts or photos.rejected else 0
    finally:
        outbox.close()


async def replay_unsent(
    args: argparse.Namespace,
    password: str,
    data: bytes,
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """Hand a phone's last-resort file ("导出未同步数据") to the server, signed in as an admin;
    the server replays it for the person and device that made it, exactly once."""
    async with httpx.AsyncClient(base_url=args.server, transport=transport, timeout=300) as http:
        signed_in = await http.post(
            "/api/auth/login",
            json={"username": args.username, "password": password, "device_id": "zoufang-sync"},
        )
        if signed_in.status_code != 200:
            raise AuthRequired(signed_in.text)
        response = await http.post(
            "/api/imports/unsent",
            files={"file": (Path(args.file).name, data, "application/json")},
            headers={"Authorization": f"Bearer {signed_in.json()['token']}"},
        )
    body = response.json()
    if response.status_code != 200:
        print(f"refused: {body.get('code')} — {body.get('message')}")
        return 1
    print(
        f"{body['username']} on {body['device_id']}: applied {body['applied']}, "
        f"already there {body['already']}, conflicts {body['conflict']}, refused {body['refused']}"
    )
    for item in body["items"]:
        if item["outcome"] in ("refused", "conflict"):
            print(
                f"  {item['kind']} {item['id']}: {item['outcome']} {item['code']} {item['message']}"
            )
    return 1 if body["refused"] else 0


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="zoufang-sync", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("push-file", help="push the visits of a JSON or CSV file")
    p.add_argument("file", help="visits.json or visits.csv")
    p.add_argument("--server", required=True, help="e.g. https://zoufang.example.gov.cn")
    p.add_argument("--username", required=True)
    p.add_argument("--password", help="default: $ZOUFANG_PASSWORD, else asked")
    p.add_argument("--outbox", help="outbox file (default: ~/.zoufang-sync/<user>@<host>.sqlite)")
    p.add_argument("--device-id", help="for a new outbox (default: a new UUID)")
    p.add_argument("--batch-size", type=int, default=100)
    r = sub.add_parser(
        "replay-unsent", help="replay a phone's 导出未同步数据 file (as an administrator)"
    )
    r.add_argument("file", help="the exported .json file")
    r.add_argument("--server", required=True, help="e.g. https://zoufang.example.gov.cn")
    r.add_argument("--username", required=True, help="an administrator's username")
    r.add_argument("--password", help="default: $ZOUFANG_PASSWORD, else asked")
    args = parser.parse_args(argv)
    password = args.password or os.environ.get("ZOUFANG_PASSWORD") or getpass.getpass()
    if args.command == "replay-unsent":
        run = replay_unsent(args, password, Path(args.file).read_bytes())
    else:
        run = push_file(args, password)
    try:
        code = asyncio.run(run)
    except InputError as exc:
        sys.exit(f"cannot read {args.file}: {exc}")
    except AuthRequired:
        sys.exit("sign-in failed or expired: check the username and password (nothing is lost)")
    except ServerUnavailable as exc:
        sys.exit(f"the server cannot be reached ({exc}); run again later, nothing is lost")
    except SyncError as exc:
        sys.exit(f"sync stopped: {exc}")
    sys.exit(code)


if __name__ == "__main__":
    main()
