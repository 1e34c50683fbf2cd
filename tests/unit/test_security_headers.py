"""The embedded server and the Caddyfile send the same security headers (review finding 9)."""

from __future__ import annotations

import re
from pathlib import Path

from server.web import SECURITY_HEADERS

CADDYFILE = Path(__file__).resolve().parents[2] / "Caddyfile"


def _caddy_headers() -> dict[str, str]:
    block = re.search(r"\n\theader \{\n(.*?)\n\t\}", CADDYFILE.read_text(), re.S)
    assert block is not None, "the Caddyfile's site-wide header block"
    pairs = re.findall(r'^\t\t([A-Za-z-]+) "(.*)"$', block.group(1), re.M)
    return dict(pairs)


def test_caddyfile_sets_the_embedded_servers_headers_and_hsts() -> None:
    caddy = _caddy_headers()
    assert caddy.pop("Strict-Transport-Security") == "max-age=31536000; includeSubDomains"
    assert caddy == SECURITY_HEADERS


def test_no_inline_script_or_style_is_allowed() -> None:
    policy = dict(
        part.strip().split(" ", 1)
        for part in SECURITY_HEADERS["Content-Security-Policy"].split(";")
    )
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
