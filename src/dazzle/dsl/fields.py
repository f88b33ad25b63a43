"""Field declarations: ``name: type modifier* (= default)?`` and ``name: computed expr``."""

from __future__ import annotations

from dazzle.dsl.cursor import Cursor
from dazzle.dsl.lexer import NAME, NUMBER, OP, STRING, Token
from dazzle.expr.nodes import DateAnchor, Literal, Node, Var
from dazzle.expr.parse import parse_expression
from dazzle.ir.common import Loc
from dazzle.ir.entity import ComputedField, Field, FieldKind, FieldType

SIMPLE_TYPES: dict[str, FieldKind] = {
    "text": FieldKind.TEXT,
    "int": FieldKind.INT,
    "float": FieldKind.FLOAT,
    "bool": FieldKind.BOOL,
    "date": FieldKind.DATE,
    "datetime": FieldKind.DATETIME,
    "uuid": FieldKind.UUID,
    "email": FieldKind.EMAIL,
    "json": FieldKind.JSON,
    "url": FieldKind.URL,
    "timezone": FieldKind.TIMEZONE,
    "slug": FieldKind.SLUG,
}
RELATION_TYPES: dict[str, FieldKind] = {
    "ref": FieldKind.REF,
    "has_many": FieldKind.HAS_MANY,
    "has_one": FieldKind.HAS_ONE,
    "embeds": FieldKind.EMBEDS,
    "belongs_to": FieldKind.BELONGS_TO,
}
TYPE_NAMES = (
    "str",
    "decimal",
    "enum",
    "money",
    "file",
    *SIMPLE_TYPES,
    *RELATION_TYPES,
)
MODIFIERS = (
    "required",
    "optional",
    "pk",
    "unique",
    "unique?",
    "auto_add",
    "auto_update",
    "sensitive",
    "searchable",
    "indexed",
    "pii",
)
_SIZE_UNITS = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}
_ON_DELETE = ("cascade", "restrict", "nullify")


def looks_like_type(c: Cursor, offset: int) -> bool:
    """Whether the token at ``offset`` starts a field type (or ``computed``)."""
    t = c.peek(offset)
    return t.kind == NAME and (t.value in TYPE_NAMES or t.value == "computed")


def parse_field_or_computed(c: Cursor) -> Field | ComputedField:
    name = c.expect_name("a field name")
    c.expect_op(":")
    if c.at_name("computed"):
        c.advance()
        expr = parse_expression(c)
        c.expect_newline()
        return ComputedField(name.value, expr, c.loc(name))
    ftype = parse_field_type(c)
    field = _parse_modifiers(c, name, ftype)
    c.expect_newline()
    return field


def parse_field_type(c: Cursor) -> FieldType:
    t = c.tok
    if t.kind != NAME:
        raise c.error(f"expected a field type, got {t.describe()}", code="E011")
    word = t.value
    c.advance()
    if word in SIMPLE_TYPES:
        return FieldType(SIMPLE_TYPES[word])
    if word == "str":
        return _str_type(c, t)
    if word == "decimal":
        return _decimal_type(c, t)
    if word == "enum":
        return _enum_type(c)
    if word == "money":
        currency = "GBP"
        if c.accept_op("("):
            currency = c.expect_name("a currency code such as USD").value.upper()
            c.expect_op(")")
        return FieldType(FieldKind.MONEY, currency=currency)
    if word == "file":
        return _file_type(c)
    if word in RELATION_TYPES:
        return _relation_type(c, RELATION_TYPES[word])
    raise c.unknown("field type", t, TYPE_NAMES, code="E011")


def _str_type(c: Cursor, t: Token) -> FieldType:
    if not c.at_op("("):
        raise c.error(
            "str needs a maximum length",
            t,
            code="E115",
            hint="write str(200), or use text for unbounded text",
        )
    c.advance()
    n = c.tok
    length = c.expect_int("a maximum length")
    c.expect_op(")")
    if length < 1:
        c.flag(c.error("string length must be at least 1", n, code="E115"))
    return FieldType(FieldKind.STR, max_length=length)


def _decimal_type(c: Cursor, t: Token) -> FieldType:
    if not c.at_op("("):
        raise c.error(
            "decimal needs a precision and a scale",
            t,
            code="E012",
            hint="write decimal(10,2): 10 digits in all, 2 after the point",
        )
    c.advance()
    p_tok = c.tok
    precision = c.expect_int("a precision")
    c.expect_op(",")
    s_tok = c.tok
    scale = c.expect_int("a scale")
    c.expect_op(")")
    if precision < 1 or precision > 1000:
        c.flag(
            c.error(f"decimal precision {precision} is out of range (1-1000)", p_tok, code="E012")
        )
    if scale > precision:
        c.flag(
            c.error(
                f"decimal scale {scale} exceeds its precision {precision}",
                s_tok,
                code="E116",
                hint=f"use decimal({max(precision, scale)},{scale}) or a smaller scale",
            )
        )
    return FieldType(FieldKind.DECIMAL, precision=precision, scale=scale)


def _enum_type(c: Cursor) -> FieldType:
    c.expect_op("[")
    values: list[str] = []
    seen: dict[str, Token] = {}
    while True:
        v = c.expect_name("an enum value")
        if v.value in seen:
            c.flag(c.error(f"enum value '{v.value}' is listed twice", v, code="E112"))
        else:
            values.append(v.value)
        seen[v.value] = v
        if not c.accept_op(","):
            break
    c.expect_op("]")
    return FieldType(FieldKind.ENUM, enum_values=tuple(values))


def _file_type(c: Cursor) -> FieldType:
    if not c.accept_op("("):
        return FieldType(FieldKind.FILE)
    size_tok = c.tok
    size = c.expect_int("a size such as 200MB")
    unit_tok = c.tok
    unit = c.expect_name("a size unit (KB, MB or GB)").value.lower()
    if unit not in _SIZE_UNITS:
        raise c.unknown("size unit", unit_tok, ("KB", "MB", "GB"), code="E012")
    while c.accept_op(","):  # newer dialect: file(200MB, ui: drag_drop)
        while not c.at_op(",") and not c.at_op(")") and not c.at_line_end():
            c.advance()
    c.expect_op(")")
    if size < 1:
        raise c.error("file size limit must be positive", size_tok, code="E012")
    return FieldType(FieldKind.FILE, max_bytes=size * _SIZE_UNITS[unit])


def _relation_type(c: Cursor, kind: FieldKind) -> FieldType:
    target = c.expect_name("an entity name").value
    via = None
    on_delete = None
    readonly = False
    if kind is FieldKind.HAS_MANY and c.accept_name("via"):
        via = c.expect_name("a junction entity name").value
    if kind in (FieldKind.HAS_MANY, FieldKind.HAS_ONE) and c.tok.kind == NAME:
        if c.tok.value in _ON_DELETE:
            on_delete = c.advance().value
        if c.accept_name("readonly"):
            readonly = True
    return FieldType(kind, ref_entity=target, via=via, on_delete=on_delete, readonly=readonly)


def _parse_modifiers(c: Cursor, name: Token, ftype: FieldType) -> Field:
    flags: dict[str, bool] = {}
    default: Node | None = None
    pii: str | None = None
    while not c.at_line_end():
        t = c.tok
        if t.kind == OP and t.value == "=":
            c.advance()
            if c.at_line_end():
                raise c.error(
                    f"expected a default value after '=' for '{name.value}'",
                    code="E014",
                    hint='write a value such as = 0, = "text", = todo or = today + 7d',
                )
            default = parse_default(c)
            continue
        if t.kind != NAME:
            raise c.error(f"expected a field modifier, got {t.describe()}", code="E013")
        word = t.value
        c.advance()
        if word == "unique" and c.at_op("?"):
            c.advance()
            word = "unique?"
        if word == "pii":
            pii = _pii(c)
            continue
        if word == "storage" and c.at_op("="):  # newer dialect: storage=a|b
            while not c.at_line_end():
                c.advance()
            continue
        if word not in MODIFIERS:
            raise c.unknown("field modifier", t, MODIFIERS, code="E013")
        if word in ("required", "optional") and flags.get(
            "optional" if word == "required" else "required"
        ):
            c.flag(
                c.error(
                    f"field '{name.value}' is both required and optional",
                    t,
                    code="E114",
                    hint="keep one of the two",
                )
            )
        flags[word] = True
    return Field(
        name=name.value,
        type=ftype,
        required=flags.get("required", False),
        optional=flags.get("optional", False),
        pk=flags.get("pk", False),
        unique=flags.get("unique", False) or flags.get("unique?", False),
        unique_nullable=flags.get("unique?", False),
        auto_add=flags.get("auto_add", False),
        auto_update=flags.get("auto_update", False),
        sensitive=flags.get("sensitive", False),
        searchable=flags.get("searchable", False),
        indexed=flags.get("indexed", False),
        default=default,
        pii=pii,
        loc=Loc(c.path, name.line, name.col),
    )


def _pii(c: Cursor) -> str:
    """``pii`` or ``pii(category=contact, sensitivity=high)``: keep the category."""
    category = "personal"
    if c.accept_op("("):
        while not c.at_op(")"):
            key = c.expect_name("a pii option")
            c.expect_op("=")
            value = c.expect_text("a pii option value")
            if key.value == "category":
                category = value
            if not c.accept_op(","):
                break
        c.expect_op(")")
    return category


def parse_default(c: Cursor) -> Node:
    """A default value: literal, enum value, ``today + 7d``, or an expression."""
    t = c.tok
    nxt = c.peek()
    if t.kind == STRING and (nxt.kind != OP or nxt.value not in "+-*/%"):
        c.advance()
        return Literal(t.value, t.line, t.col)
    if t.kind == NAME and nxt.kind == NAME and nxt.value in MODIFIERS:
        # `= todo required`: a bare value followed by modifiers
        c.advance()
        return _bare_default(t)
    if t.kind == NUMBER and c.peek().kind == NAME and c.peek().value in MODIFIERS:
        c.advance()
        return Literal(c.number_value(t), t.line, t.col)
    return parse_expression(c)


def _bare_default(t: Token) -> Node:
    v = t.value
    if v in ("true", "false"):
        return Literal(v == "true", t.line, t.col)
    if v in ("today", "now"):
        return DateAnchor(v, None, 1, t.line, t.col)
    if v == "current_user":
        return Var(v, (), t.line, t.col)
    from dazzle.expr.nodes import FieldRef

    return FieldRef((v,), t.line, t.col)
