"""Surfaces (sections, actions, ux, attention, persona variants), workspaces (regions,
display modes, aggregates, nav groups), personas, scenarios and demo data, enums, navs."""

from __future__ import annotations

from decimal import Decimal

from dazzle.expr.nodes import BoolOp, Compare, DateAnchor, FieldRef, InList, Literal, Var

BASE = """\
module shop.core

app shop "Shop":
  description: "A small shop"
  multi_tenant: false
  security_profile: basic
  theme: warm

entity Product "Product":
  id: uuid pk
  name: str(100) required
  price: decimal(10,2)
  stock: int=0
  status: enum[draft,live,retired]=draft
  owner: str(50)
  created_at: datetime auto_add

surface product_list "Products":
  uses entity Product
  mode: list
  access: persona(admin, clerk)
  search: [name]
  priority: high
  section main "Catalogue":
    field name "Name"
    field price "Price" widget=currency source=pack.lookup
    field status
  action add "Add":
    on submit -> surface product_create
  ux:
    purpose: "Browse products"
    show: name, price
    sort: status desc, name
    filter: status
    search: name
    empty: "No products yet"
    search_first: false
    attention warning:
      when: stock < 5 and status = live
      message: "Low stock"
      action: product_create
    for clerk:
      scope: owner = current_user
      purpose: "Your products"
      hide: price
      read_only: true
      action_primary: product_create
      show_aggregate: total
      focus: main
    as admin:
      scope: all
      defaults:
        status: live
        owner: current_user

surface product_create "New Product":
  uses entity Product
  mode: create
  section main:
    field name
    field price when: status == live

workspace ops "Operations":
  purpose: "Daily view"
  stage: "command_center"
  access: authenticated
  nav_group "Catalogue" icon=box collapsed:
    product_list
    ops icon=layout-grid
  context_selector:
    entity: Product
    display_field: name
    filter: status = live and stock > 0
  board:
    source: Product
    display: kanban
    group_by: status
  low:
    source: Product
    filter: stock < 5 and status in [live, draft] and created_at > today - 30d
    sort: stock asc
    limit: 10
    display: list
    action: product_create
    empty: "All stocked"
  kpis:
    source: Product
    display: metrics
    aggregate:
      total: count(Product)
      live: count(Product WHERE status = live and owner = current_user)
      value: sum(price)
      top: max(Product.price)
  multi:
    source: [Product, Product]
  ux:
    for clerk:
      purpose: "Clerk view"

persona admin "Administrator":
  description: "Runs the shop"
  goals: "Keep stock", "Sell"
  proficiency: expert
  default_workspace: ops
  default_route: "/app"

persona clerk:
  goals:
    - "Serve customers"
  proficiency_level: novice

scenario launch "Launch day":
  description: "Opening stock"
  for persona admin:
    start_route: "/app/workspaces/ops"
  as persona clerk:
    seed_script: "seed.json"
  demo:
    Product:
      - name: "Kettle", price: 25.50, stock: 3, status: live
      - name: "Mug", price: 4, status: draft, owner: "ann"

demo:
  Product:
    - name: "Spoon", stock: 100

enum Colour "Colour":
  red "Red"
  green

nav main_nav:
  group "Shop":
    ops
    product_list
"""


def test_surface(project) -> None:  # type: ignore[no-untyped-def]
    r = project(BASE, toml='[project]\nname = "shop"\nroot = "shop.core"\n')
    assert r.errors == [], [d.format() for d in r.errors]
    s = r.spec.surfaces["product_list"]
    assert (s.title, s.mode, s.entity_name, s.priority) == ("Products", "list", "Product", "high")
    assert (s.access.kind, s.access.personas) == ("persona", ("admin", "clerk"))
    assert s.sections[0].title == "Catalogue"
    price = s.sections[0].fields[1]
    assert (price.label, price.options) == (
        "Price",
        (("widget", "currency"), ("source", "pack.lookup")),
    )
    assert s.field_names == ("name", "price", "status")
    assert (s.actions[0].name, s.actions[0].trigger, s.actions[0].target.name) == (
        "add",
        "submit",
        "product_create",
    )
    ux = s.ux
    assert [(k.field, k.descending) for k in ux.sort] == [("status", True), ("name", False)]
    assert [f.name for f in ux.filter] == ["status"] and ux.empty == "No products yet"
    warn = ux.attention[0]
    assert (warn.level, warn.message, warn.action.name) == (
        "warning",
        "Low stock",
        "product_create",
    )
    assert warn.when == BoolOp(
        "and",
        (
            Compare("<", FieldRef(("stock",)), Literal(5)),
            Compare("==", FieldRef(("status",)), Literal("live")),
        ),
    )
    clerk = ux.variant_for("clerk")
    assert clerk.scope == Compare("==", FieldRef(("owner",)), Var("current_user"))
    assert clerk.read_only is True and [h.name for h in clerk.hide] == ["price"]
    admin = ux.variant_for("admin")  # the newer `as admin:` spelling
    assert admin.scope_all and dict((k.name, v) for k, v in admin.defaults) == {
        "status": Literal("live"),
        "owner": Var("current_user"),
    }
    assert s.search_fields == ("name",)
    create = r.spec.surfaces["product_create"]
    assert create.sections[0].fields[1].when is not None


def test_workspace(project) -> None:  # type: ignore[no-untyped-def]
    r = project(BASE, toml='[project]\nname = "shop"\nroot = "shop.core"\n')
    w = r.spec.workspaces["ops"]
    assert (w.stage, w.access.kind) == ("command_center", "authenticated")
    group = w.nav_groups[0]
    assert (group.label, group.icon, group.collapsed) == ("Catalogue", "box", True)
    assert [(i.name, i.icon) for i in group.items] == [
        ("product_list", None),
        ("ops", "layout-grid"),
    ]
    assert w.context_selector.entity.name == "Product"
    assert isinstance(w.context_selector.filter, BoolOp)
    regions = {reg.name: reg for reg in w.regions}
    assert (regions["board"].display, regions["board"].group_by.name) == ("kanban", "status")
    low = regions["low"]
    assert low.limit == 10 and low.action.name == "product_create"
    cond = low.filter
    assert isinstance(cond, BoolOp) and cond.operands[1] == InList(
        FieldRef(("status",)), (Literal("live"), Literal("draft"))
    )
    assert isinstance(cond.operands[2].right, DateAnchor)
    aggs = {a.name: a for a in regions["kpis"].aggregates}
    assert (aggs["total"].func, aggs["total"].entity.name) == ("count", "Product")
    assert aggs["live"].where is not None  # WHERE in upper case is accepted
    assert (aggs["value"].entity, aggs["value"].field.name) == (None, "price")
    assert (aggs["top"].entity.name, aggs["top"].field.name) == ("Product", "price")
    assert regions["multi"].display == "tabbed_list"  # default for several sources
    assert w.ux.variant_for("clerk").purpose == "Clerk view"


def test_people_scenarios_enums_navs(project) -> None:  # type: ignore[no-untyped-def]
    r = project(BASE, toml='[project]\nname = "shop"\nroot = "shop.core"\n')
    spec = r.spec
    assert (spec.name, spec.title, spec.app.description, spec.app.features) == (
        "shop",
        "Shop",
        "A small shop",
        (("theme", "warm"),),
    )
    admin = spec.personas["admin"]
    assert (admin.goals, admin.proficiency, admin.default_workspace.name) == (
        ("Keep stock", "Sell"),
        "expert",
        "ops",
    )
    clerk = spec.personas["clerk"]
    assert (clerk.label, clerk.goals) == ("Clerk", ("Serve customers",))
    launch = spec.scenarios["launch"]
    assert [(e.persona.name, e.start_route, e.seed_script) for e in launch.persona_entries] == [
        ("admin", "/app/workspaces/ops", None),
        ("clerk", None, "seed.json"),
    ]
    # the top-level demo: joins the file's last scenario
    assert [f.entity.name for f in launch.demo] == ["Product", "Product"]
    kettle = launch.demo[0].records[0].as_dict()
    assert kettle == {"name": "Kettle", "price": Decimal("25.50"), "stock": 3, "status": "live"}
    assert [(v.name, v.label) for v in spec.enums["Colour"].values] == [
        ("red", "Red"),
        ("green", None),
    ]
    assert [i.name for i in spec.navs["main_nav"].groups[0].items] == ["ops", "product_list"]
    # the unknown persona key is skipped with a warning that names it
    assert [d.code for d in r.warnings] == ["W002"]
    assert "proficiency_level" in r.warnings[0].message


def test_demo_records_keep_every_field(project) -> None:  # type: ignore[no-untyped-def]
    """Published quirk fixed: a keyword-like field name no longer ends the record."""
    r = project("""\
        entity User:
          id: uuid pk
          email: str(100)
          role: enum[admin,member]=member
          priority: int
          department: str(50)

        scenario s:
          demo:
            User:
              - email: "a@b.c", role: admin, priority: 2, department: "Ops"
        """)
    assert r.errors == []
    rec = r.spec.scenarios["s"].demo[0].records[0].as_dict()
    assert rec == {"email": "a@b.c", "role": "admin", "priority": 2, "department": "Ops"}
