"""Sign-in, sign-up, sign-out and change-password as plain HTML forms (they work without
JavaScript), on the same account and session services as the ``/auth`` API."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from dazzle_back.api.bodies import read_form
from dazzle_back.auth.service import Auth
from dazzle_back.errors import DomainError, NotFound, RateLimited
from dazzle_back.services.principal import Principal
from dazzle_ui.shell import LoginRequired
from dazzle_ui.ui import UI


def _auth(ui: UI) -> Auth:
    if ui.rt.auth is None or not ui.auth_enabled:
        raise NotFound("sign-in is not turned on for this app")
    return ui.rt.auth


def safe_next(value: Any) -> str:
    """Only our own pages: an open redirect would let a link send people elsewhere."""
    text = str(value or "")
    if text.startswith("/app") and not text.startswith("//") and "\\" not in text:
        return text
    return "/app"


async def _form(request: Request, ui: UI) -> dict[str, str]:
    form = await read_form(request)
    data = {k: v for k, v in form.items() if isinstance(v, str)}
    assert ui.rt.auth is not None
    # every form, signed in or not, carries the token (no login CSRF)
    ui.rt.auth.require_csrf_value(request, data.get("csrf_token"))
    return data


def _page(
    ui: UI, request: Request, template: str, who: Principal, status: int = 200, **context: Any
) -> Response:
    return ui.render(request, template, context, who, status=status)


async def login_page(ui: UI, request: Request) -> Response:
    auth = _auth(ui)
    who = await ui.who(request)
    target = safe_next(request.query_params.get("next"))
    allow_signup = auth.config.allow_registration
    if request.method == "GET":
        if who.authenticated:
            return ui.redirect(request, target)
        return _page(
            ui,
            request,
            "login.html",
            who,
            title="Sign in",
            next=target,
            email="",
            error="",
            allow_signup=allow_signup,
        )
    data = await _form(request, ui)
    target = safe_next(data.get("next"))
    address = request.client.host if request.client else "unknown"
    email = data.get("email", "")
    try:
        account = await auth.login(email, data.get("password", ""), address)
    except DomainError as exc:
        status = exc.status if isinstance(exc, RateLimited) else 401
        response = _page(
            ui,
            request,
            "login.html",
            who,
            status,
            title="Sign in",
            next=target,
            email=email,
            error=exc.detail,
            allow_signup=allow_signup,
        )
        response.headers.update(exc.headers)
        return response
    sep = "&" if "?" in target else "?"
    response = ui.redirect(request, f"{target}{sep}notice=signed-in")
    await auth.start_session(request, response, account)
    return response


async def logout(ui: UI, request: Request) -> Response:
    auth = _auth(ui)
    await _form(request, ui)
    response = ui.redirect(request, "/app/login?notice=signed-out")
    await auth.end_session(request, response)
    return response


async def register_page(ui: UI, request: Request) -> Response:
    auth = _auth(ui)
    if not auth.config.allow_registration:
        raise NotFound("sign-up is turned off for this app")
    who = await ui.who(request)
    context: dict[str, Any] = {
        "title": "Create an account",
        "email": "",
        "name": "",
        "errors": {},
        "error": "",
    }
    if request.method == "GET":
        return _page(ui, request, "register.html", who, **context)
    data = await _form(request, ui)
    context.update(email=data.get("email", ""), name=data.get("name", ""))
    if data.get("password", "") != data.get("password_again", ""):
        context["errors"] = {"password_again": "does not match the password"}
        return _page(ui, request, "register.html", who, 422, **context)
    roles = [auth.config.default_role] if auth.config.default_role else []
    try:
        account = await auth.accounts.create(
            data.get("email", ""), data.get("password", ""), roles, name=data.get("name") or None
        )
    except DomainError as exc:
        context["errors"] = {e["field"]: e["message"] for e in exc.errors or [] if "field" in e}
        context["error"] = "" if context["errors"] else exc.detail
        return _page(ui, request, "register.html", who, exc.status, **context)
    response = ui.redirect(request, "/app?notice=signed-in")
    await auth.start_session(request, response, account)
    return response


async def password_page(ui: UI, request: Request) -> Response:
    auth = _auth(ui)
    who = await ui.who(request)
    if not who.authenticated:
        raise LoginRequired()
    context: dict[str, Any] = {"title": "Change password", "errors": {}}
    if request.method == "GET":
        return _page(ui, request, "password.html", who, **context)
    data = await _form(request, ui)
    account = await auth.accounts.get(who.account_id)
    if account is None:
        raise LoginRequired()
    errors: dict[str, str] = {}
    if not await auth.passwords.verify(account.password_hash, data.get("current_password", "")):
        errors["current_password"] = "is not your current password"
    elif data.get("new_password", "") != data.get("new_password_again", ""):
        errors["new_password_again"] = "does not match the new password"
    else:
        try:
            await auth.accounts.set_password(account.id, data.get("new_password", ""))
        except DomainError as exc:
            errors = {e["field"]: e["message"] for e in exc.errors or [] if "field" in e}
            errors = {("new_password" if k == "password" else k): v for k, v in errors.items()}
    if errors:
        context["errors"] = errors
        return _page(ui, request, "password.html", who, 422, **context)
    await auth.revoke(str(account.id))
    response = ui.redirect(request, "/app?notice=password")
    await auth.start_session(request, response, account)
    return response
