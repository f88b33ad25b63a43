"""Bad input, one case per error class: the exact code, file, line and column, and the text
found at that position (so a case cannot silently point at the wrong token).

Each case is a project that is valid except for one mistake; ``marker`` is the source text
the diagnostic must point at.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from dazzle.diagnostics import CODES
from dazzle.project import load_project
from tests.conftest import DEFAULT_TOML, write_project

OK_ENTITY = """\
entity Task:
  id: uuid pk
  title: str(200) required
  status: enum[todo,doing,done]=todo
  owner: ref User
  created_at: datetime auto_add

entity User:
  id: uuid pk
  email: str(200) required
"""


@dataclass
class Case:
    id: str
    dsl: str | dict[str, str]
    code: str
    line: int
    col: int
    marker: str
    file: str = "dsl/app.dsl"
    toml: str | None = DEFAULT_TOML
    hint: str | None = None  # a substring the hint must contain


CASES = [
    # -- lexical ----------------------------------------------------------------------------
    Case(
        "unexpected-character",
        "entity Task:\n  id: uuid pk\n  title: str(10) @x\n",
        "E001",
        3,
        18,
        "@",
    ),
    Case(
        "lone-bang",
        OK_ENTITY + "\nsurface s:\n  uses entity Task\n  mode: list\n  ux:\n"
        '    attention info:\n      when: status ! done\n      message: "x"\n',
        "E001",
        17,
        20,
        "!",
        hint="!=",
    ),
    Case(
        "unterminated-string",
        'entity Task:\n  id: uuid pk\n  title: str(10)="abc\n',
        "E002",
        3,
        18,
        '"',
    ),
    Case(
        "inconsistent-indentation",
        "entity Task:\n    id: uuid pk\n  title: str(10)\n",
        "E003",
        3,
        3,
        "title",
    ),
    Case(
        "malformed-number", "entity Task:\n  id: uuid pk\n  n: int=1.2.3\n", "E004", 3, 10, "1.2.3"
    ),
    # -- syntax -----------------------------------------------------------------------------
    Case("missing-colon", "entity Task\n  id: uuid pk\n", "E010", 1, 12, ""),
    Case(
        "unknown-construct-typo",
        "entiy Task:\n  id: uuid pk\n",
        "E010",
        1,
        1,
        "entiy",
        hint="entity",
    ),
    Case(
        "surface-key-typo",
        OK_ENTITY + "\nsurface s:\n  uses entity Task\n  mod: list\n",
        "E010",
        14,
        3,
        "mod",
        hint="mode",
    ),
    Case(
        "section-non-field",
        OK_ENTITY + "\nsurface s:\n  uses entity Task\n  mode: list\n  section main:\n    title\n",
        "E010",
        16,
        5,
        "title",
    ),
    Case(
        "unknown-field-type",
        "entity Task:\n  id: uuid pk\n  title: string(200)\n",
        "E011",
        3,
        10,
        "string",
        hint="str",
    ),
    Case(
        "decimal-without-params",
        "entity Task:\n  id: uuid pk\n  price: decimal\n",
        "E012",
        3,
        10,
        "decimal",
    ),
    Case("bad-file-unit", "entity Task:\n  id: uuid pk\n  doc: file(10XB)\n", "E012", 3, 15, "XB"),
    Case("empty-default", "entity Task:\n  id: uuid pk\n  n: int=\n", "E014", 3, 10, ""),
    Case(
        "unknown-modifier",
        "entity Task:\n  id: uuid pk\n  title: str(10) requird\n",
        "E013",
        3,
        18,
        "requird",
        hint="required",
    ),
    Case(
        "bad-invariant-expression",
        "entity Task:\n  id: uuid pk\n  n: int\n  invariant: n >\n",
        "E015",
        4,
        17,
        "",
    ),
    Case(
        "bad-computed-expression",
        "entity Task:\n  id: uuid pk\n  n: int\n  m: computed (n + )\n",
        "E015",
        4,
        20,
        ")",
    ),
    Case(
        "condition-without-operator",
        OK_ENTITY.replace(
            "  created_at: datetime auto_add\n",
            "  created_at: datetime auto_add\n  access:\n    read: status done\n",
        ),
        "E016",
        8,
        18,
        "done",
    ),
    Case(
        "is-without-null",
        OK_ENTITY + "\nworkspace w:\n  r:\n    source: Task\n    filter: created_at is soon\n",
        "E016",
        15,
        27,
        "soon",
    ),
    Case(
        "unknown-surface-mode",
        OK_ENTITY + "\nsurface s:\n  uses entity Task\n  mode: lsit\n",
        "E017",
        14,
        9,
        "lsit",
        hint="list",
    ),
    Case("bad-proficiency", "persona p:\n  proficiency: guru\n", "E017", 2, 16, "guru"),
    Case(
        "bad-boolean",
        OK_ENTITY + "\nsurface s:\n  uses entity Task\n  mode: list\n"
        "  ux:\n    search_first: maybe\n",
        "E017",
        16,
        19,
        "maybe",
    ),
    Case(
        "limit-out-of-range",
        OK_ENTITY + "\nworkspace w:\n  r:\n    source: Task\n    limit: 5000\n",
        "E017",
        15,
        12,
        "5000",
    ),
    Case(
        "write-in-permit",
        OK_ENTITY.replace(
            "  created_at: datetime auto_add\n",
            "  created_at: datetime auto_add\n  permit:\n    write: role(admin)\n",
        ),
        "E017",
        8,
        5,
        "write",
        hint="create: and update:",
    ),
    Case(
        "attention-without-message",
        OK_ENTITY + "\nsurface s:\n  uses entity Task\n"
        "  mode: list\n  ux:\n    attention warning:\n      when: status = todo\n",
        "E018",
        16,
        5,
        "attention",
    ),
    Case(
        "region-without-source",
        OK_ENTITY + "\nworkspace w:\n  r:\n    limit: 5\n",
        "E018",
        13,
        3,
        "r",
    ),
    Case("list-surface-without-entity", "surface s:\n  mode: list\n", "E018", 1, 1, "surface"),
    Case("unexpected-indent", "entity Task:\n  id: uuid pk\n\n   stray\n", "E019", 4, 4, "stray"),
    Case(
        "bad-aggregate-function",
        OK_ENTITY + "\nworkspace w:\n  r:\n    source: Task\n"
        "    aggregate:\n      n: total(Task)\n",
        "E020",
        16,
        10,
        "total",
    ),
    Case(
        "transition-without-arrow",
        OK_ENTITY.replace(
            "  created_at: datetime auto_add\n",
            "  created_at: datetime auto_add\n  transitions:\n    todo => done\n",
        ),
        "E021",
        8,
        10,
        "=",
    ),
    Case(
        "unknown-transition-guard",
        OK_ENTITY.replace(
            "  created_at: datetime auto_add\n",
            "  created_at: datetime auto_add\n  transitions:\n    todo -> done: when ready\n",
        ),
        "E021",
        8,
        19,
        "when",
    ),
    Case(
        "expression-too-deep",
        "entity Task:\n  id: uuid pk\n  x: int\n  y: computed " + "(" * 80 + "x" + ")" * 80 + "\n",
        "E015",
        4,
        79,
        "(",
    ),
    # -- linking and semantics --------------------------------------------------------------
    Case(
        "ref-unknown-entity",
        OK_ENTITY.replace("ref User", "ref Usr"),
        "E100",
        5,
        3,
        "owner",
        hint="User",
    ),
    Case(
        "surface-unknown-entity",
        OK_ENTITY + "\nsurface s:\n  uses entity Tsk\n  mode: list\n",
        "E100",
        13,
        15,
        "Tsk",
        hint="Task",
    ),
    Case(
        "region-unknown-source",
        OK_ENTITY + "\nworkspace w:\n  r:\n    source: Tasks\n",
        "E100",
        14,
        13,
        "Tasks",
    ),
    Case(
        "demo-unknown-entity",
        OK_ENTITY + '\nscenario s:\n  demo:\n    Taks:\n      - title: "x"\n',
        "E100",
        14,
        5,
        "Taks",
    ),
    Case(
        "section-unknown-field",
        OK_ENTITY + "\nsurface s:\n  uses entity Task\n  mode: list\n"
        "  section main:\n    field titel\n",
        "E101",
        16,
        11,
        "titel",
        hint="title",
    ),
    Case(
        "sort-unknown-field",
        OK_ENTITY + "\nsurface s:\n  uses entity Task\n  mode: list\n"
        "  ux:\n    sort: create_at desc\n",
        "E101",
        16,
        11,
        "create_at",
        hint="created_at",
    ),
    Case(
        "access-unknown-field",
        OK_ENTITY.replace(
            "  created_at: datetime auto_add\n",
            "  created_at: datetime auto_add\n  access:\n    read: ownr = current_user\n",
        ),
        "E101",
        8,
        11,
        "ownr",
        hint="owner",
    ),
    Case(
        "access-unknown-field-through-ref",
        OK_ENTITY.replace(
            "  created_at: datetime auto_add\n",
            "  created_at: datetime auto_add\n  access:\n    read: owner.name = current_user\n",
        ),
        "E101",
        8,
        11,
        "owner.name",
    ),
    Case(
        "invariant-unknown-field",
        OK_ENTITY.replace(
            "  created_at: datetime auto_add\n",
            "  created_at: datetime auto_add\n  invariant: titel != null\n",
        ),
        "E101",
        7,
        14,
        "titel",
    ),
    Case(
        "constraint-unknown-field",
        OK_ENTITY.replace(
            "  created_at: datetime auto_add\n", "  created_at: datetime auto_add\n  index titel\n"
        ),
        "E101",
        7,
        9,
        "titel",
    ),
    Case(
        "display-field-unknown",
        OK_ENTITY.replace("entity User:\n", "entity User:\n  display_field: name\n"),
        "E101",
        9,
        18,
        "name",
    ),
    Case(
        "requires-unknown-field",
        OK_ENTITY.replace(
            "  created_at: datetime auto_add\n",
            "  created_at: datetime auto_add\n  transitions:\n    todo -> done: requires ownr\n",
        ),
        "E101",
        8,
        28,
        "ownr",
    ),
    Case(
        "region-filter-unknown-field",
        OK_ENTITY + "\nworkspace w:\n  r:\n    source: Task\n    filter: stat = todo\n",
        "E101",
        15,
        13,
        "stat",
    ),
    Case(
        "demo-unknown-field",
        OK_ENTITY + '\nscenario s:\n  demo:\n    Task:\n      - titel: "x"\n',
        "E101",
        15,
        9,
        "titel",
    ),
    Case(
        "action-unknown-surface",
        OK_ENTITY + "\nsurface s:\n  uses entity Task\n"
        "  mode: create\n  action save:\n    on submit -> surface nowhere\n",
        "E102",
        16,
        26,
        "nowhere",
    ),
    Case(
        "region-action-unknown-surface",
        OK_ENTITY + "\nworkspace w:\n  r:\n    source: Task\n    action: task_edit\n",
        "E102",
        15,
        13,
        "task_edit",
    ),
    Case(
        "scenario-unknown-persona",
        OK_ENTITY + '\npersona admin:\n  description: "x"\n\n'
        'scenario s:\n  for persona admn:\n    start_route: "/"\n',
        "E103",
        16,
        15,
        "admn",
        hint="admin",
    ),
    Case(
        "nav-unknown-item",
        OK_ENTITY + '\nnav main:\n  group "G":\n    nowhere\n',
        "E104",
        14,
        5,
        "nowhere",
    ),
    Case(
        "extends-unknown-archetype",
        "entity Task:\n  extends: Stamped\n  id: uuid pk\n",
        "E105",
        2,
        12,
        "Stamped",
    ),
    Case("use-unknown-module", "use app.missing\n\n" + OK_ENTITY, "E106", 1, 1, "use"),
    Case(
        "entity-not-visible",
        {
            "a.dsl": "module app\n\nentity Task:\n  id: uuid pk\n  owner: ref User\n",
            "b.dsl": "module people\n\nentity User:\n  id: uuid pk\n",
        },
        "E107",
        5,
        3,
        "owner",
        file="dsl/a.dsl",
        hint="use people",
    ),
    Case(
        "circular-imports",
        {
            "a.dsl": "module app\nuse other\n\nentity A:\n  id: uuid pk\n",
            "b.dsl": "module other\nuse app\n\nentity B:\n  id: uuid pk\n",
        },
        "E108",
        2,
        1,
        "use",
        file="dsl/b.dsl",
    ),
    Case(
        "root-module-missing",
        OK_ENTITY,
        "E109",
        3,
        1,
        "root",
        file="dazzle.toml",
        toml='[project]\nname = "t"\nroot = "nowhere"\n',
    ),
    Case(
        "duplicate-entity", OK_ENTITY + "\nentity Task:\n  id: uuid pk\n", "E110", 12, 1, "entity"
    ),
    Case(
        "duplicate-surface-across-files",
        {
            "app.dsl": OK_ENTITY + "\nsurface s:\n  uses entity Task\n  mode: list\n",
            "more.dsl": "module more\nuse app\n\nsurface s:\n  uses entity Task\n  mode: view\n",
        },
        "E110",
        4,
        1,
        "surface",
        file="dsl/more.dsl",
    ),
    Case(
        "duplicate-field",
        "entity Task:\n  id: uuid pk\n  title: text\n  title: text\n",
        "E111",
        4,
        3,
        "title",
    ),
    Case(
        "duplicate-enum-value",
        "entity Task:\n  id: uuid pk\n  s: enum[a,b,a]\n",
        "E112",
        3,
        15,
        "a",
    ),
    Case(
        "missing-primary-key",
        "entity Task:\n  title: text\n",
        "E113",
        1,
        1,
        "entity",
        hint="id: uuid pk",
    ),
    Case(
        "required-and-optional",
        "entity Task:\n  id: uuid pk\n  t: text required optional\n",
        "E114",
        3,
        20,
        "optional",
    ),
    Case("str-without-length", "entity Task:\n  id: uuid pk\n  title: str\n", "E115", 3, 10, "str"),
    Case("str-zero-length", "entity Task:\n  id: uuid pk\n  title: str(0)\n", "E115", 3, 14, "0"),
    Case(
        "decimal-scale-exceeds-precision",
        "entity Task:\n  id: uuid pk\n  p: decimal(4,6)\n",
        "E116",
        3,
        16,
        "6",
    ),
    Case(
        "enum-default-not-in-enum",
        "entity Task:\n  id: uuid pk\n  s: enum[a,b]=c\n",
        "E117",
        3,
        16,
        "c",
    ),
    Case(
        "int-default-string",
        'entity Task:\n  id: uuid pk\n  n: int="ten"\n',
        "E117",
        3,
        10,
        '"ten"',
    ),
    Case(
        "unknown-state",
        OK_ENTITY.replace(
            "  created_at: datetime auto_add\n",
            "  created_at: datetime auto_add\n  transitions:\n    todo -> finished\n",
        ),
        "E118",
        8,
        5,
        "todo",
        hint="enum",
    ),
    Case(
        "transitions-without-enum",
        "entity Task:\n  id: uuid pk\n  transitions:\n    a -> b\n",
        "E118",
        4,
        5,
        "a",
    ),
    Case(
        "unknown-function",
        "entity Task:\n  id: uuid pk\n  d: date\n  age: computed dayz_since(d)\n",
        "E119",
        4,
        17,
        "dayz_since",
        hint="days_since",
    ),
    Case(
        "aggregate-without-ref",
        OK_ENTITY + "\nentity Board:\n  id: uuid pk\n  n: computed count(Task)\n",
        "E120",
        14,
        15,
        "count",
    ),
    Case(
        "demo-value-not-in-enum",
        OK_ENTITY + '\nscenario s:\n  demo:\n    Task:\n      - title: "x", status: finished\n',
        "E121",
        15,
        21,
        "status",
    ),
    Case(
        "aggregate-outside-computed",
        OK_ENTITY + "\nentity Note:\n  id: uuid pk\n"
        "  task: ref Task\n\nentity Board:\n  id: uuid pk\n"
        "  invariant: count(Task) > 0\n",
        "E122",
        18,
        14,
        "count",
    ),
    Case(
        "computed-cycle",
        "entity Task:\n  id: uuid pk\n  a: computed b + 1\n  b: computed a + 1\n",
        "E126",
        3,
        3,
        "a",
    ),
    Case(
        "optional-primary-key",
        "entity Task:\n  id: uuid pk optional\n",
        "E114",
        2,
        3,
        "id",
    ),
    # -- dazzle.toml ------------------------------------------------------------------------
    Case(
        "toml-syntax", OK_ENTITY, "E201", 2, 8, "", file="dazzle.toml", toml="[project]\nname = \n"
    ),
    Case(
        "toml-wrong-type",
        OK_ENTITY,
        "E202",
        5,
        1,
        "enabled",
        file="dazzle.toml",
        toml='[project]\nname = "t"\nroot = "app"\n[auth]\nenabled = "yes"\n',
    ),
    Case(
        "toml-bad-pin",
        OK_ENTITY,
        "E203",
        4,
        1,
        "framework_version",
        file="dazzle.toml",
        toml='[project]\nname = "t"\nroot = "app"\nframework_version = "~banana"\n',
    ),
    Case(
        "toml-bad-value",
        OK_ENTITY,
        "E204",
        5,
        1,
        "password_min_length",
        file="dazzle.toml",
        toml='[project]\nname = "t"\nroot = "app"\n[auth]\npassword_min_length = 0\n',
    ),
]


_SELECTOR = OK_ENTITY + "\nworkspace w:\n  context_selector:\n"
CASES += [
    Case(
        "context-selector-filter-unknown-field",
        _SELECTOR + "    entity: User\n    filter: tier = gold\n",
        "E101",
        15,
        13,
        "tier",
    ),
    Case(
        "context-selector-without-entity",
        _SELECTOR + "    display_field: email\n",
        "E018",
        13,
        3,
        "context_selector",
    ),
]


def _text_at(root: Path, file: str, line: int, col: int) -> str:
    lines = (root / file).read_text(encoding="utf-8").splitlines()
    return lines[line - 1][col - 1 :] if line <= len(lines) else ""


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_located(case: Case, tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", case.dsl, case.toml)
    result = load_project(root, cwd=root)
    errors = [d for d in result.diagnostics if d.is_error]
    assert not result.ok
    found = [(d.code, d.path, d.line, d.col) for d in errors]
    assert (case.code, case.file, case.line, case.col) in found, [d.format() for d in errors]
    assert _text_at(root, case.file, case.line, case.col).startswith(case.marker)
    diag = next(d for d in errors if (d.code, d.line, d.col) == (case.code, case.line, case.col))
    if case.hint is not None:
        assert diag.hint is not None and case.hint in diag.hint, diag.format()
    assert diag.code in CODES


def test_every_error_class_has_a_case() -> None:
    covered = {c.code for c in CASES}
    missing = {code for code in CODES if code.startswith("E")} - covered - {"E200", "E124", "E125"}
    assert missing == set()


def test_missing_manifest(tmp_path: Path) -> None:
    result = load_project(tmp_path, cwd=tmp_path)
    assert [(d.code, d.line, d.col) for d in result.diagnostics] == [("E200", 1, 1)]
    assert result.diagnostics[0].hint and "dazzle init" in result.diagnostics[0].hint


def test_unreadable_file(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", OK_ENTITY)
    (root / "dsl" / "gone.dsl").symlink_to(root / "nowhere.dsl")  # a dangling link
    result = load_project(root, cwd=root)
    assert [(d.code, d.path) for d in result.errors] == [("E125", "dsl/gone.dsl")]
    assert "No such file" in result.errors[0].message


def test_no_dsl_files(tmp_path: Path) -> None:
    (tmp_path / "dazzle.toml").write_text(DEFAULT_TOML)
    result = load_project(tmp_path, cwd=tmp_path)
    assert [(d.code, d.path) for d in result.diagnostics] == [("E124", "dazzle.toml")]


def test_one_file_reports_every_recoverable_error(project) -> None:  # type: ignore[no-untyped-def]
    r = project("""\
        entity Task:
          id: uuid pk
          a: strng(10)
          b: int requird
          c: enum[x,y]=z

        entity Note:
          id: uuid pk
          task: ref Tsk

        surface s:
          uses entity Task
          mode: lst
        """)
    assert [(d.code, d.line) for d in r.errors] == [
        ("E011", 3),
        ("E013", 4),
        ("E117", 5),
        ("E100", 9),
        ("E017", 13),
    ]


def test_a_syntax_error_does_not_cascade(project) -> None:  # type: ignore[no-untyped-def]
    """The broken line is reported once; the entity's other checks do not pile up."""
    r = project("""\
        entity Task:
          id: uuid pk
          title: str(10) @
          status: enum[a,b]=a

        surface s:
          uses entity Task
          mode: list
          section main:
            field title
            field status
        """)
    assert [(d.code, d.line) for d in r.errors] == [("E001", 3)]


# -- warnings -------------------------------------------------------------------------------

WARNING_CASES = [
    ("W001", 'story ST-1 "x":\n  actor: a\n\n' + OK_ENTITY, 1, 1),
    ("W002", OK_ENTITY.replace("entity User:\n", "entity User:\n  fitness:\n    x: [a]\n"), 9, 3),
    ("W003", OK_ENTITY + "\nworkspace w:\n  r:\n    source: Task\n    display: kanbna\n", 15, 14),
    ("W004", "entity Task:\n  id: uuid pk\n  n: int auto_add\n", 3, 3),
    ("W002", _SELECTOR + "    entity: User\n    sort_by: email\n", 15, 5),
    (
        "W007",
        OK_ENTITY + "\nworkspace w:\n  r:\n    source: Task\n    filter: status = finished\n",
        15,
        22,
    ),
    (
        "W008",
        OK_ENTITY.replace(
            "  created_at: datetime auto_add\n",
            "  created_at: datetime auto_add\n  transitions:\n    todo -> done\n    todo -> done\n",
        ),
        9,
        5,
    ),
]


@pytest.mark.parametrize(
    ("code", "dsl", "line", "col"), WARNING_CASES, ids=[c[0] for c in WARNING_CASES]
)
def test_warnings_are_located_and_do_not_fail(
    code: str, dsl: str, line: int, col: int, project
) -> None:  # type: ignore[no-untyped-def]
    r = project(dsl)
    assert r.ok, [d.format() for d in r.errors]
    assert [(d.code, d.line, d.col) for d in r.warnings] == [(code, line, col)]


def test_unknown_toml_key_is_a_warning(project) -> None:  # type: ignore[no-untyped-def]
    r = project(OK_ENTITY, toml='[project]\nname = "t"\nroot = "app"\nrooot = "x"\n[bogus]\n')
    assert r.ok
    assert [(d.code, d.line) for d in r.warnings] == [("W200", 4), ("W200", 5)]
    assert "root" in (r.warnings[0].hint or "")
