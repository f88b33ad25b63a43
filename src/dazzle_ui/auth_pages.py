"""Sign-in, sign-up (confirmed by email), invitations, password reset, sign-out and change
of password as plain HTML forms (they work without JavaScript), on the same account and
session services as the ``/auth`` API."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from dazzle_back.api.bodies import read_form
from dazzle_back.auth.accounts import Account
from dazzle_back.auth.service import Auth
from dazzle_back.errors import DomainError, NotFound, RateLimited
from dazzle_back.services.principal import Principal
from dazzle_ui.shell import LoginRequired
from dazzle_ui.ui import UI

MAIL_IN_LOG = "This server has no mail set up yet (development): the message is in its log."


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


async def _form(request: Request, ui: UI, who: Principal) -> dict[str, str]:
    form = await read_form(request)
    data = {k: v for k, v in form.items() if isinstance(v, str)}
    ui.check_form_csrf(request, who, data)  # every form, signed in or not (no login CSRF)
    return data


def _errors(exc: DomainError, renames: dict[str, str] | None = None) -> dict[str, str]:
    found = {e["field"]: e["message"] for e in exc.errors or [] if e.get("field")}
    return {(renames or {}).get(k, k): v for k, v in found.items()}


def _page(
    ui: UI, request: Request, template: str, who: Principal, status: int = 200, **context: Any
) -> Response:
    return ui.render(request, template, context, who, status=status)


def _message(
    ui: UI, request: Request, who: Principal, title: str, *lines: str, **extra: Any
) -> Response:
    status = extra.pop("status", 200)
    return _page(ui, request, "message.html", who, status, title=title, lines=list(lines), **extra)


async def _signed_in(ui: UI, request: Request, account: Account, target: str) -> Response:
    response = ui.redirect(request, target)
    await ui.caller.start_session(request, response, account)
    return response


def _with_headers(response: Response, exc: DomainError) -> Response:
    response.headers.update(exc.headers)
    return response


# -- sign in and out --------------------------------------------------------------------------


async def login_page(ui: UI, request: Request) -> Response:
    auth = _auth(ui)
    who = await ui.who(request)
    target = safe_next(request.query_params.get("next"))
    context: dict[str, Any] = {
        "title": "Sign in",
        "next": target,
        "email": "",
        "error": "",
        "allow_signup": auth.signup.open,
        "allow_reset": auth.signup.resets,
    }
    if request.method == "GET":
        if who.authenticated:
            return ui.redirect(request, target)
        return _page(ui, request, "login.html", who, **context)
    data = await _form(request, ui, who)
    target = safe_next(data.get("next"))
    email = data.get("email", "")
    try:
        account = await auth.login(
            email, data.get("password", ""), ui.caller.client_address(request),
            ui.caller.device(request),
        )  # fmt: skip
    except DomainError as exc:
        status = exc.status if isinstance(exc, RateLimited) else 401
        context.update(next=target, email=email, error=exc.detail)
        return _with_headers(_page(ui, request, "login.html", who, status, **context), exc)
    sep = "&" if "?" in target else "?"
    return await _signed_in(ui, request, account, f"{target}{sep}notice=signed-in")


async def logout(ui: UI, request: Request) -> Response:
    _auth(ui)
    await _form(request, ui, await ui.who(request))
    response = ui.redirect(request, "/app/login?notice=signed-out")
    await ui.caller.end_session(request, response)
    return response


# -- sign up ------------------------------------------------------------------------------------


async def register_page(ui: UI, request: Request) -> Response:
    auth = _auth(ui)
    if not auth.signup.open:
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
    data = await _form(request, ui, who)
    email = data.get("email", "")
    context.update(email=email, name=data.get("name", ""))
    if data.get("password", "") != data.get("password_again", ""):
        context["errors"] = {"password_again": "does not match the password"}
        return _page(ui, request, "register.html", who, 422, **context)
    try:
        await auth.signup.request(
            email, data.get("password", ""), data.get("name") or None,
            ui.caller.client_address(request), str(request.base_url),
        )  # fmt: skip
    except DomainError as exc:
        context["errors"] = _errors(exc)
        context["error"] = "" if context["errors"] else exc.detail
        page = _page(ui, request, "register.html", who, exc.status, **context)
        return _with_headers(page, exc)
    return _message(
        ui,
        request,
        who,
        "Check your inbox",
        f"We sent a link to {email.strip()}. Open it to finish creating your account.",
        "Nothing arrived? Look in the spam folder, or try again in a few minutes.",
        dev_note=MAIL_IN_LOG if auth.signup.mail_goes_to_log else "",
    )


async def confirm_signup(ui: UI, request: Request) -> Response:
    auth = _auth(ui)
    who = await ui.who(request)
    if request.method == "GET":
        token = request.query_params.get("token", "")
        link = await auth.signup.pending(token)
        return _page(ui, request, "confirm_signup.html", who, title="Finish creating your "
                     "account", email=link.email, token=token)  # fmt: skip
    data = await _form(request, ui, who)
    try:
        account = await auth.signup.confirm(data.get("token", ""))
    except NotFound as exc:
        return _message(ui, request, who, "This link no longer works", exc.detail, status=404)
    return await _signed_in(ui, request, account, "/app?notice=signed-in")


# -- invitations and resets: choose a password with a token ------------------------------------


async def invite_page(ui: UI, request: Request) -> Response:
    auth = _auth(ui)
    return await _choose_password(
        ui,
        request,
        auth,
        peek=auth.signup.invitation,
        finish=auth.signup.accept,
        title="Accept your invitation",
        intro="Choose a password for {email}.",
        submit_label="Create my account",
        action="/app/invite",
    )


async def reset_confirm_page(ui: UI, request: Request) -> Response:
    auth = _auth(ui)
    if not auth.signup.resets:
        raise NotFound("password reset by email is not set up for this app")
    return await _choose_password(
        ui,
        request,
        auth,
        peek=auth.signup.reset_link,
        finish=auth.signup.reset,
        title="Choose a new password",
        intro="A new password for {email}. You will be signed out everywhere else.",
        submit_label="Set the new password",
        action="/app/password-reset/confirm",
    )


async def _choose_password(
    ui: UI, request: Request, auth: Auth, *, peek: Any, finish: Any, **page: str
) -> Response:
    who = await ui.who(request)
    if request.method == "GET":
        token = request.query_params.get("token", "")
    else:
        data = await _form(request, ui, who)
        token = data.get("token", "")
    try:
        link = await peek(token)
    except NotFound as exc:
        return _message(ui, request, who, "This link no longer works", exc.detail, status=404)
    context: dict[str, Any] = {
        **page,
        "intro": page["intro"].format(email=link.email),
        "email": link.email,
        "token": token,
        "errors": {},
    }
    if request.method == "GET":
        return _page(ui, request, "new_password.html", who, **context)
    if data.get("password", "") != data.get("password_again", ""):
        context["errors"] = {"password_again": "does not match the password"}
        return _page(ui, request, "new_password.html", who, 422, **context)
    try:
        account = await finish(token, data.get("password", ""))
    except DomainError as exc:
        if exc.status == 404:
            return _message(ui, request, who, "This link no longer works", exc.detail, status=404)
        context["errors"] = _errors(exc) or {"password": exc.detail}
        return _page(ui, request, "new_password.html", who, exc.status, **context)
    return await _signed_in(ui, request, account, "/app?notice=signed-in")


async def reset_request_page(ui: UI, request: Request) -> Response:
    auth = _auth(ui)
    if not auth.signup.resets:
        raise NotFound("password reset by email is not set up for this app")
    who = await ui.who(request)
    context: dict[str, Any] = {"title": "Forgot your password?", "email": "", "errors": {},
                               "error": ""}  # fmt: skip
    if request.method == "GET":
        return _page(ui, request, "reset_request.html", who, **context)
    data = await _form(request, ui, who)
    email = data.get("email", "")
    context["email"] = email
    try:
        detail = await auth.signup.request_reset(
            email, ui.caller.client_address(request), str(request.base_url)
        )
    except DomainError as exc:
        context["errors"] = _errors(exc)
        context["error"] = "" if context["errors"] else exc.detail
        page = _page(ui, request, "reset_request.html", who, exc.status, **context)
        return _with_headers(page, exc)
    return _message(
        ui,
        request,
        who,
        "Check your inbox",
        detail[0].upper() + detail[1:] + ".",
        "The link works for one hour.",
        dev_note=MAIL_IN_LOG if auth.signup.mail_goes_to_log else "",
    )


# -- change password ----------------------------------------------------------------------------


async def password_page(ui: UI, request: Request) -> Response:
    auth = _auth(ui)
    who = await ui.who(request)
    if not who.authenticated:
        raise LoginRequired()
    context: dict[str, Any] = {"title": "Change password", "errors": {}}
    if request.method == "GET":
        return _page(ui, request, "password.html", who, **context)
    data = await _form(request, ui, who)
    errors: dict[str, str] = {}
    account = None
    if data.get("new_password", "") != data.get("new_password_again", ""):
        errors["new_password_again"] = "does not match the new password"
    else:
        try:
            account = await auth.change_password(
                str(who.account_id), data.get("current_password", ""),
                data.get("new_password", ""),
            )  # fmt: skip
        except DomainError as exc:
            if isinstance(exc, RateLimited):
                raise
            errors = _errors(exc, {"password": "new_password"}) or {"current_password": exc.detail}
    if errors or account is None:
        context["errors"] = errors
        return _page(ui, request, "password.html", who, 422, **context)
    return await _signed_in(ui, request, account, "/app?notice=password")
