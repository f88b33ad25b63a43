"""What one workspace region shows, by display mode: rows (list, queue, grid, timeline,
detail, tabbed_list), lanes (kanban), tiles (summary, metrics) or bars (bar_chart,
funnel_chart). Everything is read through the services, so access rules apply to every
row, count and total."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy import ColumnElement
from starlette.requests import Request

from dazzle.ir.common import title_case
from dazzle.ir.entity import Entity, Field, FieldKind
from dazzle.ir.workspace import Region, Workspace
from dazzle.naming import ui_slug
from dazzle_back.db.compile import Unsupported
from dazzle_back.errors import DomainError
from dazzle_back.services import aggregates
from dazzle_back.services.entity import EntityService
from dazzle_back.services.listing import ListQuery
from dazzle_back.services.principal import Principal
from dazzle_ui.format import display, enum_label, label_field, money, record_label
from dazzle_ui.list_page import label_of, surface_fields
from dazzle_ui.record_page import Move, moves_for
from dazzle_ui.ui import UI

log = structlog.get_logger("dazzle.ui")

ROW_MODES = {"list", "queue", "grid", "timeline", "detail", "tabbed_list"}
TILE_MODES = {"summary", "metrics"}
CHART_MODES = {"bar_chart", "funnel_chart"}
DEFAULT_LIMIT = 10
LANE_LIMIT = 25
MAX_COLUMNS = 5


@dataclass
class Item:
    """One record in a region."""

    url: str
    label: str
    cells: list[tuple[str, str]] = field(default_factory=list)
    when: str = ""  # timeline: the date as text
    when_iso: str = ""
    state: str = ""
    moves: list[Move] = field(default_factory=list)
    move_url: str = ""


@dataclass
class Lane:
    value: str
    label: str
    count: int
    items: list[Item] = field(default_factory=list)
    more_url: str = ""


@dataclass
class Bar:
    label: str
    count: int
    share: float  # of the largest bar, 0..1


@dataclass
class RegionView:
    workspace: str
    name: str
    title: str
    mode: str
    url: str
    empty: str
    columns: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    lanes: list[Lane] = field(default_factory=list)
    lane_field: str = ""
    tiles: list[tuple[str, str]] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    tabs: list[tuple[str, str, int, bool, str]] = field(default_factory=list)
    total: int = 0
    more_url: str = ""
    problem: str = ""


def region_url(ws: Workspace, region: Region) -> str:
    return f"/app/workspaces/{ws.name}/regions/{region.name}"


def shown_mode(region: Region) -> str:
    """Modes the UI draws by name; the newer dialect's other modes read as a list."""
    mode = region.display
    if mode == "list" and region.aggregates:  # `aggregate:` without a display: the numbers
        return "metrics"
    if mode in ROW_MODES | TILE_MODES | CHART_MODES or mode == "kanban":
        return mode
    return "list"


def item_url(ui: UI, region: Region, service: EntityService, record: dict[str, Any]) -> str:
    """Where a row leads: the region's ``action`` surface, else the record's page."""
    pk = record[service.et.pk]
    slug = ui_slug(service.entity.name)
    target = ui.spec.surfaces.get(region.action.name) if region.action else None
    if target is not None and target.entity_name:
        slug = ui_slug(target.entity_name)
        if target.mode == "edit":
            return f"/app/{slug}/{pk}/edit"
        if target.mode == "create":
            return f"/app/{slug}/create"
        if target.mode == "list":
            return f"/app/{slug}"
    return f"/app/{slug}/{pk}"


def row_fields(ui: UI, entity: Entity, skip: str | None = None) -> list[tuple[Field, str]]:
    """The columns a region shows: its entity's list surface, first few."""
    surface = ui.spec.surface_for(entity.name, "list")
    out = []
    named_by = label_field(entity)
    for name, label in surface_fields(surface, entity):
        f = entity.get_field(name)
        if f is not None and name not in (skip, named_by):
            out.append((f, label_of(entity, name, label)))
    return out[:MAX_COLUMNS]


def to_item(
    ui: UI,
    region: Region,
    service: EntityService,
    record: dict[str, Any],
    fields: list[tuple[Field, str]],
) -> Item:
    entity = service.entity
    cells = []
    for f, label in fields:
        target = ui.spec.entities.get(f.type.ref_entity or "")
        cells.append((label, display(f, record.get(f.name), record, target)))
    sm = entity.state_machine
    state = enum_label(str(record.get(sm.field) or "")) if sm else ""
    return Item(
        item_url(ui, region, service, record), record_label(entity, record), cells, state=state
    )


def number(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Decimal | float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{int(value):,}"
    if isinstance(value, datetime | date):
        return display(None, value)
    return str(value)


class RegionBuilder:
    """Builds one region's view for one caller."""

    def __init__(
        self, ui: UI, ws: Workspace, region: Region, who: Principal, request: Request
    ) -> None:
        self.ui, self.ws, self.region, self.who, self.request = ui, ws, region, who, request
        self.service = ui.rt.services.get(region.source or "")

    async def build(self) -> RegionView:
        r = self.region
        mode = shown_mode(r)
        view = RegionView(
            self.ws.name,
            r.name,
            title_case(r.name),
            mode,
            region_url(self.ws, r),
            r.empty or "Nothing here yet.",
        )
        if (r.static or self.service is None) and mode not in TILE_MODES:
            view.problem = "This region has no data source to show."
            return view
        try:
            await getattr(self, f"_{mode}", self._list)(view)
        except Unsupported as exc:
            log.warning("region_unsupported", workspace=self.ws.name, region=r.name, why=str(exc))
            view.problem = "This region's filter cannot be run."
        except DomainError as exc:
            if exc.status in (401, 403):
                view.problem = "You may not see these records."
            else:
                view.problem = exc.detail
        return view

    # -- shared -------------------------------------------------------------------------

    def where(self) -> ColumnElement[bool] | None:
        if self.region.filter is None or self.service is None:
            return None
        return aggregates.condition(self.service, self.region.filter, self.who)

    async def records(
        self,
        limit: int,
        extra: ColumnElement[bool] | None = None,
        sort: list[tuple[str, bool]] | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        assert self.service is not None
        where = self.where()
        clause = where if extra is None else (extra if where is None else where & extra)
        if sort is not None:
            order = sort
        elif self.region.sort:
            order = [(k.field, k.descending) for k in self.region.sort]
        else:  # the entity's list order (its list surface's `sort:`), newest work first
            order = self.service.default_sort
        page = await self.service.list_page(
            ListQuery(page_size=limit, sort=order), self.who, extra=clause
        )
        return page.items, page.total

    async def counts(self, group: Field) -> dict[str, int]:
        """Rows per value of ``group`` as the page writes values ("true", "" for none)."""
        assert self.service is not None
        raw = await aggregates.group_counts(self.service, group.name, self.who, self.where())
        return {_value_key(k): n for k, n in raw.items()}

    def list_link(self) -> str:
        assert self.service is not None
        return f"/app/{ui_slug(self.service.entity.name)}"

    # -- row modes ------------------------------------------------------------------------

    async def _list(
        self, view: RegionView, extra: ColumnElement[bool] | None = None
    ) -> list[dict[str, Any]]:
        assert self.service is not None
        entity = self.service.entity
        fields = row_fields(self.ui, entity)
        named_by = label_field(entity)
        view.columns = [label_of(entity, named_by, None) if named_by else entity.title]
        view.columns += [label for _, label in fields]
        records, view.total = await self.records(self.region.limit or DEFAULT_LIMIT, extra)
        view.items = [to_item(self.ui, self.region, self.service, r, fields) for r in records]
        if view.total > len(view.items):
            view.more_url = self.list_link()
        return records

    async def _grid(self, view: RegionView) -> None:
        await self._list(view)

    async def _queue(self, view: RegionView) -> None:
        records = await self._list(view)
        assert self.service is not None
        for item, record in zip(view.items, records, strict=False):
            item.moves = [m for m in moves_for(self.service, record, self.who) if m.enabled]
            item.move_url = _move_url(self.service, record)

    async def _detail(self, view: RegionView) -> None:
        assert self.service is not None
        view_surface = self.ui.spec.surface_for(self.service.entity.name, "view")
        entity = self.service.entity
        records, view.total = await self.records(1)
        for record in records:
            item = to_item(self.ui, self.region, self.service, record, [])
            for name, label in surface_fields(view_surface, entity):
                f = entity.get_field(name)
                target = self.ui.spec.entities.get(f.type.ref_entity or "") if f else None
                text = display(f, record.get(name), record, target)
                item.cells.append((label_of(entity, name, label), text))
            view.items.append(item)

    async def _timeline(self, view: RegionView) -> None:
        assert self.service is not None
        entity = self.service.entity
        when = _date_field(entity, self.region)
        sort = None if self.region.sort or when is None else [(when.name, True)]
        fields = row_fields(self.ui, entity, skip=when.name if when else None)[:2]
        records, view.total = await self.records(self.region.limit or DEFAULT_LIMIT, sort=sort)
        for record in records:
            item = to_item(self.ui, self.region, self.service, record, fields)
            value = record.get(when.name) if when else None
            item.when = display(when, value) if when else ""
            item.when_iso = value.isoformat() if isinstance(value, date) else ""
            view.items.append(item)
        if view.total > len(view.items):
            view.more_url = self.list_link()

    async def _tabbed_list(self, view: RegionView) -> None:
        assert self.service is not None
        group = _group_field(self.service.entity, self.region)
        if group is None:
            await self._list(view)
            return
        counts = await self.counts(group)
        values = _ordered_values(group, counts)
        current = self.request.query_params.get("tab") or next(
            (v for v in values if counts.get(v)), values[0] if values else ""
        )
        view.tabs = [
            (v, _value_label(group, v), counts.get(v, 0), v == current, f"{view.url}?tab={v}")
            for v in values
        ]
        col = self.service.et.table.c[group.name]
        value: Any = current == "true" if group.type.kind is FieldKind.BOOL else current
        await self._list(view, extra=col == value)

    # -- kanban -------------------------------------------------------------------------

    async def _kanban(self, view: RegionView) -> None:
        assert self.service is not None
        entity = self.service.entity
        group = _group_field(entity, self.region)
        if group is None:
            view.problem = "This board needs a `group_by` field with fixed values."
            return
        view.lane_field = group.name
        counts = await self.counts(group)
        view.total = sum(counts.values())
        fields = row_fields(self.ui, entity, skip=group.name)[:2]
        lanes = {
            v: Lane(v, _value_label(group, v), counts.get(v, 0))
            for v in _ordered_values(group, counts)
        }
        col = self.service.et.table.c[group.name]
        state_lanes = entity.state_machine and entity.state_machine.field == group.name
        for lane in lanes.values():
            if not lane.count:
                continue
            value: Any = lane.value == "true" if group.type.kind is FieldKind.BOOL else lane.value
            records, _ = await self.records(self.region.limit or LANE_LIMIT, extra=col == value)
            for record in records:
                item = to_item(self.ui, self.region, self.service, record, fields)
                item.moves = (
                    [m for m in moves_for(self.service, record, self.who) if m.enabled]
                    if state_lanes
                    else [Move(v, lanes[v].label, True) for v in lanes if v != lane.value]
                )
                item.move_url = _move_url(self.service, record)
                lane.items.append(item)
            if lane.count > len(lane.items):
                lane.more_url = f"{self.list_link()}?filter[{group.name}]={lane.value}"
        view.lanes = list(lanes.values())

    # -- numbers ------------------------------------------------------------------------

    async def _metrics(self, view: RegionView) -> None:
        r = self.region
        if not r.aggregates:
            if self.service is None:
                return
            _, total = await self.records(1)
            view.tiles.append((f"All {self.service.entity.title.lower()}", number(total)))
            group = _group_field(self.service.entity, r)
            if group is not None:
                counts = await self.counts(group)
                for v in _ordered_values(group, counts):
                    view.tiles.append((_value_label(group, v), number(counts.get(v, 0))))
            return
        for agg in r.aggregates:
            name = agg.entity.name if agg.entity else r.source
            service = self.ui.rt.services.get(name or "")
            if service is None:
                view.tiles.append((title_case(agg.name), "—"))
                continue
            parts = []
            if agg.where is not None:
                parts.append(aggregates.condition(service, agg.where, self.who))
            if service is self.service and r.filter is not None:
                parts.append(aggregates.condition(service, r.filter, self.who))
            where = None
            for p in parts:
                where = p if where is None else where & p
            fname = agg.field.name if agg.field else None
            value = await aggregates.aggregate(service, agg.func, fname, self.who, where)
            f = service.entity.get_field(fname) if fname else None
            text = (
                money(value, f.type.currency or "GBP")
                if (f is not None and f.type.kind is FieldKind.MONEY and value is not None)
                else number(value)
            )
            view.tiles.append((title_case(agg.name), text))

    async def _summary(self, view: RegionView) -> None:
        await self._metrics(view)

    async def _bar_chart(self, view: RegionView) -> None:
        assert self.service is not None
        group = _group_field(self.service.entity, self.region, any_field=True)
        if group is None:
            view.problem = "This chart needs a `group_by` field."
            return
        counts = await self.counts(group)
        values = _ordered_values(group, counts)
        labels = await self._labels(group, values)
        top = max(counts.values(), default=0) or 1
        view.bars = [
            Bar(labels.get(v, v), counts.get(v, 0), counts.get(v, 0) / top) for v in values
        ]
        view.total = sum(counts.values())

    async def _funnel_chart(self, view: RegionView) -> None:
        await self._bar_chart(view)

    async def _labels(self, group: Field, values: list[str]) -> dict[str, str]:
        """Display labels for group values: enum labels, or the referenced records' labels."""
        if not group.type.is_reference:
            return {v: _value_label(group, v) for v in values}
        target = self.ui.rt.services.get(group.type.ref_entity or "")
        if target is None:
            return {}
        out = {}
        for v in values:
            if v == "":
                out[v] = "(none)"
                continue
            try:
                out[v] = record_label(target.entity, await target.get(v, self.who, expand=False))
            except DomainError:
                out[v] = "(hidden)"
        return out


def _move_url(service: EntityService, record: dict[str, Any]) -> str:
    return f"/app/{ui_slug(service.entity.name)}/{record[service.et.pk]}/transition"


def _date_field(entity: Entity, region: Region) -> Field | None:
    names = [region.date_field.name] if region.date_field else []
    names += [k.field for k in region.sort]
    for name in names:
        f = entity.get_field(name)
        if f is not None and f.type.kind in (FieldKind.DATE, FieldKind.DATETIME):
            return f
    return next(
        (f for f in entity.fields if f.type.kind in (FieldKind.DATE, FieldKind.DATETIME)), None
    )


def _group_field(entity: Entity, region: Region, any_field: bool = False) -> Field | None:
    """``group_by``, else the state machine's field, else the first enum."""
    if region.group_by is not None:
        f = entity.get_field(region.group_by.name)
        if f is not None and (any_field or f.type.kind in (FieldKind.ENUM, FieldKind.BOOL)):
            return f
        if f is not None and not any_field:
            return None
    if entity.state_machine is not None:
        return entity.get_field(entity.state_machine.field)
    return next((f for f in entity.fields if f.type.kind is FieldKind.ENUM), None)


def _value_key(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _ordered_values(f: Field, counts: dict[str, int]) -> list[str]:
    """Enum values in declaration order; other values by count, largest first."""
    if f.type.kind is FieldKind.ENUM:
        return list(f.type.enum_values)
    if f.type.kind is FieldKind.BOOL:
        return ["true", "false"]
    return [k for k, _ in sorted(counts.items(), key=lambda kv: -kv[1])]


def _value_label(f: Field, value: str) -> str:
    if f.type.kind is FieldKind.BOOL:
        return "Yes" if value == "true" else "No"
    return enum_label(value) if value else "(none)"
