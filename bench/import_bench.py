"""Roster import at scale: a 10,000-row XLSX and CSV file previewed, committed, re-imported with
every row changed (10,000 updates) and undone, against a real `zoufang serve` process on a fresh
database (the demo county seeded). Prints figures; not a test.

    .venv/bin/python bench/import_bench.py                     # both engines, 10,000 rows
    .venv/bin/python bench/import_bench.py --database sqlite --rows 20000

Targets: preview and commit ≤ 10 s each at 10,000 rows; the server's memory growth while it
works (peak resident set over the resident set before) is printed beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import openpyxl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from server.demo import DEMO_PASSWORD, TOWNSHIPS  # noqa: E402
from tests.support.live import LiveServer, free_port  # noqa: E402

PG_ADMIN = os.environ.get("ZOUFANG_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
HEADER = ["姓名", "工作单位", "所在镇街", "人才类别", "人才层次", "专业领域", "联系电话"]
CATEGORIES = ("党政", "企业经营管理", "专业技术", "高技能", "农村实用", "社会工作")


def rows(count: int, level: str) -> list[list[str]]:
    return [
        [
            f"人才{i:05d}",
            f"单位{i % 97}",
            list(TOWNSHIPS)[i % len(TOWNSHIPS)],
            CATEGORIES[i % 6],
            level,
            "农业",
            f"139{i:08d}",
        ]
        for i in range(count)
    ]


def xlsx(data: list[list[str]]) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    for row in data:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv(data: list[list[str]]) -> bytes:
    lines = [",".join(HEADER), *(",".join(r) for r in data)]
    return ("\r\n".join(lines) + "\r\n").encode("gb18030")


def peak_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def bench(database: str, count: int) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="zoufang-import-bench-"))
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
        first, second = xlsx(rows(count, "A")), csv(rows(count, "B"))
        server.start()
        assert server.process is not None
        pid = server.process.pid
        with httpx.Client(base_url=server.url, timeout=600) as client:
            token = client.post(
                "/api/auth/login",
                json={"username": "admin", "password": DEMO_PASSWORD, "device_id": "bench"},
            ).json()["token"]
            client.headers["Authorization"] = f"Bearer {token}"
            before = rss_kb(pid)

            def timed(label: str, method: str, path: str, data: bytes | None = None) -> dict:
                files = {"file": ("名单", data, "application/octet-stream")} if data else None
                started = time.perf_counter()
                response = client.request(method, path, files=files)
                seconds = time.perf_counter() - started
                assert response.status_code in (200, 201), response.text[:500]
                print(f"  {label:<34} {seconds:6.2f} s")
                return response.json()

            print(
                f"{database}: {count} rows (XLSX {len(first) // 1024} KB, CSV {len(second) // 1024} KB)"
            )
            preview = timed(
                "preview XLSX (all create)", "POST", "/api/imports/talent/preview", first
            )
            assert preview["created"] == count, {k: preview[k] for k in ("created", "errors")}
            batch = timed("commit XLSX (creates)", "POST", "/api/imports/talent/commit", first)
            preview = timed(
                "preview CSV GB18030 (all update)", "POST", "/api/imports/talent/preview", second
            )
            assert preview["updated"] == count
            update = timed("commit CSV (updates)", "POST", "/api/imports/talent/commit", second)
            timed("undo the updates", "POST", f"/api/imports/batches/{update['id']}/undo")
            timed("undo the creates", "POST", f"/api/imports/batches/{batch['id']}/undo")
            print(f"  server memory growth (peak RSS)    {(peak_kb(pid) - before) / 1024:6.1f} MB")
    finally:
        server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
        if database == "postgresql":
            asyncio.run(admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    for database in args.database or ["sqlite", "postgresql"]:
        bench(database, args.rows)


if __name__ == "__main__":
    main()
