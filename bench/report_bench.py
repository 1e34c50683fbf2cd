"""The weekly summary (周报) at scale, beside a raw SQL count(*) over the same rows. Prints
figures; not a test.

    .venv/bin/python bench/report_bench.py                      # both engines, 100,000 visits
    .venv/bin/python bench/report_bench.py --database sqlite --visits 1000000

For each engine, a real `zoufang serve` process on a fresh database (the demo county seeded).
The records are loaded with the database driver in bulk (the documented equivalent of the
write paths, which would take minutes at this size): for each visit the row a push leaves
(visit.put), then submitted and reviewed, with one demand at a stage of its loop as the demand
steps leave it (received, resolved on site, assigned with a due date, closed on time or late,
with a satisfaction). Rows the summary never reads (the mutation log, demand events) are left
out. Visits fall on every day of the campaign up to the measured week, across the three field
staff and the 200 talents of the demo roster; most are approved, and most demands older than
three weeks are closed (so the overdue list, the one table that lists rows, has a few hundred).

Then, for the county's supervisor, the median of three runs (after one warm-up) of:
- `SELECT count(*)` of the approved visits with the driver (the floor any report pays);
- GET /api/reports/weekly (JSON), target ≤ 1 s at 100,000 visits, ≤ 10 s at 1,000,000;
- GET /api/reports/weekly/export?format=xlsx, target ≤ 2 s at 100,000;
- the server process's memory growth while it answers (its peak resident set over the
  resident set before), target ≤ 50 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from server.demo import DEMO_PASSWORD, DEPARTMENTS, demo_id  # noqa: E402
from tests.support.live import LiveServer, free_port  # noqa: E402

PG_ADMIN = os.environ.get("ZOUFANG_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
WEEK = "2026-W47"  # Monday 16 to Sunday 22 November 2026
MONDAY = dt.date(2026, 11, 16)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
FIELD_STAFF = (("zhangsan", "城关镇"), ("lisi", "东湖街道"), ("wangwu", "南山镇"))
CATEGORIES = ("housing", "school_enrolment", "medical", "funding", "policy_delivery", "other")
VISIT_COLUMNS = (
    "id",
    "campaign",
    "talent",
    "visited_on",
    "mode",
    "visitor",
    "org_unit",
    "status",
    "submitted_at",
    "reviewed_at",
    "created_at",
    "updated_at",
)
DEMAND_COLUMNS = (
    "id",
    "visit",
    "ask_key",
    "category",
    "description",
    "resolved_on_site",
    "status",
    "handler_unit",
    "due_date",
    "assigned_at",
    "closed_at",
    "satisfaction",
    "escalations",
    "org_unit",
    "created_at",
    "updated_at",
)


def records(count: int, seed: int = 47) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Visit and demand rows (as Python values) for ``count`` visits with a demand each."""
    rng = random.Random(seed)
    start = dt.date(2026, 1, 1)
    days = (MONDAY + dt.timedelta(days=6) - start).days + 1
    handlers = [demo_id(name) for name in DEPARTMENTS]
    visits, demands = [], []
    for i in range(count):
        username, township = FIELD_STAFF[i % 3]
        visited_on = start + dt.timedelta(days=rng.randrange(days))
        noon = dt.datetime.combine(visited_on, dt.time(12), SHANGHAI)
        roll = rng.random()
        status = "approved" if roll < 0.96 else ("submitted" if roll < 0.98 else "returned")
        reviewed = noon + dt.timedelta(days=1) if status != "submitted" else None
        visit_id = uuid.UUID(int=rng.getrandbits(128), version=4)
        visits.append(
            (
                visit_id,
                demo_id("campaign/sssw"),
                demo_id(f"talent/{rng.randrange(200)}"),
                visited_on,
                "in_person",
                demo_id(f"user/{username}"),
                demo_id(township),
                status,
                noon,
                reviewed,
                noon,
                noon,
            )
        )
        # A demand's stage, as counties report them: a fifth settled on the spot, a fifth
        # waiting to be assigned; the rest assigned with nine days to act, and nearly all of
        # those older than three weeks closed (about 2% still open past their due date).
        stage = rng.random()
        on_site = stage < 0.2
        assigned = None if stage < 0.4 else noon + dt.timedelta(days=2)
        due = visited_on + dt.timedelta(days=9) if assigned else None
        old = visited_on < MONDAY - dt.timedelta(days=21)
        closed = None
        if assigned and (rng.random() < 0.98 if old else stage > 0.7):
            closed = noon + dt.timedelta(days=rng.randrange(3, 14))
        demand_status = (
            "resolved_on_site"
            if on_site
            else "received"
            if not assigned
            else "closed"
            if closed
            else "assigned"
        )
        demands.append(
            (
                uuid.UUID(int=rng.getrandbits(128), version=4),
                visit_id,
                "needs",
                rng.choice(CATEGORIES),
                f"第{i}条诉求：希望解决子女入学",
                on_site,
                demand_status,
                rng.choice(handlers) if assigned else None,
                due,
                assigned,
                closed,
                rng.choice(("satisfied", "basically_satisfied", "unsatisfied")) if closed else None,
                "[]",
                demo_id(township),
                noon,
                noon,
            )
        )
    return visits, demands


def _sqlite_value(value: Any) -> Any:
    """As piccolo stores values on SQLite: text for ids, dates and UTC times."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        return str(value.astimezone(dt.UTC))
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _insert(table: str, columns: tuple[str, ...], marks: list[str]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(marks)})"


COUNT_SQL = "SELECT count(*) FROM visit WHERE status = 'approved' AND deleted_at IS NULL"


class SQLiteDriver:
    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)

    def load(self, visits: list[tuple[Any, ...]], demands: list[tuple[Any, ...]]) -> None:
        self.conn.execute("BEGIN IMMEDIATE")
        for table, columns, rows in (
            ("visit", VISIT_COLUMNS, visits),
            ("demand", DEMAND_COLUMNS, demands),
        ):
            self.conn.executemany(
                _insert(table, columns, ["?"] * len(columns)),
                ([_sqlite_value(v) for v in row] for row in rows),
            )
        self.conn.execute("COMMIT")
        self.conn.execute("ANALYZE")

    def count(self) -> int:
        return int(self.conn.execute(COUNT_SQL).fetchone()[0])

    def close(self) -> None:
        self.conn.close()


class PostgresDriver:
    def __init__(self, dsn: str) -> None:
        import asyncpg

        self.loop = asyncio.new_event_loop()
        self.conn = self.loop.run_until_complete(asyncpg.connect(dsn))

    def load(self, visits: list[tuple[Any, ...]], demands: list[tuple[Any, ...]]) -> None:
        async def run() -> None:
            async with self.conn.transaction():
                await self.conn.copy_records_to_table(
                    "visit", records=visits, columns=list(VISIT_COLUMNS)
                )
                await self.conn.copy_records_to_table(
                    "demand", records=demands, columns=list(DEMAND_COLUMNS)
                )
            await self.conn.execute("ANALYZE")

        self.loop.run_until_complete(run())

    def count(self) -> int:
        return int(self.loop.run_until_complete(self.conn.fetchval(COUNT_SQL)))

    def close(self) -> None:
        self.loop.run_until_complete(self.conn.close())
        self.loop.close()


def _status(pid: int, field: str) -> int:
    """A memory figure of a process, in bytes (VmRSS, VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def timed(run: Any, repeats: int = 3) -> float:
    run()  # warm-up: imports, caches, the first connection
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench(database: str, count: int) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="zoufang-report-bench-"))
    server = LiveServer(data_dir, free_port())
    server.env["PURGE_EVERY_HOURS"] = "0"
    pg_name = f"zoufang_bench_{uuid.uuid4().hex[:10]}"

    async def admin(sql: str) -> None:
        import asyncpg

        conn = await asyncpg.connect(PG_ADMIN)
        await conn.execute(sql)
        await conn.close()

    if database == "postgresql":
        asyncio.run(admin(f'CREATE DATABASE "{pg_name}"'))
        server.env["DATABASE_URL"] = f"{PG_ADMIN.rsplit('/', 1)[0]}/{pg_name}"
    try:
        for step in ("migrate", "seed-demo"):
            subprocess.run(
                [sys.executable, "-m", "server.cli", step],
                env=server.env,
                cwd=ROOT,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        started = time.perf_counter()
        visits, demands = records(count)
        driver: SQLiteDriver | PostgresDriver = (
            SQLiteDriver(data_dir / "zoufang.sqlite")
            if database == "sqlite"
            else PostgresDriver(server.env["DATABASE_URL"])
        )
        driver.load(visits, demands)
        approved = sum(v[7] == "approved" for v in visits)
        del visits, demands
        load = time.perf_counter() - started
        server.start()
        assert server.process is not None
        pid = server.process.pid
        with httpx.Client(base_url=server.url, timeout=600) as client:
            token = client.post(
                "/api/auth/login",
                json={"username": "zhaoli", "password": DEMO_PASSWORD, "device_id": "bench"},
            ).json()["token"]
            client.headers["Authorization"] = f"Bearer {token}"

            def get(path: str) -> httpx.Response:
                response = client.get(path, params={"week": WEEK})
                response.raise_for_status()
                return response

            figures = get("/api/reports/weekly").json()["overview"]
            raw = timed(driver.count)
            as_json = timed(lambda: get("/api/reports/weekly"))
            as_xlsx = timed(lambda: get("/api/reports/weekly/export?format=xlsx"))
            # Peak resident set while answering both, over the resident set before.
            before = _status(pid, "VmRSS")
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets the peak (VmHWM)
            get("/api/reports/weekly")
            get("/api/reports/weekly/export?format=xlsx")
            growth = _status(pid, "VmHWM") - before
        driver.close()
        return {
            "approved": approved,
            "load": load,
            "raw": raw,
            "json": as_json,
            "xlsx": as_xlsx,
            "growth": growth,
            "figures": {k: figures[k] for k in ("visits", "covered", "assigned", "overdue")},
        }
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
        if database == "postgresql":
            asyncio.run(admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--visits", type=int, default=100_000)
    args = parser.parse_args()
    engines = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    json_target, xlsx_target = (1.0, 2.0) if args.visits <= 100_000 else (10.0, None)
    print(f"weekly summary {WEEK}, county supervisor, {args.visits:,} visits with a demand each")
    print(f"{'':34s}" + "".join(f"{e:>13s}" for e in engines))
    results = {engine: bench(engine, args.visits) for engine in engines}

    def line(label: str, key: str, unit: str, scale: float = 1.0, target: str = "") -> None:
        cells = "".join(f"{results[e][key] * scale:>10.3f} {unit}" for e in engines)
        # (each cell is 13 characters wide, like the header)
        print(f"{label:34s}{cells}   {target}")

    print(f"{'approved visits':34s}" + "".join(f"{results[e]['approved']:>12,}" for e in engines))
    line("bulk load (not measured against)", "load", "s ")
    line("raw SQL count(*) of approved", "raw", "s ")
    line("summary as JSON", "json", "s ", target=f"(target <= {json_target:g} s)")
    xlsx_note = f"(target <= {xlsx_target:g} s)" if xlsx_target else ""
    line("summary as XLSX", "xlsx", "s ", target=xlsx_note)
    line("server memory growth", "growth", "MB", 1 / 1e6, "(target <= 50 MB)")
    for e in engines:
        print(f"  {e}: JSON ÷ raw count = {results[e]['json'] / results[e]['raw']:.1f}×")
        print(f"  {e}: the week's figures (the same on both engines): {results[e]['figures']}")


if __name__ == "__main__":
    main()
