"""Reading request bodies: JSON objects or HTML forms.

The size is bounded before any of this runs (:mod:`dazzle_back.runtime.body_limit`). Here
every key and string of a body must pass the text rule, so a value the database cannot
hold is a ``validation_error`` naming the field, whatever the route does with it next.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request

from dazzle_back.errors import ValidationFailed
from dazzle_back.runtime.body_limit import STATE_KEY as BODY_LIMIT_KEY
from dazzle_back.services.json_input import InvalidJSON, document_problems, parse_json
from dazzle_back.services.text import printable, text_problem

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# Our forms carry a few dozen fields and never a file: a file part is refused before any
# of it is written to disk, and the field count bounds the parser's work. Upload routes
# read their own bodies with their own limits.
MAX_FORM_FIELDS = 1000
MAX_FORM_FILES = 0
DEFAULT_PART_BYTES = 1024 * 1024  # Starlette's, for a request that passed no body limit


async def read_body(request: Request) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in FORM_TYPES:
        form = await read_form(request)
        return {k: v for k, v in form.items() if isinstance(v, str)}
    raw = await request.body()
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
        max_files=MAX_FORM_FILES, max_fields=MAX_FORM_FIELDS, max_part_size=max_part_bytes(request)
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


def max_part_bytes(request: Request) -> int:
    """One form field may be as large as this request's body may be (Starlette's default
    would refuse a long text at 1 MiB where a larger body is allowed)."""
    limit = request.scope.get("state", {}).get(BODY_LIMIT_KEY)
    return limit if isinstance(limit, int) else DEFAULT_PART_BYTES
