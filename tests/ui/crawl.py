"""Visit every page the UI offers for an app: lists (sorted by each column, searched,
filtered by each ``ux: filter`` field, paged), forms (shown, posted empty), records, edit
forms, workspaces and each of their regions. Returns the problems found (a 5xx or an
unexpected status) and how many requests were made."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from fastapi.testclient import TestClient

from dazzle.ir.entity import FieldKind
from dazzle_back.services.listing import ListQuery
from dazzle_back.services.principal import Principal

OK = (200, 302, 303, 422)


def crawl(client: TestClient) -> tuple[list[str], int]:
    app: Any = client.app
    ui, rt = app.state.ui, app.state.runtime
    problems: list[str] = []
    visited = 0

    def check(method: str, url: str, **kw: Any) -> Any:
        nonlocal visited
        visited += 1
        r = client.request(method, url, follow_redirects=False, **kw)
        if r.status_code not in OK:
            problems.append(f"{method} {url} -> {r.status_code}: {r.text[:300]}")
        return r

    def ids(entity: str, n: int = 2) -> list[str]:
        service = rt.services[entity]
        page = client.portal.call(
            lambda: service.list_page(ListQuery(page_size=n), Principal(), expand=False)
        )
        return [str(r[service.et.pk]) for r in page.items]

    check("GET", "/app")
    partial = {"HX-Request": "true", "HX-Target": "records"}
    for ep in ui.pages.values():
        base = f"/app/{ep.slug}"
        entity = rt.spec.entities[ep.entity]
        if ep.list is not None:
            page = check("GET", base)
            for col in sorted(set(re.findall(r"sort=([a-z_0-9]+)&amp;dir=", page.text))):
                check("GET", f"{base}?sort={col}&dir=desc")
            check("GET", f"{base}?search=a&page=2", headers=partial)
            for ref in ep.list.ux.filter:
                f = entity.get_field(ref.name)
                if f is None:
                    continue
                value = {
                    FieldKind.ENUM: (f.type.enum_values or ("",))[0],
                    FieldKind.BOOL: "true",
                    FieldKind.DATE: date.today().isoformat(),
                }.get(f.type.kind, "")
                if f.type.is_reference:
                    value = next(iter(ids(f.type.ref_entity or "", 1)), "")
                check("GET", f"{base}?filter[{f.name}]={value}", headers=partial)
        if ep.create is not None:
            check("GET", f"{base}/create")  # sets the CSRF cookie the post echoes
            check("POST", f"{base}/create", data={"csrf_token": client.cookies["dazzle_csrf"]})
        for pk in ids(ep.entity):
            check("GET", f"{base}/{pk}")
            if ep.edit is not None:
                check("GET", f"{base}/{pk}/edit")
    for name, ws in rt.spec.workspaces.items():
        check("GET", f"/app/workspaces/{name}")
        check("GET", f"/app/workspaces/{name}?inline=1")
        for region in ws.regions:
            url = f"/app/workspaces/{name}/regions/{region.name}"
            check("GET", url, headers={"HX-Request": "true"})
    return problems, visited
