"""``zoufang-sync push-file`` sends photos without their location (issue 19, finding 13)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from sync.cli import prepare
from sync.outbox import Outbox
from sync.photos import strip_location

_GPS = 0x8825
_XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>39,54.5N</exif:GPSLatitude>'


def _camera_jpeg(orientation: int | None = 6) -> bytes:
    """A JPEG as a phone camera writes it: EXIF with GPS (and orientation), plus XMP."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    if orientation is not None:
        exif[0x0112] = orientation
    exif[_GPS] = {1: "N", 2: (39.0, 54.0, 30.0), 3: "E", 4: (116.0, 23.0, 5.0)}
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 90)).save(out, "JPEG", exif=exif, xmp=_XMP)
    return out.getvalue()


def test_a_jpeg_loses_its_location_and_keeps_its_orientation_and_pixels() -> None:
    original = _camera_jpeg()
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(_GPS)  # the camera's GPS is there to begin with
        pixels = before.tobytes()
    stripped = strip_location(original, "image/jpeg")
    assert b"GPSLatitude" not in stripped and b"PhoneMaker" not in stripped
    with Image.open(io.BytesIO(stripped)) as after:
        exif = after.getexif()
        assert dict(exif) == {0x0112: 6}
        assert not exif.get_ifd(_GPS)
        assert after.tobytes() == pixels
    # Idempotent: stripping again changes nothing.
    assert strip_location(stripped, "image/jpeg") == stripped


def test_a_jpeg_without_orientation_keeps_no_exif_at_all() -> None:
    stripped = strip_location(_camera_jpeg(orientation=None), "image/jpeg")
    assert b"Exif\x00\x00" not in stripped
    with Image.open(io.BytesIO(stripped)) as after:
        assert dict(after.getexif()) == {}


def test_a_png_loses_its_exif_and_text_chunks() -> None:
    exif = Image.Exif()
    exif[_GPS] = {1: "N", 2: (39.0, 54.0, 30.0)}
    out = io.BytesIO()
    info = PngInfo()
    info.add_itxt("XML:com.adobe.xmp", _XMP.decode())
    Image.new("RGB", (8, 8), (1, 2, 3)).save(out, "PNG", exif=exif, pnginfo=info)
    stripped = strip_location(out.getvalue(), "image/png")
    assert b"eXIf" not in stripped and b"GPSLatitude" not in stripped
    with Image.open(io.BytesIO(stripped)) as after:
        assert after.getpixel((0, 0)) == (1, 2, 3)


@pytest.mark.parametrize(
    ("data", "mime"),
    [
        (b"\xff\xd8\xff\xe1\x00", "image/jpeg"),  # a segment cut short
        (b"\xff\xd8\x00\x00", "image/jpeg"),
        (b"GIF89a", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\xffIHDR", "image/png"),
    ],
)
def test_a_file_that_does_not_parse_is_refused(data: bytes, mime: str) -> None:
    with pytest.raises(ValueError):
        strip_location(data, mime)


def test_push_file_names_and_stores_the_stripped_photo(tmp_path: Path) -> None:
    (tmp_path / "camera.jpg").write_bytes(_camera_jpeg())
    outbox = Outbox(tmp_path / "outbox.sqlite")
    raw = {
        "photo_files": ["camera.jpg"],
        "campaign_id": "00000000-0000-0000-0000-000000000001",
        "talent_id": "00000000-0000-0000-0000-000000000002",
        "visited_on": "2026-11-20",
        "mode": "in_person",
    }
    visit = prepare(raw, tmp_path, outbox, 1)
    [digest] = visit.photos
    stored = strip_location(_camera_jpeg(), "image/jpeg")
    assert digest == hashlib.sha256(stored).hexdigest()
    assert b"GPSLatitude" not in stored
