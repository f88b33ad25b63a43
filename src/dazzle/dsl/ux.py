"""The ``ux:`` block shared by surfaces and workspaces: attention signals and persona
variants (``for admin:`` in the v0.38 dialect, ``as admin:`` in the newer one)."""

from __future__ import annotations

from dataclasses import dataclass, field

from dazzle.dsl.cursor import Cursor
from dazzle.dsl.keys import skip_unknown_key
from dazzle.dsl.lexer import NAME, NEWLINE, NUMBER, STRING
from dazzle.expr.nodes import Literal, Node, Var
from dazzle.expr.parse import parse_condition
from dazzle.ir.common import NameRef, SortKey
from dazzle.ir.surface import ATTENTION_LEVELS, UX, AttentionSignal, PersonaVariant

_UX_KEYS = ("purpose", "show", "sort", "filter", "search", "empty", "search_first", "attention")
_VARIANT_KEYS = (
    "scope",
    "purpose",
    "show",
    "hide",
    "show_aggregate",
    "action_primary",
    "read_only",
    "defaults",
    "focus",
)


def at_persona_variant(c: Cursor) -> bool:
    """``for X:`` or ``as X:`` (with a block) at the cursor."""
    t = c.tok
    return (
        t.kind == NAME
        and t.value in ("for", "as")
        and c.peek().kind == NAME
        and c.peek(2).kind == "OP"
        and c.peek(2).value == ":"
    )


def parse_sort_list(c: Cursor) -> tuple[SortKey, ...]:
    keys: list[SortKey] = []
    while True:
        t = c.expect_name("a field name")
        desc = False
        if c.at_name("desc") or c.at_name("asc"):
            desc = c.advance().value == "desc"
        keys.append(SortKey(t.value, desc, c.loc(t)))
        if not c.accept_op(","):
            return tuple(keys)


@dataclass
class _UXParts:
    purpose: str | None = None
    show: tuple[NameRef, ...] = ()
    sort: tuple[SortKey, ...] = ()
    filter: tuple[NameRef, ...] = ()
    search: tuple[NameRef, ...] = ()
    empty: str | None = None
    search_first: bool = False
    attention: list[AttentionSignal] = field(default_factory=list)
    variants: list[PersonaVariant] = field(default_factory=list)


def parse_ux(c: Cursor) -> UX:
    kw = c.advance()  # ux
    c.expect_block_start()
    p = _UXParts()
    c.items(lambda: _ux_item(c, p))
    return UX(
        purpose=p.purpose,
        show=p.show,
        sort=p.sort,
        filter=p.filter,
        search=p.search,
        empty=p.empty,
        search_first=p.search_first,
        attention=tuple(p.attention),
        variants=tuple(p.variants),
        loc=c.loc(kw),
    )


def _ux_item(c: Cursor, p: _UXParts) -> None:
    t = c.tok
    if at_persona_variant(c):
        p.variants.append(parse_persona_variant(c))
        return
    if t.kind == NAME and t.value == "attention":
        signal = _attention(c)
        if signal is not None:
            p.attention.append(signal)
        return
    key = c.expect_name("a ux key")
    if not c.at_op(":"):
        raise c.error(f"expected ':' after '{key.value}', got {c.tok.describe()}")
    w = key.value
    if w not in _UX_KEYS:
        skip_unknown_key(c, key, "ux", _UX_KEYS)
        return
    c.advance()
    if w == "purpose":
        p.purpose = c.expect_string("the purpose text")
    elif w == "show":
        p.show = c.names_list()
    elif w == "sort":
        p.sort = parse_sort_list(c)
    elif w == "filter":
        p.filter = c.names_list("a field name")
    elif w == "search":
        p.search = c.names_list("a field name")
    elif w == "empty":
        p.empty = c.expect_string("the empty-state text")
    elif w == "search_first":
        p.search_first = c.expect_bool()
    c.expect_newline()


def _attention(c: Cursor) -> AttentionSignal | None:
    kw = c.advance()
    level = c.expect_name("an attention level")
    if level.value not in ATTENTION_LEVELS:
        raise c.unknown("attention level", level, ATTENTION_LEVELS)
    c.expect_block_start()
    parts: dict[str, object] = {}

    def item() -> None:
        key = c.expect_name("when:, message: or action:")
        c.expect_op(":")
        if key.value == "when":
            parts["when"] = parse_condition(c)
        elif key.value == "message":
            parts["message"] = c.expect_string("the attention message")
        elif key.value == "action":
            parts["action"] = c.expect_ref("a surface name")
        else:
            raise c.unknown("attention key", key, ("when", "message", "action"))
        c.expect_newline()

    before = c.error_count
    c.items(item)
    if c.error_count != before:
        return None  # a line of it failed and was reported: no follow-on "missing when:"
    for required in ("when", "message"):
        if required not in parts:
            raise c.error(
                f"attention signal needs a '{required}:' line",
                kw,
                code="E018",
                hint='write `when: <condition>` and `message: "..."` under `attention`',
            )
    when = parts["when"]
    message = parts["message"]
    action = parts.get("action")
    assert isinstance(message, str)
    assert action is None or isinstance(action, NameRef)
    return AttentionSignal(level.value, when, message, action, c.loc(kw))  # type: ignore[arg-type]


@dataclass
class _VariantParts:
    scope: Node | None = None
    scope_all: bool = False
    purpose: str | None = None
    show: tuple[NameRef, ...] = ()
    hide: tuple[NameRef, ...] = ()
    show_aggregate: tuple[str, ...] = ()
    action_primary: NameRef | None = None
    read_only: bool | None = None
    defaults: list[tuple[NameRef, Node]] = field(default_factory=list)
    focus: tuple[str, ...] = ()


def parse_persona_variant(c: Cursor) -> PersonaVariant:
    kw = c.advance()  # for | as
    persona = c.expect_ref("a persona name")
    c.expect_block_start()
    p = _VariantParts()
    c.items(lambda: _variant_item(c, p))
    return PersonaVariant(
        persona=persona,
        scope=p.scope,
        scope_all=p.scope_all,
        purpose=p.purpose,
        show=p.show,
        hide=p.hide,
        show_aggregate=p.show_aggregate,
        action_primary=p.action_primary,
        read_only=p.read_only,
        defaults=tuple(p.defaults),
        focus=p.focus,
        loc=c.loc(kw),
    )


def _variant_item(c: Cursor, p: _VariantParts) -> None:
    key = c.expect_name("a persona variant key")
    if not c.at_op(":"):
        raise c.error(f"expected ':' after '{key.value}', got {c.tok.describe()}")
    w = key.value
    if w not in _VARIANT_KEYS:
        skip_unknown_key(c, key, "persona variant", _VARIANT_KEYS)
        return
    c.advance()
    if w == "scope":
        if c.at_name("all") and c.peek().kind == NEWLINE:
            c.advance()
            p.scope_all = True
        else:
            p.scope = parse_condition(c)
    elif w == "purpose":
        p.purpose = c.expect_string("the purpose text")
    elif w == "show":
        p.show = c.names_list()
    elif w == "hide":
        p.hide = c.names_list()
    elif w == "show_aggregate":
        p.show_aggregate = tuple(r.name for r in c.names_list())
    elif w == "action_primary":
        p.action_primary = c.expect_ref("a surface name")
    elif w == "read_only":
        p.read_only = c.expect_bool()
    elif w == "focus":
        p.focus = tuple(r.name for r in c.names_list())
    elif w == "defaults":
        if c.tok.kind != NEWLINE:
            raise c.error("expected an indented block of `field: value` lines after 'defaults:'")
        c.advance()
        c.expect_indent()
        c.items(lambda: p.defaults.append(_default_line(c)))
        return
    c.expect_newline()


def _default_line(c: Cursor) -> tuple[NameRef, Node]:
    name = c.expect_ref("a field name")
    c.expect_op(":")
    t = c.tok
    value: Node
    if t.kind == STRING:
        value = Literal(t.value, t.line, t.col)
    elif t.kind == NUMBER:
        value = Literal(c.number_value(t), t.line, t.col)
    elif t.kind == NAME:
        if t.value in ("true", "false"):
            value = Literal(t.value == "true", t.line, t.col)
        elif t.value == "current_user":
            value = Var("current_user", (), t.line, t.col)
        else:
            value = Literal(t.value, t.line, t.col)
    else:
        raise c.error(f"expected a default value, got {t.describe()}")
    c.advance()
    c.expect_newline()
    return name, value


def merge_ux(first: UX, second: UX) -> UX:
    """Two ``ux:`` blocks in one surface or workspace: the later one's values win, signals
    and persona variants add up (the published parser silently kept only the last)."""
    from dataclasses import replace

    return replace(
        second,
        purpose=second.purpose or first.purpose,
        show=second.show or first.show,
        sort=second.sort or first.sort,
        filter=second.filter or first.filter,
        search=second.search or first.search,
        empty=second.empty or first.empty,
        search_first=second.search_first or first.search_first,
        attention=(*first.attention, *second.attention),
        variants=(*first.variants, *second.variants),
        loc=first.loc,
    )
