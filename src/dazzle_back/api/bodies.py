"""Reading request bodies: JSON objects or HTML forms.

Within a size limit, every key and string of a body must pass the text rule, so a value
the database cannot hold is a ``validation_error`` naming the field, whatever the route
does with it next.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request

from dazzle_back.errors import PayloadTooLarge, ValidationFailed
from dazzle_back.services.json_input import InvalidJSON, document_problems, parse_json
from dazzle_back.services.text import printable, text_problem

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Our forms carry a few dozen fields and never a file: a file part is refused before any
# of it is written to disk, and the field count bounds the parser's work. Upload routes
# read their own bodies with their own limits.
MAX_FORM_FIELDS = 1000
MAX_BODY_BYTES = 1024 * 1024  # JSON and form bodies; file uploads have their own limit
MAX_FORM_FILES = 0


async def read_body(request: Request) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in FORM_TYPES:
        form = await read_form(request)
        return {k: v for k, v in form.items() if isinstance(v, str)}
    length = request.headers.get("content-length")
    if length and length.isdigit() and int(length) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body is larger than {MAX_BODY_BYTES // 1024} KB")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"the body is larger than {MAX_BODY_BYTES // 1024} KB")
    if not raw.strip():
        return {}
    try:
        data = parse_json(raw)
    except InvalidJSON as exc:
        raise ValidationFailed(
            f"the body {exc}", errors=[{"field": "", "message": str(exc)}]
        ) from None
    if not isinstance(data, dict):
        raise ValidationFailed(
            "the body must be a JSON object",
            errors=[{"field": "", "message": "expected an object"}],
        )
    problems = document_problems(data)
    if problems:
        raise ValidationFailed.fields([{"field": f, "message": m} for f, m in problems])
    return data


async def read_form(request: Request) -> FormData:
    """The posted form, its names and values checked by the text rule."""
    form = await request.form(
        max_files=MAX_FORM_FILES, max_fields=MAX_FORM_FIELDS, max_part_size=MAX_BODY_BYTES
    )
    errors = []
    for key, value in form.multi_items():
        problem = text_problem(key)
        if problem is not None:
            errors.append({"field": printable(key), "message": f"its name {problem}"})
        elif isinstance(value, str) and (problem := text_problem(value)) is not None:
            errors.append({"field": key, "message": problem})
    if errors:
        raise ValidationFailed.fields(errors)
    return form
