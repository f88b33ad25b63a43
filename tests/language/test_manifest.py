"""dazzle.toml: typed keys, defaults, the version pin."""

from __future__ import annotations

from pathlib import Path

import pytest

from dazzle.manifest import load_manifest, parse_version_pin


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "dazzle.toml").write_text(text)
    return tmp_path


def test_defaults(tmp_path: Path) -> None:
    m, diags = load_manifest(write(tmp_path, "[project]\n"))
    assert diags == [] and m is not None
    assert m.name == tmp_path.name and m.version == "0.0.0" and m.module_paths == ("./dsl",)
    # sign-up unset: the runtime picks (open in development, closed in production)
    assert (m.auth.enabled, m.auth.allow_registration, m.auth.registration) == (False, None, None)
    assert m.auth.password_min_length == 8
    assert (m.auth.session_duration_hours, m.auth.cookie_name) == (168, "dazzle_session")
    assert m.max_upload_mb == 10 and m.framework_spec is None


@pytest.mark.parametrize("mode", ["closed", "open", "invite"])
def test_registration_modes(tmp_path: Path, mode: str) -> None:
    m, diags = load_manifest(write(tmp_path, f'[auth]\nregistration = "{mode}"\n'))
    assert diags == [] and m is not None and m.auth.registration == mode


def test_unknown_registration_mode_is_an_error(tmp_path: Path) -> None:
    _, diags = load_manifest(write(tmp_path, '[auth]\nenabled = true\nregistration = "wide"\n'))
    assert [(d.code, d.line) for d in diags] == [("E204", 3)]
    assert "closed, open, invite" in diags[0].message


def test_every_key(tmp_path: Path) -> None:
    m, diags = load_manifest(
        write(
            tmp_path,
            """\
[project]
name = "shop"
version = "1.2.3"
root = "shop.core"
framework_version = "~0.38"
type = "example"
description = "d"
[modules]
paths = ["./dsl", "./more"]
[stack]
name = "dnr"
[database]
url = "env:DATABASE_URL"
[auth]
enabled = true
provider = "session"
allow_registration = false
default_role = "member"
password_min_length = 12
user_entity = "Member"
[auth.session]
duration_hours = 24
cookie_name = "sid"
[files]
max_upload_mb = 50
[ui]
title = "Shop"
theme = "paper"
[llm]
driver = "anything"
""",
        )
    )
    assert diags == [] and m is not None
    assert (m.name, m.version, m.root, m.module_paths) == (
        "shop",
        "1.2.3",
        "shop.core",
        ("./dsl", "./more"),
    )
    assert m.auth.enabled and not m.auth.allow_registration and m.auth.default_role == "member"
    assert (m.auth.password_min_length, m.auth.user_entity) == (12, "Member")
    assert (m.auth.session_duration_hours, m.auth.cookie_name) == (24, "sid")
    assert (m.max_upload_mb, m.ui_title, m.ui_theme) == (50, "Shop", "paper")
    assert m.database_url == "env:DATABASE_URL"
    assert m.accepts_version("0.38.1") and not m.accepts_version("0.39.0")


def test_fileset_paths_are_honoured(tmp_path: Path) -> None:
    m, _ = load_manifest(write(tmp_path, '[fileset]\ndsl_paths = ["src"]\n'))
    assert m is not None and m.module_paths == ("src",)


@pytest.mark.parametrize(
    ("pin", "ok", "bad"),
    [
        ("~0.38", ["0.38.0", "0.38.9"], ["0.39.0", "0.37.9"]),
        ("~0.38.2", ["0.38.2", "0.38.5"], ["0.38.1", "0.39.0"]),
        ("~1", ["1.0", "1.9.9"], ["2.0"]),
        ("~=0.38.0", ["0.38.1"], ["0.39.0"]),
        (">=0.38,<0.40", ["0.39.5"], ["0.40.0"]),
        ("==0.38.1", ["0.38.1"], ["0.38.2"]),
        ("0.38", ["0.38.0", "0.38.1", "0.38.9"], ["0.39.0", "0.37.9"]),  # the release line
        ("0.38.1", ["0.38.1", "0.38.7"], ["0.38.0", "0.39.0"]),
        ("1", ["1.0", "1.4.2"], ["2.0", "0.9"]),
    ],
)
def test_version_pins(pin: str, ok: list[str], bad: list[str]) -> None:
    spec = parse_version_pin(pin)
    assert all(spec.contains(v) for v in ok)
    assert not any(spec.contains(v) for v in bad)


@pytest.mark.parametrize("pin", ["", "~banana", "latest", ">=x", "~"])
def test_bad_pins(pin: str) -> None:
    with pytest.raises(ValueError):
        parse_version_pin(pin)
