"""``create`` and ``edit`` surfaces as forms: a widget per field type, required markers,
defaults (the field's and the persona variant's) prefilled, and the service's validation
errors shown next to each field with the user's input kept (answered with 422).

Forms post as plain HTML forms so they work without JavaScript; the server is the one
place that validates (``novalidate``), so every browser shows the same messages.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from dazzle.expr.nodes import Var
from dazzle.ir.entity import Entity, Field, FieldKind
from dazzle.ir.surface import PersonaVariant, Surface
from dazzle_back.api.bodies import read_form
from dazzle_back.errors import DomainError, Forbidden, NotFound, PreconditionFailed
from dazzle_back.services.coerce import server_owned
from dazzle_back.services.entity import EntityService, default_value
from dazzle_back.services.principal import Principal
from dazzle_ui.format import enum_label, input_value, record_label
from dazzle_ui.list_page import label_of, visible_fields
from dazzle_ui.options import MAX_OPTIONS
from dazzle_ui.record_page import moves_for
from dazzle_ui.shell import EntityPages, gate, variant_for
from dazzle_ui.ui import UI

CURRENCIES = ("GBP", "USD", "EUR", "JPY", "AUD", "CAD", "CHF", "INR")


@dataclass
class Widget:
    """One form control: ``kind`` names the macro in ``form_fields.html`` that draws it."""

    name: str
    label: str
    kind: str
    value: str = ""
    required: bool = False
    error: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    lookup_url: str = ""  # type-ahead for a large ref table
    currency: str = ""


@dataclass
class FormSection:
    title: str | None
    widgets: list[Widget]


def editable(entity: Entity, f: Field | None, creating: bool) -> bool:
    if f is None or server_owned(entity, f):
        return False
    if f.pk:
        return creating and f.type.kind is not FieldKind.UUID
    return True


def widget_kind(f: Field) -> tuple[str, dict[str, Any]]:
    """The control for a field type and its HTML attributes."""
    k = f.type.kind
    attrs: dict[str, Any] = {}
    if k in (FieldKind.STR, FieldKind.SLUG, FieldKind.TIMEZONE, FieldKind.UUID):
        if f.type.max_length:
            attrs["maxlength"] = f.type.max_length
        return "text", attrs
    if k is FieldKind.EMAIL:
        return "email", {"autocomplete": "email"}
    if k is FieldKind.URL:
        return "url", {}
    if k in (FieldKind.TEXT, FieldKind.JSON):
        return "textarea", {}
    if k is FieldKind.INT:
        return "number", {"step": "1", "inputmode": "numeric"}
    if k is FieldKind.FLOAT:
        return "number", {"step": "any", "inputmode": "decimal"}
    if k is FieldKind.DECIMAL:
        step = f"{10 ** -(f.type.scale or 0):.{f.type.scale or 0}f}" if f.type.scale else "1"
        return "number", {"step": step, "inputmode": "decimal"}
    if k is FieldKind.MONEY:
        return "money", {"step": "0.01", "inputmode": "decimal"}
    if k is FieldKind.DATE:
        return "date", {}
    if k is FieldKind.DATETIME:
        return "datetime-local", {"step": "1"}
    if k is FieldKind.BOOL:
        return "checkbox", {}
    if k is FieldKind.ENUM:
        return "select", {}
    if f.type.is_reference:
        return "ref", {}
    if k is FieldKind.FILE:
        return "file", {}
    return "text", attrs


async def ref_choices(
    ui: UI, f: Field, who: Principal, current: Any
) -> tuple[list[tuple[str, str]], bool]:
    """The picker's choices (the current value always among them) and whether there are
    more than it lists, in which case the select gets a type-ahead search."""
    target = f.type.ref_entity or ""
    opts, total = await ui.options.choices(target, who)
    if current not in (None, "") and str(current) not in dict(opts):
        service = ui.rt.services[target]
        with contextlib.suppress(DomainError):
            chosen = await service.get(current, who, expand=False)
            opts = [*opts, (str(current), record_label(service.entity, chosen))]
    return opts, total > MAX_OPTIONS


def prefill(
    service: EntityService, variant: PersonaVariant | None, who: Principal, users: str | None
) -> dict[str, str]:
    """A new record's starting values: field defaults, refs to the signed-in user's row
    (``users`` is the entity accounts link to), then the persona variant's defaults."""
    ctx = service.eval_context(who)
    values: dict[str, str] = {}
    for f in service.entity.fields:
        if f.default is None or server_owned(service.entity, f):
            continue
        v = who.user_id if isinstance(f.default, Var) else default_value(f.default, {}, ctx)
        if v is not None:
            values[f.name] = input_value(f, v)
    for f in service.entity.fields:  # "created_by: ref User" and the like: the caller
        if f.type.is_reference and f.type.ref_entity == users and who.user_attrs:
            values.setdefault(f.name, str(who.user_id))
    if variant is not None:
        for ref, expr in variant.defaults:
            target = service.entity.get_field(ref.name)
            v = (
                who.user_id
                if isinstance(expr, Var) and expr.name == "current_user"
                else default_value(expr, {}, ctx)
            )
            if target is not None and v is not None:
                values[target.name] = input_value(target, v)
    return values


def form_values(
    service: EntityService,
    form: FormData,
    names: list[str],
    before: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What the browser sent for the form's fields, as the service takes it (a checkbox
    sends its hidden ``false`` then ``true`` when ticked: the last value wins). Editing,
    a field sent back as the form showed it is left out: the stored value stays exactly as
    it was (a form shows less than it stores, e.g. sub-second times)."""
    out: dict[str, Any] = {}
    for name in names:
        f = service.entity.get_field(name)
        values = form.getlist(name)
        if f is None or not values:
            continue
        sent = values[-1]
        currency = form.get(f"{name}_currency") if f.type.kind is FieldKind.MONEY else None
        if before is not None:
            shown = input_value(f, before.get(name))
            same_currency = currency is None or currency == before.get(f"{name}_currency")
            if sent == shown and same_currency:
                continue
        out[name] = sent
        if currency:
            out[f"{name}_currency"] = currency
    return out


async def build_form(
    ui: UI,
    ep: EntityPages,
    surface: Surface | None,
    who: Principal,
    *,
    values: dict[str, Any],
    errors: dict[str, str],
    record: dict[str, Any] | None,
) -> tuple[list[FormSection], list[str]]:
    service = ui.rt.services[ep.entity]
    entity = service.entity
    creating = record is None
    variant = variant_for(surface.ux, who, ui.spec) if surface else None
    shown = {n for n, _ in visible_fields(surface, entity, variant)}
    sm = entity.state_machine
    sections: list[FormSection] = []
    names: list[str] = []
    groups: list[tuple[str | None, list[tuple[str, str | None]]]] = (
        [(s.title, [(x.name, x.label) for x in s.fields]) for s in surface.sections]
        if surface and surface.sections
        else [(None, visible_fields(None, entity, None))]
    )
    if creating:  # a form the DSL left a required field off could never succeed
        listed = {n for _, pairs in groups for n, _ in pairs}
        missing: list[tuple[str, str | None]] = [
            (f.name, None)
            for f in entity.fields
            if f.required
            and f.default is None
            and f.name not in listed
            and editable(entity, f, creating)
        ]
        if missing:
            groups.append(("Also required", missing))
            shown.update(n for n, _ in missing)
    for title, pairs in groups:
        widgets = []
        for name, label in pairs:
            f = entity.get_field(name)
            if name not in shown or f is None or not editable(entity, f, creating):
                continue
            kind, attrs = widget_kind(f)
            raw = values.get(name)
            w = Widget(
                name,
                label_of(entity, name, label),
                kind,
                raw if isinstance(raw, str) else input_value(f, raw),
                f.required and f.default is None,
                errors.get(name, ""),
                attrs=attrs,
            )
            if kind == "select":
                opts = [(v, enum_label(v)) for v in f.type.enum_values]
                if sm is not None and name == sm.field and record is not None:
                    allowed = {m.to_state for m in moves_for(service, record, who) if m.enabled}
                    current = str(record.get(name) or "")
                    opts = [o for o in opts if o[0] in allowed or o[0] == current]
                w.options = opts
            elif kind == "ref":
                w.options, more = await ref_choices(ui, f, who, w.value)
                if more:
                    w.lookup_url = f"/app/_lookup/{f.type.ref_entity}"
            elif kind == "money":
                currency = (
                    values.get(f"{name}_currency")
                    or (record or {}).get(f"{name}_currency")
                    or f.type.currency
                    or "GBP"
                )
                w.currency = str(currency)
                w.options = [(c, c) for c in dict.fromkeys((w.currency, *CURRENCIES))]
            widgets.append(w)
            names.append(name)
        if widgets:
            sections.append(FormSection(title, widgets))
    return sections, names


def user_entity_name(ui: UI) -> str | None:
    users = ui.rt.auth.accounts.user_entity if ui.rt.auth is not None else None
    return users.name if users is not None else None


async def form_view(
    ui: UI, request: Request, ep: EntityPages, raw_id: str | None = None
) -> Response:
    """GET or POST a create (``raw_id`` None) or edit form."""
    who = await ui.who(request)
    surface = ep.edit if raw_id is not None else ep.create
    if surface is None:
        raise NotFound("this page does not exist")
    gate(surface.access, who)
    service = ui.rt.services[ep.entity]
    entity = service.entity
    variant = variant_for(surface.ux, who, ui.spec)
    record = await service.get(raw_id, who) if raw_id is not None else None
    if variant is not None and variant.read_only:
        raise Forbidden("this form is read-only for you")
    errors: dict[str, str] = {}
    problem = ""
    if request.method == "POST":
        form = await read_form(request)
        ui.check_form_csrf(request, who, dict(form))
        _, names = await build_form(ui, ep, surface, who, values={}, errors={}, record=record)
        payload = form_values(
            service, form, names, service.flatten(record) if record is not None else None
        )
        seen = form.get("_version")
        try:
            if record is None:
                saved = await service.create(payload, who)
                notice = "created"
            else:
                # the version the form showed: a save over someone else's is refused
                version = (seen,) if isinstance(seen, str) and seen else None
                saved = await service.update(raw_id, payload, who, if_match=version)
                notice = "updated"
        except PreconditionFailed:
            assert record is not None
            mine: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
            return await _render(
                ui, request, ep, surface, who, entity, mine, {}, "", record, variant,
                status=412, conflict=True,
            )  # fmt: skip
        except DomainError as exc:
            if exc.status in (401, 403, 404):
                raise
            for e in exc.errors or []:
                if e.get("field") in names:
                    errors.setdefault(e["field"], e["message"])
            problem = exc.detail if not errors or len(errors) < len(exc.errors or []) else ""
            values: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
            return await _render(
                ui,
                request,
                ep,
                surface,
                who,
                entity,
                values,
                errors,
                problem,
                record,
                variant,
                status=exc.status,
                version=seen if isinstance(seen, str) else None,
            )
        pk = saved[service.et.pk]
        return ui.redirect(request, f"/app/{ep.slug}/{pk}?notice={notice}")
    values = (
        service.flatten(record)
        if record is not None
        else prefill(service, variant, who, user_entity_name(ui))
    )
    return await _render(
        ui, request, ep, surface, who, entity, values, errors, problem, record, variant
    )


async def _render(
    ui: UI,
    request: Request,
    ep: EntityPages,
    surface: Surface,
    who: Principal,
    entity: Entity,
    values: dict[str, Any],
    errors: dict[str, str],
    problem: str,
    record: dict[str, Any] | None,
    variant: PersonaVariant | None,
    *,
    status: int = 200,
    conflict: bool = False,
    version: str | None = None,
) -> Response:
    """The form page. ``version``: the record version the form is based on (kept across a
    failed save, so a change made meanwhile is still noticed); after a conflict, the
    current one, so saving again replaces it deliberately."""
    sections, _ = await build_form(
        ui, ep, surface, who, values=values, errors=errors, record=record
    )
    service = ui.rt.services[ep.entity]
    pk = record[service.et.pk] if record is not None else None
    if record is not None and (version is None or conflict):
        version = service.etag(record)
    context = {
        "title": surface.title,
        "entity_title": entity.title,
        "purpose": (variant.purpose if variant and variant.purpose else None) or surface.ux.purpose,
        "sections": sections,
        "errors": errors,
        "problem": problem,
        "action": request.url.path,
        "cancel_url": f"/app/{ep.slug}/{pk}" if pk is not None else f"/app/{ep.slug}",
        "submit_label": "Save changes" if record is not None else f"Create {entity.title}",
        "back_url": f"/app/{ep.slug}",
        "version": version if record is not None else None,
        "conflict": conflict,
    }
    return ui.render(request, "form.html", context, who, status=status)
