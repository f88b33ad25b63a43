"""``/auth/*``: sign in and out, register, who am I, change password, API tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from dazzle_back.api.bodies import read_body
from dazzle_back.api.entities import JSON
from dazzle_back.errors import Forbidden, NotFound, Unauthenticated, ValidationFailed
from dazzle_back.services.principal import Principal

if TYPE_CHECKING:
    from dazzle_back.auth.service import Auth


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise ValidationFailed.fields([{"field": key, "message": "is required"}])
    return value


def build_auth_router(auth: Auth) -> APIRouter:
    router = APIRouter(prefix="/auth")

    async def signed_in(request: Request) -> Principal:
        who = await auth.authenticate(request)
        if not who.authenticated or who.account_id is None:
            raise Unauthenticated("sign in to continue")
        auth.check_csrf(request, who)
        return who

    @router.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        body = await read_body(request)
        account = await auth.login(str(body.get("email") or ""), str(body.get("password") or ""),
                                   _client(request))  # fmt: skip
        response = JSON({"detail": "signed in", "user": account.public(),
                         "redirect_url": auth.landing(account)})  # fmt: skip
        await auth.start_session(request, response, account)
        return response

    @router.post("/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        who = await auth.authenticate(request)
        auth.check_csrf(request, who)
        response = JSON({"detail": "signed out"})
        await auth.end_session(request, response)
        return response

    @router.post("/register", include_in_schema=False)
    async def register(request: Request) -> Response:
        if not auth.config.allow_registration:
            raise Forbidden("self sign-up is turned off for this app")
        body = await read_body(request)
        roles = [auth.config.default_role] if auth.config.default_role else []
        name = body.get("name") if isinstance(body.get("name"), str) else None
        account = await auth.accounts.create(_text(body, "email"), _text(body, "password"), roles,
                                             name=name)  # fmt: skip
        response = JSON({"detail": "account created", "user": account.public(),
                         "redirect_url": auth.landing(account)}, status_code=201)  # fmt: skip
        await auth.start_session(request, response, account)
        return response

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
        account = await auth.accounts.get(who.account_id)
        if account is None:
            raise Unauthenticated("sign in to continue")
        current = _text(body, "current_password")
        if not await auth.passwords.verify(account.password_hash, current):
            raise ValidationFailed.fields(
                [{"field": "current_password", "message": "is not your current password"}]
            )
        await auth.accounts.set_password(account.id, _text(body, "new_password"))
        await auth.revoke(str(account.id))  # every other session and token cache, everywhere
        response = JSON({"detail": "password changed; other sessions were signed out"})
        await auth.start_session(request, response, account)
        return response

    @router.post("/tokens", include_in_schema=False)
    async def create_token(request: Request) -> Response:
        who = await signed_in(request)
        body = await read_body(request)
        import uuid

        token, record = await auth.tokens.create(uuid.UUID(str(who.account_id)),
                                                 str(body.get("name") or ""))  # fmt: skip
        return JSON(
            {**record, "token": token, "detail": "store the token now: it is not shown again"},
            status_code=201,
        )

    @router.get("/tokens", include_in_schema=False)
    async def list_tokens(request: Request) -> Response:
        who = await signed_in(request)
        import uuid

        return JSON({"items": await auth.tokens.list(uuid.UUID(str(who.account_id)))})

    @router.delete("/tokens/{token_id}", include_in_schema=False)
    async def revoke_token(request: Request, token_id: str) -> Response:
        who = await signed_in(request)
        import uuid

        try:
            await auth.tokens.revoke(uuid.UUID(str(who.account_id)), token_id)
        except NotFound:
            raise
        return JSON({"deleted": True})

    return router
