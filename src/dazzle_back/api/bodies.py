"""Reading request bodies: JSON objects or HTML forms, within a size limit."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from dazzle_back.errors import PayloadTooLarge, ValidationFailed

MAX_BODY_BYTES = 1024 * 1024  # JSON and form bodies; file uploads have their own limit


async def read_body(request: Request) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body is larger than {MAX_BODY_BYTES // 1024} KB")
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.form()
        return {k: v for k, v in form.items() if isinstance(v, str)}
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"the body is larger than {MAX_BODY_BYTES // 1024} KB")
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ValidationFailed(
            "the body is not valid JSON", errors=[{"field": "", "message": "invalid JSON"}]
        ) from None
    if not isinstance(data, dict):
        raise ValidationFailed(
            "the body must be a JSON object",
            errors=[{"field": "", "message": "expected an object"}],
        )
    return data
