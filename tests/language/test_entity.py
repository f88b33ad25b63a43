"""Entities: every field type and modifier, defaults, computed fields, constraints,
invariants, transitions and the access family."""

from __future__ import annotations

from decimal import Decimal

from dazzle.expr.nodes import (
    BoolOp,
    ChildAggregate,
    Compare,
    DateAnchor,
    Duration,
    FieldRef,
    Literal,
    RoleCheck,
    Var,
)
from dazzle.ir.entity import FieldKind

ALL_TYPES = """\
entity Thing "A Thing":
  id: uuid pk
  code: str(20) required unique
  alt: str(20) unique?
  body: text
  n: int=0
  ratio: float
  amount: decimal(10,2)=0.00
  ok: bool=true
  day: date=today + 7d
  at: datetime=now - 24h
  mail: email
  site: url
  tz: timezone="UTC"
  data: json
  slugged: slug
  state: enum[draft,live,gone]=draft
  price: money(usd)
  cost: money
  doc: file(20MB)
  any_doc: file
  parent: ref Thing
  owner: belongs_to Thing
  kids: has_many Child via Link cascade readonly
  one: has_one Child restrict
  meta: embeds Child
  secret: str(50) sensitive searchable indexed
  created: datetime auto_add
  changed: datetime auto_update
  both: int = n + 1
  whom: str(200) pii(category=contact)

entity Child:
  id: uuid pk
  thing: ref Thing required

entity Link:
  id: uuid pk
"""


def test_every_field_type(project) -> None:  # type: ignore[no-untyped-def]
    r = project(ALL_TYPES)
    assert r.errors == []
    t = r.spec.entities["Thing"]
    kinds = {f.name: f.type.kind for f in t.fields}
    assert kinds["code"] is FieldKind.STR and t.get_field("code").type.max_length == 20
    assert kinds["ratio"] is FieldKind.FLOAT and kinds["slugged"] is FieldKind.SLUG
    amount = t.get_field("amount")
    assert (amount.type.precision, amount.type.scale, amount.default) == (
        10,
        2,
        Literal(Decimal("0.00")),
    )
    assert t.get_field("state").type.enum_values == ("draft", "live", "gone")
    assert t.get_field("state").default == Literal("draft")
    assert t.get_field("price").type.currency == "USD"
    assert t.get_field("cost").type.currency == "GBP"
    assert t.get_field("doc").type.max_bytes == 20 * 1024 * 1024
    assert t.get_field("parent").type.ref_entity == "Thing"
    kids = t.get_field("kids").type
    assert (kids.kind, kids.ref_entity, kids.via, kids.on_delete, kids.readonly) == (
        FieldKind.HAS_MANY,
        "Child",
        "Link",
        "cascade",
        True,
    )
    assert kids.is_virtual and not t.get_field("owner").type.is_virtual
    assert t.get_field("day").default == DateAnchor("today", Duration(7, "d"), 1)
    assert t.get_field("at").default == DateAnchor("now", Duration(24, "h"), -1)
    secret = t.get_field("secret")
    assert secret.sensitive and secret.searchable and secret.indexed
    assert t.get_field("alt").unique_nullable and t.get_field("alt").unique
    assert t.get_field("code").required and not t.get_field("body").required
    assert t.get_field("created").auto_add and t.get_field("changed").auto_update
    assert t.get_field("both").default is not None
    assert t.get_field("whom").pii == "contact"
    assert t.pk.name == "id"


def test_title_defaults_to_name(project) -> None:  # type: ignore[no-untyped-def]
    r = project(ALL_TYPES)
    assert r.spec.entities["Thing"].title == "A Thing"
    assert r.spec.entities["Child"].title == "Child"


def test_keywords_are_usable_as_field_names(project) -> None:  # type: ignore[no-untyped-def]
    r = project("""\
        entity Mode:
          id: uuid pk
          mode: str(10)
          section: str(10)
          index: int
          kind: str(5)
          date: date
          count: int
          status: enum[new,done]=new
          entity: str(5)
        """)
    assert r.errors == []
    assert [f.name for f in r.spec.entities["Mode"].fields][1:5] == [
        "mode",
        "section",
        "index",
        "kind",
    ]


def test_constraints_and_invariants(project) -> None:  # type: ignore[no-untyped-def]
    r = project("""\
        entity Booking:
          id: uuid pk
          room: str(10) required
          check_in: date required
          check_out: date required
          guests: int=1
          status: enum[open,closed]=open
          note: text
          unique room, check_in
          index status
          invariant: check_out > check_in
            message: "Check-out must be after check-in"
            code: BAD_DATES
          invariant: status != closed or note != null
          invariant: guests = 1 or guests > 1
        """)
    assert r.errors == []
    b = r.spec.entities["Booking"]
    assert [(c.kind, c.field_names) for c in b.constraints] == [
        ("unique", ("room", "check_in")),
        ("index", ("status",)),
    ]
    first = b.invariants[0]
    assert (first.message, first.code) == ("Check-out must be after check-in", "BAD_DATES")
    # `closed` is an enum value of status, not a field: it resolves to a literal
    second = b.invariants[1].expr
    assert isinstance(second, BoolOp)
    assert second.operands[0] == Compare("!=", FieldRef(("status",)), Literal("closed"))
    # `=` is accepted for `==` in invariants
    third = b.invariants[2].expr
    assert isinstance(third, BoolOp) and third.operands[0].op == "=="


def test_computed_fields_resolve_child_aggregates(project) -> None:  # type: ignore[no-untyped-def]
    r = project("""\
        entity Order:
          id: uuid pk
          placed: date
          lines: has_many Line
          line_count: computed count(Line)
          total: computed sum(Line.amount) * 1.2
          age: computed days_since(placed)
          via_relation: computed count(lines)

        entity Line:
          id: uuid pk
          order: ref Order required
          amount: decimal(10,2)
        """)
    assert r.errors == []
    o = r.spec.entities["Order"]
    assert o.get_computed("line_count").expr == ChildAggregate("count", "Line", "order", None)
    total = o.get_computed("total").expr
    assert total.left == ChildAggregate("sum", "Line", "order", "amount")
    assert o.get_computed("via_relation").expr == ChildAggregate("count", "Line", "order", None)


def test_transitions_and_state_machine_inference(project) -> None:  # type: ignore[no-untyped-def]
    r = project("""\
        entity Ticket:
          id: uuid pk
          kind: enum[bug,feature]=bug
          status: enum[open,doing,done,closed]=open
          owner: str(50)
          transitions:
            open -> doing: requires owner
            doing -> done: role(lead) requires owner
            done -> closed: auto after 7 days or manual
            done -> open:
              guard: owner != null
                message: "Needs an owner"
              role(lead)
            * -> closed: role(admin)
        """)
    assert r.errors == []
    t = r.spec.entities["Ticket"]
    sm = t.state_machine
    assert sm is not None and sm.field == "status"
    assert [(x.from_state, x.to_state) for x in sm.transitions] == [
        ("open", "doing"),
        ("doing", "done"),
        ("done", "closed"),
        ("done", "open"),
        ("*", "closed"),
    ]
    doing_done = sm.transitions[1]
    assert doing_done.roles == ("lead",) and [r.name for r in doing_done.requires] == ["owner"]
    auto = sm.transitions[2]
    assert auto.auto_after == Duration(7, "d") and auto.manual
    guarded = sm.transitions[3]
    assert guarded.guards[0].message == "Needs an owner" and guarded.roles == ("lead",)
    assert sm.targets_from("done") == ("closed", "open")
    assert sm.targets_from("open") == ("doing", "closed")


def test_access_family_maps_to_rules(project) -> None:  # type: ignore[no-untyped-def]
    r = project("""\
        entity Doc:
          id: uuid pk
          owner: str(50)
          public: bool=false
          access:
            read: role(admin) or owner = current_user
            write: owner = current_user
          permit:
            delete: role(admin)
            list: authenticated
          forbid:
            delete: public = true
          visible:
            when anonymous: public = true
          permissions:
            create: anonymous
          audit: [create, delete]
        """)
    assert r.errors == []
    d = r.spec.entities["Doc"]
    rules = [(p.effect, p.operation, p.origin, p.require_auth) for p in d.permissions]
    assert rules == [
        ("permit", "read", "access", True),
        ("permit", "create", "access", True),
        ("permit", "update", "access", True),
        ("permit", "delete", "permit", True),
        ("permit", "list", "permit", True),
        ("forbid", "delete", "forbid", True),
        ("permit", "create", "permissions", False),
    ]
    read = d.permissions[0].condition
    assert read == BoolOp(
        "or", (RoleCheck("admin"), Compare("==", FieldRef(("owner",)), Var("current_user")))
    )
    assert [(v.context) for v in d.visibility] == ["authenticated", "anonymous"]
    assert d.audit == ("create", "delete")


def test_newer_dialect_scope_and_display_field(project) -> None:  # type: ignore[no-untyped-def]
    r = project("""\
        entity Task:
          display_field: title
          id: uuid pk
          title: str(100)
          owner: str(50)
          permit:
            list: role(admin) or role(member)
            update: false
          scope:
            list: owner = current_user
              as: member
            list: all
              as: admin, manager
            read: all
              as: *
        """)
    assert r.errors == []
    t = r.spec.entities["Task"]
    assert t.display_field.name == "title"
    assert [(s.operation, s.personas, s.condition is None) for s in t.scopes] == [
        ("list", ("member",), False),
        ("list", ("admin", "manager"), True),
        ("read", ("*",), True),
    ]
    assert t.permissions[1].condition == Literal(False)


def test_archetypes_extend_entities(project) -> None:  # type: ignore[no-untyped-def]
    r = project("""\
        archetype Stamped:
          created: datetime auto_add
          name: str(10)

        entity Note:
          extends: Stamped
          id: uuid pk
          name: str(200) required
        """)
    assert r.errors == []
    fields = r.spec.entities["Note"].fields
    assert [f.name for f in fields] == ["created", "id", "name"]
    assert fields[2].type.max_length == 200  # the entity's own field wins


def test_metadata_keys_are_accepted(project) -> None:  # type: ignore[no-untyped-def]
    r = project("""\
        entity Product "Product":
          intent: "What we sell"
          domain: commerce
          patterns: catalog, searchable
          archetype: settings
          soft_delete
          id: uuid pk
          sku: str(20)
          examples:
            - sku: "A-1"
          bulk: all
        """)
    assert r.errors == [] and r.warnings == []
    p = r.spec.entities["Product"]
    assert (p.intent, p.domain, p.patterns, p.archetype_kind, p.soft_delete) == (
        "What we sell",
        "commerce",
        ("catalog", "searchable"),
        "settings",
        True,
    )
