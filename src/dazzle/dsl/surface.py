"""``surface`` blocks (spec/dsl.md §4.3): sections, actions, access, search and ux."""

from __future__ import annotations

from dataclasses import dataclass, field

from dazzle.dsl.cursor import Cursor
from dazzle.dsl.keys import skip_unknown_key
from dazzle.dsl.lexer import NAME, OP, STRING
from dazzle.dsl.ux import at_persona_variant, merge_ux, parse_persona_variant, parse_ux
from dazzle.expr.parse import parse_expression
from dazzle.ir.common import AccessSpec, NameRef, title_case
from dazzle.ir.surface import (
    SURFACE_MODES,
    UX,
    PersonaVariant,
    Section,
    SectionField,
    Surface,
    SurfaceAction,
)

_SURFACE_KEYS = (
    "uses",
    "mode",
    "source",
    "priority",
    "access",
    "search",
    "section",
    "action",
    "ux",
)
_NEWER_SURFACE_KEYS = (
    "render",
    "open",
    "related",
    "companion",
    "layout",
    "columns",
    "display",
    "emits",
    "peek",
    "refresh",
    "show_history",
)
_PRIORITIES = ("critical", "high", "medium", "low")
_OUTCOMES = ("surface", "experience", "integration")


@dataclass
class _SurfaceParts:
    entity: NameRef | None = None
    mode: str = "custom"
    sections: list[Section] = field(default_factory=list)
    actions: list[SurfaceAction] = field(default_factory=list)
    access: AccessSpec | None = None
    search: tuple[NameRef, ...] = ()
    priority: str | None = None
    source: str | None = None
    ux: UX | None = None
    variants: list[PersonaVariant] = field(default_factory=list)


def parse_surface(c: Cursor, module: str) -> Surface:
    kw = c.advance()  # surface
    name = c.expect_name("a surface name")
    title = c.optional_string()
    c.expect_block_start()
    p = _SurfaceParts()
    c.items(lambda: _surface_item(c, p))
    ux = p.ux or UX()
    if p.variants:  # `for X:` written directly in the surface body
        from dataclasses import replace

        ux = replace(ux, variants=(*ux.variants, *p.variants))
    return Surface(
        name=name.value,
        title=title or title_case(name.value),
        entity=p.entity,
        mode=p.mode,
        sections=tuple(p.sections),
        actions=tuple(p.actions),
        access=p.access,
        search=p.search,
        priority=p.priority,
        source=p.source,
        ux=ux,
        module=module,
        loc=c.loc(kw),
    )


def parse_access_spec(c: Cursor) -> AccessSpec:
    t = c.expect_name("public, authenticated or persona(...)")
    if t.value in ("public", "authenticated"):
        return AccessSpec(t.value, (), c.loc(t))
    if t.value == "persona":
        c.expect_op("(")
        names = [c.expect_name("a persona name").value]
        while c.accept_op(","):
            names.append(c.expect_name("a persona name").value)
        c.expect_op(")")
        return AccessSpec("persona", tuple(names), c.loc(t))
    raise c.unknown("access level", t, ("public", "authenticated", "persona"))


def _surface_item(c: Cursor, p: _SurfaceParts) -> None:
    t = c.tok
    if at_persona_variant(c):
        p.variants.append(parse_persona_variant(c))
        return
    if t.kind != NAME:
        raise c.error(f"expected a surface key, got {t.describe()}")
    w = t.value
    if w == "uses":
        c.advance()
        c.expect_keyword("entity")
        p.entity = c.expect_ref("an entity name")
    elif w == "section":
        p.sections.append(_section(c))
        return
    elif w == "action" and c.peek().kind != OP:
        p.actions.append(_action(c))
        return
    elif w == "ux" and c.peek().value == ":":
        ux = parse_ux(c)
        p.ux = merge_ux(p.ux, ux) if p.ux is not None else ux
        return
    elif c.peek().kind == OP and c.peek().value == ":" and w in _SURFACE_KEYS:
        c.advance()
        c.advance()
        if w == "mode":
            m = c.expect_name("a surface mode")
            if m.value not in SURFACE_MODES:
                raise c.unknown("surface mode", m, SURFACE_MODES)
            p.mode = m.value
        elif w == "source":
            p.source = c.expect_name("a view name").value
        elif w == "priority":
            pr = c.expect_name("a priority")
            if pr.value not in _PRIORITIES:
                raise c.unknown("priority", pr, _PRIORITIES)
            p.priority = pr.value
        elif w == "access":
            p.access = parse_access_spec(c)
        elif w == "search":
            p.search = c.names_list("a field name")
        else:
            raise c.error(f"'{w}' is not written as a key", t)
    else:
        skip_unknown_key(c, t, "surface", _SURFACE_KEYS, _NEWER_SURFACE_KEYS)
        return
    c.expect_newline()


def _section(c: Cursor) -> Section:
    kw = c.advance()
    name = c.expect_name("a section name")
    title = c.optional_string()
    c.expect_block_start()
    fields: list[SectionField] = []

    def item() -> None:
        t = c.tok
        if t.kind == NAME and t.value == "field":
            fields.append(_section_field(c))
            return
        if t.kind == NAME and c.peek().kind == OP and c.peek().value == ":":
            c.skip_unknown("W002", f"section key '{t.value}' is not supported; skipped", t)
            return
        raise c.error(
            f"expected 'field <name>' in a section, got {t.describe()}",
            hint='sections list fields: `field title "Title"`',
        )

    c.items(item)
    return Section(name.value, title, tuple(fields), c.loc(kw))


def _section_field(c: Cursor) -> SectionField:
    c.advance()  # field
    name = c.expect_name("a field name")
    label = c.optional_string()
    options: list[tuple[str, str]] = []
    when = None
    while not c.at_line_end():
        if c.at_key("when"):
            c.advance()
            c.advance()
            when = parse_expression(c)
            break
        key = c.expect_name("an option such as source=pack.op")
        c.expect_op("=")
        if c.tok.kind == STRING:
            value = c.advance().value
        else:
            parts = [c.expect_name("an option value").value]
            while c.accept_op("."):
                parts.append(c.expect_name("an option value").value)
            value = ".".join(parts)
        options.append((key.value, value))
    c.expect_newline()
    return SectionField(name.value, label, tuple(options), when, c.loc(name))


def _action(c: Cursor) -> SurfaceAction:
    kw = c.advance()  # action
    name = c.expect_name("an action name")
    label = c.optional_string()
    c.expect_block_start()
    found: list[SurfaceAction] = []

    def item() -> None:
        c.expect_keyword("on")
        trigger = c.expect_name("a trigger such as submit").value
        c.expect_op("->")
        kind = c.expect_name("surface, experience or integration")
        if kind.value not in _OUTCOMES:
            raise c.unknown("action outcome", kind, _OUTCOMES)
        target = c.expect_ref(f"a {kind.value} name")
        if kind.value == "experience" and c.accept_name("step"):
            c.expect_name("a step name")
        elif kind.value == "integration":
            c.expect_keyword("action")
            c.expect_name("an integration action")
        c.expect_newline()
        found.append(SurfaceAction(name.value, label, trigger, kind.value, target, c.loc(kw)))

    c.items(item)
    if not found:
        raise c.error("action needs an `on submit -> surface X` line", kw, code="E018")
    return found[0]
