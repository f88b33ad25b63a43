"""``dazzle.toml``: every key typed, unknown keys warned, the framework version pin parsed.

Problems are diagnostics located in the file (``dazzle.toml:7:1``), like DSL errors, so an
operator sees one line per problem and what to set.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dazzle.diagnostics import Diagnostic, did_you_mean

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet

MANIFEST_NAME = "dazzle.toml"


@dataclass(frozen=True, slots=True)
class AuthConfig:
    enabled: bool = False
    provider: str = "session"
    allow_registration: bool | None = None  # the published key; None: not written
    registration: str | None = None  # closed | open | invite; None: from the key above / env
    default_role: str | None = None
    password_min_length: int = 8
    user_entity: str | None = None
    session_duration_hours: int = 168
    cookie_name: str = "dazzle_session"


@dataclass(frozen=True, slots=True)
class Manifest:
    path: str
    project_dir: str
    name: str
    version: str = "0.0.0"
    root: str | None = None
    framework_version: str | None = None  # as written
    framework_spec: SpecifierSet | None = None  # normalised PEP 440
    project_type: str | None = None
    description: str | None = None
    module_paths: tuple[str, ...] = ("./dsl",)
    database_url: str | None = None
    auth: AuthConfig = AuthConfig()
    max_upload_mb: int = 10
    ui_title: str | None = None
    ui_theme: str | None = None

    def accepts_version(self, version: str) -> bool:
        if self.framework_spec is None:
            return True
        return self.framework_spec.contains(version, prereleases=True)


# table -> key -> expected type(s). `None` as a key set means "any keys, ignored".
REGISTRATION_MODES = ("closed", "open", "invite")
_STR = (str,)
_BOOL = (bool,)
_INT = (int,)
_STR_LIST = (list,)
_SCHEMA: dict[str, dict[str, tuple[type, ...]] | None] = {
    "project": {
        "name": _STR,
        "version": _STR,
        "root": _STR,
        "framework_version": _STR,
        "type": _STR,
        "description": _STR,
    },
    "modules": {"paths": _STR_LIST},
    "fileset": {"dsl_paths": _STR_LIST},
    "dsl": {"paths": _STR_LIST},
    "stack": {"name": _STR},
    "database": {"url": _STR},
    "auth": {
        "enabled": _BOOL,
        "provider": _STR,
        "allow_registration": _BOOL,
        "registration": _STR,
        "default_role": _STR,
        "password_min_length": _INT,
        "user_entity": _STR,
    },
    "auth.session": {"duration_hours": _INT, "cookie_name": _STR},
    "auth.jwt": None,
    "files": {"max_upload_mb": _INT},
    "ui": {"title": _STR, "theme": _STR},
    "theme": {"preset": _STR},
    "llm": None,
}
_TYPE_NAMES = {str: "a string", bool: "true or false", int: "a whole number", list: "a list"}


def parse_version_pin(text: str) -> SpecifierSet:
    """The pin's grammar. ``~0.38`` and a bare ``0.38`` mean that release line,
    ``>=0.38,<0.39``; ``~0.38.2`` and ``0.38.2`` mean ``>=0.38.2,<0.39`` (that line, from
    that release on); ``~1`` and ``1`` mean ``>=1,<2``. ``==``, ``~=``, ``>=``, ``<`` and
    comma-separated combinations are PEP 440 as written (``==0.38.1`` for exactly one
    release). Raises ValueError with a readable message."""
    # imported here: most projects have no pin and `dazzle validate` should not pay for it
    from packaging.specifiers import InvalidSpecifier, SpecifierSet
    from packaging.version import InvalidVersion, Version

    raw = text.strip()
    if not raw:
        raise ValueError("the pin is empty")
    bare = raw[0].isdigit()
    if bare or (raw.startswith("~") and not raw.startswith("~=")):
        base = raw if bare else raw[1:].strip()
        try:
            v = Version(base)
        except InvalidVersion:
            raise ValueError(f"'{base}' is not a version") from None
        parts = list(v.release)
        upper = [parts[0] + 1] if len(parts) == 1 else [parts[0], parts[1] + 1]
        return SpecifierSet(f">={base},<{'.'.join(map(str, upper))}")
    try:
        return SpecifierSet(raw)
    except InvalidSpecifier:
        raise ValueError(f"'{raw}' is not a PEP 440 version specifier") from None


class _Locator:
    """Finds the line of ``[table]`` / ``key =`` in the raw text (tomllib keeps no positions)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def find(self, table: str, key: str | None = None) -> tuple[int, int]:
        current = ""
        table_line = 1
        for i, line in enumerate(self.lines, start=1):
            s = line.strip()
            m = re.match(r"\[\s*([^\]]+?)\s*\]", s)
            if m:
                current = m.group(1)
                if current == table:
                    table_line = i
                    if key is None:
                        return i, 1
                continue
            if key is not None and current == table:
                k = re.match(r"([A-Za-z0-9_\-\"']+)\s*=", s)
                if k and k.group(1).strip("\"'") == key:
                    return i, line.index(s[0]) + 1
        return table_line, 1


def load_manifest(project_dir: Path) -> tuple[Manifest | None, list[Diagnostic]]:
    path = project_dir / MANIFEST_NAME
    shown = str(path)
    if not path.is_file():
        return None, [
            Diagnostic(
                "E200",
                f"no {MANIFEST_NAME} in {project_dir}",
                shown,
                1,
                1,
                "run `dazzle init NAME` to create a project, or pass the project folder",
            )
        ]
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        return None, [Diagnostic("E125", f"cannot read file: {exc.strerror}", shown, 1, 1)]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line, col = (int(m.group(1)), int(m.group(2))) if m else (1, 1)
        clean = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
        return None, [Diagnostic("E201", f"invalid TOML: {clean}", shown, line, col)]
    return _build(project_dir, shown, text, data)


def _check_tables(
    data: dict[str, Any], shown: str, loc: _Locator, diags: list[Diagnostic], prefix: str = ""
) -> None:
    for key, value in data.items():
        name = f"{prefix}{key}"
        if prefix == "" and isinstance(value, dict):
            if name not in _SCHEMA:
                line, col = loc.find(name)
                hint = did_you_mean(name, [k for k in _SCHEMA if "." not in k])
                diags.append(
                    Diagnostic("W200", f"unknown table [{name}] ignored", shown, line, col, hint)
                )
                continue
            _check_keys(name, value, shown, loc, diags)
        elif prefix == "":
            line, col = loc.find("", key)
            diags.append(
                Diagnostic("W200", f"unknown top-level key '{key}' ignored", shown, line, col)
            )


def _check_keys(
    table: str, values: dict[str, Any], shown: str, loc: _Locator, diags: list[Diagnostic]
) -> None:
    schema = _SCHEMA.get(table)
    if schema is None:
        return
    for key, value in values.items():
        sub = f"{table}.{key}"
        if isinstance(value, dict) and sub in _SCHEMA:
            _check_keys(sub, value, shown, loc, diags)
            continue
        if key not in schema:
            line, col = loc.find(table, key)
            diags.append(
                Diagnostic(
                    "W200",
                    f"unknown key '{key}' in [{table}] ignored",
                    shown,
                    line,
                    col,
                    did_you_mean(key, list(schema)),
                )
            )
            continue
        expected = schema[key]
        ok = isinstance(value, expected) and not (expected == _INT and isinstance(value, bool))
        if ok and expected == _STR_LIST:
            ok = all(isinstance(v, str) for v in value)
        if not ok:
            line, col = loc.find(table, key)
            want = _TYPE_NAMES[expected[0]] + (" of strings" if expected == _STR_LIST else "")
            diags.append(
                Diagnostic(
                    "E202",
                    f"[{table}] {key} must be {want}, got {type(value).__name__} {value!r}",
                    shown,
                    line,
                    col,
                )
            )


def _get(data: dict[str, Any], table: str, key: str, kind: tuple[type, ...], default: Any) -> Any:
    node: Any = data
    for part in table.split("."):
        node = node.get(part, {}) if isinstance(node, dict) else {}
    value = node.get(key, default) if isinstance(node, dict) else default
    if value is default:
        return default
    if not isinstance(value, kind) or (kind == _INT and isinstance(value, bool)):
        return default
    return value


def _build(
    project_dir: Path, shown: str, text: str, data: dict[str, Any]
) -> tuple[Manifest | None, list[Diagnostic]]:
    loc = _Locator(text)
    diags: list[Diagnostic] = []
    _check_tables(data, shown, loc, diags)

    pin_text = _get(data, "project", "framework_version", _STR, None)
    pin: SpecifierSet | None = None
    if pin_text is not None:
        try:
            pin = parse_version_pin(pin_text)
        except ValueError as exc:
            line, col = loc.find("project", "framework_version")
            diags.append(
                Diagnostic(
                    "E203",
                    f"invalid framework_version '{pin_text}': {exc}",
                    shown,
                    line,
                    col,
                    'write a pin such as "~0.38", "~=0.38.0" or ">=0.38,<0.39"',
                )
            )

    paths = (
        _get(data, "modules", "paths", _STR_LIST, None)
        or _get(data, "fileset", "dsl_paths", _STR_LIST, None)
        or _get(data, "dsl", "paths", _STR_LIST, None)
        or ["./dsl"]
    )
    min_len = _get(data, "auth", "password_min_length", _INT, 8)
    duration = _get(data, "auth.session", "duration_hours", _INT, 168)
    max_mb = _get(data, "files", "max_upload_mb", _INT, 10)
    for table, key, value in (
        ("auth", "password_min_length", min_len),
        ("auth.session", "duration_hours", duration),
        ("files", "max_upload_mb", max_mb),
    ):
        if value < 1:
            line, col = loc.find(table, key)
            diags.append(
                Diagnostic(
                    "E204", f"[{table}] {key} must be at least 1, got {value}", shown, line, col
                )
            )
    registration = _get(data, "auth", "registration", _STR, None)
    if registration is not None and registration not in REGISTRATION_MODES:
        line, col = loc.find("auth", "registration")
        diags.append(
            Diagnostic(
                "E204",
                f"[auth] registration must be one of {', '.join(REGISTRATION_MODES)}, "
                f"got {registration!r}",
                shown,
                line,
                col,
            )
        )
        registration = None
    auth = AuthConfig(
        enabled=_get(data, "auth", "enabled", _BOOL, False),
        provider=_get(data, "auth", "provider", _STR, "session"),
        allow_registration=_get(data, "auth", "allow_registration", _BOOL, None),
        registration=registration,
        default_role=_get(data, "auth", "default_role", _STR, None),
        password_min_length=min_len,
        user_entity=_get(data, "auth", "user_entity", _STR, None),
        session_duration_hours=duration,
        cookie_name=_get(data, "auth.session", "cookie_name", _STR, "dazzle_session"),
    )
    manifest = Manifest(
        path=shown,
        project_dir=str(project_dir),
        name=_get(data, "project", "name", _STR, None) or project_dir.resolve().name,
        version=_get(data, "project", "version", _STR, "0.0.0"),
        root=_get(data, "project", "root", _STR, None),
        framework_version=pin_text,
        framework_spec=pin,
        project_type=_get(data, "project", "type", _STR, None),
        description=_get(data, "project", "description", _STR, None),
        module_paths=tuple(paths),
        database_url=_get(data, "database", "url", _STR, None),
        auth=auth,
        max_upload_mb=max_mb,
        ui_title=_get(data, "ui", "title", _STR, None),
        ui_theme=_get(data, "ui", "theme", _STR, None) or _get(data, "theme", "preset", _STR, None),
    )
    return manifest, diags
