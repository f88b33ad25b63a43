"""The API-level test designs of every corpus app pass against the running app, on SQLite
and PostgreSQL. Where a design contradicts its app's DSL, the DSL wins: those designs are
listed below with the reason, and the test checks the app refuses them for that reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from dazzle.project import load_project
from tests.conftest import corpus_apps, require_corpus
from tests.runtime.conftest import as_superuser, client_for, fresh_database
from tests.runtime.designs import DesignRunner, is_api_design, load_designs

APPS = [a for a in corpus_apps() if load_designs(a)]

# (app, test_id) -> (error type, text the error must contain): designs the DSL overrides.
# Reasons, in the DSL's words:
# - `todo -> in_progress: requires assigned_to` (and the like): the designs move a record
#   whose required field is empty;
# - fieldtest_hub invariants such as `status != fixed or resolution != null`: the published
#   parser read `fixed` as a missing field, so the rule never ran; here it does, and the
#   designs create records that break it; `duration_minutes > 0` fails for an empty duration;
# - SM_TASK_*_CANCELLED creates a Task in the state "*" (the wildcard is not a state);
# - support_tickets: `created_by: ref User required`, and most designs leave it out;
# - head/fieldtest_hub `* -> cancelled`: the wildcard allows the move from every state, so
#   the design that expects in_progress -> cancelled to be refused sees it succeed.
_TRANSITION = "transition_error"
_INVARIANT = "invariant_violation"
_VALIDATION = "validation_error"
_ALLOWED = "allowed"  # the design expects a refusal the DSL does not make
CONTRADICTIONS: dict[tuple[str, str], tuple[str, str]] = {
    ("head/simple_task", "SM_TASK_TODO_IN_PROGRESS"): (_TRANSITION, "requires assigned_to"),
    ("v0.38/simple_task", "SM_TASK_TODO_IN_PROGRESS"): (_TRANSITION, "requires assigned_to"),
    ("head/support_tickets", "SM_TICKET_OPEN_IN_PROGRESS"): (_TRANSITION, "requires assigned_to"),
    ("head/fieldtest_hub", "CRUD_TESTSESSION_CREATE"): (_INVARIANT, "duration_minutes > 0"),
    ("head/fieldtest_hub", "CRUD_TESTSESSION_READ"): (_INVARIANT, "duration_minutes > 0"),
    ("head/fieldtest_hub", "SM_DEVICE_PROTOTYPE_ACTIVE"): (
        _TRANSITION,
        "requires firmware_version",
    ),
    ("head/fieldtest_hub", "SM_TASK_*_CANCELLED"): (_VALIDATION, "'*' is not one of"),
    ("head/fieldtest_hub", "SM_TASK_IN_PROGRESS_CANCELLED_INVALID"): (
        _ALLOWED,
        "expected a refused transition, got 200",
    ),
    ("v0.38/fieldtest_hub", "CRUD_TESTSESSION_CREATE"): (_INVARIANT, "duration_minutes > 0"),
    ("v0.38/fieldtest_hub", "CRUD_TESTSESSION_READ"): (_INVARIANT, "duration_minutes > 0"),
    ("v0.38/fieldtest_hub", "SM_DEVICE_PROTOTYPE_ACTIVE"): (
        _TRANSITION,
        "requires firmware_version",
    ),
    ("v0.38/fieldtest_hub", "SM_ISSUEREPORT_IN_PROGRESS_FIXED"): (
        _TRANSITION,
        "requires resolution",
    ),
    ("v0.38/fieldtest_hub", "SM_ISSUEREPORT_VERIFIED_CLOSED"): (_INVARIANT, "resolution"),
    ("v0.38/fieldtest_hub", "SM_FIRMWARERELEASE_DRAFT_RELEASED"): (
        _TRANSITION,
        "requires release_notes",
    ),
    ("v0.38/fieldtest_hub", "SM_TASK_OPEN_IN_PROGRESS"): (_TRANSITION, "requires assigned_to_id"),
    ("v0.38/fieldtest_hub", "SM_TASK_*_CANCELLED"): (_VALIDATION, "'*' is not one of"),
    **{
        ("v0.38/fieldtest_hub", tid): (_INVARIANT, "resolution != null")
        for tid in (
            "SM_ISSUEREPORT_FIXED_VERIFIED",
            "SM_ISSUEREPORT_FIXED_IN_PROGRESS",
            "SM_ISSUEREPORT_CLOSED_OPEN",
            "SM_ISSUEREPORT_FIXED_CLOSED_INVALID",
            "SM_ISSUEREPORT_CLOSED_IN_PROGRESS_INVALID",
        )
    },
    **{
        ("v0.38/fieldtest_hub", tid): (_INVARIANT, "release_notes != null")
        for tid in (
            "SM_FIRMWARERELEASE_RELEASED_DEPRECATED",
            "SM_FIRMWARERELEASE_RELEASED_DRAFT_INVALID",
        )
    },
    **{
        ("v0.38/fieldtest_hub", tid): (_INVARIANT, "assigned_to_id != null")
        for tid in (
            "SM_TASK_IN_PROGRESS_COMPLETED",
            "SM_TASK_IN_PROGRESS_OPEN",
            "SM_TASK_IN_PROGRESS_CANCELLED_INVALID",
        )
    },
    **{
        ("v0.38/support_tickets", tid): (_VALIDATION, "created_by: is required")
        for tid in (
            "VAL_TICKET_TICKET_NUMBER_UNIQUE",
            "CRUD_COMMENT_CREATE",
            "CRUD_COMMENT_READ",
            "SM_TICKET_OPEN_IN_PROGRESS",
            "SM_TICKET_IN_PROGRESS_RESOLVED",
            "SM_TICKET_IN_PROGRESS_OPEN",
            "SM_TICKET_RESOLVED_CLOSED",
            "SM_TICKET_RESOLVED_IN_PROGRESS",
            "SM_TICKET_CLOSED_OPEN",
            "SM_TICKET_OPEN_RESOLVED_INVALID",
            "SM_TICKET_IN_PROGRESS_CLOSED_INVALID",
            "SM_TICKET_RESOLVED_OPEN_INVALID",
            "SM_TICKET_CLOSED_RESOLVED_INVALID",
        )
    },
}


def _rel(p: Path) -> str:
    return f"{p.parent.name}/{p.name}"


def _wipe(client, spec) -> None:  # type: ignore[no-untyped-def]
    rt = client.app.state.runtime
    tables = [t for t in reversed(rt.schema.metadata.sorted_tables) if t.name in spec.entities]

    async def wipe() -> None:
        async with rt.engine.begin() as conn:
            for t in tables:
                await conn.execute(t.delete())

    client.portal.call(wipe)


@pytest.mark.parametrize("auth", ["auth-off", "superuser-token"])
@pytest.mark.parametrize("app", APPS, ids=[_rel(a) for a in APPS])
def test_designs(app: Path, dialect: str, auth: str, tmp_path: Path) -> None:
    require_corpus()
    spec = load_project(app).spec
    assert spec is not None
    designs = [d for d in load_designs(app) if is_api_design(d, spec)]
    assert designs
    failures = {}
    with (
        fresh_database(dialect, tmp_path) as url,
        client_for(app, url, auth=auth != "auth-off") as client,
    ):
        if auth != "auth-off":
            as_superuser(client)
        runner = DesignRunner(client, spec)
        for design in designs:
            _wipe(client, spec)
            outcome = runner.run(design)
            if not outcome.ok:
                failures[design["test_id"]] = outcome
    expected = {tid for (a, tid) in CONTRADICTIONS if a == _rel(app)}
    unexpected = {
        k: f"step {v.step}: {v.problem}" for k, v in failures.items() if k not in expected
    }
    assert unexpected == {}
    for tid in expected:
        assert tid in failures, f"{tid} passed although the DSL should refuse it"
        kind, words = CONTRADICTIONS[(_rel(app), tid)]
        if kind == _ALLOWED:
            assert words in failures[tid].problem, failures[tid].problem
            continue
        body = failures[tid].response
        assert body.get("type") == kind and words in body.get("detail", ""), body
