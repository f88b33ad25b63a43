"""Every real Dazzle app in ../shared/corpus loads, with warnings only for what we skip."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from dazzle.expr.nodes import BoolOp, Compare, FieldRef, Literal, walk
from dazzle.project import LoadResult, load_project
from tests.conftest import CORPUS, corpus_apps, require_corpus

APPS = corpus_apps()
SKIP_CODES = {"W001", "W002"}  # non-core constructs and unknown keys, skipped with their blocks

# Defects in a corpus app that the published runtime ignores silently; we load the app and
# say what we ignore. Each entry is (code, count) and is checked exactly.
KNOWN_DEFECTS: dict[str, Counter[str]] = {
    # personas.dsl names five default workspaces that no file declares; computed.dsl sums
    # DepartmentProject.budget on DepartmentStats, which DepartmentProject does not ref.
    # edge_cases.dsl and workspaces.dsl compare Task.priority with `urgent` and
    # Invoice.status with `pending`, values those enums do not have.
    "v0.38/pra": Counter({"W005": 5, "W006": 1, "W007": 3}),
}
_cache: dict[str, LoadResult] = {}


def load(rel: str) -> LoadResult:
    require_corpus()
    if rel not in _cache:
        _cache[rel] = load_project(CORPUS / rel, cwd=CORPUS)
    return _cache[rel]


def _rel(p: Path) -> str:
    return f"{p.parent.name}/{p.name}"


def test_corpus_is_present_or_skipped() -> None:
    require_corpus()
    assert len(APPS) >= 9


@pytest.mark.parametrize("app", APPS, ids=[_rel(p) for p in APPS])
def test_app_validates(app: Path) -> None:
    result = load(_rel(app))
    assert result.errors == [], [d.format() for d in result.errors]
    assert result.ok
    other = Counter(d.code for d in result.warnings if d.code not in SKIP_CODES)
    assert other == KNOWN_DEFECTS.get(_rel(app), Counter()), [
        d.format() for d in result.warnings if d.code not in SKIP_CODES
    ]
    for d in result.warnings:
        assert "skipped" in d.message or d.code not in SKIP_CODES


@pytest.mark.parametrize("app", APPS, ids=[_rel(p) for p in APPS])
def test_generated_designs_name_real_entities(app: Path) -> None:
    """The test designs shipped with an app only target entities the model holds."""
    designs = app / "dsl" / "tests" / "dsl_generated_tests.json"
    if not designs.is_file():
        pytest.skip("no dsl_generated_tests.json")
    spec = load(_rel(app)).spec
    assert spec is not None
    data = json.loads(designs.read_text())
    targets = {
        step["target"].split(":", 1)[1]
        for d in data["designs"]
        for step in d["steps"]
        if str(step.get("target", "")).startswith("entity:")
    }
    # newer Dazzle injects framework entities into every app; those designs belong to the
    # runtime issue, not to the language
    framework = {
        "AIJob",
        "AuditEntry",
        "DeployHistory",
        "FeedbackReport",
        "JobRun",
        "OnboardingState",
        "SystemHealth",
        "SystemMetric",
    }
    assert targets and targets - framework <= set(spec.entities)


def test_simple_task_model() -> None:
    spec = load("v0.38/simple_task").spec
    assert spec is not None
    assert list(spec.entities) == ["User", "Task", "TaskComment"]
    task = spec.entities["Task"]
    sm = task.state_machine
    assert sm is not None and sm.field == "status" and len(sm.transitions) == 6
    assert sm.targets_from("review") == ("done", "in_progress")
    assert [r.operation for r in task.permissions] == ["read", "create", "update"]
    assert task.get_computed("days_overdue") is not None
    # demo records keep fields named with DSL keywords (published parser dropped them)
    users = spec.scenarios["busy_sprint"].demo[0].records
    assert users[0].as_dict()["role"] == "admin"
    assert users[0].as_dict()["department"] == "Engineering"
    assert {w for w in spec.workspaces} == {
        "task_board",
        "admin_dashboard",
        "team_overview",
        "my_work",
    }
    kanban = spec.workspaces["task_board"].regions[0]
    assert (kanban.display, kanban.group_by.name) == ("kanban", "status")


def test_enum_words_in_invariants_are_literals() -> None:
    """fieldtest_hub writes `status != fixed`: `fixed` is an enum value, not a field."""
    spec = load("v0.38/fieldtest_hub").spec
    assert spec is not None
    inv = spec.entities["IssueReport"].invariants[0].expr
    assert isinstance(inv, BoolOp)
    assert inv.operands[0] == Compare("!=", FieldRef(("status",)), Literal("fixed"))


def test_pra_is_complete() -> None:
    spec = load("v0.38/pra").spec
    assert spec is not None
    assert len(spec.entities) == 132
    logical = spec.entities["LogicalInvariant"].invariants[0].expr
    literals = [n for n in walk(logical) if isinstance(n, Literal)]
    assert Literal("active") in literals
    audited = spec.entities["AuditedRecord"]
    assert [f.name for f in audited.fields][:3] == ["created_at", "updated_at", "is_deleted"]
    machines = {n: e.state_machine.field for n, e in spec.entities.items() if e.state_machine}
    assert machines["OrderWithPayment"] == "fulfillment_status"
    assert len(machines) >= 14


def test_newer_dialect() -> None:
    spec = load("head/simple_task").spec
    assert spec is not None
    task = spec.entities["Task"]
    assert task.display_field is not None and task.display_field.name == "title"
    member_scopes = [s for s in task.scopes if s.personas == ("member",)]
    assert {s.operation for s in member_scopes} == {"list", "read", "update"}
    assert spec.personas["admin"].nav is not None
    assert "admin_nav" in spec.navs
    busy = spec.scenarios["busy_sprint"]
    assert [e.persona.name for e in busy.persona_entries] == ["admin", "manager", "member"]
    variants = spec.surfaces["task_list"].ux.variants
    assert [v.persona.name for v in variants] == ["admin", "manager", "member"]
