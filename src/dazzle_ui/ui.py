"""The web UI's state for one worker: pages per entity, templates, and rendering with the
context every page shares (title, navigation, signed-in user, CSRF token, notices)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from dazzle_back.errors import Forbidden
from dazzle_back.runtime.state import Runtime
from dazzle_back.services.principal import Principal
from dazzle_ui.options import OptionCache
from dazzle_ui.shell import (
    EntityPages,
    LoginRequired,
    build_nav,
    build_pages,
    make_env,
)

NOTICES = {
    "created": "Saved.",
    "updated": "Changes saved.",
    "deleted": "Deleted.",
    "moved": "Status changed.",
    "signed-in": "Signed in.",
    "signed-out": "Signed out.",
    "password": "Password changed.",
}


class UI:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.spec = rt.spec
        self.pages: dict[str, EntityPages] = build_pages(rt.spec)
        self.by_entity = {ep.entity: ep for ep in self.pages.values()}
        self.env = make_env(rt.project_dir)
        self.title = rt.manifest.ui_title or rt.spec.title
        self.auth_enabled = bool(rt.auth and rt.auth.enabled)
        assert rt.caller is not None
        self.caller = rt.caller
        self.options = OptionCache(rt)

    async def who(self, request: Request) -> Principal:
        who = await self.caller.principal(request)
        request.state.who = who  # error pages render the shell for the same person
        return who

    def check_form_csrf(self, request: Request, who: Principal, form: dict[str, Any]) -> None:
        """Every page form post carries the token, in a hidden field (no-JS forms) or the
        header (HTMX), unless it comes with an API token. With accounts off too: otherwise
        any website could make a visitor's browser change an intranet or laptop app."""
        self.caller.check_csrf(request, who, form)

    def render(
        self,
        request: Request,
        template: str,
        context: dict[str, Any],
        who: Principal,
        *,
        status: int = 200,
        partial: bool = False,
    ) -> HTMLResponse:
        ctx = {
            "app_title": self.title,
            "csrf": self.caller.csrf_token(request),
            "who": who,
            "auth_enabled": self.auth_enabled,
            "request_path": request.url.path,
            **context,
        }
        if not partial:
            ctx["nav"] = build_nav(self.rt, self.pages, who, request.url.path)
            notice = request.query_params.get("notice")
            ctx.setdefault("notice", NOTICES.get(notice or ""))
        html = self.env.get_template(template).render(ctx)
        return HTMLResponse(html, status_code=status)

    def redirect(self, request: Request, url: str) -> Response:
        """HX-Redirect for HTMX requests; otherwise 303 after a POST (the browser then
        GETs the target) and 302 for a GET."""
        if request.headers.get("hx-request") == "true":
            return Response(status_code=204, headers={"HX-Redirect": url})
        return RedirectResponse(url, status_code=303 if request.method == "POST" else 302)

    def login_redirect(self, request: Request) -> Response:
        """To the sign-in page, coming back here afterwards (for a form post: to the page
        the form was on, since its URL only takes posts)."""
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        if request.method != "GET":
            referer = request.headers.get("referer", "")
            path = referer.split(request.url.netloc, 1)[-1] if request.url.netloc else ""
            target = path if path.startswith("/app") and not path.startswith("//") else "/app"
        from urllib.parse import quote

        return self.redirect(request, f"/app/login?next={quote(target)}")


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


__all__ = ["UI", "Forbidden", "LoginRequired", "is_htmx"]
