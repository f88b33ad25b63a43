"""How values read on a page: enum labels, referenced records by their display field,
dates, money, booleans."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from dazzle.ir.common import title_case
from dazzle.ir.entity import Entity, Field, FieldKind

_SYMBOLS = {"GBP": "£", "USD": "$", "EUR": "€", "JPY": "¥", "INR": "₹"}
_LABEL_FIELDS = (
    "name",
    "company_name",
    "title",
    "label",
    "display_name",
    "username",
    "email",
    "code",
    "subject",
    "headline",
)


@lru_cache(maxsize=4096)
def enum_label(value: str) -> str:
    return title_case(value)


def record_label(entity: Entity, record: Mapping[str, Any] | None) -> str:
    """A record as a person reads it: its display field, else the usual suspects."""
    if not record:
        return ""
    if entity.display_field is not None:
        value = record.get(entity.display_field.name)
        if value not in (None, ""):
            return str(value)
    for name in _LABEL_FIELDS:
        value = record.get(name)
        if value not in (None, ""):
            return str(value)
    for first, last in (("first_name", "last_name"), ("forename", "surname")):
        if record.get(first) or record.get(last):
            return f"{record.get(first) or ''} {record.get(last) or ''}".strip()
    for f in entity.fields:
        if f.type.kind in (FieldKind.STR, FieldKind.TEXT) and record.get(f.name):
            return str(record[f.name])
    pk = entity.pk.name if entity.pk else "id"
    return str(record.get(pk, ""))[:8]


def label_field(entity: Entity) -> str | None:
    """The field a record is usually named by (what :func:`record_label` reads first)."""
    if entity.display_field is not None:
        return entity.display_field.name
    for name in _LABEL_FIELDS:
        if entity.get_field(name) is not None:
            return name
    return next(
        (f.name for f in entity.fields if f.type.kind in (FieldKind.STR, FieldKind.TEXT)), None
    )


def money(amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return ""
    symbol = _SYMBOLS.get(currency)
    text = f"{amount:,.{max(0, -int(amount.as_tuple().exponent))}f}"
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def display(
    f: Field | None,
    value: Any,
    record: Mapping[str, Any] | None = None,
    target: Entity | None = None,
) -> str:
    """The text of a value in a table cell or on a record page."""
    if value is None or value == "":
        return ""
    if f is None:
        return _plain(value)
    k = f.type.kind
    if k is FieldKind.ENUM:
        return enum_label(str(value))
    if k is FieldKind.BOOL:
        return "Yes" if value else "No"
    if f.type.is_reference:
        if isinstance(value, Mapping) and target is not None:
            return record_label(target, value)
        return "(hidden)"  # not expanded: a record the caller may not read
    if k is FieldKind.MONEY:
        currency = (record or {}).get(f"{f.name}_currency") or f.type.currency or "GBP"
        return money(value if isinstance(value, Decimal) else Decimal(str(value)), currency)
    if k is FieldKind.DATE and isinstance(value, date):
        return value.strftime("%-d %b %Y")
    if k is FieldKind.DATETIME and isinstance(value, datetime):
        return value.strftime("%-d %b %Y %H:%M")
    if k is FieldKind.JSON:
        import json

        return json.dumps(value)[:200]
    return _plain(value)


def _plain(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%-d %b %Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%-d %b %Y")
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def input_value(f: Field, value: Any) -> str:
    """A value as a form input holds it (ISO dates, ids of refs)."""
    if value is None:
        return ""
    if isinstance(value, Mapping):  # an expanded ref
        return str(value.get("id", ""))
    if f.type.kind is FieldKind.DATETIME and isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if f.type.kind is FieldKind.JSON and not isinstance(value, str):
        import json

        return json.dumps(value)
    return str(value)
