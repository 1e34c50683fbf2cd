"""Serving the built PWA in the embedded default (Caddy does the same in production).

Rules: hashed assets are immutable; the service worker, the manifest and index.html are
revalidated on every load so an update is seen; any other path that is not a file is a client
route and gets index.html (SPA fallback). ``/api/*`` never falls back.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from litestar import Response, get
from litestar.datastructures import MutableScopeHeaders
from litestar.params import FromPath
from litestar.response import File
from litestar.types import Message, Scope

from server.errors import ApiError
from server.settings import get_settings

mimetypes.add_type("application/manifest+json", ".webmanifest")
mimetypes.add_type("text/javascript", ".js")

# The same headers the Caddyfile sets (a test compares them), on every response, errors
# included. Scripts, styles, fonts and images come only from the app itself: Vant inlines its
# icon font as a data: URI and photos are shown from blob: URLs. No inline style is allowed
# either: the build has no <style> element and no style="" markup, and the styles Vue and Vant
# set at run time (popup z-index, safe areas) go through the CSSOM, which the policy leaves alone.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self'; "
    "manifest-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; "
    "object-src 'none'"
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(self), camera=(self), microphone=()",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
}


async def add_security_headers(message: Message, scope: Scope) -> None:
    """Litestar ``before_send`` hook: runs for every response, also those an exception
    handler or the router wrote (``after_request`` never sees those)."""
    if message["type"] == "http.response.start":
        headers = MutableScopeHeaders.from_message(message)
        for name, value in SECURITY_HEADERS.items():
            headers[name] = value


IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


def cache_control(relative: str) -> str:
    return IMMUTABLE if relative.startswith("assets/") else REVALIDATE


def _resolve(dist: Path, relative: str) -> Path | None:
    candidate = (dist / relative).resolve()
    if not candidate.is_relative_to(dist.resolve()) or not candidate.is_file():
        return None
    return candidate


@get(["/", "/{path:path}"], include_in_schema=False, sync_to_thread=False)
def serve_web(path: FromPath[str] = "/") -> Response[bytes] | File:
    relative = path.lstrip("/")
    if relative == "api" or relative.startswith("api/"):
        raise ApiError(404, "not_found", "no such API endpoint")
    dist = get_settings().web_dist
    target = _resolve(dist, relative) if relative else None
    if target is None:
        if "." in relative.rsplit("/", 1)[-1]:
            # A missing file (an old hashed asset, a typo) is a 404, not the app shell.
            raise ApiError(404, "not_found", "no such file")
        target = _resolve(dist, "index.html")
        relative = "index.html"
        if target is None:
            return Response(
                b"The PWA is not built yet: run `make web` (or `make run`).",
                status_code=503,
                media_type="text/plain; charset=utf-8",
            )
    media_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return File(
        path=target,
        media_type=media_type,
        content_disposition_type="inline",
        headers={"Cache-Control": cache_control(relative)},
    )
