"""The supervisor's desk at scale: the records query and the text search, beside a plain
`SELECT count(*)` of the same rows in the same run. Prints figures; not a test.

    .venv/bin/python bench/desk_bench.py                      # both engines, 100,000 visits
    .venv/bin/python bench/desk_bench.py --database sqlite --visits 300000

For each engine, a real `zoufang serve` process on a fresh database (the demo county seeded),
loaded in bulk as bench/report_bench.py loads it (a visit with a demand each), then each visit
given notes that name it (so a search can find one visit, or all of them). For the county's
supervisor, the median of three runs (after one warm-up), target <= 200 ms each at 100,000:
- `SELECT count(*)` of the rows the desk lists (the floor any list pays);
- GET /api/desk/records: the first page of everything, newest first; then with filters combined;
- the search: three or more characters that one visit holds (from the index), three or more
  that every visit holds (the index's worst case), and two characters (no trigram: the
  fallback scan).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
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

from bench.report_bench import (  # noqa: E402
    PG_ADMIN,
    WEEK,
    PostgresDriver,
    SQLiteDriver,
    records,
    timed,
)
from server.demo import DEMO_PASSWORD  # noqa: E402
from tests.support.live import LiveServer, free_port  # noqa: E402

COUNT_SQL = "SELECT count(*) FROM visit WHERE status <> 'draft' AND deleted_at IS NULL"
#: Notes naming each visit by the start of its id, and a phrase every visit shares.
NOTES = {
    "sqlite": "UPDATE visit SET notes = '谈到' || substr(id, 1, 8) || '企业用工需求'",
    "postgresql": "UPDATE visit SET notes = '谈到' || left(id::text, 8) || '企业用工需求'",
}
TARGET_MS = 200


def _sql(driver: SQLiteDriver | PostgresDriver, sql: str) -> Any:
    if isinstance(driver, SQLiteDriver):
        return driver.conn.execute(sql).fetchall()
    return driver.loop.run_until_complete(driver.conn.fetch(sql))


def bench(database: str, count: int) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="zoufang-desk-bench-"))
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
        one = str(visits[count // 2][0])[:8]
        driver: SQLiteDriver | PostgresDriver = (
            SQLiteDriver(data_dir / "zoufang.sqlite")
            if database == "sqlite"
            else PostgresDriver(server.env["DATABASE_URL"])
        )
        driver.load(visits, demands)
        del visits, demands
        _sql(driver, NOTES[database])
        _sql(driver, "ANALYZE")
        load = time.perf_counter() - started
        name = _sql(driver, "SELECT name FROM talent ORDER BY name LIMIT 1")[0][0]
        server.start()
        with httpx.Client(base_url=server.url, timeout=600) as client:
            token = client.post(
                "/api/auth/login",
                json={"username": "zhaoli", "password": DEMO_PASSWORD, "device_id": "bench"},
            ).json()["token"]
            client.headers["Authorization"] = f"Bearer {token}"

            def get(**params: Any) -> dict[str, Any]:
                response = client.get("/api/desk/records", params=params)
                response.raise_for_status()
                return response.json()

            queries = {
                "records, first page": {},
                "records, week+status+open demands": {
                    "week": WEEK,
                    "status": "approved",
                    "demands": "open",
                },
                "records, by submission time": {"sort": "-submitted_at"},
                f"search '{one}' (one visit)": {"q": one},
                "search '企业用工需求' (every visit)": {"q": "企业用工需求"},
                f"search '{name[:2]}' (2 chars, no index)": {"q": name[:2]},
            }
            out: dict[str, Any] = {"load": load, "count": timed(lambda: _sql(driver, COUNT_SQL))}
            out["rows"] = _sql(driver, COUNT_SQL)[0][0]
            for label, params in queries.items():
                total = get(**params)["total"]
                out[label] = (timed(lambda p=params: get(**p)), total)
        driver.close()
        return out
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
    print(f"supervisor's desk, county supervisor, {args.visits:,} visits with a demand each")
    for engine in engines:
        result = bench(engine, args.visits)
        print(f"\n{engine}: {result['rows']:,} rows listed; bulk load {result['load']:.1f} s")
        print(f"  {'SELECT count(*) of the same rows':44s}{result['count'] * 1000:8.1f} ms")
        for label, value in result.items():
            if isinstance(value, tuple):
                seconds, total = value
                verdict = "ok" if seconds * 1000 <= TARGET_MS else "OVER"
                print(
                    f"  {label:44s}{seconds * 1000:8.1f} ms  {total:>7,} found"
                    f"  (target <= {TARGET_MS} ms: {verdict})"
                )


if __name__ == "__main__":
    main()
