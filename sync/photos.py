"""Location metadata out of photo files before they are hashed and sent.

The PWA re-encodes every photo through a canvas, which drops EXIF; files pushed from a laptop
(``zoufang-sync push-file``) arrive as the camera wrote them, GPS included, and a location trail
is sensitive personal information (PIPL). Re-encoding would need an imaging library and change
the pixels, so this removes the metadata segments instead, bytes otherwise untouched:

- JPEG: the EXIF segment (APP1 ``Exif``) is replaced by one holding only the orientation (so
  the photo still shows upright); XMP (APP1) and Photoshop/IPTC (APP13) segments are dropped.
- PNG: the ``eXIf`` chunk and text chunks (``tEXt``, ``zTXt``, ``iTXt``, where XMP lives).

A file that does not parse is refused (``ValueError``) rather than sent with what it may hold.
"""

from __future__ import annotations

import struct

_SOI = b"\xff\xd8"
_PNG = b"\x89PNG\r\n\x1a\n"
_APP1, _APP13, _SOS, _EOI = 0xE1, 0xED, 0xDA, 0xD9
#: Markers without a length (TEM, RST0–7).
_STANDALONE = {0x01, *range(0xD0, 0xD8)}
_ORIENTATION = 0x0112
_PNG_DROPPED = {b"eXIf", b"tEXt", b"zTXt", b"iTXt"}


def strip_location(data: bytes, mime: str) -> bytes:
    """The photo without location (and other camera) metadata; see the module."""
    if mime == "image/jpeg":
        return _jpeg(data)
    if mime == "image/png":
        return _png(data)
    raise ValueError(f"not a photo type this knows: {mime}")


def _jpeg(data: bytes) -> bytes:
    if not data.startswith(_SOI):
        raise ValueError("not a JPEG file")
    out = [_SOI]
    i = 2
    while True:
        if i + 2 > len(data) or data[i] != 0xFF:
            raise ValueError("the JPEG's segments do not parse")
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in _STANDALONE:
            out.append(data[i : i + 2])
            i += 2
            continue
        if marker in (_SOS, _EOI):
            out.append(data[i:])  # the image data: no metadata segment comes after it
            return b"".join(out)
        if i + 4 > len(data):
            raise ValueError("the JPEG's segments do not parse")
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        end = i + 2 + length
        if length < 2 or end > len(data):
            raise ValueError("the JPEG's segments do not parse")
        payload = data[i + 4 : end]
        if marker == _APP1 and payload.startswith(b"Exif\x00\x00"):
            out.append(_orientation_only(payload[6:]))
        elif marker not in (_APP1, _APP13):
            out.append(data[i:end])
        i = end


def _orientation_only(tiff: bytes) -> bytes:
    """An EXIF segment holding just the orientation of ``tiff`` (empty bytes when it has none
    or does not parse: then nothing of it is kept)."""
    try:
        order = {b"II": "<", b"MM": ">"}[tiff[:2]]
        magic, ifd = struct.unpack(order + "HI", tiff[2:8])
        (count,) = struct.unpack(order + "H", tiff[ifd : ifd + 2])
        orientation = None
        for n in range(count):
            start = ifd + 2 + 12 * n
            tag, kind, items = struct.unpack(order + "HHI", tiff[start : start + 8])
            if tag == _ORIENTATION and kind == 3 and items == 1:
                (orientation,) = struct.unpack(order + "H", tiff[start + 8 : start + 10])
    except (KeyError, struct.error):
        return b""
    if magic != 42 or orientation is None:
        return b""
    # Header, then IFD0 (at offset 8) with the one entry, then "no next IFD".
    body = b"Exif\x00\x00" + struct.pack(
        order + "2sHIHHHIHHI", tiff[:2], 42, 8, 1, _ORIENTATION, 3, 1, orientation, 0, 0
    )
    return b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body


def _png(data: bytes) -> bytes:
    if not data.startswith(_PNG):
        raise ValueError("not a PNG file")
    out = [_PNG]
    i = len(_PNG)
    while i < len(data):
        if i + 8 > len(data):
            raise ValueError("the PNG's chunks do not parse")
        length, kind = struct.unpack(">I4s", data[i : i + 8])
        end = i + 12 + length  # length, type, data, CRC
        if end > len(data):
            raise ValueError("the PNG's chunks do not parse")
        if kind not in _PNG_DROPPED:
            out.append(data[i:end])
        i = end
        if kind == b"IEND":
            break
    return b"".join(out)
