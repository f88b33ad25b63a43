"""List parameters: ``page``, ``page_size``, ``sort``, ``dir``, ``search`` and
``filter[field]`` / ``filter[field__op]``, validated and turned into SQL.

Everything a client can get wrong here is a ``validation_error`` naming the parameter,
never a database error.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Integer, false, or_

from dazzle.diagnostics import did_you_mean
from dazzle.ir.appspec import AppSpec
from dazzle.ir.entity import Entity, Field, FieldKind, FieldType
from dazzle_back.db.schema import EntityTable
from dazzle_back.db.types import GUID
from dazzle_back.errors import ValidationFailed
from dazzle_back.services.coerce import Invalid, coerce_value
from dazzle_back.services.text import text_problem

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_PAGE = 10_000_000
MAX_SEARCH_LENGTH = 200
FILTER_OPS = (
    "eq",
    "ne",
    "gt",
    "gte",
    "lt",
    "lte",
    "contains",
    "icontains",
    "startswith",
    "in",
    "not_in",
    "isnull",
)
_FILTER_KEY = re.compile(r"^filter\[([^\]]+)\]$")
_TEXTUAL = (FieldKind.STR, FieldKind.TEXT, FieldKind.EMAIL, FieldKind.URL, FieldKind.SLUG)


@dataclass
class ListQuery:
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    sort: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    search: str | None = None
    filters: list[tuple[str, str, Any]] = field(default_factory=list)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def search_fields(spec: AppSpec, entity: Entity) -> tuple[str, ...]:
    """Fields the search box looks in: what the entity's surfaces declare, else every text
    field of the entity."""
    names: dict[str, None] = {}
    for s in spec.surfaces_for(entity.name):
        for name in s.search_fields:
            f = entity.get_field(name)
            if f is not None and f.type.kind in (*_TEXTUAL, FieldKind.ENUM):
                names.setdefault(name)
    if not names:
        for f in entity.fields:
            if f.type.kind in _TEXTUAL:
                names.setdefault(f.name)
    return tuple(names)


def _int_param(
    params: Mapping[str, str],
    key: str,
    default: int,
    errors: list[dict[str, Any]],
    lo: int,
    hi: int | None,
) -> int:
    raw = params.get(key)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        errors.append({"field": key, "message": f"'{raw}' is not a whole number"})
        return default
    if value < lo:
        errors.append({"field": key, "message": f"must be at least {lo}"})
        return default
    if hi is not None and value > hi:
        if key == "page_size":
            return hi  # the published maximum: larger requests get the largest page
        errors.append({"field": key, "message": f"must be at most {hi}"})
        return default
    return value


def parse_list_query(
    params: Mapping[str, str], et: EntityTable, default_sort: list[tuple[str, bool]]
) -> ListQuery:
    errors: list[dict[str, Any]] = []
    q = ListQuery(
        page=_int_param(params, "page", 1, errors, 1, MAX_PAGE),
        page_size=_int_param(params, "page_size", DEFAULT_PAGE_SIZE, errors, 1, MAX_PAGE_SIZE),
    )
    sortable = _sortable(et)
    direction = (params.get("dir") or "").lower()
    if direction not in ("", "asc", "desc"):
        errors.append({"field": "dir", "message": "must be asc or desc"})
    raw_sort = params.get("sort")
    if raw_sort:
        for part in raw_sort.split(","):
            part = part.strip()
            desc = part.startswith("-") or direction == "desc"
            name = part.lstrip("-+")
            if name not in sortable:
                hint = did_you_mean(name, sortable)
                errors.append(
                    {
                        "field": "sort",
                        "message": f"cannot sort by '{name}'" + (f" ({hint})" if hint else ""),
                    }
                )
            else:
                q.sort.append((name, desc))
    else:
        q.sort = [(n, d) for n, d in default_sort if n in sortable]
    try:
        q.search = search_term(params.get("search"))
    except ValidationFailed as exc:
        errors.extend(exc.errors or [])
    for key, raw in params.items():
        m = _FILTER_KEY.match(key)
        if not m:
            continue
        name, _, op = m.group(1).partition("__")
        op = op or "eq"
        _add_filter(q, et, key, name, op, raw, errors)
    if errors:
        raise ValidationFailed.fields(errors)
    return q


def search_term(raw: str | None, param: str = "search") -> str | None:
    """What a search box sent, trimmed to :data:`MAX_SEARCH_LENGTH` characters (None when
    blank); text the database cannot take is a validation error naming ``param``."""
    if raw is None:
        return None
    problem = text_problem(raw)
    if problem is not None:
        raise ValidationFailed.fields([{"field": param, "message": problem}])
    return raw.strip()[:MAX_SEARCH_LENGTH] or None


def _sortable(et: EntityTable) -> list[str]:
    names = [c.name for c in et.table.c]
    names += [f for f in et.money]
    return names


def _add_filter(
    q: ListQuery,
    et: EntityTable,
    key: str,
    name: str,
    op: str,
    raw: str,
    errors: list[dict[str, Any]],
) -> None:
    problem = text_problem(raw)
    if problem is not None:
        errors.append({"field": key, "message": problem})
        return
    f = et.entity.get_field(name)
    if f is None or f.type.is_virtual or (name not in et.table.c and name not in et.money):
        choices = [c.name for c in et.table.c]
        hint = did_you_mean(name, choices)
        errors.append(
            {"field": key, "message": f"unknown field '{name}'" + (f" ({hint})" if hint else "")}
        )
        return
    if op not in FILTER_OPS:
        errors.append(
            {
                "field": key,
                "message": f"unknown operator '{op}'; use one of " + ", ".join(FILTER_OPS),
            }
        )
        return
    try:
        if op == "isnull":
            value: Any = coerce_value(_BOOL_FIELD, raw)
        elif op in ("in", "not_in"):
            value = [_filter_value(et, f, v) for v in raw.split(",") if v != ""]
        elif op in ("contains", "icontains", "startswith"):
            if f.type.kind not in (*_TEXTUAL, FieldKind.ENUM):
                raise Invalid(f"'{op}' needs a text field")
            value = raw
        else:
            value = _filter_value(et, f, raw)
    except Invalid as exc:
        errors.append({"field": key, "message": str(exc)})
        return
    q.filters.append((name, op, value))


MONEY_FILTER_LIMIT = Decimal(10) ** 15  # beyond any amount a BIGINT of minor units holds


def _filter_value(et: EntityTable, f: Any, raw: str) -> Any:
    if f.type.kind is FieldKind.MONEY:
        amount = coerce_value(Field(f.name, FieldType(FieldKind.DECIMAL)), raw)
        if amount is None or abs(amount) >= MONEY_FILTER_LIMIT:
            raise Invalid("expected an amount" if amount is None else "is too large")
        return amount
    if f.type.is_reference:
        # an id in the type of the target's key: uuid, integer or text
        target = next(iter(et.table.c[f.name].foreign_keys)).column
        if isinstance(target.type, GUID):
            try:
                return uuid.UUID(raw)
            except ValueError:
                raise Invalid("is not a valid id (UUID)") from None
        if isinstance(target.type, Integer):
            return coerce_value(Field(f.name, FieldType(FieldKind.INT)), raw)
        return raw
    if raw == "" and f.type.kind not in _TEXTUAL:
        raise Invalid("is empty")
    return coerce_value(f, raw)


def _bool_field() -> Any:
    from dazzle.ir.entity import Field, FieldType

    return Field("isnull", FieldType(FieldKind.BOOL))


_BOOL_FIELD = _bool_field()


def filter_clauses(
    et: EntityTable, q: ListQuery, search_in: tuple[str, ...]
) -> list[ColumnElement[bool]]:
    t = et.table
    clauses: list[ColumnElement[bool]] = []
    for name, op, value in q.filters:
        if name in et.money:
            from dazzle_back.services.coerce import minor_digits

            f = et.entity.get_field(name)
            currency = (f.type.currency if f else None) or "GBP"
            col = t.c[et.money[name][0]]
            if op in ("in", "not_in"):
                value = [int(v * 10 ** minor_digits(currency)) for v in value]
            elif op != "isnull":
                value = int(value * 10 ** minor_digits(currency))
        else:
            col = t.c[name]
        clauses.append(_op_clause(col, op, value))
    if q.search:
        term = q.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        cols = [t.c[n] for n in search_in if n in t.c]
        if cols:
            clauses.append(or_(*(c.ilike(f"%{term}%", escape="\\") for c in cols)))
        else:
            clauses.append(false())
    return clauses


def _op_clause(col: ColumnElement[Any], op: str, value: Any) -> ColumnElement[bool]:
    if op == "eq":
        return col.is_(None) if value is None else col == value
    if op == "ne":
        return or_(col != value, col.is_(None))
    if op in ("gt", "gte", "lt", "lte"):
        compared: ColumnElement[bool] = {
            "gt": col.__gt__,
            "gte": col.__ge__,
            "lt": col.__lt__,
            "lte": col.__le__,
        }[op](value)
        return compared
    if op in ("contains", "icontains", "startswith"):
        term = str(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"{term}%" if op == "startswith" else f"%{term}%"
        return (
            col.ilike(pattern, escape="\\") if op != "contains" else col.like(pattern, escape="\\")
        )
    if op == "in":
        return col.in_(value) if value else false()
    if op == "not_in":
        return or_(col.not_in(value), col.is_(None)) if value else col.is_not(None) | col.is_(None)
    if op == "isnull":
        return col.is_(None) if value else col.is_not(None)
    raise ValueError(op)
