"""``persona``, ``scenario`` (with ``demo:`` data), standalone ``enum`` and ``nav``."""

from __future__ import annotations

from dazzle.dsl.cursor import Cursor
from dazzle.dsl.keys import skip_unknown_key
from dazzle.dsl.lexer import INDENT, NAME, NEWLINE, NUMBER, OP, STRING
from dazzle.dsl.workspace import parse_nav_group
from dazzle.expr.nodes import LiteralValue
from dazzle.ir.common import Loc, title_case
from dazzle.ir.people import (
    DemoFixture,
    DemoRecord,
    EnumDecl,
    EnumValue,
    Persona,
    PersonaEntry,
    Scenario,
)
from dazzle.ir.workspace import Nav, NavGroup

_PROFICIENCY = ("novice", "intermediate", "expert")
_PERSONA_KEYS = (
    "description",
    "goals",
    "proficiency",
    "default_workspace",
    "default_route",
    "uses",
)
_SCENARIO_KEYS = ("description", "seed_script", "demo", "for", "as")


def parse_persona(c: Cursor, module: str) -> Persona:
    kw = c.advance()
    pid = c.expect_name("a persona id")
    label = c.optional_string()
    c.expect_block_start()
    data: dict[str, object] = {}
    c.items(lambda: _persona_item(c, data))
    goals = data.get("goals", ())
    assert isinstance(goals, tuple)
    return Persona(
        id=pid.value,
        label=label or title_case(pid.value),
        description=data.get("description"),  # type: ignore[arg-type]
        goals=goals,
        proficiency=data.get("proficiency"),  # type: ignore[arg-type]
        default_workspace=data.get("default_workspace"),  # type: ignore[arg-type]
        default_route=data.get("default_route"),  # type: ignore[arg-type]
        nav=data.get("nav"),  # type: ignore[arg-type]
        module=module,
        loc=c.loc(kw),
    )


def _persona_item(c: Cursor, data: dict[str, object]) -> None:
    t = c.expect_name("a persona key")
    w = t.value
    if w == "uses" and c.at_name("nav"):  # newer dialect: uses nav admin_nav
        c.advance()
        data["nav"] = c.expect_ref("a nav name")
        c.expect_newline()
        return
    if not c.at_op(":") or w not in _PERSONA_KEYS:
        skip_unknown_key(c, t, "persona", _PERSONA_KEYS)
        return
    c.advance()
    if w == "description":
        data["description"] = c.expect_string("the description")
    elif w == "goals":
        data["goals"] = _goals(c)
        return
    elif w == "proficiency":
        p = c.expect_name("novice, intermediate or expert")
        if p.value not in _PROFICIENCY:
            raise c.unknown("proficiency", p, _PROFICIENCY)
        data["proficiency"] = p.value
    elif w == "default_workspace":
        data["default_workspace"] = c.expect_ref("a workspace name")
    elif w == "default_route":
        data["default_route"] = c.expect_string('a route such as "/app"')
    c.expect_newline()


def _goals(c: Cursor) -> tuple[str, ...]:
    """``goals: "a", "b"`` or a block of ``- "a"`` lines."""
    if c.tok.kind == NEWLINE and c.peek().kind == INDENT:
        c.advance()
        c.advance()
        goals: list[str] = []

        def item() -> None:
            c.expect_op("-")
            if c.tok.kind == STRING:
                goals.append(c.advance().value)
            else:  # tolerated: `- Manage all tasks` without quotes
                words = []
                while not c.at_line_end():
                    words.append(c.advance().value)
                if not words:
                    raise c.error("expected a goal after '-'")
                goals.append(" ".join(words))
            c.expect_newline()

        c.items(item)
        return tuple(goals)
    out = [c.expect_string("a goal")]
    while c.accept_op(","):
        out.append(c.expect_string("a goal"))
    c.expect_newline()
    return tuple(out)


def parse_scenario(c: Cursor, module: str) -> Scenario:
    kw = c.advance()
    name = c.expect_name("a scenario name")
    title = c.optional_string()
    c.expect_block_start()
    data: dict[str, object] = {}
    entries: list[PersonaEntry] = []
    demo: list[DemoFixture] = []
    c.items(lambda: _scenario_item(c, data, entries, demo))
    return Scenario(
        name=name.value,
        title=title or title_case(name.value),
        description=data.get("description"),  # type: ignore[arg-type]
        seed_script=data.get("seed_script"),  # type: ignore[arg-type]
        persona_entries=tuple(entries),
        demo=tuple(demo),
        module=module,
        loc=c.loc(kw),
    )


def _scenario_item(
    c: Cursor, data: dict[str, object], entries: list[PersonaEntry], demo: list[DemoFixture]
) -> None:
    t = c.tok
    if t.kind == NAME and t.value in ("for", "as") and c.peek().value == "persona":
        entries.append(_persona_entry(c))
        return
    if t.kind == NAME and t.value in ("for", "as") and c.peek().kind == NAME:
        raise c.error(
            f"expected 'persona' after '{t.value}' in a scenario",
            c.peek(),
            hint=f"write `{t.value} persona {c.peek().value}:`",
        )
    if c.at_key("demo"):
        demo.extend(parse_demo(c))
        return
    key = c.expect_name("a scenario key")
    if not c.at_op(":") or key.value not in ("description", "seed_script"):
        skip_unknown_key(c, key, "scenario", _SCENARIO_KEYS)
        return
    c.advance()
    data[key.value] = c.expect_string()
    c.expect_newline()


def _persona_entry(c: Cursor) -> PersonaEntry:
    kw = c.advance()
    c.advance()  # persona
    persona = c.expect_ref("a persona name")
    c.expect_block_start()
    data: dict[str, str] = {}

    def item() -> None:
        key = c.expect_name("start_route: or seed_script:")
        if key.value not in ("start_route", "seed_script"):
            skip_unknown_key(c, key, "scenario persona entry", ("start_route", "seed_script"))
            return
        c.expect_op(":")
        data[key.value] = c.expect_string()
        c.expect_newline()

    c.items(item)
    return PersonaEntry(persona, data.get("start_route"), data.get("seed_script"), c.loc(kw))


def parse_demo(c: Cursor) -> list[DemoFixture]:
    """``demo:`` with one ``Entity:`` block of ``- field: value, ...`` records each."""
    c.advance()  # demo
    c.expect_block_start()
    fixtures: list[DemoFixture] = []

    def fixture() -> None:
        entity = c.expect_ref("an entity name")
        c.expect_block_start()
        records: list[DemoRecord] = []
        c.items(lambda: records.append(_demo_record(c)))
        fixtures.append(DemoFixture(entity, tuple(records), entity.loc))

    c.items(fixture)
    return fixtures


def _demo_record(c: Cursor) -> DemoRecord:
    dash = c.expect_op("-")
    values: list[tuple[str, LiteralValue]] = []
    locs: list[Loc] = []
    while True:
        name = c.expect_name("a field name")
        c.expect_op(":")
        values.append((name.value, _demo_value(c)))
        locs.append(c.loc(name))
        if not c.accept_op(","):
            break
    c.expect_newline()
    return DemoRecord(tuple(values), c.loc(dash), tuple(locs))


def _demo_value(c: Cursor) -> LiteralValue:
    t = c.tok
    if t.kind == STRING:
        c.advance()
        return t.value
    if t.kind == NUMBER:
        c.advance()
        return c.number_value(t)
    if t.kind == OP and t.value == "-" and c.peek().kind == NUMBER:
        c.advance()
        return -c.number_value(c.advance())
    if t.kind == NAME:
        c.advance()
        if t.value in ("true", "false"):
            return t.value == "true"
        if t.value in ("null", "None"):
            return None
        return t.value
    raise c.error(f"expected a value, got {t.describe()}", code="E121")


def parse_enum(c: Cursor, module: str) -> EnumDecl:
    kw = c.advance()
    name = c.expect_name("an enum name")
    title = c.optional_string()
    c.expect_block_start()
    values: list[EnumValue] = []
    seen: set[str] = set()

    def item() -> None:
        v = c.expect_name("an enum value")
        label = c.optional_string()
        c.expect_newline()
        if v.value in seen:
            raise c.error(f"enum value '{v.value}' is listed twice", v, code="E112")
        seen.add(v.value)
        values.append(EnumValue(v.value, label, c.loc(v)))

    c.items(item)
    return EnumDecl(name.value, title or title_case(name.value), tuple(values), module, c.loc(kw))


def parse_nav(c: Cursor, module: str) -> Nav:
    kw = c.advance()
    name = c.expect_name("a nav name")
    c.optional_string()
    c.expect_block_start()
    groups: list[NavGroup] = []

    def item() -> None:
        t = c.tok
        if t.kind == NAME and t.value in ("group", "nav_group") and c.peek().kind == STRING:
            groups.append(parse_nav_group(c))
            return
        raise c.error(f"expected 'group \"Label\":' in a nav, got {t.describe()}")

    c.items(item)
    return Nav(name.value, tuple(groups), module, c.loc(kw))
