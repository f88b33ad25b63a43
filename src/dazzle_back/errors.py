"""Typed errors the services raise and the HTTP layer maps (design.md, "Errors").

Every error carries its ``type`` (the contract's vocabulary), an HTTP status and a message a
client can show; validation errors also list the fields at fault.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    type = "error"
    status = 400

    def __init__(
        self,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra or {}

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {"detail": self.detail, "type": self.type}
        if self.errors:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


class ValidationFailed(DomainError):
    type = "validation_error"
    status = 422

    @classmethod
    def fields(cls, errors: list[dict[str, Any]]) -> ValidationFailed:
        if len(errors) == 1:
            e = errors[0]
            detail = f"{e['field']}: {e['message']}" if e.get("field") else e["message"]
        else:
            detail = f"{len(errors)} fields are invalid: " + "; ".join(
                f"{e['field']}: {e['message']}" for e in errors[:5]
            )
        return cls(detail, errors=errors)


class UniqueViolation(DomainError):
    type = "unique_violation"
    status = 409


class InvariantViolation(DomainError):
    type = "invariant_violation"
    status = 422


class TransitionError(DomainError):
    type = "transition_error"
    status = 422


class ReferenceViolation(DomainError):
    type = "reference_error"
    status = 422


class RestrictedDelete(ReferenceViolation):
    status = 409


class PreconditionFailed(DomainError):
    """``If-Match`` named a version the record no longer has: someone else changed it."""

    type = "precondition_failed"
    status = 412


class NotFound(DomainError):
    type = "not_found"
    status = 404


class Forbidden(DomainError):
    type = "forbidden"
    status = 403


class Unauthenticated(DomainError):
    type = "unauthenticated"
    status = 401


class RateLimited(DomainError):
    type = "rate_limited"
    status = 429


class PayloadTooLarge(DomainError):
    type = "payload_too_large"
    status = 413


class RequestTimeout(DomainError):
    """The client stopped sending its request body."""

    type = "request_timeout"
    status = 408


class Unavailable(DomainError):
    type = "unavailable"
    status = 503


class SharedStateUnavailable(Unavailable):
    """Redis did not answer (down, restarting, frozen): the request may succeed once it is
    back, so it is a 503 to retry, never a 500."""
