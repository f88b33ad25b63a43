"""Hostile input never causes a 500, on SQLite and PostgreSQL: NUL characters and lone
surrogates wherever text enters, JSON nested to exhaust the parser, numbers and dates that
are not what they claim, and bodies too large to read. Each attack is refused with the
contract's status and type, nothing is stored, and the next ordinary request works."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from dazzle_back.runtime.body_limit import BodyLimit
from dazzle_back.runtime.live import factory_command, free_port, wait_ready
from dazzle_back.runtime.settings import check_settings, load_settings
from dazzle_back.services.json_input import MAX_DEPTH
from tests.conftest import CORPUS, EXAMPLES, require_corpus, write_project
from tests.runtime.conftest import client_for, fresh_database

APP = EXAMPLES / "team_tasks"
SIMPLE_TASK = CORPUS / "v0.38" / "simple_task"
JSON_TYPE = {"content-type": "application/json"}
MIB = 1024 * 1024

# Every kind of field a hostile value can aim at, and an entity keyed by text.
KINDS = """\
entity Code "Code":
  code: str(10) pk
  name: str(60) required

entity Reading "Reading":
  id: uuid pk
  label: str(60) required
  count: int
  ratio: float
  amount: decimal(8,2)
  price: money(GBP)
  day: date
  taken_at: datetime
  meta: json
  code: ref Code

surface reading_create "New Reading":
  uses entity Reading
  mode: create
  section main:
    field label
    field count
    field amount
    field day
    field meta
"""


def total(client: TestClient, path: str) -> int:
    r = client.get(path)
    assert r.status_code == 200, r.text
    return int(r.json()["total"])


def still_works(client: TestClient) -> None:
    """An ordinary write and read after the attack: the connection and pool are fine."""
    before = total(client, "/teams")
    r = client.post("/teams", json={"name": f"Team {before + 1}"})
    assert r.status_code == 201, r.text
    assert total(client, "/teams") == before + 1


def refused(r: httpx.Response, status: int, kind: str, field: str | None = None) -> str:
    """The contract's answer; returns the message about ``field`` (or the detail)."""
    assert r.status_code == status, f"{r.status_code}: {r.text[:300]}"
    body = r.json()
    assert body["type"] == kind, body
    if field is None:
        return str(body["detail"])
    messages = [e["message"] for e in body.get("errors", []) if e["field"] == field]
    assert messages, body
    return str(messages[0])


def csrf(client: TestClient, page: str) -> str:
    client.get(page)
    return str(client.cookies["dazzle_csrf"])


@pytest.fixture
def api(database_url: str) -> Iterator[TestClient]:
    with client_for(APP, database_url) as client:
        yield client


@pytest.fixture
def kinds(tmp_path: Path, database_url: str) -> Iterator[TestClient]:
    root = write_project(tmp_path / "kinds", KINDS)
    with client_for(root, database_url) as client:
        assert client.post("/codes", json={"code": "A1", "name": "First"}).status_code == 201
        yield client


def kinds_works(client: TestClient) -> None:
    r = client.post("/readings", json={"label": "ok", "count": 2, "day": "2024-02-29"})
    assert r.status_code == 201, r.text
    assert client.get(f"/readings/{r.json()['id']}").json()["day"] == "2024-02-29"


# -- NUL characters and lone surrogates ---------------------------------------------------

NUL_BODIES = [
    ("a NUL in a value", b'{"name": "a\\u0000b"}', "name", "NUL"),
    ("a NUL in a key", b'{"na\\u0000me": "x"}', "na\\u0000me", "NUL"),
    ("a NUL deep inside", b'{"name": "x", "extra": {"list": ["ok", "\\u0000"]}}', None, "NUL"),
    ("a lone high surrogate escape", b'{"name": "a\\ud800b"}', "", "Unicode"),
    ("a lone low surrogate escape", b'{"name": "\\udc00"}', "", "Unicode"),
    ("surrogate bytes ED A0 80", b'{"name": "a\xed\xa0\x80b"}', "", "Unicode"),
    ("bytes that are not UTF-8", b'{"name": "\xff\xfe"}', "", "Unicode"),
]


@pytest.mark.parametrize(
    ("case", "raw", "field", "word"), NUL_BODIES, ids=[c[0] for c in NUL_BODIES]
)
def test_bad_text_in_json_bodies_is_refused(
    api: TestClient, case: str, raw: bytes, field: str | None, word: str
) -> None:
    for path in ("/teams", "/auth/login"):
        r = api.post(path, content=raw, headers=JSON_TYPE)
        message = refused(r, 422, "validation_error", field)
        assert word in message, (path, message)
    assert total(api, "/teams") == 0
    still_works(api)


def test_a_valid_surrogate_pair_is_one_character(api: TestClient) -> None:
    r = api.post("/teams", content=b'{"name": "smile \\ud83d\\ude00"}', headers=JSON_TYPE)
    assert r.status_code == 201, r.text
    assert api.get(f"/teams/{r.json()['id']}").json()["name"] == "smile \U0001f600"


def test_bad_text_in_query_parameters_is_refused(api: TestClient) -> None:
    api.post("/teams", json={"name": "Core"})
    cases = {
        "/teams?search=a%00b": "search",
        "/teams?filter[name]=a%00b": "filter[name]",
        "/teams?filter[name__contains]=%00": "filter[name__contains]",
        "/teams?filter[name__in]=Core,%00": "filter[name__in]",
        "/members?filter[email]=x%00@example.com": "filter[email]",
    }
    for path, param in cases.items():
        assert "NUL" in refused(api.get(path), 422, "validation_error", param), path
    # pages and the type-ahead lookup refuse it too, as pages do
    for path in ("/app/team?search=%00", "/app/_lookup/Team?q=a%00b", "/app/task?search=x%00"):
        r = api.get(path)
        assert r.status_code == 422, (path, r.status_code)
        assert "contains a NUL character" in r.text, path
    htmx = api.get("/app/_lookup/Team?q=%00", headers={"HX-Request": "true"})
    assert htmx.status_code == 422 and htmx.text == "q: contains a NUL character"
    # bytes that are not UTF-8 arrive as U+FFFD (Starlette's decoding): valid text, no 500
    r = api.get("/teams?search=a%ED%A0%80b&filter[name]=%FF")
    assert r.status_code == 200 and r.json()["total"] == 0
    assert api.get("/teams?search=Core").json()["total"] == 1
    still_works(api)


def test_bad_text_in_ids_is_not_found(kinds: TestClient) -> None:
    assert kinds.get("/codes/A%001").status_code == 404  # a text key: never reaches SQL
    assert kinds.get("/teams/a%00b").status_code == 404
    r = kinds.post("/readings", json={"label": "x", "code": "A\u00001"})
    assert "NUL" in refused(r, 422, "validation_error", "code")
    assert total(kinds, "/readings") == 0
    kinds_works(kinds)


def test_bad_text_in_html_forms_is_refused(api: TestClient) -> None:
    token = csrf(api, "/app/member/create")
    good = {"csrf_token": token, "name": "Lee", "email": "lee@example.com", "role": "member"}
    for field in ("name", "email"):
        data = {**good, field: "a\x00b"}
        r = api.post("/app/member/create", data=data, follow_redirects=False)
        assert r.status_code == 422 and "contains a NUL character" in r.text, field
        multipart = {k: (None, v) for k, v in data.items()}
        r = api.post("/app/member/create", files=multipart, follow_redirects=False)
        assert r.status_code == 422 and "contains a NUL character" in r.text, field
    r = api.post("/app/member/create", data={**good, "na\x00me": "x"}, follow_redirects=False)
    assert r.status_code == 422
    assert total(api, "/members") == 0
    r = api.post("/app/member/create", data=good, follow_redirects=False)
    assert r.status_code == 303, r.text
    assert total(api, "/members") == 1


def test_bad_text_in_sign_in_and_sign_up(database_url: str) -> None:
    with client_for(APP, database_url, auth=True) as client:
        for path in ("/auth/register", "/auth/login"):
            body = {"email": "eve\x00@example.com", "password": "correct horse battery"}
            assert "NUL" in refused(client.post(path, json=body), 422, "validation_error", "email")
        token = csrf(client, "/app/login")
        for page in ("/app/login", "/app/register"):
            data = {
                "csrf_token": token,
                "email": "eve@exa\x00mple.com",
                "password": "correct horse battery",
                "password_again": "correct horse battery",
            }
            r = client.post(page, data=data, follow_redirects=False)
            assert r.status_code == 422 and "contains a NUL character" in r.text, page
        rt = client.app.state.runtime  # type: ignore[attr-defined]
        assert client.portal.call(rt.auth.accounts.count) == 0
        r = client.post(
            "/auth/register", json={"email": "ann@example.com", "password": "correct horse battery"}
        )
        assert r.status_code == 202, r.text  # sign-up is confirmed by email
        mail = rt.auth.options.mailer.sent[-1].body
        token = mail.split("token=", 1)[1].split()[0]
        r = client.post("/auth/register/confirm", json={"token": token})
        assert r.status_code == 201, r.text
        r = client.post(
            "/auth/login", json={"email": "ann@example.com", "password": "correct horse battery"}
        )
        assert r.status_code == 200, r.text


def test_bad_text_in_the_corpus_app(tmp_path: Path, database_url: str) -> None:
    """v0.38/simple_task as published: its User is a plain str email; its forms and API."""
    require_corpus()
    project = tmp_path / "simple_task"
    shutil.copytree(SIMPLE_TASK, project, ignore=shutil.ignore_patterns(".dazzle"))
    with client_for(project, database_url) as client:
        r = client.post("/users", json={"email": "a\x00@example.com", "name": "A"})
        assert "NUL" in refused(r, 422, "validation_error", "email")
        r = client.post("/tasks", content=b'{"title": "\\ud800"}', headers=JSON_TYPE)
        assert "Unicode" in refused(r, 422, "validation_error", "")
        token = csrf(client, "/app/task/create")
        r = client.post("/app/task/create", data={"csrf_token": token, "title": "t\x00"})
        assert r.status_code == 422 and "contains a NUL character" in r.text
        assert client.get("/tasks?search=%00").status_code == 422
        assert total(client, "/tasks") == 0 and total(client, "/users") == 0
        r = client.post("/tasks", json={"title": "Fine"})
        assert r.status_code == 201, r.text


# -- JSON that exhausts or fools the parser ----------------------------------------------


def nested(depth: int) -> bytes:
    """A body whose ``meta`` holds arrays so that the whole document is ``depth`` deep."""
    inner = depth - 1
    return b'{"label": "x", "meta": ' + b"[" * inner + b"]" * inner + b"}"


def test_deeply_nested_json_is_refused(kinds: TestClient) -> None:
    for depth in (MAX_DEPTH + 1, 1000, 1025, 100_000):
        message = refused(kinds.post("/readings", content=nested(depth), headers=JSON_TYPE),
                          422, "validation_error")  # fmt: skip
        assert f"nested more than {MAX_DEPTH} levels" in message, depth
    for body in (b"[" * 5000, b'{"a":' * 5000):  # not even closed
        assert kinds.post("/readings", content=body, headers=JSON_TYPE).status_code == 422
    r = kinds.post("/readings", content=nested(MAX_DEPTH), headers=JSON_TYPE)
    assert r.status_code == 201, r.text  # the limit itself is allowed
    token = csrf(kinds, "/app/reading/create")
    deep = {"csrf_token": token, "label": "x", "meta": "[" * 2000 + "]" * 2000}
    r = kinds.post("/app/reading/create", data=deep)
    assert r.status_code == 422 and "nested more than" in r.text
    r = kinds.post("/app/reading/create", data={**deep, "meta": '{"broken": '})
    assert r.status_code == 422 and "not valid JSON" in r.text
    assert total(kinds, "/readings") == 1
    kinds_works(kinds)


JSON_NUMBERS = [b"NaN", b"-NaN", b"Infinity", b"-Infinity", b"1e999999", b"-1e400"]


def test_json_number_literals_json_does_not_have(kinds: TestClient) -> None:
    """orjson refuses NaN and Infinity (Python's json took them) and numbers beyond a
    double, and a NUL inside a JSON field is caught at the body like anywhere else."""
    for literal in JSON_NUMBERS:
        for field in ("count", "ratio", "amount", "price", "meta"):
            body = b'{"label": "x", "' + field.encode() + b'": ' + literal + b"}"
            r = kinds.post("/readings", content=body, headers=JSON_TYPE)
            assert "not valid JSON" in refused(r, 422, "validation_error", ""), (field, literal)
    r = kinds.post("/readings", json={"label": "x", "meta": {"note": "a\x00"}})
    assert "NUL" in refused(r, 422, "validation_error", "meta.note")
    assert total(kinds, "/readings") == 0
    kinds_works(kinds)


# -- numbers and dates that are not what they claim ---------------------------------------

NOT_NUMBERS = ["NaN", "nan", "Infinity", "-Infinity", "inf", "1e999999", "-1e999999", "1_000",
               "0x10", "١٢", "12abc", "1" * 5000]  # fmt: skip


def test_numbers_that_are_not_finite_or_not_numbers(kinds: TestClient) -> None:
    for value in NOT_NUMBERS:
        for field in ("count", "ratio", "amount", "price"):
            r = kinds.post("/readings", json={"label": "x", field: value})
            refused(r, 422, "validation_error", field)
            r = kinds.get(f"/readings?filter[{field}]={value}")
            refused(r, 422, "validation_error", f"filter[{field}]")
            r = kinds.get(f"/readings?filter[{field}__gte]=1,{value}")
            assert r.status_code == 422, (field, value)
    for field, value in [("count", 1e300), ("amount", 1e308), ("price", 1e20), ("count", 2**64)]:
        refused(kinds.post("/readings", json={"label": "x", field: value}), 422,
                "validation_error", field)  # fmt: skip
    assert total(kinds, "/readings") == 0
    r = kinds.post("/readings", json={"label": "x", "count": " 12 ", "ratio": "1.5e3",
                                      "amount": "-0.5", "price": "12.50"})  # fmt: skip
    assert r.status_code == 201, r.text
    got = r.json()
    assert (got["count"], got["ratio"], got["amount"], got["price"]) == (12, 1500.0, "-0.50",
                                                                         "12.50")  # fmt: skip


def test_huge_amounts_are_refused_at_once(kinds: TestClient) -> None:
    """int(Decimal("1e999990")) alone takes half a minute: the size is read from the
    exponent before any arithmetic."""
    start = time.monotonic()
    for value in ("1e999990", "9e999998", "1e400000"):
        for field in ("price", "amount", "count", "ratio"):
            r = kinds.post("/readings", json={"label": "x", field: value})
            refused(r, 422, "validation_error", field)
        r = kinds.post("/readings", json={"label": "x", "price": {"amount": value}})
        refused(r, 422, "validation_error", "price")
    assert time.monotonic() - start < 10
    r = kinds.post("/readings", json={"label": "x", "price": {"amount": "1", "currency": "\x00"}})
    refused(r, 422, "validation_error", "price.currency")
    assert total(kinds, "/readings") == 0


NOT_DATES = ["2024-01-01Tgarbage", "2024-01-01T25:00", "2024-01-01T10:61", "2024-01-01x",
             "2024-13-01", "2024-02-30", "20240101", "2024-W01-1", "2024-001", "01/02/2024",
             "2024-01-01T", "2024-01-01garbage", "2024-01-01T10:00+25:00"]  # fmt: skip


def test_dates_must_be_real_iso_dates(api: TestClient) -> None:
    team = api.post("/teams", json={"name": "Core"}).json()["id"]
    for value in NOT_DATES:
        body = {"name": "P", "code": "P1", "team": team, "starts_on": value}
        r = api.post("/projects", json=body)
        assert "expected a date" in refused(r, 422, "validation_error", "starts_on"), value
        refused(api.get(f"/projects?filter[starts_on]={value}"), 422, "validation_error",
                "filter[starts_on]")  # fmt: skip
    r = api.post("/tasks", json={"title": "T", "project": "x", "due_date": "2024-01-01Tx"})
    refused(r, 422, "validation_error", "due_date")
    assert total(api, "/projects") == 0
    accepted = {
        "2024-02-29": "2024-02-29",
        " 2024-03-01 ": "2024-03-01",
        "2024-01-01T10:30:00Z": "2024-01-01",
        "2024-01-01 10:30": "2024-01-01",
        "2024-01-01T23:30:00-05:00": "2024-01-01",  # the date as written, not in UTC
    }
    for n, (value, stored) in enumerate(accepted.items()):
        body = {"name": f"P{n}", "code": f"P{n}", "team": team, "starts_on": value}
        r = api.post("/projects", json=body)
        assert r.status_code == 201, r.text
        assert r.json()["starts_on"] == stored, value
    still_works(api)


def test_date_times_out_of_range_are_refused(kinds: TestClient) -> None:
    for value in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2024-01-01T24:00"):
        r = kinds.post("/readings", json={"label": "x", "taken_at": value})
        refused(r, 422, "validation_error", "taken_at")
    assert total(kinds, "/readings") == 0


# -- bodies too large to read -------------------------------------------------------------


def chunks(total_bytes: int, head: bytes = b"", size: int = 64 * 1024) -> Iterator[bytes]:
    """A body without Content-Length: the client streams it chunked."""
    yield head
    sent = len(head)
    piece = b"x" * size
    while sent < total_bytes:
        yield piece
        sent += size


MULTIPART_HEAD = b'--zzz\r\nContent-Disposition: form-data; name="email"\r\n\r\n'  # a text field
MULTIPART = {"content-type": "multipart/form-data; boundary=zzz"}
FORM = {"content-type": "application/x-www-form-urlencoded"}


def test_bodies_over_the_limit_are_413(database_url: str) -> None:
    with client_for(APP, database_url, auth=True) as client:
        too_big = b"x" * (MIB + 1)
        for path, headers in [("/teams", JSON_TYPE), ("/auth/login", JSON_TYPE),
                              ("/app/login", MULTIPART), ("/app/login", FORM),
                              ("/app/register", FORM)]:  # fmt: skip
            r = client.post(path, content=too_big, headers=headers)
            assert "larger than 1 MiB" in refused(r, 413, "payload_too_large"), path
            assert r.headers["connection"] == "close"
            r = client.post(path, content=chunks(3 * MIB, MULTIPART_HEAD), headers=headers)
            refused(r, 413, "payload_too_large")
            assert r.headers["connection"] == "close"
        # a declared size is refused before routing; a stream nobody reads is never counted
        refused(client.post("/nowhere", content=too_big), 413, "payload_too_large")
        assert client.post("/nowhere", content=chunks(3 * MIB)).status_code == 404
        exactly = b'{"email": "a@example.com", "password": "wrong password"}'.ljust(MIB, b" ")
        r = client.post("/auth/login", content=exactly, headers=JSON_TYPE)
        refused(r, 401, "unauthenticated")  # the limit itself is read, parsed and answered


def test_a_file_part_on_a_form_is_refused_before_it_is_written(api: TestClient) -> None:
    token = csrf(api, "/app/member/create")
    r = api.post(
        "/app/member/create",
        data={"csrf_token": token, "name": "Lee", "email": "lee@example.com"},
        files={"attachment": ("a.bin", b"x" * 1000, "application/octet-stream")},
    )
    assert r.status_code == 400 and "Too many files" in r.text
    assert total(api, "/members") == 0


def test_the_limit_is_configurable(database_url: str) -> None:
    with client_for(APP, database_url, max_body_kb=4) as client:
        r = client.post("/teams", json={"name": "Core", "description": "d" * 3000})
        assert r.status_code == 201, r.text
        r = client.post("/teams", json={"name": "Big", "description": "d" * 5000})
        assert "larger than 4 KiB" in refused(r, 413, "payload_too_large")
    assert load_settings({"DAZZLE_MAX_BODY_KB": "2048"}).max_body_bytes == 2 * MIB
    assert load_settings({}).max_body_bytes == MIB
    bad = load_settings({"DAZZLE_MAX_BODY_KB": "lots"})
    assert any("DAZZLE_MAX_BODY_KB='lots'" in p for p in check_settings(bad, None))
    zero = load_settings({"DAZZLE_MAX_BODY_KB": "0"})
    assert any("DAZZLE_MAX_BODY_KB=0 must be at least 1" in p for p in check_settings(zero, None))


def test_a_path_may_have_its_own_limit() -> None:
    """The hook a file-upload route will use: the longest matching prefix wins."""

    async def echo(request: Request) -> JSONResponse:
        return JSONResponse({"size": len(await request.body())})

    app = Starlette(routes=[Route("/{path:path}", echo, methods=["POST"])])
    limited = BodyLimit(app, max_bytes=1000, path_limits={"/files": 10_000, "/files/x": 10})
    with TestClient(limited) as client:
        assert client.post("/files/avatar", content=b"a" * 5000).json() == {"size": 5000}
        assert client.post("/files/x/1", content=b"a" * 11).status_code == 413
        assert client.post("/notes", content=b"a" * 1001).status_code == 413
        assert client.post("/notes", content=chunks(5000, size=100)).status_code == 413
        assert client.post("/notes", content=b"a" * 1000).json() == {"size": 1000}
    for declared in (b"9" * 5000, b"1001"):  # int() alone refuses 4,300 digits
        sent = asyncio.run(call_asgi(limited, [(b"content-length", declared)]))
        assert sent[0]["status"] == 413 and b"payload_too_large" in sent[1]["body"]


async def call_asgi(app: Any, headers: list[tuple[bytes, bytes]]) -> list[dict[str, Any]]:
    """One POST straight to an ASGI app whose body never arrives; what it sent."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        raise AssertionError("the body was read")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/notes", "headers": headers,
             "query_string": b""}  # fmt: skip
    await app(scope, receive, send)
    return sent


# -- the production server under a 200 MB stream -----------------------------------------


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (uvicorn's workers), in MiB."""
    pids, total_kb = {pid}, 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                pids.add(int(entry.name))
    for p in pids:
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        total_kb += next(int(line.split()[1]) for line in status.splitlines()
                         if line.startswith("VmRSS"))  # fmt: skip
    return total_kb / 1024


def big_temp_files() -> dict[str, int]:
    found = {}
    for entry in os.scandir(tempfile.gettempdir()):
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat().st_size > 10 * MIB:
                found[entry.path] = entry.stat().st_size
        except OSError:
            continue
    return found


@pytest.fixture
def production_server(tmp_path: Path) -> Iterator[tuple[str, int]]:
    project = tmp_path / "app"
    shutil.copytree(APP, project, ignore=shutil.ignore_patterns(".dazzle"))
    toml = project / "dazzle.toml"
    toml.write_text(toml.read_text().replace("enabled = false", "enabled = true"))
    with fresh_database("postgresql", tmp_path) as url:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "DAZZLE_ENV": "test",
            "DAZZLE_PROJECT_ROOT": str(project),
            "DAZZLE_DB_POOL_MIN": "1",
        }
        port = free_port()
        proc = subprocess.Popen(factory_command(port, 1, "--log-level", "warning"), env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            wait_ready(f"http://127.0.0.1:{port}/health", proc=proc)
            yield f"http://127.0.0.1:{port}", proc.pid
        finally:
            proc.terminate()
            proc.wait(30)


def test_a_200_mb_stream_is_cut_off_by_the_real_server(
    production_server: tuple[str, int],
) -> None:
    base, pid = production_server
    temp_before = big_temp_files()
    rss_before = tree_rss_mb(pid)
    file_part = (b'--zzz\r\nContent-Disposition: form-data; name="f"; filename="a.bin"\r\n'
                 b"Content-Type: application/octet-stream\r\n\r\n")  # fmt: skip
    attacks: list[tuple[str, dict[str, str], bytes, int]] = [
        # the reported attack: a 200 MB file part, once spooled to a 380 MB temp file;
        # no form of ours takes a file, so it is refused at its headers
        ("/app/login", MULTIPART, file_part, 400),
        ("/app/login", MULTIPART, MULTIPART_HEAD, 413),  # a 200 MB text field
        ("/app/login", FORM, b"email=", 413),
        ("/teams", JSON_TYPE, b'{"name": "', 413),
    ]
    for path, headers, head, status in attacks:
        start = time.monotonic()
        r = httpx.post(base + path, content=chunks(200 * MIB, head, MIB), headers=headers,
                       timeout=60)  # fmt: skip
        elapsed = time.monotonic() - start
        assert r.status_code == status, (path, r.status_code, r.text[:200])
        assert elapsed < 10, (path, elapsed)
        if status == 413:
            assert r.json()["type"] == "payload_too_large"
        assert big_temp_files().keys() <= temp_before.keys(), path
    growth = tree_rss_mb(pid) - rss_before
    assert growth < 50, f"the server grew by {growth:.0f} MiB"
    assert big_temp_files().keys() <= temp_before.keys()
    started = time.monotonic()
    r = httpx.post(base + "/teams", content=b"x" * (200 * MIB), headers=JSON_TYPE, timeout=60)
    assert r.status_code == 413 and time.monotonic() - started < 10
    assert httpx.get(base + "/ready", timeout=10).status_code == 200


def test_nothing_above_is_a_500(api: TestClient) -> None:
    """A sweep of the odd requests left over, none of which may be a server error."""
    requests: list[tuple[str, str, dict[str, Any]]] = [
        ("post", "/teams", {"content": b"\xef\xbb\xbf{}", "headers": JSON_TYPE}),  # a BOM
        ("post", "/teams", {"content": b'{"name": "a"} trailing', "headers": JSON_TYPE}),
        ("post", "/teams", {"content": b'"just a string"', "headers": JSON_TYPE}),
        ("post", "/teams", {"content": b"\x00\x00\x00", "headers": JSON_TYPE}),
        ("post", "/teams", {"content": b"--zzz\r\nbroken", "headers": MULTIPART}),
        ("post", "/teams", {"content": b"name=%00", "headers": FORM}),
        ("get", "/teams?page=%00", {}),
        ("get", "/teams?sort=%00", {}),
        ("get", "/teams?filter[na%00me]=x", {}),
        ("get", "/app/team?sort=%00&dir=%00", {}),
    ]
    for method, path, kwargs in requests:
        r = getattr(api, method)(path, **kwargs)
        assert 400 <= r.status_code < 500, (path, kwargs, r.status_code, r.text[:200])
    assert total(api, "/teams") == 0
    still_works(api)
