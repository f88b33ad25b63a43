"""Top level of a ``.dsl`` file: the header (``module``, ``use``, ``app``) and the loop that
dispatches each construct to its parser, skipping non-core ones with a warning."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from dazzle.diagnostics import Diagnostic, DslError, did_you_mean
from dazzle.dsl.cursor import Cursor
from dazzle.dsl.entity import parse_archetype, parse_entity
from dazzle.dsl.lexer import DEDENT, EOF, INDENT, NAME, NEWLINE, tokenize
from dazzle.dsl.people import parse_demo, parse_enum, parse_nav, parse_persona, parse_scenario
from dazzle.dsl.surface import parse_surface
from dazzle.dsl.workspace import parse_workspace
from dazzle.ir.common import NameRef, title_case
from dazzle.ir.module import ModuleFile
from dazzle.ir.people import App, Scenario

# Constructs of the language we parse around but do not run (spec §3 and §7.2).
NON_CORE = frozenset(
    [
        "story",
        "process",
        "schedule",
        "service",
        "llm_model",
        "llm_config",
        "llm_intent",
        "event_model",
        "subscribe",
        "project",
        "projection",
        "stream",
        "hless",
        "message",
        "channel",
        "template",
        "asset",
        "document",
        "experience",
        "foreign_model",
        "integration",
        "test",
        "flow",
        "ledger",
        "transaction",
        "view",
        "webhook",
        "approval",
        "sla",
        "island",
        "notification",
        "policies",
        "tenancy",
        "interfaces",
        "data_products",
        "guide",
        "rhythm",
        "job",
        "audit",
        "search",
        "feedback_widget",
        "grant_schema",
        "param",
        "analytics",
        "subprocessor",
        "atomic",
        "rule",
        "question",
    ]
)
CORE = (
    "module",
    "use",
    "app",
    "entity",
    "archetype",
    "enum",
    "surface",
    "workspace",
    "persona",
    "scenario",
    "demo",
    "nav",
)


class _ModuleBuilder:
    def __init__(self, c: Cursor, name: str) -> None:
        self.c = c
        self.name = name
        self.uses: list[NameRef] = []
        self.app: App | None = None
        self.items: dict[str, list[object]] = {
            k: []
            for k in (
                "entity",
                "archetype",
                "enum",
                "surface",
                "workspace",
                "persona",
                "scenario",
                "nav",
            )
        }
        self.incomplete: set[tuple[str, str]] = set()


def parse_module(text: str, path: str, default_name: str) -> tuple[ModuleFile, list[Diagnostic]]:
    """Parse one file. Never raises: every problem is a diagnostic."""
    tokens, lex_diags = tokenize(text, path)
    c = Cursor(tokens, path)
    c.diags.extend(lex_diags)
    b = _ModuleBuilder(c, default_name)
    _header(c, b)
    while c.tok.kind != EOF:
        t = c.tok
        if t.kind in (NEWLINE, DEDENT):
            c.advance()
            continue
        if t.kind == INDENT:
            c.report(
                Diagnostic(
                    "E019",
                    "unexpected indented block",
                    path,
                    t.line,
                    t.col,
                    "top-level constructs start at the left margin",
                )
            )
            c.advance()
            c.recover(c.i - 1)
            continue
        if t.kind != NAME or t.value not in _CONSTRUCTS:
            _unknown_construct(c)
            continue
        _construct(c, b, t.value)
    module = ModuleFile(
        name=b.name,
        path=path,
        uses=tuple(b.uses),
        app=b.app,
        entities=tuple(b.items["entity"]),  # type: ignore[arg-type]
        archetypes=tuple(b.items["archetype"]),  # type: ignore[arg-type]
        enums=tuple(b.items["enum"]),  # type: ignore[arg-type]
        surfaces=tuple(b.items["surface"]),  # type: ignore[arg-type]
        workspaces=tuple(b.items["workspace"]),  # type: ignore[arg-type]
        personas=tuple(b.items["persona"]),  # type: ignore[arg-type]
        scenarios=tuple(b.items["scenario"]),  # type: ignore[arg-type]
        navs=tuple(b.items["nav"]),  # type: ignore[arg-type]
        incomplete=frozenset(b.incomplete),
    )
    return module, c.diags


def _header(c: Cursor, b: _ModuleBuilder) -> None:
    while c.tok.kind == NEWLINE:
        c.advance()
    if c.at_name("module") and c.peek().kind == NAME:
        _guarded(c, lambda: _module_decl(c, b))


def _guarded(c: Cursor, fn: Callable[[], None]) -> bool:
    start = c.i
    before = c.error_count
    try:
        fn()
    except DslError as exc:
        c.report(exc.diagnostic)
        c.i = start
        c.skip_item()
    return c.error_count == before


def _dotted(c: Cursor, what: str) -> str:
    parts = [c.expect_name(what).value]
    while c.accept_op("."):
        parts.append(c.expect_name(what).value)
    return ".".join(parts)


def _module_decl(c: Cursor, b: _ModuleBuilder) -> None:
    c.advance()
    b.name = _dotted(c, "a module name")
    c.expect_newline()


def _use_decl(c: Cursor, b: _ModuleBuilder) -> None:
    kw = c.advance()
    name = _dotted(c, "a module name")
    if c.accept_name("as"):
        c.expect_name("an alias")
    c.expect_newline()
    b.uses.append(NameRef(name, c.loc(kw)))


def _app_decl(c: Cursor, b: _ModuleBuilder) -> None:
    kw = c.advance()
    name = c.expect_name("an app name")
    title = c.optional_string()
    data: dict[str, object] = {}
    features: list[tuple[str, str]] = []
    if c.at_op(":"):
        c.expect_block_start()

        def item() -> None:
            key = c.expect_name("an app key")
            c.expect_op(":")
            if key.value == "description":
                data["description"] = c.expect_string("the description")
            elif key.value in ("multi_tenant", "audit_trail"):
                data[key.value] = c.expect_bool()
            else:
                v = c.advance()
                if v.kind == NEWLINE:
                    raise c.error(f"expected a value after '{key.value}:'", v)
                if key.value == "security_profile":
                    data["security_profile"] = v.value
                else:
                    features.append((key.value, v.value))
            c.expect_newline()

        c.items(item)
    else:
        c.expect_newline()
    if b.app is not None:
        raise c.error(
            "a second 'app' declaration",
            kw,
            code="E110",
            hint=f"the app is already declared as '{b.app.name}'",
        )
    b.app = App(
        name=name.value,
        title=title or title_case(name.value),
        description=data.get("description"),  # type: ignore[arg-type]
        multi_tenant=bool(data.get("multi_tenant", False)),
        audit_trail=bool(data.get("audit_trail", False)),
        security_profile=data.get("security_profile"),  # type: ignore[arg-type]
        features=tuple(features),
        loc=c.loc(kw),
    )


def _top_level_demo(c: Cursor, b: _ModuleBuilder) -> None:
    """A top-level ``demo:`` joins the file's last scenario (or a ``default`` one)."""
    fixtures = parse_demo(c)
    scenarios = b.items["scenario"]
    if scenarios:
        last = scenarios[-1]
        assert isinstance(last, Scenario)
        scenarios[-1] = replace(last, demo=(*last.demo, *fixtures))
    else:
        scenarios.append(Scenario("default", "Default", demo=tuple(fixtures), module=b.name))


def _construct(c: Cursor, b: _ModuleBuilder, kind: str) -> None:
    if kind == "module":
        _guarded(c, lambda: _module_misplaced(c))
        return
    if kind == "use":
        _guarded(c, lambda: _use_decl(c, b))
        return
    if kind == "app":
        _guarded(c, lambda: _app_decl(c, b))
        return
    if kind == "demo":
        if c.peek().value == ":":
            _guarded(c, lambda: _top_level_demo(c, b))
        else:
            _unknown_construct(c)
        return
    name_tok = c.peek()
    name = name_tok.value if name_tok.kind == NAME else "?"
    parse = _CONSTRUCTS[kind]
    start = c.i
    before = c.error_count
    try:
        item = parse(c, b.name)
        b.items[kind].append(item)
    except DslError as exc:
        c.report(exc.diagnostic)
        c.recover(start)
    if c.error_count != before:
        b.incomplete.add((kind, name))


def _module_misplaced(c: Cursor) -> None:
    raise c.error(
        "'module' must be the first line of a file",
        hint="move the module declaration to the top",
    )


def _unknown_construct(c: Cursor) -> None:
    t = c.tok
    if t.kind == NAME and t.value in NON_CORE:
        c.skip_unknown("W001", f"'{t.value}' is not a core construct; skipped with its block", t)
        return
    if t.kind == NAME:
        hint = did_you_mean(t.value, CORE)
        if hint is not None:
            c.report(
                Diagnostic("E010", f"unknown construct '{t.value}'", c.path, t.line, t.col, hint)
            )
            c.skip_item()
            return
        c.skip_unknown("W001", f"unknown construct '{t.value}' skipped with its block", t)
        return
    try:
        raise c.error(f"expected a construct such as 'entity', got {t.describe()}")
    except DslError as exc:
        c.report(exc.diagnostic)
    c.skip_item()


_CONSTRUCTS: dict[str, Callable[[Cursor, str], object]] = {
    "entity": parse_entity,
    "archetype": parse_archetype,
    "enum": parse_enum,
    "surface": parse_surface,
    "workspace": parse_workspace,
    "persona": parse_persona,
    "scenario": parse_scenario,
    "nav": parse_nav,
    "module": lambda c, m: None,
    "use": lambda c, m: None,
    "app": lambda c, m: None,
    "demo": lambda c, m: None,
}
