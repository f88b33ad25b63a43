"""A ``view`` surface as a page: the record's fields, records that reference it, edit and
delete when allowed, and the state machine's moves from the current state for this user
(a move the user cannot make yet says why)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from dazzle.ir.entity import Entity, Transition
from dazzle.naming import ui_slug
from dazzle_back.api.bodies import read_form
from dazzle_back.errors import DomainError, Forbidden, ValidationFailed
from dazzle_back.services.entity import EntityService
from dazzle_back.services.listing import ListQuery
from dazzle_back.services.principal import Principal
from dazzle_back.services.transitions import blocker
from dazzle_ui.format import display, enum_label, record_label
from dazzle_ui.list_page import label_of, visible_fields
from dazzle_ui.shell import EntityPages, gate, variant_for
from dazzle_ui.ui import UI

RELATED_ROWS = 10


@dataclass
class Move:
    to_state: str
    label: str
    enabled: bool
    reason: str = ""


def moves_for(service: EntityService, record: dict[str, Any], who: Principal) -> list[Move]:
    """Transitions from the record's state, each enabled or disabled with its reason."""
    sm = service.entity.state_machine
    if sm is None:
        return []
    state = record.get(sm.field)
    ctx = service.eval_context(who)
    scope = service.flatten(record)
    moves: dict[str, Move] = {}
    for t in sm.transitions:
        if not t.allows_from(state) or t.to_state == state or t.to_state in moves:
            continue
        moves[t.to_state] = _move(t, scope, who, ctx)
    return list(moves.values())


def _move(t: Transition, record: dict[str, Any], who: Principal, ctx: Any) -> Move:
    label = enum_label(t.to_state)
    problem = blocker(t, record, who, ctx)
    if problem is None:
        return Move(t.to_state, label, True)
    reason = (
        {
            "auto": f"happens automatically after {problem.subject}",
            "requires": f"needs {problem.subject.replace('_', ' ')}",
            "role": f"only for {problem.subject}",
        }.get(problem.kind)
        or problem.message
        or f"needs {problem.subject}"
    )
    return Move(t.to_state, label, False, reason)


async def related_lists(ui: UI, entity: Entity, pk: Any, who: Principal) -> list[dict[str, Any]]:
    """Records of other entities that ``ref`` this one, a few of each."""
    out = []
    for other, ep in ((ui.spec.entities[e.entity], e) for e in ui.pages.values()):
        refs = [f for f in other.fields if f.type.is_reference and f.type.ref_entity == entity.name]
        service = ui.rt.services[other.name]
        if not refs or service.access.rules.decide("list", who).never:
            continue
        for f in refs:
            q = ListQuery(page_size=RELATED_ROWS, filters=[(f.name, "eq", pk)])
            page = await service.list_page(q, who, expand=False)
            if page.total == 0:
                continue
            opk = service.et.pk
            items = [(f"/app/{ep.slug}/{r[opk]}", record_label(other, r)) for r in page.items]
            title = other.title if len(refs) == 1 else f"{other.title} ({f.name})"
            out.append(
                {
                    "title": title,
                    "items": items,
                    "total": page.total,
                    "all_url": f"/app/{ep.slug}?filter[{f.name}]={pk}",
                }
            )
    return out


async def record_view(
    ui: UI,
    request: Request,
    ep: EntityPages,
    raw_id: str,
    *,
    problem: str = "",
    status: int = 200,
) -> Response:
    """The record's page; ``problem`` says why a delete or a move just failed (shown with
    that failure's status, so nothing needs to travel in the URL)."""
    who = await ui.who(request)
    gate(ep.view.access if ep.view else None, who)
    service = ui.rt.services[ep.entity]
    entity = service.entity
    record = await service.get(raw_id, who)
    pk = record[service.et.pk]
    variant = variant_for(ep.view.ux, who, ui.spec) if ep.view else None
    fields = []
    for name, label in visible_fields(ep.view, entity, variant):
        f = entity.get_field(name)
        target = ui.spec.entities.get(f.type.ref_entity or "") if f else None
        value = record.get(name)
        link = None
        if f is not None and f.type.is_reference and isinstance(value, dict) and target:
            link = f"/app/{ui_slug(target.name)}/{value.get(target.pk.name if target.pk else 'id')}"
        fields.append(
            {
                "label": label_of(entity, name, label),
                "text": display(f, value, record, target),
                "link": link,
            }
        )
    async with service.engine.connect() as conn:
        can_edit = await service._allowed(conn, "update", pk, who)
        can_delete = await service._allowed(conn, "delete", pk, who)
    read_only = bool(variant and variant.read_only)
    context = {
        "title": record_label(entity, record) or entity.title,
        "entity_title": entity.title,
        "purpose": variant.purpose if variant and variant.purpose else None,
        "fields": fields,
        "moves": moves_for(service, record, who) if can_edit and not read_only else [],
        "state": enum_label(str(record.get(entity.state_machine.field) or ""))
        if entity.state_machine
        else None,
        "edit_url": f"/app/{ep.slug}/{pk}/edit" if can_edit and not read_only else None,
        "delete_url": f"/app/{ep.slug}/{pk}/delete" if can_delete and not read_only else None,
        "move_url": f"/app/{ep.slug}/{pk}/transition",
        "back_url": f"/app/{ep.slug}",
        "related": await related_lists(ui, entity, pk, who),
    }
    context["request_problem"] = problem
    return ui.render(request, "view.html", context, who, status=status)


def check_may_act(ui: UI, ep: EntityPages, who: Principal) -> None:
    """Deleting and moving happen from the record's page: its gate and a read-only persona
    variant apply to them as to the page."""
    gate(ep.view.access if ep.view else None, who)
    variant = variant_for(ep.view.ux, who, ui.spec) if ep.view else None
    if variant is not None and variant.read_only:
        raise Forbidden("these records are read-only for you")


def movable_fields(ui: UI, entity: Entity) -> set[str]:
    """Fields a move may set: the state machine's, and what a kanban of this entity groups
    by (a drop there sets it)."""
    fields = {entity.state_machine.field} if entity.state_machine else set()
    for ws in ui.spec.workspaces.values():
        for region in ws.regions:
            if region.source == entity.name and region.group_by is not None:
                fields.add(region.group_by.name)
    return fields


async def delete_record(ui: UI, request: Request, ep: EntityPages, raw_id: str) -> Response:
    who = await ui.who(request)
    form = dict(await read_form(request))
    ui.check_form_csrf(request, who, form)
    check_may_act(ui, ep, who)
    service = ui.rt.services[ep.entity]
    try:
        await service.delete(raw_id, who)
    except DomainError as exc:
        if exc.status in (401, 403, 404):
            raise
        return await record_view(ui, request, ep, raw_id, problem=exc.detail, status=exc.status)
    return ui.redirect(request, f"/app/{ep.slug}?notice=deleted")


async def transition(ui: UI, request: Request, ep: EntityPages, raw_id: str) -> Response:
    """Move a record to another state through the service (a kanban drop posts here too)."""
    who = await ui.who(request)
    form = dict(await read_form(request))
    ui.check_form_csrf(request, who, form)
    check_may_act(ui, ep, who)
    service = ui.rt.services[ep.entity]
    sm = service.entity.state_machine
    field = str(form.get("field") or (sm.field if sm else ""))
    if field not in movable_fields(ui, service.entity):
        raise ValidationFailed(f"{field or 'nothing'} is not something a move can change")
    to_state = str(form.get("to_state") or "")
    back = str(form.get("back") or f"/app/{ep.slug}/{raw_id}")
    if not back.startswith("/app") or back.startswith("//"):
        back = f"/app/{ep.slug}/{raw_id}"
    try:
        await service.update(raw_id, {field: to_state}, who)
    except DomainError as exc:
        if request.headers.get("hx-request") == "true":
            return Response(exc.detail, status_code=exc.status, media_type="text/plain")
        if exc.status in (401, 404):
            raise
        return await record_view(ui, request, ep, raw_id, problem=exc.detail, status=exc.status)
    if request.headers.get("hx-request") == "true":
        return Response(status_code=204, headers={"HX-Trigger": "dazzle:moved"})
    sep = "&" if "?" in back else "?"
    return ui.redirect(request, f"{back}{sep}notice=moved")
