"""Every error leaves the API as JSON ``{"code", "message", "details"}`` with a stable code.

Codes are part of the API: the PWA maps them to Chinese text, the sync client decides by them
whether to retry. Never rename one; add new ones.
"""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotFoundException,
    ValidationException,
)
from litestar.exceptions.http_exceptions import ClientException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

log = logging.getLogger("zoufang")


class ApiError(Exception):
    """An expected failure with a stable code, raised by controllers and services."""

    def __init__(
        self, status: int, code: str, message: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or {}


class ErrorBody(msgspec.Struct, omit_defaults=True):
    code: str
    message: str
    details: dict[str, Any] = {}


def error_response(
    status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> Response[ErrorBody]:
    headers = {}
    if details and "retry_after" in details:
        headers["Retry-After"] = str(details["retry_after"])
    return Response(
        ErrorBody(code=code, message=message, details=details or {}),
        status_code=status,
        media_type=MediaType.JSON,
        headers=headers,
    )


def not_found(what: str = "record") -> ApiError:
    return ApiError(404, "not_found", f"{what} not found")


def forbidden(message: str = "you may not do this") -> ApiError:
    return ApiError(403, "auth.forbidden", message)


def _api_error(_: Request[Any, Any, Any], exc: ApiError) -> Response[ErrorBody]:
    return error_response(exc.status, exc.code, exc.message, exc.details)


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[ErrorBody]:
    status = exc.status_code
    if isinstance(exc, NotFoundException):
        return error_response(404, "not_found", "no such resource")
    if isinstance(exc, MethodNotAllowedException):
        return error_response(405, "request.method_not_allowed", "method not allowed")
    if isinstance(exc, ValidationException):
        extra = exc.extra if isinstance(exc.extra, list | dict) else None
        return error_response(
            400,
            "request.validation",
            str(exc.detail or "invalid request"),
            {"errors": extra} if extra else None,
        )
    if isinstance(exc, ClientException) and status == 400:
        # Litestar raises a bare 400 ClientException when the body cannot be decoded.
        return error_response(400, "request.invalid_json", "request body is not valid JSON")
    if status == 413:
        return error_response(413, "payload.too_large", "request body too large")
    if status == 401:
        return error_response(401, "auth.required", "sign in required")
    if status == 403:
        return error_response(403, "auth.forbidden", "you may not do this")
    if status == 429:
        return error_response(429, "request.throttled", "too many requests")
    return error_response(status, f"http.{status}", str(exc.detail or "request failed"))


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorBody]:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(HTTP_500_INTERNAL_SERVER_ERROR, "server.error", "internal server error")


EXCEPTION_HANDLERS: dict[type[Exception], Any] = {
    ApiError: _api_error,
    HTTPException: _http_error,
    Exception: _unexpected,
}
