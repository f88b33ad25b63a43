"""Input coercion: JSON or form values to the Python values a field stores.

Every problem becomes a ``{"field", "message"}`` entry; nothing raises past here, so a
client always learns every mistake of a payload at once.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal
from functools import cache
from typing import Any

from dazzle.diagnostics import did_you_mean
from dazzle.ir.entity import Entity, Field, FieldKind
from dazzle_back.services.json_input import InvalidJSON, document_problems, parse_json
from dazzle_back.services.text import text_problem

MISSING = object()
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_INT_MAX = 2**63 - 1
# Numbers as text: ASCII digits, an optional fraction and exponent. Not Python's extras
# (``1_000``, ``inf``, ``nan``, ``0x10``, other scripts' digits), not SQL's.
_INTEGER = re.compile(r"[-+]?\d+", re.ASCII)
_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?", re.ASCII)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_CURRENCY = re.compile(r"[A-Z]{3}", re.ASCII)
_MAX_MONEY_DIGITS = 19  # whole digits of an amount whose minor units fit a BIGINT
_TRUE = {"true", "1", "on", "yes", "y", "t"}
_FALSE = {"false", "0", "off", "no", "n", "f", ""}
# ISO 4217 minor units for currencies that do not use two decimals.
_MINOR_DIGITS = {
    "JPY": 0,
    "KRW": 0,
    "VND": 0,
    "CLP": 0,
    "ISK": 0,
    "BHD": 3,
    "KWD": 3,
    "OMR": 3,
    "JOD": 3,
    "TND": 3,
}


class Invalid(ValueError):
    """One field's value is not acceptable; the message is for the client."""


@cache
def _timezones() -> frozenset[str]:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones())


def minor_digits(currency: str) -> int:
    return _MINOR_DIGITS.get(currency.upper(), 2)


def coerce_value(f: Field, value: Any) -> Any:
    """The stored value for ``value`` or :class:`Invalid`. ``None`` passes through."""
    if value is None:
        return None
    k = f.type.kind
    if k in (
        FieldKind.STR,
        FieldKind.TEXT,
        FieldKind.EMAIL,
        FieldKind.URL,
        FieldKind.SLUG,
        FieldKind.TIMEZONE,
        FieldKind.FILE,
    ):
        return _text(f, value)
    if k is FieldKind.ENUM:
        text = _text(f, value)
        if text not in f.type.enum_values:
            hint = did_you_mean(text, f.type.enum_values)
            allowed = ", ".join(f.type.enum_values)
            raise Invalid(f"'{text}' is not one of: {allowed}" + (f" ({hint})" if hint else ""))
        return text
    if k is FieldKind.INT:
        return _int(value)
    if k is FieldKind.FLOAT:
        return _float(value)
    if k is FieldKind.DECIMAL:
        return _decimal(value, f.type.precision, f.type.scale)
    if k is FieldKind.BOOL:
        return _bool(value)
    if k is FieldKind.DATE:
        return _date(value)
    if k is FieldKind.DATETIME:
        return _datetime(value)
    if k is FieldKind.UUID:
        return _uuid(value)
    if k is FieldKind.JSON:
        return _json(value)
    if f.type.is_reference:
        if isinstance(value, Mapping):  # a record read back from the API: take its id
            value = value.get("id", value.get("pk"))
            if value is None:
                raise Invalid("expected an id")
        if isinstance(value, str):
            check_text(value)
        return value
    raise Invalid(f"cannot set a {k.value} field")


def check_text(text: str) -> str:
    """``text`` if it may be stored (see :mod:`dazzle_back.services.text`), else
    :class:`Invalid`."""
    problem = text_problem(text)
    if problem is not None:
        raise Invalid(problem)
    return text


def _text(f: Field, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise Invalid("expected text")
    text = check_text(str(value) if not isinstance(value, str) else value)
    k = f.type.kind
    if f.type.max_length is not None and len(text) > f.type.max_length:
        raise Invalid(f"is {len(text)} characters long; the maximum is {f.type.max_length}")
    if k is FieldKind.EMAIL:
        text = text.strip()
        if not _EMAIL.match(text) or len(text) > 320:
            raise Invalid("is not a valid email address")
    elif k is FieldKind.URL:
        text = text.strip()
        if not _URL.match(text) or len(text) > 2048:
            raise Invalid("is not a valid http(s) URL")
    elif k is FieldKind.SLUG:
        if not _SLUG.match(text) or len(text) > 200:
            raise Invalid("is not a slug (lower-case letters, digits and dashes)")
    elif k is FieldKind.TIMEZONE and text not in _timezones():
        raise Invalid(f"'{text}' is not a time zone such as Europe/London or UTC")
    return text


def _int(value: Any) -> int:
    if isinstance(value, bool):
        raise Invalid("expected a whole number")
    if isinstance(value, int):
        result = value
    elif isinstance(value, float | Decimal):
        exact = value if isinstance(value, Decimal) else Decimal(value)
        if not exact.is_finite():
            raise Invalid("expected a finite number")
        if abs(exact) > _INT_MAX:  # before int(): Decimal("1e999999") would take minutes
            raise Invalid("is too large")
        if exact != exact.to_integral_value():
            raise Invalid("expected a whole number")
        result = int(exact)
    elif isinstance(value, str) and _INTEGER.fullmatch(text := value.strip()):
        if len(text.lstrip("+-0")) > 19:  # before int(): Python refuses 4,300+ digits
            raise Invalid("is too large")
        result = int(text)
    else:
        raise Invalid("expected a whole number")
    if abs(result) > _INT_MAX:
        raise Invalid("is too large")
    return result


def _float(value: Any) -> float:
    if isinstance(value, bool):
        raise Invalid("expected a number")
    if isinstance(value, str) and not _NUMBER.fullmatch(value.strip()):
        raise Invalid("expected a number")
    if not isinstance(value, str | int | float | Decimal):
        raise Invalid("expected a number")
    try:
        result = float(value)
    except OverflowError:  # an int beyond any double
        raise Invalid("is too large") from None
    if math.isinf(result) and not (isinstance(value, float) and math.isinf(value)):
        raise Invalid("is too large")  # text or a Decimal beyond any double: 1e999999
    if not math.isfinite(result):
        raise Invalid("expected a finite number")
    return result


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise Invalid("expected a number")
    if isinstance(value, Decimal):
        d = value
    elif isinstance(value, int):
        d = Decimal(value)
    elif isinstance(value, float):
        d = Decimal(str(value))  # the shortest repr: 0.1 stays 0.1
    elif isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        d = Decimal(value.strip())
    else:
        raise Invalid("expected a number")
    if not d.is_finite():
        raise Invalid("expected a finite number")
    return d


def _whole_digits(d: Decimal) -> int:
    """Digits before the point, read from the exponent: ``1e999999`` is never expanded."""
    return 0 if d.is_zero() else max(d.adjusted() + 1, 0)


def _decimal(value: Any, precision: int | None, scale: int | None) -> Decimal:
    d = _to_decimal(value)
    if precision is not None and scale is not None and _whole_digits(d) > precision - scale:
        raise Invalid(f"is too large for decimal({precision},{scale})")
    if scale is not None:
        exponent = d.as_tuple().exponent
        if isinstance(exponent, int) and -exponent > scale:
            # enough digits for the value itself: the default context's 28 would refuse
            # a decimal(30,10) that fits
            digits = Context(prec=_whole_digits(d) + scale + 1, Emax=MAX_EMAX, Emin=MIN_EMIN)
            rounded = d.quantize(Decimal(1).scaleb(-scale), context=digits)
            if d != rounded:
                raise Invalid(f"has more than {scale} decimal places")
            d = rounded
    return d


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        v = value.strip().lower()
        if v in _TRUE:
            return True
        if v in _FALSE:
            return False
    raise Invalid("expected true or false")


def _date(value: Any) -> date:
    """``YYYY-MM-DD``, or a full date-time: its date as written (before any time zone
    conversion, so ``2024-01-01T23:30-05:00`` is the first of January)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if _ISO_DATE.fullmatch(text):
                return date.fromisoformat(text)
            if _ISO_DATE.match(text) and text[10:11] in ("T", "t", " "):
                return _parse_datetime(text).date()
        except (Invalid, ValueError):
            pass
    raise Invalid("expected a date (YYYY-MM-DD)")


def _parse_datetime(text: str) -> datetime:
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise Invalid("expected a date-time (YYYY-MM-DDTHH:MM:SS, optionally +HH:MM)") from None


def _datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        result = value
    elif isinstance(value, str):
        result = _parse_datetime(value.strip())
    else:
        raise Invalid("expected a date-time")
    if result.tzinfo is None:
        result = result.replace(tzinfo=UTC)
    try:
        return result.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before the first representable day
        raise Invalid("is out of range") from None


def _uuid(value: Any) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        raise Invalid("is not a valid id (UUID)") from None


def _json(value: Any) -> Any:
    """A JSON value; text (from a form) is parsed when it is a JSON document. Text that
    opens an object or array must be one; other text that is not JSON stays a string."""
    if isinstance(value, str):
        check_text(value)
        try:
            value = parse_json(value)
        except InvalidJSON as exc:
            if value.lstrip().startswith(("{", "[")):
                raise Invalid(str(exc)) from None
            return value  # a plain string is valid JSON content too
    problems = document_problems(value)
    if problems:
        path, message = problems[0]
        raise Invalid(f"{message} (at {path})" if path else message)
    return value


def parse_money(value: Any, currency: str) -> tuple[int, str]:
    """``12.50`` / ``"12.50"`` / ``{"amount": "12.50", "currency": "USD"}`` -> (1250, cur)."""
    if isinstance(value, Mapping):
        currency = str(value.get("currency") or currency).upper()
        value = value.get("amount")
    if not _CURRENCY.fullmatch(currency):
        raise Invalid("expected a 3-letter currency code")
    digits = minor_digits(currency)
    amount = _decimal(value, None, digits)
    # checked on the exponent first: int(Decimal("1e999990")) alone takes half a minute
    if _whole_digits(amount) > _MAX_MONEY_DIGITS:
        raise Invalid("is too large")
    minor = int((amount * (10**digits)).to_integral_value())
    if abs(minor) > _INT_MAX:
        raise Invalid("is too large")
    return minor, currency


def money_amount(minor: int | None, currency: str) -> Decimal | None:
    if minor is None:
        return None
    digits = minor_digits(currency)
    return (Decimal(minor).scaleb(-digits)).quantize(Decimal(1).scaleb(-digits))


def server_owned(entity: Entity, f: Field) -> bool:
    """Fields a client never sets: automatic timestamps and virtual relations."""
    return f.auto_add or f.auto_update or f.type.is_virtual
