"""The HTTP error contract: every failure is JSON ``{"detail", "type"}`` with the right
status. Bad input is never a 500; an unexpected error is a 500 with a request id to quote
and nothing internal in the body."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from dazzle_back.db import faults
from dazzle_back.errors import DomainError, SharedStateUnavailable

log = structlog.get_logger("dazzle")

_HTTP_TYPES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    412: "precondition_failed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    503: "unavailable",
}
RETRY_AFTER_SECONDS = "2"


def error_response(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def _fault_line(exc: BaseException) -> str:
    """The driver's own error class and first line, for the operator's log (SQLAlchemy and
    our wrappers raise it as the cause of their own; a timeout has no message)."""
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    if isinstance(cause.__cause__, Exception):
        cause = cause.__cause__
    text = str(cause).splitlines()[0][:200] if str(cause) else ""
    if not text and isinstance(cause, TimeoutError):
        text = "no answer in time"
    return f"{type(cause).__name__}: {text}" if text else type(cause).__name__


async def domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return error_response(exc.status, exc.payload(), exc.headers)


async def pool_exhausted(request: Request, exc: Exception) -> JSONResponse:
    log.warning("pool_exhausted", path=request.url.path, request_id=_request_id(request))
    return error_response(
        503,
        {"detail": "the server is busy; retry shortly", "type": "unavailable"},
        {"Retry-After": RETRY_AFTER_SECONDS},
    )


async def database_unavailable(request: Request, exc: Exception) -> JSONResponse:
    log.error(
        "database_unavailable",
        error=_fault_line(exc),
        path=request.url.path,
        request_id=_request_id(request),
    )
    return error_response(
        503,
        {"detail": "the database is unavailable; retry shortly", "type": "unavailable"},
        {"Retry-After": RETRY_AFTER_SECONDS},
    )


async def shared_state_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """Redis is down or frozen: sessions, tokens and rate limits cannot be checked."""
    log.error(
        "redis_unavailable",
        error=_fault_line(exc),
        path=request.url.path,
        request_id=_request_id(request),
    )
    return error_response(
        503,
        {"detail": "shared state is unavailable; retry shortly", "type": "unavailable"},
        {"Retry-After": RETRY_AFTER_SECONDS},
    )


async def request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": ".".join(str(p) for p in e.get("loc", ())[1:]), "message": e.get("msg", "")}
        for e in exc.errors()
    ]
    return error_response(
        422, {"detail": "invalid request", "type": "validation_error", "errors": errors}
    )


async def http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else "error"
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no route {request.method} {request.url.path}"
    kind = _HTTP_TYPES.get(exc.status_code, "error")
    return error_response(
        exc.status_code, {"detail": detail, "type": kind}, dict(exc.headers or {})
    )


async def unexpected(request: Request, exc: Exception) -> JSONResponse:
    rid = _request_id(request)
    log.exception("unhandled_error", path=request.url.path, method=request.method, request_id=rid)
    return error_response(
        500, {"detail": "internal error", "type": "internal_error", "request_id": rid}
    )


async def db_error(request: Request, exc: Exception) -> JSONResponse:
    """Driver errors: the database down, restarting or too slow is a 503; anything else is
    logged as a bug."""
    if faults.is_unavailable(exc):
        return await database_unavailable(request, exc)
    return await unexpected(request, exc)


# Most specific first: json_error takes the first match (the app itself goes by the MRO).
HANDLERS: tuple[tuple[type[Exception], Any], ...] = (
    (SharedStateUnavailable, shared_state_unavailable),
    (DomainError, domain_error),
    (PoolTimeout, pool_exhausted),
    (DBAPIError, db_error),
    (OSError, database_unavailable),
    (RequestValidationError, request_validation),
    (StarletteHTTPException, http_error),
    (Exception, unexpected),
)


def install_error_handlers(app: FastAPI) -> None:
    for kind, handler in HANDLERS:
        app.add_exception_handler(kind, handler)


async def json_error(request: Request, exc: Exception) -> JSONResponse:
    """The contract's response for any exception (pages reuse it to pick status and text)."""
    for kind, handler in HANDLERS:
        if isinstance(exc, kind):
            response: JSONResponse = await handler(request, exc)
            return response
    return await unexpected(request, exc)
