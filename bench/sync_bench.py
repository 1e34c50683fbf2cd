"""Sync throughput, measured against baselines taken in the same run. Prints figures; not a test.

    .venv/bin/python bench/sync_bench.py --database sqlite
    .venv/bin/python bench/sync_bench.py --database postgresql   # on ZOUFANG_TEST_PG's server

A real `zoufang serve` process on a fresh database (the demo county seeded) receives:
1. N visit records pushed over HTTP in batches (visit.put, one demand each) → records/s, and the
   ratio to a raw insert of the same visit and demand rows with the database driver
   (sqlite3 / asyncpg executemany, one transaction per batch) into the same tables, with the
   keys, indexes and foreign-key checks the app's inserts pay for (target ≥ 0.3). The raw
   batches alternate with the pushed ones, so both see the same moments of a shared machine
   and tables of the same size;
2. the same kind of record pushed one request per record (a sample) → batched ÷ single
   (target ≥ 10);
3. JPEG photos (1600×1200) uploaded whole, one request each (PUT /api/media/{sha256}, named
   beforehand as on a device) → MB/s, and the ratio to raw SHA-256 plus write plus fsync of
   the same bytes, photo by photo right after each upload (target ≥ 0.5);
4. the published ODK Central figures to beat (../shared/field-lessons.md: about 41 submissions/s
   from 500 devices without attachments, 1–2 submissions/s with 5 MB attachments from 50
   devices): that many devices at once, each already signed in, sending one submission (a
   visit with a demand, put and submitted in one push), with or without a 5 MB photo.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import random
import shutil
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
from uuid_utils.compat import uuid7

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from server.db import county_today  # noqa: E402
from server.demo import DEMO_PASSWORD, demo_id  # noqa: E402
from sync import protocol  # noqa: E402
from tests.support.live import LiveServer, free_port  # noqa: E402

PG_ADMIN = os.environ.get("ZOUFANG_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def new_id() -> str:
    """An id as the PWA makes them (UUIDv7, web/src/shared/ids.ts) and the server mints its own."""
    return str(uuid7())


def visit_payload(i: int) -> dict[str, Any]:
    visit_id = new_id()
    return {
        "id": visit_id,
        "campaign_id": str(demo_id("campaign/sssw")),
        "talent_id": str(demo_id(f"talent/{(i * 4) % 200}")),  # 城关镇's talents: 0, 4, 8, ...
        "visited_on": county_today().isoformat(),  # inside the demo campaign, any year
        "mode": "in_person",
        "visitors": ["张三"],
        "lead_official": "刘县长",
        "place": "清源农业科技有限公司",
        "sends": ["policy", "service"],
        "policies": "《清源县人才新政十条》",
        "asks": {"needs": f"第{i}次走访：希望解决子女入学", "suggestions": "简化申报流程"},
        "notes": "企业研发团队扩充，需要配套政策。" * 3,
        "device_created_at": f"{county_today().isoformat()}T10:30:00+08:00",
        "demands": [
            {
                "id": new_id(),
                "ask_key": "needs",
                "category": "school_enrolment",
                "description": "子女转学到县第一小学",
            }
        ],
    }


class Pusher:
    def __init__(self, client: httpx.Client, device_id: str) -> None:
        self.client = client
        self.device_id = device_id
        self.seq = 0

    def push(self, visits: list[dict[str, Any]]) -> None:
        mutations = []
        for visit in visits:
            self.seq += 1
            mutations.append(
                {
                    "op": "visit.put",
                    "mutation_id": new_id(),
                    "seq": self.seq,
                    "base_version": 0,
                    "visit": visit,
                }
            )
        body = {"protocol_version": "1.0", "device_id": self.device_id, "mutations": mutations}
        # Encoded and decoded with msgspec, as the reference client (sync/client.py) does.
        response = self.client.post(
            "/api/sync/push",
            content=msgspec.json.encode(body),
            headers={"Content-Type": "application/json"},
        )
        response.raise_for_status()
        results = msgspec.json.decode(response.content, type=protocol.PushResponse).results
        statuses = {r.__struct_config__.tag for r in results}
        if len(results) != len(visits) or statuses != {"applied"}:
            raise SystemExit(f"push did not apply everything: {statuses} {results[:1]}")


@contextlib.contextmanager
def sign_in(url: str, device_id: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=url, timeout=120) as client:
        response = client.post(
            "/api/auth/login",
            json={"username": "zhangsan", "password": DEMO_PASSWORD, "device_id": device_id},
        )
        response.raise_for_status()
        client.headers["Authorization"] = f"Bearer {response.json()['token']}"
        yield client


def raw_rows(
    visits: list[dict[str, Any]],
    user: str,
    unit: str,
    stream: str,
    *,
    every_row: bool,
    postgres: bool,
) -> list[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]]:
    """(table, columns, rows) for a batch of visits, as each driver takes them: text as
    piccolo stores it on SQLite, dates and times as objects for asyncpg (ids stay text).

    The records' own rows are a visit and a demand each. ``every_row`` adds what a push also
    writes for each new record: the mutation log entry (with a result like the one the server
    stores) and the demand's "received" event. (A new record has no revision: revisions keep
    the versions a later write replaced.)
    """
    now: Any = dt.datetime.now(dt.UTC)
    day: Any = dt.date.fromisoformat if postgres else str
    if not postgres:
        now = str(now)
    tables: list[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]] = [
        (
            "visit",
            VISIT_COLUMNS,
            [
                (
                    v["id"],
                    v["campaign_id"],
                    v["talent_id"],
                    day(v["visited_on"]),
                    v["mode"],
                    user,
                    unit,
                    json.dumps(v["visitors"], ensure_ascii=False),
                    v["lead_official"],
                    v["place"],
                    json.dumps(v["sends"]),
                    v["policies"],
                    json.dumps(v["asks"], ensure_ascii=False),
                    v["notes"],
                    "[]",
                    now,
                    now,
                )
                for v in visits
            ],
        ),
        (
            "demand",
            DEMAND_COLUMNS,
            [
                (
                    d["id"],
                    v["id"],
                    d["ask_key"],
                    d["category"],
                    d["description"],
                    unit,
                    now,
                    now,
                )
                for v in visits
                for d in v["demands"]
            ],
        ),
    ]
    if not every_row:
        return tables
    mutations = [(new_id(), v) for v in visits]
    tables += [
        (
            "sync_mutation",
            MUTATION_COLUMNS,
            [
                (
                    mid,
                    stream,
                    seq,
                    "visit.put",
                    "visit",
                    v["id"],
                    "applied",
                    msgspec.json.encode(
                        protocol.Applied(
                            mutation_id=uuid.UUID(mid),
                            seq=seq,
                            entity="visit",
                            id=uuid.UUID(v["id"]),
                            version=1,
                            versions={d["id"]: 1 for d in v["demands"]},
                        )
                    ).decode(),
                    None,
                    now,
                )
                for seq, (mid, v) in enumerate(mutations, start=_next_seq(stream, len(visits)))
            ],
        ),
        (
            "demand_event",
            EVENT_COLUMNS,
            [
                (new_id(), d["id"], "received", user, "", "{}", now)
                for v in visits
                for d in v["demands"]
            ],
        ),
    ]
    return tables


_SEQS: dict[str, int] = {}


def _next_seq(stream: str, count: int) -> int:
    first = _SEQS.get(stream, 0) + 1
    _SEQS[stream] = first + count - 1
    return first


VISIT_COLUMNS = tuple(
    [
        "id",
        "campaign",
        "talent",
        "visited_on",
        "mode",
        "visitor",
        "org_unit",
        "visitors",
        "lead_official",
        "place",
        "sends",
        "policies",
        "asks",
        "notes",
        "photos",
        "created_at",
        "updated_at",
    ]
)
DEMAND_COLUMNS = tuple(
    ["id", "visit", "ask_key", "category", "description", "org_unit", "created_at", "updated_at"]
)
MUTATION_COLUMNS = tuple(
    [
        "id",
        "stream",
        "seq",
        "op",
        "entity",
        "entity_id",
        "status",
        "result",
        "payload",
        "created_at",
    ]
)
EVENT_COLUMNS = tuple(["id", "demand", "kind", "actor", "note", "data", "created_at"])


def _insert(table: str, columns: tuple[str, ...], marks: list[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(marks)})"


class RawSQLite:
    """The same rows into the same tables (their keys, indexes and foreign keys checked, as the
    app runs them), sqlite3 executemany, one transaction per batch."""

    def __init__(self, path: Path, user: str, unit: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA foreign_keys = ON")
        self.user, self.unit = user, unit
        self.stream = f"bench-raw-{uuid.uuid4()}"

    def insert(self, batch: list[dict[str, Any]], every_row: bool) -> float:
        """Seconds to build and insert one batch's rows."""
        started = time.perf_counter()
        tables = raw_rows(
            batch, self.user, self.unit, self.stream, every_row=every_row, postgres=False
        )
        self.conn.execute("BEGIN IMMEDIATE")
        for table, columns, rows in tables:
            self.conn.executemany(_insert(table, columns, ["?"] * len(columns)), rows)
        self.conn.execute("COMMIT")
        return time.perf_counter() - started

    def close(self) -> None:
        self.conn.close()


class RawPostgres:
    """The same rows into the same tables, asyncpg executemany, one transaction per batch."""

    def __init__(self, dsn: str, user: str, unit: str) -> None:
        import asyncpg

        self.loop = asyncio.new_event_loop()
        self.conn = self.loop.run_until_complete(asyncpg.connect(dsn))
        self.user, self.unit = user, unit
        self.stream = f"bench-raw-{uuid.uuid4()}"

    def insert(self, batch: list[dict[str, Any]], every_row: bool) -> float:
        async def run() -> None:
            tables = raw_rows(
                batch, self.user, self.unit, self.stream, every_row=every_row, postgres=True
            )
            async with self.conn.transaction():
                for table, columns, rows in tables:
                    marks = [f"${i}" for i in range(1, len(columns) + 1)]
                    await self.conn.executemany(_insert(table, columns, marks), rows)

        started = time.perf_counter()
        self.loop.run_until_complete(run())
        return time.perf_counter() - started

    def close(self) -> None:
        self.loop.run_until_complete(self.conn.close())
        self.loop.close()


def bench_tokens(database_url: str, user: str, prefix: str, count: int) -> list[tuple[str, str]]:
    """(device id, token) for ``count`` devices already signed in as ``user``: their tokens are
    stored as a sign-in stores them, so the figures leave out the password hashing of sign-in."""
    from server.security import new_token, token_digest

    now = dt.datetime.now(dt.UTC)
    devices = [(f"{prefix}-{d}", new_token()) for d in range(count)]
    rows = [
        (
            str(uuid.uuid4()),
            user,
            token_digest(token),
            device,
            "bench",
            now,
            now + dt.timedelta(days=30),
            now,
        )
        for device, token in devices
    ]
    sql = (
        'INSERT INTO device_token (id, "user", token_hash, device_id, device_name, created_at,'
        " expires_at, last_used_at) VALUES ({})"
    )
    if database_url.startswith("sqlite:///"):
        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as conn:
            texts = [(*r[:5], *map(str, r[5:])) for r in rows]
            conn.executemany(sql.format(", ".join("?" * 8)), texts)
    else:
        import asyncpg

        async def insert() -> None:
            conn = await asyncpg.connect(database_url)
            marks = ", ".join(f"${i}" for i in range(1, 9))
            await conn.executemany(
                sql.format(marks), [(uuid.UUID(r[0]), uuid.UUID(r[1]), *r[2:]) for r in rows]
            )
            await conn.close()

        asyncio.run(insert())
    return devices


async def submissions(url: str, devices: list[tuple[str, str]], photo: bytes | None) -> float:
    """Every device sends one submission at once: a visit with a demand, put and submitted in
    one push, then its photo (made unique per device), if any. Returns the seconds taken.
    What a phone prepares before it has signal (the body, the photo and its hash) is made
    before the clock starts."""
    sends = []
    for i, (device, token) in enumerate(devices):
        visit = visit_payload(i)
        mine = sha = None
        if photo is not None:
            mine = unique_jpeg(photo, device)
            sha = hashlib.sha256(mine).hexdigest()
            visit["photos"] = [sha]
        mutations = [
            {
                "op": "visit.put",
                "mutation_id": new_id(),
                "seq": 1,
                "base_version": 0,
                "visit": visit,
            },
            {"op": "visit.submit", "mutation_id": new_id(), "seq": 2, "id": visit["id"]},
        ]
        body = {"protocol_version": "1.0", "device_id": device, "mutations": mutations}
        sends.append((token, msgspec.json.encode(body), mine, sha))

    async def submit(
        client: httpx.AsyncClient, token: str, body: bytes, mine: bytes | None, sha: str | None
    ) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        response = await client.post("/api/sync/push", content=body, headers=headers)
        response.raise_for_status()
        results = msgspec.json.decode(response.content, type=protocol.PushResponse).results
        if [r.__struct_config__.tag for r in results] != ["applied", "applied"]:
            raise SystemExit(f"submission not applied: {results}")
        if mine is not None:
            response = await client.put(
                f"/api/media/{sha}", content=mine, headers={**headers, "Content-Type": "image/jpeg"}
            )
            response.raise_for_status()
            if not response.json()["complete"]:
                raise SystemExit("photo upload incomplete")

    # A connection per device, in clients of 25: one client's pool scans all its connections
    # for every request, which with hundreds made the client, not the server, the bottleneck.
    per_client = 25
    limits = httpx.Limits(max_connections=per_client, max_keepalive_connections=per_client)
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=url, timeout=300, limits=limits)
            )
            for _ in range(0, len(sends), per_client)
        ]
        started = time.perf_counter()
        await asyncio.gather(
            *(submit(clients[i // per_client], *send) for i, send in enumerate(sends))
        )
        return time.perf_counter() - started


def big_jpeg() -> bytes:
    """A real JPEG of about 5 MB (noise at high quality), like an unresized camera photo."""
    return jpeg(0, size=(2400, 1800), quality=95)


def unique_jpeg(photo: bytes, tag: str) -> bytes:
    """The same picture with a comment segment naming ``tag``: another file, another hash."""
    comment = f"zoufang bench {tag}".encode()
    return photo[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + photo[2:]


def jpeg(seed: int, size: tuple[int, int] = (1600, 1200), quality: int = 80) -> bytes:
    """A real JPEG of noise (incompressible, like a photo's worth of detail)."""
    from PIL import Image

    rng = random.Random(seed)
    image = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--single", type=int, default=300, help="records pushed one per request")
    parser.add_argument("--photos", type=int, default=20)
    parser.add_argument(
        "--devices", type=int, default=500, help="devices at once, a submission each"
    )
    parser.add_argument(
        "--photo-devices", type=int, default=50, help="devices at once, a 5 MB photo each"
    )
    parser.add_argument("--workers", type=int, default=1, help="zoufang serve --workers N")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="zoufang-bench-"))
    server = LiveServer(data_dir, free_port())
    server.env["PURGE_EVERY_HOURS"] = "0"  # nothing to purge; no daily run inside the figures
    pg_name = f"zoufang_bench_{uuid.uuid4().hex[:10]}"
    if args.database == "postgresql":
        import asyncpg

        async def admin(sql: str) -> None:
            conn = await asyncpg.connect(PG_ADMIN)
            await conn.execute(sql)
            await conn.close()

        asyncio.run(admin(f'CREATE DATABASE "{pg_name}"'))
        server.env["DATABASE_URL"] = f"{PG_ADMIN.rsplit('/', 1)[0]}/{pg_name}"
    try:
        server.cli("migrate")
        server.cli("seed-demo")
        server.start("--workers", str(args.workers))
        user, unit = str(demo_id("user/zhangsan")), str(demo_id("城关镇"))
        visits = [visit_payload(i) for i in range(args.records)]
        batches = [visits[i : i + args.batch] for i in range(0, len(visits), args.batch)]

        # Each batch is pushed, then the raw driver inserts a batch of the same size both ways:
        # the figures see the same moments of a shared machine, and tables of the same size.
        database_url = server.env["DATABASE_URL"]
        if args.database == "sqlite":
            raw: RawSQLite | RawPostgres = RawSQLite(data_dir / "zoufang.sqlite", user, unit)
        else:
            raw = RawPostgres(database_url, user, unit)
        batched = 0.0
        raw_seconds = {False: 0.0, True: 0.0}
        with sign_in(server.url, "bench-batched") as client:
            pusher = Pusher(client, "bench-batched")
            for i, batch in enumerate(batches):
                started = time.perf_counter()
                pusher.push(batch)
                batched += time.perf_counter() - started
                for every_row in (False, True) if i % 2 else (True, False):
                    raw_batch = [visit_payload(j) for j in range(len(batch))]
                    raw_seconds[every_row] += raw.insert(raw_batch, every_row)
        raw.close()
        batched_rate = args.records / batched
        raw_rates = {every_row: args.records / t for every_row, t in raw_seconds.items()}

        singles = [visit_payload(i) for i in range(args.single)]
        with sign_in(server.url, "bench-single") as client:
            pusher = Pusher(client, "bench-single")
            started = time.perf_counter()
            for visit in singles:
                pusher.push([visit])
            single = time.perf_counter() - started
        single_rate = args.single / single

        # Many phones back in signal at once, as in ODK Central's published figures.
        tokens = bench_tokens(database_url, user, "bench-many", args.devices)
        many = asyncio.run(submissions(server.url, tokens, photo=None))
        big = big_jpeg()
        tokens = bench_tokens(database_url, user, "bench-big", args.photo_devices)
        many_photos = asyncio.run(submissions(server.url, tokens, photo=big))

        photos = [jpeg(i) for i in range(args.photos)]
        total_bytes = sum(len(p) for p in photos)
        # A device names a photo when it is taken (the outbox stores the name with the bytes):
        # the upload sends a known name, so the client's hashing is not part of the upload.
        names = [hashlib.sha256(photo).hexdigest() for photo in photos]
        scratch = data_dir / "raw-photos"
        scratch.mkdir()
        # Each photo is uploaded, then the baseline does the same bytes: the two figures see the
        # same moments of a shared machine.
        upload = raw_photo = 0.0
        with sign_in(server.url, "bench-photos") as client:
            for sha, photo in zip(names, photos, strict=True):
                started = time.perf_counter()
                response = client.put(
                    f"/api/media/{sha}", content=photo, headers={"Content-Type": "image/jpeg"}
                )
                response.raise_for_status()
                if not response.json()["complete"]:
                    raise SystemExit("photo upload incomplete")
                upload += time.perf_counter() - started
                started = time.perf_counter()
                digest = hashlib.sha256(photo).hexdigest()
                with (scratch / digest).open("wb") as f:
                    f.write(photo)
                    f.flush()
                    os.fsync(f.fileno())
                raw_photo += time.perf_counter() - started
        upload_mbs = total_bytes / upload / 1e6
        raw_mbs = total_bytes / raw_photo / 1e6
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
        if args.database == "postgresql":
            asyncio.run(admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))

    print(
        f"database: {args.database}   records: {args.records}   batch: {args.batch}"
        f"   workers: {args.workers}"
    )
    print(f"batched push over HTTP     {batched_rate:10.0f} records/s   ({batched:.2f} s)")
    print("raw driver insert of the same records into the same tables:")
    for every_row, label in (
        (False, "the records' rows (2)"),
        (True, "every row a push writes (4)"),
    ):
        rate = raw_rates[every_row]
        print(f"  {label:28s} {rate:10.0f} records/s")
        print(f"    ratio push / raw         {batched_rate / rate:10.2f}        (target >= 0.3)")
    print(f"one request per record     {single_rate:10.0f} records/s   ({args.single} records)")
    print(f"  ratio batched / single   {batched_rate / single_rate:10.1f}        (target >= 10)")
    print(
        f"{args.devices} devices at once, a submission each "
        f"{args.devices / many:6.0f} submissions/s   (ODK Central: about 41)"
    )
    print(
        f"{args.photo_devices} devices at once, a submission with a {len(big) / 1e6:.1f} MB photo "
        f"each {args.photo_devices / many_photos:6.1f} submissions/s   (ODK Central: 1-2)"
    )
    print(
        f"photo upload               {upload_mbs:10.1f} MB/s      ({args.photos} photos, {total_bytes / 1e6:.1f} MB)"
    )
    print(f"raw sha256 + write + fsync {raw_mbs:10.1f} MB/s")
    print(f"  ratio upload / raw       {upload_mbs / raw_mbs:10.2f}        (target >= 0.5)")


if __name__ == "__main__":
    main()
