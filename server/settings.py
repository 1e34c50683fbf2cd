"""One settings object, read once from the environment.

Every knob of the server lives here; nothing else reads ``os.environ``. A bad value stops the
process at start-up with a message naming the variable, instead of failing later.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import secrets
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import msgspec

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(RuntimeError):
    """A configuration value is missing or malformed."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    #: Where the SQLite file, photos and the generated secret live.
    data_dir: Path
    #: ``sqlite:///path`` (default, under data_dir) or ``postgresql://user@host:port/db``.
    database_url: str
    #: Key for tokens and for encrypting phone numbers at rest.
    secret_key: str
    host: str = "127.0.0.1"
    port: int = 8000
    #: Largest photo accepted, in bytes (Caddy's request body limit matches it).
    photo_max_bytes: int = 10 * 1024 * 1024
    #: Device tokens live this long unless revoked (field staff may be offline for weeks).
    token_ttl_days: int = 90
    #: Built PWA served at ``/`` by the embedded default.
    web_dist: Path = PROJECT_ROOT / "web" / "dist"
    #: Failed sign-ins on one username within the window before it is locked; the lock time,
    #: which is also the window.
    login_max_failures: int = 5
    login_lock_seconds: int = 300
    #: Failed sign-ins from one client address within the window before it is locked.
    login_address_max_failures: int = 20
    #: Peers whose ``X-Forwarded-For`` names the client (the reverse proxy); anyone else's is
    #: ignored. Loopback by default: Caddy on the same machine, or nobody else.
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = (
        ipaddress.ip_network("127.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
    )
    #: Deletions are guaranteed to reach a device that pulls at least this often; a device whose
    #: sync cursor is older is told to resync from scratch.
    sync_tombstone_days: int = 90
    #: How often the server removes what is past that horizon (server.retention); 0: never
    #: (then run ``zoufang purge`` from a timer).
    purge_every_hours: int = 24
    #: Scheduled jobs (server.jobs): how long a process holds a run without renewing it (a
    #: crashed holder's run is taken over after this), and how often each process polls.
    jobs_lease_seconds: int = 300
    jobs_poll_seconds: int = 30
    #: Where complete photos live: "" for the data folder's ``media/`` (the embedded default),
    #: or ``s3://bucket/prefix`` on an S3-compatible store (server.media.s3) reached at
    #: ``s3_endpoint`` (empty: the cloud's own) with these keys. Uploads in progress stay in
    #: ``media/partial`` either way.
    media_url: str = ""
    s3_endpoint: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""
    s3_secret_access_key: str = ""
    #: The desk flags a record submitted more than this many days after its visit or
    #: inspection (a flag informs; it never blocks).
    desk_late_days: int = 7
    #: When the previous week's summaries are stored (server.reports.history): weekday
    #: (0 = Monday) and county time; None: never (``zoufang report`` still makes them).
    weekly_report_at: tuple[int, dt.time] | None = (0, dt.time(8, 0))

    @property
    def engine(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return "postgresql" if self.database_url.startswith("postgres") else "sqlite"

    @property
    def sqlite_path(self) -> Path:
        return Path(urlsplit(self.database_url).path[1:] or "zoufang.sqlite")

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"


def _int(env: dict[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def _weekly(env: dict[str, str], name: str, default: str) -> tuple[int, dt.time] | None:
    """A weekday 1 (Monday) to 7 and a time, e.g. ``1 08:00``; ``off`` for never."""
    raw = (env.get(name) or default).strip()
    if raw.lower() == "off":
        return None
    day, _, clock = raw.partition(" ")
    try:
        weekday, at = int(day) - 1, dt.time.fromisoformat(clock.strip())
    except ValueError:
        weekday, at = -1, dt.time()
    if not 0 <= weekday <= 6:
        raise SettingsError(
            f"{name} must be a weekday 1-7 and a time (1 08:00) or off, got {raw!r}"
        )
    return weekday, at


def _networks(
    env: dict[str, str], name: str, default: str
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    raw = env.get(name, default)
    try:
        return tuple(ipaddress.ip_network(part.strip()) for part in raw.split(",") if part.strip())
    except ValueError as error:
        raise SettingsError(f"{name} must list addresses or networks (CIDR): {error}") from None


def _media_url(env: dict[str, str]) -> str:
    raw = (env.get("ZOUFANG_MEDIA_URL") or "").strip()
    if not raw:
        return ""
    parts = urlsplit(raw)
    if parts.scheme != "s3" or not parts.netloc:
        raise SettingsError(f"ZOUFANG_MEDIA_URL must be s3://bucket/prefix (or empty), got {raw!r}")
    for name in ("S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"):
        if not env.get(name):
            raise SettingsError(f"{name} must be set when ZOUFANG_MEDIA_URL names a bucket")
    endpoint = env.get("S3_ENDPOINT") or ""
    if endpoint and urlsplit(endpoint).scheme not in {"http", "https"}:
        raise SettingsError(f"S3_ENDPOINT must be an http:// or https:// address, got {endpoint!r}")
    return raw


def _secret(env: dict[str, str], data_dir: Path) -> str:
    """The configured key, or one generated once and kept under data_dir."""
    if env.get("SECRET_KEY"):
        if len(env["SECRET_KEY"]) < 32:
            raise SettingsError("SECRET_KEY must be at least 32 characters")
        return env["SECRET_KEY"]
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    # Written whole under a private name, then linked into place: of several processes
    # starting at once on a fresh data folder, one key wins and every process reads that one.
    draft = data_dir / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
    with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
        out.write(secrets.token_urlsafe(48))
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return path.read_text().strip()


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Build settings from ``env`` (default: the process environment)."""
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get("ZOUFANG_DATA_DIR") or PROJECT_ROOT / "data").resolve()
    database_url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'zoufang.sqlite'}"
    scheme = urlsplit(database_url).scheme
    if scheme not in {"sqlite", "postgresql", "postgres"}:
        raise SettingsError(
            f"DATABASE_URL must start with sqlite:/// or postgresql://, got {scheme or database_url!r}"
        )
    web_dist = env.get("ZOUFANG_WEB_DIST")
    return Settings(
        data_dir=data_dir,
        database_url=database_url,
        secret_key=_secret(env, data_dir),
        host=env.get("HOST") or "127.0.0.1",
        port=_int(env, "PORT", 8000),
        photo_max_bytes=_int(env, "PHOTO_MAX_BYTES", 10 * 1024 * 1024, minimum=1024),
        token_ttl_days=_int(env, "TOKEN_TTL_DAYS", 90),
        web_dist=Path(web_dist).resolve() if web_dist else PROJECT_ROOT / "web" / "dist",
        login_max_failures=_int(env, "LOGIN_MAX_FAILURES", 5),
        login_lock_seconds=_int(env, "LOGIN_LOCK_SECONDS", 300),
        login_address_max_failures=_int(env, "LOGIN_ADDRESS_MAX_FAILURES", 20),
        trusted_proxies=_networks(env, "TRUSTED_PROXIES", "127.0.0.0/8,::1"),
        sync_tombstone_days=_int(env, "SYNC_TOMBSTONE_DAYS", 90),
        purge_every_hours=_int(env, "PURGE_EVERY_HOURS", 24, minimum=0),
        jobs_lease_seconds=_int(env, "JOBS_LEASE_SECONDS", 300),
        jobs_poll_seconds=_int(env, "JOBS_POLL_SECONDS", 30),
        media_url=_media_url(env),
        s3_endpoint=env.get("S3_ENDPOINT") or "",
        s3_region=env.get("S3_REGION") or "us-east-1",
        s3_access_key_id=env.get("S3_ACCESS_KEY_ID") or "",
        s3_secret_access_key=env.get("S3_SECRET_ACCESS_KEY") or "",
        desk_late_days=_int(env, "DESK_LATE_DAYS", 7),
        weekly_report_at=_weekly(env, "WEEKLY_REPORT_AT", "1 08:00"),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read on first use."""
    return load_settings()
