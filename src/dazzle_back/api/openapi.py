"""OpenAPI 3.1 for the entity routes: a record, create and update schema per entity, the
list envelope and the error shape, built from the model at boot."""

from __future__ import annotations

from typing import Any

from dazzle.ir.appspec import AppSpec
from dazzle.ir.entity import Entity, Field, FieldKind
from dazzle_back.api.entities import entity_path
from dazzle_back.db.schema import STRING_LENGTHS
from dazzle_back.services.coerce import server_owned
from dazzle_back.services.listing import FILTER_OPS, MAX_PAGE_SIZE

ERROR_SCHEMA = {
    "type": "object",
    "required": ["detail", "type"],
    "properties": {
        "detail": {"type": "string"},
        "type": {
            "type": "string",
            "enum": [
                "validation_error",
                "unique_violation",
                "invariant_violation",
                "transition_error",
                "reference_error",
                "not_found",
                "forbidden",
                "unauthenticated",
                "rate_limited",
                "payload_too_large",
                "unavailable",
            ],
        },
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}


def _nullable(schema: dict[str, Any], nullable: bool) -> dict[str, Any]:
    if not nullable:
        return schema
    t = schema.get("type")
    if isinstance(t, str):
        return {**schema, "type": [t, "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def field_schema(f: Field, *, output: bool) -> dict[str, Any]:
    k = f.type.kind
    s: dict[str, Any]
    if k in (FieldKind.STR, FieldKind.TEXT):
        s = {"type": "string"}
        if f.type.max_length:
            s["maxLength"] = f.type.max_length
    elif k is FieldKind.INT:
        s = {"type": "integer", "format": "int64"}
    elif k is FieldKind.FLOAT:
        s = {"type": "number"}
    elif k is FieldKind.DECIMAL:
        s = {
            "type": "string",
            "format": "decimal",
            "description": f"decimal({f.type.precision},{f.type.scale}) as a string",
        }
        if not output:
            s = {"oneOf": [{"type": "string", "format": "decimal"}, {"type": "number"}]}
    elif k is FieldKind.BOOL:
        s = {"type": "boolean"}
    elif k is FieldKind.DATE:
        s = {"type": "string", "format": "date"}
    elif k is FieldKind.DATETIME:
        s = {"type": "string", "format": "date-time"}
    elif k is FieldKind.UUID:
        s = {"type": "string", "format": "uuid"}
    elif k is FieldKind.EMAIL:
        s = {"type": "string", "format": "email", "maxLength": STRING_LENGTHS[k]}
    elif k is FieldKind.URL:
        s = {"type": "string", "format": "uri", "maxLength": STRING_LENGTHS[k]}
    elif k is FieldKind.JSON:
        s = {}
    elif k is FieldKind.ENUM:
        s = {"type": "string", "enum": list(f.type.enum_values)}
    elif f.type.is_reference:
        s = {"type": "string", "format": "uuid"}
        if output:
            s = {"oneOf": [s, {"$ref": f"#/components/schemas/{f.type.ref_entity}"}]}
    else:
        s = {"type": "string"}
    return _nullable(s, (output and f.nullable) or (not output and not f.required))


def entity_schemas(e: Entity) -> dict[str, dict[str, Any]]:
    record: dict[str, Any] = {}
    create: dict[str, Any] = {}
    required_out: list[str] = []
    required_in: list[str] = []
    for f in e.fields:
        if f.type.is_virtual:
            continue
        if f.type.kind is FieldKind.MONEY:
            money = {
                f"{f.name}_minor": {"type": ["integer", "null"], "description": "minor units"},
                f"{f.name}_currency": {
                    "type": "string",
                    "minLength": 3,
                    "maxLength": 3,
                    "default": f.type.currency,
                },
            }
            record.update(money)
            record[f.name] = {"type": ["string", "null"], "format": "decimal"}
            create.update(money)
            create[f.name] = {
                "oneOf": [{"type": "string"}, {"type": "number"}],
                "description": "amount in major units",
            }
            continue
        record[f.name] = field_schema(f, output=True)
        if not f.nullable:
            required_out.append(f.name)
        if not server_owned(e, f):
            create[f.name] = field_schema(f, output=False)
            if f.required and f.default is None and not f.pk:
                required_in.append(f.name)
    for c in e.computed:
        record[c.name] = {"readOnly": True, "description": "computed"}
    return {
        e.name: {
            "type": "object",
            "title": e.title,
            "properties": record,
            "required": required_out,
        },
        f"{e.name}Create": {
            "type": "object",
            "properties": create,
            "required": required_in,
            "additionalProperties": False,
        },
        f"{e.name}Update": {"type": "object", "properties": create, "additionalProperties": False},
        f"{e.name}List": {
            "type": "object",
            "required": ["items", "total", "page", "page_size"],
            "properties": {
                "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{e.name}"}},
                "total": {"type": "integer"},
                "page": {"type": "integer"},
                "page_size": {"type": "integer"},
            },
        },
    }


def _json(ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): {"description": _ERROR_TEXT[c], "content": _json("Error")} for c in codes}


_ERROR_TEXT = {
    401: "not signed in",
    403: "not permitted",
    404: "not found",
    409: "conflict (unique value taken, or still referenced)",
    412: "the record changed since the version named in If-Match",
    413: "the body is too large",
    422: "invalid input",
    503: "busy or a dependency is down",
}
_ETAG = {"ETag": {"description": "the record's version", "schema": {"type": "string"}}}


def _header(name: str, text: str) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": False, "schema": {"type": "string"},
            "description": text}  # fmt: skip


_IF_MATCH = _header("If-Match", "only change the record if it is still at this version (ETag)")
_IF_NONE_MATCH = _header("If-None-Match", "answer 304 if the record is still at this version")


def entity_paths(e: Entity) -> dict[str, Any]:
    base = entity_path(e.name)
    tag = [e.name]
    id_param = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    list_params = [
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "default": 1}},
        {
            "name": "page_size",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": 20},
        },
        {
            "name": "sort",
            "in": "query",
            "schema": {"type": "string"},
            "description": "a field; several as a,-b",
        },
        {"name": "dir", "in": "query", "schema": {"type": "string", "enum": ["asc", "desc"]}},
        {"name": "search", "in": "query", "schema": {"type": "string"}},
        {
            "name": "filter",
            "in": "query",
            "style": "deepObject",
            "explode": True,
            "schema": {"type": "object", "additionalProperties": {"type": "string"}},
            "description": "filter[field]=value or filter[field__op]=value, op in "
            + ", ".join(FILTER_OPS),
        },
        {"name": "expand", "in": "query", "schema": {"type": "boolean", "default": True}},
    ]
    body = {
        "required": True,
        "content": {
            **_json(f"{e.name}Create"),
            "application/x-www-form-urlencoded": {
                "schema": {"$ref": f"#/components/schemas/{e.name}Create"}
            },
        },
    }
    update_body = {"required": True, "content": _json(f"{e.name}Update")}
    one = {"200": {"description": e.title, "content": _json(e.name), "headers": _ETAG}}
    return {
        base: {
            "get": {
                "tags": tag,
                "summary": f"List {e.title}",
                "operationId": f"list_{e.name}",
                "parameters": list_params,
                "responses": {
                    "200": {"description": "a page", "content": _json(f"{e.name}List")},
                    **_errors(422, 503),
                },
            },
            "post": {
                "tags": tag,
                "summary": f"Create {e.title}",
                "operationId": f"create_{e.name}",
                "requestBody": body,
                "responses": {
                    "201": {"description": "created", "content": _json(e.name), "headers": _ETAG},
                    **_errors(409, 413, 422, 503),
                },
            },
        },
        base + "/{id}": {
            "parameters": [id_param],
            "get": {
                "tags": tag,
                "summary": f"Get {e.title}",
                "operationId": f"get_{e.name}",
                "parameters": [_IF_NONE_MATCH],
                "responses": {**one, "304": {"description": "not modified"}, **_errors(404, 503)},
            },
            "put": {
                "tags": tag,
                "summary": f"Update {e.title}",
                "operationId": f"put_{e.name}",
                "parameters": [_IF_MATCH],
                "requestBody": update_body,
                "responses": {**one, **_errors(404, 409, 412, 413, 422, 503)},
            },
            "patch": {
                "tags": tag,
                "summary": f"Update {e.title} (partial)",
                "operationId": f"patch_{e.name}",
                "parameters": [_IF_MATCH],
                "requestBody": update_body,
                "responses": {**one, **_errors(404, 409, 412, 413, 422, 503)},
            },
            "delete": {
                "tags": tag,
                "summary": f"Delete {e.title}",
                "operationId": f"delete_{e.name}",
                "parameters": [_IF_MATCH],
                "responses": {
                    "200": {
                        "description": "deleted",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"deleted": {"type": "boolean"}},
                                }
                            }
                        },
                    },
                    **_errors(404, 409, 412, 503),
                },
            },
        },
    }


def extend_openapi(base: dict[str, Any], spec: AppSpec) -> dict[str, Any]:
    components = base.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    paths = base.setdefault("paths", {})
    for e in spec.entities.values():
        components.update(entity_schemas(e))
        paths.update(entity_paths(e))
    return base
