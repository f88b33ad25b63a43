"""``/auth/*``: sign in and out, sign up (confirmed by email), invitations, password reset,
who am I, change password, API tokens. Handlers translate HTTP to the auth services."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dazzle_back.api.bodies import read_body
from dazzle_back.api.caller import Caller
from dazzle_back.api.entities import JSON
from dazzle_back.auth.accounts import Account
from dazzle_back.auth.service import Auth
from dazzle_back.errors import Unauthenticated, ValidationFailed
from dazzle_back.services.principal import Principal


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise ValidationFailed.fields([{"field": key, "message": "is required"}])
    return value


def _optional(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    return value.strip()[:200] or None if isinstance(value, str) else None


def build_auth_router(auth: Auth, caller: Caller) -> APIRouter:
    router = APIRouter(prefix="/auth")
    signup = auth.signup

    async def signed_in(request: Request) -> Principal:
        who = await caller.principal(request)
        if not who.authenticated or who.account_id is None:
            raise Unauthenticated("sign in to continue")
        caller.check_api_csrf(request, who)
        return who

    async def welcome(request: Request, account: Account, detail: str, status: int) -> Response:
        response = JSON({"detail": detail, "user": account.public(),
                         "redirect_url": auth.landing(account)}, status_code=status)  # fmt: skip
        await caller.start_session(request, response, account)
        return response

    def base(request: Request) -> str:
        return str(request.base_url)

    @router.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        body = await read_body(request)
        email, password = str(body.get("email") or ""), str(body.get("password") or "")
        address = caller.client_address(request)
        account = await auth.login(email, password, address, caller.device(request))
        return await welcome(request, account, "signed in", 200)

    @router.post("/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        who = await caller.principal(request)
        caller.check_api_csrf(request, who)
        response = JSON({"detail": "signed out"})
        await caller.end_session(request, response)
        return response

    @router.post("/register", include_in_schema=False)
    async def register(request: Request) -> Response:
        body = await read_body(request)
        detail = await signup.request(_text(body, "email"), _text(body, "password"),
                                      _optional(body, "name"), caller.client_address(request),
                                      base(request))  # fmt: skip
        return JSON({"detail": detail}, status_code=202)

    @router.post("/register/confirm", include_in_schema=False)
    async def confirm(request: Request) -> Response:
        body = await read_body(request)
        account = await signup.confirm(_text(body, "token"))
        return await welcome(request, account, "account created", 201)

    @router.post("/invite/accept", include_in_schema=False)
    async def accept(request: Request) -> Response:
        body = await read_body(request)
        account = await signup.accept(_text(body, "token"), _text(body, "password"))
        return await welcome(request, account, "account created", 201)

    @router.post("/password-reset", include_in_schema=False)
    async def request_reset(request: Request) -> Response:
        body = await read_body(request)
        detail = await signup.request_reset(_text(body, "email"), caller.client_address(request),
                                            base(request))  # fmt: skip
        return JSON({"detail": detail}, status_code=202)

    @router.post("/password-reset/confirm", include_in_schema=False)
    async def reset(request: Request) -> Response:
        body = await read_body(request)
        account = await signup.reset(_text(body, "token"), _text(body, "password"))
        return await welcome(request, account, "password changed; signed out everywhere else", 200)

    @router.get("/me", include_in_schema=False)
    async def me(request: Request) -> Response:
        who = await signed_in(request)
        account = await auth.accounts.get(who.account_id)
        if account is None:
            raise Unauthenticated("sign in to continue")
        return JSON({**account.public(), "user": who.user_attrs or None})

    @router.post("/change-password", include_in_schema=False)
    async def change_password(request: Request) -> Response:
        who = await signed_in(request)
        body = await read_body(request)
        account = await auth.change_password(
            str(who.account_id), _text(body, "current_password"), _text(body, "new_password")
        )
        detail = "password changed; other sessions and all API tokens were revoked"
        if who.via != "cookie":  # an API client: no cookies for it
            return JSON({"detail": detail, "user": account.public()})
        return await welcome(request, account, detail, 200)

    @router.post("/tokens", include_in_schema=False)
    async def create_token(request: Request) -> Response:
        who = await signed_in(request)
        body = await read_body(request)
        token, record = await auth.tokens.create(uuid.UUID(str(who.account_id)),
                                                 str(body.get("name") or ""))  # fmt: skip
        return JSON(
            {**record, "token": token, "detail": "store the token now: it is not shown again"},
            status_code=201,
        )

    @router.get("/tokens", include_in_schema=False)
    async def list_tokens(request: Request) -> Response:
        who = await signed_in(request)
        return JSON({"items": await auth.tokens.list(uuid.UUID(str(who.account_id)))})

    @router.delete("/tokens/{token_id}", include_in_schema=False)
    async def revoke_token(request: Request, token_id: str) -> Response:
        who = await signed_in(request)
        await auth.tokens.revoke(uuid.UUID(str(who.account_id)), token_id)
        return JSON({"deleted": True})

    return router
