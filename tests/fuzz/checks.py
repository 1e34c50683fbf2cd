"""Schemathesis checks of our own, loaded by the fuzzer through ``SCHEMATHESIS_HOOKS``."""

from __future__ import annotations

import json
from typing import Any

import schemathesis


@schemathesis.check
def json_errors(ctx: Any, response: Any, case: Any) -> None:
    """Every error answer is JSON with a stable ``code`` and a ``message`` (HEAD has no body)."""
    if response.status_code < 400 or case.method.upper() == "HEAD":
        return
    content_type = ";".join(response.headers.get("content-type", []))
    if "application/json" not in content_type:
        raise AssertionError(f"error {response.status_code} is not JSON: {content_type!r}")
    body = json.loads(response.content)
    if not (isinstance(body, dict) and isinstance(body.get("code"), str) and body.get("message")):
        raise AssertionError(f"error {response.status_code} has no code and message: {body!r}")
