"""``workspace`` blocks (spec/dsl.md §4.5) and the aggregate mini-language (§4.10)."""

from __future__ import annotations

from dataclasses import dataclass, field

from dazzle.dsl.cursor import Cursor
from dazzle.dsl.keys import skip_unknown_key
from dazzle.dsl.lexer import INDENT, NAME, NEWLINE, NUMBER, OP, Token
from dazzle.dsl.surface import parse_access_spec
from dazzle.dsl.ux import merge_ux, parse_sort_list, parse_ux
from dazzle.expr.nodes import Node
from dazzle.expr.parse import parse_condition
from dazzle.ir.common import AccessSpec, NameRef, SortKey, title_case
from dazzle.ir.surface import UX
from dazzle.ir.workspace import (
    AGGREGATE_FUNCS,
    DISPLAY_MODES,
    Aggregate,
    ContextSelector,
    NavGroup,
    NavItem,
    Region,
    Workspace,
)

_WORKSPACE_KEYS = (
    "purpose",
    "stage",
    "engine_hint",
    "access",
    "context_selector",
    "nav_group",
    "ux",
)
_REGION_KEYS = (
    "source",
    "filter",
    "filter_map",
    "sort",
    "limit",
    "display",
    "action",
    "empty",
    "group_by",
    "date_field",
    "date_range",
    "aggregate",
)
_NEWER_REGION_KEYS = ("tones", "entries", "title", "refresh", "columns", "icon", "layout", "span")


@dataclass
class _WorkspaceParts:
    purpose: str | None = None
    stage: str | None = None
    access: AccessSpec | None = None
    context_selector: ContextSelector | None = None
    nav_groups: list[NavGroup] = field(default_factory=list)
    ux: UX | None = None
    regions: list[Region] = field(default_factory=list)


def parse_workspace(c: Cursor, module: str) -> Workspace:
    kw = c.advance()  # workspace
    name = c.expect_name("a workspace name")
    title = c.optional_string()
    c.expect_block_start()
    p = _WorkspaceParts()
    c.items(lambda: _workspace_item(c, p))
    return Workspace(
        name=name.value,
        title=title or title_case(name.value),
        purpose=p.purpose,
        stage=p.stage,
        access=p.access,
        context_selector=p.context_selector,
        nav_groups=tuple(p.nav_groups),
        ux=p.ux or UX(),
        regions=tuple(p.regions),
        module=module,
        loc=c.loc(kw),
    )


def _workspace_item(c: Cursor, p: _WorkspaceParts) -> None:
    t = c.tok
    if t.kind != NAME:
        raise c.error(f"expected a workspace key or a region, got {t.describe()}")
    w = t.value
    if w == "nav_group":
        p.nav_groups.append(parse_nav_group(c))
        return
    if not (c.peek().kind == OP and c.peek().value == ":"):
        raise c.error(f"expected ':' after '{w}', got {c.peek().describe()}", c.peek())
    is_block = c.peek(2).kind == NEWLINE and c.peek(3).kind == INDENT
    if w == "ux" and is_block:
        ux = parse_ux(c)
        p.ux = merge_ux(p.ux, ux) if p.ux is not None else ux
        return
    if w == "context_selector" and is_block:
        p.context_selector = _context_selector(c)
        return
    if is_block:
        p.regions.append(_region(c))
        return
    if w not in _WORKSPACE_KEYS:
        skip_unknown_key(c, t, "workspace", _WORKSPACE_KEYS)
        return
    c.advance()
    c.advance()
    if w == "purpose":
        p.purpose = c.expect_string("the purpose text")
    elif w in ("stage", "engine_hint"):
        p.stage = c.expect_text("a layout name")
    elif w == "access":
        p.access = parse_access_spec(c)
    else:
        raise c.error(f"'{w}' needs an indented block", t)
    c.expect_newline()


_SELECTOR_KEYS = ("entity", "display_field", "scope_field", "filter")


def _context_selector(c: Cursor) -> ContextSelector:
    """``context_selector:`` with ``entity:``, ``display_field:``, ``scope_field:`` and the
    newer ``filter: cond`` that narrows the options; other keys are skipped with a warning."""
    kw = c.advance()
    c.expect_block_start()
    parts: dict[str, NameRef] = {}
    option_filter: list[Node] = []

    def item() -> None:
        key = c.tok
        if key.kind != NAME:
            raise c.error(
                f"expected entity:, display_field:, scope_field: or filter:, got {key.describe()}"
            )
        if key.value not in _SELECTOR_KEYS or not (c.peek().kind == OP and c.peek().value == ":"):
            skip_unknown_key(c, key, "context_selector", _SELECTOR_KEYS)
            return
        c.advance()
        c.expect_op(":")
        if key.value == "filter":
            option_filter.append(parse_condition(c))
        else:
            parts[key.value] = c.expect_ref("a name")
        c.expect_newline()

    c.items(item)
    if "entity" not in parts:
        raise c.error("context_selector needs 'entity: <Entity>'", kw, code="E018")
    return ContextSelector(
        parts.get("entity"),
        parts.get("display_field"),
        parts.get("scope_field"),
        option_filter[-1] if option_filter else None,
        c.loc(kw),
    )


def _icon(c: Cursor) -> str | None:
    if c.at_name("icon") and c.peek().kind == OP and c.peek().value == "=":
        c.advance()
        c.advance()
        parts = [c.expect_text("an icon name")]
        while c.at_op("-") and c.peek().kind in (NAME, NUMBER):  # layout-grid, bar-chart-2
            c.advance()
            parts.append(c.advance().value)
        return "-".join(parts)
    return None


def parse_nav_group(c: Cursor) -> NavGroup:
    """``nav_group "Label" icon=x collapsed:`` / ``group "Label":`` with one item per line."""
    kw = c.advance()
    label = c.expect_string("the group label")
    icon = _icon(c)
    collapsed = c.accept_name("collapsed")
    when = None
    if c.at_key("when"):
        c.advance()
        c.advance()
        when = parse_condition(c)
    c.expect_block_start()
    items: list[NavItem] = []

    def item() -> None:
        t = c.expect_name("a workspace or surface name")
        item_icon = _icon(c)
        c.expect_newline()
        items.append(NavItem(t.value, item_icon, c.loc(t)))

    c.items(item)
    return NavGroup(label, tuple(items), icon, collapsed, when, c.loc(kw))


@dataclass
class _RegionParts:
    sources: tuple[NameRef, ...] = ()
    filter: Node | None = None
    filter_map: list[tuple[NameRef, Node]] = field(default_factory=list)
    sort: tuple[SortKey, ...] = ()
    limit: int | None = None
    display: str | None = None
    action: NameRef | None = None
    empty: str | None = None
    group_by: NameRef | None = None
    date_field: NameRef | None = None
    date_range: bool = False
    aggregates: list[Aggregate] = field(default_factory=list)
    static: bool = False


def _region(c: Cursor) -> Region:
    name = c.advance()
    c.expect_block_start()
    p = _RegionParts()
    c.items(lambda: _region_item(c, p))
    if not p.sources and not p.aggregates and not p.static:
        raise c.error(
            f"region '{name.value}' needs a 'source:' or an 'aggregate:' block",
            name,
            code="E018",
            hint="add `source: EntityName` under the region",
        )
    display = p.display or ("tabbed_list" if len(p.sources) > 1 else "list")
    return Region(
        name=name.value,
        sources=p.sources,
        filter=p.filter,
        filter_map=tuple(p.filter_map),
        sort=p.sort,
        limit=p.limit,
        display=display,
        action=p.action,
        empty=p.empty,
        group_by=p.group_by,
        date_field=p.date_field,
        date_range=p.date_range,
        aggregates=tuple(p.aggregates),
        static=p.static,
        loc=c.loc(name),
    )


def _region_item(c: Cursor, p: _RegionParts) -> None:
    key = c.expect_name("a region key")
    w = key.value
    if w == "date_range" and c.tok.kind == NEWLINE:
        p.date_range = True
        c.expect_newline()
        return
    if not c.at_op(":"):
        raise c.error(f"expected ':' after '{w}', got {c.tok.describe()}")
    if w not in _REGION_KEYS:
        if w == "entries":
            p.static = True
        skip_unknown_key(c, key, "region", _REGION_KEYS, _NEWER_REGION_KEYS)
        return
    c.advance()
    if w == "source":
        p.sources = c.names_list("an entity name")
    elif w == "filter":
        p.filter = parse_condition(c)
    elif w == "filter_map":
        c.expect_newline()
        c.expect_indent()
        c.items(lambda: p.filter_map.append(_filter_map_line(c)))
        return
    elif w == "sort":
        p.sort = parse_sort_list(c)
    elif w == "limit":
        t = c.tok
        p.limit = c.expect_int("a row limit")
        if not 1 <= p.limit <= 1000:
            raise c.error(f"limit {p.limit} is out of range (1-1000)", t, code="E017")
    elif w == "display":
        t = c.expect_name("a display mode")
        if t.value not in DISPLAY_MODES:
            from dazzle.diagnostics import did_you_mean

            c.warn(
                "W003",
                f"unknown display mode '{t.value}'; the region is shown as a list",
                t,
                did_you_mean(t.value, DISPLAY_MODES),
            )
        p.display = t.value
    elif w == "action":
        p.action = c.expect_ref("a surface name")
    elif w == "empty":
        p.empty = c.expect_string("the empty-state text")
    elif w == "group_by":
        p.group_by = c.expect_ref("a field name")
    elif w == "date_field":
        p.date_field = c.expect_ref("a field name")
    elif w == "date_range":
        p.date_range = c.expect_bool()
    elif w == "aggregate":
        c.expect_newline()
        c.expect_indent()
        c.items(lambda: p.aggregates.append(_aggregate(c)))
        return
    c.expect_newline()


def _filter_map_line(c: Cursor) -> tuple[NameRef, Node]:
    src = c.expect_ref("a source entity name")
    c.expect_op(":")
    cond = parse_condition(c)
    c.expect_newline()
    return src, cond


def _aggregate(c: Cursor) -> Aggregate:
    """``name: func(Entity [where cond])``, ``func(field)`` or ``func(Entity.field)``."""
    name = c.expect_name("a metric name")
    c.expect_op(":")
    func = c.expect_name("count, sum, avg, min or max")
    if func.value not in AGGREGATE_FUNCS:
        raise c.unknown("aggregate function", func, AGGREGATE_FUNCS, code="E020")
    c.expect_op("(")
    first = c.expect_ref("an entity or field name")
    second: NameRef | None = None
    if c.accept_op("."):
        second = c.expect_ref("a field name")
    where = None
    if c.tok.kind == NAME and c.tok.value.lower() == "where":
        c.advance()
        where = parse_condition(c)
    c.expect_op(")")
    c.expect_newline()
    entity, fld = _aggregate_target(func, first, second)
    return Aggregate(name.value, func.value, entity, fld, where, c.loc(name))


def _aggregate_target(
    func: Token, first: NameRef, second: NameRef | None
) -> tuple[NameRef | None, NameRef | None]:
    if second is not None:
        return first, second
    if func.value == "count":
        return first, None
    # sum(total): a field of the region's source entity
    return None, first
