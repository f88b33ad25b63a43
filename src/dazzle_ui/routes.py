"""The UI's routes under ``/app`` and its assets under ``/static``.

Plain Starlette routes (no request-model machinery on the hot path). Every page runs inside
:func:`page`, which turns any failure into a friendly HTML page with the API contract's
status (a sign-in redirect for anonymous visitors) and a short text answer for HTMX."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Match, Route
from starlette.staticfiles import StaticFiles

from dazzle_back.api.errors import json_error
from dazzle_back.errors import NotFound, Unauthenticated
from dazzle_back.runtime.state import Runtime
from dazzle_back.services.listing import ListQuery, search_term
from dazzle_back.services.principal import Principal
from dazzle_ui import auth_pages, form_page, list_page, record_page, workspace_page
from dazzle_ui.format import record_label
from dazzle_ui.shell import EntityPages, LoginRequired, allowed, workspaces_for
from dazzle_ui.ui import UI, is_htmx

Handler = Callable[..., Awaitable[Response]]
ERROR_TITLES = {
    403: "You may not open this page",
    404: "Page not found",
    409: "That could not be done",
    412: "Someone else changed this",
    429: "Too many attempts",
    500: "Something went wrong",
    503: "Please try again shortly",
}


def mount_ui(app: FastAPI, rt: Runtime) -> UI:
    ui = UI(rt)

    def page(handler: Handler, *, entity_page: bool = False) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            params = dict(request.path_params)
            try:
                if entity_page:
                    params["ep"] = entity_pages(ui, params.pop("slug"))
                return await handler(ui, request, **params)
            except (LoginRequired, Unauthenticated):
                return ui.login_redirect(request)
            except NotFound as exc:  # strangers learn nothing about what exists: sign in first
                if ui.auth_enabled and not (await ui.who(request)).authenticated:
                    return ui.login_redirect(request)
                return await error_page(ui, request, exc)
            except Exception as exc:  # every failure is a page, never a traceback
                return await error_page(ui, request, exc)

        return endpoint

    routes = [
        Route("/app", page(home), methods=["GET"]),
        Route("/app/login", page(auth_pages.login_page), methods=["GET", "POST"]),
        Route("/app/logout", page(auth_pages.logout), methods=["POST"]),
        Route("/app/register", page(auth_pages.register_page), methods=["GET", "POST"]),
        Route("/app/register/confirm", page(auth_pages.confirm_signup), methods=["GET", "POST"]),
        Route("/app/invite", page(auth_pages.invite_page), methods=["GET", "POST"]),
        Route("/app/password-reset", page(auth_pages.reset_request_page), methods=["GET", "POST"]),
        Route(
            "/app/password-reset/confirm",
            page(auth_pages.reset_confirm_page),
            methods=["GET", "POST"],
        ),
        Route("/app/account/password", page(auth_pages.password_page), methods=["GET", "POST"]),
        Route("/app/_lookup/{entity}", page(lookup), methods=["GET"]),
        Route("/app/workspaces/{name}", page(workspace_page.workspace_view), methods=["GET"]),
        Route(
            "/app/workspaces/{name}/regions/{region_name}",
            page(workspace_page.region_view),
            methods=["GET"],
        ),
        Route("/app/{slug}", page(list_page.list_view, entity_page=True), methods=["GET"]),
        Route(
            "/app/{slug}/create",
            page(form_page.form_view, entity_page=True),
            methods=["GET", "POST"],
        ),
        Route(
            "/app/{slug}/{raw_id}", page(record_page.record_view, entity_page=True), methods=["GET"]
        ),
        Route(
            "/app/{slug}/{raw_id}/edit",
            page(form_page.form_view, entity_page=True),
            methods=["GET", "POST"],
        ),
        Route(
            "/app/{slug}/{raw_id}/delete",
            page(record_page.delete_record, entity_page=True),
            methods=["POST"],
        ),
        Route(
            "/app/{slug}/{raw_id}/transition",
            page(record_page.transition, entity_page=True),
            methods=["POST"],
        ),
    ]
    app.router.routes.extend(routes)
    app.mount("/static", StaticFiles(packages=[("dazzle_ui", "static")]), name="static")
    app.router.routes.append(Route("/", _to_app, methods=["GET"]))
    app.router.routes.append(Route("/favicon.ico", _favicon, methods=["GET"]))
    return ui


async def _to_app(request: Request) -> Response:
    return RedirectResponse("/app", status_code=302)


def mount_aliases(app: FastAPI, ui: UI) -> None:
    """Paths the DSL names outside ``/app``, served once every other route is in place
    (an alias never hides an API route): each persona's ``default_route`` leads to that
    persona's default workspace, and ``/<workspace-name>`` (the v0.38 layout) to the
    workspace. Anonymous visitors are asked to sign in first when accounts are on."""
    aliases: dict[str, str] = {}
    for persona in ui.spec.personas.values():
        route = persona.default_route or ""
        if route.startswith("/") and not route.startswith("/app"):
            ws = persona.default_workspace
            aliases.setdefault(route, f"/app/workspaces/{ws.name}" if ws else "/app")
    for name in ui.spec.workspaces:
        aliases.setdefault("/" + name.replace("_", "-"), f"/app/workspaces/{name}")

    def taken(path: str) -> bool:
        scope = {"type": "http", "path": path, "method": "GET"}
        return any(r.matches(scope)[0] is not Match.NONE for r in app.router.routes)

    for path, target in aliases.items():
        if taken(path):
            continue

        async def alias(request: Request, target: str = target) -> Response:
            try:
                if ui.auth_enabled and not (await ui.who(request)).authenticated:
                    return ui.login_redirect(request)
            except Exception as exc:  # sessions unreachable: the same page as everywhere
                return await error_page(ui, request, exc)
            return RedirectResponse(target, status_code=302)

        app.router.routes.append(Route(path, alias, methods=["GET"]))


async def _favicon(request: Request) -> Response:
    return RedirectResponse("/static/favicon.svg", status_code=301)


def entity_pages(ui: UI, slug: str) -> EntityPages:
    ep = ui.pages.get(slug)
    if ep is None:
        raise NotFound(f"no page /app/{slug}")
    return ep


async def home(ui: UI, request: Request) -> Response:
    """Where ``/app`` leads: the persona's default workspace or route, else the first
    workspace or list the caller may open."""
    who = await ui.who(request)
    if ui.auth_enabled and not who.authenticated:
        raise LoginRequired()
    query = f"?{request.url.query}" if request.url.query else ""
    target = landing(ui, who)
    if target is not None:
        return RedirectResponse(target + query, status_code=302)
    return ui.render(request, "home.html", {"title": ui.title}, who)


def landing(ui: UI, who: Principal) -> str | None:
    spec = ui.spec
    for persona in spec.personas.values():
        if persona.id not in who.roles:
            continue
        if persona.default_workspace is not None:
            ws = spec.workspaces.get(persona.default_workspace.name)
            if ws is not None and allowed(ws.access, who):
                return f"/app/workspaces/{ws.name}"
        if persona.default_route and persona.default_route.startswith("/app"):
            return persona.default_route
    workspaces = workspaces_for(spec, who)
    if workspaces:
        return f"/app/workspaces/{workspaces[0].name}"
    for ep in ui.pages.values():
        if ep.list is not None and allowed(ep.list.access, who):
            return f"/app/{ep.slug}"
    return None


async def lookup(ui: UI, request: Request, entity: str) -> Response:
    """Type-ahead for a large ref select: matching records as ``<option>`` elements."""
    who = await ui.who(request)
    service = ui.rt.services.get(entity)
    if service is None:
        raise NotFound(f"no entity {entity!r}")
    q = search_term(request.query_params.get("q"), "q")
    page = await service.list_page(ListQuery(page_size=50, search=q), who, expand=False)
    pk = service.et.pk
    options = [(str(r[pk]), record_label(service.entity, r)) for r in page.items]
    selected = request.query_params.get("selected", "")
    context = {"options": options, "selected": selected}
    return ui.render(request, "lookup.html", context, who, partial=True)


async def error_page(ui: UI, request: Request, exc: Exception) -> Response:
    """The API contract decides status and message; the page says it in words."""
    answer = await json_error(request, exc)
    status = answer.status_code
    try:
        detail = str(json.loads(bytes(answer.body)).get("detail") or "")
    except ValueError:
        detail = ""
    if status == 503:  # a dependency is down or the server is busy: it will pass
        detail = "The service is briefly unavailable. Please try again in a moment."
    elif status >= 500:
        detail = "The problem has been logged. Please try again in a moment."
    headers = {k: v for k, v in answer.headers.items() if k.lower() == "retry-after"}
    if is_htmx(request):
        return Response(
            detail or ERROR_TITLES.get(status, "Error"),
            status_code=status,
            media_type="text/plain",
            headers=headers,
        )
    who = getattr(request.state, "who", None) or Principal(auth_enabled=ui.auth_enabled)
    context = {"title": ERROR_TITLES.get(status, "That did not work"), "message": detail}
    response: Response
    try:
        response = ui.render(request, "error.html", context, who, status=status)
    except Exception:  # the shell itself failed (database down): a bare page still answers
        response = Response(
            f"<!doctype html><title>Error</title><h1>{status}</h1>",
            status_code=status,
            media_type="text/html",
        )
    response.headers.update(headers)
    return response
