"""A ``list`` surface as a page: columns from its sections, sort by header, filters for
``ux: filter`` fields, search, compact paging, attention signals, persona variants.

Sorting, filtering, searching and paging re-render only the table (HTMX) and keep the URL
shareable; without JavaScript the same links and form reload the page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from dazzle.expr.evaluate import EvalContext, EvalError, evaluate, truthy
from dazzle.ir.common import title_case
from dazzle.ir.entity import Entity, Field, FieldKind
from dazzle.ir.surface import PersonaVariant, Surface
from dazzle.naming import ui_slug
from dazzle_back.errors import ValidationFailed
from dazzle_back.services import aggregates
from dazzle_back.services.entity import EntityService
from dazzle_back.services.listing import ListQuery, parse_list_query
from dazzle_back.services.principal import Principal
from dazzle_ui.format import display, enum_label
from dazzle_ui.shell import EntityPages, gate, variant_for
from dazzle_ui.ui import UI, is_htmx

PAGE_SIZE = 20


@dataclass
class Column:
    name: str
    label: str
    field: Field | None
    sort_url: str = ""
    sorted: str = ""  # "ascending" | "descending" | ""


@dataclass
class Filter:
    name: str
    label: str
    options: list[tuple[str, str]]
    value: str
    kind: str = "select"  # select | date


@dataclass
class Row:
    url: str
    cells: list[str]
    attention: str = ""
    message: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


def surface_fields(surface: Surface | None, entity: Entity) -> list[tuple[str, str | None]]:
    """(field, label) pairs of a surface's sections; all fields when it has none."""
    if surface is not None and surface.sections:
        return [(f.name, f.label) for s in surface.sections for f in s.fields]
    return [(f.name, None) for f in entity.fields if not f.pk and not f.type.is_virtual]


def label_of(entity: Entity, name: str, label: str | None) -> str:
    if label:
        return label
    return title_case(name)


def visible_fields(
    surface: Surface | None, entity: Entity, variant: PersonaVariant | None
) -> list[tuple[str, str | None]]:
    pairs = surface_fields(surface, entity)
    if variant is not None:
        if variant.show:
            wanted = [r.name for r in variant.show]
            known = dict(pairs)
            pairs = [
                (n, known.get(n)) for n in wanted if entity.get_field(n) or entity.get_computed(n)
            ]
        hidden = {r.name for r in variant.hide}
        pairs = [p for p in pairs if p[0] not in hidden]
    return pairs


def query_url(base: str, params: dict[str, str], **changes: str | None) -> str:
    merged = {k: v for k, v in params.items() if v not in (None, "")}
    for k, v in changes.items():
        if v is None:
            merged.pop(k, None)
        else:
            merged[k] = v
    return f"{base}?{urlencode(merged)}" if merged else base


def scope_clause(service: EntityService, variant: PersonaVariant | None, who: Principal) -> Any:
    """A persona variant's ``scope:`` as SQL (enforced on this surface's list)."""
    if variant is None or variant.scope is None or not who.auth_enabled:
        return None
    return aggregates.condition(service, variant.scope, who)


async def build_filters(
    ui: UI, surface: Surface, entity: Entity, params: dict[str, str], who: Principal
) -> list[Filter]:
    out = []
    for ref in surface.ux.filter:
        f = entity.get_field(ref.name)
        if f is None:
            continue
        key = f"filter[{f.name}]"
        value = params.get(key, "")
        label = label_of(
            entity,
            f.name,
            next((x.label for s in surface.sections for x in s.fields if x.name == f.name), None),
        )
        if f.type.kind is FieldKind.ENUM:
            opts = [(v, enum_label(v)) for v in f.type.enum_values]
        elif f.type.kind is FieldKind.BOOL:
            opts = [("true", "Yes"), ("false", "No")]
        elif f.type.is_reference:
            opts, _ = await ui.options.choices(f.type.ref_entity or "", who)
        elif f.type.kind is FieldKind.DATE:
            out.append(Filter(key, label, [], value, "date"))
            continue
        else:
            continue
        out.append(Filter(key, label, opts, value))
    return out


def attention_for(
    surface: Surface | None, scope: dict[str, Any], ctx: EvalContext
) -> tuple[str, str]:
    """The most severe attention signal a record (flattened) raises: (level, message)."""
    if surface is None:
        return "", ""
    for signal in surface.ux.attention:  # declaration order: authors list severe ones first
        try:
            if truthy(evaluate(signal.when, scope, ctx)):
                return signal.level, signal.message
        except EvalError:
            continue
    return "", ""


async def list_view(ui: UI, request: Request, ep: EntityPages) -> Response:
    who = await ui.who(request)
    surface = ep.list
    gate(surface.access if surface else None, who)
    service = ui.rt.services[ep.entity]
    entity = service.entity
    base = f"/app/{ep.slug}"
    # an empty filter or search box means "all": the browser sends it, the query skips it
    params = {k: v for k, v in request.query_params.items() if v != ""}
    default_sort = [(k.field, k.descending) for k in surface.ux.sort] if surface else []
    error = None
    try:
        params.setdefault("page_size", str(PAGE_SIZE))
        q = parse_list_query(params, service.et, default_sort)
    except ValidationFailed as exc:
        error = exc.detail
        q = ListQuery(page_size=PAGE_SIZE, sort=default_sort)
    ux = surface.ux if surface else None
    variant = variant_for(ux, who, ui.spec) if ux else None
    search_in = surface.search_fields if surface and surface.search_fields else None
    page = await service.list_page(
        q,
        who,
        extra=scope_clause(service, variant, who),
        search_in=search_in,
    )
    fields = visible_fields(surface, entity, variant)
    sort = dict(q.sort[:1])
    columns = []
    for name, label in fields:
        f = entity.get_field(name)
        current = sort.get(name)
        direction = "desc" if current is False else "asc"
        columns.append(
            Column(
                name,
                label_of(entity, name, label),
                f,
                query_url(base, params, sort=name, dir=direction, page=None)
                if f is not None and not f.type.is_virtual
                else "",
                "" if current is None else ("descending" if current else "ascending"),
            )
        )
    ctx = service.eval_context(who)
    shown = [(name, entity.get_field(name)) for name, _ in fields]
    readers = [
        (name, f, ui.spec.entities.get(f.type.ref_entity or "") if f else None) for name, f in shown
    ]
    pk_name = service.et.pk
    signals = surface is not None and bool(surface.ux.attention)
    rows = []
    for record in page.items:
        cells = [display(f, record.get(name), record, target) for name, f, target in readers]
        level, message = (
            attention_for(surface, service.flatten(record), ctx) if signals else ("", "")
        )
        rows.append(Row(f"{base}/{record[pk_name]}", cells, level, message))
    pages = max(1, math.ceil(page.total / q.page_size))
    context: dict[str, Any] = {
        "title": surface.title if surface else entity.title,
        "purpose": (variant.purpose if variant and variant.purpose else None)
        or (ux.purpose if ux else None),
        "entity_title": entity.title,
        "base_url": base,
        "columns": columns,
        "rows": rows,
        "total": page.total,
        "page": q.page,
        "pages": pages,
        "pager": pager(base, params, q.page, pages),
        "prev_url": query_url(base, params, page=str(q.page - 1)) if q.page > 1 else "",
        "next_url": query_url(base, params, page=str(q.page + 1)) if q.page < pages else "",
        "empty": (ux.empty if ux and ux.empty else f"No {entity.title.lower()} records yet."),
        "search": params.get("search", ""),
        "sort_field": params.get("sort", ""),
        "sort_dir": params.get("dir", ""),
        "error": error,
        "has_search": bool(service.search_in),
        "can_create": ep.create is not None
        and not (variant and variant.read_only)
        and not service.access.rules.decide("create", who).never,
        "create_url": f"{base}/create",
        "create_label": f"New {entity.title}",
    }
    primary = primary_action(ui, variant)
    if primary is not None and context["can_create"]:
        context["create_label"], context["create_url"] = primary
    if is_htmx(request) and request.headers.get("hx-target") == "records":
        response = ui.render(request, "list_table.html", context, who, partial=True)
    else:
        context["filters"] = (
            await build_filters(ui, surface, entity, params, who) if surface else []
        )
        response = ui.render(request, "list.html", context, who, status=422 if error else 200)
    response.headers["Vary"] = "HX-Request, HX-Target"  # one URL, two shapes: caches keep both
    return response


def primary_action(ui: UI, variant: PersonaVariant | None) -> tuple[str, str] | None:
    """A persona's ``action_primary``: the create surface it names becomes the page's main
    button, under that surface's title (other kinds of surface have no place on a list)."""
    if variant is None or variant.action_primary is None:
        return None
    target = ui.spec.surfaces.get(variant.action_primary.name)
    if target is None or target.mode != "create" or not target.entity_name:
        return None
    return target.title, f"/app/{ui_slug(target.entity_name)}/create"


def pager(base: str, params: dict[str, str], page: int, pages: int) -> list[dict[str, Any]]:
    """Compact paging: first, last, and two either side of the current page."""
    wanted = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    out: list[dict[str, Any]] = []
    last = 0
    for n in wanted:
        if n - last > 1:
            out.append({"gap": True})
        out.append({"n": n, "url": query_url(base, params, page=str(n)), "current": n == page})
        last = n
    return out
