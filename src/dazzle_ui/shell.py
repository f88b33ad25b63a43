"""What every page shares: who is looking, what they may open (navigation), gates on
surfaces and workspaces, persona variants, and the template environment."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, select_autoescape

from dazzle.ir.appspec import AppSpec
from dazzle.ir.common import AccessSpec
from dazzle.ir.surface import UX, PersonaVariant, Surface
from dazzle.ir.workspace import Workspace
from dazzle.naming import ui_slug
from dazzle_back.errors import Forbidden
from dazzle_back.runtime.state import Runtime
from dazzle_back.services.principal import Principal


class LoginRequired(Exception):
    """An anonymous visitor reached a page that needs an account: send them to sign in."""


@dataclass
class EntityPages:
    """The surfaces that make up one entity's pages (any may be missing)."""

    entity: str
    slug: str
    list: Surface | None = None
    view: Surface | None = None
    create: Surface | None = None
    edit: Surface | None = None


@dataclass
class NavLink:
    label: str
    href: str
    current: bool = False


@dataclass
class NavSection:
    label: str | None
    links: list[NavLink] = field(default_factory=list)


def build_pages(spec: AppSpec) -> dict[str, EntityPages]:
    """Slug -> pages, the first surface of each mode winning."""
    pages: dict[str, EntityPages] = {}
    by_entity: dict[str, EntityPages] = {}
    for name in spec.entities:
        ep = EntityPages(name, ui_slug(name))
        pages[ep.slug] = ep
        by_entity[name] = ep
    for s in spec.surfaces.values():
        owner = by_entity.get(s.entity_name or "")
        modes = ("list", "view", "create", "edit")
        if owner is not None and s.mode in modes and getattr(owner, s.mode) is None:
            setattr(owner, s.mode, s)
    return pages


def make_env(project_dir: Path) -> Environment:
    """Templates: the project's own ``templates/`` folder first, then ours."""
    loaders: list[Any] = []
    own = project_dir / "templates"
    if own.is_dir():
        loaders.append(FileSystemLoader(str(own)))
    loaders.append(PackageLoader("dazzle_ui", "templates"))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    return env


def allowed(access: AccessSpec | None, who: Principal, default: str = "authenticated") -> bool:
    """A surface or workspace gate: public, authenticated or persona(a, b)."""
    if not who.auth_enabled or who.superuser:
        return True
    kind = access.kind if access is not None else default
    if kind == "public":
        return True
    if not who.authenticated:
        return False
    if kind == "persona" and access is not None:
        return bool(set(access.personas) & who.roles)
    return True


def gate(access: AccessSpec | None, who: Principal) -> None:
    if allowed(access, who):
        return
    if not who.authenticated:
        raise LoginRequired()
    raise Forbidden("this page is for other roles")


def variant_for(ux: UX, who: Principal, spec: AppSpec) -> PersonaVariant | None:
    """The persona variant for the caller: their first role (in persona order) that has one."""
    if not ux.variants:
        return None
    for persona in spec.personas:
        if persona in who.roles:
            v = ux.variant_for(persona)
            if v is not None:
                return v
    for role in sorted(who.roles):
        v = ux.variant_for(role)
        if v is not None:
            return v
    return None


def workspaces_for(spec: AppSpec, who: Principal) -> list[Workspace]:
    return [w for w in spec.workspaces.values() if allowed(w.access, who)]


def build_nav(
    rt: Runtime, pages: dict[str, EntityPages], who: Principal, path: str
) -> list[NavSection]:
    """Workspaces and entity lists the caller may open; the persona's `nav` when declared."""
    spec = rt.spec
    nav_decl = None
    for role in who.roles:
        persona = spec.personas.get(role)
        if persona is not None and persona.nav is not None:
            nav_decl = spec.navs.get(persona.nav.name)
            break

    def link_for(name: str) -> NavLink | None:
        if name in spec.workspaces:
            w = spec.workspaces[name]
            if allowed(w.access, who):
                href = f"/app/workspaces/{name}"
                return NavLink(w.title, href, path == href)
            return None
        slug = ui_slug(name)
        ep = pages.get(slug)
        if ep is None and name in spec.surfaces:
            ep = pages.get(ui_slug(spec.surfaces[name].entity_name or ""))
        if ep is not None and ep.list is not None and allowed(ep.list.access, who):
            href = f"/app/{ep.slug}"
            return NavLink(ep.list.title, href, path.startswith(href))
        return None

    if nav_decl is not None:
        sections = []
        for group in nav_decl.groups:
            links = [x for x in (link_for(i.name) for i in group.items) if x is not None]
            if links:
                sections.append(NavSection(group.label, links))
        return sections
    sections = []
    ws = [
        NavLink(w.title, f"/app/workspaces/{w.name}", path == f"/app/workspaces/{w.name}")
        for w in workspaces_for(spec, who)
    ]
    if ws:
        sections.append(NavSection("Workspaces", ws))
    lists = []
    for ep in pages.values():
        if ep.list is None or not allowed(ep.list.access, who):
            continue
        service = rt.services[ep.entity]
        if service.access.rules.decide("list", who).never:
            continue
        lists.append(NavLink(ep.list.title, f"/app/{ep.slug}", path.startswith(f"/app/{ep.slug}")))
    if lists:
        sections.append(NavSection("Records", lists))
    return sections
