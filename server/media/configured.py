"""The photo storage the settings choose: the data folder, or an S3-compatible bucket."""

from __future__ import annotations

import functools

from server.media.s3 import S3Storage
from server.media.storage import LocalDiskStorage, MediaStorage
from server.settings import get_settings


@functools.cache
def configured_storage() -> MediaStorage:
    """One per process (the S3 client keeps its connections open between requests)."""
    settings = get_settings()
    if not settings.media_url:
        return LocalDiskStorage(settings.media_dir)
    return S3Storage.from_url(
        settings.media_url,
        settings.media_dir,
        endpoint=settings.s3_endpoint,
        region=settings.s3_region,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=settings.s3_secret_access_key,
    )
