"""Workspaces as dashboards: a card per region, each loaded by its own request so one slow
region does not hold up the others. Without JavaScript, ``?inline=1`` renders every region
in the page itself and each region has a page of its own."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response

from dazzle.ir.workspace import Workspace
from dazzle_back.errors import NotFound
from dazzle_ui.regions import RegionBuilder, RegionView, region_url, shown_mode
from dazzle_ui.shell import gate
from dazzle_ui.ui import UI, is_htmx


def find(ui: UI, name: str) -> Workspace:
    ws = ui.spec.workspaces.get(name)
    if ws is None:
        raise NotFound(f"no workspace {name!r}")
    return ws


async def workspace_view(ui: UI, request: Request, name: str) -> Response:
    who = await ui.who(request)
    ws = find(ui, name)
    gate(ws.access, who)
    inline = request.query_params.get("inline") == "1"
    views: list[RegionView | None] = [None] * len(ws.regions)
    if inline:
        builders = [RegionBuilder(ui, ws, r, who, request) for r in ws.regions]
        views = list(await asyncio.gather(*(b.build() for b in builders)))
    cards = [
        {"name": r.name, "url": region_url(ws, r), "mode": shown_mode(r), "view": v}
        for r, v in zip(ws.regions, views, strict=True)
    ]
    context = {
        "title": ws.title,
        "name": ws.name,
        "purpose": ws.purpose or ws.ux.purpose,
        "cards": cards,
        "inline": inline,
        "ws_url": f"/app/workspaces/{ws.name}",
    }
    return ui.render(request, "workspace.html", context, who)


async def region_view(ui: UI, request: Request, name: str, region_name: str) -> Response:
    """One region: the card's body for HTMX, a page of its own otherwise."""
    who = await ui.who(request)
    ws = find(ui, name)
    gate(ws.access, who)
    region = next((r for r in ws.regions if r.name == region_name), None)
    if region is None:
        raise NotFound(f"no region {region_name!r} in {ws.title}")
    view = await RegionBuilder(ui, ws, region, who, request).build()
    context = {
        "title": view.title,
        "r": view,
        "ws_url": f"/app/workspaces/{ws.name}",
        "ws_title": ws.title,
    }
    if is_htmx(request):
        return ui.render(request, "region.html", context, who, partial=True)
    return ui.render(request, "region_page.html", context, who)
