"""Workspaces: dashboards made of regions (lists, kanbans, metrics, charts)."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field

from dazzle.expr.nodes import Node
from dazzle.ir.common import NO_LOC, AccessSpec, Loc, NameRef, SortKey
from dazzle.ir.surface import UX

# Display modes: the v0.38 set first, then the newer dialect's. Unknown modes render as a
# list (with a warning); these are the ones the runtime knows by name.
CORE_DISPLAY_MODES = (
    "list",
    "grid",
    "timeline",
    "detail",
    "summary",
    "metrics",
    "kanban",
    "bar_chart",
    "funnel_chart",
    "queue",
    "tabbed_list",
    "map",
)
NEWER_DISPLAY_MODES = (
    "status_list",
    "conversation",
    "heatmap",
    "tree",
    "diagram",
    "progress",
    "progress_bar",
    "activity_feed",
    "pivot_table",
    "line_chart",
    "area_chart",
    "pie_chart",
    "donut_chart",
    "sparkline",
    "histogram",
    "radar",
    "box_plot",
    "bullet",
    "bar_track",
    "action_grid",
    "profile_card",
    "pipeline_steps",
    "search_box",
    "carousel",
    "accordion",
    "table",
    "calendar",
    "gauge",
    "stat",
    "feed",
)
DISPLAY_MODES = CORE_DISPLAY_MODES + NEWER_DISPLAY_MODES
AGGREGATE_FUNCS = ("count", "sum", "avg", "min", "max")


@dataclass(frozen=True, slots=True)
class Aggregate:
    """``name: count(Task where status = done)`` / ``sum(total)`` / ``sum(Invoice.total)``.
    ``entity`` None means the region's source entity."""

    name: str
    func: str
    entity: NameRef | None = None
    field: NameRef | None = None
    where: Node | None = None
    loc: Loc = dc_field(default=NO_LOC, compare=False)


@dataclass(frozen=True, slots=True)
class Region:
    name: str
    sources: tuple[NameRef, ...] = ()
    filter: Node | None = None
    filter_map: tuple[tuple[NameRef, Node], ...] = ()
    sort: tuple[SortKey, ...] = ()
    limit: int | None = None
    display: str = "list"
    action: NameRef | None = None
    empty: str | None = None
    group_by: NameRef | None = None
    date_field: NameRef | None = None
    date_range: bool = False
    aggregates: tuple[Aggregate, ...] = ()
    static: bool = False  # newer-dialect region with inline `entries:` and no data source
    loc: Loc = dc_field(default=NO_LOC, compare=False)

    @property
    def source(self) -> str | None:
        return self.sources[0].name if self.sources else None


@dataclass(frozen=True, slots=True)
class ContextSelector:
    entity: NameRef | None = None
    display_field: NameRef | None = None
    scope_field: NameRef | None = None
    filter: Node | None = None  # newer dialect: a condition the options must meet
    loc: Loc = dc_field(default=NO_LOC, compare=False)


@dataclass(frozen=True, slots=True)
class NavItem:
    name: str
    icon: str | None = None
    loc: Loc = dc_field(default=NO_LOC, compare=False)


@dataclass(frozen=True, slots=True)
class NavGroup:
    label: str
    items: tuple[NavItem, ...] = ()
    icon: str | None = None
    collapsed: bool = False
    when: Node | None = None  # newer dialect: group "Browse" when: cond:
    loc: Loc = dc_field(default=NO_LOC, compare=False)


@dataclass(frozen=True, slots=True)
class Workspace:
    name: str
    title: str
    purpose: str | None = None
    stage: str | None = None
    access: AccessSpec | None = None
    context_selector: ContextSelector | None = None
    nav_groups: tuple[NavGroup, ...] = ()
    ux: UX = dc_field(default_factory=UX)
    regions: tuple[Region, ...] = ()
    module: str = ""
    loc: Loc = dc_field(default=NO_LOC, compare=False)


@dataclass(frozen=True, slots=True)
class Nav:
    """Newer-dialect top-level ``nav NAME:`` with ``group "Label":`` blocks."""

    name: str
    groups: tuple[NavGroup, ...] = ()
    module: str = ""
    loc: Loc = dc_field(default=NO_LOC, compare=False)
