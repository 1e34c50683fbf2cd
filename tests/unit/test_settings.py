from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from server.settings import SettingsError, load_settings


def test_defaults_are_the_embedded_sqlite(tmp_path: Path) -> None:
    settings = load_settings({"ZOUFANG_DATA_DIR": str(tmp_path)})
    assert settings.engine == "sqlite"
    assert settings.sqlite_path == tmp_path / "zoufang.sqlite"
    assert settings.port == 8000
    assert settings.media_dir == tmp_path / "media"
    assert (settings.sync_tombstone_days, settings.purge_every_hours) == (90, 24)
    off = load_settings({"ZOUFANG_DATA_DIR": str(tmp_path), "PURGE_EVERY_HOURS": "0"})
    assert off.purge_every_hours == 0
    assert settings.weekly_report_at == (0, dt.time(8, 0))  # Monday 08:00 county time
    friday = load_settings({"ZOUFANG_DATA_DIR": str(tmp_path), "WEEKLY_REPORT_AT": "5 17:30"})
    assert friday.weekly_report_at == (4, dt.time(17, 30))
    never = load_settings({"ZOUFANG_DATA_DIR": str(tmp_path), "WEEKLY_REPORT_AT": "off"})
    assert never.weekly_report_at is None


def test_secret_is_generated_once_and_kept(tmp_path: Path) -> None:
    first = load_settings({"ZOUFANG_DATA_DIR": str(tmp_path)}).secret_key
    second = load_settings({"ZOUFANG_DATA_DIR": str(tmp_path)}).secret_key
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_of_processes_starting_together_the_first_key_linked_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process links its key between this one's check and its own link: this one
    reads that key instead of replacing it (workers would otherwise encrypt with different
    keys), and leaves no draft behind."""
    link = os.link

    def another_process_first(source: Path, target: Path) -> None:
        Path(target).write_text("k" * 64)
        link(source, target)

    monkeypatch.setattr(os, "link", another_process_first)
    assert load_settings({"ZOUFANG_DATA_DIR": str(tmp_path)}).secret_key == "k" * 64
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_postgres_url_switches_engine(tmp_path: Path) -> None:
    env = {"ZOUFANG_DATA_DIR": str(tmp_path), "DATABASE_URL": "postgresql://u@h:5432/db"}
    assert load_settings(env).engine == "postgresql"


@pytest.mark.parametrize(
    ("name", "value", "needle"),
    [
        ("PORT", "eighty", "PORT must be a whole number"),
        ("PORT", "0", "PORT must be at least 1"),
        ("DATABASE_URL", "mysql://x", "DATABASE_URL must start with"),
        ("SECRET_KEY", "short", "SECRET_KEY must be at least 32"),
        ("PHOTO_MAX_BYTES", "10", "PHOTO_MAX_BYTES must be at least 1024"),
        ("PURGE_EVERY_HOURS", "-1", "PURGE_EVERY_HOURS must be at least 0"),
        ("WEEKLY_REPORT_AT", "8 08:00", "WEEKLY_REPORT_AT must be a weekday 1-7"),
        ("WEEKLY_REPORT_AT", "1 25:00", "WEEKLY_REPORT_AT must be a weekday 1-7"),
        ("TRUSTED_PROXIES", "caddy.local", "TRUSTED_PROXIES must list addresses"),
        ("LOGIN_ADDRESS_MAX_FAILURES", "0", "LOGIN_ADDRESS_MAX_FAILURES must be at least 1"),
    ],
)
def test_bad_values_name_the_variable(tmp_path: Path, name: str, value: str, needle: str) -> None:
    with pytest.raises(SettingsError, match=needle):
        load_settings({"ZOUFANG_DATA_DIR": str(tmp_path), name: value})


def test_trusted_proxies_default_to_loopback_and_take_networks(tmp_path: Path) -> None:
    default = load_settings({"ZOUFANG_DATA_DIR": str(tmp_path)}).trusted_proxies
    assert [str(n) for n in default] == ["127.0.0.0/8", "::1/128"]
    env = {"ZOUFANG_DATA_DIR": str(tmp_path), "TRUSTED_PROXIES": "10.0.0.5, 192.168.1.0/24"}
    assert [str(n) for n in load_settings(env).trusted_proxies] == ["10.0.0.5/32", "192.168.1.0/24"]
    assert (
        load_settings({"ZOUFANG_DATA_DIR": str(tmp_path), "TRUSTED_PROXIES": ""}).trusted_proxies
        == ()
    )


def test_photos_go_to_a_bucket_only_when_configured_whole(tmp_path: Path) -> None:
    base = {"ZOUFANG_DATA_DIR": str(tmp_path)}
    assert load_settings(base).media_url == ""  # the data folder: the embedded default
    keys = {"S3_ACCESS_KEY_ID": "id", "S3_SECRET_ACCESS_KEY": "secret"}
    s3 = load_settings(
        base | keys | {"ZOUFANG_MEDIA_URL": "s3://photos/zf", "S3_ENDPOINT": "http://10.0.0.5:8333"}
    )
    assert (s3.media_url, s3.s3_endpoint, s3.s3_region) == (
        "s3://photos/zf",
        "http://10.0.0.5:8333",
        "us-east-1",
    )
    with pytest.raises(SettingsError, match="ZOUFANG_MEDIA_URL"):
        load_settings(base | keys | {"ZOUFANG_MEDIA_URL": "/srv/photos"})
    with pytest.raises(SettingsError, match="S3_SECRET_ACCESS_KEY"):
        load_settings(base | {"ZOUFANG_MEDIA_URL": "s3://photos", "S3_ACCESS_KEY_ID": "id"})
    with pytest.raises(SettingsError, match="S3_ENDPOINT"):
        load_settings(base | keys | {"ZOUFANG_MEDIA_URL": "s3://p", "S3_ENDPOINT": "10.0.0.5"})
