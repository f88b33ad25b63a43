"""REST routes for every entity (spec/runtime.md §4): the lower-case plural of its name.

``GET/POST /tasks``, ``GET/PUT/PATCH/DELETE /tasks/{id}``. Handlers only translate HTTP to
service calls; every rule lives in the service.

Every record carries its version as an ``ETag``; ``If-Match`` on PUT, PATCH and DELETE
makes the write conditional (412 when someone else changed the record meanwhile), and
``If-None-Match`` on GET answers 304 when the client's copy is current.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from dazzle.naming import api_path
from dazzle_back.api.bodies import read_body
from dazzle_back.services.entity import EntityService
from dazzle_back.services.listing import parse_list_query
from dazzle_back.services.principal import Principal
from dazzle_back.services.records import record_json

PrincipalGetter = Callable[[Request], Awaitable[Principal]]


class JSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def entity_path(name: str) -> str:
    return api_path(name)


def if_match(request: Request) -> tuple[str, ...] | None:
    """The versions an ``If-Match`` header accepts (strong tags only, as RFC 9110 says:
    a weak tag never matches), or None without the header."""
    raw = request.headers.get("if-match")
    if raw is None:
        return None
    tags = tuple(t.strip() for t in raw.split(",") if t.strip())
    return tuple(t for t in tags if t == "*" or (t.startswith('"') and t.endswith('"')))


def _fresh(request: Request, tag: str) -> bool:
    raw = request.headers.get("if-none-match")
    if raw is None:
        return False
    tags = {t.strip().removeprefix("W/") for t in raw.split(",")}
    return "*" in tags or tag in tags


def _expand(request: Request) -> bool:
    return request.query_params.get("expand", "true").lower() not in ("false", "0", "no")


def build_entity_router(
    services: dict[str, EntityService], principal: PrincipalGetter
) -> APIRouter:
    router = APIRouter()
    for name, service in services.items():
        _mount(router, entity_path(name), service, principal)
    return router


def _mount(
    router: APIRouter, base: str, service: EntityService, principal: PrincipalGetter
) -> None:
    async def list_records(request: Request) -> Response:
        who = await principal(request)
        q = parse_list_query(request.query_params, service.et, service.default_sort)
        page = await service.list_page(q, who, expand=_expand(request))
        return JSON(
            {
                "items": [record_json(r) for r in page.items],
                "total": page.total,
                "page": page.page,
                "page_size": page.page_size,
            }
        )

    def versioned(record: dict[str, Any], status: int = 200) -> Response:
        return JSON(record_json(record), status_code=status, headers={"ETag": service.etag(record)})

    async def create_record(request: Request) -> Response:
        who = await principal(request)
        return versioned(await service.create(await read_body(request), who), 201)

    async def get_record(request: Request, id: str) -> Response:
        who = await principal(request)
        record = await service.get(id, who, expand=_expand(request))
        tag = service.etag(record)
        if _fresh(request, tag):
            return Response(status_code=304, headers={"ETag": tag})
        return JSON(record_json(record), headers={"ETag": tag})

    async def update_record(request: Request, id: str) -> Response:
        who = await principal(request)
        body = await read_body(request)
        return versioned(await service.update(id, body, who, if_match=if_match(request)))

    async def delete_record(request: Request, id: str) -> Response:
        who = await principal(request)
        await service.delete(id, who, if_match=if_match(request))
        return JSON({"deleted": True})

    tag = service.entity.name
    router.add_api_route(
        base, list_records, methods=["GET"], include_in_schema=False, name=f"{tag}.list"
    )
    router.add_api_route(
        base, create_record, methods=["POST"], include_in_schema=False, name=f"{tag}.create"
    )
    item = base + "/{id}"
    router.add_api_route(
        item, get_record, methods=["GET"], include_in_schema=False, name=f"{tag}.get"
    )
    router.add_api_route(
        item, update_record, methods=["PUT", "PATCH"], include_in_schema=False, name=f"{tag}.update"
    )
    router.add_api_route(
        item, delete_record, methods=["DELETE"], include_in_schema=False, name=f"{tag}.delete"
    )
