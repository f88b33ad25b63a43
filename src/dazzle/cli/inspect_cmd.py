"""``dazzle inspect``: what the model holds, and the routes it will serve."""

from __future__ import annotations

from pathlib import Path

import typer

from dazzle.cli.output import paint, use_color
from dazzle.expr.nodes import to_text
from dazzle.ir.appspec import AppSpec
from dazzle.ir.entity import Entity, Field
from dazzle.ir.surface import Surface
from dazzle.ir.workspace import Region, Workspace
from dazzle.naming import api_path, ui_slug


def inspect(
    project_dir: Path = typer.Argument(Path("."), help="Project folder (holds dazzle.toml)."),
    entity: str | None = typer.Option(None, "--entity", "-e", help="Show one entity in full."),
) -> None:
    """Show entities, state machines, access rules, surfaces and routes, workspaces, personas."""
    from dazzle.project import load_project

    result = load_project(project_dir)
    if result.spec is None or result.errors:
        for d in result.errors:
            typer.echo(d.format(), err=True)
        typer.echo("the project has errors; run `dazzle validate` for details", err=True)
        raise typer.Exit(1)
    spec = result.spec
    out = _Printer(use_color())
    if entity is not None:
        e = spec.entities.get(entity)
        if e is None:
            from dazzle.diagnostics import did_you_mean

            hint = did_you_mean(entity, spec.entities) or ""
            typer.echo(f"error: no entity '{entity}'. {hint}".rstrip(), err=True)
            raise typer.Exit(1)
        out.entity_full(spec, e)
    else:
        out.project(spec)
    typer.echo("\n".join(out.lines))


def surface_route(s: Surface) -> str:
    if s.entity is None:
        return "/app/" + s.name.replace("_", "-")
    slug = "/app/" + ui_slug(s.entity.name)
    return {
        "list": slug,
        "view": slug + "/{id}",
        "create": slug + "/create",
        "edit": slug + "/{id}/edit",
        "review": slug + "/review/{id}",
    }.get(s.mode, "/app/" + s.name.replace("_", "-"))


def field_line(f: Field) -> str:
    mods = [
        m
        for m, on in (
            ("pk", f.pk),
            ("required", f.required and not f.pk),
            ("unique", f.unique and not f.unique_nullable and not f.pk),
            ("unique?", f.unique_nullable),
            ("auto_add", f.auto_add),
            ("auto_update", f.auto_update),
            ("indexed", f.indexed),
            ("sensitive", f.sensitive),
            ("searchable", f.searchable),
        )
        if on
    ]
    if f.default is not None:
        mods.append(f"= {to_text(f.default)}")
    if f.type.is_virtual:
        mods.append("(virtual)")
    return f"{f.type.describe()} {' '.join(mods)}".rstrip()


class _Printer:
    def __init__(self, color: bool) -> None:
        self.color = color
        self.lines: list[str] = []

    def say(self, text: str = "", indent: int = 0) -> None:
        self.lines.append("  " * indent + text)

    def head(self, text: str) -> None:
        self.say()
        self.say(paint(text, "bold", self.color))

    def project(self, spec: AppSpec) -> None:
        self.say(
            paint(f'{spec.name} "{spec.title}"', "bold", self.color)
            + f"  root module {spec.root_module}, {len(spec.modules)} module(s)"
        )
        self.head(f"Entities ({len(spec.entities)})")
        for e in spec.entities.values():
            self.entity_summary(e)
        self.head(f"Surfaces ({len(spec.surfaces)})")
        width = max((len(s.name) for s in spec.surfaces.values()), default=0)
        for s in spec.surfaces.values():
            access = f"  access {_access(s.access)}" if s.access else ""
            self.say(
                f"{s.name.ljust(width)}  {s.mode:<6} {s.entity_name or '-':<20} "
                f"GET {surface_route(s)}{access}",
                1,
            )
        self.head(f"Workspaces ({len(spec.workspaces)})")
        for w in spec.workspaces.values():
            self.workspace(w)
        self.head(f"Personas ({len(spec.personas)})")
        for p in spec.personas.values():
            ws = f"  default workspace {p.default_workspace.name}" if p.default_workspace else ""
            self.say(f'{p.id} "{p.label}"{ws}', 1)
        if spec.scenarios:
            self.head(f"Scenarios ({len(spec.scenarios)})")
            for sc in spec.scenarios.values():
                rows = sum(len(f.records) for f in sc.demo)
                demo = f"  demo: {rows} records" if rows else ""
                self.say(f'{sc.name} "{sc.title}"{demo}', 1)

    def entity_summary(self, e: Entity) -> None:
        stored = [f for f in e.fields if not f.type.is_virtual]
        extras = []
        if e.state_machine:
            extras.append(f"state machine on {e.state_machine.field}")
        if e.has_access_rules:
            extras.append("access rules")
        if e.invariants:
            extras.append(f"{len(e.invariants)} invariant(s)")
        if e.computed:
            extras.append(f"{len(e.computed)} computed")
        more = f"  [{', '.join(extras)}]" if extras else ""
        self.say(
            f'{e.name} "{e.title}"  {len(stored)} fields  API {api_path(e.name)}  '
            f"UI /app/{ui_slug(e.name)}{more}",
            1,
        )

    def entity_full(self, spec: AppSpec, e: Entity) -> None:
        self.say(paint(f'{e.name} "{e.title}"', "bold", self.color) + f"  module {e.module}")
        self.head("Fields")
        names = [f.name for f in e.fields] + [c.name for c in e.computed]
        width = max((len(n) for n in names), default=0)
        for f in e.fields:
            self.say(f"{f.name.ljust(width)}  {field_line(f)}", 1)
        for c in e.computed:
            self.say(f"{c.name.ljust(width)}  computed {to_text(c.expr)}", 1)
        for con in e.constraints:
            self.say(f"{con.kind} {', '.join(con.field_names)}", 1)
        if e.invariants:
            self.head("Invariants")
            for inv in e.invariants:
                extra = f'  message "{inv.message}"' if inv.message else ""
                code = f"  code {inv.code}" if inv.code else ""
                self.say(f"{to_text(inv.expr)}{extra}{code}", 1)
        sm = e.state_machine
        if sm:
            self.head(f"State machine on {sm.field} ({', '.join(sm.states)})")
            for t in sm.transitions:
                guards = [f"requires {r.name}" for r in t.requires]
                guards += [f"role({r})" for r in t.roles]
                guards += [f"guard {to_text(g.expr)}" for g in t.guards]
                if t.auto_after is not None:
                    guards.append(f"auto after {t.auto_after}" + (" or manual" if t.manual else ""))
                tail = f"  {', '.join(guards)}" if guards else ""
                self.say(f"{t.from_state} -> {t.to_state}{tail}", 1)
        if e.has_access_rules:
            self.head("Access rules")
            for r in e.permissions:
                cond = (
                    to_text(r.condition)
                    if r.condition is not None
                    else ("authenticated" if r.require_auth else "anonymous")
                )
                self.say(f"{r.effect} {r.operation}: {cond}  (from {r.origin}:)", 1)
            for v in e.visibility:
                cond = to_text(v.condition) if v.condition is not None else "all"
                self.say(f"visible when {v.context}: {cond}", 1)
            for sc in e.scopes:
                cond = to_text(sc.condition) if sc.condition is not None else "all"
                self.say(f"scope {sc.operation}: {cond}  as {', '.join(sc.personas)}", 1)
        self.head("Routes")
        base = api_path(e.name)
        self.say(f"GET {base}  POST {base}", 1)
        self.say(
            f"GET {base}/{{id}}  PUT {base}/{{id}}  PATCH {base}/{{id}}  DELETE {base}/{{id}}", 1
        )
        for s in spec.surfaces_for(e.name):
            self.say(f"GET {surface_route(s)}  ({s.mode} surface {s.name})", 1)

    def workspace(self, w: Workspace) -> None:
        access = f"  access {_access(w.access)}" if w.access else ""
        self.say(f'{w.name} "{w.title}"  GET /app/workspaces/{w.name}{access}', 1)
        for r in w.regions:
            self.say(_region_line(r), 2)


def _access(a: object) -> str:
    kind = getattr(a, "kind", "")
    personas = getattr(a, "personas", ())
    return f"persona({', '.join(personas)})" if kind == "persona" else str(kind)


def _region_line(r: Region) -> str:
    parts = [f"{r.name}: {r.display}"]
    if r.sources:
        parts.append(", ".join(s.name for s in r.sources))
    if r.filter is not None:
        parts.append(f"where {to_text(r.filter)}")
    if r.group_by is not None:
        parts.append(f"by {r.group_by.name}")
    if r.aggregates:
        parts.append(
            "; ".join(
                f"{a.name}={a.func}({a.entity.name if a.entity else ''}"
                f"{'.' if a.entity and a.field else ''}{a.field.name if a.field else ''})"
                for a in r.aggregates
            )
        )
    return "  ".join(parts)
