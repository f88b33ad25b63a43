"""``/docs``: Swagger UI served from the app itself (no CDN), initialised by a static script
so the page works under a strict Content-Security-Policy."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse

_ASSETS = {"swagger-ui-bundle.js": "application/javascript", "swagger-ui.css": "text/css"}
_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} - API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script></body></html>"""
_INIT = """window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui",
  deepLinking: true, presets: [SwaggerUIBundle.presets.apis]});"""


def _asset_dir() -> Path:
    return Path(str(files("fastapi_swagger") / "resources"))


def build_docs_router(title: str, guard: Callable[[Request], Awaitable[None]]) -> APIRouter:
    router = APIRouter()
    page = _PAGE.format(title=title.replace("<", "&lt;"))

    @router.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        await guard(request)
        return HTMLResponse(page)

    @router.get("/openapi.json", include_in_schema=False)
    async def openapi(request: Request) -> JSONResponse:
        await guard(request)
        return JSONResponse(request.app.openapi())

    @router.get("/docs/assets/init.js", include_in_schema=False)
    async def init() -> PlainTextResponse:
        return PlainTextResponse(_INIT, media_type="application/javascript")

    @router.get("/docs/assets/{name}", include_in_schema=False)
    async def asset(name: str) -> FileResponse:
        if name not in _ASSETS:
            from dazzle_back.errors import NotFound

            raise NotFound(f"no asset {name}")
        return FileResponse(
            _asset_dir() / name,
            media_type=_ASSETS[name],
            headers={"Cache-Control": "public, max-age=86400"},
        )

    return router
