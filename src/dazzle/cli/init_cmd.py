"""``dazzle init NAME``: a new project that validates and runs."""

from __future__ import annotations

import re
from pathlib import Path

import typer

_TOML = """\
[project]
name = "{name}"
version = "0.1.0"
root = "{name}.core"
framework_version = "~{minor}"

[modules]
paths = ["./dsl"]

[auth]
enabled = false
"""

_DSL = """\
module {name}.core

app {name} "{title}"

entity Item "Item":
  id: uuid pk
  title: str(200) required
  notes: text
  status: enum[open,done]=open
  created_at: datetime auto_add

  transitions:
    open -> done
    done -> open

surface item_list "Items":
  uses entity Item
  mode: list
  section main:
    field title "Title"
    field status "Status"
    field created_at "Created"
  ux:
    sort: created_at desc
    filter: status
    search: title, notes
    empty: "Nothing here yet. Add your first item!"

surface item_view "Item":
  uses entity Item
  mode: view
  section main:
    field title "Title"
    field notes "Notes"
    field status "Status"

surface item_create "New Item":
  uses entity Item
  mode: create
  section main:
    field title "Title"
    field notes "Notes"

surface item_edit "Edit Item":
  uses entity Item
  mode: edit
  section main:
    field title "Title"
    field notes "Notes"
    field status "Status"

workspace home "Home":
  purpose: "Everything at a glance"
  open_items:
    source: Item
    filter: status = open
    sort: created_at desc
    limit: 10
    action: item_view
    empty: "All done!"
"""


def init(name: str = typer.Argument(..., help="Folder and project name to create.")) -> None:
    """Create a new project folder with a small app that validates."""
    from dazzle import __version__

    target = Path(name)
    ident = re.sub(r"\W+", "_", target.name).strip("_").lower() or "app"
    if ident[0].isdigit():
        ident = f"app_{ident}"
    if target.exists() and any(target.iterdir()):
        typer.echo(f"error: {target} already exists and is not empty", err=True)
        raise typer.Exit(1)
    (target / "dsl").mkdir(parents=True, exist_ok=True)
    minor = ".".join(__version__.split(".")[:2])
    (target / "dazzle.toml").write_text(_TOML.format(name=ident, minor=minor), encoding="utf-8")
    title = ident.replace("_", " ").title()
    (target / "dsl" / "app.dsl").write_text(_DSL.format(name=ident, title=title), encoding="utf-8")
    (target / ".gitignore").write_text(".dazzle/\n__pycache__/\n", encoding="utf-8")
    typer.echo(f"created {target}/ - next: dazzle validate {target}")
